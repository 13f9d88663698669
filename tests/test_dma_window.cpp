// A DMA with limits (dma.max_outstanding, cmodel/dma_window.h): bursts in
// flight per engine, Little's law on a DRAM-bound GEMV, unlimited = the old
// model exactly, hand-derived schedules, device models, and the RTL refusal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "arch.h"
#include "dma_window.h"
#include "energy.h"
#include "gemm.h"
#include "isa.h"
#include "program.h"
#include "run_argv.h"
#include "sim.h"
#include "gemm_support.h"

using namespace testproc;
namespace {

isa_instr load(uint32_t sram, uint64_t dram, uint32_t bytes)
{
    isa_instr in;
    std::memset(&in, 0, sizeof in);
    in.op = OP_LOAD;
    in.buf = BUF_WGT;
    in.sram = sram;
    in.dram = dram;
    in.rows = 1;
    in.bytes = bytes;
    in.stride = bytes;
    return in;
}

sim_stats run_prog(const arch_t &a, std::initializer_list<isa_instr> ins)
{
    program p;
    program_init(&p);
    for (const isa_instr &in : ins)
        EXPECT_EQ(program_push(&p, &in), 0);
    isa_instr h;
    std::memset(&h, 0, sizeof h);
    h.op = OP_HALT;
    EXPECT_EQ(program_push(&p, &h), 0);
    sim_stats st;
    char err[512] = "";
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    program_free(&p);
    return st;
}

using gemmtest::gemv;

arch_t arch_with(int latency, int outstanding, int burst, double gbps)
{
    arch_t a;
    arch_ideal(&a);
    a.dram_latency = latency;
    a.dma_max_outstanding = outstanding;
    a.dram_burst = burst;
    a.dram_gbps = gbps;
    char err[512];
    EXPECT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    return a;
}

} // namespace

// Derived by hand: 64 bursts of 64 B at 64 B/cycle, 4 slots, latency 100.
// Burst j issues at floor(j/4) x 100 + j mod 4, so the last at 1503, its
// bus time ends at 1504 and its data returns at 1604.  A second load of 4
// bursts starts at 1504 but its bursts need the slots of bursts 60..63,
// free at 1600..1603: it issues at 1600..1603 and completes at 1704.
TEST(DmaWindow, HandDerivedSchedule)
{
    arch_t a = arch_with(100, 4, 64, 64.0);
    sim_stats one = run_prog(a, {load(0, 0, 4096)});
    EXPECT_EQ(one.cycles, 1604u);
    EXPECT_EQ(one.unit[UNIT_DMA].busy_cycles, 1504u);
    EXPECT_EQ(one.unit[UNIT_DMA].stall_outstanding, 1504u - 64u);
    sim_stats two = run_prog(a, {load(0, 0, 4096), load(4096, 4096, 256)});
    EXPECT_EQ(two.cycles, 1704u);
    EXPECT_EQ(two.unit[UNIT_DMA].busy_cycles, 1604u);
    EXPECT_EQ(two.unit[UNIT_DMA].stall_outstanding, 1440u + 96u);
    // Bandwidth-bound window (4 x 64 B over latency 3 > 64 B/cycle): no wait.
    a = arch_with(3, 4, 64, 64.0);
    EXPECT_EQ(run_prog(a, {load(0, 0, 4096)}).cycles, 64u + 3u);
}

// Little's law: with latency L, O slots and bursts of B bytes the GEMV takes
// bytes x L / (O x B) cycles (within 5%) whenever that exceeds the bandwidth
// bound; the grid and a seeded random set (held-out style).
TEST(DmaWindow, LittlesLawOnGemv)
{
    struct pt { int L, O, B; double gbps; };
    std::vector<pt> pts = {{100, 8, 64, 64}, {100, 32, 64, 64}, {400, 16, 64, 64},
                           {1000, 64, 64, 64}, {200, 4, 256, 64}, {100, 1, 32, 64},
                           {300, 24, 128, 128}, {150, 10, 64, 25.6}};
    std::mt19937 rng(20261201);
    for (int i = 0; i < 8; i++) {
        const int bursts[] = {32, 64, 128, 256};
        pts.push_back({50 + (int)(rng() % 1950), 1 + (int)(rng() % 96), bursts[rng() % 4],
                       (double)(16 + rng() % 240)});
    }
    int checked = 0;
    for (const pt &p : pts) {
        arch_t a = arch_with(p.L, p.O, p.B, p.gbps);
        sim_stats st = gemv(a);
        const double bytes = (double)(st.ev.dram_read_bytes + st.ev.dram_write_bytes);
        const double little = bytes * p.L / ((double)p.O * p.B);
        const double bw = bytes / arch_dram_bytes_per_cycle(&a);
        const std::string what = "L " + std::to_string(p.L) + " O " + std::to_string(p.O) +
                                 " B " + std::to_string(p.B) + " GB/s " + std::to_string(p.gbps);
        EXPECT_GE((double)st.cycles, bw) << what;
        if (little < 1.2 * bw)
            continue; // bandwidth- or compute-bound: Little's law does not bind
        checked++;
        EXPECT_NEAR((double)st.cycles / little, 1.0, 0.05) << what << ": " << st.cycles
                                                           << " cycles, Little " << little;
        EXPECT_GT(st.unit[UNIT_DMA].stall_outstanding, 0u) << what;
    }
    EXPECT_GE(checked, 10);
}

