/* model.c - decoder-only LLM: op list, MACs, parameters, quantized bytes. */
#include "model.h"
#include "attn_ops.h"
#include "moe.h"
#include "oplist.h"
#include "quant_layout.h"

#include "bitmod_types.h"

#include "count.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const family_names[MODEL_FAMILY_COUNT] = {
    "llama", "mistral", "qwen2", "opt", "phi3", "gemma", "bitnet",
    "mixtral", "qwen2_moe", "qwen3_moe", "deepseek_v2", "deepseek_v3", "olmoe", "phimoe",
    "qwen3", "gemma2",
};

const char *model_family_name(model_family f)
{
    return (unsigned)f < MODEL_FAMILY_COUNT ? family_names[f] : NULL;
}

int model_family_from_name(const char *s)
{
    for (int i = 0; i < MODEL_FAMILY_COUNT; i++)
        if (strcmp(s, family_names[i]) == 0)
            return i;
    return -1;
}

const char *model_op_kind_name(model_op_kind k)
{
    static const char *const n[] = { "linear", "attention", "norm", "softmax",
                                     "activation", "elementwise" };
    return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "?";
}

void model_cfg_init(model_cfg *m, model_family f)
{
    memset(m, 0, sizeof *m);
    m->family = f;
    m->gated_mlp = f != MODEL_OPT;
    m->tie_word_embeddings = f == MODEL_OPT || f == MODEL_GEMMA || f == MODEL_GEMMA2;
    const char *act = f == MODEL_OPT ? "relu" : f == MODEL_GEMMA || f == MODEL_GEMMA2 ? "gelu"
                      : f == MODEL_BITNET ? "relu2" : "silu";
    snprintf(m->act, sizeof m->act, "%s", act);
    m->qkv_bias = f == MODEL_QWEN2 || f == MODEL_QWEN2_MOE;
    m->linear_bias = f == MODEL_OPT;
    m->norm_bias = f == MODEL_OPT;
    m->sub_norms = f == MODEL_BITNET;
    m->learned_positions = f == MODEL_OPT ? 2048 + 2 : 0;
}

#define MODEL_MAX_HEAD_DIM 4096

static int range(const char *key, int v, int lo, int hi, char *err, size_t errlen)
{
    if (v < lo || v > hi) {
        snprintf(err, errlen, "%s: expected an integer %d..%d, got %d", key, lo, hi, v);
        return -1;
    }
    return 0;
}

int model_cfg_finish(model_cfg *m, char *err, size_t errlen)
{
    if ((unsigned)m->family >= MODEL_FAMILY_COUNT) {
        snprintf(err, errlen, "model_type: unknown family %d", (int)m->family);
        return -1;
    }
    if (range("hidden_size", m->hidden_size, 1, 1 << 20, err, errlen) ||
        range(m->family == MODEL_OPT ? "ffn_dim" : "intermediate_size",
              m->intermediate_size, 1, 1 << 22, err, errlen) ||
        range("num_attention_heads", m->num_attention_heads, 1, 4096, err, errlen) ||
        range("num_key_value_heads", m->num_key_value_heads, 0, 4096, err, errlen) ||
        range("head_dim", m->head_dim, 0, MODEL_MAX_HEAD_DIM, err, errlen) ||
        range("num_hidden_layers", m->num_hidden_layers, 1, 4096, err, errlen) ||
        range("vocab_size", m->vocab_size, 1, 1 << 24, err, errlen) ||
        range("learned_positions", m->learned_positions, 0, 1 << 24, err, errlen) ||
        range("max_position_embeddings", m->max_position_embeddings, 0, 1 << 30, err, errlen))
        return -1;
    if (m->num_key_value_heads == 0)
        m->num_key_value_heads = m->num_attention_heads;
    if (m->head_dim == 0) {
        if (m->hidden_size % m->num_attention_heads != 0) {
            snprintf(err, errlen,
                     "hidden_size: %d is not a multiple of num_attention_heads (%d) "
                     "and head_dim is not given",
                     m->hidden_size, m->num_attention_heads);
            return -1;
        }
        /* Checked here, where the keys it comes from are known: a later
         * check could only name head_dim, which the file does not have. */
        int hd = m->hidden_size / m->num_attention_heads;
        if (hd > MODEL_MAX_HEAD_DIM) {
            snprintf(err, errlen,
                     "hidden_size / num_attention_heads: %d / %d gives head_dim %d, outside "
                     "1..%d (head_dim is not given)",
                     m->hidden_size, m->num_attention_heads, hd, MODEL_MAX_HEAD_DIM);
            return -1;
        }
        m->head_dim = hd;
    }
    if (m->num_attention_heads % m->num_key_value_heads != 0) {
        snprintf(err, errlen,
                 "num_key_value_heads: num_attention_heads (%d) is not a multiple of "
                 "num_key_value_heads (%d)",
                 m->num_attention_heads, m->num_key_value_heads);
        return -1;
    }
    if (moe_cfg_finish(m, err, errlen) != 0 || attn_cfg_finish(m, err, errlen) != 0)
        return -1;
    if (!m->name[0])
        snprintf(m->name, sizeof m->name, "%s", model_family_name(m->family));
    return 0;
}

