/* run_system.c - `lutsim run --engine systemc` (run_system.h). */
#include "run_system.h"

#include "engine_system.h"
#include "gemm.h"
#include "quant_layout.h"
#include "vector.h"

#include <stdlib.h>
#include <string.h>

#define RS_MAX_JOBS (2 * MODEL_MAX_OPS)

/* The programs to run (distinct per-accelerator shapes) and, for each
 * linear op of each phase, its job and the cycles not split (a separate
 * quantize pass of its input, fusion_qin 1). */
typedef struct {
    gemm_shape shape[RS_MAX_JOBS];
    program prog[RS_MAX_JOBS];
    sim_stats alone[RS_MAX_JOBS]; /* the C model on the same program, alone */
    int njobs;
    int job[2][MODEL_MAX_OPS]; /* -1: not a linear op */
    uint64_t unsplit[2][MODEL_MAX_OPS];
} rs_plan;

static int shape_job(rs_plan *pl, const arch_t *qa, const energy_model *em, const gemm_shape *g,
                     char *err, size_t errlen)
{
    for (int j = 0; j < pl->njobs; j++)
        if (memcmp(&pl->shape[j], g, sizeof *g) == 0)
            return j;
    if (pl->njobs == RS_MAX_JOBS) {
        snprintf(err, errlen, "--engine systemc: more than %d distinct linear shapes",
                 RS_MAX_JOBS);
        return -1;
    }
    const int j = pl->njobs;
    gemm_layout lay;
    if (gemm_lower(qa, g, &pl->prog[j], &lay, err, errlen) != 0)
        return -1;
    pl->shape[j] = *g;
    pl->njobs++;
    if (sim_run(qa, em, &pl->prog[j], NULL, &pl->alone[j], err, errlen) != 0)
        return -1;
    return j;
}

static int plan_phases(rs_plan *pl, int nacc, const arch_t *qa, const energy_model *em,
                       const run_phase *ph, int nph, char *err, size_t errlen)
{
    for (int p = 0; p < nph; p++) {
        for (int i = 0; i < ph[p].nops; i++) {
            const op_result *o = &ph[p].ops[i];
            pl->job[p][i] = -1;
            if (o->op.kind != MODEL_OP_LINEAR)
                continue;
            gemm_shape g = o->tiling; /* the whole layer's tiling, its columns split */
            g.n = (g.n + nacc - 1) / nacc;
            char why[512];
            int j = shape_job(pl, qa, em, &g, why, sizeof why);
            if (j < 0) {
                snprintf(err, errlen, "%s: %s (%d of %d columns per accelerator): %s",
                         ph[p].phase, o->op.name, g.n, o->tiling.n, why);
                return -1;
            }
            pl->job[p][i] = j;
            if (o->quant_in == 1) { /* its input's quantize pass, as lower.c times it */
                vec_shape v = { VFN_QUANT_F32, o->op.m, o->op.k, 0, 1, 0 };
                sim_stats qs;
                int sampled = 0;
                if (vec_timing(qa, em, &v, &qs, &sampled, why, sizeof why) != 0) {
                    snprintf(err, errlen, "%s: %s: %s", ph[p].phase, o->op.name, why);
                    return -1;
                }
                pl->unsplit[p][i] = qs.cycles;
            }
        }
    }
    return 0;
}

typedef struct {
    uint64_t plain_lin, alone_lin, sys_lin, other, allgather_bytes, dram_bytes, load;
    uint64_t acc_cycles[SC_MAX_ACCELERATORS], acc_stall[SC_MAX_ACCELERATORS],
        acc_arb[SC_MAX_ACCELERATORS];
} rs_sums;

static void sum_phase(const rs_plan *pl, const sc_system_result *res, int nacc, int p,
                      const run_phase *ph, rs_sums *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < ph->nops; i++) {
        const op_result *o = &ph->ops[i];
        const int j = pl->job[p][i];
        if (j < 0) {
            s->other += o->st.cycles;
            continue;
        }
        const uint64_t k = o->instances, u = pl->unsplit[p][i] * k;
        const sc_system_result *r = &res[j];
        s->plain_lin += o->st.cycles;
        s->alone_lin += pl->alone[j].cycles * k + u;
        s->sys_lin += r->run_cycles * k + u;
        s->dram_bytes += r->dram_bytes * k;
        s->load += r->load_cycles * k;
        /* each accelerator's m x n/N outputs to every other: 4-byte outputs */
        s->allgather_bytes += (uint64_t)o->op.m * (uint64_t)o->tiling.n * 4u * k;
        for (int a = 0; a < nacc; a++) {
            s->acc_cycles[a] += r->acc[a].cycles * k;
            s->acc_stall[a] += r->acc[a].unit[UNIT_DMA].stall_dram * k;
            s->acc_arb[a] += r->arb_stall[a] * k;
        }
    }
}

static double ratio(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : 0.0; }

