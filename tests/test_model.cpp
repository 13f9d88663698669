// Models and quantization presets: op lists, MACs against closed forms,
// parameter counts, packed bytes, and the HuggingFace config parser.
#include <gtest/gtest.h>

#include <jansson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "model.h"
#include "model_json.h"
#include "workload_embed.h"

namespace {

typedef unsigned long long u64;

const std::string kModels = std::string(SRC_DIR) + "/workloads/models/";
const std::string kQuant = std::string(SRC_DIR) + "/workloads/quant/";

std::string slurp(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// The embedded dense models with plain attention: the closed forms below
// are theirs (mixture-of-experts and latent attention: tests/test_moe.cpp).
std::vector<std::string> model_names()
{
    std::vector<std::string> v;
    for (int i = 0; workload_model_name(i); i++) {
        const char *t = workload_model_text(workload_model_name(i));
        if (!std::strstr(t, "experts") && !std::strstr(t, "kv_lora_rank"))
            v.push_back(workload_model_name(i));
    }
    return v;
}

model_cfg load(const std::string &name)
{
    model_cfg m;
    char err[512] = "";
    EXPECT_EQ(model_from_hf_config(name.c_str(), &m, err, sizeof err), 0) << err;
    return m;
}

// The shape numbers read straight from the JSON text, independently of the parser.
struct Raw {
    u64 h, i, heads, kv, hd, layers, vocab;
    bool gated, tied;
    std::string type;
};

Raw raw(const std::string &name)
{
    json_t *d = json_loads(workload_model_text(name.c_str()), 0, nullptr);
    EXPECT_NE(d, nullptr);
    auto geti = [&](const char *k) { return (u64)json_integer_value(json_object_get(d, k)); };
    Raw r;
    r.type = json_string_value(json_object_get(d, "model_type"));
    r.h = geti("hidden_size");
    r.gated = r.type != "opt";
    r.i = r.gated ? geti("intermediate_size") : geti("ffn_dim");
    r.heads = geti("num_attention_heads");
    r.kv = json_object_get(d, "num_key_value_heads") ? geti("num_key_value_heads") : r.heads;
    r.hd = json_object_get(d, "head_dim") ? geti("head_dim") : r.h / r.heads;
    r.layers = geti("num_hidden_layers");
    r.vocab = geti("vocab_size");
    json_t *t = json_object_get(d, "tie_word_embeddings");
    r.tied = t ? json_is_true(t) : (r.type == "opt" || r.type == "gemma");
    json_decref(d);
    return r;
}

u64 layer_linear_params(const Raw &r)
{
    u64 q = r.h * (r.heads * r.hd), k = r.h * (r.kv * r.hd), v = k, o = (r.heads * r.hd) * r.h;
    u64 mlp = r.gated ? 3 * r.h * r.i : 2 * r.h * r.i;
    return q + k + v + o + mlp;
}

model_totals totals(const model_cfg &m, model_phase_kind kind, int B, int S, int C)
{
    model_phase ph = { kind, B, S, C };
    model_totals t;
    char err[256] = "";
    EXPECT_EQ(model_phase_totals(&m, &ph, &t, err, sizeof err), 0) << err;
    return t;
}

std::vector<model_op> ops_of(const model_cfg &m, model_phase_kind kind, int B, int S, int C)
{
    model_phase ph = { kind, B, S, C };
    std::vector<model_op> ops(MODEL_MAX_OPS);
    char err[256] = "";
    int n = model_layers(&m, &ph, ops.data(), MODEL_MAX_OPS, err, sizeof err);
    EXPECT_GT(n, 0) << err;
    ops.resize(n > 0 ? n : 0);
    return ops;
}

std::vector<std::string> names_of(const std::vector<model_op> &ops)
{
    std::vector<std::string> v;
    for (const auto &o : ops)
        v.push_back(o.name);
    return v;
}

const model_op *find(const std::vector<model_op> &ops, const char *name)
{
    for (const auto &o : ops)
        if (std::strcmp(o.name, name) == 0)
            return &o;
    return nullptr;
}

// Writes text to a fresh file in a temporary directory; returns its path.
class TempDir {
  public:
    TempDir()
    {
        char t[] = "/tmp/lutsim-model-XXXXXX";
        dir_ = mkdtemp(t) ? t : "/tmp";
    }
    ~TempDir()
    {
        for (const auto &f : files_)
            std::remove(f.c_str());
        rmdir(dir_.c_str());
    }
    std::string write(const std::string &name, const std::string &text)
    {
        std::string p = dir_ + "/" + name;
        std::ofstream(p) << text;
        files_.push_back(p);
        return p;
    }

  private:
    std::string dir_;
    std::vector<std::string> files_;
};

// Parses text (as file NAME.json) and returns the error, or "(accepted)".
std::string config_error(const std::string &text, model_cfg *out = nullptr)
{
    TempDir d;
    std::string p = d.write("c.json", text);
    model_cfg m;
    char err[512] = "";
    int rc = model_from_hf_config(p.c_str(), &m, err, sizeof err);
    if (rc == 0 && out)
        *out = m;
    return rc == 0 ? "(accepted)" : err;
}

const char *kGood = R"({
  "model_type": "llama",
  "hidden_size": 256,
  "intermediate_size": 688,
  "num_attention_heads": 8,
  "num_key_value_heads": 2,
  "num_hidden_layers": 3,
  "vocab_size": 1000,
  "rms_norm_eps": 1e-05,
  "rope_theta": 10000.0,
  "torch_dtype": "float16"
})";

