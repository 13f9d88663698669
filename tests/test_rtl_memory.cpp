// test_rtl_memory.cpp - the RTL's AXI4-style memory port under the three
// testbench memories (sim/rtl/rtl_memory.h): outputs bit-exact in every
// mode; on random and DRAM-device memory the C model given the RTL's memory
// responses (sim_opts.dma_replay) within 1% of the RTL's cycles.
#include "rtl_compare.h"
#include "rtl_engine.h"
#include "rtl_junit.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace {

arch_t ideal()
{
    arch_t a;
    arch_ideal(&a);
    return a;
}

rtl_memory random_mem(uint64_t seed) { return rtl_memory{ RTL_MEM_RANDOM, seed, nullptr, nullptr, nullptr }; }

} // namespace

TEST(RtlMemoryParse, ModesAndSeeds)
{
    rtl_memory m;
    char err[256];
    ASSERT_EQ(rtl_memory_parse("ideal", &m, err, sizeof err), 0);
    EXPECT_EQ(m.kind, RTL_MEM_IDEAL);
    ASSERT_EQ(rtl_memory_parse("dram", &m, err, sizeof err), 0);
    EXPECT_EQ(m.kind, RTL_MEM_DRAM);
    ASSERT_EQ(rtl_memory_parse("random", &m, err, sizeof err), 0);
    EXPECT_EQ(m.kind, RTL_MEM_RANDOM);
    EXPECT_EQ(m.seed, 1u);
    ASSERT_EQ(rtl_memory_parse("random:123456789012", &m, err, sizeof err), 0);
    EXPECT_EQ(m.seed, 123456789012u);
    for (const char *bad : { "random:", "random:x", "random:-1", "randomly", "hbm", "" }) {
        EXPECT_NE(rtl_memory_parse(bad, &m, err, sizeof err), 0) << bad;
        EXPECT_NE(std::string(err).find("--memory"), std::string::npos) << err;
    }
}

// Random latency (dram_latency + up to 2x more), backpressure on AR, AW, W
// and out-of-order responses: the data must still land bit-exactly, the
// run must be slower than on the ideal memory (the memory did act), and the
// C model given the same responses must agree.
TEST(RtlMemoryRandom, GemmsBitExactAndReplayedWithinOnePercent)
{
    arch_t a = ideal();
    struct C { lut_wfmt f; int bits, m, n, k, g; };
    const C cases[] = { { LUT_WFMT_INT, 2, 4, 64, 128, 128 },
                        { LUT_WFMT_INT, 4, 17, 700, 300, 128 },
                        { LUT_WFMT_TERNARY, 2, 9, 513, 130, 64 },
                        { LUT_WFMT_UINT, 3, 5, 200, 96, 32 } };
    uint64_t seed = 11;
    for (const C &c : cases) {
        GemmCase gc;
        ASSERT_TRUE(rtl_make_gemm(&a, c.f, c.bits, c.m, c.n, c.k, c.g, 5, &gc)) << gc.err;
        rtl_memory mem = random_mem(seed++);
        RtlCompare r = rtl_compare_program(&a, &gc.prog, gc.image, gc.lay.c_addr,
                                           gc.lay.c_addr + (uint64_t)c.m * c.n * 4, c.n,
                                           nullptr, &mem);
        EXPECT_TRUE(r.ok()) << r.msg;
        EXPECT_TRUE(r.data_equal) << r.msg;
        EXPECT_LE(std::abs(r.rel_diff), kRtlReplayTolerance);
        EXPECT_GT(r.rtl_cycles, r.c_own_cycles) << "random memory did not slow the run";
        program_free(&gc.prog);
    }
}

TEST(RtlMemoryRandom, HandBuiltProgramsOnManySeeds)
{
    arch_t a = ideal();
    int ran = 0;
    for (uint32_t s = 1; s <= 20; s++) {
        program p;
        std::vector<uint8_t> img;
        std::string err;
        ASSERT_TRUE(rtl_make_random_program(&a, s, &p, &img, &err)) << err;
        rtl_memory mem = random_mem(1000 + s);
        RtlCompare r = rtl_compare_program(&a, &p, img, 0, 0, 0, nullptr, &mem);
        if (r.ran || r.msg.rfind("C model:", 0) != 0) {
            EXPECT_TRUE(r.ok()) << "seed " << s << ": " << r.msg;
            ran++;
        }
        program_free(&p);
    }
    EXPECT_GE(ran, 15);
}