static void print_phase(FILE *f, const arch_t *a, const sc_system_cfg *c, int nacc,
                        const sc_system_result *res0, const run_phase *ph, const rs_sums *s)
{
    const uint64_t plain = s->plain_lin + s->other, sys = s->sys_lin + s->other;
    fprintf(f, "\nsystemc (%s): %d accelerator(s), DRAM %s (dram.model %s); every linear "
               "layer's output columns split %d ways, one program per accelerator\n",
            ph->phase, nacc, c->dram_private > 0 ? "private" : "shared", a->dram_model, nacc);
    fprintf(f, "  linear layers: %llu cycles on the system; one accelerator's per-layer "
               "program alone %llu cycles; `run` on one accelerator %llu cycles "
               "(speedup %.3fx)\n",
            (unsigned long long)s->sys_lin, (unsigned long long)s->alone_lin,
            (unsigned long long)s->plain_lin, ratio(s->plain_lin, s->sys_lin));
    fprintf(f, "  not split (attention, vector work: as `run` times them on one "
               "accelerator): %llu cycles\n", (unsigned long long)s->other);
    fprintf(f, "  phase: %llu cycles (%.3f ms) on the system, %llu cycles on one "
               "accelerator: speedup %.3fx\n",
            (unsigned long long)sys, (double)sys / (a->clock_ghz * 1e6),
            (unsigned long long)plain, ratio(plain, sys));
    fprintf(f, "  system DRAM: %llu bytes moved by the linear layers, utilisation %.1f%% of "
               "the memories' peak over their cycles; host program loads %llu cycles "
               "(not in the phase)\n",
            (unsigned long long)s->dram_bytes,
            100.0 * (double)s->dram_bytes /
                (arch_dram_bytes_per_cycle(a) * (double)res0->memories *
                 (double)(s->sys_lin ? s->sys_lin : 1)),
            (unsigned long long)s->load);
    for (int i = 0; i < nacc; i++) {
        char arb[40];
        engine_system_arb_text(arb, sizeof arb, res0->arb_measured, s->acc_arb[i]);
        fprintf(f, "  accelerator %d: %llu cycles, DRAM stall %llu cycles, arbitration stall "
                   "%s (the linear layers' programs)\n",
                i, (unsigned long long)s->acc_cycles[i], (unsigned long long)s->acc_stall[i],
                arb);
    }
    if (nacc > 1)
        fprintf(f, "  not simulated: the all-gather of each layer's outputs between layers, "
                   "%llu bytes in the phase\n", (unsigned long long)s->allgather_bytes);
}

static json_t *u64j(uint64_t v) { return json_integer((json_int_t)v); }

static json_t *phase_json(const sc_system_cfg *c, int nacc, const sc_system_result *res0,
                          const run_phase *ph, const rs_sums *s)
{
    json_t *o = json_object(), *accs = json_array();
    json_object_set_new(o, "phase", json_string(ph->phase));
    json_object_set_new(o, "accelerators", json_integer(nacc));
    json_object_set_new(o, "dram", json_string(c->dram_private > 0 ? "private" : "shared"));
    json_object_set_new(o, "linear_cycles", u64j(s->sys_lin));
    json_object_set_new(o, "linear_alone_cycles", u64j(s->alone_lin));
    json_object_set_new(o, "linear_run_cycles", u64j(s->plain_lin));
    json_object_set_new(o, "unsplit_cycles", u64j(s->other));
    json_object_set_new(o, "cycles", u64j(s->sys_lin + s->other));
    json_object_set_new(o, "run_cycles", u64j(s->plain_lin + s->other));
    json_object_set_new(o, "dram_bytes", u64j(s->dram_bytes));
    json_object_set_new(o, "host_load_cycles", u64j(s->load));
    json_object_set_new(o, "allgather_bytes_not_simulated", u64j(s->allgather_bytes));
    for (int i = 0; i < nacc; i++) {
        json_t *a = json_object();
        json_object_set_new(a, "cycles", u64j(s->acc_cycles[i]));
        json_object_set_new(a, "dram_stall_cycles", u64j(s->acc_stall[i]));
        json_object_set_new(a, "arbitration_stall_cycles",
                            res0->arb_measured ? u64j(s->acc_arb[i]) : json_null());
        json_array_append_new(accs, a);
    }
    json_object_set_new(o, "per_accelerator", accs);
    return o;
}

int run_system(FILE *f, json_t *js, const sc_system_cfg *c0, const arch_t *a,
               const energy_model *em, const quant_preset *q, const run_phase *ph, int nph,
               char *err, size_t errlen)
{
    const sc_system_cfg c = engine_system_resolved(c0);
    const int nacc = c.accelerators;
    arch_t qa;
    if (quant_arch(a, q, &qa, err, errlen) != 0)
        return -1;
    rs_plan *pl = calloc(1, sizeof *pl);
    sc_system_result *res = NULL;
    const program *progs[RS_MAX_JOBS];
    int rc = -1;
    if (!pl) {
        snprintf(err, errlen, "out of memory for --engine systemc");
        return -1;
    }
    if (plan_phases(pl, nacc, &qa, em, ph, nph, err, errlen) != 0)
        goto out;
    res = calloc((size_t)(pl->njobs ? pl->njobs : 1), sizeof *res);
    if (!res) {
        snprintf(err, errlen, "out of memory for the system's statistics");
        goto out;
    }
    for (int j = 0; j < pl->njobs; j++)
        progs[j] = &pl->prog[j];
    if (pl->njobs && sc_system_run_jobs(&c, &qa, em, progs, pl->njobs, res, err, errlen) != 0)
        goto out;
    json_t *arr = js ? json_array() : NULL;
    for (int p = 0; p < nph; p++) {
        rs_sums s;
        sum_phase(pl, res, nacc, p, &ph[p], &s);
        print_phase(f, a, &c, nacc, &res[0], &ph[p], &s);
        if (arr)
            json_array_append_new(arr, phase_json(&c, nacc, &res[0], &ph[p], &s));
    }
    if (arr)
        json_object_set_new(js, "systemc", arr);
    rc = 0;
out:
    for (int j = 0; j < pl->njobs; j++)
        program_free(&pl->prog[j]);
    free(pl);
    free(res);
    return rc;
}
