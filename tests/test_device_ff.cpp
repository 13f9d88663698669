// test_device_ff.cpp - fast-forwarding on DRAM devices (compiler/device_ff.h):
// random long vector operations on every DRAM preset, sampled, held to a
// full simulation of the same program: cycles within 1%, data bytes,
// instructions and vector work exact.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

#include "arch.h"
#include "dram_dev.h"
#include "program.h"
#include "sim.h"
#include "vector.h"

namespace {

sim_stats full_vec(const arch_t &a, const vec_shape &v)
{
    program p;
    uint64_t tiles;
    sim_stats st = {};
    char err[512] = "";
    EXPECT_EQ(vec_lower(&a, &v, 0, &p, &tiles, err, sizeof err), 0) << err;
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    program_free(&p);
    return st;
}

// A long vector operation: about 800 to 1800 tiles of the arch's span.
vec_shape random_vec(const arch_t &a, std::mt19937 &rng)
{
    const isa_vfn fns[] = {VFN_ADD_F32, VFN_MUL_F32, VFN_SILU_F32, VFN_RMSNORM_F32,
                           VFN_SOFTMAX_F32};
    vec_shape v = {fns[rng() % 5], 1, 1, 0, (int)(rng() % 2), 0};
    const bool rows = v.fn == VFN_RMSNORM_F32 || v.fn == VFN_SOFTMAX_F32;
    v.cols = rows ? 512 + 64 * (rng() % 100) : 1 << 20;
    vec_layout l;
    char err[256];
    EXPECT_EQ(vec_layout_of(&a, &v, &l, err, sizeof err), 0) << err;
    const uint64_t tiles = 800 + rng() % 1000;
    if (rows)
        v.rows = tiles * (l.span / v.cols) - rng() % (l.span / v.cols);
    else
        v.cols = tiles * l.span - rng() % l.span;
    return v;
}

} // namespace

TEST(DeviceFF, LongVectorOpsWithinOnePercentOfFullOnEveryPreset)
{
    std::mt19937 rng(11);
    for (int i = -1; i < dram_preset_count(); i++) {
        arch_t a;
        arch_default(&a); // i = -1: the default as shipped (lpddr5-6400 x 5)
        char err[512];
        if (i >= 0) {
            ASSERT_EQ(arch_set_dram_model(&a, dram_preset_name(i), 0, err, sizeof err), 0) << err;
        }
        int sampled_runs = 0;
        for (int k = 0; k < 3; k++) {
            const vec_shape v = random_vec(a, rng);
            SCOPED_TRACE(std::string(a.dram_model) + " " + isa_vfn_names[v.fn] + " " +
                         std::to_string(v.rows) + "x" + std::to_string(v.cols) + " q" +
                         std::to_string(v.quant_out));
            sim_stats ff;
            int sampled;
            ASSERT_EQ(vec_timing(&a, nullptr, &v, &ff, &sampled, err, sizeof err), 0) << err;
            const sim_stats full = full_vec(a, v);
            std::printf("%s %s %llux%llu q%d sampled %d: %+.3f%%\n", a.dram_model, isa_vfn_names[v.fn],
                        (unsigned long long)v.rows, (unsigned long long)v.cols, v.quant_out, sampled,
                        100.0 * ((double)ff.cycles - (double)full.cycles) / (double)full.cycles);
            sampled_runs += sampled;
            EXPECT_NEAR((double)ff.cycles, (double)full.cycles, 0.01 * (double)full.cycles);
            // data bytes exact; the instruction fetch runs ahead by the
            // buffer's depth, not periodically
            EXPECT_EQ(ff.ev.dram_read_bytes - ff.ev.ifetch_bytes,
                      full.ev.dram_read_bytes - full.ev.ifetch_bytes);
            EXPECT_EQ(ff.ev.dram_write_bytes, full.ev.dram_write_bytes);
            EXPECT_NEAR((double)ff.ev.ifetch_bytes, (double)full.ev.ifetch_bytes,
                        0.01 * (double)full.ev.ifetch_bytes);
            EXPECT_EQ(ff.instructions, full.instructions);
            EXPECT_EQ(ff.ev.vector_ops, full.ev.vector_ops);
            EXPECT_NEAR((double)ff.ev.dram_row_hits, (double)full.ev.dram_row_hits,
                        0.01 * (double)full.ev.dram_row_hits);
        }
        EXPECT_GT(sampled_runs, 0) << a.dram_model; // the fast-forward ran
    }
}

// Long operations whose tile cost drifts over hundreds of tiles (their
// streams' addresses against the device's interleave): windows of one
// block of 64 tiles came out -1.09%, -1.07% and +1.43% off full on them.
TEST(DeviceFF, DriftingTileCostsWithinOnePercentOfFull)
{
    const struct {
        const char *dram;
        uint64_t cols;
        int quant_out;
    } cases[] = {{"lpddr5-6400", 39034291, 1}, {"hbm2", 30989732, 1}, {"hbm3", 32198173, 0}};
    for (const auto &c : cases) {
        arch_t a;
        arch_default(&a);
        char err[512];
        ASSERT_EQ(arch_set_dram_model(&a, c.dram, 0, err, sizeof err), 0) << err;
        const vec_shape v = {VFN_MUL_F32, 1, c.cols, 0, c.quant_out, 0};
        SCOPED_TRACE(std::string(c.dram) + " mul_f32 1x" + std::to_string(c.cols));
        sim_stats ff;
        int sampled;
        ASSERT_EQ(vec_timing(&a, nullptr, &v, &ff, &sampled, err, sizeof err), 0) << err;
        const sim_stats full = full_vec(a, v);
        EXPECT_NEAR((double)ff.cycles, (double)full.cycles, 0.01 * (double)full.cycles);
        EXPECT_EQ(ff.ev.dram_read_bytes - ff.ev.ifetch_bytes,
                  full.ev.dram_read_bytes - full.ev.ifetch_bytes);
        EXPECT_EQ(ff.ev.dram_write_bytes, full.ev.dram_write_bytes);
    }
}
