/* lut_gemm.c - weight packing and the LUT GEMM driver.
 *
 * The driver builds each activation row's tables once, then hands groups of
 * chunks to a look-up kernel (lut_kernel.h): a portable one, and a SIMD one
 * where the host has it.  Both produce the same integers; the tests hold
 * them to the naive reference.
 */
#include "lut_gemm.h"
#include "lut_kernel.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lut_gemm_cfg_default(lut_gemm_cfg *cfg, lut_wtype wt)
{
    cfg->wtype = wt;
    cfg->atype = LUT_ACT_INT8;
    cfg->tk = LUT_DEFAULT_TK;
    cfg->group_size = LUT_DEFAULT_GROUP;
    cfg->portable = 0;
}

int lut_gemm_cfg_check(const lut_gemm_cfg *cfg, char *err, size_t errlen)
{
    if (lut_wtype_check(cfg->wtype, err, errlen) != 0)
        return -1;
    if (cfg->atype != LUT_ACT_INT8) {
        snprintf(err, errlen, "only INT8 activations are supported");
        return -1;
    }
    if (cfg->tk < LUT_MIN_TK || cfg->tk > LUT_MAX_TK) {
        snprintf(err, errlen, "table group K must be %d..%d, not %d",
                 LUT_MIN_TK, LUT_MAX_TK, cfg->tk);
        return -1;
    }
    if (cfg->group_size < 1) {
        snprintf(err, errlen, "group size must be at least 1, not %d", cfg->group_size);
        return -1;
    }
    if (cfg->group_size > lut_gemm_group_max(cfg->wtype.bits)) {
        snprintf(err, errlen,
                 "group size %d is too large for %d-bit weights (the group "
                 "accumulator is 32-bit; use at most %d)",
                 cfg->group_size, cfg->wtype.bits, lut_gemm_group_max(cfg->wtype.bits));
        return -1;
    }
    return 0;
}

int lut_gemm_group_max_a(int wbits, int abits)
{
    /* The doubled group sum is held in int32: |sum_i 2^i T_i| and the
     * zero-point term are each at most (2^W - 1) * 2^(abits-1) * group. */
    return (int)(INT32_MAX / (2 * (int64_t)((1 << wbits) - 1) * ((int64_t)1 << (abits - 1))));
}

int lut_gemm_group_max(int wbits) { return lut_gemm_group_max_a(wbits, 8); }

void lut_packed_free(lut_packed *p)
{
    free(p->chunk_k0);
    free(p->chunk_len);
    free(p->chunk_group);
    free(p->group_c0);
    free(p->idx);
    free(p->corr);
    memset(p, 0, sizeof *p);
}

