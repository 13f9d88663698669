// test_trit5.cpp - ternary weights at 1.6 bits: the 5-trits-per-byte codec,
// loadt (the DMA through the trit5 decoder) bit-exact against the reference
// GEMM, timing-only against functional, and the DRAM bytes of a W1.58
// decode GEMV derived from the format by hand.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gemm.h"
#include "gemm_support.h"
#include "isa.h"
#include "lut_arith.h"
#include "model_json.h"
#include "quant_layout.h"
#include "ref_gemm.h"
#include "sim.h"
#include "trit5.h"

namespace {

const char *kTrit5 = R"({"wfmt": "ternary", "group_size": 128, "scale": "fp16",
                         "zero_point": "none", "packing": "trit5"})";

quant_preset preset(const char *json)
{
    quant_preset q;
    char err[512] = "";
    EXPECT_EQ(quant_from_json_string(json, "q.json", &q, err, sizeof err), 0) << err;
    return q;
}

gemm_shape trit5_shape(uint64_t m, int n, int k)
{
    gemm_shape s = {};
    s.m = m;
    s.n = n;
    s.kd = k;
    const quant_preset q = preset(kTrit5);
    quant_gemm_fields(&q, &s);
    return s;
}

} // namespace

// Every byte 0..242 unpacks to five trits that pack back to it, the trits
// are the base-3 digits (checked against the arithmetic, not the codec),
// and 243..255 are not codes.
TEST(Trit5, RoundTripAllCodes)
{
    for (int b = 0; b < 256; b++) {
        uint8_t t[5];
        if (b >= TRIT5_CODES) {
            EXPECT_NE(trit5_unpack((uint8_t)b, t), 0) << b;
            continue;
        }
        ASSERT_EQ(trit5_unpack((uint8_t)b, t), 0) << b;
        EXPECT_EQ(t[0] + 3 * t[1] + 9 * t[2] + 27 * t[3] + 81 * t[4], b);
        EXPECT_EQ(trit5_pack(t), b);
    }
}

// A row of planes (tk = 4, 4 columns: 16 weights, rb = 2 bytes) encodes
// to ceil(16 / 5) = 4 bytes and decodes to the same planes; a weight -2
// (INT2 code 0) has no trit.
TEST(Trit5, RowRoundTripAndRefusal)
{
    const int tk = 4;
    const uint64_t rb = 2;
    EXPECT_EQ(trit5_row_bytes(rb, tk), 4u); // 8 * 2 / 4 = 4 fields = 16 weights -> 4 bytes
    std::mt19937 rng(5);
    for (int iter = 0; iter < 200; iter++) {
        // build planes from random ternary codes with the array's fold
        uint8_t planes[4] = { 0 }, packed[4], back[4];
        for (int f = 0; f < 4; f++) {
            unsigned p0 = 0, p1 = 0;
            for (int k = 0; k < tk; k++) {
                const unsigned code = (unsigned)(rng() % 3) + 1u; // -1, 0, +1 as INT2 codes w + 2
                p0 |= (code & 1u) << k;
                p1 |= (code >> 1) << k;
            }
            lut_field_put(planes, (uint64_t)f, tk, lut_field_from_idx(lut_pattern_index(p0, tk), tk));
            lut_field_put(planes + rb, (uint64_t)f, tk,
                          lut_field_from_idx(lut_pattern_index(p1, tk), tk));
        }
        uint64_t bad = 0;
        ASSERT_EQ(trit5_encode_row(planes, rb, tk, tk, packed, &bad), 0);
        ASSERT_EQ(trit5_decode_row(packed, rb, tk, back, &bad), 0);
        EXPECT_EQ(std::memcmp(planes, back, sizeof planes), 0) << iter;
    }
    // weight -2 (code 0) at position 0, codes 2 (weight 0) elsewhere:
    // plane 0 all clear, plane 1 set but for bit 0
    uint8_t planes[4] = { 0 }, packed[4];
    lut_field_put(planes, 0, tk, lut_field_from_idx(lut_pattern_index(0x0, tk), tk));
    lut_field_put(planes + rb, 0, tk, lut_field_from_idx(lut_pattern_index(0xE, tk), tk));
    uint64_t bad = 99;
    EXPECT_NE(trit5_encode_row(planes, rb, tk, tk, packed, &bad), 0);
    EXPECT_EQ(bad, 0u);
    const uint8_t not_code[4] = { 243, 0, 0, 0 };
    EXPECT_NE(trit5_decode_row(not_code, rb, tk, planes, &bad), 0);
}

