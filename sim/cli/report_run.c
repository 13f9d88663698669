/* report_run.c - per-operation and total figures of a model run. */
#include "report_run.h"

#include "count.h"

#include <string.h>

void op_figures_of(const arch_t *a, const op_result *r, op_figures *f)
{
    const sim_stats *st = &r->st;
    memset(f, 0, sizeof *f);
    f->macs = r->macs; /* op.macs x instances, checked by lower_model */
    f->dram_bytes = st->ev.dram_read_bytes + st->ev.dram_write_bytes;
    f->cycles = st->cycles;
    f->seconds = (double)st->cycles / (a->clock_ghz * 1e9);
    f->energy_pj = st->energy_pj;
    f->unit = r->on_lut ? "lut" : "vector";
    const double bw = a->dram_gbps * 1e9;
    double ops, peak;
    uint64_t busy;
    if (r->on_lut) {
        ops = 2.0 * (double)f->macs;
        peak = 2.0 * lut_peak_macs_per_cycle(a, r->wbits) * a->clock_ghz * 1e9;
        busy = st->unit[UNIT_LUT].busy_cycles;
    } else {
        ops = (double)st->ev.vector_ops;
        peak = (double)a->vector_lanes * a->clock_ghz * 1e9;
        busy = st->unit[UNIT_VEC].busy_cycles;
    }
    f->intensity = f->dram_bytes ? ops / (double)f->dram_bytes : 0.0;
    f->attainable = f->intensity * bw < peak ? f->intensity * bw : peak;
    f->achieved = f->seconds > 0 ? ops / f->seconds : 0.0;
    f->utilization = f->seconds > 0 ? f->achieved / peak : 0.0;
    f->bound = st->unit[UNIT_DMA].busy_cycles >= busy ? "memory" : "compute";
}

typedef struct {
    uint64_t macs, linear_macs, attention_macs, cycles, dram_bytes, tokens;
    uint64_t weight_bytes, scale_bytes;
    double seconds, energy_pj;
} totals;

/* Sums every operation; returns nonzero if a sum passed 2^63 - 1. */
static int totals_of(const arch_t *a, const quant_preset *q, const run_phase *p, totals *t)
{
    int ov = 0;
    memset(t, 0, sizeof *t);
    t->tokens = model_phase_tokens(&p->ph);
    for (int i = 0; i < p->nops; i++) {
        const op_result *r = &p->ops[i];
        op_figures f;
        op_figures_of(a, r, &f);
        t->macs = count_add(t->macs, f.macs, &ov);
        if (r->op.kind == MODEL_OP_LINEAR) {
            t->linear_macs = count_add(t->linear_macs, f.macs, &ov);
            t->weight_bytes = count_addmul(t->weight_bytes, r->weight_bytes, r->op.repeat, &ov);
            uint64_t g = q->group_size ? (r->op.k + (uint64_t)q->group_size - 1) / (uint64_t)q->group_size : 1;
            /* as the datapath streams it: float32 scale + int32 zero-point
             * factor per group and output column (compiler/gemm.c) */
            t->scale_bytes = count_addmul(t->scale_bytes, count_mul3(r->op.n, g, 8, &ov),
                                          r->op.repeat, &ov);
        } else if (r->op.kind == MODEL_OP_ATTENTION) {
            t->attention_macs = count_add(t->attention_macs, f.macs, &ov);
        }
        t->cycles = count_add(t->cycles, f.cycles, &ov);
        t->dram_bytes = count_add(t->dram_bytes, f.dram_bytes, &ov);
        t->energy_pj += f.energy_pj;
    }
    t->seconds = (double)t->cycles / (a->clock_ghz * 1e9);
    return ov;
}

int run_check_totals(const arch_t *a, const quant_preset *q, const run_phase *p, char *err,
                     size_t errlen)
{
    totals t;
    if (totals_of(a, q, p, &t) != 0) {
        snprintf(err, errlen, "count overflow: the phase's total MACs, cycles or DRAM bytes "
                 "exceed 2^63 - 1, the most lutsim can count");
        return -1;
    }
    return 0;
}

static json_t *u64(uint64_t v) { return json_integer((json_int_t)v); }

