/* mapper.c - schedule search for one GEMM: enumerate, cost, simulate the best. */
#include "mapper.h"

#include "gemm_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CANDS 512
#define SIMULATE 2   /* at most this many candidates simulated, best analytic cost first, */
#define WITHIN 1.02  /* ... and only those within 2% of the best analytic score */

static const char *const obj_names[] = { "edp", "cycles", "energy" };

int map_objective_parse(const char *name, map_objective *o)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, obj_names[i]) == 0) {
            *o = (map_objective)i;
            return 0;
        }
    return -1;
}

const char *map_objective_name(map_objective o) { return obj_names[o]; }

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Bytes the DMA moves for rows of `bytes` (strided rows each round up to
 * a burst; contiguous ones as a whole). */
static uint64_t moved(const arch_t *a, uint64_t rows, uint64_t bytes, int contiguous)
{
    const uint64_t b = (uint64_t)a->dram_burst;
    return contiguous ? gemm_cdiv(rows * bytes, b) * b : rows * gemm_cdiv(bytes, b) * b;
}

/* Per-operand DRAM bytes read or written once (s already split). */
typedef struct {
    uint64_t w, act, out, ch_total; /* weights + metadata, A (or tables), C; chunks along K */
    int ng;
    double tsteps; /* table-buffer cycles of a chunk step (table_steps) */
} operands;

/* gemm_table_step_cycles of s's layout when the cores split by part (the
 * same for every candidate of the partition: worked out once). */
static double table_steps(const arch_t *a, const gemm_shape *s0, int part)
{
    gemm_shape s = *s0;
    s.sched.part = part;
    gemm_tpads t;
    gemm_tpads_of(a, &s, &t);
    return gemm_table_step_cycles(a, &t);
}

static void operands_of(const arch_t *a, const gemm_shape *s, int nt, operands *o)
{
    const int ng = (s->kd + s->group_size - 1) / s->group_size, tk = a->tile_k;
    const int ntiles = (s->n + nt - 1) / nt, last = s->n - (ntiles - 1) * nt;
    memset(o, 0, sizeof *o);
    o->ng = ng;
    /* every group but the last is alike */
    const int gl[2] = { s->group_size, gemm_group_len(s, ng - 1) };
    const uint64_t times[2] = { (uint64_t)ng - 1, 1 };
    for (int i = 0; i < 2; i++) {
        const uint64_t ch = gemm_cdiv((uint64_t)gl[i], (uint64_t)tk);
        uint64_t ib;
        o->w += times[i] * ((uint64_t)(ntiles - 1) * gemm_tile_bytes(s, tk, ch, nt, &ib) +
                            gemm_tile_bytes(s, tk, ch, last, &ib));
        o->act += times[i] * moved(a, s->m, gemm_act_bytes(a, (uint64_t)gl[i]), ng == 1);
        o->ch_total += times[i] * ch;
    }
    if (s->tables_in_dram) {
        o->act = s->m * o->ch_total * arch_table_bytes(a) + (uint64_t)ng * s->m * 4;
    }
    for (int b = 0; b < ntiles; b++)
        o->out += moved(a, s->m, (uint64_t)(b + 1 < ntiles ? nt : last) * 4, ntiles == 1);
}

uint64_t mapper_compulsory_bytes(const arch_t *a, const gemm_shape *s0)
{
    gemm_shape s = *s0;
    s.group_size = gemm_sub_group(a, s0);
    operands o;
    const int cols = a->tile_n * a->lut_cores;
    operands_of(a, &s, s.n < cols ? s.n : cols, &o);
    return o.w + o.act + o.out;
}

typedef struct {
    gemm_shape s;
    uint64_t bytes, cycles;
    double energy, score;
} cand;

/* Rows of the array one lmma pass covers, and columns. */
static uint64_t row_quantum(const arch_t *a, int part) { return (uint64_t)a->tile_m * (part ? a->lut_cores : 1); }
static uint64_t col_quantum(const arch_t *a, int part) { return (uint64_t)a->tile_n * (part ? 1 : a->lut_cores); }

