/* quantize.h - float weights -> a preset's codes, scales and error.
 *
 * One n x k matrix (n output rows, k the reduction, row-major as a linear
 * layer's weight) is cut into the preset's scale groups along k
 * (quant_group_len; a per-tensor preset has one group) and each group is
 * quantized by the preset's rule.  Arithmetic is binary32 unless stated;
 * rne is round-half-even; clip(x, lo, hi) clamps.
 *
 *   int b      s = round_T(absmax / (2^(b-1) - 1)), q = clip(rne(w / s),
 *              -2^(b-1), 2^(b-1) - 1), w' = q s
 *   uint b     lo = min(min w, 0), hi = max(max w, 0),
 *   (int8 zp)  s = round_T((hi - lo) / (2^b - 1)), z = clip(rne(-lo / s), 0, 2^b - 1),
 *              q = clip(rne(w / s) + z, 0, 2^b - 1), w' = (q - z) s
 *   ternary    s = round_T(mean |w|) (BitNet b1.58's absmean), q = clip(rne(w / s), -1, 1)
 *   binary     s = round_T(mean |w|), q = w < 0 ? -1 : +1
 *   bitmod b   cmodel/bitmod_types.h (the row scale from the row's absmax)
 *
 * round_T rounds to the preset's scale type (lut_scale_round: fp16, bf16,
 * fp32 or a power of two).  A zero scale gives q = 0 (z for uint, +1 for
 * binary) and w' = 0.  The error sums are binary64: sse = sum (w' - w)^2,
 * ssw = sum w^2; mse = sse / count, sqnr_db = 10 log10(ssw / sse) (+inf
 * when sse = 0).  Bits per weight count the stored bytes of
 * quant_matrix_bytes (weights and metadata), the bytes the DRAM model moves.
 */
#ifndef QUANTIZE_H
#define QUANTIZE_H

#include "model.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t n, k, groups_per_row; /* scale groups along k per row */
    int group_len;
    int8_t *codes;       /* n x k: the stored value lutsim gemm takes (signed for
                            int, ternary, binary; the code for uint; BitMoD's
                            sign-magnitude code) */
    float *scales;       /* n x groups_per_row: each group's dequantization scale */
    uint8_t *zeros;      /* uint: n x groups_per_row zero-points z; else NULL */
    uint8_t *variants;   /* bitmod: n x groups_per_row bitmod_variant; else NULL */
    uint8_t *scale_codes; /* bitmod: n x groups_per_row INT8 scale codes; else NULL */
    float *row_scales;   /* bitmod: n FP16 row scales; else NULL */
    float *deq;          /* n x k dequantized weights */
    double sse, ssw;     /* error sums (binary64) */
    uint64_t stored_bytes; /* weights + metadata, quant_matrix_bytes */
} quant_result;

/* Quantizes w (n x k) under q into r (allocated here; quant_result_free).
 * 0, or -1 with a message (out of memory, a non-finite weight at row i
 * column j). */
int quantize_matrix(const quant_preset *q, const float *w, uint64_t n, uint64_t k,
                    quant_result *r, char *err, size_t errlen);
void quant_result_free(quant_result *r);

/* The stored values the LUT core multiplies, n x k into grid: BitMoD's
 * codes as the signed integers of their grid (FP4 in halves), w' = grid x
 * scale_code x row_scale; every other preset's codes as they are. */
void quant_result_grid(const quant_preset *q, const quant_result *r, int8_t *grid);

/* Error figures of sums over count weights. */
double quant_mse(double sse, uint64_t count);
double quant_sqnr_db(double sse, double ssw);
double quant_bits_per_weight(uint64_t stored_bytes, uint64_t count);

#ifdef __cplusplus
}
#endif
#endif