json_t *run_to_json(const arch_t *a, const energy_model *em, const model_cfg *m,
                    const quant_preset *q, const run_phase *ph, int nph)
{
    json_t *root = json_object();
    json_object_set_new(root, "model", json_string(m->name));
    json_object_set_new(root, "quant", json_string(q->name));
    json_object_set_new(root, "arch", json_string(a->name));
    json_object_set_new(root, "energy_node_nm", json_integer(em->node_nm));
    json_t *phases = json_array();
    for (int p = 0; p < nph; p++) {
        const run_phase *rp = &ph[p];
        json_t *po = json_object();
        json_object_set_new(po, "phase", json_string(rp->phase));
        json_object_set_new(po, "batch", json_integer(rp->ph.batch));
        if (rp->ph.kind == MODEL_PREFILL)
            json_object_set_new(po, "seq", json_integer(rp->ph.seq_len));
        else
            json_object_set_new(po, "context", json_integer(rp->ph.context));
        json_t *ops = json_array();
        for (int i = 0; i < rp->nops; i++) {
            const op_result *r = &rp->ops[i];
            op_figures f;
            op_figures_of(a, r, &f);
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(r->op.name));
            json_object_set_new(o, "kind", json_string(model_op_kind_name(r->op.kind)));
            json_object_set_new(o, "unit", json_string(f.unit));
            json_object_set_new(o, "m", u64(r->op.m));
            json_object_set_new(o, "n", u64(r->op.n));
            json_object_set_new(o, "k", u64(r->op.k));
            json_object_set_new(o, "elements", u64(r->op.elements));
            json_object_set_new(o, "count", u64(r->op.count));
            json_object_set_new(o, "repeat", u64(r->op.repeat));
            json_object_set_new(o, "wbits", json_integer(r->wbits));
            json_object_set_new(o, "macs", u64(f.macs));
            json_object_set_new(o, "dram_bytes", u64(f.dram_bytes));
            json_object_set_new(o, "cycles", u64(f.cycles));
            json_object_set_new(o, "seconds", json_real(f.seconds));
            json_object_set_new(o, "bound", json_string(f.bound));
            json_object_set_new(o, "utilization", json_real(f.utilization));
            json_object_set_new(o, "energy_pj", json_real(f.energy_pj));
            json_t *eb = json_object();
            for (int e = 0; e < EN_COUNT; e++)
                json_object_set_new(eb, sim_energy_names[e], json_real(r->st.energy_pj_part[e]));
            json_object_set_new(o, "energy_breakdown_pj", eb);
            json_object_set_new(o, "arithmetic_intensity", json_real(f.intensity));
            json_object_set_new(o, "attainable_ops_per_s", json_real(f.attainable));
            json_object_set_new(o, "achieved_ops_per_s", json_real(f.achieved));
            json_object_set_new(o, "instructions", u64(r->st.instructions));
            json_object_set_new(o, "fast_forwarded", json_boolean(r->sampled));
            json_object_set_new(o, "fused_precompute", json_boolean(r->fused));
            json_array_append_new(ops, o);
        }
        json_object_set_new(po, "ops", ops);
        totals t;
        totals_of(a, q, rp, &t);
        json_t *to = json_object();
        json_object_set_new(to, "macs", u64(t.macs));
        json_object_set_new(to, "linear_macs", u64(t.linear_macs));
        json_object_set_new(to, "attention_macs", u64(t.attention_macs));
        json_object_set_new(to, "cycles", u64(t.cycles));
        json_object_set_new(to, "seconds", json_real(t.seconds));
        json_object_set_new(to, "tokens", u64(t.tokens));
        json_object_set_new(to, "tokens_per_s", json_real(t.seconds > 0 ? (double)t.tokens / t.seconds : 0));
        json_object_set_new(to, "energy_pj", json_real(t.energy_pj));
        json_object_set_new(to, "energy_per_token_pj", json_real(t.tokens ? t.energy_pj / (double)t.tokens : 0));
        json_object_set_new(to, "dram_bytes", u64(t.dram_bytes));
        json_object_set_new(to, "tops", json_real(t.seconds > 0 ? 2.0 * (double)t.macs / t.seconds / 1e12 : 0));
        json_object_set_new(to, "tops_per_w", json_real(t.energy_pj > 0 ? 2.0 * (double)t.macs / t.energy_pj : 0));
        json_object_set_new(to, "weight_bytes", u64(t.weight_bytes));
        json_object_set_new(to, "scale_bytes", u64(t.scale_bytes));
        json_object_set_new(to, "simulations", json_integer(rp->info.simulations));
        json_object_set_new(to, "host_seconds", json_real(rp->host_seconds));
        json_object_set_new(po, "total", to);
        json_array_append_new(phases, po);
    }
    json_object_set_new(root, "phases", phases);
    return root;
}