/* Row passes of every lmma in one column tile and group, summed over the
 * row blocks and their sub-tiles. */
static uint64_t row_passes(const gemm_shape *s, uint64_t rq)
{
    const uint64_t mb = min64(s->sched.mb, s->m), mt = (uint64_t)s->force_mt;
    uint64_t blocks = s->m / mb, rem = s->m % mb, per = (mb / mt) * gemm_cdiv(mt, rq) + gemm_cdiv(mb % mt, rq);
    uint64_t total = blocks * per;
    if (rem)
        total += (rem / mt) * gemm_cdiv(mt, rq) + gemm_cdiv(rem % mt, rq);
    return total;
}

/* The analytic cost of candidate c (s already split). */
static void cost(const arch_t *a, const energy_model *em, const operands *o, const gemm_blk_plan *pl,
                 cand *c)
{
    const gemm_shape *s = &c->s;
    const int part = s->sched.part, nt = s->force_nt;
    const uint64_t mb = min64(s->sched.mb, s->m), nb = min64((uint64_t)s->force_nb, (uint64_t)s->n);
    const uint64_t nbm = gemm_cdiv(s->m, mb), nbn = gemm_cdiv((uint64_t)s->n, nb);
    const uint64_t wf = s->sched.res == GEMM_RES_WGT ? 1
                        : s->sched.loop == GEMM_LOOP_K ? nbm : gemm_cdiv(s->m, (uint64_t)s->force_mt);
    const uint64_t af = s->sched.res == GEMM_RES_ACT ? 1 : nbn;
    c->bytes = o->w * wf + o->act * af + o->out;
    const double bpc = arch_dram_bytes_per_cycle(a);
    /* LUT array: passes of each lmma; a pass takes longer if the weight
     * buffer cannot deliver its index bits. */
    const uint64_t ntiles = gemm_cdiv((uint64_t)s->n, (uint64_t)nt), last = s->n - (ntiles - 1) * nt;
    const uint64_t cq = col_quantum(a, part);
    const uint64_t cpass = (ntiles - 1) * gemm_cdiv((uint64_t)nt, cq) + gemm_cdiv(last, cq);
    const uint64_t need = cq * (uint64_t)a->tile_k;
    const uint64_t supply = (uint64_t)a->buf[BUF_WGT].banks * a->buf[BUF_WGT].width_bits;
    const uint64_t pp = need > supply ? gemm_cdiv(need, supply) : 1;
    /* ... plus, per lmma, about its pipeline latency: each waits on the
     * tprec of its sub-tile, a chain the table slots only partly hide
     * (measured 2-4 cycles per lmma on the default architecture), which
     * makes many tiny sub-tiles cost what they do */
    const uint64_t nsub = (s->m / mb) * gemm_cdiv(mb, (uint64_t)s->force_mt) +
                          gemm_cdiv(s->m % mb, (uint64_t)s->force_mt);
    const uint64_t lmmas = nsub * ntiles * (uint64_t)o->ng;
    /* with the index register file (lut.index_kib) only each lmma's first
     * row pass reads the weight buffer (unit_lut.c) */
    const uint64_t planes = cpass * o->ch_total * (uint64_t)s->wtype.bits;
    const uint64_t passes = row_passes(s, row_quantum(a, part)) * planes, first = nsub * planes;
    const int regs = !part && (uint64_t)s->force_mt > (uint64_t)a->tile_m &&
                     arch_index_regs_hold(a, (uint64_t)s->group_size, s->wtype.bits);
    /* A chunk's tables are read once for its bit-planes, in one step of
     * the rows a pass covers (banked: gemm_table_step_cycles), beside the
     * planes' weight reads: a step's planes take the longer of the two. */
    const uint64_t bits = (uint64_t)s->wtype.bits;
    const uint64_t tp = (uint64_t)(o->tsteps + 0.5);
    const uint64_t per_chunk = regs ? bits : bits * pp; /* after a column pass's first row pass */
    const uint64_t stretch = tp > per_chunk ? tp - per_chunk : 0;
    const uint64_t lut = (regs ? first * pp + (passes - first) : passes * pp) +
                         (passes / (bits ? bits : 1)) * stretch +
                         lmmas * (uint64_t)a->lmma_latency;
    const uint64_t tprec = s->tables_in_dram ? 0
                           : gemm_cdiv(s->m * o->ch_total * nbn, (uint64_t)a->tprec_tables_per_cycle);
    const uint64_t dq = gemm_cdiv(s->m * (uint64_t)s->n, (uint64_t)a->dequant_lanes) * (uint64_t)o->ng;
    const uint64_t dma = (uint64_t)((double)c->bytes / bpc);
    /* Exposed transfers: a single-slot resident block or partial-sum
     * region waits for its predecessor's use (or store) to end. */
    uint64_t exposed = 2 * (uint64_t)a->dram_latency;
    if (s->sched.loop == GEMM_LOOP_K && pl->psum_slots == 1)
        exposed += (uint64_t)((double)(nbm * nbn - 1) * (double)pl->psum / bpc);
    if (s->sched.res == GEMM_RES_WGT && pl->wgt_slots == 1)
        exposed += (uint64_t)((double)o->w / bpc);
    if (s->sched.res == GEMM_RES_ACT && pl->act_slots == 1)
        exposed += (uint64_t)((double)o->act / bpc);
    c->cycles = max64(max64(lut, tprec), max64(dq, dma)) + exposed;
    /* Energy that differs between schedules: DRAM, leakage over the run,
     * table precompute (repeated per column block) and its table writes. */
    const double adds = (double)(s->m * o->ch_total * nbn) * ((a->tile_k - 1) + ((1 << (a->tile_k - 1)) - 1));
    c->energy = em ? (double)c->bytes * em->dram_pj_per_byte + (double)c->cycles * em->leakage_pj_per_cycle +
                         adds * em->precompute_add_pj +
                         (double)(s->m * o->ch_total * nbn) * (2 << (a->tile_k - 1)) * em->buf_write_pj_per_byte[BUF_TBL]
                   : (double)c->bytes;
    /* ... and with the register file, the weight indices' reads, which
     * then depend on the sub-tile (without it every row pass reads them) */
    if (em && a->lut_index_kib > 0) {
        const double pass_bytes = (double)need / 8.0;
        c->energy += pass_bytes * (regs ? (double)first * (em->buf_read_pj_per_byte[BUF_WGT] +
                                                           em->index_reg_write_pj_per_byte) +
                                              (double)(passes - first) * em->index_reg_read_pj_per_byte
                                        : (double)passes * em->buf_read_pj_per_byte[BUF_WGT]);
    }
}

