// test_bitmod_lut.cpp - BitMoD's FP3 / FP4 weights executed on the LUT core:
// the grid values as signed INT4 / INT6 bit-planes, the dequant unit's
// BitMoD metadata (scale code x fp16 row scale, lut_meta.h code 8), held to a
// reference computed here from bitmod_types and to the timing-only run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "bitmod_types.h"
#include "fp_arith.h"
#include "gemm.h"
#include "gemm_support.h"
#include "lut_meta.h"
#include "quant_layout.h"
#include "quantize.h"
#include "sim.h"

namespace {

quant_preset bitmod_preset(int bits)
{
    quant_preset q = {};
    q.w = { LUT_WFMT_INT, bits };
    q.mixture = QUANT_MIX_BITMOD;
    q.group_size = 128;
    q.abits = 8;
    return q;
}

// Gaussian weights quantized by quantize_matrix (compiler/quantize.c).
struct bitmod_w {
    uint64_t n, k;
    quant_result r;
    std::vector<int8_t> grid;
};

void quantize_gauss(int bits, uint64_t n, uint64_t k, unsigned seed, bitmod_w *b)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 0.02f);
    std::vector<float> w(n * k);
    for (auto &v : w)
        v = nd(rng);
    const quant_preset q = bitmod_preset(bits);
    char err[256] = "";
    ASSERT_EQ(quantize_matrix(&q, w.data(), n, k, &b->r, err, sizeof err), 0) << err;
    b->n = n;
    b->k = k;
    b->grid.resize(n * k);
    quant_result_grid(&q, &b->r, b->grid.data());
}

// The reference: per group the exact integer dot product of the INT8
// activations with the grid values (bitmod_value of each code), scaled by
// scale code x row scale in binary32 and added to the row's sum in group
// order, the dequant unit's order (lut_dequant_acc: prod = s * dot, out + prod).
std::vector<float> reference(int bits, const bitmod_w &b, const std::vector<int8_t> &act,
                             uint64_t m)
{
    const uint64_t G = 128, ng = (b.k + G - 1) / G;
    std::vector<float> out(m * b.n);
    for (uint64_t r = 0; r < m; r++)
        for (uint64_t c = 0; c < b.n; c++) {
            float acc = 0.0f;
            for (uint64_t g = 0; g < ng; g++) {
                const bitmod_variant v = (bitmod_variant)b.r.variants[c * ng + g];
                int64_t dot = 0;
                for (uint64_t j = g * G; j < b.k && j < (g + 1) * G; j++)
                    dot += (int64_t)act[r * b.k + j] *
                           bitmod_value(bits, v, (uint8_t)b.r.codes[c * b.k + j]);
                const float row = fp_f16_to_f32(fp_f32_to_f16(b.r.row_scales[c]));
                const float s = (float)b.r.scale_codes[c * ng + g] * row;
                const float prod = s * (float)dot;
                acc = acc + prod;
            }
            out[r * b.n + c] = acc;
        }
    return out;
}

gemm_shape bitmod_shape(int bits, uint64_t m, int n, int k)
{
    gemm_shape s = {};
    s.m = m;
    s.n = n;
    s.kd = k;
    s.float_out = 1;
    const quant_preset q = bitmod_preset(bits);
    quant_lut_fields(&q, &s);
    return s;
}

struct run_out {
    std::vector<float> c;
    sim_stats fn, tm;
    gemm_layout lay;
};

void run_bitmod(const arch_t &a, int bits, const bitmod_w &b, const std::vector<int8_t> &act,
                uint64_t m, run_out *o)
{
    const gemm_shape s = bitmod_shape(bits, m, (int)b.n, (int)b.k);
    program p;
    char err[512] = "";
    ASSERT_EQ(gemm_lower(&a, &s, &p, &o->lay, err, sizeof err), 0) << err;
    std::vector<uint8_t> img(o->lay.image_bytes);
    ASSERT_EQ(gemm_fill_bitmod(&a, &s, &o->lay, act.data(), b.grid.data(), b.r.scale_codes,
                               b.r.row_scales, img.data(), err, sizeof err), 0) << err;
    sim_opts so = {};
    so.dram = img.data();
    so.dram_size = img.size();
    o->fn = {};
    o->tm = {};
    EXPECT_EQ(sim_run(&a, nullptr, &p, &so, &o->fn, err, sizeof err), 0) << err;
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &o->tm, err, sizeof err), 0) << err;
    program_free(&p);
    o->c.resize(m * b.n);
    std::memcpy(o->c.data(), img.data() + o->lay.c_addr, o->c.size() * 4);
}

std::vector<int8_t> random_act(uint64_t m, uint64_t k, unsigned seed)
{
    std::mt19937 rng(seed);
    std::vector<int8_t> act(m * k);
    for (auto &v : act)
        v = (int8_t)(rng() % 256);
    return act;
}

} // namespace

