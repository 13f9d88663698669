/* lower.c - operations of a model phase -> programs -> C-model timing. */
#include "lower.h"

#include "count.h"
#include "gemm.h"
#include "mapper.h"
#include "periodic.h"
#include "vector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTN_BLOCK 128   /* query rows per causal block */
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
} cache;

double lut_peak_macs_per_cycle(const arch_t *a, int wbits)
{
    return (double)a->tile_m * a->tile_n * a->lut_cores * a->tile_k / (double)wbits;
}

static int same_gemm(const gemm_shape *x, const gemm_shape *y)
{
    return x->wtype.fmt == y->wtype.fmt && x->wtype.bits == y->wtype.bits &&
           x->tables_in_dram == y->tables_in_dram &&
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
    if (mapper_search(a, em, g, c->objective, &best, st, sampled, &cands, err, errlen) != 0)
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
            w->tables_group == v->tables_group) {
            *st = c->e[i].st;
            *sampled = c->e[i].sampled;
            c->info->cache_hits++;
            return 0;
        }
    }
    if (vec_timing(a, em, v, st, sampled, err, errlen) != 0)
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
    case MODEL_OP_SOFTMAX: *fn = VFN_SOFTMAX_F32; return 0;
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

static int lower_ops(const arch_t *a, const energy_model *em, const quant_preset *q,
                     const model_phase *ph, const model_op *ops, int n, op_result *out,
                     cache *cp, char *err, size_t errlen);

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

