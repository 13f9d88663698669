/* moe.c - router, shared and routed experts of a MoE decoder layer. */
#include "moe.h"

#include "routing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int moe_layer_is_moe(const model_cfg *m, int l)
{
    if (m->moe_experts <= 0 || l < 0 || l >= MODEL_MAX_LAYERS)
        return 0;
    return (int)(m->moe_layer_mask[l / 64] >> (l % 64) & 1);
}

int moe_layer_count(const model_cfg *m)
{
    int n = 0;
    for (int l = 0; l < m->num_hidden_layers; l++)
        n += moe_layer_is_moe(m, l);
    return n;
}

int moe_cfg_finish(model_cfg *m, char *err, size_t errlen)
{
    if (m->moe_experts == 0)
        return 0;
    if (m->moe_experts < 2 || m->moe_experts > 65536) {
        snprintf(err, errlen, "num_experts: expected 2..65536 routed experts, got %d",
                 m->moe_experts);
        return -1;
    }
    if (m->moe_top_k < 1 || m->moe_top_k > m->moe_experts) {
        snprintf(err, errlen, "num_experts_per_tok: expected 1..%d (the routed experts), got %d",
                 m->moe_experts, m->moe_top_k);
        return -1;
    }
    if (m->moe_intermediate == 0)
        m->moe_intermediate = m->intermediate_size;
    if (m->moe_intermediate < 1 || m->moe_intermediate > (1 << 22) ||
        m->moe_shared_intermediate < 0 || m->moe_shared_intermediate > (1 << 24)) {
        snprintf(err, errlen, "moe_intermediate_size: expected 1..%d, got %d (shared %d)",
                 1 << 22, m->moe_intermediate, m->moe_shared_intermediate);
        return -1;
    }
    const int L = m->num_hidden_layers;
    for (int l = L; l < MODEL_MAX_LAYERS; l++)
        m->moe_layer_mask[l / 64] &= ~((uint64_t)1 << (l % 64));
    int any = 0;
    for (int w = 0; w < MODEL_MAX_LAYERS / 64; w++)
        any |= m->moe_layer_mask[w] != 0;
    if (!any)
        for (int l = 0; l < L; l++)
            m->moe_layer_mask[l / 64] |= (uint64_t)1 << (l % 64);
    return 0;
}

uint64_t moe_layer_params(const model_cfg *m)
{
    const uint64_t h = (uint64_t)m->hidden_size, E = (uint64_t)m->moe_experts;
    return h * E + E * 3 * h * (uint64_t)m->moe_intermediate +
           3 * h * (uint64_t)m->moe_shared_intermediate + (m->moe_shared_gate ? h : 0);
}

typedef struct {
    uint64_t m, count;
} group;

/* Adds count instances of M tokens to the groups (sorted by M). */
static int group_add(group *g, int *ng, uint64_t M, uint64_t count)
{
    if (count == 0)
        return 0;
    int i = 0;
    while (i < *ng && g[i].m < M)
        i++;
    if (i < *ng && g[i].m == M) {
        g[i].count += count;
        return 0;
    }
    if (*ng >= MOE_MAX_GROUPS)
        return -1;
    memmove(&g[i + 1], &g[i], sizeof *g * (size_t)(*ng - i));
    g[i] = (group){ M, count };
    (*ng)++;
    return 0;
}

int moe_block_ops(oplist *l, const model_cfg *c, const model_phase *ph, char *err,
                  size_t errlen)
{
    const int nmoe = moe_layer_count(c);
    if (nmoe == 0)
        return 0;
    const uint64_t T = model_phase_tokens(ph), Lm = (uint64_t)nmoe;
    const uint64_t h = (uint64_t)c->hidden_size, E = (uint64_t)c->moe_experts;
    const uint64_t k = (uint64_t)c->moe_top_k, im = (uint64_t)c->moe_intermediate;
    const uint64_t sh = (uint64_t)c->moe_shared_intermediate;
    int *touched = malloc(sizeof *touched * (size_t)nmoe);
    if (!touched) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (moe_route(c, ph, touched, nmoe, err, errlen) != 0) {
        free(touched);
        return -1;
    }
    group g[MOE_MAX_GROUPS];
    int ng = 0, bad = 0;
    const uint64_t pairs = ol_mul(l, T, k); /* token-expert pairs per layer */
    for (int i = 0; i < nmoe && !bad; i++) {
        const uint64_t D = (uint64_t)touched[i], q = pairs / D, r = pairs % D;
        bad = group_add(g, &ng, q + 1, r) || group_add(g, &ng, q, D - r);
    }
    free(touched);
    if (bad) {
        snprintf(err, errlen, "routing: the experts' token counts take more than %d "
                 "shapes", MOE_MAX_GROUPS);
        return -1;
    }

    ol_linear(l, "moe.router", T, E, h, 1, Lm);
    ol_elems(l, "moe.router_softmax", MODEL_OP_SOFTMAX, "softmax", 1, ol_mul(l, T, E), Lm);
    if (sh) {
        ol_linear(l, "moe.shared_gate_proj", T, sh, h, 1, Lm);
        ol_linear(l, "moe.shared_up_proj", T, sh, h, 1, Lm);
        ol_elems(l, "moe.shared_act_fn", MODEL_OP_ACTIVATION, c->act, 1, ol_mul(l, T, sh), Lm);
        ol_elems(l, "moe.shared_mul", MODEL_OP_ELEMENTWISE, "mul", 1, ol_mul(l, T, sh), Lm);
        ol_linear(l, "moe.shared_down_proj", T, h, sh, 1, Lm);
        if (c->moe_shared_gate) {
            ol_linear(l, "moe.shared_gate", T, 1, h, 1, Lm);
            ol_elems(l, "moe.shared_scale", MODEL_OP_ELEMENTWISE, "mul", 1, ol_mul(l, T, h), Lm);
        }
    }
    for (int i = 0; i < ng; i++) {
        char nm[5][MODEL_OP_NAME_MAX];
        static const char *const part[5] = { "gate", "up", "act", "mul", "down" };
        for (int p = 0; p < 5; p++)
            snprintf(nm[p], sizeof nm[p], "moe.expert_%s[m=%llu]", part[p],
                     (unsigned long long)g[i].m);
        const uint64_t M = g[i].m, n = g[i].count;
        ol_linear(l, nm[0], M, im, h, n, 1);
        ol_linear(l, nm[1], M, im, h, n, 1);
        ol_elems(l, nm[2], MODEL_OP_ACTIVATION, c->act, n, ol_mul(l, M, im), 1);
        ol_elems(l, nm[3], MODEL_OP_ELEMENTWISE, "mul", n, ol_mul(l, M, im), 1);
        ol_linear(l, nm[4], M, h, im, n, 1);
    }
    ol_elems(l, "moe.combine", MODEL_OP_ELEMENTWISE, "add", 1, ol_mul(l, pairs, h), Lm);
    return 0;
}
