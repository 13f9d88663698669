/* bitmod_types.h - BitMoD's mixture-of-datatypes weights (HPCA 2025), one
 * group at a time.
 *
 * A group of weights shares one of four 3- or 4-bit datatypes, each an FP
 * format whose redundant -0 code is re-used for one special value:
 *
 *   FP3 {0, +-1, +-2, +-4}                    ER: +3 or -3, EA: +6 or -6
 *   FP4 E2M1 {0, +-.5, +-1, +-1.5, +-2, +-3, +-4, +-6}
 *                                             ER: +5 or -5, EA: +8 or -8
 *
 * (ER extra resolution, EA extra asymmetry; the sign of the special value
 * is the fourth choice, so the variant is a 2-bit code per group.)  Values
 * are kept as integers on a grid: FP3 in units of 1, FP4 in units of 1/2
 * (so FP4's grid is {0, 1, 2, 3, 4, 6, 8, 12} plus 10 or 16); the half is
 * part of the group scale.  A code is sign-magnitude: bit b-1 the sign,
 * the low bits the magnitude's index, and sign 1 with index 0 (the -0) is
 * the special value.
 *
 * Group scales are INT8: an unsigned code 0..255 times one FP16 scale per
 * output row (two-level, so the 8 bits cover the row's range), which makes
 * the stored metadata 8 + 2 bits per group plus 16 bits per row.
 *
 * Rounding: a weight goes to the nearest grid value of the variant; a tie
 * goes to the smaller magnitude.  The group scale code is the
 * round-half-even of absmax / (vmax * row_scale), clipped to 1..255 (0 for
 * an all-zero group).  The group keeps the variant of the lowest squared
 * error (ties: the lower variant number).  All in binary32 except the error
 * sums (binary64).
 */
#ifndef BITMOD_TYPES_H
#define BITMOD_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The signed INT bit-planes the grid needs on the LUT core: FP3's -6..6
 * fits INT4, FP4's -16..16 (halves) INT6. */
#define BITMOD_FP3_PLANES 4
#define BITMOD_FP4_PLANES 6

typedef enum {
    BITMOD_ER_POS = 0, /* FP3 +3, FP4 +5 */
    BITMOD_ER_NEG,     /* FP3 -3, FP4 -5 */
    BITMOD_EA_POS,     /* FP3 +6, FP4 +8 */
    BITMOD_EA_NEG,     /* FP3 -6, FP4 -8 */
    BITMOD_VARIANTS
} bitmod_variant;

/* 1 if bits is 3 or 4 (the widths BitMoD defines). */
int bitmod_bits_ok(int bits);

/* The grid value of code (0 .. 2^bits - 1) under variant. */
int bitmod_value(int bits, bitmod_variant v, unsigned code);

/* The largest magnitude of the variant's grid (FP3: 4 or 6, FP4: 12 or 16). */
int bitmod_vmax(int bits, bitmod_variant v);

/* The code of the grid value nearest x (ties to the smaller magnitude). */
unsigned bitmod_encode(int bits, bitmod_variant v, float x);

/* The FP16 row scale for a row whose largest |w| is absmax: the scale that
 * lets code 255 reach absmax with the smallest vmax of the width. */
float bitmod_row_scale(int bits, float absmax);

typedef struct {
    bitmod_variant variant;
    uint8_t scale_code; /* group scale = scale_code * row_scale */
    double sse;         /* sum of squared errors of the group */
} bitmod_group;

/* Quantizes w[0..n-1] (one group) under the row scale: the chosen variant,
 * scale code and error; codes[i] and deq[i] (may be NULL) get each weight's
 * code and dequantized value. */
void bitmod_quant_group(int bits, const float *w, int n, float row_scale, bitmod_group *g,
                        uint8_t *codes, float *deq);

/* The dequantized value of code: bitmod_value * (scale_code * row_scale),
 * in binary32. */
float bitmod_dequant(int bits, bitmod_variant v, unsigned code, uint8_t scale_code,
                     float row_scale);

#ifdef __cplusplus
}
#endif
#endif