// The trit5 preset lowers its weight tiles to loadt, and a GEMM with
// trit5 weights is bit-exact against the reference in functional mode;
// the timing-only run gives the same statistics.
TEST(Trit5, GemmBitExactAndTimingEqualsFunctional)
{
    const arch_t a = gemmtest::pinned_quant_arch();
    struct { uint64_t m; int n, k; } shapes[] = { { 3, 200, 384 }, { 1, 64, 130 }, { 5, 320, 256 } };
    for (const auto &sh : shapes) {
        SCOPED_TRACE(std::to_string(sh.m) + "x" + std::to_string(sh.n) + "x" + std::to_string(sh.k));
        gemm_shape s = trit5_shape(sh.m, sh.n, sh.k);
        ASSERT_EQ(s.trit5, 1);
        program p;
        gemm_layout lay;
        char err[512] = "";
        ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
        size_t loadt = 0;
        for (size_t i = 0; i < p.n; i++)
            loadt += p.ins[i].op == OP_LOADT;
        EXPECT_GT(loadt, 0u);
        sim_stats fn = {}, tm = {};
        gemmtest::ternary_functional_exact(a, s, p, lay, 11, &fn);
        ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &tm, err, sizeof err), 0) << err;
        program_free(&p);
        EXPECT_EQ(fn.cycles, tm.cycles);
        EXPECT_EQ(fn.ev.dram_read_bytes, tm.ev.dram_read_bytes);
        EXPECT_EQ(fn.ev.dram_write_bytes, tm.ev.dram_write_bytes);
    }
}

// A weight of -2 cannot be stored as a trit: gemm_fill says so.
TEST(Trit5, FillRefusesNonTernary)
{
    const arch_t a = gemmtest::pinned_quant_arch();
    gemm_shape s = trit5_shape(1, 64, 128);
    gemm_layout lay;
    char err[512] = "";
    ASSERT_EQ(gemm_lower(&a, &s, nullptr, &lay, err, sizeof err), 0) << err;
    std::vector<int8_t> act((size_t)s.kd, 1), w((size_t)s.n * s.kd, 0);
    w[5 * s.kd + 7] = -2;
    std::vector<uint8_t> img(lay.image_bytes);
    EXPECT_NE(gemm_fill(&a, &s, &lay, act.data(), w.data(), nullptr, nullptr, img.data(), err,
                        sizeof err), 0);
    EXPECT_EQ(std::string(err).rfind("packing:", 0), 0u) << err;
}

// W1.58 q_proj decode, 1 x 4096 x 4096, groups of 128 with FP16 scales.
// The format: a weight tile of nt columns holds per chunk of tk weights
// along K one packed row of nt * tk trits, ceil(nt * tk / 5) bytes; a
// tile's rows (group / tk of them) are one loadt, which the memory moves
// in whole bursts.  Scales: 2 B per column and group; activations 4096 B
// in, int32 outputs 4 x 4096 B out.
TEST(Trit5, GemvDramBytesByHand)
{
    const arch_t a = gemmtest::pinned_quant_arch();
    gemm_shape s = trit5_shape(1, 4096, 4096);
    gemm_layout lay;
    char err[512] = "";
    program p;
    ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
    const uint64_t nt = (uint64_t)lay.nt, tk = (uint64_t)a.tile_k, K = 4096, N = 4096;
    ASSERT_EQ(N % nt, 0u);
    ASSERT_EQ(nt * tk % 8, 0u); // no padding fields in a plane row
    const uint64_t row = (nt * tk + 4) / 5;          // packed bytes per chunk row
    const uint64_t rows_per_tile = 128 / tk;         // chunks in a group
    const uint64_t tiles = (K / 128) * (N / nt);     // (group, column tile) pairs
    const uint64_t weights = tiles * rows_per_tile * row;
    EXPECT_EQ(lay.weight_bytes, weights);
    // within 0.1% of 1.6 bits per weight
    EXPECT_LT((double)weights, 1.001 * (double)(N * K) / 5);
    const uint64_t burst = (uint64_t)a.dram_burst;
    const uint64_t moved_w = tiles * ((rows_per_tile * row + burst - 1) / burst * burst);
    const uint64_t scales = N * (K / 128) * 2;
    EXPECT_EQ(lay.meta_bytes, scales);
    ASSERT_EQ(nt * 2 % burst, 0u); // a tile's scales are whole bursts
    sim_stats st = {};
    ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    program_free(&p);
    EXPECT_EQ(st.ev.dram_read_bytes, moved_w + scales + K);
    EXPECT_EQ(st.ev.dram_write_bytes, N * 4);
    // against the 2-plane layout the weights cross DRAM at 1.6 / 2 bits
    quant_bytes b;
    const quant_preset q = preset(kTrit5);
    quant_matrix_bytes(&q, N, K, &b);
    EXPECT_EQ(b.weight_bytes, (N * K + 4) / 5);
}
