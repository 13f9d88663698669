/* gemm_blocked.c - buffer plan, emission and timing of blocked GEMM
 * schedules (gemm.h: gemm_sched).  The mapper (mapper.c) chooses the
 * schedule; this file only places it in the buffers and writes it out.
 */
#include "gemm_int.h"
#include "timing_memo.h"

#include "fusion.h"

#include "count.h"
#include "lut_arith.h"
#include "periodic.h"

#include <stdio.h>
#include <string.h>

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

#define PEND_MAX 64
#define STORE_LAG 3
#define MAX_SLOTS 8

/* SRAM bytes of weight tile (group g, ncols columns): index rows, then the
 * metadata at the next aligned address (where dq reads it). */
static uint64_t tile_sram(const gemm_shape *s, int tk, int g, int ncols, uint64_t *ib)
{
    uint64_t ch = gemm_cdiv((uint64_t)gemm_group_len(s, g), (uint64_t)tk);
    *ib = gemm_tile_idx_sram(s, tk, ch, ncols);
    return gemm_align(*ib) + gemm_align(gemm_meta_bytes(s, (uint64_t)ncols));
}

/* SRAM bytes of group g's tiles for the ncb columns from n0: the whole
 * tiles of nt columns and the narrower last one, in closed form (the
 * mapper asks for it at every candidate it fits). */
static uint64_t slab_sram(const gemm_shape *s, int tk, int nt, int g, int n0, int ncb)
{
    (void)n0; /* tiles start at n0: only their widths matter */
    uint64_t ib;
    const uint64_t whole = (uint64_t)(ncb / nt), rest = (uint64_t)(ncb % nt);
    return whole * tile_sram(s, tk, g, nt, &ib) + (rest ? tile_sram(s, tk, g, (int)rest, &ib) : 0);
}

static int ngroups_of(const gemm_shape *s) { return (s->kd + s->group_size - 1) / s->group_size; }

/* SRAM bytes of every group's tiles for the first nb columns: all groups
 * but the last have the full length (gemm_group_len). */
static uint64_t slabs_sram(const gemm_shape *s, int tk, int nt, int nb)
{
    const int ng = ngroups_of(s);
    return (uint64_t)(ng - 1) * slab_sram(s, tk, nt, 0, 0, nb) + slab_sram(s, tk, nt, ng - 1, 0, nb);
}

