/* fusion.c - which vector work fuses into which GEMM, and the epilogue
 * woven into the GEMM's program (the rules are in fusion.h). */
#include "fusion.h"

#include "count.h"
#include "fp_arith.h"
#include "gemm_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int fusion_elem_bytes(const arch_t *a) { return fp_bytes((fp_type)a->vector_dtype); }

int fusion_out_bytes(const arch_t *a, const gemm_shape *s)
{
    return s->epi.quant ? 1 : fusion_elem_bytes(a);
}

int fusion_epi_sources(const gemm_shape *s)
{
    if (!s->epi.on)
        return 0;
    return s->epi.fn == VFN_ADD_F32 || s->epi.fn == VFN_MUL_F32 ? 2 : 1;
}

uint64_t fusion_compulsory_bytes(const arch_t *a, const gemm_shape *s, uint64_t plain)
{
    if (!s->epi.on && !s->in_quant)
        return plain;
    if (!s->epi.on) {
        int ovf = 0;
        uint64_t b = count_addmul(plain, count_mul(s->m, (uint64_t)s->kd, &ovf),
                                  (uint64_t)fusion_elem_bytes(a) - 1, &ovf);
        if (s->in_quant == GEMM_INQ_NORM) /* the rows' sums of squares */
            b = count_addmul(b, s->m, 4, &ovf);
        return ovf ? COUNT_MAX : b;
    }
    int ovf = 0;
    const uint64_t mn = count_mul(s->m, (uint64_t)s->n, &ovf);
    uint64_t b = plain - count_mul(mn, 4, &ovf);
    b = count_addmul(b, mn, (uint64_t)fusion_out_bytes(a, s), &ovf);
    if (fusion_epi_sources(s) == 2)
        b = count_addmul(b, mn, (uint64_t)fusion_elem_bytes(a), &ovf);
    if (s->epi.stat) /* each row's sum of squares, a float32 */
        b = count_addmul(b, s->m, 4, &ovf);
    if (s->in_quant) /* A once at vector.dtype instead of INT8 */
        b = count_addmul(b, count_mul(s->m, (uint64_t)s->kd, &ovf),
                         (uint64_t)fusion_elem_bytes(a) - 1, &ovf);
    if (s->in_quant == GEMM_INQ_NORM)
        b = count_addmul(b, s->m, 4, &ovf);
    return ovf ? COUNT_MAX : b;
}

uint64_t fusion_out_reserve(const arch_t *a, const gemm_shape *s, uint64_t act_tile,
                            uint64_t act_rows, uint64_t c_tile)
{
    const uint64_t esz = (uint64_t)fusion_elem_bytes(a);
    uint64_t r = 0;
    if (s->in_quant)
        r += 2 * gemm_align(act_tile * esz);
    if (s->in_quant == GEMM_INQ_NORM) /* the tile's rows' sums of squares */
        r += 2 * gemm_align(4 * act_rows);
    if (fusion_epi_sources(s) == 2)
        r += 2 * gemm_align(c_tile * esz);
    return r;
}

/* ---- the epilogue woven into a program ---- */

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

#define PRO_STAGES 8 /* the prologue's stage slots, at most */

/* The end of what instruction `in` touches in the output buffer (an upper
 * bound: every vop element counted at 4 bytes). */
static uint64_t out_end(const isa_instr *in)
{
    const uint64_t mn4 = (uint64_t)in->m * in->n * 4, len4 = (uint64_t)in->len * 4;
    switch (in->op) {
    case OP_LOAD:
    case OP_STORE:
        return in->buf == BUF_OUT ? in->sram + (uint64_t)in->rows * in->bytes : 0;
    case OP_LMMA: return in->acc + mn4;
    case OP_LMMAG: return in->acc + (uint64_t)in->groups * mn4;
    case OP_DQ: return max64(in->acc, in->dst) + mn4;
    case OP_VOP: {
        uint64_t e = 0;
        if (in->sbuf == BUF_OUT)
            e = max64(in->src, in->src2) + len4;
        if (in->dbuf == BUF_OUT)
            e = max64(e, in->dst + len4);
        return e;
    }
    default: return 0;
    }
}