// Held-out shapes (odd m, n off the 64-column tile, a short last group):
// every float32 output bit for bit the reference's, and the timing-only run
// the functional run's cycles and traffic.
TEST(BitmodLut, GemmBitExactAndTimingOnly)
{
    const arch_t a = gemmtest::pinned_quant_arch();
    struct { int bits; uint64_t m; int n, k; } cases[] = {
        { 3, 5, 70, 384 }, { 4, 5, 70, 384 }, { 3, 3, 131, 200 }, { 4, 7, 33, 520 },
    };
    unsigned seed = 11;
    for (const auto &c : cases) {
        SCOPED_TRACE("FP" + std::to_string(c.bits) + " " + std::to_string(c.m) + "x" +
                     std::to_string(c.n) + "x" + std::to_string(c.k));
        bitmod_w b;
        quantize_gauss(c.bits, (uint64_t)c.n, (uint64_t)c.k, seed++, &b);
        const auto act = random_act(c.m, (uint64_t)c.k, seed++);
        run_out o;
        run_bitmod(a, c.bits, b, act, c.m, &o);
        const auto want = reference(c.bits, b, act, c.m);
        int bad = 0;
        for (size_t j = 0; j < want.size() && bad < 3; j++) {
            uint32_t g, r;
            std::memcpy(&g, &o.c[j], 4);
            std::memcpy(&r, &want[j], 4);
            if (g != r) {
                ADD_FAILURE() << "output " << j << ": " << o.c[j] << " vs " << want[j];
                bad++;
            }
        }
        EXPECT_EQ(o.fn.cycles, o.tm.cycles);
        EXPECT_EQ(o.fn.ev.dram_read_bytes, o.tm.ev.dram_read_bytes);
        // metadata: a scale code and the fp16 row scale per column and group
        const uint64_t ng = ((uint64_t)c.k + 127) / 128;
        EXPECT_EQ(o.lay.meta_bytes, 3 * (uint64_t)c.n * ng);
        // the GEMM agrees with the dequantized weights (a sanity bound, not
        // the exactness check above): |C - A W'^T| within float32 rounding
        for (uint64_t r = 0; r < c.m; r++)
            for (int col = 0; col < c.n; col++) {
                double d = 0, mag = 0;
                for (int j = 0; j < c.k; j++) {
                    const double p = (double)act[r * c.k + j] * b.r.deq[(size_t)col * c.k + j];
                    d += p;
                    mag += std::fabs(p);
                }
                EXPECT_NEAR(o.c[r * c.n + col], d, 1e-5 * mag + 1e-30);
            }
        quant_result_free(&b.r);
    }
}

// A compute-bound GEMM: the LUT array's busy cycles of FP4 (6 INT planes)
// over FP3 (4 planes) follow the look-up passes, and each equals the plain
// INT of its plane count.
TEST(BitmodLut, PlanesInCycles)
{
    arch_t a;
    arch_ideal(&a);
    const uint64_t m = 256;
    const int n = 512, k = 1024;
    uint64_t lut[2], intc[2];
    for (int i = 0; i < 2; i++) {
        const int bits = 3 + i;
        const gemm_shape s = bitmod_shape(bits, m, n, k);
        lut[i] = gemmtest::run_shape(a, nullptr, s).unit[UNIT_LUT].busy_cycles;
        const int planes = bits == 3 ? BITMOD_FP3_PLANES : BITMOD_FP4_PLANES;
        EXPECT_EQ(s.wtype.bits, planes);
        intc[i] = gemmtest::run(a, nullptr, lut_wtype{ LUT_WFMT_INT, planes }, m, n, k)
                      .unit[UNIT_LUT].busy_cycles;
    }
    ASSERT_GT(lut[0], 0u);
    EXPECT_EQ(lut[0], intc[0]);
    EXPECT_EQ(lut[1], intc[1]);
    EXPECT_EQ(lut[1] * BITMOD_FP3_PLANES, lut[0] * BITMOD_FP4_PLANES);
}

// The metadata format itself: code x row scale, the row scale rounded to fp16.
TEST(BitmodLut, MetaFormat)
{
    uint8_t meta[3 * 4] = {};
    char err[256] = "";
    ASSERT_EQ(lut_meta_put_bitmod(LUT_META_BITMOD, meta, 4, 2, 200, 1.0f / 3.0f, err, sizeof err),
              0) << err;
    int32_t corr;
    float sc;
    lut_meta_get(LUT_META_BITMOD, meta, 4, 2, 1, &corr, &sc);
    EXPECT_EQ(corr, -1);
    EXPECT_EQ(sc, 200.0f * fp_f16_to_f32(fp_f32_to_f16(1.0f / 3.0f)));
    EXPECT_EQ(lut_meta_tile_bytes(LUT_META_BITMOD, 64), 192u);
    EXPECT_NE(lut_meta_put_bitmod(LUT_META_BITMOD, meta, 4, 0, 1, -1.0f, err, sizeof err), 0);
    EXPECT_NE(lut_meta_put(LUT_META_BITMOD, meta, 4, 0, -1, 1.0f, 1, err, sizeof err), 0);
}

// What the run report counts for a BitMoD matrix on the LUT core is what the
// GEMM's layout stores: the INT planes and format 8's 3 B per column and group;
// BitMoD's own sizing (10 bits a group + 16 a row) stays for the mma arrays.
TEST(BitmodLut, BytesMatchLayout)
{
    const arch_t a = gemmtest::pinned_quant_arch();
    for (int bits : {3, 4}) {
        const quant_preset q = bitmod_preset(bits);
        const int n = 192, k = 1024;
        quant_bytes lut, own;
        quant_matrix_bytes_on(&q, 1, n, k, &lut);
        quant_matrix_bytes_on(&q, 0, n, k, &own);
        const gemm_shape s = bitmod_shape(bits, 4, n, k);
        gemm_layout lay;
        char err[256] = "";
        ASSERT_EQ(gemm_lower(&a, &s, nullptr, &lay, err, sizeof err), 0) << err;
        EXPECT_EQ(lut.weight_bytes, lay.weight_bytes);
        EXPECT_EQ(lut.meta_bytes, lay.meta_bytes);
        EXPECT_EQ(own.weight_bytes, (uint64_t)n * k * bits / 8);
        EXPECT_EQ(own.meta_bytes, ((uint64_t)n * (k / 128) * 10 + 7) / 8 + 2 * n);
    }
}
