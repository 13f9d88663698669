// Timing of the C model: every expected cycle count below is derived by
// hand from the rules in sim.h and the units' cost functions (unit_*.c):
//
//  - dispatch: instruction i dispatches at cycle i (one per cycle from 0),
//    later if its unit's queue is full, and barrier/halt hold dispatch until
//    they resolve (the next instruction dispatches the cycle after);
//  - start = max(dispatch, unit free, completion of every conflicting
//    earlier instruction); DMA also waits for the DRAM bus;
//  - busy_end = start + occupancy; complete = busy_end + latency;
//  - a run's cycles = the halt's resolution = the last completion.
//
// Default architecture: 8 cores x (tile_m 2, tile_n 64, tile_k 4), so one
// LUT pass covers 2 rows x 512 columns x 4 activations of one bit-plane,
// lmma_latency 4; DRAM 64 GB/s at 1 GHz = 64 B/cycle, latency 100, 64-byte
// bursts; act buffer 8 banks x 128 bits = 128 B/cycle; vector 64 lanes,
// latency 8.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "arch.h"
#include "energy.h"
#include "gemm.h"
#include "isa.h"
#include "isa_build.h"
#include "program.h"
#include "sim.h"

namespace {

isa_instr lmma(uint32_t tbl, uint32_t wgt, uint32_t acc, uint32_t m, uint32_t n, uint32_t klen,
               uint32_t wbits)
{
    return lut_op(OP_LMMA, tbl, wgt, acc, m, n, klen, wbits, 0, 0);
}

isa_instr copy(uint32_t src, uint32_t dst, uint32_t len)
{
    isa_instr in = blank(OP_VOP);
    in.fn = VFN_COPY;
    in.sbuf = BUF_ACT;
    in.dbuf = BUF_ACT;
    in.src = src;
    in.dst = dst;
    in.len = len;
    return in;
}

struct Slot {
    isa_op op;
    isa_unit unit;
    uint64_t start, busy_end, complete;
};

void record(void *ctx, size_t index, const isa_instr *in, isa_unit unit, uint64_t start,
            uint64_t busy_end, uint64_t complete)
{
    auto *v = static_cast<std::vector<Slot> *>(ctx);
    EXPECT_EQ(index, v->size());
    v->push_back({in->op, unit, start, busy_end, complete});
}

energy_model known_energy()
{
    energy_model em;
    std::memset(&em, 0, sizeof em);
    em.dram_pj_per_byte = 20.0;
    for (int b = 0; b < BUF_COUNT; b++) {
        em.buf_read_pj_per_byte[b] = 0.5 + b;
        em.buf_write_pj_per_byte[b] = 0.75 + b;
    }
    em.precompute_add_pj = 0.03;
    em.table_read_pj = 0.03;
    em.accum_add_pj = 0.06;
    em.dequant_mul_pj = 0.7;
    em.vector_op_pj = 0.9;
    em.leakage_pj_per_cycle = 3.68;
    em.node_nm = 28;
    return em;
}

struct SimRun {
    int rc = -1;
    std::string err;
    sim_stats st;
    std::vector<Slot> slots;
};

// Timing-only unless dram is given.
SimRun simulate(const arch_t &a, const std::vector<isa_instr> &ins, std::vector<uint8_t> *dram = nullptr)
{
    program p;
    program_init(&p);
    for (const isa_instr &in : ins)
        EXPECT_EQ(program_push(&p, &in), 0);
    SimRun r;
    energy_model em = known_energy();
    sim_opts o;
    std::memset(&o, 0, sizeof o);
    o.trace = record;
    o.trace_ctx = &r.slots;
    if (dram) {
        o.dram = dram->data();
        o.dram_size = dram->size();
    }
    char err[512] = "";
    r.rc = sim_run(&a, &em, &p, &o, &r.st, err, sizeof err);
    r.err = err;
    program_free(&p);
    return r;
}

arch_t dflt()
{
    arch_t a;
    arch_ideal(&a);
    return a;
}

const isa_instr kHalt = blank(OP_HALT);
const isa_instr kBarrier = blank(OP_BARRIER);

} // namespace

// ---- (1) compute-bound lmma ----------------------------------------------