/* Everything one weave needs. */
typedef struct {
    const arch_t *a;
    const gemm_shape *s;
    const gemm_layout *lay;
    program *out;
    int esz, osz, srcs;
    isa_vfn cvt;         /* VFN_COPY: vector.dtype is float32, nothing to convert */
    isa_vfn fn, quant;   /* at vector.dtype; fn VFN_COPY: none */
    uint64_t slot_base, slot_bytes;
    int slots;           /* 2: prefetched operands; 0: in the tile's upper half */
    uint64_t stage_base, stage_bytes; /* in_quant: A tiles at vector.dtype, output buffer */
    int stages;
    uint64_t ss_bytes;   /* GEMM_INQ_NORM: a ring of the loads' rows' sums after the tiles */
    uint64_t ss_lo, ss_hi, ss_n; /* the rows the last sums loaded cover, sums loaded so far
                                    (made inv in place: rms_apply reads them at src2) */
    uint64_t nstaged;    /* A loads woven so far (their stage slots alternate) */
    /* epi.stat: per row the next column its sum expects (column order is
     * checked), the ring of float32 slots (row r's at stat_base + 4 *
     * slot_of[r]), which row holds each slot (or UINT64_MAX), and the rows
     * a store finishes (their sums are stored after it) */
    uint64_t *next, *slot_of, *holder, *fin;
    uint64_t stat_base, nslots, starts, nfin;
    uint64_t cur_tile;   /* the output-buffer address of the tile being finished */
    uint64_t live, most; /* stat_plan: rows unfinished now, and at most */
    buf_id stat_buf;     /* the buffer the slots are in */
    uint64_t run_row, run_col, run_len, run_at, run_rows; /* segments not yet emitted */
    int stat;
    char *err;
    size_t errlen;
} weave;

static int is_c_store(const weave *w, const isa_instr *in)
{
    const uint64_t c_end = w->lay->c_addr + w->s->m * (uint64_t)w->s->n * 4;
    return in->op == OP_STORE && in->buf == BUF_OUT && in->dram >= w->lay->c_addr &&
           in->dram < c_end;
}

static int is_a_load(const weave *w, const isa_instr *in)
{
    const uint64_t a_end = w->lay->a_addr + w->s->m * (uint64_t)w->s->kd;
    return w->s->in_quant && in->op == OP_LOAD && in->buf == BUF_ACT &&
           in->dram >= w->lay->a_addr && in->dram < a_end;
}

static int emit(weave *w, const isa_instr *in)
{
    return gemm_emit(w->out, in, w->err, w->errlen);
}

/* One contiguous transfer of bytes between buffer b and DRAM. */
static isa_instr flat_dma(isa_op op, buf_id b, uint64_t sram, uint64_t dram, uint64_t bytes)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = op;
    in.buf = (uint32_t)b;
    in.sram = (uint32_t)sram;
    in.dram = dram;
    in.rows = 1;
    in.bytes = (uint32_t)bytes;
    in.stride = in.bytes;
    return in;
}

/* The store's geometry at `esz` bytes an element from `base` (its
 * elements' offsets are those of the float32 store into C). */
static isa_instr rescaled(const weave *w, const isa_instr *st, isa_op op, uint64_t base, int esz)
{
    isa_instr in = *st;
    in.op = op;
    in.bytes = st->bytes / 4 * (uint32_t)esz;
    in.stride = st->rows == 1 ? in.bytes : st->stride / 4 * (uint32_t)esz;
    in.dram = base + (st->dram - w->lay->c_addr) / 4 * (uint64_t)esz;
    return in;
}

/* The second operand of the tile that `st` stores, into buffer address at. */
static int emit_operand(weave *w, const isa_instr *st, uint64_t at)
{
    isa_instr in = rescaled(w, st, OP_LOAD, w->lay->e_addr, w->esz);
    in.sram = (uint32_t)at;
    return emit(w, &in);
}

static int vop(weave *w, isa_vfn fn, uint64_t src, uint64_t src2, uint64_t dst, uint64_t len)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_VOP;
    in.fn = (uint32_t)fn;
    in.sbuf = BUF_OUT;
    in.dbuf = BUF_OUT;
    in.src = (uint32_t)src;
    in.src2 = (uint32_t)src2;
    in.dst = (uint32_t)dst;
    in.len = (uint32_t)len;
    return emit(w, &in);
}

/* The A rows [*lo, *hi] an activation load ld touches (A is m x kd INT8
 * row-major at a_addr: an element's index is its byte offset). */
static void load_rows(const weave *w, const isa_instr *ld, uint64_t *lo, uint64_t *hi)
{
    const uint64_t kd = (uint64_t)w->s->kd, e0 = ld->dram - w->lay->a_addr;
    *lo = e0 / kd;
    *hi = (e0 + (uint64_t)(ld->rows - 1) * ld->stride + ld->bytes - 1) / kd;
}

/* GEMM_INQ_NORM: the rows' sums of the staged tile (in, at vector.dtype
 * in the output buffer) beside it, made inv in place (rms_stat's inv mode,
 * over the whole row's length), then rms_apply, the final scaling and the
 * quantize step into ld's place: one vop for the load when its DMA rows
 * are consecutive A rows, each a K span of its row (rows of `row`
 * elements, an inv each), else one a row segment. */
