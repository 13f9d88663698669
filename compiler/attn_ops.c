/* attn_ops.c - attention projections and matmuls: plain, windowed, MLA. */
#include "attn_ops.h"

#include "count.h"

#include <stdio.h>
#include <string.h>

int attn_layer_windowed(const model_cfg *m, int l)
{
    if (m->sliding_window <= 0 || l < 0 || l >= MODEL_MAX_LAYERS)
        return 0;
    return (int)(m->window_layer_mask[l / 64] >> (l % 64) & 1);
}

uint64_t attn_window_entries(uint64_t S, uint64_t W)
{
    if (W == 0 || S <= W)
        return S * (S + 1) / 2;
    return W * (W + 1) / 2 + (S - W) * W;
}

static int mla(const model_cfg *c) { return c->mla_kv_lora > 0; }

int attn_cfg_finish(model_cfg *m, char *err, size_t errlen)
{
    for (int l = m->num_hidden_layers; l < MODEL_MAX_LAYERS; l++)
        m->window_layer_mask[l / 64] &= ~((uint64_t)1 << (l % 64));
    if (m->sliding_window < 0 || m->sliding_window > (1 << 30)) {
        snprintf(err, errlen, "sliding_window: expected 1..%d, got %d", 1 << 30, m->sliding_window);
        return -1;
    }
    if (!mla(m))
        return 0;
    const struct { const char *key; int v, lo; } f[] = {
        { "q_lora_rank", m->mla_q_lora, 0 },     { "kv_lora_rank", m->mla_kv_lora, 1 },
        { "qk_nope_head_dim", m->mla_qk_nope, 1 }, { "qk_rope_head_dim", m->mla_qk_rope, 1 },
        { "v_head_dim", m->mla_v_head, 1 },
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v < f[i].lo || f[i].v > 65536) {
            snprintf(err, errlen, "%s: expected %d..65536, got %d", f[i].key, f[i].lo, f[i].v);
            return -1;
        }
    if (m->mla_qk_nope + m->mla_qk_rope > 4096 || m->mla_kv_lora + m->mla_qk_rope > 4096) {
        snprintf(err, errlen, "kv_lora_rank: kv_lora_rank + qk_rope_head_dim (%d) and "
                 "qk_nope_head_dim + qk_rope_head_dim (%d) must be at most 4096",
                 m->mla_kv_lora + m->mla_qk_rope, m->mla_qk_nope + m->mla_qk_rope);
        return -1;
    }
    return 0;
}

/* Score, softmax and context of one group of layers: per (sequence, head)
 * `entries` scores, qk and v dimensions, the kernel's geometry. */
typedef struct {
    const char *suffix;
    uint64_t qrows, keys, entries, qk, v, repeat;
    int heads, kv_heads, head_dim, v_dim; /* as the kernel runs it */
    int window;                    /* prefill with a binding window: W */
} attn_group;

static void set_geometry(oplist *l, int first, const attn_group *g)
{
    for (int i = first; i < l->n; i++) {
        l->ops[i].attn_heads = g->heads;
        l->ops[i].attn_kv_heads = g->kv_heads;
        l->ops[i].attn_head_dim = g->head_dim;
        l->ops[i].attn_v_dim = g->v_dim;
        l->ops[i].attn_keys = g->keys;
        l->ops[i].attn_window = g->window;
    }
}

static void group_ops(oplist *l, uint64_t BH, const attn_group *g)
{
    char s[MODEL_OP_NAME_MAX], x[MODEL_OP_NAME_MAX], c[MODEL_OP_NAME_MAX];
    snprintf(s, sizeof s, "layer.attn_score%s", g->suffix);
    snprintf(x, sizeof x, "layer.softmax%s", g->suffix);
    snprintf(c, sizeof c, "layer.attn_context%s", g->suffix);
    const int first = l->n;
    ol_attention(l, s, g->qrows, g->keys, g->qk, ol_mul(l, g->entries, g->qk), BH, g->repeat);
    ol_elems(l, x, MODEL_OP_SOFTMAX, "softmax", BH, g->entries, g->repeat);
    ol_attention(l, c, g->qrows, g->v, g->keys, ol_mul(l, g->entries, g->v), BH, g->repeat);
    set_geometry(l, first, g);
}

