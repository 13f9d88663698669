/* unit_lut.c - the LUT array: lut_cores x (tile_m tables x tile_n columns),
 * each column a multiplexer selecting one table entry per weight bit-plane
 * per cycle, followed by shift-accumulate.
 *
 * One pass covers tile_m rows, tile_n * lut_cores columns and one group of
 * tk activations for one bit-plane, so an lmma takes
 *     ceil(m / tile_m) * ceil(n / (tile_n * cores)) * ceil(klen / tk) * wbits
 * passes; a pass takes one cycle when the weight buffer delivers the
 * pass's tile_n * cores * tk index bits, longer when it cannot.
 * With part = 1 (row partitioning, lut.partition) the cores take different
 * rows of the same columns: a pass covers tile_m * cores rows and tile_n
 * columns, the tables of cores different rows, the weight indices of one
 * tile_n-column block broadcast to every core.
 *
 * With lut.index_kib each core keeps a column pass's weight indices (every
 * chunk and bit-plane of its tile_n columns) in a register file: the first
 * row pass of the column pass streams them from the weight buffer and
 * writes them there, the later row passes read them from it, one pass a
 * cycle.  A plain lmma of more than one row pass uses it when its column
 * pass fits; lmmag and row-split lmmas stream their indices on every row
 * pass as without it.
 */
#include "lut_arith.h"
#include "lut_float.h"
#include "lut_kernel.h"
#include "machine.h"
#include "sram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Groups of an lmma (1 for lmma) and group g's lmma: operands one group's
 * span on from the previous group's. */
static uint64_t lut_groups(const isa_instr *in) { return in->op == OP_LMMAG ? in->groups : 1; }

static isa_instr lut_group_at(const machine *m, const isa_instr *in, uint64_t g)
{
    isa_instr s = *in;
    const uint64_t chunks = ceil_div(in->klen, (uint64_t)m->tk);
    s.op = OP_LMMA;
    s.groups = 0;
    s.tbl = (uint32_t)(in->tbl + g * table_span(m, in->m, in->klen, 0));
    s.wgt = (uint32_t)(in->wgt + g * chunks * in->wbits * wrow_bytes(m, in->n));
    s.acc = (uint32_t)(in->acc + g * (uint64_t)in->m * in->n * 4);
    return s;
}

static int lut_footprint(const machine *m, const isa_instr *in, footprint *fp,
                         char *err, size_t errlen)
{
    const arch_t *a = m->arch;
    if (a->compute_kind != COMPUTE_LUT) {
        snprintf(err, errlen, "%s needs the LUT array (compute.kind is %s)",
                 in->op == OP_LMMAG ? "lmmag" : "lmma", arch_kind_name(a->compute_kind));
        return -1;
    }
    if (in->op == OP_LMMAG &&
        (in->groups < 1 || in->groups > (uint32_t)a->lut_cores || a->lut_cores % in->groups)) {
        snprintf(err, errlen, "lmmag: groups=%u does not divide the array's %d cores",
                 in->groups, a->lut_cores);
        return -1;
    }
    if (in->m == 0 || in->n == 0 || in->klen == 0) {
        snprintf(err, errlen, "empty tile (m=%u n=%u klen=%u)", in->m, in->n, in->klen);
        return -1;
    }
    if ((int)in->wbits < a->wbits_min || (int)in->wbits > a->wbits_max) {
        snprintf(err, errlen, "wbits=%u is outside the array's %d..%d", in->wbits, a->wbits_min,
                 a->wbits_max);
        return -1;
    }
    uint64_t chunks = ceil_div(in->klen, (uint64_t)m->tk);
    /* a group's operands end where the next group's begin */
    const uint64_t G = lut_groups(in);
    const uint64_t tspan = G > 1 ? G * table_span(m, in->m, in->klen, 0)
                                 : table_span(m, in->m, in->klen, in->tpad);
    fp->nr = 2;
    fp->r[0] = (mem_range){ BUF_TBL, in->tbl, in->tbl + tspan };
    fp->r[1] = (mem_range){ BUF_WGT, in->wgt, in->wgt + G * chunks * in->wbits * wrow_bytes(m, in->n) };
    fp->nw = 0;
    fp_acc_tile(fp, in, G);
    return 0;
}

/* Banked buffers (sram.h).  An lmma is blocks of (row pass, column pass);
 * a block runs chunks x wbits bit-plane passes, then writes its tile_m x
 * cols accumulators back to the output buffer (and, accumulating, first
 * reads them).  Per chunk, the array reads one weight index row per
 * bit-plane and the tile_m tables of the chunk; the tables of the next
 * chunk load while the current chunk's planes run (table registers are
 * double-buffered), so a chunk takes max(weight cycles, table cycles).
 * With lut.double_acc the write-back overlaps the next block's passes: a
 * block takes max(passes, write-back), and the last write-back is latency.
 * Access patterns repeat along their strides; each repeating class is
 * costed once and counted (at most CLASS_CAP classes are costed, the rest
 * extrapolated, or grouped by index mod the cap: only configurations with
 * a period that long, where the figure is an approximation). */
