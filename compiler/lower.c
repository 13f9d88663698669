/* lower.c - operations of a model phase -> programs -> C-model timing. */
#include "lower.h"

#include "attention.h"
#include "attention_mma.h"
#include "attn_memo.h"
#include "attn_window.h"
#include "count.h"
#include "fusion.h"
#include "gemm.h"
#include "overlap.h"
#include "mapper.h"
#include "mma_array.h"
#include "periodic.h"
#include "timing_memo.h"
#include "quant_layout.h"
#include "vector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_MAX 256

typedef struct {
    int kind; /* 0 gemm, 1 vector */
    gemm_shape g, best;
    vec_shape v;
    sim_stats st;
    int sampled;
} cache_entry;

typedef struct {
    cache_entry e[CACHE_MAX];
    int n;
    lower_info *info;
    lower_progress_fn progress;
    void *progress_ctx;
    map_objective objective;
    fusion_plan fusion;
    /* norms whose statistic a GEMM lowered after them could not make (a
     * layer's input norm reads the previous layer's down_proj): the phase
     * is lowered again with those norms split (lower_model_cached) */
    int no_stat[MODEL_MAX_OPS];
    int redo;
    arch_t linear_arch; /* a as the linear layers run the preset's activation bits */
    attn_memo *memo;    /* attention timings across calls (lower_cache's), or NULL */
    timing_memo *gmemo; /* GEMM sample programs' timings likewise (gemm_timing_memo) */
    timing_memo *vmemo; /* and vector operations' (vec_timing_memo) */
} cache;

double lut_peak_macs_per_cycle(const arch_t *a, int wbits)
{
    if (a->compute_kind == COMPUTE_SYSTOLIC) /* one MAC a PE a cycle */
        return (double)a->sys_rows * a->sys_cols;
    if (a->compute_kind == COMPUTE_BITSERIAL) /* a dp-wide step per PE, one term a cycle */
        return (double)a->bs_rows * a->bs_cols * a->bs_dp / (double)bitserial_terms(a, wbits);
    if (a->compute_kind == COMPUTE_MAC) /* one tile product a cycle, any weight width */
        return (double)a->mac_m * a->mac_n * a->mac_k;
    return (double)a->tile_m * a->tile_n * a->lut_cores * a->tile_k / (double)wbits;
}

int op_result_kind(const arch_t *a, const op_result *r)
{
    return r->second_array ? a->attn_kind : a->compute_kind;
}

static int same_gemm(const gemm_shape *x, const gemm_shape *y)
{
    return x->wtype.fmt == y->wtype.fmt && x->wtype.bits == y->wtype.bits &&
           x->tables_in_dram == y->tables_in_dram && x->mfmt == y->mfmt &&
           x->float_out == y->float_out && memcmp(&x->epi, &y->epi, sizeof x->epi) == 0 &&
           x->in_quant == y->in_quant &&
           x->group_size == y->group_size && x->m == y->m && x->n == y->n && x->kd == y->kd;
}

static int time_gemm(const arch_t *a, const energy_model *em, cache *c, const gemm_shape *g,
                     sim_stats *st, int *sampled, gemm_shape *best_out, char *err, size_t errlen)
{
    for (int i = 0; i < c->n; i++) {
        if (c->e[i].kind == 0 && same_gemm(&c->e[i].g, g)) {
            *st = c->e[i].st;
            *best_out = c->e[i].best;
            *sampled = c->e[i].sampled;
            c->info->cache_hits++;
            return 0;
        }
    }
    gemm_shape best;
    int cands = 0;
    if (mapper_search_memo(c->gmemo, a, em, g, c->objective, &best, st, sampled, &cands, err,
                           errlen) != 0)
        return -1;
    *best_out = best;
    c->info->simulations += cands;
    if (c->n < CACHE_MAX) {
        cache_entry *e = &c->e[c->n++];
        e->kind = 0;
        e->g = *g;
        e->best = best;
        e->st = *st;
        e->sampled = *sampled;
    }
    return 0;
}

static int time_vec(const arch_t *a, const energy_model *em, cache *c, const vec_shape *v,
                    sim_stats *st, int *sampled, char *err, size_t errlen)
{
    for (int i = 0; i < c->n; i++) {
        const vec_shape *w = &c->e[i].v;
        if (c->e[i].kind == 1 && w->fn == v->fn && w->rows == v->rows && w->cols == v->cols &&
            w->tables_group == v->tables_group && w->quant_out == v->quant_out &&
            w->norm_split == v->norm_split) {
            *st = c->e[i].st;
            *sampled = c->e[i].sampled;
            c->info->cache_hits++;
            return 0;
        }
    }
    if (vec_timing_memo(c->vmemo, a, em, v, st, sampled, err, errlen) != 0)
        return -1;
    c->info->simulations++;
    if (c->n < CACHE_MAX) {
        cache_entry *e = &c->e[c->n++];
        e->kind = 1;
        e->v = *v;
        e->st = *st;
        e->sampled = *sampled;
    }
    return 0;
}