TEST(TimingLmma, BusyCyclesArePassesTimesBitPlanes)
{
    arch_t a = dflt();
    // m 5, n 1100, klen 30: ceil(5/2) = 3 row passes, ceil(1100/512) = 3
    // column passes, ceil(30/4) = 8 chunks; wbits 3 -> 3*3*8*3 = 216 busy
    // cycles (the 8 x 256-bit weight buffer feeds exactly the 2048 index
    // bits a pass needs), complete 216 + 4.  The halt dispatches at 1 and
    // resolves at the completion.
    SimRun r = simulate(a, {lmma(0, 0, 0, 5, 1100, 30, 3), kHalt});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.slots[0].start, 0u);
    EXPECT_EQ(r.slots[0].busy_end, 216u);
    EXPECT_EQ(r.slots[0].complete, 220u);
    EXPECT_EQ(r.st.cycles, 220u);
    EXPECT_EQ(r.st.unit[UNIT_LUT].busy_cycles, 216u);
    EXPECT_EQ(r.slots[1].start, 1u); // halt dispatched at 1 ...
    EXPECT_EQ(r.slots[1].complete, 220u); // ... resolves at the last completion

    // Doubling wbits doubles the busy time: 432 + 4.
    SimRun r2 = simulate(a, {lmma(0, 0, 0, 5, 1100, 30, 6), kHalt});
    ASSERT_EQ(r2.rc, 0) << r2.err;
    EXPECT_EQ(r2.st.unit[UNIT_LUT].busy_cycles, 2 * r.st.unit[UNIT_LUT].busy_cycles);
    EXPECT_EQ(r2.st.cycles, 436u);

    // Exactly one pass: 1 cycle + latency.
    SimRun r3 = simulate(a, {lmma(0, 0, 0, 2, 512, 4, 1), kHalt});
    ASSERT_EQ(r3.rc, 0) << r3.err;
    EXPECT_EQ(r3.st.cycles, 1u + 4u);
    // One more row, column or activation each costs a whole extra pass.
    EXPECT_EQ(simulate(a, {lmma(0, 0, 0, 3, 512, 4, 1), kHalt}).st.cycles, 2u + 4u);
    EXPECT_EQ(simulate(a, {lmma(0, 0, 0, 2, 513, 4, 1), kHalt}).st.cycles, 2u + 4u);
    EXPECT_EQ(simulate(a, {lmma(0, 0, 0, 2, 512, 5, 1), kHalt}).st.cycles, 2u + 4u);
}

TEST(TimingLmma, LatencyAndCoresFromTheArchitecture)
{
    arch_t a = dflt();
    a.lmma_latency = 50;
    a.lut_cores = 2; // 128 columns per pass
    a.buf[BUF_WGT].banks = 2; // 2 x 256 = 512 bits = 2 cores x 64 x 4: still one cycle a pass
    // m 4, n 300, klen 16, wbits 2: 2 * 3 * 4 * 2 = 48 busy, + 50.
    SimRun r = simulate(a, {lmma(0, 0, 0, 4, 300, 16, 2), kHalt});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.st.unit[UNIT_LUT].busy_cycles, 48u);
    EXPECT_EQ(r.st.cycles, 98u);
}

TEST(TimingLmma, NarrowWeightBufferStretchesEachPass)
{
    arch_t a = dflt();
    // A pass needs 8 cores x 64 columns x 4 bits = 2048 index bits.  Three
    // 256-bit banks deliver 768 per cycle: ceil(2048 / 768) = 3 cycles a pass.
    a.buf[BUF_WGT].banks = 3;
    a.buf[BUF_WGT].kib = 384; // 384 KiB splits into whole 96-byte rows
    SimRun r = simulate(a, {lmma(0, 0, 0, 5, 1100, 30, 3), kHalt});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.st.unit[UNIT_LUT].busy_cycles, 216u * 3);
    EXPECT_EQ(r.st.cycles, 216u * 3 + 4);
    // Four banks: 1024 bits, 2 cycles a pass.
    a.buf[BUF_WGT].banks = 4;
    a.buf[BUF_WGT].kib = 512;
    EXPECT_EQ(simulate(a, {lmma(0, 0, 0, 5, 1100, 30, 3), kHalt}).st.cycles, 216u * 2 + 4);
    // Wider than needed does not help: 16 banks is still one cycle a pass.
    a.buf[BUF_WGT].banks = 16;
    EXPECT_EQ(simulate(a, {lmma(0, 0, 0, 5, 1100, 30, 3), kHalt}).st.cycles, 216u + 4);
}

// ---- (2) DMA ----------------------------------------------------------------