#define CLASS_CAP 64

typedef struct {
    uint64_t occupancy, last_wb;
    uint64_t even; /* occupancy with each step's words spread evenly over the banks */
    uint64_t words[BUF_COUNT];
} lut_banked;

/* Instances of class j among count indices with period p. */
static uint64_t class_count(uint64_t count, uint64_t p, uint64_t j)
{
    return count / p + (j < count % p);
}

/* Sum over the chunks of one block of max(wc, table cycles of the chunk);
 * *tw gets the table words, *even the sum without bank conflicts. */
static uint64_t block_chunks(const machine *m, const isa_instr *in, uint64_t row0, int rows,
                             uint64_t wc, uint64_t *tw, uint64_t *even)
{
    sram_geom g;
    sram_geom_of(m->arch, BUF_TBL, &g);
    const uint64_t chunks = ceil_div(in->klen, (uint64_t)m->tk);
    const uint64_t tbytes = table_bytes(m);
    const uint64_t p = sram_period(tbytes, g.width * g.banks);
    const uint64_t n = p < chunks ? p : chunks, k = n < CLASS_CAP ? n : CLASS_CAP;
    const uint64_t rstride = table_row_stride(m, in->klen, in->tpad);
    uint64_t cyc = 0, cyc_even = 0, words = 0, seen = 0;
    for (uint64_t j = 0; j < k; j++) {
        uint64_t lo[64], we;
        for (int r = 0; r < rows; r++)
            lo[r] = in->tbl + (row0 + (uint64_t)r) * rstride + j * tbytes;
        uint64_t w = sram_step_words(&g, lo, rows, tbytes, &we), t = sram_cycles(&g, w);
        uint64_t te = sram_cycles(&g, we);
        uint64_t cnt = class_count(chunks, n, j);
        cyc += cnt * (t > wc ? t : wc);
        cyc_even += cnt * (te > wc ? te : wc);
        words += cnt * w;
        seen += cnt;
    }
    if (seen < chunks) { /* extrapolate the classes not costed */
        cyc = cyc / seen * chunks;
        cyc_even = cyc_even / seen * chunks;
        words = words / seen * chunks;
    }
    *tw = words;
    *even = cyc_even;
    return cyc;
}

/* Whether the lmma's column passes keep their indices in the register
 * file (lut.index_kib; see the top of the file). */
static int lut_index_regs(const machine *m, const isa_instr *in)
{
    const arch_t *a = m->arch;
    /* (one row pass: nothing to read back) */
    return lut_groups(in) == 1 && !in->part && in->m > (uint32_t)a->tile_m &&
           arch_index_regs_hold(a, in->klen, (int)in->wbits);
}

/* One block: its cycles, and its words per buffer added to b.  regs: its
 * indices come from the register file (one bit-plane a cycle, no
 * weight-buffer words). */
static uint64_t block_cost(const machine *m, const isa_instr *in, uint64_t rp, uint64_t cp,
                           int regs, lut_banked *b)
{
    const arch_t *a = m->arch;
    const uint64_t chunks = ceil_div(in->klen, (uint64_t)m->tk);
    const uint64_t cols = (uint64_t)a->tile_n * a->lut_cores, col0 = cp * cols;
    const uint64_t ncols = in->n - col0 < cols ? in->n - col0 : cols;
    const uint64_t row0 = rp * (uint64_t)a->tile_m;
    const int rows = (int)(in->m - row0 < (uint64_t)a->tile_m ? in->m - row0 : (uint64_t)a->tile_m);
    sram_geom gw, go;
    sram_geom_of(a, BUF_WGT, &gw);
    sram_geom_of(a, BUF_OUT, &go);
    uint64_t ww = 0, wcyc = chunks * in->wbits, tw, aw, ac;
    if (!regs)
        sram_strided(&gw, in->wgt + col0 * (uint64_t)m->tk / 8, wrow_bytes(m, in->n),
                     chunks * in->wbits, wrow_bytes(m, ncols), &ww, &wcyc);
    uint64_t passes_even;
    uint64_t passes = block_chunks(m, in, row0, rows, ceil_div(wcyc, chunks), &tw, &passes_even);
    sram_strided(&go, in->acc + (row0 * in->n + col0) * 4, (uint64_t)in->n * 4, (uint64_t)rows,
                 ncols * 4, &aw, &ac);
    uint64_t wb = ac * (in->accum ? 2 : 1);
    b->words[BUF_WGT] += ww;
    b->words[BUF_TBL] += tw;
    b->words[BUF_OUT] += aw * (in->accum ? 2 : 1);
    b->last_wb = ac;
    if (a->lut_double_acc) {
        b->even = passes_even > wb ? passes_even : wb;
        return passes > wb ? passes : wb;
    }
    b->even = passes_even + wb;
    return passes + wb;
}

