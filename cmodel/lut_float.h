/* lut_float.h - the LUT tensor core's arithmetic on floating-point
 * activations, defined once: the host GEMM (lut_gemm_float.c), the C
 * model's precompute, LUT and dequant units, and (later) the RTL compute
 * these bits with these functions and in this order.
 *
 * The derivation is lut_arith.h's, with real activations a_k:
 *   2 * sum_k (q_k - z) a_k = sum_i 2^i T_i + (2^W - 1 - 2z) * sum_k a_k
 *
 * Formats.  Activations (the architecture's act format, `lutsim gemm
 * --afmt`): fp16 (binary16), bf16, fp8e4m3, fp8e5m2 (OCP FP8), stored 2, 2,
 * 1, 1 bytes little-endian in DRAM and the act buffer; a binary32 value
 * becomes one by fp_arith.h's round-to-nearest-even.  Table entries (arch
 * key lut.table_format): fp16 (2 bytes, the LUT Tensor Core artifact's),
 * fp32 (4 bytes), or int8 (1 byte, two's complement) with one fp32 scale
 * per table stored after its 2^(K-1) entries (the paper's table
 * quantization).  A table therefore takes 2^(K-1) x entry bytes (+ 4 for
 * int8) in the table buffer.  Every other value (activation sums, the
 * LUT array's accumulators, results) is binary32.
 *
 * Order and rounding of every float operation (binary32, round to nearest
 * even, no fused multiply-add: the build passes -ffp-contract=off):
 *  1. Table precompute, per group of K activations (positions past the
 *     end of the reduction are zero): entry j, the pattern p = (j << 1) | 1
 *     (b_0 = +1, b_k = +1 when bit k-1 of j is set), is
 *         s = a_0;  s = s (+/-) a_k  for k = 1 .. K-1 in index order,
 *     each step rounded to binary32, then rounded once to the table
 *     format (fp16: fp_f32_to_f16; fp32: unchanged).  int8 tables: the
 *     scale is sc = max_j |s_j| / 127 (one rounded division) and entry j is
 *     q_j = round-half-even(s_j / sc) (a rounded division, then the
 *     integer nearest, ties to even), clamped to +-127; sc = 0 gives q = 0.
 *     K - 1 float additions per entry (each entry its own chain: the
 *     doubling recurrence of the integer unit would round differently).
 *  2. Activation sum, per table-precompute row (a scale group, or a
 *     sub-group): s = 0; s = s + a_k for every k in index order.
 *  3. Look-up: v = entry j decoded to binary32 (fp16, fp32: exactly; int8:
 *     (float)q * sc, one rounded product); the negate bit gives -v (exact).
 *  4. Bit-plane accumulation per output, in the LUT array's binary32
 *     accumulator starting at 0 (or the value an accumulating lmma reads):
 *     chunks of K in K order, and within a chunk the bit-planes low to high
 *     (i = 0 .. W-1, the order the weight rows are stored):
 *         acc = acc + v * 2^i
 *     where v * 2^i adds i to the exponent (exact: ldexpf), the sum rounds.
 *  5. Dequant, per group: zp = (float)corr * asum (corr = 2^W-1-2z, an
 *     exact small integer; one rounded product), twice = acc + zp
 *     (rounded), g = twice * 0.5 when the format halves (lut_post_shift:
 *     exact), else twice; then out = prev + scale * g (rounded product,
 *     rounded sum: lut_dequant_f), prev = 0 for the first group and the
 *     running output after, groups in K order.  Without a scale (dq fmode
 *     0) the scale is 1.
 * Overflow follows the formats (infinity: an fp16 table entry beyond 65504,
 * which bf16 activations can reach, or a binary32 sum); nothing saturates
 * except E4M3 activations (+-448) and int8 table entries (+-127).
 */
#ifndef LUT_FLOAT_H
#define LUT_FLOAT_H

#include "lut_arith.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Activation formats; LUT_AFMT_INT is the integer datapath (act_bits). */
typedef enum {
    LUT_AFMT_INT = 0,
    LUT_AFMT_FP16,
    LUT_AFMT_BF16,
    LUT_AFMT_FP8E4M3,
    LUT_AFMT_FP8E5M2,
    LUT_AFMT_COUNT
} lut_afmt;

/* Table entry formats of the float datapath. */
typedef enum { LUT_TFMT_FP16 = 0, LUT_TFMT_FP32, LUT_TFMT_INT8, LUT_TFMT_COUNT } lut_tfmt;

/* "int8" (the integer datapath), "fp16", "bf16", "fp8e4m3", "fp8e5m2";
 * parse returns -1 for anything else. */
const char *lut_afmt_name(lut_afmt f);
int lut_afmt_parse(const char *s, lut_afmt *out);
/* Bytes one activation takes: 2, 2, 1, 1 (1 for the integer name). */
int lut_afmt_bytes(lut_afmt f);

/* "fp16", "fp32", "int8"; parse returns -1 for anything else. */
const char *lut_tfmt_name(lut_tfmt t);
int lut_tfmt_parse(const char *s, lut_tfmt *out);
/* Bytes of one entry (2, 4, 1) and of one table of e entries (e x entry
 * bytes, + 4 for int8's scale). */
int lut_tfmt_entry_bytes(lut_tfmt t);
uint64_t lut_tfmt_table_bytes(lut_tfmt t, int entries);

/* Activation j of a little-endian array of f at p, widened exactly. */
float lut_afmt_load(const uint8_t *p, lut_afmt f, uint64_t j);
/* Rounds v to f (nearest even) and stores it as activation j at p. */
void lut_afmt_store(uint8_t *p, lut_afmt f, uint64_t j, float v);
/* The value f stores for v. */
float lut_afmt_round(lut_afmt f, float v);

/* Step 1: the table of tk activations a[] (zeros past the reduction), in
 * format t at out (lut_tfmt_table_bytes bytes).  Returns the float
 * additions. */
int lut_ftable_precompute(const float *a, int tk, lut_tfmt t, uint8_t *out);

/* Step 3: the signed value index byte idx selects from a table of e
 * entries of format t. */
float lut_ftable_lookup(const uint8_t *table, lut_tfmt t, int entries, uint8_t idx);

/* Step 4: acc + v * 2^plane. */
float lut_fshift_acc(float acc, float v, int plane);

/* Step 5: the group's dot product from its bit-plane sum, zero-point
 * factor, activation sum and post shift (0 or 1); and its dequantization
 * onto the running output. */
float lut_fgroup_result(float planesum, int32_t corr, float asum, int post_shift);
float lut_dequant_f(float out, float scale, float group);

#ifdef __cplusplus
}
#endif
#endif