TEST(TimingDma, LoadIsLatencyPlusBusCycles)
{
    arch_t a = dflt();
    // 1000 bytes round up to 16 bursts = 1024 bytes: 1024 / 64 = 16 bus
    // cycles (the act buffer takes 128 B/cycle, 8 cycles: not the bound).
    // Start 0, busy to 16, complete 16 + 100.
    ASSERT_EQ(arch_dram_bytes_per_cycle(&a), 64.0);
    SimRun r = simulate(a, {ld(BUF_ACT, 0, 0, 1, 1000, 1000), kHalt});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.slots[0].busy_end, 16u);
    EXPECT_EQ(r.slots[0].complete, 116u);
    EXPECT_EQ(r.st.cycles, 116u);
    EXPECT_EQ(r.st.ev.dram_read_bytes, 1024u);

    // 10 GB/s at 1 GHz: 10 B/cycle, ceil(1024 / 10) = 103 cycles; latency 7.
    arch_t s = a;
    s.dram_gbps = 10.0;
    s.dram_latency = 7;
    EXPECT_EQ(simulate(s, {ld(BUF_ACT, 0, 0, 1, 1000, 1000), kHalt}).st.cycles, 110u);
    // The same at 2 GHz: 5 B/cycle, 1024 / 5 = 204.8 -> 205 cycles.
    s.clock_ghz = 2.0;
    EXPECT_EQ(simulate(s, {ld(BUF_ACT, 0, 0, 1, 1000, 1000), kHalt}).st.cycles, 212u);

    // Strided rows each round up: 4 rows of 100 bytes at stride 200 move
    // 4 x 128 = 512 bytes = 8 cycles; contiguous (stride 100) 400 -> 448 = 7.
    EXPECT_EQ(simulate(a, {ld(BUF_ACT, 0, 0, 4, 100, 200), kHalt}).st.cycles, 108u);
    EXPECT_EQ(simulate(a, {ld(BUF_ACT, 0, 0, 4, 100, 100), kHalt}).st.cycles, 107u);

    // A narrow buffer bounds the transfer: 1 bank x 64 bits = 8 B/cycle,
    // 1000 bytes -> 125 cycles (the bus needs 16).
    arch_t n = a;
    n.buf[BUF_ACT] = {256, 1, 64, 1};
    SimRun rn = simulate(n, {ld(BUF_ACT, 0, 0, 1, 1000, 1000), kHalt});
    EXPECT_EQ(rn.slots[0].busy_end, 125u);
    EXPECT_EQ(rn.st.cycles, 225u);
}

TEST(TimingDma, BackToBackLoadsPipeline)
{
    arch_t a = dflt();
    // Load 1: [0, 16), complete 116.  Load 2 dispatches at 1, gets the DMA
    // and the bus at 16, busy to 32, completes 132: 16 after the first,
    // not 116.
    SimRun r = simulate(a, {ld(BUF_ACT, 0, 0, 1, 1024, 1024), ld(BUF_WGT, 0, 4096, 1, 1024, 1024), kHalt});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.slots[0].complete, 116u);
    EXPECT_EQ(r.slots[1].start, 16u);
    EXPECT_EQ(r.slots[1].complete, 132u);
    EXPECT_EQ(r.slots[1].complete - r.slots[0].complete, 16u);
    EXPECT_EQ(r.st.cycles, 132u);
    EXPECT_EQ(r.st.unit[UNIT_DMA].busy_cycles, 32u);
    // Ten of them: 10 x 16 + 100.
    std::vector<isa_instr> ten;
    for (uint32_t i = 0; i < 10; i++)
        ten.push_back(ld(BUF_WGT, i * 1024, i * 1024, 1, 1024, 1024));
    ten.push_back(kHalt);
    EXPECT_EQ(simulate(a, ten).st.cycles, 260u);
    // A store that reads what a load wrote waits for the load's completion
    // (RAW on the buffer): start 116, busy 16, complete 232.
    SimRun w = simulate(a, {ld(BUF_ACT, 0, 0, 1, 1024, 1024), ld(BUF_ACT, 0, 0, 1, 1024, 1024, OP_STORE), kHalt});
    EXPECT_EQ(w.slots[1].start, 116u);
    EXPECT_EQ(w.st.cycles, 232u);
    EXPECT_EQ(w.st.unit[UNIT_DMA].stall_dependency, 100u); // could have started at 16
}

// ---- (3) overlap and hazards ----------------------------------------------

namespace {

// load A; lmma on A; load B; lmma on B.  Loads are 8192 bytes into the
// weight buffer: 128 bus cycles + 100 latency.  Each lmma: m 16 (8 row
// passes), n 512 (1 column pass), klen 32 (8 chunks), wbits 2 -> 128 busy
// cycles + 4; it reads weights [wgt, wgt + 8*2*256 = 4096).
std::vector<isa_instr> double_buffered(uint32_t load_b_sram)
{
    return {ld(BUF_WGT, 0, 0, 1, 8192, 8192), lmma(0, 0, 0, 16, 512, 32, 2),
            ld(BUF_WGT, load_b_sram, 8192, 1, 8192, 8192), lmma(0, load_b_sram, 32768, 16, 512, 32, 2),
            kHalt};
}

} // namespace

