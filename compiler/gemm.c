/* gemm.c - GEMM lowering: tiling, buffer placement, instruction emission. */
#include "gemm.h"
#include "gemm_int.h"
#include "gemm_mma.h"

#include "fusion.h"

#include "count.h"
#include "lut_arith.h"
#include "periodic.h"
#include "trit5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN GEMM_ALIGN

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* The largest value of an instruction field, from the ISA table. */
static uint64_t field_max(isa_op op, const char *name)
{
    const isa_opdef *d = isa_def(op);
    for (int i = 0; d && i < d->nfields; i++)
        if (strcmp(d->fields[i].name, name) == 0)
            return d->fields[i].width >= 64 ? UINT64_MAX : ((uint64_t)1 << d->fields[i].width) - 1;
    return 0;
}

uint64_t gemm_field_max(isa_op op, const char *name)
{
    uint64_t v = field_max(op, name);
    /* every lmma's m x n tile is folded by a dq of the same shape, whose
     * n field is one bit narrower (it gave the bit to mfmt) */
    if ((op == OP_LMMA || op == OP_LMMAG) && (strcmp(name, "n") == 0 || strcmp(name, "m") == 0)) {
        uint64_t d = field_max(OP_DQ, name);
        v = d < v ? d : v;
    }
    return v;
}

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* The longest group one pass of the program can take: one lmma and one
 * tprec reduce over it (their klen fields), the LUT array's 32-bit
 * accumulators hold its sums for any act_bits-bit activations
 * (lut_gemm_group_max_a), and its weight tile (chunks x wbits index rows), its
 * activation rows and (fused) its tables are one load each. */
static uint64_t group_limit(const arch_t *a, const gemm_shape *s)
{
    const uint64_t tk = (uint64_t)a->tile_k;
    /* float activations (act_fmt): binary32 accumulators, no int32 bound */
    uint64_t lim = a->act_fmt ? UINT64_MAX
                              : (uint64_t)lut_gemm_group_max_a(s->wtype.bits, a->act_bits);
    lim = min64(lim, gemm_field_max(OP_LMMA, "klen"));
    lim = min64(lim, gemm_field_max(OP_TPREC, "klen"));
    lim = min64(lim, gemm_field_max(OP_LOAD, "rows") / (uint64_t)s->wtype.bits * tk);
    lim = min64(lim, gemm_field_max(OP_LOAD, "bytes") * 8 / (uint64_t)a->act_bits);
    if (s->tables_in_dram)
        lim = min64(lim, gemm_field_max(OP_LOAD, "bytes") / arch_table_bytes(a) * tk);
    return lim;
}

/* The scale group as the program runs it.  A group longer than
 * group_limit is split into equal sub-groups that share its zero-point and
 * scale: int32 results are exact (with an integer zero-point; a
 * half-integer one, UINT's odd z2, rounds its halves per sub-group), and
 * float32 output rounds once per sub-group.  Sub-groups divide the group
 * (into multiples of tk where the group is one), so each scale group starts
 * a sub-group; a single group (group_size >= kd) splits anywhere, its last
 * part shorter. */
int gemm_sub_group(const arch_t *a, const gemm_shape *s)
{
    if (a->compute_kind != COMPUTE_LUT) /* the mma arrays sum in int32/FP, unsplit */
        return s->group_size;
    const int tk = a->tile_k;
    const int G = s->group_size < s->kd ? s->group_size : s->kd;
    const uint64_t lim = group_limit(a, s);
    if (G < 1 || (uint64_t)G <= lim)
        return s->group_size;
    if (s->group_size >= s->kd)
        return (int)(lim / (uint64_t)tk * (uint64_t)tk);
    for (int parts = (int)cdiv((uint64_t)G, lim); parts < G; parts++)
        if (G % parts == 0 && (uint64_t)(G / parts) <= lim && (G % tk || (G / parts) % tk == 0))
            return G / parts;
    return 1;
}

typedef struct {
    int tk, E;
    uint64_t wrow;           /* bytes of one index row of nt columns */
    uint64_t act_half, tbl_half, wgt_half, acc_half, out_tile;
    uint64_t sum_off;        /* sums after the tables in each table half */
    gemm_tpads tpads;        /* table pads of the group lengths */
} plan;

int gemm_group_len(const gemm_shape *s, int g)
{
    int k0 = g * s->group_size;
    return s->kd - k0 < s->group_size ? s->kd - k0 : s->group_size;
}

/* Sizes for an M-tile of mt rows and column tiles of nt; 0 if it fits. */
static int fits(const arch_t *a, const gemm_shape *s, int mt, int nt, int nb, plan *pl,
                int *out_double)
{
    const int tk = a->tile_k, E = 1 << (tk - 1);
    uint64_t gchunks = cdiv((uint64_t)(s->group_size < s->kd ? s->group_size : s->kd), (uint64_t)tk);
    pl->tk = tk;
    pl->E = E;
    pl->wrow = ((uint64_t)nt * tk + 7) / 8;
    /* activations arrive one scale group at a time: mt rows x group */
    pl->act_half = align_up((uint64_t)mt * gemm_act_bytes(a, (uint64_t)(s->group_size < s->kd ? s->group_size : s->kd)), ALIGN);
    gemm_tpads_of(a, s, &pl->tpads);
    pl->sum_off = align_up(gemm_table_span(a, s, &pl->tpads, (uint64_t)mt), ALIGN);
    pl->tbl_half = pl->sum_off + align_up((uint64_t)mt * 4, ALIGN);
    pl->wgt_half = align_up(gchunks * s->wtype.bits * pl->wrow, ALIGN) +
                   align_up(gemm_meta_bytes(s, (uint64_t)nt), ALIGN);
    pl->acc_half = align_up((uint64_t)mt * nt * 4, ALIGN);
    pl->out_tile = align_up((uint64_t)mt * nb * 4, ALIGN);
    if (2 * pl->act_half > arch_buf_bytes(a, BUF_ACT) || 2 * pl->tbl_half > arch_buf_bytes(a, BUF_TBL) ||
        2 * pl->wgt_half > arch_buf_bytes(a, BUF_WGT))
        return -1;
    uint64_t outb = arch_buf_bytes(a, BUF_OUT);
    if (2 * pl->acc_half + 2 * pl->out_tile <= outb) {
        *out_double = 1;
        return 0;
    }
    if (2 * pl->acc_half + pl->out_tile <= outb) {
        *out_double = 0;
        return 0;
    }
    return -1;
}

