/* quantize.c - the preset quantizers and their error (quantize.h). */
#include "quantize.h"

#include "bitmod_types.h"
#include "lut_meta.h"
#include "quant_layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double quant_mse(double sse, uint64_t count)
{
    return count ? sse / (double)count : 0.0;
}

double quant_sqnr_db(double sse, double ssw)
{
    return sse > 0.0 ? 10.0 * log10(ssw / sse) : INFINITY;
}

double quant_bits_per_weight(uint64_t stored_bytes, uint64_t count)
{
    return count ? 8.0 * (double)stored_bytes / (double)count : 0.0;
}

void quant_result_free(quant_result *r)
{
    free(r->codes);
    free(r->scales);
    free(r->zeros);
    free(r->variants);
    free(r->scale_codes);
    free(r->row_scales);
    free(r->deq);
    memset(r, 0, sizeof *r);
}

/* The statistic a group's scale comes from: absmax for int and bitmod,
 * mean |w| for ternary and binary, and the range for uint (lo, hi). */
typedef struct {
    float absmax, lo, hi;
    double abs_sum;
    uint64_t count;
} group_stat;

static void stat_add(group_stat *s, const float *w, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++) {
        s->absmax = fmaxf(s->absmax, fabsf(w[i]));
        s->lo = fminf(s->lo, w[i]);
        s->hi = fmaxf(s->hi, w[i]);
        s->abs_sum += fabs((double)w[i]);
    }
    s->count += len;
}

/* A group's scale and zero-point under q (not bitmod). */
static float group_scale(const quant_preset *q, const group_stat *st, int *z)
{
    const lut_scale_type t = (lut_scale_type)q->scale;
    *z = 0;
    switch (q->w.fmt) {
    case LUT_WFMT_INT:
        return lut_scale_round(t, st->absmax / (float)((1 << (q->w.bits - 1)) - 1));
    case LUT_WFMT_UINT: {
        const float qmax = (float)((1 << q->w.bits) - 1);
        const float s = lut_scale_round(t, (st->hi - st->lo) / qmax);
        if (s > 0.0f) {
            float zf = nearbyintf(-st->lo / s);
            *z = zf < 0.0f ? 0 : zf > qmax ? (int)qmax : (int)zf;
        }
        return s;
    }
    case LUT_WFMT_TERNARY:
    case LUT_WFMT_BINARY:
        return lut_scale_round(t, st->count ? (float)(st->abs_sum / (double)st->count) : 0.0f);
    }
    return 0.0f;
}

/* The stored value of w under scale s (and zero-point z for uint). */
static int quant_one(const quant_preset *q, float w, float s, int z)
{
    int lo, hi;
    lut_wtype_range(q->w, &lo, &hi);
    if (q->w.fmt == LUT_WFMT_BINARY)
        return w < 0.0f ? -1 : 1;
    if (!(s > 0.0f))
        return z;
    float v = nearbyintf(w / s) + (float)z;
    return v < (float)lo ? lo : v > (float)hi ? hi : (int)v;
}

static float dequant_one(const quant_preset *q, int v, float s, int z)
{
    if (!(s > 0.0f))
        return 0.0f;
    return (float)(q->w.fmt == LUT_WFMT_UINT ? v - z : v) * s;
}

static int alloc_result(const quant_preset *q, uint64_t n, uint64_t k, quant_result *r)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->k = k;
    r->group_len = quant_group_len(q, k);
    r->groups_per_row = (k + (uint64_t)r->group_len - 1) / (uint64_t)r->group_len;
    const uint64_t ng = n * r->groups_per_row;
    r->codes = malloc(n * k);
    r->deq = malloc(n * k * sizeof *r->deq);
    r->scales = malloc(ng * sizeof *r->scales);
    int ok = r->codes && r->deq && r->scales;
    if (q->w.fmt == LUT_WFMT_UINT)
        ok = ok && (r->zeros = malloc(ng));
    if (q->mixture == QUANT_MIX_BITMOD)
        ok = ok && (r->variants = malloc(ng)) && (r->scale_codes = malloc(ng)) &&
             (r->row_scales = malloc(n * sizeof *r->row_scales));
    return ok ? 0 : -1;
}

