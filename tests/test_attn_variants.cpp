// test_attn_variants.cpp - sliding-window attention (mistral, gemma2,
// qwen2) and multi-head latent attention (deepseek): MAC totals and KV
// cache sizes against closed forms written out here, the window bounding
// decode's KV traffic, and DeepSeek-V2-Lite's published size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "model_support.h"

extern "C" {
#include "attention.h"
#include "engine_setup.h"
#include "lower.h"
#include "model.h"
#include "model_json.h"
}

namespace {

typedef unsigned long long u64;

using modeltest::from_json;

model_totals totals(const model_cfg &m, model_phase_kind kind, int B, int S, int C)
{
    model_phase ph = {kind, B, S, C};
    model_totals t;
    char err[512] = "";
    EXPECT_EQ(model_phase_totals(&m, &ph, &t, err, sizeof err), 0) << err;
    return t;
}

// score entries of one (sequence, head): query i (1-based) sees min(i, W) keys
u64 window_entries_by_sum(u64 S, u64 W)
{
    u64 e = 0;
    for (u64 i = 1; i <= S; i++)
        e += W ? std::min(i, W) : i;
    return e;
}

// A dense llama-shaped model of L layers, Lw of them windowed at W.
void check_window(const model_cfg &m, u64 h, u64 heads, u64 kv, u64 hd, u64 im, u64 L, u64 Lw,
                  u64 W, u64 V)
{
    const u64 lin_tok = L * (h * heads * hd * 2 + 2 * h * kv * hd + 3 * h * im);
    for (int B : {1, 3}) {
        for (int S : {37, 64, 100, 300}) {
            model_totals t = totals(m, MODEL_PREFILL, B, S, 0);
            SCOPED_TRACE("prefill B=" + std::to_string(B) + " S=" + std::to_string(S));
            EXPECT_EQ((u64)t.linear_macs, (u64)B * S * lin_tok + B * h * V);
            const u64 att = (L - Lw) * window_entries_by_sum(S, 0) + Lw * window_entries_by_sum(S, W);
            EXPECT_EQ((u64)t.attention_macs, B * heads * hd * 2 * att);
        }
        for (int C : {1, 50, 64, 65, 1000}) {
            model_totals t = totals(m, MODEL_DECODE, B, 0, C);
            SCOPED_TRACE("decode B=" + std::to_string(B) + " C=" + std::to_string(C));
            EXPECT_EQ((u64)t.linear_macs, (u64)B * lin_tok + B * h * V);
            const u64 keys = (L - Lw) * C + Lw * std::min<u64>(C, W);
            EXPECT_EQ((u64)t.attention_macs, B * heads * hd * 2 * keys);
            model_phase ph = {MODEL_DECODE, B, 0, C};
            uint64_t kvb = 0;
            ASSERT_EQ(model_kv_cache_bytes(&m, &ph, &kvb), 0);
            EXPECT_EQ((u64)kvb, (u64)B * 2 * kv * hd * keys);
        }
    }
}

// Attention's cycles and DRAM bytes in one phase, on the ideal machine s.
struct AttnCost {
    double cycles = 0, bytes = 0;
};

AttnCost attn_cost(const modeltest::Machine &s, const model_cfg &m, model_phase_kind kind, int S,
                   int C, int B = 1)
{
    static op_result ops[MODEL_MAX_OPS];
    model_phase ph = {kind, B, S, C};
    lower_info info;
    char err[1024] = "";
    int n = lower_model(&s.a, &s.em, &m, &s.q, &ph, ops, MODEL_MAX_OPS, &info, err, sizeof err);
    EXPECT_GT(n, 0) << err;
    AttnCost c;
    for (int i = 0; i < n; i++)
        if (ops[i].op.kind == MODEL_OP_ATTENTION) {
            c.cycles += (double)ops[i].st.cycles;
            c.bytes += (double)(ops[i].st.ev.dram_read_bytes + ops[i].st.ev.dram_write_bytes);
        }
    return c;
}

} // namespace