static int emit_norm_apply(weave *w, const isa_instr *ld, const isa_instr *in)
{
    uint64_t lo, hi;
    load_rows(w, ld, &lo, &hi);
    /* the sums once for the loads of the same rows in a row (a row block's
     * groups, or its K spans); the ring's slot is reused `stages` loads on */
    const int fresh = w->ss_n == 0 || lo != w->ss_lo || hi != w->ss_hi;
    w->ss_n += fresh;
    w->ss_lo = lo;
    w->ss_hi = hi;
    const uint64_t ss = w->stage_base + (uint64_t)w->stages * w->stage_bytes +
                        ((w->ss_n - 1) % (uint64_t)w->stages) * w->ss_bytes;
    const uint32_t t = (uint32_t)w->a->vector_dtype;
    const uint64_t kd = (uint64_t)w->s->kd, nrows = hi - lo + 1;
    if (fresh) {
        const isa_instr sl = flat_dma(OP_LOAD, BUF_OUT, ss, w->lay->n_addr + 4 * lo, 4 * nrows);
        isa_instr iv;
        memset(&iv, 0, sizeof iv);
        iv.op = OP_VOP;
        iv.fn = VFN_RMS_STAT;
        iv.imm = t | (uint32_t)RMS_INV << RMS_MODE_SHIFT;
        iv.sbuf = iv.dbuf = BUF_OUT;
        iv.src = iv.dst = (uint32_t)ss;
        iv.src2 = (uint32_t)kd;
        iv.len = (uint32_t)nrows;
        if (emit(w, &sl) != 0 || emit(w, &iv) != 0)
            return -1;
    }
    isa_instr ap;
    memset(&ap, 0, sizeof ap);
    ap.op = OP_VOP;
    ap.fn = VFN_RMS_APPLY;
    ap.imm = t;
    ap.sbuf = BUF_OUT;
    ap.dbuf = BUF_ACT;
    const uint64_t col0 = (ld->dram - w->lay->a_addr) % kd, total = (uint64_t)ld->rows * ld->bytes;
    if ((ld->rows == 1 || ld->stride == kd) && col0 + ld->bytes <= kd &&
        total <= isa_field_max(OP_VOP, "len") && ld->bytes <= isa_field_max(OP_VOP, "row")) {
        ap.src = in->sram;
        ap.src2 = (uint32_t)ss;
        ap.dst = ld->sram;
        ap.len = (uint32_t)total;
        ap.row = ld->rows > 1 ? ld->bytes : 0;
        return emit(w, &ap);
    }
    for (uint64_t rr = 0; rr < ld->rows; rr++) {
        uint64_t e = ld->dram - w->lay->a_addr + rr * ld->stride, at = rr * ld->bytes;
        for (uint64_t left = ld->bytes; left > 0;) {
            const uint64_t col = e % kd, len = left < kd - col ? left : kd - col;
            ap.src = (uint32_t)(in->sram + at * (uint64_t)w->esz);
            ap.src2 = (uint32_t)(ss + 4 * (e / kd - lo));
            ap.dst = (uint32_t)(ld->sram + at);
            ap.len = (uint32_t)len;
            if (emit(w, &ap) != 0)
                return -1;
            e += len;
            at += len;
            left -= len;
        }
    }
    return 0;
}

/* The prologue of an activation load ld: the tile at vector.dtype into a
 * stage slot of the output buffer, quantized into ld's place (the INT8 the
 * schedule's tprec reads), or (GEMM_INQ_NORM) normed and quantized. */
static int emit_prologue(weave *w, const isa_instr *ld)
{
    isa_instr in = *ld;
    const uint64_t k = w->nstaged++ % (uint64_t)w->stages;
    in.buf = BUF_OUT;
    in.sram = (uint32_t)(w->stage_base + k * w->stage_bytes);
    in.bytes = ld->bytes * (uint32_t)w->esz;
    in.stride = ld->rows == 1 ? in.bytes : ld->stride * (uint32_t)w->esz;
    in.dram = w->lay->q_addr + (ld->dram - w->lay->a_addr) * (uint64_t)w->esz;
    if (emit(w, &in) != 0)
        return -1;
    if (w->s->in_quant == GEMM_INQ_NORM)
        return emit_norm_apply(w, ld, &in);
    isa_instr q;
    memset(&q, 0, sizeof q);
    q.op = OP_VOP;
    q.fn = (uint32_t)isa_vfn_at(VFN_QUANT_F32, (fp_type)w->a->vector_dtype);
    q.sbuf = BUF_OUT;
    q.src = in.sram;
    q.dbuf = BUF_ACT;
    q.dst = ld->sram;
    q.len = (uint32_t)((uint64_t)ld->rows * ld->bytes);
    return emit(w, &q);
}

/* ---- the rows' sums of squares (epi.stat) ---- */

