/* mma_array.h - the timing of the arrays that execute mma (compute.kind
 * systolic and mac): one call per array, from its structure.
 *
 * systolic (unit_systolic.c): an R x C grid of PEs.  SCALE-Sim's mapping
 * of a GEMM (act M x K, weights K x N, out M x N) gives, per dataflow, the
 * dimension laid on the rows (Sr), on the columns (Sc) and in time (T):
 *     os  Sr = M, Sc = N, T = K   outputs stay in the PEs
 *     ws  Sr = K, Sc = N, T = M   weights preloaded into the PEs
 *     is  Sr = K, Sc = M, T = N   activations preloaded into the PEs
 * The array runs ceil(Sr / R) x ceil(Sc / C) folds one after another; a
 * fold is preload (ws, is: the stationary operand shifts down the R rows,
 * one row a cycle), fill (the streaming operand's skew: the wavefront
 * needs R - 1 cycles to reach the last row, os also C - 1 to reach the
 * last column), stream (T operands), drain (ws, is: the last partial sum
 * crosses the C - 1 further columns; os: none, outputs shift out behind
 * the next fold's wavefront).  Operands cross the whole array even in a
 * partial fold, so a fold's phases depend on R and C, not on how much of
 * the array it fills.
 *
 * mac (unit_mac.c): a dot-product tensor core doing one tm x tn x tk tile
 * product a cycle; weights narrower than the operand type pass a dequant
 * stage of mac.dequant_lanes weights a cycle first, pipelined with the
 * array (the slower stage sets the pace).  With mma swap=1 the operands
 * trade sides (weight rows on tm, activation rows on tn): one token of
 * decode fills a tile's tn side, not one of its tm rows.
 *
 * bitserial (unit_bitserial.c): BitMoD's PE array, output-stationary.
 * Each of rows x cols PEs owns one output (an output channel on its row, a
 * token on its column) and takes, per step, dp weights and dp activations;
 * the weights enter term by term, bits_per_cycle bits of each a cycle, so
 * a step lasts as many cycles as a weight has terms (ceil(wbits /
 * bits_per_cycle); the non-bit-serial PEs are bits_per_cycle 16: one
 * cycle a weight of up to 16 bits, FP16 included).
 */
#ifndef MMA_ARRAY_H
#define MMA_ARRAY_H

#include "arch.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t sr, sc, t;              /* the GEMM dimensions on rows, columns, time */
    uint64_t row_folds, col_folds;   /* ceil(sr / R), ceil(sc / C) */
    uint64_t preload, fill, stream, drain; /* summed over the folds */
    uint64_t cycles;                 /* cycles the array is busy */
} sys_timing;

/* Times an m x n x k GEMM (k the reduction) on a's systolic array.
 * chained (mma chain=1, os only, one fold): the fold goes on from the
 * previous mma, whose K stream this one continues: no fill. */
void systolic_time(const arch_t *a, uint64_t m, uint64_t n, uint64_t k, int chained,
                   sys_timing *t);

typedef struct {
    uint64_t passes;      /* tile products: ceil(m/tm) ceil(n/tn) ceil(k/tk) */
    uint64_t dq_weights;  /* weights through the dequant stage (0: none needed) */
    uint64_t dq_cycles;   /* ceil(dq_weights / lanes) */
    uint64_t cycles;      /* cycles busy: max(passes, dq_cycles) */
} mac_timing;

/* Times an m x n x k GEMM with wbits-bit weights on a's MAC array; swap:
 * the n weight rows on the array's mac_m side, the m activation rows on
 * its mac_n side (mma swap=1: a compiler's swap-AB for few rows). */
void mac_time(const arch_t *a, uint64_t m, uint64_t n, uint64_t k, int wbits, int swap,
              mac_timing *t);

typedef struct {
    uint64_t row_tiles;   /* ceil(n / rows): output channels down the rows */
    uint64_t col_tiles;   /* ceil(m / cols): tokens across the columns */
    uint64_t k_steps;     /* ceil(k / dp): dot-product steps per output */
    uint64_t terms;       /* weight terms a PE steps through per step */
    uint64_t tiles;       /* row_tiles x col_tiles x k_steps */
    uint64_t cycles;      /* cycles busy: tiles x terms */
} bs_timing;

/* Terms a wbits-bit weight splits into on a's bit-serial PE. */
uint64_t bitserial_terms(const arch_t *a, int wbits);
/* Times an m x n x k GEMM with wbits-bit weights on a's bit-serial array. */
void bitserial_time(const arch_t *a, uint64_t m, uint64_t n, uint64_t k, int wbits, bs_timing *t);

#ifdef __cplusplus
}
#endif
#endif
