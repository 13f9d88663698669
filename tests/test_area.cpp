// test_area.cpp - the area model (cmodel/area.h, sim/cli/area_json.h):
// the committed logic fit reproduces the recorded synthesis of its held-out
// points within 10%, the breakdown sums to the total, every part grows with
// the parameters that scale it, one buffer's SRAM area by hand, parse errors,
// and `lutsim arch --area`.
#include <gtest/gtest.h>
#include <jansson.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "run_argv.h"

extern "C" {
#include "arch.h"
#include "area.h"
#include "area_json.h"
}

namespace {

// Every field the area depends on, set here (not the embedded default's).
arch_t pinned_arch()
{
    arch_t a;
    arch_default(&a);
    a.tech_nm = 28;
    a.clock_ghz = 1.0;
    a.lut_cores = 8;
    a.tile_m = 2; a.tile_n = 64; a.tile_k = 4;
    a.lut_double_acc = 0;
    a.tprec_tables_per_cycle = 1;
    a.dequant_lanes = 64;
    a.vector_lanes = 64;
    a.dma_engines = 1;
    a.dma_max_outstanding = 64;
    a.dram_burst = 64; a.dram_gbps = 64.0; a.dram_latency = 100;
    a.queue_depth = 4;
    a.tprec_latency = 2; a.lmma_latency = 4; a.dequant_latency = 4;
    a.ibuf_entries = 0;
    const arch_buffer b[BUF_COUNT] = { { 256, 8, 128, 1 }, { 512, 8, 256, 1 },
                                       { 16, 2, 256, 1 }, { 256, 8, 256, 2 } };
    for (int i = 0; i < BUF_COUNT; i++)
        a.buf[i] = b[i];
    return a;
}

area_table table()
{
    area_table t;
    char err[256];
    EXPECT_EQ(area_table_default(&t, err, sizeof err), 0) << err;
    return t;
}

area_report eval(const area_table &t, const arch_t &a)
{
    area_report r;
    char err[256];
    EXPECT_EQ(area_eval(&t, &a, &r, err, sizeof err), 0) << err;
    return r;
}

// A unit's terms straight from logic_fit.json (the PE units of rtl/pe/,
// which no compute kind prices yet, so the area table does not hold them).
area_fit fit_of_json(json_t *terms)
{
    area_fit f{};
    size_t i;
    json_t *t;
    json_array_foreach(terms, i, t) {
        area_term &x = f.term[f.nterms++];
        x.um2 = json_number_value(json_object_get(t, "um2"));
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(t, "vars"), k, v)
            snprintf(x.var[x.nvars++], AREA_VAR_LEN, "%s", json_string_value(v));
    }
    return f;
}

// The committed coefficients against the synthesis figures recorded beside
// them (logic_fit.json, written by `make area-fit`; `make area-check`
// synthesises the held-out points again).
} // namespace

TEST(Area, CommittedFitReproducesHeldOutSynthesisWithinTenPercent)
{
    const area_table t = table();
    json_error_t je;
    json_t *doc = json_loads(area_fit_text(), 0, &je);
    ASSERT_TRUE(doc) << je.text;
    json_t *units = json_object_get(doc, "units");
    int checked = 0, core = 0;
    const char *name;
    json_t *unit;
    json_object_foreach(units, name, unit) {
        int u = 0;
        while (u < AREA_UNIT_COUNT && strcmp(area_unit_names[u], name) != 0)
            u++;
        core += u < AREA_UNIT_COUNT;
        const area_fit f = u < AREA_UNIT_COUNT ? t.unit[u] : fit_of_json(json_object_get(unit, "terms"));
        json_t *held = json_object_get(unit, "held_out");
        ASSERT_TRUE(json_is_array(held) && json_array_size(held) > 0) << name;
        size_t i;
        json_t *p;
        json_array_foreach(held, i, p) {
            std::vector<const char *> vars;
            std::vector<double> vals;
            const char *k;
            json_t *x;
            json_object_foreach(json_object_get(p, "params"), k, x) {
                vars.push_back(k);
                vals.push_back(json_number_value(x));
            }
            vars.push_back(nullptr);
            double um2 = 0;
            char err[256];
            ASSERT_EQ(area_fit_um2(&f, vars.data(), vals.data(), &um2, err, sizeof err), 0) << err;
            const double synth = json_number_value(json_object_get(p, "synth_um2"));
            ASSERT_GT(synth, 0);
            EXPECT_LT(std::fabs(um2 / synth - 1.0), 0.10)
                << name << " held-out point " << i << ": model " << um2 << " um^2, synthesis "
                << synth << " um^2";
            checked++;
        }
    }
    EXPECT_EQ(core, AREA_UNIT_COUNT);
    EXPECT_GE(checked, AREA_UNIT_COUNT);
    json_decref(doc);
}