TEST(TimingOverlap, DoubleBufferedLoadOverlapsCompute)
{
    arch_t a = dflt();
    // load A  [0, 128), complete 228.
    // lmma A  RAW on load A: start 228, busy to 356, complete 360.
    // load B  no conflict: starts when the DMA is free, 128; complete 356.
    // lmma B  RAW on load B (356), LUT free at 356: start 356, complete 488.
    SimRun r = simulate(a, double_buffered(8192));
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.slots[1].start, r.slots[0].complete); // RAW
    EXPECT_EQ(r.slots[1].start, 228u);
    EXPECT_EQ(r.slots[1].complete, 360u);
    EXPECT_EQ(r.slots[2].start, 128u); // overlaps lmma A
    EXPECT_LT(r.slots[2].start, r.slots[1].complete);
    EXPECT_EQ(r.slots[2].complete, 356u);
    EXPECT_EQ(r.slots[3].start, 356u);
    EXPECT_EQ(r.st.cycles, 488u);
    // Serialized it would be 2 x (228 + 132) = 720.
    EXPECT_LT(r.st.cycles, 2u * (228 + 132));
}

TEST(TimingOverlap, WriteAfterReadWaitsForTheReader)
{
    arch_t a = dflt();
    // load B now overwrites the weights lmma A reads: it must wait for
    // lmma A's completion (360; its WAW with load A resolves earlier, 228).
    // load B [360, 488) complete 588; lmma B RAW: start 588, complete 720.
    SimRun r = simulate(a, double_buffered(0));
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.slots[2].start, r.slots[1].complete);
    EXPECT_EQ(r.slots[2].start, 360u);
    EXPECT_EQ(r.slots[3].start, 588u);
    EXPECT_EQ(r.st.cycles, 720u);
    EXPECT_EQ(r.st.unit[UNIT_DMA].stall_dependency, 360u - 128u);
    // Only an overlap conflicts: the byte after lmma A's weights is free.
    SimRun r2 = simulate(a, double_buffered(4096));
    EXPECT_EQ(r2.slots[2].start, 228u); // WAW with load A's [0, 8192) only
}

TEST(TimingOverlap, ReadAfterWriteAcrossUnitsAndDram)
{
    arch_t a = dflt();
    // vop copy reads act [0, 64) that the load writes: waits for 116.
    // An independent copy dispatched later starts at once.
    SimRun r = simulate(a, {ld(BUF_ACT, 0, 0, 1, 1024, 1024), copy(0, 4096, 64), copy(8192, 12288, 64), kHalt});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.slots[1].start, 116u);
    // The second copy dispatches at 2 but the vector unit is in order: it
    // waits for the first one's busy end, 117.
    EXPECT_EQ(r.slots[2].start, 117u);
    // DRAM is an address space too: a load of what a store writes waits.
    // store [0, 16) complete 116; the load of the same DRAM bytes starts 116.
    SimRun d = simulate(a, {ld(BUF_ACT, 0, 0, 1, 1024, 1024, OP_STORE), ld(BUF_WGT, 0, 0, 1, 64, 64), kHalt});
    EXPECT_EQ(d.slots[1].start, 116u);
    // Different DRAM bytes: pipelined, start 16.
    SimRun e = simulate(a, {ld(BUF_ACT, 0, 0, 1, 1024, 1024, OP_STORE), ld(BUF_WGT, 0, 1024, 1, 64, 64), kHalt});
    EXPECT_EQ(e.slots[1].start, 16u);
}

// ---- (4) queue depth ---------------------------------------------------------

namespace {

// Five independent lmmas of 100 busy cycles each (m 2, n 512, klen 400,
// wbits 1; separate accumulators), then an unrelated vector copy.
std::vector<isa_instr> five_lmmas_then_copy()
{
    std::vector<isa_instr> v;
    for (uint32_t i = 0; i < 5; i++)
        v.push_back(lmma(0, 0, i * 4096, 2, 512, 400, 1));
    v.push_back(copy(0, 1024, 64));
    v.push_back(kHalt);
    return v;
}

} // namespace