// The same RTL run under two seeds takes different times (the seed
// matters), with the same output.
TEST(RtlMemoryRandom, SeedChangesTimingNotData)
{
    arch_t a = ideal();
    GemmCase gc;
    ASSERT_TRUE(rtl_make_gemm(&a, LUT_WFMT_INT, 3, 8, 300, 200, 128, 3, &gc)) << gc.err;
    std::vector<uint8_t> i1 = gc.image, i2 = gc.image;
    sim_stats s1, s2;
    char err[512];
    rtl_memory m1 = random_mem(1), m2 = random_mem(2);
    ASSERT_EQ(rtl_run_ex(&a, &gc.prog, i1.data(), i1.size(), &m1, nullptr, &s1, nullptr, err,
                         sizeof err), 0) << err;
    ASSERT_EQ(rtl_run_ex(&a, &gc.prog, i2.data(), i2.size(), &m2, nullptr, &s2, nullptr, err,
                         sizeof err), 0) << err;
    EXPECT_NE(s1.cycles, s2.cycles);
    EXPECT_EQ(i1, i2);
    program_free(&gc.prog);
}

// The replay is what makes the C model agree: given the RTL's responses
// with one transfer's completion moved later, the C model's schedule moves
// at that transfer and its cycles grow.
TEST(RtlMemoryReplay, CModelFollowsTheResponsesItIsGiven)
{
    arch_t a = ideal();
    GemmCase gc;
    ASSERT_TRUE(rtl_make_gemm(&a, LUT_WFMT_INT, 2, 4, 64, 128, 128, 9, &gc)) << gc.err;
    std::vector<uint8_t> img = gc.image;
    std::vector<rtl_sched> sch(gc.prog.n);
    sim_stats rs, cs;
    char err[512];
    rtl_memory mem = random_mem(77);
    ASSERT_EQ(rtl_run_ex(&a, &gc.prog, img.data(), img.size(), &mem, nullptr, &rs, sch.data(), err,
                         sizeof err), 0) << err;
    std::vector<sim_dma_time> rp(gc.prog.n, sim_dma_time{ 0, 0 });
    size_t first_dma = gc.prog.n;
    for (size_t i = 0; i < gc.prog.n; i++)
        if (sch[i].unit == UNIT_DMA) {
            rp[i] = sim_dma_time{ sch[i].busy_end - sch[i].start, sch[i].complete - sch[i].busy_end };
            if (first_dma == gc.prog.n)
                first_dma = i;
        }
    ASSERT_LT(first_dma, gc.prog.n);
    sim_opts o{};
    o.dma_replay = rp.data();
    ASSERT_EQ(sim_run(&a, nullptr, &gc.prog, &o, &cs, err, sizeof err), 0) << err;
    EXPECT_EQ(cs.cycles, rs.cycles);
    rp[first_dma].latency += 1000; // the first load answers 1000 cycles later
    sim_stats late;
    ASSERT_EQ(sim_run(&a, nullptr, &gc.prog, &o, &late, err, sizeof err), 0) << err;
    EXPECT_GE(late.cycles, rs.cycles + 1000);
    program_free(&gc.prog);
}

