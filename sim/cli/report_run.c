/* report_run.c - per-operation and total figures of a model run. */
#include "report_run.h"

#include "area_json.h"
#include "mapper.h"
#include "quant_layout.h"
#include "units.h"

#include <assert.h>
#include "count.h"

#include <string.h>

/* A ratio above this to the roofline names what the op waits for. */
#define ROOF_SLACK 1.3

/* f's roofline (compute_cycles: the ops at the unit's peak) and limiter;
 * busy: the cycles the unit the op runs on was busy. */
static void limiter_of(const arch_t *a, const op_result *r, op_figures *f,
                       double compute_cycles, uint64_t busy)
{
    const sim_stats *st = &r->st;
    const uint64_t need = r->compulsory_bytes ? r->compulsory_bytes : f->dram_bytes;
    const double mem = (double)need / arch_dram_bytes_per_cycle(a);
    const double cyc = (double)f->cycles, dma = (double)st->unit[UNIT_DMA].busy_cycles;
    /* the fused attention also keeps the vector unit busy */
    if (r->on_lut && (double)st->unit[UNIT_VEC].busy_cycles > (double)busy)
        busy = st->unit[UNIT_VEC].busy_cycles;
    uint64_t most = 0;
    for (int u = 0; u < UNIT_COUNT; u++)
        most = st->unit[u].busy_cycles > most ? st->unit[u].busy_cycles : most;
    f->exposed_cycles = f->cycles > most ? f->cycles - most : 0;
    f->roofline_cycles = mem > compute_cycles ? mem : compute_cycles;
    f->roofline_ratio = f->roofline_cycles > 0 ? cyc / f->roofline_cycles : 0.0;
    const char *why;
    if (f->roofline_ratio <= ROOF_SLACK)
        why = mem >= compute_cycles ? "dram_bandwidth" : "compute";
    else if (r->occupancy > 0 && r->occupancy * ROOF_SLACK < 1.0 && r->occupancy_of[0])
        why = r->occupancy_of; /* the array's lanes, not the bus or the clock */
    else if (dma * ROOF_SLACK >= cyc)
        why = (double)f->dram_bytes > ROOF_SLACK * (double)need ? "dram_refetch"
                                                                : "dram_bandwidth";
    else if ((double)busy * ROOF_SLACK >= cyc)
        why = "unit_occupancy"; /* the unit takes longer than its peak says */
    else
        why = "dram_latency"; /* neither bus nor unit busy: a latency chain */
    snprintf(f->limiter, sizeof f->limiter, "%s", why);
}

/* The compute array's busy cycles over a phase's operations (the unit
 * slot lmma and mma run on). */
static uint64_t array_busy(const run_phase *p)
{
    uint64_t busy = 0;
    for (int i = 0; i < p->nops; i++)
        busy += p->ops[i].st.unit[UNIT_LUT].busy_cycles;
    return busy;
}