int gemm_emit(program *p, const isa_instr *in, char *err, size_t errlen)
{
    char e[256];
    if (isa_check(in, e, sizeof e) != 0) {
        snprintf(err, errlen, "cannot encode: %s", e);
        return -1;
    }
    if (program_push(p, in) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int gemm_emit_group(program *p, const gemm_shape *s, const gemm_group_op *g, char *err,
                    size_t errlen)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_LMMA;
    in.tbl = (uint32_t)g->tbl;
    in.wgt = (uint32_t)g->wgt;
    in.acc = (uint32_t)g->acc;
    in.m = (uint32_t)g->rows;
    in.n = (uint32_t)g->ncols;
    in.klen = (uint32_t)g->klen;
    in.wbits = (uint32_t)s->wtype.bits;
    in.part = (uint32_t)g->part;
    in.tpad = (uint32_t)g->tpad;
    if (gemm_emit(p, &in, err, errlen) != 0)
        return -1;
    memset(&in, 0, sizeof in);
    in.op = OP_DQ;
    in.acc = (uint32_t)g->acc;
    in.sum = (uint32_t)g->sum;
    in.meta = (uint32_t)g->meta;
    in.dst = (uint32_t)g->dst;
    in.m = (uint32_t)g->rows;
    in.n = (uint32_t)g->ncols;
    in.accum = (uint32_t)g->accum;
    in.fmode = (uint32_t)s->float_out;
    in.shift = (uint32_t)lut_post_shift(s->wtype.fmt);
    in.mfmt = (uint32_t)s->mfmt;
    return gemm_emit(p, &in, err, errlen);
}

/* A 2-D DMA (in.rows rows of in.bytes, DRAM rows `stride` apart).  A stride
 * the field cannot hold (the C rows of a very wide GEMM, the fused table
 * rows of a very long K) is issued row by row instead, never truncated. */
int gemm_emit_dma(program *p, isa_instr in, uint64_t stride, char *err, size_t errlen)
{
    const uint64_t smax = gemm_field_max(in.op, "stride");
    if (stride <= smax || in.rows == 1) {
        in.stride = (uint32_t)(stride <= smax ? stride : in.bytes);
        return gemm_emit(p, &in, err, errlen);
    }
    const uint32_t rows = in.rows;
    in.rows = 1;
    in.stride = in.bytes;
    for (uint32_t r = 0; r < rows; r++, in.dram += stride, in.sram += in.bytes)
        if (gemm_emit(p, &in, err, errlen) != 0)
            return -1;
    return 0;
}

/* Bytes of one weight tile: index rows of `ncols` columns for `ch` chunks
 * and every bit-plane, then the columns' metadata. */
uint64_t gemm_tile_bytes(const gemm_shape *s, int tk, uint64_t ch, int ncols, uint64_t *idx_bytes)
{
    uint64_t rb = ((uint64_t)ncols * tk + 7) / 8;
    *idx_bytes = s->trit5 ? ch * trit5_row_bytes(rb, tk) : ch * s->wtype.bits * rb;
    return *idx_bytes + gemm_meta_bytes(s, (uint64_t)ncols);
}

int gemm_emit_wtile(program *p, const gemm_shape *s, int tk, int ncols, uint64_t ib, uint64_t tb,
                    uint64_t sram, uint64_t dram, char *err, size_t errlen)
{
    const uint64_t rb = ((uint64_t)ncols * tk + 7) / 8;
    const uint64_t drow = s->trit5 ? trit5_row_bytes(rb, tk) : rb; /* DRAM bytes per row */
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = s->trit5 ? OP_LOADT : OP_LOAD;
    in.buf = BUF_WGT;
    in.sram = (uint32_t)sram;
    in.dram = dram;
    in.rows = (uint32_t)(ib / drow);
    in.bytes = (uint32_t)rb;
    in.stride = (uint32_t)drow;
    if (gemm_emit(p, &in, err, errlen))
        return -1;
    in.op = OP_LOAD;
    const uint64_t ch = in.rows / (s->trit5 ? 1u : (uint64_t)s->wtype.bits);
    in.sram = (uint32_t)(sram + align_up(gemm_tile_idx_sram(s, tk, ch, ncols), ALIGN));
    in.dram = dram + ib;
    in.rows = 1;
    in.bytes = (uint32_t)(tb - ib);
    in.stride = in.bytes;
    return in.bytes ? gemm_emit(p, &in, err, errlen) : 0;
}

/* Byte offset of the weight tile (g, nb) in the weight region: tiles are
 * laid out group by group, column tile by column tile, in program order. */
uint64_t gemm_tile_offset(const gemm_shape *s, int tk, int nt, int g, int nb,
                          uint64_t *idx_bytes, uint64_t *tile_size)
{
    const int ntiles = (s->n + nt - 1) / nt, last = s->n - (ntiles - 1) * nt;
    const uint64_t ch_full = cdiv((uint64_t)s->group_size, (uint64_t)tk);
    uint64_t ib;
    /* every group but the last has full chunks */
    uint64_t full_group = (uint64_t)(ntiles - 1) * gemm_tile_bytes(s, tk, ch_full, nt, &ib) +
                          gemm_tile_bytes(s, tk, ch_full, last, &ib);
    const uint64_t ch = cdiv((uint64_t)gemm_group_len(s, g), (uint64_t)tk);
    uint64_t off = (uint64_t)g * full_group + (uint64_t)nb * gemm_tile_bytes(s, tk, ch, nt, &ib);
    *tile_size = gemm_tile_bytes(s, tk, ch, nb == ntiles - 1 ? last : nt, idx_bytes);
    return off;
}

/* Loads rows x (group g) activations into act half gi % 2. */
static int emit_act_load(const arch_t *a, program *p, const gemm_shape *s, const gemm_layout *lay,
                         const plan *pl, uint64_t gi, uint64_t m0, int rows, int g, char *err,
                         size_t errlen)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_LOAD;
    in.buf = BUF_ACT;
    in.sram = (uint32_t)((gi % 2) * pl->act_half);
    in.dram = lay->a_addr + m0 * gemm_act_bytes(a, (uint64_t)s->kd) +
              gemm_act_bytes(a, (uint64_t)g * s->group_size);
    in.rows = (uint32_t)rows;
    in.bytes = (uint32_t)gemm_act_bytes(a, (uint64_t)gemm_group_len(s, g));
    return gemm_emit_dma(p, in, gemm_act_bytes(a, (uint64_t)s->kd), err, errlen);
}

