/* quant_gemm.h - quantized float weights (quantize.h) run as one GEMM on
 * the LUT core, and the result it must give.
 *
 * A quantize_matrix result becomes the stored values, zero-points and
 * scales of the preset's LUT format (quant_lut_fields: BitMoD's grid values
 * as INT4 / INT6 planes with its scale code and row scale), dequantized by
 * the dq unit into float32 (float_out).  A per-tensor preset stores no
 * scale: the array gives the unscaled sums and quant_gemm_finish multiplies
 * them by the tensor's scale afterwards, in binary32, as a vector unit would.
 *
 * The reference is the dq unit's arithmetic, done directly: per scale
 * group (as the program runs it: long groups as equal sub-groups sharing
 * the scale, gemm_sub_group) the exact integer dot product of the INT8
 * activations with the stored values (minus the zero-point), times the
 * group's scale in binary32, added to the output in group order
 * (ref_gemm_f32), then quant_gemm_finish.  The LUT core must match it bit
 * for bit.  No I/O.
 */
#ifndef QUANT_GEMM_H
#define QUANT_GEMM_H

#include "gemm.h"
#include "model.h"
#include "quantize.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An m x n x k GEMM of q's weights with float32 outputs (*s zeroed first). */
void quant_gemm_shape(const quant_preset *q, uint64_t m, int n, int k, gemm_shape *s);

/* gemm_fill (gemm_fill_bitmod) of r's weights into image under s, lowered
 * into lay; act is m x k INT8.  0, or -1 with a message. */
int quant_gemm_fill(const arch_t *a, const quant_preset *q, const gemm_shape *s,
                    const gemm_layout *lay, const int8_t *act, const quant_result *r,
                    uint8_t *image, char *err, size_t errlen);

/* r's weights as the host engine takes them (gemm_host_operands): *pk the
 * packed stored values with their zero-point factors, *scx (malloc'ed,
 * n x pk->ngroups) the scales the dq unit reads (1 for a per-tensor
 * preset: quant_gemm_finish scales).  0, or -1 with a message. */
int quant_gemm_operands(const arch_t *a, const quant_preset *q, const gemm_shape *s,
                        const quant_result *r, lut_packed *pk, float **scx, char *err,
                        size_t errlen);

/* The host engine (gemm_host_run) on r's weights under s: out (m x n) the
 * bits the C model's program gives, quant_gemm_finish included; act m x k
 * as stored (INT8, or the architecture's act_fmt).  counts may be NULL.
 * 0, or -1 with a message. */
int quant_gemm_host(const arch_t *a, const quant_preset *q, const gemm_shape *s,
                    const void *act, const quant_result *r, float *out, lut_counts *counts,
                    char *err, size_t errlen);

/* out (m x n) = what the LUT core computes for s (the rule above,
 * quant_gemm_finish included).  0, or -1 when out of memory. */
int quant_gemm_reference(const arch_t *a, const quant_preset *q, const gemm_shape *s,
                         const int8_t *act, const quant_result *r, float *out, char *err,
                         size_t errlen);

/* The per-tensor scale applied to the m x n outputs (nothing for a preset
 * with group scales). */
void quant_gemm_finish(const quant_preset *q, const quant_result *r, uint64_t m, float *out);

#ifdef __cplusplus
}
#endif
#endif