double mapper_score(map_objective o, double cycles, double bytes, double energy)
{
    switch (o) {
    case MAP_CYCLES: return cycles + bytes * 1e-12; /* fewer bytes on a tie */
    case MAP_ENERGY: return energy;
    default: return energy * cycles;
    }
}

/* The buffer that caps the reuse of the schedule: the one whose capacity
 * limited its block (partial sums: output; resident operand: its buffer;
 * streamed weights re-read per sub-tile: table). */
static int reuse_bound(const gemm_shape *s)
{
    const uint64_t mb = s->sched.mb < s->m ? s->sched.mb : s->m;
    const int nb = s->force_nb < s->n ? s->force_nb : s->n;
    const int one_m = mb >= s->m, one_n = nb >= s->n;
    /* every operand read once: nothing caps the reuse */
    if ((s->sched.res == GEMM_RES_WGT && one_n) || (s->sched.res == GEMM_RES_ACT && one_m) ||
        (s->sched.res == GEMM_RES_NONE && s->sched.loop == GEMM_LOOP_K && one_m && one_n) ||
        (s->sched.res == GEMM_RES_NONE && s->sched.loop == GEMM_LOOP_ROWS && s->m <= (uint64_t)s->force_mt && one_n))
        return -1;
    if (s->sched.res == GEMM_RES_WGT)
        return BUF_WGT;
    if (s->sched.res == GEMM_RES_ACT)
        return BUF_ACT;
    return s->sched.loop == GEMM_LOOP_K ? BUF_OUT : BUF_TBL;
}