int gemm_blk_fits(const arch_t *a, const gemm_shape *s, gemm_blk_plan *pl)
{
    memset(pl, 0, sizeof *pl);
    const int tk = a->tile_k, E = 1 << (tk - 1);
    const int mt = s->force_mt, nt = s->force_nt;
    const int nb = s->force_nb < s->n ? s->force_nb : s->n;
    const uint64_t mb = min64(s->sched.mb, s->m);
    const int G = s->group_size < s->kd ? s->group_size : s->kd;
    pl->tk = tk;
    pl->E = E;
    pl->G = G;
    const uint64_t gch = gemm_cdiv((uint64_t)G, (uint64_t)tk);
    gemm_tpads_of(a, s, &pl->tpads);
    pl->tbl_half = gemm_align(gemm_table_span(a, s, &pl->tpads, (uint64_t)mt));
    pl->sum_slot = gemm_align((uint64_t)mt * 4);
    pl->tbl_slots = 3 * pl->tbl_half + 4 * pl->sum_slot <= arch_buf_bytes(a, BUF_TBL) ? 3 : 2;
    pl->sum_base = (uint64_t)pl->tbl_slots * pl->tbl_half;
    if (s->tables_in_dram) {
        pl->act_slots = 0;
    } else if (s->sched.res == GEMM_RES_ACT) {
        pl->act_slot = gemm_align(mb * gemm_act_bytes(a, (uint64_t)s->kd));
        pl->act_slots = 2 * pl->act_slot <= arch_buf_bytes(a, BUF_ACT) ? 2 : 1;
    } else {
        /* Little's law: enough activation tiles in flight to cover the DRAM
         * latency at the rate the array consumes them (one per sub-tile
         * and group), as many as the buffer holds, at least two. */
        const uint64_t cq = (uint64_t)a->tile_n * (s->sched.part ? 1 : a->lut_cores);
        const uint64_t rq = (uint64_t)a->tile_m * (s->sched.part ? a->lut_cores : 1);
        const uint64_t t_sub = gemm_cdiv((uint64_t)mt, rq) * gemm_cdiv((uint64_t)nb, cq) * gch *
                               (uint64_t)s->wtype.bits;
        const uint64_t xfer = (uint64_t)((double)(mt * gemm_act_bytes(a, (uint64_t)G)) /
                                         arch_dram_bytes_per_cycle(a));
        uint64_t want = 1 + gemm_cdiv((uint64_t)a->dram_latency + xfer + gch * (uint64_t)mt, t_sub ? t_sub : 1);
        pl->act_slot = gemm_align((uint64_t)mt * gemm_act_bytes(a, (uint64_t)G));
        want = want < 2 ? 2 : want > MAX_SLOTS ? MAX_SLOTS : want;
        while (want > 2 && want * pl->act_slot > arch_buf_bytes(a, BUF_ACT))
            want--;
        pl->act_slots = (int)want;
    }
    uint64_t ib;
    if (s->sched.res == GEMM_RES_WGT) {
        pl->wgt_slot = slabs_sram(s, tk, nt, nb);
        pl->wgt_slots = 2 * pl->wgt_slot <= arch_buf_bytes(a, BUF_WGT) ? 2 : 1;
    } else if (s->sched.loop == GEMM_LOOP_K) {
        pl->wgt_slot = slab_sram(s, tk, nt, 0, 0, nb);
        pl->wgt_slots = 2;
    } else {
        pl->wgt_slot = tile_sram(s, tk, 0, nt, &ib);
        pl->wgt_slots = 2;
    }
    pl->acc_half = gemm_align((uint64_t)mt * nt * 4);
    const uint64_t prows = s->sched.loop == GEMM_LOOP_K ? mb : (uint64_t)mt;
    pl->psum = gemm_align(prows * (uint64_t)nb * 4);
    /* room above the schedule for a fused epilogue's operands and a fused
     * prologue's stages (fusion.c places them there) */
    /* (the prologue stages one load at a time: a resident row block
     * arrives a group at a time, mb x G) */
    const int res_act = s->sched.res == GEMM_RES_ACT;
    const uint64_t arows = res_act ? mb : (uint64_t)mt;
    const uint64_t aload = res_act ? gemm_align(mb * gemm_act_bytes(a, (uint64_t)G)) : pl->act_slot;
    const uint64_t fz = fusion_out_reserve(a, s, aload, arows, (uint64_t)mt * nt);
    const uint64_t outb = arch_buf_bytes(a, BUF_OUT) > fz ? arch_buf_bytes(a, BUF_OUT) - fz : 0;
    pl->psum_slots = 2 * pl->acc_half + 2 * pl->psum <= outb ? 2 : 1;
    struct { buf_id b; uint64_t need; } use[4] = {
        { BUF_ACT, (uint64_t)pl->act_slots * pl->act_slot },
        { BUF_TBL, pl->sum_base + 4 * pl->sum_slot },
        { BUF_WGT, (uint64_t)pl->wgt_slots * pl->wgt_slot },
        { BUF_OUT, 2 * pl->acc_half + (uint64_t)pl->psum_slots * pl->psum + fz },
    };
    for (int i = 0; i < 4; i++)
        if (use[i].need > arch_buf_bytes(a, use[i].b)) {
            pl->short_buf = use[i].b;
            pl->need = use[i].need;
            return -1;
        }
    return 0;
}

/* ---- emission ---------------------------------------------------------- */

typedef struct {
    program *p;
    const arch_t *a;
    const gemm_shape *s;
    const gemm_layout *lay;
    const gemm_blk_plan *pl;
    uint64_t act_i, tbl_i, acc_i, wgt_i, psum_i;
    char *err;
    size_t errlen;
    /* Stores of finished outputs wait STORE_LAG sub-tiles before they are
     * issued: the in-order DMA queue would otherwise hold the next
     * activation loads behind a store whose dq has not completed. */
    struct { uint64_t sram, dram, rows, bytes, step; } pend[PEND_MAX];
    int npend;
    uint64_t step;
} ectx;

static int dma(ectx *c, isa_op op, buf_id b, uint64_t sram, uint64_t dram, uint64_t rows,
               uint64_t bytes, uint64_t stride)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = op;
    in.buf = b;
    in.sram = (uint32_t)sram;
    in.dram = dram;
    in.rows = (uint32_t)rows;
    in.bytes = (uint32_t)bytes;
    return gemm_emit_dma(c->p, in, rows == 1 ? bytes : stride, c->err, c->errlen);
}

