/* run_eval.c - one phase of a run: prepare (counts checked), lower and time. */
#include "run_eval.h"

#include "commands.h"

#include <stdio.h>
#include <string.h>

void run_phase_options(const model_phase *ph, char *out, size_t n)
{
    if (ph->kind == MODEL_PREFILL)
        snprintf(out, n, "--batch %d x --seq %d (%.3g tokens)", ph->batch, ph->seq_len,
                 (double)model_phase_tokens(ph));
    else
        snprintf(out, n, "--batch %d x --context %d", ph->batch, ph->context);
}

static void phase_error(const char *model_label, const run_phase *p, const char *why,
                        char *err, size_t errlen)
{
    char what[96];
    run_phase_options(&p->ph, what, sizeof what);
    snprintf(err, errlen, "%s: %s, %s: %s", model_label, p->phase, what, why);
}

int run_phase_prepare(const model_cfg *m, const char *model_label, int kind, int batch, int seq,
                      int context, run_phase *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->phase = kind == 0 ? "prefill" : "decode";
    p->ph.kind = kind == 0 ? MODEL_PREFILL : MODEL_DECODE;
    p->ph.batch = batch;
    p->ph.seq_len = seq;
    p->ph.context = context;
    model_totals mt;
    char why[512];
    if (model_phase_totals(m, &p->ph, &mt, why, sizeof why) != 0) {
        phase_error(model_label, p, why, err, errlen);
        return -1;
    }
    return 0;
}

int run_phase_time(const arch_t *a, const energy_model *em, const model_cfg *m,
                   const char *model_label, const quant_preset *q, int objective, run_phase *p,
                   op_result *ops, lower_progress_fn fn, void *ctx, lower_cache *lc, char *err,
                   size_t errlen)
{
    char why[512];
    double t0 = cli_now_seconds();
    int n = lower_model_cached(a, em, m, q, &p->ph, objective, ops, MODEL_MAX_OPS, &p->info, fn,
                               ctx, lc, why, sizeof why);
    if (n < 0) {
        phase_error(model_label, p, why, err, errlen);
        return -1;
    }
    p->host_seconds = cli_now_seconds() - t0;
    p->ops = ops;
    p->nops = n;
    if (run_check_totals(a, q, p, why, sizeof why) != 0) {
        phase_error(model_label, p, why, err, errlen);
        return -1;
    }
    return 0;
}
