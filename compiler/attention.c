/* attention.c - fused (and unfused) attention programs: plan, emission,
 * memory image, timing.  attention.h describes the schedule. */
#include "attention.h"

#include "count.h"
#include "lut_arith.h"
#include "lut_gemm.h"
#include "periodic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 64
#define META_BYTES 8   /* per column: int32 zero-point factor, float32 scale */
#define STATE_BYTES 16 /* per row: max, sum, alpha (unit_vec.c) */
#define ROW_MAX 4095   /* lmma / dq m and tprec rows fields */
#define NK_MAX 4095    /* attn_softmax's 12-bit row length */
#define PK_MIN 32       /* shortest context table chunk, keys */
#define DMA_PIECE 65536 /* contiguous transfers are cut into pieces of this */

int attn_v_dim(const attn_shape *s) { return s->v_dim > 0 ? s->v_dim : s->head_dim; }

static uint64_t align_up(uint64_t v) { return (v + ALIGN - 1) / ALIGN * ALIGN; }
static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

static uint64_t wrow(const arch_t *a, uint64_t n) { return (n * (uint64_t)a->tile_k + 7) / 8; }

/* Bytes of one table set of rows x klen activations (entries of 2 bytes). */
static uint64_t tables(const arch_t *a, uint64_t rows, uint64_t klen)
{
    return rows * cdiv(klen, (uint64_t)a->tile_k) * arch_table_bytes(a);
}

/* Array passes per chunk and bit-plane of an m x n lmma split by part
 * (unit_lut.c), and the lanes those passes offer. */
static uint64_t passes(const arch_t *a, uint64_t m, uint64_t n, int part)
{
    const uint64_t cores = (uint64_t)a->lut_cores, tm = (uint64_t)a->tile_m;
    const uint64_t tn = (uint64_t)a->tile_n;
    return part ? cdiv(m, tm * cores) * cdiv(n, tn) : cdiv(m, tm) * cdiv(n, tn * cores);
}

/* Array passes per chunk and bit-plane of the context's lmma (or lmmag
 * over g groups of cores: per group, and g chunks in one). */
static uint64_t ctx_passes(const arch_t *a, const attn_plan *pl, uint64_t hd)
{
    const uint64_t g = (uint64_t)pl->cgroups, R = (uint64_t)pl->rows;
    if (g <= 1)
        return passes(a, R, hd, pl->part_ctx);
    return cdiv(R, (uint64_t)a->tile_m) * cdiv(hd, (uint64_t)a->tile_n * (uint64_t)a->lut_cores / g);
}

/* The split of an m x n lmma: lut.partition rows or columns as given,
 * auto the one with fewer passes (columns on a tie: the RTL's). */
static int part_of(const arch_t *a, uint64_t m, uint64_t n)
{
    if (a->lut_partition != 2)
        return a->lut_partition == 1;
    return passes(a, m, n, 1) < passes(a, m, n, 0);
}

/* Places n regions of `size` bytes from *at on; returns the new end. */
static uint64_t place(uint64_t *at, uint64_t *dst, int n, uint64_t size)
{
    for (int i = 0; i < n; i++) {
        dst[i] = *at;
        *at += align_up(size);
    }
    return *at;
}

/* Buffer regions for the sizes in pl; 0 if every buffer holds them. */
static int fits(const arch_t *a, const attn_shape *s, attn_plan *pl)
{
    const uint64_t hd = (uint64_t)s->head_dim, R = (uint64_t)pl->rows, nk = (uint64_t)pl->nk;
    const uint64_t kb = (uint64_t)s->kv_bits, tk = (uint64_t)a->tile_k;
    const uint64_t vd = (uint64_t)attn_v_dim(s);
    pl->k_idx = cdiv(hd, tk) * kb * wrow(a, nk);
    pl->v_idx = cdiv(nk, tk) * kb * wrow(a, vd);
    pl->k_tile = pl->k_idx + nk * META_BYTES;
    pl->v_tile = pl->v_idx + vd * META_BYTES;
    /* Q and its tables once: they are read by every block of the unit, and
     * the next unit's Q waits only for this one's last score lmma, which
     * comes a whole context (four times longer) before the array needs it */
    const int resident = pl->qk == s->head_dim;
    uint64_t at = 0;
    place(&at, pl->act_q, 1, R * hd);
    pl->act_q[1] = pl->act_q[0];
    if (place(&at, pl->act_p, 2, R * nk) > arch_buf_bytes(a, BUF_ACT))
        return -1;
    at = 0;
    if (resident) {
        place(&at, pl->tbl_q, 1, tables(a, R, hd));
        place(&at, pl->tbl_qsum, 1, R * 4);
        pl->tbl_q[1] = pl->tbl_q[0];
        pl->tbl_qsum[1] = pl->tbl_qsum[0];
    } else { /* chunks of Q tables, double-buffered */
        place(&at, pl->tbl_q, 2, tables(a, R, (uint64_t)pl->qk));
        place(&at, pl->tbl_qsum, 2, R * 4);
    }
    const uint64_t g = pl->cgroups > 1 ? (uint64_t)pl->cgroups : 1; /* a table set per group */
    place(&at, pl->tbl_p, 2, g * tables(a, R, (uint64_t)pl->pk));
    if (place(&at, pl->tbl_psum, 2, g * R * 4) > arch_buf_bytes(a, BUF_TBL))
        return -1;
    for (pl->kv_slots = 3;; pl->kv_slots--) {
        at = 0;
        place(&at, pl->wgt_k, pl->kv_slots, pl->k_tile);
        if (place(&at, pl->wgt_v, pl->kv_slots, pl->v_tile) <= arch_buf_bytes(a, BUF_WGT))
            break;
        if (pl->kv_slots == 2)
            return -1;
    }
    at = 0;
    place(&at, pl->out_s, 2, R * nk * 4);
    if (!resident) /* the lmma results of the chunks, summed by dq into S */
        place(&at, pl->out_sacc, 2, R * nk * 4);
    place(&at, pl->out_acc, 2, g * R * vd * 4);
    place(&at, pl->out_pv, 2, R * vd * 4);
    place(&at, pl->out_o, 2, R * vd * 4);
    if (place(&at, pl->out_st, 4, R * STATE_BYTES) > arch_buf_bytes(a, BUF_OUT))
        return -1;
    return 0;
}

/* The key block past a unit's last: its last row at position
 * pos0 + npos - 1 sees keys up to that + kv_len - q_len. */
static int unit_end(const attn_shape *s, const attn_plan *pl, int pos0, int npos)
{
    const int64_t last = (int64_t)pos0 + npos - 1 + s->kv_len - s->q_len;
    return (int)(last / pl->nk) + 1;
}

/* A unit's first key block: with a window W its first row sees keys from
 * its own key position - W + 1 on; the blocks wholly below are skipped. */
static int unit_first(const attn_shape *s, const attn_plan *pl, int pos0)
{
    if (s->window <= 0)
        return 0;
    const int64_t first = (int64_t)pos0 + s->kv_len - s->q_len - s->window + 1;
    return first <= 0 ? 0 : (int)(first / pl->nk);
}