/* Issues the pending stores at least `lag` sub-tiles old (all: lag 0). */
static int flush_stores(ectx *c, uint64_t lag)
{
    int kept = 0;
    for (int i = 0; i < c->npend; i++) {
        if (c->step - c->pend[i].step >= lag) {
            if (dma(c, OP_STORE, BUF_OUT, c->pend[i].sram, c->pend[i].dram, c->pend[i].rows,
                    c->pend[i].bytes, (uint64_t)c->s->n * 4) != 0)
                return -1;
        } else {
            c->pend[kept++] = c->pend[i];
        }
    }
    c->npend = kept;
    return 0;
}

static int defer_store(ectx *c, uint64_t sram, uint64_t dram, uint64_t rows, uint64_t bytes)
{
    if (c->npend == PEND_MAX && flush_stores(c, 0) != 0)
        return -1;
    c->pend[c->npend].sram = sram;
    c->pend[c->npend].dram = dram;
    c->pend[c->npend].rows = rows;
    c->pend[c->npend].bytes = bytes;
    c->pend[c->npend++].step = c->step;
    return 0;
}

/* Weight tile (g, column tile b) into the weight buffer at sram. */
static int load_tile(ectx *c, int g, int b, uint64_t sram)
{
    const gemm_shape *s = c->s;
    const int nt = c->lay->nt, ncols = s->n - b * nt < nt ? s->n - b * nt : nt;
    uint64_t ib, tb;
    const uint64_t off = gemm_tile_offset(s, c->pl->tk, nt, g, b, &ib, &tb);
    return gemm_emit_wtile(c->p, s, c->pl->tk, ncols, ib, tb, sram, c->lay->w_addr + off, c->err,
                           c->errlen);
}

/* Group g's tiles of the columns [n0, n0 + ncb) from sram on. */
static int load_slab(ectx *c, int g, int n0, int ncb, uint64_t sram)
{
    const int nt = c->lay->nt;
    uint64_t ib;
    for (int c0 = n0; c0 < n0 + ncb; c0 += nt) {
        if (load_tile(c, g, c0 / nt, sram) != 0)
            return -1;
        sram += tile_sram(c->s, c->pl->tk, g, n0 + ncb - c0 < nt ? n0 + ncb - c0 : nt, &ib);
    }
    return 0;
}

/* The tables and activation sums of rows [m0, m0 + rows) for group g into
 * table half tbase: built by tprec from act_at (act buffer), or loaded
 * (fused precompute). */
static int tables(ectx *c, uint64_t m0, int rows, int g, uint64_t act_at, uint64_t tbase,
                  uint64_t sbase)
{
    const gemm_shape *s = c->s;
    const int klen = gemm_group_len(s, g);
    isa_instr in;
    memset(&in, 0, sizeof in);
    if (s->tables_in_dram) {
        const uint64_t E = arch_table_bytes(c->a), tk = (uint64_t)c->pl->tk;
        const uint64_t gbytes = gemm_cdiv((uint64_t)klen, tk) * E;
        const uint64_t goff = (uint64_t)g * gemm_cdiv((uint64_t)s->group_size, tk) * E;
        if (dma(c, OP_LOAD, BUF_TBL, tbase, c->lay->t_addr + m0 * c->lay->t_row_bytes + goff,
                (uint64_t)rows, gbytes, c->lay->t_row_bytes) != 0)
            return -1;
        return dma(c, OP_LOAD, BUF_TBL, sbase,
                   c->lay->s_addr + ((uint64_t)g * s->m + m0) * 4, 1, (uint64_t)rows * 4, 0);
    }
    in.op = OP_TPREC;
    in.src = (uint32_t)act_at;
    in.dst = (uint32_t)tbase;
    in.sum = (uint32_t)sbase;
    in.rows = (uint32_t)rows;
    in.klen = (uint32_t)klen;
    in.stride = (uint32_t)gemm_act_bytes(c->a, (uint64_t)klen);
    in.tpad = (uint32_t)gemm_tpad_for(c->a, &c->pl->tpads, (uint64_t)klen);
    return gemm_emit(c->p, &in, c->err, c->errlen);
}

