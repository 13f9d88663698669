/* vector.c - tiling of vector-unit work: load, vop, store per tile,
 * software-pipelined (the loads of the next tile go first). */
#include "vector.h"

#include "count.h"
#include "device_ff.h"
#include "fp_arith.h"
#include "periodic.h"
#include "timing_memo.h"

#include <stdio.h>
#include <string.h>

static int two_sources(isa_vfn f)
{
    f = isa_vfn_base(f);
    return f == VFN_ADD_I32 || f == VFN_MUL_I32 || f == VFN_ADD_F32 || f == VFN_MUL_F32;
}

static int row_op(isa_vfn f)
{
    f = isa_vfn_base(f);
    return f == VFN_RMSNORM_F32 || f == VFN_SOFTMAX_F32;
}

/* Everything the program's shape depends on. */
typedef struct {
    vec_layout lay;
    int srcs, quant;        /* sources; 1 if tiles are quantized into the act buffer */
    int depth;              /* buffer slots: tiles in flight, loads depth - 1 ahead */
    uint64_t total, esz, half, act_half; /* half: bytes of a slot (half at depth 2) */
    /* fused precompute */
    int tk, E;
    uint64_t G, ngroups, gch, tbl_half, sum_off, t_row_bytes;
} plan;

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* Fused precompute: a tile's rows of tables must fit half the table
 * buffer, its INT8 rows half the activation buffer. */
static int plan_tables(const arch_t *a, const vec_shape *v, plan *pl, uint64_t *span, char *err,
                       size_t errlen)
{
    pl->tk = a->tile_k;
    pl->E = 1 << (a->tile_k - 1);
    pl->G = (uint64_t)v->tables_group;
    pl->ngroups = (v->cols + pl->G - 1) / pl->G;
    pl->gch = (pl->G + (uint64_t)pl->tk - 1) / (uint64_t)pl->tk;
    pl->tbl_half = arch_buf_bytes(a, BUF_TBL) / 2;
    pl->sum_off = (pl->tbl_half / 2) / 64 * 64;
    const uint64_t last = v->cols - (pl->ngroups - 1) * pl->G;
    pl->t_row_bytes = ((pl->ngroups - 1) * pl->gch + (last + pl->tk - 1) / pl->tk) * pl->E * 2;
    uint64_t rows_fit = pl->sum_off / (pl->gch * pl->E * 2);
    if (rows_fit > (pl->tbl_half - pl->sum_off) / 4)
        rows_fit = (pl->tbl_half - pl->sum_off) / 4;
    if (rows_fit == 0)
        FAIL("fused precompute: one row's tables (%llu B per group) do not fit half the "
             "table buffer", (unsigned long long)(pl->gch * pl->E * 2));
    if (*span > rows_fit * v->cols)
        *span = rows_fit * v->cols;
    return 0;
}

/* A small operation in a few large tiles runs load, work and store one
 * after another, each waiting for the last (a DRAM latency chain): cut it
 * into PIPE_TILES tiles on PIPE_DEPTH slots instead, the loads issued
 * PIPE_DEPTH - 1 tiles ahead, so the bus streams while the unit works.
 * Tiles stay at least PIPE_MIN_BYTES of input (shorter ones pay more in
 * per-transfer overhead than the overlap buys). */
#define PIPE_TILES 8
#define PIPE_DEPTH 4
#define PIPE_MIN_BYTES 2048

static void pipeline(plan *pl, const vec_shape *v, int rows_whole, uint64_t *span)
{
    pl->depth = 2;
    if (pl->total > 4 * *span)
        return; /* more than 4 tiles: double buffering keeps the bus busy */
    const uint64_t unit = rows_whole ? v->cols : 64;
    uint64_t want = (pl->total + PIPE_TILES - 1) / PIPE_TILES;
    const uint64_t least = PIPE_MIN_BYTES / pl->esz;
    want = want < least ? least : want;
    want = (want + unit - 1) / unit * unit;
    if (want > *span / 2 || want >= pl->total)
        return; /* a quarter slot would not hold it, or one tile anyway */
    pl->depth = PIPE_DEPTH;
    pl->half = pl->half * 2 / PIPE_DEPTH / 64 * 64;
    pl->act_half = pl->act_half * 2 / PIPE_DEPTH / 64 * 64;
    *span = want;
}

