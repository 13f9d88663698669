// The report's roofline keys (sim/cli/report_run.c: roofline_cycles,
// roofline_ratio, limiter, exposed_cycles) on hand-made operation results,
// against a pinned architecture: 8 cores x M2 N64 K4 at 1 GHz (512 MACs a
// cycle at 8 bits), 64 B/cycle of DRAM, 64 vector lanes.
#include <gtest/gtest.h>

#include <cstring>

#include "arch_pin.h"
#include "report_run.h"

namespace {

arch_t pinned()
{
    arch_t a;
    arch_default(&a);
    pin_lut_array(&a);
    pin_ideal_memory(&a);
    a.vector_lanes = 64;
    return a;
}

// An attention-like LUT operation: 512 x 1000 MACs at 8 bits (1000 cycles
// at peak), `bytes` compulsory and moved, the given busy cycles.
op_result lut_op(uint64_t cycles, uint64_t bytes, uint64_t lut_busy, uint64_t dma_busy)
{
    op_result r;
    std::memset(&r, 0, sizeof r);
    r.on_lut = 1;
    r.wbits = 8;
    r.macs = 512 * 1000;
    r.compulsory_bytes = bytes;
    r.occupancy = 1.0;
    r.st.cycles = cycles;
    r.st.ev.dram_read_bytes = bytes;
    r.st.unit[UNIT_LUT].busy_cycles = lut_busy;
    r.st.unit[UNIT_DMA].busy_cycles = dma_busy;
    return r;
}

TEST(Limiter, NamesTheBoundWithinSlackAndTheCauseAbove)
{
    const arch_t a = pinned();
    op_figures f;
    // compute 1000 cycles, memory 64000 / 64 = 1000 cycles: roofline 1000
    op_result r = lut_op(1200, 64000, 1150, 1000);
    op_figures_of(&a, &r, &f);
    EXPECT_DOUBLE_EQ(f.roofline_cycles, 1000.0);
    EXPECT_DOUBLE_EQ(f.roofline_ratio, 1.2);
    EXPECT_STREQ(f.limiter, "dram_bandwidth"); // a tie goes to memory
    EXPECT_EQ(f.exposed_cycles, 50u);          // 1200 - the busiest unit's 1150

    r = lut_op(1200, 32000, 1150, 500); // memory 500: compute-bound
    op_figures_of(&a, &r, &f);
    EXPECT_STREQ(f.limiter, "compute");

    // 2.5x: the array filled a quarter of its lanes
    r = lut_op(2500, 32000, 2500, 500);
    r.occupancy = 0.4;
    std::snprintf(r.occupancy_of, sizeof r.occupancy_of, "columns:128/512");
    op_figures_of(&a, &r, &f);
    EXPECT_DOUBLE_EQ(f.roofline_ratio, 2.5);
    EXPECT_STREQ(f.limiter, "columns:128/512");

    // the same time with a full array: the unit took longer than its peak
    r.occupancy = 1.0;
    op_figures_of(&a, &r, &f);
    EXPECT_STREQ(f.limiter, "unit_occupancy");

    // the bus busy 1900 of 2000 cycles for 3x the compulsory bytes
    r = lut_op(2000, 64000, 1000, 1900);
    r.st.ev.dram_read_bytes = 3 * 64000;
    op_figures_of(&a, &r, &f);
    EXPECT_STREQ(f.limiter, "dram_refetch");

    // neither the bus nor the array busy most of the time: a latency chain
    r = lut_op(3000, 64000, 1000, 1000);
    op_figures_of(&a, &r, &f);
    EXPECT_STREQ(f.limiter, "dram_latency");
    EXPECT_EQ(f.exposed_cycles, 2000u);
}

TEST(Limiter, VectorWorkAgainstLanesAndItsBytes)
{
    const arch_t a = pinned();
    op_result r;
    std::memset(&r, 0, sizeof r);
    r.occupancy = 1.0;
    r.st.ev.vector_ops = 64 * 300;        // 300 cycles on 64 lanes
    r.st.ev.dram_read_bytes = 64 * 200;   // 200 cycles of bus
    r.st.ev.dram_write_bytes = 64 * 100;  // + 100
    r.st.cycles = 330;
    r.st.unit[UNIT_VEC].busy_cycles = 300;
    r.st.unit[UNIT_DMA].busy_cycles = 300;
    op_figures f;
    op_figures_of(&a, &r, &f);
    EXPECT_DOUBLE_EQ(f.roofline_cycles, 300.0);
    EXPECT_DOUBLE_EQ(f.roofline_ratio, 1.1);
    EXPECT_STREQ(f.limiter, "dram_bandwidth");
    r.st.cycles = 700; // a one-row op: load, work and store one after another
    op_figures_of(&a, &r, &f);
    EXPECT_STREQ(f.limiter, "dram_latency");
    EXPECT_EQ(f.exposed_cycles, 400u);
}

} // namespace
