/* vector.h - lower the non-GEMM work of a layer to the vector unit.
 *
 * A vector operation works on rows x cols elements in DRAM (the
 * activations between the integer GEMMs) at the vector unit's element type
 * (arch vector.dtype: 2 bytes for fp16 and bf16, 4 for fp32), streamed
 * through the output buffer in double-buffered tiles.  The program is
 * software-pipelined: the loads of tile t+1 are issued before the work and
 * the store of tile t, so one in-order DMA queue keeps the bus busy while
 * the vector unit works (with dma.engines = 2 the stores have their own
 * queue).  An operation of at most four buffer-sized tiles (decode at small
 * batch) is cut into eight short tiles on four slots, its loads three tiles
 * ahead: otherwise its load, work and store run one after another, each
 * paying the DRAM latency.  Row operations (rmsnorm, softmax) take whole rows; element-wise
 * ones any span.
 *
 * DRAM layout (vec_layout): the first input, the second (two-source
 * functions), the output, then with fused precompute the tables and the
 * activation sums, or (norm_split 2) the rows' sums of squares.
 */
#ifndef VECTOR_H
#define VECTOR_H

#include "arch.h"
#include "program.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    isa_vfn fn; /* any element-type form: the program uses arch vector.dtype's;
                   quant (with quant_out 1): the quantize step alone */
    uint64_t rows, cols;
    /* Fused table precompute (arch precompute.fused): > 0 makes the
     * operation also quantize its output rows to INT8, build their tables
     * (groups of this many activations) and activation sums on the
     * precompute unit, and write them to DRAM for the next linear layer. */
    int tables_group;
    /* 1: the output feeds a linear layer, which reads INT8 activations: the
     * program quantizes each tile (a quant vop into the act buffer) and
     * stores one byte per element.  (Fused precompute quantizes anyway.) */
    int quant_out;
    /* 1 (rmsnorm with quant_out, arch vector.fused): the norm split, one
     * rms_stat and one rms_apply per row (2 passes) instead of rmsnorm and
     * quant (4), bit-exact with them (README "Norm split"). */
    int norm_split;  /* 2: the statistic comes from the producing GEMM's
                        epilogue (compiler/fusion.h, gemm_epilogue.stat):
                        each row's sum of squares, a float32 at
                        vec_layout.stat_addr, is loaded with the row and the
                        program runs rms_apply only, 1 pass a row;
                        3: the statistic alone, each row's sum of
                        squares stored at stat_addr for the consumers'
                        prologue (GEMM_INQ_NORM: the first layer's input
                        norm, whose rows no epilogue summed) */
} vec_shape;

typedef struct {
    uint64_t in_addr, in2_addr, out_addr, tables_addr, sums_addr, image_bytes;
    uint64_t stat_addr; /* norm_split 2: the rows' sums of squares (float32), last */
    uint64_t span;      /* elements per tile */
    uint64_t tiles;
    int elem_bytes;     /* bytes per element at vector.dtype */
    int depth;          /* buffer slots: 2 (double buffering), or 4 for a small
                           operation cut into short tiles so that loads, work
                           and stores overlap instead of waiting on each other */
    isa_vfn fn;         /* the function at vector.dtype */
} vec_layout;

/* The tiling and DRAM layout of v on arch; 0 or -1 with a message. */
int vec_layout_of(const arch_t *arch, const vec_shape *v, vec_layout *lay, char *err,
                  size_t errlen);

/* Builds the program; tiles_limit > 0 keeps only the first tiles_limit - 1
 * tiles and the last one (for fast-forwarding).  Returns the number of
 * tiles of the full program in *tiles. */
int vec_lower(const arch_t *arch, const vec_shape *v, uint64_t tiles_limit, program *p,
              uint64_t *tiles, char *err, size_t errlen);

/* Timing without data, fast-forwarded like gemm_timing when long. */
int vec_timing(const arch_t *arch, const energy_model *em, const vec_shape *v,
               sim_stats *st, int *sampled, char *err, size_t errlen);

/* vec_timing through a memo of timings kept across a sweep's points
 * (timing_memo.h; NULL, or no energy model: vec_timing itself).  The key
 * is the shape, the plan the buffers' capacities decide (tile span, slots,
 * table halves) and every other architecture field; a hit prices the kept
 * events with em, as vec_timing does last, so the result is the same bits. */
struct timing_memo *vec_memo_new(void); /* its memo (timing_memo_free); NULL: no memory */
int vec_timing_memo(struct timing_memo *mm, const arch_t *arch, const energy_model *em,
                    const vec_shape *v, sim_stats *st, int *sampled, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