/* Largest sub-tile whose double-buffered tables fit, a multiple of rq
 * when larger than it. */
static int mt_max(const arch_t *a, const gemm_shape *s0, int part, uint64_t rq)
{
    gemm_shape s1 = *s0, *s = &s1;
    s1.sched.part = part; /* the table layout follows the rows a step reads */
    uint64_t mt = min64(min64(gemm_field_max(OP_LMMA, "m"), gemm_field_max(OP_TPREC, "rows")), s->m);
    gemm_tpads t;
    gemm_tpads_of(a, s, &t);
    while (mt > 1 && 2 * (gemm_align(gemm_table_span(a, s, &t, mt)) + gemm_align(mt * 4)) >
                         arch_buf_bytes(a, BUF_TBL))
        mt = mt > 64 ? mt - mt / 8 : mt - 1;
    if (mt > rq && mt < s->m)
        mt = mt / rq * rq;
    return (int)mt;
}

/* Largest row block (a multiple of mt, or all of M) for which c fits. */
static int fit_mb(const arch_t *a, gemm_shape *c, uint64_t cap, gemm_blk_plan *pl)
{
    const uint64_t mt = (uint64_t)c->force_mt;
    uint64_t hi = min64(cap, c->m), lo = mt;
    c->sched.mb = mt;
    if (gemm_blk_fits(a, c, pl) != 0)
        return -1;
    c->sched.mb = hi;
    if (gemm_blk_fits(a, c, pl) == 0)
        return 0;
    /* binary search over multiples of mt */
    uint64_t l = 1, h = hi / mt;
    (void)lo;
    while (l < h) {
        uint64_t mid = (l + h + 1) / 2;
        c->sched.mb = mid * mt;
        if (gemm_blk_fits(a, c, pl) == 0)
            l = mid;
        else
            h = mid - 1;
    }
    c->sched.mb = l * mt;
    return gemm_blk_fits(a, c, pl);
}

static void push(cand *cs, int *n, const cand *c)
{
    if (*n < MAX_CANDS)
        cs[(*n)++] = *c;
}