static int vfn_for(const model_op *o, isa_vfn *fn)
{
    switch (o->kind) {
    case MODEL_OP_NORM: *fn = VFN_RMSNORM_F32; return 0; /* layernorm: same passes */
    case MODEL_OP_ACTIVATION:
        *fn = strncmp(o->func, "gelu", 4) == 0 ? VFN_GELU_F32 : VFN_SILU_F32;
        return 0;
    case MODEL_OP_ELEMENTWISE:
        /* rope: a multiply by (cos, sin) pairs and an add: priced as a
         * two-source multiply. */
        *fn = strcmp(o->func, "add") == 0 ? VFN_ADD_F32 : VFN_MUL_F32;
        return 0;
    default:
        return -1;
    }
}

static int lower_ops(const arch_t *a, const energy_model *em, const model_cfg *m,
                     const quant_preset *q, const model_phase *ph, const model_op *ops, int n,
                     op_result *out, cache *cp, char *err, size_t errlen);

int lower_model(const arch_t *a, const energy_model *em, const model_cfg *m,
                const quant_preset *q, const model_phase *ph, op_result *out, int cap,
                lower_info *info, char *err, size_t errlen)
{
    return lower_model_progress(a, em, m, q, ph, out, cap, info, NULL, NULL, err, errlen);
}

int lower_model_progress(const arch_t *a, const energy_model *em, const model_cfg *m,
                         const quant_preset *q, const model_phase *ph, op_result *out, int cap,
                         lower_info *info, lower_progress_fn fn, void *ctx, char *err,
                         size_t errlen)
{
    return lower_model_ex(a, em, m, q, ph, MAP_EDP, out, cap, info, fn, ctx, err, errlen);
}

struct lower_cache {
    arch_t a;        /* the machine the entries were timed on (bytes compared: */
    energy_model em; /* a copy differing only in padding just empties the cache) */
    int objective, valid;
    cache c;
    attn_memo *memo; /* kept across machines: its key holds the machine */
    timing_memo *gmemo; /* likewise, GEMM sample programs (gemm_timing_memo) */
    timing_memo *vmemo; /* and vector operations (vec_timing_memo) */
};

lower_cache *lower_cache_new(void)
{
    lower_cache *lc = calloc(1, sizeof(lower_cache));
    if (lc && (!(lc->memo = attn_memo_new()) || !(lc->gmemo = gemm_memo_new()) ||
               !(lc->vmemo = vec_memo_new()))) {
        lower_cache_free(lc);
        return NULL;
    }
    return lc;
}

void lower_cache_attn_counts(const lower_cache *lc, uint64_t *reused, uint64_t *simulated)
{
    attn_memo_counts(lc ? lc->memo : NULL, reused, simulated);
}

void lower_cache_free(lower_cache *lc)
{
    if (lc) {
        attn_memo_free(lc->memo);
        timing_memo_free(lc->gmemo);
        timing_memo_free(lc->vmemo);
    }
    free(lc);
}

/* lc's shapes if they were timed on this machine, else lc emptied for it. */
static cache *cache_for(lower_cache *lc, const arch_t *a, const energy_model *em, int objective)
{
    if (!lc->valid || lc->objective != objective || memcmp(&lc->a, a, sizeof *a) != 0 ||
        memcmp(&lc->em, em, sizeof *em) != 0) {
        memset(&lc->c, 0, sizeof lc->c);
        memcpy(&lc->a, a, sizeof *a);
        memcpy(&lc->em, em, sizeof *em);
        lc->objective = objective;
        lc->valid = 1;
    }
    return &lc->c;
}

int lower_model_ex(const arch_t *a, const energy_model *em, const model_cfg *m,
                   const quant_preset *q, const model_phase *ph, int objective, op_result *out,
                   int cap, lower_info *info, lower_progress_fn fn, void *ctx, char *err,
                   size_t errlen)
{
    return lower_model_cached(a, em, m, q, ph, objective, out, cap, info, fn, ctx, NULL, err,
                              errlen);
}

