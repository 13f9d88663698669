// The DRAM device model inside the C model (dram.model): the ideal model is
// unchanged, device presets stream at a realistic efficiency, DRAM energy
// comes from the preset, and the arch keys fail clearly.
#include <gtest/gtest.h>

#include <jansson.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "arch.h"
#include "arch_json.h"
#include "energy.h"
#include "energy_json.h"
#include "engine_setup.h"
#include "gemm.h"
#include "sim.h"
#include "run_argv.h"
#include "gemm_support.h"

namespace {

energy_model energy_for(const arch_t &a)
{
    energy_table t;
    energy_model em;
    char err[512];
    EXPECT_EQ(energy_table_default(&t, err, sizeof err), 0) << err;
    EXPECT_EQ(energy_model_for_arch(&t, &a, &em, err, sizeof err), 0) << err;
    return em;
}

arch_t with_dram(const char *model, int channels)
{
    arch_t a;
    arch_ideal(&a);
    char err[512];
    EXPECT_EQ(arch_set_dram_model(&a, model, channels, err, sizeof err), 0) << err;
    a.dram_latency = 0; // the device's own latency only
    EXPECT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    return a;
}

// One W2 GEMM program of m x n x k, simulated in full.
sim_stats run(const arch_t &a, int m, int n, int k)
{
    energy_model em = energy_for(a);
    return gemmtest::run(a, &em, lut_wtype{LUT_WFMT_INT, 2}, (uint64_t)m, n, k);
}

TEST(DramSim, IdealIsTheDefaultAndUnchanged)
{
    arch_t d;
    arch_ideal(&d);
    EXPECT_STREQ(d.dram_model, "ideal");
    arch_t i = d;
    char err[512];
    ASSERT_EQ(arch_set_dram_model(&i, "ideal", 0, err, sizeof err), 0) << err;
    sim_stats a = run(d, 4, 1024, 1024), b = run(i, 4, 1024, 1024);
    EXPECT_EQ(a.cycles, b.cycles);
    EXPECT_EQ(a.energy_pj, b.energy_pj);
    EXPECT_EQ(a.ev.dram_row_hits + a.ev.dram_busy_cycles + a.ev.dram_refreshes, 0u);
    EXPECT_EQ(sim_dram_efficiency(&d, &a), -1.0); // not modelled
}

TEST(DramSim, Ddr4GemvStreamsBelowPeakWithRefresh)
{
    // A decode GEMV (1 x 4096 x 4096, W2): DRAM-bound.  On two ddr4-3200
    // channels (51.2 GB/s) it must stay under the peak and reach most of it;
    // refresh alone takes tRFC / tREFI = 560 / 12480 = 4.5% of the time.
    arch_t a = with_dram("ddr4-3200", 2);
    EXPECT_DOUBLE_EQ(a.dram_gbps, 51.2);
    sim_stats st = run(a, 1, 4096, 4096);
    double eff = sim_dram_efficiency(&a, &st);
    double refresh = sim_dram_refresh_share(&a, &st);
    EXPECT_LT(eff, 1.0);
    EXPECT_GT(eff, 0.80);
    EXPECT_NEAR(refresh, 560.0 / 12480.0, 0.01);
    EXPECT_GT(st.ev.dram_row_hits, 50 * (st.ev.dram_row_misses + st.ev.dram_row_conflicts));
    // the same traffic as the ideal model at the same bandwidth, more time
    arch_t i;
    arch_ideal(&i);
    i.dram_gbps = 51.2;
    i.dram_latency = 0;
    sim_stats id = run(i, 1, 4096, 4096);
    EXPECT_EQ(st.ev.dram_read_bytes + st.ev.dram_write_bytes,
              id.ev.dram_read_bytes + id.ev.dram_write_bytes);
    EXPECT_GT(st.cycles, id.cycles);
    EXPECT_LT((double)st.cycles, 1.25 * (double)id.cycles);
    printf("      GEMV 1x4096x4096 W2 on 2 x ddr4-3200: %llu cycles (ideal 51.2 GB/s: %llu), "
           "%.1f%% of peak, refresh %.1f%%\n", (unsigned long long)st.cycles,
           (unsigned long long)id.cycles, 100 * eff, 100 * refresh);
}

TEST(DramSim, DramEnergyComesFromThePreset)
{
    // Equal bandwidth: 10 ddr4-3200 channels = one hbm2 stack = 256 GB/s.
    arch_t d = with_dram("ddr4-3200", 10), h = with_dram("hbm2", 0);
    EXPECT_DOUBLE_EQ(d.dram_gbps, h.dram_gbps);
    sim_stats sd = run(d, 1, 4096, 4096), sh = run(h, 1, 4096, 4096);
    dram_spec ps, ph;
    char err[256];
    ASSERT_EQ(dram_preset_spec("ddr4-3200", &ps, err, sizeof err), 0);
    ASSERT_EQ(dram_preset_spec("hbm2", &ph, err, sizeof err), 0);
    // priced by hand from the events
    EXPECT_DOUBLE_EQ(sd.energy_pj_part[EN_DRAM],
                     (double)sd.ev.dram_read_bytes * 8 * ps.rd_pj_per_bit +
                         (double)sd.ev.dram_write_bytes * 8 * ps.wr_pj_per_bit +
                         (double)(sd.ev.dram_row_misses + sd.ev.dram_row_conflicts) * ps.act_pj +
                         // refresh: 10 channels, one REF per tREFI of run time
                         (double)sd.cycles / (ps.tREFI * ps.tck_ns) * 10 * ps.ref_pj);
    double bd = (double)(sd.ev.dram_read_bytes + sd.ev.dram_write_bytes);
    double bh = (double)(sh.ev.dram_read_bytes + sh.ev.dram_write_bytes);
    double ratio = (sh.energy_pj_part[EN_DRAM] / bh) / (sd.energy_pj_part[EN_DRAM] / bd);
    // activation and refresh add a few percent to the per-bit figures
    // (test_dram_dev: 2.7% on DDR4, 2.0% on HBM2 for streams)
    double cited = ph.rd_pj_per_bit / ps.rd_pj_per_bit;
    EXPECT_NEAR(ratio, cited, 0.03 * cited);
}

struct Cli {
    std::string dir;
    Cli()
    {
        char tmpl[] = "/tmp/lutsim-dram-XXXXXX";
        EXPECT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    ~Cli() { testproc::remove_tree(dir); }
    std::string p(const std::string &n) const { return dir + "/" + n; }
    void write(const std::string &n, const std::string &text) const
    {
        std::ofstream(p(n)) << text;
    }
    int run(const std::string &args, std::string *err = nullptr) const
    {
        int st = testproc::lutsim(args, "/dev/null", p("stderr"));
        std::ifstream f(p("stderr"));
        std::stringstream ss;
        ss << f.rdbuf();
        if (err)
            *err = ss.str();
        return st < 0 ? -1 : st;
    }
};

TEST(DramSim, ArchKeysFailClearly)
{
    const struct {
        const char *json, *want;
    } bad[] = {
        { "{\"dram\": {\"model\": \"ddr9\"}}", "dram.model" },
        { "{\"base\": \"ideal\", \"dram\": {\"channels\": 2}}", "dram.channels" },
        { "{\"dram\": {\"model\": \"ddr4-3200\", \"bandwidth_gbps\": 64}}", "dram.bandwidth_gbps" },
        { "{\"dram\": {\"model\": \"hbm2\", \"burst_bytes\": 64}}", "dram.burst_bytes" },
        { "{\"dram\": {\"model\": \"ddr4-3200\", \"channels\": 1000}}", "dram.channels" },
    };
    for (const auto &b : bad) {
        arch_t a;
        char err[512];
        EXPECT_EQ(arch_from_json_string(b.json, "a.json", &a, err, sizeof err), -1) << b.json;
        EXPECT_NE(std::string(err).find(b.want), std::string::npos) << err;
        EXPECT_EQ(std::string(err).find("a.json: "), 0u) << err;
    }
    // a device model derives bandwidth and burst; the written form reads back
    arch_t a;
    char err[512];
    ASSERT_EQ(arch_from_json_string("{\"dram\": {\"model\": \"lpddr5-6400\", \"channels\": 8}}",
                                    "a.json", &a, err, sizeof err), 0) << err;
    EXPECT_DOUBLE_EQ(a.dram_gbps, 8 * 12.8);
    EXPECT_EQ(a.dram_burst, 32);
    json_t *j = arch_to_json(&a);
    char *text = json_dumps(j, 0);
    arch_t b;
    EXPECT_EQ(arch_from_json_string(text, "round trip", &b, err, sizeof err), 0) << err;
    EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
    free(text);
    json_decref(j);
}

// DRAM energy per DRAM byte of one phase in a `lutsim run` report.
double dram_pj_per_byte(const std::string &path)
{
    json_error_t je;
    json_t *r = json_load_file(path.c_str(), 0, &je);
    EXPECT_NE(r, nullptr) << je.text;
    if (!r)
        return 0;
    json_t *ph = json_array_get(json_object_get(r, "phases"), 0);
    double pj = 0;
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(ph, "ops"), i, op)
        pj += json_number_value(json_object_get(json_object_get(op, "energy_breakdown_pj"), "dram"));
    double bytes = json_number_value(json_object_get(json_object_get(ph, "total"), "dram_bytes"));
    json_decref(r);
    return bytes > 0 ? pj / bytes : 0;
}

TEST(DramSim, Llama7bDecodeEnergyPerByteHbm2OverDdr4)
{
    Cli c;
    c.write("ddr4.json", "{\"base\": \"ideal\", \"dram\": {\"model\": \"ddr4-3200\", \"channels\": 10}}");
    c.write("hbm2.json", "{\"base\": \"ideal\", \"dram\": {\"model\": \"hbm2\"}}");
    for (const char *a : { "ddr4", "hbm2" })
        ASSERT_EQ(c.run(std::string("run --model llama-2-7b --quant W2A8 --phase decode --arch ") +
                        c.p(std::string(a) + ".json") + " --json " +
                        c.p(std::string(a) + "-report.json")), 0);
    double d = dram_pj_per_byte(c.p("ddr4-report.json"));
    double h = dram_pj_per_byte(c.p("hbm2-report.json"));
    double cited = 7.0 / 18.75; // the presets' per-bit figures
    EXPECT_NEAR(h / d, cited, 0.03 * cited);
    printf("      Llama-2-7B W2A8 decode, DRAM energy per byte: ddr4-3200 x 10 %.2f pJ, hbm2 "
           "%.2f pJ, ratio %.4f (per-bit figures %.4f)\n", d, h, h / d, cited);
}

TEST(DramSim, RtlEngineRefusesADeviceModel)
{
    Cli c;
    c.write("ddr4.json", "{\"base\": \"ideal\", \"dram\": {\"model\": \"ddr4-3200\"}}");
    std::string err;
    EXPECT_EQ(c.run("gemm --random 2x64x64 --wfmt int --wbits 2 --engine rtl --arch " +
                    c.p("ddr4.json"), &err), 1);
    EXPECT_NE(err.find("ideal"), std::string::npos) << err;
    // the C model runs it and reports the device's figures
    EXPECT_EQ(c.run("gemm --random 2x64x64 --wfmt int --wbits 2 --arch " + c.p("ddr4.json") +
                    " --stats " + c.p("s.json")), 0);
    json_error_t je;
    json_t *s = json_load_file(c.p("s.json").c_str(), 0, &je);
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(json_string_value(json_object_get(s, "dram_model")), "ddr4-3200");
    EXPECT_DOUBLE_EQ(json_number_value(json_object_get(s, "dram_peak_gbps")), 25.6);
    EXPECT_GT(json_number_value(json_object_get(s, "dram_efficiency")), 0.0);
    EXPECT_GT(json_integer_value(json_object_get(s, "dram_row_misses")), 0);
    json_decref(s);
}

} // namespace
