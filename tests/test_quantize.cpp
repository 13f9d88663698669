// test_quantize.cpp - the quantizers as a library: BitMoD's datatypes
// (cmodel/bitmod_types.c) and the preset rules (compiler/quantize.c),
// checked against values worked out by hand from the formulas.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

extern "C" {
#include "bitmod_types.h"
#include "lut_meta.h"
#include "quantize.h"
}

namespace {

quant_preset Preset(lut_wfmt fmt, int bits, int group, int scale = LUT_SCALE_FP16)
{
    quant_preset q = {};
    q.w.fmt = fmt;
    q.w.bits = bits;
    q.group_size = group;
    q.scale = scale;
    q.abits = 8;
    q.kv_bits = 8;
    if (fmt == LUT_WFMT_UINT)
        q.zp_bits = 8;
    return q;
}

std::vector<int> Codes(const quant_preset &q, const std::vector<float> &w, std::vector<float> *deq)
{
    quant_result r;
    char err[256];
    EXPECT_EQ(quantize_matrix(&q, w.data(), 1, w.size(), &r, err, sizeof err), 0) << err;
    std::vector<int> c;
    for (size_t i = 0; i < w.size(); i++)
        c.push_back(lut_wtype_stored(q.w, r.codes[i]));
    if (deq)
        deq->assign(r.deq, r.deq + w.size());
    quant_result_free(&r);
    return c;
}

// The grids of the paper: FP3 {0, +-1, +-2, +-4}, FP4 E2M1 in halves, and
// the -0 code (sign set, magnitude 0) as +-3 / +-6 (FP3), +-5 / +-8 (FP4).
TEST(BitmodTypes, GridsAreThePapers)
{
    const int fp3_er_pos[8] = {0, 1, 2, 4, 3, -1, -2, -4};
    const int fp4_ea_neg[16] = {0, 1, 2, 3, 4, 6, 8, 12, -16, -1, -2, -3, -4, -6, -8, -12};
    for (unsigned c = 0; c < 8; c++)
        EXPECT_EQ(bitmod_value(3, BITMOD_ER_POS, c), fp3_er_pos[c]) << c;
    for (unsigned c = 0; c < 16; c++)
        EXPECT_EQ(bitmod_value(4, BITMOD_EA_NEG, c), fp4_ea_neg[c]) << c;
    EXPECT_EQ(bitmod_value(3, BITMOD_ER_NEG, 4), -3);
    EXPECT_EQ(bitmod_value(3, BITMOD_EA_POS, 4), 6);
    EXPECT_EQ(bitmod_value(4, BITMOD_ER_POS, 8), 10); // +5 in halves
    EXPECT_EQ(bitmod_vmax(3, BITMOD_ER_POS), 4);
    EXPECT_EQ(bitmod_vmax(3, BITMOD_EA_NEG), 6);
    EXPECT_EQ(bitmod_vmax(4, BITMOD_ER_NEG), 12);
    EXPECT_EQ(bitmod_vmax(4, BITMOD_EA_POS), 16);
}

TEST(BitmodTypes, NearestValueTiesToSmallerMagnitude)
{
    // FP4 grid ... 4, 6 ...: 5 is half way, goes to 4; 5.01 to 6
    EXPECT_EQ(bitmod_value(4, BITMOD_EA_POS, bitmod_encode(4, BITMOD_EA_POS, 5.0f)), 4);
    EXPECT_EQ(bitmod_value(4, BITMOD_EA_POS, bitmod_encode(4, BITMOD_EA_POS, 5.01f)), 6);
    // with ER+ the special +10 sits between 8 and 12: 9 ties to 8, 11 to 10
    EXPECT_EQ(bitmod_value(4, BITMOD_ER_POS, bitmod_encode(4, BITMOD_ER_POS, 9.0f)), 8);
    EXPECT_EQ(bitmod_value(4, BITMOD_ER_POS, bitmod_encode(4, BITMOD_ER_POS, 11.0f)), 10);
    // FP3 -3 only in ER-: -2.5 goes to -2 (tie), -2.6 to -3; beyond vmax clips
    EXPECT_EQ(bitmod_value(3, BITMOD_ER_NEG, bitmod_encode(3, BITMOD_ER_NEG, -2.5f)), -2);
    EXPECT_EQ(bitmod_value(3, BITMOD_ER_NEG, bitmod_encode(3, BITMOD_ER_NEG, -2.6f)), -3);
    EXPECT_EQ(bitmod_value(3, BITMOD_ER_NEG, bitmod_encode(3, BITMOD_ER_NEG, 9.0f)), 4);
}

// A group whose one large weight is positive picks extra asymmetry on
// that side; mirrored, the negative variant.
TEST(BitmodTypes, VariantFollowsTheOutlier)
{
    std::vector<float> w(128);
    for (int i = 0; i < 128; i++)
        w[i] = (float)((i % 5) - 2); // -2 .. 2: on FP3's grid at scale 1
    w[7] = 6.0f;  // on EA+'s grid at scale 1; ER+ needs scale 1.5, EA- has no +6
    const float rs = bitmod_row_scale(3, 6.0f);
    bitmod_group g;
    bitmod_quant_group(3, w.data(), 128, rs, &g, nullptr, nullptr);
    EXPECT_EQ(g.variant, BITMOD_EA_POS);
    for (float &x : w)
        x = -x;
    bitmod_quant_group(3, w.data(), 128, rs, &g, nullptr, nullptr);
    EXPECT_EQ(g.variant, BITMOD_EA_NEG);
    // the row scale is FP16, rounded up so code 255 reaches the row maximum
    EXPECT_GE(255.0f * rs * 4.0f, 6.0f);
    EXPECT_LT(255.0f * rs * 4.0f, 6.0f * (1.0f + 1.0f / 1024));
}

// INT4, absmax 7 -> scale 1 exactly: halves round to even, both ways.
TEST(Quantize, IntRoundHalfEven)
{
    const quant_preset q = Preset(LUT_WFMT_INT, 4, 8);
    std::vector<float> deq;
    std::vector<int> c = Codes(q, {7.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f}, &deq);
    std::vector<int> want = {7, 0, 2, 2, 0, -2, -2, 3};
    EXPECT_EQ(c, want);
    EXPECT_EQ(deq[2], 2.0f);
}

// A power-of-two scale can fall below absmax / 7: 7.5 -> s = 1 (log2 of
// 7.5 / 7 is 0.1), 7.5 / 1 rounds to 8 and clips to 7; -7.5 -> -8 fits.
TEST(Quantize, IntClipsToTheCodeRange)
{
    const quant_preset q = Preset(LUT_WFMT_INT, 4, 4, LUT_SCALE_E8);
    std::vector<float> deq;
    std::vector<int> c = Codes(q, {7.5f, -7.5f, 1.0f, 0.0f}, &deq);
    std::vector<int> want = {7, -8, 1, 0};
    EXPECT_EQ(c, want);
    EXPECT_EQ(deq[0], 7.0f);
    EXPECT_EQ(deq[1], -8.0f);
}

// absmean 1: 0.5 -> 0 (even), 1.5 -> 2 -> clipped to 1, -2 -> -1.
TEST(Quantize, TernaryAbsmeanAndClip)
{
    const quant_preset q = Preset(LUT_WFMT_TERNARY, 2, 4);
    std::vector<float> deq;
    std::vector<int> c = Codes(q, {0.5f, 1.5f, -2.0f, 0.0f}, &deq);
    std::vector<int> want = {0, 1, -1, 0};
    EXPECT_EQ(c, want);
    EXPECT_EQ(deq[1], 1.0f);
}

// min -1, max 2 -> s = 3 / 15 = 0.2 (fp16 0.19995), z = rne(1 / s) = 5.
TEST(Quantize, AsymmetricZeroPoint)
{
    const quant_preset q = Preset(LUT_WFMT_UINT, 4, 4);
    quant_result r;
    char err[256];
    const float w[4] = {-1.0f, 2.0f, 0.0f, 0.1f};
    ASSERT_EQ(quantize_matrix(&q, w, 1, 4, &r, err, sizeof err), 0) << err;
    EXPECT_EQ(r.zeros[0], 5);
    EXPECT_EQ(r.scales[0], lut_scale_round(LUT_SCALE_FP16, 3.0f / 15.0f));
    EXPECT_EQ((int)(uint8_t)r.codes[0], 0);  // -1 / s = -5.0012 -> -5, + 5
    EXPECT_EQ((int)(uint8_t)r.codes[1], 15); // 10.0006 -> 10, + 5
    EXPECT_EQ((int)(uint8_t)r.codes[2], 5);
    quant_result_free(&r);
}

TEST(Quantize, BinarySignAndZeroGroups)
{
    const quant_preset q = Preset(LUT_WFMT_BINARY, 1, 2);
    std::vector<float> deq;
    std::vector<int> c = Codes(q, {-3.0f, 1.0f, 0.0f, 0.0f}, &deq);
    std::vector<int> want = {-1, 1, 1, 1};
    EXPECT_EQ(c, want);
    EXPECT_EQ(deq[0], -2.0f); // absmean of the group
    EXPECT_EQ(deq[2], 0.0f);  // a zero group dequantizes to 0
}

TEST(Quantize, NonFiniteWeightIsAnError)
{
    const quant_preset q = Preset(LUT_WFMT_INT, 4, 2);
    const float w[4] = {1.0f, 2.0f, NAN, 0.0f};
    quant_result r;
    char err[256];
    EXPECT_NE(quantize_matrix(&q, w, 2, 2, &r, err, sizeof err), 0);
    EXPECT_STREQ(err, "weight at row 1, column 0 is not finite");
}

} // namespace
