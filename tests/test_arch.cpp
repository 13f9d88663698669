// The architecture description: the embedded default, the presets, the
// JSON reader's errors, and `lutsim arch --show`.
#include <gtest/gtest.h>

#include <jansson.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "arch.h"
#include "arch_json.h"
#include "run_argv.h"

namespace {

const std::string kArchDir = std::string(SRC_DIR) + "/workloads/arch/";

struct TmpDir {
    std::string dir;
    TmpDir()
    {
        char tmpl[] = "/tmp/lutsim-arch-XXXXXX";
        if (mkdtemp(tmpl))
            dir = tmpl;
    }
    ~TmpDir() { testproc::remove_tree(dir); }
    std::string write(const std::string &name, const std::string &text) const
    {
        std::string p = dir + "/" + name;
        std::ofstream(p) << text;
        return p;
    }
};

std::string slurp(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string dump(const json_t *j)
{
    char *s = json_dumps(j, JSON_SORT_KEYS);
    std::string r = s ? s : "";
    free(s);
    return r;
}

// Parses text as an arch document labelled "a.json"; returns the error.
std::string arch_error(const std::string &text)
{
    arch_t a;
    char err[512] = "";
    int rc = arch_from_json_string(text.c_str(), "a.json", &a, err, sizeof err);
    return rc == 0 ? "(accepted)" : err;
}

bool arch_equal(const arch_t &x, const arch_t &y)
{
    json_t *a = arch_to_json(&x), *b = arch_to_json(&y);
    bool eq = json_equal(a, b);
    json_decref(a);
    json_decref(b);
    return eq;
}

} // namespace

TEST(Arch, DefaultValues)
{
    arch_t a;
    arch_default(&a);
    EXPECT_STREQ(a.name, "default");
    EXPECT_EQ(a.clock_ghz, 1.0);
    EXPECT_EQ(a.tech_nm, 28);
    EXPECT_EQ(a.lut_cores, 8);
    EXPECT_EQ(a.tile_m, 2);
    EXPECT_EQ(a.tile_n, 64);
    EXPECT_EQ(a.tile_k, 4);
    EXPECT_EQ(a.table_entry_bits, 16);
    EXPECT_EQ(a.wbits_min, 1);
    EXPECT_EQ(a.wbits_max, 8);
    EXPECT_EQ(a.act_bits, 8);
    EXPECT_EQ(a.queue_depth, 4);
    EXPECT_EQ(arch_dram_bytes_per_cycle(&a), 64.0);
    EXPECT_EQ(arch_buf_bytes(&a, BUF_WGT), 512u * 1024u);
    EXPECT_STREQ(arch_buf_name(BUF_ACT), "act");
    EXPECT_STREQ(arch_buf_name(BUF_WGT), "weight");
    EXPECT_STREQ(arch_buf_name(BUF_TBL), "table");
    EXPECT_STREQ(arch_buf_name(BUF_OUT), "output");
    char err[256];
    EXPECT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    // The weight buffer feeds one bit-plane per core per cycle.
    EXPECT_GE(a.buf[BUF_WGT].banks * a.buf[BUF_WGT].width_bits, arch_weight_bits_per_cycle(&a));
    EXPECT_EQ(arch_min_entry_bits(&a), 11); // |sum| <= 4 * 128
    EXPECT_EQ(arch_table_bits(&a), 2 * 8 * 16);
}

// default.json is the embedded default, ideal.json the same core on ideal
// memory (arch_ideal), each with every key spelled out.
class ArchFile : public ::testing::TestWithParam<const char *> {};

TEST_P(ArchFile, IsTheEmbeddedArchitecture)
{
    const std::string name = GetParam();
    arch_t d;
    if (name == "default")
        arch_default(&d);
    else
        arch_ideal(&d);
    json_t *want = arch_to_json(&d);
    json_error_t je;
    json_t *file = json_load_file((kArchDir + name + ".json").c_str(), 0, &je);
    ASSERT_NE(file, nullptr) << je.text;
    // Every key is spelled out in the file, with the same JSON types (1.0, not 1).
    json_object_del(file, "description");
    EXPECT_TRUE(json_equal(file, want)) << dump(file) << "\n" << dump(want);
    json_decref(file);
    // And loading it gives the default, field by field.
    arch_t a;
    char err[512];
    ASSERT_EQ(arch_from_json_file((kArchDir + name + ".json").c_str(), &a, err, sizeof err), 0)
        << err;
    EXPECT_TRUE(arch_equal(a, d));
    EXPECT_EQ(memcmp(a.buf, d.buf, sizeof a.buf), 0);
    EXPECT_EQ(a.dram_gbps, d.dram_gbps);
    json_decref(want);
}

INSTANTIATE_TEST_SUITE_P(Arch, ArchFile, ::testing::Values("default", "ideal"));

TEST(Arch, TheDefaultIsTheIdealCoreOnRealMemory)
{
    // The two differ only in memory: DRAM device, DMA, ports, instruction fetch.
    arch_t d, i;
    arch_default(&d);
    arch_ideal(&i);
    EXPECT_EQ(d.lut_cores, i.lut_cores);
    EXPECT_EQ(d.tile_n, i.tile_n);
    for (int b = 0; b < BUF_COUNT; b++) {
        EXPECT_EQ(d.buf[b].kib, i.buf[b].kib);
        EXPECT_EQ(d.buf[b].banks, i.buf[b].banks);
    }
    EXPECT_EQ(d.dram_gbps, i.dram_gbps); // the same peak bandwidth
    EXPECT_STRNE(d.dram_model, "ideal");
    EXPECT_FALSE(d.sram_ideal);
    EXPECT_GT(d.dma_max_outstanding, 0);
    EXPECT_STREQ(i.dram_model, "ideal");
    EXPECT_TRUE(i.sram_ideal);
    EXPECT_EQ(i.dma_max_outstanding, 0);
    EXPECT_EQ(i.ibuf_entries, 0);
}

TEST(Arch, EveryPresetLoads)
{
    int n = 0;
    for (const char *name : {"default", "lut-small", "lut-8x-m2n64k4", "lut-8x-m8n16k4"}) {
        arch_t a;
        char err[512];
        std::string p = kArchDir + name + ".json";
        ASSERT_EQ(arch_from_json_file(p.c_str(), &a, err, sizeof err), 0) << err;
        EXPECT_STREQ(a.name, name);
        // Presets keep the weight buffer wide enough for the array.
        EXPECT_GE(a.buf[BUF_WGT].banks * a.buf[BUF_WGT].width_bits, arch_weight_bits_per_cycle(&a))
            << name;
        n++;
    }
    arch_t s;
    char err[512];
    ASSERT_EQ(arch_from_json_file((kArchDir + "lut-small.json").c_str(), &s, err, sizeof err), 0);
    EXPECT_EQ(s.lut_cores, 1);
    EXPECT_EQ(s.tile_n, 64); // untouched keys keep the default
    ASSERT_EQ(arch_from_json_file((kArchDir + "lut-8x-m8n16k4.json").c_str(), &s, err, sizeof err), 0);
    EXPECT_EQ(s.tile_m * s.tile_n * s.tile_k, 512);
    EXPECT_EQ(n, 4);
}

TEST(Arch, PartialOverrideKeepsTheRest)
{
    arch_t a, d;
    arch_default(&d);
    char err[512];
    ASSERT_EQ(arch_from_json_string("{\"buffers\": {\"act\": {\"kib\": 128}}, \"clock_ghz\": 2}",
                                    "a.json", &a, err, sizeof err), 0) << err;
    EXPECT_EQ(a.buf[BUF_ACT].kib, 128);
    EXPECT_EQ(a.buf[BUF_ACT].banks, d.buf[BUF_ACT].banks);
    EXPECT_EQ(a.clock_ghz, 2.0);
    EXPECT_EQ(arch_dram_bytes_per_cycle(&a), 32.0);
    EXPECT_EQ(a.lut_cores, d.lut_cores);
}

TEST(Arch, RoundTrip)
{
    arch_t a;
    arch_ideal(&a); // a bandwidth of its own: the ideal DRAM model
    snprintf(a.name, sizeof a.name, "%s", "odd one");
    a.clock_ghz = 1.41;
    a.lut_cores = 3;
    a.tile_m = 4; a.tile_n = 32; a.tile_k = 5;
    a.wbits_min = 2; a.wbits_max = 4;
    a.buf[BUF_OUT] = {128, 4, 512, 2};
    a.dram_gbps = 12.5;
    a.dram_latency = 250;
    a.queue_depth = 7;
    json_t *j = arch_to_json(&a);
    char *s = json_dumps(j, 0);
    arch_t b;
    char err[512];
    ASSERT_EQ(arch_from_json_string(s, "rt", &b, err, sizeof err), 0) << err;
    EXPECT_TRUE(arch_equal(a, b));
    EXPECT_STREQ(b.name, "odd one");
    EXPECT_EQ(b.clock_ghz, 1.41);
    EXPECT_EQ(b.tile_k, 5);
    EXPECT_EQ(b.buf[BUF_OUT].width_bits, 512);
    EXPECT_EQ(b.dram_gbps, 12.5);
    free(s);
    json_decref(j);
}

TEST(Arch, UnknownKeysNameTheirPath)
{
    EXPECT_EQ(arch_error("{\"lut\": {\"tile\": {\"q\": 1}}}"), "a.json: lut.tile.q: unknown key");
    EXPECT_EQ(arch_error("{\"bogus\": 1}"), "a.json: bogus: unknown key");
    EXPECT_EQ(arch_error("{\"buffers\": {\"weight\": {\"size\": 4}}}"),
              "a.json: buffers.weight.size: unknown key");
    EXPECT_EQ(arch_error("{\"buffers\": {\"psum\": {}}}"), "a.json: buffers.psum: unknown key");
    EXPECT_EQ(arch_error("{\"_comment\": \"x\"}"), "a.json: _comment: unknown key");
    EXPECT_EQ(arch_error("{\"description\": \"fine\"}"), "(accepted)");
}

TEST(Arch, WrongTypes)
{
    EXPECT_EQ(arch_error("{\"clock_ghz\": \"fast\"}"),
              "a.json: clock_ghz: expected a number, got string");
    EXPECT_EQ(arch_error("{\"lut\": 8}"), "a.json: lut: expected an object, got 8");
    EXPECT_EQ(arch_error("{\"lut\": {\"cores\": 2.5}}"),
              "a.json: lut.cores: expected an integer 1..1024, got 2.5");
    EXPECT_EQ(arch_error("{\"lut\": {\"cores\": true}}"),
              "a.json: lut.cores: expected an integer 1..1024, got boolean");
    EXPECT_EQ(arch_error("{\"name\": 3}"), "a.json: name: expected a string, got 3");
    EXPECT_EQ(arch_error("{\"description\": []}"),
              "a.json: description: expected a string, got array");
    EXPECT_EQ(arch_error("[1, 2]"),
              "a.json: expected a JSON object at the top level, got array");
    // An integral real is an integer.
    EXPECT_EQ(arch_error("{\"lut\": {\"cores\": 2.0}}"), "(accepted)");
}

TEST(Arch, OutOfRange)
{
    EXPECT_EQ(arch_error("{\"buffers\": {\"weight\": {\"kib\": 0}}}"),
              "a.json: buffers.weight.kib: expected an integer 1..4096, got 0");
    EXPECT_EQ(arch_error("{\"lut\": {\"tile\": {\"k\": 9}}}"),
              "a.json: lut.tile.k: expected an integer 2..8, got 9");
    EXPECT_EQ(arch_error("{\"clock_ghz\": 0}"),
              "a.json: clock_ghz: expected a number 0.01..100, got 0");
    EXPECT_EQ(arch_error("{\"dram\": {\"bandwidth_gbps\": -1}}"),
              "a.json: dram.bandwidth_gbps: expected a number 0.1..100000, got -1");
    EXPECT_EQ(arch_error("{\"issue\": {\"queue_depth\": 0}}"),
              "a.json: issue.queue_depth: expected an integer 1..64, got 0");
    EXPECT_EQ(arch_error("{\"name\": \"\"}"),
              "a.json: name: expected a string of 1..63 characters, got 0");
}

TEST(Arch, CrossFieldChecks)
{
    EXPECT_EQ(arch_error("{\"lut\": {\"wbits_min\": 5, \"wbits_max\": 4}}"),
              "a.json: lut.wbits_min: 5 exceeds lut.wbits_max 4");
    std::string e = arch_error("{\"lut\": {\"table_entry_bits\": 10}}");
    EXPECT_EQ(e.rfind("a.json: lut.table_entry_bits: 10 bits cannot hold", 0), 0u) << e;
    e = arch_error("{\"lut\": {\"tile\": {\"m\": 64, \"k\": 8}, \"table_entry_bits\": 16},"
                   " \"buffers\": {\"table\": {\"kib\": 8}}}");
    EXPECT_EQ(e.rfind("a.json: buffers.table.kib: 8 KiB cannot hold one table set", 0), 0u) << e;
    e = arch_error("{\"buffers\": {\"act\": {\"banks\": 7}}}");
    EXPECT_EQ(e.rfind("a.json: buffers.act.banks:", 0), 0u) << e;
    e = arch_error("{\"buffers\": {\"act\": {\"width_bits\": 12}}}");
    EXPECT_EQ(e.rfind("a.json: buffers.act.width_bits:", 0), 0u) << e;
    e = arch_error("{\"dram\": {\"burst_bytes\": 48}}");
    EXPECT_EQ(e.rfind("a.json: dram.burst_bytes:", 0), 0u) << e;

    arch_t a;
    arch_default(&a);
    char err[256];
    a.tile_k = 1;
    EXPECT_NE(arch_check(&a, err, sizeof err), 0);
    EXPECT_EQ(std::string(err).rfind("lut.tile.k:", 0), 0u) << err;
}

TEST(Arch, SyntaxErrorsGiveLineAndColumn)
{
    std::string e = arch_error("{\n  \"lut\": {\n    \"cores\": 8,\n  }\n}");
    EXPECT_EQ(e.rfind("a.json: line 4, column", 0), 0u) << e;
    e = arch_error("{\"lut\": {}, \"lut\": {}}");
    EXPECT_EQ(e.rfind("a.json: line 1", 0), 0u) << e;
    EXPECT_NE(e.find("duplicate"), std::string::npos) << e;
    e = arch_error("");
    EXPECT_EQ(e.rfind("a.json: line", 0), 0u) << e;
}

TEST(Arch, MissingFile)
{
    arch_t a;
    char err[512];
    EXPECT_NE(arch_from_json_file("/nonexistent/a.json", &a, err, sizeof err), 0);
    EXPECT_EQ(std::string(err), "/nonexistent/a.json: cannot read: No such file or directory");
}

TEST(Arch, ErrorsAreOneLine)
{
    for (const char *bad : {"{\"lut\": {\"tile\": {\"q\": 1}}}", "{\n\n\"a\" 1}", "{\"clock_ghz\": []}",
                            "{\"lut\": {\"wbits_min\": 8, \"wbits_max\": 1}}"}) {
        std::string e = arch_error(bad);
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
        EXPECT_EQ(e.rfind("a.json: ", 0), 0u) << e;
    }
}

// `lutsim arch` as a user runs it.
class CliArch : public ::testing::Test {
protected:
    TmpDir tmp;
    int run(const std::string &args, std::string *out, std::string *err)
    {
        std::string o = tmp.dir + "/out", e = tmp.dir + "/err";
        int st = testproc::lutsim(args, o, e);
        *out = slurp(o);
        *err = slurp(e);
        return st;
    }
};

TEST_F(CliArch, ShowPrintsTheDefault)
{
    std::string out, err;
    ASSERT_EQ(run("arch --show", &out, &err), 0) << err;
    json_error_t je;
    json_t *shown = json_loads(out.c_str(), 0, &je);
    ASSERT_NE(shown, nullptr) << je.text << "\n" << out;
    json_t *file = json_load_file((kArchDir + "default.json").c_str(), 0, &je);
    ASSERT_NE(file, nullptr) << je.text;
    json_object_del(file, "description");
    EXPECT_TRUE(json_equal(shown, file)) << out;
    json_decref(shown);
    json_decref(file);
}

TEST_F(CliArch, ShowAppliesAFile)
{
    std::string out, err;
    ASSERT_EQ(run("arch --show --arch " + kArchDir + "lut-small.json", &out, &err), 0) << err;
    json_t *shown = json_loads(out.c_str(), 0, nullptr);
    ASSERT_NE(shown, nullptr);
    EXPECT_EQ(json_integer_value(json_object_get(json_object_get(shown, "lut"), "cores")), 1);
    json_decref(shown);
    // The output is itself a valid arch file.
    std::string p = tmp.write("again.json", out);
    std::string out2;
    ASSERT_EQ(run("arch --show --arch " + p, &out2, &err), 0) << err;
    EXPECT_EQ(out, out2);
}

TEST_F(CliArch, BadFileGivesOneLineAndExit1)
{
    std::string p = tmp.write("bad.json", "{\"buffers\": {\"weight\": {\"kib\": 0}}}");
    std::string out, err;
    EXPECT_EQ(run("arch --show --arch " + p, &out, &err), 1);
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find("bad.json: buffers.weight.kib: expected an integer 1..4096, got 0"),
              std::string::npos) << err;
    EXPECT_EQ(out, "");
    EXPECT_EQ(run("arch --show --arch " + tmp.dir + "/missing.json", &out, &err), 1);
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find("missing.json"), std::string::npos) << err;
}

