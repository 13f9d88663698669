/* quant_layout.h - what a quantization preset stores, byte for byte.
 *
 * One place answers, for a preset and an n x k weight matrix: the packed
 * weight bytes, the scale groups, the metadata bytes (scales and zero-points
 * in the preset's types), and the GEMM fields (group length, metadata code)
 * the lowering runs it with.  The DRAM traffic the simulation counts comes
 * from the same layout (gemm_tile_bytes), so the three cannot disagree.
 */
#ifndef QUANT_LAYOUT_H
#define QUANT_LAYOUT_H

#include "gemm.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* BitMoD metadata per group: an INT8 scale code and a 2-bit datatype. */
#define QUANT_BITMOD_GROUP_BITS 10

typedef struct {
    uint64_t weight_bytes; /* packed weights: ceil(n k bits / 8), ternary trit5 ceil(n k / 5) */
    uint64_t groups;       /* scale groups: n ceil(k / group), 1 per tensor */
    uint64_t meta_bytes;   /* scales + zero-points: groups x (scale + zero-point bytes);
                              BitMoD: ceil(groups x 10 bits / 8) + 2 B per row */
} quant_bytes;

/* quant_matrix_bytes as the LUT core (lut 1) or an mma array (0) holds
 * the matrix: the same but for BitMoD on the LUT core, whose weights are
 * the INT4 / INT6 planes of the grid and whose metadata is format 8's 3 B
 * per column and group (quant_lut_fields). */
void quant_matrix_bytes_on(const quant_preset *q, int lut, uint64_t n, uint64_t k,
                           quant_bytes *b);

/* The scale-group length of a matrix with reduction length k. */
int quant_group_len(const quant_preset *q, uint64_t k);

/* The dq metadata format of q's GEMMs (lut_meta.h); per-tensor presets
 * store no per-group scale. */
int quant_meta_code(const quant_preset *q);

/* Stored bytes of one n x k matrix under q. */
void quant_matrix_bytes(const quant_preset *q, uint64_t n, uint64_t k, quant_bytes *b);

/* Sets g's wtype, group_size and mfmt from q (g->kd set first).  A
 * per-tensor preset runs K in chunks of LUT_DEFAULT_GROUP (it has no group
 * metadata, so the chunking is free). */
void quant_gemm_fields(const quant_preset *q, gemm_shape *g);

/* quant_gemm_fields as the LUT core runs q: BitMoD's FP3 / FP4 become the
 * signed INT4 / INT6 bit-planes of their grid values (bitmod_types.h), so
 * 4 or 6 look-up passes where the code width would suggest 3 or 4, with
 * the dequant unit's BitMoD metadata (lut_meta.h code 8: a scale code
 * and the fp16 row scale, 3 B per column and group). */
void quant_lut_fields(const quant_preset *q, gemm_shape *g);
/* The bit-planes q's weights take on the LUT core (w.bits but BitMoD's). */
int quant_lut_planes(const quant_preset *q);

/* The group metadata an mma array's dequantizer reads with the weights
 * (gemm_shape.mma_meta_bits per mma_meta_group weights along K and output
 * row): the scale and zero-point bytes quant_matrix_bytes stores per group,
 * BitMoD's 10 bits per group; none per tensor (one scale) or for FP16. */
void quant_mma_meta(const quant_preset *q, uint64_t k, gemm_shape *g);

/* The architecture as it runs q: *out = *a with act_bits = q->abits (and
 * the table entries as wide as that needs, arch_set_act_bits), checked;
 * on the mma arrays mma_fp16 = q->afp16 (BitMoD's FP16 datapath).  The LUT
 * core refuses FP16 weights or activations.
 * Idempotent.  0, or -1 with "abits: ..." when the tables no longer fit. */
int quant_arch(const arch_t *a, const quant_preset *q, arch_t *out, char *err, size_t errlen);

/* 0, or -1 with "KEY: problem" when q's format cannot be stored. */
int quant_layout_check(const quant_preset *q, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
