// `lutsim gemm --quant Q --afmt F`: float weights quantized on the fly and
// float activations, on the C model and on the host engine.  The two write
// the same C.npy bytes and the same error figures; the errors the run
// reports are the ones this test measures itself against float64 products
// with the unquantized and the dequantized weights; bad requests are
// refused with one line and no output.
#include <gtest/gtest.h>

#include <jansson.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "fp_arith.h"
#include "lut_float.h"
#include "model_json.h"
#include "npy.h"
#include "npy_cli.h"
#include "quantize.h"
#include "run_argv.h"

namespace {

class GemmQuantCli : public testproc::NpyCli {
protected:
    std::string bytes(const std::string &name) { return testproc::slurp(p(name)); }
    json_t *stats(const std::string &name)
    {
        json_error_t je;
        json_t *s = json_load_file(p(name).c_str(), 0, &je);
        EXPECT_NE(s, nullptr) << name << ": " << je.text;
        return s;
    }
    static double num(json_t *o, const char *path1, const char *path2 = nullptr)
    {
        json_t *v = json_object_get(o, path1);
        if (path2)
            v = json_object_get(v, path2);
        EXPECT_NE(v, nullptr) << path1 << (path2 ? std::string(".") + path2 : "");
        return json_number_value(v);
    }
    // Runs base on both engines; C.npy bytes and the error keys must agree.
    void both_engines(const std::string &base)
    {
        std::string err;
        ASSERT_EQ(lutsim(base + " --out " + p("C.npy") + " --stats " + p("S.json"), &err), 0)
            << base << "\n" << err;
        EXPECT_NE(out.find("result check: exact"), std::string::npos) << out;
        ASSERT_EQ(lutsim(base + " --engine host --out " + p("H.npy") + " --stats " + p("T.json"),
                         &err), 0) << base << "\n" << err;
        EXPECT_NE(out.find("MAC/s"), std::string::npos) << out;
        EXPECT_EQ(bytes("C.npy"), bytes("H.npy")) << base;
        json_t *c = stats("S.json"), *h = stats("T.json");
        ASSERT_TRUE(c && h);
        EXPECT_STREQ(json_string_value(json_object_get(c, "engine")), "cmodel");
        EXPECT_STREQ(json_string_value(json_object_get(h, "engine")), "host");
        for (const char *k : {"max_abs", "rel_rms"})
            EXPECT_EQ(num(c, "error", k), num(h, "error", k)) << base << ": error." << k;
        EXPECT_EQ(num(c, "weight_sqnr_db"), num(h, "weight_sqnr_db"));
        EXPECT_STREQ(json_string_value(json_object_get(c, "afmt")),
                     json_string_value(json_object_get(h, "afmt")));
        json_decref(c);
        json_decref(h);
    }
};

// Seeded cases over presets (INT2-4, ternary, asymmetric, per-tensor,
// BitMoD) and float formats, shapes drawn so K is not a multiple of 128.
TEST_F(GemmQuantCli, HostAndCModelWriteTheSameBytes)
{
    std::mt19937 rng(20261203);
    const char *presets[] = { "W2A8", "W3A8", "W4A8", "W1.58A8", "W4A8-asym", "W3A8-bitmod",
                              "W4A8-bitmod", "W1.58A8-tensor" };
    const char *afmts[] = { "fp16", "bf16", "fp8e4m3", "fp8e5m2" };
    for (int i = 0; i < 6; i++) {
        const char *q = presets[rng() % 8], *f = afmts[rng() % 4];
        const int m = 1 + (int)(rng() % 7), n = 1 + (int)(rng() % 200);
        const int k = 129 + 2 * (int)(rng() % 200);
        both_engines("gemm --quiet --quant " + std::string(q) + " --afmt " + f + " --random " +
                     std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
                     " --seed " + std::to_string(i + 1));
    }
}

// From files: float32 weights, float16 activations rounded to bf16.  The
// reported errors equal the test's own float64 products: with the float
// weights, and with the weights quantize_matrix dequantizes.
TEST_F(GemmQuantCli, ReportedErrorsAreTheFloat64Ones)
{
    const int m = 4, n = 37, k = 301;
    std::mt19937 rng(11);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    std::vector<float> w((size_t)n * k);
    std::vector<uint16_t> a16((size_t)m * k);
    for (auto &v : w)
        v = 0.02f * gauss(rng);
    w[5] = 0.4f; // an outlier
    for (auto &v : a16)
        v = fp_f32_to_f16(gauss(rng));
    save("W.npy", NPY_FLOAT32, {n, k}, w.data());
    save("A.npy", NPY_FLOAT16, {m, k}, a16.data());
    const std::string base = "gemm --quiet --quant W3A8-bitmod --afmt bf16 --weight " + p("W.npy") +
                             " --act " + p("A.npy");
    both_engines(base);
    const std::vector<float> c = load_f32("C.npy");
    ASSERT_EQ(c.size(), (size_t)m * n);

    quant_preset q;
    char err[512];
    ASSERT_EQ(quant_from_name_or_file("W3A8-bitmod", &q, err, sizeof err), 0) << err;
    quant_result r;
    ASSERT_EQ(quantize_matrix(&q, w.data(), (uint64_t)n, (uint64_t)k, &r, err, sizeof err), 0)
        << err;
    auto error_vs = [&](const float *wt, double *rel, double *mx) {
        double se = 0, sr = 0;
        *mx = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double ref = 0;
                for (int t = 0; t < k; t++)
                    ref += (double)lut_afmt_round(LUT_AFMT_BF16, fp_f16_to_f32(a16[(size_t)i * k + t])) *
                           (double)wt[(size_t)j * k + t];
                const double e = (double)c[(size_t)i * n + j] - ref;
                se += e * e;
                sr += ref * ref;
                *mx = std::max(*mx, std::fabs(e));
            }
        *rel = std::sqrt(se / sr);
    };
    double rel_f, max_f, rel_d, max_d;
    error_vs(w.data(), &rel_f, &max_f);
    error_vs(r.deq, &rel_d, &max_d);
    quant_result_free(&r);
    json_t *s = stats("S.json");
    ASSERT_NE(s, nullptr);
    EXPECT_DOUBLE_EQ(num(s, "error", "max_abs"), max_d);
    EXPECT_DOUBLE_EQ(num(s, "error", "rel_rms"), rel_d);
    EXPECT_STREQ(json_string_value(json_object_get(json_object_get(s, "error"), "reference")),
                 "float64");
    EXPECT_DOUBLE_EQ(num(s, "rel_error_vs_float"), rel_f);
    EXPECT_DOUBLE_EQ(num(s, "max_abs_error_vs_float"), max_f);
    EXPECT_STREQ(json_string_value(json_object_get(s, "afmt")), "bf16");
    json_decref(s);
    // quantization, not arithmetic, dominates the error against float weights
    EXPECT_GT(rel_f, 10 * rel_d);
}

