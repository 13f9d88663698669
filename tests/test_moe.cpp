// test_moe.cpp - mixture-of-experts models from config.json: MAC totals
// against closed forms written out here, the distinct experts a batch
// touches, DRAM traffic growing with the batch, published parameter counts
// of the embedded models, and one-line errors for bad expert keys.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "model_support.h"

extern "C" {
#include "engine_setup.h"
#include "lower.h"
#include "model.h"
#include "model_json.h"
#include "moe.h"
#include "routing.h"
}

namespace {

typedef unsigned long long u64;

using modeltest::from_json;

std::string load_error(const std::string &text)
{
    model_cfg m;
    char err[512] = "";
    EXPECT_NE(model_from_hf_string(text.c_str(), "bad.json", nullptr, &m, err, sizeof err), 0);
    return err;
}

// The closed forms, from the dimensions alone (not from model.c).
struct Dims {
    u64 h, heads, kv, hd, L, V;
    u64 dense_im, dense_layers;            // dense MLP layers and their width
    u64 E, k, moe_im, shared_im, gate, moe_layers;
};

u64 attn_proj_per_token(const Dims &d)
{
    return d.h * d.heads * d.hd + 2 * d.h * d.kv * d.hd + d.heads * d.hd * d.h;
}

// router + k routed experts + shared experts (+ the shared gate), one token
u64 moe_per_token(const Dims &d)
{
    return d.h * d.E + d.k * 3 * d.h * d.moe_im + 3 * d.h * d.shared_im + d.gate * d.h;
}

u64 linear_closed(const Dims &d, u64 tokens, u64 B)
{
    return tokens * (d.L * attn_proj_per_token(d) + d.dense_layers * 3 * d.h * d.dense_im +
                     d.moe_layers * moe_per_token(d)) +
           B * d.h * d.V;
}

u64 attention_closed(const Dims &d, model_phase_kind kind, u64 B, u64 S, u64 C)
{
    u64 entries = kind == MODEL_PREFILL ? S * (S + 1) / 2 : C;
    return B * d.L * d.heads * d.hd * 2 * entries;
}

void check_totals(const model_cfg &m, const Dims &d)
{
    for (int B : {1, 3, 8}) {
        for (int routing : {0, 1}) {
            model_phase pre = {MODEL_PREFILL, B, 37, 0};
            model_phase dec = {MODEL_DECODE, B, 0, 129};
            model_cfg r = m;
            r.moe_routing = routing;
            r.moe_zipf_s = 1.1;
            r.moe_route_seed = 7;
            for (const model_phase &ph : {pre, dec}) {
                model_totals t;
                char err[512] = "";
                ASSERT_EQ(model_phase_totals(&r, &ph, &t, err, sizeof err), 0) << err;
                const u64 T = ph.kind == MODEL_PREFILL ? (u64)B * 37 : (u64)B;
                SCOPED_TRACE(std::string(m.name) + (ph.kind == MODEL_PREFILL ? " prefill" : " decode") +
                             " B=" + std::to_string(B) + " routing=" + std::to_string(routing));
                EXPECT_EQ((u64)t.linear_macs, linear_closed(d, T, (u64)B));
                EXPECT_EQ((u64)t.attention_macs,
                          attention_closed(d, ph.kind, (u64)B, 37, 129));
            }
        }
    }
}

} // namespace

TEST(MoeTotals, MixtralStyleEqualsClosedForm)
{
    model_cfg m = from_json(R"({"model_type": "mixtral", "hidden_size": 256,
        "intermediate_size": 384, "num_attention_heads": 8, "num_key_value_heads": 2,
        "num_hidden_layers": 3, "vocab_size": 1000, "num_local_experts": 8,
        "num_experts_per_tok": 2})");
    Dims d = {256, 8, 2, 32, 3, 1000, 0, 0, 8, 2, 384, 0, 0, 3};
    check_totals(m, d);
}

