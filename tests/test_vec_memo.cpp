// test_vec_memo.cpp - vector-unit timings kept across machines (vector.h:
// vec_timing_memo): through the memo every answer has the bits of
// vec_timing alone, machines that differ only in buffer sizes with the same
// plan are answered from it, smaller buffers than an entry ran within are
// simulated again, and every other architecture field is in the key.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "memo_support.h"

extern "C" {
#include "arch.h"
#include "sim.h"
#include "timing_memo.h"
#include "vector.h"
}

namespace {

struct Memo : MemoOwner {
    Memo() : MemoOwner(vec_memo_new()) {}
};

energy_model pricing(double dram_pj)
{
    energy_model em = memo_pricing(dram_pj);
    em.vector_op_pj = 0.7;
    return em;
}

arch_t base_arch()
{
    arch_t a;
    arch_ideal(&a);
    a.clock_ghz = 1.0;
    a.buf[BUF_ACT].kib = 256;
    a.buf[BUF_TBL].kib = 16;
    a.buf[BUF_OUT].kib = 256;
    a.buf[BUF_WGT].kib = 512;
    return a;
}

// The shapes a decoder layer's vector work takes (lower.c): norms into a
// linear layer (quantized), element-wise work, a fused precompute, the
// rmsnorm split.
const vec_shape kShapes[] = {
    { VFN_RMSNORM_F32, 2048, 4096, 0, 1, 0 }, { VFN_MUL_F32, 1, 2048 * 11008, 0, 1, 0 },
    { VFN_ADD_F32, 1, 4096, 0, 0, 0 },         { VFN_SILU_F32, 1, 11008, 0, 1, 0 },
    { VFN_RMSNORM_F32, 16, 4096, 128, 1, 0 },  { VFN_RMSNORM_F32, 64, 4096, 0, 1, 1 },
    { VFN_QUANT_F32, 2048, 4096, 0, 1, 0 },
};

// vec_timing alone and through mm: every byte of the statistics, and the
// sampled flag.
void same_as_direct(timing_memo *mm, const arch_t &a, const energy_model &em, const vec_shape &v)
{
    sim_stats want, got;
    int ws = -1, gs = -2;
    char e1[512] = "", e2[512] = "";
    const int rw = vec_timing(&a, &em, &v, &want, &ws, e1, sizeof e1);
    const int rg = vec_timing_memo(mm, &a, &em, &v, &got, &gs, e2, sizeof e2);
    ASSERT_EQ(rw, rg) << e1 << " / " << e2;
    if (rw != 0) {
        EXPECT_STREQ(e1, e2);
        return;
    }
    EXPECT_EQ(std::memcmp(&want, &got, sizeof want), 0)
        << v.rows << "x" << v.cols << ": cycles " << want.cycles << " vs " << got.cycles;
    EXPECT_EQ(ws, gs);
}

} // namespace

// A grid over buffer sizes, priced differently at each point (an energy
// model follows the buffers): the bits of vec_timing, many from the memo.
TEST(VecMemo, BufferSweepAnswersFromTheMemoWithTheSameBits)
{
    Memo m;
    const int wgt[] = { 128, 512, 2048 }, tbl[] = { 8, 16, 64 }, out[] = { 64, 256 };
    for (const vec_shape &v : kShapes)
        for (int w : wgt)
            for (int t : tbl)
                for (int o : out) {
                    arch_t a = base_arch();
                    a.buf[BUF_WGT].kib = w;
                    a.buf[BUF_TBL].kib = t;
                    a.buf[BUF_OUT].kib = o;
                    SCOPED_TRACE("fn " + std::to_string(v.fn) + " wgt " + std::to_string(w) + " tbl " +
                                 std::to_string(t) + " out " + std::to_string(o));
                    same_as_direct(m.mm, a, pricing(20 + w / 128 + t), v);
                }
    EXPECT_GT(m.hits(), 2 * m.misses()) << "the weight buffer does not shape a vector program";
}

// Random machines and shapes in any order, each twice: always the bits of
// vec_timing alone.
TEST(VecMemo, RandomMachinesInAnyOrderKeepTheBits)
{
    Memo m;
    std::mt19937 rng(3);
    for (int i = 0; i < 40; i++) {
        arch_t a = base_arch();
        a.buf[BUF_ACT].kib = 16 << (rng() % 5);
        a.buf[BUF_OUT].kib = 16 << (rng() % 5);
        a.buf[BUF_TBL].kib = 4 << (rng() % 5);
        a.dram_gbps = 16.0 * (1 + rng() % 16);
        a.vector_lanes = 8 << (rng() % 3);
        const vec_shape &v = kShapes[rng() % (sizeof kShapes / sizeof kShapes[0])];
        SCOPED_TRACE("draw " + std::to_string(i));
        same_as_direct(m.mm, a, pricing(10), v);
        a.buf[BUF_WGT].kib *= 2; // the same plan: from the memo
        same_as_direct(m.mm, a, pricing(30), v);
    }
    EXPECT_GT(m.hits(), 0u);
}

// An entry answers only machines whose buffers are at least those it ran
// within: a smaller one is simulated again, then both are answered.
TEST(VecMemo, SmallerBuffersThanItRanWithinAreSimulatedAgain)
{
    Memo m;
    const vec_shape v = { VFN_ADD_F32, 1, 4096, 0, 0, 0 }; // one tile either way
    arch_t large = base_arch(), small = base_arch();
    large.buf[BUF_WGT].kib = 1024;
    const energy_model em = pricing(1);
    sim_stats a1, a2;
    int smp;
    char err[512];
    ASSERT_EQ(vec_timing_memo(m.mm, &large, &em, &v, &a1, &smp, err, sizeof err), 0) << err;
    ASSERT_EQ(vec_timing_memo(m.mm, &small, &em, &v, &a2, &smp, err, sizeof err), 0) << err;
    EXPECT_EQ(m.hits(), 0u);
    EXPECT_EQ(m.misses(), 2u);
    ASSERT_EQ(vec_timing_memo(m.mm, &large, &em, &v, &a1, &smp, err, sizeof err), 0) << err;
    EXPECT_EQ(m.hits(), 1u);
    EXPECT_EQ(std::memcmp(&a1, &a2, sizeof a1), 0);
}

// A machine that differs in anything but a capacity is simulated, and its
// figures differ; without an energy model nothing is kept.
TEST(VecMemo, EveryOtherFieldIsInTheKey)
{
    Memo m;
    const vec_shape v = { VFN_RMSNORM_F32, 2048, 4096, 0, 1, 0 };
    const arch_t a = base_arch();
    arch_t slower = a, later = a, wider = a;
    slower.dram_gbps = a.dram_gbps / 4;
    later.dram_latency = a.dram_latency + 600;
    wider.vector_lanes = a.vector_lanes * 2;
    const energy_model em = pricing(1);
    sim_stats x, y;
    int smp;
    char err[512];
    ASSERT_EQ(vec_timing_memo(m.mm, &a, &em, &v, &x, &smp, err, sizeof err), 0) << err;
    for (const arch_t &o : { slower, later, wider }) {
        ASSERT_EQ(vec_timing_memo(m.mm, &o, &em, &v, &y, &smp, err, sizeof err), 0) << err;
        EXPECT_NE(x.cycles, y.cycles);
        same_as_direct(m.mm, o, em, v);
    }
    EXPECT_EQ(m.misses(), 4u);
    Memo n;
    ASSERT_EQ(vec_timing_memo(n.mm, &a, nullptr, &v, &x, &smp, err, sizeof err), 0) << err;
    EXPECT_EQ(n.misses(), 0u);
}
