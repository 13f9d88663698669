/* lut_arith.c - table precompute, the one non-inline piece of the arithmetic. */
#include "lut_arith.h"

int lut_table_precompute_i32(const int32_t *a, int tk, int32_t *table)
{
    /* Entry 0 is a_0 - a_1 - ... - a_{tk-1}; setting bit (k-1) of the index
     * flips b_k from -1 to +1, adding 2 a_k.  Building the table by doubling
     * costs one addition per entry beyond the first, as the hardware's adder
     * tree does. */
    int32_t base = a[0];
    int adds = 0;
    for (int k = 1; k < tk; k++) {
        base -= a[k];
        adds++;
    }
    table[0] = base;
    for (int k = 1; k < tk; k++) {
        int half = 1 << (k - 1);
        int32_t twice = 2 * a[k];
        for (int j = 0; j < half; j++)
            table[half + j] = table[j] + twice;
        adds += half;
    }
    return adds;
}

int lut_table_precompute_i8(const int8_t *a, int tk, lut_entry_t *table)
{
    int32_t wide[LUT_MAX_TK] = { 0 }, t[1 << (LUT_MAX_TK - 1)];
    for (int k = 0; k < tk; k++)
        wide[k] = a[k];
    int adds = lut_table_precompute_i32(wide, tk, t);
    for (int e = 0; e < lut_table_entries(tk); e++)
        table[e] = (lut_entry_t)t[e]; /* |entry| <= 8 * 128: exact in int16 */
    return adds;
}