int lut_pack(const lut_gemm_cfg *cfg, const int8_t *w, int n, int kd,
             const int32_t *z2, lut_packed *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (lut_gemm_cfg_check(cfg, err, errlen) != 0)
        return -1;
    if (n < 1 || kd < 1) {
        snprintf(err, errlen, "weight matrix must be at least 1 x 1, not %d x %d", n, kd);
        return -1;
    }
    lut_wtype wt = cfg->wtype;
    if (wt.fmt == LUT_WFMT_UINT && z2 == NULL) {
        snprintf(err, errlen, "unsigned weights need zero-points");
        return -1;
    }
    const int tk = cfg->tk, gs = cfg->group_size, bits = wt.bits;
    const int ngroups = (kd + gs - 1) / gs;
    int nchunks = 0;
    for (int g = 0; g < ngroups; g++) {
        int len = (g == ngroups - 1) ? kd - g * gs : gs;
        nchunks += (len + tk - 1) / tk;
    }

    out->cfg = *cfg;
    out->n = n;
    out->kd = kd;
    out->ngroups = ngroups;
    out->nchunks = nchunks;
    out->chunk_k0 = malloc(sizeof(int) * (size_t)nchunks);
    out->chunk_len = malloc(sizeof(int) * (size_t)nchunks);
    out->chunk_group = malloc(sizeof(int) * (size_t)nchunks);
    out->group_c0 = malloc(sizeof(int) * (size_t)(ngroups + 1));
    out->idx = malloc((size_t)nchunks * (size_t)bits * (size_t)n);
    out->corr = malloc(sizeof(int32_t) * (size_t)n * (size_t)ngroups);
    if (!out->chunk_k0 || !out->chunk_len || !out->chunk_group || !out->group_c0 ||
        !out->idx || !out->corr) {
        lut_packed_free(out);
        snprintf(err, errlen, "out of memory packing %d x %d weights", n, kd);
        return -1;
    }

    int c = 0;
    for (int g = 0; g < ngroups; g++) {
        int k0 = g * gs, kend = (g == ngroups - 1) ? kd : k0 + gs;
        out->group_c0[g] = c;
        for (int k = k0; k < kend; k += tk, c++) {
            out->chunk_k0[c] = k;
            out->chunk_len[c] = (kend - k < tk) ? kend - k : tk;
            out->chunk_group[c] = g;
        }
    }
    out->group_c0[ngroups] = c;

    for (int col = 0; col < n; col++) {
        const int8_t *row = w + (size_t)col * (size_t)kd;
        for (int k = 0; k < kd; k++) {
            int v = lut_wtype_stored(wt, row[k]);
            if (!lut_wtype_admits(wt, v)) {
                int lo, hi;
                lut_wtype_range(wt, &lo, &hi);
                snprintf(err, errlen,
                         "weight [%d][%d] = %d is outside %s%d (allowed %d..%d%s)",
                         col, k, v, lut_wfmt_name(wt.fmt), bits, lo, hi,
                         wt.fmt == LUT_WFMT_BINARY ? ", not 0" : "");
                lut_packed_free(out);
                return -1;
            }
        }
        for (int g = 0; g < ngroups; g++) {
            int zz = (wt.fmt == LUT_WFMT_UINT) ? z2[(size_t)col * ngroups + g] : lut_wtype_z2(wt);
            if (wt.fmt == LUT_WFMT_UINT && (zz < 0 || zz > 2 * ((1 << bits) - 1))) {
                snprintf(err, errlen, "zero-point [%d][%d] = %g is outside 0..%d",
                         col, g, zz / 2.0, (1 << bits) - 1);
                lut_packed_free(out);
                return -1;
            }
            out->corr[(size_t)col * ngroups + g] = lut_zp_corr(bits, zz);
        }
        for (c = 0; c < nchunks; c++) {
            int k0 = out->chunk_k0[c], len = out->chunk_len[c];
            for (int i = 0; i < bits; i++) {
                unsigned p = 0;
                for (int j = 0; j < len; j++)
                    p |= (unsigned)((lut_wtype_code(wt, lut_wtype_stored(wt, row[k0 + j])) >> i) & 1) << j;
                /* Padding positions meet zero activations: any bit will do. */
                out->idx[((size_t)c * bits + i) * n + col] = lut_pattern_index(p, tk);
            }
        }
    }
    return 0;
}

void lut_gemm_count(const lut_packed *w, int m, lut_counts *cnt)
{
    const uint64_t M = (uint64_t)m, N = (uint64_t)w->n, C = (uint64_t)w->nchunks;
    const uint64_t bits = (uint64_t)w->cfg.wtype.bits, tk = (uint64_t)w->cfg.tk;
    memset(cnt, 0, sizeof *cnt);
    cnt->macs = M * N * (uint64_t)w->kd;
    cnt->tables = M * C;
    /* (tk - 1) subtractions for entry 0, then one addition per further entry. */
    cnt->precompute_adds = M * C * ((tk - 1) + ((1u << (tk - 1)) - 1));
    cnt->lookups = M * N * C * bits;
    cnt->accum_adds = M * N * C * bits;
    cnt->zp_macs = M * N * (uint64_t)w->ngroups;
    cnt->dequant_muls = M * N * (uint64_t)w->ngroups;
}

/* Rows of A processed together share every index load of the kernel. */
#define ROW_BLOCK 4

/* Runs the GEMM and hands each (row, column, group) result to sink. */
typedef struct {
    int32_t *c;          /* i32 output, or NULL */
    int64_t *acc64;      /* i32 path: running sums per row block */
    float *f;            /* f32 output, or NULL */
    const float *scales;
} sink_t;