// kGood with key set to value (a JSON literal), or removed when value is empty.
std::string edit(const std::string &key, const std::string &value)
{
    json_t *d = json_loads(kGood, 0, nullptr);
    if (value.empty())
        json_object_del(d, key.c_str());
    else
        json_object_set_new(d, key.c_str(), json_loads(value.c_str(), JSON_DECODE_ANY, nullptr));
    char *s = json_dumps(d, JSON_INDENT(2));
    std::string r = s;
    free(s);
    json_decref(d);
    return r;
}

// ---- MACs against the closed forms ----

TEST(ModelMacs, EveryEmbeddedModelMatchesClosedForms)
{
    int checked = 0;
    for (const auto &name : model_names()) {
        SCOPED_TRACE(name);
        model_cfg m = load(name);
        Raw r = raw(name);
        u64 per_layer = layer_linear_params(r);
        for (int B : { 1, 3, 8 }) {
            for (int S : { 1, 7, 128, 2048 }) {
                model_totals t = totals(m, MODEL_PREFILL, B, S, 0);
                u64 tokens = (u64)B * S;
                EXPECT_EQ(t.tokens, tokens);
                EXPECT_EQ(t.linear_macs, tokens * r.layers * per_layer + B * r.h * r.vocab)
                    << "prefill B=" << B << " S=" << S;
                EXPECT_EQ(t.lm_head_macs, B * r.h * r.vocab);
                u64 causal = (u64)S * (S + 1) / 2;
                EXPECT_EQ(t.attention_macs, B * r.layers * r.heads * r.hd * causal * 2)
                    << "prefill B=" << B << " S=" << S;
                checked++;
            }
            for (int C : { 1, 100, 4096 }) {
                model_totals t = totals(m, MODEL_DECODE, B, 0, C);
                EXPECT_EQ(t.tokens, (u64)B);
                EXPECT_EQ(t.linear_macs, (u64)B * r.layers * per_layer + B * r.h * r.vocab)
                    << "decode B=" << B << " C=" << C;
                EXPECT_EQ(t.attention_macs, B * r.layers * r.heads * r.hd * (u64)C * 2)
                    << "decode B=" << B << " C=" << C;
                checked++;
            }
        }
    }
    EXPECT_EQ(checked, 12 * 3 * 7); // the 12 dense embedded models (opt-1.3b the 12th)
}