TEST(MoeTotals, Qwen2MoeSharedExpertGateSparseStepAndMlpOnlyLayers)
{
    // layers 0..5; sparse where (l + 1) % 2 == 0 and not listed: 3 and 5
    // (1 is listed in mlp_only_layers), dense 0, 1, 2, 4 at intermediate_size
    model_cfg m = from_json(R"({"model_type": "qwen2_moe", "hidden_size": 128,
        "intermediate_size": 320, "moe_intermediate_size": 96,
        "shared_expert_intermediate_size": 160, "num_attention_heads": 4,
        "num_key_value_heads": 4, "num_hidden_layers": 6, "vocab_size": 500,
        "num_experts": 12, "num_experts_per_tok": 3, "decoder_sparse_step": 2,
        "mlp_only_layers": [1]})");
    EXPECT_EQ(moe_layer_count(&m), 2);
    EXPECT_TRUE(moe_layer_is_moe(&m, 3) && moe_layer_is_moe(&m, 5));
    EXPECT_FALSE(moe_layer_is_moe(&m, 1));
    Dims d = {128, 4, 4, 32, 6, 500, 320, 4, 12, 3, 96, 160, 1, 2};
    check_totals(m, d);
}

TEST(MoeTotals, Qwen3MoeExplicitHeadDimAndOlmoe)
{
    // head_dim 48 is not hidden / heads (128 / 4 = 32)
    model_cfg q3 = from_json(R"({"model_type": "qwen3_moe", "hidden_size": 128,
        "intermediate_size": 512, "moe_intermediate_size": 64, "head_dim": 48,
        "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2,
        "vocab_size": 300, "num_experts": 16, "num_experts_per_tok": 4})");
    check_totals(q3, Dims{128, 4, 2, 48, 2, 300, 0, 0, 16, 4, 64, 0, 0, 2});
    model_cfg ol = from_json(R"({"model_type": "olmoe", "hidden_size": 192,
        "intermediate_size": 64, "num_attention_heads": 6, "num_hidden_layers": 2,
        "vocab_size": 700, "num_experts": 32, "num_experts_per_tok": 8})");
    check_totals(ol, Dims{192, 6, 6, 32, 2, 700, 0, 0, 32, 8, 64, 0, 0, 2});
    model_cfg phi = from_json(R"({"model_type": "phimoe", "hidden_size": 128,
        "intermediate_size": 200, "num_attention_heads": 4, "num_key_value_heads": 1,
        "num_hidden_layers": 2, "vocab_size": 100, "num_local_experts": 16,
        "num_experts_per_tok": 2})");
    check_totals(phi, Dims{128, 4, 1, 32, 2, 100, 0, 0, 16, 2, 200, 0, 0, 2});
}

TEST(MoeRouting, ExpectedTouchedClosedForm)
{
    // one token touches exactly k; T tokens at most min(E, T k); many: all E
    EXPECT_DOUBLE_EQ(moe_expected_touched(8, 2, 1), 2.0);
    EXPECT_NEAR(moe_expected_touched(8, 2, 4), 8 * (1 - std::pow(0.75, 4)), 1e-12);
    EXPECT_NEAR(moe_expected_touched(64, 6, 1000), 64.0, 1e-9);
    EXPECT_DOUBLE_EQ(moe_expected_touched(8, 8, 3), 8.0);
    // brute force over all C(6,2)^2 routings of 2 tokens choosing 2 of 6
    double sum = 0;
    int cases = 0;
    for (int a = 0; a < 64; a++)
        for (int b = 0; b < 64; b++) {
            if (__builtin_popcount(a) != 2 || __builtin_popcount(b) != 2 || a >= 64 || b >= 64)
                continue;
            sum += __builtin_popcount(a | b);
            cases++;
        }
    EXPECT_NEAR(moe_expected_touched(6, 2, 2), sum / cases, 1e-12);
}