// A DMA's responses that come late fill its scoreboard ring (queue 4 +
// latency 100 + 2 = 106 entries; random memory answers up to 3x the
// latency late): 400 one-burst loads keep ~300 in flight.  The RTL then
// holds dispatch until the ring's head frees (it flagged "scoreboard full"
// as an error before: `make rtl-regress SEEDS=2000` met it on random
// memory), and the C model given the same responses holds it the same way
// (cmodel/sb_ring.h): cycles equal, and the stall is there to see.
TEST(RtlMemoryRandom, LateResponsesFillTheScoreboardRingAndBothEnginesWait)
{
    arch_t a = ideal();
    ASSERT_EQ(arch_sb_ring_depth(&a, 0), 106);
    program p;
    program_init(&p);
    for (uint32_t i = 0; i < 400; i++) {
        isa_instr in;
        std::memset(&in, 0, sizeof in);
        in.op = OP_LOAD;
        in.buf = BUF_ACT;
        in.sram = (i % 1024) * 64;
        in.dram = (uint64_t)i * 64;
        in.rows = 1;
        in.bytes = 64;
        in.stride = 64;
        ASSERT_EQ(program_push(&p, &in), 0);
    }
    isa_instr h;
    std::memset(&h, 0, sizeof h);
    h.op = OP_HALT;
    ASSERT_EQ(program_push(&p, &h), 0);
    std::vector<uint8_t> img(400 * 64);
    for (size_t i = 0; i < img.size(); i++)
        img[i] = (uint8_t)(i * 7 + 3);
    rtl_memory mem = random_mem(5);
    RtlCompare r = rtl_compare_program(&a, &p, img, 0, 0, 0, nullptr, &mem);
    EXPECT_TRUE(r.ok()) << r.msg;
    EXPECT_EQ(r.rtl_cycles, r.c_cycles) << r.msg;
    // without the ring's wait 400 loads issue one a cycle and the last
    // answers within 3 x 100 cycles of its start
    EXPECT_GT(r.rtl_cycles, 400u + 3 * 100) << "the ring did not fill";
    program_free(&p);
}

// The DRAM device of the C model (cmodel/dram_dev.c) behind the port.
TEST(RtlMemoryDram, DeviceServedRunsBitExactAndReplayed)
{
    arch_t a = ideal();
    char err[512];
    ASSERT_EQ(arch_set_dram_model(&a, "lpddr5-6400", 0, err, sizeof err), 0) << err;
    rtl_memory mem{ RTL_MEM_DRAM, 0, nullptr, nullptr, nullptr };
    for (uint32_t seed = 1; seed <= 3; seed++) {
        GemmCase gc;
        ASSERT_TRUE(rtl_make_gemm(&a, LUT_WFMT_INT, 2 + (int)seed, 6, 300, 256, 128, seed, &gc))
            << gc.err;
        RtlCompare r = rtl_compare_program(&a, &gc.prog, gc.image, gc.lay.c_addr,
                                           gc.lay.c_addr + 6u * 300u * 4u, 300, nullptr, &mem);
        EXPECT_TRUE(r.ok()) << r.msg;
        program_free(&gc.prog);
    }
    // the device memory needs an arch that names a device
    arch_t i = ideal();
    EXPECT_NE(rtl_arch_supported_mem(&i, &mem, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("dram.model"), std::string::npos) << err;
    // and the ideal and random memories refuse a device arch
    EXPECT_NE(rtl_arch_supported(&a, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("--memory dram"), std::string::npos) << err;
}

// The regression's JUnit XML: one test case per case, failures and skips
// counted, messages escaped (a CI server parses it).
TEST(RtlJUnit, CountsAndEscapes)
{
    JUnitReport rep;
    rep.add("gemm 1x2x3 seed 4", 0.5, JUnitReport::PASS);
    rep.add("random program seed 9", 0.25, JUnitReport::FAIL, "C model 1 < RTL 2 & \"x\"\n");
    rep.add("gemm 0x1x1", 0, JUnitReport::SKIP, "bad <shape>");
    char path[] = "/tmp/lutsim-junit-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    ASSERT_TRUE(rep.write(path, "rtl-regress.random:1"));
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string x = ss.str();
    unlink(path);
    EXPECT_NE(x.find("<testsuite name=\"rtl-regress.random:1\" tests=\"3\" failures=\"1\" "
                     "skipped=\"1\" time=\"0.750\">"), std::string::npos) << x;
    EXPECT_NE(x.find("<failure message=\"mismatch\">C model 1 &lt; RTL 2 &amp; &quot;x&quot;\n"
                     "</failure>"), std::string::npos) << x;
    EXPECT_NE(x.find("<skipped message=\"bad &lt;shape&gt;\"/>"), std::string::npos) << x;
    size_t cases = 0;
    for (size_t at = 0; (at = x.find("<testcase ", at)) != std::string::npos; at++)
        cases++;
    EXPECT_EQ(cases, 3u);
    EXPECT_FALSE(rep.write("/nonexistent-dir/x.xml", "s"));
}
