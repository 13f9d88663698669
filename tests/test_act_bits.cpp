// test_act_bits.cpp - activation widths A4, A8, A16 (quant "abits"): the
// activation bytes and table entries by hand, the table buffer's capacity
// and the M-tile it allows, bit-exact GEMMs against the reference, timing-only
// against functional, and the refusals (RTL, odd K at A4, bad abits).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gemm.h"
#include "gemm_support.h"
#include "lut_arith.h"
#include "mapper.h"
#include "model_json.h"
#include "quant_layout.h"
#include "ref_gemm.h"
#include "run_argv.h"
#include "sim.h"

namespace {

// The quantization suites' pinned architecture with a 16 KiB table buffer.
arch_t pinned_arch()
{
    arch_t a = gemmtest::pinned_quant_arch();
    a.buf[BUF_TBL].kib = 16;
    return a;
}

quant_preset w4(int abits)
{
    const std::string js = R"({"wfmt": "int", "wbits": 4, "group_size": 128, "scale": "fp16", "abits": )" +
                           std::to_string(abits) + "}";
    quant_preset q;
    char err[512] = "";
    EXPECT_EQ(quant_from_json_string(js.c_str(), "q.json", &q, err, sizeof err), 0) << err;
    return q;
}

arch_t arch_for(int abits)
{
    const arch_t a0 = pinned_arch();
    const quant_preset q = w4(abits);
    arch_t a;
    char err[512] = "";
    EXPECT_EQ(quant_arch(&a0, &q, &a, err, sizeof err), 0) << err;
    return a;
}

struct Lowered {
    program p;
    gemm_layout lay;
    gemm_shape s;
    int rc;
};

// Lowers an m x n x k GEMM; a lowering error fails the test unless the
// caller asks for it (err): then its message is there and rc is -1.
Lowered lower(const arch_t &a, lut_wtype wt, uint64_t m, int n, int k, int group,
              std::string *err = nullptr)
{
    Lowered L;
    std::memset(&L, 0, sizeof L);
    L.s.wtype = wt;
    L.s.group_size = group;
    L.s.m = m;
    L.s.n = n;
    L.s.kd = k;
    char why[512] = "";
    L.rc = gemm_lower(&a, &L.s, &L.p, &L.lay, why, sizeof why);
    if (err)
        *err = why;
    else
        EXPECT_EQ(L.rc, 0) << why;
    return L;
}

} // namespace

// Entry widths: abits + ceil(log2 4) + 1 = 7, (A8 keeps the arch's 16), 19
// bits, stored in 1, 2 and 3 bytes; a table set of 2 tables x 8 entries is
// 16, 32 and 48 bytes.  The storage helpers round-trip every value.
TEST(ActBits, EntryWidthAndStorage)
{
    const int bits[3] = { 4, 8, 16 }, want_bits[3] = { 7, 16, 19 }, want_bytes[3] = { 1, 2, 3 };
    for (int i = 0; i < 3; i++) {
        const arch_t a = arch_for(bits[i]);
        EXPECT_EQ(a.act_bits, bits[i]);
        EXPECT_EQ(a.table_entry_bits, want_bits[i]);
        EXPECT_EQ(arch_entry_bytes(&a), want_bytes[i]);
        EXPECT_EQ(arch_table_bits(&a), 2 * 8 * want_bits[i]);
    }
    std::vector<uint8_t> buf(64);
    const int32_t v4[4] = { -8, 7, -1, 0 }, v16[3] = { -32768, 32767, -2 };
    for (int j = 0; j < 4; j++)
        lut_act_put(buf.data(), (uint64_t)j, 4, v4[j]);
    EXPECT_EQ(buf[0], 0x78); // -8 = 0x8 low nibble, 7 high
    EXPECT_EQ(buf[1], 0x0F);
    for (int j = 0; j < 4; j++)
        EXPECT_EQ(lut_act_get(buf.data(), (uint64_t)j, 4), v4[j]);
    for (int j = 0; j < 3; j++)
        lut_act_put(buf.data(), (uint64_t)j, 16, v16[j]);
    for (int j = 0; j < 3; j++)
        EXPECT_EQ(lut_act_get(buf.data(), (uint64_t)j, 16), v16[j]);
    const int32_t e[3] = { -(1 << 18), (1 << 18) - 1, -1 };
    for (int32_t x : e) {
        lut_entry_put(buf.data(), 3, x);
        EXPECT_EQ(lut_entry_get(buf.data(), 3), x);
    }
    // the largest A16 table entry: 4 x -32768, exact in 19 bits
    int32_t acts[4] = { -32768, 32767, 32767, 32767 }, t[8];
    lut_table_precompute_i32(acts, 4, t);
    EXPECT_EQ(t[0], -32768 - 3 * 32767);
    EXPECT_EQ(lut_entry_saturate(t[0], 19), t[0]);
}