TEST(SlidingWindow, MistralEveryLayer)
{
    model_cfg m = from_json(R"({"model_type": "mistral", "hidden_size": 128,
        "intermediate_size": 256, "num_attention_heads": 4, "num_key_value_heads": 2,
        "num_hidden_layers": 3, "vocab_size": 100, "sliding_window": 64})");
    check_window(m, 128, 4, 2, 32, 256, 3, 3, 64, 100);
}

TEST(SlidingWindow, Gemma2AlternatesSlidingAndGlobalLayers)
{
    // layers 0 and 2 slide, 1 and 3 attend globally; head_dim given
    model_cfg m = from_json(R"({"model_type": "gemma2", "hidden_size": 128, "head_dim": 48,
        "intermediate_size": 256, "num_attention_heads": 4, "num_key_value_heads": 2,
        "num_hidden_layers": 4, "vocab_size": 100, "sliding_window": 64,
        "hidden_activation": "gelu_pytorch_tanh"})");
    EXPECT_TRUE(m.tie_word_embeddings);
    check_window(m, 128, 4, 2, 48, 256, 4, 2, 64, 100);
}

TEST(SlidingWindow, Qwen2FromMaxWindowLayersOnlyWhenUsed)
{
    const std::string base = R"("model_type": "qwen2", "hidden_size": 128,
        "intermediate_size": 256, "num_attention_heads": 4, "num_key_value_heads": 4,
        "num_hidden_layers": 5, "vocab_size": 100, "sliding_window": 64, "max_window_layers": 2)";
    model_cfg on = from_json("{" + base + R"(, "use_sliding_window": true})");
    check_window(on, 128, 4, 4, 32, 256, 5, 3, 64, 100); // layers 2, 3, 4
    model_cfg off = from_json("{" + base + R"(, "use_sliding_window": false})");
    check_window(off, 128, 4, 4, 32, 256, 5, 0, 64, 100);
}

TEST(SlidingWindow, DecodeKvTrafficStopsGrowingAtTheWindow)
{
    const std::string cfg = R"({"model_type": "mistral", "hidden_size": 1024,
        "intermediate_size": 1024, "num_attention_heads": 8, "num_key_value_heads": 8,
        "num_hidden_layers": 2, "vocab_size": 64)";
    model_cfg win = from_json(cfg + R"(, "sliding_window": 1024})");
    model_cfg full = from_json(cfg + "}");
    modeltest::Machine s = modeltest::ideal_machine("W4A8");
    auto attn_bytes = [&](const model_cfg &m, int C) {
        return attn_cost(s, m, MODEL_DECODE, 0, C).bytes;
    };
    const double at_w = attn_bytes(win, 1024), at_4w = attn_bytes(win, 4096);
    EXPECT_EQ(at_4w, at_w);                        // bounded by the window
    EXPECT_GT(attn_bytes(full, 4096), 3.5 * at_w); // without one it grows with C
}

