/* gemm_float.c - `lutsim gemm --afmt` (gemm_float.h). */
#include "gemm_float.h"

#include "commands.h"
#include "fp_arith.h"
#include "lut_float.h"
#include "lut_meta.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gemm_float_parse(const char *s, gemm_float *g)
{
    lut_afmt f;
    if (lut_afmt_parse(s, &f) != 0) {
        cli_error("--afmt: expected int8, fp16, bf16, fp8e4m3 or fp8e5m2, got '%s'", s);
        return 2;
    }
    g->afmt = (int)f;
    return 0;
}

const char *gemm_float_label(const gemm_float *g)
{
    return g->afmt ? lut_afmt_name((lut_afmt)g->afmt) : "INT8";
}

/* A's float32 values and g->act from n values v (a float32 array of n). */
static int round_into(gemm_float *g, npy_array *A, uint64_t n)
{
    const lut_afmt f = (lut_afmt)g->afmt;
    float *v = A->data;
    g->act = malloc((size_t)n * (size_t)lut_afmt_bytes(f) + 1);
    if (!g->act) {
        cli_error("out of memory for %llu activations", (unsigned long long)n);
        return -1;
    }
    for (uint64_t j = 0; j < n; j++) {
        lut_afmt_store(g->act, f, j, v[j]);
        v[j] = lut_afmt_load(g->act, f, j);
    }
    return 0;
}

int gemm_float_load(gemm_float *g, const char *path, npy_array *A)
{
    char err[512];
    npy_array in;
    if (npy_read(path, &in, err, sizeof err) != 0) {
        cli_error("%s", err);
        return -1;
    }
    if ((in.dtype != NPY_FLOAT32 && in.dtype != NPY_FLOAT16) || in.ndim != 2 || in.shape[0] < 1 ||
        in.shape[1] < 1 || in.shape[0] > (1 << 30) || in.shape[1] > (1 << 30)) {
        cli_error("%s: with --afmt %s, activations must be a non-empty 2-D float32 or float16 "
                  "array, got a %d-D %s array", path, gemm_float_label(g), in.ndim,
                  npy_dtype_name(in.dtype));
        npy_free(&in);
        return -1;
    }
    if (npy_alloc(A, NPY_FLOAT32, 2, in.shape) != 0) {
        cli_error("out of memory for the activations of %s", path);
        npy_free(&in);
        return -1;
    }
    const uint64_t n = (uint64_t)npy_count(&in);
    float *v = A->data;
    for (uint64_t j = 0; j < n; j++)
        v[j] = in.dtype == NPY_FLOAT32 ? ((const float *)in.data)[j]
                                       : fp_f16_to_f32(((const uint16_t *)in.data)[j]);
    npy_free(&in);
    return round_into(g, A, n);
}

/* xorshift32, then Box-Muller: a seeded, portable Gaussian. */
static float uniform01(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return ((float)(*s >> 8) + 0.5f) / 16777216.0f; /* (0, 1) */
}

int gemm_float_random(gemm_float *g, int m, int k, unsigned seed, npy_array *A)
{
    const int64_t shape[2] = { m, k };
    if (npy_alloc(A, NPY_FLOAT32, 2, shape) != 0) {
        cli_error("out of memory for random %dx%d activations", m, k);
        return -1;
    }
    uint32_t s = 2463534242u ^ (seed * 2654435761u);
    s = s ? s : 1;
    float *v = A->data;
    const uint64_t n = (uint64_t)m * (uint64_t)k;
    for (uint64_t j = 0; j < n; j += 2) {
        const double r = sqrt(-2.0 * log((double)uniform01(&s))), t = 6.283185307179586 * uniform01(&s);
        v[j] = (float)(r * cos(t));
        if (j + 1 < n)
            v[j + 1] = (float)(r * sin(t));
    }
    return round_into(g, A, n);
}