TEST(ModelMacs, OpShapesAreConsistent)
{
    for (const auto &name : model_names()) {
        SCOPED_TRACE(name);
        model_cfg m = load(name);
        for (auto kind : { MODEL_PREFILL, MODEL_DECODE }) {
            for (const auto &o : ops_of(m, kind, 3, 17, 33)) {
                SCOPED_TRACE(o.name);
                if (o.kind == MODEL_OP_LINEAR) {
                    EXPECT_EQ(o.macs, o.m * o.n * o.k);
                    EXPECT_EQ(o.weight_params, o.n * o.k);
                    EXPECT_EQ(o.count, 1u);
                    EXPECT_EQ(o.m, std::string(o.name) == "lm_head" ? 3u
                                   : kind == MODEL_PREFILL ? 3u * 17 : 3u);
                } else if (o.kind == MODEL_OP_ATTENTION) {
                    EXPECT_EQ(o.count, 3u * (u64)m.num_attention_heads);
                    EXPECT_LE(o.macs, o.m * o.n * o.k); // causal: at most dense
                } else {
                    EXPECT_EQ(o.macs, 0u);
                    EXPECT_GT(o.elements, 0u);
                }
                bool tail = std::strcmp(o.name, "lm_head") == 0 ||
                            std::strcmp(o.name, "final_norm") == 0;
                EXPECT_EQ(o.repeat, tail ? 1u : (u64)m.num_hidden_layers);
            }
        }
    }
}

TEST(ModelMacs, AttentionShapesPerPhase)
{
    model_cfg m = load("llama-3-8b"); // GQA: 32 heads, 8 kv heads
    auto pre = ops_of(m, MODEL_PREFILL, 2, 10, 0);
    const model_op *s = find(pre, "layer.attn_score"), *c = find(pre, "layer.attn_context");
    ASSERT_TRUE(s && c);
    EXPECT_EQ(s->m, 10u);
    EXPECT_EQ(s->n, 10u);
    EXPECT_EQ(s->k, 128u);
    EXPECT_EQ(s->macs, 128u * 55);
    EXPECT_EQ(c->m, 10u);
    EXPECT_EQ(c->n, 128u);
    EXPECT_EQ(c->k, 10u);
    EXPECT_EQ(s->count, 64u); // B x query heads, not kv heads
    EXPECT_EQ(find(pre, "layer.softmax")->elements, 55u);
    EXPECT_EQ(find(pre, "layer.k_proj")->n, 1024u);
    EXPECT_EQ(find(pre, "layer.q_proj")->n, 4096u);

    auto dec = ops_of(m, MODEL_DECODE, 2, 0, 300);
    s = find(dec, "layer.attn_score");
    c = find(dec, "layer.attn_context");
    EXPECT_EQ(s->m, 1u);
    EXPECT_EQ(s->n, 300u);
    EXPECT_EQ(s->k, 128u);
    EXPECT_EQ(c->n, 128u);
    EXPECT_EQ(c->k, 300u);
    EXPECT_EQ(find(dec, "layer.softmax")->elements, 300u);
    EXPECT_EQ(find(dec, "lm_head")->m, 2u);
}