namespace {

struct Mla {
    u64 h, H, dn, dr, dv, rq, rkv, L, im, V;
};

u64 mla_linear_per_token(const Mla &d)
{
    u64 q = d.rq ? d.h * d.rq + d.rq * d.H * (d.dn + d.dr) : d.h * d.H * (d.dn + d.dr);
    // kv_b (prefill) and q_absorb + v_absorb (decode) have the same MACs
    return q + d.h * (d.rkv + d.dr) + d.rkv * d.H * (d.dn + d.dv) + d.H * d.dv * d.h +
           3 * d.h * d.im;
}

void check_mla(const model_cfg &m, const Mla &d)
{
    for (int B : {1, 2, 5}) {
        for (int S : {1, 33, 200}) {
            model_totals t = totals(m, MODEL_PREFILL, B, S, 0);
            SCOPED_TRACE("prefill B=" + std::to_string(B) + " S=" + std::to_string(S));
            EXPECT_EQ((u64)t.linear_macs, (u64)B * S * d.L * mla_linear_per_token(d) + B * d.h * d.V);
            const u64 e = (u64)S * (S + 1) / 2;
            EXPECT_EQ((u64)t.attention_macs, B * d.L * d.H * e * (d.dn + d.dr + d.dv));
        }
        for (int C : {1, 77, 1000}) {
            model_totals t = totals(m, MODEL_DECODE, B, 0, C);
            SCOPED_TRACE("decode B=" + std::to_string(B) + " C=" + std::to_string(C));
            EXPECT_EQ((u64)t.linear_macs, (u64)B * d.L * mla_linear_per_token(d) + B * d.h * d.V);
            // absorbed: scores over the latent and its rope part, context over the latent
            EXPECT_EQ((u64)t.attention_macs, B * d.L * d.H * (u64)C * (d.rkv + d.dr + d.rkv));
            model_phase ph = {MODEL_DECODE, B, 0, C};
            uint64_t kvb = 0;
            ASSERT_EQ(model_kv_cache_bytes(&m, &ph, &kvb), 0);
            EXPECT_EQ((u64)kvb, (u64)B * d.L * (d.rkv + d.dr) * C); // INT8 latent cache
        }
    }
}

} // namespace

TEST(LatentAttention, DeepseekV2WithoutQueryCompression)
{
    model_cfg m = from_json(R"({"model_type": "deepseek_v2", "hidden_size": 256,
        "intermediate_size": 320, "num_attention_heads": 4, "num_key_value_heads": 4,
        "num_hidden_layers": 2, "vocab_size": 100, "kv_lora_rank": 96, "q_lora_rank": null,
        "qk_nope_head_dim": 48, "qk_rope_head_dim": 16, "v_head_dim": 40,
        "n_routed_experts": null, "num_experts_per_tok": null})");
    check_mla(m, Mla{256, 4, 48, 16, 40, 0, 96, 2, 320, 100});
}

TEST(LatentAttention, DeepseekV3WithQueryCompression)
{
    model_cfg m = from_json(R"({"model_type": "deepseek_v3", "hidden_size": 192,
        "intermediate_size": 256, "num_attention_heads": 3, "num_hidden_layers": 3,
        "vocab_size": 50, "kv_lora_rank": 64, "q_lora_rank": 80, "qk_nope_head_dim": 32,
        "qk_rope_head_dim": 16, "v_head_dim": 32, "n_routed_experts": 0})");
    check_mla(m, Mla{192, 3, 32, 16, 32, 80, 64, 3, 256, 50});
}

// DeepSeek-V2-Lite: 15.7 B parameters, 2.4 B activated per token (DeepSeek-AI,
// "DeepSeek-V2", 2024, section on V2-Lite); their activated count leaves out
// the input embedding, so it is compared with the decode MACs of one token.
TEST(LatentAttention, DeepseekV2LiteMatchesPublishedSize)
{
    model_cfg m;
    char err[512] = "";
    ASSERT_EQ(model_from_hf_config("deepseek-v2-lite", &m, err, sizeof err), 0) << err;
    EXPECT_EQ(m.mla_kv_lora, 512);
    model_params p;
    model_param_count(&m, &p);
    EXPECT_NEAR((double)p.total, 15.7e9, 0.06e9);
    model_totals t = totals(m, MODEL_DECODE, 1, 0, 1);
    EXPECT_NEAR((double)t.linear_macs, 2.4e9, 0.06e9);
}

TEST(LatentAttention, BadKeysNameTheKey)
{
    const char *text = R"({"model_type": "deepseek_v2", "hidden_size": 256,
        "intermediate_size": 320, "num_attention_heads": 4, "num_hidden_layers": 2,
        "vocab_size": 100, "kv_lora_rank": 96, "qk_nope_head_dim": 48, "v_head_dim": 40,
        "n_routed_experts": 0})";
    model_cfg m;
    char err[512] = "";
    ASSERT_NE(model_from_hf_string(text, "bad.json", nullptr, &m, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("bad.json: missing key \"qk_rope_head_dim\""), std::string::npos)
        << err;
    const char *win = R"({"model_type": "mistral", "hidden_size": 256, "intermediate_size": 320,
        "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100,
        "sliding_window": -3})";
    ASSERT_NE(model_from_hf_string(win, "bad.json", nullptr, &m, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("bad.json: sliding_window: expected a positive integer"),
              std::string::npos) << err;
}

