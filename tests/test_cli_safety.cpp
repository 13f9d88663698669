// Hostile input through the command line: names that a shell or gnuplot
// would execute, outputs that are also inputs, interrupted and failed runs.
// Nothing in an input file is ever executed, and an output is written
// completely or not at all.
#include <gtest/gtest.h>

#include <jansson.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "npy.h"
#include "run_argv.h"

namespace {

using testproc::list_dir;
using testproc::slurp;

struct Result {
    int status;
    std::string out, err;
};

class Safety : public ::testing::Test {
protected:
    std::string dir;
    void SetUp() override
    {
        char t[] = "/tmp/lutsim-safety-XXXXXX";
        ASSERT_NE(mkdtemp(t), nullptr);
        dir = t;
    }
    void TearDown() override { testproc::remove_tree(dir); }
    std::string p(const std::string &n) const { return dir + "/" + n; }
    bool exists(const std::string &n) const { return access(p(n).c_str(), F_OK) == 0; }
    void write(const std::string &n, const std::string &text) const
    {
        std::ofstream(p(n), std::ios::binary) << text;
    }

    // lutsim with argv (no shell), in the test's folder; env adds variables.
    Result lutsim(std::vector<std::string> args, const std::vector<std::string> &env = {}) const
    {
        args.insert(args.begin(), LUTSIM_BIN);
        int st = testproc::run(args, p(".out"), p(".err"), dir, env);
        return {st, slurp(p(".out")), slurp(p(".err"))};
    }

    // A failure: status 1, one error line on stderr that contains `mention`
    // (after any one-line warnings, e.g. the tiny model's 256 positions).
    void expect_error(const Result &r, const std::string &mention) const
    {
        EXPECT_EQ(r.status, 1) << r.err;
        std::string errs;
        size_t b = 0;
        for (size_t e; (e = r.err.find('\n', b)) != std::string::npos; b = e + 1) {
            std::string line = r.err.substr(b, e - b);
            EXPECT_EQ(line.rfind("lutsim: ", 0), 0u) << "not a lutsim message: " << line;
            if (line.rfind("lutsim: warning: ", 0) != 0)
                errs += line + "\n";
        }
        EXPECT_EQ(b, r.err.size()) << "stderr does not end with a newline: " << r.err;
        EXPECT_NE(errs.find(mention), std::string::npos) << r.err;
        EXPECT_EQ(std::count(errs.begin(), errs.end(), '\n'), 1) << r.err;
    }

    // No *.tmp-PID left in the folder (or in sub, if given).
    void expect_no_tmp(const std::string &sub = "") const
    {
        std::string ls = list_dir(sub.empty() ? dir : p(sub));
        EXPECT_EQ(ls.find(".tmp-"), std::string::npos) << ls;
    }

    // A stand-in for gnuplot on PATH: a shell script with this body.
    std::vector<std::string> fake_gnuplot(const std::string &body) const
    {
        mkdir(p("bin").c_str(), 0777);
        write("bin/gnuplot", "#!/bin/sh\n" + body);
        chmod(p("bin/gnuplot").c_str(), 0755);
        return {"PATH=" + p("bin") + ":/usr/bin:/bin"};
    }

