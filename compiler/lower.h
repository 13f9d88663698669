/* lower.h - lower every operation of a model phase onto the accelerator and
 * time it on the C model (timing-only).
 *
 * Where each operation runs:
 *   linear     LUT array, weights in the quantization preset's format;
 *   attention  LUT array too, with the INT8 K and V caches as 8-bit
 *              "weights" (the array's widest bit-serial mode); causal
 *              prefill is computed in blocks of 128 query rows that skip the
 *              key blocks above the diagonal;
 *   norm, softmax, activation, element-wise: the vector unit, streaming
 *              float32 activations from and to DRAM.
 * Operations run one after another; repeated instances of a shape are
 * simulated once (a cache keyed by shape) and multiplied.
 */
#ifndef LOWER_H
#define LOWER_H

#include "arch.h"
#include "gemm.h"
#include "model.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    model_op op;
    int on_lut;          /* 1: LUT array, 0: vector unit */
    int wbits;           /* bit-planes on the LUT array (0 for vector work) */
    uint64_t instances;  /* op.count * op.repeat */
    uint64_t macs;       /* op.macs * instances (checked: every count fits 2^63 - 1) */
    sim_stats st;        /* all instances together */
    uint64_t weight_bytes; /* packed weights streamed per instance (linear) */
    int sampled;         /* fast-forwarded (periodic) simulation used */
    gemm_shape tiling;   /* linear: the shape with the tiling the search chose */
    int fused;           /* precompute fused: linear loads tables / vector op makes them */
    uint64_t compulsory_bytes; /* LUT ops, all instances: each operand once at its stored
                                  precision (mapper_compulsory_bytes); 0 for vector work */
} op_result;

typedef struct {
    int simulations;     /* distinct programs simulated */
    int cache_hits;
} lower_info;

/* Fills out[0..n-1]; returns n, or -1 with a message (also when a count
 * of the phase would pass 2^63 - 1, the most lutsim can count: count.h). */
int lower_model(const arch_t *arch, const energy_model *em, const model_cfg *m,
                const quant_preset *q, const model_phase *ph, op_result *out, int cap,
                lower_info *info, char *err, size_t errlen);

/* Told after each operation is timed: done of total (the front end shows
 * progress with it; the library prints nothing). */
typedef void (*lower_progress_fn)(void *ctx, int done, int total);

/* lower_model, calling fn(ctx, ...) after each operation (fn may be NULL). */
int lower_model_progress(const arch_t *arch, const energy_model *em, const model_cfg *m,
                         const quant_preset *q, const model_phase *ph, op_result *out, int cap,
                         lower_info *info, lower_progress_fn fn, void *ctx, char *err,
                         size_t errlen);

/* lower_model_progress with the mapper's objective (mapper.h: map_objective;
 * the others use MAP_EDP, the default). */
int lower_model_ex(const arch_t *arch, const energy_model *em, const model_cfg *m,
                   const quant_preset *q, const model_phase *ph, int objective, op_result *out,
                   int cap, lower_info *info, lower_progress_fn fn, void *ctx, char *err,
                   size_t errlen);

/* Peak LUT-array throughput in MACs per cycle for w-bit weights. */
double lut_peak_macs_per_cycle(const arch_t *arch, int wbits);

#ifdef __cplusplus
}
#endif
#endif