// O large enough that no slot is ever waited for (O x B >= L x bytes per
// cycle): every statistic equals the unlimited model's.
TEST(DmaWindow, LargeWindowIsTheOldModel)
{
    for (int L : {100, 1000}) {
        arch_t u = arch_with(L, 0, 64, 64.0), o = arch_with(L, 2 * L, 64, 64.0);
        sim_stats a = gemv(u), b = gemv(o);
        EXPECT_EQ(a.cycles, b.cycles) << L;
        EXPECT_EQ(0, std::memcmp(&a.ev, &b.ev, sizeof a.ev)) << L;
        EXPECT_EQ(0, std::memcmp(a.unit, b.unit, sizeof a.unit)) << L;
    }
}

// Device models: the window also holds (slot = device time + latency), and
// a large window is within 1% of the unlimited device.
TEST(DmaWindow, DeviceModels)
{
    for (const char *model : {"ddr4-3200", "hbm2"}) {
        arch_t a;
        arch_ideal(&a);
        char err[512];
        ASSERT_EQ(arch_set_dram_model(&a, model, 0, err, sizeof err), 0) << err;
        a.dram_latency = 400;
        sim_stats unl = gemv(a);
        a.dma_max_outstanding = 4;
        ASSERT_EQ(arch_check(&a, err, sizeof err), 0) << err;
        sim_stats lim = gemv(a);
        const double bytes = (double)(lim.ev.dram_read_bytes + lim.ev.dram_write_bytes);
        const double little = bytes * 400 / (4.0 * a.dram_burst);
        EXPECT_GE((double)lim.cycles, 0.99 * little) << model; // at least the external latency
        EXPECT_LE((double)lim.cycles, 1.3 * little) << model;  // plus the device's own
        EXPECT_GT(lim.unit[UNIT_DMA].stall_outstanding, 0u) << model;
        a.dma_max_outstanding = 4096;
        sim_stats big = gemv(a);
        EXPECT_NEAR((double)big.cycles / (double)unl.cycles, 1.0, 0.01) << model;
    }
}

TEST(DmaWindow, RtlBuildsForItAndKeysAreChecked)
{
    const std::string dir = ::testing::TempDir();
    const std::string arch = dir + "/dma_window_arch.json", out = dir + "/dma_window_out.txt",
                      errf = dir + "/dma_window_err.txt";
    FILE *f = std::fopen(arch.c_str(), "w");
    ASSERT_TRUE(f);
    std::fputs("{\"base\": \"ideal\", \"dma\": {\"max_outstanding\": 16}}", f);
    std::fclose(f);
    // a DMA window is an RTL parameter (ARCH_DMA_OT): not refused, but a
    // model of its own, built into the cache (here without Verilator, so the
    // build stops with one line; tests/test_rtl_arch.cpp runs such a model)
    setenv("LUTSIM_RTL_CACHE", (dir + "/dma_window_cache").c_str(), 1);
    setenv("VERILATOR", "/nonexistent/verilator", 1);
    EXPECT_EQ(lutsim("gemm --random 2x128x128 --wfmt int --wbits 2 --engine rtl --quiet --arch " +
                         arch, out, errf), 1);
    unsetenv("VERILATOR");
    unsetenv("LUTSIM_RTL_CACHE");
    std::string e = slurp(errf);
    EXPECT_NE(e.find("cannot build the RTL for arch"), std::string::npos) << e;
    EXPECT_NE(e.find("verilator is not installed"), std::string::npos) << e;
    // two DMA queues: the RTL has one, so it refuses rather than mistime
    f = std::fopen(arch.c_str(), "w");
    ASSERT_TRUE(f);
    std::fputs("{\"base\": \"ideal\", \"dma\": {\"engines\": 2}}", f);
    std::fclose(f);
    EXPECT_EQ(lutsim("gemm --random 2x128x128 --wfmt int --wbits 2 --engine rtl --quiet --arch " +
                         arch, out, errf), 1);
    e = slurp(errf);
    EXPECT_NE(e.find("dma.engines 2"), std::string::npos) << e;
    EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
    f = std::fopen(arch.c_str(), "w");
    ASSERT_TRUE(f);
    std::fputs("{\"base\": \"ideal\", \"dma\": {\"max_outstanding\": -1}}", f);
    std::fclose(f);
    EXPECT_EQ(lutsim("arch --show --arch " + arch, out, errf), 1);
    e = slurp(errf);
    EXPECT_NE(e.find("dma.max_outstanding"), std::string::npos) << e;
}

// The periodic shortcut (a transfer that continues the kept schedule costs
// O(1)) changes no figure: random transfer sequences with random gaps, fast
// against burst by burst.
TEST(DmaWindow, ShortcutEqualsBurstByBurst)
{
    std::mt19937 rng(7);
    for (int trial = 0; trial < 200; trial++) {
        const int cap = 1 + (int)(rng() % 40);
        const double b = (double)(1 + rng() % 8) / (double)(1 + rng() % 4);
        const uint64_t L = rng() % 300;
        dma_window fast, slow;
        ASSERT_EQ(dma_window_init(&fast, cap), 0);
        ASSERT_EQ(dma_window_init(&slow, cap), 0);
        slow.no_shortcuts = 1;
        uint64_t s = 0;
        for (int x = 0; x < 60; x++) {
            const uint64_t n = 1 + rng() % (rng() % 2 ? 4 * (uint64_t)cap : 300);
            const uint64_t a = dma_window_ideal(&fast, s, n, b, L);
            const uint64_t c = dma_window_ideal(&slow, s, n, b, L);
            ASSERT_EQ(a, c) << "trial " << trial << " transfer " << x << " cap " << cap << " b "
                            << b << " L " << L << " n " << n;
            const uint64_t bus = (uint64_t)std::ceil((double)n * b - 1e-9);
            s += bus + a + (rng() % 3 == 0 ? rng() % 500 : 0); // back to back, or a gap
        }
        dma_window_free(&fast);
        dma_window_free(&slow);
    }
}
