// run_argv.h - the tests start programs (lutsim, gnuplot, python3) from an
// argument vector, never through a shell: a path or a name with quotes,
// $(...) or a newline reaches the program as one argument and runs nothing.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

extern char **environ;

namespace testproc {

// Splits a command line into words at blanks; '...' and "..." group
// characters into a word (no escapes, no expansion: nothing is executed).
inline std::vector<std::string> split_words(const std::string &s)
{
    std::vector<std::string> words;
    std::string w;
    bool in_word = false;
    char quote = 0;
    for (char c : s) {
        if (quote) {
            if (c == quote)
                quote = 0;
            else
                w += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word)
                words.push_back(w);
            w.clear();
            in_word = false;
        } else {
            w += c;
            in_word = true;
        }
    }
    if (in_word)
        words.push_back(w);
    return words;
}

// Starts argv[0] (looked up on PATH) in folder cwd ("" = here), stdin from
// /dev/null, stdout and stderr to files ("" = /dev/null, "-" = the test's own).  env holds
// "NAME=value" entries that replace or extend the environment.  Returns
// the pid, or -1.
inline pid_t start(const std::vector<std::string> &argv, const std::string &out = "",
                   const std::string &err = "", const std::string &cwd = "",
                   const std::vector<std::string> &env = {})
{
    std::vector<std::string> envs;
    for (char **e = environ; *e; e++) {
        std::string kv = *e;
        bool replaced = false;
        for (const std::string &o : env)
            replaced |= kv.compare(0, o.find('=') + 1, o, 0, o.find('=') + 1) == 0;
        if (!replaced)
            envs.push_back(kv);
    }
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<char *> av, ev;
    for (const std::string &a : argv)
        av.push_back(const_cast<char *>(a.c_str()));
    av.push_back(nullptr);
    for (const std::string &e : envs)
        ev.push_back(const_cast<char *>(e.c_str()));
    ev.push_back(nullptr);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    auto redirect = [](const std::string &path, int fd) {
        if (path == "-")
            return true;
        int f = path.empty() ? open("/dev/null", O_RDWR)
                             : open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
        return f >= 0 && dup2(f, fd) >= 0;
    };
    // The program starts with default signal actions and no core dumps,
    // whatever the test runner set.
    for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE})
        signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    if (!redirect("", 0) || !redirect(out, 1) || !redirect(err, 2) ||
        (!cwd.empty() && chdir(cwd.c_str()) != 0))
        _exit(126);
    execvpe(av[0], av.data(), ev.data());
    _exit(127);
}

// Waits for pid: its exit status, or -1 if a signal ended it.
inline int wait_status(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

inline int run(const std::vector<std::string> &argv, const std::string &out = "",
               const std::string &err = "", const std::string &cwd = "",
               const std::vector<std::string> &env = {})
{
    return wait_status(start(argv, out, err, cwd, env));
}

// The words of args, pinned to the ideal architecture: a command that
// takes --arch (run, gemm, exec; not gemm --engine host) and names none gets workloads/arch/
// ideal.json, the model the suites' figures are derived on.  The embedded
// default is a realistic design point; a test of it names default.json.
inline std::vector<std::string> on_ideal(const std::vector<std::string> &words)
{
    std::vector<std::string> w = words;
    if (w.empty() || (w[0] != "run" && w[0] != "gemm" && w[0] != "exec"))
        return w;
    for (size_t i = 0; i < w.size(); i++)
        if (w[i] == "--arch" || w[i] == "-h" || w[i] == "--help" ||
            (w[i] == "--engine" && i + 1 < w.size() && w[i + 1] == "host")) // no timing
            return w;
    w.push_back("--arch");
    w.push_back(std::string(SRC_DIR) + "/workloads/arch/ideal.json");
    return w;
}

// lutsim with the words of args (split_words) as its arguments, on the
// ideal architecture unless args name one (on_ideal).
inline int lutsim(const std::string &args, const std::string &out = "", const std::string &err = "",
                  const std::string &cwd = "")
{
    std::vector<std::string> argv = {LUTSIM_BIN};
    for (const std::string &w : on_ideal(split_words(args)))
        argv.push_back(w);
    return run(argv, out, err, cwd);
}

inline std::string slurp(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline void remove_tree(const std::string &dir)
{
    std::error_code ec;
    if (!dir.empty())
        std::filesystem::remove_all(dir, ec);
}

// The names in dir (with dot files), one per line.
inline std::string list_dir(const std::string &dir)
{
    std::string names;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(dir, ec))
        names += e.path().filename().string() + "\n";
    return names;
}

// A temporary folder for one test, removed with everything in it.
struct TmpDir {
    std::string dir;
    TmpDir()
    {
        char t[] = "/tmp/lutsim-test-XXXXXX";
        const char *d = mkdtemp(t);
        dir = d ? d : "";
    }
    TmpDir(const TmpDir &) = delete;
    TmpDir &operator=(const TmpDir &) = delete;
    ~TmpDir() { remove_tree(dir); }
    std::string p(const std::string &name) const { return dir + "/" + name; }
};

// What one lutsim run gave: exit status (-1 if a signal ended it), stdout, stderr.
struct CliResult {
    int status;
    std::string out, err;
};

// lutsim with the words of args, its output kept in t's folder.
inline CliResult lutsim(const TmpDir &t, const std::string &args)
{
    int st = lutsim(args, t.p("out"), t.p("err"));
    return {st, slurp(t.p("out")), slurp(t.p("err"))};
}

} // namespace testproc
