/* run_eval.h - one phase of `lutsim run`, from inputs to checked results:
 * the one library path that `lutsim run` and `lutsim sweep` both take, so a
 * sweep's row and a run's report cannot disagree. */
#ifndef RUN_EVAL_H
#define RUN_EVAL_H

#include "lower.h"
#include "report_run.h"

/* Sets up p for one phase (kind 0 prefill, 1 decode) of batch x seq or
 * context and checks that its counts fit 2^63 - 1 before any simulation.
 * 0, or -1 with "MODEL: PHASE, --batch B x --seq S (...): problem". */
int run_phase_prepare(const model_cfg *m, const char *model_label, int kind, int batch, int seq,
                      int context, run_phase *p, char *err, size_t errlen);

/* Lowers and times the prepared phase into ops[0..MODEL_MAX_OPS-1]
 * (p->ops points there), with the mapper's objective; fn (may be NULL) is
 * told of each operation timed; lc (may be NULL) keeps timed shapes across
 * calls (lower.h).  Checks every total of the phase.  0, or
 * -1 with the same message form as run_phase_prepare. */
int run_phase_time(const arch_t *a, const energy_model *em, const model_cfg *m,
                   const char *model_label, const quant_preset *q, int objective, run_phase *p,
                   op_result *ops, lower_progress_fn fn, void *ctx, lower_cache *lc, char *err,
                   size_t errlen);

/* "--batch B x --seq S (T tokens)" or "--batch B x --context C". */
void run_phase_options(const model_phase *ph, char *out, size_t n);

#endif
