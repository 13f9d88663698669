/* ref_gemm.h - the naive reference the LUT datapath is checked against.
 *
 * Deliberately the plainest possible loops over dequantized integer weights:
 * it shares no code with the LUT path except the type definitions and the
 * float rounding of dequantization, so an error in the table arithmetic
 * cannot hide in both.
 */
#ifndef REF_GEMM_H
#define REF_GEMM_H

#include "lut_meta.h"
#include "lut_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Integer weight value of a stored value v (UINT: v - z, with z2 = 2z). */
int ref_weight_value2(lut_wtype t, int v, int z2); /* returns 2 * weight */

/* C (m x n, int64) = A (m x kd) * W^T (W holds stored values). */
void ref_gemm_i64(lut_wtype t, const int8_t *a, const int8_t *w,
                  const int32_t *z2, int group_size, int m, int n, int kd,
                  int64_t *c);

/* The same for activations of any width up to 16 bits (act_bits 2..16) held
 * as int32 values. */
void ref_gemm_i64_wide(lut_wtype t, const int32_t *a, const int8_t *w, const int32_t *z2,
                       int group_size, int m, int n, int kd, int64_t *c);

/* out (m x n) = sum_g scale[n][g] * (group dot product), groups in order. */
void ref_gemm_f32(lut_wtype t, const int8_t *a, const int8_t *w,
                  const int32_t *z2, const float *scales, int group_size,
                  int m, int n, int kd, float *out);

/* ref_gemm_f32 with every scale first rounded to the type the metadata
 * stores (lut_scale_round: FP16/BF16 nearest even, int8_exp the nearest
 * power of two, none 1): what the dequant unit multiplies by. */
void ref_gemm_f32_stored(lut_wtype t, const int8_t *a, const int8_t *w, const int32_t *z2,
                         const float *scales, lut_scale_type st, int group_size, int m, int n,
                         int kd, float *out);

#ifdef __cplusplus
}
#endif
#endif