/* lmma of one (sub-tile, group, column tile) and its dq into dst. */
static int compute(ectx *c, uint64_t tbase, uint64_t sbase, uint64_t wbase, uint64_t ib, int rows,
                   int ncols, int g, uint64_t dst)
{
    const gemm_shape *s = c->s;
    const gemm_group_op go = {
        tbase, wbase, (c->acc_i++ % 2) * c->pl->acc_half, sbase, wbase + gemm_align(ib), dst,
        rows, ncols, gemm_group_len(s, g), g > 0, s->sched.part,
        s->tables_in_dram ? 0 : gemm_tpad_for(c->a, &c->pl->tpads, (uint64_t)gemm_group_len(s, g))
    };
    return gemm_emit_group(c->p, s, &go, c->err, c->errlen);
}

/* Output columns [n0b, n0b + ncb) of rows [m0, m0 + rows) from psum at
 * pbase, laid out column tile by column tile (rows x ncols each). */
static int store(ectx *c, uint64_t pbase, uint64_t m0, uint64_t rows, int n0b, int ncb)
{
    const gemm_shape *s = c->s;
    const int nt = c->lay->nt;
    for (int n0 = n0b; n0 < n0b + ncb; n0 += nt) {
        const int ncols = n0b + ncb - n0 < nt ? n0b + ncb - n0 : nt;
        if (dma(c, OP_STORE, BUF_OUT, pbase + (uint64_t)(n0 - n0b) * rows * 4,
                c->lay->c_addr + (m0 * (uint64_t)s->n + (uint64_t)n0) * 4, rows,
                (uint64_t)ncols * 4, (uint64_t)s->n * 4) != 0)
            return -1;
    }
    return 0;
}

/* Tables for sub-tile rows [r0, r0 + rows) of group g: the activations
 * come from the resident row block (abase, block rows from m0b, mrb of
 * them, laid out group by group) or are streamed in first. */
static int sub_tile_tables(ectx *c, uint64_t abase, uint64_t m0b, uint64_t mrb, uint64_t r0,
                           int rows, int g, uint64_t *tbase, uint64_t *sbase)
{
    const gemm_shape *s = c->s;
    const int klen = gemm_group_len(s, g);
    *sbase = c->pl->sum_base + (c->tbl_i % 4) * c->pl->sum_slot;
    *tbase = (c->tbl_i++ % (uint64_t)c->pl->tbl_slots) * c->pl->tbl_half;
    uint64_t at = 0;
    if (s->tables_in_dram) {
        at = 0;
    } else if (s->sched.res == GEMM_RES_ACT) {
        at = abase + gemm_act_bytes(c->a, (uint64_t)g * mrb * c->pl->G + (r0 - m0b) * (uint64_t)klen);
    } else {
        at = (c->act_i++ % (uint64_t)c->pl->act_slots) * c->pl->act_slot;
        if (dma(c, OP_LOAD, BUF_ACT, at, c->lay->a_addr + r0 * gemm_act_bytes(c->a, (uint64_t)s->kd) +
                gemm_act_bytes(c->a, (uint64_t)g * s->group_size), (uint64_t)rows,
                gemm_act_bytes(c->a, (uint64_t)klen), gemm_act_bytes(c->a, (uint64_t)s->kd)) != 0)
            return -1;
    }
    c->step++;
    if (c->npend && flush_stores(c, STORE_LAG) != 0)
        return -1;
    return tables(c, r0, rows, g, at, *tbase, *sbase);
}

/* Weight address of column tile starting at c0 in a block: inside the
 * resident block (group g's slab after the earlier groups'), the group's
 * slab, or a freshly streamed tile. */
static uint64_t slab_offset(ectx *c, int g, int n0b, int ncb, int c0)
{
    uint64_t off = 0, ib;
    const int nt = c->lay->nt;
    /* the groups before g have the full length (only the last is shorter),
     * and column tiles start every nt columns from n0b */
    if (c->s->sched.res == GEMM_RES_WGT && g > 0)
        off = (uint64_t)g * slab_sram(c->s, c->pl->tk, nt, 0, n0b, ncb);
    if (c0 > n0b)
        off += (uint64_t)((c0 - n0b + nt - 1) / nt) * tile_sram(c->s, c->pl->tk, g, nt, &ib);
    return off;
}

