// The SIMD look-up kernel against the portable one: identical integers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "lut_gemm.h"
// lut_kernel.h is internal to cmodel (C only): no extern "C" of its own.
extern "C" {
#include "lut_kernel.h"
}

namespace {

#ifdef LUT_HAVE_AVX2_KERNEL

bool have_avx2() { return __builtin_cpu_supports("avx2"); }

std::vector<lut_wtype> all_wtypes()
{
    std::vector<lut_wtype> types = {{LUT_WFMT_TERNARY, 2}, {LUT_WFMT_BINARY, 1}};
    for (int b = 2; b <= 8; b++) types.push_back({LUT_WFMT_INT, b});
    for (int b = 1; b <= 8; b++) types.push_back({LUT_WFMT_UINT, b});
    return types;
}

std::string name(lut_wtype wt)
{
    return std::string(lut_wfmt_name(wt.fmt)) + std::to_string(wt.bits);
}

int draw_weight(std::mt19937 &rng, lut_wtype wt)
{
    int lo, hi;
    lut_wtype_range(wt, &lo, &hi);
    for (;;) {
        int v = lo + (int)(rng() % (unsigned)(hi - lo + 1));
        if (lut_wtype_admits(wt, v))
            return v;
    }
}

// Packs random weights; z2 for UINT is random (it does not reach the kernel).
void pack_random(std::mt19937 &rng, lut_wtype wt, int tk, int group, int n, int kd,
                 lut_packed *p)
{
    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, wt);
    cfg.tk = tk;
    cfg.group_size = group;
    std::vector<int8_t> w((size_t)n * kd);
    for (auto &x : w) x = (int8_t)draw_weight(rng, wt);
    int ngroups = (kd + group - 1) / group;
    std::vector<int32_t> z2((size_t)n * ngroups);
    for (auto &z : z2) z = (int)(rng() % (unsigned)(2 * ((1 << wt.bits) - 1) + 1));
    char err[256];
    ASSERT_EQ(lut_pack(&cfg, w.data(), n, kd, z2.data(), p, err, sizeof err), 0) << err;
}

// Random tables with |entry| <= lim, the bounds drawn often.
std::vector<lut_entry_t> random_tables(std::mt19937 &rng, int R, int nchunks, int E, int lim)
{
    std::vector<lut_entry_t> t((size_t)R * nchunks * E);
    for (auto &x : t) {
        switch (rng() % 5) {
        case 0: x = (lut_entry_t)-lim; break;
        case 1: x = (lut_entry_t)lim; break;
        default: x = (lut_entry_t)(-lim + (int)(rng() % (unsigned)(2 * lim + 1))); break;
        }
    }
    return t;
}

// Runs both kernels on every group of p and compares; returns "" or a message.
std::string compare_kernels(const lut_packed &p, const std::vector<lut_entry_t> &tabs, int R)
{
    const int n = p.n;
    std::vector<int32_t> want((size_t)R * n), got((size_t)R * n);
    for (int g = 0; g < p.ngroups; g++) {
        int c0 = p.group_c0[g], c1 = p.group_c0[g + 1];
        std::fill(want.begin(), want.end(), 0x11111111);
        std::fill(got.begin(), got.end(), 0x22222222);
        lut_kernel_portable(&p, c0, c1, tabs.data(), R, want.data());
        lut_kernel_avx2(&p, c0, c1, tabs.data(), R, got.data());
        for (size_t i = 0; i < got.size(); i++)
            if (got[i] != want[i])
                return name(p.cfg.wtype) + " tk=" + std::to_string(p.cfg.tk) +
                       " n=" + std::to_string(n) + " R=" + std::to_string(R) +
                       " group " + std::to_string(g) + " chunks " + std::to_string(c1 - c0) +
                       ": acc2[" + std::to_string(i / n) + "][" + std::to_string(i % n) +
                       "] = " + std::to_string(got[i]) + ", portable " + std::to_string(want[i]);
    }
    return "";
}

#endif // LUT_HAVE_AVX2_KERNEL

#define REQUIRE_AVX2()                                                  \
    do {                                                                \
        if (!have_avx2()) GTEST_SKIP() << "host has no AVX2";           \
    } while (0)

} // namespace

#ifdef LUT_HAVE_AVX2_KERNEL

