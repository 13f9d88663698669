// The closed forms of row-hit runs (dram_ctrl.c: dram_chan_skip and its
// inline case dram_chan_skip_on) against the burst-by-burst scheduler:
// streams whose pieces go on from the channel's last run (no per-group
// checks, timers pending until something else uses the channel), runs
// delayed by a read/write turnaround, and lockstep merges that compare a
// channel whose run's timers are pending with one whose are written.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "dram_dev.h"

namespace {

struct Dev {
    dram_dev *d = nullptr;
    Dev(const char *name, int channels, bool shortcuts)
    {
        dram_spec s;
        char err[256];
        EXPECT_EQ(dram_preset_spec(name, &s, err, sizeof err), 0) << err;
        if (channels)
            s.channels = channels;
        d = dram_dev_new(&s, 1.0, err, sizeof err);
        EXPECT_NE(d, nullptr) << err;
        dram_dev_refresh_first(d, (uint64_t)s.tREFI / 2);
        if (!shortcuts)
            dram_dev_no_shortcuts(d);
    }
    ~Dev() { dram_dev_free(d); }
    dram_done access(uint64_t addr, uint64_t bytes, uint64_t arrival, int write)
    {
        dram_req r;
        std::memset(&r, 0, sizeof r);
        r.addr = addr;
        r.rows = 1;
        r.row_bytes = bytes;
        r.write = write;
        r.arrival = arrival;
        dram_done c;
        std::memset(&c, 0, sizeof c);
        EXPECT_EQ(dram_wait(d, dram_submit(d, &r), &c), 0);
        return c;
    }
    dram_stats stats() const
    {
        dram_stats st;
        dram_get_stats(d, &st);
        return st;
    }
};

uint64_t next(uint64_t &rng)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

// Pieces of a read stream and a write stream in turn, each piece from
// where the stream's last ended (runs go on from pending ones), with
// short switches between the streams (a run's first burst just after the
// other direction's last: the turnaround binds it), now and then a gap
// within the timers' reach, an instruction-fetch read elsewhere (a channel
// leaves its class, and its pending run is settled), or an idle gap (the
// classes merge again, some channels with their runs' timers pending).
void compare(const char *name, int channels, uint64_t seed)
{
    Dev a(name, channels, true), b(name, channels, false);
    const dram_spec *s = dram_dev_spec(a.d);
    const uint64_t B = (uint64_t)s->burst_bytes, C = (uint64_t)s->channels;
    uint64_t rng = seed, t = 0, rd = 0, wr = 1ull << 27;
    int most = 0;
    for (int i = 0; i < 6000; i++) {
        const uint64_t x = next(rng);
        uint64_t addr, bytes;
        int write = 0;
        if (x % 29 == 0) { // one burst elsewhere
            addr = (1ull << 28) + (x >> 8) % 4096 * B;
            bytes = B;
        } else {
            write = (x >> 5) % 3 == 0;
            uint64_t &at = write ? wr : rd;
            addr = at;
            bytes = ((x >> 12) % 4 ? 8 * C : (2 + (x >> 20) % 6) * C) * B; // whole periods, or not
            at += bytes;
        }
        dram_done da = a.access(addr, bytes, t, write);
        dram_done db = b.access(addr, bytes, t, write);
        ASSERT_EQ(da.complete, db.complete) << name << " " << i;
        ASSERT_EQ(da.accepted, db.accepted) << name << " " << i;
        ASSERT_EQ(da.bursts, db.bursts) << name << " " << i;
        most = std::max(most, dram_dev_followers(a.d));
        const uint64_t k = (x >> 40) % 64;
        t = k == 0 ? da.complete + 40000 : k < 4 ? da.complete + k : da.accepted;
    }
    dram_stats sa = a.stats(), sb = b.stats();
    EXPECT_EQ(std::memcmp(&sa, &sb, sizeof sa), 0) << name;
    EXPECT_GT(sa.row_hits, 2 * (sa.row_misses + sa.row_conflicts)) << name; // mostly runs
    EXPECT_GT(sa.write_bursts, 0u) << name;
    EXPECT_GT(sa.refreshes, 0u) << name;
    if (C > 1) {
        EXPECT_GT(most, 0) << name; // lockstep classes formed
    }
}

} // namespace

TEST(DramRuns, StreamsOfPiecesEqualTheBurstByBurstScheduler)
{
    for (int i = 0; i < dram_preset_count(); i++)
        compare(dram_preset_name(i), 0, 0x9E3779B97F4A7C15ull + (uint64_t)i);
}

TEST(DramRuns, FiveChannelsAsTheDefaultArchitectureEqualTheBurstByBurstScheduler)
{
    compare("lpddr5-6400", 5, 0x853C49E6748FEA9Bull);
    compare("ddr4-3200", 1, 0x2545F4914F6CDD1Dull);
}