// DeepSeek-V3 shape in small: latent attention with query compression, the
// first layer dense, then every second layer sparse (moe_layer_freq 2), one
// shared expert.  Layers 0..4: dense 0, 1, 3; sparse 2, 4.
TEST(LatentAttention, WithExpertsAndDenseLayersEqualsClosedForm)
{
    model_cfg m = from_json(R"({"model_type": "deepseek_v3", "hidden_size": 128,
        "intermediate_size": 384, "num_attention_heads": 4, "num_hidden_layers": 5,
        "vocab_size": 90, "kv_lora_rank": 48, "q_lora_rank": 64, "qk_nope_head_dim": 24,
        "qk_rope_head_dim": 8, "v_head_dim": 16, "n_routed_experts": 16,
        "num_experts_per_tok": 3, "moe_intermediate_size": 40, "n_shared_experts": 1,
        "first_k_dense_replace": 1, "moe_layer_freq": 2})");
    const u64 h = 128, H = 4, dn = 24, dr = 8, dv = 16, rq = 64, rkv = 48, L = 5, V = 90;
    const u64 attn = h * rq + rq * H * (dn + dr) + h * (rkv + dr) + rkv * H * (dn + dv) + H * dv * h;
    const u64 dense = 3 * h * 384, moe = h * 16 + 3 * 3 * h * 40 + 3 * h * 40;
    const u64 per_token = L * attn + 3 * dense + 2 * moe;
    for (int B : {1, 4}) {
        model_totals p = totals(m, MODEL_PREFILL, B, 21, 0);
        EXPECT_EQ((u64)p.linear_macs, (u64)B * 21 * per_token + B * h * V);
        EXPECT_EQ((u64)p.attention_macs, B * L * H * (21 * 22 / 2) * (dn + dr + dv));
        model_totals d = totals(m, MODEL_DECODE, B, 0, 300);
        EXPECT_EQ((u64)d.linear_macs, (u64)B * per_token + B * h * V);
        EXPECT_EQ((u64)d.attention_macs, B * L * H * 300 * (rkv + dr + rkv));
    }
}

TEST(SlidingWindow, PrefillTimedOverTheWindowsKeyBlocks)
{
    const std::string cfg = R"({"model_type": "mistral", "hidden_size": 512,
        "intermediate_size": 512, "num_attention_heads": 4, "num_key_value_heads": 4,
        "num_hidden_layers": 1, "vocab_size": 64)";
    model_cfg win = from_json(cfg + R"(, "sliding_window": 512})");
    model_cfg full = from_json(cfg + "}");
    modeltest::Machine s = modeltest::ideal_machine("W4A8");
    auto attn_cycles = [&](const model_cfg &m, int S) {
        return attn_cost(s, m, MODEL_PREFILL, S, 0).cycles;
    };
    // S = 4W: the window's score entries are about 3.5 W^2, the whole
    // triangle's 8 W^2; each further W queries adds W^2 (twice the first
    // W's triangle), the same every time
    const double w = attn_cycles(win, 2048), f = attn_cycles(full, 2048), one = attn_cycles(win, 512);
    EXPECT_EQ(one, attn_cycles(full, 512)); // S <= W: the window does not bind
    EXPECT_LT(w, 0.8 * f);
    EXPECT_GT(w, 4 * one);
    const double w3 = attn_cycles(win, 1536), w2 = attn_cycles(win, 1024);
    EXPECT_NEAR(w - w3, w3 - w2, 0.02 * (w3 - w2));
}

