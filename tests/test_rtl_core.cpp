// test_rtl_core.cpp - the Verilated RTL against the C model: hand-written
// programs per instruction, GEMMs from compiler/gemm.c, random programs.
// Equality means: DRAM image bit-exact, cycles equal, every instruction's
// start / busy_end / complete equal, and the unit statistics equal.
#include "gemm.h"
#include "rtl_compare.h"
#include "rtl_engine.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

namespace {

arch_t def()
{
    arch_t a;
    arch_ideal(&a);
    return a;
}

program assemble(const std::string &text)
{
    program p;
    char err[256];
    EXPECT_EQ(program_from_asm(text.c_str(), &p, err, sizeof err), 0) << err;
    return p;
}

std::vector<uint8_t> random_image(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n);
    for (auto &b : v)
        b = (uint8_t)rng();
    return v;
}

void expect_equal(const std::string &text, size_t image = 1 << 16, uint32_t seed = 1)
{
    arch_t a = def();
    program p = assemble(text);
    RtlCompare r = rtl_compare_program(&a, &p, random_image(image, seed));
    EXPECT_TRUE(r.ok()) << r.msg;
    program_free(&p);
}

} // namespace

TEST(RtlInstr, HaltOnly) { expect_equal("halt\n"); }

TEST(RtlInstr, LoadStoreContiguousAndStrided)
{
    expect_equal("load buf=0 sram=0x10 rows=1 bytes=1000 dram=0x3 stride=1000\n"
                 "store buf=0 sram=0x10 rows=1 bytes=1000 dram=0x8000 stride=1000\n"
                 "load buf=3 sram=0x7 rows=5 bytes=70 dram=0x101 stride=130\n"
                 "store buf=3 sram=0x7 rows=5 bytes=70 dram=0x9001 stride=100\n"
                 "load buf=2 sram=0x0 rows=3 bytes=64 dram=0x40 stride=64\n"
                 "store buf=2 sram=0x0 rows=3 bytes=64 dram=0xa000 stride=200\n"
                 "halt\n");
}

TEST(RtlInstr, TprecPartialChunks)
{
    expect_equal("load buf=0 sram=0 rows=1 bytes=512 dram=0 stride=512\n"
                 "tprec src=0x3 dst=0x0 sum=0x3000 rows=3 klen=13 stride=50\n"
                 "store buf=2 sram=0 rows=1 bytes=200 dram=0x8000 stride=200\n"
                 "store buf=2 sram=0x3000 rows=1 bytes=12 dram=0x9000 stride=12\n"
                 "halt\n");
}

TEST(RtlInstr, LmmaAllPlanesAndAccum)
{
    for (int wb = 1; wb <= 8; wb += 3) {
        std::string w = std::to_string(wb);
        expect_equal("load buf=2 sram=0 rows=1 bytes=4096 dram=0 stride=4096\n"
                     "load buf=1 sram=0x100 rows=1 bytes=8192 dram=0x1000 stride=8192\n"
                     "load buf=3 sram=0x0 rows=1 bytes=9000 dram=0x3000 stride=9000\n"
                     "lmma tbl=0x0 wgt=0x100 acc=0x0 m=3 n=600 klen=10 wbits=" + w + " accum=1\n"
                     "lmma tbl=0x20 wgt=0x101 acc=0x4000 m=1 n=7 klen=4 wbits=" + w + " accum=0\n"
                     "store buf=3 sram=0 rows=1 bytes=8000 dram=0x8000 stride=8000\n"
                     "store buf=3 sram=0x4000 rows=1 bytes=28 dram=0xe000 stride=28\n"
                     "halt\n", 1 << 16, (uint32_t)wb);
    }
}