/* DRAM layout: A, the weight tiles, C, then (fused) tables and sums; every
 * size checked, so a huge M is refused rather than wrapped. */
int gemm_layout_dram(const arch_t *a, const gemm_shape *s, gemm_layout *lay, char *err,
                     size_t errlen)
{
    const int ngroups = (s->kd + s->group_size - 1) / s->group_size;
    const int ntiles = (s->n + lay->nt - 1) / lay->nt;
    int ovf = 0;
    lay->ngroups = ngroups;
    lay->a_addr = 0;
    lay->w_addr = align_up(count_mul(s->m, gemm_act_bytes(a, (uint64_t)s->kd), &ovf), ALIGN);
    uint64_t ib, tb, wtotal = 0;
    for (int g = 0; g < ngroups; g++)
        for (int b = 0; b < ntiles; b++) {
            gemm_tile_offset(s, a->tile_k, lay->nt, g, b, &ib, &tb);
            lay->weight_bytes += ib;
            lay->meta_bytes += tb - ib;
            wtotal += tb;
        }
    lay->c_addr = align_up(count_add(lay->w_addr, wtotal, &ovf), ALIGN);
    lay->t_addr = lay->s_addr = 0;
    uint64_t end = count_add(lay->c_addr, count_mul3(s->m, (uint64_t)s->n, 4, &ovf), &ovf);
    if (s->tables_in_dram) {
        /* Precomputed tables, [row][group][chunk][entry], then the
         * activation sums, [group][row] so a tile's sums are contiguous. */
        const uint64_t E = arch_table_bytes(a);
        lay->t_row_bytes = cdiv((uint64_t)s->group_size, (uint64_t)a->tile_k) * (ngroups - 1) * E +
                           cdiv((uint64_t)gemm_group_len(s, ngroups - 1), (uint64_t)a->tile_k) * E;
        lay->t_addr = align_up(end, ALIGN);
        lay->s_addr = align_up(count_addmul(lay->t_addr, s->m, lay->t_row_bytes, &ovf), ALIGN);
        end = count_add(lay->s_addr, count_mul3((uint64_t)ngroups, s->m, 4, &ovf), &ovf);
    }
    lay->e_addr = 0;
    if (fusion_epi_sources(s) == 2) {
        lay->e_addr = align_up(end, ALIGN);
        end = count_add(lay->e_addr, count_mul3(s->m, (uint64_t)s->n,
                                                (uint64_t)fusion_elem_bytes(a), &ovf), &ovf);
    }
    lay->q_addr = 0;
    if (s->in_quant) {
        lay->q_addr = align_up(end, ALIGN);
        end = count_add(lay->q_addr, count_mul3(s->m, (uint64_t)s->kd,
                                                (uint64_t)fusion_elem_bytes(a), &ovf), &ovf);
    }
    lay->n_addr = 0;
    if (s->in_quant == GEMM_INQ_NORM) {
        lay->n_addr = align_up(end, ALIGN);
        end = count_add(lay->n_addr, count_mul(s->m, 4, &ovf), &ovf);
    }
    lay->r_addr = 0;
    if (s->epi.on && s->epi.stat) {
        lay->r_addr = align_up(end, ALIGN);
        end = count_add(lay->r_addr, count_mul(s->m, 4, &ovf), &ovf);
    }
    lay->image_bytes = end;
    if (ovf || end > COUNT_MAX - ALIGN) {
        snprintf(err, errlen, "a %llux%dx%d GEMM's memory image exceeds 2^63 bytes",
                 (unsigned long long)s->m, s->n, s->kd);
        return -1;
    }
    return 0;
}

static int lower_plain(const arch_t *a, const gemm_shape *s0, program *p, gemm_layout *lay,
                       char *err, size_t errlen);

/* The schedule, then (fusion) the epilogue woven into it. */
int gemm_lower(const arch_t *a, const gemm_shape *s, program *p, gemm_layout *lay,
               char *err, size_t errlen)
{
    if (a->compute_kind != COMPUTE_LUT)
        return gemm_mma_lower(a, s, p, lay, err, errlen);
    if (s->epi.on && !s->float_out) {
        snprintf(err, errlen, "a fused epilogue needs the float32 output (float_out)");
        return -1;
    }
    if (s->in_quant < 0 || s->in_quant > GEMM_INQ_NORM) {
        snprintf(err, errlen, "in_quant %d is not 0, 1 or 2 (gemm_inq)", s->in_quant);
        return -1;
    }
    if (s->in_quant && s->tables_in_dram) {
        snprintf(err, errlen, "a fused input quantize step needs activations, not tables");
        return -1;
    }
    if (a->act_fmt && (s->tables_in_dram || s->in_quant || s->epi.quant)) {
        snprintf(err, errlen, "float activations: the GEMM takes its activations as they are "
                 "(no fused precompute or quantize step)");
        return -1;
    }
    if (lower_plain(a, s, p, lay, err, errlen) != 0)
        return -1;
    if (p && (s->epi.on || s->in_quant) && fusion_weave(a, s, lay, p, err, errlen) != 0) {
        program_free(p);
        return -1;
    }
    return 0;
}