TEST_F(CliArch, UsageAndHelp)
{
    std::string out, err;
    EXPECT_EQ(run("arch --help", &out, &err), 0);
    EXPECT_NE(out.find("--show"), std::string::npos);
    EXPECT_NE(out.find("--arch"), std::string::npos);
    EXPECT_EQ(run("arch", &out, &err), 2);
    EXPECT_EQ(run("arch --show --bogus", &out, &err), 2);
    EXPECT_EQ(run("help", &out, &err), 0);
    EXPECT_NE(out.find("arch"), std::string::npos);
}

TEST(Arch, BaseChoosesWhatAFileOverrides)
{
    arch_t a, i, d;
    arch_ideal(&i);
    arch_default(&d);
    char err[512];
    ASSERT_EQ(arch_from_json_string("{\"base\": \"ideal\", \"name\": \"x\"}", "b.json", &a, err,
                                    sizeof err), 0) << err;
    snprintf(i.name, sizeof i.name, "%s", "x");
    EXPECT_TRUE(arch_equal(a, i));
    ASSERT_EQ(arch_from_json_string("{\"base\": \"default\", \"name\": \"x\"}", "b.json", &a, err,
                                    sizeof err), 0) << err;
    snprintf(d.name, sizeof d.name, "%s", "x");
    EXPECT_TRUE(arch_equal(a, d));
    EXPECT_NE(arch_from_json_string("{\"base\": \"fast\"}", "b.json", &a, err, sizeof err), 0);
    EXPECT_STREQ(err, "b.json: base: expected \"default\" or \"ideal\", got 'fast'");
    EXPECT_NE(arch_from_json_string("{\"base\": 1}", "b.json", &a, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("b.json: base: expected"), std::string::npos) << err;
}