/* The attention matmuls, split into the layers whose window binds and the
 * rest. */
static void matmuls(oplist *l, const model_cfg *c, const model_phase *ph, uint64_t qk,
                    uint64_t v, int heads, int kv_heads, int head_dim, int v_dim)
{
    const int prefill = ph->kind == MODEL_PREFILL;
    const uint64_t S = prefill ? (uint64_t)ph->seq_len : 1;
    const uint64_t keys = prefill ? S : (uint64_t)ph->context;
    const uint64_t W = (uint64_t)c->sliding_window;
    int windowed = 0;
    for (int i = 0; i < c->num_hidden_layers; i++)
        windowed += attn_layer_windowed(c, i);
    const int binds = W > 0 && keys > W;
    const uint64_t L = (uint64_t)c->num_hidden_layers, Lw = binds ? (uint64_t)windowed : 0;
    const uint64_t BH = (uint64_t)ph->batch * (uint64_t)c->num_attention_heads;
    attn_group full = { "", S, keys, prefill ? S * (S + 1) / 2 : keys, qk, v, L - Lw,
                        heads, kv_heads, head_dim, v_dim, 0 };
    if (L > Lw)
        group_ops(l, BH, &full);
    if (Lw) {
        attn_group w = full;
        w.suffix = "_swa";
        w.keys = prefill ? S : W;
        w.entries = prefill ? attn_window_entries(S, W) : W;
        w.repeat = Lw;
        w.window = prefill ? (int)W : 0;
        group_ops(l, BH, &w);
    }
}

static void plain_block(oplist *l, const model_cfg *c, const model_phase *ph, const char *norm)
{
    const uint64_t L = (uint64_t)c->num_hidden_layers, h = (uint64_t)c->hidden_size;
    const uint64_t hd = (uint64_t)c->head_dim, T = model_phase_tokens(ph);
    const uint64_t qd = (uint64_t)c->num_attention_heads * hd;
    const uint64_t kvd = (uint64_t)c->num_key_value_heads * hd;
    ol_linear(l, "layer.q_proj", T, qd, h, 1, L);
    ol_linear(l, "layer.k_proj", T, kvd, h, 1, L);
    ol_linear(l, "layer.v_proj", T, kvd, h, 1, L);
    if (!c->learned_positions)
        ol_elems(l, "layer.rope", MODEL_OP_ELEMENTWISE, "rope", 1, ol_mul(l, T, qd + kvd), L);
    matmuls(l, c, ph, hd, hd, c->num_attention_heads, c->num_key_value_heads, c->head_dim, 0);
    if (c->sub_norms)
        ol_elems(l, "layer.attn_sub_norm", MODEL_OP_NORM, norm, 1, ol_mul(l, T, qd), L);
    ol_linear(l, "layer.o_proj", T, h, qd, 1, L);
}