int lower_model_cached(const arch_t *a, const energy_model *em, const model_cfg *m,
                       const quant_preset *qin, const model_phase *ph, int objective,
                       op_result *out, int cap, lower_info *info, lower_progress_fn fn,
                       void *ctx, lower_cache *lc, char *err, size_t errlen)
{
    quant_preset qph; /* the weights this phase runs (decode_wbits) */
    quant_for_phase(qin, ph->kind, &qph);
    const quant_preset *q = &qph;
    model_op ops[MODEL_MAX_OPS];
    int n = model_layers(m, ph, ops, MODEL_MAX_OPS, err, errlen);
    if (n < 0)
        return -1;
    if (n > cap) {
        snprintf(err, errlen, "too many operations (%d)", n);
        return -1;
    }
    /* Without the caller's cache, one for this phase: its linear layers
     * share sample programs (a prefill's q, k, v, o, gate, up and down
     * projections split into the same few sub-GEMMs), timed once. */
    lower_cache *own = lc ? NULL : lower_cache_new();
    if (!lc && !(lc = own)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cache *cp = own ? &own->c : cache_for(lc, a, em, objective); /* own: empty, em may be NULL */
    memset(info, 0, sizeof *info);
    cp->info = info;
    cp->progress = fn;
    cp->progress_ctx = ctx;
    cp->objective = (map_objective)objective;
    cp->memo = lc->memo;
    cp->gmemo = lc->gmemo;
    cp->vmemo = lc->vmemo;
    if (quant_arch(a, q, &cp->linear_arch, err, errlen) != 0) {
        lower_cache_free(own);
        return -1;
    }
    memset(cp->no_stat, 0, sizeof cp->no_stat);
    cp->redo = 0;
    int rc = lower_ops(a, em, m, q, ph, ops, n, out, cp, err, errlen);
    if (rc >= 0 && cp->redo) /* a norm's statistic dropped after it was lowered */
        rc = lower_ops(a, em, m, q, ph, ops, n, out, cp, err, errlen);
    lower_cache_free(own);
    /* lower_ops gives the number of results (fused attention folds three
     * operations into one) */
    if (rc >= 0 && overlap_saved(a, out, rc, &info->overlap_saved_cycles) != 0) {
        snprintf(err, errlen, "the phase's overlap saving exceeds 2^63 - 1 cycles");
        rc = -1;
    }
    return rc < 0 ? -1 : rc;
}

/* n and k of one GEMM: at most 2^24 by model_cfg_finish's ranges, so they
 * fit gemm_shape's int; a larger one is refused, never truncated. */
static int gemm_nk(const model_op *o, uint64_t n, uint64_t k, int *ni, int *ki, char *err,
                   size_t errlen)
{
    if (n > (1u << 30) || k > (1u << 30)) {
        snprintf(err, errlen, "%s: GEMM n x k = %llu x %llu exceeds 2^30", o->name,
                 (unsigned long long)n, (unsigned long long)k);
        return -1;
    }
    *ni = (int)n;
    *ki = (int)k;
    return 0;
}

/* The attention shape of one layer of the phase; o's geometry (model.h:
 * sliding windows, latent attention) replaces the config's where set. */
static int attn_shape_of(const model_cfg *m, const quant_preset *q, const model_phase *ph,
                         const model_op *o, attn_shape *s, char *err, size_t errlen)
{
    model_cfg c = *m;
    if (model_cfg_finish(&c, err, errlen) != 0)
        return -1;
    const int prefill = ph->kind == MODEL_PREFILL;
    *s = (attn_shape){ .kv_bits = q->kv_bits ? q->kv_bits : 8, .heads = c.num_attention_heads,
                       .kv_heads = c.num_key_value_heads, .head_dim = c.head_dim,
                       .batch = ph->batch, .q_len = prefill ? ph->seq_len : 1,
                       .kv_len = prefill ? ph->seq_len : ph->context, .shift = 0 };
    if (o->attn_heads) {
        s->heads = o->attn_heads;
        s->kv_heads = o->attn_kv_heads;
        s->head_dim = o->attn_head_dim;
        s->v_dim = o->attn_v_dim;
        s->window = o->attn_window; /* (a binding prefill window: attn_window.h) */
        if (!prefill)
            s->kv_len = (int)o->attn_keys;
    }
    return 0;
}

/* One layer's attention at stage st (attention.h): every sequence and
 * head of the layer in a few programs. */
/* ... and *planned 1 with *plan the LUT plan of the layer's shape, where
 * the timing made it. */
static int time_attention(const arch_t *a, const energy_model *em, attn_memo *mm,
                          const model_cfg *m, const quant_preset *q, const model_phase *ph,
                          const model_op *o, attn_stage st, sim_stats *layer, int *sampled,
                          int *programs, attn_plan *plan, int *planned, char *err, size_t errlen)
{
    attn_shape s;
    *planned = 0;
    if (attn_shape_of(m, q, ph, o, &s, err, errlen) != 0)
        return -1;
    if (a->compute_kind != COMPUTE_LUT)
        return attn_mma_timing(a, em, &s, st, layer, sampled, programs, err, errlen);
    return attn_window_timing(mm, a, em, &s, o->attn_window, st, layer, sampled, programs, plan,
                              planned, err, errlen);
}

/* The array occupancy of the layer's attention (attn_occupancy) into r;
 * pl: the plan of its shape if the timing made it (else NULL: made here). */
static int attn_occupancy_into(const arch_t *a, const model_cfg *m, const quant_preset *q,
                               const model_phase *ph, const model_op *o, attn_stage st,
                               const attn_plan *planned, op_result *r, char *err, size_t errlen)
{
    attn_shape s;
    attn_plan made;
    if (a->compute_kind != COMPUTE_LUT) /* the GEMMs' own tiling: not the LUT plan's figure */
        return 0;
    if (attn_shape_of(m, q, ph, o, &s, err, errlen) != 0 ||
        (!planned && attn_plan_make(a, &s, &made, err, errlen) != 0))
        return -1;
    const attn_plan pl = planned ? *planned : made;
    r->occupancy = attn_occupancy(a, &s, &pl, st, r->occupancy_of, sizeof r->occupancy_of);
    if (pl.cgroups > 1)
        snprintf(r->attn_partition, sizeof r->attn_partition, "grid:%d", pl.cgroups);
    else if (pl.part_score == pl.part_ctx)
        snprintf(r->attn_partition, sizeof r->attn_partition, "%s", pl.part_ctx ? "rows" : "columns");
    else
        snprintf(r->attn_partition, sizeof r->attn_partition, "score %s, context %s",
                 pl.part_score ? "rows" : "columns", pl.part_ctx ? "rows" : "columns");
    return 0;
}

/* The stage an attention op of the model's list runs as; -1: the fused
 * kernel covers it (softmax and context fold into layer.attention). */
static int attn_stage_of(const arch_t *a, const model_op *o)
{
    if (a->attn_fused)
        return o->kind == MODEL_OP_ATTENTION && strstr(o->name, "score") ? ATTN_FUSED : -1;
    if (o->kind == MODEL_OP_SOFTMAX)
        return ATTN_SOFTMAX;
    return strstr(o->name, "score") ? ATTN_SCORE : ATTN_CONTEXT;
}

/* Fused attention's compulsory traffic over the op's layers: K and V of every
 * KV head once at the cache's precision, Q in (INT8) and O out (float32)
 * once; the keys are the op's (decode: a window bounds them) or the sequence. */
static uint64_t attn_compulsory_bytes(const model_cfg *m, const quant_preset *q,
                                      const model_phase *ph, const model_op *o, int *ovf)
{
    const int prefill = ph->kind == MODEL_PREFILL;
    const uint64_t B = (uint64_t)ph->batch;
    const uint64_t hd = (uint64_t)(o->attn_heads ? o->attn_head_dim : m->head_dim);
    const uint64_t vd = o->attn_heads && o->attn_v_dim ? (uint64_t)o->attn_v_dim : hd;
    const uint64_t kvh = (uint64_t)(o->attn_heads ? o->attn_kv_heads : m->num_key_value_heads);
    const uint64_t heads = (uint64_t)(o->attn_heads ? o->attn_heads : m->num_attention_heads);
    const uint64_t keys = prefill ? (uint64_t)ph->seq_len
                                  : o->attn_heads ? o->attn_keys : (uint64_t)ph->context;
    const uint64_t queries = prefill ? (uint64_t)ph->seq_len : 1;
    const uint64_t kv_bits = q->kv_bits ? (uint64_t)q->kv_bits : 8;
    uint64_t kv = count_mul3(B, kvh, keys, ovf);
    kv = count_mul(count_mul(kv, hd + vd, ovf), kv_bits, ovf) / 8;
    uint64_t qo = count_mul3(B, queries, heads, ovf);
    qo = count_mul(qo, count_add(hd, 4 * vd, ovf), ovf);
    return count_mul(count_add(kv, qo, ovf), o->repeat, ovf);
}

/* Linear op i as shape g (its fusion from the plan): a fused schedule
 * that does not fit the buffers falls back to the plain one (fusion_drop);
 * an input quantize pass (fusion_qin) runs before it, in its row. */
static int time_linear(const arch_t *a, const energy_model *em, cache *c, const model_op *ops,
                       int i, gemm_shape *g, sim_stats *st, int *sampled, gemm_shape *best,
                       char *err, size_t errlen)
{
    fusion_plan *fp = &c->fusion;
    g->in_quant = fp->qin[i] == FUSION_QIN_PROLOGUE ? GEMM_INQ_QUANT
                : fp->qin[i] == FUSION_QIN_NORM    ? GEMM_INQ_NORM : GEMM_INQ_NONE;
    int rc = time_gemm(a, em, c, g, st, sampled, best, err, errlen);
    if (rc != 0 && g->epi.stat) { /* no room for the row sums: the norm makes its own */
        for (int v = 0; v < MODEL_MAX_OPS; v++)
            if (fp->stat_of[v] == i) {
                if (v < i) { /* already lowered as reading the sums */
                    c->no_stat[v] = 1;
                    c->redo = 1;
                }
                fusion_unstat(fp, v);
            }
        g->epi.stat = 0;
        rc = time_gemm(a, em, c, g, st, sampled, best, err, errlen);
    }
    if (rc != 0 && g->in_quant == GEMM_INQ_QUANT && g->epi.on) { /* the epilogue alone may fit */
        g->in_quant = 0;
        if ((rc = time_gemm(a, em, c, g, st, sampled, best, err, errlen)) == 0)
            fp->qin[i] = FUSION_QIN_PASS;
    }
    if (rc != 0) {
        if (!g->epi.on && !g->in_quant)
            return -1;
        fusion_drop(fp, ops, i);
        g->epi = fp->epi[i];
        g->float_out = 0;
        /* a norm absorbed already stays this GEMM's prologue (lower.c
         * norm_prologue timed it with the epilogue; without, it fits too) */
        g->in_quant = fp->qin[i] == FUSION_QIN_NORM ? GEMM_INQ_NORM : GEMM_INQ_NONE;
        if (time_gemm(a, em, c, g, st, sampled, best, err, errlen) != 0)
            return -1;
    }
    if (fp->qin[i] != FUSION_QIN_PASS)
        return 0;
    vec_shape v = { VFN_QUANT_F32, ops[i].m, ops[i].k, 0, 1, 0 };
    sim_stats qs, both;
    int qsampled = 0;
    if (time_vec(a, em, c, &v, &qs, &qsampled, err, errlen) != 0)
        return -1;
    memset(&both, 0, sizeof both);
    if (sim_stats_add(&both, &qs, 1) != 0 || sim_stats_add(&both, st, 1) != 0) {
        snprintf(err, errlen, "its cycles or events exceed 2^63 - 1, the most lutsim can count");
        return -1;
    }
    *st = both;
    *sampled = *sampled || qsampled;
    return 0;
}

/* Linear op i's shape as lower_ops times it (its fusion from the plan). */
static int linear_shape(const arch_t *a, const quant_preset *q, const fusion_plan *fp,
                        const model_op *o, int i, int fused_in, gemm_shape *g, char *err,
                        size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->m = o->m;
    g->tables_in_dram = fused_in;
    g->epi = fp->epi[i];
    g->float_out = fp->epi[i].on;
    if (gemm_nk(o, o->n, o->k, &g->n, &g->kd, err, errlen) != 0)
        return -1;
    if (a->compute_kind == COMPUTE_LUT) {
        quant_lut_fields(q, g);
    } else { /* the mma dequantizer's scales */
        quant_gemm_fields(q, g);
        quant_mma_meta(q, o->k, g);
    }
    return 0;
}

/* ---- a norm as its consumers' prologue (GEMM_INQ_NORM) ---- */

#define NORM_PRO_MAX 8 /* consumers of one norm (q, k, v: 3) */

typedef struct {
    uint64_t cycles, bytes;
    double energy;
} pro_cost;

static void pro_add(pro_cost *c, const sim_stats *st)
{
    c->cycles += st->cycles;
    c->bytes += st->ev.dram_read_bytes + st->ev.dram_write_bytes;
    c->energy += st->energy_pj;
}

/* The linear layers right after norm v that read its rows (its row length
 * as K, one instance a layer as the norm, an INT8 input no one else
 * makes), into js; 0 when any of them cannot take the prologue. */
static int norm_consumers(const model_op *ops, int n, int v, uint64_t rows, uint64_t cols,
                          const int *fused_in, const fusion_plan *fp, int *js)
{
    int k = 0;
    for (int j = v + 1; j < n && ops[j].kind == MODEL_OP_LINEAR; j++) {
        const model_op *o = &ops[j];
        if (k == NORM_PRO_MAX || o->k != cols || o->m != rows || o->count != 1 ||
            o->repeat != ops[v].repeat || fused_in[j] || fp->qin[j] != FUSION_QIN_NONE)
            return 0;
        js[k++] = j;
    }
    return k;
}

/* Norm v (nv: its program, the final scaling alone: norm_split 2) as the
 * prologue of the linear layers that read it, when that is cheaper by the
 * mapper's objective: the consumers, each loading its activation tiles at
 * vector.dtype with their rows' sums (GEMM_INQ_NORM), against the norm's
 * program and the consumers loading INT8.  Both are simulated (per
 * instance: the first layer's wrap-around instance is left out of the
 * comparison).  Returns 1 (chosen: qin FUSION_QIN_NORM on the consumers,
 * their names in r->fused_into), 0 (the norm's program) or -1; the choice
 * and both costs go to r->norm_pro and r->norm_pro_why. */
static int norm_prologue(const arch_t *a, const energy_model *em, cache *c,
                         const quant_preset *q, const model_op *ops, int n, int v,
                         const int *fused_in, const vec_shape *nv, op_result *r, char *err,
                         size_t errlen)
{
    fusion_plan *fp = &c->fusion;
    int js[NORM_PRO_MAX];
    const int k = norm_consumers(ops, n, v, nv->rows, nv->cols, fused_in, fp, js);
    if (k == 0)
        return 0;
    pro_cost fused = { 0, 0, 0 }, plain = { 0, 0, 0 };
    sim_stats st;
    int smp = 0;
    if (time_vec(a, em, c, nv, &st, &smp, err, errlen) != 0)
        return -1;
    pro_add(&plain, &st);
    char why[256];
    for (int x = 0; x < k; x++) {
        gemm_shape g, best;
        if (linear_shape(&c->linear_arch, q, fp, &ops[js[x]], js[x], fused_in[js[x]], &g, err,
                         errlen) != 0)
            return -1;
        if (time_gemm(&c->linear_arch, em, c, &g, &st, &smp, &best, why, sizeof why) != 0)
            return 0; /* time_linear's fallbacks decide: keep the program */
        pro_add(&plain, &st);
        g.in_quant = GEMM_INQ_NORM;
        if (time_gemm(&c->linear_arch, em, c, &g, &st, &smp, &best, why, sizeof why) != 0) {
            r->norm_pro = 2;
            snprintf(r->norm_pro_why, sizeof r->norm_pro_why, "%s: no room: %s",
                     ops[js[x]].name, why);
            return 0;
        }
        pro_add(&fused, &st);
    }
    const double sf = mapper_score(c->objective, (double)fused.cycles, (double)fused.bytes,
                                   em ? fused.energy : (double)fused.bytes);
    const double sp = mapper_score(c->objective, (double)plain.cycles, (double)plain.bytes,
                                   em ? plain.energy : (double)plain.bytes);
    r->norm_pro = sf < sp ? 1 : 2;
    snprintf(r->norm_pro_why, sizeof r->norm_pro_why,
             "a layer, %s: prologue %llu cycles, %llu B, %.0f pJ; program + INT8 consumers "
             "%llu cycles, %llu B, %.0f pJ", map_objective_name(c->objective),
             (unsigned long long)fused.cycles, (unsigned long long)fused.bytes, fused.energy,
             (unsigned long long)plain.cycles, (unsigned long long)plain.bytes, plain.energy);
    if (r->norm_pro != 1)
        return 0;
    size_t at = 0;
    for (int x = 0; x < k; x++) {
        fp->qin[js[x]] = FUSION_QIN_NORM;
        at += (size_t)snprintf(r->fused_into + at, sizeof r->fused_into - at, "%s%s",
                               x ? "," : "", ops[js[x]].name);
        if (at >= sizeof r->fused_into)
            at = sizeof r->fused_into - 1;
    }
    return 1;
}

/* A norm absorbed by its consumers' prologue: its row counts nothing,
 * unless `wrap` (the first layer's input norm reads the embedding, which
 * no epilogue summed): then that instance's sums of squares, a program of
 * the statistic alone (norm_split 3). */
static int norm_first_sums(const arch_t *a, const energy_model *em, cache *c,
                           const vec_shape *nv, int wrap, op_result *r, char *err, size_t errlen)
{
    if (!wrap)
        return 0;
    vec_shape w = *nv;
    w.norm_split = 3;
    sim_stats st;
    if (time_vec(a, em, c, &w, &st, &r->sampled, err, errlen) != 0)
        return -1;
    if (sim_stats_add(&r->st, &st, 1) != 0) {
        snprintf(err, errlen, "its cycles or events exceed 2^63 - 1, the most lutsim can count");
        return -1;
    }
    if (em)
        sim_energy(em, &r->st);
    return 0;
}

/* vector.fused: norm o (feeding a linear layer: feeds; not making tables:
 * produces) runs split, an rmsnorm of whole rows (rows that fit half the
 * output buffer, not spans: the lowering below). */
static int norm_splits(const arch_t *a, const model_op *o, const model_phase *ph, uint64_t T,
                       uint64_t half_out, int feeds, int produces)
{
    const uint64_t tokens = strcmp(o->name, "final_norm") == 0 ? (uint64_t)ph->batch : T;
    const uint64_t cols = (o->elements + tokens - 1) / tokens;
    return a->vec_fused && o->kind == MODEL_OP_NORM && feeds && !produces &&
           strcmp(o->func, "rmsnorm") == 0 && cols <= half_out / 12 &&
           cols * tokens == o->elements;
}

static int lower_ops(const arch_t *a, const energy_model *em, const model_cfg *m,
                     const quant_preset *q, const model_phase *ph, const model_op *ops, int n,
                     op_result *out, cache *cp, char *err, size_t errlen)
{
    cache *const c = cp;
    const uint64_t T = model_phase_tokens(ph);
    const uint64_t half_out = arch_buf_bytes(a, BUF_OUT) / 2;
    const int group = q->group_size;

    /* A vector operation whose output a linear layer reads (a norm, the
     * activation function, the gate multiply) quantizes it to the INT8 the
     * layer loads.  Operator fusion (precompute.fused): it also builds the
     * tables, and the linear layer loads tables; q, k and v share one set.
     * A producer whose rows do not fit the buffers keeps the unfused path;
     * a linear fed by attention reads its output as it is. */
    int produces[MODEL_MAX_OPS] = { 0 }, fused_in[MODEL_MAX_OPS] = { 0 };
    int feeds[MODEL_MAX_OPS] = { 0 };
    /* vector.fused: element-wise work runs as GEMM epilogues (fusion.h) */
    fusion_plan *fp = &c->fusion;
    fusion_plan_of(&c->linear_arch, ops, n, fp);
    {
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (ops[i].kind != MODEL_OP_LINEAR) {
                last = i;
                continue;
            }
            if (last < 0 || ops[last].kind == MODEL_OP_ATTENTION || fp->into[last] >= 0)
                continue;
            uint64_t rows = strcmp(ops[last].name, "final_norm") == 0 ? (uint64_t)ph->batch : T;
            uint64_t cols = ops[last].elements / rows;
            if (cols * rows != ops[last].elements || cols != ops[i].k)
                continue;
            feeds[last] = 1;
            vec_shape v = { VFN_RMSNORM_F32, rows, cols, group ? group : (int)cols, 1, 0 };
            vec_layout lay;
            char why[256];
            if (a->tprec_fused && a->compute_kind == COMPUTE_LUT && cols <= half_out / 12 &&
                vec_layout_of(a, &v, &lay, why, sizeof why) == 0) {
                produces[last] = 1;
                fused_in[i] = 1;
            }
        }
    }

    /* a norm whose statistic an epilogue makes must run split on whole rows */
    for (int i = 0; i < n; i++)
        if (fp->stat_of[i] >= 0 && (c->no_stat[i] ||
                                    !norm_splits(a, &ops[i], ph, T, half_out, feeds[i], produces[i])))
            fusion_unstat(fp, i);

    /* attention's array: the LUT array's arch, or a second array's
     * (compute.attention) */
    arch_t aa;
    if (a->attn_kind) /* an mma array runs at the preset's activation width */
        arch_for_attention(&c->linear_arch, &aa);
    else
        aa = a->compute_kind != COMPUTE_LUT ? c->linear_arch : *a;
    int nout = 0;
    for (int i = 0; i < n; i++) {
        const model_op *o = &ops[i];
        const int attn = o->kind == MODEL_OP_ATTENTION || o->kind == MODEL_OP_SOFTMAX;
        const int stage = attn ? attn_stage_of(a, o) : 0;
        if (stage < 0) { /* folded into layer.attention */
            if (c->progress)
                c->progress(c->progress_ctx, i + 1, n);
            continue;
        }
        op_result *r = &out[nout++];
        memset(r, 0, sizeof *r);
        r->op = *o;
        r->occupancy = 1.0;
        if (attn && stage == ATTN_FUSED) {
            /* score + softmax + context: the MACs of both matmuls */
            snprintf(r->op.name, sizeof r->op.name, "layer.attention%s",
                     strstr(o->name, "_swa") ? "_swa" : "");
        }
        int ovf = 0;
        if (attn && stage == ATTN_FUSED) { /* + its context op (MLA: other dimensions) */
            int ctx = i + 1;
            while (ctx < n && ops[ctx].kind != MODEL_OP_ATTENTION)
                ctx++;
            r->op.macs = count_add(o->macs, ctx < n ? ops[ctx].macs : o->macs, &ovf);
        }
        r->instances = count_mul(r->op.count, r->op.repeat, &ovf);
        r->macs = count_mul(r->op.macs, r->instances, &ovf);
        uint64_t mult = r->instances; /* runs of the program timed below */
        sim_stats one;
        memset(&one, 0, sizeof one);
        int sampled = 0;
        char e[512];
        if (fp->into[i] >= 0)
            snprintf(r->fused_into, sizeof r->fused_into, "%s%s%s", ops[fp->into[i]].name,
                     fp->also[i] >= 0 ? "," : "", fp->also[i] >= 0 ? ops[fp->also[i]].name : "");
        if (fp->into[i] >= 0 && fp->left[i] == 0) { /* in a GEMM's epilogue: no program */
            if (c->progress)
                c->progress(c->progress_ctx, i + 1, n);
            continue;
        }
        if (o->kind == MODEL_OP_LINEAR) {
            gemm_shape g;
            if (linear_shape(a, q, fp, o, i, fused_in[i], &g, err, errlen) != 0)
                return -1;
            const int lut = a->compute_kind == COMPUTE_LUT;
            quant_bytes qb;
            quant_matrix_bytes_on(q, lut, o->n, o->k, &qb);
            r->fused = fused_in[i];
            r->on_lut = 1;
            r->wbits = lut ? quant_lut_planes(q) : q->w.bits;
            r->weight_bytes = qb.weight_bytes;
            const arch_t *la = &c->linear_arch;
            if (time_linear(la, em, c, ops, i, &g, &one, &sampled, &r->tiling, e, sizeof e) != 0) {
                snprintf(err, errlen, "%s (%llux%llux%llu): %s", o->name, (unsigned long long)o->m,
                         (unsigned long long)o->n, (unsigned long long)o->k, e);
                return -1;
            }
            r->quant_in = fp->qin[i];
            r->compulsory_bytes = count_mul(
                fusion_compulsory_bytes(la, &g, mapper_compulsory_bytes(la, &g)), r->instances, &ovf);
        } else if (attn) {
            r->on_lut = stage != ATTN_SOFTMAX;
            r->second_array = a->attn_kind != 0;
            r->wbits = r->on_lut ? (q->kv_bits ? q->kv_bits : 8) : 0;
            sim_stats layer;
            int programs = 0, planned = 0;
            attn_plan plan;
            if (time_attention(&aa, em, c->memo, m, q, ph, o, (attn_stage)stage, &layer, &sampled,
                               &programs, &plan, &planned, e, sizeof e) != 0) {
                snprintf(err, errlen, "%s: %s", r->op.name, e);
                return -1;
            }
            if (r->on_lut && attn_occupancy_into(&aa, m, q, ph, o, (attn_stage)stage,
                                                 planned ? &plan : NULL, r, e, sizeof e) != 0) {
                snprintf(err, errlen, "%s: %s", r->op.name, e);
                return -1;
            }
            r->sampled = sampled;
            c->info->simulations += programs;
            if (stage == ATTN_FUSED)
                r->compulsory_bytes = attn_compulsory_bytes(m, q, ph, o, &ovf);
            if (ovf || sim_stats_add(&r->st, &layer, o->repeat) != 0) {
                snprintf(err, errlen, "%s: its %llu layers' cycles or events exceed 2^63 - 1, "
                         "the most lutsim can count", r->op.name,
                         (unsigned long long)o->repeat);
                return -1;
            }
            if (em)
                sim_energy(em, &r->st);
            if (c->progress)
                c->progress(c->progress_ctx, i + 1, n);
            continue;
        } else {
            isa_vfn fn;
            if (vfn_for(o, &fn) != 0) {
                snprintf(err, errlen, "%s: no unit for this operation", o->name);
                return -1;
            }
            uint64_t rows = strcmp(o->name, "final_norm") == 0 ? (uint64_t)ph->batch : T;
            uint64_t cols = (o->elements + rows - 1) / rows;
            if (o->kind == MODEL_OP_ACTIVATION || o->kind == MODEL_OP_ELEMENTWISE) {
                rows = 1;
                cols = o->elements;
            }
            /* Rows longer than the buffer are processed in spans (online
             * softmax / norm statistics carried between spans). */
            uint64_t cap_elems = half_out / 12;
            if (cols > cap_elems && o->kind == MODEL_OP_NORM) {
                rows = (rows * cols + cap_elems - 1) / cap_elems;
                cols = cap_elems;
            }
            /* The instances of a layer (softmax: every head and sequence)
             * are independent rows of one program. */
            if (count_mul(rows, o->count, &ovf) <= ((uint64_t)1 << 40)) {
                rows *= o->count;
                mult = o->repeat;
            }
            if (fp->left[i]) { /* the part a partner GEMM could not absorb */
                rows = 1;
                cols = fp->left[i];
                mult = o->repeat;
            }
            vec_shape v = { fn, rows, cols, 0, feeds[i], 0 };
            /* the op's rows when it runs on whole rows (a norm's tokens) */
            const uint64_t tokens = strcmp(o->name, "final_norm") == 0 ? (uint64_t)ph->batch : T;
            /* vector.fused: an rmsnorm of whole rows into a linear layer runs
             * split (rms_stat + rms_apply: 2 passes, not 4; fusion.h), or
             * rms_apply alone when its producer's epilogue summed the squares */
            v.norm_split = norm_splits(a, o, ph, T, half_out, feeds[i], produces[i]);
            if (v.norm_split && fp->stat_of[i] >= 0) {
                v.norm_split = 2;
                snprintf(r->stat_from, sizeof r->stat_from, "%s", ops[fp->stat_of[i]].name);
            }
            if (v.norm_split == 2) {
                const int pro = norm_prologue(a, em, c, q, ops, n, i, fused_in, &v, r, e,
                                              sizeof e);
                if (pro < 0) {
                    snprintf(err, errlen, "%s: %s", o->name, e);
                    return -1;
                }
                if (pro) { /* no program, but the first layer's sums (stat_wrap) */
                    if (norm_first_sums(a, em, c, &v, fp->stat_wrap[i] && mult > 1, r, e,
                                        sizeof e) != 0) {
                        snprintf(err, errlen, "%s: %s", o->name, e);
                        return -1;
                    }
                    if (c->progress)
                        c->progress(c->progress_ctx, i + 1, n);
                    continue;
                }
            }
            if (produces[i]) {
                v.rows = tokens;
                v.cols = o->elements / v.rows;
                v.tables_group = group ? group : (int)v.cols;
                r->fused = 1;
            }
            if (time_vec(a, em, c, &v, &one, &sampled, e, sizeof e) != 0) {
                snprintf(err, errlen, "%s: %s", o->name, e);
                return -1;
            }
            if (v.norm_split == 2 && fp->stat_wrap[i] && mult > 1) {
                /* the first layer's input norm reads the embedding, no
                 * epilogue's sums: that instance runs the split */
                vec_shape w = v;
                w.norm_split = 1;
                sim_stats first;
                int fs = 0;
                if (time_vec(a, em, c, &w, &first, &fs, e, sizeof e) != 0) {
                    snprintf(err, errlen, "%s: %s", o->name, e);
                    return -1;
                }
                if (sim_stats_add(&r->st, &first, 1) != 0) {
                    snprintf(err, errlen, "%s: its cycles or events exceed 2^63 - 1, the most "
                             "lutsim can count", o->name);
                    return -1;
                }
                mult--;
                sampled = sampled || fs;
            }
        }
        r->sampled = sampled;
        if (ovf || sim_stats_add(&r->st, &one, mult) != 0) {
            snprintf(err, errlen, "%s: its %llu instances' cycles, events or MACs exceed "
                     "2^63 - 1, the most lutsim can count", o->name,
                     (unsigned long long)r->instances);
            return -1;
        }
        if (em)
            sim_energy(em, &r->st);
        if (c->progress)
            c->progress(c->progress_ctx, i + 1, n);
    }
    return nout;
}
