/* attention_mma.c - attention as score GEMM, softmax, context GEMM (attention_mma.h). */
#include "attention_mma.h"

#include "gemm.h"
#include "periodic.h"
#include "vector.h"

#include <stdio.h>
#include <string.h>

static int add(sim_stats *acc, const sim_stats *x, uint64_t k, char *err, size_t errlen)
{
    if (sim_stats_add(acc, x, k) != 0) {
        snprintf(err, errlen, "the layer's cycles or events exceed 2^63 - 1");
        return -1;
    }
    return 0;
}

/* One GEMM of the layer for each of `count` heads (KV heads x sequences),
 * run as one program (gemm_shape.batch): a head's loads overlap the
 * previous head's mma, as a double-buffered array streams them.  More
 * than 8 heads: programs of 4 and 6 heads, extended linearly (periodic.h:
 * every head after the first repeats the same instructions). */
static int step_gemm(const arch_t *a, const energy_model *em, uint64_t m, int n, int k, int bits,
                     uint64_t count, sim_stats *acc, int *sampled, char *err, size_t errlen)
{
    gemm_shape g;
    memset(&g, 0, sizeof g);
    g.wtype.fmt = LUT_WFMT_INT;
    g.wtype.bits = bits;
    g.group_size = k;
    g.m = m, g.n = n, g.kd = k;
    g.batch = count <= 8 ? count : 4;
    sim_stats st;
    int smp = 0;
    if (gemm_timing(a, em, &g, &st, &smp, err, errlen) != 0)
        return -1;
    if (count > 8) {
        sim_stats six;
        g.batch = 6;
        if (gemm_timing(a, em, &g, &six, &smp, err, errlen) != 0)
            return -1;
        if (periodic_extend(&st, &six, count) != 0) {
            snprintf(err, errlen, "the layer's cycles or events exceed 2^63 - 1");
            return -1;
        }
        smp = 1;
    }
    *sampled = *sampled || smp;
    return add(acc, &st, 1, err, errlen);
}

int attn_mma_timing(const arch_t *a, const energy_model *em, const attn_shape *s,
                    attn_stage st, sim_stats *stats, int *sampled, int *programs, char *err,
                    size_t errlen)
{
    memset(stats, 0, sizeof *stats);
    *sampled = 0;
    if (s->kv_heads <= 0 || s->heads % s->kv_heads) {
        snprintf(err, errlen, "heads %d are not a multiple of kv_heads %d", s->heads, s->kv_heads);
        return -1;
    }
    const uint64_t gh = (uint64_t)(s->heads / s->kv_heads);
    const uint64_t units = (uint64_t)s->batch * (uint64_t)s->kv_heads;
    const uint64_t m = gh * (uint64_t)s->q_len;
    int n = 0;
    if ((st == ATTN_FUSED || st == ATTN_SCORE) &&
        step_gemm(a, em, m, s->kv_len, s->head_dim, s->kv_bits, units, stats, sampled, err,
                  errlen) != 0)
        return -1;
    n += st == ATTN_FUSED || st == ATTN_SCORE;
    if (st == ATTN_FUSED || st == ATTN_SOFTMAX) {
        vec_shape v = { VFN_SOFTMAX_F32, units * m, (uint64_t)s->kv_len, 0, 1, 0 };
        sim_stats vs;
        int smp = 0;
        if (vec_timing(a, em, &v, &vs, &smp, err, errlen) != 0 || add(stats, &vs, 1, err, errlen))
            return -1;
        *sampled = *sampled || smp;
        n++;
    }
    if ((st == ATTN_FUSED || st == ATTN_CONTEXT) &&
        step_gemm(a, em, m, s->head_dim, s->kv_len, s->kv_bits, units, stats, sampled, err,
                  errlen) != 0)
        return -1;
    n += st == ATTN_FUSED || st == ATTN_CONTEXT;
    if (programs)
        *programs = n;
    if (em)
        sim_energy(em, stats);
    return 0;
}
