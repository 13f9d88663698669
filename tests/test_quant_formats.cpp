// test_quant_formats.cpp - quantization formats as presets declare them:
// stored bytes by hand, metadata in every scale type bit-exact against the
// reference, timing-only against functional, and preset errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gemm.h"
#include "gemm_support.h"
#include "lut_meta.h"
#include "mapper.h"
#include "model_json.h"
#include "quant_layout.h"
#include "ref_gemm.h"
#include "run_argv.h"
#include "sim.h"

namespace {

arch_t pinned_arch() { return gemmtest::pinned_quant_arch(); }

quant_preset preset(const std::string &json)
{
    quant_preset q;
    char err[512] = "";
    EXPECT_EQ(quant_from_json_string(json.c_str(), "q.json", &q, err, sizeof err), 0) << err;
    return q;
}

std::string preset_error(const std::string &json)
{
    quant_preset q;
    char err[512] = "";
    EXPECT_NE(quant_from_json_string(json.c_str(), "q.json", &q, err, sizeof err), 0) << json;
    return err;
}

// DRAM bytes one timing-only run of the GEMM q gives an m x n x k shape moves.
uint64_t simulated_bytes(const arch_t &a, const quant_preset &q, uint64_t m, int n, int k,
                         gemm_layout *lay)
{
    gemm_shape s = {};
    s.m = m;
    s.n = n;
    s.kd = k;
    quant_gemm_fields(&q, &s);
    program p;
    char err[512] = "";
    sim_stats st = {};
    EXPECT_EQ(gemm_lower(&a, &s, &p, lay, err, sizeof err), 0) << err;
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    program_free(&p);
    EXPECT_EQ(mapper_compulsory_bytes(&a, &s), st.ev.dram_read_bytes + st.ev.dram_write_bytes);
    return st.ev.dram_read_bytes + st.ev.dram_write_bytes;
}

const char *kW4 = R"({"wfmt": "int", "wbits": 4, "group_size": 128, "scale": "fp16"})";

} // namespace

// The worked example: a 1 x 4096 x 4096 W4 GEMV, groups of 128 with one
// FP16 scale each and no zero-point: 8 MiB of weights, 4096 x 32 x 2 B of
// scales, 4 KiB of INT8 activations in and 16 KiB of int32 results out.
TEST(QuantFormats, W4FP16GemvBytesByHand)
{
    const arch_t a = pinned_arch();
    const quant_preset q = preset(kW4);
    quant_bytes b;
    quant_matrix_bytes(&q, 4096, 4096, &b);
    EXPECT_EQ(b.weight_bytes, 8u << 20);
    EXPECT_EQ(b.groups, 4096u * 32);
    EXPECT_EQ(b.meta_bytes, 4096u * 32 * 2);
    gemm_layout lay;
    const uint64_t moved = simulated_bytes(a, q, 1, 4096, 4096, &lay);
    EXPECT_EQ(lay.weight_bytes, 8u << 20);
    EXPECT_EQ(lay.meta_bytes, 4096u * 32 * 2);
    EXPECT_EQ(moved, (8u << 20) + 4096u * 32 * 2 + 4096 + 4096 * 4);
}