static int lower_plain(const arch_t *a, const gemm_shape *s0, program *p, gemm_layout *lay,
                       char *err, size_t errlen)
{
    if (p)
        program_init(p);
    memset(lay, 0, sizeof *lay);
    gemm_shape split = *s0;
    split.group_size = gemm_sub_group(a, s0);
    const gemm_shape *const s = &split;
    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, s->wtype);
    cfg.tk = a->tile_k;
    cfg.group_size = s->group_size;
    if (lut_gemm_cfg_check(&cfg, err, errlen) != 0)
        return -1;
    if (s->wtype.bits < a->wbits_min || s->wtype.bits > a->wbits_max) {
        snprintf(err, errlen, "%d-bit weights are outside the architecture's lut.wbits %d..%d",
                 s->wtype.bits, a->wbits_min, a->wbits_max);
        return -1;
    }
    if (s->m < 1 || s->n < 1 || s->kd < 1) {
        snprintf(err, errlen, "GEMM sizes must be positive, not %llux%dx%d",
                 (unsigned long long)s->m, s->n, s->kd);
        return -1;
    }
    if (a->act_bits == 4 && (s->kd % 2 || s->group_size % 2)) {
        /* two A4 activations share a byte: every row and group must start
         * on a byte */
        snprintf(err, errlen, "4-bit activations need an even K and scale group, not K %d, "
                 "group %d", s->kd, s->group_size);
        return -1;
    }
    if (s->sched.loop != GEMM_LOOP_LEGACY)
        return gemm_blk_lower(a, s, p, lay, err, errlen);
    const int cols = a->tile_n * a->lut_cores;
    int nt = s->n < cols ? s->n : cols;
    if (s->force_nt > 0)
        nt = s->force_nt < s->n ? s->force_nt : s->n;
    int mt = s->m < 4095 ? (int)s->m : 4095; /* the lmma m field: M is tiled */
    if (s->force_mt > 0 && s->force_mt < mt)
        mt = s->force_mt;
    /* Column blocks: the output rows of an M-tile stay resident for nb
     * columns at a time (a multiple of nt); the default is all of N. */
    int nb = s->n;
    if (s->force_nb > 0 && s->force_nb < s->n)
        nb = s->force_nb < nt ? nt : s->force_nb / nt * nt;
    plan pl;
    int out_double = 0;
    /* Shrink until it fits: rows first, then the resident column block,
     * then the columns per lmma. */
    while (fits(a, s, mt, nt, nb, &pl, &out_double) != 0) {
        if (mt > 1) {
            mt = mt > 16 ? mt - mt / 8 : mt - 1;
        } else if (nb > nt) {
            nb = nb / 2 / nt * nt;
            if (nb < nt)
                nb = nt;
        } else if (nt > 1) {
            nt /= 2;
            nb = nt;
        } else {
            break;
        }
    }
    /* Whole row passes: an M-tile that is not a multiple of the array's
     * tile_m rows wastes part of a pass for every group and column tile. */
    if (mt > a->tile_m && mt % a->tile_m && (uint64_t)mt < s->m) {
        mt = mt / a->tile_m * a->tile_m;
        fits(a, s, mt, nt, nb, &pl, &out_double);
    }
    if (fits(a, s, mt, nt, nb, &pl, &out_double) != 0) {
        /* Name the buffer that is too small for the smallest tiles. */
        const char *which = "output";
        uint64_t need = 2 * pl.acc_half + pl.out_tile;
        buf_id b = BUF_OUT;
        if (2 * pl.act_half > arch_buf_bytes(a, BUF_ACT))
            which = "act", need = 2 * pl.act_half, b = BUF_ACT;
        else if (2 * pl.tbl_half > arch_buf_bytes(a, BUF_TBL))
            which = "table", need = 2 * pl.tbl_half, b = BUF_TBL;
        else if (2 * pl.wgt_half > arch_buf_bytes(a, BUF_WGT))
            which = "weight", need = 2 * pl.wgt_half, b = BUF_WGT;
        snprintf(err, errlen,
                 "a %llux%dx%d GEMM (scale group %d) does not fit: even 1-row tiles need %llu B "
                 "of the %s buffer, which has %zu B (buffers.%s.kib)",
                 (unsigned long long)s->m, s->n, s->kd, s->group_size, (unsigned long long)need,
                 which, arch_buf_bytes(a, b), which);
        return -1;
    }
    lay->mt = mt;
    lay->nt = nt;
    lay->nb = nb;
    if (gemm_layout_dram(a, s, lay, err, errlen) != 0)
        return -1;
    const int ngroups = lay->ngroups;
    uint64_t ib, tb;

    if (!p)
        return 0; /* layout only */
    const uint64_t out_base = 2 * pl.acc_half;
    uint64_t wtile = 0, acc_i = 0;
    uint64_t mi = 0; /* M-tiles so far: output halves alternate with it */
    uint64_t gi = 0; /* groups so far: activation and table halves */
    int act_ready = 0; /* the next tile's first activations are loaded */
    for (int bn0 = 0; bn0 < s->n; bn0 += nb) {
    const int b_lo = bn0 / nt, b_hi = (bn0 + nb < s->n ? bn0 + nb : s->n + nt - 1) / nt;
    for (uint64_t m0 = 0; m0 < s->m; m0 += (uint64_t)mt, mi++) {
        const int rows = s->m - m0 < (uint64_t)mt ? (int)(s->m - m0) : mt;
        const uint64_t obase = out_base + (out_double ? (uint64_t)(mi % 2) * pl.out_tile : 0);
        isa_instr in;
        /* Activations of group g + 1 are requested right after the tables
         * of group g, ahead of g's weights, so precompute never waits for
         * the DMA queue to drain a group's weight tiles; those of the next
         * tile's first group go ahead of this tile's stores. */
        if (!s->tables_in_dram && !act_ready &&
            emit_act_load(a, p, s, lay, &pl, gi, m0, rows, 0, err, errlen))
            goto fail;
        act_ready = 0;
        for (int g = 0; g < ngroups; g++, gi++) {
            const uint64_t abase = (gi % 2) * pl.act_half;
            const uint64_t tbase = (gi % 2) * pl.tbl_half;
            const int klen = gemm_group_len(s, g);
            if (s->tables_in_dram) {
                /* Fused precompute: the tables were made by the operation
                 * that produced the activations; load them and the sums. */
                const uint64_t E = arch_table_bytes(a);
                const uint64_t gbytes = cdiv((uint64_t)klen, (uint64_t)a->tile_k) * E;
                const uint64_t goff = (uint64_t)g * cdiv((uint64_t)s->group_size, (uint64_t)a->tile_k) * E;
                memset(&in, 0, sizeof in);
                in.op = OP_LOAD;
                in.buf = BUF_TBL;
                in.sram = (uint32_t)tbase;
                in.dram = lay->t_addr + m0 * lay->t_row_bytes + goff;
                in.rows = (uint32_t)rows;
                in.bytes = (uint32_t)gbytes;
                if (gemm_emit_dma(p, in, lay->t_row_bytes, err, errlen))
                    goto fail;
                in.sram = (uint32_t)(tbase + pl.sum_off);
                in.dram = lay->s_addr + ((uint64_t)g * s->m + m0) * 4;
                in.rows = 1;
                in.bytes = (uint32_t)rows * 4;
                in.stride = in.bytes;
                if (gemm_emit(p, &in, err, errlen))
                    goto fail;
            } else {
                memset(&in, 0, sizeof in);
                in.op = OP_TPREC;
                in.src = (uint32_t)abase;
                in.dst = (uint32_t)tbase;
                in.sum = (uint32_t)(tbase + pl.sum_off);
                in.rows = (uint32_t)rows;
                in.klen = (uint32_t)klen;
                in.stride = (uint32_t)gemm_act_bytes(a, (uint64_t)klen);
                in.tpad = (uint32_t)gemm_tpad_for(a, &pl.tpads, (uint64_t)klen);
                if (gemm_emit(p, &in, err, errlen))
                    goto fail;
                if (g + 1 < ngroups &&
                    emit_act_load(a, p, s, lay, &pl, gi + 1, m0, rows, g + 1, err, errlen))
                    goto fail;
            }
            for (int b = b_lo; b < b_hi; b++) {
                const int n0 = b * nt, ncols = s->n - n0 < nt ? s->n - n0 : nt;
                const uint64_t wbase = (wtile++ % 2) * pl.wgt_half;
                const uint64_t off = gemm_tile_offset(s, pl.tk, nt, g, b, &ib, &tb);
                const uint64_t ch = cdiv((uint64_t)klen, (uint64_t)pl.tk);
                const uint64_t meta_at =
                    wbase + align_up(gemm_tile_idx_sram(s, pl.tk, ch, ncols), ALIGN);
                if (gemm_emit_wtile(p, s, pl.tk, ncols, ib, tb, wbase, lay->w_addr + off, err,
                                    errlen))
                    goto fail;
                const gemm_group_op go = {
                    tbase, wbase, (acc_i++ % 2) * pl.acc_half, tbase + pl.sum_off, meta_at,
                    obase + (uint64_t)rows * (n0 - bn0) * 4, rows, ncols, klen, g > 0, 0,
                    s->tables_in_dram ? 0 : gemm_tpad_for(a, &pl.tpads, (uint64_t)klen)
                };
                if (gemm_emit_group(p, s, &go, err, errlen))
                    goto fail;
            }
        }
        /* the next tile: the next rows, or the first rows of the next block */
        const int more = m0 + (uint64_t)mt < s->m || bn0 + nb < s->n;
        const uint64_t next_m0 = m0 + (uint64_t)mt < s->m ? m0 + (uint64_t)mt : 0;
        if (more && !s->tables_in_dram) {
            const int next_rows = s->m - next_m0 < (uint64_t)mt ? (int)(s->m - next_m0) : mt;
            if (emit_act_load(a, p, s, lay, &pl, gi, next_m0, next_rows, 0, err, errlen))
                goto fail;
            act_ready = 1;
        }
        for (int b = b_lo; b < b_hi; b++) {
            const int n0 = b * nt, ncols = s->n - n0 < nt ? s->n - n0 : nt;
            memset(&in, 0, sizeof in);
            in.op = OP_STORE;
            in.buf = BUF_OUT;
            in.sram = (uint32_t)(obase + (uint64_t)rows * (n0 - bn0) * 4);
            in.dram = lay->c_addr + (m0 * (uint64_t)s->n + (uint64_t)n0) * 4;
            in.rows = (uint32_t)rows;
            in.bytes = (uint32_t)(ncols * 4);
            if (gemm_emit_dma(p, in, (uint64_t)s->n * 4, err, errlen))
                goto fail;
        }
    }
    }
    isa_instr halt;
    memset(&halt, 0, sizeof halt);
    halt.op = OP_HALT;
    if (gemm_emit(p, &halt, err, errlen))
        goto fail;
    return 0;
