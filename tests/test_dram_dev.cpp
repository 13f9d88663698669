// The DRAM device model (cmodel/dram_dev.h).  Expected cycles are derived by
// hand from the rules in dram_dev.h and the ddr4-3200 preset (device cycles
// of 0.625 ns): tRCD 22, tCL 22, tCWL 16, tBL 4, tRP 22, tRAS 52, tRC 74,
// tCCD_S/L 4/8, tRRD_S/L 4/8, tFAW 34, tWTR_S/L 4/12, tRTP 12, tRFC 560,
// tREFI 12480; mapping ro:ba:co:bg:ch (1 channel, 4 bank groups x 4 banks,
// 128 columns of 64 B per 8 KB row).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "dram_dev.h"
#include "dram_map.h"

namespace {

dram_spec preset(const char *name)
{
    dram_spec s;
    char err[256];
    EXPECT_EQ(dram_preset_spec(name, &s, err, sizeof err), 0) << err;
    return s;
}

struct Dev {
    dram_dev *d = nullptr;
    explicit Dev(const dram_spec &s, double host_ghz = 0)
    {
        char err[256];
        d = dram_dev_new(&s, host_ghz, err, sizeof err);
        EXPECT_NE(d, nullptr) << err;
    }
    ~Dev() { dram_dev_free(d); }
    long submit(uint64_t addr, uint64_t bytes, uint64_t arrival, int write = 0, uint32_t rows = 1,
                uint64_t stride = 0)
    {
        dram_req r;
        std::memset(&r, 0, sizeof r);
        r.addr = addr;
        r.rows = rows;
        r.row_bytes = bytes;
        r.stride = stride;
        r.write = write;
        r.arrival = arrival;
        long id = dram_submit(d, &r);
        EXPECT_GE(id, 0);
        return id;
    }
    dram_done wait(long id)
    {
        dram_done c;
        EXPECT_EQ(dram_wait(d, id, &c), 0);
        return c;
    }
    dram_done access(uint64_t addr, uint64_t bytes, uint64_t arrival, int write = 0)
    {
        return wait(submit(addr, bytes, arrival, write));
    }
    dram_stats stats() const
    {
        dram_stats st;
        dram_get_stats(d, &st);
        return st;
    }
};

// Byte address of (row, bank, column, bank group) under ro:ba:co:bg:ch with
// one channel of the ddr4-3200 preset.
uint64_t ddr4_addr(uint64_t row, uint64_t bank, uint64_t col, uint64_t bg)
{
    return (((row * 4 + bank) * 128 + col) * 4 + bg) * 64;
}

TEST(DramPresets, EveryFigureHasASourceAndTheDocumentedPeak)
{
    const struct {
        const char *name;
        double peak_gbps;
    } want[] = { { "ddr4-3200", 25.6 }, { "lpddr5-6400", 51.2 }, { "hbm2", 256.0 },
                 { "hbm3", 819.2 } };
    ASSERT_EQ(dram_preset_count(), 4);
    for (int i = 0; i < dram_preset_count(); i++) {
        SCOPED_TRACE(dram_preset_name(i));
        EXPECT_STREQ(dram_preset_name(i), want[i].name);
        dram_spec s = preset(dram_preset_name(i));
        EXPECT_NEAR(dram_peak_gbps(&s), want[i].peak_gbps, 1e-9);
        for (int f = 0; dram_spec_field(f); f++) {
            const char *src = dram_preset_source(i, dram_spec_field(f));
            ASSERT_NE(src, nullptr) << dram_spec_field(f);
            EXPECT_GT(std::strlen(src), 10u) << dram_spec_field(f);
        }
        EXPECT_NE(dram_preset_source(i, "mapping"), nullptr);
        EXPECT_EQ(dram_preset_source(i, "no_such_field"), nullptr);
    }
    dram_spec s;
    char err[256];
    EXPECT_EQ(dram_preset_spec("ddr5-9000", &s, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("ddr4-3200"), std::string::npos) << err;
}

TEST(DramPresets, BadSpecsNameTheField)
{
    char err[256];
    dram_spec s = preset("ddr4-3200");
    s.tREFI = s.tRFC;
    EXPECT_EQ(dram_spec_check(&s, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("tREFI"), std::string::npos) << err;
    s = preset("ddr4-3200");
    s.row_bytes = 100;
    EXPECT_EQ(dram_spec_check(&s, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("row_bytes"), std::string::npos) << err;
    s = preset("ddr4-3200");
    s.channels = 0;
    EXPECT_EQ(dram_dev_new(&s, 1.0, err, sizeof err), nullptr);
    EXPECT_NE(std::string(err).find("channels"), std::string::npos) << err;
    for (const char *bad : { "ro:ba:co:bg", "ro:ba:co:bg:ch:ch", "ro:ba:co:bg:xx", "ro:ba:co:bg:ch:" }) {
        s = preset("ddr4-3200");
        std::strcpy(s.mapping, bad);
        EXPECT_EQ(dram_spec_check(&s, err, sizeof err), -1) << bad;
        EXPECT_NE(std::string(err).find("mapping"), std::string::npos) << err;
    }
}

TEST(DramMap, MixedRadixDecodeAndIncrement)
{
    dram_map m;
    char err[256];
    // 3 channels (not a power of two), 2 bank groups, 8 columns, 2 banks, 5 rows
    ASSERT_EQ(dram_map_init(&m, "ro:ba:co:bg:ch", 5, 2, 2, 8, 3, 32, err, sizeof err), 0) << err;
    uint32_t dg[DRAM_F_COUNT], inc[DRAM_F_COUNT];
    // burst 1000 = ch 1000%3=1, then 333: bg 1, 166: co 6, 20: ba 0, 10: ro 10%5=0
    dram_map_digits(&m, 1000 * 32 + 31, dg);
    EXPECT_EQ(dg[0], 1u); // ch
    EXPECT_EQ(dg[1], 1u); // bg
    EXPECT_EQ(dg[2], 6u); // co
    EXPECT_EQ(dg[3], 0u); // ba
    EXPECT_EQ(dg[4], 0u); // ro (wrapped)
    for (uint64_t b = 0; b < 500; b++) {
        dram_map_digits(&m, b * 32, dg);
        if (b > 0) {
            dram_map_next(&m, inc);
            ASSERT_EQ(std::memcmp(dg, inc, sizeof dg), 0) << b;
        }
        std::memcpy(inc, dg, sizeof dg);
    }
}

// Adding n bursts at once (power-of-two digits shift and mask, the others
// divide) lands where n single steps do, across every digit's carry.
TEST(DramMap, AddingManyBurstsEqualsSteppingOneByOne)
{
    dram_map m;
    char err[256];
    // 3 channels and 5 rows (divided), 2 bank groups, 8 columns, 4 banks (shifted)
    ASSERT_EQ(dram_map_init(&m, "ro:ba:co:bg:ch", 5, 4, 2, 8, 3, 32, err, sizeof err), 0) << err;
    for (int fixed : { -1, 0 }) { // the address's own count; one channel's
        for (uint64_t n : { 1u, 2u, 5u, 7u, 48u, 191u, 500u }) {
            uint32_t a[DRAM_F_COUNT], b[DRAM_F_COUNT];
            dram_map_digits(&m, 77 * 32, a);
            std::memcpy(b, a, sizeof a);
            dram_map_add_in(&m, a, fixed, n);
            for (uint64_t i = 0; i < n; i++) {
                if (fixed < 0)
                    dram_map_next(&m, b);
                else
                    dram_map_next_in(&m, b, fixed);
            }
            ASSERT_EQ(std::memcmp(a, b, sizeof a), 0) << "fixed " << fixed << " n " << n;
        }
    }
}

TEST(DramTiming, ClosedBankReadIsTrcdPlusTclPlusBurst)
{
    dram_spec s = preset("ddr4-3200");
    Dev d(s);
    dram_done c = d.access(ddr4_addr(7, 2, 5, 1), 64, 1000);
    EXPECT_EQ(c.complete - 1000, (uint64_t)(s.tRCD + s.tCL + s.tBL)); // 48
    EXPECT_EQ(c.bursts, 1u);
    dram_stats st = d.stats();
    EXPECT_EQ(st.row_misses, 1u);
    EXPECT_EQ(st.row_hits, 0u);
}

TEST(DramTiming, RowHitIsTclPlusBurstAndConflictAddsTrp)
{
    dram_spec s = preset("ddr4-3200");
    Dev d(s);
    d.access(ddr4_addr(7, 2, 5, 1), 64, 0);
    // same row, another column, long after: row hit
    dram_done hit = d.access(ddr4_addr(7, 2, 9, 1), 64, 1000);
    EXPECT_EQ(hit.complete - 1000, (uint64_t)(s.tCL + s.tBL)); // 26
    // another row of the same bank: PRE + ACT + CAS
    dram_done conflict = d.access(ddr4_addr(8, 2, 9, 1), 64, 2000);
    EXPECT_EQ(conflict.complete - 2000, (uint64_t)(s.tRP + s.tRCD + s.tCL + s.tBL)); // 70
    dram_stats st = d.stats();
    EXPECT_EQ(st.row_hits, 1u);
    EXPECT_EQ(st.row_misses, 1u);
    EXPECT_EQ(st.row_conflicts, 1u);
    // a conflict right after the ACT waits for tRAS before its PRE
    Dev e(s);
    e.access(ddr4_addr(7, 2, 5, 1), 64, 0);           // ACT at 0, read at 22
    dram_done c2 = e.access(ddr4_addr(8, 2, 5, 1), 64, 30); // PRE at tRAS = 52
    EXPECT_EQ(c2.complete, (uint64_t)(s.tRAS + s.tRP + s.tRCD + s.tCL + s.tBL));
}

TEST(DramTiming, WriteToReadTurnaround)
{
    dram_spec s = preset("ddr4-3200");
    Dev d(s);
    d.access(ddr4_addr(1, 0, 0, 0), 64, 0);     // open bank 0 of bg 0 (ACT 0, RD 22)
    d.access(ddr4_addr(1, 0, 0, 1), 64, 0);     // open bank 0 of bg 1 (ACT 4, RD 26)
    dram_done w = d.access(ddr4_addr(1, 0, 1, 0), 64, 500, 1); // write hit at 500
    EXPECT_EQ(w.complete, 500u + s.tCWL + s.tBL);
    // read of the same bank group, arriving with the write: CWL + BL + tWTR_L
    long a = d.submit(ddr4_addr(1, 0, 2, 0), 64, 1000, 1);
    long b = d.submit(ddr4_addr(1, 0, 3, 0), 64, 1000, 0);
    dram_done wa = d.wait(a), rb = d.wait(b);
    EXPECT_EQ(wa.complete, 1000u + s.tCWL + s.tBL);
    EXPECT_EQ(rb.complete, 1000u + s.tCWL + s.tBL + s.tWTR_L + s.tCL + s.tBL);
    // other bank group: tWTR_S
    a = d.submit(ddr4_addr(1, 0, 4, 0), 64, 2000, 1);
    b = d.submit(ddr4_addr(1, 0, 5, 1), 64, 2000, 0);
    wa = d.wait(a);
    rb = d.wait(b);
    EXPECT_EQ(rb.complete, 2000u + s.tCWL + s.tBL + s.tWTR_S + s.tCL + s.tBL);
    // read then write: tRTW
    a = d.submit(ddr4_addr(1, 0, 6, 0), 64, 3000, 0);
    b = d.submit(ddr4_addr(1, 0, 7, 1), 64, 3000, 1);
    d.wait(a);
    EXPECT_EQ(d.wait(b).complete, 3000u + s.tRTW + s.tCWL + s.tBL);
}

TEST(DramTiming, FourActivateWindow)
{
    dram_spec s = preset("ddr4-3200");
    Dev d(s);
    // five closed banks: bank groups 0..3, then bank 1 of group 0
    const uint64_t addr[5] = { ddr4_addr(3, 0, 0, 0), ddr4_addr(3, 0, 0, 1),
                               ddr4_addr(3, 0, 0, 2), ddr4_addr(3, 0, 0, 3),
                               ddr4_addr(3, 1, 0, 0) };
    long id[5];
    for (int i = 0; i < 5; i++)
        id[i] = d.submit(addr[i], 64, 0);
    // ACTs at 0, 4, 8, 12 (tRRD_S); the fifth waits for tFAW after the first
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(d.wait(id[i]).complete, (uint64_t)(4 * i + s.tRCD + s.tCL + s.tBL)) << i;
    EXPECT_EQ(d.wait(id[4]).complete, (uint64_t)(s.tFAW + s.tRCD + s.tCL + s.tBL)); // 82
    // without the window it would be tRRD-limited: 16 + 48
    dram_spec nofaw = s;
    nofaw.tFAW = 0;
    Dev e(nofaw);
    for (int i = 0; i < 5; i++)
        id[i] = e.submit(addr[i], 64, 0);
    for (int i = 0; i < 4; i++)
        e.wait(id[i]);
    EXPECT_EQ(e.wait(id[4]).complete, (uint64_t)(16 + s.tRCD + s.tCL + s.tBL));
}

TEST(DramTiming, RefreshStallsAndClosesRows)
{
    dram_spec s = preset("ddr4-3200");
    {
        // closed banks: a read arriving when REF is due waits tRFC
        Dev d(s);
        dram_done c = d.access(ddr4_addr(7, 2, 5, 1), 64, (uint64_t)s.tREFI);
        EXPECT_EQ(c.complete - s.tREFI, (uint64_t)(s.tRFC + s.tRCD + s.tCL + s.tBL)); // 608
        EXPECT_EQ(d.stats().refreshes, 1u);
        EXPECT_EQ(d.stats().refresh_cycles, (uint64_t)s.tRFC);
    }
    {
        // an open row: REF waits for PRE (tRP), and the row is closed after it
        Dev d(s);
        d.access(ddr4_addr(7, 2, 5, 1), 64, 0);
        dram_done c = d.access(ddr4_addr(7, 2, 6, 1), 64, (uint64_t)s.tREFI);
        EXPECT_EQ(c.complete - s.tREFI,
                  (uint64_t)(s.tRP + s.tRFC + s.tRCD + s.tCL + s.tBL)); // 630
        dram_stats st = d.stats();
        EXPECT_EQ(st.row_misses, 2u); // the second access found its row closed
        EXPECT_EQ(st.row_hits, 0u);
    }
    {
        // refreshes of a long idle gap are counted, not stepped through
        Dev d(s);
        d.access(0, 64, 0);
        uint64_t t = 1000ull * s.tREFI + 5000; // between two REFs
        dram_done c = d.access(ddr4_addr(9, 0, 0, 0), 64, t);
        EXPECT_EQ(c.complete - t, (uint64_t)(s.tRCD + s.tCL + s.tBL));
        EXPECT_EQ(d.stats().refreshes, 1000u);
    }
}

TEST(DramScheduler, RowHitOvertakesAnOlderConflict)
{
    dram_spec s = preset("ddr4-3200");
    Dev d(s);
    d.access(ddr4_addr(7, 0, 0, 0), 64, 0); // row 7 open in bank 0 of bg 0
    long miss = d.submit(ddr4_addr(8, 0, 0, 0), 64, 1000); // older, other row
    long hit = d.submit(ddr4_addr(7, 0, 1, 0), 64, 1000);  // younger, open row
    dram_done m = d.wait(miss), h = d.wait(hit);
    EXPECT_EQ(h.complete, 1000u + s.tCL + s.tBL);
    // the miss precharges after the hit's read (tRTP), then ACT, CAS
    EXPECT_EQ(m.complete, 1000u + s.tRTP + s.tRP + s.tRCD + s.tCL + s.tBL);
    EXPECT_EQ(d.stats().row_conflicts, 1u);
    EXPECT_EQ(d.stats().row_hits, 1u);
}

TEST(DramScheduler, BoundedQueueBackPressure)
{
    dram_spec s = preset("ddr4-3200");
    s.queue_depth = 8;
    Dev d(s);
    // 64 bursts of one row set: the first 8 enter at 0, then one per CAS.
    dram_done c = d.access(0, 64 * 64, 0);
    // CAS i at 22 + 4 i (tBL-paced after the ACTs of the four bank groups,
    // which tRRD_S spaces by 4); burst 63 enters when burst 55's CAS issues
    EXPECT_EQ(c.accepted, (uint64_t)(s.tRCD + 4 * 55));
    EXPECT_EQ(c.complete, (uint64_t)(s.tRCD + 4 * 63 + s.tCL + s.tBL));
    EXPECT_EQ(c.bursts, 64u);
}

TEST(DramClock, HostCyclesConvertExactly)
{
    dram_spec s = preset("ddr4-3200");
    Dev d(s, 1.0); // host 1 GHz: 1 host cycle = 1.6 device cycles
    // arrival 10 host = 16 device; latency 48 device = 30 ns
    dram_done c = d.access(0, 64, 10);
    EXPECT_EQ(c.complete, 40u);
    // arrival 111 host = 177.6 -> device 178; done 178 + 48 = 226 device
    // = 141.25 ns -> host cycle 142
    dram_done e = d.access(ddr4_addr(5, 3, 0, 3), 64, 111);
    EXPECT_EQ(e.complete, 142u);
}

// A sequential read stream of `bytes` in `chunk`-byte requests submitted at
// cycle 0, one after another (the in-order front end keeps the queue full).
dram_stats stream(const dram_spec &s, uint64_t bytes, uint64_t chunk, uint64_t stride,
                  uint64_t *end)
{
    Dev d(s);
    std::vector<long> ids;
    uint64_t last = 0;
    for (uint64_t off = 0, a = 0; off < bytes; off += chunk, a += stride) {
        ids.push_back(d.submit(a, chunk, 0));
        if (ids.size() == 64) {
            for (long id : ids)
                last = std::max(last, d.wait(id).complete);
            ids.clear();
        }
    }
    for (long id : ids)
        last = std::max(last, d.wait(id).complete);
    *end = last;
    return d.stats();
}

TEST(DramStream, Ddr4SequentialEfficiencyAndRefreshShare)
{
    dram_spec s = preset("ddr4-3200");
    uint64_t end = 0;
    const uint64_t bytes = 16u << 20; // 16 MiB: about 53 refresh intervals
    dram_stats st = stream(s, bytes, 4096, 4096, &end);
    EXPECT_EQ(st.read_bytes, bytes);
    double eff = dram_efficiency(&s, &st);
    double refresh_share = (double)st.refresh_cycles / (double)st.busy_cycles;
    // Refresh alone costs tRFC/tREFI = 4.5%; row switches are hidden by the
    // queue's lookahead, so the stream runs near 95%.
    EXPECT_LT(eff, 1.0);
    EXPECT_GT(eff, 0.80);
    EXPECT_NEAR(refresh_share, (double)s.tRFC / s.tREFI, 0.005);
    EXPECT_NEAR(eff, 1.0 - refresh_share, 0.02);
    EXPECT_EQ(st.busy_cycles, end);
    EXPECT_EQ(st.row_hits + st.row_misses + st.row_conflicts, bytes / 64);
    printf("      ddr4-3200 sequential 16 MiB: %.2f%% of %.1f GB/s, refresh %.2f%% of busy time, "
           "%llu hits, %llu misses, %llu conflicts, %llu refreshes\n",
           100 * eff, dram_peak_gbps(&s), 100 * refresh_share,
           (unsigned long long)st.row_hits, (unsigned long long)st.row_misses,
           (unsigned long long)st.row_conflicts, (unsigned long long)st.refreshes);
}

TEST(DramStream, SmallTransfersOneRowEachAreSlower)
{
    dram_spec s = preset("ddr4-3200");
    const uint64_t bytes = 1u << 20, transfers = bytes / 128;
    uint64_t seq_end = 0, row_end = 0, str_end = 0;
    dram_stats seq = stream(s, bytes, 128, 128, &seq_end);
    // One row per transfer: 128 B at a stride of one row set (4 bank groups
    // x 8 KB = 32 KB on ro:ba:co:bg:ch), so every transfer activates two rows
    // (its two bursts are in bank groups 0 and 1) and meets the row its bank
    // had open four transfers earlier.  By hand: the two ACTs per transfer
    // are limited by tFAW (4 per 34 cycles: 17 per transfer) and each bank's
    // tRC (74 cycles per 4 transfers: 18.5 per transfer); the larger is
    // 18.5, stretched by refresh (tRFC / tREFI of the time).
    dram_stats row = stream(s, bytes, 128, 32768, &row_end);
    double per = (double)row_end / (double)transfers;
    double want = 18.5 / (1.0 - (double)s.tRFC / s.tREFI);
    EXPECT_NEAR(per, want, 0.03 * want);
    EXPECT_EQ(row.row_misses + row.row_conflicts, 2 * transfers);
    EXPECT_GT((double)row_end, 2.0 * (double)seq_end); // sequential: tBL x 2 = 8 per transfer
    // 128 B at a 4 KB stride shares each row among 8 transfers: 16x the
    // activations of the sequential stream, but FR-FCFS overlaps them with
    // the other bank groups' hits, so the time is the same; the cost is
    // energy (dram_energy_of: act_pj per activation).
    dram_stats str = stream(s, bytes, 128, 4096, &str_end);
    EXPECT_GT(str.row_misses + str.row_conflicts, 8 * (seq.row_misses + seq.row_conflicts));
    EXPECT_NEAR((double)str_end / (double)seq_end, 1.0, 0.02);
    dram_energy es, et;
    dram_energy_of(&s, &seq, &es);
    dram_energy_of(&s, &str, &et);
    EXPECT_GT(et.total_pj, 1.04 * es.total_pj);
    printf("      ddr4-3200, 1 MiB in 128 B transfers: sequential %.1f cycles per transfer "
           "(%llu activations), one row each (32 KB stride) %.1f (%llu; hand bound %.1f), "
           "4 KB stride %.1f (%llu activations, +%.1f%% energy)\n",
           (double)seq_end / transfers, (unsigned long long)(seq.row_misses + seq.row_conflicts),
           per, (unsigned long long)(row.row_misses + row.row_conflicts), want,
           (double)str_end / transfers, (unsigned long long)(str.row_misses + str.row_conflicts),
           100 * (et.total_pj / es.total_pj - 1));
}

TEST(DramStream, ChannelsScaleBandwidth)
{
    dram_spec one = preset("ddr4-3200"), two = one;
    two.channels = 2;
    uint64_t e1 = 0, e2 = 0;
    stream(one, 4u << 20, 4096, 4096, &e1);
    stream(two, 4u << 20, 4096, 4096, &e2);
    EXPECT_NEAR((double)e2 / (double)e1, 0.5, 0.02);
}

TEST(DramEnergy, Hbm2OverDdr4PerByteFollowsThePerBitFigures)
{
    // The same streaming read traffic on both presets; energy per byte.
    dram_spec ddr4 = preset("ddr4-3200"), hbm = preset("hbm2");
    uint64_t e = 0;
    dram_stats sd = stream(ddr4, 8u << 20, 4096, 4096, &e);
    dram_stats sh = stream(hbm, 8u << 20, 4096, 4096, &e);
    dram_energy ed, eh;
    dram_energy_of(&ddr4, &sd, &ed);
    dram_energy_of(&hbm, &sh, &eh);
    // each total is its parts, priced by hand
    EXPECT_DOUBLE_EQ(ed.total_pj, (double)(sd.read_bytes * 8) * ddr4.rd_pj_per_bit +
                                      (double)(sd.row_misses + sd.row_conflicts) * ddr4.act_pj +
                                      (double)sd.last_complete / ddr4.tREFI * ddr4.ref_pj);
    EXPECT_DOUBLE_EQ(eh.read_pj, (double)(sh.read_bytes * 8) * hbm.rd_pj_per_bit);
    double per_byte_d = ed.total_pj / (double)sd.read_bytes;
    double per_byte_h = eh.total_pj / (double)sh.read_bytes;
    double cited = hbm.rd_pj_per_bit / ddr4.rd_pj_per_bit; // 7 / 18.75
    // Beyond the per-bit figures, a stream pays by hand (DDR4) one 4.2 nJ
    // activation per 8 KB row (0.51 pJ/B) and one 665 nJ refresh per 7.8 us
    // (about 190 KB at 95% of 25.6 GB/s: 3.5 pJ/B), 2.7% over 150 pJ/B; on
    // HBM2 0.41 nJ per 1 KB row (0.40 pJ/B) and 41 nJ per 3.9 us per
    // pseudo-channel (about 56 KB at 90% of 16 GB/s: 0.73 pJ/B), 2.0% over
    // 56 pJ/B, plus rows reopened after refreshes.  So the ratio is the
    // per-bit ratio within a few percent, and its per-bit parts exactly.
    EXPECT_NEAR(per_byte_h / per_byte_d, cited, 0.03 * cited);
    EXPECT_NEAR(per_byte_d, 8 * ddr4.rd_pj_per_bit * 1.027, 0.01 * per_byte_d);
    EXPECT_DOUBLE_EQ((eh.read_pj / (double)sh.read_bytes) / (ed.read_pj / (double)sd.read_bytes),
                     cited);
    printf("      energy per byte: ddr4-3200 %.2f pJ, hbm2 %.2f pJ, ratio %.4f (per-bit "
           "figures %.4f)\n", per_byte_d, per_byte_h, per_byte_h / per_byte_d, cited);
}

TEST(DramDevice, DeterministicAndWaitOrderFree)
{
    dram_spec s = preset("hbm3");
    dram_stats a, b;
    uint64_t ca = 0, cb = 0;
    {
        Dev d(s, 1.0);
        std::vector<long> ids;
        for (int i = 0; i < 200; i++)
            ids.push_back(d.submit((uint64_t)i * 5000 + 64 * (i % 7), 300 + 17 * i, 3 * i, i % 3 == 0));
        for (long id : ids)
            ca += d.wait(id).complete;
        a = d.stats();
    }
    {
        Dev d(s, 1.0);
        std::vector<long> ids;
        for (int i = 0; i < 200; i++)
            ids.push_back(d.submit((uint64_t)i * 5000 + 64 * (i % 7), 300 + 17 * i, 3 * i, i % 3 == 0));
        dram_drain(d.d); // everything scheduled at once, then waited in reverse
        for (size_t i = ids.size(); i-- > 0;)
            cb += d.wait(ids[i]).complete;
        b = d.stats();
    }
    EXPECT_EQ(ca, cb);
    EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
    EXPECT_GT(a.write_bursts, 0u);
    EXPECT_GT(a.read_bursts, 0u);
}

// The direct service and the closed-form skip (a request alone in empty
// queues) against the queue, burst by burst: every figure must agree.
TEST(DramDevice, ShortcutsChangeNothing)
{
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    auto next = [&rng]() {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
    };
    const char *maps[] = { nullptr, "ro:ba:bg:co:ch", "ro:co:ba:bg:ch", "ro:ch:ba:bg:co" };
    int checked = 0, direct_cases = 0;
    for (int pi = 0; pi < dram_preset_count(); pi++) {
        for (const char *map : maps) {
            for (int qd : { 32, 5 }) {
                dram_spec s = preset(dram_preset_name(pi));
                if (map)
                    std::strcpy(s.mapping, map);
                s.queue_depth = qd;
                if (pi == 0)
                    s.channels = 3;
                Dev a(s, 1.0), b(s, 1.0);
                dram_dev_no_shortcuts(b.d);
                uint64_t t = 0;
                for (int i = 0; i < 300; i++) {
                    uint64_t kind = next() % 4;
                    uint64_t addr = (next() % (1u << 22)) & ~(uint64_t)(kind == 3 ? 0 : 63);
                    uint64_t bytes = kind == 0 ? 16384 : kind == 1 ? 4096 : 1 + next() % 3000;
                    uint32_t rows = kind == 2 ? 1 + (uint32_t)(next() % 12) : 1;
                    uint64_t stride = rows > 1 ? bytes + next() % 20000 : 0;
                    int write = next() % 5 == 0;
                    long ia = a.submit(addr, bytes, t, write, rows, stride);
                    long ib = b.submit(addr, bytes, t, write, rows, stride);
                    dram_done da = a.wait(ia), db = b.wait(ib);
                    ASSERT_EQ(da.complete, db.complete) << dram_preset_name(pi) << " " << i;
                    ASSERT_EQ(da.accepted, db.accepted) << dram_preset_name(pi) << " " << i;
                    ASSERT_EQ(da.bursts, db.bursts);
                    // the next transfer when the front end is free, or later
                    t = next() % 3 ? da.accepted : da.complete + next() % 20000;
                    checked++;
                }
                dram_stats sa = a.stats(), sb = b.stats();
                EXPECT_EQ(std::memcmp(&sa, &sb, sizeof sa), 0) << dram_preset_name(pi);
                direct_cases += sa.row_hits > 0;
            }
        }
    }
    EXPECT_EQ(checked, 4 * 4 * 2 * 300);
    EXPECT_GT(direct_cases, 0);
}

TEST(DramDevice, RejectsMalformedRequests)
{
    dram_spec s = preset("ddr4-3200");
    Dev d(s);
    dram_req r;
    std::memset(&r, 0, sizeof r);
    r.rows = 2;
    r.row_bytes = 128;
    r.stride = 64; // rows overlap
    EXPECT_EQ(dram_submit(d.d, &r), -1);
    r.rows = 0;
    EXPECT_EQ(dram_submit(d.d, &r), -1);
    dram_done c;
    EXPECT_EQ(dram_wait(d.d, 0, &c), -1);
    long id = d.submit(0, 64, 0);
    d.wait(id);
    EXPECT_EQ(dram_wait(d.d, id, &c), -1); // forgotten once waited for
}

} // namespace

namespace {

// Request i of an access pattern of the fast-path test.
dram_req pattern_req(const char *name, int i, uint64_t stripe, uint64_t burst, uint64_t &rng)
{
    auto next = [&rng]() {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
    };
    dram_req r;
    std::memset(&r, 0, sizeof r);
    r.rows = 1;
    std::string n = name;
    if (n == "sequential") { // whole stripes, back to back
        r.addr = (uint64_t)i * 16384;
        r.row_bytes = 16384;
    } else if (n == "strided") { // rows of two stripes at a 4 KB or 5-stripe stride
        r.rows = 12;
        r.row_bytes = 2 * stripe;
        r.stride = i % 2 ? 4096 * (stripe > 4096 ? stripe / 4096 + 1 : 1) : 5 * stripe;
        r.addr = (uint64_t)i * 65536;
    } else if (n == "random") { // stripe-aligned or not, any size
        r.addr = next() % (1u << 24);
        if (next() % 2)
            r.addr -= r.addr % stripe;
        r.row_bytes = next() % 2 ? stripe * (1 + next() % 64) : 1 + next() % 5000;
    } else if (n == "reread") { // part of the channels hit rows all have open, then all
        uint64_t base = (uint64_t)(i / 3) * 16384;
        r.addr = i % 3 == 1 ? base + stripe + burst : base; // not channel 0
        r.row_bytes = i % 3 == 1 ? stripe / 2 + 1 : 16384;
    } else { // mixed: a weight-like stream, small strided reads and writes
        int k = i % 4;
        r.addr = k == 0 ? (uint64_t)i * 4096 : k == 1 ? (1u << 22) + 128 * (uint64_t)(i % 8)
                                              : (1u << 23) + (uint64_t)i * 2048;
        r.row_bytes = k == 0 ? 4096 : k == 1 ? 128 : 2048;
        r.rows = k == 1 ? 12 : k == 3 ? 4 : 1;
        r.stride = k == 1 ? 4096 : 16384;
        r.write = k >= 2;
    }
    if (n != "mixed" && n != "reread")
        r.write = next() % 5 == 0;
    return r;
}

} // namespace

// Every shortcut (direct service, closed-form row-hit runs, lockstep
// channels) against the burst-by-burst scheduler: identical cycles, row
// hits / misses / conflicts, refreshes and energy on sequential, strided,
// random and mixed read/write patterns on every preset, with transfers
// back to back and after idle gaps; "reread" leaves some channels with
// recent timers and the same open rows as the others (a merge must wait).
TEST(DramDevice, FastPathsEqualTheBurstByBurstScheduler)
{
    const char *patterns[] = { "sequential", "strided", "random", "mixed", "reread" };
    int followed = 0;
    for (int pi = 0; pi < dram_preset_count(); pi++) {
        for (int channels : { 0, 3 }) {
            dram_spec s = preset(dram_preset_name(pi));
            if (channels)
                s.channels = channels;
            const uint64_t stripe = (uint64_t)s.channels * (uint64_t)s.burst_bytes;
            for (const char *pat : patterns) {
                Dev a(s, 1.0), b(s, 1.0);
                dram_dev_no_shortcuts(b.d);
                uint64_t rng = 0x9E3779B97F4A7C15ull + (uint64_t)pi, t = 0;
                int most = 0;
                for (int i = 0; i < 400; i++) {
                    dram_req r = pattern_req(pat, i, stripe, (uint64_t)s.burst_bytes, rng);
                    r.arrival = t;
                    dram_done da, db;
                    ASSERT_EQ(dram_wait(a.d, dram_submit(a.d, &r), &da), 0);
                    ASSERT_EQ(dram_wait(b.d, dram_submit(b.d, &r), &db), 0);
                    ASSERT_EQ(da.complete, db.complete) << dram_preset_name(pi) << " " << pat << " " << i;
                    ASSERT_EQ(da.accepted, db.accepted) << dram_preset_name(pi) << " " << pat << " " << i;
                    ASSERT_EQ(da.bursts, db.bursts);
                    most = std::max(most, dram_dev_followers(a.d));
                    EXPECT_EQ(dram_dev_followers(b.d), 0);
                    // back to back, just after (within timers' reach), or idle
                    t = i % 7 == 6 ? da.complete + rng % 30000
                                   : i % 2 ? da.complete + rng % 8 : da.accepted;
                }
                dram_stats sa = a.stats(), sb = b.stats();
                EXPECT_EQ(std::memcmp(&sa, &sb, sizeof sa), 0) << dram_preset_name(pi) << " " << pat;
                EXPECT_GT(sa.row_hits, 0u);
                EXPECT_GT(sa.refreshes, 0u) << dram_preset_name(pi) << " " << pat;
                dram_energy ea, eb;
                dram_energy_of(&s, &sa, &ea);
                dram_energy_of(&s, &sb, &eb);
                EXPECT_EQ(ea.total_pj, eb.total_pj);
                followed += most > 0;
            }
        }
    }
    // lockstep was exercised: on every multi-channel preset's sequential run at least
    EXPECT_GE(followed, 2 * dram_preset_count() - 1);
}

// Lockstep classes kept as channel bit sets over more than one 64-bit word
// (65, 130 and 256 channels), against the burst-by-burst scheduler: a
// stream whose rows are not whole stripes, so that the channels that get
// one burst more rotate and wrap past the last channel, split into classes
// by what they receive and merge back once equal; single-burst reads
// elsewhere (instruction-fetch-like) and writes make single channels
// diverge, and a leader's merge attempts back off while it stays apart
// (the merges then happen later, never wrongly).  Every request's cycles
// and every statistic must agree, and classes must have both split and
// merged.
TEST(DramDevice, LockstepOverManyChannelsEqualsTheBurstByBurstScheduler)
{
    for (const char *name : { "hbm2", "hbm3" }) {
        for (int channels : { 65, 130, 256 }) {
            dram_spec s = preset(name);
            s.channels = channels;
            const uint64_t B = (uint64_t)s.burst_bytes, stripe = B * (uint64_t)channels;
            Dev a(s, 1.0), b(s, 1.0);
            dram_dev_no_shortcuts(b.d);
            uint64_t rng = 0x2545F4914F6CDD1Dull + (uint64_t)channels, t = 0, addr = 0;
            int most = 0, fell = 0, rose = 0, prev = 0;
            for (int i = 0; i < 600; i++) {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                dram_req r;
                std::memset(&r, 0, sizeof r);
                r.rows = 1;
                if (i % 9 == 4) { // one burst in some channel
                    r.addr = (1ull << 26) + (rng % 4096) * B;
                    r.row_bytes = B;
                } else if (i % 13 == 6) { // a strided write, rows of two stripes
                    r.addr = (1ull << 27) + (uint64_t)i * 8 * stripe;
                    r.rows = 3;
                    r.row_bytes = 2 * stripe;
                    r.stride = 4 * stripe;
                    r.write = 1;
                } else { // the stream: 1.25 stripes per request
                    r.addr = addr;
                    r.row_bytes = stripe + stripe / 4 + B;
                    addr += r.row_bytes;
                }
                r.arrival = t;
                dram_done da, db;
                ASSERT_EQ(dram_wait(a.d, dram_submit(a.d, &r), &da), 0);
                ASSERT_EQ(dram_wait(b.d, dram_submit(b.d, &r), &db), 0);
                ASSERT_EQ(da.complete, db.complete) << name << " x" << channels << " " << i;
                ASSERT_EQ(da.accepted, db.accepted) << name << " x" << channels << " " << i;
                ASSERT_EQ(da.bursts, db.bursts);
                const int f = dram_dev_followers(a.d);
                most = std::max(most, f);
                fell += f < prev;
                rose += f > prev;
                prev = f;
                // mostly back to back; now and then idle past every timer
                t = i % 50 == 49 ? da.complete + 20000 : i % 3 ? da.accepted : da.complete;
            }
            dram_stats sa = a.stats(), sb = b.stats();
            EXPECT_EQ(std::memcmp(&sa, &sb, sizeof sa), 0) << name << " x" << channels;
            EXPECT_GT(sa.refreshes, 0u) << name << " x" << channels;
            EXPECT_GT(most, channels / 2) << name << " x" << channels;
            EXPECT_GT(fell, 0) << name << " x" << channels;
            EXPECT_GT(rose, 0) << name << " x" << channels;
        }
    }
}

// The default architecture's traffic: LPDDR5 on five channels (not a power
// of two), a 1 GHz host, the first refresh half a tREFI in (as the C model
// opens it), DMA pieces of 40 bursts from three streams (weights and
// activations read, outputs written) at any burst offset, so that each
// piece starts on another channel and some cross a row, shorter last
// pieces (a channel's bursts between one period of groups and two), among
// instruction-fetch reads of one burst and small reads of fewer bursts
// than channels (fed channel by channel, not through the lockstep
// classes).  Every request's cycles and every statistic must equal the
// burst-by-burst scheduler's, and both kinds of feeding must have run.
TEST(DramDevice, DmaPiecesAndShortReadsOnFiveChannelsEqualTheBurstByBurstScheduler)
{
    dram_spec s = preset("lpddr5-6400");
    s.channels = 5;
    const uint64_t B = (uint64_t)s.burst_bytes;
    Dev a(s, 1.0), b(s, 1.0);
    dram_dev_no_shortcuts(b.d);
    dram_dev_refresh_first(a.d, (uint64_t)s.tREFI / 2);
    dram_dev_refresh_first(b.d, (uint64_t)s.tREFI / 2);
    uint64_t rng = 0x853C49E6748FEA9Bull, t = 0;
    uint64_t stream[3] = { 0, 1ull << 26, 1ull << 27 };
    int most = 0, short_reads = 0;
    for (int i = 0; i < 3000; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        dram_req r;
        std::memset(&r, 0, sizeof r);
        r.rows = 1;
        const int k = (int)(rng % 16);
        if (k == 0) { // an instruction fetch: one burst
            r.addr = (1ull << 28) + (uint64_t)i * B;
            r.row_bytes = B;
            short_reads++;
        } else if (k == 1) { // fewer bursts than channels, anywhere
            r.addr = (rng >> 8) % (1ull << 25) * B;
            r.row_bytes = (2 + (rng >> 40) % 3) * B;
            short_reads++;
        } else { // the next piece of a stream, now and then skipping ahead
            const int st = k % 3;
            if ((rng >> 20) % 23 == 0)
                stream[st] += ((rng >> 30) % 97) * B;
            r.addr = stream[st];
            // a full piece, or a transfer's last one of 24-32 bursts (5-7 a
            // channel: between one period of bank groups and two)
            r.row_bytes = ((rng >> 44) % 4 ? 40 : 24 + (rng >> 50) % 9) * B;
            r.write = st == 2;
            stream[st] += r.row_bytes;
        }
        r.arrival = t;
        dram_done da, db;
        ASSERT_EQ(dram_wait(a.d, dram_submit(a.d, &r), &da), 0);
        ASSERT_EQ(dram_wait(b.d, dram_submit(b.d, &r), &db), 0);
        ASSERT_EQ(da.complete, db.complete) << i;
        ASSERT_EQ(da.accepted, db.accepted) << i;
        ASSERT_EQ(da.bursts, db.bursts) << i;
        most = std::max(most, dram_dev_followers(a.d));
        // the DMA's next piece enters when this one was accepted; now and
        // then the engine waits for its data, or idles
        t = i % 97 == 96 ? da.complete + 5000 : i % 5 ? da.accepted : da.complete;
    }
    dram_stats sa = a.stats(), sb = b.stats();
    EXPECT_EQ(std::memcmp(&sa, &sb, sizeof sa), 0);
    EXPECT_GT(sa.refreshes, 0u);
    EXPECT_GT(sa.row_conflicts + sa.row_misses, 0u);
    EXPECT_GT(short_reads, 100);
    EXPECT_GT(most, 0); // the pieces' channels were scheduled in lockstep too
}
