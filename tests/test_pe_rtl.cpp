// test_pe_rtl.cpp - the baseline PEs of rtl/pe/ (Verilated) against C
// references of the arithmetic their headers define:
//  - pe_mac_fp16 (MW = 23): acc = acc + a x b, the FP16 product exact and
//    the FP32 add round-to-nearest-even, is what C's float computes for
//    acc + (float)a * (float)b with subnormal FP16 inputs flushed to zero
//    (the product of two FP16 normals has 22 bits: exact in float);
//  - pe_bitmod (DP 4, ACCW 64, G 3): the stated alignment, truncation and
//    shift-accumulate, reimplemented here; and, where no lane is truncated,
//    the exact real dot product (in double), including INT8 weights fed as
//    their radix-4 Booth digits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

#include "Vpe_bitmod.h"
#include "Vpe_mac_fp16.h"
#include "verilated.h"

double sc_time_stamp() { return 0; }

namespace {

// FP16 bits to float, subnormals (exponent field 0) flushed to signed zero.
float fp16_ftz(uint16_t h)
{
    const int e = (h >> 10) & 31;
    const float sign = (h & 0x8000) ? -1.0f : 1.0f;
    if (e == 0)
        return sign * 0.0f;
    return sign * std::ldexp(1.0f + (float)(h & 0x3ff) / 1024.0f, e - 15);
}

// FP16 bits to double with subnormals (the value pe_bitmod takes).
double fp16_full(uint16_t h)
{
    const int e = (h >> 10) & 31;
    const double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (e == 0)
        return sign * std::ldexp((double)(h & 0x3ff), -24);
    return sign * std::ldexp(1024.0 + (double)(h & 0x3ff), e - 25);
}

uint32_t float_bits(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

template <typename V> void tick(V *m)
{
    m->clk = 0;
    m->eval();
    m->clk = 1;
    m->eval();
}

template <typename V> void reset(V *m)
{
    m->rst = 1;
    m->en = 0;
    m->clear = 0;
    tick(m);
    m->rst = 0;
}

// A finite FP16 value: exponent field exp_lo..exp_hi (0 = zero/subnormal).
uint16_t rand_fp16(std::mt19937 &rng, int exp_lo, int exp_hi)
{
    std::uniform_int_distribution<int> e(exp_lo, exp_hi), f(0, 1023), s(0, 1);
    return (uint16_t)((s(rng) << 15) | (e(rng) << 10) | f(rng));
}

// Runs chains of (a, b) through the FP16 MAC and the float reference,
// comparing the accumulator's bits every cycle; returns the cycles checked.
long run_fp16(Vpe_mac_fp16 *m, std::mt19937 &rng, int exp_lo, int exp_hi, int chains, int len)
{
    long n = 0;
    for (int c = 0; c < chains; c++) {
        m->clear = 1;
        m->en = 0;
        tick(m);
        m->clear = 0;
        float ref = 0.0f;
        for (int i = 0; i < len; i++) {
            const uint16_t a = rand_fp16(rng, exp_lo, exp_hi), b = rand_fp16(rng, exp_lo, exp_hi);
            m->a = a;
            m->b = b;
            m->en = 1;
            tick(m);
            const float p = fp16_ftz(a) * fp16_ftz(b); // exact: 22 significant bits
            ref = ref + p;
            if (m->acc != float_bits(ref)) {
                ADD_FAILURE() << "chain " << c << " step " << i << ": a 0x" << std::hex << a
                              << " b 0x" << b << " RTL 0x" << m->acc << " reference 0x"
                              << float_bits(ref);
                return -1;
            }
            n++;
        }
    }
    return n;
}

} // namespace

TEST(PeMacFp16, RandomFiniteInputsMatchFloat)
{
    Vpe_mac_fp16 m;
    reset(&m);
    std::mt19937 rng(11);
    // the whole finite range (zeros and subnormals flushed): far alignments
    EXPECT_EQ(run_fp16(&m, rng, 0, 30, 400, 64), 400 * 64);
    // a narrow range with mixed signs: cancellations, normalising left
    // shifts, rounding at every step
    EXPECT_EQ(run_fp16(&m, rng, 13, 17, 800, 64), 800 * 64);
    // long chains of small values into a large sum: the sticky bit
    EXPECT_EQ(run_fp16(&m, rng, 5, 20, 20, 2000), 20 * 2000);
}

TEST(PeMacFp16, RoundsTiesToEven)
{
    Vpe_mac_fp16 m;
    reset(&m);
    auto mac = [&](uint16_t a, uint16_t b) {
        m.a = a;
        m.b = b;
        m.en = 1;
        tick(&m);
    };
    const uint16_t one = 0x3c00, two_m12 = 0x0c00; // 1.0, 2^-12
    mac(one, one);             // 1.0
    mac(two_m12, two_m12);     // + 2^-24, half an ulp of 1.0: a tie, stays 1.0 (even)
    EXPECT_EQ(m.acc, 0x3f800000u);
    mac(0x3c01, 0x3c00);       // + (1 + 2^-10): 2 + 2^-10, exact (ulp of 2 is 2^-22)
    EXPECT_EQ(m.acc, 0x40001000u);
    m.clear = 1;
    tick(&m);
    m.clear = 0;
    mac(one, one);             // 1.0
    mac(0x1000, 0x0c00);       // + 2^-11 x 2^-12 = 2^-23, one ulp: 1 + 2^-23 (odd)
    EXPECT_EQ(m.acc, 0x3f800001u);
    mac(two_m12, two_m12);     // + 2^-24: a tie on an odd significand rounds up
    EXPECT_EQ(m.acc, 0x3f800002u);
    m.clear = 1;
    tick(&m);
    m.clear = 0;
    mac(0x3c01, 0x3c00);       // 1 + 2^-10
    mac(0xbc01, 0x3c00);       // - (1 + 2^-10): exact cancellation gives +0
    EXPECT_EQ(m.acc, 0u);
    mac(0x0001, 0x3c00);       // a subnormal input is flushed: still +0
    EXPECT_EQ(m.acc, 0u);
}

namespace {

struct Term { int s, e, m; };

// The reference of pe_bitmod's arithmetic (its header): one cycle's
// contribution in accumulator units of 2^-(25 + G).
const int kDp = 4, kG = 3;
int64_t bitmod_cycle(const uint16_t act[kDp], const Term t[kDp], int pos)
{
    int man[kDp], ex[kDp], emax = 0;
    for (int i = 0; i < kDp; i++) {
        const int e = (act[i] >> 10) & 31;
        man[i] = t[i].m ? (((e != 0) << 10) | (act[i] & 0x3ff)) : 0;
        ex[i] = man[i] ? (e == 0 ? 1 : e) + t[i].e : 0;
        emax = ex[i] > emax ? ex[i] : emax;
    }
    int64_t sum = 0;
    for (int i = 0; i < kDp; i++) {
        const int64_t v = ((int64_t)man[i] << kG) >> (emax - ex[i]);
        sum += (t[i].s ^ (act[i] >> 15)) ? -v : v;
    }
    return (int64_t)((uint64_t)sum << (emax + pos));
}

void drive(Vpe_bitmod *m, const uint16_t act[kDp], const Term t[kDp], int pos)
{
    uint64_t a = 0;
    unsigned ws = 0, we = 0, wm = 0;
    for (int i = 0; i < kDp; i++) {
        a |= (uint64_t)act[i] << (16 * i);
        ws |= (unsigned)t[i].s << i;
        we |= (unsigned)t[i].e << (2 * i);
        wm |= (unsigned)t[i].m << i;
    }
    m->act = a;
    m->ws = ws;
    m->we = we;
    m->wm = wm;
    m->pos = pos;
    m->en = 1;
    tick(m);
}

void clear(Vpe_bitmod *m)
{
    m->clear = 1;
    m->en = 0;
    tick(m);
    m->clear = 0;
}

// Radix-4 Booth digits of an 8-bit two's-complement weight: w = sum d_j 4^j.
void booth(int w, int d[4])
{
    const unsigned u = (unsigned)w & 0xff;
    for (int j = 0; j < 4; j++) {
        const int lo = j ? (u >> (2 * j - 1)) & 1 : 0;
        d[j] = -2 * (int)((u >> (2 * j + 1)) & 1) + (int)((u >> (2 * j)) & 1) + lo;
    }
}

} // namespace

TEST(PeBitmod, RandomTermsMatchTheReference)
{
    Vpe_bitmod m;
    reset(&m);
    std::mt19937 rng(12);
    std::uniform_int_distribution<int> bit(0, 1), e2(0, 3), p3(0, 7), raw(0, 0xffff);
    for (int c = 0; c < 500; c++) {
        clear(&m);
        uint64_t ref = 0;
        for (int i = 0; i < 32; i++) {
            uint16_t act[kDp];
            Term t[kDp];
            for (int l = 0; l < kDp; l++) {
                act[l] = (uint16_t)raw(rng); // every code: subnormals, exponent 31
                t[l] = { bit(rng), e2(rng), bit(rng) };
            }
            const int pos = p3(rng);
            drive(&m, act, t, pos);
            ref += (uint64_t)bitmod_cycle(act, t, pos);
            ASSERT_EQ((uint64_t)m.acc, ref) << "chain " << c << " step " << i;
        }
    }
}

// With activation exponents within G of each other nothing is truncated:
// the accumulator is the exact dot product, here of INT8 weights fed as
// their Booth digits (4 cycles, positions 0, 2, 4, 6), computed in double.
TEST(PeBitmod, BoothInt8DotProductIsExact)
{
    Vpe_bitmod m;
    reset(&m);
    std::mt19937 rng(13);
    std::uniform_int_distribution<int> w8(-128, 127);
    for (int c = 0; c < 2000; c++) {
        clear(&m);
        double exact = 0;
        int d[kDp][4];
        uint16_t act[kDp];
        for (int l = 0; l < kDp; l++) {
            const int w = w8(rng);
            booth(w, d[l]);
            // exponent fields 14..16 and term exponents 0..1: E within 3 = G
            act[l] = rand_fp16(rng, 14, 16);
            exact += (double)w * fp16_full(act[l]);
        }
        for (int j = 0; j < 4; j++) {
            Term t[kDp];
            for (int l = 0; l < kDp; l++)
                t[l] = { d[l][j] < 0, std::abs(d[l][j]) == 2, d[l][j] != 0 };
            drive(&m, act, t, 2 * j);
        }
        ASSERT_EQ(std::ldexp((double)(int64_t)m.acc, -(25 + kG)), exact) << "case " << c;
    }
}

// Truncation is toward zero on each lane's magnitude: a lane far below the
// largest exponent is dropped whatever its sign.
TEST(PeBitmod, FarLanesAreTruncated)
{
    Vpe_bitmod m;
    reset(&m);
    const uint16_t act[kDp] = { 0x3c00, 0x0400, 0x8400, 0x3c00 }; // 1, 2^-14, -2^-14, 1
    const Term t[kDp] = { { 0, 0, 1 }, { 0, 0, 1 }, { 1, 0, 1 }, { 0, 0, 0 } };
    drive(&m, act, t, 0);
    EXPECT_EQ(std::ldexp((double)(int64_t)m.acc, -(25 + kG)), 1.0); // 1 + 2^-14 + 2^-14 -> 1
}