// A 1 x 4096 x 4096 W4 GEMV, FP16 scales in groups of 128: 8 MiB of weights,
// 4096 x 32 x 2 B of scales, 16 KiB of int32 results and the activation row
// at its width: 2048 B (A4), 4096 B (A8), 8192 B (A16).
TEST(ActBits, ActivationBytesByHand)
{
    const uint64_t fixed = (8u << 20) + 4096u * 32 * 2 + 4096 * 4;
    const int bits[3] = { 4, 8, 16 };
    const uint64_t act[3] = { 2048, 4096, 8192 };
    for (int i = 0; i < 3; i++) {
        const arch_t a = arch_for(bits[i]);
        const quant_preset q = w4(bits[i]);
        gemm_shape s = {};
        s.m = 1;
        s.n = 4096;
        s.kd = 4096;
        quant_gemm_fields(&q, &s);
        program p;
        gemm_layout lay;
        char err[512] = "";
        ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
        sim_stats st = {};
        ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
        program_free(&p);
        EXPECT_EQ(st.ev.dram_read_bytes + st.ev.dram_write_bytes, fixed + act[i]) << bits[i];
        EXPECT_EQ(mapper_compulsory_bytes(&a, &s), fixed + act[i]) << bits[i];
    }
}

// The table buffer (16 KiB, double-buffered) holds per row of a group of 128
// 32 tables of 8 entries: 256 B at A4, 512 B at A8, 768 B at A16 (+ a 4 B
// sum).  The M-tile the lowering picks must fit and grow as entries narrow.
TEST(ActBits, TableBufferCapacitySetsTheMTile)
{
    const int bits[3] = { 4, 8, 16 };
    int rows[3] = { 0, 0, 0 };
    for (int i = 0; i < 3; i++) {
        const arch_t a = arch_for(bits[i]);
        Lowered L = lower(a, lut_wtype{ LUT_WFMT_INT, 4 }, 512, 256, 512, 128);
        for (size_t j = 0; j < L.p.n; j++)
            if (L.p.ins[j].op == OP_TPREC) {
                rows[i] = (int)L.p.ins[j].rows;
                break;
            }
        program_free(&L.p);
        const uint64_t per_row = 32u * 8 * (uint64_t)arch_entry_bytes(&a);
        auto al = [](uint64_t v) { return (v + 63) / 64 * 64; };
        ASSERT_GT(rows[i], 0);
        EXPECT_LE(2 * (al(rows[i] * per_row) + al(rows[i] * 4u)), 16384u) << bits[i];
    }
    EXPECT_GT(rows[0], rows[1]);
    EXPECT_GT(rows[1], rows[2]);
    // by hand: 16384 / 2 / (768 + 4) = 10.6 rows at A16, 8192 / 516 = 15.9 at
    // A8: the lowering takes at least 10 and 14 (a multiple of tile_m)
    EXPECT_GE(rows[2], 10);
    EXPECT_GE(rows[1], 14);
}