static int plan_of(const arch_t *a, const vec_shape *v, plan *pl, char *err, size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    if (v->rows == 0 || v->cols == 0)
        FAIL("empty vector operation");
    const fp_type t = (fp_type)a->vector_dtype;
    const int fn = isa_vfn_at(isa_vfn_base(v->fn), t);
    if (fn < 0)
        FAIL("vector function %s has no %s form", isa_vfn_names[v->fn], fp_type_names[t]);
    pl->lay.fn = (isa_vfn)fn;
    pl->lay.elem_bytes = fp_bytes(t);
    pl->esz = (uint64_t)pl->lay.elem_bytes;
    pl->srcs = two_sources(v->fn) ? 2 : 1;
    pl->quant = v->quant_out || v->tables_group > 0;
    if (v->norm_split < 0 || v->norm_split > 3)
        FAIL("norm_split %d is not 0, 1, 2 or 3", v->norm_split);
    if (v->norm_split && (isa_vfn_base(v->fn) != VFN_RMSNORM_F32 || !v->quant_out ||
                          v->tables_group > 0))
        FAIL("the norm split is an rmsnorm that quantizes for a linear layer, without tables");
    pl->half = arch_buf_bytes(a, BUF_OUT) / 2;
    pl->act_half = arch_buf_bytes(a, BUF_ACT) / 2;
    const int rows_whole = row_op(v->fn) || v->tables_group > 0;
    int ovf = 0;
    pl->total = count_mul(v->rows, v->cols, &ovf);
    /* Per tile: the inputs and the output in one half of the output buffer;
     * quantized, one byte an element in half the act buffer. */
    uint64_t span = pl->half / (pl->esz * (uint64_t)(pl->srcs + 1));
    if (pl->quant && span > pl->act_half)
        span = pl->act_half;
    if (span > (1u << 23))
        span = 1u << 23; /* vop len field */
    if (rows_whole) {
        if (v->cols > span)
            FAIL("a row of %llu elements does not fit half the output buffer%s",
                 (unsigned long long)v->cols, pl->quant ? " or half the act buffer" : "");
        span = span / v->cols * v->cols;
    } else if (span >= 64) {
        span = span / 64 * 64; /* transfers split into equal rows */
    }
    if (v->tables_group > 0 && plan_tables(a, v, pl, &span, err, errlen) != 0)
        return -1;
    pipeline(pl, v, rows_whole, &span);
    pl->lay.span = span;
    pl->lay.depth = pl->depth;
    pl->lay.tiles = pl->total / span + (pl->total % span != 0);
    /* DRAM: the inputs, the output, then (fused) tables and sums */
    vec_layout *l = &pl->lay;
    l->in_addr = 0;
    l->in2_addr = count_mul(pl->total, pl->esz, &ovf);
    l->out_addr = count_mul3(pl->total, pl->esz, (uint64_t)pl->srcs, &ovf);
    l->tables_addr = count_addmul(l->out_addr, pl->total, pl->quant ? 1 : pl->esz, &ovf);
    l->sums_addr = count_addmul(l->tables_addr, v->rows, pl->t_row_bytes, &ovf);
    l->image_bytes = count_addmul(l->sums_addr, pl->ngroups * 4, v->tables_group > 0 ? v->rows : 0,
                                  &ovf);
    l->stat_addr = (l->image_bytes + 63) / 64 * 64; /* (a burst boundary: no stray burst) */
    if (v->norm_split >= 2)
        l->image_bytes = count_addmul(l->stat_addr, v->rows, 4, &ovf);
    if (ovf)
        FAIL("a vector operation of %llu x %llu elements exceeds 2^63 bytes of DRAM",
             (unsigned long long)v->rows, (unsigned long long)v->cols);
    return 0;
}