int lower_model_ex(const arch_t *a, const energy_model *em, const model_cfg *m,
                   const quant_preset *q, const model_phase *ph, int objective, op_result *out,
                   int cap, lower_info *info, lower_progress_fn fn, void *ctx, char *err,
                   size_t errlen)
{
    model_op ops[MODEL_MAX_OPS];
    int n = model_layers(m, ph, ops, MODEL_MAX_OPS, err, errlen);
    if (n < 0)
        return -1;
    if (n > cap) {
        snprintf(err, errlen, "too many operations (%d)", n);
        return -1;
    }
    cache *cp = calloc(1, sizeof *cp);
    if (!cp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(info, 0, sizeof *info);
    cp->info = info;
    cp->progress = fn;
    cp->progress_ctx = ctx;
    cp->objective = (map_objective)objective;
    int rc = lower_ops(a, em, q, ph, ops, n, out, cp, err, errlen);
    free(cp);
    return rc < 0 ? -1 : n;
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

static int lower_ops(const arch_t *a, const energy_model *em, const quant_preset *q,
                     const model_phase *ph, const model_op *ops, int n, op_result *out,
                     cache *cp, char *err, size_t errlen)
{
    cache *const c = cp;
    const int prefill = ph->kind == MODEL_PREFILL;
    const uint64_t T = model_phase_tokens(ph);
    const uint64_t half_out = arch_buf_bytes(a, BUF_OUT) / 2;
    const int group = q->group_size;

    /* Operator fusion (precompute.fused): a linear layer whose input comes
     * from the vector unit (a norm, the activation function, the gate
     * multiply) loads tables that the vector operation wrote; q, k and v
     * share one set.  A producer whose rows do not fit the buffers, or a
     * linear fed by attention, keeps the unfused path. */
    int produces[MODEL_MAX_OPS] = { 0 }, fused_in[MODEL_MAX_OPS] = { 0 };
    if (a->tprec_fused) {
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (ops[i].kind != MODEL_OP_LINEAR) {
                last = i;
                continue;
            }
            if (last < 0 || ops[last].kind == MODEL_OP_ATTENTION)
                continue;
            uint64_t rows = strcmp(ops[last].name, "final_norm") == 0 ? (uint64_t)ph->batch : T;
            uint64_t cols = ops[last].elements / rows;
            /* a whole row, with two float32 inputs and the output, in half the output buffer */
            if (cols * rows != ops[last].elements || cols > half_out / 12 || cols != ops[i].k)
                continue;
            produces[last] = 1;
            fused_in[i] = 1;
        }
    }

    for (int i = 0; i < n; i++) {
        const model_op *o = &ops[i];
        op_result *r = &out[i];
        memset(r, 0, sizeof *r);
        r->op = *o;
        int ovf = 0;
        r->instances = count_mul(o->count, o->repeat, &ovf);
        r->macs = count_mul(o->macs, r->instances, &ovf);
        sim_stats one;
        memset(&one, 0, sizeof one);
        int sampled = 0;
        char e[512];
        if (o->kind == MODEL_OP_LINEAR) {
            gemm_shape g = { .wtype = q->w, .m = o->m, .tables_in_dram = fused_in[i] };
            if (gemm_nk(o, o->n, o->k, &g.n, &g.kd, err, errlen) != 0)
                return -1;
            g.group_size = q->group_size ? q->group_size : g.kd;
            r->fused = fused_in[i];
            r->on_lut = 1;
            r->wbits = q->w.bits;
            r->weight_bytes = (o->n * o->k * (uint64_t)q->w.bits + 7) / 8;
            if (time_gemm(a, em, c, &g, &one, &sampled, &r->tiling, e, sizeof e) != 0) {
                snprintf(err, errlen, "%s (%llux%llux%llu): %s", o->name, (unsigned long long)o->m,
                         (unsigned long long)o->n, (unsigned long long)o->k, e);
                return -1;
            }
            r->compulsory_bytes = count_mul(mapper_compulsory_bytes(a, &g), r->instances, &ovf);
        } else if (o->kind == MODEL_OP_ATTENTION) {
            const lut_wtype i8 = { LUT_WFMT_INT, 8 };
            r->on_lut = 1;
            r->wbits = 8;
            if (a->wbits_max < 8) {
                snprintf(err, errlen, "%s: attention runs on the LUT array with INT8 K/V, but "
                         "lut.wbits_max is %d", o->name, a->wbits_max);
                return -1;
            }
            const int score = strstr(o->name, "score") != NULL;
            /* Causal prefill: query block b attends to keys [0, (b+1)*ATTN_BLOCK). */
            const uint64_t rows = o->m, blocks = prefill ? (rows + ATTN_BLOCK - 1) / ATTN_BLOCK : 1;
            for (uint64_t b = 0; b < blocks; b++) {
                uint64_t r0 = b * ATTN_BLOCK;
                uint64_t rb = prefill ? (rows - r0 < ATTN_BLOCK ? rows - r0 : ATTN_BLOCK) : rows;
                uint64_t keys = prefill ? r0 + rb : (score ? o->n : o->k);
                uint64_t mm = rb, nn = score ? keys : o->n, kk = score ? o->k : keys;
                /* groups of 256: one group's tables must fit half the table buffer */
                gemm_shape g = { .wtype = i8, .m = mm };
                if (gemm_nk(o, nn, kk, &g.n, &g.kd, err, errlen) != 0)
                    return -1;
                g.group_size = g.kd > 256 ? 256 : g.kd;
                sim_stats part;
                int s2 = 0;
                gemm_shape chosen;
                if (time_gemm(a, em, c, &g, &part, &s2, &chosen, e, sizeof e) != 0) {
                    snprintf(err, errlen, "%s: %s", o->name, e);
                    return -1;
                }
                sampled |= s2;
                ovf |= sim_stats_add(&one, &part, 1) != 0;
                r->tiling = chosen; /* the report describes the last block's schedule */
                r->compulsory_bytes = count_add(r->compulsory_bytes,
                                                count_mul(mapper_compulsory_bytes(a, &g), r->instances, &ovf), &ovf);
            }
        } else {
            isa_vfn fn;
            if (vfn_for(o, &fn) != 0) {
                snprintf(err, errlen, "%s: no unit for this operation", o->name);
                return -1;
            }
            uint64_t rows = strcmp(o->name, "final_norm") == 0 ? (uint64_t)ph->batch : T;
            if (o->kind == MODEL_OP_SOFTMAX)
                rows = prefill ? (uint64_t)ph->seq_len : 1;
            uint64_t cols = (o->elements + rows - 1) / rows;
            if (o->kind == MODEL_OP_ACTIVATION || o->kind == MODEL_OP_ELEMENTWISE) {
                rows = 1;
                cols = o->elements;
            }
            /* Rows longer than the buffer are processed in spans (online
             * softmax / norm statistics carried between spans). */
            uint64_t cap_elems = half_out / 12;
            if (cols > cap_elems && (o->kind == MODEL_OP_NORM || o->kind == MODEL_OP_SOFTMAX)) {
                rows = (rows * cols + cap_elems - 1) / cap_elems;
                cols = cap_elems;
            }
            vec_shape v = { fn, rows, cols, 0 };
            if (produces[i]) {
                v.rows = strcmp(o->name, "final_norm") == 0 ? (uint64_t)ph->batch : T;
                v.cols = o->elements / v.rows;
                v.tables_group = group ? group : (int)v.cols;
                r->fused = 1;
            }
            if (time_vec(a, em, c, &v, &one, &sampled, e, sizeof e) != 0) {
                snprintf(err, errlen, "%s: %s", o->name, e);
                return -1;
            }
        }
        r->sampled = sampled;
        if (ovf || sim_stats_add(&r->st, &one, r->instances) != 0) {
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
    return 0;
}