// Bytes per group of each scale / zero-point combination, per-channel and
// per-tensor groups, on a 1 x 512 x 1024 W2 GEMV (weights 128 KiB).
TEST(QuantFormats, MetadataBytesFollowTheFormat)
{
    const arch_t a = pinned_arch();
    struct { const char *keys; uint64_t meta; } cases[] = {
        { R"("wfmt": "int", "group_size": 128, "scale": "fp16")", 512 * 8 * 2 },
        { R"("wfmt": "int", "group_size": 128, "scale": "bf16")", 512 * 8 * 2 },
        { R"("wfmt": "int", "group_size": 128, "scale": "fp32")", 512 * 8 * 4 },
        { R"("wfmt": "int", "group_size": 128, "scale": "int8_exp")", 512 * 8 * 1 },
        { R"("wfmt": "int", "group_size": 256, "scale": "fp16")", 512 * 4 * 2 },
        { R"("wfmt": "uint", "group_size": 128, "scale": "fp16", "zero_point": "int8")",
          512 * 8 * 3 },
        { R"("wfmt": "int", "group_size": 128, "scale": "fp32", "zero_point": "int32")",
          512 * 8 * 8 },
        { R"("wfmt": "int", "group_size": "channel", "scale": "fp16")", 512 * 2 },
        { R"("wfmt": "int", "group_size": 0, "scale": "bf16")", 512 * 2 },
        { R"("wfmt": "int", "group_size": "tensor", "scale": "fp16")", 0 },
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.keys);
        const quant_preset q = preset(std::string("{\"wbits\": 2, ") + c.keys + "}");
        gemm_layout lay;
        const uint64_t moved = simulated_bytes(a, q, 1, 512, 1024, &lay);
        EXPECT_EQ(lay.weight_bytes, 512u * 1024 * 2 / 8);
        EXPECT_EQ(lay.meta_bytes, c.meta);
        EXPECT_EQ(moved, 512u * 1024 * 2 / 8 + c.meta + 1024 + 512 * 4);
        quant_bytes b;
        quant_matrix_bytes(&q, 512, 1024, &b);
        // per-tensor: the matrix's one FP16 scale, applied outside the GEMM
        EXPECT_EQ(b.meta_bytes, c.meta ? c.meta : 2u);
    }
}

// Ternary is stored as 2-bit codes (1 x 512 x 1024: 128 KiB), or 5 trits
// per byte (packing trit5, tests/test_trit5.cpp), which needs ternary
// weights without a zero-point.
TEST(QuantFormats, TernaryStorage)
{
    const quant_preset q = preset(R"({"wfmt": "ternary", "group_size": 128})");
    quant_bytes b;
    quant_matrix_bytes(&q, 512, 1024, &b);
    EXPECT_EQ(b.weight_bytes, 512u * 1024 / 4);
    EXPECT_EQ(b.meta_bytes, 512u * 8 * 2);
    quant_preset p = q;
    p.packing = QUANT_PACK_TRIT5;
    quant_matrix_bytes(&p, 512, 1024, &b);
    EXPECT_EQ(b.weight_bytes, (512u * 1024 + 4) / 5); // 1.6 bits per weight
    EXPECT_NE(preset_error(R"({"wfmt": "ternary", "zero_point": "int32", "scale": "fp32", "packing": "trit5"})")
                  .find("packing:"),
              std::string::npos);
}

TEST(QuantFormats, PresetErrorsNameFileAndKey)
{
    struct { const char *json, *want; } cases[] = {
        { R"({"wfmt": "int", "wbits": 4, "scale": "fp8"})", "q.json: scale: expected one of" },
        { R"({"wfmt": "int", "wbits": 4, "zero_point": "int8"})", "q.json: zero_point:" },
        { R"({"wfmt": "uint", "wbits": 4})", "q.json: zero_point: uint weights need one" },
        { R"({"wfmt": "uint", "wbits": 8, "zero_point": "int8"})", "q.json: zero_point:" },
        { R"({"wfmt": "uint", "wbits": 4, "scale": "bf16", "zero_point": "int8"})",
          "q.json: zero_point:" },
        { R"({"wfmt": "int", "wbits": 4, "group_size": "row"})", "q.json: group_size:" },
        { R"({"wfmt": "int", "wbits": 4, "group_size": -3})", "q.json: group_size:" },
        { R"({"wfmt": "ternary", "group_size": "tensor", "zero_point": "int8"})",
          "q.json: zero_point:" },
        { R"({"wfmt": "int", "wbits": 4, "packing": "trit5"})", "q.json: packing:" },
        { R"({"wfmt": "int", "wbits": 4, "zero_pt": "none"})", "q.json: zero_pt: unknown key" },
    };
    for (const auto &c : cases) {
        const std::string e = preset_error(c.json);
        EXPECT_EQ(e.rfind(c.want, 0), 0u) << c.json << " -> " << e;
        EXPECT_EQ(e.find('\n'), std::string::npos);
    }
}