int vec_layout_of(const arch_t *a, const vec_shape *v, vec_layout *lay, char *err, size_t errlen)
{
    plan pl;
    if (plan_of(a, v, &pl, err, errlen) != 0)
        return -1;
    *lay = pl.lay;
    return 0;
}

static int push(program *p, const isa_instr *in, char *err, size_t errlen)
{
    if (program_push(p, in) != 0)
        FAIL("out of memory");
    return 0;
}

/* A contiguous transfer of bytes, split into rows of at most 64 KiB (the
 * bytes field) when it divides evenly. */
static int dma(program *p, isa_op op, buf_id b, uint64_t sram, uint64_t dram, uint64_t bytes,
               char *err, size_t errlen)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = op;
    in.buf = b;
    in.sram = (uint32_t)sram;
    in.dram = dram;
    in.rows = 1;
    while (bytes > 65536 && bytes % 2 == 0 && in.rows < 32768) {
        in.rows *= 2;
        bytes /= 2;
    }
    if (bytes >= (1u << 18))
        FAIL("a transfer of %llu-byte rows exceeds the 18-bit bytes field",
             (unsigned long long)bytes);
    in.bytes = (uint32_t)bytes;
    in.stride = in.bytes;
    return push(p, &in, err, errlen);
}

static int vop(program *p, isa_vfn fn, buf_id sb, uint64_t src, uint64_t src2, buf_id db,
               uint64_t dst, uint64_t len, char *err, size_t errlen)
{
    isa_instr vo;
    memset(&vo, 0, sizeof vo);
    vo.op = OP_VOP;
    vo.fn = (uint32_t)fn;
    vo.sbuf = sb;
    vo.src = (uint32_t)src;
    vo.src2 = (uint32_t)src2;
    vo.dbuf = db;
    vo.dst = (uint32_t)dst;
    vo.len = (uint32_t)len;
    return push(p, &vo, err, errlen);
}

/* Tile t (elements e0 .. e0 + n) in buffer half `slot`. */
typedef struct {
    uint64_t t, e0, n, slot;
} tile;

/* norm_split 2: the output-buffer address of tile x's row sums. */
static uint64_t sums_at(const plan *pl, const tile *x)
{
    return x->slot * pl->half + pl->lay.span * pl->esz;
}

static int emit_load(program *p, const plan *pl, const vec_shape *v, const tile *x, char *err,
                     size_t errlen)
{
    const uint64_t base = x->slot * pl->half, bytes = x->n * pl->esz;
    if (dma(p, OP_LOAD, BUF_OUT, base, pl->lay.in_addr + x->e0 * pl->esz, bytes, err, errlen))
        return -1;
    /* the rows' sums, where emit_split reads them: past a whole tile of
     * rows, so that a short last tile puts them where every tile does */
    if (v->norm_split == 2)
        return dma(p, OP_LOAD, BUF_OUT, sums_at(pl, x), pl->lay.stat_addr + x->e0 / v->cols * 4,
                   x->n / v->cols * 4, err, errlen);
    if (pl->srcs == 2)
        return dma(p, OP_LOAD, BUF_OUT, base + bytes, pl->lay.in2_addr + x->e0 * pl->esz, bytes,
                   err, errlen);
    return 0;
}

/* INT8 rows of a tile in the act buffer -> tables and sums per group on the
 * precompute unit, stored for the next GEMM; *gi counts groups so far (the
 * table-buffer halves alternate). */