TEST(Area, BreakdownSumsToTotal)
{
    const area_table t = table();
    arch_t a = pinned_arch();
    a.ibuf_entries = 256;
    a.lut_double_acc = 1;
    a.lut_index_kib = 4;
    const area_report r = eval(t, a);
    double sum = 0;
    for (int p = 0; p < AREA_PART_COUNT; p++) {
        if (p == AREA_MMA_ARRAY || p == AREA_MMA_DEQUANT) // the other kinds' arrays
            EXPECT_EQ(r.part_mm2[p], 0) << area_part_names[p];
        else
            EXPECT_GT(r.part_mm2[p], 0) << area_part_names[p];
        sum += r.part_mm2[p];
    }
    EXPECT_DOUBLE_EQ(sum, r.total_mm2);
    EXPECT_EQ(r.node_nm, 28);
}

// compute.kind systolic and mac: the fitted PEs times the array's PEs, no
// LUT array, precompute or LUT dequant; the rest of the design unchanged.
TEST(Area, MmaKindsPricedByTheirFittedPes)
{
    const area_table t = table();
    arch_t a = pinned_arch();
    const area_report lut = eval(t, a);
    const double pe_vals[] = { 8, 8, 32 };
    const char *const pe_vars[] = { "aw", "ww", "accw", nullptr };
    double sys_pe, mac_pe, factor;
    char err[256];
    ASSERT_EQ(area_fit_um2(&t.unit[AREA_U_PE_SYS], pe_vars, pe_vals, &sys_pe, err, sizeof err), 0);
    ASSERT_EQ(area_fit_um2(&t.unit[AREA_U_PE_MAC], pe_vars, pe_vals, &mac_pe, err, sizeof err), 0);
    ASSERT_EQ(area_logic_factor(&t, 28, &factor, err, sizeof err), 0);
    // the committed fit's own synthesis points at 8 x 8 -> 32 bits (logic_fit.json)
    EXPECT_NEAR(sys_pe, 1461.936, 0.1 * 1461.936);
    EXPECT_NEAR(mac_pe, 1359.792, 0.1 * 1359.792);
    a.compute_kind = COMPUTE_SYSTOLIC;
    a.sys_rows = 16, a.sys_cols = 8;
    area_report r = eval(t, a);
    EXPECT_NEAR(r.part_mm2[AREA_MMA_ARRAY], 128 * sys_pe * factor * 1e-6, 1e-12);
    EXPECT_EQ(r.part_mm2[AREA_LUT_ARRAY] + r.part_mm2[AREA_PRECOMPUTE] + r.part_mm2[AREA_DEQUANT], 0);
    EXPECT_EQ(r.part_mm2[AREA_MMA_DEQUANT], 0);
    EXPECT_DOUBLE_EQ(r.part_mm2[AREA_BUF_WEIGHT], lut.part_mm2[AREA_BUF_WEIGHT]);
    a.compute_kind = COMPUTE_MAC;
    a.mac_m = 8, a.mac_n = 4, a.mac_k = 16;
    r = eval(t, a);
    EXPECT_NEAR(r.part_mm2[AREA_MMA_ARRAY], 512 * mac_pe * factor * 1e-6, 1e-12);
    EXPECT_GT(r.part_mm2[AREA_MMA_DEQUANT], 0);
    // FP16 lanes: the fitted pe_mac_fp16 with an FP32 accumulator (mw 23),
    // held to its own synthesis (logic_fit.json: 3863.384 um^2 at 45 nm)
    const double fp16_vals[] = { 23 };
    const char *const fp16_vars[] = { "mw", nullptr };
    double fp16_pe;
    ASSERT_EQ(area_fit_um2(&t.unit[AREA_U_PE_FP16], fp16_vars, fp16_vals, &fp16_pe, err,
                           sizeof err), 0);
    EXPECT_NEAR(fp16_pe, 3863.384, 0.1 * 3863.384);
    a.mac_dtype = MAC_FP16;
    const area_report f = eval(t, a);
    EXPECT_NEAR(f.part_mm2[AREA_MMA_ARRAY], 512 * fp16_pe * factor * 1e-6, 1e-12);
    EXPECT_GT(f.part_mm2[AREA_MMA_ARRAY], r.part_mm2[AREA_MMA_ARRAY] * 1.5);
    EXPECT_DOUBLE_EQ(f.part_mm2[AREA_MMA_DEQUANT], r.part_mm2[AREA_MMA_DEQUANT]);
}

