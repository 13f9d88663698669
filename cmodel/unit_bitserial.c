/* unit_bitserial.c - a BitMoD-style bit-serial PE array (mma_array.h).
 *
 * Structure (BitMoD, Chen et al., HPCA'25, as in
 * shared/reference/bitmod-and-baselines.md): a PE holds one output; every
 * step it multiplies dp weights by dp activations.  A weight does not
 * enter whole: it is split into terms, each covering bits_per_cycle of its
 * bits (INT8 and INT6 as 4 and 3 radix-4 Booth terms at 2 bits a cycle;
 * FP4 and FP3 as sign-magnitude fixed point of 3 and 2 magnitude bits plus
 * sign, i.e. 4 and 3 bits, 2 terms), and the PE's shift-accumulate takes
 * one term a cycle.  So a step lasts ceil(wbits / bits_per_cycle) cycles,
 * and every PE of the array steps in lockstep on one tile of
 * dp x rows x cols. */
#include "mma_array.h"

#include "machine.h"

#include <string.h>

uint64_t bitserial_terms(const arch_t *a, int wbits)
{
    const uint64_t b = wbits > 0 ? (uint64_t)wbits : 8;
    return ceil_div(b, (uint64_t)a->bs_bits_per_cycle);
}

void bitserial_time(const arch_t *a, uint64_t m, uint64_t n, uint64_t k, int wbits, bs_timing *t)
{
    memset(t, 0, sizeof *t);
    t->row_tiles = ceil_div(n, (uint64_t)a->bs_rows);
    t->col_tiles = ceil_div(m, (uint64_t)a->bs_cols);
    t->k_steps = ceil_div(k, (uint64_t)a->bs_dp);
    t->terms = bitserial_terms(a, wbits);
    /* The tiles run one after another: the array holds one tile's outputs
     * at a time (output-stationary), a partial tile takes as long as a
     * full one (its idle PEs step with the rest). */
    t->tiles = t->row_tiles * t->col_tiles * t->k_steps;
    t->cycles = t->tiles * t->terms;
}
