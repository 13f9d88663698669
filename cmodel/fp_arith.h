/* fp_arith.h - the vector unit's floating-point storage types, in one place.
 *
 * The vector unit stores elements as FP32, FP16 (IEEE 754 binary16) or
 * BF16 (bfloat16: the top half of a binary32).  Every function computes in
 * binary32 (a load widens exactly) and rounds its result to the storage
 * type once, round-to-nearest-even; overflow gives infinity, NaN stays a
 * quiet NaN of the same sign, FP16 keeps subnormals.  The C model's
 * functional mode uses only these conversions, so every engine rounds the
 * same way.
 */
#ifndef FP_ARITH_H
#define FP_ARITH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { FP_F32 = 0, FP_F16, FP_BF16, FP_COUNT } fp_type;

extern const char *const fp_type_names[FP_COUNT]; /* "fp32", "fp16", "bf16" */

/* Bytes one element of t takes in DRAM and in a buffer: 4, 2, 2. */
int fp_bytes(fp_type t);

uint16_t fp_f32_to_f16(float x);
float fp_f16_to_f32(uint16_t h);
uint16_t fp_f32_to_bf16(float x);
float fp_bf16_to_f32(uint16_t h);

/* OCP FP8 (OFP8, v1.0): E4M3 (bias 7, max 448, no infinities, S.1111.111
 * the only NaN) and E5M2 (bias 15, IEEE-like: infinities, NaNs, max 57344).
 * From binary32: round-to-nearest-even, subnormals kept; E4M3 saturates
 * (an overflow or an infinity gives +-448), E5M2 overflows to infinity; a
 * NaN gives a NaN (0x7F / 0x7E, sign kept).  To binary32: exact. */
uint8_t fp_f32_to_e4m3(float x);
float fp_e4m3_to_f32(uint8_t b);
uint8_t fp_f32_to_e5m2(float x);
float fp_e5m2_to_f32(uint8_t b);

/* Element i of a little-endian array of t at p, widened to binary32. */
float fp_load(const uint8_t *p, fp_type t, uint64_t i);
/* Rounds v to t (nearest even) and stores it as element i at p. */
void fp_store(uint8_t *p, fp_type t, uint64_t i, float v);

/* RMSNorm split in two, the one definition every path uses (the vector
 * unit's rmsnorm, and rms_stat + rms_apply, the statistic pass and the
 * final scaling a GEMM prologue runs): the statistic of a row of n
 * elements of t at p is 1 / sqrtf(ss / n + 1e-6f), ss the binary32 sum of
 * x * x in index order; the normalised element is x * inv, rounded to t. */
float fp_rms_inv(const uint8_t *p, fp_type t, uint32_t n);
/* The statistic in parts, for a row that arrives in segments (a GEMM's
 * column tiles: the fused epilogue's rms_stat partial mode): acc plus the
 * squares of the n elements at p, added one at a time in index order, so
 * that carrying the binary32 sum from segment to segment, segments in
 * column order, gives the whole row's ss bit for bit; and the statistic
 * of a row of n elements whose sum is ss.  fp_rms_inv is
 * fp_rms_inv_of(fp_sumsq(0, p, t, n), n). */
float fp_sumsq(float acc, const uint8_t *p, fp_type t, uint32_t n);
float fp_rms_inv_of(float ss, uint32_t n);
float fp_rms_apply(float x, float inv, fp_type t);

#ifdef __cplusplus
}
#endif
#endif