/* Key blocks one unit runs. */
static int unit_blocks(const attn_shape *s, const attn_plan *pl, int pos0, int npos)
{
    return unit_end(s, pl, pos0, npos) - unit_first(s, pl, pos0);
}

static int layout_for(const attn_shape *s, attn_plan *pl, uint64_t B, char *err, size_t errlen)
{
    int ov = 0;
    const uint64_t H = (uint64_t)s->heads, hd = (uint64_t)s->head_dim;
    const uint64_t KB = count_mul3(B, (uint64_t)s->kv_heads, (uint64_t)pl->kv_blocks, &ov);
    const uint64_t units = count_mul3(B, (uint64_t)pl->head_groups, (uint64_t)pl->qblocks, &ov);
    const uint64_t ub = count_mul(units, (uint64_t)pl->nb_max, &ov); /* unit blocks */
    const uint64_t q = count_mul3(B, (uint64_t)s->q_len, H * hd, &ov);
    const uint64_t o = count_mul3(B, (uint64_t)s->q_len, H * (uint64_t)attn_v_dim(s), &ov);
    uint64_t at = 0;
    pl->q_addr = at;
    at = align_up(count_add(at, q, &ov));
    pl->k_addr = at;
    at = align_up(count_addmul(at, KB, pl->k_tile, &ov));
    pl->v_addr = at;
    at = align_up(count_addmul(at, KB, pl->v_tile, &ov));
    pl->o_addr = at;
    at = align_up(count_addmul(at, o, 4, &ov));
    /* the unfused path's S, P and row states, per unit and block */
    const uint64_t rk = (uint64_t)pl->rows * (uint64_t)pl->nk;
    pl->s_addr = at;
    at = align_up(count_add(at, count_mul3(ub, rk, 4, &ov), &ov));
    pl->p_addr = at;
    at = align_up(count_add(at, count_mul(ub, rk, &ov), &ov));
    pl->st_addr = at;
    at = count_add(at, count_mul3(ub, (uint64_t)pl->rows, STATE_BYTES, &ov), &ov);
    pl->image_bytes = at;
    if (ov || at > COUNT_MAX - ALIGN) {
        snprintf(err, errlen, "attention: the layer's memory image exceeds 2^63 bytes");
        return -1;
    }
    return 0;
}

#define DRAM_LIMIT ((uint64_t)1 << 40) /* the ISA's DRAM address field */

static int layout(const attn_shape *s, attn_plan *pl, char *err, size_t errlen)
{
    uint64_t B = (uint64_t)s->batch;
    int rc;
    while ((rc = layout_for(s, pl, B, err, errlen)) != 0 || pl->image_bytes > DRAM_LIMIT) {
        if (B == 1) {
            if (rc == 0)
                snprintf(err, errlen, "attention: one sequence's layer image (%llu B) passes "
                         "the ISA's 40-bit DRAM addresses", (unsigned long long)pl->image_bytes);
            return -1;
        }
        B /= 2;
    }
    pl->addr_batch = (int)B;
    return 0;
}

static int shape_check(const arch_t *a, const attn_shape *s, char *err, size_t errlen)
{
    if (s->kv_bits != 4 && s->kv_bits != 8) {
        snprintf(err, errlen, "attention: K/V caches of %d bits: the LUT array takes INT8 or "
                 "INT4", s->kv_bits);
        return -1;
    }
    if (s->kv_bits < a->wbits_min || s->kv_bits > a->wbits_max) {
        snprintf(err, errlen, "attention runs on the LUT array with INT%d K/V, but lut.wbits "
                 "is %d..%d", s->kv_bits, a->wbits_min, a->wbits_max);
        return -1;
    }
    if (s->heads < 1 || s->kv_heads < 1 || s->heads % s->kv_heads || s->head_dim < 1 ||
        s->batch < 1 || s->q_len < 1 || s->kv_len < s->q_len || s->shift < 0 || s->shift > 31 ||
        s->v_dim < 0 || s->v_dim > s->head_dim || s->window < 0) {
        snprintf(err, errlen, "attention: inconsistent shape (heads %d, kv heads %d, head_dim "
                 "%d, v_dim %d, batch %d, queries %d, keys %d)", s->heads, s->kv_heads,
                 s->head_dim, s->v_dim, s->batch, s->q_len, s->kv_len);
        return -1;
    }
    if ((uint64_t)s->heads * (uint64_t)s->head_dim * 4 >= (1u << 24)) {
        snprintf(err, errlen, "attention: heads x head_dim = %d x %d is too wide for a DMA "
                 "stride", s->heads, s->head_dim);
        return -1;
    }
    return 0;
}

/* Fills pl's derived fields for the sizes it holds. */
static void plan_finish(const arch_t *a, const attn_shape *s, attn_plan *pl)
{
    pl->part_score = part_of(a, (uint64_t)pl->rows, (uint64_t)pl->nk);
    pl->part_ctx = pl->cgroups > 1 ? 0 : part_of(a, (uint64_t)pl->rows, (uint64_t)attn_v_dim(s));
    pl->head_groups = s->heads / pl->gh;
    pl->qblocks = (int)cdiv((uint64_t)s->q_len, (uint64_t)pl->bq);
    pl->kv_blocks = (int)cdiv((uint64_t)s->kv_len, (uint64_t)pl->nk);
    pl->nb_max = 0; /* (a window: not always the last unit's) */
    for (int q = 0; q < pl->qblocks; q++) {
        const int p0 = q * pl->bq, np = s->q_len - p0 < pl->bq ? s->q_len - p0 : pl->bq;
        const int nb = unit_blocks(s, pl, p0, np);
        pl->nb_max = nb > pl->nb_max ? nb : pl->nb_max;
    }
}

/* Estimated cycles of the layer under plan pl: per key block the largest
 * of the array's passes, the K and V transfer and the table precompute
 * (they overlap), every block of every unit (the causal ones included),
 * plus per unit its Q load's latency and tables. */
static double plan_cost(const arch_t *a, const attn_shape *s, const attn_plan *pl)
{
    const uint64_t R = (uint64_t)pl->rows, hd = (uint64_t)s->head_dim, nk = (uint64_t)pl->nk;
    const uint64_t tk = (uint64_t)a->tile_k;
    const double lut = (double)s->kv_bits *
                       (double)(passes(a, R, nk, pl->part_score) * cdiv(hd, tk) +
                                ctx_passes(a, pl, (uint64_t)attn_v_dim(s)) *
                                    cdiv(nk, tk * (uint64_t)(pl->cgroups > 1 ? pl->cgroups : 1)));
    const double dma = (double)(pl->k_tile + pl->v_tile) / arch_dram_bytes_per_cycle(a);
    const double tpc = (double)a->tprec_tables_per_cycle;
    double tp = (double)(R * cdiv(nk, tk)) / tpc;
    if (pl->qk < s->head_dim)
        tp += (double)(R * cdiv(hd, tk)) / tpc;
    double blk = lut > dma ? lut : dma;
    blk = blk > tp ? blk : tp;
    /* Q tables rebuilt per block chain tprec and lmma chunk by chunk: the
     * rebuild does not hide (measured on the C model) */
    if (pl->qk < s->head_dim)
        blk += (double)(R * cdiv(hd, tk)) / tpc;
    double blocks = 0;
    for (int q = 0; q < pl->qblocks; q++) {
        const int p0 = q * pl->bq, np = s->q_len - p0 < pl->bq ? s->q_len - p0 : pl->bq;
        blocks += (double)unit_blocks(s, pl, p0, np);
    }
    const double unit = (double)a->dram_latency + (double)(R * cdiv(hd, tk)) / tpc;
    return (double)s->batch * (double)pl->head_groups * (blocks * blk + (double)pl->qblocks * unit);
}

