// Instruction fetch (issue.ibuf_entries, cmodel/ifetch.h): the program
// streams from DRAM through the instruction buffer; expected figures are
// derived by hand from the rules in ifetch.h and sim.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "arch.h"
#include "gemm.h"
#include "isa.h"
#include "program.h"
#include "run_argv.h"
#include "sim.h"
#include "gemm_support.h"

using namespace testproc;
namespace {

sim_stats run_ctrl(const arch_t &a, size_t barriers)
{
    program p;
    program_init(&p);
    isa_instr in;
    std::memset(&in, 0, sizeof in);
    in.op = OP_BARRIER;
    for (size_t i = 0; i < barriers; i++)
        EXPECT_EQ(program_push(&p, &in), 0);
    in.op = OP_HALT;
    EXPECT_EQ(program_push(&p, &in), 0);
    sim_stats st;
    char err[512] = "";
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    program_free(&p);
    return st;
}

using gemmtest::gemv;

} // namespace

// 8 barriers and halt, 4 entries, 64-byte bursts (4 instructions a fetch),
// latency 100, 64 B/cycle: block 0 goes at 0, arrives at 1 + 100; its
// instructions dispatch at 101..104; block 1 has room when instruction 3
// dispatched (104), arrives at 205 (dispatch 205..208); block 2 (halt) is
// requested at 208 and arrives at 309.
TEST(Ifetch, HandDerived)
{
    arch_t a;
    arch_ideal(&a);
    a.ibuf_entries = 4;
    sim_stats st = run_ctrl(a, 8);
    EXPECT_EQ(st.cycles, 309u);
    EXPECT_EQ(st.ev.ifetch_bytes, 3u * 64u);
    EXPECT_EQ(st.ev.dram_read_bytes, 3u * 64u);
    EXPECT_EQ(st.unit[UNIT_CTRL].stall_ifetch, 101u + 100u + 100u);
    a.ibuf_entries = 0; // free fetch: as before
    st = run_ctrl(a, 8);
    EXPECT_EQ(st.ev.ifetch_bytes, 0u);
    EXPECT_EQ(st.unit[UNIT_CTRL].stall_ifetch, 0u);
}

// Any program length runs: 300k instructions (more than any instruction
// memory) through 16 entries; every instruction is fetched once.
TEST(Ifetch, LongProgram)
{
    arch_t a;
    arch_ideal(&a);
    a.ibuf_entries = 16;
    const size_t n = 300000;
    sim_stats st = run_ctrl(a, n - 1);
    EXPECT_EQ(st.ev.ifetch_bytes, (n + 3) / 4 * 64);
    EXPECT_GE(st.cycles, n);
}

// Fetch competes with the DMA for the bus: a DRAM-bound GEMV gets slower by
// at least the fetch's bus time, and a small buffer stalls dispatch.
TEST(Ifetch, CompetesForTheBus)
{
    arch_t a;
    arch_ideal(&a);
    sim_stats free_fetch = gemv(a);
    a.ibuf_entries = 64;
    sim_stats f64 = gemv(a);
    EXPECT_EQ(f64.ev.ifetch_bytes, (f64.instructions + 3) / 4 * 64);
    EXPECT_EQ(f64.ev.dram_read_bytes, free_fetch.ev.dram_read_bytes + f64.ev.ifetch_bytes);
    EXPECT_GE(f64.cycles, free_fetch.cycles + f64.ev.ifetch_bytes / 64);
    EXPECT_LE(f64.cycles, free_fetch.cycles * 101 / 100);
    a.ibuf_entries = 4;
    sim_stats f4 = gemv(a);
    EXPECT_GT(f4.cycles, f64.cycles * 11 / 10);
    uint64_t stall = 0;
    for (int u = 0; u < UNIT_COUNT; u++)
        stall += f4.unit[u].stall_ifetch;
    EXPECT_GT(stall, 0u);
}

// The RTL streams whole bursts (tests/test_rtl_ifetch.cpp runs it): a
// buffer that is not a whole number of them is refused in one line naming
// the key.
TEST(Ifetch, RtlRefusesPartialBursts)
{
    const std::string dir = ::testing::TempDir();
    const std::string arch = dir + "/ifetch_arch.json", errf = dir + "/ifetch_err.txt";
    FILE *f = std::fopen(arch.c_str(), "w");
    ASSERT_TRUE(f);
    std::fputs("{\"base\": \"ideal\", \"issue\": {\"ibuf_entries\": 6}}", f);
    std::fclose(f);
    EXPECT_EQ(lutsim("gemm --random 2x128x128 --wfmt int --wbits 2 --engine rtl --quiet --arch " +
                         arch, "", errf), 1);
    std::string e = slurp(errf);
    EXPECT_NE(e.find("issue.ibuf_entries 6"), std::string::npos) << e;
    EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
}