/* The segments of output rows a C store writes: DMA row rr holds
 * bytes / 4 elements from C element (dram - c_addr) / 4 + rr * stride / 4,
 * at tile element rr * bytes / 4 in the buffer; a contiguous store may
 * cross C rows.  fn(w, row, col, len, tile element) for each, in order;
 * stops at the first non-zero return. */
typedef int (*seg_fn)(weave *w, uint64_t row, uint64_t col, uint64_t len, uint64_t at);

static int each_segment(weave *w, const isa_instr *st, seg_fn fn)
{
    const uint64_t n = (uint64_t)w->s->n, per = st->bytes / 4;
    for (uint64_t rr = 0; rr < st->rows; rr++) {
        uint64_t e = (st->dram - w->lay->c_addr) / 4 + rr * (st->stride / 4), at = rr * per;
        for (uint64_t left = per; left > 0;) {
            const uint64_t col = e % n, len = left < n - col ? left : n - col;
            if (fn(w, e / n, col, len, at) != 0)
                return -1;
            e += len;
            at += len;
            left -= len;
        }
    }
    return 0;
}

/* The end of what p's transfers and vops touch in each buffer (the
 * other units read inside what the transfers filled). */
static void buf_highs(const program *p, uint64_t *high)
{
    for (int b = 0; b < BUF_COUNT; b++)
        high[b] = 0;
    for (size_t i = 0; i < p->n; i++) {
        const isa_instr *in = &p->ins[i];
        if (in->op == OP_LOAD || in->op == OP_STORE || in->op == OP_LOADT) {
            const uint64_t row = (uint64_t)in->bytes * (in->op == OP_LOADT ? 2 : 1);
            high[in->buf] = max64(high[in->buf], in->sram + (uint64_t)in->rows * row);
        } else if (in->op == OP_VOP) {
            const uint64_t len4 = (uint64_t)in->len * 4; /* an upper bound */
            high[in->sbuf] = max64(high[in->sbuf], max64(in->src, in->src2) + len4);
            high[in->dbuf] = max64(high[in->dbuf], in->dst + len4);
        }
    }
}

/* Pass 1 (no emission): checks the column order and counts the slots. */

static int seg_count(weave *w, uint64_t row, uint64_t col, uint64_t len, uint64_t at)
{
    (void)at;
    if (w->next[row] != col) {
        snprintf(w->err, w->errlen, "fused norm statistic: row %llu's column tiles arrive out "
                 "of column order (column %llu after %llu)", (unsigned long long)row,
                 (unsigned long long)col, (unsigned long long)w->next[row]);
        return -1;
    }
    if (col == 0 && ++w->live > w->most)
        w->most = w->live;
    w->next[row] += len;
    return 0;
}

static int seg_finish(weave *w, uint64_t row, uint64_t col, uint64_t len, uint64_t at)
{
    (void)row;
    (void)at;
    if (col + len == (uint64_t)w->s->n)
        w->live--; /* its slot frees after the store */
    return 0;
}

/* The slots the schedule needs (rows unfinished at once, counted across
 * each store: a row finishing frees its slot only once its sum is
 * stored), two rings of them when they fit above everything else. */
static int stat_plan(weave *w, const program *p, uint64_t base)
{
    const uint64_t m = w->s->m;
    w->next = calloc(m, sizeof *w->next);
    w->slot_of = calloc(m, sizeof *w->slot_of);
    if (!w->next || !w->slot_of) {
        snprintf(w->err, w->errlen, "out of memory");
        return -1;
    }
    w->live = w->most = 0;
    for (size_t i = 0; i < p->n; i++)
        if (is_c_store(w, &p->ins[i]) && (each_segment(w, &p->ins[i], seg_count) != 0 ||
                                          each_segment(w, &p->ins[i], seg_finish) != 0))
            return -1;
    for (uint64_t r = 0; r < m; r++)
        if (w->next[r] != (uint64_t)w->s->n) {
            snprintf(w->err, w->errlen, "fused norm statistic: row %llu is stored in part",
                     (unsigned long long)r);
            return -1;
        }
    memset(w->next, 0, m * sizeof *w->next);
    /* The slots: one per row when no slot is used twice (every row
     * unfinished at once: column blocks outer), else two rings so a row's
     * sum is not overwritten while its store waits; above everything the
     * schedule uses in the output buffer, else in the act or weight buffer
     * (the mapper leaves them no room of their own: a few bytes a row). */
    uint64_t high[BUF_COUNT];
    buf_highs(p, high);
    high[BUF_OUT] = base;
    static const buf_id where[] = { BUF_OUT, BUF_ACT, BUF_WGT };
    const uint64_t want = w->most < m ? 2 * w->most : w->most;
    w->nslots = 0;
    for (int i = 0; i < 3 && w->nslots == 0; i++)
        for (uint64_t k = want; k >= w->most && w->nslots == 0; k -= w->most) {
            if (gemm_align(high[where[i]]) + 4 * k <= arch_buf_bytes(w->a, where[i])) {
                w->stat_buf = where[i];
                w->stat_base = gemm_align(high[where[i]]);
                w->nslots = k;
            }
            if (k == w->most)
                break;
        }
    if (w->nslots == 0) {
        snprintf(w->err, w->errlen, "fused norm statistic: no room in the output, act or "
                 "weight buffer for %llu row sums (%llu B)", (unsigned long long)w->most,
                 (unsigned long long)(4 * w->most));
        return -1;
    }
    w->holder = malloc(w->nslots * sizeof *w->holder);
    w->fin = malloc(w->nslots * sizeof *w->fin);
    if (!w->holder || !w->fin) {
        snprintf(w->err, w->errlen, "out of memory");
        return -1;
    }
    for (uint64_t k = 0; k < w->nslots; k++)
        w->holder[k] = UINT64_MAX;
    return 0;
}