// The bitserial kind's BitMoD and FP16 PEs from their synthesised RTL
// (rtl/pe/pe_bitmod.v, pe_mac_fp16.v), against BitMoD's published per-PE
// areas at 28 nm (1507.7 and 1968.7 um^2, default.json): our cell area is
// lower (no place and route, an open 45 nm library scaled), but the two
// PEs keep BitMoD's ratio, 1507.7 / 1968.7 = 0.766, within 5%.
TEST(Area, BitserialPesFromSynthesisBesidePublished)
{
    const area_table t = table();
    char err[256];
    double factor, bm, fp;
    ASSERT_EQ(area_logic_factor(&t, 28, &factor, err, sizeof err), 0);
    const double bm_vals[] = { 4, 64 };
    const char *const bm_vars[] = { "dp", "accw", nullptr };
    const double fp_vals[] = { 23 };
    const char *const fp_vars[] = { "mw", nullptr };
    ASSERT_EQ(area_fit_um2(&t.unit[AREA_U_PE_BITMOD], bm_vars, bm_vals, &bm, err, sizeof err), 0);
    ASSERT_EQ(area_fit_um2(&t.unit[AREA_U_PE_FP16], fp_vars, fp_vals, &fp, err, sizeof err), 0);
    // the committed fit's own synthesis points (logic_fit.json)
    EXPECT_NEAR(bm, 3040.38, 0.1 * 3040.38);
    EXPECT_NEAR(fp, 3863.384, 0.1 * 3863.384);
    EXPECT_NEAR((bm / fp) / (1507.7 / 1968.7), 1.0, 0.05);
    // the published figures stay in the table, brought to 45 nm
    EXPECT_NEAR(t.bitserial_pe_um2[BS_PE_BITMOD] * factor, 1507.7, 1e-9);
    EXPECT_NEAR(t.bitserial_pe_um2[BS_PE_FP16] * factor, 1968.7, 1e-9);
    arch_t a = pinned_arch();
    a.compute_kind = COMPUTE_BITSERIAL;
    a.bs_rows = 8, a.bs_cols = 4, a.bs_dp = 4, a.bs_bits_per_cycle = 2;
    a.bs_pe = BS_PE_BITMOD;
    EXPECT_NEAR(eval(t, a).part_mm2[AREA_MMA_ARRAY], 32 * bm * factor * 1e-6, 1e-12);
    a.bs_dp = 2; // the fit at dp 2
    const double bm2_vals[] = { 2, 64 };
    double bm2;
    ASSERT_EQ(area_fit_um2(&t.unit[AREA_U_PE_BITMOD], bm_vars, bm2_vals, &bm2, err, sizeof err), 0);
    EXPECT_NEAR(eval(t, a).part_mm2[AREA_MMA_ARRAY], 32 * bm2 * factor * 1e-6, 1e-12);
    a.bs_pe = BS_PE_FP16; // dp FP16 MAC lanes a PE
    EXPECT_NEAR(eval(t, a).part_mm2[AREA_MMA_ARRAY], 32 * 2 * fp * factor * 1e-6, 1e-12);
    a.bs_pe = BS_PE_ANT; // published: 1318.6 um^2 at 28 nm
    EXPECT_NEAR(eval(t, a).part_mm2[AREA_MMA_ARRAY], 32 * 1318.6e-6, 1e-12);
}

