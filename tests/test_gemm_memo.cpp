// test_gemm_memo.cpp - GEMM timings kept across machines (gemm.h:
// gemm_timing_memo, timing_memo.h): the mapper through the memo chooses the
// same schedule with the same bits as without it, on machines that differ
// only in buffer sizes it answers from the memo, and what the key leaves
// out is only what cannot change the result.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "memo_support.h"

extern "C" {
#include "arch.h"
#include "gemm.h"
#include "mapper.h"
#include "sim.h"
#include "timing_memo.h"
}

namespace {

struct Memo : MemoOwner {
    Memo() : MemoOwner(gemm_memo_new()) {}
};

energy_model pricing(double dram_pj)
{
    energy_model em = memo_pricing(dram_pj);
    em.precompute_add_pj = 0.1;
    return em;
}

gemm_shape shape(uint64_t m, int n, int k, int bits)
{
    gemm_shape s;
    std::memset(&s, 0, sizeof s);
    s.wtype.fmt = LUT_WFMT_INT;
    s.wtype.bits = bits;
    s.group_size = 128;
    s.m = m;
    s.n = n;
    s.kd = k;
    return s;
}

// mapper_search without a memo and through mm: the same schedule, every
// byte of the statistics.
void same_as_direct(timing_memo *mm, const arch_t &a, const energy_model &em, const gemm_shape &s)
{
    gemm_shape wb, gb;
    sim_stats want, got;
    int ws = 0, gs = 0, wn = 0, gn = 0;
    char err[512];
    ASSERT_EQ(mapper_search(&a, &em, &s, MAP_EDP, &wb, &want, &ws, &wn, err, sizeof err), 0)
        << err;
    ASSERT_EQ(mapper_search_memo(mm, &a, &em, &s, MAP_EDP, &gb, &got, &gs, &gn, err, sizeof err),
              0)
        << err;
    EXPECT_EQ(std::memcmp(&want, &got, sizeof want), 0)
        << s.m << "x" << s.n << "x" << s.kd << ": cycles " << want.cycles << " vs " << got.cycles;
    EXPECT_EQ(std::memcmp(&wb.sched, &gb.sched, sizeof wb.sched), 0);
    EXPECT_EQ(wb.force_mt, gb.force_mt);
    EXPECT_EQ(wb.force_nt, gb.force_nt);
    EXPECT_EQ(wb.force_nb, gb.force_nb);
    EXPECT_EQ(ws, gs);
    EXPECT_EQ(wn, gn);
}

arch_t base_arch()
{
    arch_t a;
    arch_ideal(&a);
    a.clock_ghz = 1.0;
    a.lut_cores = 8;
    a.tile_m = 2;
    a.tile_n = 64;
    a.tile_k = 4;
    a.buf[BUF_ACT].kib = 256;
    a.buf[BUF_TBL].kib = 16;
    a.buf[BUF_OUT].kib = 256;
    a.buf[BUF_WGT].kib = 512;
    return a;
}

} // namespace

// A sweep's grid over buffer sizes: every answer equals the mapper's
// without the memo, and most of them come from it.
TEST(GemmMemo, BufferSweepAnswersFromTheMemoWithTheSameBits)
{
    Memo m;
    const gemm_shape shapes[] = { shape(2048, 4096, 4096, 2), shape(1, 11008, 4096, 2),
                                  shape(300, 1000, 1152, 3) };
    const int wgt[] = { 128, 256, 512, 1024, 2048 }, tbl[] = { 8, 16, 32, 64 };
    for (const gemm_shape &s : shapes)
        for (int w : wgt)
            for (int t : tbl) {
                arch_t a = base_arch();
                a.buf[BUF_WGT].kib = w;
                a.buf[BUF_TBL].kib = t;
                SCOPED_TRACE("wgt " + std::to_string(w) + " tbl " + std::to_string(t));
                same_as_direct(m.mm, a, pricing(20 + w / 128), s);
            }
    EXPECT_GT(m.hits(), m.misses() / 2) << "a grid over buffer sizes shares many sample programs";
}