TEST(RtlInstr, DqIntModes)
{
    expect_equal("load buf=3 sram=0 rows=1 bytes=8192 dram=0 stride=8192\n"
                 "load buf=2 sram=0 rows=1 bytes=64 dram=0x2000 stride=64\n"
                 "load buf=1 sram=0 rows=1 bytes=4096 dram=0x3000 stride=4096\n"
                 "dq acc=0x0 sum=0x0 meta=0x0 dst=0x1000 m=5 n=70 accum=1 fmode=0 shift=1\n"
                 "dq acc=0x4 sum=0x8 meta=0x10 dst=0x1800 m=3 n=1 accum=0 fmode=0 shift=0\n"
                 "store buf=3 sram=0x1000 rows=1 bytes=1400 dram=0x8000 stride=1400\n"
                 "store buf=3 sram=0x1800 rows=1 bytes=12 dram=0x9000 stride=12\n"
                 "halt\n");
}

TEST(RtlInstr, HazardsBarrierAndQueueFull)
{
    // WAW / RAW / WAR on one buffer range, a barrier, and more DMA work
    // than the DMA queue holds.
    std::string t;
    for (int i = 0; i < 9; i++)
        t += "load buf=1 sram=0x" + std::to_string(i * 100) + " rows=1 bytes=300 dram=0x" +
             std::to_string(i * 64) + " stride=300\n";
    t += "store buf=1 sram=0x0 rows=1 bytes=256 dram=0x8000 stride=256\n"
         "load buf=1 sram=0x0 rows=1 bytes=64 dram=0x9000 stride=64\n"
         "barrier\n"
         "store buf=1 sram=0x0 rows=1 bytes=64 dram=0xa000 stride=64\n"
         "halt\n";
    expect_equal(t);
}