// Each change must grow its part strictly and the total with it.
TEST(Area, MonotoneInTheScalingParameters)
{
    const area_table t = table();
    const arch_t base = pinned_arch();
    const area_report r0 = eval(t, base);
    struct Case {
        const char *what;
        area_part part;
        void (*change)(arch_t *);
    };
    const Case cases[] = {
        { "tile_m", AREA_LUT_ARRAY, [](arch_t *a) { a->tile_m = 4; } },
        { "tile_n", AREA_LUT_ARRAY, [](arch_t *a) { a->tile_n = 128; } },
        { "cores", AREA_LUT_ARRAY, [](arch_t *a) { a->lut_cores = 16; } },
        { "tile_k", AREA_LUT_ARRAY, [](arch_t *a) { a->tile_k = 5; } },
        { "double_acc", AREA_LUT_ARRAY, [](arch_t *a) { a->lut_double_acc = 1; } },
        { "tile_k (precompute)", AREA_PRECOMPUTE, [](arch_t *a) { a->tile_k = 5; } },
        { "tables_per_cycle", AREA_PRECOMPUTE, [](arch_t *a) { a->tprec_tables_per_cycle = 2; } },
        { "dequant lanes", AREA_DEQUANT, [](arch_t *a) { a->dequant_lanes = 128; } },
        { "vector lanes", AREA_VECTOR, [](arch_t *a) { a->vector_lanes = 128; } },
        { "dma engines", AREA_DMA, [](arch_t *a) { a->dma_engines = 2; } },
        { "dma max_outstanding", AREA_DMA, [](arch_t *a) { a->dma_max_outstanding = 128; } },
        { "dram burst (write strobes)", AREA_DMA, [](arch_t *a) { a->dram_burst = 128; } },
        { "dram latency (ring)", AREA_SCOREBOARD, [](arch_t *a) { a->dram_latency = 200; } },
        { "queue depth", AREA_CONTROLLER, [](arch_t *a) { a->queue_depth = 8; } },
        { "act kib", AREA_BUF_ACT, [](arch_t *a) { a->buf[BUF_ACT].kib = 512; } },
        { "weight ports", AREA_BUF_WEIGHT, [](arch_t *a) { a->buf[BUF_WGT].ports = 2; } },
        { "table width", AREA_BUF_TABLE, [](arch_t *a) { a->buf[BUF_TBL].width_bits = 512; } },
        { "output banks (wider in total)", AREA_BUF_OUTPUT,
          [](arch_t *a) { a->buf[BUF_OUT].banks = 4; a->buf[BUF_OUT].width_bits = 512; } },
        { "ibuf entries", AREA_IBUF, [](arch_t *a) { a->ibuf_entries = 64; } },
    };
    for (const Case &c : cases) {
        arch_t a = base;
        c.change(&a);
        const area_report r = eval(t, a);
        EXPECT_GT(r.part_mm2[c.part], r0.part_mm2[c.part]) << c.what;
        EXPECT_GT(r.total_mm2, r0.total_mm2) << c.what;
    }
}

// Without a bound the DMA's outstanding-transaction table has the DRAM
// latency's slots (gen_rtl_includes' ARCH_DMA_OT): the area model prices
// that table, so max_outstanding 0 and max_outstanding = latency agree, and
// the two-engine DMA is twice the one-engine one.
TEST(Area, DmaTableFollowsTheRtlSlots)
{
    const area_table t = table();
    arch_t a = pinned_arch();
    a.dma_max_outstanding = 0;
    const double unbounded = eval(t, a).part_mm2[AREA_DMA];
    a.dma_max_outstanding = a.dram_latency;
    EXPECT_DOUBLE_EQ(eval(t, a).part_mm2[AREA_DMA], unbounded);
    a.dma_max_outstanding = a.dram_latency + 1;
    EXPECT_GT(eval(t, a).part_mm2[AREA_DMA], unbounded);
    a.dma_max_outstanding = 0;
    a.dma_engines = 2;
    EXPECT_DOUBLE_EQ(eval(t, a).part_mm2[AREA_DMA], 2 * unbounded);
}

// One 64 KiB bank, 64 bits wide, one port, 28 nm: bits x bitcell /
// efficiency with default.json's figures (CACTI's 146 F^2 cell, 0.1145
// um^2, and its 74.1% efficiency for that bank), which is CACTI's own
// 0.081 mm^2 for the bank (shared/reference/area.md).
TEST(Area, SramBufferByHand)
{
    const area_table t = table();
    arch_t a = pinned_arch();
    a.buf[BUF_ACT] = { 64, 1, 64, 1 };
    const area_report r = eval(t, a);
    const double by_hand = 64.0 * 1024 * 8 * 0.1145 / 0.741 * 1e-6;
    EXPECT_NEAR(r.part_mm2[AREA_BUF_ACT], by_hand, 1e-9);
    EXPECT_NEAR(r.part_mm2[AREA_BUF_ACT], 0.081, 0.081 * 0.01); // CACTI 7.0's figure
    // 128 bits wide: CACTI's 68.1% efficiency; two ports: twice the cells
    a.buf[BUF_ACT] = { 64, 1, 128, 2 };
    const area_report r2 = eval(t, a);
    EXPECT_NEAR(r2.part_mm2[AREA_BUF_ACT], 64.0 * 1024 * 8 * 0.1145 * 2 / 0.681 * 1e-6, 1e-9);
    // the same bits in 4 banks of 64 bits: the same cells and efficiency
    a.buf[BUF_ACT] = { 64, 4, 64, 1 };
    EXPECT_NEAR(eval(t, a).part_mm2[AREA_BUF_ACT], by_hand, 1e-9);
}