    // A HuggingFace config (the tiny model's) whose _name_or_path is name.
    void write_model(const std::string &file, const std::string &name) const
    {
        json_t *m = json_load_file((std::string(SRC_DIR) + "/workloads/models/tiny.json").c_str(), 0, nullptr);
        ASSERT_NE(m, nullptr);
        json_object_set_new(m, "_name_or_path", json_string(name.c_str()));
        ASSERT_EQ(json_dump_file(m, p(file).c_str(), 0), 0);
        json_decref(m);
    }
    void write_named(const std::string &file, const std::string &base, const std::string &name) const
    {
        json_t *j = json_loads(base.c_str(), 0, nullptr);
        ASSERT_NE(j, nullptr);
        json_object_set_new(j, "name", json_string(name.c_str()));
        ASSERT_EQ(json_dump_file(j, p(file).c_str(), 0), 0);
        json_decref(j);
    }
};

bool is_png(const std::string &path)
{
    std::string s = slurp(path);
    return s.size() > 1000 && s.compare(0, 8, "\x89PNG\r\n\x1a\n", 8) == 0;
}

// The title as gnuplot reads it from the saved script: the plot_title
// line's string literal with its \ooo escapes decoded.
std::string saved_title(const std::string &script)
{
    size_t at = script.find("\nplot_title = \"");
    if (at == std::string::npos)
        return "<no plot_title>";
    std::string t;
    for (size_t i = at + 15; i < script.size() && script[i] != '"'; i++) {
        if (script[i] == '\n' || script[i] == '`')
            return "<raw newline or backquote in the literal>";
        if (script[i] == '\\' && i + 3 < script.size()) {
            t += (char)((script[i + 1] - '0') * 64 + (script[i + 2] - '0') * 8 + (script[i + 3] - '0'));
            i += 3;
        } else {
            t += script[i];
        }
    }
    return t;
}

const char kQuant[] = "{\"name\": \"W2A8\", \"wfmt\": \"int\", \"wbits\": 2, \"group_size\": 128, \"abits\": 8}";

} // namespace

// Names with shell and gnuplot syntax in the model config, the arch file,
// the quantization file and the plot folder: the plot is drawn, its title
// shows the names, and nothing runs, neither in lutsim nor on a redraw.
TEST_F(Safety, HostileNamesArePlottedNotExecuted)
{
    const std::string marker = "/tmp/lutsim-pwn-" + std::to_string(getpid());
    unlink(marker.c_str());
    const std::string model = "$(touch " + marker + ") `touch pwn-m2` it's \"q\" a\\b\nc";
    const std::string arch = "a'b\"c\\d`touch pwn-a1`$(touch pwn-a2)@x";
    const std::string quant = "`touch pwnq`$(touch pwnr)'\"\\\n";
    const std::string folder = "plot'\"$(touch pwn-d1)`touch pwn-d2`\nx";
    write_model("model.json", model);
    write_named("arch.json", "{}", arch);
    write_named("quant.json", kQuant, quant);
    Result r = lutsim({"run", "--model", "model.json", "--quant", "quant.json", "--arch", "arch.json",
                       "--phase", "prefill", "--seq", "16", "--plot", folder});
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char *f : {"roofline.dat", "roofline.gp", "roofline.svg", "roofline.pdf"})
        EXPECT_GT(slurp(p(folder + "/" + f)).size(), 100u) << f;
    EXPECT_TRUE(is_png(p(folder + "/roofline.png")));
    std::string title = saved_title(slurp(p(folder + "/roofline.gp")));
    EXPECT_NE(title.find('\n'), std::string::npos) << "a long title is broken into lines";
    title.erase(std::remove(title.begin(), title.end(), '\n'), title.end());
    // control characters are shown as \n; everything else as written
    for (std::string name : {model, arch, quant}) {
        for (size_t i; (i = name.find('\n')) != std::string::npos;)
            name.replace(i, 1, "\\n");
        EXPECT_NE(title.find(name), std::string::npos) << "title: " << title << "\nname: " << name;
    }
    // Redraw from the saved files, as a user would.
    ASSERT_EQ(unlink(p(folder + "/roofline.png").c_str()), 0);
    EXPECT_EQ(testproc::run({"gnuplot", "roofline.gp"}, "", p(".gp-err"), p(folder)), 0)
        << slurp(p(".gp-err"));
    EXPECT_TRUE(is_png(p(folder + "/roofline.png")));
    // (the folder's own name holds "pwn" inside; a file made by touch starts with it)
    std::string all = "\n" + list_dir(dir) + list_dir(p(folder));
    EXPECT_EQ(all.find("\npwn"), std::string::npos) << all;
    EXPECT_NE(access(marker.c_str(), F_OK), 0) << marker << " was created";
    expect_no_tmp(folder);
}