/* Every schedule of s (split) that fits, costed. */
static int enumerate(const arch_t *a, const energy_model *em, const gemm_shape *s, map_objective ob,
                     cand *cs)
{
    int n = 0;
    const int parts = a->lut_partition == 2 ? 2 : 1;
    for (int pi = 0; pi < parts; pi++) {
        const int part = a->lut_partition == 1 || pi == 1;
        const uint64_t rq = row_quantum(a, part);
        const int cols = (int)min64((uint64_t)a->tile_n * a->lut_cores, gemm_field_max(OP_LMMA, "n"));
        /* Column tiles: the widest lmma, then narrower multiples of what
         * one pass covers (their accumulators must fit the output buffer
         * beside the partial sums), and below that halves, only while
         * nothing fits at all. */
        const int cq = (int)min64(col_quantum(a, part), (uint64_t)cols);
        const int n_before = n;
        const double tsteps = table_steps(a, s, part);
        for (int nt = s->n < cols ? s->n : cols, ntry = 0; nt >= 1 && ntry < 4; ntry++,
                 nt = nt / 2 >= cq ? nt / 2 / cq * cq : nt / 2) {
        if (nt < cq && n > n_before)
            break;
        operands o;
        operands_of(a, s, nt, &o);
        o.tsteps = tsteps;
        const int m1 = mt_max(a, s, part, rq);
        /* sub-tiles: the most rows the tables allow, half of it, and one
         * pass of the array (or a half or quarter pass when a whole one's
         * accumulators do not fit beside the partial sums) */
        const int h = m1 / 2 > (int)rq ? (int)(m1 / 2 / rq * rq) : m1 / 2;
        int mts[5] = { m1, h, (int)min64(rq, (uint64_t)m1), (int)min64(rq / 2, (uint64_t)m1),
                       (int)min64(rq / 4, (uint64_t)m1) };
        static const int mult[] = { 1, 2, 3, 4, 6, 8, 12, 16, 32, 64 };
        for (int mi = 0; mi < 5; mi++) {
            int dup = mts[mi] < 1 || (mi >= 3 && n > n_before); /* partial passes: only if nothing fits */
            for (int j = 0; j < mi; j++)
                dup |= mts[j] == mts[mi];
            if (dup)
                continue;
            for (int ji = 0; ji < 11; ji++) {
                const uint64_t nb = ji < 10 ? (uint64_t)nt * mult[ji] : (uint64_t)s->n;
                if (ji < 10 && (ji > 0 && nb >= (uint64_t)s->n))
                    continue;
                if (ji == 10 && (uint64_t)s->n <= (uint64_t)nt * mult[9] && s->n <= nt)
                    continue;
                for (int variant = 0; variant < 6; variant++) {
                    /* K loop: none, weights, act; rows loop: none, weights, act */
                    cand c;
                    memset(&c, 0, sizeof c);
                    c.s = *s;
                    c.s.force_mt = mts[mi];
                    c.s.force_nt = nt;
                    c.s.force_nb = (int)min64(nb, (uint64_t)s->n);
                    c.s.sched.part = part;
                    c.s.sched.loop = variant < 3 ? GEMM_LOOP_K : GEMM_LOOP_ROWS;
                    c.s.sched.res = variant % 3 == 0 ? GEMM_RES_NONE : variant % 3 == 1 ? GEMM_RES_WGT : GEMM_RES_ACT;
                    c.s.sched.order = c.s.sched.res == GEMM_RES_ACT;
                    if (c.s.sched.res == GEMM_RES_ACT && s->tables_in_dram)
                        continue;
                    gemm_blk_plan pl;
                    const uint64_t cap = c.s.sched.res == GEMM_RES_ACT ? gemm_field_max(OP_LOAD, "rows") : s->m;
                    if (c.s.sched.loop == GEMM_LOOP_ROWS && c.s.sched.res != GEMM_RES_ACT) {
                        c.s.sched.mb = s->m;
                        if (gemm_blk_fits(a, &c.s, &pl) != 0)
                            continue;
                    } else if (fit_mb(a, &c.s, cap, &pl) != 0) {
                        continue;
                    }
                    cost(a, em, &o, &pl, &c);
                    c.score = mapper_score(ob, (double)c.cycles, (double)c.bytes, c.energy);
                    push(cs, &n, &c);
                    /* the same block with double-buffered partial sums */
                    if (c.s.sched.loop == GEMM_LOOP_K && pl.psum_slots == 1 && c.s.sched.mb > (uint64_t)c.s.force_mt) {
                        cand d = c;
                        d.s.sched.mb = c.s.sched.mb / 2 / (uint64_t)c.s.force_mt * (uint64_t)c.s.force_mt;
                        if (d.s.sched.mb >= (uint64_t)c.s.force_mt && gemm_blk_fits(a, &d.s, &pl) == 0 &&
                            pl.psum_slots == 2) {
                            cost(a, em, &o, &pl, &d);
                            d.score = mapper_score(ob, (double)d.cycles, (double)d.bytes, d.energy);
                            push(cs, &n, &d);
                        }
                    }
                }
            }
        }
        }
    }
    return n;
}

static int by_score(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    return a->score < b->score ? -1 : a->score > b->score;
}

/* The mma arrays (gemm_mma.h): the tile order; without an output buffer
 * for partial sums (buffers.partial_sums false) also the input- and
 * weight-resident orders, each timed on the C model, the best by the
 * objective (the tile order on a tie; an order whose block does not fit
 * is skipped). */