/* Every block, by classes of row and column passes that repeat. */
static void lut_banked_cost(const machine *m, const isa_instr *in, lut_banked *b)
{
    const arch_t *a = m->arch;
    const uint64_t cols = (uint64_t)a->tile_n * a->lut_cores;
    const uint64_t rps = ceil_div(in->m, (uint64_t)a->tile_m), cps = ceil_div(in->n, cols);
    const arch_buffer *t = &a->buf[BUF_TBL], *o = &a->buf[BUF_OUT], *w = &a->buf[BUF_WGT];
    /* row passes repeat with the table and output addresses' periods,
     * column passes with the weight and output addresses' */
    uint64_t pt = sram_period((uint64_t)a->tile_m * table_row_stride(m, in->klen, in->tpad),
                            (uint64_t)t->banks * t->width_bits / 8);
    uint64_t po = sram_period((uint64_t)a->tile_m * in->n * 4, (uint64_t)o->width_bits / 8);
    uint64_t pr = sram_lcm(pt, po);
    uint64_t pc = sram_period(cols * (uint64_t)m->tk / 8, (uint64_t)w->width_bits / 8);
    uint64_t pco = sram_period(cols * 4, (uint64_t)o->width_bits / 8);
    pc = sram_lcm(pc, pco);
    pr = pr < CLASS_CAP ? pr : CLASS_CAP; /* beyond: classes by k mod the cap */
    pc = pc < CLASS_CAP ? pc : CLASS_CAP;
    const int regs = lut_index_regs(m, in);
    /* the last row and column passes may be partial: costed apart */
    const uint64_t full_r = in->m / a->tile_m, full_c = in->n / cols;
    memset(b, 0, sizeof *b);
    for (uint64_t rclass = 0; rclass < (full_r < pr ? full_r : pr) + (rps > full_r); rclass++) {
        int r_last = rclass >= (full_r < pr ? full_r : pr);
        uint64_t rp = r_last ? rps - 1 : rclass;
        uint64_t rcnt = r_last ? 1 : class_count(full_r, full_r < pr ? full_r : pr, rclass);
        uint64_t nc = full_c < pc ? full_c : pc;
        for (uint64_t cclass = 0; cclass < nc + (cps > full_c); cclass++) {
            int c_last = cclass >= nc;
            uint64_t cp = c_last ? cps - 1 : cclass;
            uint64_t ccnt = c_last ? 1 : class_count(full_c, nc, cclass);
            /* with the register file, the first row pass of each column
             * pass (in row class 0) streams; the others read registers */
            const int split = regs && rp == 0;
            for (int from_regs = split ? 0 : regs; from_regs <= regs; from_regs++) {
                const uint64_t n = split ? (from_regs ? rcnt - 1 : 1) * ccnt : rcnt * ccnt;
                lut_banked one;
                memset(&one, 0, sizeof one);
                if (n == 0)
                    continue;
                uint64_t cyc = block_cost(m, in, rp, cp, from_regs, &one);
                b->occupancy += n * cyc;
                b->even += n * one.even;
                for (int k = 0; k < BUF_COUNT; k++)
                    b->words[k] += n * one.words[k];
                b->last_wb = one.last_wb;
            }
        }
    }
}

/* Busiest-bank words of one step of n accesses of len bytes at lo[] (more
 * than sram_step_words takes at once: in sets, one after another). */
static uint64_t step_words(const sram_geom *g, const uint64_t *lo, uint64_t n, uint64_t len,
                           uint64_t *even)
{
    uint64_t w = 0, e = 0;
    for (uint64_t i = 0; i < n; i += 64) {
        uint64_t ei, k = n - i < 64 ? n - i : 64;
        w += sram_step_words(g, lo + i, (int)k, len, &ei);
        e += ei;
    }
    *even = e;
    return w;
}

/* How the cores share an lmma that is not a plain column split: `groups`
 * sets of cores side by side, each covering `cols` columns a pass; group
 * g's rows of a row pass start `grow` rows after group g - 1's and its
 * tables, weights and outputs `tstep`, `wstep`, `ostep` bytes after.
 * lmmag: groups of cores / groups cores, each its own lmma (grow 0, the
 * steps one group's operands); row split (part 1): every core a group of
 * tile_m rows of one lmma on the same weights (grow tile_m, wstep 0: each
 * weight word read once serves every core). */
typedef struct {
    uint64_t groups, cols, grow, tstep, wstep, ostep;
} lut_split;

static lut_split split_of(const machine *m, const isa_instr *in)
{
    const arch_t *a = m->arch;
    const uint64_t chunks = ceil_div(in->klen, (uint64_t)m->tk);
    lut_split sp;
    if (in->op == OP_LMMAG) {
        sp.groups = in->groups;
        sp.cols = (uint64_t)a->tile_n * (uint64_t)a->lut_cores / in->groups;
        sp.grow = 0;
        sp.tstep = table_span(m, in->m, in->klen, 0);
        sp.wstep = chunks * in->wbits * wrow_bytes(m, in->n);
        sp.ostep = (uint64_t)in->m * in->n * 4;
    } else {
        sp.groups = (uint64_t)a->lut_cores;
        sp.cols = (uint64_t)a->tile_n;
        sp.grow = (uint64_t)a->tile_m;
        sp.tstep = sp.wstep = sp.ostep = 0;
    }
    return sp;
}