TEST(ModelMacs, PhaseOutOfRangeAndOverflow)
{
    model_cfg m = load("tiny");
    model_phase bad[] = { { MODEL_PREFILL, 0, 4, 0 }, { MODEL_PREFILL, 1, 0, 0 },
                          { MODEL_DECODE, 1, 0, 0 }, { MODEL_DECODE, 70000, 0, 5 } };
    for (auto &ph : bad) {
        model_totals t;
        char err[256] = "";
        EXPECT_EQ(model_phase_totals(&m, &ph, &t, err, sizeof err), -1);
        EXPECT_NE(err[0], '\0');
    }
    model_cfg big = load("llama-2-70b");
    model_phase huge = { MODEL_PREFILL, 65536, 1 << 20, 0 };
    model_totals t;
    char err[256] = "";
    EXPECT_EQ(model_phase_totals(&big, &huge, &t, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("overflow"), std::string::npos) << err;
    model_op few[4];
    model_phase ok = { MODEL_DECODE, 1, 0, 1 };
    EXPECT_EQ(model_layers(&m, &ok, few, 4, err, sizeof err), -1);
}

// ---- layer lists ----

TEST(ModelLayers, GatedFamiliesInOrder)
{
    const std::vector<std::string> gated = {
        "layer.input_norm", "layer.q_proj", "layer.k_proj", "layer.v_proj", "layer.rope",
        "layer.attn_score", "layer.softmax", "layer.attn_context", "layer.o_proj",
        "layer.residual_attn", "layer.post_attn_norm", "layer.gate_proj", "layer.up_proj",
        "layer.act_fn", "layer.mul", "layer.down_proj", "layer.residual_mlp", "final_norm",
        "lm_head",
    };
    for (const char *name : { "llama-2-7b", "llama-3-8b", "mistral-7b", "qwen2-7b",
                              "phi-3-mini", "gemma-7b", "bitnet-b1.58-3b", "tiny" }) {
        SCOPED_TRACE(name);
        model_cfg m = load(name);
        EXPECT_TRUE(m.gated_mlp);
        auto ops = ops_of(m, MODEL_DECODE, 1, 0, 16);
        EXPECT_EQ(names_of(ops), gated);
        EXPECT_STREQ(find(ops, "layer.act_fn")->func, name == std::string("gemma-7b") ? "gelu"
                                                                                     : "silu");
        EXPECT_STREQ(find(ops, "layer.input_norm")->func, "rmsnorm");
        EXPECT_EQ(find(ops, "layer.gate_proj")->n, (u64)m.intermediate_size);
        EXPECT_EQ(find(ops, "layer.down_proj")->k, (u64)m.intermediate_size);
    }
}

TEST(ModelLayers, OptHasPlainMlp)
{
    model_cfg m = load("opt-6.7b");
    EXPECT_EQ(m.family, MODEL_OPT);
    EXPECT_FALSE(m.gated_mlp);
    EXPECT_EQ(m.intermediate_size, 16384);
    EXPECT_TRUE(m.tie_word_embeddings);
    auto ops = ops_of(m, MODEL_PREFILL, 1, 8, 0);
    const std::vector<std::string> want = {
        "layer.input_norm", "layer.q_proj", "layer.k_proj", "layer.v_proj",
        "layer.attn_score", "layer.softmax", "layer.attn_context", "layer.o_proj",
        "layer.residual_attn", "layer.post_attn_norm", "layer.fc1", "layer.act_fn",
        "layer.fc2", "layer.residual_mlp", "final_norm", "lm_head",
    };
    EXPECT_EQ(names_of(ops), want);
    EXPECT_STREQ(find(ops, "layer.act_fn")->func, "relu");
    EXPECT_STREQ(find(ops, "layer.input_norm")->func, "layernorm");
    EXPECT_EQ(find(ops, "layer.fc1")->n, 16384u);
    EXPECT_EQ(find(ops, "layer.fc2")->k, 16384u);
}

TEST(ModelLayers, FamilyDetails)
{
    model_cfg g = load("gemma-7b");
    EXPECT_EQ(g.family, MODEL_GEMMA);
    EXPECT_EQ(g.head_dim, 256); // not hidden / heads = 192
    EXPECT_TRUE(g.tie_word_embeddings);
    auto gops = ops_of(g, MODEL_DECODE, 1, 0, 8);
    EXPECT_EQ(find(gops, "layer.q_proj")->n, 4096u);
    EXPECT_EQ(find(gops, "layer.o_proj")->k, 4096u);
    EXPECT_EQ(find(gops, "layer.o_proj")->n, 3072u);

    model_cfg q = load("qwen2-7b");
    EXPECT_EQ(q.family, MODEL_QWEN2);
    EXPECT_EQ(q.num_key_value_heads, 4);
    EXPECT_EQ(q.head_dim, 128);
    EXPECT_EQ(find(ops_of(q, MODEL_DECODE, 1, 0, 8), "layer.v_proj")->n, 512u);

    model_cfg b = load("bitnet-b1.58-3b"); // model_type "llama"
    EXPECT_EQ(b.family, MODEL_LLAMA);
    EXPECT_STREQ(b.name, "bitnet-b1.58-3b");
    EXPECT_EQ(b.hidden_size, 3200);
    EXPECT_EQ(b.intermediate_size, 8640);
    EXPECT_EQ(b.vocab_size, 32002);
    EXPECT_EQ(b.head_dim, 100);

    EXPECT_EQ(load("phi-3-mini").family, MODEL_PHI3);
    EXPECT_EQ(load("mistral-7b").family, MODEL_MISTRAL);

    // model_type "bitnet": relu2 and the two sub-norms
    model_cfg bn;
    ASSERT_EQ(config_error(edit("model_type", "\"bitnet\""), &bn), "(accepted)");
    EXPECT_EQ(bn.family, MODEL_BITNET);
    auto names = names_of(ops_of(bn, MODEL_DECODE, 1, 0, 4));
    EXPECT_EQ(names[8], "layer.attn_sub_norm");
    EXPECT_EQ(names[16], "layer.ffn_sub_norm");
    EXPECT_STREQ(bn.act, "relu2");
}

// ---- parameters and bytes ----

TEST(ModelParams, PublishedCounts)
{
    struct { const char *name; u64 total; } want[] = {
        { "llama-2-7b", 6738415616ull },  { "llama-2-13b", 13015864320ull },
        { "llama-2-70b", 68976648192ull }, { "llama-3-8b", 8030261248ull },
        { "mistral-7b", 7241732096ull },  { "phi-3-mini", 3821079552ull },
        { "opt-6.7b", 6658473984ull },     { "qwen2-7b", 7615616512ull },
        { "gemma-7b", 8537680896ull },
    };
    for (const auto &w : want) {
        model_cfg m = load(w.name);
        model_params p;
        model_param_count(&m, &p);
        EXPECT_EQ(p.total, w.total) << w.name;
        EXPECT_EQ(p.total, p.linear + p.lm_head + p.embed + p.norm + p.bias) << w.name;
    }
}

TEST(ModelParams, Llama2_7bFromTheFormula)
{
    model_cfg m = load("llama-2-7b");
    model_params p;
    model_param_count(&m, &p);
    u64 h = 4096, i = 11008, V = 32000, L = 32;
    EXPECT_EQ(p.embed, V * h);
    EXPECT_EQ(p.lm_head, V * h);
    EXPECT_EQ(p.linear, L * (4 * h * h + 3 * h * i));
    EXPECT_EQ(p.norm, L * 2 * h + h);
    EXPECT_EQ(p.bias, 0u);
    EXPECT_EQ(p.total, V * h + L * (4 * h * h + 3 * h * i + 2 * h) + h + V * h);
    EXPECT_EQ(p.total, 6738415616ull);
}

TEST(ModelParams, LinearParamsMatchTheOpList)
{
    for (const auto &name : model_names()) {
        SCOPED_TRACE(name);
        model_cfg m = load(name);
        Raw r = raw(name);
        model_params p;
        model_param_count(&m, &p);
        EXPECT_EQ(p.linear, r.layers * layer_linear_params(r));
        EXPECT_EQ(p.lm_head, r.tied ? 0 : r.vocab * r.h);
        u64 from_ops = 0;
        for (const auto &o : ops_of(m, MODEL_DECODE, 1, 0, 1))
            if (o.kind == MODEL_OP_LINEAR && std::strcmp(o.name, "lm_head") != 0)
                from_ops += o.weight_params * o.repeat;
        EXPECT_EQ(from_ops, p.linear);
    }
}

TEST(ModelBytes, PackedWeightsAndScales)
{
    quant_preset w2, tern, bin, w3;
    ASSERT_EQ(quant_preset_named("W2A8", &w2), 0);
    ASSERT_EQ(quant_preset_named("w1.58a8", &tern), 0);
    ASSERT_EQ(quant_preset_named("W1A8", &bin), 0);
    ASSERT_EQ(quant_preset_named("W3A8", &w3), 0);
    for (const auto &name : model_names()) {
        SCOPED_TRACE(name);
        model_cfg m = load(name);
        Raw r = raw(name);
        model_params p;
        model_param_count(&m, &p);
        model_bytes b;
        model_weight_bytes(&m, &w2, &b);
        EXPECT_EQ(b.weight_bytes, p.linear * 2 / 8);
        // groups of 128 along k for each matrix
        auto g = [](u64 k) { return (k + 127) / 128; };
        u64 qd = r.heads * r.hd, kvd = r.kv * r.hd;
        u64 groups = r.layers * (qd * g(r.h) + 2 * kvd * g(r.h) + r.h * g(qd) +
                                 (r.gated ? 2 : 1) * r.i * g(r.h) + r.h * g(r.i));
        EXPECT_EQ(b.groups, groups);
        EXPECT_EQ(b.scale_bytes, 2 * groups);
        EXPECT_EQ(b.fp16_bytes, 2 * (p.total - p.linear));
        model_bytes bt;
        model_weight_bytes(&m, &tern, &bt);
        EXPECT_EQ(bt.weight_bytes, b.weight_bytes); // ternary packs as 2 bits
        model_weight_bytes(&m, &bin, &bt);
        EXPECT_EQ(bt.weight_bytes, p.linear / 8);
        model_weight_bytes(&m, &w3, &bt);
        EXPECT_EQ(bt.weight_bytes, p.linear * 3 / 8);
    }
}

// ---- parsing ----

TEST(ModelParse, ShortNameAndPathAgree)
{
    for (const auto &name : model_names()) {
        SCOPED_TRACE(name);
        EXPECT_EQ(std::string(workload_model_text(name.c_str())), slurp(kModels + name + ".json"));
        model_cfg a = load(name), b = load(kModels + name + ".json");
        std::memset(a.name, 0, sizeof a.name);
        std::memset(b.name, 0, sizeof b.name);
        EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
    }
    EXPECT_STREQ(load("LLaMA-2-7B").name, "llama-2-7b");
    EXPECT_STREQ(load(kModels + "llama-2-7b.json").name, "meta-llama/Llama-2-7b-hf");
    EXPECT_STREQ(load(kModels + "tiny.json").name, "tiny");
    // a relative path works too
    char cwd[4096];
    ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
    ASSERT_EQ(chdir(SRC_DIR), 0);
    model_cfg rel = load("workloads/models/tiny.json");
    EXPECT_EQ(rel.hidden_size, 128);
    ASSERT_EQ(chdir(cwd), 0);
}

TEST(ModelParse, DefaultsAndIgnoredKeys)
{
    model_cfg m;
    ASSERT_EQ(config_error(edit("num_key_value_heads", ""), &m), "(accepted)");
    EXPECT_EQ(m.num_key_value_heads, 8);
    EXPECT_EQ(m.head_dim, 32);
    EXPECT_FALSE(m.tie_word_embeddings);
    ASSERT_EQ(config_error(edit("head_dim", "null"), &m), "(accepted)");
    EXPECT_EQ(m.head_dim, 32);
    // head_dim given: hidden need not divide
    ASSERT_EQ(config_error(R"({
      "model_type": "llama", "hidden_size": 250, "head_dim": 64, "intermediate_size": 688,
      "num_attention_heads": 8, "num_hidden_layers": 3, "vocab_size": 1000,
      "tie_word_embeddings": true, "integral": 3.0, "anything": [1, {"x": "y"}]})", &m),
              "(accepted)");
    EXPECT_EQ(m.head_dim, 64);
    EXPECT_TRUE(m.tie_word_embeddings);
    EXPECT_EQ(config_error(edit("num_hidden_layers", "3.0")), "(accepted)");
}