TEST(TimingQueue, FullQueueStallsDispatch)
{
    arch_t a = dflt();
    // Depth 4: the lmmas dispatch at 0..4 (the fifth may enter once the
    // first has started, at 0) and start at 0, 100, ..., 400; the copy
    // dispatches at 5 and starts at 5.
    a.queue_depth = 4;
    SimRun r4 = simulate(a, five_lmmas_then_copy());
    ASSERT_EQ(r4.rc, 0) << r4.err;
    EXPECT_EQ(r4.slots[4].start, 400u);
    EXPECT_EQ(r4.slots[5].start, 5u);
    EXPECT_EQ(r4.st.stall_queue_full, 0u);
    EXPECT_EQ(r4.st.cycles, 504u);
    // Depth 1: lmma k + 1 can enter only when lmma k has started: dispatch
    // at 0, 1, 100, 200, 300 (stalls 98 + 99 + 99); the copy at 301.
    a.queue_depth = 1;
    SimRun r1 = simulate(a, five_lmmas_then_copy());
    ASSERT_EQ(r1.rc, 0) << r1.err;
    EXPECT_EQ(r1.st.stall_queue_full, 98u + 99 + 99);
    EXPECT_EQ(r1.slots[5].start, 301u);
    EXPECT_GT(r1.slots[5].start, r4.slots[5].start);
    EXPECT_EQ(r1.st.cycles, 504u); // the LUT unit was the bottleneck either way
    // Depth 2: dispatch 0, 1, 2, 100, 200; the copy at 201.
    a.queue_depth = 2;
    SimRun r2 = simulate(a, five_lmmas_then_copy());
    EXPECT_EQ(r2.st.stall_queue_full, 97u + 99);
    EXPECT_EQ(r2.slots[5].start, 201u);
}

// The DMA's scoreboard ring (cmodel/sb_ring.h): queue 4 + latency 20 + 2
// = 26 entries, freed in order from completion.  40 one-burst loads whose
// responses come 1000 cycles late (replayed, as the RTL cross-check gives
// them): loads 0..25 dispatch at 0..25 and complete at i + 1001; load 26
// waits for entry 0 to free, at 1001 (975 cycles of stall), and loads
// 27..39 follow one a cycle as entries 1..13 free: the last completes at
// 1014 + 1 + 1000 = 2015.  On time (latency 20) the ring never fills.
TEST(TimingQueue, FullScoreboardRingStallsDispatch)
{
    arch_t a = dflt();
    a.queue_depth = 4;
    a.dram_latency = 20;
    ASSERT_EQ(arch_sb_ring_depth(&a, 0), 26);
    std::vector<isa_instr> v;
    for (uint32_t i = 0; i < 40; i++)
        v.push_back(ld(BUF_ACT, i * 64, (uint64_t)i * 64, 1, 64, 64));
    v.push_back(kHalt);
    SimRun on_time = simulate(a, v);
    ASSERT_EQ(on_time.rc, 0) << on_time.err;
    EXPECT_EQ(on_time.st.stall_queue_full, 0u);
    EXPECT_EQ(on_time.st.cycles, 39u + 1 + 20);

    program p;
    program_init(&p);
    for (const isa_instr &in : v)
        ASSERT_EQ(program_push(&p, &in), 0);
    std::vector<sim_dma_time> late(v.size(), sim_dma_time{ 1, 1000 });
    std::vector<Slot> slots;
    sim_opts o;
    std::memset(&o, 0, sizeof o);
    o.trace = record;
    o.trace_ctx = &slots;
    o.dma_replay = late.data();
    sim_stats st;
    char err[512] = "";
    ASSERT_EQ(sim_run(&a, nullptr, &p, &o, &st, err, sizeof err), 0) << err;
    program_free(&p);
    EXPECT_EQ(slots[25].start, 25u);
    EXPECT_EQ(slots[26].start, 1001u);
    EXPECT_EQ(slots[39].start, 1014u);
    EXPECT_EQ(st.stall_queue_full, 1001u - 26);
    EXPECT_EQ(st.cycles, 2015u);
}

// ---- (5) barrier ----------------------------------------------------------