/* Table-buffer bytes that every fits call of a block of R rows needs at
 * least: its Q tables at their smallest (resident, or two of the shortest
 * chunk the qk chain reaches), their sums, and two sets of context tables
 * of the shortest chunk pk_min with their sums.  A block that cannot have
 * them fails at the table buffer for every chunk, before anything of the
 * plan that the fitting call does not rewrite. */
static uint64_t tbl_floor(const arch_t *a, const attn_shape *s, uint64_t R, int resident,
                          int groups, uint64_t qk_min, uint64_t pk_min)
{
    const uint64_t hd = (uint64_t)s->head_dim, g = groups > 1 ? (uint64_t)groups : 1;
    uint64_t q = align_up(tables(a, R, hd)) + align_up(R * 4);
    if (!resident && qk_min < hd) {
        const uint64_t chunked = 2 * align_up(tables(a, R, qk_min)) + 2 * align_up(R * 4);
        q = chunked < q ? chunked : q;
    }
    return q + 2 * align_up(g * tables(a, R, pk_min)) + 2 * align_up(g * R * 4);
}

/* The largest query block of at most bq_max positions (rows a multiple of
 * quantum) with gh heads and nk-key blocks that fits the buffers, with its
 * longest table chunk and Q tables resident if they fit (resident: only
 * then); 0 or -1. */
static int largest_fit(const arch_t *a, const attn_shape *s, int gh, int nk, int bq_max,
                       int quantum, int resident, int groups, attn_plan *pl)
{
    const int tk = a->tile_k;
    int pk_min = 0, qk_min = s->head_dim; /* the ends of the chains below */
    for (int pk = nk / groups / tk * tk; pk >= tk; pk = pk / 2 / tk * tk)
        if (!(nk % (pk * groups) || pk < (nk < PK_MIN ? nk : PK_MIN)))
            pk_min = pk;
    if (pk_min == 0)
        return -1;
    while (qk_min % tk == 0 && qk_min / 2 >= tk)
        qk_min = qk_min / 2 / tk * tk;
    for (int bq = bq_max; bq >= 1; bq--) {
        if (bq > 1 && gh * bq % quantum != 0)
            continue;
        if (tbl_floor(a, s, (uint64_t)(gh * bq), resident, groups, (uint64_t)qk_min,
                      (uint64_t)pk_min) > arch_buf_bytes(a, BUF_TBL))
            continue;
        for (int pk = nk / groups / tk * tk; pk >= tk; pk = pk / 2 / tk * tk) {
            /* (grouped: whole steps of groups chunks per block) */
            if (nk % (pk * groups) || pk < (nk < PK_MIN ? nk : PK_MIN))
                continue;
            pl->cgroups = groups;
            pl->gh = gh;
            pl->bq = bq;
            pl->rows = gh * bq;
            pl->nk = nk;
            pl->pk = pk;
            /* Q tables resident, else rebuilt in chunks (long heads) */
            pl->qk = s->head_dim;
            while (!resident && fits(a, s, pl) != 0 && pl->qk % tk == 0 && pl->qk / 2 >= tk)
                pl->qk = pl->qk / 2 / tk * tk;
            if (fits(a, s, pl) == 0)
                return 0;
        }
    }
    return -1;
}

int attn_plan_make(const arch_t *a, const attn_shape *s, attn_plan *pl, char *err,
                   size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    if (shape_check(a, s, err, errlen) != 0)
        return -1;
    const int G = s->heads / s->kv_heads, tk = a->tile_k;
    /* one column pass of the array per score lmma, in whole table chunks */
    int nk0 = a->tile_n * a->lut_cores / tk * tk;
    int keys = (int)cdiv((uint64_t)s->kv_len, (uint64_t)tk) * tk;
    if (nk0 > NK_MAX / tk * tk)
        nk0 = NK_MAX / tk * tk;
    if (nk0 < tk)
        nk0 = tk;
    if (nk0 > keys)
        nk0 = keys;
    /* Candidates: per heads of a group in a unit (all of them read each
     * K/V block once for all) and key block (down from one column pass of
     * the array), the most query positions that fit (K/V reuse; whole row
     * passes), and when the cores may split rows also the most that make
     * whole row passes of the split (tile_m x cores rows: the context's
     * head_dim columns fill one core, its rows all of them), with Q tables
     * resident, or rebuilt in chunks where that buys rows; each with the
     * longest table chunk, at least PK_MIN keys (shorter ones cost more in
     * instructions and dq passes than the rows they buy).  The cheapest by
     * plan_cost wins; the first on a tie. */
    attn_plan best, c;
    double best_cost = 0;
    int found = 0;
    for (int gh = G; gh >= 1; gh--) {
        if (G % gh || gh > ROW_MAX)
            continue;
        int bq_max = s->q_len < ROW_MAX / gh ? s->q_len : ROW_MAX / gh;
        if (bq_max > 256)
            bq_max = 256;
        for (int nk = nk0; nk >= tk; nk = nk / 2 / tk * tk) {
            for (int v = 0; v < 4 * a->lut_cores; v++) {
                const int strict = v & 1, resident = (v >> 1) & 1, groups = 1 + v / 4;
                if ((strict && a->lut_partition != 1 && a->lut_partition != 2) ||
                    (groups > 1 && (!arch_may_group(a) || a->lut_cores % groups ||
                                    strict ||
                                    (uint64_t)groups > isa_field_max(OP_LMMAG, "groups"))))
                    continue;
                memset(&c, 0, sizeof c);
                if (largest_fit(a, s, gh, nk, bq_max, a->tile_m * (strict ? a->lut_cores : 1),
                                resident, groups, &c) != 0)
                    continue;
                plan_finish(a, s, &c);
                const double cost = plan_cost(a, s, &c);
                if (!found || cost < best_cost) {
                    best = c;
                    best_cost = cost;
                    found = 1;
                }
            }
            /* blocks shorter than half a pass multiply the classes (and
             * the host time) for little: only when nothing longer fits */
            if (nk == tk || (found && nk <= nk0 / 2))
                break;
        }
    }
    if (found) {
        *pl = best;
        return layout(s, pl, err, errlen);
    }
    snprintf(err, errlen, "attention: one query row's tables (%llu B for head_dim %d) and a "
             "key block do not fit the buffers (table buffer %zu B)",
             (unsigned long long)tables(a, 1, (uint64_t)s->head_dim), s->head_dim,
             arch_buf_bytes(a, BUF_TBL));
    return -1;
}

/* Context table chunks of a unit's last block that hold a key visible
 * to its last row, rounded up to a half of the block's chunks. */