/* One block (row pass rp, column pass cp of every group at once) of a
 * split lmma: per chunk, wbits steps in which every group reads its
 * weight row (with weights of its own, group g the bit-plane (step + g)
 * mod wbits: the planes of a chunk may go in any order, and skewed the
 * groups' rows, a weight block apart, fall in different banks where the
 * geometry allows), and the groups' tile_m tables of the chunk in one
 * step; then the groups' accumulator rows are written back, row by row.
 * Chunks repeat with the period of their weight and table bytes over a
 * buffer row. */
static uint64_t split_block(const machine *m, const isa_instr *in, const lut_split *sp,
                            uint64_t rp, uint64_t cp, uint64_t *lo, lut_banked *b)
{
    const arch_t *a = m->arch;
    const uint64_t G = sp->groups, wb = in->wbits, chunks = ceil_div(in->klen, (uint64_t)m->tk);
    const uint64_t col0 = cp * sp->cols, tm = (uint64_t)a->tile_m;
    const uint64_t ncols = in->n - col0 < sp->cols ? in->n - col0 : sp->cols;
    const uint64_t row0 = rp * (tm + sp->grow * (G - 1));
    const uint64_t rb = wrow_bytes(m, in->n), tbytes = table_bytes(m);
    const uint64_t rstride = table_row_stride(m, in->klen, in->tpad);
    /* group g's first row and rows of the pass (0: idle in the last pass) */
    uint64_t rows[64];
    for (uint64_t g = 0; g < G && g < 64; g++) {
        const uint64_t r0 = row0 + g * sp->grow;
        rows[g] = r0 >= in->m ? 0 : in->m - r0 < tm ? in->m - r0 : tm;
    }
    sram_geom gw, gt, go;
    sram_geom_of(a, BUF_WGT, &gw);
    sram_geom_of(a, BUF_TBL, &gt);
    sram_geom_of(a, BUF_OUT, &go);
    uint64_t p = sram_lcm(sram_period(wb * rb, gw.width * gw.banks),
                          sram_period(tbytes, gt.width * gt.banks));
    p = p < chunks ? p : chunks;
    p = p < CLASS_CAP ? p : CLASS_CAP; /* beyond: classes by chunk mod the cap */
    uint64_t cyc = 0, even = 0;
    for (uint64_t j = 0; j < p; j++) {
        uint64_t wc = 0, wce = 0, ww = 0, e;
        for (uint64_t st = 0; st < wb; st++) {
            uint64_t k = 0;
            for (uint64_t g = 0; g < G; g++)
                if (rows[g])
                    lo[k++] = in->wgt + g * sp->wstep + col0 * m->tk / 8 +
                              (j * wb + (sp->wstep ? (st + g) % wb : st)) * rb;
            const uint64_t w = step_words(&gw, lo, k, wrow_bytes(m, ncols), &e);
            wc += sram_cycles(&gw, w);
            wce += sram_cycles(&gw, e);
            ww += w;
        }
        uint64_t k = 0;
        for (uint64_t g = 0; g < G; g++)
            for (uint64_t r = 0; r < rows[g]; r++)
                lo[k++] = in->tbl + g * sp->tstep + (row0 + g * sp->grow + r) * rstride + j * tbytes;
        const uint64_t tw = step_words(&gt, lo, k, tbytes, &e);
        const uint64_t t = sram_cycles(&gt, tw), te = sram_cycles(&gt, e);
        const uint64_t cnt = class_count(chunks, p, j);
        cyc += cnt * (t > wc ? t : wc);
        even += cnt * (te > wce ? te : wce);
        b->words[BUF_WGT] += cnt * ww;
        b->words[BUF_TBL] += cnt * tw;
    }
    uint64_t wbc = 0, wbe = 0, aw = 0;
    for (uint64_t r = 0; r < tm; r++) {
        uint64_t e, k = 0;
        for (uint64_t g = 0; g < G; g++)
            if (r < rows[g])
                lo[k++] = in->acc + g * sp->ostep + ((row0 + g * sp->grow + r) * in->n + col0) * 4;
        if (k == 0)
            break;
        const uint64_t w = step_words(&go, lo, k, ncols * 4, &e);
        wbc += sram_cycles(&go, w);
        wbe += sram_cycles(&go, e);
        aw += w;
    }
    const uint64_t k = in->accum ? 2 : 1;
    b->words[BUF_OUT] += aw * k;
    b->last_wb = wbc * k;
    if (a->lut_double_acc) {
        b->even += even > wbe * k ? even : wbe * k;
        return cyc > wbc * k ? cyc : wbc * k;
    }
    b->even += even + wbe * k;
    return cyc + wbc * k;
}

