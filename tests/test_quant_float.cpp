// Quantized float weights (compiler/quantize.c) with float activations on
// the LUT core: the host engine (quant_gemm_host) and the C model give the
// same float32 bits, and timing-only and functional runs the same cycles,
// for every float activation format and the INT2-4, ternary, asymmetric
// and BitMoD presets.  Held-out cases drawn from a seed.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gemm.h"
#include "lut_float.h"
#include "model_json.h"
#include "quant_gemm.h"
#include "quant_layout.h"
#include "quantize.h"
#include "sim.h"

namespace {

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
    ASSERT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    gemm_shape s;
    quant_gemm_shape(&q, (uint64_t)m, n, k, &s);
    program p;
    gemm_layout lay;
    ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
    std::vector<uint8_t> img(lay.image_bytes);
    ASSERT_EQ(quant_gemm_fill(&a, &q, &s, &lay, (const int8_t *)act.data(), &r, img.data(), err,
                              sizeof err), 0) << err;
    sim_opts o = {};
    o.dram = img.data();
    o.dram_size = img.size();
    sim_stats fun, tim;
    ASSERT_EQ(sim_run(&a, nullptr, &p, &o, &fun, err, sizeof err), 0) << err;
    ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &tim, err, sizeof err), 0) << err;
    program_free(&p);
    EXPECT_EQ(fun.cycles, tim.cycles);
    std::vector<float> cm((size_t)m * n), host((size_t)m * n);
    std::memcpy(cm.data(), img.data() + lay.c_addr, cm.size() * 4);
    quant_gemm_finish(&q, &r, (uint64_t)m, cm.data());
    ASSERT_EQ(quant_gemm_host(&a, &q, &s, act.data(), &r, host.data(), nullptr, err, sizeof err),
              0) << err;
    EXPECT_EQ(std::memcmp(host.data(), cm.data(), cm.size() * 4), 0) << "host and C model differ";
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
}

} // namespace