static int block(ectx *c, uint64_t m0b, uint64_t mrb, int n0b, int ncb, uint64_t abase,
                 uint64_t wbase)
{
    const gemm_shape *s = c->s;
    const int mt = c->lay->mt, nt = c->lay->nt, ng = c->lay->ngroups;
    const int resw = s->sched.res == GEMM_RES_WGT;
    uint64_t tbase, sbase, ib;
    if (s->sched.loop == GEMM_LOOP_K) {
        const uint64_t pbase = 2 * c->pl->acc_half + (c->psum_i++ % (uint64_t)c->pl->psum_slots) * c->pl->psum;
        for (int g = 0; g < ng; g++) {
            uint64_t slab = wbase;
            if (!resw) {
                slab = (c->wgt_i++ % 2) * c->pl->wgt_slot;
                if (load_slab(c, g, n0b, ncb, slab) != 0)
                    return -1;
            }
            for (uint64_t r0 = m0b; r0 < m0b + mrb; r0 += (uint64_t)mt) {
                const int rows = (int)min64((uint64_t)mt, m0b + mrb - r0);
                if (sub_tile_tables(c, abase, m0b, mrb, r0, rows, g, &tbase, &sbase) != 0)
                    return -1;
                for (int c0 = n0b; c0 < n0b + ncb; c0 += nt) {
                    const int ncols = n0b + ncb - c0 < nt ? n0b + ncb - c0 : nt;
                    tile_sram(s, c->pl->tk, g, ncols, &ib);
                    const uint64_t dst = pbase + ((uint64_t)(c0 - n0b) * mrb + (r0 - m0b) * ncols) * 4;
                    if (compute(c, tbase, sbase, slab + slab_offset(c, g, n0b, ncb, c0), ib, rows, ncols,
                                g, dst) != 0)
                        return -1;
                    /* the last group finishes these outputs: store them now,
                     * so the store streams under the rest of the block and
                     * the next block's first dq into them rarely waits */
                    if (g == ng - 1 &&
                        defer_store(c, dst, c->lay->c_addr + (r0 * (uint64_t)s->n + (uint64_t)c0) * 4,
                                    (uint64_t)rows, (uint64_t)ncols * 4) != 0)
                        return -1;
                }
            }
        }
        return flush_stores(c, 0); /* before the next block reuses the region */
    }
    for (uint64_t r0 = m0b; r0 < m0b + mrb; r0 += (uint64_t)mt) {
        const int rows = (int)min64((uint64_t)mt, m0b + mrb - r0);
        const uint64_t pbase = 2 * c->pl->acc_half + (c->psum_i++ % (uint64_t)c->pl->psum_slots) * c->pl->psum;
        for (int g = 0; g < ng; g++) {
            if (sub_tile_tables(c, abase, m0b, mrb, r0, rows, g, &tbase, &sbase) != 0)
                return -1;
            for (int c0 = n0b; c0 < n0b + ncb; c0 += nt) {
                const int ncols = n0b + ncb - c0 < nt ? n0b + ncb - c0 : nt;
                uint64_t w = wbase + (resw ? slab_offset(c, g, n0b, ncb, c0) : 0);
                tile_sram(s, c->pl->tk, g, ncols, &ib);
                if (!resw) {
                    w = (c->wgt_i++ % 2) * c->pl->wgt_slot;
                    if (load_tile(c, g, c0 / nt, w) != 0)
                        return -1;
                }
                if (compute(c, tbase, sbase, w, ib, rows, ncols, g,
                            pbase + (uint64_t)(c0 - n0b) * rows * 4) != 0)
                    return -1;
            }
        }
        if (store(c, pbase, r0, (uint64_t)rows, n0b, ncb) != 0)
            return -1;
    }
    return 0;
}

