// `lutsim sweep` end to end, from argument vectors: a sweep killed with
// SIGKILL and resumed exports byte-identical to an uninterrupted one, every
// row equals `lutsim run` on its point, shards merge into the single run,
// SIGINT stops at once, a changed spec is refused, pareto is exact.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <jansson.h>

#include "run_argv.h"

namespace {

using testproc::TmpDir;

// An ideal architecture pinned here (not the embedded default's figures).
// Every key that the realistic default sets otherwise (banked buffers, a DRAM
// device, bounded DMA, instruction fetch) is given.
const char *kArch = "{\"name\": \"test-ideal\", \"clock_ghz\": 1.0, \"lut\": {\"cores\": 8, \"tile\": {\"m\": 2, \"n\": 64, \"k\": 4}},"
                    " \"buffers\": {\"ideal\": true}, \"dram\": {\"model\": \"ideal\", \"channels\": 0, \"bandwidth_gbps\": 64,"
                    " \"latency_cycles\": 100, \"burst_bytes\": 64}, \"dma\": {\"max_outstanding\": 0},"
                    " \"issue\": {\"ibuf_entries\": 0}}";

// 400 points of the tiny model: grid x random.
std::string spec_text(const std::string &arch, int count = 25)
{
    return "{\"base\": {\"model\": \"tiny\", \"quant\": \"W2A8\", \"phase\": \"both\", \"seq\": 128,"
           " \"context\": 96, \"arch\": \"" + arch + "\"},"
           " \"grid\": {\"arch.lut.tile.n\": [16, 32, 64, 128], \"arch.buffers.weight.kib\": [64, 256],"
           " \"quant\": [\"W2A8\", \"W4A8\"]},"
           " \"random\": {\"count\": " + std::to_string(count) + ", \"seed\": 3, \"ranges\":"
           " {\"arch.dram.bandwidth_gbps\": {\"log\": [16, 1024]}}}}";
}

long long rows(const std::string &db, const char *where = "1")
{
    sqlite3 *d = nullptr;
    long long n = -1;
    if (sqlite3_open_v2(db.c_str(), &d, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(d, 2000);
        sqlite3_stmt *st;
        std::string sql = std::string("SELECT count(*) FROM points WHERE ") + where;
        if (sqlite3_prepare_v2(d, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(d);
    return n;
}

// Waits until db holds at least n points (false after 30 s).
bool wait_rows(const std::string &db, long long n)
{
    for (int i = 0; i < 3000; i++) {
        if (access(db.c_str(), F_OK) == 0 && rows(db) >= n)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

class SweepCli : public ::testing::Test {
  protected:
    static TmpDir *t;
    static void SetUpTestSuite()
    {
        t = new TmpDir;
        std::ofstream(t->p("arch.json")) << kArch;
        std::ofstream(t->p("spec.json")) << spec_text(t->p("arch.json"));
        // the reference: one uninterrupted run on 2 workers
        ASSERT_EQ(testproc::lutsim("sweep run " + t->p("spec.json") + " --out " + t->p("ref") +
                                       " -j 2 --quiet", t->p("ref.out"), t->p("ref.err")), 0)
            << testproc::slurp(t->p("ref.err"));
        ASSERT_EQ(testproc::lutsim("sweep export " + t->p("ref") + " --csv " + t->p("ref.csv")), 0);
    }
    static void TearDownTestSuite() { delete t; }
    std::string ref_csv() { return testproc::slurp(t->p("ref.csv")); }
};
TmpDir *SweepCli::t = nullptr;

TEST_F(SweepCli, ReferenceRunStoresEveryPoint)
{
    EXPECT_EQ(rows(t->p("ref/results.sqlite")), 400);
    EXPECT_EQ(rows(t->p("ref/results.sqlite"), "status = 'ok'"), 400);
    std::string csv = ref_csv();
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 401);
    EXPECT_EQ(csv.rfind("id,arch.lut.tile.n,arch.buffers.weight.kib,quant,arch.dram.bandwidth_gbps,status,reason,", 0), 0u)
        << csv.substr(0, 200);
    EXPECT_NE(csv.find(",decode.seconds,"), std::string::npos);
    EXPECT_NE(csv.find(",prefill.energy_per_token_pj,"), std::string::npos);
    EXPECT_EQ(csv.find("host_seconds"), std::string::npos); // the host's time is not a figure
}

TEST_F(SweepCli, KilledMidwayAndResumedExportsByteIdentical)
{
    TmpDir k;
    std::vector<std::string> argv = {LUTSIM_BIN, "sweep", "run", t->p("spec.json"), "--out", k.p("run"),
                                     "-j", "2", "--quiet"};
    pid_t pid = testproc::start(argv, k.p("1.out"), k.p("1.err"));
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_rows(k.p("run/results.sqlite"), 60));
    kill(pid, SIGKILL);
    EXPECT_EQ(testproc::wait_status(pid), -1);
    long long kept = rows(k.p("run/results.sqlite"));
    ASSERT_GE(kept, 60);
    ASSERT_LT(kept, 400) << "the sweep finished before the kill: the test proves nothing";
    // the same command again continues
    ASSERT_EQ(testproc::run(argv, k.p("2.out"), k.p("2.err")), 0) << testproc::slurp(k.p("2.err"));
    std::string out = testproc::slurp(k.p("2.out"));
    EXPECT_NE(out.find("400 points stored of 400"), std::string::npos) << out;
    long long now = std::stoll(out.substr(out.find("\n") + 1));
    EXPECT_LE(now, 400 - kept + 8) << out; // at most the points in flight again
    EXPECT_GE(now, 400 - kept) << out;
    ASSERT_EQ(testproc::lutsim("sweep export " + k.p("run") + " --csv " + k.p("e.csv")), 0);
    EXPECT_TRUE(testproc::slurp(k.p("e.csv")) == ref_csv());
}

// A worker killed mid-sweep (as by the OOM killer): its point gets status
// error, a new worker goes on, and a rerun retries that point alone.
TEST_F(SweepCli, AKilledWorkerCostsOnePointWhichARerunRetries)
{
    TmpDir k;
    std::vector<std::string> argv = {LUTSIM_BIN, "sweep", "run", t->p("spec.json"), "--out", k.p("run"),
                                     "-j", "2", "--quiet"};
    pid_t pid = testproc::start(argv, k.p("1.out"), k.p("1.err"));
    ASSERT_TRUE(wait_rows(k.p("run/results.sqlite"), 40));
    std::ifstream kids("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    long worker = 0;
    ASSERT_TRUE(kids >> worker) << "no worker process found";
    ASSERT_EQ(kill((pid_t)worker, SIGKILL), 0);
    EXPECT_EQ(testproc::wait_status(pid), 1);
    std::string err = testproc::slurp(k.p("1.err"));
    EXPECT_NE(err.find("1 point failed (the worker evaluating it died): run the same command again"),
              std::string::npos) << err;
    std::string db = k.p("run/results.sqlite");
    EXPECT_EQ(rows(db, "status = 'error' AND reason LIKE 'the worker evaluating it was killed by signal 9%'"), 1);
    EXPECT_EQ(rows(db, "status = 'ok'"), 399);
    testproc::CliResult r = testproc::lutsim(k, "sweep run " + t->p("spec.json") + " --out " + k.p("run") + " -j 2 --quiet");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("\n       1 evaluated now"), std::string::npos) << r.out;
    ASSERT_EQ(testproc::lutsim("sweep export " + k.p("run") + " --csv " + k.p("e.csv")), 0);
    EXPECT_TRUE(testproc::slurp(k.p("e.csv")) == ref_csv());
}

TEST_F(SweepCli, SigintStopsWithinASecondKeepingFinishedPoints)
{
    TmpDir k;
    std::ofstream(k.p("spec.json")) << spec_text(t->p("arch.json"), 400); // 6400 points
    std::vector<std::string> argv = {LUTSIM_BIN, "sweep", "run", k.p("spec.json"), "--out", k.p("run"),
                                     "-j", "2", "--quiet"};
    pid_t pid = testproc::start(argv, k.p("1.out"), k.p("1.err"));
    ASSERT_TRUE(wait_rows(k.p("run/results.sqlite"), 20));
    auto t0 = std::chrono::steady_clock::now();
    kill(pid, SIGINT);
    int st = testproc::wait_status(pid);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(st, 130);
    EXPECT_LT(s, 1.5);
    std::string err = testproc::slurp(k.p("1.err"));
    EXPECT_NE(err.find("sweep stopped by SIGINT"), std::string::npos) << err;
    EXPECT_NE(err.find("run the same command again to continue"), std::string::npos) << err;
    long long kept = rows(k.p("run/results.sqlite"));
    EXPECT_GE(kept, 20);
    EXPECT_LT(kept, 6400);
}

// The figures of `lutsim run --json` on point id of spec equal its row in db
// (quant, seq and context from the row when swept, else W2A8 and the given).
void expect_row_equals_run(const std::string &spec, const std::string &db, int id,
                           const std::string &base_seq = "128", const std::string &base_context = "96")
{
    SCOPED_TRACE(id);
    TmpDir k;
    ASSERT_EQ(testproc::lutsim("sweep point " + spec + " --id " + std::to_string(id) + " --arch-out " + k.p("a.json"),
                               k.p("p.out"), k.p("p.err")), 0)
        << testproc::slurp(k.p("p.err"));
    sqlite3 *d;
    ASSERT_EQ(sqlite3_open_v2(db.c_str(), &d, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt *st;
    std::string sql = "SELECT * FROM points WHERE id = " + std::to_string(id);
    ASSERT_EQ(sqlite3_prepare_v2(d, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    std::map<std::string, double> row;
    std::string quant = "W2A8", seq = base_seq, context = base_context;
    for (int c = 0; c < sqlite3_column_count(st); c++) {
        std::string name = sqlite3_column_name(st, c);
        const char *text = (const char *)sqlite3_column_text(st, c);
        if (name == "quant")
            quant = text;
        else if (name == "seq")
            seq = text;
        else if (name == "context")
            context = text;
        if (sqlite3_column_type(st, c) != SQLITE_TEXT && sqlite3_column_type(st, c) != SQLITE_NULL)
            row[name] = sqlite3_column_double(st, c);
    }
    sqlite3_finalize(st);
    sqlite3_close(d);
    ASSERT_EQ(testproc::lutsim("run --model tiny --quant " + quant + " --seq " + seq + " --context " + context +
                               " --quiet --arch " + k.p("a.json") + " --json " + k.p("r.json"), "", k.p("r.err")), 0)
        << testproc::slurp(k.p("r.err"));
    json_error_t je;
    json_t *r = json_load_file(k.p("r.json").c_str(), 0, &je);
    ASSERT_TRUE(r);
    int compared = 0;
    size_t i;
    json_t *ph;
    json_array_foreach(json_object_get(r, "phases"), i, ph) {
        const char *phase = json_string_value(json_object_get(ph, "phase"));
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(ph, "total"), key, v) {
            // the area is the point's: one column, not one per phase
            std::string col = strncmp(key, "area_", 5) ? std::string(phase) + "." + key : std::string(key);
            if (!json_is_number(v) || !strcmp(key, "host_seconds") || !strcmp(key, "simulations"))
                continue;
            EXPECT_TRUE(row.count(col)) << col;
            EXPECT_EQ(row[col], json_number_value(v)) << col;
            compared++;
        }
    }
    json_decref(r);
    EXPECT_GE(compared, 30);
    // the point's report on stdout is `lutsim run`'s
    std::string pout = testproc::slurp(k.p("p.out"));
    EXPECT_NE(pout.find("tiny " + quant + ", decode: batch 1, context " + context), std::string::npos) << pout;
}

TEST_F(SweepCli, EveryRowEqualsLutsimRunOnThatPoint)
{
    for (int id : {0, 137, 250, 399})
        expect_row_equals_run(t->p("spec.json"), t->p("ref/results.sqlite"), id);
}

// Points that share a phase reuse its results (one worker: every repeat is
// a hit), and the reused rows still equal `lutsim run`.
TEST_F(SweepCli, SharedPhasesAreReusedAndStillEqualLutsimRun)
{
    TmpDir k;
    std::ofstream(k.p("s.json")) << "{\"base\": {\"model\": \"tiny\", \"quant\": \"W2A8\", \"arch\": \"" << t->p("arch.json")
                                 << "\"}, \"grid\": {\"seq\": [32, 64, 96], \"context\": [32, 64]}}";
    testproc::CliResult r = testproc::lutsim(k, "sweep run " + k.p("s.json") + " --out " + k.p("run") + " -j 1 --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    // 3 prefill + 2 decode phases distinct, 12 phases in all
    EXPECT_NE(r.out.find("5 phases simulated, 7 reused from earlier points"), std::string::npos) << r.out;
    for (int id : {1, 4, 5})
        expect_row_equals_run(k.p("s.json"), k.p("run/results.sqlite"), id);
}

// Attention timings are kept across machines that differ only where the
// plan absorbs it (buffer sizes, attn_memo.h) and answered from the memo;
// `lutsim run` (no memo) on each point gives the same figures.
TEST_F(SweepCli, AttentionTimingsReusedAcrossBuffersStillEqualLutsimRun)
{
    TmpDir k;
    std::ofstream(k.p("s.json")) << "{\"base\": {\"model\": \"tiny\", \"quant\": \"W2A8\", \"seq\": 128, "
                                    "\"context\": 96, \"arch\": \"" << t->p("arch.json")
                                 << "\"}, \"grid\": {\"arch.buffers.weight.kib\": [256, 512, 1024],"
                                    " \"arch.buffers.output.kib\": [256, 1024]}}";
    testproc::CliResult r = testproc::lutsim(k, "sweep run " + k.p("s.json") + " --out " + k.p("run") + " -j 1 --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string tag = "attention timings ";
    size_t at = r.out.find(tag);
    ASSERT_NE(at, std::string::npos) << r.out;
    unsigned long sim = 0, reused = 0;
    ASSERT_EQ(std::sscanf(r.out.c_str() + at, "attention timings %lu simulated, %lu reused", &sim, &reused), 2);
    EXPECT_EQ(sim + reused, 12u) << r.out; // 6 points x 2 phases, fused attention
    EXPECT_GT(reused, 0u) << r.out;
    for (int id = 0; id < 6; id++)
        expect_row_equals_run(k.p("s.json"), k.p("run/results.sqlite"), id);
}

TEST_F(SweepCli, ShardsMergeIntoTheSingleRun)
{
    TmpDir k;
    for (int i : {2, 0}) // out of order, one missing for now
        ASSERT_EQ(testproc::lutsim("sweep run " + t->p("spec.json") + " --out " + k.p("run") + " -j 1 --quiet"
                                   " --shard " + std::to_string(i) + "/3", "", k.p("err")), 0)
            << testproc::slurp(k.p("err"));
    testproc::lutsim("sweep status " + k.p("run"), k.p("st.out"));
    std::string st = testproc::slurp(k.p("st.out"));
    EXPECT_NE(st.find("shard 1 of 3: missing"), std::string::npos) << st;
    EXPECT_NE(st.find("resubmit: --array=1\n"), std::string::npos) << st;
    EXPECT_EQ(testproc::lutsim("sweep merge " + k.p("run"), "", k.p("m.err")), 1);
    EXPECT_FALSE(std::ifstream(k.p("run/results.sqlite")).good());
    // shard 1 killed part-way: partial, and still to resubmit
    pid_t pid = testproc::start({LUTSIM_BIN, "sweep", "run", t->p("spec.json"), "--out", k.p("run"), "-j", "1",
                                 "--quiet", "--shard", "1/3"});
    ASSERT_TRUE(wait_rows(k.p("run/shard-1-of-3.sqlite"), 10));
    kill(pid, SIGKILL);
    testproc::wait_status(pid);
    long long part = rows(k.p("run/shard-1-of-3.sqlite"));
    ASSERT_LT(part, 133);
    EXPECT_EQ(testproc::lutsim("sweep status " + k.p("run"), k.p("st.out")), 3);
    st = testproc::slurp(k.p("st.out"));
    EXPECT_NE(st.find("shard 1 of 3: partial, " + std::to_string(part) + " of 133 points (ids 133..265)"),
              std::string::npos) << st;
    EXPECT_NE(st.find("2 of 3 shards complete; resubmit: --array=1\n"), std::string::npos) << st;
    ASSERT_EQ(testproc::lutsim("sweep run " + t->p("spec.json") + " --out " + k.p("run") + " -j 2 --quiet --shard 1/3"), 0);
    EXPECT_EQ(testproc::lutsim("sweep status " + k.p("run"), k.p("st.out")), 0);
    ASSERT_EQ(testproc::lutsim("sweep merge " + k.p("run"), "", k.p("m.err")), 0) << testproc::slurp(k.p("m.err"));
    ASSERT_EQ(testproc::lutsim("sweep export " + k.p("run") + " --csv " + k.p("e.csv")), 0);
    EXPECT_TRUE(testproc::slurp(k.p("e.csv")) == ref_csv());
    EXPECT_EQ(rows(k.p("run/shard-0-of-3.sqlite")) + rows(k.p("run/shard-1-of-3.sqlite")) +
                  rows(k.p("run/shard-2-of-3.sqlite")), 400);
}

TEST_F(SweepCli, AChangedSpecIsRefusedUnlessForced)
{
    TmpDir k;
    std::ofstream(k.p("s.json")) << spec_text(t->p("arch.json"), 1);
    ASSERT_EQ(testproc::lutsim("sweep run " + k.p("s.json") + " --out " + k.p("run") + " --quiet"), 0);
    std::ofstream(k.p("s.json")) << spec_text(t->p("arch.json"), 2);
    testproc::CliResult r = testproc::lutsim(k, "sweep run " + k.p("s.json") + " --out " + k.p("run") + " --quiet");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("results.sqlite: holds results of another spec"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("use --force"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
    EXPECT_EQ(rows(k.p("run/results.sqlite")), 16); // untouched
    r = testproc::lutsim(k, "sweep run " + k.p("s.json") + " --out " + k.p("run") + " --quiet --force");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(rows(k.p("run/results.sqlite")), 32);
}

// k/s.json: the tiny model on k/arch.json (kArch), with the axes and
// constraints in body.
void write_tiny_spec(const TmpDir &k, const std::string &body)
{
    std::ofstream(k.p("arch.json")) << kArch;
    std::ofstream(k.p("s.json"))
        << "{\"base\": {\"model\": \"tiny\", \"quant\": \"W2A8\", \"seq\": 32, \"context\": 32, \"arch\": \""
        << k.p("arch.json") << "\"}, " << body << "}";
}

// The hash covers every file a point reads: a swept arch file, the energy
// table, a quantization file changed since the run refuse to resume.
TEST_F(SweepCli, AChangedInputFileIsRefusedUnlessForced)
{
    TmpDir k;
    const std::string one = "\"clock_ghz\": 1.0";
    std::string a2 = std::string(kArch).replace(std::string(kArch).find(one), one.size(), "\"clock_ghz\": 2.0");
    std::ofstream(k.p("a1.json")) << kArch;
    std::ofstream(k.p("a2.json")) << a2;
    std::ofstream(k.p("e.json")) << testproc::slurp(SRC_DIR "/workloads/energy/default.json");
    std::ofstream(k.p("s.json"))
        << "{\"base\": {\"model\": \"tiny\", \"quant\": \"W2A8\", \"seq\": 16, \"context\": 16,"
           " \"energy\": \"" << k.p("e.json") << "\"},"
           " \"grid\": {\"arch\": [\"" << k.p("a1.json") << "\", \"" << k.p("a2.json") << "\"]}}";
    std::string run = "sweep run " + k.p("s.json") + " --out " + k.p("run") + " --quiet";
    ASSERT_EQ(testproc::lutsim(k, run).status, 0);
    EXPECT_EQ(rows(k.p("run/results.sqlite"), "status = 'ok'"), 2);
    EXPECT_EQ(testproc::lutsim(k, run).status, 0); // unchanged: resumes (nothing to do)
    const std::string changed[][2] = {{"a2.json", a2 + " "}, {"e.json", testproc::slurp(k.p("e.json")) + "\n"}};
    for (const auto &c : changed) {
        std::ofstream(k.p(c[0])) << c[1]; // one byte more
        testproc::CliResult r = testproc::lutsim(k, run);
        EXPECT_EQ(r.status, 1) << c[0];
        EXPECT_NE(r.err.find("holds results of another spec"), std::string::npos) << c[0] << ": " << r.err;
        EXPECT_EQ(testproc::lutsim(k, run + " --force").status, 0) << c[0];
        EXPECT_EQ(testproc::lutsim(k, run).status, 0) << c[0]; // the forced run recorded the new hash
    }
}

// The issue's reading commands on a sweep whose area varies: area_mm2 is a
// column, an objective of pareto and a key of best.
TEST_F(SweepCli, ParetoAndBestTakeTheIssuesKeys)
{
    TmpDir k;
    write_tiny_spec(k, "\"grid\": {\"arch.lut.cores\": [1, 2, 4, 8], \"arch.buffers.table.kib\": [16, 64]},"
                       " \"constraints\": [\"area_mm2 <= 1000\"]");
    ASSERT_EQ(testproc::lutsim("sweep run " + k.p("s.json") + " --out " + k.p("run") + " --quiet -j 2"), 0);
    EXPECT_EQ(rows(k.p("run/results.sqlite"), "status = 'ok' AND area_mm2 > 0"), 8);
    EXPECT_EQ(rows(k.p("run/results.sqlite"), "\"area_breakdown_mm2.lut_array\" > 0"), 8);
    testproc::CliResult r = testproc::lutsim(k, "sweep pareto " + k.p("run") +
        " --objectives decode.seconds:min,prefill.energy_per_token_pj:min,area_mm2:min --csv " + k.p("p.csv"));
    ASSERT_EQ(r.status, 0) << r.err;
    std::string csv = testproc::slurp(k.p("p.csv"));
    std::string head = "," + csv.substr(0, csv.find('\n')) + ",";
    for (const char *c : {",decode.seconds,", ",prefill.energy_per_token_pj,", ",area_mm2,"})
        EXPECT_NE(head.find(c), std::string::npos) << c;
    EXPECT_GE(std::count(csv.begin(), csv.end(), '\n'), 3); // more cores: faster, larger
    r = testproc::lutsim(k, "sweep best " + k.p("run") + " --by decode.seconds");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("arch.lut.cores = 8"), std::string::npos) << r.out;
    r = testproc::lutsim(k, "sweep best " + k.p("run") + " --by area_mm2");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("arch.lut.cores = 1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("arch.buffers.table.kib = 16"), std::string::npos) << r.out;
}

TEST_F(SweepCli, InvalidPointsAreRecordedWithTheirReason)
{
    TmpDir k;
    write_tiny_spec(k, "\"grid\": {\"arch.lut.tile.n\": [32, 8192], \"arch.lut.tile.m\": [2, 8]},"
                       " \"constraints\": [\"arch.lut.tile.m * arch.lut.tile.n <= 128\", \"decode.seconds < 1\"]");
    ASSERT_EQ(testproc::lutsim("sweep run " + k.p("s.json") + " --out " + k.p("run") + " --quiet --ops -j 2", "", k.p("err")), 0)
        << testproc::slurp(k.p("err"));
    std::string db = k.p("run/results.sqlite");
    EXPECT_EQ(rows(db, "status = 'ok'"), 1);  // 32 x 2
    EXPECT_EQ(rows(db, "status = 'constrained' AND reason = 'constraint ''arch.lut.tile.m * arch.lut.tile.n <= 128'' fails'"), 1);
    EXPECT_EQ(rows(db, "status = 'invalid' AND reason LIKE '%lut.tile.n%'"), 2) << testproc::slurp(k.p("err"));
    EXPECT_EQ(rows(db, "status = 'ok' AND \"decode.seconds\" > 0"), 1);
    sqlite3 *d;
    ASSERT_EQ(sqlite3_open_v2(db.c_str(), &d, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_prepare_v2(d, "SELECT count(*), count(DISTINCT point_id) FROM ops", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_GE(sqlite3_column_int(st, 0), 10); // both phases' operations of the one ok point
    EXPECT_EQ(sqlite3_column_int(st, 1), 1);
    sqlite3_finalize(st);
    sqlite3_close(d);
    // `sweep point` on them: the row's status and reason, one line, no output file
    testproc::CliResult p = testproc::lutsim(k, "sweep point " + k.p("s.json") + " --id 1 --json " + k.p("r.json"));
    EXPECT_EQ(p.status, 1);
    EXPECT_NE(p.err.find("point 1 of " + k.p("s.json") + " is constrained: constraint 'arch.lut.tile.m * arch.lut.tile.n <= 128' fails"),
              std::string::npos) << p.err;
    EXPECT_EQ(std::count(p.err.begin(), p.err.end(), '\n'), 1);
    EXPECT_FALSE(std::ifstream(k.p("r.json")).good());
    p = testproc::lutsim(k, "sweep point " + k.p("s.json") + " --id 2");
    EXPECT_EQ(p.status, 1);
    EXPECT_NE(p.err.find(" is invalid: "), std::string::npos) << p.err;
    // a constraint on a figure the report lacks is refused with one line
    std::ofstream(k.p("s2.json"))
        << "{\"base\": {\"model\": \"tiny\", \"quant\": \"W2A8\", \"seq\": 32, \"context\": 32, \"arch\": \"" << k.p("arch.json") << "\"},"
           " \"constraints\": [\"no_such_figure_mm2 <= 20\"]}";
    testproc::CliResult r = testproc::lutsim(k, "sweep run " + k.p("s2.json") + " --out " + k.p("run2") + " --quiet");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("s2.json: constraints[0]: no_such_figure_mm2 is not a figure of this build's report"),
              std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
    EXPECT_FALSE(std::ifstream(k.p("run2/results.sqlite")).good()); // refused before any work
}

// base's arch.* keys apply to every point, and the overrides start from the
// file as written: a device's bandwidth follows from swept channels.
TEST_F(SweepCli, BaseOverridesAndDerivedKeys)
{
    TmpDir k;
    std::ofstream(k.p("s.json"))
        << "{\"base\": {\"model\": \"tiny\", \"quant\": \"W2A8\", \"seq\": 32, \"context\": 32,"
           " \"arch\": \"" SRC_DIR "/workloads/arch/lpddr5-mobile.json\", \"arch.buffers.ideal\": true},"
           " \"grid\": {\"arch.dram.channels\": [1, 4]}}";
    testproc::CliResult r = testproc::lutsim(k, "sweep run " + k.p("s.json") + " --out " + k.p("run") + " -j 1 --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    std::string db = k.p("run/results.sqlite");
    EXPECT_EQ(rows(db, "status = 'ok'"), 2) << testproc::slurp(k.p("err"));
    EXPECT_EQ(rows(db, "(SELECT \"decode.seconds\" FROM points WHERE id = 0) > (SELECT \"decode.seconds\" FROM points WHERE id = 1)"), 2);
    ASSERT_EQ(testproc::lutsim("sweep point " + k.p("s.json") + " --id 0 --arch-out " + k.p("a.json"), "", k.p("p.err")), 0)
        << testproc::slurp(k.p("p.err"));
    std::string a = testproc::slurp(k.p("a.json"));
    EXPECT_NE(a.find("\"channels\": 1"), std::string::npos) << a;
    EXPECT_NE(a.find("\"ideal\": true"), std::string::npos) << a;
    EXPECT_NE(a.find("\"bandwidth_gbps\": 12.8"), std::string::npos) << a; // LPDDR5-6400 x16: 12.8 GB/s a channel
    expect_row_equals_run(k.p("s.json"), db, 1, "32", "32");
}

// Read the export back: id -> (a, b), the brute-force front, and pareto's.
TEST_F(SweepCli, ParetoIsTheNonDominatedSetOfTheExport)
{
    TmpDir k;
    testproc::CliResult r = testproc::lutsim(k, "sweep pareto " + t->p("ref") +
                                          " --objectives decode.seconds:min,prefill.energy_per_token_pj:min,arch.lut.tile.n:max"
                                          " --where 'quant == \"W2A8\"' --csv " + k.p("f.csv") + " --plot " + k.p("plot"));
    ASSERT_EQ(r.status, 0) << r.err;
    sqlite3 *d;
    ASSERT_EQ(sqlite3_open_v2(t->p("ref/results.sqlite").c_str(), &d, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_prepare_v2(d, "SELECT id, \"decode.seconds\", \"prefill.energy_per_token_pj\", \"arch.lut.tile.n\""
                                    " FROM points WHERE quant = 'W2A8' AND status = 'ok'", -1, &st, nullptr), SQLITE_OK);
    std::vector<std::array<double, 4>> p;
    while (sqlite3_step(st) == SQLITE_ROW)
        p.push_back({sqlite3_column_double(st, 0), sqlite3_column_double(st, 1), sqlite3_column_double(st, 2),
                     -sqlite3_column_double(st, 3)});
    sqlite3_finalize(st);
    sqlite3_close(d);
    ASSERT_EQ(p.size(), 200u);
    std::set<long long> want;
    for (auto &a : p) {
        bool dom = false;
        for (auto &b : p)
            dom = dom || (b[1] <= a[1] && b[2] <= a[2] && b[3] <= a[3] && (b[1] < a[1] || b[2] < a[2] || b[3] < a[3]));
        if (!dom)
            want.insert((long long)a[0]);
    }
    std::set<long long> got;
    std::istringstream csv(testproc::slurp(k.p("f.csv")));
    std::string line;
    std::getline(csv, line);
    EXPECT_EQ(line.rfind("id,arch.lut.tile.n,", 0), 0u);
    while (std::getline(csv, line))
        got.insert(std::stoll(line));
    EXPECT_GE(want.size(), 2u);
    EXPECT_LT(want.size(), 200u);
    EXPECT_EQ(got, want);
    EXPECT_NE(r.out.find("Pareto front: " + std::to_string(want.size()) + " of 200 points"), std::string::npos) << r.out;
    for (const char *f : {"pareto.dat", "pareto.gp", "pareto-decode.seconds--prefill.energy_per_token_pj.png",
                          "pareto-decode.seconds--arch.lut.tile.n.svg", "pareto-prefill.energy_per_token_pj--arch.lut.tile.n.pdf"})
        EXPECT_GT(testproc::slurp(k.p(std::string("plot/") + f)).size(), 100u) << f;
    // best agrees with the front's least decode.seconds
    r = testproc::lutsim(k, "sweep best " + t->p("ref") + " --by decode.seconds --where 'quant == \"W2A8\"'");
    ASSERT_EQ(r.status, 0) << r.err;
    double least = 1e300;
    for (auto &a : p)
        least = std::min(least, a[1]);
    long long best = -1;
    for (auto &a : p)
        if (a[1] == least && best < 0)
            best = (long long)a[0];
    EXPECT_EQ(r.out.rfind("best by decode.seconds (min): point " + std::to_string(best) + "\n", 0), 0u) << r.out;
}

TEST_F(SweepCli, UsageErrorsAreOneLine)
{
    TmpDir k;
    EXPECT_EQ(testproc::lutsim("sweep"), 2); // the usage, like `lutsim` alone
    for (const std::string &args : {std::string("sweep frobnicate"),
                                    "sweep run " + t->p("spec.json"), "sweep run " + t->p("spec.json") + " --out " + k.p("o") + " --shard 3/3",
                                    "sweep run " + t->p("spec.json") + " --out " + k.p("o") + " -j 0",
                                    "sweep pareto " + t->p("ref") + " --objectives decode.seconds:least",
                                    "sweep best " + t->p("ref") + " --by no.such.column",
                                    "sweep export " + k.p("nothing") + " --csv " + k.p("x.csv")}) {
        testproc::CliResult r = testproc::lutsim(k, args);
        EXPECT_NE(r.status, 0) << args;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
        EXPECT_FALSE(std::ifstream(k.p("x.csv")).good());
    }
}

} // namespace
