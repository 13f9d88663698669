// rtl_junit.cpp - JUnit XML (rtl_junit.h).
#include "rtl_junit.h"

#include <cstdio>

namespace {

std::string xml_escape(const std::string &s)
{
    std::string o;
    for (char c : s) {
        switch (c) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        default:
            // XML 1.0 admits no control characters but tab and newline
            if ((unsigned char)c >= 0x20 || c == '\n' || c == '\t')
                o += c;
        }
    }
    return o;
}

} // namespace

void JUnitReport::add(const std::string &name, double seconds, Outcome o, const std::string &msg)
{
    cases_.push_back(Case{ name, msg, seconds, o });
}

bool JUnitReport::write(const std::string &path, const std::string &suite) const
{
    FILE *f = fopen(path.c_str(), "w");
    if (!f)
        return false;
    int fails = 0, skips = 0;
    double total = 0;
    for (const Case &c : cases_) {
        fails += c.outcome == FAIL;
        skips += c.outcome == SKIP;
        total += c.seconds;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites tests=\"%zu\" failures=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
            cases_.size(), fails, skips, total);
    fprintf(f, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%d\" skipped=\"%d\" "
            "time=\"%.3f\">\n", xml_escape(suite).c_str(), cases_.size(), fails, skips, total);
    for (const Case &c : cases_) {
        fprintf(f, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"",
                xml_escape(suite).c_str(), xml_escape(c.name).c_str(), c.seconds);
        if (c.outcome == PASS) {
            fprintf(f, "/>\n");
            continue;
        }
        if (c.outcome == SKIP)
            fprintf(f, ">\n      <skipped message=\"%s\"/>\n", xml_escape(c.msg).c_str());
        else
            fprintf(f, ">\n      <failure message=\"mismatch\">%s</failure>\n",
                    xml_escape(c.msg).c_str());
        fprintf(f, "    </testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    return fclose(f) == 0;
}