static int unit_last_subs(const attn_shape *s, const attn_plan *pl, int pos0, int npos)
{
    const int nb = unit_end(s, pl, pos0, npos);
    const int64_t last = (int64_t)pos0 + npos - 1 + s->kv_len - s->q_len;
    const int valid = (int)(last - (int64_t)(nb - 1) * pl->nk) + 1;
    const int nsub = pl->nk / pl->pk, q = nsub < 2 ? 1 : nsub / 2;
    int subs = (valid + pl->pk - 1) / pl->pk;
    subs = (subs + q - 1) / q * q;
    return subs < nsub ? subs : nsub;
}

/* Lanes of a pass that hold work, for an m x n lmma split by part, or g
 * of them side by side on g groups of cores in np passes. */
static double fill(const arch_t *a, uint64_t m, uint64_t n, uint64_t g, uint64_t np)
{
    return (double)(m * n * g) /
           ((double)np * (double)a->tile_m * (double)a->tile_n * (double)a->lut_cores);
}

double attn_occupancy(const arch_t *a, const attn_shape *s, const attn_plan *pl, attn_stage st,
                      char *what, size_t whatlen)
{
    const uint64_t R = (uint64_t)pl->rows, hd = (uint64_t)s->head_dim, nk = (uint64_t)pl->nk;
    /* per key block: the score runs head_dim / tk chunks, the context nk / tk */
    /* the stage's lmmas: the unfused score or context alone */
    /* (the context: g chunks at a time on g groups of cores) */
    const uint64_t g = pl->cgroups > 1 ? (uint64_t)pl->cgroups : 1;
    const uint64_t vd = (uint64_t)attn_v_dim(s);
    const uint64_t sp = passes(a, R, nk, pl->part_score), cp = ctx_passes(a, pl, vd);
    const double ps = st == ATTN_CONTEXT ? 0 : (double)sp * (double)hd;
    const double pc = st == ATTN_SCORE ? 0 : (double)cp * (double)nk / (double)g;
    const double fs = fill(a, R, nk, 1, sp), fc = fill(a, R, vd, g, cp);
    const int ctx = st == ATTN_CONTEXT || (st != ATTN_SCORE && fc <= fs);
    const int part = ctx ? pl->part_ctx : pl->part_score;
    const uint64_t n = ctx ? vd : nk;
    /* the lanes the worse lmma leaves empty: columns (lockstep, a group's
     * with core groups) or rows */
    const uint64_t cols = (uint64_t)a->tile_n * (part ? 1 : (uint64_t)a->lut_cores / (ctx ? g : 1));
    const uint64_t rows = (uint64_t)a->tile_m * (part ? (uint64_t)a->lut_cores : 1);
    const int col_short = n % cols != 0 && (double)n / (double)(cdiv(n, cols) * cols) <=
                          (double)R / (double)(cdiv(R, rows) * rows);
    if (col_short)
        snprintf(what, whatlen, "columns:%llu/%llu", (unsigned long long)n,
                 (unsigned long long)(cdiv(n, cols) * cols));
    else
        snprintf(what, whatlen, "rows:%llu/%llu", (unsigned long long)R,
                 (unsigned long long)(cdiv(R, rows) * rows));
    return (ps * fs + pc * fc) / (ps + pc);
}

int attn_class_cap(const attn_plan *pl) { return 8 * pl->nb_max + 8; }

int attn_classes(const attn_shape *s, const attn_plan *pl, attn_class *out, int cap)
{
    int n = 0;
    const uint64_t per_q = (uint64_t)s->batch * (uint64_t)pl->head_groups;
    for (int q = 0; q < pl->qblocks; q++) {
        const int p0 = q * pl->bq, np = s->q_len - p0 < pl->bq ? s->q_len - p0 : pl->bq;
        const int b = unit_blocks(s, pl, p0, np), ls = unit_last_subs(s, pl, p0, np);
        int c = 0;
        while (c < n && (out[c].nb != b || out[c].npos != np || out[c].last_subs != ls))
            c++;
        if (c == n) {
            if (n == cap)
                return -1;
            out[c] = (attn_class){ b, np, ls, 0 };
            n++;
        }
        out[c].units += per_q;
    }
    return n;
}

/* ---- emission ---- */

typedef struct {
    int b, hg, kvh, pos0, npos, rows, nb;
    int j0;        /* the first key block (a window skips the ones below) */
    int last_subs; /* context table chunks of the last block */
    uint64_t uid; /* unit index over the layer: S, P and states in DRAM */
    uint64_t ul;  /* unit index in the program: buffer halves */
} unit;

typedef struct {
    const arch_t *a;
    const attn_shape *s;
    const attn_plan *pl;
    attn_stage st;
    program *p;
    char *err;
    size_t errlen;
    /* A unit whose O is normalized but not yet stored: its store waits for
     * the normalization, so it goes into the in-order DMA queue after the
     * next unit's first block loads, which it would otherwise hold back. */
    unit pending;
    int has_pending;
    /* every instruction is checked for its encoding before the program
     * runs, all at once at the end (attn_lower) */
    program_checker chk;
} emitter;

static int push(emitter *e, const isa_instr *in)
{
    program_checker_add(&e->chk, in);
    if (program_push(e->p, in) != 0) {
        snprintf(e->err, e->errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* rows x bytes between a buffer and DRAM; a contiguous transfer (rows 1) is
 * cut into pieces the bytes field holds. */
static int dma(emitter *e, isa_op op, int buf, uint64_t sram, uint64_t dram, uint64_t rows,
               uint64_t bytes, uint64_t stride)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = op;
    in.buf = (uint32_t)buf;
    if (rows > 1 || bytes <= DMA_PIECE) {
        in.sram = (uint32_t)sram;
        in.dram = dram;
        in.rows = (uint32_t)rows;
        in.bytes = (uint32_t)bytes;
        in.stride = (uint32_t)(rows > 1 ? stride : bytes);
        return push(e, &in);
    }
    for (uint64_t off = 0; off < bytes; off += DMA_PIECE) {
        in.sram = (uint32_t)(sram + off);
        in.dram = dram + off;
        in.rows = 1;
        in.bytes = (uint32_t)(bytes - off < DMA_PIECE ? bytes - off : DMA_PIECE);
        in.stride = in.bytes;
        if (push(e, &in) != 0)
            return -1;
    }
    return 0;
}

static int tprec(emitter *e, uint64_t src, uint64_t rows, uint64_t klen, uint64_t stride,
                 uint64_t dst, uint64_t sum)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_TPREC;
    in.src = (uint32_t)src;
    in.rows = (uint32_t)rows;
    in.klen = (uint32_t)klen;
    in.stride = (uint32_t)stride;
    in.dst = (uint32_t)dst;
    in.sum = (uint32_t)sum;
    return push(e, &in);
}

/* lmma (groups 1) or lmmag of groups lmmas whose operands follow one
 * another. */
static int lmm(emitter *e, uint64_t tbl, uint64_t wgt, uint64_t acc, uint64_t rows, uint64_t n,
               uint64_t klen, uint64_t groups, int part)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = groups > 1 ? OP_LMMAG : OP_LMMA;
    in.tbl = (uint32_t)tbl;
    in.wgt = (uint32_t)wgt;
    in.acc = (uint32_t)acc;
    in.m = (uint32_t)rows;
    in.n = (uint32_t)n;
    in.klen = (uint32_t)klen;
    in.wbits = (uint32_t)e->s->kv_bits;
    in.part = (uint32_t)part;
    in.groups = groups > 1 ? (uint32_t)groups : 0;
    return push(e, &in);
}