static int mma_search(struct timing_memo *mm, const arch_t *a, const energy_model *em,
                      const gemm_shape *s, map_objective ob, gemm_shape *best, sim_stats *st,
                      int *sampled, int *simulated, char *err, size_t errlen)
{
    static const int orders[] = { GEMM_RES_NONE, GEMM_RES_ACT, GEMM_RES_WGT };
    const int n = a->out_psum ? 1 : 3;
    double best_score = 0;
    int found = 0;
    *simulated = 0;
    for (int i = 0; i < n; i++) {
        gemm_shape c = *s;
        c.sched.res = orders[i];
        gemm_layout lay;
        char cerr[256];
        if (gemm_lower(a, &c, NULL, &lay, i == 0 ? err : cerr, i == 0 ? errlen : sizeof cerr))
            continue;
        sim_stats cst;
        int smp = 0;
        if (gemm_timing_memo(mm, a, em, &c, &cst, &smp, err, errlen) != 0)
            return -1;
        (*simulated)++;
        const double bytes = (double)(cst.ev.dram_read_bytes + cst.ev.dram_write_bytes);
        const double sc = mapper_score(ob, (double)cst.cycles, bytes, em ? cst.energy_pj : bytes);
        if (!found || sc < best_score) {
            best_score = sc;
            *best = c;
            *st = cst;
            *sampled = smp;
            found = 1;
        }
    }
    return found ? 0 : -1; /* none fits: err says why the tile order does not */
}

/* The best simulated so far over the partitions searched. */
typedef struct {
    int found;
    double score;
} search_best;

/* Simulates the candidates of one partition (cs sorted by analytic score):
 * at most SIMULATE, best analytic first, only those within WITHIN of the
 * partition's best analytic score, keeping in *best the best measured
 * over every partition searched.  0, or -1 when a timing fails. */
static int simulate_family(struct timing_memo *mm, const arch_t *a, const energy_model *em,
                           const gemm_shape *s0, map_objective ob, const cand *cs, int n, int part,
                           search_best *sb, gemm_shape *best, sim_stats *st, int *sampled,
                           int *simulated, char *err, size_t errlen)
{
    double fam_best = 0, offset = 0, lead = -1;
    int fam_found = 0, sims = 0;
    for (int i = 0; i < n && sims < SIMULATE; i++) {
        if (cs[i].s.sched.part != part)
            continue;
        if (lead < 0)
            lead = cs[i].score;
        if (cs[i].score > WITHIN * lead)
            break;
        cand c = cs[i];
        /* The analytic energy leaves out what every schedule spends alike
         * (look-ups, accumulation, dequant); the first simulation measures
         * it.  A candidate that cannot beat the simulated best even by its
         * own optimistic estimate is not simulated. */
        if (fam_found && mapper_score(ob, (double)c.cycles, (double)c.bytes, c.energy + offset) >= fam_best)
            continue;
        c.s.group_size = s0->group_size; /* timing splits it again */
        sim_stats cst;
        int smp = 0;
        if (gemm_timing_memo(mm, a, em, &c.s, &cst, &smp, err, errlen) != 0) {
            if (c.s.epi.on || c.s.in_quant)
                continue; /* its fused epilogue or prologue has no room: the next */
            return -1;
        }
        (*simulated)++;
        sims++;
        const double bytes = (double)(cst.ev.dram_read_bytes + cst.ev.dram_write_bytes);
        const double sc = mapper_score(ob, (double)cst.cycles, bytes, em ? cst.energy_pj : bytes);
        if (!fam_found)
            offset = (em ? cst.energy_pj : bytes) - c.energy;
        if (!fam_found || sc < fam_best) {
            fam_best = sc;
            fam_found = 1;
        }
        if (!sb->found || sc < sb->score) {
            sb->score = sc;
            sb->found = 1;
            *best = c.s;
            *st = cst;
            *sampled = smp;
        }
    }
    return 0;
}

int mapper_search(const arch_t *a, const energy_model *em, const gemm_shape *s0, map_objective ob,
                  gemm_shape *best, sim_stats *st, int *sampled, int *simulated, char *err,
                  size_t errlen)
{
    return mapper_search_memo(NULL, a, em, s0, ob, best, st, sampled, simulated, err, errlen);
}