static void stat_free(weave *w)
{
    free(w->next);
    free(w->slot_of);
    free(w->holder);
    free(w->fin);
}

/* Pass 2: a segment's squares added to its row's slot (a new row takes
 * the next slot of the ring, which its last holder must have left: the
 * rows finish in the order they start).  Segments of consecutive rows at
 * the same columns, in consecutive slots and back to back in the tile,
 * become one rms_stat of several rows (src2: the row length). */
static int flush_run(weave *w)
{
    if (w->run_rows == 0)
        return 0;
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_VOP;
    in.fn = VFN_RMS_STAT;
    in.imm = (uint32_t)w->a->vector_dtype |
             (uint32_t)(w->run_col == 0 ? RMS_PART_FIRST : RMS_PART_MORE) << RMS_MODE_SHIFT;
    in.sbuf = BUF_OUT;
    in.src = (uint32_t)(w->cur_tile + w->run_at * (uint64_t)w->esz);
    in.src2 = w->run_rows > 1 ? (uint32_t)w->run_len : 0;
    in.dbuf = (uint32_t)w->stat_buf;
    in.dst = (uint32_t)(w->stat_base + 4 * w->slot_of[w->run_row]);
    in.len = (uint32_t)(w->run_len * w->run_rows);
    w->run_rows = 0;
    return emit(w, &in);
}

static int seg_emit(weave *w, uint64_t row, uint64_t col, uint64_t len, uint64_t at)
{
    if (col == 0) {
        const uint64_t k = w->starts++ % w->nslots;
        if (w->holder[k] != UINT64_MAX) {
            snprintf(w->err, w->errlen, "fused norm statistic: row %llu starts before row %llu "
                     "finishes", (unsigned long long)row, (unsigned long long)w->holder[k]);
            return -1;
        }
        w->holder[k] = row;
        w->slot_of[row] = k;
    }
    const uint64_t r = w->run_rows;
    const int joins = r > 0 && col == w->run_col && len == w->run_len && row == w->run_row + r &&
                      w->slot_of[row] == w->slot_of[w->run_row] + r &&
                      at == w->run_at + r * len && (r + 1) * len < (1u << 23);
    if (!joins) {
        if (flush_run(w) != 0)
            return -1;
        w->run_row = row;
        w->run_col = col;
        w->run_len = len;
        w->run_at = at;
    }
    w->run_rows++;
    if (col + len == (uint64_t)w->s->n)
        w->fin[w->nfin++] = row;
    return 0;
}

/* The sums of the rows the last store finished, one store per run of
 * consecutive rows in consecutive slots; their slots are free again. */
static int emit_stat_stores(weave *w)
{
    for (uint64_t i = 0; i < w->nfin;) {
        const uint64_t r0 = w->fin[i], k0 = w->slot_of[r0];
        uint64_t j = i + 1;
        while (j < w->nfin && w->fin[j] == r0 + (j - i) && w->slot_of[w->fin[j]] == k0 + (j - i) &&
               j - i < 32768)
            j++;
        const isa_instr in = flat_dma(OP_STORE, w->stat_buf, w->stat_base + 4 * k0,
                                      w->lay->r_addr + 4 * r0, 4 * (j - i));
        if (emit(w, &in) != 0)
            return -1;
        for (uint64_t x = i; x < j; x++)
            w->holder[w->slot_of[w->fin[x]]] = UINT64_MAX;
        i = j;
    }
    w->nfin = 0;
    return 0;
}