TEST(TimingBarrier, NothingAfterABarrierStartsBeforeEverythingBeforeItCompletes)
{
    arch_t a = dflt();
    // load [0, 16) complete 116; lmma (m 2, n 512, klen 40, wbits 1: 10
    // busy) dispatches at 1, complete 15; barrier dispatches at 2, resolves
    // at 116; the copy dispatches at 117.
    std::vector<isa_instr> prog = {ld(BUF_ACT, 0, 0, 1, 1024, 1024), lmma(0, 0, 0, 2, 512, 40, 1),
                                   kBarrier, copy(4096, 8192, 64), kHalt};
    SimRun r = simulate(a, prog);
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.slots[1].complete, 15u);
    EXPECT_EQ(r.slots[2].complete, 116u);
    EXPECT_EQ(r.slots[3].start, 117u);
    for (int i = 0; i < 2; i++)
        EXPECT_GE(r.slots[3].start, r.slots[i].complete);
    // copy busy 1 + latency 8.
    EXPECT_EQ(r.st.cycles, 126u);
    // Without the barrier the independent copy starts at its dispatch.
    prog.erase(prog.begin() + 2);
    SimRun nb = simulate(a, prog);
    EXPECT_EQ(nb.slots[2].start, 2u);
    EXPECT_EQ(nb.st.cycles, 116u);
}

// ---- (6) energy and utilization -----------------------------------------------

namespace {

void check_energy_and_busy(const sim_stats &st, const energy_model &em)
{
    double sum = 0;
    for (int i = 0; i < EN_COUNT; i++) {
        EXPECT_GE(st.energy_pj_part[i], 0.0) << sim_energy_names[i];
        sum += st.energy_pj_part[i];
    }
    EXPECT_NEAR(sum, st.energy_pj, 1e-9 * st.energy_pj);
    EXPECT_GT(st.energy_pj, 0.0);
    EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_LEAKAGE], (double)st.cycles * em.leakage_pj_per_cycle);
    EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_DRAM],
                     (double)(st.ev.dram_read_bytes + st.ev.dram_write_bytes) * em.dram_pj_per_byte);
    for (int b = 0; b < BUF_COUNT; b++)
        EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_BUF_ACT + b],
                         (double)st.ev.buf_read_bytes[b] * em.buf_read_pj_per_byte[b] +
                             (double)st.ev.buf_write_bytes[b] * em.buf_write_pj_per_byte[b]);
    for (int u = 0; u < UNIT_COUNT; u++)
        EXPECT_LE(st.unit[u].busy_cycles, st.cycles) << isa_unit_names[u];
}

sim_stats run_gemm_timing(const arch_t &a, lut_wtype wt, int m, int n, int kd, gemm_layout *lay = nullptr)
{
    gemm_shape s;
    std::memset(&s, 0, sizeof s);
    s.wtype = wt;
    s.group_size = 128;
    s.m = m;
    s.n = n;
    s.kd = kd;
    program p;
    gemm_layout l;
    char err[512];
    sim_stats st;
    std::memset(&st, 0, sizeof st);
    if (gemm_lower(&a, &s, &p, &l, err, sizeof err) != 0) {
        ADD_FAILURE() << err;
        return st;
    }
    energy_model em = known_energy();
    sim_opts o;
    std::memset(&o, 0, sizeof o);
    EXPECT_EQ(sim_run(&a, &em, &p, &o, &st, err, sizeof err), 0) << err;
    program_free(&p);
    if (lay)
        *lay = l;
    return st;
}

} // namespace

TEST(TimingEnergy, PartsSumAndMatchTheEvents)
{
    arch_t a = dflt();
    energy_model em = known_energy();
    sim_stats st = run_gemm_timing(a, lut_wtype{LUT_WFMT_INT, 2}, 32, 1024, 512);
    check_energy_and_busy(st, em);
    EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_LOOKUP], (double)st.ev.table_reads * em.table_read_pj);
    EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_DEQUANT],
                     (double)(st.ev.zp_macs + st.ev.dequant_muls) * em.dequant_mul_pj);
    // Hand-built program with every unit: the same invariants.
    isa_instr t = blank(OP_TPREC);
    t.rows = 2;
    t.klen = 64;
    t.stride = 64;
    t.sum = 8192;
    isa_instr d = blank(OP_DQ);
    d.m = 2;
    d.n = 64;
    d.meta = 8192;
    d.dst = 4096;
    SimRun r = simulate(a, {ld(BUF_ACT, 0, 0, 2, 64, 64), t, ld(BUF_WGT, 0, 128, 1, 512, 512),
                         lmma(0, 0, 0, 2, 64, 64, 2), d, copy(0, 4096, 128), kBarrier,
                         ld(BUF_OUT, 4096, 1024, 2, 256, 1024, OP_STORE), kHalt});
    ASSERT_EQ(r.rc, 0) << r.err;
    check_energy_and_busy(r.st, em);
    for (int u = UNIT_DMA; u < UNIT_COUNT; u++)
        EXPECT_GT(r.st.unit[u].busy_cycles, 0u) << isa_unit_names[u];
}

// ---- (7) invalid programs ---------------------------------------------------

