// test_rtl_ifetch.cpp - instructions streamed from DRAM through the RTL's
// instruction buffer (issue.ibuf_entries, rtl/lutc_ifetch.v) against the C
// model's (cmodel/ifetch.c): a program longer than the 64K-entry
// instruction memory bit-exact with equal cycles and schedules on ideal
// memory, hand-built programs (barriers) equal too, random latency and
// backpressure bit-exact, and the shapes the RTL refuses.  One Verilated
// model (64 entries, about a minute and a half to build): into
// $LUTSIM_RTL_CACHE when set, else a temporary cache of the test's.
#include "rtl_compare.h"
#include "rtl_engine.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

class RtlIfetch : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        if (getenv("LUTSIM_RTL_CACHE"))
            return;
        own_ = fs::temp_directory_path() / ("lutsim-rtl-cache-ifetch-" + std::to_string(getpid()));
        fs::remove_all(own_);
        setenv("LUTSIM_RTL_CACHE", own_.c_str(), 1);
    }
    static void TearDownTestSuite()
    {
        if (own_.empty())
            return;
        unsetenv("LUTSIM_RTL_CACHE");
        fs::remove_all(own_);
    }
    static fs::path own_;
};
fs::path RtlIfetch::own_;

arch_t streamed(int entries)
{
    arch_t a;
    arch_ideal(&a);
    a.ibuf_entries = entries;
    snprintf(a.name, sizeof a.name, "test-ibuf%d", entries);
    return a;
}

// The GEMM's program repeated `reps` times, one halt (no barriers: the
// scoreboard orders the repetitions, which then overlap).
program repeat(const program &g, size_t reps)
{
    program p;
    program_init(&p);
    for (size_t r = 0; r < reps; r++) {
        for (size_t i = 0; i < g.n; i++) {
            if (g.ins[i].op != OP_HALT && g.ins[i].op != OP_BARRIER) {
                EXPECT_EQ(program_push(&p, &g.ins[i]), 0);
            }
        }
    }
    isa_instr halt{};
    halt.op = OP_HALT;
    EXPECT_EQ(program_push(&p, &halt), 0);
    return p;
}

uint64_t ifetch_stalls(const sim_stats &s)
{
    uint64_t t = 0;
    for (int u = 0; u < UNIT_COUNT; u++)
        t += s.unit[u].stall_ifetch;
    return t;
}

} // namespace

// Past the 64K-entry instruction memory: every instruction streams, so a
// fetcher that lost, repeated or reordered a block would break the data or
// the schedule.  The buffer (64 entries) is small enough that the C model
// counts fetch stalls: the fetch timing is exercised, not hidden.
TEST_F(RtlIfetch, LongerThanTheInstructionMemoryEqualsCModel)
{
    arch_t a = streamed(64);
    char err[512];
    ASSERT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    GemmCase gc;
    const int M = 5, N = 96, K = 160;
    ASSERT_TRUE(rtl_make_gemm(&a, LUT_WFMT_INT, 3, M, N, K, 32, 9191, &gc)) << gc.err;
    size_t body = 0; // what repeat() keeps of one copy
    for (size_t i = 0; i < gc.prog.n; i++)
        body += gc.prog.ins[i].op != OP_HALT && gc.prog.ins[i].op != OP_BARRIER;
    const size_t reps = (1u << 16) / body + 2;
    program p = repeat(gc.prog, reps);
    ASSERT_GT(p.n, (size_t)1 << 16);

    sim_stats cs{};
    std::vector<uint8_t> img = gc.image;
    sim_opts o{};
    o.dram = img.data();
    o.dram_size = img.size();
    ASSERT_EQ(sim_run(&a, nullptr, &p, &o, &cs, err, sizeof err), 0) << err;
    EXPECT_GT(ifetch_stalls(cs), 0u);

    RtlCompare r = rtl_compare_program(&a, &p, gc.image, gc.lay.c_addr,
                                       gc.lay.c_addr + (uint64_t)M * N * 4, N);
    EXPECT_TRUE(r.ok()) << r.msg;
    EXPECT_EQ(r.c_cycles, r.rtl_cycles);
    EXPECT_EQ(r.c_cycles, cs.cycles);
    printf("[ info ] %zu instructions, ibuf 64: C model %llu cycles, RTL %llu cycles\n", p.n,
           (unsigned long long)r.c_cycles, (unsigned long long)r.rtl_cycles);
    program_free(&p);
    program_free(&gc.prog);
}

