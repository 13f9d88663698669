/* lut_gemm_float.c - the host GEMM on float activations: a scalar loop
 * through lut_float.h, in the order the C model's units take (per row and
 * scale group: the group's tables and activation sum as tprec builds
 * them; per column the bit-plane sum as lmma accumulates it, chunks in K
 * order and planes low to high; then dq's zero-point term and scale onto
 * the running output, groups in K order). */
#include "lut_float.h"
#include "lut_gemm.h"

#include <stdio.h>
#include <stdlib.h>

/* One row and one group: the tables of its chunks into tabs (tb bytes
 * each) and its activation sum. */
static float group_tables(const lut_packed *w, struct lut_float_fmt f, const uint8_t *row, int g,
                          uint8_t *tabs, uint64_t tb)
{
    const int tk = w->cfg.tk;
    float sum = 0.0f;
    for (int c = w->group_c0[g]; c < w->group_c0[g + 1]; c++) {
        float chunk[LUT_MAX_TK] = { 0 };
        for (int j = 0; j < w->chunk_len[c]; j++) {
            chunk[j] = lut_afmt_load(row, (lut_afmt)f.afmt, (uint64_t)(w->chunk_k0[c] + j));
            sum += chunk[j];
        }
        lut_ftable_precompute(chunk, tk, (lut_tfmt)f.tfmt, tabs + (uint64_t)(c - w->group_c0[g]) * tb);
    }
    return sum;
}

/* Column col's bit-plane sum over group g's chunks. */
static float plane_sum(const lut_packed *w, struct lut_float_fmt f, int g, int col,
                       const uint8_t *tabs, uint64_t tb)
{
    const int W = w->cfg.wtype.bits, E = lut_table_entries(w->cfg.tk);
    float acc = 0.0f;
    for (int c = w->group_c0[g]; c < w->group_c0[g + 1]; c++) {
        const uint8_t *t = tabs + (uint64_t)(c - w->group_c0[g]) * tb;
        for (int i = 0; i < W; i++) {
            const uint8_t idx = w->idx[((size_t)c * W + i) * w->n + col];
            acc = lut_fshift_acc(acc, lut_ftable_lookup(t, (lut_tfmt)f.tfmt, E, idx), i);
        }
    }
    return acc;
}

int lut_gemm_fact(const lut_packed *w, struct lut_float_fmt f, const uint8_t *a, int m,
                  const float *scales, float *c, lut_counts *counts, char *err, size_t errlen)
{
    const int E = lut_table_entries(w->cfg.tk), shift = lut_post_shift(w->cfg.wtype.fmt);
    const uint64_t tb = lut_tfmt_table_bytes((lut_tfmt)f.tfmt, E);
    int most = 0; /* chunks of the longest group */
    for (int g = 0; g < w->ngroups; g++)
        if (w->group_c0[g + 1] - w->group_c0[g] > most)
            most = w->group_c0[g + 1] - w->group_c0[g];
    uint8_t *tabs = malloc((size_t)most * tb + 1);
    if (!tabs) {
        snprintf(err, errlen, "out of host memory for the tables");
        return -1;
    }
    const uint64_t rowb = (uint64_t)w->kd * (uint64_t)lut_afmt_bytes((lut_afmt)f.afmt);
    for (int r = 0; r < m; r++) {
        float *out = c + (size_t)r * w->n;
        for (int g = 0; g < w->ngroups; g++) {
            const float asum = group_tables(w, f, a + (uint64_t)r * rowb, g, tabs, tb);
            for (int col = 0; col < w->n; col++) {
                const size_t mg = (size_t)col * w->ngroups + (size_t)g;
                const float gr = lut_fgroup_result(plane_sum(w, f, g, col, tabs, tb), w->corr[mg],
                                                   asum, shift);
                out[col] = lut_dequant_f(g ? out[col] : 0.0f, scales ? scales[mg] : 1.0f, gr);
            }
        }
    }
    free(tabs);
    if (counts) {
        lut_gemm_count(w, m, counts);
        counts->precompute_adds = counts->tables * (uint64_t)E * (uint64_t)(w->cfg.tk - 1) +
                                  (uint64_t)m * (uint64_t)w->kd;
    }
    return 0;
}