// Every format and tk the SIMD kernel serves, tables in the range the table
// precompute produces (|entry| <= 128 tk), widths around the 32-column block.
TEST(LutKernelAvx2, MatchesPortableEveryFormat)
{
    REQUIRE_AVX2();
    std::mt19937 rng(4242);
    const int ns[] = {1, 5, 16, 31, 32, 33, 63, 64, 65, 96, 100, 129, 200};
    const auto types = all_wtypes();
    int runs = 0;
    for (lut_wtype wt : types)
        for (int tk = 2; tk <= 5; tk++) {
            int n = ns[rng() % (sizeof ns / sizeof ns[0])];
            int group = (int)(16 + rng() % 200);
            int kd = group * 2 + (int)(rng() % group); // a short last group
            lut_packed p;
            pack_random(rng, wt, tk, group, n, kd, &p);
            for (int R = 1; R <= 4; R++) {
                auto tabs = random_tables(rng, R, p.nchunks, lut_table_entries(tk), 128 * tk);
                std::string f = compare_kernels(p, tabs, R);
                EXPECT_EQ(f, "");
                runs++;
            }
            lut_packed_free(&p);
        }
    EXPECT_EQ(runs, (int)types.size() * 4 * 4); // 17 formats x 4 tk x 4 R
}

// Random shapes: n 1..200, R 1..4, groups of many sizes.
TEST(LutKernelAvx2, MatchesPortableRandomShapes)
{
    REQUIRE_AVX2();
    std::mt19937 rng(777);
    auto types = all_wtypes();
    for (int trial = 0; trial < 400; trial++) {
        lut_wtype wt = types[rng() % types.size()];
        int tk = 2 + (int)(rng() % 4);
        int n = 1 + (int)(rng() % 200);
        const int groups[] = {1, 3, 4, 7, 16, 32, 64, 128, 256};
        int group = groups[rng() % 9];
        int kd = 1 + (int)(rng() % 300);
        int R = 1 + (int)(rng() % 4);
        lut_packed p;
        pack_random(rng, wt, tk, group, n, kd, &p);
        auto tabs = random_tables(rng, R, p.nchunks, lut_table_entries(tk), 128 * tk);
        ASSERT_EQ(compare_kernels(p, tabs, R), "") << "trial " << trial;
        lut_packed_free(&p);
    }
}

// Tables from the real precompute (extreme activations included).
TEST(LutKernelAvx2, MatchesPortablePrecomputedTables)
{
    REQUIRE_AVX2();
    std::mt19937 rng(31337);
    for (int tk = 2; tk <= 5; tk++)
        for (lut_wtype wt : {lut_wtype{LUT_WFMT_INT, 2}, lut_wtype{LUT_WFMT_INT, 8},
                             lut_wtype{LUT_WFMT_TERNARY, 2}, lut_wtype{LUT_WFMT_UINT, 4}}) {
            const int n = 97, kd = 512, R = 4;
            lut_packed p;
            pack_random(rng, wt, tk, 128, n, kd, &p);
            const int E = lut_table_entries(tk);
            std::vector<lut_entry_t> tabs((size_t)R * p.nchunks * E);
            for (int r = 0; r < R; r++)
                for (int c = 0; c < p.nchunks; c++) {
                    int8_t a[LUT_MAX_TK];
                    for (int k = 0; k < tk; k++) {
                        unsigned u = rng() % 4;
                        // All -128 or all 127 in some chunks: the largest entries.
                        a[k] = u == 0 ? (int8_t)-128 : u == 1 ? (int8_t)127 : (int8_t)(rng() & 0xff);
                    }
                    if (c % 7 == 0)
                        for (int k = 0; k < tk; k++) a[k] = (k == 0) ? -128 : 127;
                    lut_table_precompute_i8(a, tk, tabs.data() + ((size_t)r * p.nchunks + c) * E);
                }
            EXPECT_EQ(compare_kernels(p, tabs, R), "");
            lut_packed_free(&p);
        }
}

// Tables over the whole int16 range (the kernel must pick safe int16 sums or
// fall back), with few enough chunks that the portable int32 sum is defined.
TEST(LutKernelAvx2, MatchesPortableFullRangeTables)
{
    REQUIRE_AVX2();
    std::mt19937 rng(99);
    auto types = all_wtypes();
    for (int trial = 0; trial < 200; trial++) {
        lut_wtype wt = types[rng() % types.size()];
        int tk = 2 + (int)(rng() % 4);
        int n = 1 + (int)(rng() % 150);
        int group = tk * (1 + (int)(rng() % 40)); // up to 40 chunks per group
        int kd = group * (1 + (int)(rng() % 3));
        int R = 1 + (int)(rng() % 4);
        // Keep chunks * (2^W - 1) * lim below 2^31 so the portable int32 sum
        // is defined.
        int chunks = group / tk;
        int64_t lim = INT32_MAX / ((int64_t)chunks * ((1 << wt.bits) - 1));
        const int lims[] = {1, 100, 1000, 5000, 20000, 32767};
        int l = lims[rng() % 6];
        if (l > lim) l = (int)lim;
        lut_packed p;
        pack_random(rng, wt, tk, group, n, kd, &p);
        auto tabs = random_tables(rng, R, p.nchunks, lut_table_entries(tk), l);
        if (trial % 10 == 0 && lim >= 32768)
            tabs[rng() % tabs.size()] = INT16_MIN; // the one value int16 cannot negate
        ASSERT_EQ(compare_kernels(p, tabs, R), "") << "trial " << trial << " lim " << l;
        lut_packed_free(&p);
    }
}