// One line on stderr naming the problem, a non-zero exit, no outputs.
TEST_F(GemmQuantCli, RefusesTheRtlAndBadInput)
{
    std::vector<float> w(8 * 260, 0.01f), a(3 * 260, 0.5f), ab(3 * 250, 0.5f);
    std::vector<int8_t> ai(3 * 260, 1);
    save("W.npy", NPY_FLOAT32, {8, 260}, w.data());
    save("A.npy", NPY_FLOAT32, {3, 260}, a.data());
    save("Ab.npy", NPY_FLOAT32, {3, 250}, ab.data());
    save("Ai.npy", NPY_INT8, {3, 260}, ai.data());
    const std::string io = " --quant W4A8 --weight " + p("W.npy") + " --out " + p("C.npy") +
                           " --stats " + p("S.json");
    auto rejected = [&](const std::string &args, const std::string &mention) {
        std::string err;
        EXPECT_NE(lutsim(args, &err), 0) << args;
        EXPECT_NE(err.find(mention), std::string::npos) << args << "\n" << err;
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
        EXPECT_NE(access(p("C.npy").c_str(), F_OK), 0) << args;
        EXPECT_NE(access(p("S.json").c_str(), F_OK), 0) << args;
    };
    for (const char *e : {"rtl", "both"})
        rejected("gemm --act " + p("A.npy") + io + " --afmt fp16 --engine " + e,
                 "--engine: with --quant cmodel or host");
    rejected("gemm --act " + p("A.npy") + io, "activations must be a 2-D int8 array");
    rejected("gemm --act " + p("Ai.npy") + io + " --afmt bf16",
             "activations must be a non-empty 2-D float32 or float16");
    rejected("gemm --act " + p("Ab.npy") + io + " --afmt fp16", "activations have 250 columns");
    rejected("gemm --act " + p("A.npy") + io + " --afmt fp7", "--afmt: expected int8, fp16");
    rejected("gemm --random 2x8x64 --quant W4A8 --afmt fp16 --engine host --timing-only",
             "the host engine computes values");
}

} // namespace