namespace {

void expect_rejected(const arch_t &a, const std::vector<isa_instr> &prog, const std::string &where,
                     const std::string &why, std::vector<uint8_t> *dram = nullptr)
{
    SimRun r = simulate(a, prog, dram);
    EXPECT_EQ(r.rc, -1) << where;
    EXPECT_NE(r.err.find(where), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), std::string::npos) << r.err;
}

} // namespace

TEST(TimingChecks, InvalidProgramsNameTheInstruction)
{
    arch_t a = dflt();
    const isa_instr ok = ld(BUF_ACT, 0, 0, 1, 64, 64);
    // Buffer overflow: the act buffer is 256 KiB; one byte past its end.
    expect_rejected(a, {ok, ok, ld(BUF_ACT, 256 * 1024 - 63, 0, 1, 64, 64), kHalt}, "instruction 2 (load)",
                    "exceeds");
    // ... exactly to the end is fine.
    EXPECT_EQ(simulate(a, {ld(BUF_ACT, 256 * 1024 - 64, 0, 1, 64, 64), kHalt}).rc, 0);
    // An lmma whose table range runs past the 16 KiB table buffer.
    expect_rejected(a, {ok, lmma(16 * 1024 - 16, 0, 0, 1, 64, 8, 1), kHalt}, "instruction 1 (lmma)",
                    "table buffer");
    // A vector op whose destination leaves the output buffer.
    isa_instr v = copy(0, 0, 64);
    v.dbuf = BUF_OUT;
    v.fn = VFN_ADD_F32;
    v.dst = 256 * 1024 - 4 * 63;
    expect_rejected(a, {v, kHalt}, "instruction 0 (vop)", "output buffer");
    // DRAM beyond the image in functional mode (timing-only has no image).
    std::vector<uint8_t> img(4096, 0);
    std::vector<isa_instr> far = {ok, ld(BUF_ACT, 0, 4000, 1, 100, 100), kHalt};
    expect_rejected(a, far, "instruction 1 (load)", "memory image", &img);
    EXPECT_EQ(simulate(a, far).rc, 0);
    std::vector<isa_instr> far_store = {ok, ld(BUF_ACT, 0, 4090, 2, 4, 4, OP_STORE), kHalt};
    expect_rejected(a, far_store, "instruction 1 (store)", "memory image", &img);
    // wbits outside the architecture's range.
    expect_rejected(a, {lmma(0, 0, 0, 2, 64, 8, 0), kHalt}, "instruction 0 (lmma)", "wbits=0");
    expect_rejected(a, {ok, lmma(0, 0, 0, 2, 64, 8, 9), kHalt}, "instruction 1 (lmma)", "wbits=9");
    arch_t w = a;
    w.wbits_min = 2;
    w.wbits_max = 4;
    expect_rejected(w, {lmma(0, 0, 0, 2, 64, 8, 1), kHalt}, "instruction 0 (lmma)", "2..4");
    expect_rejected(w, {lmma(0, 0, 0, 2, 64, 8, 5), kHalt}, "instruction 0 (lmma)", "2..4");
    EXPECT_EQ(simulate(w, {lmma(0, 0, 0, 2, 64, 8, 4), kHalt}).rc, 0);
    // Empty transfers and other empty operations.
    expect_rejected(a, {ok, ld(BUF_ACT, 0, 0, 0, 64, 64), kHalt}, "instruction 1 (load)", "empty transfer");
    expect_rejected(a, {ld(BUF_ACT, 0, 0, 3, 0, 64, OP_STORE), kHalt}, "instruction 0 (store)", "empty transfer");
    expect_rejected(a, {lmma(0, 0, 0, 2, 0, 8, 1), kHalt}, "instruction 0 (lmma)", "empty");
    expect_rejected(a, {copy(0, 64, 0), kHalt}, "instruction 0 (vop)", "empty");
    // Overlapping DRAM rows.
    expect_rejected(a, {ld(BUF_ACT, 0, 0, 2, 64, 32), kHalt}, "instruction 0 (load)", "stride");
    // Out-of-range enum fields in a program built in memory.
    isa_instr bad_fn = copy(0, 64, 8);
    bad_fn.fn = VFN_COUNT;
    expect_rejected(a, {ok, bad_fn, kHalt}, "instruction 1 (vop)", "illegal");
    isa_instr bad_buf = ld(BUF_ACT, 0, 0, 1, 64, 64);
    bad_buf.buf = 5;
    expect_rejected(a, {bad_buf, kHalt}, "instruction 0 (load)", "illegal", &img);
    isa_instr bad_op = blank(OP_COUNT);
    expect_rejected(a, {ok, bad_op, kHalt}, "instruction 1", "illegal opcode");
    // No halt.
    expect_rejected(a, {ok, ok, copy(0, 64, 8)}, "instruction 3", "ends without halt");
    expect_rejected(a, {}, "instruction 0", "ends without halt");
    // A barrier is not a halt.
    expect_rejected(a, {ok, kBarrier}, "instruction 2", "ends without halt");
}