/* ---- op list ---- */

static int phase_check(const model_phase *ph, char *err, size_t errlen)
{
    if (ph->kind != MODEL_PREFILL && ph->kind != MODEL_DECODE) {
        snprintf(err, errlen, "phase: unknown kind %d", (int)ph->kind);
        return -1;
    }
    if (ph->batch < 1 || ph->batch > 65536) {
        snprintf(err, errlen, "batch: expected 1..65536, got %d", ph->batch);
        return -1;
    }
    if (ph->kind == MODEL_PREFILL && (ph->seq_len < 1 || ph->seq_len > (1 << 20))) {
        snprintf(err, errlen, "sequence length: expected 1..1048576, got %d", ph->seq_len);
        return -1;
    }
    if (ph->kind == MODEL_DECODE && (ph->context < 1 || ph->context > (1 << 20))) {
        snprintf(err, errlen, "context: expected 1..1048576, got %d", ph->context);
        return -1;
    }
    return 0;
}

uint64_t model_phase_tokens(const model_phase *ph)
{
    /* <= 65536 x 2^20 = 2^36 after phase_check: no overflow */
    return (uint64_t)ph->batch * (ph->kind == MODEL_PREFILL ? (uint64_t)ph->seq_len : 1);
}

int model_layers(const model_cfg *m, const model_phase *ph, model_op *ops, int cap,
                 char *err, size_t errlen)
{
    model_cfg c = *m;
    if (model_cfg_finish(&c, err, errlen) || phase_check(ph, err, errlen))
        return -1;
    const uint64_t B = (uint64_t)ph->batch, L = (uint64_t)c.num_hidden_layers;
    const uint64_t h = (uint64_t)c.hidden_size, im = (uint64_t)c.intermediate_size;
    const uint64_t T = model_phase_tokens(ph);
    const char *norm = c.norm_bias ? "layernorm" : "rmsnorm";

    oplist l = { ops, cap, 0, 0, 0, NULL };
    const uint64_t Lm = (uint64_t)moe_layer_count(&c), Ld = L - Lm; /* MoE, dense MLP layers */
    ol_elems(&l, "layer.input_norm", MODEL_OP_NORM, norm, 1, ol_mul(&l, T, h), L);
    attn_block_ops(&l, &c, ph);
    ol_elems(&l, "layer.residual_attn", MODEL_OP_ELEMENTWISE, "add", 1, ol_mul(&l, T, h), L);
    ol_elems(&l, "layer.post_attn_norm", MODEL_OP_NORM, norm, 1, ol_mul(&l, T, h), L);
    if (Ld > 0 && c.gated_mlp) {
        ol_linear(&l, "layer.gate_proj", T, im, h, 1, Ld);
        ol_linear(&l, "layer.up_proj", T, im, h, 1, Ld);
        ol_elems(&l, "layer.act_fn", MODEL_OP_ACTIVATION, c.act, 1, ol_mul(&l, T, im), Ld);
        ol_elems(&l, "layer.mul", MODEL_OP_ELEMENTWISE, "mul", 1, ol_mul(&l, T, im), Ld);
        if (c.sub_norms)
            ol_elems(&l, "layer.ffn_sub_norm", MODEL_OP_NORM, norm, 1, ol_mul(&l, T, im), Ld);
        ol_linear(&l, "layer.down_proj", T, h, im, 1, Ld);
    } else if (Ld > 0) {
        ol_linear(&l, "layer.fc1", T, im, h, 1, Ld);
        ol_elems(&l, "layer.act_fn", MODEL_OP_ACTIVATION, c.act, 1, ol_mul(&l, T, im), Ld);
        ol_linear(&l, "layer.fc2", T, h, im, 1, Ld);
    }
    if (Lm > 0 && moe_block_ops(&l, &c, ph, err, errlen) != 0)
        return -1;
    ol_elems(&l, "layer.residual_mlp", MODEL_OP_ELEMENTWISE, "add", 1, ol_mul(&l, T, h), L);
    /* the LM head (and so the final norm) only needs the last token of each
     * sequence */
    ol_elems(&l, "final_norm", MODEL_OP_NORM, norm, 1, B * h, 1);
    ol_linear(&l, "lm_head", B, (uint64_t)c.vocab_size, h, 1, 1);
    if (l.full) {
        snprintf(err, errlen, "op list needs more than %d entries", cap);
        return -1;
    }
    if (l.ov) {
        snprintf(err, errlen, "count overflow: the figures of %s exceed 2^63 - 1, the most "
                 "lutsim can count", l.ov_at ? l.ov_at : "an operation");
        return -1;
    }
    return l.n;
}