// A round peak (lut-small.json: the vector unit's 8e+09 ops/s) used to
// break the script; the saved script redraws the figure alone, from its
// own folder or from anywhere.
TEST_F(Safety, SavedScriptRedrawsTheRoofline)
{
    Result r = lutsim({"run", "--model", "tiny", "--quant", "W2A8", "--phase", "decode", "--arch",
                       std::string(SRC_DIR) + "/workloads/arch/lut-small.json", "--plot", "fig"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("roofline: fig/roofline.png"), std::string::npos) << r.out;
    std::string gp = slurp(p("fig/roofline.gp"));
    EXPECT_NE(gp.find("8.000000000e+09"), std::string::npos) << gp.substr(0, 600);
    EXPECT_NE(gp.find("bw_gbs = 8.000000000e+00"), std::string::npos) << gp.substr(0, 600);
    EXPECT_EQ(gp.find(dir), std::string::npos) << "the script names its files relative to itself";
    for (const char *f : {"fig/roofline.png", "fig/roofline.svg", "fig/roofline.pdf"})
        ASSERT_EQ(unlink(p(f).c_str()), 0) << f;
    ASSERT_EQ(testproc::run({"gnuplot", "roofline.gp"}, "", p(".gp-err"), p("fig")), 0)
        << slurp(p(".gp-err"));
    EXPECT_TRUE(is_png(p("fig/roofline.png")));
    EXPECT_GT(slurp(p("fig/roofline.svg")).size(), 1000u);
    EXPECT_EQ(slurp(p("fig/roofline.pdf")).compare(0, 5, "%PDF-"), 0);
    ASSERT_EQ(unlink(p("fig/roofline.png").c_str()), 0);
    ASSERT_EQ(testproc::run({"gnuplot", p("fig/roofline.gp")}, "", p(".gp-err"), "/"), 0)
        << slurp(p(".gp-err"));
    EXPECT_TRUE(is_png(p("fig/roofline.png")));
}

// gnuplot's own error line is reported; "not installed" only when it is
// not there; an earlier figure stays as it was; a folder the run created
// is removed again.
TEST_F(Safety, FailedPlotKeepsEarlierFilesAndReportsGnuplot)
{
    ASSERT_EQ(lutsim({"run", "--model", "tiny", "--quant", "W2A8", "--plot", "fig"}).status, 0);
    const std::string dat = slurp(p("fig/roofline.dat")), gp = slurp(p("fig/roofline.gp"));
    const std::string png = slurp(p("fig/roofline.png"));
    auto env = fake_gnuplot("echo 'G N U P L O T banner' >&2\n"
                            "echo '\"x.gp\" line 7: undefined variable: foo' >&2\nexit 1\n");
    // A different run (other arch, batch): its files would differ.  --quiet:
    // on a loaded machine a run over a second prints progress lines, and
    // this test counts stderr's error lines.
    Result r = lutsim({"run", "--model", "tiny", "--quant", "W4A8", "--batch", "3", "--quiet", "--plot", "fig",
                       "--json", "r.json"}, env);
    expect_error(r, "gnuplot failed (exit status 1): \"x.gp\" line 7: undefined variable: foo");
    EXPECT_EQ(r.err.find("installed"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(p("fig/roofline.dat")), dat);
    EXPECT_EQ(slurp(p("fig/roofline.gp")), gp);
    EXPECT_EQ(slurp(p("fig/roofline.png")), png);
    EXPECT_FALSE(exists("r.json"));
    expect_no_tmp();
    expect_no_tmp("fig");

    r = lutsim({"run", "--model", "tiny", "--quant", "W2A8", "--quiet", "--plot", "new", "--json", "new/r.json"}, env);
    expect_error(r, "line 7: undefined variable");
    EXPECT_FALSE(exists("new")) << list_dir(dir);

    r = lutsim({"run", "--model", "tiny", "--quant", "W2A8", "--quiet", "--plot", "new"}, {"PATH=/nonexistent"});
    expect_error(r, "gnuplot is not installed");
    EXPECT_FALSE(exists("new")) << list_dir(dir);

    // exits 0 but writes nothing
    r = lutsim({"run", "--model", "tiny", "--quant", "W2A8", "--quiet", "--plot", "new"}, fake_gnuplot("exit 0\n"));
    expect_error(r, "roofline.png: gnuplot wrote nothing");
    EXPECT_FALSE(exists("new")) << list_dir(dir);
}

namespace {

// Waits up to 10 s for cond; false on time-out.
template <class F> bool wait_for(F cond)
{
    for (int i = 0; i < 1000; i++) {
        if (cond())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

// Waits for pid, killing it after 10 s; its wait status, or -1.
int reap(pid_t pid)
{
    int st = -1;
    if (!wait_for([&] { return waitpid(pid, &st, WNOHANG) == pid; })) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return -1;
    }
    return st;
}

} // namespace

// A signal while gnuplot draws: lutsim stops gnuplot, removes every staged
// file and the plot folder it created, and dies of that signal.
TEST_F(Safety, SignalDuringPlotLeavesNothing)
{
    auto env = fake_gnuplot("echo $$ > \"" + p("gnuplot.pid") + "\"\nexec sleep 30\n");
    for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGPIPE}) {
        unlink(p("gnuplot.pid").c_str());
        pid_t pid = testproc::start({LUTSIM_BIN, "run", "--model", "tiny", "--quant", "W2A8", "--plot",
                                     "fig", "--json", "r.json", "--csv", "r.csv"},
                                    "", p(".err"), dir, env);
        ASSERT_GT(pid, 0);
        ASSERT_TRUE(wait_for([&] { return slurp(p("gnuplot.pid")).size() > 1; })) << strsignal(sig);
        pid_t gp = (pid_t)std::stol(slurp(p("gnuplot.pid")));
        EXPECT_NE(list_dir(p("fig")).find("roofline.png.tmp-"), std::string::npos);
        kill(pid, sig);
        int st = reap(pid);
        EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == sig) << strsignal(sig) << " status " << st;
        EXPECT_FALSE(exists("fig")) << strsignal(sig) << ": " << list_dir(p("fig"));
        EXPECT_FALSE(exists("r.json") || exists("r.csv")) << strsignal(sig);
        expect_no_tmp();
        bool gone = kill(gp, 0) != 0 && errno == ESRCH;
        EXPECT_TRUE(gone) << "gnuplot still runs after " << strsignal(sig);
        if (!gone)
            kill(gp, SIGKILL);
    }
}