/* The j-th tile's epilogue and its store (st: the plain store). */
static int emit_epilogue(weave *w, const isa_instr *st, uint64_t j)
{
    const uint64_t t = st->sram, len = (uint64_t)st->rows * st->bytes / 4;
    if (w->cvt != VFN_COPY && vop(w, w->cvt, t, 0, t, len) != 0)
        return -1;
    if (w->fn != VFN_COPY) {
        uint64_t src2 = 0;
        if (w->srcs == 2 && w->slots == 0) {
            src2 = t + len * (uint64_t)w->esz;
            if (emit_operand(w, st, src2) != 0)
                return -1;
        } else if (w->srcs == 2) {
            src2 = w->slot_base + (j % 2) * w->slot_bytes;
        }
        if (vop(w, w->fn, t, src2, t, len) != 0)
            return -1;
    }
    if (w->quant != VFN_COPY && vop(w, w->quant, t, 0, t, len) != 0)
        return -1;
    isa_instr out = rescaled(w, st, OP_STORE, w->lay->c_addr, w->osz);
    if (emit(w, &out) != 0)
        return -1;
    if (!w->stat)
        return 0;
    /* the sums after the store (both only read the tile: they overlap) */
    w->cur_tile = t;
    if (each_segment(w, st, seg_emit) != 0 || flush_run(w) != 0)
        return -1;
    return emit_stat_stores(w);
}

static int weave_setup(weave *w, const program *p, char *err, size_t errlen)
{
    const fp_type t = (fp_type)w->a->vector_dtype;
    w->esz = fp_bytes(t);
    w->osz = fusion_out_bytes(w->a, w->s);
    w->srcs = fusion_epi_sources(w->s);
    w->cvt = t == FP_F16 ? VFN_CVT_F16 : t == FP_BF16 ? VFN_CVT_BF16 : VFN_COPY;
    w->fn = VFN_COPY;
    if (w->s->epi.fn != VFN_COPY) {
        const int f = isa_vfn_at((isa_vfn)w->s->epi.fn, t);
        if (f < 0)
            FAIL("fused epilogue: vector function %d has no %s form", w->s->epi.fn,
                 fp_type_names[t]);
        w->fn = (isa_vfn)f;
    }
    w->quant = w->s->epi.quant ? (isa_vfn)isa_vfn_at(VFN_QUANT_F32, t) : VFN_COPY;
    uint64_t high = 0, tile = 0, atile = 0, ssb = 0;
    for (size_t i = 0; i < p->n; i++) {
        const isa_instr *in = &p->ins[i];
        high = max64(high, out_end(in));
        if (w->s->epi.on && is_c_store(w, in))
            tile = max64(tile, (uint64_t)in->rows * in->bytes / 4 * (uint64_t)w->esz);
        if (is_a_load(w, in)) {
            atile = max64(atile, (uint64_t)in->rows * in->bytes * (uint64_t)w->esz);
            uint64_t lo, hi;
            load_rows(w, in, &lo, &hi);
            if (w->s->in_quant == GEMM_INQ_NORM)
                ssb = max64(ssb, 4 * (hi - lo + 1));
        }
    }
    w->slot_base = gemm_align(high);
    w->slot_bytes = gemm_align(tile);
    w->slots = w->srcs == 2 && w->slot_base + 2 * w->slot_bytes <= arch_buf_bytes(w->a, BUF_OUT)
                   ? 2 : 0;
    if (w->srcs == 2 && w->slots == 0 && w->esz == 4)
        FAIL("fused epilogue: no room in the output buffer for its second operand "
             "(%llu B above the schedule's %llu B; vector.dtype float32 frees none in place)",
             (unsigned long long)(2 * w->slot_bytes), (unsigned long long)high);
    /* the prologue's stage slots above the operand slots: two when they fit */
    const uint64_t room = arch_buf_bytes(w->a, BUF_OUT);
    w->stage_base = w->slot_base + (uint64_t)w->slots * w->slot_bytes;
    w->stage_bytes = gemm_align(atile);
    w->ss_bytes = gemm_align(ssb); /* (in the output buffer: rms_apply reads it at src2) */
    const uint64_t stage = w->stage_bytes + w->ss_bytes;
    /* as many stages as the room holds, up to PRO_STAGES: a short tile's
     * load waits for the vop that read its slot last (decode: a row's
     * group spans, 128 elements each, back to back) */
    w->stages = 0;
    while (w->stages < PRO_STAGES && w->stage_base + (uint64_t)(w->stages + 1) * stage <= room)
        w->stages++;
    if (w->s->in_quant && w->stages == 0)
        FAIL("fused prologue: no room in the output buffer for an activation tile at %s "
             "(%llu B above the schedule's %llu B)", fp_type_names[t],
             (unsigned long long)stage, (unsigned long long)w->stage_base);
    w->stat = w->s->epi.on && w->s->epi.stat;
    if (w->stat && w->s->epi.quant)
        FAIL("fused norm statistic: the epilogue's output is quantized, not the norm's input");
    if (w->stat)
        return stat_plan(w, p, w->stage_base + (uint64_t)w->stages * stage);
    return 0;
}

