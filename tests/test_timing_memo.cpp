// test_timing_memo.cpp - the memo under every timing memo (timing_memo.h)
// against a plain model of it: entries replaced oldest first, a key found
// exactly when the model holds it, an entry answering only machines with
// buffers at least those it ran within.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <map>
#include <random>

extern "C" {
#include "arch.h"
#include "timing_memo.h"
}

namespace {

struct Key {
    uint32_t a, b; // 8 bytes, no padding
};

arch_t machine(int kib)
{
    arch_t a;
    arch_ideal(&a);
    for (int b = 0; b < BUF_COUNT; b++)
        a.buf[b].kib = kib;
    return a;
}

} // namespace

TEST(TimingMemo, ReplacesOldestFirstAndFindsExactlyWhatItHolds)
{
    for (int entries : { 1, 3, 8, 37 }) {
        timing_memo *mm = timing_memo_new(sizeof(Key), entries);
        ASSERT_NE(mm, nullptr);
        std::deque<uint64_t> order; // the model: keys held, oldest first
        std::map<uint64_t, uint64_t> value;
        std::mt19937 rng(entries);
        const arch_t a = machine(64);
        for (int step = 0; step < 3000; step++) {
            const Key k = { static_cast<uint32_t>(rng() % 60), static_cast<uint32_t>(rng() % 3) };
            const uint64_t id = (uint64_t)k.a << 32 | k.b;
            const timing_result *hit = timing_memo_get(mm, &k, &a);
            const bool held = value.count(id) != 0;
            ASSERT_EQ(hit != nullptr, held) << "entries " << entries << " step " << step;
            if (hit) {
                EXPECT_EQ(hit->stats.cycles, value[id]);
                continue;
            }
            timing_result r;
            std::memset(&r, 0, sizeof r);
            r.stats.cycles = rng();
            timing_memo_put(mm, &k, &a, &r);
            if ((int)order.size() == entries) {
                value.erase(order.front());
                order.pop_front();
            }
            order.push_back(id);
            value[id] = r.stats.cycles;
        }
        timing_memo_free(mm);
    }
}

TEST(TimingMemo, AnswersOnlyBuffersAtLeastThoseItRanWithin)
{
    timing_memo *mm = timing_memo_new(sizeof(Key), 4);
    const Key k = { 1, 2 };
    timing_result r;
    std::memset(&r, 0, sizeof r);
    r.stats.cycles = 7;
    const arch_t big = machine(256), small = machine(64), huge = machine(1024);
    timing_memo_put(mm, &k, &big, &r);
    EXPECT_EQ(timing_memo_get(mm, &k, &small), nullptr);
    ASSERT_NE(timing_memo_get(mm, &k, &huge), nullptr);
    timing_memo_put(mm, &k, &small, &r); // the same key ran within the smaller ones
    ASSERT_NE(timing_memo_get(mm, &k, &small), nullptr);
    ASSERT_NE(timing_memo_get(mm, &k, &big), nullptr);
    uint64_t hits, misses;
    timing_memo_counts(mm, &hits, &misses);
    EXPECT_EQ(hits, 3u);
    EXPECT_EQ(misses, 2u);
    timing_memo_free(mm);
}