int model_phase_totals(const model_cfg *m, const model_phase *ph, model_totals *t,
                       char *err, size_t errlen)
{
    model_op ops[MODEL_MAX_OPS];
    int n = model_layers(m, ph, ops, MODEL_MAX_OPS, err, errlen);
    if (n < 0)
        return -1;
    memset(t, 0, sizeof *t);
    t->tokens = model_phase_tokens(ph);
    int ov = 0, ov_elem = 0;
    double macs = 0, elements = 0; /* the same sums, for the message */
    for (int i = 0; i < n; i++) {
        const model_op *o = &ops[i];
        const uint64_t inst = count_mul(o->count, o->repeat, &ov);
        uint64_t *dst = NULL;
        switch (o->kind) {
        case MODEL_OP_LINEAR:
            t->linear_macs = count_addmul(t->linear_macs, o->macs, inst, &ov);
            if (strcmp(o->name, "lm_head") == 0)
                t->lm_head_macs = count_addmul(t->lm_head_macs, o->macs, inst, &ov);
            macs += (double)o->macs * (double)o->count * (double)o->repeat;
            continue;
        case MODEL_OP_ATTENTION:
            t->attention_macs = count_addmul(t->attention_macs, o->macs, inst, &ov);
            macs += (double)o->macs * (double)o->count * (double)o->repeat;
            continue;
        case MODEL_OP_NORM: dst = &t->norm_elements; break;
        case MODEL_OP_SOFTMAX: dst = &t->softmax_elements; break;
        case MODEL_OP_ACTIVATION: dst = &t->activation_elements; break;
        case MODEL_OP_ELEMENTWISE: dst = &t->elementwise_elements; break;
        }
        *dst = count_addmul(*dst, o->elements, inst, &ov_elem);
        elements += (double)o->elements * (double)o->count * (double)o->repeat;
    }
    /* the report's total MACs */
    count_add(t->linear_macs, t->attention_macs, &ov);
    if (ov || ov_elem) {
        snprintf(err, errlen, "count overflow: the phase's %s, %.3g, pass 2^63 - 1 = %.3g, the "
                 "most lutsim can count", ov ? "MACs" : "vector elements", ov ? macs : elements,
                 (double)COUNT_MAX);
        return -1;
    }
    return 0;
}

int model_kv_cache_bytes(const model_cfg *mc, const model_phase *ph, uint64_t *bytes)
{
    model_cfg c = *mc;
    char err[256];
    *bytes = COUNT_MAX;
    if (model_cfg_finish(&c, err, sizeof err) || phase_check(ph, err, sizeof err))
        return -1;
    const uint64_t keys = ph->kind == MODEL_PREFILL ? (uint64_t)ph->seq_len : (uint64_t)ph->context;
    int ov = 0;
    *bytes = count_mul(attn_kv_values(&c, keys, &ov), (uint64_t)ph->batch, &ov);
    return ov ? -1 : 0;
}

/* With the ranges of model_cfg_finish (hidden <= 2^20, intermediate <= 2^22,
 * heads x head_dim <= 2^24, layers <= 2^12, vocab <= 2^24) every product
 * below stays under 2^57: no overflow checks needed. */