void expect_error(const std::string &text, std::initializer_list<const char *> parts)
{
    std::string e = config_error(text);
    EXPECT_NE(e, "(accepted)");
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_NE(e.find("c.json: "), std::string::npos) << e;
    for (const char *p : parts)
        EXPECT_NE(e.find(p), std::string::npos) << "want \"" << p << "\" in: " << e;
}

TEST(ModelParse, BadConfigsNameTheKey)
{
    expect_error(edit("hidden_size", ""), { "missing key \"hidden_size\"" });
    expect_error(edit("vocab_size", ""), { "vocab_size" });
    expect_error(edit("model_type", ""), { "model_type" });
    expect_error(edit("hidden_size", "250"), { "hidden_size", "num_attention_heads", "250" });
    expect_error(edit("num_key_value_heads", "3"), { "num_key_value_heads", "3" });
    expect_error(edit("vocab_size", "\"32000\""), { "vocab_size", "expected", "string" });
    expect_error(edit("num_hidden_layers", "0"), { "num_hidden_layers", "positive", "0" });
    expect_error(edit("num_attention_heads", "-4"), { "num_attention_heads", "-4" });
    expect_error(edit("intermediate_size", "688.5"), { "intermediate_size", "688.5" });
    expect_error(edit("hidden_size", "[4096]"), { "hidden_size", "array" });
    expect_error(edit("hidden_size", "4194304"), { "hidden_size", "1..1048576" });
    expect_error(edit("tie_word_embeddings", "1"), { "tie_word_embeddings" });
    expect_error(edit("hidden_act", "3"), { "hidden_act" });
    expect_error(edit("model_type", "\"gpt2\""), { "model_type", "unsupported", "gpt2" });
    expect_error(edit("model_type", "7"), { "model_type", "string" });
    expect_error("[1, 2]", { "object" });
    // OPT reads ffn_dim, not intermediate_size
    expect_error(edit("model_type", "\"opt\""), { "missing key \"ffn_dim\"" });
}