void op_figures_of(const arch_t *a, const op_result *r, op_figures *f)
{
    const sim_stats *st = &r->st;
    memset(f, 0, sizeof *f);
    f->macs = r->macs; /* op.macs x instances, checked by lower_model */
    f->dram_bytes = st->ev.dram_read_bytes + st->ev.dram_write_bytes;
    f->cycles = st->cycles;
    f->seconds = (double)st->cycles / (a->clock_ghz * 1e9);
    f->energy_pj = st->energy_pj;
    f->unit = r->on_lut ? arch_kind_name(op_result_kind(a, r)) : "vector";
    arch_t ka = *a; /* the array that ran it, for its peak */
    ka.compute_kind = op_result_kind(a, r);
    const double bw = a->dram_gbps * 1e9;
    double ops, peak;
    uint64_t busy;
    if (r->on_lut) {
        ops = 2.0 * (double)f->macs;
        peak = 2.0 * lut_peak_macs_per_cycle(&ka, r->wbits) * a->clock_ghz * 1e9;
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
    limiter_of(&ka, r, f, ops / (peak / (a->clock_ghz * 1e9)), busy);
    if (r->fused_into[0])
        f->bound = "fused"; /* its work is in the GEMM's row */
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
            /* instances: MoE experts stream once per (layer, expert touched) */
            t->weight_bytes = count_addmul(t->weight_bytes, r->weight_bytes, r->instances, &ov);
            quant_bytes qb; /* scales and zero-points as the preset stores them */
            quant_matrix_bytes_on(q, a->compute_kind == COMPUTE_LUT, r->op.n, r->op.k, &qb);
            t->scale_bytes = count_addmul(t->scale_bytes, qb.meta_bytes, r->instances, &ov);
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

int run_phase_sums(const arch_t *a, const quant_preset *q, const run_phase *p, uint64_t *cycles,
                   double *energy_pj, uint64_t *dram_bytes)
{
    totals t;
    int ov = totals_of(a, q, p, &t);
    *cycles = t.cycles;
    *energy_pj = t.energy_pj;
    *dram_bytes = t.dram_bytes;
    return ov ? -1 : 0;
}

static json_t *u64(uint64_t v) { return json_integer((json_int_t)v); }

/* ---- per-operation fields: one list for the JSON report and the CSV ---- */

typedef enum { FV_STR, FV_U64, FV_INT, FV_REAL, FV_BOOL } fv_type;

typedef struct {
    const char *group; /* NULL, or the JSON object the key sits in */
    const char *key;
    fv_type type;
    const char *s;
    uint64_t u;
    long long i;
    double d;
} op_field;

/* 40 plain keys and the energy breakdown (op_fields_of) */
#define OP_FIELDS_MAX (44 + EN_COUNT)

typedef struct {
    op_field f[OP_FIELDS_MAX];
    int n;
    char limiter[32]; /* the string the limiter field points to */
} op_fields;

static op_field *add(op_fields *fs, const char *group, const char *key, fv_type t)
{
    assert(fs->n < OP_FIELDS_MAX); /* grow OP_FIELDS_MAX with the list */
    op_field *f = &fs->f[fs->n++];
    memset(f, 0, sizeof *f);
    f->group = group;
    f->key = key;
    f->type = t;
    return f;
}
static void add_s(op_fields *fs, const char *k, const char *v) { add(fs, NULL, k, FV_STR)->s = v; }
static void add_u(op_fields *fs, const char *k, uint64_t v) { add(fs, NULL, k, FV_U64)->u = v; }
static void add_i(op_fields *fs, const char *k, long long v) { add(fs, NULL, k, FV_INT)->i = v; }
static void add_d(op_fields *fs, const char *k, double v) { add(fs, NULL, k, FV_REAL)->d = v; }
static void add_b(op_fields *fs, const char *k, int v) { add(fs, NULL, k, FV_BOOL)->i = v != 0; }

/* Every per-operation key of the report, in order (README "The report"). */
static void op_fields_of(const arch_t *a, const op_result *r, op_fields *fs)
{
    op_figures f;
    op_figures_of(a, r, &f);
    fs->n = 0;
    add_s(fs, "name", r->op.name);
    add_s(fs, "kind", model_op_kind_name(r->op.kind));
    add_s(fs, "unit", f.unit);
    add_u(fs, "m", r->op.m);
    add_u(fs, "n", r->op.n);
    add_u(fs, "k", r->op.k);
    add_u(fs, "elements", r->op.elements);
    add_u(fs, "count", r->op.count);
    add_u(fs, "repeat", r->op.repeat);
    add_i(fs, "wbits", r->wbits);
    add_u(fs, "macs", f.macs);
    add_u(fs, "dram_bytes", f.dram_bytes);
    add_u(fs, "cycles", f.cycles);
    add_u(fs, "compute_cycles", r->st.unit[UNIT_LUT].busy_cycles); /* the array's busy cycles */
    add_d(fs, "seconds", f.seconds);
    add_s(fs, "bound", f.bound);
    add_d(fs, "utilization", f.utilization);
    add_d(fs, "energy_pj", f.energy_pj);
    for (int e = 0; e < EN_COUNT; e++)
        add(fs, "energy_breakdown_pj", sim_energy_names[e], FV_REAL)->d = r->st.energy_pj_part[e];
    add_d(fs, "arithmetic_intensity", f.intensity);
    add_d(fs, "attainable_ops_per_s", f.attainable);
    add_d(fs, "achieved_ops_per_s", f.achieved);
    add_u(fs, "instructions", r->st.instructions);
    add_b(fs, "fast_forwarded", r->sampled);
    add_b(fs, "fused_precompute", r->fused);
    add_s(fs, "fused_into", r->fused_into[0] ? r->fused_into : "-");
    static const char *const qin[] = { "-", "pass", "prologue", "norm_prologue" };
    add_s(fs, "input_quantize", qin[r->quant_in >= 0 && r->quant_in <= 3 ? r->quant_in : 0]);
    add_s(fs, "norm_stat_from", r->stat_from[0] ? r->stat_from : "-");
    static const char *const npro[] = { "-", "prologue", "program" };
    add_s(fs, "norm_final_scaling", npro[r->norm_pro >= 0 && r->norm_pro <= 2 ? r->norm_pro : 0]);
    add_s(fs, "norm_final_scaling_why", r->norm_pro_why[0] ? r->norm_pro_why : "-");
    /* What the mapper did (linear layers; attention runs its own schedule,
     * compiler/attention.c: its partition only; vector work: "-" and zeros). */
    const int mapped = r->op.kind == MODEL_OP_LINEAR && r->tiling.wtype.bits > 0;
    map_info mi;
    memset(&mi, 0, sizeof mi);
    mi.loop = mi.stationary = mi.partition = mi.reuse_bound = "-";
    if (mapped)
        mapper_describe(a, &r->tiling, &mi);
    else if (r->attn_partition[0])
        mi.partition = r->attn_partition;
    add_s(fs, "loop", mi.loop);
    add_s(fs, "stationary", mi.stationary);
    add_s(fs, "partition", mi.partition);
    add_i(fs, "tile_m", mapped ? r->tiling.force_mt : 0);
    add_i(fs, "tile_n", mapped ? r->tiling.force_nt : 0);
    add_u(fs, "block_m", mapped ? (r->tiling.sched.mb < r->tiling.m ? r->tiling.sched.mb : r->tiling.m) : 0);
    add_i(fs, "block_n", mapped ? (r->tiling.force_nb < r->tiling.n ? r->tiling.force_nb : r->tiling.n) : 0);
    add_u(fs, "compulsory_dram_bytes", r->compulsory_bytes);
    add_d(fs, "refetch", r->compulsory_bytes ? (double)f.dram_bytes / (double)r->compulsory_bytes : 0.0);
    add_s(fs, "reuse_bound", mi.reuse_bound);
    add_d(fs, "roofline_cycles", f.roofline_cycles);
    add_d(fs, "roofline_ratio", f.roofline_ratio);
    memcpy(fs->limiter, f.limiter, sizeof fs->limiter);
    add_s(fs, "limiter", fs->limiter);
    add_u(fs, "exposed_cycles", f.exposed_cycles);
}

static json_t *field_json(const op_field *f)
{
    switch (f->type) {
    case FV_STR: return json_string(f->s);
    case FV_U64: return u64(f->u);
    case FV_INT: return json_integer(f->i);
    case FV_REAL: return json_real(f->d);
    default: return json_boolean(f->i);
    }
}

static json_t *op_to_json(const arch_t *a, const op_result *r)
{
    op_fields fs;
    op_fields_of(a, r, &fs);
    json_t *o = json_object();
    for (int i = 0; i < fs.n; i++) {
        const op_field *f = &fs.f[i];
        json_t *dst = o;
        if (f->group) {
            dst = json_object_get(o, f->group);
            if (!dst) {
                dst = json_object();
                json_object_set_new(o, f->group, dst);
            }
        }
        json_object_set_new(dst, f->key, field_json(f));
    }
    return o;
}

/* The design point's area (area.h) in a phase's totals, and the phase's
 * throughput per mm^2; null when the area tables cannot price the arch. */
static void area_totals_json(const arch_t *a, const totals *t, json_t *to)
{
    area_report ar;
    char err[256];
    if (area_of_arch(a, &ar, err, sizeof err) != 0 || area_report_to_json(&ar, to) != 0) {
        json_object_set_new(to, "area_mm2", json_null());
        json_object_set_new(to, "tops_per_mm2", json_null());
        return;
    }
    const double tops = t->seconds > 0 ? 2.0 * (double)t->macs / t->seconds / 1e12 : 0;
    json_object_set_new(to, "tops_per_mm2", json_real(tops / ar.total_mm2));
}

json_t *run_to_json(const arch_t *a, const energy_model *em, const model_cfg *m,
                    const quant_preset *q, const run_phase *ph, int nph)
{
    return run_to_json_opt(a, em, m, q, ph, nph, 1);
}

json_t *run_to_json_opt(const arch_t *a, const energy_model *em, const model_cfg *m,
                        const quant_preset *q, const run_phase *ph, int nph, int with_ops)
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
        if (with_ops) {
            json_t *ops = json_array();
            for (int i = 0; i < rp->nops; i++)
                json_array_append_new(ops, op_to_json(a, &rp->ops[i]));
            json_object_set_new(po, "ops", ops);
        }
        totals t;
        totals_of(a, q, rp, &t);
        json_t *to = json_object();
        json_object_set_new(to, "macs", u64(t.macs));
        json_object_set_new(to, "linear_macs", u64(t.linear_macs));
        json_object_set_new(to, "attention_macs", u64(t.attention_macs));
        json_object_set_new(to, "cycles", u64(t.cycles));
        uint64_t busy = 0; /* the compute array's busy cycles over the operations */
            for (int i = 0; i < rp->nops; i++)
            busy += rp->ops[i].st.unit[UNIT_LUT].busy_cycles;
        json_object_set_new(to, "compute_kind", json_string(arch_kind_name(a->compute_kind)));
        json_object_set_new(to, "attention_kind",
                            json_string(arch_kind_name(arch_attention_kind(a))));
        json_object_set_new(to, "compute_cycles", u64(busy));
        json_object_set_new(to, "seconds", json_real(t.seconds));
        json_object_set_new(to, "tokens", u64(t.tokens));
        json_object_set_new(to, "tokens_per_s", json_real(t.seconds > 0 ? (double)t.tokens / t.seconds : 0));
        json_object_set_new(to, "energy_pj", json_real(t.energy_pj));
        json_object_set_new(to, "energy_per_token_pj", json_real(t.tokens ? t.energy_pj / (double)t.tokens : 0));
        double array_pj = 0; /* the compute arrays' own energy (sim_array_energy_pj) */
        for (int i = 0; i < rp->nops; i++)
            array_pj += sim_array_energy_pj(&rp->ops[i].st);
        json_object_set_new(to, "array_energy_per_token_pj",
                            json_real(t.tokens ? array_pj / (double)t.tokens : 0));
        json_object_set_new(to, "dram_bytes", u64(t.dram_bytes));
        json_object_set_new(to, "tops", json_real(t.seconds > 0 ? 2.0 * (double)t.macs / t.seconds / 1e12 : 0));
        json_object_set_new(to, "tops_per_w", json_real(t.energy_pj > 0 ? 2.0 * (double)t.macs / t.energy_pj : 0));
        json_object_set_new(to, "weight_bytes", u64(t.weight_bytes));
        json_object_set_new(to, "scale_bytes", u64(t.scale_bytes));
        const double saved_s = (double)rp->info.overlap_saved_cycles / (a->clock_ghz * 1e9);
        json_object_set_new(to, "overlap_saved_cycles", u64(rp->info.overlap_saved_cycles));
        json_object_set_new(to, "overlap_saved_s", json_real(saved_s));
        json_object_set_new(to, "seconds_overlapped", json_real(t.seconds - saved_s));
        json_object_set_new(to, "simulations", json_integer(rp->info.simulations));
        json_object_set_new(to, "host_seconds", json_real(rp->host_seconds));
        area_totals_json(a, &t, to);
        json_object_set_new(po, "total", to);
        json_array_append_new(phases, po);
    }
    json_object_set_new(root, "phases", phases);
    return root;
}

