// Bit-exactness of the LUT datapath against the naive reference GEMM.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "lut_gemm.h"
#include "ref_gemm.h"

namespace {

struct Case {
    lut_wtype wt;
    int tk, group, m, n, kd;
};

std::string describe(const Case &c)
{
    return std::string(lut_wfmt_name(c.wt.fmt)) + std::to_string(c.wt.bits) +
           " tk=" + std::to_string(c.tk) + " group=" + std::to_string(c.group) +
           " m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) +
           " kd=" + std::to_string(c.kd);
}

// Draws a stored value the format admits; extremes are drawn often.
int draw_weight(std::mt19937 &rng, lut_wtype wt)
{
    int lo, hi;
    lut_wtype_range(wt, &lo, &hi);
    for (;;) {
        int v;
        switch (rng() % 4) {
        case 0: v = lo; break;
        case 1: v = hi; break;
        default: v = lo + (int)(rng() % (unsigned)(hi - lo + 1)); break;
        }
        if (lut_wtype_admits(wt, v))
            return v;
    }
}

int8_t draw_act(std::mt19937 &rng)
{
    switch (rng() % 6) {
    case 0: return -128;
    case 1: return 127;
    default: return (int8_t)(rng() & 0xff);
    }
}

struct Data {
    std::vector<int8_t> a, w;
    std::vector<int32_t> z2;
    std::vector<float> scales;
};

Data make_data(std::mt19937 &rng, const Case &c)
{
    Data d;
    int ngroups = (c.kd + c.group - 1) / c.group;
    d.a.resize((size_t)c.m * c.kd);
    d.w.resize((size_t)c.n * c.kd);
    for (auto &x : d.a) x = draw_act(rng);
    for (auto &x : d.w) x = (int8_t)draw_weight(rng, c.wt);
    if (c.wt.fmt == LUT_WFMT_UINT) {
        d.z2.resize((size_t)c.n * ngroups);
        int qmax = (1 << c.wt.bits) - 1;
        // Half-integer zero-points (odd z2) are legal too.
        for (auto &z : d.z2) z = (int)(rng() % (unsigned)(2 * qmax + 1));
    }
    d.scales.resize((size_t)c.n * ngroups);
    std::uniform_real_distribution<float> sd(-0.05f, 0.05f);
    for (auto &s : d.scales) s = sd(rng);
    return d;
}

// Runs one case through pack + both kernels; returns a failure message or "".
std::string check_case(const Case &c, const Data &d)
{
    char err[256];
    for (int portable = 0; portable <= 1; portable++) {
        lut_gemm_cfg cfg;
        lut_gemm_cfg_default(&cfg, c.wt);
        cfg.tk = c.tk;
        cfg.group_size = c.group;
        cfg.portable = portable;
        lut_packed p;
        if (lut_pack(&cfg, d.w.data(), c.n, c.kd, d.z2.empty() ? nullptr : d.z2.data(),
                     &p, err, sizeof err) != 0)
            return describe(c) + ": pack failed: " + err;
        std::vector<int64_t> ref((size_t)c.m * c.n);
        ref_gemm_i64(c.wt, d.a.data(), d.w.data(), d.z2.empty() ? nullptr : d.z2.data(),
                     c.group, c.m, c.n, c.kd, ref.data());
        std::vector<int32_t> got((size_t)c.m * c.n, 0x5a5a5a5a);
        lut_counts cnt;
        int rc = lut_gemm_i32(&p, d.a.data(), c.m, got.data(), &cnt, err, sizeof err);
        std::string fail;
        if (rc != 0)
            fail = describe(c) + ": gemm failed: " + err;
        for (size_t i = 0; fail.empty() && i < got.size(); i++)
            if ((int64_t)got[i] != ref[i])
                fail = describe(c) + " portable=" + std::to_string(portable) +
                       ": C[" + std::to_string(i / c.n) + "][" + std::to_string(i % c.n) +
                       "] = " + std::to_string(got[i]) + ", reference " + std::to_string(ref[i]);
        if (fail.empty() && cnt.macs != (uint64_t)c.m * c.n * c.kd)
            fail = describe(c) + ": counted MACs wrong";
        if (fail.empty()) {
            std::vector<float> fo((size_t)c.m * c.n), fr((size_t)c.m * c.n);
            lut_gemm_f32(&p, d.a.data(), c.m, d.scales.data(), fo.data(), nullptr, err, sizeof err);
            ref_gemm_f32(c.wt, d.a.data(), d.w.data(), d.z2.empty() ? nullptr : d.z2.data(),
                         d.scales.data(), c.group, c.m, c.n, c.kd, fr.data());
            if (std::memcmp(fo.data(), fr.data(), fo.size() * sizeof(float)) != 0)
                fail = describe(c) + ": dequantized output differs from reference bits";
        }
        lut_packed_free(&p);
        if (!fail.empty())
            return fail;
    }
    return "";
}

lut_wtype random_wtype(std::mt19937 &rng)
{
    switch (rng() % 4) {
    case 0: return {LUT_WFMT_INT, 2 + (int)(rng() % 7)};
    case 1: return {LUT_WFMT_UINT, 1 + (int)(rng() % 8)};
    case 2: return {LUT_WFMT_TERNARY, 2};
    default: return {LUT_WFMT_BINARY, 1};
    }
}

} // namespace