/* dq of an int32 tile onto dst (accum) or into it. */
static int dequant(emitter *e, uint64_t acc, uint64_t sum, uint64_t meta, uint64_t dst,
                   uint64_t rows, uint64_t n, int accum)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_DQ;
    in.acc = (uint32_t)acc;
    in.sum = (uint32_t)sum;
    in.meta = (uint32_t)meta;
    in.dst = (uint32_t)dst;
    in.m = (uint32_t)rows;
    in.n = (uint32_t)n;
    in.accum = (uint32_t)accum;
    in.shift = 1;
    return push(e, &in);
}

/* lmma then dq (int32, in place when acc == dst). */
static int matmul(emitter *e, uint64_t tbl, uint64_t wgt, uint64_t acc, uint64_t rows,
                  uint64_t n, uint64_t klen, uint64_t sum, uint64_t meta, uint64_t dst, int accum,
                  int part)
{
    return lmm(e, tbl, wgt, acc, rows, n, klen, 1, part) ||
           dequant(e, acc, sum, meta, dst, rows, n, accum);
}

static int vop(emitter *e, isa_vfn fn, int sbuf, uint64_t src, uint64_t src2, int dbuf,
               uint64_t dst, uint64_t len, uint64_t imm)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_VOP;
    in.fn = (uint32_t)fn;
    in.sbuf = (uint32_t)sbuf;
    in.src = (uint32_t)src;
    in.src2 = (uint32_t)src2;
    in.dbuf = (uint32_t)dbuf;
    in.dst = (uint32_t)dst;
    in.len = (uint32_t)len;
    in.imm = (uint32_t)imm;
    return push(e, &in);
}

static int has(const emitter *e, attn_stage a) { return e->st == ATTN_FUSED || e->st == a; }

/* Offsets of the unit's block j in the unfused path's DRAM regions. */
static uint64_t unit_block(const emitter *e, const unit *u, int j)
{
    return u->uid * (uint64_t)e->pl->nb_max + (uint64_t)j;
}

/* The sequence's place in the DRAM layout (addr_batch). */
static uint64_t seq_at(const emitter *e, const unit *u)
{
    return (uint64_t)(u->b % e->pl->addr_batch);
}

static uint64_t kv_block(const emitter *e, const unit *u, int j)
{
    return (seq_at(e, u) * e->s->kv_heads + (uint64_t)u->kvh) * e->pl->kv_blocks +
           (uint64_t)(u->j0 + j);
}

static int half(const unit *u, int j) { return (int)((u->ul * (uint64_t)u->nb + (uint64_t)j) % 2); }

/* The K and V slot of block j. */
static int kv_slot(const emitter *e, const unit *u, int j)
{
    return (int)((u->ul * (uint64_t)u->nb + (uint64_t)j) % (uint64_t)e->pl->kv_slots);
}

/* Bytes of V index rows per context table chunk. */
static uint64_t v_sub_bytes(const emitter *e)
{
    return (uint64_t)e->pl->pk / (uint64_t)e->a->tile_k * (uint64_t)e->s->kv_bits *
           wrow(e->a, (uint64_t)attn_v_dim(e->s));
}

/* Context table chunks block j runs: all but in the unit's last block. */
static int context_subs(const emitter *e, const unit *u, int j)
{
    return j == u->nb - 1 ? u->last_subs : e->pl->nk / e->pl->pk;
}

/* Block j's inputs from DRAM, issued blocks ahead of their use (ahead_of)
 * so that in-order dispatch never holds a load behind a waiting vector op. */
static int loads(emitter *e, const unit *u, int j)
{
    const attn_plan *pl = e->pl;
    const int h = half(u, j), ks = kv_slot(e, u, j);
    const uint64_t rk = (uint64_t)pl->rows * pl->nk, R = (uint64_t)u->rows;
    const uint64_t ub = unit_block(e, u, j);
    if (has(e, ATTN_SCORE) &&
        dma(e, OP_LOAD, BUF_WGT, pl->wgt_k[ks], pl->k_addr + kv_block(e, u, j) * pl->k_tile, 1,
            pl->k_tile, 0))
        return -1;
    if (e->st == ATTN_SOFTMAX &&
        dma(e, OP_LOAD, BUF_OUT, pl->out_s[h], pl->s_addr + ub * rk * 4, 1, R * pl->nk * 4, 0))
        return -1;
    if (e->st == ATTN_CONTEXT &&
        dma(e, OP_LOAD, BUF_ACT, pl->act_p[h], pl->p_addr + ub * rk, 1, R * pl->nk, 0))
        return -1;
    if (!has(e, ATTN_CONTEXT))
        return 0;
    /* V: the index rows of the chunks the context runs, then the metadata */
    const uint64_t v = pl->v_addr + kv_block(e, u, j) * pl->v_tile;
    const uint64_t idx = (uint64_t)context_subs(e, u, j) * v_sub_bytes(e);
    if (idx == pl->v_idx)
        return dma(e, OP_LOAD, BUF_WGT, pl->wgt_v[ks], v, 1, pl->v_tile, 0);
    return dma(e, OP_LOAD, BUF_WGT, pl->wgt_v[ks], v, 1, idx, 0) ||
           dma(e, OP_LOAD, BUF_WGT, pl->wgt_v[ks] + pl->v_idx, v + pl->v_idx, 1,
               pl->v_tile - pl->v_idx, 0);
}

static int score(emitter *e, const unit *u, int j)
{
    const attn_plan *pl = e->pl;
    const int h = half(u, j), ua = (int)(u->ul % 2), ks = kv_slot(e, u, j);
    const uint64_t hd = (uint64_t)e->s->head_dim, R = (uint64_t)u->rows, nk = (uint64_t)pl->nk;
    if (pl->qk == e->s->head_dim) {
        if (matmul(e, pl->tbl_q[ua], pl->wgt_k[ks], pl->out_s[h], R, nk, hd, pl->tbl_qsum[ua],
                   pl->wgt_k[ks] + pl->k_idx, pl->out_s[h], 0, pl->part_score))
            return -1;
    } else {
        /* Q tables of qk dimensions at a time, the chunk's K index rows */
        const uint64_t qk = (uint64_t)pl->qk, nq = cdiv(hd, qk);
        const uint64_t kw = qk / (uint64_t)e->a->tile_k * (uint64_t)e->s->kv_bits * wrow(e->a, nk);
        for (uint64_t c = 0; c < nq; c++) {
            const int sh = (int)(((u->ul * (uint64_t)u->nb + (uint64_t)j) * nq + c) % 2);
            const uint64_t len = hd - c * qk < qk ? hd - c * qk : qk;
            if (tprec(e, pl->act_q[ua] + c * qk, R, len, hd, pl->tbl_q[sh], pl->tbl_qsum[sh]) ||
                matmul(e, pl->tbl_q[sh], pl->wgt_k[ks] + c * kw, pl->out_sacc[sh], R, nk, len,
                       pl->tbl_qsum[sh], pl->wgt_k[ks] + pl->k_idx, pl->out_s[h], c > 0,
                       pl->part_score))
                return -1;
        }
    }
    if (e->st != ATTN_SCORE)
        return 0;
    const uint64_t rk = (uint64_t)pl->rows * pl->nk;
    return dma(e, OP_STORE, BUF_OUT, pl->out_s[h], pl->s_addr + unit_block(e, u, j) * rk * 4, 1,
               (uint64_t)u->rows * pl->nk * 4, 0);
}