TEST(RtlRefuse, VectorUnitFloatDqOtherArch)
{
    arch_t a = def();
    std::vector<uint8_t> img(4096);
    sim_stats st;
    char err[256];
    program p = assemble("vop fn=copy sbuf=0 src=0 src2=0 dbuf=0 dst=64 len=4 imm=0\nhalt\n");
    EXPECT_NE(rtl_run(&a, &p, img.data(), img.size(), nullptr, &st, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("no vector unit"), std::string::npos) << err;
    program_free(&p);
    p = assemble("dq acc=0 sum=0 meta=0 dst=0 m=1 n=1 accum=0 fmode=1 shift=1\nhalt\n");
    EXPECT_NE(rtl_run(&a, &p, img.data(), img.size(), nullptr, &st, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("fmode=1"), std::string::npos) << err;
    program_free(&p);
    // 4- or 16-bit activations: the RTL's precompute reads INT8
    arch_set_act_bits(&a, 16);
    p = assemble("halt\n");
    EXPECT_NE(rtl_run(&a, &p, img.data(), img.size(), nullptr, &st, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("act_bits 16 needs the C model"), std::string::npos) << err;
    program_free(&p);
    // a parameter no RTL build models: refused, not built (rtl_cache.h)
    a = def();
    a.tprec_tables_per_cycle = 2;
    p = assemble("halt\n");
    EXPECT_NE(rtl_run(&a, &p, img.data(), img.size(), nullptr, &st, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("precompute.tables_per_cycle 2 needs the C model"),
              std::string::npos) << err;
    program_free(&p);
    // rates no RTL build times (the C model would be slower): refused
    const struct {
        void (*set)(arch_t *);
        const char *msg;
    } rates[] = {
        { [](arch_t *x) { x->buf[BUF_WGT].banks = 2; }, "below a pass's 2048" },
        { [](arch_t *x) { x->dram_gbps = 32; }, "32.0 DRAM bytes a cycle" },
        { [](arch_t *x) { x->buf[BUF_TBL].banks = 1; }, "buffers.table banks x width_bits = 32" },
    };
    for (const auto &r : rates) {
        a = def();
        r.set(&a);
        p = assemble("halt\n");
        EXPECT_NE(rtl_run(&a, &p, img.data(), img.size(), nullptr, &st, err, sizeof err), 0);
        EXPECT_NE(std::string(err).find(r.msg), std::string::npos) << err;
        program_free(&p);
    }
    a = def();
    p = assemble("load buf=0 sram=0 rows=1 bytes=64 dram=4090 stride=64\nhalt\n");
    EXPECT_NE(rtl_run(&a, &p, img.data(), img.size(), nullptr, &st, err, sizeof err), 0);
    program_free(&p);
    // row partitioning (lut.partition rows / auto) is a C-model mode only
    p = assemble("lmma tbl=0 wgt=0 acc=0 m=2 n=64 klen=8 wbits=2 accum=0 part=1\nhalt\n");
    EXPECT_NE(rtl_run(&a, &p, img.data(), img.size(), nullptr, &st, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("row partitioning"), std::string::npos) << err;
    program_free(&p);
    // grouped cores (lmmag, lut.partition grid / auto) are a C-model mode only
    p = assemble("lmmag tbl=0 wgt=0 acc=0 m=2 n=64 klen=8 wbits=2 accum=0 groups=2\nhalt\n");
    EXPECT_NE(rtl_run(&a, &p, img.data(), img.size(), nullptr, &st, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("grouped cores (lut.partition grid)"), std::string::npos) << err;
    EXPECT_EQ(std::string(err).find('\n'), std::string::npos) << err;
    program_free(&p);
    // padded table rows (tpad, banked table buffers) are a C-model layout only
    const char *padded[] = {
        "lmma tbl=0 wgt=0 acc=0 m=2 n=64 klen=8 wbits=2 accum=0 tpad=2\nhalt\n",
        "tprec src=0 dst=0 sum=0x400 rows=2 klen=8 stride=8 tpad=1\nhalt\n",
    };
    for (const char *text : padded) {
        p = assemble(text);
        EXPECT_NE(rtl_run(&a, &p, img.data(), img.size(), nullptr, &st, err, sizeof err), 0);
        EXPECT_NE(std::string(err).find("padded table rows (tpad="), std::string::npos) << err;
        program_free(&p);
    }
}

struct GemmParam {
    lut_wfmt fmt;
    int bits, m, n, kd, group;
};

class RtlGemm : public ::testing::TestWithParam<GemmParam> {};

TEST_P(RtlGemm, EqualsCModel)
{
    const GemmParam &g = GetParam();
    arch_t a = def();
    GemmCase gc;
    ASSERT_TRUE(rtl_make_gemm(&a, g.fmt, g.bits, g.m, g.n, g.kd, g.group, 7, &gc)) << gc.err;
    RtlCompare r = rtl_compare_program(&a, &gc.prog, gc.image, gc.lay.c_addr,
                                       gc.lay.c_addr + (uint64_t)g.m * g.n * 4, g.n);
    EXPECT_TRUE(r.ok()) << r.msg;
    EXPECT_GT(r.c_cycles, 0u);
    program_free(&gc.prog);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, RtlGemm,
    ::testing::Values(GemmParam{ LUT_WFMT_INT, 2, 4, 64, 128, 128 },
                      GemmParam{ LUT_WFMT_INT, 4, 17, 700, 300, 128 },
                      GemmParam{ LUT_WFMT_INT, 8, 3, 100, 64, 32 },
                      GemmParam{ LUT_WFMT_TERNARY, 2, 32, 1024, 256, 128 },
                      GemmParam{ LUT_WFMT_BINARY, 1, 9, 513, 130, 64 },
                      GemmParam{ LUT_WFMT_UINT, 3, 5, 200, 96, 32 },
                      GemmParam{ LUT_WFMT_INT, 2, 1, 4096, 512, 128 },
                      GemmParam{ LUT_WFMT_INT, 3, 64, 256, 512, 128 }));

TEST(RtlRandom, HandBuiltPrograms)
{
    arch_t a = def();
    int ran = 0;
    for (uint32_t s = 1; s <= 25; s++) {
        program p;
        std::vector<uint8_t> img;
        std::string err;
        ASSERT_TRUE(rtl_make_random_program(&a, s, &p, &img, &err)) << err;
        RtlCompare r = rtl_compare_program(&a, &p, img);
        if (r.ran || r.msg.rfind("C model:", 0) != 0) {
            EXPECT_TRUE(r.ok()) << "seed " << s << ": " << r.msg;
            ran++;
        }
        program_free(&p);
    }
    EXPECT_GE(ran, 20);
}