int run_to_csv(FILE *f, const arch_t *a, const run_phase *ph, int nph)
{
    fprintf(f, "phase,name,kind,unit,m,n,k,count,repeat,wbits,macs,dram_bytes,cycles,seconds,"
               "bound,utilization,energy_pj,arithmetic_intensity,attainable_ops_per_s,"
               "achieved_ops_per_s\n");
    for (int p = 0; p < nph; p++) {
        for (int i = 0; i < ph[p].nops; i++) {
            const op_result *r = &ph[p].ops[i];
            op_figures x;
            op_figures_of(a, r, &x);
            fprintf(f, "%s,%s,%s,%s,%llu,%llu,%llu,%llu,%llu,%d,%llu,%llu,%llu,%.9g,%s,%.6f,%.6g,%.6g,%.6g,%.6g\n",
                    ph[p].phase, r->op.name, model_op_kind_name(r->op.kind), x.unit,
                    (unsigned long long)r->op.m, (unsigned long long)r->op.n,
                    (unsigned long long)r->op.k, (unsigned long long)r->op.count,
                    (unsigned long long)r->op.repeat, r->wbits, (unsigned long long)x.macs,
                    (unsigned long long)x.dram_bytes, (unsigned long long)x.cycles, x.seconds,
                    x.bound, x.utilization, x.energy_pj, x.intensity, x.attainable, x.achieved);
        }
    }
    return ferror(f) ? -1 : 0;
}

void run_print(FILE *f, const arch_t *a, const energy_model *em, const model_cfg *m,
               const quant_preset *q, const run_phase *p)
{
    if (p->ph.kind == MODEL_PREFILL)
        fprintf(f, "\n%s %s, prefill: batch %d x sequence %d, on '%s' (%.2f GHz, %d nm energy)\n",
                m->name, q->name, p->ph.batch, p->ph.seq_len, a->name, a->clock_ghz, em->node_nm);
    else
        fprintf(f, "\n%s %s, decode: batch %d, context %d, on '%s' (%.2f GHz, %d nm energy)\n",
                m->name, q->name, p->ph.batch, p->ph.context, a->name, a->clock_ghz, em->node_nm);
    fprintf(f, "%-22s %-11s %-6s %7s %7s %7s %6s %10s %10s %10s %-7s %5s %10s %8s %8s %8s\n",
            "operation", "kind", "unit", "m", "n", "k", "x", "GMAC", "DRAM MB", "Mcycles", "bound",
            "util", "energy mJ", "ops/B", "roof", "TOPS");
    for (int i = 0; i < p->nops; i++) {
        const op_result *r = &p->ops[i];
        op_figures x;
        op_figures_of(a, r, &x);
        char mm[24] = "-", nn[24] = "-", kk[24] = "-";
        if (r->on_lut) {
            snprintf(mm, sizeof mm, "%llu", (unsigned long long)r->op.m);
            snprintf(nn, sizeof nn, "%llu", (unsigned long long)r->op.n);
            snprintf(kk, sizeof kk, "%llu", (unsigned long long)r->op.k);
        }
        fprintf(f, "%-22s %-11s %-6s %7s %7s %7s %6llu %10.3f %10.2f %10.3f %-7s %4.0f%% %10.3f %8.2f %8.2f %8.3f\n",
                r->op.name, model_op_kind_name(r->op.kind), x.unit, mm, nn, kk,
                (unsigned long long)r->instances, (double)x.macs / 1e9, (double)x.dram_bytes / 1e6,
                (double)x.cycles / 1e6, x.bound, 100.0 * x.utilization, x.energy_pj / 1e9,
                x.intensity, x.attainable / 1e12, x.achieved / 1e12);
    }
    totals t;
    totals_of(a, q, p, &t);
    fprintf(f, "total: %.3f G MAC (linear %.3f, attention %.3f), %.3f M cycles = %.3f ms, "
               "%.1f tokens/s\n",
            (double)t.macs / 1e9, (double)t.linear_macs / 1e9, (double)t.attention_macs / 1e9,
            (double)t.cycles / 1e6, t.seconds * 1e3, t.seconds > 0 ? (double)t.tokens / t.seconds : 0);
    fprintf(f, "       energy %.3f mJ (%.3f mJ per token), %.2f TOPS, %.2f TOPS/W, DRAM %.1f MB, "
               "packed weights %.1f MB + scales %.1f MB\n",
            t.energy_pj / 1e9, t.tokens ? t.energy_pj / 1e9 / (double)t.tokens : 0,
            t.seconds > 0 ? 2.0 * (double)t.macs / t.seconds / 1e12 : 0,
            t.energy_pj > 0 ? 2.0 * (double)t.macs / t.energy_pj : 0, (double)t.dram_bytes / 1e6,
            (double)t.weight_bytes / 1e6, (double)t.scale_bytes / 1e6);
    fprintf(f, "       (TOPS = 2 ops per MAC; 'roof' = attainable TOPS at the op's ops/B; "
               "%d programs simulated, %d cache hits, %.3f s host)\n",
            p->info.simulations, p->info.cache_hits, p->host_seconds);
}
