/* gemm.h - lower one mixed-precision GEMM, C = A * W^T, to a program.
 *
 * The schedule is output-stationary over an M-tile: the tile's activation
 * rows are loaded once; for each scale group the tables are precomputed
 * once and reused by every column tile; each (group, column tile) loads its
 * weight indices and metadata, runs lmma and folds the group result into
 * the resident output rows with dq.  Activations, tables, weights and the
 * lmma accumulators are double-buffered, so the scoreboard lets loads of
 * the next tile overlap compute on this one.  Tile sizes are the largest
 * that fit the architecture's buffers.
 *
 * No I/O: gemm_lower gives the program and the memory layout; gemm_fill
 * writes A and the packed weights into a memory image; the caller reads C
 * back from layout.c_addr.
 */
#ifndef GEMM_H
#define GEMM_H

#include "arch.h"
#include "lut_gemm.h"
#include "program.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    lut_wtype wtype;
    int group_size; /* scale group; one longer than an lmma may reduce over
                       (the klen field, or the 32-bit accumulators:
                       lut_gemm_group_max) runs as equal sub-groups that share
                       its zero-point and scale (int32 results stay exact) */
    uint64_t m;     /* rows: tokens, which can pass 2^32 (batch x sequence) */
    int n, kd;
    int float_out; /* 1: dequantize with per-group scales into float32 C */
    int force_mt;  /* 0: choose the M-tile; else use this many rows (if it fits) */
    int force_nt;  /* 0: one column pass of the array per lmma; else this many columns */
    int force_nb;  /* 0: output rows resident for all N columns; else column blocks of
                      this many (activations reloaded and tables rebuilt per block) */
    int tables_in_dram; /* fused precompute: the producer of A wrote tables and
                           activation sums to DRAM; the program loads them */
} gemm_shape;

typedef struct {
    uint64_t a_addr, w_addr, c_addr, image_bytes; /* DRAM layout */
    uint64_t t_addr, s_addr, t_row_bytes;          /* tables_in_dram: tables, sums */
    uint64_t weight_bytes; /* packed weight indices, all tiles */
    uint64_t meta_bytes;   /* zero-point factors and scales */
    int mt, nt, nb;        /* tile sizes chosen: rows, columns per lmma, columns per block */
    int ngroups;           /* groups as the program runs them (sub-groups) */
} gemm_layout;

/* Builds the program for s on arch (tk = arch->tile_k); with p NULL only
 * the layout (tile sizes, DRAM addresses) is computed.  Returns 0 or -1
 * with a message saying which buffer is too small or which size is out of
 * range (the memory image must stay below 2^63 bytes; a program's DRAM
 * addresses must fit the ISA's 40 bits, which only the layout-only call
 * for a huge M may exceed). */
int gemm_lower(const arch_t *arch, const gemm_shape *s, program *p, gemm_layout *lay,
               char *err, size_t errlen);

/* Writes A (m x kd int8) and W (n x kd stored values) into image (of
 * lay->image_bytes bytes) as the program expects.  z2 / scales may be NULL
 * (defaults: the format's zero-point, unit scales); else they hold
 * n x ceil(kd / s->group_size) values, one per column and scale group of
 * s (not per sub-group).  Returns 0 or -1 with a message (e.g. a weight
 * outside the format). */
int gemm_fill(const arch_t *arch, const gemm_shape *s, const gemm_layout *lay,
              const int8_t *a, const int8_t *w, const int32_t *z2, const float *scales,
              uint8_t *image, char *err, size_t errlen);

/* Tiling search: the candidates (M-tile, column tile) that fit are timed
 * with gemm_timing and the fastest kept (fewest DRAM bytes on a tie).
 * s->force_mt / force_nt of the winner are written to *best. */
int gemm_search(const arch_t *arch, const energy_model *em, const gemm_shape *s,
                gemm_shape *best, sim_stats *st, int *sampled, int *candidates,
                char *err, size_t errlen);

/* Cycle-approximate timing of the GEMM on the C model without data.
 * Programs with many M-tiles are periodic after the first few (the same
 * instructions on alternating buffer halves), so long ones are fast-forwarded:
 * two short programs with the real tile size and last tile, of 4 and 6
 * M-tiles, are simulated, and every statistic is extended linearly by the
 * difference per M-tile.  *sampled says whether that happened; tests hold
 * the result to a full simulation. */
int gemm_timing(const arch_t *arch, const energy_model *em, const gemm_shape *s,
                sim_stats *st, int *sampled, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
