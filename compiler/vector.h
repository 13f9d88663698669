/* vector.h - lower the non-GEMM work of a layer to the vector unit.
 *
 * A vector operation works on rows x cols float32 elements in DRAM (the
 * activations between the integer GEMMs), streamed through the output
 * buffer in double-buffered tiles: load, vop, store.  Row operations
 * (rmsnorm, softmax) take whole rows; element-wise ones any span.
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
    isa_vfn fn;
    uint64_t rows, cols;
    /* Fused table precompute (arch precompute.fused): > 0 makes the
     * operation also quantize its output rows to INT8, build their tables
     * (groups of this many activations) and activation sums on the
     * precompute unit, and write them to DRAM for the next linear layer. */
    int tables_group;
} vec_shape;

/* Builds the program; tiles_limit > 0 keeps only the first tiles_limit - 1
 * tiles and the last one (for fast-forwarding).  Returns the number of
 * tiles of the full program in *tiles. */
int vec_lower(const arch_t *arch, const vec_shape *v, uint64_t tiles_limit, program *p,
              uint64_t *tiles, char *err, size_t errlen);

/* Timing without data, fast-forwarded like gemm_timing when long. */
int vec_timing(const arch_t *arch, const energy_model *em, const vec_shape *v,
               sim_stats *st, int *sampled, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