TEST(LutTable, EntriesAreSignedSumsAndSymmetric)
{
    std::mt19937 rng(7);
    for (int tk = LUT_MIN_TK; tk <= LUT_MAX_TK; tk++) {
        for (int trial = 0; trial < 50; trial++) {
            int8_t a[LUT_MAX_TK];
            for (int k = 0; k < tk; k++) a[k] = draw_act(rng);
            lut_entry_t table[1 << (LUT_MAX_TK - 1)];
            int adds = lut_table_precompute_i8(a, tk, table);
            EXPECT_EQ(adds, (tk - 1) + (1 << (tk - 1)) - 1);
            // Every one of the 2^tk sign patterns, via index + negate bit.
            for (unsigned p = 0; p < (1u << tk); p++) {
                int32_t want = 0;
                for (int k = 0; k < tk; k++) want += ((p >> k) & 1) ? a[k] : -a[k];
                uint8_t idx = lut_pattern_index(p, tk);
                ASSERT_LT(idx & LUT_IDX_MASK, lut_table_entries(tk));
                ASSERT_EQ(lut_lookup(table, idx), want) << "tk=" << tk << " p=" << p;
            }
        }
    }
}

TEST(LutTable, ExtremeEntriesFitInSixteenBits)
{
    int8_t a[LUT_MAX_TK];
    std::memset(a, -128, sizeof a);
    lut_entry_t table[1 << (LUT_MAX_TK - 1)];
    lut_table_precompute_i8(a, LUT_MAX_TK, table);
    EXPECT_EQ(table[(1 << (LUT_MAX_TK - 1)) - 1], -128 * LUT_MAX_TK);
}

TEST(LutGemm, RandomizedBitExactAgainstReference)
{
    std::mt19937 rng(20251125);
    int cases = 0;
    for (; cases < 3000; cases++) {
        Case c;
        c.wt = random_wtype(rng);
        c.tk = LUT_MIN_TK + (int)(rng() % (LUT_MAX_TK - LUT_MIN_TK + 1));
        c.kd = 1 + (int)(rng() % 96);
        const int groups[] = {1, 3, 4, 7, 16, 32, 128, 1000};
        c.group = groups[rng() % 8];
        c.m = 1 + (int)(rng() % 6);
        c.n = 1 + (int)(rng() % 40);
        Data d = make_data(rng, c);
        std::string f = check_case(c, d);
        ASSERT_EQ(f, "") << "case " << cases;
    }
    EXPECT_EQ(cases, 3000);
}