void model_param_count(const model_cfg *mc, model_params *p)
{
    model_cfg c = *mc;
    char err[256];
    memset(p, 0, sizeof *p);
    if (model_cfg_finish(&c, err, sizeof err))
        return;
    const uint64_t L = (uint64_t)c.num_hidden_layers, h = (uint64_t)c.hidden_size;
    const uint64_t im = (uint64_t)c.intermediate_size, hd = (uint64_t)c.head_dim;
    const uint64_t q = (uint64_t)c.num_attention_heads * hd;
    const uint64_t kv = (uint64_t)c.num_key_value_heads * hd;
    const uint64_t V = (uint64_t)c.vocab_size;
    uint64_t attn = attn_layer_params(&c);
    uint64_t mlp = (c.gated_mlp ? 3 : 2) * h * im;
    const uint64_t Lm = (uint64_t)moe_layer_count(&c);
    p->linear = L * attn + (L - Lm) * mlp + Lm * moe_layer_params(&c);
    uint64_t bias = 0;
    if (c.linear_bias)
        bias = q + 2 * kv + h + (c.gated_mlp ? 2 * im : im) + h; /* dense families only */
    else if (c.qkv_bias)
        bias = q + 2 * kv;
    p->bias = L * bias;
    uint64_t nw = c.norm_bias ? 2 : 1; /* weight (+ bias) per normalized feature */
    uint64_t layer_norm = 2 * h + (c.sub_norms ? q + im : 0) + attn_layer_norm_params(&c);
    p->norm = nw * (L * layer_norm + h);
    p->embed = V * h + (uint64_t)c.learned_positions * h;
    p->lm_head = c.tie_word_embeddings ? 0 : V * h;
    p->total = p->linear + p->bias + p->norm + p->embed + p->lm_head;
}

/* ---- quantization presets ---- */

static const struct {
    const char *name;
    lut_wfmt fmt;
    int bits;
} builtin_quant[] = {
    { "W1.58A8", LUT_WFMT_TERNARY, 2 }, { "W1A8", LUT_WFMT_BINARY, 1 },
    { "W2A8", LUT_WFMT_INT, 2 },        { "W3A8", LUT_WFMT_INT, 3 },
    { "W4A8", LUT_WFMT_INT, 4 },        { "W8A8", LUT_WFMT_INT, 8 },
};
#define N_BUILTIN ((int)(sizeof builtin_quant / sizeof builtin_quant[0]))

static int ieq(const char *a, const char *b)
{
    while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b))
        a++, b++;
    return *a == 0 && *b == 0;
}

int quant_preset_count(void) { return N_BUILTIN; }

const char *quant_preset_name(int i)
{
    return i >= 0 && i < N_BUILTIN ? builtin_quant[i].name : NULL;
}

int quant_preset_named(const char *name, quant_preset *out)
{
    for (int i = 0; i < N_BUILTIN; i++) {
        if (ieq(name, builtin_quant[i].name)) {
            memset(out, 0, sizeof *out);
            snprintf(out->name, sizeof out->name, "%s", builtin_quant[i].name);
            out->w.fmt = builtin_quant[i].fmt;
            out->w.bits = builtin_quant[i].bits;
            out->group_size = LUT_DEFAULT_GROUP;
            out->abits = 8;
            out->kv_bits = 8;
            return 0;
        }
    }
    return -1;
}

int quant_check(const quant_preset *q, char *err, size_t errlen)
{
    if (q->mixture == QUANT_MIX_BITMOD && (q->w.fmt != LUT_WFMT_INT || !bitmod_bits_ok(q->w.bits))) {
        snprintf(err, errlen, "wbits: BitMoD weights are 3 or 4 bits, got %d", q->w.bits);
        return -1;
    }
    if (q->mixture != QUANT_MIX_NONE && q->mixture != QUANT_MIX_BITMOD) {
        snprintf(err, errlen, "wfmt: unknown datatype mixture %d", q->mixture);
        return -1;
    }
    if (q->wfp16 && (q->w.fmt != LUT_WFMT_INT || q->w.bits != 16 || q->mixture ||
                     q->zp_bits || q->packing != QUANT_PACK_NONE)) {
        snprintf(err, errlen, "wfmt: \"fp16\" weights are 16 bits with no zero_point, "
                 "packing or datatype mixture");
        return -1;
    }
    if (q->afp16 && q->abits != 16) {
        snprintf(err, errlen, "afmt: \"fp16\" activations are 16 bits (abits 16), got %d",
                 q->abits);
        return -1;
    }
    if (q->decode_wbits && (q->w.fmt != LUT_WFMT_INT || q->wfp16 ||
                            (q->mixture == QUANT_MIX_BITMOD ? !bitmod_bits_ok(q->decode_wbits)
                                                            : q->decode_wbits < 2 ||
                                                                  q->decode_wbits > LUT_MAX_WBITS))) {
        snprintf(err, errlen, "decode_wbits: expected the decode phase's bits of the same "
                 "integer or BitMoD format (%s), got %d",
                 q->mixture == QUANT_MIX_BITMOD ? "3 or 4" : "2..8", q->decode_wbits);
        return -1;
    }
    switch (q->wfp16 ? -1 : (int)q->w.fmt) {
    case -1: /* checked above */
        break;
    case LUT_WFMT_INT:
    case LUT_WFMT_UINT:
        if (q->w.bits < 2 || q->w.bits > LUT_MAX_WBITS) {
            snprintf(err, errlen, "wbits: expected an integer 2..%d for %s weights, got %d",
                     LUT_MAX_WBITS, lut_wfmt_name(q->w.fmt), q->w.bits);
            return -1;
        }
        break;
    case LUT_WFMT_TERNARY:
        if (q->w.bits != 2) {
            snprintf(err, errlen, "wbits: ternary weights are packed as 2 bits, got %d",
                     q->w.bits);
            return -1;
        }
        break;
    case LUT_WFMT_BINARY:
        if (q->w.bits != 1) {
            snprintf(err, errlen, "wbits: binary weights are 1 bit, got %d", q->w.bits);
            return -1;
        }
        break;
    default:
        snprintf(err, errlen, "wfmt: expected \"int\", \"uint\", \"ternary\" or \"binary\"");
        return -1;
    }
    if (q->group_size < 0 || q->group_size > (1 << 20)) {
        snprintf(err, errlen, "group_size: expected an integer 0..1048576, got %d",
                 q->group_size);
        return -1;
    }
    if (q->kv_bits == 16 && !q->afp16) {
        snprintf(err, errlen, "kv_format: \"fp16\" K/V needs the FP16 datapath "
                 "(\"afmt\": \"fp16\")");
        return -1;
    }
    if (q->kv_bits != 0 && q->kv_bits != 4 && q->kv_bits != 8 && q->kv_bits != 16) {
        snprintf(err, errlen, "kv_format: expected \"int8\", \"int4\" or \"fp16\" "
                 "(%d-bit K/V)", q->kv_bits);
        return -1;
    }
    if (q->abits != 4 && q->abits != 8 && q->abits != 16) {
        /* what the act buffer and the precompute read (lut_act_get) */
        snprintf(err, errlen, "abits: expected 4, 8 or 16 (activation bits), got %d", q->abits);
        return -1;
    }
    return quant_layout_check(q, err, errlen);
}