// Widths past the kernel's column blocks (1024 columns), with a tail.
TEST(LutKernelAvx2, MatchesPortableWideMatrices)
{
    REQUIRE_AVX2();
    std::mt19937 rng(123);
    const int ns[] = {1024, 1056, 2085, 4133};
    const lut_wtype types[] = {{LUT_WFMT_INT, 2}, {LUT_WFMT_TERNARY, 2}, {LUT_WFMT_UINT, 8},
                               {LUT_WFMT_BINARY, 1}};
    int k = 0;
    for (int n : ns)
        for (lut_wtype wt : types) {
            int tk = 2 + (k++ % 4);
            lut_packed p;
            pack_random(rng, wt, tk, 128, n, 300, &p);
            for (int R = 1; R <= 4; R++) {
                auto tabs = random_tables(rng, R, p.nchunks, lut_table_entries(tk), 128 * tk);
                EXPECT_EQ(compare_kernels(p, tabs, R), "");
            }
            lut_packed_free(&p);
        }
}

// All-zero tables and one nonzero entry per table: the lane order is right.
TEST(LutKernelAvx2, SingleEntryLandsInItsColumn)
{
    REQUIRE_AVX2();
    std::mt19937 rng(5);
    for (int tk : {4, 5}) {
        const int n = 70, kd = 4 * tk, R = 4, E = lut_table_entries(tk);
        lut_packed p;
        pack_random(rng, {LUT_WFMT_INT, 3}, tk, 128, n, kd, &p);
        std::vector<lut_entry_t> tabs((size_t)R * p.nchunks * E, 0);
        for (int r = 0; r < R; r++)
            tabs[((size_t)r * p.nchunks + (size_t)r % p.nchunks) * E + (size_t)(r * 3) % E] =
                (lut_entry_t)(r + 1);
        EXPECT_EQ(compare_kernels(p, tabs, R), "");
        lut_packed_free(&p);
    }
}

// The whole GEMM with the SIMD kernel against the portable one.
TEST(LutKernelAvx2, GemmMatchesPortable)
{
    REQUIRE_AVX2();
    std::mt19937 rng(2024);
    struct Shape { lut_wtype wt; int tk, group, m, n, kd; };
    const Shape shapes[] = {
        {{LUT_WFMT_INT, 2}, 4, 128, 9, 512, 1024},
        {{LUT_WFMT_INT, 2}, 4, 128, 1, 1000, 2048},
        {{LUT_WFMT_TERNARY, 2}, 5, 64, 6, 333, 700},
        {{LUT_WFMT_INT, 4}, 3, 32, 5, 257, 515},
        {{LUT_WFMT_UINT, 8}, 2, 128, 3, 96, 1000},
        {{LUT_WFMT_BINARY, 1}, 4, 256, 7, 130, 1100},
        {{LUT_WFMT_INT, 2}, 4, 128, 5, 2085, 512}, // several column blocks and a tail
    };
    for (const Shape &s : shapes) {
        std::vector<int8_t> a((size_t)s.m * s.kd), w((size_t)s.n * s.kd);
        for (auto &x : a) x = (int8_t)(rng() & 0xff);
        for (auto &x : w) x = (int8_t)draw_weight(rng, s.wt);
        int ngroups = (s.kd + s.group - 1) / s.group;
        std::vector<int32_t> z2((size_t)s.n * ngroups);
        for (auto &z : z2) z = (int)(rng() % (unsigned)(2 * ((1 << s.wt.bits) - 1) + 1));
        std::vector<int32_t> c[2];
        for (int portable = 0; portable <= 1; portable++) {
            lut_gemm_cfg cfg;
            lut_gemm_cfg_default(&cfg, s.wt);
            cfg.tk = s.tk;
            cfg.group_size = s.group;
            cfg.portable = portable;
            lut_packed p;
            char err[256];
            ASSERT_EQ(lut_pack(&cfg, w.data(), s.n, s.kd, z2.data(), &p, err, sizeof err), 0) << err;
            c[portable].assign((size_t)s.m * s.n, 0x33333333);
            ASSERT_EQ(lut_gemm_i32(&p, a.data(), s.m, c[portable].data(), nullptr, err, sizeof err), 0)
                << err;
            lut_packed_free(&p);
        }
        EXPECT_TRUE(c[0] == c[1]) << name(s.wt) << " " << s.m << "x" << s.n << "x" << s.kd;
    }
}

#else

TEST(LutKernelAvx2, NotBuiltOnThisArchitecture)
{
    GTEST_SKIP() << "no AVX2 kernel on this architecture";
}

#endif
