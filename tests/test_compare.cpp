// lutsim compare: every design's figures are those of `lutsim run --json`
// on that design alone, the ratios are the quotients of those figures, the
// baseline's are 1; a bad arch file writes nothing; --plot draws.
#include <gtest/gtest.h>

#include <jansson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "run_argv.h"

namespace {

const std::string ARCH = std::string(SRC_DIR) + "/workloads/arch/";
// pinned designs of three compute kinds (lut, mac, systolic)
const std::vector<std::string> DESIGNS = {ARCH + "ideal.json", ARCH + "mac-int8.json",
                                          ARCH + "systolic-32x32-ws.json"};
const std::string SHAPE = " --model tiny --seq 32 --context 64";

std::string arch_args(const std::vector<std::string> &d)
{
    std::string s;
    for (const std::string &a : d)
        s += " --arch " + a;
    return s;
}

json_t *load(const std::string &path)
{
    json_error_t e;
    return json_load_file(path.c_str(), 0, &e);
}

double num(const json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

// The phase totals of `lutsim run` on one design alone.
json_t *run_alone(const testproc::TmpDir &t, const std::string &arch, const std::string &quant)
{
    const std::string out = t.p("alone.json");
    EXPECT_EQ(testproc::lutsim("run" + SHAPE + " --quant " + quant + " --arch " + arch +
                               " --quiet --json " + out),
              0);
    return load(out);
}

TEST(Compare, FiguresAreRunsAloneAndRatiosTheirQuotients)
{
    testproc::TmpDir t;
    // baseline by position: the MAC design
    testproc::CliResult r = testproc::lutsim(
        t, "compare" + SHAPE + " --quant W2A8" + arch_args(DESIGNS) + " --baseline 2 --json " +
               t.p("c.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("speedup"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mm^2"), std::string::npos) << r.out;
    json_t *c = load(t.p("c.json"));
    ASSERT_TRUE(c);
    EXPECT_STREQ(json_string_value(json_object_get(c, "baseline")), "mac-int8");
    const json_t *ds = json_object_get(c, "designs");
    ASSERT_EQ(json_array_size(ds), DESIGNS.size());
    std::vector<json_t *> alone;
    for (const std::string &a : DESIGNS)
        alone.push_back(run_alone(t, a, "W2A8"));
    const json_t *bph = json_object_get(alone[1], "phases");
    for (size_t d = 0; d < DESIGNS.size(); d++) {
        SCOPED_TRACE(DESIGNS[d]);
        ASSERT_TRUE(alone[d]);
        const json_t *ph = json_object_get(json_array_get(ds, d), "phases");
        const json_t *aph = json_object_get(alone[d], "phases");
        ASSERT_EQ(json_array_size(ph), 2u);
        ASSERT_EQ(json_array_size(aph), 2u);
        for (size_t k = 0; k < 2; k++) {
            const json_t *x = json_array_get(ph, k);
            const json_t *a = json_object_get(json_array_get(aph, k), "total");
            const json_t *b = json_object_get(json_array_get(bph, k), "total");
            for (const char *key : {"seconds", "tokens_per_s", "energy_per_token_pj", "area_mm2",
                                    "cycles", "compute_cycles", "energy_pj", "dram_bytes"})
                EXPECT_EQ(num(x, key), num(a, key)) << key;
            EXPECT_TRUE(json_equal(json_object_get(x, "area_breakdown_mm2"),
                                   json_object_get(a, "area_breakdown_mm2")));
            EXPECT_DOUBLE_EQ(num(x, "speedup"), num(b, "seconds") / num(a, "seconds"));
            EXPECT_DOUBLE_EQ(num(x, "energy_ratio"),
                             num(a, "energy_per_token_pj") / num(b, "energy_per_token_pj"));
            EXPECT_DOUBLE_EQ(num(x, "area_ratio"), num(a, "area_mm2") / num(b, "area_mm2"));
            EXPECT_DOUBLE_EQ(num(x, "tokens_per_s_per_mm2_ratio"),
                             (num(a, "tokens_per_s") / num(a, "area_mm2")) /
                                 (num(b, "tokens_per_s") / num(b, "area_mm2")));
            if (d == 1) {
                for (const char *key : {"speedup", "energy_ratio", "area_ratio",
                                        "tokens_per_s_per_mm2_ratio"})
                    EXPECT_EQ(num(x, key), 1.0) << key;
            }
        }
    }
    // the designs differ, so a comparison that ran one design N times fails above
    const json_t *p0 = json_object_get(json_array_get(json_object_get(alone[0], "phases"), 0), "total");
    const json_t *p1 = json_object_get(json_array_get(bph, 0), "total");
    EXPECT_NE(num(p0, "seconds"), num(p1, "seconds"));
    EXPECT_NE(num(p0, "area_mm2"), num(p1, "area_mm2"));
    for (json_t *a : alone)
        json_decref(a);
    json_decref(c);
}

TEST(Compare, OneQuantPerDesignAndBaselineByName)
{
    testproc::TmpDir t;
    const std::vector<std::string> two = {DESIGNS[0], DESIGNS[1]};
    testproc::CliResult r = testproc::lutsim(
        t, "compare" + SHAPE + " --phase decode --quant W2A8,W8A8" + arch_args(two) +
               " --baseline mac-int8 --csv " + t.p("c.csv") + " --json " + t.p("c.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    json_t *c = load(t.p("c.json"));
    ASSERT_TRUE(c);
    EXPECT_EQ(json_integer_value(json_object_get(c, "baseline_index")), 2);
    json_t *a = run_alone(t, DESIGNS[1], "W8A8");
    const json_t *x = json_array_get(json_object_get(json_array_get(json_object_get(c, "designs"), 1), "phases"), 0);
    // --phase decode: the alone run's second phase is decode
    const json_t *at = json_object_get(json_array_get(json_object_get(a, "phases"), 1), "total");
    EXPECT_STREQ(json_string_value(json_object_get(x, "phase")), "decode");
    EXPECT_EQ(num(x, "seconds"), num(at, "seconds"));
    EXPECT_EQ(num(x, "energy_per_token_pj"), num(at, "energy_per_token_pj"));
    // CSV: a header and one row per design and phase, the JSON's numbers
    std::string csv = testproc::slurp(t.p("c.csv"));
    EXPECT_EQ(csv.rfind("arch,arch_file,quant,phase,seconds,", 0), 0u) << csv;
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
    char sec[64];
    snprintf(sec, sizeof sec, ",W8A8,decode,%.17g,", num(x, "seconds"));
    EXPECT_NE(csv.find(sec), std::string::npos) << csv;
    json_decref(a);
    json_decref(c);
    // a quantization count that is neither one nor one per design
    EXPECT_EQ(testproc::lutsim(t, "compare" + SHAPE + " --quant W2A8,W4A8,W8A8" + arch_args(two))
                  .status,
              2);
}

TEST(Compare, BadArchFileFailsWithOneLineAndNoOutput)
{
    testproc::TmpDir t;
    {
        std::ofstream f(t.p("bad.json"));
        f << "{\"clock_ghz\": \"fast\"}\n";
    }
    testproc::CliResult r = testproc::lutsim(
        t, "compare" + SHAPE + " --quant W2A8 --arch " + DESIGNS[0] + " --arch " + t.p("bad.json") +
               " --json " + t.p("c.json") + " --csv " + t.p("c.csv") + " --plot " + t.p("plot"));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("bad.json: clock_ghz"), std::string::npos) << r.err;
    for (const char *f : {"c.json", "c.csv", "plot"})
        EXPECT_FALSE(std::filesystem::exists(t.p(f))) << f;
    EXPECT_EQ(r.out, "");
}

TEST(Compare, PlotWritesTheFigures)
{
    testproc::TmpDir t;
    testproc::CliResult r = testproc::lutsim(
        t, "compare" + SHAPE + " --quant W2A8" + arch_args(DESIGNS) + " --plot " + t.p("plot"));
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char *f : {"compare.dat", "compare.gp", "compare.png", "compare.svg", "compare.pdf"})
        EXPECT_GT(std::filesystem::file_size(t.p(std::string("plot/") + f)), 0u) << f;
    EXPECT_EQ(testproc::slurp(t.p("plot/compare.png")).substr(1, 3), "PNG");
    EXPECT_EQ(testproc::slurp(t.p("plot/compare.pdf")).substr(0, 4), "%PDF");
    // one data row per design
    std::string dat = testproc::slurp(t.p("plot/compare.dat"));
    EXPECT_EQ(std::count(dat.begin(), dat.end(), '\n'), 1 + (long)DESIGNS.size());
}

} // namespace
