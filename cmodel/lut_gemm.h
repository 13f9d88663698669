/* lut_gemm.h - mixed-precision GEMM on the LUT datapath (no I/O, no globals).
 *
 * C[m][n] = sum_k A[m][k] * W[n][k], with A INT8 (M x Kd) and W low-bit
 * (N x Kd), computed the way the LUT tensor core does: weights packed once
 * into bit-plane table indices, activations turned into tables of
 * 2^(tk-1) entries per group of tk, one look-up per weight bit-plane, shift-
 * accumulate, zero-point correction from activation sums, then per-group
 * dequantization.  On integer inputs the result equals the naive reference
 * (ref_gemm.h) exactly.
 *
 * Scale groups run along Kd (group_size activations each, the last one may be
 * shorter); table groups of tk never straddle a scale group: a short tail is
 * padded with zero activations, which contribute nothing to any table entry.
 */
#ifndef LUT_GEMM_H
#define LUT_GEMM_H

#include "lut_arith.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    lut_wtype wtype;
    lut_act_type atype;
    int tk;         /* activations per table (K of the LUT unit), 2..8 */
    int group_size; /* weights per scale / zero-point group along Kd */
    int portable;   /* 1: use the portable look-up kernel even where a SIMD
                       one exists (tests compare the two) */
} lut_gemm_cfg;

/* Weights after offline packing: what the weight buffer of the core holds. */
typedef struct {
    lut_gemm_cfg cfg;
    int n, kd;
    int ngroups;     /* ceil(kd / group_size) */
    int nchunks;     /* table groups over all scale groups */
    int *chunk_k0;   /* [nchunks]: first activation index of each chunk */
    int *chunk_len;  /* [nchunks]: activations in it (<= tk) */
    int *chunk_group;/* [nchunks]: scale group it belongs to */
    int *group_c0;   /* [ngroups + 1]: first chunk of each group */
    uint8_t *idx;    /* [nchunks][bits][n]: look-up index bytes */
    int32_t *corr;   /* [n][ngroups]: zero-point factor (2^W - 1 - 2z) */
} lut_packed;

/* Operation counts of one GEMM, the events the energy model prices. */
typedef struct {
    uint64_t macs;          /* M * N * Kd */
    uint64_t tables;        /* tables built */
    uint64_t precompute_adds;
    uint64_t lookups;       /* table reads */
    uint64_t accum_adds;    /* shift-accumulate additions */
    uint64_t zp_macs;       /* zero-point corrections */
    uint64_t dequant_muls;  /* per-group scale multiplies */
} lut_counts;

void lut_gemm_cfg_default(lut_gemm_cfg *cfg, lut_wtype wt);
int lut_gemm_cfg_check(const lut_gemm_cfg *cfg, char *err, size_t errlen);

/* The longest scale group whose doubled sums fit the 32-bit accumulators
 * for any INT8 activations and wbits-bit weights (cfg_check's limit):
 * 2 (2^W - 1) 128 group <= 2^31 - 1, e.g. 32896 for W = 8. */
int lut_gemm_group_max(int wbits);
/* The same for abits-bit activations (|a| <= 2^(abits-1)): 2184 at W4A16,
 * 128 at W8A16. */
int lut_gemm_group_max_a(int wbits, int abits);

/* Packs W (n x kd, row-major, one stored value per byte, see lut_types.h).
 * z2 is NULL except for UINT, where it holds n x ngroups doubled zero-points.
 * Returns 0, or -1 with a message (bad value at row/column, bad config). */
int lut_pack(const lut_gemm_cfg *cfg, const int8_t *w, int n, int kd,
             const int32_t *z2, lut_packed *out, char *err, size_t errlen);
void lut_packed_free(lut_packed *p);

/* Exact integer GEMM: C (m x n) = A (m x kd) * W^T, group results summed
 * with unit scales.  Returns -1 (with a message) if a result would not fit
 * in int32.  counts may be NULL. */
int lut_gemm_i32(const lut_packed *w, const int8_t *a, int m, int32_t *c,
                 lut_counts *counts, char *err, size_t errlen);

/* Dequantizing GEMM: out (m x n) = sum_g scale[n][g] * group_result. */
int lut_gemm_f32(const lut_packed *w, const int8_t *a, int m,
                 const float *scales, float *out, lut_counts *counts,
                 char *err, size_t errlen);

/* The operation counts a GEMM of this shape incurs, without running it. */
void lut_gemm_count(const lut_packed *w, int m, lut_counts *counts);

/* C = A * W^T on float activations (lut_gemm_float.c): A is m rows of
 * w->kd activations stored in format af (lut_float.h; af not
 * LUT_AFMT_INT), the tables of format tf, the result float32 m x n,
 * computed with lut_float.h's functions in its stated order, so the bits
 * equal the C model's for the program of the same shape (each scale group
 * one tprec row and one lmma reduction, weights packed alike).  scales:
 * n x ngroups as the metadata stores them (already rounded to its type),
 * or NULL for 1.  counts (may be NULL) as the float units count them.
 * Returns 0, or -1 with a message (host memory). */
struct lut_float_fmt {
    int afmt, tfmt; /* lut_afmt, lut_tfmt */
};
int lut_gemm_fact(const lut_packed *w, struct lut_float_fmt f, const uint8_t *a, int m,
                  const float *scales, float *c, lut_counts *counts, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