TEST(Area, NodeScaling)
{
    const area_table t = table();
    arch_t a = pinned_arch();
    const area_report r28 = eval(t, a);
    a.tech_nm = 45;
    const area_report r45 = eval(t, a);
    // logic: the Stillmaker & Baas 45 -> 28 nm factor 0.38 (area.md)
    EXPECT_NEAR(r28.part_mm2[AREA_LUT_ARRAY] / r45.part_mm2[AREA_LUT_ARRAY], 0.38, 1e-12);
    a.tech_nm = 5;
    area_report r;
    char err[256];
    EXPECT_NE(area_eval(&t, &a, &r, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("tech_nm 5"), std::string::npos) << err;
}

TEST(Area, ParseErrorsNameThePath)
{
    area_table t;
    char err[256];
    std::string fit = area_fit_text();
    const std::string figs = area_default_text();
    // a term naming a parameter its unit does not have
    std::string bad = fit;
    size_t at = bad.find("\"cols\"");
    ASSERT_NE(at, std::string::npos);
    bad.replace(at, 6, "\"lanes\"");
    EXPECT_NE(area_table_from_json_strings(figs.c_str(), "F", bad.c_str(), "G", &t, err,
                                           sizeof err), 0);
    EXPECT_NE(std::string(err).find("G: units.lut_array.terms["), std::string::npos) << err;
    // a figure whose source is empty
    std::string nosrc = figs;
    at = nosrc.find("\"source\": \"area.md: Stillmaker & Baas 45 -> 32 nm\"");
    ASSERT_NE(at, std::string::npos);
    nosrc.replace(at, std::string("\"source\": \"area.md: Stillmaker & Baas 45 -> 32 nm\"").size(),
                  "\"source\": \"\"");
    EXPECT_NE(area_table_from_json_strings(nosrc.c_str(), "F", fit.c_str(), "G", &t, err,
                                           sizeof err), 0);
    EXPECT_NE(std::string(err).find("F: logic_scaling.factors[1].source: empty"),
              std::string::npos) << err;
}

TEST(Area, ArchAreaCommand)
{
    testproc::TmpDir t;
    ASSERT_FALSE(t.dir.empty());
    const std::string arch = t.p("a.json");
    FILE *f = fopen(arch.c_str(), "w");
    ASSERT_TRUE(f);
    fputs("{ \"tech_nm\": 28, \"lut\": { \"cores\": 2, \"tile\": { \"m\": 2, \"n\": 16, \"k\": 4 } } }", f);
    fclose(f);
    testproc::CliResult r = testproc::lutsim(t, "arch --area --arch " + arch);
    ASSERT_EQ(r.status, 0) << r.err;
    json_error_t je;
    json_t *j = json_loads(r.out.c_str(), 0, &je);
    ASSERT_TRUE(j) << r.out;
    json_t *b = json_object_get(j, "area_breakdown_mm2");
    double sum = 0;
    for (int p = 0; p < AREA_PART_COUNT; p++) {
        json_t *x = json_object_get(b, area_part_names[p]);
        ASSERT_TRUE(json_is_number(x)) << area_part_names[p];
        sum += json_number_value(x);
    }
    EXPECT_NEAR(sum, json_number_value(json_object_get(j, "area_mm2")), 1e-12);
    // peak TOPS per LUT-array mm^2 at 1 weight bit: 2 x m x n x cores x k / 1 per cycle
    const double lut = json_number_value(json_object_get(b, "lut_array"));
    const double w1 = json_number_value(
        json_object_get(json_object_get(j, "lut_array_peak_tops_per_mm2"), "w1"));
    EXPECT_NEAR(w1, 2.0 * 2 * 16 * 2 * 4 * 1e9 / 1e12 / lut, 1e-9 * w1);
    json_decref(j);
    r = testproc::lutsim(t, "arch --area --show");
    EXPECT_EQ(r.status, 2);
}