/* Every block of a split lmma, by classes of row and column passes (the
 * row passes repeat with the table and output rows' periods, as in
 * lut_banked_cost; a group's column passes are few).  -1: no host memory,
 * or more than 64 groups. */
static int lut_split_cost(const machine *m, const isa_instr *in, lut_banked *b)
{
    const arch_t *a = m->arch;
    const lut_split sp = split_of(m, in);
    const uint64_t tm = (uint64_t)a->tile_m, rows_pass = tm + sp.grow * (sp.groups - 1);
    const uint64_t rps = ceil_div(in->m, rows_pass), cps = ceil_div(in->n, sp.cols);
    const arch_buffer *t = &a->buf[BUF_TBL], *o = &a->buf[BUF_OUT];
    uint64_t pr = sram_lcm(sram_period(rows_pass * table_row_stride(m, in->klen, in->tpad),
                                       (uint64_t)t->banks * t->width_bits / 8),
                           sram_period(rows_pass * in->n * 4, (uint64_t)o->width_bits / 8));
    pr = pr < CLASS_CAP ? pr : CLASS_CAP;
    const uint64_t full_r = in->m / rows_pass, nr = full_r < pr ? full_r : pr;
    const uint64_t nc = cps < CLASS_CAP ? cps : CLASS_CAP;
    if (sp.groups > 64)
        return -1;
    uint64_t *lo = malloc(sizeof *lo * (sp.groups * tm + 1));
    if (!lo)
        return -1;
    memset(b, 0, sizeof *b);
    for (uint64_t rc = 0; rc < nr + (rps > full_r); rc++) {
        const int r_last = rc >= nr;
        const uint64_t rp = r_last ? rps - 1 : rc;
        const uint64_t rcnt = r_last ? 1 : class_count(full_r, nr, rc);
        for (uint64_t cp = 0; cp < nc; cp++) {
            const uint64_t ccnt = class_count(cps, nc, cp);
            lut_banked one;
            memset(&one, 0, sizeof one);
            const uint64_t cyc = split_block(m, in, &sp, rp, cp, lo, &one);
            b->occupancy += rcnt * ccnt * cyc;
            b->even += rcnt * ccnt * one.even;
            for (int k = 0; k < BUF_COUNT; k++)
                b->words[k] += rcnt * ccnt * one.words[k];
            b->last_wb = one.last_wb;
        }
    }
    free(lo);
    return 0;
}

static void lut_cost(const machine *m, const isa_instr *in, unit_cost *c, sim_events *ev)
{
    const arch_t *a = m->arch;
    uint64_t chunks = ceil_div(in->klen, (uint64_t)m->tk);
    const uint64_t cores = (uint64_t)a->lut_cores, G = lut_groups(in);
    /* per group (lmma: one group of every core) */
    uint64_t cols = (uint64_t)a->tile_n * (in->part ? 1 : cores / G);
    uint64_t row_passes = ceil_div(in->m, (uint64_t)a->tile_m * (in->part ? cores : 1));
    uint64_t col_passes = ceil_div(in->n, cols);
    c->latency = (uint64_t)a->lmma_latency;
    c->dram_cycles = 0;
    lut_banked b;
    const int regs = lut_index_regs(m, in);
    const uint64_t planes = chunks * in->wbits, wrow = wrow_bytes(m, in->n);
    if (a->sram_ideal) {
        uint64_t need = cols * G * (uint64_t)m->tk; /* index bits per pass */
        const arch_buffer *wb = &a->buf[BUF_WGT];
        uint64_t supply = (uint64_t)wb->banks * wb->width_bits;
        uint64_t per_pass = need > supply ? ceil_div(need, supply) : 1;
        /* with the register file only a column pass's first row pass waits
         * on the weight buffer */
        c->occupancy = regs ? col_passes * planes * (per_pass + row_passes - 1)
                            : row_passes * col_passes * planes * per_pass;
    } else {
        if (G > 1 || in->part ? lut_split_cost(m, in, &b) != 0 : (lut_banked_cost(m, in, &b), 0)) {
            /* out of host memory (or over 64 cores split by rows): the
             * array's own rate */
            memset(&b, 0, sizeof b);
            b.occupancy = b.even = row_passes * col_passes * chunks * in->wbits;
        }
        /* the array's own rate is one pass a cycle; beyond it, the buffers */
        const uint64_t passes = row_passes * col_passes * chunks * in->wbits;
        c->occupancy = b.occupancy;
        c->bank_conflict = b.occupancy - b.even;
        c->port_limit = b.even > passes ? b.even - passes : 0;
        if (a->lut_double_acc)
            c->latency += b.last_wb;
        memcpy(c->port_words, b.words, sizeof c->port_words);
    }
    uint64_t lookups = G * in->m * in->n * chunks * in->wbits;
    ev->table_reads += lookups;
    ev->accum_adds += lookups;
    if (a->act_fmt) {
        ev->accum_fadds += lookups;
        if (a->table_fmt == LUT_TFMT_INT8)
            ev->lookup_fmuls += lookups;
    }
    ev->macs += G * in->m * in->n * in->klen;
    /* Weights stream once per row pass (with the register file: once, and
     * the later row passes read the registers); each table is loaded into
     * the array once per column pass (per group). */
    if (regs) {
        ev->buf_read_bytes[BUF_WGT] += planes * wrow;
        ev->index_reg_write_bytes += planes * wrow;
        ev->index_reg_read_bytes += (row_passes - 1) * planes * wrow;
    } else {
        ev->buf_read_bytes[BUF_WGT] += G * row_passes * planes * wrow;
    }
    ev->buf_read_bytes[BUF_TBL] += G * col_passes * in->m * chunks * table_bytes(m);
    /* what is read is broadcast over the array (a group's segment of it) */
    ev->table_bcast_bytes += G * col_passes * in->m * chunks * table_bytes(m);
    ev->buf_write_bytes[BUF_OUT] += G * in->m * in->n * 4;
    if (in->accum)
        ev->buf_read_bytes[BUF_OUT] += G * in->m * in->n * 4;
}

