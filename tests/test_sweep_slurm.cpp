// `lutsim sweep slurm`: the job-array and merge scripts it writes, the shard
// sizing, and the names it refuses or quotes.  Nothing is submitted here;
// `make test-slurm` runs the scripts on a private cluster.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "run_argv.h"

using testproc::CliResult;
using testproc::slurp;
using testproc::TmpDir;

namespace {

// A spec of `points` points (a random sample) on a pinned architecture.
std::string write_spec(const TmpDir &t, const std::string &name, long points)
{
    std::string path = t.p(name);
    std::ofstream(path) << "{\"base\": {\"model\": \"tiny\", \"quant\": \"W2A8\", \"phase\": \"both\",\n"
                           "  \"batch\": 1, \"seq\": 16, \"context\": 16,\n"
                           "  \"arch\": \"" SRC_DIR "/workloads/arch/default.json\"},\n"
                           " \"random\": {\"count\": "
                        << points
                        << ", \"seed\": 3, \"ranges\": {\"arch.dram.bandwidth_gbps\": "
                           "{\"log\": [16, 1024]}}}}\n";
    return path;
}

CliResult sweep_slurm(const TmpDir &t, const std::vector<std::string> &args)
{
    std::vector<std::string> argv = {LUTSIM_BIN, "sweep", "slurm"};
    argv.insert(argv.end(), args.begin(), args.end());
    int st = testproc::run(argv, t.p("out"), t.p("err"));
    return {st, slurp(t.p("out")), slurp(t.p("err"))};
}

bool exists(const std::string &path)
{
    struct stat sb;
    return lstat(path.c_str(), &sb) == 0;
}

int lines(const std::string &s)
{
    return (int)std::count(s.begin(), s.end(), '\n');
}

} // namespace