void csv_string(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_value(FILE *f, const op_field *x)
{
    switch (x->type) {
    case FV_STR: csv_string(f, x->s); break;
    case FV_U64: fprintf(f, "%llu", (unsigned long long)x->u); break;
    case FV_INT: fprintf(f, "%lld", x->i); break;
    case FV_REAL: fprintf(f, "%.17g", x->d); break;
    default: fputs(x->i ? "true" : "false", f); break;
    }
}

int run_to_csv(FILE *f, const arch_t *a, const model_cfg *m, const quant_preset *q,
               const run_phase *ph, int nph)
{
    static const op_result none; /* only its keys are used, for the header */
    op_fields fs;
    op_fields_of(a, &none, &fs);
    fputs("model,quant,arch,phase", f);
    for (int i = 0; i < fs.n; i++) {
        fputc(',', f);
        if (fs.f[i].group)
            fprintf(f, "%s.", fs.f[i].group);
        fputs(fs.f[i].key, f);
    }
    fputc('\n', f);
    for (int p = 0; p < nph; p++) {
        for (int i = 0; i < ph[p].nops; i++) {
            op_fields_of(a, &ph[p].ops[i], &fs);
            csv_string(f, m->name);
            fputc(',', f);
            csv_string(f, q->name);
            fputc(',', f);
            csv_string(f, a->name);
            fputc(',', f);
            csv_string(f, ph[p].phase);
            for (int k = 0; k < fs.n; k++) {
                fputc(',', f);
                csv_value(f, &fs.f[k]);
            }
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}

/* One table cell: v with its SI prefix and unit (units.h). */
#define SI(buf, v, unit) units_si(buf, sizeof buf, (double)(v), unit)

static void print_op(FILE *f, const arch_t *a, const op_result *r)
{
    op_figures x;
    op_figures_of(a, r, &x);
    char mm[24] = "-", nn[24] = "-", kk[24] = "-";
    if (r->on_lut) {
        snprintf(mm, sizeof mm, "%llu", (unsigned long long)r->op.m);
        snprintf(nn, sizeof nn, "%llu", (unsigned long long)r->op.n);
        snprintf(kk, sizeof kk, "%llu", (unsigned long long)r->op.k);
    }
    char mac[UNITS_LEN], dram[UNITS_LEN], cyc[UNITS_LEN], time[UNITS_LEN], en[UNITS_LEN];
    char roof[UNITS_LEN], got[UNITS_LEN];
    fprintf(f, "%-22s %-11s %-6s %6s %6s %6s %5llu %9s %9s %9s %9s %-7s %4.0f%% %9s %7.2f %10s %10s\n",
            r->op.name, model_op_kind_name(r->op.kind), x.unit, mm, nn, kk,
            (unsigned long long)r->instances, SI(mac, x.macs, ""), SI(dram, x.dram_bytes, "B"),
            SI(cyc, x.cycles, ""), SI(time, x.seconds, "s"), x.bound, 100.0 * x.utilization,
            SI(en, x.energy_pj * 1e-12, "J"), x.intensity, SI(roof, x.attainable, "OPS"),
            SI(got, x.achieved, "OPS"));
}

/* One line: the area, its largest parts and the throughput per mm^2. */
static void print_area(FILE *f, const arch_t *a, double ops_per_s)
{
    area_report r;
    char err[256], b[UNITS_LEN];
    if (area_of_arch(a, &r, err, sizeof err) != 0) {
        fprintf(f, "       area: not priced (%s)\n", err);
        return;
    }
    const double bufs = r.part_mm2[AREA_BUF_ACT] + r.part_mm2[AREA_BUF_WEIGHT] +
                        r.part_mm2[AREA_BUF_TABLE] + r.part_mm2[AREA_BUF_OUTPUT];
    const int lut = a->compute_kind == COMPUTE_LUT;
    const double mma = r.part_mm2[AREA_MMA_ARRAY] + r.part_mm2[AREA_MMA_DEQUANT];
    const double arr = lut ? r.part_mm2[AREA_LUT_ARRAY] + (a->attn_kind ? mma : 0) : mma;
    char arrays[48];
    if (a->attn_kind) /* LUT array + the attention array */
        snprintf(arrays, sizeof arrays, "LUT %.4g + %s %.4g mm^2 arrays", r.part_mm2[AREA_LUT_ARRAY],
                 arch_kind_name(a->attn_kind), mma);
    else
        snprintf(arrays, sizeof arrays, "%s array", lut ? "LUT" : arch_kind_name(a->compute_kind));
    fprintf(f, "       area %.4g mm^2 at %d nm (%s %.4g mm^2, buffers %.4g mm^2, other "
               "%.4g mm^2), %s/mm^2\n", r.total_mm2, r.node_nm, arrays, arr, bufs,
            r.total_mm2 - arr - bufs, SI(b, ops_per_s / r.total_mm2, "OPS"));
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
    fprintf(f, "%-22s %-11s %-6s %6s %6s %6s %5s %9s %9s %9s %9s %-7s %5s %9s %7s %10s %10s\n",
            "operation", "kind", "unit", "m", "n", "k", "x", "MACs", "DRAM", "cycles", "time",
            "bound", "util", "energy", "ops/B", "roof", "achieved");
    for (int i = 0; i < p->nops; i++)
        print_op(f, a, &p->ops[i]);
    totals t;
    totals_of(a, q, p, &t);
    const double ops = 2.0 * (double)t.macs;
    char b[10][UNITS_LEN];
    fprintf(f, "total: %s (linear %s, attention %s), %s = %s, %s\n", SI(b[0], t.macs, " MAC"),
            SI(b[1], t.linear_macs, " MAC"), SI(b[2], t.attention_macs, " MAC"),
            SI(b[3], t.cycles, " cycles"), SI(b[4], t.seconds, "s"),
            SI(b[5], t.seconds > 0 ? (double)t.tokens / t.seconds : 0, " tokens/s"));
    if (a->attn_kind)
        fprintf(f, "       compute (lut array and %s array for attention) busy %s\n",
                arch_kind_name(a->attn_kind), SI(b[0], array_busy(p), " cycles"));
    else
        fprintf(f, "       compute (%s array) busy %s\n", arch_kind_name(a->compute_kind),
                SI(b[0], array_busy(p), " cycles"));
    fprintf(f, "       energy %s (%s per token), %s, %s, DRAM %s, packed weights %s + scales %s\n",
            SI(b[0], t.energy_pj * 1e-12, "J"),
            SI(b[1], t.tokens ? t.energy_pj * 1e-12 / (double)t.tokens : 0, "J"),
            SI(b[2], t.seconds > 0 ? ops / t.seconds : 0, "OPS"),
            SI(b[3], t.energy_pj > 0 ? ops / (t.energy_pj * 1e-12) : 0, "OPS/W"),
            SI(b[4], t.dram_bytes, "B"), SI(b[5], t.weight_bytes, "B"), SI(b[6], t.scale_bytes, "B"));
    const double saved_s = (double)p->info.overlap_saved_cycles / (a->clock_ghz * 1e9);
    fprintf(f, "       overlap: prologues started under the previous operation save %s = %s "
               "(%s with overlap)\n", SI(b[0], p->info.overlap_saved_cycles, " cycles"),
            SI(b[1], saved_s, "s"), SI(b[2], t.seconds - saved_s, "s"));
    print_area(f, a, t.seconds > 0 ? ops / t.seconds : 0);
    fprintf(f, "       (OPS = 2 ops per MAC; 'roof' = attainable at the op's ops/B; "
               "%d programs simulated, %d cache hits, %s host)\n",
            p->info.simulations, p->info.cache_hits, SI(b[0], p->host_seconds, "s"));
}