/* Keys of block j that row r may not see (causal or padding). */
static uint64_t masked(const emitter *e, const unit *u, int r, int j)
{
    const int64_t last = (int64_t)u->pos0 + r / e->pl->gh + e->s->kv_len - e->s->q_len;
    int64_t valid = last - (int64_t)(u->j0 + j) * e->pl->nk + 1;
    valid = valid < 0 ? 0 : valid > e->pl->nk ? e->pl->nk : valid;
    return (uint64_t)(e->pl->nk - valid);
}

/* The row states of block j: on chip, one slot per block parity (the
 * softmax of block j writes its slot while block j - 1's attn_acc still
 * reads the rescale in the other), or loaded per block (unfused context). */
static uint64_t state_at(const emitter *e, const unit *u, int j)
{
    return e->pl->out_st[(e->st == ATTN_CONTEXT ? 2 : 0) + half(u, j)];
}

static int softmax(emitter *e, const unit *u, int j)
{
    const attn_plan *pl = e->pl;
    const int h = half(u, j);
    const uint64_t rk = (uint64_t)pl->rows * pl->nk, nk = (uint64_t)pl->nk;
    const uint64_t ub = unit_block(e, u, j), st = state_at(e, u, j);
    const uint64_t imm = (uint64_t)e->s->shift | (j == 0 ? 32u : 0u);
    /* the running max and sum go on from block j - 1's slot */
    if (j > 0 && vop(e, VFN_COPY, BUF_OUT, state_at(e, u, j - 1), 0, BUF_OUT, st,
                     (uint64_t)u->rows * STATE_BYTES, 0))
        return -1;
    for (int r = 0; r < u->rows; r++)
        if (vop(e, VFN_ATTN_SOFTMAX, BUF_OUT, pl->out_s[h] + r * nk * 4,
                st + (uint64_t)r * STATE_BYTES, BUF_ACT, pl->act_p[h] + r * nk,
                nk | masked(e, u, r, j) << 12, imm))
            return -1;
    if (e->st != ATTN_SOFTMAX)
        return 0;
    return dma(e, OP_STORE, BUF_ACT, pl->act_p[h], pl->p_addr + ub * rk, 1,
               (uint64_t)u->rows * nk, 0) ||
           dma(e, OP_STORE, BUF_OUT, st, pl->st_addr + ub * (uint64_t)pl->rows * STATE_BYTES, 1,
               (uint64_t)u->rows * STATE_BYTES, 0);
}

static int context(emitter *e, const unit *u, int j)
{
    const attn_plan *pl = e->pl;
    const int h = half(u, j), ks = kv_slot(e, u, j);
    const uint64_t nk = (uint64_t)pl->nk;
    const uint64_t hd = (uint64_t)attn_v_dim(e->s), R = (uint64_t)u->rows;
    const uint64_t st = state_at(e, u, j);
    /* (unfused) the block's row states: read only by its attn_acc, so
     * loaded here, after the previous block's attn_acc has read its half */
    if (e->st == ATTN_CONTEXT &&
        dma(e, OP_LOAD, BUF_OUT, st,
            pl->st_addr + unit_block(e, u, j) * (uint64_t)pl->rows * STATE_BYTES, 1,
            R * STATE_BYTES, 0))
        return -1;
    /* tables of P built just in time, pk keys at a time; with core groups
     * g chunks a step, one lmmag, then each chunk's dq adds its partial
     * sums (the same dq chain as one chunk a step) */
    /* the parity of a step counts as if every block ran all its steps */
    const uint64_t nsub = nk / (uint64_t)pl->pk, pk = (uint64_t)pl->pk;
    const uint64_t g = (uint64_t)pl->cgroups, ts = tables(e->a, R, pk);
    const uint64_t sub_w = v_sub_bytes(e), run = (uint64_t)context_subs(e, u, j);
    for (uint64_t c = 0, n; c < run; c += n) {
        /* a last step of fewer chunks: groups that divide the cores */
        n = run - c < g ? run - c : g;
        while (e->a->lut_cores % (int)n)
            n--;
        const int sh = (int)(((u->ul * (uint64_t)u->nb + (uint64_t)j) * (nsub / g) + c / g) % 2);
        for (uint64_t i = 0; i < n; i++)
            if (tprec(e, pl->act_p[h] + (c + i) * pk, R, pk, nk, pl->tbl_p[sh] + i * ts,
                      pl->tbl_psum[sh] + i * R * 4))
                return -1;
        if (lmm(e, pl->tbl_p[sh], pl->wgt_v[ks] + c * sub_w, pl->out_acc[sh], R, hd, pk, n,
                pl->part_ctx))
            return -1;
        for (uint64_t i = 0; i < n; i++)
            if (dequant(e, pl->out_acc[sh] + i * R * hd * 4, pl->tbl_psum[sh] + i * R * 4,
                        pl->wgt_v[ks] + pl->v_idx, pl->out_pv[h], R, hd, c + i > 0))
                return -1;
    }
    return 0;
}

/* Block j's PV folded into O with its rescale. */
static int accumulate(emitter *e, const unit *u, int j)
{
    const attn_plan *pl = e->pl;
    const int h = half(u, j), ua = (int)(u->ul % 2);
    const uint64_t hd = (uint64_t)attn_v_dim(e->s), st = state_at(e, u, j);
    for (uint64_t r = 0; r < (uint64_t)u->rows; r++)
        if (vop(e, VFN_ATTN_ACC, BUF_OUT, pl->out_pv[h] + r * hd * 4, st + r * STATE_BYTES,
                BUF_OUT, pl->out_o[ua] + r * hd * 4, hd, j == 0))
            return -1;
    return 0;
}

static int normalize(emitter *e, const unit *u)
{
    const uint64_t hd = (uint64_t)attn_v_dim(e->s), o = e->pl->out_o[u->ul % 2];
    const uint64_t st = state_at(e, u, u->nb - 1);
    for (uint64_t r = 0; r < (uint64_t)u->rows; r++)
        if (vop(e, VFN_ATTN_NORM, BUF_OUT, o + r * hd * 4, st + r * STATE_BYTES, BUF_OUT,
                o + r * hd * 4, hd, 0))
            return -1;
    return 0;
}

