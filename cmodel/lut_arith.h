/* lut_arith.h - the bit-exact arithmetic of the LUT tensor core, in one place.
 *
 * Everything the C model computes on data goes through these functions, and
 * the RTL matches them bit for bit.  The derivation (lut-tensor-core.md):
 *
 *   q' = 2q - (2^W - 1) = sum_i 2^i b_i,   b_i in {-1,+1}
 *   2 * sum_k (q_k - z) a_k = sum_i 2^i T_i + (2^W - 1 - 2z) * sum_k a_k
 *   T_i = sum_k b_{i,k} a_k                 (one table look-up per bit-plane)
 *
 * Table: for a group of tk activations a_0..a_{tk-1}, the stored table has
 * 2^(tk-1) entries; entry j is the sum for the bit pattern p = (j << 1) | 1,
 * i.e. b_0 = +1 and b_k = +1 exactly when bit (k-1) of j is set.  A pattern
 * with b_0 = -1 is the negation of its complement, so a weight's bit-plane
 * becomes a look-up index plus a negate bit, prepared offline when weights
 * are packed (no negation of the index at run time).
 */
#ifndef LUT_ARITH_H
#define LUT_ARITH_H

#include "lut_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A packed index byte: low 7 bits select the table entry, bit 7 negates. */
#define LUT_IDX_NEG 0x80u
#define LUT_IDX_MASK 0x7Fu

/* Table entry type for INT8 activations: |entry| <= 8 * 128 fits in 16 bits. */
typedef int16_t lut_entry_t;

/* Number of stored table entries for tk activations. */
static inline int lut_table_entries(int tk) { return 1 << (tk - 1); }

/* Index byte for the tk-bit pattern p (bit k = weight bit of activation k in
 * this bit-plane). */
static inline uint8_t lut_pattern_index(unsigned p, int tk)
{
    unsigned mask = (1u << tk) - 1u;
    if (p & 1u)
        return (uint8_t)(p >> 1);
    return (uint8_t)(LUT_IDX_NEG | (((~p) & mask) >> 1));
}

/* In the weight buffer an index is a tk-bit field: bits [tk-2:0] select the
 * entry, bit tk-1 negates.  Rows of fields are packed LSB-first. */
static inline unsigned lut_field_from_idx(uint8_t idx, int tk)
{
    return (idx & LUT_IDX_MASK) | ((idx & LUT_IDX_NEG) ? 1u << (tk - 1) : 0u);
}
static inline uint8_t lut_idx_from_field(unsigned field, int tk)
{
    uint8_t idx = (uint8_t)(field & ((1u << (tk - 1)) - 1u));
    return (field >> (tk - 1)) & 1u ? (uint8_t)(idx | LUT_IDX_NEG) : idx;
}
/* Reads / writes field j of a packed row. */
static inline unsigned lut_field_get(const uint8_t *row, uint64_t j, int tk)
{
    uint64_t bit = j * (uint64_t)tk;
    unsigned v = row[bit / 8];
    if ((bit % 8) + (uint64_t)tk > 8)
        v |= (unsigned)row[bit / 8 + 1] << 8;
    return (v >> (bit % 8)) & ((1u << tk) - 1u);
}
static inline void lut_field_put(uint8_t *row, uint64_t j, int tk, unsigned field)
{
    for (int b = 0; b < tk; b++) {
        uint64_t bit = j * (uint64_t)tk + (uint64_t)b;
        uint8_t mask = (uint8_t)(1u << (bit % 8));
        if ((field >> b) & 1u)
            row[bit / 8] |= mask;
        else
            row[bit / 8] &= (uint8_t)~mask;
    }
}

/* Table precompute for one group of tk INT8 activations (positions past the
 * end of the reduction are zero).  Writes lut_table_entries(tk) entries and
 * returns the number of additions a hardware unit performs for it. */
int lut_table_precompute_i8(const int8_t *a, int tk, lut_entry_t *table);

/* A table entry as a table of `bits`-bit signed entries stores it: narrower
 * tables saturate, as they would in silicon. */
static inline int32_t lut_entry_saturate(int32_t v, int bits)
{
    const int32_t hi = (1 << (bits - 1)) - 1, lo = -(1 << (bits - 1));
    return v > hi ? hi : (v < lo ? lo : v);
}

/* One look-up: the signed table value the index byte selects. */
static inline int32_t lut_lookup(const lut_entry_t *table, uint8_t idx)
{
    int32_t v = table[idx & LUT_IDX_MASK];
    return (idx & LUT_IDX_NEG) ? -v : v;
}

/* Shift-accumulate of bit-plane i into a doubled partial sum: acc + t * 2^i
 * in the 32-bit accumulator (|t| <= 2^15 and i <= 7, so the term itself
 * always fits).  Computed modulo 2^32, as the RTL's adder does; the host
 * GEMM cannot overflow it (lut_gemm_cfg_check bounds the group size). */
static inline int32_t lut_shift_acc(int32_t acc, int32_t t, int plane)
{
    return (int32_t)((uint32_t)acc + ((uint32_t)t << plane));
}

/* The same, for data nothing bounds (a hand-written program's tables and
 * accumulators): returns 1 when the exact sum leaves the signed 32-bit
 * range, i.e. when lut_shift_acc wrapped.  The C model stops there. */
static inline int lut_shift_acc_checked(int32_t *acc, int32_t t, int plane)
{
    int64_t exact = (int64_t)*acc + (int64_t)t * ((int64_t)1 << plane);
    *acc = lut_shift_acc(*acc, t, plane);
    return exact < INT32_MIN || exact > INT32_MAX;
}

/* Zero-point correction factor (2^W - 1 - z2) for a code width W. */
static inline int32_t lut_zp_corr(int bits, int z2)
{
    return ((1 << bits) - 1) - z2;
}

/* Final right shift that turns a doubled sum into the group's dot product:
 * 1 for zero-point formats, 0 for binary (its q' already is the weight). */
static inline int lut_post_shift(lut_wfmt f) { return f == LUT_WFMT_BINARY ? 0 : 1; }

/* Group result from its bit-plane sum, zero-point factor and activation sum. */
static inline int64_t lut_group_result(int64_t planesum, int32_t corr,
                                       int64_t asum, int post_shift)
{
    int64_t twice = planesum + (int64_t)corr * asum;
    /* exact: twice is even whenever post_shift is 1; a constant divisor
     * keeps the compiler from emitting a division instruction */
    return post_shift ? twice / 2 : twice;
}

/* Dequantization of one group: out + scale * group, in float with no fused
 * multiply-add so every engine rounds identically. */
static inline float lut_dequant_acc(float out, float scale, int64_t group)
{
    float prod = scale * (float)group;
    return out + prod;
}

#ifdef __cplusplus
}
#endif
#endif
