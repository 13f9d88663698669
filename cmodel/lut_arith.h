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

/* Table precompute for one group of tk activations (positions past the
 * end of the reduction are zero).  Writes lut_table_entries(tk) entries and
 * returns the number of additions a hardware unit performs for it.  The
 * int32 form serves every activation width (A4, A8, A16: |entry| <=
 * tk * 2^15 fits easily); the INT8 form fills the host GEMM's int16 tables. */
int lut_table_precompute_i32(const int32_t *a, int tk, int32_t *table);
int lut_table_precompute_i8(const int8_t *a, int tk, lut_entry_t *table);

/* Activations as the act buffer and DRAM store them: `bits` (4, 8 or 16)
 * per element, two's complement, packed LSB-first (A4: element 2j in the
 * low nibble of byte j; A16: little-endian).  Bytes of n elements: */
static inline uint64_t lut_act_bytes(uint64_t n, int bits)
{
    return (n * (uint64_t)bits + 7) / 8;
}
static inline int32_t lut_act_get(const uint8_t *p, uint64_t j, int bits)
{
    if (bits == 4) {
        unsigned v = (p[j / 2] >> (4 * (j % 2))) & 0xFu;
        return (int32_t)v - (v & 8u ? 16 : 0);
    }
    if (bits == 16)
        return (int16_t)(uint16_t)(p[2 * j] | p[2 * j + 1] << 8);
    return (int8_t)p[j];
}
static inline void lut_act_put(uint8_t *p, uint64_t j, int bits, int32_t v)
{
    if (bits == 4) {
        unsigned sh = 4 * (unsigned)(j % 2);
        p[j / 2] = (uint8_t)((p[j / 2] & ~(0xFu << sh)) | (((unsigned)v & 0xFu) << sh));
    } else if (bits == 16) {
        p[2 * j] = (uint8_t)v;
        p[2 * j + 1] = (uint8_t)((uint32_t)v >> 8);
    } else {
        p[j] = (uint8_t)v;
    }
}

/* Table entries in the table buffer: `eb` bytes each (ceil(entry bits / 8),
 * 1..4), little-endian two's complement. */
static inline int32_t lut_entry_get(const uint8_t *p, int eb)
{
    uint32_t u = 0;
    for (int i = 0; i < eb; i++)
        u |= (uint32_t)p[i] << (8 * i);
    if (eb < 4 && (u >> (8 * eb - 1)) & 1u)
        u |= ~0u << (8 * eb);
    return (int32_t)u;
}
static inline void lut_entry_put(uint8_t *p, int eb, int32_t v)
{
    for (int i = 0; i < eb; i++)
        p[i] = (uint8_t)((uint32_t)v >> (8 * i));
}

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

/* The same look-up in the table buffer's own tables (int32 entries: any
 * activation width). */
static inline int32_t lut_lookup_wide(const int32_t *table, uint8_t idx)
{
    int32_t v = table[idx & LUT_IDX_MASK];
    return (idx & LUT_IDX_NEG) ? -v : v;
}

/* Shift-accumulate of bit-plane i into a doubled partial sum: acc + t * 2^i
 * in the 32-bit accumulator (|t| <= 8 * 2^15 at A16 and i <= 7, so the term
 * itself always fits).  Computed modulo 2^32, as the RTL's adder does; the host
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
