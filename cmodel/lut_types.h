/* lut_types.h - the data types the LUT tensor core understands.
 *
 * Weights are integer codes q in {0 .. 2^W-1} with a zero-point z, so that the
 * dequantized weight is w = s * (q - z).  Every format below is that one case
 * with a particular z, which is what lets a single bit-serial datapath serve
 * them all (see ../shared/reference/lut-tensor-core.md):
 *
 *   INT     signed INTb, b = 2..8, values -2^(b-1) .. 2^(b-1)-1, z = 2^(b-1)
 *   UINT    unsigned INTb, b = 1..8, codes 0 .. 2^b-1, z given per group
 *   TERNARY BitNet b1.58 {-1,0,+1}, a 2-bit code with z = 1
 *   BINARY  bipolar {-1,+1}, one bit-plane and no zero-point term
 *
 * Zero-points are carried doubled (z2 = 2z) so that binary's z = 1/2 stays an
 * integer and the whole datapath stays in integers.
 */
#ifndef LUT_TYPES_H
#define LUT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LUT_WFMT_INT = 0,
    LUT_WFMT_UINT,
    LUT_WFMT_TERNARY,
    LUT_WFMT_BINARY
} lut_wfmt;

/* Activation element types.  The table-precompute stage is the only place
 * that looks at the activation type; FP16 and FP8 slot in there. */
typedef enum {
    LUT_ACT_INT8 = 0
} lut_act_type;

typedef struct {
    lut_wfmt fmt;
    int bits; /* code width W = number of bit-planes */
} lut_wtype;

#define LUT_MAX_WBITS 8
#define LUT_MIN_TK 2
#define LUT_MAX_TK 8
#define LUT_DEFAULT_TK 4
#define LUT_DEFAULT_GROUP 128

/* Returns 0 if the type is valid, else -1 with a message in err. */
int lut_wtype_check(lut_wtype t, char *err, size_t errlen);

/* The range of integers a caller may store for this type: the signed value
 * for INT, TERNARY and BINARY (binary admits only -1 and +1), the code for
 * UINT. */
void lut_wtype_range(lut_wtype t, int *lo, int *hi);

/* Weights are stored one per byte: signed for INT, TERNARY and BINARY,
 * unsigned (the raw code) for UINT. */
static inline int lut_wtype_stored(lut_wtype t, int8_t byte)
{
    return t.fmt == LUT_WFMT_UINT ? (int)(uint8_t)byte : (int)byte;
}

/* Whether v is a legal stored value (binary rejects 0). */
int lut_wtype_admits(lut_wtype t, int v);

/* Code q and doubled zero-point z2 of a stored value v (UINT: v is the code
 * and z2 comes from the caller's zero-point table). */
int lut_wtype_code(lut_wtype t, int v);
int lut_wtype_z2(lut_wtype t);

/* Parses "int", "uint", "ternary", "binary"; returns -1 if unknown. */
int lut_wfmt_parse(const char *s, lut_wfmt *out);
const char *lut_wfmt_name(lut_wfmt f);

#ifdef __cplusplus
}
#endif
#endif