TEST(SweepSlurm, ArrayThrottleDependencyAndAbsolutePaths)
{
    TmpDir t;
    std::string spec = write_spec(t, "s.json", 240);
    CliResult r = sweep_slurm(t, {spec, "--out", t.p("sw"), "--tasks", "4", "--cpus", "2",
                                  "--throttle", "3", "--min-task-seconds", "0",
                                  "--partition", "debug", "--time", "0-02:00:00"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    std::string array = slurp(t.p("sw/slurm/array.sbatch"));
    std::string merge = slurp(t.p("sw/slurm/merge.sbatch"));
    EXPECT_NE(array.find("\n#SBATCH --array=0-3%3\n"), std::string::npos) << array;
    EXPECT_NE(array.find("\n#SBATCH --cpus-per-task=2\n"), std::string::npos);
    EXPECT_NE(array.find("\n#SBATCH --partition=debug\n"), std::string::npos);
    EXPECT_NE(array.find("\n#SBATCH --time=0-02:00:00\n"), std::string::npos);
    EXPECT_NE(array.find("\n#SBATCH --output=" + t.dir + "/sw/slurm/logs/shard-%a.out\n"),
              std::string::npos);
    EXPECT_NE(array.find("exec '" LUTSIM_BIN "' sweep run '" + spec + "' --out '" + t.dir +
                         "/sw' --shard \"$SLURM_ARRAY_TASK_ID/4\" -j \"${SLURM_CPUS_PER_TASK:-2}\"\n"),
              std::string::npos)
        << array;
    EXPECT_NE(merge.find("'" LUTSIM_BIN "' sweep merge '" + t.dir + "/sw'"), std::string::npos) << merge;
    EXPECT_EQ(merge.find("#SBATCH --array"), std::string::npos);
    EXPECT_NE(merge.find("sweep status '" + t.dir + "/sw'"), std::string::npos);
    // The submit line: the merge job waits for the whole array, whatever its outcome.
    EXPECT_NE(r.out.find("sbatch --parsable " + t.dir + "/sw/slurm/array.sbatch) && sbatch "
                         "--dependency=afterany:\"${jid%%;*}\" " + t.dir + "/sw/slurm/merge.sbatch\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("240 points in 4 array tasks"), std::string::npos) << r.out;
}

TEST(SweepSlurm, RelativeNamesBecomeAbsolute)
{
    TmpDir t;
    write_spec(t, "s.json", 10);
    std::vector<std::string> argv = {LUTSIM_BIN, "sweep", "slurm", "s.json", "--out", "sw",
                                     "--tasks", "2", "--min-task-seconds", "0"};
    ASSERT_EQ(testproc::run(argv, "", t.p("err"), t.dir), 0) << slurp(t.p("err"));
    std::string array = slurp(t.p("sw/slurm/array.sbatch"));
    EXPECT_NE(array.find("sweep run '" + t.dir + "/s.json' --out '" + t.dir + "/sw'"),
              std::string::npos) << array;
    // Tasks start in the submitter's folder: the spec's relative names hold.
    EXPECT_NE(array.find("\ncd '" + t.dir + "'\n"), std::string::npos);
    // No --partition: the cluster's default; the throttle is at most the tasks.
    EXPECT_EQ(array.find("--partition"), std::string::npos);
    EXPECT_NE(array.find("\n#SBATCH --array=0-1%2\n"), std::string::npos);
}

TEST(SweepSlurm, FewerTasksWhenShardsWouldBeShort)
{
    TmpDir t;
    // 240 points at 5 ms on 4 CPUs: 0.3 s in all, one task.
    CliResult r = sweep_slurm(t, {write_spec(t, "small.json", 240), "--out", t.p("a"), "--tasks", "100",
                                  "--point-ms", "5"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("warning: sweep slurm: --tasks 100"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("using 1 tasks"), std::string::npos) << r.err;
    EXPECT_NE(slurp(t.p("a/slurm/array.sbatch")).find("\n#SBATCH --array=0-0%1\n"), std::string::npos);
    // 100000 points at 5 ms on 1 CPU: 500 s, 4 shards of at least 120 s.
    r = sweep_slurm(t, {write_spec(t, "mid.json", 100000), "--out", t.p("b"), "--tasks", "100",
                        "--cpus", "1", "--point-ms", "5"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(slurp(t.p("b/slurm/array.sbatch")).find("\n#SBATCH --array=0-3%4\n"), std::string::npos);
    // At 20 ms a point, shards of 200 s each: --tasks kept, no warning.
    r = sweep_slurm(t, {t.p("mid.json"), "--out", t.p("c"), "--tasks", "10", "--cpus", "1",
                        "--point-ms", "20"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out.find("timed"), std::string::npos) << "given, not measured";
    EXPECT_NE(slurp(t.p("c/slurm/array.sbatch")).find("\n#SBATCH --array=0-9%10\n"), std::string::npos);
}

// Without --point-ms the points are timed here, the figure printed and used:
// the tasks follow from it by the same arithmetic (points x ms / CPUs over
// --min-task-seconds).
TEST(SweepSlurm, MeasuresThePointTimeWhenNotGiven)
{
    TmpDir t;
    CliResult r = sweep_slurm(t, {write_spec(t, "m.json", 100000), "--out", t.p("m"), "--tasks", "1000",
                                  "--cpus", "1", "--min-task-seconds", "60"});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string tag = "sweep slurm: a point takes ";
    size_t at = r.out.find(tag);
    ASSERT_NE(at, std::string::npos) << r.out;
    double ms = std::stod(r.out.substr(at + tag.size()));
    EXPECT_NE(r.out.find(" ms of CPU here (4 points timed"), std::string::npos) << r.out;
    ASSERT_GT(ms, 0.0);
    long want = (long)(100000 * ms * 1e-3 / 60); // printed to 3 digits: allow one either way
    if (want < 1)
        want = 1;
    if (want > 1000)
        want = 1000;
    std::string script = slurp(t.p("m/slurm/array.sbatch"));
    size_t a = script.find("#SBATCH --array=0-");
    ASSERT_NE(a, std::string::npos);
    long got = std::stol(script.substr(a + 18)) + 1;
    EXPECT_LE(std::labs(got - want), 1 + want / 100) << "tasks " << got << " for " << ms << " ms";
}

TEST(SweepSlurm, NoEmptyShard)
{
    TmpDir t;
    // --min-task-seconds 0 keeps --tasks, but never more tasks than points.
    CliResult r = sweep_slurm(t, {write_spec(t, "s.json", 3), "--out", t.p("sw"), "--tasks", "8",
                                  "--min-task-seconds", "0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "lutsim: warning: sweep slurm: the spec has 3 points: using 3 tasks\n");
    EXPECT_NE(slurp(t.p("sw/slurm/array.sbatch")).find("\n#SBATCH --array=0-2%3\n"), std::string::npos);
}

TEST(SweepSlurm, BadTasksOneLine)
{
    TmpDir t;
    std::string spec = write_spec(t, "s.json", 10);
    for (const char *bad : {"0", "-3", "abc", "1001", "", "4x", " 4"}) {
        CliResult r = sweep_slurm(t, {spec, "--out", t.p("sw"), "--tasks", bad});
        EXPECT_EQ(r.status, 2) << bad;
        EXPECT_EQ(lines(r.err), 1) << bad << ": " << r.err;
        EXPECT_NE(r.err.find("--tasks: expected an integer 1..1000"), std::string::npos) << r.err;
        EXPECT_FALSE(exists(t.p("sw"))) << bad;
    }
    CliResult r = sweep_slurm(t, {spec, "--out", t.p("sw")});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "lutsim: sweep slurm: expected SPEC and --out and --tasks (see `lutsim sweep slurm "
                     "--help`)\n");
}

TEST(SweepSlurm, HostileOutAndOptionsRefused)
{
    TmpDir t;
    std::string spec = write_spec(t, "s.json", 10);
    for (const char *name : {"a b", "x$(touch pwned)", "q'uote", "p%j", "semi;colon", "new\nline", "back`tick`"}) {
        CliResult r = sweep_slurm(t, {spec, "--out", t.p(name), "--tasks", "2"});
        EXPECT_EQ(r.status, 1) << name;
        EXPECT_EQ(lines(r.err), 1) << name << ": " << r.err;
        EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
        EXPECT_FALSE(exists(t.p(name))) << name; // no folder left behind
    }
    struct { const char *opt, *value; } bad[] = {
        {"--partition", "a;b"}, {"--partition", "x/y"}, {"--partition", "a b"},
        {"--time", "1:00 --wrap=x"}, {"--time", "1:2:3:4"}, {"--time", "-5"}, {"--time", "1-"},
        {"--cpus", "0"}, {"--throttle", "0"}, {"--min-task-seconds", "-1"},
    };
    for (const auto &b : bad) {
        CliResult r = sweep_slurm(t, {spec, "--out", t.p("sw"), "--tasks", "2", b.opt, b.value});
        EXPECT_EQ(r.status, 2) << b.opt << " " << b.value;
        EXPECT_EQ(lines(r.err), 1) << r.err;
        EXPECT_NE(r.err.find(b.opt), std::string::npos) << r.err;
        EXPECT_FALSE(exists(t.p("sw")));
    }
}

TEST(SweepSlurm, HostileSpecNameQuotedNotRun)
{
    TmpDir t;
    // A spec file whose name holds quotes and a command substitution: it is
    // written single-quoted, and running the task script runs none of it.
    std::string name = "it's $(touch pwned) `touch pwned2`.json";
    std::string spec = write_spec(t, name, 4);
    CliResult r = sweep_slurm(t, {spec, "--out", t.p("sw"), "--tasks", "2", "--cpus", "1",
                                  "--min-task-seconds", "0"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::string array = slurp(t.p("sw/slurm/array.sbatch"));
    EXPECT_NE(array.find("sweep run '" + t.dir + "/it'\\''s $(touch pwned) `touch pwned2`.json'"),
              std::string::npos) << array;
    std::vector<std::string> env = {"SLURM_ARRAY_TASK_ID=1", "SLURM_CPUS_PER_TASK=1", "SLURM_JOB_ID=7"};
    int st = testproc::run({"bash", t.p("sw/slurm/array.sbatch")}, t.p("task.out"), t.p("task.err"),
                           t.dir, env);
    EXPECT_EQ(st, 0) << slurp(t.p("task.err"));
    EXPECT_FALSE(exists(t.p("pwned")));
    EXPECT_FALSE(exists(t.p("pwned2")));
    EXPECT_TRUE(exists(t.p("sw/shard-1-of-2.sqlite"))) << testproc::list_dir(t.p("sw"));
}

TEST(SweepSlurm, MissingSpecOneLineNothingWritten)
{
    TmpDir t;
    CliResult r = sweep_slurm(t, {t.p("nope.json"), "--out", t.p("sw"), "--tasks", "2"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("nope.json"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(t.p("sw")));
}