// DeepSeek-V3's config (held out: not embedded), its published size: 671 B
// parameters without the multi-token-prediction module, 37 B activated per
// token (DeepSeek-AI, "DeepSeek-V3 Technical Report", 2024).
TEST(LatentAttention, DeepseekV3MatchesPublishedSize)
{
    model_cfg m = from_json(R"({"model_type": "deepseek_v3", "hidden_size": 7168,
        "intermediate_size": 18432, "moe_intermediate_size": 2048, "num_attention_heads": 128,
        "num_key_value_heads": 128, "num_hidden_layers": 61, "vocab_size": 129280,
        "n_routed_experts": 256, "n_shared_experts": 1, "num_experts_per_tok": 8,
        "first_k_dense_replace": 3, "moe_layer_freq": 1, "q_lora_rank": 1536,
        "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
        "v_head_dim": 128, "n_group": 8, "topk_group": 4})");
    model_params p;
    model_param_count(&m, &p);
    EXPECT_NEAR((double)p.total, 671e9, 1e9);
    model_totals t = totals(m, MODEL_DECODE, 1, 0, 1);
    const double active = (double)t.linear_macs + (double)m.vocab_size * m.hidden_size;
    EXPECT_NEAR(active, 37e9, 0.6e9);
}

// MLA decode's attention DRAM traffic against a closed form written out
// here, on a DeepSeek-V2-Lite-like config (kv_lora_rank 512,
// qk_rope_head_dim 64, 16 heads).  The compressed cache is
//   cache = L B C (r_kv + d_r) kv_bytes,
// and the kernel reads it once as K (the packed latent, 8 bytes of
// metadata a key) and, for the context, its first r_kv values once more as
// V (packed along the keys, 8 bytes a column and key block of nk keys):
// the LUT array contracts K over the dimensions and V over the keys, so
// the two are packed differently and one DRAM copy cannot serve both.
// Q goes in as INT8 (r_kv + d_r a head), O out as float32 (r_kv a head).
TEST(LatentAttention, DecodeTrafficIsTheCompressedCacheOnceAsKAndItsLatentOnceAsV)
{
    const u64 L = 3, H = 16, rkv = 512, dr = 64;
    model_cfg m = from_json(R"({"model_type": "deepseek_v2", "hidden_size": 2048,
        "intermediate_size": 1024, "num_attention_heads": 16, "num_key_value_heads": 16,
        "num_hidden_layers": 3, "vocab_size": 100, "kv_lora_rank": 512, "q_lora_rank": null,
        "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
        "n_routed_experts": null, "num_experts_per_tok": null})");
    modeltest::Machine s = modeltest::ideal_machine("W4A8");
    const u64 kvbits = s.q.kv_bits ? (u64)s.q.kv_bits : 8;
    for (int B : {1, 3}) {
        for (int C : {1024, 4096}) {
            SCOPED_TRACE("B=" + std::to_string(B) + " C=" + std::to_string(C));
            const attn_shape sh = {(int)kvbits, (int)H, 1, (int)(rkv + dr), B, 1, C, 0, (int)rkv, 0};
            attn_plan pl;
            char err[512] = "";
            ASSERT_EQ(attn_plan_make(&s.a, &sh, &pl, err, sizeof err), 0) << err;
            ASSERT_EQ((u64)C % (u64)pl.nk, 0u) << "the closed form has no padding keys";
            const u64 cache = L * B * C * (rkv + dr) * kvbits / 8;
            model_phase ph = {MODEL_DECODE, B, 0, C};
            uint64_t kvb = 0;
            ASSERT_EQ(model_kv_cache_bytes(&m, &ph, &kvb), 0);
            EXPECT_EQ((u64)kvb, cache);
            const u64 k_meta = L * B * C * 8;
            const u64 v = L * B * (C * rkv * kvbits / 8 + (u64)C / (u64)pl.nk * rkv * 8);
            const u64 qo = L * B * H * ((rkv + dr) + 4 * rkv);
            EXPECT_EQ((u64)attn_cost(s, m, MODEL_DECODE, 0, C, B).bytes, cache + k_meta + v + qo);
        }
    }
}