/* Whether any partial sum of the lmma could leave int32: a bound from the
 * largest initial accumulator and table entry it reads.  Compiler output
 * never gets near it (INT8 tables, bounded groups), so the run loop below
 * only checks every step when this says it must. */
static int may_overflow(const machine *m, const isa_instr *in, const uint8_t *tbl,
                        const uint8_t *out, uint64_t chunks)
{
    const int E = m->entries, eb = m->entry_bytes;
    const uint64_t rstride = table_row_stride(m, in->klen, in->tpad);
    int64_t max_entry = 0, max_acc = 0;
    for (uint64_t r = 0; r < in->m; r++)
        for (uint64_t j = 0; j < chunks * (uint64_t)E; j++) {
            const uint8_t *e = tbl + r * rstride + j * eb;
            int64_t v = lut_entry_get(e, eb);
            max_entry = v < 0 ? (-v > max_entry ? -v : max_entry) : (v > max_entry ? v : max_entry);
        }
    for (uint64_t j = 0; in->accum && j < (uint64_t)in->m * in->n; j++) {
        int64_t v = ld_i32(out + j * 4);
        max_acc = v < 0 ? (-v > max_acc ? -v : max_acc) : (v > max_acc ? v : max_acc);
    }
    /* every term is an entry (negated or not) times 2^plane */
    return max_acc + (int64_t)chunks * (((int64_t)1 << in->wbits) - 1) * max_entry > INT32_MAX;
}

/* The index bytes of an lmma's weights (chunks x wbits rows of n), kept
 * with the weight bytes they were decoded from: consecutive lmmas over the
 * same weights (the row tiles of a block) decode them once. */
/* The LUT unit's host memory across lmmas: the index bytes of the last
 * weights decoded (chunks x wbits rows of n), kept with the weight bytes
 * they came from, so consecutive lmmas over the same weights (the row
 * tiles of a block) decode them once; and the kernel's scratch. */
struct lut_idx_cache {
    uint8_t *raw, *idx;
    size_t raw_len, idx_len, cap_raw, cap_idx;
    int tk;
    uint8_t *tabs, *acc2; /* lut_entry_t and int32_t scratch of lut_exec_kernel */
    size_t cap_tabs, cap_acc2;
    uint16_t dec4[256]; /* tk = 4, two fields a byte: a byte's two index bytes */
};

void lut_idx_cache_free(machine *m)
{
    if (!m->lut_idx)
        return;
    free(m->lut_idx->raw);
    free(m->lut_idx->idx);
    free(m->lut_idx->tabs);
    free(m->lut_idx->acc2);
    free(m->lut_idx);
    m->lut_idx = NULL;
}

static int grow(uint8_t **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    uint8_t *q = realloc(*p, need);
    if (!q)
        return -1;
    *p = q;
    *cap = need;
    return 0;
}

static struct lut_idx_cache *cache_of(machine *m)
{
    if (m->lut_idx)
        return m->lut_idx;
    struct lut_idx_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    for (unsigned b = 0; b < 256; b++)
        c->dec4[b] = (uint16_t)(lut_idx_from_field(b & 15u, 4) |
                                (unsigned)lut_idx_from_field(b >> 4, 4) << 8);
    return m->lut_idx = c;
}

/* Decodes the weight rows (chunks x wbits of rb bytes) into index bytes
 * in c; NULL when out of memory. */