TEST(MoeRouting, ZipfSampledIsSeededAndUniformOnAverage)
{
    model_cfg m = from_json(R"({"model_type": "mixtral", "hidden_size": 64,
        "intermediate_size": 64, "num_attention_heads": 2, "num_hidden_layers": 256,
        "vocab_size": 10, "num_local_experts": 64, "num_experts_per_tok": 4})");
    const int n = moe_layer_count(&m);
    ASSERT_EQ(n, 256);
    std::vector<int> a(n), b(n), c(n), skew(n);
    char err[256] = "";
    model_phase ph = {MODEL_DECODE, 16, 0, 1};
    m.moe_routing = MOE_ROUTE_ZIPF;
    m.moe_zipf_s = 0;
    m.moe_route_seed = 3;
    ASSERT_EQ(moe_route(&m, &ph, a.data(), n, err, sizeof err), 0) << err;
    ASSERT_EQ(moe_route(&m, &ph, b.data(), n, err, sizeof err), 0) << err;
    EXPECT_EQ(a, b); // same seed, same draw
    model_cfg m4 = m;
    m4.moe_route_seed = 4;
    ASSERT_EQ(moe_route(&m4, &ph, c.data(), n, err, sizeof err), 0) << err;
    EXPECT_NE(a, c);
    double mean = 0;
    for (int v : a) {
        EXPECT_GE(v, 4);
        EXPECT_LE(v, 64);
        mean += v;
    }
    mean /= n;
    const double expect = 64 * (1 - std::pow(60.0 / 64, 16)); // 41.2
    EXPECT_NEAR(mean, expect, 0.02 * expect);
    model_cfg z = m;
    z.moe_zipf_s = 1.5;
    ASSERT_EQ(moe_route(&z, &ph, skew.data(), n, err, sizeof err), 0) << err;
    double mskew = 0;
    for (int v : skew)
        mskew += v;
    EXPECT_LT(mskew / n, 0.8 * expect); // popular experts absorb the tokens
}

// Packed INT4 weights with one FP16 scale per group of 128 along k.
static double w4_matrix_bytes(double n, double k) { return n * k / 2 + n * std::ceil(k / 128) * 2; }

TEST(MoeTraffic, DecodeDramGrowsWithBatchAsDistinctExpertsImply)
{
    model_cfg m = from_json(R"({"model_type": "mixtral", "hidden_size": 4096,
        "intermediate_size": 8192, "num_attention_heads": 32, "num_key_value_heads": 8,
        "num_hidden_layers": 2, "vocab_size": 256, "num_local_experts": 8,
        "num_experts_per_tok": 2})");
    modeltest::Machine s = modeltest::ideal_machine("W4A8");
    char err[1024] = "";
    const double expert = 2 * w4_matrix_bytes(8192, 4096) + w4_matrix_bytes(4096, 8192);
    std::vector<op_result> ops(MODEL_MAX_OPS);
    double prev = 0;
    for (int B : {1, 2, 4, 8, 16}) {
        model_phase ph = {MODEL_DECODE, B, 0, 64};
        lower_info info;
        int n = lower_model(&s.a, &s.em, &m, &s.q, &ph, ops.data(), MODEL_MAX_OPS, &info, err, sizeof err);
        ASSERT_GT(n, 0) << err;
        double bytes = 0;
        for (int i = 0; i < n; i++)
            if (ops[i].op.kind == MODEL_OP_LINEAR && std::string(ops[i].op.name).rfind("moe.expert_", 0) == 0)
                bytes += (double)(ops[i].st.ev.dram_read_bytes + ops[i].st.ev.dram_write_bytes);
        const double touched = std::round(2 * 8 * (1 - std::pow(1 - 2.0 / 8, B)));
        const double closed = touched * expert;
        SCOPED_TRACE("B=" + std::to_string(B));
        EXPECT_NEAR(bytes, closed, 0.02 * closed);
        EXPECT_GT(bytes, prev);
        prev = bytes;
    }
}

// Total and active parameters against the figures the model authors
// publish (rounded to 0.1 B): Mixtral 8x7B 46.7 B / 12.9 B (Mistral AI,
// "Mixtral of experts", 2023), Qwen1.5-MoE-A2.7B 14.3 B / 2.7 B (Qwen blog,
// 2024), OLMoE-1B-7B 6.9 B / 1.3 B (Muennighoff et al., 2024).  Active = the
// decode MACs of one token (every linear it passes, LM head included) plus
// the input embedding row table it reads from (vocab x hidden).
TEST(MoeEmbedded, ParameterCountsMatchPublishedFigures)
{
    struct { const char *name; double total, active; } want[] = {
        {"mixtral-8x7b", 46.7e9, 12.9e9},
        {"qwen1.5-moe-a2.7b", 14.3e9, 2.7e9},
        {"olmoe-1b-7b", 6.9e9, 1.3e9},
    };
    for (const auto &w : want) {
        model_cfg m;
        char err[512] = "";
        ASSERT_EQ(model_from_hf_config(w.name, &m, err, sizeof err), 0) << err;
        model_params p;
        model_param_count(&m, &p);
        EXPECT_NEAR((double)p.total, w.total, 0.06e9) << w.name;
        model_phase ph = {MODEL_DECODE, 1, 0, 1};
        model_totals t;
        ASSERT_EQ(model_phase_totals(&m, &ph, &t, err, sizeof err), 0) << err;
        const double active = (double)t.linear_macs + (double)m.vocab_size * m.hidden_size;
        EXPECT_NEAR(active, w.active, 0.06e9) << w.name;
    }
}