static int emit_tables(program *p, const plan *pl, const vec_shape *v, const tile *x,
                       uint64_t abase, uint64_t *gi, char *err, size_t errlen)
{
    const uint64_t r0 = x->e0 / v->cols, rows = x->n / v->cols;
    for (uint64_t g = 0; g < pl->ngroups; g++, (*gi)++) {
        const uint64_t klen = v->cols - g * pl->G < pl->G ? v->cols - g * pl->G : pl->G;
        const uint64_t tbase = (*gi % 2) * pl->tbl_half;
        isa_instr tp;
        memset(&tp, 0, sizeof tp);
        tp.op = OP_TPREC;
        tp.src = (uint32_t)(abase + g * pl->G);
        tp.dst = (uint32_t)tbase;
        tp.sum = (uint32_t)(tbase + pl->sum_off);
        tp.rows = (uint32_t)rows;
        tp.klen = (uint32_t)klen;
        tp.stride = (uint32_t)v->cols;
        if (push(p, &tp, err, errlen))
            return -1;
        isa_instr so;
        memset(&so, 0, sizeof so);
        so.op = OP_STORE;
        so.buf = BUF_TBL;
        so.sram = (uint32_t)tbase;
        so.dram = pl->lay.tables_addr + r0 * pl->t_row_bytes + g * pl->gch * pl->E * 2;
        so.rows = (uint32_t)rows;
        so.bytes = (uint32_t)(((klen + pl->tk - 1) / pl->tk) * pl->E * 2);
        so.stride = (uint32_t)pl->t_row_bytes;
        if (push(p, &so, err, errlen))
            return -1;
        so.sram = (uint32_t)(tbase + pl->sum_off);
        so.dram = pl->lay.sums_addr + (g * v->rows + r0) * 4;
        so.rows = 1;
        so.bytes = (uint32_t)(rows * 4);
        so.stride = so.bytes;
        if (push(p, &so, err, errlen))
            return -1;
    }
    return 0;
}

/* norm_split 3: the tile's rows' sums of squares (one rms_stat, a sum a
 * row, at the sums' place) stored for the consumers' prologue. */
static int emit_sums(program *p, const plan *pl, const vec_shape *v, const tile *x,
                     uint64_t base, char *err, size_t errlen)
{
    const uint64_t rows = x->n / v->cols;
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_VOP;
    in.fn = VFN_RMS_STAT;
    in.imm = (uint32_t)isa_vfn_type(pl->lay.fn) | (uint32_t)RMS_PART_FIRST << RMS_MODE_SHIFT;
    in.sbuf = BUF_OUT;
    in.src = (uint32_t)base;
    in.src2 = rows > 1 ? (uint32_t)v->cols : 0;
    in.dbuf = BUF_OUT;
    in.dst = (uint32_t)sums_at(pl, x);
    in.len = (uint32_t)x->n;
    if (push(p, &in, err, errlen))
        return -1;
    return dma(p, OP_STORE, BUF_OUT, in.dst, pl->lay.stat_addr + x->e0 / v->cols * 4, rows * 4,
               err, errlen);
}

/* The norm split of a tile's rows (v->norm_split): per row its statistic
 * (4 B at dst + 4 r, where the unfused rmsnorm wrote its output) and the
 * scaling and quantize into the act buffer at abase; norm_split 2: the
 * rows' sums of squares were loaded there, rms_apply alone. */
static int emit_split(program *p, const plan *pl, const vec_shape *v, const tile *x,
                      uint64_t base, uint64_t dst, uint64_t abase, char *err, size_t errlen)
{
    const uint64_t per = v->cols, esz = pl->esz;
    const uint32_t t = (uint32_t)isa_vfn_type(pl->lay.fn);
    for (uint64_t r = 0; r < x->n / per; r++) {
        isa_instr in;
        memset(&in, 0, sizeof in);
        in.op = OP_VOP;
        in.fn = VFN_RMS_STAT;
        in.imm = t;
        in.sbuf = BUF_OUT;
        in.src = (uint32_t)(base + r * per * esz);
        in.dbuf = BUF_OUT;
        in.dst = (uint32_t)(dst + 4 * r);
        in.len = (uint32_t)per;
        if (v->norm_split != 2 && push(p, &in, err, errlen))
            return -1;
        in.fn = VFN_RMS_APPLY;
        if (v->norm_split == 2)
            in.imm = t | RMS_APPLY_SS;
        in.src2 = in.dst;
        in.dbuf = BUF_ACT;
        in.dst = (uint32_t)(abase + r * per);
        if (push(p, &in, err, errlen))
            return -1;
    }
    return dma(p, OP_STORE, BUF_ACT, abase, pl->lay.out_addr + x->e0, x->n, err, errlen);
}