int mapper_search_memo(struct timing_memo *mm, const arch_t *a, const energy_model *em,
                       const gemm_shape *s0, map_objective ob, gemm_shape *best, sim_stats *st,
                       int *sampled, int *simulated, char *err, size_t errlen)
{
    gemm_shape s = *s0;
    s.group_size = gemm_sub_group(a, s0);
    memset(&s.sched, 0, sizeof s.sched);
    s.force_mt = s.force_nt = s.force_nb = 0;
    *simulated = 0;
    if (a->compute_kind != COMPUTE_LUT)
        return mma_search(mm, a, em, &s, ob, best, st, sampled, simulated, err, errlen);
    cand *cs = malloc(sizeof *cs * MAX_CANDS);
    if (!cs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const int n = enumerate(a, em, &s, ob, cs);
    if (n == 0) {
        free(cs);
        /* the legacy tiler names the buffer that is too small */
        gemm_layout lay;
        if (gemm_lower(a, s0, NULL, &lay, err, errlen) == 0)
            snprintf(err, errlen, "no blocked schedule of %llux%dx%d fits the buffers",
                     (unsigned long long)s0->m, s0->n, s0->kd);
        return -1;
    }
    qsort(cs, (size_t)n, sizeof *cs, by_score);
    /* With lut.partition auto the two partitions are searched apart: the
     * analytic energy leaves out a part that differs between them (a row
     * split reads each weight word once for every core), so one's measured
     * offset would misjudge the other's candidates. */
    search_best sb = { 0, 0.0 };
    int rc = 0;
    for (int part = 0; part < 2 && rc == 0; part++)
        rc = simulate_family(mm, a, em, s0, ob, cs, n, part, &sb, best, st, sampled, simulated,
                             err, errlen);
    free(cs);
    if (rc != 0)
        return -1;
    return sb.found ? 0 : -1; /* none: err says why the last fused candidate failed */
}

void mapper_describe(const arch_t *a, const gemm_shape *s, map_info *info)
{
    static const char *const loops[] = { "legacy", "rows", "k" };
    static const char *const res[] = { "output", "input", "weight" };
    memset(info, 0, sizeof *info);
    if (a->compute_kind != COMPUTE_LUT) { /* gemm_mma.h's tiling */
        static const char *const df[] = { "output", "weight", "input" };
        info->compulsory_bytes = s->m * (uint64_t)s->kd + (uint64_t)s->n * s->kd +
                                 s->m * (uint64_t)s->n * 4;
        info->loop = "mma";
        info->stationary = a->compute_kind == COMPUTE_SYSTOLIC ? df[a->sys_dataflow] : "output";
        info->partition = "none";
        info->reuse_bound = "none";
        if (s->sched.res != GEMM_RES_NONE) { /* a resident block across output tiles */
            info->stationary = res[s->sched.res];
            info->reuse_bound = s->sched.res == GEMM_RES_ACT ? "act" : "weight";
        }
        return;
    }
    info->compulsory_bytes = mapper_compulsory_bytes(a, s);
    info->loop = loops[s->sched.loop];
    info->stationary = res[s->sched.res];
    info->partition = s->sched.part ? "rows" : "columns";
    if (s->sched.loop == GEMM_LOOP_LEGACY) {
        info->reuse_bound = "table";
        return;
    }
    const int rb = reuse_bound(s);
    info->reuse_bound = rb < 0 ? "none" : arch_buf_name((buf_id)rb);
    cand c;
    memset(&c, 0, sizeof c);
    c.s = *s;
    c.s.group_size = gemm_sub_group(a, s);
    operands o;
    operands_of(a, &c.s, s->force_nt, &o);
    o.tsteps = table_steps(a, &c.s, s->sched.part);
    gemm_blk_plan pl;
    gemm_blk_fits(a, &c.s, &pl);
    cost(a, NULL, &o, &pl, &c);
    info->model_bytes = c.bytes;
}