// Streaming costs at least the first block's latency over free fetch (the
// built-in model: its instruction memory); hand-built programs, with
// barriers (which leave the buffer as they reach the dispatch point), equal
// the C model instruction by instruction.
TEST_F(RtlIfetch, HandBuiltProgramsEqualCModel)
{
    arch_t a = streamed(64), free_fetch;
    arch_ideal(&free_fetch);
    GemmCase gc;
    const int M = 4, N = 64, K = 128;
    ASSERT_TRUE(rtl_make_gemm(&a, LUT_WFMT_INT, 2, M, N, K, 128, 77, &gc)) << gc.err;
    RtlCompare r = rtl_compare_program(&a, &gc.prog, gc.image, gc.lay.c_addr,
                                       gc.lay.c_addr + (uint64_t)M * N * 4, N);
    EXPECT_TRUE(r.ok()) << r.msg;
    RtlCompare f = rtl_compare_program(&free_fetch, &gc.prog, gc.image);
    EXPECT_TRUE(f.ok()) << f.msg;
    EXPECT_GE(r.rtl_cycles, f.rtl_cycles + (uint64_t)a.dram_latency);
    program_free(&gc.prog);
    int ran = 0;
    for (uint32_t s = 1; s <= 20; s++) {
        program p;
        std::vector<uint8_t> img;
        std::string e;
        ASSERT_TRUE(rtl_make_random_program(&a, s, &p, &img, &e)) << e;
        RtlCompare q = rtl_compare_program(&a, &p, img);
        if (q.ran || q.msg.rfind("C model:", 0) != 0) {
            EXPECT_TRUE(q.ok()) << "seed " << s << ": " << q.msg;
            ran++;
        }
        program_free(&p);
    }
    EXPECT_GE(ran, 14);
}

// Random latency, backpressure and out-of-order beats: the fetcher writes
// each beat into its own block's entries, so the data stays bit-exact.
TEST_F(RtlIfetch, RandomMemoryBitExact)
{
    arch_t a = streamed(64);
    GemmCase gc;
    const int M = 9, N = 130, K = 200;
    ASSERT_TRUE(rtl_make_gemm(&a, LUT_WFMT_INT, 4, M, N, K, 64, 31337, &gc)) << gc.err;
    program p = repeat(gc.prog, 3);
    for (uint64_t seed : { 3u, 17u, 2024u }) {
        rtl_memory m{ RTL_MEM_RANDOM, seed, nullptr, nullptr, nullptr };
        RtlCompare r = rtl_compare_program(&a, &p, gc.image, gc.lay.c_addr,
                                           gc.lay.c_addr + (uint64_t)M * N * 4, N, nullptr, &m);
        EXPECT_TRUE(r.ran) << r.msg;
        EXPECT_TRUE(r.data_equal) << "seed " << seed << ": " << r.msg;
        EXPECT_GT(r.rtl_cycles, r.c_own_cycles) << "seed " << seed; // the memory did act
    }
    program_free(&p);
    program_free(&gc.prog);
}

TEST(RtlIfetchRefuse, ShapesTheBufferCannotHold)
{
    char err[512];
    arch_t a = streamed(6); // not whole 4-instruction bursts
    EXPECT_NE(rtl_arch_supported(&a, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("issue.ibuf_entries 6"), std::string::npos) << err;
    a = streamed(64);
    a.dma_max_outstanding = 8; // below the latency of 100
    EXPECT_NE(rtl_arch_supported(&a, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("dma.max_outstanding 8"), std::string::npos) << err;
    EXPECT_EQ(std::string(err).find('\n'), std::string::npos) << err;
}
