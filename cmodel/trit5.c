/* trit5.c - the 5-trits-per-byte codec (trit5.h). */
#include "trit5.h"

#include "lut_arith.h"

uint8_t trit5_pack(const uint8_t t[5])
{
    unsigned b = 0;
    for (int i = 4; i >= 0; i--)
        b = b * 3 + t[i];
    return (uint8_t)b;
}

int trit5_unpack(uint8_t b, uint8_t t[5])
{
    if (b >= TRIT5_CODES)
        return -1;
    for (int i = 0; i < 5; i++, b /= 3)
        t[i] = (uint8_t)(b % 3);
    return 0;
}

uint64_t trit5_row_bytes(uint64_t rb, int tk)
{
    return (8 * rb / (uint64_t)tk * (uint64_t)tk + 4) / 5;
}

/* The bit-plane pattern of a stored field: inverse of the fold that
 * lut_pattern_index and lut_field_from_idx apply. */
static unsigned field_pattern(unsigned field, int tk)
{
    const uint8_t idx = lut_idx_from_field(field, tk);
    const unsigned mask = (1u << tk) - 1u;
    if (idx & LUT_IDX_NEG)
        return (~((unsigned)(idx & LUT_IDX_MASK) << 1)) & mask & ~1u;
    return ((unsigned)idx << 1) | 1u;
}

static unsigned pattern_field(unsigned p, int tk)
{
    return lut_field_from_idx(lut_pattern_index(p, tk), tk);
}

int trit5_decode_row(const uint8_t *packed, uint64_t rb, int tk, uint8_t *planes, uint64_t *bad)
{
    const uint64_t fields = 8 * rb / (uint64_t)tk;
    uint8_t t[5] = { 0 };
    for (uint64_t i = 0; i < 2 * rb; i++)
        planes[i] = 0;
    for (uint64_t f = 0; f < fields; f++) {
        unsigned p0 = 0, p1 = 0;
        for (int k = 0; k < tk; k++) {
            const uint64_t w = f * (uint64_t)tk + (uint64_t)k;
            if (w % 5 == 0 && trit5_unpack(packed[w / 5], t) != 0) {
                *bad = w / 5;
                return -1;
            }
            const unsigned code = (unsigned)t[w % 5] + 1u; /* weight t - 1, offset by 2 */
            p0 |= (code & 1u) << k;
            p1 |= (code >> 1) << k;
        }
        lut_field_put(planes, f, tk, pattern_field(p0, tk));
        lut_field_put(planes + rb, f, tk, pattern_field(p1, tk));
    }
    return 0;
}

int trit5_encode_row(const uint8_t *planes, uint64_t rb, int tk, int kvalid, uint8_t *packed,
                     uint64_t *bad)
{
    const uint64_t fields = 8 * rb / (uint64_t)tk, n = fields * (uint64_t)tk;
    uint8_t t[5];
    for (uint64_t w = 0; w < (n + 4) / 5 * 5; w++) {
        unsigned tr = 1; /* past the last weight or the reduction: weight 0 */
        const int k = (int)(w % (uint64_t)tk);
        if (w < n && k < kvalid) {
            const uint64_t f = w / (uint64_t)tk;
            const unsigned b0 = (field_pattern(lut_field_get(planes, f, tk), tk) >> k) & 1u;
            const unsigned b1 = (field_pattern(lut_field_get(planes + rb, f, tk), tk) >> k) & 1u;
            const unsigned code = b0 | b1 << 1;
            if (code == 0) { /* the weight -2 */
                *bad = w;
                return -1;
            }
            tr = code - 1;
        }
        t[w % 5] = (uint8_t)tr;
        if (w % 5 == 4)
            packed[w / 5] = trit5_pack(t);
    }
    return 0;
}