static void mla_block(oplist *l, const model_cfg *c, const model_phase *ph, const char *norm)
{
    const uint64_t L = (uint64_t)c->num_hidden_layers, h = (uint64_t)c->hidden_size;
    const uint64_t T = model_phase_tokens(ph), H = (uint64_t)c->num_attention_heads;
    const uint64_t dn = (uint64_t)c->mla_qk_nope, dr = (uint64_t)c->mla_qk_rope;
    const uint64_t dv = (uint64_t)c->mla_v_head, rq = (uint64_t)c->mla_q_lora;
    const uint64_t rkv = (uint64_t)c->mla_kv_lora;
    if (rq) {
        ol_linear(l, "layer.q_a_proj", T, rq, h, 1, L);
        ol_elems(l, "layer.q_a_norm", MODEL_OP_NORM, norm, 1, ol_mul(l, T, rq), L);
        ol_linear(l, "layer.q_b_proj", T, H * (dn + dr), rq, 1, L);
    } else {
        ol_linear(l, "layer.q_proj", T, H * (dn + dr), h, 1, L);
    }
    ol_linear(l, "layer.kv_a_proj", T, rkv + dr, h, 1, L);
    ol_elems(l, "layer.kv_a_norm", MODEL_OP_NORM, norm, 1, ol_mul(l, T, rkv), L);
    ol_elems(l, "layer.rope", MODEL_OP_ELEMENTWISE, "rope", 1, ol_mul(l, T, H * dr + dr), L);
    const int H_ = c->num_attention_heads;
    if (ph->kind == MODEL_PREFILL) {
        ol_linear(l, "layer.kv_b_proj", T, H * (dn + dv), rkv, 1, L);
        matmuls(l, c, ph, dn + dr, dv, H_, H_, (int)(dn + dr > dv ? dn + dr : dv), (int)dv);
    } else {
        ol_linear(l, "layer.q_absorb", T, rkv, dn, H, L);
        matmuls(l, c, ph, rkv + dr, rkv, H_, 1, (int)(rkv + dr), (int)rkv);
        ol_linear(l, "layer.v_absorb", T, dv, rkv, H, L);
    }
    ol_linear(l, "layer.o_proj", T, h, H * dv, 1, L);
}

void attn_block_ops(oplist *l, const model_cfg *c, const model_phase *ph)
{
    const char *norm = c->norm_bias ? "layernorm" : "rmsnorm";
    if (mla(c))
        mla_block(l, c, ph, norm);
    else
        plain_block(l, c, ph, norm);
}

uint64_t attn_kv_values(const model_cfg *m, uint64_t keys, int *ovf)
{
    const uint64_t per = mla(m) ? (uint64_t)(m->mla_kv_lora + m->mla_qk_rope)
                                : 2 * (uint64_t)m->num_key_value_heads * (uint64_t)m->head_dim;
    const uint64_t W = (uint64_t)m->sliding_window;
    uint64_t sum = 0;
    for (int l = 0; l < m->num_hidden_layers; l++) {
        const uint64_t k = attn_layer_windowed(m, l) && keys > W ? W : keys;
        sum = count_addmul(sum, per, k, ovf);
    }
    return sum;
}

typedef struct {
    uint64_t sum;
} param_sum;

static void add_params(void *ctx, uint64_t n, uint64_t k, uint64_t times)
{
    ((param_sum *)ctx)->sum += n * k * times;
}

void attn_layer_matrices(const model_cfg *c,
                         void (*fn)(void *ctx, uint64_t n, uint64_t k, uint64_t times), void *ctx)
{
    const uint64_t h = (uint64_t)c->hidden_size, H = (uint64_t)c->num_attention_heads;
    if (!mla(c)) {
        const uint64_t qd = H * (uint64_t)c->head_dim;
        const uint64_t kvd = (uint64_t)c->num_key_value_heads * (uint64_t)c->head_dim;
        fn(ctx, qd, h, 1);
        fn(ctx, kvd, h, 2);
        fn(ctx, h, qd, 1);
        return;
    }
    const uint64_t dn = (uint64_t)c->mla_qk_nope, dr = (uint64_t)c->mla_qk_rope;
    const uint64_t dv = (uint64_t)c->mla_v_head, rq = (uint64_t)c->mla_q_lora;
    const uint64_t rkv = (uint64_t)c->mla_kv_lora;
    if (rq) {
        fn(ctx, rq, h, 1);
        fn(ctx, H * (dn + dr), rq, 1);
    } else {
        fn(ctx, H * (dn + dr), h, 1);
    }
    fn(ctx, rkv + dr, h, 1);
    fn(ctx, H * (dn + dv), rkv, 1);
    fn(ctx, h, H * dv, 1);
}

uint64_t attn_layer_params(const model_cfg *m)
{
    param_sum p = { 0 };
    attn_layer_matrices(m, add_params, &p);
    return p.sum;
}

uint64_t attn_layer_norm_params(const model_cfg *m)
{
    return mla(m) ? (uint64_t)m->mla_kv_lora + (uint64_t)m->mla_q_lora : 0;
}