/* The tile's work and its store (or tables). */
static int emit_work(program *p, const plan *pl, const vec_shape *v, const tile *x, uint64_t *gi,
                     char *err, size_t errlen)
{
    const uint64_t base = x->slot * pl->half, esz = pl->esz;
    const uint64_t dst = base + x->n * esz * (uint64_t)pl->srcs;
    const uint64_t per = row_op(v->fn) ? v->cols : x->n;
    if (v->norm_split == 3)
        return emit_sums(p, pl, v, x, base, err, errlen);
    if (v->norm_split)
        return emit_split(p, pl, v, x, base, v->norm_split == 2 ? sums_at(pl, x) : dst,
                          x->slot * pl->act_half, err, errlen);
    /* quant alone (a linear layer's input quantize step): no work before it */
    const int only_quant = isa_vfn_base(v->fn) == VFN_QUANT_F32;
    for (uint64_t r = 0; !only_quant && r < x->n / per; r++)
        if (vop(p, pl->lay.fn, BUF_OUT, base + r * per * esz, base + x->n * esz + r * per * esz,
                BUF_OUT, dst + r * per * esz, per, err, errlen))
            return -1;
    if (!pl->quant)
        return dma(p, OP_STORE, BUF_OUT, dst, pl->lay.out_addr + x->e0 * esz, x->n * esz, err,
                   errlen);
    const isa_vfn q = (isa_vfn)isa_vfn_at(VFN_QUANT_F32, isa_vfn_type(pl->lay.fn));
    const uint64_t abase = x->slot * pl->act_half;
    if (vop(p, q, BUF_OUT, only_quant ? base : dst, 0, BUF_ACT, abase, x->n, err, errlen))
        return -1;
    if (v->tables_group > 0) /* the tables replace the INT8 output */
        return emit_tables(p, pl, v, x, abase, gi, err, errlen);
    return dma(p, OP_STORE, BUF_ACT, abase, pl->lay.out_addr + x->e0, x->n, err, errlen);
}

static tile tile_at(const plan *pl, uint64_t t, uint64_t k)
{
    tile x = { t, t * pl->lay.span, 0, k % (uint64_t)pl->depth };
    x.n = pl->total - x.e0 < pl->lay.span ? pl->total - x.e0 : pl->lay.span;
    return x;
}

int vec_lower(const arch_t *a, const vec_shape *v, uint64_t tiles_limit, program *p,
              uint64_t *tiles_out, char *err, size_t errlen)
{
    program_init(p);
    plan pl;
    if (plan_of(a, v, &pl, err, errlen) != 0)
        return -1;
    const uint64_t tiles = pl.lay.tiles;
    *tiles_out = tiles;
    /* Fast-forward: the first tiles_limit - 1 tiles and the last; the k-th
     * tile emitted uses slot k % depth either way, so the short program
     * has the full one's hazards. */
    const uint64_t keep = tiles_limit && tiles_limit - 1 < tiles ? tiles_limit - 1 : tiles;
    const uint64_t emitted = keep < tiles ? keep + 1 : tiles, ahead = (uint64_t)pl.depth - 1;
    uint64_t gi = 0;
    for (uint64_t k = 0; k < emitted + ahead; k++) {
        /* the load of emitted tile k, then the work of tile k - ahead */
        if (k < emitted) {
            tile x = tile_at(&pl, k < keep ? k : tiles - 1, k);
            if (emit_load(p, &pl, v, &x, err, errlen))
                return -1;
        }
        if (k >= ahead) {
            const uint64_t w = k - ahead;
            tile x = tile_at(&pl, w < keep ? w : tiles - 1, w);
            if (emit_work(p, &pl, v, &x, &gi, err, errlen))
                return -1;
        }
    }
    isa_instr h;
    memset(&h, 0, sizeof h);
    h.op = OP_HALT;
    return push(p, &h, err, errlen);
}

/* Simulates v with tiles_limit (vec_lower); *n: the program's instructions. */
static int run_opt(const arch_t *a, const energy_model *em, const vec_shape *v, uint64_t limit,
                   const sim_opts *opt, sim_stats *st, size_t *n, char *err, size_t errlen)
{
    program p;
    uint64_t tiles;
    if (vec_lower(a, v, limit, &p, &tiles, err, errlen) != 0) {
        program_free(&p);
        return -1;
    }
    *n = p.n;
    int rc = sim_run(a, em, &p, opt, st, err, errlen);
    program_free(&p);
    return rc;
}