TEST(ModelParse, ExpertKeysOutsideAMixtureOfExpertsFamilyRefused)
{
    // expert keys in a llama config: a misspelt model_type (MoE families:
    // tests/test_moe.cpp)
    const char *moe = "mixture-of-experts key in a \"llama\" config";
    expect_error(edit("num_local_experts", "8"), { "num_local_experts", moe });
    expect_error(edit("num_experts", "60"), { "num_experts", moe });
    expect_error(edit("n_routed_experts", "64"), { "n_routed_experts", moe });
    // a MoE family without its expert keys
    expect_error(edit("model_type", "\"mixtral\""), { "missing key \"num_local_experts\"" });
    expect_error(edit("model_type", "\"qwen2_moe\""), { "missing key \"num_experts\"" });
    expect_error(edit("model_type", "\"deepseek_v3\""), { "missing key \"n_routed_experts\"" });
    expect_error(edit("model_type", "\"dbrx\""), { "mixture-of-experts family is not supported" });
    // a dense config that spells out zero experts is fine
    EXPECT_EQ(config_error(edit("num_experts", "0")), "(accepted)");
}

TEST(ModelParse, SyntaxAndFileErrors)
{
    expect_error("{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 4096\n  \"x\": 1\n}",
                 { "line 4" });
    model_cfg m;
    char err[512] = "";
    EXPECT_EQ(model_from_hf_config("/nonexistent/dir/config.json", &m, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("/nonexistent/dir/config.json: cannot read"),
              std::string::npos) << err;
    EXPECT_EQ(model_from_hf_config("llama-9-1b", &m, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("llama-9-1b"), std::string::npos) << err;
    EXPECT_NE(std::string(err).find("llama-2-7b"), std::string::npos) << err; // lists the names
}

// ---- quantization presets ----

TEST(Quant, EmbeddedPresetsMatchBuiltins)
{
    ASSERT_EQ(quant_preset_count(), 6);
    for (int i = 0; i < quant_preset_count(); i++) {
        const char *name = quant_preset_name(i);
        SCOPED_TRACE(name);
        quant_preset a, b, c;
        char err[512] = "";
        ASSERT_EQ(quant_preset_named(name, &a), 0);
        ASSERT_EQ(quant_from_name_or_file(name, &b, err, sizeof err), 0) << err;
        std::string path = kQuant + name + ".json";
        ASSERT_EQ(quant_from_name_or_file(path.c_str(), &c, err, sizeof err), 0) << err;
        EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
        EXPECT_EQ(std::memcmp(&a, &c, sizeof a), 0);
        EXPECT_EQ(std::string(workload_quant_text(name)), slurp(path));
        EXPECT_EQ(a.group_size, 128);
        EXPECT_EQ(a.abits, 8);
    }
    quant_preset q;
    char err[512] = "";
    ASSERT_EQ(quant_from_name_or_file("w1.58a8", &q, err, sizeof err), 0) << err;
    EXPECT_STREQ(q.name, "W1.58A8");
    EXPECT_EQ(q.w.fmt, LUT_WFMT_TERNARY);
    EXPECT_EQ(q.w.bits, 2);
    ASSERT_EQ(quant_from_name_or_file("W1A8", &q, err, sizeof err), 0) << err;
    EXPECT_EQ(q.w.fmt, LUT_WFMT_BINARY);
    EXPECT_EQ(q.w.bits, 1);
    ASSERT_EQ(quant_from_name_or_file("W4a8", &q, err, sizeof err), 0) << err;
    EXPECT_EQ(q.w.fmt, LUT_WFMT_INT);
    EXPECT_EQ(q.w.bits, 4);
}

std::string quant_error(const std::string &text, quant_preset *out = nullptr)
{
    quant_preset q;
    char err[512] = "";
    int rc = quant_from_json_string(text.c_str(), "q.json", &q, err, sizeof err);
    if (rc == 0 && out)
        *out = q;
    return rc == 0 ? "(accepted)" : err;
}

TEST(Quant, FilesAndErrors)
{
    quant_preset q;
    ASSERT_EQ(quant_error(R"({"wfmt": "int", "wbits": 5, "group_size": 64, "abits": 8})", &q),
              "(accepted)");
    EXPECT_STREQ(q.name, "q"); // from the label
    EXPECT_EQ(q.w.bits, 5);
    EXPECT_EQ(q.group_size, 64);
    ASSERT_EQ(quant_error(R"({"name": "t", "wfmt": "ternary", "group_size": 0})", &q),
              "(accepted)");
    EXPECT_EQ(q.w.bits, 2);
    EXPECT_EQ(q.group_size, 0);
    EXPECT_EQ(q.abits, 8);

    auto has = [](const std::string &e, const char *p) {
        return e.rfind("q.json: ", 0) == 0 && e.find(p) != std::string::npos;
    };
    EXPECT_TRUE(has(quant_error(R"({"wbits": 2})"), "missing key \"wfmt\""));
    EXPECT_TRUE(has(quant_error(R"({"wfmt": "int"})"), "missing key \"wbits\""));
    EXPECT_TRUE(has(quant_error(R"({"wfmt": "int", "wbits": 9})"), "wbits"));
    EXPECT_TRUE(has(quant_error(R"({"wfmt": "ternary", "wbits": 3})"), "wbits"));
    EXPECT_TRUE(has(quant_error(R"({"wfmt": "fp4", "wbits": 4})"), "wfmt"));
    EXPECT_TRUE(has(quant_error(R"({"wfmt": "int", "wbits": 4, "bits": 4})"), "bits: unknown key"));
    EXPECT_TRUE(has(quant_error(R"({"wfmt": "int", "wbits": "4"})"), "wbits"));
    EXPECT_TRUE(has(quant_error(R"({"wfmt": "int", "wbits": 4, "group_size": -1})"),
                    "group_size"));
    EXPECT_TRUE(has(quant_error(R"({"wfmt": "int", "wbits": 4, "abits": 1})"), "abits"));
    EXPECT_TRUE(has(quant_error("{\"wfmt\": \"int\",\n \"wbits\": }"), "line 2"));

    char err[512] = "";
    EXPECT_EQ(quant_from_name_or_file("W5A5", &q, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("W5A5"), std::string::npos) << err;
    EXPECT_NE(std::string(err).find("W2A8"), std::string::npos) << err;
}

TEST(ModelReport, ParameterCounts)
{
    // Not a check: prints the table for the log.
    for (const auto &name : model_names()) {
        model_cfg m = load(name);
        model_params p;
        model_param_count(&m, &p);
        std::printf("%-16s %-8s total %14llu  linear %14llu  embed %12llu  lm_head %12llu  "
                    "norm %9llu  bias %9llu\n",
                    name.c_str(), model_family_name(m.family), (u64)p.total, (u64)p.linear,
                    (u64)p.embed, (u64)p.lm_head, (u64)p.norm, (u64)p.bias);
    }
}

} // namespace
