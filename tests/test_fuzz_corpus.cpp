// Replays the fuzz corpus: every input in tests/fuzz/corpus/NAME/ (inputs
// that once found a bug) and the workloads/ files of the JSON readers,
// through the fuzz targets of tests/fuzz/ compiled with the C compiler.
// Each input runs in a child process, as libFuzzer would run it: a target
// that finds a broken promise aborts, a regressed bug may crash, and the
// child is killed after 10 s; any of these fails the test with the file.
#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_common.h"

extern "C" {
int fuzz_npy_one_input(const uint8_t *, size_t);
int fuzz_arch_one_input(const uint8_t *, size_t);
int fuzz_energy_one_input(const uint8_t *, size_t);
int fuzz_model_one_input(const uint8_t *, size_t);
int fuzz_quant_one_input(const uint8_t *, size_t);
int fuzz_asm_one_input(const uint8_t *, size_t);
int fuzz_prog_one_input(const uint8_t *, size_t);
int fuzz_sim_one_input(const uint8_t *, size_t);
int fuzz_safetensors_one_input(const uint8_t *, size_t);
}

namespace {

typedef int (*target_fn)(const uint8_t *, size_t);

struct Target {
    const char *name;
    target_fn fn;
    const char *workloads; // seeds that are also replayed, or nullptr
};

const Target targets[] = {
    { "npy", fuzz_npy_one_input, nullptr },
    { "arch", fuzz_arch_one_input, "workloads/arch" },
    { "energy", fuzz_energy_one_input, "workloads/energy" },
    { "model", fuzz_model_one_input, "workloads/models" },
    { "quant", fuzz_quant_one_input, "workloads/quant" },
    { "asm", fuzz_asm_one_input, nullptr },
    { "prog", fuzz_prog_one_input, nullptr },
    { "sim", fuzz_sim_one_input, nullptr },
    { "safetensors", fuzz_safetensors_one_input, nullptr },
};

std::vector<std::string> files_in(const std::string &dir)
{
    std::vector<std::string> out;
    DIR *d = opendir(dir.c_str());
    if (!d)
        return out;
    while (struct dirent *e = readdir(d)) {
        std::string path = dir + "/" + e->d_name;
        struct stat sb;
        if (e->d_name[0] != '.' && stat(path.c_str(), &sb) == 0 && S_ISREG(sb.st_mode))
            out.push_back(path);
    }
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

// The scratch folder the targets write their input files to, made once
// here so that the children share it and it is removed at the end.
struct Scratch {
    Scratch()
    {
        std::snprintf(fuzz_scratch_dir, sizeof fuzz_scratch_dir, "/tmp/lutsim-replay-XXXXXX");
        if (!mkdtemp(fuzz_scratch_dir))
            std::abort();
    }
    ~Scratch()
    {
        for (const std::string &f : files_in(fuzz_scratch_dir))
            unlink(f.c_str());
        rmdir(fuzz_scratch_dir);
    }
};
Scratch scratch;

// Runs fn on the file's bytes in a child; "" if it returned, else what
// happened to it.
std::string replay(target_fn fn, const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return "cannot read " + path;
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0)
        return "fork failed";
    if (pid == 0) {
        alarm(10);
        fn(bytes.data(), bytes.size());
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return "waitpid failed";
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return "";
    if (WIFSIGNALED(status))
        return WTERMSIG(status) == SIGALRM ? "ran over 10 s"
                                           : std::string("died of ") + strsignal(WTERMSIG(status));
    return "exited with status " + std::to_string(WEXITSTATUS(status));
}

std::string corpus_dir(const char *name)
{
    return std::string(SRC_DIR) + "/tests/fuzz/corpus/" + name;
}

TEST(FuzzCorpus, EveryInputReplaysCleanly)
{
    int replayed = 0;
    for (const Target &t : targets) {
        std::vector<std::string> files = files_in(corpus_dir(t.name));
        if (t.workloads) {
            std::vector<std::string> w = files_in(std::string(SRC_DIR) + "/" + t.workloads);
            files.insert(files.end(), w.begin(), w.end());
        }
        for (const std::string &f : files) {
            EXPECT_EQ(replay(t.fn, f), "") << t.name << ": " << f;
            replayed++;
        }
    }
    EXPECT_GT(replayed, 20); // the workloads alone are more
}

// A corpus folder must belong to a target, or its inputs would be skipped.
TEST(FuzzCorpus, EveryFolderIsATarget)
{
    std::string root = std::string(SRC_DIR) + "/tests/fuzz/corpus";
    DIR *d = opendir(root.c_str());
    ASSERT_NE(d, nullptr) << root;
    while (struct dirent *e = readdir(d)) {
        struct stat sb;
        std::string path = root + "/" + e->d_name;
        if (e->d_name[0] == '.' || stat(path.c_str(), &sb) != 0 || !S_ISDIR(sb.st_mode))
            continue; // README.md
        bool known = false;
        for (const Target &t : targets)
            known |= std::strcmp(t.name, e->d_name) == 0;
        EXPECT_TRUE(known) << "tests/fuzz/corpus/" << e->d_name << " is not a fuzz target";
    }
    closedir(d);
}

// The replay can fail: a finding (an abort in the child) and a hang-free
// crash are both reported, a clean input is not.
int finds_something(const uint8_t *, size_t) { fuzz_fail("test", "planted finding"); }
int crashes(const uint8_t *, size_t) { kill(getpid(), SIGKILL); return 0; }
int clean(const uint8_t *, size_t) { return 0; }

TEST(FuzzCorpus, ReplayReportsFindings)
{
    std::string any = std::string(SRC_DIR) + "/workloads/quant/W2A8.json";
    EXPECT_NE(replay(finds_something, any), "");
    EXPECT_NE(replay(crashes, any), "");
    EXPECT_EQ(replay(clean, any), "");
}

// Each target's oracle rejects what it must: a multi-line error is a
// finding, a one-line error naming the file is not.
TEST(FuzzCorpus, MultiLineErrorIsAFinding)
{
    std::string f = std::string(SRC_DIR) + "/workloads/quant/W2A8.json";
    auto two_lines = [](const uint8_t *, size_t) -> int {
        fuzz_check_error("test", "a.json: first\nsecond", "a.json: ");
        return 0;
    };
    auto one_line = [](const uint8_t *, size_t) -> int {
        fuzz_check_error("test", "a.json: key: problem", "a.json: ");
        return 0;
    };
    auto no_name = [](const uint8_t *, size_t) -> int {
        fuzz_check_error("test", "key: problem", "a.json: ");
        return 0;
    };
    // a raw newline is spelled out as the command line prints it: one line
    EXPECT_EQ(replay(two_lines, f), "");
    EXPECT_EQ(replay(one_line, f), "");
    EXPECT_NE(replay(no_name, f), "");
}

} // namespace
