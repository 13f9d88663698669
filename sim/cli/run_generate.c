/* run_generate.c - prefill, then every decode step of a request. */
#include "run_generate.h"

#include "commands.h"
#include "run_eval.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void request_text(int P, int T, int B, char *out, size_t n)
{
    snprintf(out, n, "generate --prompt %d --new %d --batch %d", P, T, B);
}

int run_generate_check(const arch_t *a, const model_cfg *m, const char *label,
                       const quant_preset *q, int P, int T, int B, gen_result *g, char *err,
                       size_t errlen)
{
    char what[96];
    request_text(P, T, B, what, sizeof what);
    memset(g, 0, sizeof *g);
    g->prompt = P;
    g->new_tokens = T;
    g->batch = B;
    if ((long long)P + T > (1 << 20)) {
        snprintf(err, errlen, "%s: %s: the context reaches %lld keys, more than 1048576",
                 label, what, (long long)P + T);
        return -1;
    }
    model_phase last = { MODEL_DECODE, B, 0, P + T };
    model_bytes wb;
    model_weight_bytes(m, q, &wb);
    g->weight_bytes = wb.weight_bytes + wb.scale_bytes + wb.fp16_bytes;
    if (model_kv_cache_bytes(m, &last, &g->kv_peak_bytes) != 0) {
        snprintf(err, errlen, "%s: %s: the KV cache passes 2^63 bytes", label, what);
        return -1;
    }
    g->capacity_bytes = a->dram_capacity_gib * 1073741824.0;
    const double need = (double)g->kv_peak_bytes + (double)g->weight_bytes;
    if (g->capacity_bytes > 0 && need > g->capacity_bytes) {
        snprintf(err, errlen, "%s: %s: the KV cache at its peak (%.4g GiB at %d keys) and the "
                 "weights (%.4g GiB) need %.4g GiB, more than dram.capacity_gib = %g",
                 label, what, (double)g->kv_peak_bytes / 1073741824.0, P + T,
                 (double)g->weight_bytes / 1073741824.0, need / 1073741824.0,
                 a->dram_capacity_gib);
        return -1;
    }
    return 0;
}

/* One decode step at context C with the request's cache: cycles, energy. */
static int decode_step(const arch_t *a, const energy_model *em, const model_cfg *m,
                       const char *label, const quant_preset *q, int objective, int step,
                       int B, int C, lower_cache *lc,
                       uint64_t *cycles, double *energy, uint64_t *dram, char *err, size_t errlen)
{
    static op_result ops[MODEL_MAX_OPS];
    static model_cfg c; /* zipf routing: the step's own draw */
    c = *m;
    c.moe_route_seed += (uint32_t)step;
    run_phase p;
    if (run_phase_prepare(&c, label, 1, B, 0, C, &p, err, errlen) != 0)
        return -1;
    if (run_phase_time(a, em, &c, label, q, objective, &p, ops, NULL, NULL, lc, err, errlen) != 0)
        return -1;
    if (run_phase_sums(a, q, &p, cycles, energy, dram) != 0) {
        snprintf(err, errlen, "%s: decode at context %d: its totals pass 2^63 - 1", label, C);
        return -1;
    }
    return 0;
}

typedef struct {
    uint64_t cycles, dram;
    double energy;
    int done;
} step_cost;

typedef struct {
    const arch_t *a;
    const energy_model *em;
    const model_cfg *m;
    const char *label;
    const quant_preset *q;
    int objective;
    int B, P;
    lower_cache *lc;
    step_cost *sc;
    int simulated;
    char *err;
    size_t errlen;
} steps;

/* Simulates decode step j (context P + j + 1) unless already done. */
static int step_at(steps *s, int j)
{
    step_cost *c = &s->sc[j];
    if (c->done)
        return 0;
    s->simulated++;
    c->done = 1;
    return decode_step(s->a, s->em, s->m, s->label, s->q, s->objective, j + 1, s->B,
                       s->P + j + 1, s->lc, &c->cycles, &c->energy, &c->dram, s->err,
                       s->errlen);
}

static int same(const step_cost *x, const step_cost *y)
{
    return x->cycles == y->cycles && x->dram == y->dram && x->energy == y->energy;
}

/* Steps lo and hi are simulated; those between are too, or take their
 * cost when both ends cost the same (a decode step's cost is a step
 * function of the context: whole key blocks). */
static int segment(steps *s, int lo, int hi)
{
    if (hi - lo < 2)
        return 0;
    if (same(&s->sc[lo], &s->sc[hi])) {
        for (int j = lo + 1; j < hi; j++)
            s->sc[j] = s->sc[lo];
        return 0;
    }
    const int mid = lo + (hi - lo) / 2;
    return step_at(s, mid) || segment(s, lo, mid) || segment(s, mid, hi);
}

int run_generate(const arch_t *a, const energy_model *em, const model_cfg *m, const char *label,
                 const quant_preset *q, int objective, int P, int T,
                 int B, int every_step, op_result *prefill_ops, gen_result *g, char *err,
                 size_t errlen)
{
    if (run_generate_check(a, m, label, q, P, T, B, g, err, errlen) != 0)
        return -1;
    const double t0 = cli_now_seconds();
    lower_cache *lc = lower_cache_new();
    if (!lc) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = -1;
    run_phase *pf = &g->prefill;
    uint64_t dram = 0;
    if (run_phase_prepare(m, label, 0, B, P, 0, pf, err, errlen) != 0)
        goto done;
    if (run_phase_time(a, em, m, label, q, objective, pf, prefill_ops, NULL, NULL, lc, err,
                       errlen) != 0 ||
        run_phase_sums(a, q, pf, &g->prefill_cycles, &g->prefill_energy_pj, &dram) != 0)
        goto done;
    step_cost *sc = calloc((size_t)T, sizeof *sc);
    if (!sc) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    steps st = { a, em, m, label, q, objective, B, P, lc, sc, 0, err, errlen };
    const int every = every_step || (m->moe_experts && m->moe_routing != MOE_ROUTE_UNIFORM);
    int bad = 0;
    if (every) {
        for (int j = 0; j < T && !bad; j++)
            bad = step_at(&st, j);
    } else {
        bad = step_at(&st, 0) || step_at(&st, T - 1) || segment(&st, 0, T - 1);
    }
    if (bad) {
        free(sc);
        goto done;
    }
    for (int j = 0; j < T; j++) {
        g->decode_cycles += sc[j].cycles;
        g->decode_energy_pj += sc[j].energy;
        g->decode_dram_bytes += sc[j].dram;
    }
    g->first_cycles = sc[0].cycles;
    g->last_cycles = sc[T - 1].cycles;
    g->steps_simulated = st.simulated;
    g->every_step = every;
    free(sc);
    const double hz = a->clock_ghz * 1e9, toks = (double)B * T;
    g->ttft_s = (double)g->prefill_cycles / hz;
    g->tpot_mean_s = T ? (double)g->decode_cycles / (T * hz) : 0;
    g->tpot_last_s = (double)g->last_cycles / hz;
    g->e2e_s = g->ttft_s + (double)g->decode_cycles / hz;
    g->tokens_per_s = toks / g->e2e_s;
    g->energy_per_token_pj = (g->prefill_energy_pj + g->decode_energy_pj) / toks;
    g->host_seconds = cli_now_seconds() - t0;
    rc = 0;
done:
    lower_cache_free(lc);
    return rc;
}