static void bitmod_row(const quant_preset *q, const float *w, uint64_t row, quant_result *r)
{
    const int bits = q->w.bits;
    const float *wr = w + row * r->k;
    float absmax = 0.0f;
    for (uint64_t j = 0; j < r->k; j++)
        absmax = fmaxf(absmax, fabsf(wr[j]));
    const float rs = bitmod_row_scale(bits, absmax);
    r->row_scales[row] = rs;
    for (uint64_t g = 0; g < r->groups_per_row; g++) {
        const uint64_t j0 = g * (uint64_t)r->group_len;
        const uint64_t len = r->k - j0 < (uint64_t)r->group_len ? r->k - j0 : (uint64_t)r->group_len;
        const uint64_t gi = row * r->groups_per_row + g;
        bitmod_group bg;
        bitmod_quant_group(bits, wr + j0, (int)len, rs, &bg, (uint8_t *)r->codes + row * r->k + j0,
                           r->deq + row * r->k + j0);
        r->variants[gi] = (uint8_t)bg.variant;
        r->scale_codes[gi] = bg.scale_code;
        r->scales[gi] = (float)bg.scale_code * rs;
    }
}

static void uniform_group(const quant_preset *q, const float *w, uint64_t row, uint64_t g,
                          const group_stat *tensor_stat, quant_result *r)
{
    const uint64_t j0 = g * (uint64_t)r->group_len;
    const uint64_t len = r->k - j0 < (uint64_t)r->group_len ? r->k - j0 : (uint64_t)r->group_len;
    const uint64_t gi = row * r->groups_per_row + g;
    const float *wg = w + row * r->k + j0;
    group_stat st = { 0.0f, 0.0f, 0.0f, 0.0, 0 };
    if (tensor_stat)
        st = *tensor_stat;
    else
        stat_add(&st, wg, len);
    int z;
    const float s = group_scale(q, &st, &z);
    r->scales[gi] = s;
    if (r->zeros)
        r->zeros[gi] = (uint8_t)z;
    for (uint64_t j = 0; j < len; j++) {
        const int v = quant_one(q, wg[j], s, z);
        r->codes[row * r->k + j0 + j] = (int8_t)v;
        r->deq[row * r->k + j0 + j] = dequant_one(q, v, s, z);
    }
}

int quantize_matrix(const quant_preset *q, const float *w, uint64_t n, uint64_t k,
                    quant_result *r, char *err, size_t errlen)
{
    for (uint64_t i = 0; i < n * k; i++) {
        if (!isfinite(w[i])) {
            snprintf(err, errlen, "weight at row %llu, column %llu is not finite",
                     (unsigned long long)(i / k), (unsigned long long)(i % k));
            return -1;
        }
    }
    if (alloc_result(q, n, k, r) != 0) {
        quant_result_free(r);
        snprintf(err, errlen, "out of memory for a %llux%llu matrix", (unsigned long long)n,
                 (unsigned long long)k);
        return -1;
    }
    group_stat whole = { 0.0f, 0.0f, 0.0f, 0.0, 0 };
    if (q->per_tensor)
        stat_add(&whole, w, n * k);
    for (uint64_t row = 0; row < n; row++) {
        if (q->mixture == QUANT_MIX_BITMOD) {
            bitmod_row(q, w, row, r);
            continue;
        }
        for (uint64_t g = 0; g < r->groups_per_row; g++)
            uniform_group(q, w, row, g, q->per_tensor ? &whole : NULL, r);
    }
    for (uint64_t i = 0; i < n * k; i++) {
        const double e = (double)r->deq[i] - (double)w[i];
        r->sse += e * e;
        r->ssw += (double)w[i] * (double)w[i];
    }
    quant_bytes b;
    quant_matrix_bytes(q, n, k, &b);
    r->stored_bytes = b.weight_bytes + b.meta_bytes;
    return 0;
}

void quant_result_grid(const quant_preset *q, const quant_result *r, int8_t *grid)
{
    for (uint64_t i = 0; i < r->n; i++)
        for (uint64_t j = 0; j < r->k; j++) {
            const uint64_t at = i * r->k + j;
            if (q->mixture != QUANT_MIX_BITMOD) {
                grid[at] = r->codes[at];
                continue;
            }
            const bitmod_variant v =
                (bitmod_variant)r->variants[i * r->groups_per_row + j / (uint64_t)r->group_len];
            grid[at] = (int8_t)bitmod_value(q->w.bits, v, (uint8_t)r->codes[at]);
        }
}
