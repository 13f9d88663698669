// README.md against the program: every option a command's --help lists is
// in that command's synopsis in README, and every option a synopsis lists
// is in the --help; `lutsim version` prints what README says.
#include <gtest/gtest.h>

#include <stdio.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "run_argv.h"

namespace {

// lutsim's stdout for args (from an argument vector: no shell).
std::string run(const std::string &args)
{
    testproc::TmpDir t; // a folder of its own: parallel runs cannot collide
    const std::string out = t.p("lutsim-readme.out");
    testproc::lutsim(args, out, "");
    return testproc::slurp(out);
}

// Options written as -x or --long-name, standing alone (not inside words
// like "read-after-write" or numbers like -1).
std::set<std::string> options_in(const std::string &text)
{
    static const std::regex opt("(^|[\\s\\[|(`,])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?=[\\s\\]|=,.)`']|$)");
    std::set<std::string> out;
    for (std::sregex_iterator it(text.begin(), text.end(), opt), end; it != end; ++it)
        out.insert((*it)[2].str());
    return out;
}

// What a --help text documents: its usage lines (up to the first blank
// line) and the option list (lines that start, indented, with an option).
std::set<std::string> help_options(const std::string &help)
{
    std::istringstream in(help);
    std::string line, usage, list;
    bool in_usage = true;
    static const std::regex item("^\\s+-");
    while (std::getline(in, line)) {
        if (line.empty())
            in_usage = false;
        if (in_usage)
            usage += line + "\n";
        else if (std::regex_search(line, item))
            list += line.substr(0, line.find("  ", line.find_first_not_of(' '))) + "\n";
    }
    std::set<std::string> a = options_in(usage), b = options_in(list);
    a.insert(b.begin(), b.end());
    return a;
}

// README's synopses: in an indented code block, a line "lutsim CMD ..."
// and the more deeply indented lines that follow it.
std::map<std::string, std::string> readme_synopses()
{
    std::ifstream in(std::string(SRC_DIR) + "/README.md");
    std::map<std::string, std::string> syn;
    std::string line, cmd;
    static const std::regex start("^    lutsim ([a-z]+)\\b");
    static const std::regex more("^      +\\S");
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, start)) {
            cmd = m[1].str();
            syn[cmd] += line + "\n";
        } else if (!cmd.empty() && std::regex_search(line, more)) {
            syn[cmd] += line + "\n";
        } else {
            cmd.clear();
        }
    }
    return syn;
}

TEST(Readme, EverySynopsisListsEveryOptionOfItsHelp)
{
    std::map<std::string, std::string> syn = readme_synopses();
    for (const char *cmd : {"arch", "asm", "disasm", "exec", "gemm", "run", "compare", "quantize"}) {
        SCOPED_TRACE(cmd);
        std::string help = run(std::string(cmd) + " --help");
        ASSERT_NE(help.find("usage: lutsim " + std::string(cmd)), std::string::npos) << help;
        std::set<std::string> h = help_options(help);
        EXPECT_GE(h.size(), 3u); // at least one option besides -h, --help
        ASSERT_TRUE(syn.count(cmd)) << "README has no synopsis for " << cmd;
        std::set<std::string> r = options_in(syn[cmd]);
        for (const std::string &o : h)
            EXPECT_TRUE(r.count(o)) << o << " is in `lutsim " << cmd << " --help` but not in README's synopsis:\n"
                                    << syn[cmd];
        for (const std::string &o : r)
            EXPECT_TRUE(h.count(o)) << o << " is in README's synopsis but not in `lutsim " << cmd << " --help`:\n"
                                    << help;
    }
}

TEST(Readme, ExtractsOptionsLikeAReader)
{
    // the extraction itself: an option list line, words with dashes, numbers
    std::set<std::string> o = help_options("usage: lutsim x [--aa A] [-b]\n\n"
                                           "  -c, --cc-dd N   read-after-write, -1 or `--ee`\n"
                                           "text that names --ff\n");
    EXPECT_EQ(o, (std::set<std::string>{"--aa", "-b", "-c", "--cc-dd"}));
}

TEST(Readme, VersionPrintsTheVersionAndDocumentsIt)
{
    std::string v = run("version");
    EXPECT_TRUE(std::regex_match(v, std::regex("lutsim [0-9]+\\.[0-9]+\\.[0-9]+( \\(git [A-Za-z0-9._+-]+\\))?\n")))
        << "'" << v << "'";
    EXPECT_EQ(run("--version"), v);
    std::map<std::string, std::string> syn = readme_synopses();
    EXPECT_TRUE(syn.count("version"));
    EXPECT_TRUE(syn.count("help"));
}

} // namespace