static int run(const arch_t *a, const energy_model *em, const vec_shape *v, uint64_t limit,
               sim_stats *st, uint64_t *tiles, char *err, size_t errlen)
{
    program p;
    if (vec_lower(a, v, limit, &p, tiles, err, errlen) != 0) {
        program_free(&p);
        return -1;
    }
    int rc = sim_run(a, em, &p, NULL, st, err, errlen);
    program_free(&p);
    return rc;
}

static int too_big(const vec_shape *v, char *err, size_t errlen)
{
    snprintf(err, errlen, "a vector operation of %llu x %llu elements: its cycles or events "
             "exceed 2^63 - 1, the most lutsim can count",
             (unsigned long long)v->rows, (unsigned long long)v->cols);
    return -1;
}

/* Instructions of one middle tile: the 6-tile program's minus the 4-tile one's, halved. */
static int tile_instructions(const arch_t *a, const vec_shape *v, uint64_t *ipt, char *err,
                             size_t errlen)
{
    program p4, p6;
    uint64_t tiles;
    int rc = vec_lower(a, v, 4, &p4, &tiles, err, errlen) ||
             vec_lower(a, v, 6, &p6, &tiles, err, errlen);
    *ipt = rc ? 0 : (p6.n - p4.n) / 2;
    program_free(&p4);
    program_free(&p6);
    return rc ? -1 : 0;
}

/* The long sample of plan f, base + 2 windows tiles, beside the short one
 * (s, base tiles, n_short instructions): 1 with *st the estimate for
 * `tiles` tiles, 0 if its windows disagree, -1 on error. */
static int long_sample(const arch_t *a, const energy_model *em, const vec_shape *v,
                       uint64_t tiles, uint64_t ipt, const devff_plan *f, const sim_stats *s,
                       size_t n_short, sim_stats *st, char *err, size_t errlen)
{
    size_t n_long;
    sim_stats b;
    /* the long sample's program length is known before it runs */
    devff_trace t;
    devff_trace_init(&t, f, n_short, n_short + (size_t)(2 * f->window * ipt));
    sim_opts o = { 0 };
    o.trace = devff_trace_fn;
    o.trace_ctx = &t;
    if (run_opt(a, em, v, f->base + 2 * f->window, &o, &b, &n_long, err, errlen) != 0)
        return -1;
    if (n_long != n_short + 2 * f->window * ipt || devff_disagreement(&t) > DEVFF_AGREE)
        return 0;
    sim_stats e = *s;
    if (periodic_extend_step(&e, &b, tiles, f->base, 2 * f->window) != 0)
        return too_big(v, err, errlen);
    *st = e;
    return 1;
}

/* On a DRAM device (device_ff.h): 1 with *st the estimate, 0 when the
 * samples do not apply or no window length agreed (the caller simulates
 * in full), -1 on error. */
static int device_ff(const arch_t *a, const energy_model *em, const vec_shape *v, uint64_t tiles,
                     uint64_t tile_cycles, sim_stats *st, char *err, size_t errlen)
{
    uint64_t ipt;
    devff_plan f;
    if (tile_instructions(a, v, &ipt, err, errlen) != 0)
        return -1;
    if (!devff_plan_of(a, tiles, ipt, tile_cycles, &f))
        return 0;
    sim_stats s;
    size_t n_short;
    if (run_opt(a, em, v, f.base, NULL, &s, &n_short, err, errlen) != 0)
        return -1;
    int rc = 0;
    do
        rc = long_sample(a, em, v, tiles, ipt, &f, &s, n_short, st, err, errlen);
    while (rc == 0 && devff_longer(&f, tiles));
    return rc;
}