int gemm_blk_lower(const arch_t *a, const gemm_shape *s, program *p, gemm_layout *lay, char *err,
                   size_t errlen)
{
    gemm_blk_plan pl;
    const int mt = s->force_mt, nt = s->force_nt, nb = s->force_nb;
    const uint64_t mb = s->sched.mb;
    if (mt < 1 || (uint64_t)mt > gemm_field_max(OP_LMMA, "m") || (uint64_t)mt > gemm_field_max(OP_TPREC, "rows") ||
        nt < 1 || (uint64_t)nt > gemm_field_max(OP_LMMA, "n") || nb < nt || (nb % nt && nb < s->n) ||
        mb < (uint64_t)mt || (mb % (uint64_t)mt && mb < s->m) ||
        (s->sched.res == GEMM_RES_ACT && mb > gemm_field_max(OP_LOAD, "rows")) ||
        (s->sched.res == GEMM_RES_WGT && s->sched.order != 0) ||
        (s->sched.res == GEMM_RES_ACT && (s->sched.order != 1 || s->tables_in_dram)) ||
        s->sched.loop > GEMM_LOOP_K || s->sched.res > GEMM_RES_WGT || (unsigned)s->sched.part > 1) {
        snprintf(err, errlen, "blocked schedule out of range: mt %d, nt %d, nb %d, mb %llu, loop %d, "
                 "order %d, res %d, part %d", mt, nt, nb, (unsigned long long)mb, s->sched.loop,
                 s->sched.order, s->sched.res, s->sched.part);
        return -1;
    }
    if (gemm_blk_fits(a, s, &pl) != 0) {
        snprintf(err, errlen, "a %llux%dx%d GEMM's blocked schedule (mt %d, nt %d, nb %d, mb %llu) "
                 "needs %llu B of the %s buffer, which has %zu B (buffers.%s.kib)",
                 (unsigned long long)s->m, s->n, s->kd, s->force_mt, s->force_nt, s->force_nb,
                 (unsigned long long)s->sched.mb, (unsigned long long)pl.need,
                 arch_buf_name(pl.short_buf), arch_buf_bytes(a, pl.short_buf),
                 arch_buf_name(pl.short_buf));
        return -1;
    }
    lay->mt = s->force_mt;
    lay->nt = s->force_nt;
    lay->nb = s->force_nb < s->n ? s->force_nb : s->n;
    lay->mb = min64(s->sched.mb, s->m);
    if (gemm_layout_dram(a, s, lay, err, errlen) != 0)
        return -1;
    if (!p)
        return 0;
    ectx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.a = a;
    c.s = s;
    c.lay = lay;
    c.pl = &pl;
    c.err = err;
    c.errlen = errlen;
    const uint64_t nbm = gemm_cdiv(s->m, lay->mb);
    const int nbn = (s->n + lay->nb - 1) / lay->nb;
    const uint64_t blocks = nbm * (uint64_t)nbn;
    uint64_t abase = 0, wbase = 0, last_bm = UINT64_MAX, ablk = 0, wblk = 0;
    int last_bn = -1;
    for (uint64_t ob = 0; ob < blocks; ob++) {
        const uint64_t bm = s->sched.order ? ob / (uint64_t)nbn : ob % nbm;
        const int bn = (int)(s->sched.order ? ob % (uint64_t)nbn : ob / nbm);
        const uint64_t m0b = bm * lay->mb, mrb = min64(lay->mb, s->m - m0b);
        const int n0b = bn * lay->nb, ncb = s->n - n0b < lay->nb ? s->n - n0b : lay->nb;
        if (s->sched.res == GEMM_RES_ACT && bm != last_bm) {
            abase = (ablk++ % (uint64_t)pl.act_slots) * pl.act_slot;
            for (int g = 0; g < lay->ngroups; g++)
                if (dma(&c, OP_LOAD, BUF_ACT, abase + gemm_act_bytes(a, (uint64_t)g * mrb * pl.G),
                        lay->a_addr + m0b * gemm_act_bytes(a, (uint64_t)s->kd) +
                            gemm_act_bytes(a, (uint64_t)g * s->group_size), mrb,
                        gemm_act_bytes(a, (uint64_t)gemm_group_len(s, g)),
                        gemm_act_bytes(a, (uint64_t)s->kd)) != 0)
                    goto fail;
        }
        if (s->sched.res == GEMM_RES_WGT && bn != last_bn) {
            wbase = (wblk++ % (uint64_t)pl.wgt_slots) * pl.wgt_slot;
            for (int g = 0; g < lay->ngroups; g++)
                if (load_slab(&c, g, n0b, ncb, wbase + slab_offset(&c, g, n0b, ncb, n0b)) != 0)
                    goto fail;
        }
        last_bm = bm;
        last_bn = bn;
        if (block(&c, m0b, mrb, n0b, ncb, abase, wbase) != 0)
            goto fail;
    }
    isa_instr halt;
    memset(&halt, 0, sizeof halt);
    halt.op = OP_HALT;
    if (gemm_emit(p, &halt, err, errlen) == 0)
        return 0;
fail:
    program_free(p);
    return -1;
}

/* ---- timing, fast-forwarded ------------------------------------------- */