/* The pending unit's O to DRAM. */
static int store_pending(emitter *e)
{
    if (!e->has_pending)
        return 0;
    e->has_pending = 0;
    const unit *u = &e->pending;
    const attn_plan *pl = e->pl;
    const uint64_t hd = (uint64_t)attn_v_dim(e->s), o = pl->out_o[u->ul % 2];
    const uint64_t H = (uint64_t)e->s->heads;
    const uint64_t row0 = (seq_at(e, u) * e->s->q_len + (uint64_t)u->pos0) * H +
                          (uint64_t)u->hg * pl->gh;
    return dma(e, OP_STORE, BUF_OUT, o, pl->o_addr + row0 * hd * 4, (uint64_t)u->npos,
               (uint64_t)pl->gh * hd * 4, H * hd * 4);
}

/* Blocks the loads run ahead of the array: one per K/V slot past the
 * one in use (the unfused stages also load S or P, double-buffered: one). */
static int ahead_of(const emitter *e) { return e->st == ATTN_FUSED ? e->pl->kv_slots - 1 : 1; }

/* Whether u's body loads the next unit's first blocks: units of a class
 * have the same blocks, at least `ahead` of them. */
static int preloads(const emitter *e, const unit *u) { return u->nb >= ahead_of(e); }

/* Q and its tables, block 0's scores, and (preloaded 0: the layer's
 * first unit) the inputs of its first blocks. */
static int prologue(emitter *e, const unit *u, int preloaded)
{
    const attn_plan *pl = e->pl;
    const int ua = (int)(u->ul % 2);
    const uint64_t hd = (uint64_t)e->s->head_dim, H = (uint64_t)e->s->heads;
    if (has(e, ATTN_SCORE)) {
        const uint64_t row0 = (seq_at(e, u) * e->s->q_len + (uint64_t)u->pos0) * H +
                              (uint64_t)u->hg * pl->gh;
        if (dma(e, OP_LOAD, BUF_ACT, pl->act_q[ua], pl->q_addr + row0 * hd, (uint64_t)u->npos,
                (uint64_t)pl->gh * hd, H * hd) ||
            (pl->qk == e->s->head_dim &&
             tprec(e, pl->act_q[ua], (uint64_t)u->rows, hd, hd, pl->tbl_q[ua], pl->tbl_qsum[ua])))
            return -1;
    }
    if (!preloaded && loads(e, u, 0))
        return -1;
    if (has(e, ATTN_SCORE) && score(e, u, 0))
        return -1;
    for (int d = 1; !preloaded && d < ahead_of(e) && d < u->nb; d++)
        if (loads(e, u, d))
            return -1;
    return 0;
}

/* Program order per block j: the next block's loads and scores (the array
 * computes them while the vector unit runs this block's softmax), this
 * block's softmax (it needs only S: it runs while the array does the
 * previous block's context) and context, then the previous block's
 * attn_acc (it waits for that context; placed before it, its vector ops
 * would hold in-order dispatch, and this block's tables, behind it). */
static int body(emitter *e, const unit *u, const unit *next)
{
    const int ahead = ahead_of(e);
    for (int j = 0; j < u->nb; j++) {
        const int jj = j + ahead;
        if ((jj < u->nb && loads(e, u, jj)) ||
            (jj >= u->nb && next && preloads(e, u) && loads(e, next, jj - u->nb)) ||
            (j + 1 < u->nb && has(e, ATTN_SCORE) && score(e, u, j + 1)))
            return -1;
        if (j == 0 && store_pending(e) != 0)
            return -1;
        if (has(e, ATTN_SOFTMAX) && softmax(e, u, j))
            return -1;
        if (has(e, ATTN_CONTEXT) && context(e, u, j))
            return -1;
        if (j > 0 && has(e, ATTN_CONTEXT) && accumulate(e, u, j - 1))
            return -1;
    }
    return 0;
}

/* The last block's attn_acc, then O normalized; its store is pending. */
static int tail(emitter *e, const unit *u)
{
    if (!has(e, ATTN_CONTEXT))
        return 0;
    if (accumulate(e, u, u->nb - 1) || normalize(e, u))
        return -1;
    e->pending = *u;
    e->has_pending = 1;
    return 0;
}

/* Units in the order body(u), prologue(u + 1), tail(u): the next unit's
 * first blocks are loaded from u's last blocks on (the loads run `ahead`
 * blocks ahead of the array across units too), its Q before this one's
 * last vector ops, and u's store after the first loads of body(u + 1). */
static int emit_unit(emitter *e, const unit *u, const unit *prev)
{
    if (!prev)
        return prologue(e, u, 0);
    return body(e, prev, u) || prologue(e, u, preloads(e, prev)) || tail(e, prev) ? -1 : 0;
}

static int emit_last(emitter *e, const unit *u)
{
    return body(e, u, NULL) || tail(e, u) || store_pending(e) ? -1 : 0;
}

int attn_lower(const arch_t *a, const attn_shape *s, const attn_plan *pl, attn_stage st, int c,
               uint64_t limit, program *p, char *err, size_t errlen)
{
    program_init(p);
    const int cap = attn_class_cap(pl);
    attn_class *cls = malloc(sizeof *cls * (size_t)cap);
    emitter e;
    memset(&e, 0, sizeof e);
    e = (emitter){ .a = a, .s = s, .pl = pl, .st = st, .p = p, .err = err, .errlen = errlen };
    program_checker_init(&e.chk);
    int rc = -1, ncls;
    if (!cls) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    ncls = attn_classes(s, pl, cls, cap);
    if (c < 0 || c >= ncls) {
        snprintf(err, errlen, "attention: no class %d", c);
        goto out;
    }
    unit u, prev;
    memset(&u, 0, sizeof u);
    const int G = s->heads / s->kv_heads;
    for (int q = 0; q < pl->qblocks; q++) {
        const int p0 = q * pl->bq, n = s->q_len - p0 < pl->bq ? s->q_len - p0 : pl->bq;
        const int nb = unit_blocks(s, pl, p0, n);
        if (n != cls[c].npos || nb != cls[c].nb ||
            unit_last_subs(s, pl, p0, n) != cls[c].last_subs)
            continue;
        for (int b = 0; b < s->batch; b++)
            for (int hg = 0; hg < pl->head_groups; hg++) {
                if (limit && u.ul >= limit)
                    goto halt;
                u.b = b;
                u.hg = hg;
                u.kvh = hg * pl->gh / G;
                u.pos0 = p0;
                u.npos = n;
                u.rows = n * pl->gh;
                u.nb = nb;
                u.j0 = unit_first(s, pl, p0);
                u.last_subs = cls[c].last_subs;
                u.uid = ((uint64_t)(b % pl->addr_batch) * pl->head_groups + (uint64_t)hg) *
                            pl->qblocks + (uint64_t)q;
                if (emit_unit(&e, &u, u.ul ? &prev : NULL) != 0)
                    goto out;
                prev = u;
                u.ul++;
            }
    }
halt:
    if (u.ul && emit_last(&e, &prev) != 0)
        goto out;
    isa_instr h;
    memset(&h, 0, sizeof h);
    h.op = OP_HALT;
    rc = push(&e, &h);
    char why[256];
    size_t bad;
    if (rc == 0 && !program_checker_ok(&e.chk) && program_check(p, 0, &bad, why, sizeof why)) {
        snprintf(err, errlen, "attention: cannot encode: %s", why);
        rc = -1;
    }
out:
    if (rc != 0)
        program_free(p);
    free(cls);
    return rc;
}