TEST(LutGemm, EveryFormatWidthAndTableSize)
{
    std::mt19937 rng(99);
    std::vector<lut_wtype> types = {{LUT_WFMT_TERNARY, 2}, {LUT_WFMT_BINARY, 1}};
    for (int b = 2; b <= 8; b++) types.push_back({LUT_WFMT_INT, b});
    for (int b = 1; b <= 8; b++) types.push_back({LUT_WFMT_UINT, b});
    for (auto wt : types)
        for (int tk = LUT_MIN_TK; tk <= LUT_MAX_TK; tk++) {
            Case c{wt, tk, 128, 5, 67, 300}; // n odd and past a SIMD width; kd % tk != 0
            Data d = make_data(rng, c);
            ASSERT_EQ(check_case(c, d), "");
        }
}

TEST(LutGemm, EdgeShapes)
{
    std::mt19937 rng(3);
    const Case cases[] = {
        {{LUT_WFMT_INT, 4}, 4, 128, 1, 1, 1},    // a single MAC
        {{LUT_WFMT_INT, 2}, 4, 128, 1, 1000, 7}, // GEMV, kd < group
        {{LUT_WFMT_INT, 8}, 8, 128, 9, 1, 5},    // N = 1, kd < tk
        {{LUT_WFMT_TERNARY, 2}, 4, 128, 3, 33, 4097}, // kd not a multiple of tk or group
        {{LUT_WFMT_BINARY, 1}, 5, 10, 2, 64, 129},
    };
    for (const Case &c : cases) {
        Data d = make_data(rng, c);
        ASSERT_EQ(check_case(c, d), "");
    }
}

TEST(LutGemm, ExtremesProduceExtremeResults)
{
    // All activations -128 against all weights -128: the largest positive sum.
    const int kd = 4096, n = 3, m = 2;
    lut_wtype wt{LUT_WFMT_INT, 8};
    std::vector<int8_t> a((size_t)m * kd, -128), w((size_t)n * kd, -128);
    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, wt);
    lut_packed p;
    char err[256];
    ASSERT_EQ(lut_pack(&cfg, w.data(), n, kd, nullptr, &p, err, sizeof err), 0) << err;
    std::vector<int32_t> c((size_t)m * n);
    ASSERT_EQ(lut_gemm_i32(&p, a.data(), m, c.data(), nullptr, err, sizeof err), 0) << err;
    for (int32_t v : c) EXPECT_EQ(v, 128 * 128 * kd);
    // 127 against -128 gives the most negative.
    std::fill(a.begin(), a.end(), 127);
    ASSERT_EQ(lut_gemm_i32(&p, a.data(), m, c.data(), nullptr, err, sizeof err), 0) << err;
    for (int32_t v : c) EXPECT_EQ(v, -127 * 128 * kd);
    lut_packed_free(&p);
}

TEST(LutGemm, AllZeroInputsGiveZero)
{
    const int kd = 100, n = 20, m = 3;
    for (lut_wtype wt : {lut_wtype{LUT_WFMT_INT, 3}, lut_wtype{LUT_WFMT_TERNARY, 2}}) {
        std::vector<int8_t> a((size_t)m * kd, 0), w((size_t)n * kd, 0);
        std::mt19937 rng(1);
        for (auto &x : w) x = (int8_t)draw_weight(rng, wt);
        lut_gemm_cfg cfg;
        lut_gemm_cfg_default(&cfg, wt);
        lut_packed p;
        char err[256];
        ASSERT_EQ(lut_pack(&cfg, w.data(), n, kd, nullptr, &p, err, sizeof err), 0);
        std::vector<int32_t> c((size_t)m * n, 1);
        ASSERT_EQ(lut_gemm_i32(&p, a.data(), m, c.data(), nullptr, err, sizeof err), 0);
        for (int32_t v : c) EXPECT_EQ(v, 0);
        lut_packed_free(&p);
    }
}