// Every metadata code: float dequantization on the LUT path equals the
// reference GEMM with the scales rounded to the stored type, bit for bit;
// timing-only moves the same bytes in the same cycles.
TEST(QuantFormats, FunctionalBitExactPerScaleType)
{
    const arch_t a = pinned_arch();
    struct { int code; lut_wtype wt; } cases[] = {
        { 0, { LUT_WFMT_INT, 3 } },     { 1, { LUT_WFMT_INT, 4 } },
        { 2, { LUT_WFMT_INT, 2 } },     { 3, { LUT_WFMT_INT, 4 } },
        { 4, { LUT_WFMT_INT, 4 } },     { 5, { LUT_WFMT_INT, 2 } },
        { 6, { LUT_WFMT_UINT, 4 } },    { 7, { LUT_WFMT_UINT, 3 } },
        { 1, { LUT_WFMT_TERNARY, 2 } }, { 4, { LUT_WFMT_BINARY, 1 } },
    };
    std::mt19937 rng(7);
    for (const auto &c : cases) {
        lut_scale_type st;
        int zp;
        lut_meta_fmt(c.code, &st, &zp);
        SCOPED_TRACE("mfmt " + std::to_string(c.code) + " wfmt " + lut_wfmt_name(c.wt.fmt));
        gemm_shape s = {};
        s.wtype = c.wt;
        s.group_size = 32;
        s.m = 5;
        s.n = 70;
        s.kd = 96;
        s.float_out = 1;
        s.mfmt = c.code;
        const int ng = s.kd / s.group_size;
        std::vector<int8_t> act((size_t)s.m * s.kd), w((size_t)s.n * s.kd);
        std::vector<int32_t> z2((size_t)s.n * ng);
        std::vector<float> sc((size_t)s.n * ng);
        int lo, hi;
        lut_wtype_range(c.wt, &lo, &hi);
        for (auto &v : act)
            v = (int8_t)(rng() % 256);
        for (auto &v : w)
            do
                v = (int8_t)(lo + (int)(rng() % (unsigned)(hi - lo + 1)));
            while (!lut_wtype_admits(c.wt, v));
        for (auto &z : z2)
            z = 2 * (int)(rng() % (unsigned)(1 << c.wt.bits));
        for (auto &f : sc) // not representable in FP16 / BF16 / as 2^e
            f = std::ldexp(1.0f + (float)(rng() % 100000) / 77777.0f, -(int)(rng() % 12));
        const int32_t *zp2 = c.wt.fmt == LUT_WFMT_UINT ? z2.data() : nullptr;
        program p;
        gemm_layout lay;
        char err[512] = "";
        ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
        std::vector<uint8_t> img(lay.image_bytes);
        ASSERT_EQ(gemm_fill(&a, &s, &lay, act.data(), w.data(), zp2, sc.data(), img.data(), err,
                            sizeof err), 0) << err;
        sim_opts o = {};
        o.dram = img.data();
        o.dram_size = img.size();
        sim_stats fn = {}, tm = {};
        ASSERT_EQ(sim_run(&a, nullptr, &p, &o, &fn, err, sizeof err), 0) << err;
        ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &tm, err, sizeof err), 0) << err;
        program_free(&p);
        EXPECT_EQ(fn.cycles, tm.cycles);
        EXPECT_EQ(fn.ev.dram_read_bytes, tm.ev.dram_read_bytes);
        EXPECT_EQ(lay.meta_bytes, lut_meta_tile_bytes(c.code, (uint64_t)s.n * ng));
        std::vector<float> want((size_t)s.m * s.n);
        ref_gemm_f32_stored(c.wt, act.data(), w.data(), zp2, sc.data(), st, s.group_size,
                            (int)s.m, s.n, s.kd, want.data());
        int bad = 0;
        for (size_t j = 0; j < want.size() && bad < 3; j++) {
            uint32_t g, r;
            std::memcpy(&g, img.data() + lay.c_addr + 4 * j, 4);
            std::memcpy(&r, &want[j], 4);
            if (g != r) {
                ADD_FAILURE() << "output " << j << " differs";
                bad++;
            }
        }
    }
}