static int gemm_run(const lut_packed *w, const int8_t *a, int m, sink_t *s,
                    lut_counts *counts, char *err, size_t errlen)
{
    const int n = w->n, kd = w->kd, tk = w->cfg.tk, E = lut_table_entries(tk);
    const int nchunks = w->nchunks, ngroups = w->ngroups;
    const int post = lut_post_shift(w->cfg.wtype.fmt);
    lut_kernel_fn kernel = lut_kernel_select(w);

    lut_entry_t *tabs = malloc(sizeof(lut_entry_t) * (size_t)ROW_BLOCK * nchunks * E);
    int64_t *asum = malloc(sizeof(int64_t) * (size_t)ROW_BLOCK * ngroups);
    int32_t *acc2 = malloc(sizeof(int32_t) * (size_t)ROW_BLOCK * n);
    int64_t *tot = malloc(sizeof(int64_t) * (size_t)ROW_BLOCK * n);
    int rc = 0;
    if (!tabs || !asum || !acc2 || !tot) {
        snprintf(err, errlen, "out of memory for a %d x %d x %d GEMM", m, n, kd);
        rc = -1;
        goto done;
    }

    for (int r0 = 0; r0 < m; r0 += ROW_BLOCK) {
        int R = (m - r0 < ROW_BLOCK) ? m - r0 : ROW_BLOCK;
        /* Table precompute and activation sums, once per row and chunk. */
        for (int r = 0; r < R; r++) {
            const int8_t *arow = a + (size_t)(r0 + r) * kd;
            for (int g = 0; g < ngroups; g++)
                asum[r * ngroups + g] = 0;
            for (int c = 0; c < nchunks; c++) {
                int8_t chunk[LUT_MAX_TK] = { 0 };
                memcpy(chunk, arow + w->chunk_k0[c], (size_t)w->chunk_len[c]);
                lut_table_precompute_i8(chunk, tk, tabs + ((size_t)r * nchunks + c) * E);
                for (int j = 0; j < w->chunk_len[c]; j++)
                    asum[r * ngroups + w->chunk_group[c]] += chunk[j];
            }
        }
        memset(tot, 0, sizeof(int64_t) * (size_t)R * n);
        for (int g = 0; g < ngroups; g++) {
            kernel(w, w->group_c0[g], w->group_c0[g + 1], tabs, R, acc2);
            for (int r = 0; r < R; r++) {
                const int32_t *ac = acc2 + (size_t)r * n;
                int64_t as = asum[r * ngroups + g];
                for (int col = 0; col < n; col++) {
                    int64_t v = lut_group_result(ac[col], w->corr[(size_t)col * ngroups + g], as, post);
                    if (s->f) {
                        float *o = s->f + (size_t)(r0 + r) * n + col;
                        *o = lut_dequant_acc(*o, s->scales[(size_t)col * ngroups + g], v);
                    } else {
                        tot[(size_t)r * n + col] += v;
                    }
                }
            }
        }
        if (!s->f) {
            for (int r = 0; r < R; r++) {
                for (int col = 0; col < n; col++) {
                    int64_t v = tot[(size_t)r * n + col];
                    if (v < INT32_MIN || v > INT32_MAX) {
                        snprintf(err, errlen, "result [%d][%d] = %lld does not fit in int32",
                                 r0 + r, col, (long long)v);
                        rc = -1;
                        goto done;
                    }
                    s->c[(size_t)(r0 + r) * n + col] = (int32_t)v;
                }
            }
        }
    }
    if (counts)
        lut_gemm_count(w, m, counts);
done:
    free(tabs);
    free(asum);
    free(acc2);
    free(tot);
    return rc;
}

int lut_gemm_i32(const lut_packed *w, const int8_t *a, int m, int32_t *c,
                 lut_counts *counts, char *err, size_t errlen)
{
    sink_t s = { .c = c };
    return gemm_run(w, a, m, &s, counts, err, errlen);
}

int lut_gemm_f32(const lut_packed *w, const int8_t *a, int m,
                 const float *scales, float *out, lut_counts *counts,
                 char *err, size_t errlen)
{
    memset(out, 0, sizeof(float) * (size_t)m * w->n);
    sink_t s = { .f = out, .scales = scales };
    return gemm_run(w, a, m, &s, counts, err, errlen);
}