/* ---- memory image ---- */

/* Packs w (n x kd signed values of bits) into one tile: index rows, then
 * the columns' metadata (unit scales). */
static int put_tile(const arch_t *a, int bits, const int8_t *w, int n, int kd, uint8_t *tile,
                    uint64_t idx_bytes, char *err, size_t errlen)
{
    const lut_wtype t = { LUT_WFMT_INT, bits };
    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, t);
    cfg.tk = a->tile_k;
    cfg.group_size = kd;
    lut_packed pk;
    if (lut_pack(&cfg, w, n, kd, NULL, &pk, err, errlen) != 0)
        return -1;
    const uint64_t rb = wrow(a, (uint64_t)n);
    for (int c = 0; c < pk.nchunks; c++)
        for (int i = 0; i < bits; i++) {
            uint8_t *row = tile + ((uint64_t)c * bits + i) * rb;
            const uint8_t *src = pk.idx + ((size_t)c * bits + i) * n;
            for (int j = 0; j < n; j++)
                lut_field_put(row, (uint64_t)j, a->tile_k, lut_field_from_idx(src[j], a->tile_k));
        }
    const float one = 1.0f;
    uint32_t su;
    memcpy(&su, &one, 4);
    for (int j = 0; j < n; j++) {
        uint8_t *m = tile + idx_bytes + (uint64_t)j * META_BYTES;
        const uint32_t corr = (uint32_t)pk.corr[(size_t)j * pk.ngroups];
        for (int k = 0; k < 4; k++) {
            m[k] = (uint8_t)(corr >> (8 * k));
            m[4 + k] = (uint8_t)(su >> (8 * k));
        }
    }
    lut_packed_free(&pk);
    return 0;
}

int attn_fill(const arch_t *a, const attn_shape *s, const attn_plan *pl, const int8_t *q,
              const int8_t *k, const int8_t *v, uint8_t *image, char *err, size_t errlen)
{
    if (s->window > 0) {
        snprintf(err, errlen, "attention: a window's first block is not masked below it: "
                 "windowed shapes are timing-only");
        return -1;
    }
    if (pl->addr_batch != s->batch) {
        snprintf(err, errlen, "attention: the layer's memory image passes 40-bit DRAM addresses");
        return -1;
    }
    memset(image, 0, pl->image_bytes);
    const size_t hd = (size_t)s->head_dim, nk = (size_t)pl->nk;
    memcpy(image + pl->q_addr, q, (size_t)s->batch * s->q_len * s->heads * hd);
    const size_t vd = (size_t)attn_v_dim(s);
    int8_t *kw = malloc(nk * hd), *vw = malloc(nk * vd);
    int rc = -1;
    if (!kw || !vw) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int b = 0; b < s->batch; b++)
        for (int h = 0; h < s->kv_heads; h++) {
            const size_t kh = (size_t)b * s->kv_heads + h, base = kh * s->kv_len * hd;
            const size_t vbase = kh * s->kv_len * vd;
            for (int j = 0; j < pl->kv_blocks; j++) {
                memset(kw, 0, nk * hd);
                memset(vw, 0, nk * vd);
                for (size_t x = 0; x < nk && j * nk + x < (size_t)s->kv_len; x++) {
                    for (size_t d = 0; d < hd; d++)
                        kw[x * hd + d] = k[base + (j * nk + x) * hd + d];
                    for (size_t d = 0; d < vd; d++)
                        vw[d * nk + x] = v[vbase + (j * nk + x) * vd + d]; /* V^T */
                }
                const size_t blk = ((size_t)b * s->kv_heads + h) * pl->kv_blocks + j;
                if (put_tile(a, s->kv_bits, kw, (int)nk, (int)hd,
                             image + pl->k_addr + blk * pl->k_tile, pl->k_idx, err, errlen) ||
                    put_tile(a, s->kv_bits, vw, (int)vd, (int)nk,
                             image + pl->v_addr + blk * pl->v_tile, pl->v_idx, err, errlen))
                    goto out;
            }
        }
    rc = 0;
out:
    free(kw);
    free(vw);
    return rc;
}

void attn_output(const attn_shape *s, const attn_plan *pl, const uint8_t *image, float *o)
{
    memcpy(o, image + pl->o_addr,
           (size_t)s->batch * s->q_len * s->heads * (size_t)attn_v_dim(s) * sizeof(float));
}

/* ---- timing ---- */

static int run(const arch_t *a, const energy_model *em, const attn_shape *s,
               const attn_plan *pl, attn_stage st, int c, uint64_t limit, sim_stats *out,
               char *err, size_t errlen)
{
    program p;
    if (attn_lower(a, s, pl, st, c, limit, &p, err, errlen) != 0)
        return -1;
    int rc = sim_run(a, em, &p, NULL, out, err, errlen);
    program_free(&p);
    return rc;
}

int attn_timing(const arch_t *a, const energy_model *em, const attn_shape *s, attn_stage st,
                sim_stats *stats, int *sampled, int *programs, char *err, size_t errlen)
{
    attn_plan pl;
    memset(stats, 0, sizeof *stats);
    *sampled = 0;
    if (attn_plan_make(a, s, &pl, err, errlen) != 0)
        return -1;
    return attn_timing_plan(a, em, s, &pl, st, stats, sampled, programs, err, errlen);
}

int attn_timing_plan(const arch_t *a, const energy_model *em, const attn_shape *s,
                     const attn_plan *pl, attn_stage st, sim_stats *stats, int *sampled,
                     int *programs, char *err, size_t errlen)
{
    int sims = 0;
    memset(stats, 0, sizeof *stats);
    *sampled = 0;
    const int cap = attn_class_cap(pl);
    attn_class *cls = malloc(sizeof *cls * (size_t)cap);
    int rc = -1;
    if (!cls) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    const int n = attn_classes(s, pl, cls, cap);
    /* A DRAM device's banks and refresh settle over more units than the
     * ideal bus (exact from 4): sample further in */
    const int base = strcmp(a->dram_model, "ideal") == 0 ? 4 : 12;
    for (int c = 0; c < n; c++) {
        sim_stats x, y;
        if (cls[c].units <= 2 * (uint64_t)base) {
            if (run(a, em, s, pl, st, c, 0, &x, err, errlen) != 0)
                goto out;
            sims++;
        } else {
            sims += 2;
            if (run(a, em, s, pl, st, c, base, &x, err, errlen) != 0 ||
                run(a, em, s, pl, st, c, base + 2, &y, err, errlen) != 0)
                goto out;
            if (periodic_extend_from(&x, &y, cls[c].units, base) != 0)
                goto too_many;
            *sampled = 1;
        }
        if (sim_stats_add(stats, &x, 1) != 0)
            goto too_many;
    }
    if (em)
        sim_energy(em, stats);
    if (programs)
        *programs = sims;
    rc = 0;
    goto out;
too_many:
    snprintf(err, errlen, "attention: the layer's cycles or events exceed 2^63 - 1, the most "
             "lutsim can count");
out:
    free(cls);
    return rc;
}