// A signal in the middle of a GEMM: the statistics and trace being written
// are removed.
TEST_F(Safety, SignalDuringGemmLeavesNoTemporary)
{
    for (int sig : {SIGTERM, SIGHUP}) {
        pid_t pid = testproc::start({LUTSIM_BIN, "gemm", "--random", "64x2048x2048", "--wfmt", "int",
                                     "--wbits", "2", "--stats", "s.json", "--trace", "t.json"},
                                    "", "", dir);
        ASSERT_GT(pid, 0);
        ASSERT_TRUE(wait_for([&] { return list_dir(dir).find("t.json.tmp-") != std::string::npos; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        kill(pid, sig);
        int st = reap(pid);
        EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == sig) << strsignal(sig) << " status " << st;
        expect_no_tmp();
        EXPECT_FALSE(exists("s.json") || exists("t.json"));
    }
}

// SIGKILL cannot be caught: the next run removes the temporaries of a
// process that is gone, and leaves those of a live one and other files.
TEST_F(Safety, NextRunRemovesStaleTemporaries)
{
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    ASSERT_GT(dead, 0);
    waitpid(dead, nullptr, 0);
    const std::string d = std::to_string(dead), live = std::to_string(getpid());
    mkdir(p("fig").c_str(), 0777);
    for (const std::string &f : std::vector<std::string>{"r.json.tmp-" + d, "fig/roofline.png.tmp-" + d,
                                 "fig/roofline.dat.tmp-" + d, "r.json.tmp-" + live, "r.json.tmp-12ab",
                                 "other.tmp-" + d})
        write(f, "");
    Result r = lutsim({"run", "--model", "tiny", "--quant", "W2A8", "--json", "r.json", "--plot", "fig"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(exists("r.json.tmp-" + d));
    EXPECT_FALSE(exists("fig/roofline.png.tmp-" + d));
    EXPECT_FALSE(exists("fig/roofline.dat.tmp-" + d));
    EXPECT_TRUE(exists("r.json.tmp-" + live)) << "a live process's file";
    EXPECT_TRUE(exists("r.json.tmp-12ab"));
    EXPECT_TRUE(exists("other.tmp-" + d)) << "not beside an output of this run";
    EXPECT_TRUE(exists("r.json") && exists("fig/roofline.png"));
    // the plot folder is made before the other outputs are staged
    r = lutsim({"run", "--model", "tiny", "--quant", "W2A8", "--json", "new/r.json", "--plot", "new"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(exists("new/r.json") && exists("new/roofline.png"));
}

namespace {

void save_npy(const std::string &path, std::vector<int64_t> shape, const std::vector<int8_t> &v)
{
    npy_array a;
    ASSERT_EQ(npy_alloc(&a, NPY_INT8, (int)shape.size(), shape.data()), 0);
    memcpy(a.data, v.data(), v.size());
    char e[512];
    ASSERT_EQ(npy_write(path.c_str(), &a, e, sizeof e), 0) << e;
    npy_free(&a);
}

} // namespace

// An output that is also an input is refused before any work, however it
// is spelled (another path, a symbolic link, a hard link); so is an output
// that is a folder or in a folder that does not exist.
TEST_F(Safety, GemmRefusesOutputsThatAreInputsOrFolders)
{
    save_npy(p("A.npy"), {4, 64}, std::vector<int8_t>(256, 3));
    save_npy(p("W.npy"), {8, 64}, std::vector<int8_t>(512, 1));
    const std::string a = slurp(p("A.npy")), w = slurp(p("W.npy"));
    ASSERT_EQ(symlink("A.npy", p("link.npy").c_str()), 0);
    ASSERT_EQ(link(p("W.npy").c_str(), p("hard.npy").c_str()), 0);
    mkdir(p("folder").c_str(), 0777);
    std::vector<std::string> io = {"gemm", "--act", "A.npy", "--weight", "W.npy", "--wfmt", "int",
                                   "--wbits", "2"};
    struct Case {
        std::vector<std::string> extra;
        std::string mention;
    };
    for (const Case &c : std::vector<Case>{
             {{"--out", "A.npy"}, "A.npy: is also the input --act"},
             {{"--out", "./A.npy"}, "is also the input --act"},
             {{"--out", dir + "/../" + dir.substr(5) + "/A.npy"}, "is also the input --act"},
             {{"--out", "link.npy"}, "link.npy: is also the input --act"},
             {{"--out", "C.npy", "--stats", "hard.npy"}, "hard.npy: is also the input --weight"},
             {{"--out", "C.npy", "--program", "W.npy"}, "is also the input --weight"},
             {{"--out", "folder"}, "folder: is a folder"},
             {{"--out", "folder/"}, "names a folder"},
             {{"--out", "nowhere/C.npy"}, "nowhere/C.npy: cannot write"},
             {{"--out", "C.npy", "--stats", "C.npy"}, "C.npy: given as two outputs"},
         }) {
        std::vector<std::string> args = io;
        args.insert(args.end(), c.extra.begin(), c.extra.end());
        Result r = lutsim(args);
        expect_error(r, c.mention);
        EXPECT_EQ(r.out, "") << "the GEMM ran before the output was checked";
        EXPECT_EQ(slurp(p("A.npy")), a);
        EXPECT_EQ(slurp(p("W.npy")), w);
        EXPECT_FALSE(exists("C.npy"));
        expect_no_tmp();
    }
    // The symbolic link is followed on success: the link stays a link.
    ASSERT_EQ(symlink("real.npy", p("out-link.npy").c_str()), 0);
    write("real.npy", "old");
    std::vector<std::string> ok = io;
    ok.insert(ok.end(), {"--out", "out-link.npy"});
    Result r = lutsim(ok);
    ASSERT_EQ(r.status, 0) << r.err;
    struct stat sb;
    ASSERT_EQ(lstat(p("out-link.npy").c_str(), &sb), 0);
    EXPECT_TRUE(S_ISLNK(sb.st_mode));
    EXPECT_EQ(slurp(p("real.npy")).compare(0, 6, "\x93NUMPY"), 0);
}

TEST_F(Safety, RunRefusesOutputsThatAreInputs)
{
    write_model("model.json", "m");
    write_named("arch.json", "{}", "a");
    write_named("quant.json", kQuant, "q");
    write("energy.json", slurp(std::string(SRC_DIR) + "/workloads/energy/default.json"));
    std::vector<std::string> io = {"run", "--model", "model.json", "--quant", "quant.json", "--arch",
                                   "arch.json", "--energy", "energy.json", "--phase", "decode"};
    struct Case {
        std::vector<std::string> extra;
        std::string mention;
    };
    for (const Case &c : std::vector<Case>{
             {{"--json", "model.json"}, "model.json: is also the input --model"},
             {{"--csv", "./quant.json"}, "is also the input --quant"},
             {{"--trace", "arch.json"}, "arch.json: is also the input --arch"},
             {{"--json", "energy.json"}, "energy.json: is also the input --energy"},
             {{"--json", "r.json", "--csv", "./r.json"}, "given as two outputs"},
             {{"--json", "."}, "is a folder"},
             {{"--plot", "model.json"}, "model.json: exists and is not a folder"},
         }) {
        const std::string before = slurp(p("model.json")) + slurp(p("quant.json")) +
                                   slurp(p("arch.json")) + slurp(p("energy.json"));
        std::vector<std::string> args = io;
        args.insert(args.end(), c.extra.begin(), c.extra.end());
        Result r = lutsim(args);
        expect_error(r, c.mention);
        EXPECT_EQ(r.out, "") << "the run started before the outputs were checked";
        EXPECT_EQ(slurp(p("model.json")) + slurp(p("quant.json")) + slurp(p("arch.json")) +
                      slurp(p("energy.json")),
                  before);
        EXPECT_FALSE(exists("r.json"));
        expect_no_tmp();
    }
}

TEST_F(Safety, ExecAndAsmRefuseOutputsThatAreInputs)
{
    write("p.s", "barrier\nhalt\n");
    write("img.bin", std::string(4096, '\0'));
    ASSERT_EQ(lutsim({"asm", "p.s", "-o", "p.bin"}).status, 0);
    const std::string s = slurp(p("p.s")), bin = slurp(p("p.bin")), img = slurp(p("img.bin"));
    expect_error(lutsim({"asm", "p.s", "-o", "p.s"}), "p.s: is also the input file");
    expect_error(lutsim({"disasm", "p.bin", "-o", "./p.bin"}), "is also the input file");
    expect_error(lutsim({"exec", "p.bin", "--mem", "img.bin", "--dump-mem", "img.bin"}),
                 "img.bin: is also the input --mem");
    expect_error(lutsim({"exec", "p.s", "--stats", "p.s"}), "p.s: is also the input PROGRAM");
    expect_error(lutsim({"exec", "p.s", "--trace", "."}), "is a folder");
    EXPECT_EQ(slurp(p("p.s")), s);
    EXPECT_EQ(slurp(p("p.bin")), bin);
    EXPECT_EQ(slurp(p("img.bin")), img);
    expect_no_tmp();
}