int vec_timing(const arch_t *a, const energy_model *em, const vec_shape *v, sim_stats *st,
               int *sampled, char *err, size_t errlen)
{
    uint64_t tiles;
    *sampled = 0;
    /* 3 tiles + the last, then 5 + the last: the shapes periodic_extend
     * wants; 7 + the last checks that two more middle tiles cost the same
     * again (a pipeline still settling, e.g. a DRAM latency longer than a
     * tile's transfer, is simulated whole instead). */
    if (run(a, em, v, 4, st, &tiles, err, errlen) != 0)
        return -1;
    /* A DRAM device: windows of many tiles (device_ff.h) */
    int dev = device_ff(a, em, v, tiles, st->cycles / 4, st, err, errlen);
    if (dev != 0) {
        if (dev < 0)
            return -1;
        if (em)
            sim_energy(em, st);
        *sampled = 1;
        return 0;
    }
    /* A tile's load shorter than twice the DRAM latency (the load's and the
     * store's): the pipeline settles slowly, over more tiles than the
     * samples hold (random shapes found it); simulate it whole. */
    vec_layout l;
    if (vec_layout_of(a, v, &l, err, errlen) != 0)
        return -1;
    const int settles = (double)(l.span * (uint64_t)l.elem_bytes) / arch_dram_bytes_per_cycle(a) <
                        2.0 * a->dram_latency;
    if (tiles <= 10 || settles) /* short: simulate it whole */
        return tiles <= 4 ? 0 : run(a, em, v, 0, st, &tiles, err, errlen);
    /* The samples' last tile in the slot the real last tile takes (the
     * slots alternate): with an odd count, 5, 7 and 9 tiles.  (A short last
     * tile after a full one can cost less in one slot than in the other
     * when the DMA queue and the vector unit are nearly balanced.) */
    const uint64_t odd = tiles % 2;
    if (odd && run(a, em, v, 5, st, &tiles, err, errlen) != 0)
        return -1;
    sim_stats b, c;
    if (run(a, em, v, 6 + odd, &b, &tiles, err, errlen) != 0 ||
        run(a, em, v, 8 + odd, &c, &tiles, err, errlen) != 0)
        return -1;
    if (c.cycles - b.cycles != b.cycles - st->cycles)
        return run(a, em, v, 0, st, &tiles, err, errlen);
    if (periodic_extend_from(st, &b, tiles, 4 + odd) != 0)
        return too_big(v, err, errlen);
    if (em)
        sim_energy(em, st);
    *sampled = 1;
    return 0;
}

/* What determines the programs of vec_timing and their runs. */
typedef struct {
    arch_t a;  /* buffers' kib zeroed: the plan holds what they decide */
    uint64_t rows, cols;
    int fn, tables_group, quant_out, norm_split;
    plan pl;
} memo_key;

/* Entries kept: a sweep point times a few dozen vector shapes. */
#define VEC_MEMO_MAX 4096

struct timing_memo *vec_memo_new(void)
{
    return timing_memo_new(sizeof(memo_key), VEC_MEMO_MAX);
}

int vec_timing_memo(struct timing_memo *mm, const arch_t *a, const energy_model *em,
                    const vec_shape *v, sim_stats *st, int *sampled, char *err, size_t errlen)
{
    memo_key k;
    char why[256];
    memset(&k, 0, sizeof k);
    if (!mm || !em || plan_of(a, v, &k.pl, why, sizeof why) != 0) /* its error: vec_timing's */
        return vec_timing(a, em, v, st, sampled, err, errlen);
    timing_memo_arch_key(&k.a, a);
    k.rows = v->rows;
    k.cols = v->cols;
    k.fn = (int)v->fn;
    k.tables_group = v->tables_group;
    k.quant_out = v->quant_out;
    k.norm_split = v->norm_split;
    const timing_result *hit = timing_memo_get(mm, &k, a);
    if (hit) {
        *st = hit->stats;
        sim_energy(em, st);
        *sampled = hit->sampled;
        return 0;
    }
    timing_result r = { .programs = 1 };
    if (vec_timing(a, em, v, &r.stats, &r.sampled, err, errlen) != 0)
        return -1;
    timing_memo_put(mm, &k, a, &r);
    *st = r.stats;
    *sampled = r.sampled;
    return 0;
}
