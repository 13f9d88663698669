// rtl_junit.h - a JUnit XML report (the format CI servers read): one
// <testcase> per regression case, failures and skips with their message.
#ifndef RTL_JUNIT_H
#define RTL_JUNIT_H

#include <string>
#include <vector>

class JUnitReport {
public:
    enum Outcome { PASS, FAIL, SKIP };
    void add(const std::string &name, double seconds, Outcome o, const std::string &msg = "");
    // Writes the whole report (suite name, counts, every case) to path;
    // false when the file cannot be written.
    bool write(const std::string &path, const std::string &suite) const;

private:
    struct Case {
        std::string name, msg;
        double seconds;
        Outcome outcome;
    };
    std::vector<Case> cases_;
};

#endif