// Functional GEMMs at A4 and A16 (INT, UINT with zero-points, ternary,
// binary; the largest activation magnitudes included) equal the reference,
// and timing-only gives the functional run's cycles and bytes.
TEST(ActBits, FunctionalBitExactAndTimingOnlyEqual)
{
    struct { int abits; lut_wtype wt; int group; } cases[] = {
        { 4, { LUT_WFMT_INT, 4 }, 64 },  { 4, { LUT_WFMT_UINT, 3 }, 32 },
        { 4, { LUT_WFMT_BINARY, 1 }, 96 }, { 16, { LUT_WFMT_INT, 2 }, 64 },
        { 16, { LUT_WFMT_UINT, 8 }, 128 }, { 16, { LUT_WFMT_TERNARY, 2 }, 32 },
        { 16, { LUT_WFMT_INT, 8 }, 96 },
    };
    std::mt19937 rng(11);
    for (const auto &c : cases) {
        SCOPED_TRACE("A" + std::to_string(c.abits) + " W" + std::to_string(c.wt.bits) + " " +
                     lut_wfmt_name(c.wt.fmt));
        const arch_t a = arch_for(c.abits);
        Lowered L = lower(a, c.wt, 7, 70, 192, c.group);
        const int ng = (192 + c.group - 1) / c.group;
        const size_t na = 7 * 192;
        std::vector<int32_t> av(na);
        std::vector<uint8_t> packed(lut_act_bytes(na, c.abits));
        const int32_t lo = -(1 << (c.abits - 1)), hi = (1 << (c.abits - 1)) - 1;
        for (size_t j = 0; j < na; j++) {
            av[j] = lo + (int32_t)(rng() % (uint32_t)(hi - lo + 1));
            if (j < 192) // a row of extremes: the widest sums the tables hold
                av[j] = (j % 3) ? lo : hi;
            lut_act_put(packed.data(), j, c.abits, av[j]);
        }
        int wlo, whi;
        lut_wtype_range(c.wt, &wlo, &whi);
        std::vector<int8_t> w((size_t)70 * 192);
        for (auto &v : w)
            do
                v = (int8_t)(wlo + (int)(rng() % (unsigned)(whi - wlo + 1)));
            while (!lut_wtype_admits(c.wt, v));
        std::vector<int32_t> z2((size_t)70 * ng);
        for (auto &z : z2)
            z = 2 * (int)(rng() % (unsigned)(1 << c.wt.bits));
        const int32_t *zp = c.wt.fmt == LUT_WFMT_UINT ? z2.data() : nullptr;
        std::vector<uint8_t> img(L.lay.image_bytes);
        char err[512] = "";
        ASSERT_EQ(gemm_fill(&a, &L.s, &L.lay, (const int8_t *)packed.data(), w.data(), zp,
                            nullptr, img.data(), err, sizeof err), 0) << err;
        sim_opts o = {};
        o.dram = img.data();
        o.dram_size = img.size();
        sim_stats fn = {}, tm = {};
        ASSERT_EQ(sim_run(&a, nullptr, &L.p, &o, &fn, err, sizeof err), 0) << err;
        ASSERT_EQ(sim_run(&a, nullptr, &L.p, nullptr, &tm, err, sizeof err), 0) << err;
        program_free(&L.p);
        EXPECT_EQ(fn.cycles, tm.cycles);
        EXPECT_EQ(fn.ev.dram_read_bytes, tm.ev.dram_read_bytes);
        EXPECT_EQ(fn.ev.precompute_adds, tm.ev.precompute_adds);
        std::vector<int64_t> want((size_t)7 * 70);
        ref_gemm_i64_wide(c.wt, av.data(), w.data(), zp, c.group, 7, 70, 192, want.data());
        int bad = 0;
        for (size_t j = 0; j < want.size() && bad < 3; j++) {
            int32_t g;
            std::memcpy(&g, img.data() + L.lay.c_addr + 4 * j, 4);
            if ((int64_t)g != want[j]) {
                ADD_FAILURE() << "output " << j << ": " << g << ", reference " << want[j];
                bad++;
            }
        }
    }
}