/* One dimension of the fast-forward: `count` repeats of `unit` (the last
 * one `last`); ff when long enough. */
typedef struct {
    uint64_t unit, last, count, base;
    int ff;
} ff_dim;

static ff_dim dim_of(uint64_t total, uint64_t block, uint64_t sub, uint64_t base)
{
    ff_dim d;
    uint64_t u = gemm_cdiv(total, block) > 1 ? block : sub;
    d.unit = u;
    d.count = gemm_cdiv(total, u);
    d.last = total - (d.count - 1) * u;
    d.base = base;
    d.ff = d.count > base + 2;
    return d;
}

/* Programs of `base` and base + 2 units, the last the real last one: a
 * block (or a scale group, or a sub-tile) is long enough that the units
 * after the first run in steady state (the tests hold the result to a full
 * simulation).  Rows may shrink to the last unit alone (base 1); columns
 * and groups keep at least two, or their DMA rows would become contiguous
 * (stride = row bytes) and move fewer burst-rounded bytes. */
static uint64_t dim_len(const ff_dim *d, int j, uint64_t total)
{
    return d->ff ? (d->base - 1 + 2 * (uint64_t)j) * d->unit + d->last : total;
}

#define FUSED_SETTLE 2 /* row blocks more than plain schedules (tests: fast-forward = full) */
/* GEMMs of at most this many lmmas are simulated whole on a DRAM device
 * (a few thousand instructions: 70B decode's largest GEMV has 3584) */
#define DEVICE_WHOLE_LMMAS 8192
#define DEVICE_GROUP_REFRESHES 3

/* What determines a sample program and its run (gemm.h: gemm_timing_memo). */
typedef struct {
    arch_t a;          /* buffers' kib zeroed unless fused */
    gemm_shape s;      /* split into the groups the program runs */
    gemm_blk_plan pl;  /* what the capacities decided */
} memo_key;

/* Entries kept: a sweep point times a few dozen sample programs. */
#define GEMM_MEMO_MAX 8192

struct timing_memo *gemm_memo_new(void)
{
    return timing_memo_new(sizeof(memo_key), GEMM_MEMO_MAX);
}

/* gemm_run_timing of x, through mm when there is one (and a model to
 * price with: gemm_blk_timing prices the extended events last, so a kept
 * sample's energy is never read). */
static int run_sample(struct timing_memo *mm, const arch_t *a, const energy_model *em,
                      const gemm_shape *x, sim_stats *st, char *err, size_t errlen)
{
    gemm_layout lay;
    memo_key k;
    memset(&k, 0, sizeof k);
    if (x->epi.on || x->in_quant) /* fusion_weave places its slots by the kib */
        memcpy(&k.a, a, sizeof *a);
    else
        timing_memo_arch_key(&k.a, a);
    memcpy(&k.s, x, sizeof *x);
    k.s.group_size = gemm_sub_group(a, x);
    if (!mm || !em || gemm_blk_fits(a, &k.s, &k.pl) != 0) /* its error: the lowering's */
        return gemm_run_timing(a, em, x, st, &lay, err, errlen);
    const timing_result *hit = timing_memo_get(mm, &k, a);
    if (hit) {
        *st = hit->stats;
        return 0;
    }
    timing_result r = { .sampled = 0, .programs = 1 };
    if (gemm_run_timing(a, em, x, &r.stats, &lay, err, errlen) != 0)
        return -1;
    timing_memo_put(mm, &k, a, &r);
    *st = r.stats;
    return 0;
}

/* On a DRAM device a sample's extra units must span several refresh
 * intervals, or their cost moves with refresh and open rows: Llama
 * decode's GEMVs on the default architecture came out -7.4% to +13.7%
 * fast-forwarded (1 x 8192 x 28672 W2: 1.034 M cycles against 1.116 M in
 * full; 1 x 1024 x 8192: 43.5 k against 38.3 k), except those whose scale
 * group's weights alone take 3 refresh intervals (1 x 28672 x 8192:
 * -0.12%; 1 x 32000 x 4096: -0.01%).  A GEMM of few lmmas is a short
 * program: on a device it is simulated whole unless its groups are that
 * long. */
