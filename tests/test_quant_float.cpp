// Quantized float weights (compiler/quantize.c) with float activations on
// the LUT core: the host engine (quant_gemm_host) and the C model give the
// same float32 bits, and timing-only and functional runs the same cycles,
// for every float activation format and the INT2-4, ternary, asymmetric
// and BitMoD presets, each output within the bound float_bound.h derives
// of the float64 product with the dequantized weights.  Held-out cases
// drawn from a seed, the table format drawn per case.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "float_bound.h"
#include "gemm.h"
#include "gemm_support.h"
#include "lut_float.h"
#include "model_json.h"
#include "quant_gemm.h"
#include "quant_layout.h"
#include "quantize.h"
#include "sim.h"

namespace {

double worst = 0; // the largest error / bound seen, printed at the end

// Every output against the float64 product of the rounded activations and
// r.deq: the core's bound on the stored values times the scales the dq
// unit reads, plus one rounding of each dequantized weight (u |a w'|),
// plus, for a per-tensor preset, the final scale product (2u |out|).
void check_bound(const arch_t &a, const quant_preset &q, const gemm_shape &s, const quant_result &r,
                 lut_afmt af, const std::vector<uint8_t> &act, const std::vector<float> &out)
{
    char err[512] = "";
    lut_packed pk;
    float *scx = nullptr;
    ASSERT_EQ(quant_gemm_operands(&a, &q, &s, &r, &pk, &scx, err, sizeof err), 0) << err;
    const int m = (int)s.m, n = s.n, k = s.kd, G = pk.ngroups;
    const double u = std::ldexp(1.0, -24);
    std::vector<float> row(k);
    for (int i = 0; i < m && !::testing::Test::HasFailure(); i++) {
        for (int t = 0; t < k; t++)
            row[t] = lut_afmt_load(act.data(), af, (uint64_t)i * k + t);
        for (int j = 0; j < n; j++) {
            double ref = 0, mag = 0;
            for (int t = 0; t < k; t++) {
                ref += (double)row[t] * r.deq[(size_t)j * k + t];
                mag += std::fabs((double)row[t] * r.deq[(size_t)j * k + t]);
            }
            double b = floattest::core_bound(pk, (lut_tfmt)a.table_fmt, row.data(),
                                             scx + (size_t)j * G, j);
            if (q.per_tensor)
                b = b * std::fabs(r.scales[j]) + 2 * u * std::fabs(ref);
            b += u * mag + floattest::reference_bound(k, mag);
            const double e = std::fabs(out[(size_t)i * n + j] - ref);
            worst = std::max(worst, e / b);
            if (e > b) {
                ADD_FAILURE() << "[" << i << "][" << j << "]: error " << e << " > bound " << b;
                break;
            }
        }
    }
    lut_packed_free(&pk);
    free(scx);
}

void check(lut_afmt af, const char *preset, std::mt19937 &rng, bool outliers)
{
    SCOPED_TRACE(std::string(lut_afmt_name(af)) + " x " + preset);
    char err[512] = "";
    quant_preset q;
    ASSERT_EQ(quant_from_name_or_file(preset, &q, err, sizeof err), 0) << err;
    const int m = 1 + (int)(rng() % 6), n = 1 + (int)(rng() % 150);
    int k = 129 + (int)(rng() % 300);
    if (k % 128 == 0)
        k++; // K not a multiple of the group
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    std::vector<float> w((size_t)n * k);
    for (auto &v : w)
        v = 0.02f * gauss(rng);
    if (outliers)
        for (int i = 0; i < n; i++)
            w[(size_t)i * k + rng() % (unsigned)k] = 0.5f;
    std::vector<uint8_t> act((size_t)m * k * lut_afmt_bytes(af));
    for (size_t j = 0; j < (size_t)m * k; j++)
        lut_afmt_store(act.data(), af, j, 2.0f * gauss(rng));
    quant_result r;
    ASSERT_EQ(quantize_matrix(&q, w.data(), (uint64_t)n, (uint64_t)k, &r, err, sizeof err), 0)
        << err;
    arch_t a0, a;
    arch_default(&a0);
    quant_preset q2 = q;
    q2.abits = 8;
    ASSERT_EQ(quant_arch(&a0, &q2, &a, err, sizeof err), 0) << err;
    arch_set_act_fmt(&a, af);
    const lut_tfmt tfs[] = { LUT_TFMT_FP16, LUT_TFMT_FP32, LUT_TFMT_INT8 };
    a.table_fmt = tfs[rng() % 3];
    SCOPED_TRACE(std::string(lut_tfmt_name((lut_tfmt)a.table_fmt)) + " tables");
    ASSERT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    gemm_shape s;
    quant_gemm_shape(&q, (uint64_t)m, n, k, &s);
    gemm_layout lay;
    std::vector<uint8_t> img;
    gemmtest::run_lowered(a, s, &lay, &img, [&](const gemm_layout &l, uint8_t *im, char *e, size_t len) {
        return quant_gemm_fill(&a, &q, &s, &l, (const int8_t *)act.data(), &r, im, e, len);
    });
    if (::testing::Test::HasFatalFailure()) {
        quant_result_free(&r);
        return;
    }
    std::vector<float> cm((size_t)m * n), host((size_t)m * n);
    std::memcpy(cm.data(), img.data() + lay.c_addr, cm.size() * 4);
    quant_gemm_finish(&q, &r, (uint64_t)m, cm.data());
    ASSERT_EQ(quant_gemm_host(&a, &q, &s, act.data(), &r, host.data(), nullptr, err, sizeof err),
              0) << err;
    EXPECT_EQ(std::memcmp(host.data(), cm.data(), cm.size() * 4), 0) << "host and C model differ";
    check_bound(a, q, s, r, af, act, cm);
    quant_result_free(&r);
}

TEST(QuantFloat, HostEqualsCModelBitForBit)
{
    std::mt19937 rng(20261202);
    const lut_afmt afs[] = { LUT_AFMT_FP16, LUT_AFMT_BF16, LUT_AFMT_FP8E4M3, LUT_AFMT_FP8E5M2 };
    const char *presets[] = { "W2A8", "W3A8", "W4A8", "W1.58A8", "W4A8-asym", "W3A8-bitmod",
                              "W4A8-bitmod", "W1.58A8-tensor" };
    for (lut_afmt af : afs)
        for (const char *pr : presets)
            for (bool outl : { false, true })
                check(af, pr, rng, outl);
    std::printf("largest error against float64: %.3f of the derived bound\n", worst);
    EXPECT_GT(worst, 0.0); // the check compared something
}

} // namespace
