/* quant_gemm.c - quantized float weights as one LUT-core GEMM (quant_gemm.h). */
#include "quant_gemm.h"

#include "gemm_int.h"
#include "quant_layout.h"
#include "ref_gemm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void quant_gemm_shape(const quant_preset *q, uint64_t m, int n, int k, gemm_shape *s)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    s->n = n;
    s->kd = k;
    s->float_out = 1;
    quant_lut_fields(q, s);
}

/* The stored values and the doubled zero-points (uint) of r, malloc'ed. */
static int stored(const quant_preset *q, const quant_result *r, int8_t **grid, int32_t **z2,
                  char *err, size_t errlen)
{
    const size_t ng = (size_t)(r->n * r->groups_per_row);
    *grid = malloc((size_t)(r->n * r->k));
    *z2 = r->zeros ? malloc(ng * sizeof **z2) : NULL;
    if (!*grid || (r->zeros && !*z2)) {
        free(*grid);
        free(*z2);
        snprintf(err, errlen, "out of memory for a %llux%llu weight matrix",
                 (unsigned long long)r->n, (unsigned long long)r->k);
        return -1;
    }
    quant_result_grid(q, r, *grid);
    for (size_t i = 0; r->zeros && i < ng; i++)
        (*z2)[i] = 2 * (int32_t)r->zeros[i];
    return 0;
}

int quant_gemm_fill(const arch_t *a, const quant_preset *q, const gemm_shape *s,
                    const gemm_layout *lay, const int8_t *act, const quant_result *r,
                    uint8_t *image, char *err, size_t errlen)
{
    int8_t *grid;
    int32_t *z2;
    if (stored(q, r, &grid, &z2, err, errlen) != 0)
        return -1;
    int rc;
    if (q->mixture == QUANT_MIX_BITMOD)
        rc = gemm_fill_bitmod(a, s, lay, act, grid, r->scale_codes, r->row_scales, image, err,
                              errlen);
    else /* per tensor: no group scale stored (mfmt none) */
        rc = gemm_fill(a, s, lay, act, grid, z2, q->per_tensor ? NULL : r->scales, image, err,
                       errlen);
    free(grid);
    free(z2);
    return rc;
}

int quant_gemm_operands(const arch_t *a, const quant_preset *q, const gemm_shape *s,
                        const quant_result *r, lut_packed *pk, float **scx, char *err,
                        size_t errlen)
{
    int8_t *grid;
    int32_t *z2;
    if (stored(q, r, &grid, &z2, err, errlen) != 0)
        return -1;
    const int bitmod = q->mixture == QUANT_MIX_BITMOD;
    int rc = gemm_host_operands(a, s, grid, z2, bitmod || q->per_tensor ? NULL : r->scales,
                                bitmod ? r->scale_codes : NULL, bitmod ? r->row_scales : NULL,
                                pk, scx, err, errlen);
    free(grid);
    free(z2);
    return rc;
}

int quant_gemm_host(const arch_t *a, const quant_preset *q, const gemm_shape *s,
                    const void *act, const quant_result *r, float *out, lut_counts *counts,
                    char *err, size_t errlen)
{
    lut_packed pk;
    float *scx;
    if (quant_gemm_operands(a, q, s, r, &pk, &scx, err, errlen) != 0)
        return -1;
    int rc = gemm_host_run(a, &pk, scx, act, (int)s->m, out, counts, err, errlen);
    if (rc == 0)
        quant_gemm_finish(q, r, s->m, out);
    lut_packed_free(&pk);
    free(scx);
    return rc;
}

int quant_gemm_reference(const arch_t *a, const quant_preset *q, const gemm_shape *s,
                         const int8_t *act, const quant_result *r, float *out, char *err,
                         size_t errlen)
{
    int8_t *grid;
    int32_t *z2;
    if (stored(q, r, &grid, &z2, err, errlen) != 0)
        return -1;
    gemm_shape x = *s;
    x.group_size = gemm_sub_group(a, s);
    /* BitMoD: r->scales is scale code x row scale, the dq unit's product */
    const float *sc = q->per_tensor ? NULL : r->scales;
    int32_t *zx = z2 && x.group_size != s->group_size ? gemm_per_sub_group(s, &x, z2, sizeof *z2) : NULL;
    float *scx = sc && x.group_size != s->group_size ? gemm_per_sub_group(s, &x, sc, sizeof *sc) : NULL;
    int rc = 0;
    if (x.group_size != s->group_size && ((z2 && !zx) || (sc && !scx))) {
        snprintf(err, errlen, "out of memory for the sub-groups' scales");
        rc = -1;
    } else {
        ref_gemm_f32(s->wtype, act, grid, zx ? zx : z2, scx ? scx : sc, x.group_size, (int)s->m,
                     s->n, s->kd, out);
        quant_gemm_finish(q, r, s->m, out);
    }
    free(zx);
    free(scx);
    free(grid);
    free(z2);
    return rc;
}

void quant_gemm_finish(const quant_preset *q, const quant_result *r, uint64_t m, float *out)
{
    if (!q->per_tensor)
        return;
    for (uint64_t i = 0; i < m; i++)
        for (uint64_t j = 0; j < r->n; j++)
            out[i * r->n + j] = out[i * r->n + j] * r->scales[j];
}