static int device_whole(const arch_t *a, const gemm_shape *s)
{
    dram_spec ds;
    char why[8];
    if (arch_dram_spec(a, &ds, why, sizeof why) != 1)
        return 0; /* ideal memory: the samples are exact */
    const uint64_t lmmas = gemm_cdiv(s->m, (uint64_t)s->force_mt) *
                           gemm_cdiv((uint64_t)s->n, (uint64_t)s->force_nt) *
                           gemm_cdiv((uint64_t)s->kd, (uint64_t)s->group_size);
    const double refi = (double)ds.tREFI * ds.tck_ns * a->clock_ghz; /* accelerator cycles */
    const double group_cycles = (double)s->n * s->group_size * s->wtype.bits / 8.0 /
                                arch_dram_bytes_per_cycle(a);
    return lmmas <= DEVICE_WHOLE_LMMAS && group_cycles < DEVICE_GROUP_REFRESHES * refi;
}

int gemm_blk_timing(struct timing_memo *mm, const arch_t *a, const energy_model *em,
                    const gemm_shape *s0, sim_stats *st, int *sampled, char *err, size_t errlen)
{
    gemm_shape s = *s0;
    s.group_size = gemm_sub_group(a, s0); /* the groups the programs run */
    /* Only loops whose iterations cost the same may be extended: row
     * blocks, and the sub-tiles of a single row block when they are the
     * outer loop (GEMM_LOOP_ROWS; inside GEMM_LOOP_K they share each
     * group's weight load, so their cost is not linear in their count). */
    /* A fused epilogue or prologue (fusion.h) settles over more row blocks:
     * its stores wait for the vector unit, and the next block's loads behind
     * them (columns and groups settle as fast as without it: the tests) */
    const uint64_t more = s.epi.on || s.in_quant ? FUSED_SETTLE : 0;
    ff_dim dm = dim_of(s.m, s.sched.mb, (uint64_t)s.force_mt, 1 + more);
    if (dm.unit != s.sched.mb && s.sched.loop == GEMM_LOOP_K)
        dm.ff = 0;
    /* columns: whole column blocks only (the column tiles of one block are
     * simulated in full, as a memory-bound block's prefetch never settles
     * within 4 or 6 tiles) */
    ff_dim dn = dim_of((uint64_t)s.n, (uint64_t)s.force_nb, (uint64_t)s.force_nt, 2);
    if (dn.unit != (uint64_t)s.force_nb || s.force_nb >= s.n)
        dn.ff = 0;
    ff_dim dk = dim_of((uint64_t)s.kd, (uint64_t)s.group_size, (uint64_t)s.group_size, 2);
    /* A fused epilogue's (or prologue's) vector work per output tile does
     * not shrink with K, so samples of a few scale groups tip the balance
     * between the array and the vector unit: Llama-2-7B's prefill o_proj
     * (2048 x 4096 x 4096, default arch with vector.fused) came out 3.9%
     * short on 2 and 4 of its 32 groups (8.9% with the norm statistic),
     * 0.4% over with all of them; larger group samples did not converge.
     * Fused GEMMs keep their groups whole. */
    if (more)
        dk.ff = 0;
    if (device_whole(a, &s))
        dm.ff = dn.ff = dk.ff = 0;
    sim_stats r[2][2][2];
    for (int i = 0; i <= dk.ff; i++) {
        for (int j = 0; j <= dn.ff; j++) {
            for (int l = 0; l <= dm.ff; l++) {
                gemm_shape x = s;
                x.m = dim_len(&dm, l, s.m);
                x.n = (int)dim_len(&dn, j, (uint64_t)s.n);
                x.kd = (int)dim_len(&dk, i, (uint64_t)s.kd);
                if (run_sample(mm, a, em, &x, &r[i][j][l], err, errlen) != 0)
                    return -1;
            }
            if (dm.ff && periodic_extend_from(&r[i][j][0], &r[i][j][1], dm.count, dm.base) != 0)
                goto too_many;
        }
        if (dn.ff && periodic_extend_from(&r[i][0][0], &r[i][1][0], dn.count, dn.base) != 0)
            goto too_many;
    }
    if (dk.ff && periodic_extend_from(&r[0][0][0], &r[1][0][0], dk.count, dk.base) != 0)
        goto too_many;
    *st = r[0][0][0];
    *sampled = dm.ff || dn.ff || dk.ff;
    if (em)
        sim_energy(em, st);
    return 0;
too_many:
    snprintf(err, errlen, "a %llux%dx%d GEMM's cycles or events exceed 2^63 - 1, the most "
             "lutsim can count", (unsigned long long)s.m, s.n, s.kd);
    return -1;
}