fail:
    program_free(p);
    return -1;
}

void *gemm_per_sub_group(const gemm_shape *s, const gemm_shape *x, const void *v, size_t size)
{
    const int ng = (s->kd + s->group_size - 1) / s->group_size;
    const int nsub = (x->kd + x->group_size - 1) / x->group_size;
    uint8_t *out = malloc((size_t)s->n * nsub * size);
    if (!out)
        return NULL;
    for (int col = 0; col < s->n; col++)
        for (int j = 0; j < nsub; j++) {
            int g = (int)((int64_t)j * x->group_size / s->group_size);
            memcpy(out + ((size_t)col * nsub + j) * size,
                   (const uint8_t *)v + ((size_t)col * ng + (g < ng ? g : ng - 1)) * size, size);
        }
    return out;
}

/* rows non-NULL (BitMoD formats): scales holds each group's scale code
 * (0..255, exact in binary32) and rows each column's row scale. */
static int fill(const arch_t *a, const gemm_shape *s, const gemm_layout *lay,
                const int8_t *act, const int8_t *w, const int32_t *z2, const float *scales,
                const float *rows, uint8_t *image, char *err, size_t errlen);

/* The run's groups of s0 (gemm_sub_group) into *x, and z2 / scales
 * repeated per sub-group into *z2x / *scx (malloc'ed; NULL when s0 is not
 * split or the input is NULL: use the input).  0, or -1 out of memory. */
