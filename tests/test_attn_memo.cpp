// test_attn_memo.cpp - attention timings kept across machines (attn_memo.h):
// an answer from the memo is the same bits as attn_timing on that machine,
// and a machine the key does not cover is simulated again.
#include <gtest/gtest.h>
#include <cstring>
#include "arch_pin.h"
#include "attn_memo.h"

namespace {

struct Memo {
    attn_memo *mm = attn_memo_new();
    ~Memo() { attn_memo_free(mm); }
};

// scale: the weight buffer's (K and V blocks), which the plan below fills
// at 1 already
arch_t pinned(int scale)
{
    arch_t a;
    arch_ideal(&a);
    pin_lut_array(&a);
    pin_ideal_memory(&a);
    a.buf[BUF_WGT].kib *= scale;
    return a;
}

energy_model pricing(double dram_pj)
{
    energy_model em = {};
    em.dram_pj_per_byte = dram_pj;
    for (int b = 0; b < BUF_COUNT; b++)
        em.buf_read_pj_per_byte[b] = em.buf_write_pj_per_byte[b] = 0.1 * (b + 1);
    em.table_read_pj = 0.3;
    em.leakage_pj_per_cycle = 2;
    return em;
}

// attn_timing itself against the memo's answer: every byte of the stats.
void same_as_direct(attn_memo *mm, const arch_t &a, const energy_model &em, const attn_shape &s)
{
    sim_stats want, got;
    int ws = 0, gs = 0, wp = 0, gp = 0;
    char err[512];
    ASSERT_EQ(attn_timing(&a, &em, &s, ATTN_FUSED, &want, &ws, &wp, err, sizeof err), 0) << err;
    ASSERT_EQ(attn_timing_memo(mm, &a, &em, &s, ATTN_FUSED, &got, &gs, &gp, err, sizeof err), 0)
        << err;
    EXPECT_EQ(std::memcmp(&want, &got, sizeof want), 0);
    EXPECT_EQ(want.cycles, got.cycles);
    EXPECT_EQ(want.energy_pj, got.energy_pj);
    EXPECT_EQ(ws, gs);
    EXPECT_EQ(wp, gp);
}

// decode: one query row, so buffers twice as large make the same plan
const attn_shape kDecode = { 8, 32, 8, 128, 3, 1, 1500, 10, 0, 0 };

void same_plan(const arch_t &x, const arch_t &y, const attn_shape &s)
{
    attn_plan px, py;
    char err[256];
    ASSERT_EQ(attn_plan_make(&x, &s, &px, err, sizeof err), 0) << err;
    ASSERT_EQ(attn_plan_make(&y, &s, &py, err, sizeof err), 0) << err;
    ASSERT_EQ(std::memcmp(&px, &py, sizeof px), 0) << "the test needs one plan on both";
}

} // namespace

TEST(AttnMemo, LargerBuffersSamePlanAnswerFromTheMemoRepriced)
{
    Memo m;
    const arch_t small = pinned(1), large = pinned(2);
    same_plan(small, large, kDecode);
    same_as_direct(m.mm, small, pricing(1), kDecode);
    // the larger machine prices its SRAM and DRAM differently: the kept
    // events are priced again, and come out as attn_timing's
    same_as_direct(m.mm, large, pricing(3), kDecode);
    uint64_t hits, misses;
    attn_memo_counts(m.mm, &hits, &misses);
    EXPECT_EQ(hits, 1u);
    EXPECT_EQ(misses, 1u);
}

TEST(AttnMemo, SmallerBuffersThanItRanWithinAreSimulatedAgain)
{
    Memo m;
    const arch_t small = pinned(1), large = pinned(2);
    same_plan(small, large, kDecode);
    same_as_direct(m.mm, large, pricing(1), kDecode);
    same_as_direct(m.mm, small, pricing(1), kDecode); // could fail a bounds check: simulated
    uint64_t hits, misses;
    attn_memo_counts(m.mm, &hits, &misses);
    EXPECT_EQ(hits, 0u);
    EXPECT_EQ(misses, 2u);
    same_as_direct(m.mm, large, pricing(1), kDecode); // ran within small: large is covered
    same_as_direct(m.mm, small, pricing(2), kDecode);
    attn_memo_counts(m.mm, &hits, &misses);
    EXPECT_EQ(hits, 2u);
    EXPECT_EQ(misses, 2u);
}

TEST(AttnMemo, EveryOtherFieldIsInTheKey)
{
    Memo m;
    const arch_t a = pinned(1);
    same_as_direct(m.mm, a, pricing(1), kDecode);
    arch_t slower = a, later = a;
    slower.dram_gbps = 16;
    later.dram_latency = 400;
    sim_stats x, y;
    int s;
    char err[512];
    ASSERT_EQ(attn_timing(&a, nullptr, &kDecode, ATTN_FUSED, &x, &s, nullptr, err, sizeof err), 0);
    ASSERT_EQ(attn_timing(&slower, nullptr, &kDecode, ATTN_FUSED, &y, &s, nullptr, err,
                          sizeof err), 0);
    ASSERT_NE(x.cycles, y.cycles); // the field matters: a hit would be wrong
    same_as_direct(m.mm, slower, pricing(1), kDecode);
    same_as_direct(m.mm, later, pricing(1), kDecode);
    attn_shape longer = kDecode;
    longer.kv_len = 1600;
    same_as_direct(m.mm, a, pricing(1), longer);
    uint64_t hits, misses;
    attn_memo_counts(m.mm, &hits, &misses);
    EXPECT_EQ(hits, 0u);
    EXPECT_EQ(misses, 4u);
}