// The 32-bit accumulators bound the group at A16: W8 groups of 128 fit
// (2 x 255 x 2^15 x 128 < 2^31), W4 per-channel groups of K = 4096 run as
// sub-groups of at most lut_gemm_group_max_a(4, 16) = 2184.
TEST(ActBits, A16AccumulatorBound)
{
    EXPECT_EQ(lut_gemm_group_max_a(8, 16), 128);
    EXPECT_EQ(lut_gemm_group_max_a(4, 16), 2184);
    EXPECT_EQ(lut_gemm_group_max_a(8, 8), lut_gemm_group_max(8));
    arch_t a = arch_for(16);
    a.buf[BUF_TBL].kib = 256;
    Lowered L = lower(a, lut_wtype{ LUT_WFMT_INT, 4 }, 1, 64, 4096, 4096);
    int lmmas = 0;
    for (size_t j = 0; j < L.p.n; j++)
        if (L.p.ins[j].op == OP_LMMA) {
            lmmas++;
            EXPECT_LE((int)L.p.ins[j].klen, 2184);
        }
    EXPECT_GE(lmmas, 2); // 4096 runs as at least two sub-groups
    program_free(&L.p);
}

TEST(ActBits, Refusals)
{
    // odd K at A4: two activations share a byte
    std::string e;
    Lowered L = lower(arch_for(4), lut_wtype{ LUT_WFMT_INT, 2 }, 1, 64, 99, 33, &e);
    EXPECT_NE(L.rc, 0);
    EXPECT_NE(e.find("4-bit activations need an even K"), std::string::npos) << e;
    char err[512] = "";
    // abits other than 4, 8, 16
    quant_preset q;
    EXPECT_NE(quant_from_json_string(R"({"wfmt": "int", "wbits": 4, "abits": 6})", "q.json", &q,
                                     err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("abits: expected 4, 8 or 16"), std::string::npos) << err;
    // (the RTL's refusal of act_bits != 8: test_rtl_core, RtlRefuse)
    // A16 tables no longer fit a table buffer that held one INT8 set
    arch_t small = pinned_arch();
    small.buf[BUF_TBL].kib = 1;
    small.buf[BUF_TBL].banks = 1;
    small.tile_m = 64; // 64 x 8 entries: 1024 B at 16 bits, 1216 B at 19
    char why[512];
    ASSERT_EQ(arch_check(&small, why, sizeof why), 0) << why;
    const quant_preset q16 = w4(16);
    arch_t out;
    EXPECT_NE(quant_arch(&small, &q16, &out, err, sizeof err), 0);
    EXPECT_EQ(std::string(err).rfind("abits: 16-bit activations", 0), 0u) << err;
}

// The command line: the presets run functionally bit-exact, and lutsim gemm
// refuses an arch with act_bits other than 8 in one line.
TEST(ActBits, CommandLine)
{
    testproc::TmpDir t;
    for (const char *qn : { "W4A4", "W2A4", "W4A16" }) {
        auto r = testproc::lutsim(t, std::string("run --model tiny --phase decode --functional "
                                                 "--quiet --quant ") + qn);
        EXPECT_EQ(r.status, 0) << qn << ": " << r.err;
        EXPECT_NE(r.out.find("bit-exact against the reference"), std::string::npos) << r.out;
    }
    std::FILE *f = std::fopen(t.p("a.json").c_str(), "w");
    ASSERT_TRUE(f);
    std::fputs(R"({"act_bits": 16, "lut": {"table_entry_bits": 19}})", f);
    std::fclose(f);
    auto r = testproc::lutsim(t, "gemm --random 2x128x128 --wfmt int --wbits 2 --quiet --arch " +
                                     t.p("a.json"));
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("act_bits 16: lutsim gemm reads INT8 activations"), std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}