static int split_inputs(const arch_t *a, const gemm_shape *s0, const int32_t *z2,
                        const float *scales, gemm_shape *x, int32_t **z2x, float **scx,
                        char *err, size_t errlen)
{
    *x = *s0;
    x->group_size = gemm_sub_group(a, s0);
    *z2x = NULL;
    *scx = NULL;
    if (x->group_size == s0->group_size)
        return 0;
    *z2x = z2 ? gemm_per_sub_group(s0, x, z2, sizeof *z2) : NULL;
    *scx = scales ? gemm_per_sub_group(s0, x, scales, sizeof *scales) : NULL;
    if ((z2 && !*z2x) || (scales && !*scx)) {
        free(*z2x);
        free(*scx);
        snprintf(err, errlen, "out of memory for the sub-groups' zero-points and scales");
        return -1;
    }
    return 0;
}

static int fill_groups(const arch_t *a, const gemm_shape *s0, const gemm_layout *lay,
                       const int8_t *act, const int8_t *w, const int32_t *z2,
                       const float *scales, const float *rows, uint8_t *image, char *err,
                       size_t errlen)
{
    gemm_shape x;
    int32_t *z2x;
    float *scx;
    if (split_inputs(a, s0, z2, scales, &x, &z2x, &scx, err, errlen) != 0)
        return -1;
    const int rc = fill(a, &x, lay, act, w, z2x ? z2x : z2, scx ? scx : scales, rows, image,
                        err, errlen);
    free(z2x);
    free(scx);
    return rc;
}

int gemm_fill(const arch_t *a, const gemm_shape *s0, const gemm_layout *lay,
              const int8_t *act, const int8_t *w, const int32_t *z2, const float *scales,
              uint8_t *image, char *err, size_t errlen)
{
    if (a->compute_kind != COMPUTE_LUT) /* plain int8 operands: no zero-points or scales */
        return gemm_mma_fill(a, s0, lay, act, w, image, err, errlen);
    if (lut_meta_is_bitmod(s0->mfmt)) {
        snprintf(err, errlen, "BitMoD metadata (mfmt %d) is written by gemm_fill_bitmod",
                 s0->mfmt);
        return -1;
    }
    return fill_groups(a, s0, lay, act, w, z2, scales, NULL, image, err, errlen);
}

/* BitMoD's n x groups scale codes as the floats fill takes (exact);
 * malloc'ed, NULL with a message. */
static float *bitmod_codes(const gemm_shape *s0, const uint8_t *scale_codes, char *err,
                           size_t errlen)
{
    const size_t ng = (size_t)((s0->kd + s0->group_size - 1) / s0->group_size);
    float *codes = malloc((size_t)s0->n * ng * sizeof *codes);
    if (!codes) {
        snprintf(err, errlen, "out of memory for the BitMoD scale codes");
        return NULL;
    }
    for (size_t i = 0; i < (size_t)s0->n * ng; i++)
        codes[i] = (float)scale_codes[i];
    return codes;
}

int gemm_fill_bitmod(const arch_t *a, const gemm_shape *s0, const gemm_layout *lay,
                     const int8_t *act, const int8_t *grid, const uint8_t *scale_codes,
                     const float *row_scales, uint8_t *image, char *err, size_t errlen)
{
    if (a->compute_kind != COMPUTE_LUT || !lut_meta_is_bitmod(s0->mfmt)) {
        snprintf(err, errlen, "BitMoD weights run on the LUT core with metadata format 8 "
                 "(this GEMM: mfmt %d)", s0->mfmt);
        return -1;
    }
    float *codes = bitmod_codes(s0, scale_codes, err, errlen);
    if (!codes)
        return -1;
    int rc = fill_groups(a, s0, lay, act, grid, NULL, codes, row_scales, image, err, errlen);
    free(codes);
    return rc;
}

/* Column j of tile's metadata for group g (rows: BitMoD, as fill). */
static int put_meta(const gemm_shape *s, int ngroups, const lut_packed *pk,
                    const float *scales, const float *rows, uint8_t *meta, int n0, int ncols,
                    int j, int g, char *err, size_t errlen)
{
    const size_t at = (size_t)(n0 + j) * ngroups + g;
    if (rows)
        return lut_meta_put_bitmod(s->mfmt, meta, (uint32_t)ncols, (uint32_t)j,
                                   (uint8_t)scales[at], rows[n0 + j], err, errlen);
    return lut_meta_put(s->mfmt, meta, (uint32_t)ncols, (uint32_t)j, pk->corr[at],
                        scales ? scales[at] : 1.0f, lut_post_shift(s->wtype.fmt), err, errlen);
}

/* w packed as the program of s (its run groups) holds it. */
static int pack_as_program(const arch_t *a, const gemm_shape *s, const int8_t *w,
                           const int32_t *z2, lut_packed *pk, char *err, size_t errlen)
{
    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, gemm_pack_type(s));
    cfg.tk = a->tile_k;
    cfg.group_size = s->group_size;
    return lut_pack(&cfg, w, s->n, s->kd, z2, pk, err, errlen);
}