lut_wtype gemm_float_pack_type(lut_wtype wt, int mfmt)
{
    if (mfmt != LUT_META_LEGACY && wt.fmt == LUT_WFMT_TERNARY)
        wt.fmt = LUT_WFMT_INT;
    return wt;
}

int gemm_float_host(const gemm_float *g, const lut_packed *w, int m, float *c, lut_counts *cnt,
                    char *err, size_t errlen)
{
    const struct lut_float_fmt f = { g->afmt, g->tfmt };
    return lut_gemm_fact(w, f, g->act, m, NULL, c, cnt, err, errlen);
}

int gemm_float_error(gemm_float *g, const npy_array *C, const npy_array *A, const npy_array *W)
{
    const int m = (int)A->shape[0], k = (int)A->shape[1], n = (int)W->shape[0];
    const float *a = A->data, *c = C->data;
    const int8_t *w = W->data;
    double *row = malloc(sizeof(double) * (size_t)k);
    if (!row) {
        cli_error("out of memory for the float64 reference");
        return -1;
    }
    double max_abs = 0, se = 0, sr = 0;
    for (int r = 0; r < m; r++) {
        for (int j = 0; j < k; j++)
            row[j] = a[(size_t)r * k + j];
        for (int col = 0; col < n; col++) {
            const int8_t *wc = w + (size_t)col * k;
            double ref = 0;
            for (int j = 0; j < k; j++)
                ref += row[j] * wc[j];
            const double e = fabs((double)c[(size_t)r * n + col] - ref);
            max_abs = e > max_abs ? e : max_abs;
            se += e * e;
            sr += ref * ref;
        }
    }
    free(row);
    g->have_error = 1;
    g->max_abs = max_abs;
    g->rel_rms = sr > 0 ? sqrt(se / sr) : sqrt(se);
    printf("  error against the float64 GEMM of the %s-rounded activations (%s tables): "
           "max |C - ref| %.3g (output units), relative RMS %.3g (rms(C - ref) / rms(ref))\n",
           lut_afmt_name((lut_afmt)g->afmt), lut_tfmt_name((lut_tfmt)g->tfmt), g->max_abs,
           g->rel_rms);
    return 0;
}

void gemm_float_json(json_t *js, const gemm_float *g)
{
    if (!g->afmt)
        return;
    json_object_set_new(js, "afmt", json_string(lut_afmt_name((lut_afmt)g->afmt)));
    json_object_set_new(js, "table_format", json_string(lut_tfmt_name((lut_tfmt)g->tfmt)));
    if (!g->have_error)
        return;
    json_t *e = json_object();
    json_object_set_new(e, "max_abs", json_real(g->max_abs));
    json_object_set_new(e, "rel_rms", json_real(g->rel_rms));
    json_object_set_new(e, "reference", json_string("float64"));
    json_object_set_new(js, "error", e);
}

json_t *gemm_host_stats(int m, int n, int k, const lut_counts *c, double seconds)
{
    json_t *o = json_object();
    json_object_set_new(o, "engine", json_string("host"));
    json_object_set_new(o, "macs", json_integer((json_int_t)c->macs));
    json_object_set_new(o, "tables", json_integer((json_int_t)c->tables));
    json_object_set_new(o, "precompute_adds", json_integer((json_int_t)c->precompute_adds));
    json_object_set_new(o, "table_lookups", json_integer((json_int_t)c->lookups));
    json_object_set_new(o, "accumulate_adds", json_integer((json_int_t)c->accum_adds));
    json_object_set_new(o, "zero_point_macs", json_integer((json_int_t)c->zp_macs));
    json_object_set_new(o, "host_seconds", json_real(seconds));
    json_object_set_new(o, "m", json_integer(m));
    json_object_set_new(o, "n", json_integer(n));
    json_object_set_new(o, "k", json_integer(k));
    return o;
}

void gemm_float_free(gemm_float *g)
{
    free(g->act);
    g->act = NULL;
}
