/* lut_meta.h - the per-group metadata formats the dequant unit reads.
 *
 * A weight tile of n columns carries, for its scale group, each column's
 * zero-point factor corr = 2^W - 1 - z2 (lut_arith.h) and its scale.  The
 * dq instruction's mfmt field says how they are stored, in DRAM and in the
 * weight buffer alike (the DMA copies bytes, it does not convert):
 *
 *   0  legacy: per column an int32 corr and a float32 scale, 8 B
 *   1  fp16 scales          2 B per column, no zero-point
 *   2  bf16 scales          2 B
 *   3  fp32 scales          4 B
 *   4  int8 exponent e      1 B, scale 2^e (BitMoD-style power-of-two scale)
 *   5  no scale             0 B (per-tensor: the one scale is applied later)
 *   6  fp16 scale + int8 zero-point   3 B
 *   7  no scale + int8 zero-point     1 B
 *   8  BitMoD: uint8 scale code + fp16 row scale   3 B, scale = code x row
 *
 * Codes 1..7 lay a tile out as n scales, then n zero-point bytes.  Without
 * a zero-point corr is fixed by the format: -1 for signed INT codes (shift 1;
 * ternary is stored as INT2 codes {-1, 0, +1} for this), 0 for binary
 * (shift 0).  The zero-point byte holds corr itself (signed, so weights up
 * to 7 bits), which is an affine re-coding of z: 2^W - 1 - 2z.
 *
 * Code 8 (bitmod_types.h) lays a tile out as n scale codes, then the n
 * columns' fp16 row scales; the weights are the grid values as signed
 * INT4 (FP3) or INT6 (FP4) codes (corr -1), so the 2-bit datatype of a
 * group needs no storage at run time.  The dequant unit forms the scale in
 * binary32 as code x row, exact (8 x 11 significant bits).  FP4's grid is
 * in halves and its half is already in the row scale (bitmod_row_scale
 * divides by the grid's vmax in halves), so one format serves both.  The
 * row scale repeats in every group's tile: the dq reads one tile, so the
 * LUT core stores 24 bits per group where BitMoD stores 8 + 2 bits per
 * group and 16 bits per row.
 */
#ifndef LUT_META_H
#define LUT_META_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LUT_SCALE_FP16 = 0,
    LUT_SCALE_BF16,
    LUT_SCALE_FP32,
    LUT_SCALE_E8,   /* int8 exponent: 2^e, e in -126..127 (-128: a zero scale) */
    LUT_SCALE_NONE, /* no per-group scale stored */
    LUT_SCALE_COUNT
} lut_scale_type;

#define LUT_META_LEGACY 0
#define LUT_META_CODES 8   /* codes of a (scale type, zero-point) pair: 0..7 */
#define LUT_META_BITMOD 8  /* BitMoD: INT8 scale code x fp16 row scale */
#define LUT_META_FORMATS 9 /* codes the dq unit reads: 0..8 */

/* 1 for LUT_META_BITMOD. */
int lut_meta_is_bitmod(int code);

/* "fp16", "bf16", "fp32", "int8_exp", "none"; parse returns -1 if unknown. */
const char *lut_scale_name(lut_scale_type t);
int lut_scale_parse(const char *s, lut_scale_type *out);
/* Bytes one scale takes: 2, 2, 4, 1, 0. */
int lut_scale_bytes(lut_scale_type t);

/* The mfmt code of (scale type, zero-point bits 0, 8 or 32: code 0 is fp32
 * with the 32-bit factor); -1 if no code stores that combination.
 * lut_meta_fmt is the inverse. */
int lut_meta_code(lut_scale_type t, int zp_bits);
void lut_meta_fmt(int code, lut_scale_type *t, int *zp_bits);

/* Bytes of the metadata of one tile of n columns under code. */
uint64_t lut_meta_tile_bytes(int code, uint64_t n);

/* The nearest value the type stores (round to nearest even for the floats;
 * the nearest power of two in the log domain for int8_exp, non-positive
 * scales become 0; 1 for none). */
float lut_scale_round(lut_scale_type t, float s);

/* Writes column col of an n-column tile.  0, or -1 with a message when
 * the value cannot be stored (corr outside int8 or not the format's fixed
 * factor, a negative int8_exp scale). */
int lut_meta_put(int code, uint8_t *meta, uint32_t n, uint32_t col, int32_t corr, float scale,
                 int shift, char *err, size_t errlen);
/* Writes column col of a BitMoD tile (code 8): its group's scale code
 * and its row's scale (rounded to fp16).  -1 with a message if code is not
 * the BitMoD format or the row scale is negative or not finite. */
int lut_meta_put_bitmod(int code, uint8_t *meta, uint32_t n, uint32_t col, uint8_t scale_code,
                        float row_scale, char *err, size_t errlen);
/* Reads column col back as the dequant unit does (code 8: corr -1 and
 * the scale above). */
void lut_meta_get(int code, const uint8_t *meta, uint32_t n, uint32_t col, int shift,
                  int32_t *corr, float *scale);

#ifdef __cplusplus
}
#endif
#endif