static int fill(const arch_t *a, const gemm_shape *s, const gemm_layout *lay,
                const int8_t *act, const int8_t *w, const int32_t *z2, const float *scales,
                const float *rows, uint8_t *image, char *err, size_t errlen)
{
    lut_packed pk;
    if (pack_as_program(a, s, w, z2, &pk, err, errlen) != 0)
        return -1;
    /* one chunk's bit-planes before trit5 encoding (W x rb of an nt tile) */
    uint8_t *scratch = s->trit5 ? malloc((size_t)(2 * (((uint64_t)lay->nt * a->tile_k + 7) / 8))) : NULL;
    if (s->trit5 && !scratch) {
        snprintf(err, errlen, "out of memory for the trit5 encoder");
        lut_packed_free(&pk);
        return -1;
    }
    memset(image, 0, lay->image_bytes);
    memcpy(image + lay->a_addr, act, (size_t)gemm_act_bytes(a, s->m * (uint64_t)s->kd));
    plan pl;
    pl.tk = a->tile_k;
    const int nt = lay->nt, ntiles = (s->n + nt - 1) / nt, W = s->wtype.bits;
    for (int g = 0; g < lay->ngroups; g++) {
        const int c0 = pk.group_c0[g], nch = pk.group_c0[g + 1] - c0;
        for (int b = 0; b < ntiles; b++) {
            uint64_t ib, tb;
            const uint64_t off = gemm_tile_offset(s, pl.tk, nt, g, b, &ib, &tb);
            const int n0 = b * nt, ncols = s->n - n0 < nt ? s->n - n0 : nt;
            const uint64_t rb = ((uint64_t)ncols * pl.tk + 7) / 8;
            uint8_t *tile = image + lay->w_addr + off;
            for (int c = 0; c < nch; c++) {
                /* trit5: the planes of one chunk go through the encoder */
                uint8_t *planes = s->trit5 ? scratch : tile + (uint64_t)c * W * rb;
                memset(planes, 0, (size_t)(W * rb));
                for (int i = 0; i < W; i++) {
                    uint8_t *row = planes + (uint64_t)i * rb;
                    const uint8_t *src = pk.idx + ((size_t)(c0 + c) * W + i) * s->n + n0;
                    for (int j = 0; j < ncols; j++)
                        lut_field_put(row, (uint64_t)j, pl.tk, lut_field_from_idx(src[j], pl.tk));
                }
                uint64_t bad;
                const int kvalid = gemm_group_len(s, g) - c * pl.tk; /* > tk: a full chunk */
                if (s->trit5 && trit5_encode_row(planes, rb, pl.tk, kvalid,
                                                 tile + (uint64_t)c * trit5_row_bytes(rb, pl.tk),
                                                 &bad) != 0) {
                    snprintf(err, errlen, "packing: trit5 holds ternary weights -1, 0, +1; "
                             "column %llu has -2", (unsigned long long)(n0 + bad / (uint64_t)pl.tk));
                    free(scratch);
                    lut_packed_free(&pk);
                    return -1;
                }
            }
            for (int j = 0; j < ncols; j++) {
                if (put_meta(s, lay->ngroups, &pk, scales, rows, tile + ib, n0, ncols, j, g, err,
                             errlen) != 0) {
                    free(scratch);
                    lut_packed_free(&pk);
                    return -1;
                }
            }
        }
    }
    free(scratch);
    lut_packed_free(&pk);
    if (s->tables_in_dram) {
        /* What the fused producer writes: the tables and sums tprec would
         * have built, with the same arithmetic and saturation. */
        const int tk = a->tile_k, E = 1 << (tk - 1), eb = arch_entry_bytes(a);
        const uint8_t *ap = (const uint8_t *)act;
        for (uint64_t r = 0; r < s->m; r++) {
            uint8_t *row = image + lay->t_addr + r * lay->t_row_bytes;
            for (int g = 0; g < lay->ngroups; g++) {
                const int k0 = g * s->group_size, klen = gemm_group_len(s, g);
                int32_t sum = 0;
                for (int c = 0; c * tk < klen; c++) {
                    int32_t chunk[LUT_MAX_TK] = { 0 };
                    int len = klen - c * tk < tk ? klen - c * tk : tk;
                    for (int j = 0; j < len; j++) {
                        chunk[j] = lut_act_get(ap, r * (uint64_t)s->kd + (uint64_t)(k0 + c * tk + j),
                                               a->act_bits);
                        sum += chunk[j];
                    }
                    int32_t t[1 << (LUT_MAX_TK - 1)];
                    lut_table_precompute_i32(chunk, tk, t);
                    for (int e = 0; e < E; e++, row += eb)
                        lut_entry_put(row, eb, lut_entry_saturate(t[e], a->table_entry_bits));
                }
                uint8_t *sp = image + lay->s_addr + ((uint64_t)g * s->m + r) * 4;
                for (int k = 0; k < 4; k++)
                    sp[k] = (uint8_t)((uint32_t)sum >> (8 * k));
            }
        }
    }
    return 0;
}

int gemm_run_timing(const arch_t *arch, const energy_model *em, const gemm_shape *s,
                    sim_stats *st, gemm_layout *lay, char *err, size_t errlen)
{
    program p;
    if (gemm_lower(arch, s, &p, lay, err, errlen) != 0)
        return -1;
    int rc = sim_run(arch, em, &p, NULL, st, err, errlen);
    program_free(&p);
    return rc;
}

/* Timing of one column block, fast-forwarded in two directions: a block
 * is T M-tiles of G scale groups each, and in steady state every M-tile and
 * every group repeats the same instructions on alternating buffer halves.
 * Where T (or G) exceeds 8, programs with 4 and 6 of them (the last one
 * always the real, possibly shorter, last tile or group) are simulated and
 * the statistics extended linearly: bilinearly when both are long. */
static int block_timing(const arch_t *arch, const energy_model *em, const gemm_shape *s,
                        int mt, sim_stats *st, int *sampled, char *err, size_t errlen)
{
    gemm_layout lay;
    const uint64_t tiles = cdiv(s->m, (uint64_t)mt);
    const uint64_t groups = ((uint64_t)s->kd + s->group_size - 1) / s->group_size;
    const int ff_m = tiles > 8, ff_k = groups > 8;
    const uint64_t last_m = s->m - (tiles - 1) * (uint64_t)mt;
    const int last_k = s->kd - (int)(groups - 1) * s->group_size;
    uint64_t ms[2] = { s->m, s->m };
    int ks[2] = { s->kd, s->kd };
    if (ff_m) {
        ms[0] = 3 * (uint64_t)mt + last_m;
        ms[1] = 5 * (uint64_t)mt + last_m;
    }
    if (ff_k) {
        ks[0] = 3 * s->group_size + last_k;
        ks[1] = 5 * s->group_size + last_k;
    }
    sim_stats r[2][2];
    for (int i = 0; i <= ff_k; i++) {
        for (int j = 0; j <= ff_m; j++) {
            gemm_shape x = *s;
            x.m = ms[j];
            x.kd = ks[i];
            if (gemm_run_timing(arch, em, &x, &r[i][j], &lay, err, errlen) != 0)
                return -1;
        }
        if (ff_m && periodic_extend(&r[i][0], &r[i][1], tiles) != 0)
            goto too_many;
    }
    if (ff_k && periodic_extend(&r[0][0], &r[1][0], groups) != 0)
        goto too_many;
    *st = r[0][0];
    *sampled = ff_m || ff_k;
    return 0;
too_many:
    snprintf(err, errlen, "a %llux%dx%d GEMM's cycles or events exceed 2^63 - 1, the most "
             "lutsim can count", (unsigned long long)s->m, s->n, s->kd);
    return -1;
}