// The stored representations themselves.
TEST(QuantFormats, ScaleRounding)
{
    EXPECT_EQ(lut_scale_round(LUT_SCALE_FP16, 1.0f + 1.0f / 2048), 1.0f);  // RNE: tie to even
    EXPECT_EQ(lut_scale_round(LUT_SCALE_FP16, 1.0f + 3.0f / 2048), 1.0f + 1.0f / 512);
    EXPECT_EQ(lut_scale_round(LUT_SCALE_BF16, 1.0f + 1.0f / 256), 1.0f);   // tie to even
    EXPECT_EQ(lut_scale_round(LUT_SCALE_E8, 0.7f), 0.5f);                  // < 2^-0.5
    EXPECT_EQ(lut_scale_round(LUT_SCALE_E8, 0.71f), 1.0f);                 // > 2^-0.5
    EXPECT_EQ(lut_scale_round(LUT_SCALE_E8, 3.0e-3f), 1.0f / 256);
    EXPECT_EQ(lut_scale_round(LUT_SCALE_NONE, 3.0f), 1.0f);
    uint8_t meta[8] = {};
    char err[256];
    EXPECT_NE(lut_meta_put(1, meta, 1, 0, 5, 1.0f, 1, err, sizeof err), 0); // no zero-point
    EXPECT_NE(lut_meta_put(6, meta, 1, 0, 200, 1.0f, 1, err, sizeof err), 0); // beyond int8
    EXPECT_NE(lut_meta_put(4, meta, 1, 0, -1, -2.0f, 1, err, sizeof err), 0); // negative 2^e
    EXPECT_EQ(lut_meta_code(LUT_SCALE_BF16, 8), -1);
    EXPECT_EQ(lut_meta_code(LUT_SCALE_FP32, 32), LUT_META_LEGACY);
}

// The command line: `lutsim gemm --scale` moves the format's bytes (a GEMV's
// transfers are whole bursts for any burst up to 4 KiB, so the architecture's
// figures do not enter), and a bad preset is one line naming file and key.
TEST(QuantFormats, CommandLine)
{
    testproc::TmpDir t;
    auto bytes = [&](const std::string &scale) -> long long {
        auto r = testproc::lutsim(t, "gemm --random 1x4096x4096 --wfmt int --wbits 4 "
                                     "--timing-only --quiet --stats " + t.p("s.json") +
                                     " --scale " + scale);
        EXPECT_EQ(r.status, 0) << r.err;
        const std::string js = testproc::slurp(t.p("s.json"));
        const size_t at = js.find("\"dram_bytes\":");
        return at == std::string::npos ? -1 : std::stoll(js.substr(at + 13));
    };
    const long long base = (8ll << 20) + 4096 + 4096 * 4;
    EXPECT_EQ(bytes("fp16"), base + 4096 * 32 * 2);
    EXPECT_EQ(bytes("int8_exp"), base + 4096 * 32);
    EXPECT_EQ(bytes("legacy"), base + 4096 * 32 * 8);
    std::FILE *f = std::fopen(t.p("bad.json").c_str(), "w");
    ASSERT_TRUE(f);
    std::fputs(R"({"wfmt": "int", "wbits": 4, "scale": "fp8"})", f);
    std::fclose(f);
    auto r = testproc::lutsim(t, "run --model tiny --phase decode --quiet --quant " + t.p("bad.json"));
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find(t.p("bad.json") + ": scale: expected one of"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// Per-tensor scales carry no group metadata, so K runs in chunks that fit
// a 16 KiB table buffer where one group of K = 4096 per column cannot; the
// int32 result is the reference's, whatever the chunking.
TEST(QuantFormats, PerTensorFitsWherePerChannelCannot)
{
    arch_t a = pinned_arch();
    a.buf[BUF_TBL].kib = 16;
    const quant_preset pt = preset(R"({"wfmt": "ternary", "group_size": "tensor"})");
    const quant_preset pc = preset(R"({"wfmt": "ternary", "group_size": "channel"})");
    gemm_shape s = {};
    s.m = 3;
    s.n = 64;
    s.kd = 4096;
    gemm_layout lay;
    char err[512] = "";
    quant_gemm_fields(&pc, &s);
    EXPECT_EQ(s.group_size, 4096);
    EXPECT_NE(gemm_lower(&a, &s, nullptr, &lay, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("table"), std::string::npos) << err;
    quant_gemm_fields(&pt, &s);
    EXPECT_EQ(s.mfmt, lut_meta_code(LUT_SCALE_NONE, 0));
    program p;
    ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
    EXPECT_EQ(lay.meta_bytes, 0u);
    sim_stats st = {};
    gemmtest::ternary_functional_exact(a, s, p, lay, 3, &st);
    program_free(&p);
}