int fusion_weave(const arch_t *a, const gemm_shape *s, const gemm_layout *lay, program *p,
                 char *err, size_t errlen)
{
    weave w;
    memset(&w, 0, sizeof w);
    w.a = a;
    w.s = s;
    w.lay = lay;
    w.err = err;
    w.errlen = errlen;
    if (weave_setup(&w, p, err, errlen) != 0) {
        stat_free(&w);
        return -1;
    }
    program out;
    program_init(&out);
    w.out = &out;
    /* the C stores in order: operand j + 1 is fetched before tile j's epilogue */
    size_t nst = 0, *at = NULL;
    for (size_t i = 0; s->epi.on && i < p->n; i++)
        nst += is_c_store(&w, &p->ins[i]);
    if (nst && !(at = malloc(nst * sizeof *at))) {
        snprintf(err, errlen, "out of memory");
        stat_free(&w);
        return -1;
    }
    for (size_t i = 0, k = 0; k < nst && i < p->n; i++)
        if (is_c_store(&w, &p->ins[i]))
            at[k++] = i;
    int rc = 0;
    if (w.slots && nst)
        rc = emit_operand(&w, &p->ins[at[0]], w.slot_base);
    for (size_t i = 0, j = 0; rc == 0 && i < p->n; i++) {
        if (j < nst && at[j] == i) {
            if (w.slots && j + 1 < nst)
                rc = emit_operand(&w, &p->ins[at[j + 1]], w.slot_base + ((j + 1) % 2) * w.slot_bytes);
            if (rc == 0)
                rc = emit_epilogue(&w, &p->ins[i], j);
            j++;
        } else if (is_a_load(&w, &p->ins[i])) {
            rc = emit_prologue(&w, &p->ins[i]);
        } else {
            rc = emit(&w, &p->ins[i]);
        }
    }
    free(at);
    stat_free(&w);
    program_free(p);
    *p = out;
    if (rc != 0)
        program_free(p);
    return rc;
}

/* ---- what fuses ---- */

static int named(const model_op *o, const char *name) { return strcmp(o->name, name) == 0; }

static int find(const model_op *ops, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (named(&ops[i], name))
            return i;
    return -1;
}

/* Linear l's output is exactly the elements of op v. */
static int covers(const model_op *l, const model_op *v, uint64_t extra)
{
    return l->kind == MODEL_OP_LINEAR && l->count == 1 && v->count == 1 &&
           l->repeat == v->repeat && l->m * l->n + extra == v->elements;
}

static void absorb(fusion_plan *fp, int v, int l, int fn, int quant)
{
    fp->into[v] = l;
    fp->epi[l] = (gemm_epilogue){ 1, fn, quant, 0 };
}

/* An rmsnorm v of linear l's rows (the residual add in l's epilogue
 * between them) into a linear layer: l's epilogue also sums the squares
 * of each row (lower.c still checks that v runs split on whole rows). */
static void stat_into(fusion_plan *fp, const model_op *ops, int n, int l, int v)
{
    if (v + 1 >= n || ops[v].kind != MODEL_OP_NORM || strcmp(ops[v].func, "rmsnorm") != 0 ||
        !covers(&ops[l], &ops[v], 0) || ops[v + 1].kind != MODEL_OP_LINEAR ||
        ops[v + 1].k != ops[l].n)
        return;
    fp->epi[l].stat = 1;
    fp->stat_of[v] = l;
}

/* The final norm v after the last layer's linear l reads some of its rows
 * (the last token of each sequence, or all of them in decode). */
static void stat_into_final(fusion_plan *fp, const model_op *ops, int n, int l, int v)
{
    const model_op *o = &ops[v], *g = &ops[l];
    if (v + 1 >= n || o->kind != MODEL_OP_NORM || strcmp(o->func, "rmsnorm") != 0 ||
        o->repeat != 1 || g->repeat < 2 || o->count != 1 || g->n == 0 ||
        o->elements % g->n != 0 || o->elements > g->m * g->n ||
        ops[v + 1].kind != MODEL_OP_LINEAR || ops[v + 1].k != g->n)
        return;
    fp->epi[l].stat = 1;
    fp->stat_of[v] = l;
}

void fusion_unstat(fusion_plan *fp, int v)
{
    const int l = fp->stat_of[v];
    fp->stat_of[v] = -1;
    fp->stat_wrap[v] = 0;
    if (l < 0)
        return;
    for (int u = 0; u < MODEL_MAX_OPS; u++)
        if (fp->stat_of[u] == l)
            return; /* another norm still reads l's sums */
    fp->epi[l].stat = 0;
}