int gemm_timing(const arch_t *arch, const energy_model *em, const gemm_shape *s,
                sim_stats *st, int *sampled, char *err, size_t errlen)
{
    return gemm_timing_memo(NULL, arch, em, s, st, sampled, err, errlen);
}

int gemm_timing_memo(struct timing_memo *mm, const arch_t *arch, const energy_model *em,
                     const gemm_shape *s, sim_stats *st, int *sampled, char *err, size_t errlen)
{
    gemm_layout lay;
    *sampled = 0;
    if (arch->compute_kind != COMPUTE_LUT) /* programs of a few instructions per tile */
        return gemm_run_timing(arch, em, s, st, &lay, err, errlen);
    if (s->sched.loop != GEMM_LOOP_LEGACY)
        return gemm_blk_timing(mm, arch, em, s, st, sampled, err, errlen);
    /* The tiles the full program would use. */
    if (gemm_lower(arch, s, NULL, &lay, err, errlen) != 0)
        return -1;
    gemm_shape one = *s;
    one.group_size = gemm_sub_group(arch, s); /* the groups the programs run */
    one.force_mt = lay.mt;
    one.force_nt = lay.nt;
    one.force_nb = 0;
    if (lay.nb >= s->n) {
        if (block_timing(arch, em, &one, lay.mt, st, sampled, err, errlen) != 0)
            return -1;
    } else {
        /* Column blocks are independent programs in sequence: time a full
         * block and the last one; the fill and drain between blocks is
         * counted once per block. */
        const int blocks = (s->n + lay.nb - 1) / lay.nb;
        const int last = s->n - (blocks - 1) * lay.nb;
        sim_stats full;
        int s1 = 0, s2 = 0;
        one.n = lay.nb;
        if (block_timing(arch, em, &one, lay.mt, &full, &s1, err, errlen) != 0)
            return -1;
        memset(st, 0, sizeof *st);
        int bad = sim_stats_add(st, &full, (uint64_t)blocks - 1);
        one.n = last;
        if (block_timing(arch, em, &one, lay.mt, &full, &s2, err, errlen) != 0)
            return -1;
        if (bad || sim_stats_add(st, &full, 1) != 0) {
            snprintf(err, errlen, "a %llux%dx%d GEMM's cycles or events exceed 2^63 - 1, the "
                     "most lutsim can count", (unsigned long long)s->m, s->n, s->kd);
            return -1;
        }
        *sampled = 1; /* composed from blocks */
    }
    if (em)
        sim_energy(em, st);
    return 0;
}

/* pk->corr and scx (n x pk->ngroups) as the dq unit reads them: each
 * group's metadata tile written as fill writes it, read back. */
static int host_meta(const gemm_shape *x, lut_packed *pk, const float *scales,
                     const float *rows, float *scx, char *err, size_t errlen)
{
    const int n = x->n, ng = pk->ngroups, shift = lut_post_shift(x->wtype.fmt);
    uint8_t *meta = malloc((size_t)lut_meta_tile_bytes(x->mfmt, (uint64_t)n) + 1);
    if (!meta) {
        snprintf(err, errlen, "out of memory for the metadata");
        return -1;
    }
    int rc = 0;
    for (int g = 0; g < ng && rc == 0; g++) {
        for (int j = 0; j < n && rc == 0; j++)
            rc = put_meta(x, ng, pk, scales, rows, meta, 0, n, j, g, err, errlen);
        for (int j = 0; j < n && rc == 0; j++) {
            const size_t at = (size_t)j * ng + g;
            float sc;
            lut_meta_get(x->mfmt, meta, (uint32_t)n, (uint32_t)j, shift, &pk->corr[at], &sc);
            scx[at] = x->float_out ? sc : 1.0f;
        }
    }
    free(meta);
    return rc;
}

int gemm_host_operands(const arch_t *a, const gemm_shape *s0, const int8_t *w,
                       const int32_t *z2, const float *scales, const uint8_t *scale_codes,
                       const float *row_scales, lut_packed *pk, float **scx, char *err,
                       size_t errlen)
{
    float *codes = NULL, *ssub = NULL;
    int32_t *z2x = NULL;
    gemm_shape x;
    *scx = NULL;
    memset(pk, 0, sizeof *pk);
    if (row_scales && !(codes = bitmod_codes(s0, scale_codes, err, errlen)))
        return -1;
    int rc = split_inputs(a, s0, z2, codes ? codes : scales, &x, &z2x, &ssub, err, errlen);
    if (rc == 0)
        rc = pack_as_program(a, &x, w, z2x ? z2x : z2, pk, err, errlen);
    if (rc == 0 && !(*scx = malloc((size_t)x.n * (size_t)pk->ngroups * sizeof **scx))) {
        snprintf(err, errlen, "out of memory for the scales");
        rc = -1;
    }
    if (rc == 0)
        rc = host_meta(&x, pk, ssub ? ssub : codes ? codes : scales, row_scales, *scx, err,
                       errlen);
    if (rc != 0) {
        lut_packed_free(pk);
        free(*scx);
        *scx = NULL;
    }
    free(codes);
    free(ssub);
    free(z2x);
    return rc;
}

int gemm_host_run(const arch_t *a, const lut_packed *pk, const float *scx, const void *act,
                  int m, float *out, lut_counts *counts, char *err, size_t errlen)
{
    if (!a->act_fmt)
        return lut_gemm_f32(pk, act, m, scx, out, counts, err, errlen);
    const struct lut_float_fmt f = { a->act_fmt, a->table_fmt };
    return lut_gemm_fact(pk, f, act, m, scx, out, counts, err, errlen);
}