// Random machines and shapes, each timed twice through one memo in a
// shuffled order: always the bits of the mapper alone.
TEST(GemmMemo, RandomMachinesInAnyOrderKeepTheBits)
{
    Memo m;
    std::mt19937 rng(11);
    for (int i = 0; i < 24; i++) {
        arch_t a = base_arch();
        a.lut_cores = 1 + (int)(rng() % 8);
        a.tile_n = 16 << (rng() % 3);
        a.buf[BUF_ACT].kib = 32 << (rng() % 4);
        a.buf[BUF_WGT].kib = 64 << (rng() % 5);
        a.buf[BUF_OUT].kib = 64 << (rng() % 3);
        a.sram_ideal = (int)(rng() % 2);
        const gemm_shape s = shape(1 + rng() % 600, 64 + (int)(rng() % 1500),
                                   128 * (1 + (int)(rng() % 12)), 2 + (int)(rng() % 3));
        SCOPED_TRACE("draw " + std::to_string(i));
        same_as_direct(m.mm, a, pricing(10), s);
        a.buf[BUF_WGT].kib *= 2; // often the same plan: from the memo
        same_as_direct(m.mm, a, pricing(30), s);
    }
    EXPECT_GT(m.hits(), 0u);
}

// The entry ran within the larger buffers only: a smaller machine with the
// same plan could fail a bounds check, so it is simulated again; once it
// ran within the smaller ones, both are answered.
TEST(GemmMemo, SmallerBuffersThanItRanWithinAreSimulatedAgain)
{
    Memo m;
    const gemm_shape s = shape(64, 512, 1024, 2);
    arch_t large = base_arch(), small = base_arch();
    large.buf[BUF_WGT].kib = 1024;
    gemm_shape best;
    sim_stats st;
    int smp, n;
    char err[512];
    ASSERT_EQ(mapper_search(&large, nullptr, &s, MAP_CYCLES, &best, &st, &smp, &n, err,
                            sizeof err), 0)
        << err;
    const energy_model em = pricing(1);
    sim_stats a1, a2;
    ASSERT_EQ(gemm_timing_memo(m.mm, &large, &em, &best, &a1, &smp, err, sizeof err), 0) << err;
    const uint64_t after_large = m.misses();
    ASSERT_GT(after_large, 0u);
    ASSERT_EQ(gemm_timing_memo(m.mm, &small, &em, &best, &a2, &smp, err, sizeof err), 0) << err;
    EXPECT_EQ(m.hits(), 0u) << "the smaller machine is not covered by the larger one's run";
    const uint64_t after_small = m.misses();
    EXPECT_GT(after_small, after_large);
    ASSERT_EQ(gemm_timing_memo(m.mm, &large, &em, &best, &a1, &smp, err, sizeof err), 0) << err;
    EXPECT_EQ(m.misses(), after_small);
    EXPECT_GT(m.hits(), 0u);
    EXPECT_EQ(std::memcmp(&a1, &a2, sizeof a1), 0);
}

// Every other architecture field is in the key: a machine that differs in
// one of them is simulated, and its figures differ.
TEST(GemmMemo, EveryOtherFieldIsInTheKey)
{
    Memo m;
    const gemm_shape s = shape(256, 1024, 2048, 2);
    const arch_t a = base_arch();
    arch_t slower = a, later = a, banked = a;
    slower.dram_gbps = 16;
    later.dram_latency = 700;
    banked.sram_ideal = 0;
    same_as_direct(m.mm, a, pricing(1), s);
    const uint64_t first = m.misses();
    for (const arch_t &x : { slower, later, banked })
        same_as_direct(m.mm, x, pricing(1), s);
    EXPECT_EQ(m.hits(), 0u);
    EXPECT_GE(m.misses(), 4 * first / 2);
    sim_stats x, y;
    gemm_shape b;
    int smp, n;
    char err[512];
    ASSERT_EQ(mapper_search(&a, nullptr, &s, MAP_CYCLES, &b, &x, &smp, &n, err, sizeof err), 0);
    ASSERT_EQ(mapper_search(&slower, nullptr, &s, MAP_CYCLES, &b, &y, &smp, &n, err, sizeof err),
              0);
    EXPECT_NE(x.cycles, y.cycles) << "the field matters: a hit would be wrong";
}