void fusion_plan_of(const arch_t *a, const model_op *ops, int n, fusion_plan *fp)
{
    for (int i = 0; i < MODEL_MAX_OPS; i++) {
        fp->into[i] = fp->also[i] = -1;
        fp->left[i] = 0;
        fp->epi[i] = (gemm_epilogue){ 0, VFN_COPY, 0, 0 };
        fp->qin[i] = FUSION_QIN_NONE;
        fp->stat_of[i] = -1;
        fp->stat_wrap[i] = 0;
    }
    for (int i = 1; i < n; i++)
        if (ops[i].kind == MODEL_OP_LINEAR && ops[i - 1].kind == MODEL_OP_ATTENTION &&
            !a->act_fmt) /* float activations: read as they are */
            fp->qin[i] = a->vec_fused ? FUSION_QIN_PROLOGUE : FUSION_QIN_PASS;
    if (!a->vec_fused)
        return;
    for (int i = 1; i < n; i++) {
        const model_op *o = &ops[i];
        const int next_linear = i + 1 < n && ops[i + 1].kind == MODEL_OP_LINEAR;
        if (o->kind == MODEL_OP_ELEMENTWISE && strcmp(o->func, "add") == 0) {
            if (covers(&ops[i - 1], o, 0)) { /* residual after o_proj, down_proj, fc2 */
                absorb(fp, i, i - 1, VFN_ADD_F32, next_linear);
                /* the norm that reads the residual stream next: o_proj's in
                 * the layer, down_proj's in the next layer (the first layer
                 * reads the embedding: stat_wrap) and after the last */
                stat_into(fp, ops, n, i - 1, i + 1);
                const int j = find(ops, i - 1, "layer.input_norm"); /* model_layers: op 0 */
                if (named(o, "layer.residual_mlp") && ops[i - 1].repeat > 1 && j == 0 &&
                    fp->stat_of[j] < 0) {
                    stat_into(fp, ops, n, i - 1, j);
                    if (fp->stat_of[j] == i - 1)
                        fp->stat_wrap[j] = 1;
                    if (i + 1 < n)
                        stat_into_final(fp, ops, n, i - 1, i + 1);
                }
            }
        } else if (o->kind == MODEL_OP_ELEMENTWISE && strcmp(o->func, "rope") == 0) {
            const int q = find(ops, i, "layer.q_proj"), k = find(ops, i, "layer.k_proj");
            if (q >= 0 && k >= 0 && covers(&ops[q], o, ops[k].m * ops[k].n)) {
                absorb(fp, i, q, VFN_MUL_F32, 0);
                fp->epi[k] = fp->epi[q];
                fp->also[i] = k;
            }
        } else if (o->kind == MODEL_OP_ACTIVATION) {
            /* gated: gate_proj, up_proj, act_fn, mul; else fc1, act_fn */
            const int g = named(&ops[i - 1], "layer.up_proj") ? find(ops, i, "layer.gate_proj")
                                                             : i - 1;
            if (g >= 0 && covers(&ops[g], o, 0))
                absorb(fp, i, g, strncmp(o->func, "gelu", 4) == 0 ? VFN_GELU_F32 : VFN_SILU_F32,
                       next_linear);
        } else if (o->kind == MODEL_OP_ELEMENTWISE && strcmp(o->func, "mul") == 0) {
            const int u = find(ops, i, "layer.up_proj");
            /* silu(gate) as gate_proj's epilogue wrote it, times the up tile */
            if (u >= 0 && fp->into[i - 1] >= 0 && covers(&ops[u], o, 0))
                absorb(fp, i, u, VFN_MUL_F32, next_linear);
        }
    }
}

void fusion_drop(fusion_plan *fp, const model_op *ops, int l)
{
    if (fp->qin[l] == FUSION_QIN_PROLOGUE)
        fp->qin[l] = FUSION_QIN_PASS;
    fp->epi[l] = (gemm_epilogue){ 0, VFN_COPY, 0, 0 };
    for (int v = 0; v < MODEL_MAX_OPS; v++) {
        if (fp->stat_of[v] == l) {
            fp->stat_of[v] = -1;
            fp->stat_wrap[v] = 0;
        }
        if (fp->also[v] == l) { /* rope: k_proj's part runs on its own */
            fp->also[v] = -1;
            fp->left[v] = ops[l].m * ops[l].n;
        } else if (fp->into[v] == l) {
            if (fp->also[v] >= 0) /* q_proj failed before k_proj ran: neither fuses */
                fp->epi[fp->also[v]] = (gemm_epilogue){ 0, VFN_COPY, 0, 0 };
            fp->into[v] = fp->also[v] = -1;
            fp->left[v] = 0;
        }
    }
}