TEST(MoeErrors, BadExpertKeysNameTheFileAndKey)
{
    const std::string base = R"("hidden_size": 64, "intermediate_size": 64, "num_attention_heads": 2,
        "num_hidden_layers": 4, "vocab_size": 10)";
    struct { std::string json, want; } bad[] = {
        {"{\"model_type\": \"mixtral\", " + base + ", \"num_local_experts\": 8, \"num_experts_per_tok\": 9}",
         "bad.json: num_experts_per_tok: 9 is more than num_local_experts (8)"},
        {"{\"model_type\": \"mixtral\", " + base + ", \"num_local_experts\": 8}",
         "bad.json: missing key \"num_experts_per_tok\""},
        {"{\"model_type\": \"mixtral\", " + base + ", \"num_local_experts\": \"8\", \"num_experts_per_tok\": 2}",
         "bad.json: num_local_experts: expected a non-negative integer"},
        {"{\"model_type\": \"qwen2_moe\", " + base + ", \"num_experts\": 8, \"num_experts_per_tok\": 2, "
         "\"moe_intermediate_size\": 32, \"mlp_only_layers\": [7]}",
         "bad.json: mlp_only_layers: entry 0: expected a layer index 0..3, got 7"},
        {"{\"model_type\": \"qwen2_moe\", " + base + ", \"num_experts\": 8, \"num_experts_per_tok\": 2}",
         "bad.json: missing key \"moe_intermediate_size\""},
        {"{\"model_type\": \"deepseek_v2\", " + base + ", \"n_routed_experts\": 8, \"num_experts_per_tok\": 2, "
         "\"moe_intermediate_size\": 32, \"first_k_dense_replace\": 9}",
         "bad.json: first_k_dense_replace: 9 is more than num_hidden_layers (4)"},
        {"{\"model_type\": \"llama\", " + base + ", \"num_local_experts\": 8}",
         "bad.json: num_local_experts: mixture-of-experts key in a \"llama\" config"},
        {"{\"model_type\": \"dbrx\", " + base + "}",
         "bad.json: model_type: \"dbrx\": this mixture-of-experts family is not supported"},
        {"{\"model_type\": \"mixtral\", " + base + ", \"num_local_experts\": 1, \"num_experts_per_tok\": 1}",
         "bad.json: num_local_experts: expected 2..65536 routed experts, got 1"},
    };
    for (const auto &b : bad) {
        std::string e = load_error(b.json);
        EXPECT_NE(e.find(b.want), std::string::npos) << e;
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    }
}

TEST(MoeTotals, EveryLayerDenseMeansADenseModel)
{
    // all layers in mlp_only_layers, or first_k_dense_replace = all: no router
    model_cfg q = from_json(R"({"model_type": "qwen2_moe", "hidden_size": 64,
        "intermediate_size": 96, "moe_intermediate_size": 32, "num_attention_heads": 2,
        "num_hidden_layers": 2, "vocab_size": 10, "num_experts": 4, "num_experts_per_tok": 2,
        "mlp_only_layers": [0, 1]})");
    model_cfg d = from_json(R"({"model_type": "deepseek_v2", "hidden_size": 64,
        "intermediate_size": 96, "moe_intermediate_size": 32, "num_attention_heads": 2,
        "num_hidden_layers": 2, "vocab_size": 10, "n_routed_experts": 4,
        "num_experts_per_tok": 2, "first_k_dense_replace": 2})");
    for (const model_cfg &m : {q, d}) {
        EXPECT_EQ(moe_layer_count(&m), 0);
        check_totals(m, Dims{64, 2, 2, 32, 2, 10, 96, 2, 0, 0, 0, 0, 0, 0});
    }
}