TEST(LutGemm, CorruptedIndexIsDetected)
{
    // The comparison above can fail: flip one negate bit and it must.
    std::mt19937 rng(5);
    Case c{{LUT_WFMT_INT, 4}, 4, 128, 2, 8, 16};
    Data d = make_data(rng, c);
    // Powers of two: every signed sum of four is odd, so no table entry is 0.
    for (size_t i = 0; i < d.a.size(); i++) d.a[i] = (int8_t)(1 << (i % 4));
    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, c.wt);
    lut_packed p;
    char err[256];
    ASSERT_EQ(lut_pack(&cfg, d.w.data(), c.n, c.kd, nullptr, &p, err, sizeof err), 0);
    p.idx[0] ^= LUT_IDX_NEG;
    std::vector<int32_t> got((size_t)c.m * c.n);
    std::vector<int64_t> ref((size_t)c.m * c.n);
    ASSERT_EQ(lut_gemm_i32(&p, d.a.data(), c.m, got.data(), nullptr, err, sizeof err), 0);
    ref_gemm_i64(c.wt, d.a.data(), d.w.data(), nullptr, c.group, c.m, c.n, c.kd, ref.data());
    EXPECT_NE((int64_t)got[0], ref[0]);
    lut_packed_free(&p);
}

TEST(LutPack, RejectsValuesOutsideTheFormat)
{
    char err[256];
    struct Bad { lut_wtype wt; int v; const char *want; };
    const Bad bads[] = {
        {{LUT_WFMT_INT, 2}, 2, "outside int2"},
        {{LUT_WFMT_INT, 2}, -3, "outside int2"},
        {{LUT_WFMT_INT, 4}, 8, "outside int4"},
        {{LUT_WFMT_TERNARY, 2}, 2, "outside ternary2"},
        {{LUT_WFMT_BINARY, 1}, 0, "not 0"},
        {{LUT_WFMT_UINT, 3}, 8, "outside uint3"},
        {{LUT_WFMT_UINT, 3}, 255, "outside uint3"},
    };
    for (const Bad &b : bads) {
        std::vector<int8_t> w(12, 0);
        if (b.wt.fmt == LUT_WFMT_BINARY) std::fill(w.begin(), w.end(), 1);
        w[7] = (int8_t)b.v;
        std::vector<int32_t> z2(3 * 1, 0);
        lut_gemm_cfg cfg;
        lut_gemm_cfg_default(&cfg, b.wt);
        lut_packed p;
        ASSERT_EQ(lut_pack(&cfg, w.data(), 3, 4, z2.data(), &p, err, sizeof err), -1);
        EXPECT_NE(std::string(err).find(b.want), std::string::npos) << err;
        EXPECT_NE(std::string(err).find("[1][3]"), std::string::npos) << err;
    }
}

TEST(LutPack, RejectsBadConfigurations)
{
    char err[256];
    lut_gemm_cfg cfg;
    std::vector<int8_t> w(16, 0);
    lut_packed p;
    lut_gemm_cfg_default(&cfg, {LUT_WFMT_INT, 9});
    EXPECT_EQ(lut_pack(&cfg, w.data(), 4, 4, nullptr, &p, err, sizeof err), -1);
    lut_gemm_cfg_default(&cfg, {LUT_WFMT_TERNARY, 3});
    EXPECT_EQ(lut_pack(&cfg, w.data(), 4, 4, nullptr, &p, err, sizeof err), -1);
    lut_gemm_cfg_default(&cfg, {LUT_WFMT_INT, 4});
    cfg.tk = 9;
    EXPECT_EQ(lut_pack(&cfg, w.data(), 4, 4, nullptr, &p, err, sizeof err), -1);
    cfg.tk = 1;
    EXPECT_EQ(lut_pack(&cfg, w.data(), 4, 4, nullptr, &p, err, sizeof err), -1);
    cfg.tk = 4;
    cfg.group_size = 0;
    EXPECT_EQ(lut_pack(&cfg, w.data(), 4, 4, nullptr, &p, err, sizeof err), -1);
    lut_gemm_cfg_default(&cfg, {LUT_WFMT_INT, 8});
    cfg.group_size = 1 << 20; // the int32 group accumulator could overflow
    EXPECT_EQ(lut_pack(&cfg, w.data(), 4, 4, nullptr, &p, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("too large"), std::string::npos) << err;
    lut_gemm_cfg_default(&cfg, {LUT_WFMT_UINT, 4});
    EXPECT_EQ(lut_pack(&cfg, w.data(), 4, 4, nullptr, &p, err, sizeof err), -1); // no zero-points
}
