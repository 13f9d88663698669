/* sweep_point.h - one point of a sweep: its inputs, its simulation through
 * the same path as `lutsim run` (run_eval.h), and its row.
 *
 * A row is a JSON object {"cols": {...}, "ops": [...]}; cols holds, in this
 * order: id, every swept parameter by its key path, status ("ok",
 * "invalid": a combination the inputs reject or a phase that does not fit,
 * "constrained": a constraint fails), reason (why, or "") and, for "ok",
 * every number of the report: its top-level figures, the design's area
 * (area_mm2, area_breakdown_mm2.PART, area_node_nm: the point's, not a
 * phase's) and each phase's totals as PHASE.KEY ("decode.seconds"),
 * except the host's own measurements (host_seconds, simulations), which are
 * not the design's, and the area, given once.  ops (with --ops) holds one flat object per operation.
 */
#ifndef SWEEP_POINT_H
#define SWEEP_POINT_H

#include "sweep_spec.h"

#include "arch.h"
#include "energy.h"
#include "energy_json.h"
#include "model.h"
#include "report_run.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A phase's results, kept for the points that share the phase's inputs. */
#define SWEEP_CACHE_MAX 32
typedef struct {
    char *key;               /* the phase's inputs as text (NULL: empty slot) */
    uint64_t hash;
    op_result ops[MODEL_MAX_OPS];
    int nops;
    lower_info info;
} sweep_cached_phase;

typedef struct {
    const sweep_spec *s;
    /* caches of the inputs that points share */
    char energy_path[512];
    int energy_loaded;
    energy_table et;
    char arch_path[512];
    json_t *arch_file_doc;
    op_result ops[2][MODEL_MAX_OPS];
    /* Phases already simulated (same architecture, energy table, model,
     * quantization, phase shape and objective give the same results), so a
     * sweep over seq reuses every decode phase and one over context every
     * prefill phase.  Round-robin replacement. */
    sweep_cached_phase cache[SWEEP_CACHE_MAX];
    lower_cache *shapes;     /* and GEMM and vector shapes of one machine (lower.h) */
    int cache_next;
    uint64_t cache_hits, cache_misses;
} sweep_ctx;

/* A point's inputs, ready to simulate. */
typedef struct {
    arch_t a;
    energy_model em;
    model_cfg m;
    quant_preset q;
    json_t *arch_doc;        /* the point's arch.json (owned) */
    const char *model, *quant, *phase, *objective_name, *energy;
    int objective, batch, seq, context, want[2];
    run_phase ph[2];
    int nph;
} sweep_inputs;

/* 0, or -1 if out of memory. */
int sweep_ctx_init(sweep_ctx *c, const sweep_spec *s);
void sweep_ctx_free(sweep_ctx *c);

/* Builds the inputs of point id (vals from sweep_point_values).  0 ready,
 * 1 the point is invalid or constrained (*status and reason set), -1 a
 * failure that stops the sweep (err). */
int sweep_point_inputs(sweep_ctx *c, json_t *const *vals, sweep_inputs *in,
                       const char **status, char *reason, size_t rlen);
/* Simulates every phase of in; 0, or 1 with the reason (a phase that does not fit). */
int sweep_point_simulate(sweep_ctx *c, sweep_inputs *in, char *reason, size_t rlen);
void sweep_inputs_free(sweep_inputs *in);

/* Checks that every report figure the constraints name is one this build
 * reports (area_mm2 only with the area model); 0, or -1 with err naming
 * the constraint. */
int sweep_check_figures(const sweep_spec *s, char *err, size_t errlen);

/* sweep_spec_load, then sweep_check_figures (s freed on failure). */
int sweep_spec_load_checked(const char *path, sweep_spec *s, char *err, size_t errlen);

/* Evaluates point id into a new row (see above); NULL with err only on a
 * failure that stops the sweep (a constraint naming an unknown figure). */
json_t *sweep_eval(sweep_ctx *c, uint64_t id, int want_ops, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