static const uint8_t *weight_indices(const machine *m, struct lut_idx_cache *c,
                                     const isa_instr *in, uint64_t chunks)
{
    const int tk = m->tk;
    const uint64_t rb = wrow_bytes(m, in->n), rows = chunks * in->wbits;
    const uint8_t *wgt = m->buf[BUF_WGT] + in->wgt;
    const size_t raw_len = rows * rb, idx_len = rows * in->n;
    if (c->tk == tk && c->raw_len == raw_len && c->idx_len == idx_len &&
        memcmp(c->raw, wgt, raw_len) == 0)
        return c->idx;
    if (grow(&c->raw, &c->cap_raw, raw_len) || grow(&c->idx, &c->cap_idx, idx_len))
        return NULL;
    memcpy(c->raw, wgt, raw_len);
    c->raw_len = raw_len;
    c->idx_len = idx_len;
    c->tk = tk;
    for (uint64_t r = 0; r < rows; r++) {
        const uint8_t *row = wgt + r * rb;
        uint8_t *x = c->idx + r * in->n;
        uint32_t col = 0;
        if (tk == 4)
            for (; col + 2 <= in->n; col += 2) {
                const uint16_t d = c->dec4[row[col / 2]];
                x[col] = (uint8_t)d;
                x[col + 1] = (uint8_t)(d >> 8);
            }
        for (; col < in->n; col++)
            x[col] = lut_idx_from_field(lut_field_get(row, col, tk), tk);
    }
    return c->idx;
}

/* The lmma through the host's look-up kernel (lut_kernel.h: the fastest
 * this host has; every kernel returns the same integers), KERNEL_ROWS
 * rows a call, each row's tables widened to int16.  Only when no partial
 * sum can leave int32 (the sums' order is the kernel's) and the entries
 * fit int16; 1 when it ran (acc holds the result), 0 when it cannot, -1
 * out of memory. */
#define KERNEL_ROWS 4
/* lmmas smaller than this (outputs) keep the plain loop: no set-up to amortise */
#define KERNEL_MIN_WORK 64
static int lut_exec_kernel(machine *m, const isa_instr *in, int32_t *acc)
{
    const int tk = m->tk, E = m->entries, eb = m->entry_bytes;
    if (eb > 2)
        return 0;
    const uint64_t chunks = ceil_div(in->klen, (uint64_t)tk);
    const uint64_t rstride = table_row_stride(m, in->klen, in->tpad);
    const uint8_t *tbl = m->buf[BUF_TBL] + in->tbl;
    struct lut_idx_cache *c = cache_of(m);
    if (!c || grow(&c->tabs, &c->cap_tabs, sizeof(lut_entry_t) * KERNEL_ROWS * chunks * E) ||
        grow(&c->acc2, &c->cap_acc2, sizeof(int32_t) * KERNEL_ROWS * (uint64_t)in->n))
        return -1;
    lut_packed w;
    memset(&w, 0, sizeof w);
    w.cfg.tk = tk;
    w.cfg.wtype.bits = (int)in->wbits;
    w.n = (int)in->n;
    w.nchunks = (int)chunks;
    if (!(w.idx = (uint8_t *)weight_indices(m, c, in, chunks)))
        return -1;
    lut_entry_t *tabs = (lut_entry_t *)(void *)c->tabs;
    int32_t *acc2 = (int32_t *)(void *)c->acc2;
    const lut_kernel_fn kernel = lut_kernel_select(&w);
    for (uint32_t r0 = 0; r0 < in->m; r0 += KERNEL_ROWS) {
        const uint32_t R = in->m - r0 < KERNEL_ROWS ? in->m - r0 : KERNEL_ROWS;
        for (uint32_t r = 0; r < R; r++)
            for (uint64_t j = 0; j < chunks * (uint64_t)E; j++)
                tabs[r * chunks * E + j] =
                    (lut_entry_t)lut_entry_get(tbl + (uint64_t)(r0 + r) * rstride + j * eb, eb);
        kernel(&w, 0, (int)chunks, tabs, (int)R, acc2);
        int32_t *a = acc + (uint64_t)r0 * in->n;
        for (uint64_t j = 0; j < (uint64_t)R * in->n; j++)
            a[j] += acc2[j];
    }
    return 1;
}

