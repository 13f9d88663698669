/* gemm_mma.h - lower a GEMM onto a systolic, mac or bitserial array (compute.kind).
 *
 * C (m x n, int32) = A (m x kd, int8) x W^T (W n x kd weight values,
 * packed in DRAM and the weight buffer at their bits as unit_mma.c reads
 * them: INTB in B bits, ternary in 2, binary in 1; UINT with zero-points
 * runs timing-only).  With 16-bit activations (arch act_bits 16) A moves
 * 2 bytes an element, and on the FP16 datapath (arch mma_fp16) C 2 bytes
 * and 16-bit weights are FP16; those, and batches, run timing-only
 * (gemm_mma_fill refuses them).  The program tiles the output
 * into mt x nt tiles and the reduction into kt chunks: per tile and chunk
 * it loads the A and W chunks (double-buffered, so the next loads overlap
 * this mma) and the chunk's group metadata (gemm_shape.mma_meta_bits, for
 * the dequantizer), runs mma accumulating over the chunks, then stores the
 * tile once the next tile's first loads are issued (the DMA runs in
 * program order).  An A chunk is loaded once and kept while consecutive
 * tiles reuse it.  gemm_shape.batch GEMMs of one shape (attention heads)
 * run back to back in one program through the same slots.
 *
 * Tile sizes follow the array: on a systolic array each tile dimension the
 * dataflow lays on rows or columns is a multiple of R or C (so the tiles'
 * folds are exactly the GEMM's folds), and the dimension it streams in time
 * (os: K, ws: M, is: N) is kept whole when the buffers allow: each split
 * of it costs another fill and drain per fold.  With that, the array's busy
 * cycles are SCALE-Sim's for the whole GEMM (mma_array.h).  On a mac array
 * tiles are multiples of its m, n, k tile.
 *
 * gemm_shape.sched.res picks the loop order (the mapper's choice):
 * GEMM_RES_NONE the tile order above; GEMM_RES_ACT input-resident: a block
 * of A rows with all of K stays in the act buffer (one slot, its K chunks
 * side by side) while every W tile streams past in double-buffered chunks,
 * so A moves once and W once per block; GEMM_RES_WGT weight-resident, the
 * same with W's rows resident and A streamed.  In both each output tile
 * (the block's rows by one streamed tile) is finished over all of K before
 * the next starts, so the output buffer holds just two tiles: the order
 * for an array without an output buffer for partial sums (BitMoD's).  The
 * block is as large as its buffer and the output buffer allow, in whole
 * units of the array; a block that cannot hold one unit of rows is an
 * error.  Not on a systolic array (a block splits the dimension it streams
 * in time: more fills than SCALE-Sim's folds).
 *
 * No I/O, no global state.
 */
#ifndef GEMM_MMA_H
#define GEMM_MMA_H

#include "gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* gemm_lower, gemm_fill and gemm_timing for compute.kind systolic and mac
 * (they call these; the layout's mt, nt are the tile, nb the kt chunk). */
int gemm_mma_lower(const arch_t *a, const gemm_shape *s, program *p, gemm_layout *lay,
                   char *err, size_t errlen);
int gemm_mma_fill(const arch_t *a, const gemm_shape *s, const gemm_layout *lay,
                  const int8_t *act, const int8_t *w, uint8_t *image, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