// ---- GEMMs through the compiler -------------------------------------------

TEST(TimingGemm, ComputeBoundCyclesGrowWithWeightBits)
{
    arch_t a = dflt();
    const lut_wtype wts[] = {{LUT_WFMT_BINARY, 1}, {LUT_WFMT_INT, 2}, {LUT_WFMT_INT, 4}, {LUT_WFMT_INT, 8}};
    uint64_t prev = 0, c1 = 0;
    for (const lut_wtype &wt : wts) {
        gemm_layout lay;
        sim_stats st = run_gemm_timing(a, wt, 64, 1024, 1024, &lay);
        SCOPED_TRACE("W" + std::to_string(wt.bits) + ": " + std::to_string(st.cycles) + " cycles, mt " +
                     std::to_string(lay.mt));
        check_energy_and_busy(st, known_energy());
        // LUT busy time, by hand: every M-tile of r rows runs, per scale
        // group (8 of 128) and column tile (2 of 512), ceil(r/2) row passes
        // x 32 chunks x W bit-planes.
        uint64_t lut = 0;
        for (int m0 = 0; m0 < 64; m0 += lay.mt) {
            int rows = 64 - m0 < lay.mt ? 64 - m0 : lay.mt;
            lut += (uint64_t)((rows + 1) / 2) * 8 * 2 * 32 * wt.bits;
        }
        EXPECT_EQ(st.unit[UNIT_LUT].busy_cycles, lut);
        EXPECT_EQ(st.ev.macs, 64ull * 1024 * 1024);
        // Compute-bound: the LUT array is busy most of the run (at W = 1
        // table precompute, 1 table per cycle, is nearly as long as the
        // look-ups and pipeline fill is a larger share).
        EXPECT_GT((double)lut, (wt.bits == 1 ? 0.6 : 0.75) * (double)st.cycles);
        if (wt.bits == 8) {
            EXPECT_GT((double)lut, 0.85 * (double)st.cycles);
        }
        EXPECT_GT(st.cycles, prev);
        if (prev) {
            // Roughly proportional to W (W doubles each step): a fixed
            // part (loads of the first tiles, precompute, the last dq and
            // stores) keeps the ratio a little under 2.
            double ratio = (double)st.cycles / (double)prev;
            EXPECT_GT(ratio, 1.5);
            EXPECT_LE(ratio, 2.0);
        } else {
            c1 = st.cycles;
        }
        prev = st.cycles;
        std::printf("    64x1024x1024 W%d: %llu cycles, LUT busy %llu\n", wt.bits,
                    (unsigned long long)st.cycles, (unsigned long long)lut);
    }
    EXPECT_GT((double)prev / (double)c1, 5.0);
}

TEST(TimingGemm, GemvIsMemoryBound)
{
    arch_t a = dflt();
    const int n = 4096, k = 4096;
    for (int wb : {2, 4}) {
        sim_stats st = run_gemm_timing(a, lut_wtype{LUT_WFMT_INT, wb}, 1, n, k);
        SCOPED_TRACE("W" + std::to_string(wb) + ": " + std::to_string(st.cycles) + " cycles");
        check_energy_and_busy(st, known_energy());
        const double bpc = arch_dram_bytes_per_cycle(&a);
        const uint64_t dram = st.ev.dram_read_bytes + st.ev.dram_write_bytes;
        EXPECT_GE(st.ev.dram_read_bytes, (uint64_t)n * k * wb / 8);
        EXPECT_GE((double)st.cycles, (double)dram / bpc);
        // The DRAM bus, not the LUT array, sets the time.
        EXPECT_GT((double)st.unit[UNIT_DMA].busy_cycles, 0.9 * (double)dram / bpc);
        EXPECT_GT((double)st.unit[UNIT_DMA].busy_cycles, 0.8 * (double)st.cycles);
        EXPECT_LT(st.unit[UNIT_LUT].busy_cycles, st.unit[UNIT_DMA].busy_cycles / 2);
        std::printf("    1x4096x4096 W%d: %llu cycles, DRAM %llu bytes (%.0f bus cycles)\n", wb,
                    (unsigned long long)st.cycles, (unsigned long long)dram, (double)dram / bpc);
    }
}