void quant_for_phase(const quant_preset *q, int kind, quant_preset *out)
{
    *out = *q;
    if (kind == MODEL_DECODE && q->decode_wbits)
        out->w.bits = q->decode_wbits;
}

static void matrix_bytes(model_bytes *b, const quant_preset *q, uint64_t n, uint64_t k,
                         uint64_t times)
{
    quant_bytes qb;
    quant_matrix_bytes(q, n, k, &qb);
    b->weight_bytes += times * qb.weight_bytes;
    b->groups += times * qb.groups;
    b->scale_bytes += times * qb.meta_bytes;
}

struct attn_bytes {
    model_bytes *b;
    const quant_preset *q;
    uint64_t layers;
};

static void attn_matrix_bytes(void *ctx, uint64_t n, uint64_t k, uint64_t times)
{
    struct attn_bytes *a = ctx;
    matrix_bytes(a->b, a->q, n, k, times * a->layers);
}

void model_weight_bytes(const model_cfg *mc, const quant_preset *q, model_bytes *b)
{
    memset(b, 0, sizeof *b);
    model_cfg c = *mc;
    char err[256];
    if (model_cfg_finish(&c, err, sizeof err))
        return;
    const uint64_t L = (uint64_t)c.num_hidden_layers, h = (uint64_t)c.hidden_size;
    const uint64_t im = (uint64_t)c.intermediate_size;
    struct attn_bytes ab = { b, q, L };
    attn_layer_matrices(&c, attn_matrix_bytes, &ab);
    const uint64_t Lm = (uint64_t)moe_layer_count(&c), Ld = L - Lm;
    matrix_bytes(b, q, im, h, (c.gated_mlp ? 2 : 1) * Ld);
    matrix_bytes(b, q, h, im, Ld);
    if (Lm) { /* router, every routed expert, the shared experts and their gate */
        const uint64_t E = (uint64_t)c.moe_experts, eim = (uint64_t)c.moe_intermediate;
        const uint64_t sh = (uint64_t)c.moe_shared_intermediate;
        matrix_bytes(b, q, E, h, Lm);
        matrix_bytes(b, q, eim, h, 2 * E * Lm);
        matrix_bytes(b, q, h, eim, E * Lm);
        if (sh) {
            matrix_bytes(b, q, sh, h, 2 * Lm);
            matrix_bytes(b, q, h, sh, Lm);
        }
        if (c.moe_shared_gate)
            matrix_bytes(b, q, 1, h, Lm);
    }
    model_params p;
    model_param_count(&c, &p);
    b->fp16_bytes = 2 * (p.total - p.linear);
}
