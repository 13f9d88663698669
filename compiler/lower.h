/* lower.h - lower every operation of a model phase onto the accelerator and
 * time it on the C model (timing-only).
 *
 * Where each operation runs:
 *   linear     LUT array, weights in the quantization preset's format;
 *   attention  compiler/attention.h: a layer's sequences and heads in a few
 *              programs on the LUT array (K and V as kv_bits "weights") and
 *              the vector unit (online softmax); with attention.fused one
 *              result, layer.attention, replaces attn_score, softmax and
 *              attn_context (so lower_model may return fewer results than
 *              model_layers lists);
 *   norm, activation, element-wise: the vector unit, streaming
 *              activations at vector.dtype from and to DRAM; an operation
 *              that feeds a linear layer quantizes its output to the INT8
 *              the layer reads; with vector.fused the element-wise ones
 *              run in the epilogue of the GEMM next to them (fusion.h) and
 *              keep their row with fused_into set and nothing counted;
 *              a norm after a residual add in a GEMM's epilogue takes its
 *              row statistic from that epilogue (stat_from) and runs the
 *              final scaling and quantize alone, or, where that is cheaper
 *              (norm_pro), its consumers run them as their prologue;
 *   a linear layer fed by attention (o_proj) quantizes its input first: a
 *              vector pass in its row, or with vector.fused its prologue
 *              (op_result.quant_in).
 * Each operation is timed alone; repeated instances of a shape are
 * simulated once (a cache keyed by shape) and multiplied.  The phase's
 * overlap of neighbouring operations is in lower_info (overlap.h).
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
    int on_lut;          /* 1: the compute array (LUT, or compute.kind's), 0: vector unit */
    int second_array;    /* 1: it ran on the second array (attention, arch compute.attention),
                            not the compute.kind one */
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
    /* Attention: the fraction of the array's lanes its lmma passes fill
     * (attn_occupancy) and the dimension that leaves the rest empty, e.g.
     * "columns:128/512"; 1 and "" elsewhere. */
    double occupancy;
    char occupancy_of[32];
    /* Attention: how the cores split its lmmas, "columns", "rows",
     * "score columns, context rows" or "grid:G" (the context on G core
     * groups, lmmag); "" elsewhere. */
    char attn_partition[40];
    int quant_in;        /* linear: fusion_qin (compiler/fusion.h): its INT8 input made by a
                            quantize pass in this row (1) or its fused prologue (2); 0: the
                            producer quantized */
    char fused_into[2 * MODEL_NAME_MAX]; /* vector.fused: the GEMM(s) whose epilogue runs this
                                  operation (its st, macs stay 0: the GEMM's row has its
                                  cycles and energy); "" when it runs on its own */
    char stat_from[MODEL_NAME_MAX]; /* vector.fused: a norm whose row statistic (sum of
                                  squares) that GEMM's epilogue computed; the norm's row keeps
                                  its own program, the final scaling and quantize; "" else */
    int norm_pro;        /* vector.fused, a norm with stat_from: 1 its final scaling runs as
                            the prologue of the linear layers that read it (they are in
                            fused_into; the norm has no program), 2 its own program
                            (cheaper by the mapper's objective, or no room); 0 neither
                            was a choice */
    char norm_pro_why[320]; /* norm_pro: both alternatives' cost (lower.c norm_prologue) */
} op_result;

typedef struct {
    int simulations;     /* distinct programs simulated */
    int cache_hits;
    /* Cycles the phase saves by starting operations' prologues under the
     * previous operation's tail (overlap.h); per-operation cycles are each
     * operation's own, run alone. */
    uint64_t overlap_saved_cycles;
} lower_info;

/* Fills out[0..n-1]; returns n, or -1 with a message (also when a count
 * of the phase would pass 2^63 - 1, the most lutsim can count: count.h). */
/* The compute_kind of the array that ran r (r->on_lut). */
int op_result_kind(const arch_t *a, const op_result *r);

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

/* Timed GEMM and vector shapes kept across calls of lower_model_cached
 * (a sweep's points): one architecture, energy model and objective at a
 * time, emptied when the next call brings another; so the same shape on the
 * same machine is simulated once, not once per call. */
typedef struct lower_cache lower_cache;
lower_cache *lower_cache_new(void); /* NULL if out of memory */
void lower_cache_free(lower_cache *lc);
/* lc also keeps attention timings across machines (attn_memo.h: keyed by
 * all that determines them); how many were answered from it, and
 * simulated. */
void lower_cache_attn_counts(const lower_cache *lc, uint64_t *reused, uint64_t *simulated);

/* lower_model_ex with lc (NULL: a cache for this call only). */
int lower_model_cached(const arch_t *arch, const energy_model *em, const model_cfg *m,
                       const quant_preset *q, const model_phase *ph, int objective,
                       op_result *out, int cap, lower_info *info, lower_progress_fn fn,
                       void *ctx, lower_cache *lc, char *err, size_t errlen);

/* Peak throughput of the compute array in MACs per cycle for w-bit
 * weights: the LUT array's (bit-serial: / w), a systolic array's R x C,
 * a mac array's tile m x n x k (its dequant stage can pace it lower). */
double lut_peak_macs_per_cycle(const arch_t *arch, int wbits);

#ifdef __cplusplus
}
#endif
#endif