static int lut_exec_one(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    const int tk = m->tk, E = m->entries, eb = m->entry_bytes;
    const uint64_t chunks = ceil_div(in->klen, (uint64_t)tk), rb = wrow_bytes(m, in->n);
    const uint64_t rstride = table_row_stride(m, in->klen, in->tpad);
    const uint8_t *tbl = m->buf[BUF_TBL] + in->tbl, *wgt = m->buf[BUF_WGT] + in->wgt;
    uint8_t *out = m->buf[BUF_OUT] + in->acc;
    const uint64_t mn = (uint64_t)in->m * in->n;
    /* The order of the hardware: a bit-plane row of indices is fetched once
     * and meets every row's table; accumulators stay in the array. */
    int32_t *acc = malloc(sizeof(int32_t) * mn);
    uint8_t *idx = malloc(in->n);
    int rc = -1;
    if (!acc || !idx) {
        snprintf(err, errlen, "out of host memory");
        goto out;
    }
    for (uint64_t j = 0; j < mn; j++)
        acc[j] = in->accum ? ld_i32(out + j * 4) : 0;
    const int careful = may_overflow(m, in, tbl, out, chunks);
    if (!careful && (uint64_t)in->m * in->n >= KERNEL_MIN_WORK) {
        const int k = lut_exec_kernel(m, in, acc);
        if (k < 0) {
            snprintf(err, errlen, "out of host memory");
            goto out;
        }
        if (k > 0)
            goto done;
    }
    int32_t t[1 << (LUT_MAX_TK - 1)];
    for (uint64_t c = 0; c < chunks; c++) {
        for (uint32_t i = 0; i < in->wbits; i++) {
            const uint8_t *row = wgt + (c * in->wbits + i) * rb;
            for (uint32_t col = 0; col < in->n; col++)
                idx[col] = lut_idx_from_field(lut_field_get(row, col, tk), tk);
            for (uint32_t r = 0; r < in->m; r++) {
                const uint8_t *te = tbl + (uint64_t)r * rstride + c * E * eb;
                for (int e = 0; e < E; e++)
                    t[e] = lut_entry_get(te + e * eb, eb);
                int32_t *a = acc + (uint64_t)r * in->n;
                if (!careful) {
                    for (uint32_t col = 0; col < in->n; col++)
                        a[col] = lut_shift_acc(a[col], lut_lookup_wide(t, idx[col]), (int)i);
                    continue;
                }
                uint32_t bad = in->n; /* first column that overflowed */
                for (uint32_t col = 0; col < in->n; col++)
                    if (lut_shift_acc_checked(&a[col], lut_lookup_wide(t, idx[col]), (int)i) &&
                        bad == in->n)
                        bad = col;
                if (bad < in->n) {
                    /* The hardware's accumulator would wrap: a wrong result
                     * that nothing downstream could detect. */
                    snprintf(err, errlen,
                             "accumulator overflow: output [%u][%u] leaves the signed 32-bit "
                             "range at bit-plane %u of table chunk %llu (klen=%u, wbits=%u%s)",
                             r, bad, i, (unsigned long long)c, in->klen, in->wbits,
                             in->accum ? ", accumulating onto the output buffer" : "");
                    goto out;
                }
            }
        }
    }
done:
    for (uint64_t j = 0; j < mn; j++)
        st_i32(out + j * 4, acc[j]);
    rc = 0;
out:
    free(acc);
    free(idx);
    return rc;
}

/* Float activations: binary32 accumulators (lut_float.h step 4), in the
 * order of lut_exec_one's plain loop: chunks, then bit-planes low to high. */
static int lut_exec_float(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    const int tk = m->tk, E = m->entries;
    const lut_tfmt tf = (lut_tfmt)m->arch->table_fmt;
    const uint64_t chunks = ceil_div(in->klen, (uint64_t)tk), rb = wrow_bytes(m, in->n);
    const uint64_t rstride = table_row_stride(m, in->klen, in->tpad);
    const uint8_t *tbl = m->buf[BUF_TBL] + in->tbl, *wgt = m->buf[BUF_WGT] + in->wgt;
    uint8_t *out = m->buf[BUF_OUT] + in->acc;
    const uint64_t mn = (uint64_t)in->m * in->n;
    float *acc = malloc(sizeof(float) * mn);
    uint8_t *idx = malloc(in->n);
    if (!acc || !idx) {
        free(acc);
        free(idx);
        snprintf(err, errlen, "out of host memory");
        return -1;
    }
    for (uint64_t j = 0; j < mn; j++)
        acc[j] = in->accum ? ld_f32(out + j * 4) : 0.0f;
    for (uint64_t c = 0; c < chunks; c++)
        for (uint32_t i = 0; i < in->wbits; i++) {
            const uint8_t *row = wgt + (c * in->wbits + i) * rb;
            for (uint32_t col = 0; col < in->n; col++)
                idx[col] = lut_idx_from_field(lut_field_get(row, col, tk), tk);
            for (uint32_t r = 0; r < in->m; r++) {
                const uint8_t *te = tbl + (uint64_t)r * rstride + c * table_bytes(m);
                float *a = acc + (uint64_t)r * in->n;
                for (uint32_t col = 0; col < in->n; col++)
                    a[col] = lut_fshift_acc(a[col], lut_ftable_lookup(te, tf, E, idx[col]), (int)i);
            }
        }
    for (uint64_t j = 0; j < mn; j++)
        st_f32(out + j * 4, acc[j]);
    free(acc);
    free(idx);
    return 0;
}

/* lmmag: its groups' lmmas (they touch disjoint outputs). */
static int lut_exec(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    for (uint64_t g = 0; g < lut_groups(in); g++) {
        const isa_instr s = in->op == OP_LMMAG ? lut_group_at(m, in, g) : *in;
        if ((m->arch->act_fmt ? lut_exec_float : lut_exec_one)(m, &s, err, errlen) != 0)
            return -1;
    }
    return 0;
}

const unit_ops unit_lut_ops = { lut_footprint, lut_cost, lut_exec };
