/* gemm_mma.c - GEMM tiling and code for the systolic and mac arrays (gemm_mma.h). */
#include "gemm_mma.h"

#include "gemm_int.h"
#include "mma_array.h"

#include <stdio.h>
#include <string.h>

/* Dimensions in the order m, n, k. */
enum { DM = 0, DN, DK };

typedef struct {
    uint64_t t[3];    /* tile: mt, nt, kt */
    uint64_t unit[3]; /* each dimension's multiple (fold or MAC tile) */
    int time_dim;     /* systolic: the dimension streamed in time; -1: none */
    int chained;      /* os, K split: one fold a tile, K chunks chained (mma chain) */
    int order;        /* gemm_res: what stays resident from one output tile to the next */
} mma_tiling;

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Bits a weight is packed in (mma's wbits): INTB and UINTB B, ternary 2,
 * binary 1. */
static int pack_bits(const gemm_shape *s) { return s->wtype.bits; }

/* Bytes of an activation and of an output element as unit_mma.c reads and
 * writes them: 16-bit activations 2 B, else 1; FP16 datapath outputs 2 B,
 * else int32. */
static uint64_t abytes(const arch_t *a) { return a->act_bits == 16 ? 2 : 1; }
static uint64_t obytes(const arch_t *a) { return a->mma_fp16 ? 2 : 4; }

/* mma's wbits field: 0 is the datapath's native width (8, or 16 on the
 * FP16 datapath), anything else is itself. */
static uint32_t wbits_field(const arch_t *a, const gemm_shape *s)
{
    const int native = a->mma_fp16 ? 16 : 8;
    return pack_bits(s) == native ? 0 : (uint32_t)pack_bits(s);
}

/* Bytes of klen packed weights. */
static uint64_t wbytes(const gemm_shape *s, uint64_t klen)
{
    return (klen * (uint64_t)pack_bits(s) + 7) / 8;
}

/* GEMMs in the program (gemm_shape.batch; 0 means 1). */
static uint64_t batch_of(const gemm_shape *s) { return s->batch > 1 ? s->batch : 1; }

/* Bytes of the group metadata (gemm_shape.mma_meta_bits) of weights k0 ..
 * k0 + klen of one output row: every group the span touches. */
static uint64_t meta_span_bytes(const gemm_shape *s, uint64_t k0, uint64_t klen)
{
    if (s->mma_meta_bits <= 0 || klen == 0)
        return 0;
    const uint64_t g = s->mma_meta_group > 0 ? (uint64_t)s->mma_meta_group : (uint64_t)s->kd;
    const uint64_t groups = (k0 + klen + g - 1) / g - k0 / g;
    return (groups * (uint64_t)s->mma_meta_bits + 7) / 8;
}

/* Where the metadata of the group holding weight k0 starts in a row. */
static uint64_t meta_offset(const gemm_shape *s, uint64_t k0)
{
    const uint64_t g = s->mma_meta_group > 0 ? (uint64_t)s->mma_meta_group : (uint64_t)s->kd;
    return k0 / g * (uint64_t)s->mma_meta_bits / 8;
}

/* At most what a chunk of klen weights touches (it may start inside a
 * group): one group more than klen fills. */
static uint64_t meta_chunk_max(const gemm_shape *s, uint64_t klen)
{
    if (s->mma_meta_bits <= 0)
        return 0;
    const uint64_t g = s->mma_meta_group > 0 ? (uint64_t)s->mma_meta_group : (uint64_t)s->kd;
    return (((klen + g - 1) / g + 1) * (uint64_t)s->mma_meta_bits + 7) / 8;
}

static uint64_t gcd64(uint64_t a, uint64_t b) { return b ? gcd64(b, a % b) : a; }
static uint64_t lcm64(uint64_t a, uint64_t b) { return a / gcd64(a, b) * b; }

/* Rounds v down to a multiple of u (at least u), capped at the full size. */
static uint64_t fit_unit(uint64_t v, uint64_t u, uint64_t full)
{
    if (v >= full)
        return full;
    v = v / u * u;
    return v < u ? min64(u, full) : v;
}

static void tiling_units(const arch_t *a, mma_tiling *t)
{
    t->time_dim = -1;
    if (a->compute_kind == COMPUTE_BITSERIAL) { /* columns tokens, rows channels */
        t->unit[DM] = (uint64_t)a->bs_cols;
        t->unit[DN] = (uint64_t)a->bs_rows;
        t->unit[DK] = (uint64_t)a->bs_dp;
        return;
    }
    if (a->compute_kind == COMPUTE_MAC) {
        t->unit[DM] = (uint64_t)a->mac_m;
        t->unit[DN] = (uint64_t)a->mac_n;
        t->unit[DK] = (uint64_t)a->mac_k;
        return;
    }
    const uint64_t R = (uint64_t)a->sys_rows, C = (uint64_t)a->sys_cols;
    switch (a->sys_dataflow) { /* rows, columns, time as mma_array.h maps them */
    case SYS_WS: t->unit[DK] = R; t->unit[DN] = C; t->unit[DM] = 1; t->time_dim = DM; break;
    case SYS_IS: t->unit[DK] = R; t->unit[DM] = C; t->unit[DN] = 1; t->time_dim = DN; break;
    default: t->unit[DM] = R; t->unit[DN] = C; t->unit[DK] = 1; t->time_dim = DK; break;
    }
}

/* Whether tile t fits: two A chunks, two W chunks, two output tiles. */
static int tile_fits(const arch_t *a, const gemm_shape *s, const uint64_t t[3])
{
    return 2 * t[DM] * t[DK] * abytes(a) <= arch_buf_bytes(a, BUF_ACT) &&
           2 * t[DN] * (wbytes(s, t[DK]) + meta_chunk_max(s, t[DK])) <= arch_buf_bytes(a, BUF_WGT) &&
           2 * t[DM] * t[DN] * obytes(a) <= arch_buf_bytes(a, BUF_OUT);
}

static int choose_resident(const arch_t *a, const gemm_shape *s, mma_tiling *t,
                           const uint64_t full[3], const uint64_t cap[3], char *err,
                           size_t errlen);

/* The largest tile that fits: start from the whole GEMM (within the ISA's
 * fields), halve the largest dimension other than the time dimension
 * until it fits, and the time dimension only when nothing else is left. */
static int choose_tiles(const arch_t *a, const gemm_shape *s, mma_tiling *t, char *err,
                        size_t errlen)
{
    tiling_units(a, t);
    /* a K chunk starts on a byte of the packed weight rows */
    t->unit[DK] = t->unit[DK] / gcd64(t->unit[DK], 8) * 8;
    const uint64_t full[3] = { s->m, (uint64_t)s->n, (uint64_t)s->kd };
    const uint64_t cap[3] = {
        min64(gemm_field_max(OP_MMA, "m"), gemm_field_max(OP_LOAD, "rows")),
        min64(gemm_field_max(OP_MMA, "n"), gemm_field_max(OP_LOAD, "bytes") / obytes(a)),
        min64(gemm_field_max(OP_MMA, "klen"), gemm_field_max(OP_LOAD, "bytes") / abytes(a)),
    };
    if (t->order != GEMM_RES_NONE)
        return choose_resident(a, s, t, full, cap, err, errlen);
    for (int d = 0; d < 3; d++)
        t->t[d] = fit_unit(min64(full[d], cap[d]), t->unit[d], full[d]);
    while (!tile_fits(a, s, t->t)) {
        int pick = -1;
        for (int pass = 0; pass < 2 && pick < 0; pass++)
            for (int d = 0; d < 3; d++) {
                if ((pass == 0 && d == t->time_dim) || t->t[d] <= t->unit[d] || t->t[d] == 1)
                    continue;
                if (pick < 0 || t->t[d] > t->t[pick])
                    pick = d;
            }
        if (pick < 0) {
            snprintf(err, errlen, "the buffers cannot hold even a %llu x %llu x %llu tile "
                     "(act %llu B, weight %llu B, output %llu B, double-buffered)",
                     (unsigned long long)t->t[DM], (unsigned long long)t->t[DN],
                     (unsigned long long)t->t[DK],
                     (unsigned long long)(t->t[DM] * t->t[DK] * abytes(a)),
                     (unsigned long long)(t->t[DN] * wbytes(s, t->t[DK])),
                     (unsigned long long)(t->t[DM] * t->t[DN] * obytes(a)));
            return -1;
        }
        t->t[pick] = fit_unit(t->t[pick] / 2, t->unit[pick], full[pick]);
    }
    /* os with K split: one fold a tile, its K chunks chained through the
     * array (mma chain), so the split costs no fills; K as long as fits */
    t->chained = 0;
    if (a->compute_kind == COMPUTE_SYSTOLIC && a->sys_dataflow == SYS_OS && t->t[DK] < full[DK]) {
        const mma_tiling plain = *t;
        t->t[DM] = min64(t->unit[DM], full[DM]);
        t->t[DN] = min64(t->unit[DN], full[DN]);
        t->t[DK] = fit_unit(min64(full[DK], cap[DK]), t->unit[DK], full[DK]);
        while (!tile_fits(a, s, t->t) && t->t[DK] > t->unit[DK])
            t->t[DK] = fit_unit(t->t[DK] / 2, t->unit[DK], full[DK]);
        t->chained = tile_fits(a, s, t->t);
        if (!t->chained)
            *t = plain;
    }
    return 0;
}

/* Chunks of K a resident block is loaded in at least (choose_resident). */
#define RELOAD_CHUNKS 4

/* The largest multiple of u (or all of full) of at most v; 0 if u > v. */
static uint64_t most_units(uint64_t v, uint64_t u, uint64_t full)
{
    if (v >= full)
        return full;
    return v / u * u;
}

/* Bytes a resident block takes per row, all of K in chunks of kt: the
 * activations (A rows), or the packed weights and each chunk's metadata
 * room (W rows), as the emitters lay the chunks out. */
static uint64_t a_block_row(const arch_t *a, const gemm_shape *s, uint64_t kt)
{
    return gemm_cdiv((uint64_t)s->kd, kt) * kt * abytes(a);
}
static uint64_t w_chunk_row(const gemm_shape *s, uint64_t kt)
{
    return wbytes(s, kt) + meta_chunk_max(s, kt);
}
static uint64_t w_block_row(const gemm_shape *s, uint64_t kt)
{
    return gemm_cdiv((uint64_t)s->kd, kt) * w_chunk_row(s, kt);
}

/* A resident-block order (gemm_res ACT or WGT): the block of one operand
 * (res dimension rd: M rows of A, or N rows of W) holds all of K in its
 * buffer, single-slotted, while the other operand streams past in
 * double-buffered K chunks of tiles of the other dimension sd; each output
 * tile (the block's rows by a streamed tile) is finished over all of K
 * before the next starts, so its partial sums need only two tiles of the
 * output buffer.  The block is as large as its buffer and the output
 * buffer allow (fewer blocks, fewer passes of the streamed operand), the
 * streamed tile as wide as the rest allows. */
static int choose_resident(const arch_t *a, const gemm_shape *s, mma_tiling *t,
                           const uint64_t full[3], const uint64_t cap[3], char *err,
                           size_t errlen)
{
    const int act = t->order == GEMM_RES_ACT;
    const int rd = act ? DM : DN, sd = act ? DN : DM;
    const uint64_t ob = obytes(a), ab = abytes(a);
    const uint64_t rbuf = arch_buf_bytes(a, act ? BUF_ACT : BUF_WGT);
    const uint64_t sbuf = arch_buf_bytes(a, act ? BUF_WGT : BUF_ACT);
    const uint64_t obuf = arch_buf_bytes(a, BUF_OUT);
    if (t->time_dim >= 0) {
        snprintf(err, errlen, "a resident-block order splits the dimension a systolic array "
                 "streams in time (each split another fill and drain): tile order only");
        return -1;
    }
    /* The block reloads chunk by chunk, each behind the last tile's use
     * of it, so only about one chunk's reload is exposed: K in at least
     * RELOAD_CHUNKS chunks, shorter while the streamed chunk does not fit.
     * A chunk's rows are whole bursts of A and of W (a strided row rounds
     * up to a burst) and whole groups (a chunk loads every group it
     * touches), where K is long enough for that. */
    const uint64_t burst = (uint64_t)a->dram_burst, bits = (uint64_t)pack_bits(s);
    uint64_t ku = lcm64(t->unit[DK], 8 * burst / gcd64(bits, 8 * burst));
    ku = lcm64(ku, burst / gcd64(ab, burst));
    if (s->mma_meta_bits > 0 && s->mma_meta_group > 0)
        ku = lcm64(ku, (uint64_t)s->mma_meta_group);
    if (ku > full[DK])
        ku = t->unit[DK];
    uint64_t kt = fit_unit(min64(gemm_cdiv(full[DK], RELOAD_CHUNKS), cap[DK]), ku, full[DK]);
    const uint64_t s1 = min64(t->unit[sd], full[sd]);
    for (;;) {
        const uint64_t chunk = act ? s1 * w_chunk_row(s, kt) : s1 * kt * ab;
        if (2 * chunk <= sbuf || kt <= t->unit[DK])
            break;
        kt = fit_unit(kt / 2, t->unit[DK], full[DK]);
    }
    const uint64_t row = act ? a_block_row(a, s, kt) : w_block_row(s, kt);
    uint64_t blk = min64(rbuf / row, obuf / (2 * s1 * ob));
    blk = most_units(min64(blk, cap[rd]), t->unit[rd], full[rd]);
    const uint64_t chunk1 = act ? s1 * w_chunk_row(s, kt) : s1 * kt * ab;
    if (blk == 0 || 2 * chunk1 > sbuf) {
        snprintf(err, errlen, "no %s block of %llu rows with all of K (%llu) fits the %s buffer "
                 "beside a %llu x %llu output tile", act ? "activation" : "weight",
                 (unsigned long long)min64(t->unit[rd], full[rd]), (unsigned long long)full[DK],
                 act ? "act" : "weight", (unsigned long long)min64(t->unit[DM], full[DM]),
                 (unsigned long long)min64(t->unit[DN], full[DN]));
        return -1;
    }
    /* the streamed tile: as wide as the output buffer and its chunks allow */
    const uint64_t per = act ? w_chunk_row(s, kt) : kt * ab;
    const uint64_t st = most_units(min64(min64(obuf / (2 * blk * ob), sbuf / (2 * per)), cap[sd]),
                                   t->unit[sd], full[sd]);
    t->t[rd] = blk;
    t->t[sd] = st > s1 ? st : s1;
    t->t[DK] = kt;
    t->chained = 0;
    return 0;
}

static int layout(const arch_t *a, const gemm_shape *s, gemm_layout *lay, mma_tiling *t,
                  char *err, size_t errlen)
{
    if ((s->wtype.bits > 8 && !(a->mma_fp16 && s->wtype.bits == 16)) || s->float_out ||
        s->epi.on || s->in_quant || s->tables_in_dram) {
        snprintf(err, errlen, "compute.kind %s runs weights of up to 8 bits (16: FP16 on the "
                 "FP16 datapath) into int32 outputs (no float output, fused epilogue or "
                 "precompute)", arch_kind_name(a->compute_kind));
        return -1;
    }
    if (s->m == 0 || s->n <= 0 || s->kd <= 0) {
        snprintf(err, errlen, "empty GEMM %llux%dx%d", (unsigned long long)s->m, s->n, s->kd);
        return -1;
    }
    const uint64_t nb = batch_of(s);
    if (nb >> 20) {
        snprintf(err, errlen, "a batch of %llu GEMMs in one program (at most 2^20)",
                 (unsigned long long)nb);
        return -1;
    }
    if (s->sched.res < GEMM_RES_NONE || s->sched.res > GEMM_RES_WGT) {
        snprintf(err, errlen, "sched.res %d is not a gemm_res", s->sched.res);
        return -1;
    }
    t->order = s->sched.res;
    if (choose_tiles(a, s, t, err, errlen) != 0)
        return -1;
    memset(lay, 0, sizeof *lay);
    /* the batch's A matrices, then its weights, then its outputs */
    lay->a_addr = 0;
    lay->w_addr = gemm_align(nb * s->m * (uint64_t)s->kd * abytes(a));
    lay->weight_bytes = nb * (uint64_t)s->n * wbytes(s, (uint64_t)s->kd);
    lay->c_addr = gemm_align(lay->w_addr + lay->weight_bytes);
    lay->image_bytes = gemm_align(lay->c_addr + nb * s->m * (uint64_t)s->n * obytes(a));
    /* then the weights' group metadata, per row tile and chunk in the order
     * the program reads it (emit_one's m_base) */
    lay->meta_bytes = nb * (uint64_t)s->n * meta_span_bytes(s, 0, (uint64_t)s->kd);
    lay->image_bytes = gemm_align(lay->image_bytes + lay->meta_bytes);
    lay->mt = (int)t->t[DM];
    lay->nt = (int)t->t[DN];
    lay->nb = (int)t->t[DK];
    lay->mb = s->m;
    lay->ngroups = (int)gemm_cdiv((uint64_t)s->kd, t->t[DK]);
    if (lay->image_bytes >> 40) {
        snprintf(err, errlen, "the GEMM's memory image passes the ISA's 40-bit DRAM addresses");
        return -1;
    }
    return 0;
}

static int load(program *p, buf_id b, uint64_t sram, uint64_t dram, uint64_t rows,
                uint64_t bytes, uint64_t stride, char *err, size_t errlen)
{
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_LOAD;
    in.buf = (uint32_t)b;
    in.sram = (uint32_t)sram;
    in.dram = dram;
    in.rows = (uint32_t)rows;
    in.bytes = (uint32_t)bytes;
    return gemm_emit_dma(p, in, stride, err, errlen);
}

/* Where the emitter is: the buffer halves in use, the resident A chunk,
 * and the store of the last output tile, held back until the next tile's
 * first loads are issued (the DMA runs in program order: a store issued
 * first would wait for its mma and hold the next loads behind it). */
typedef struct {
    int aslot, wslot, oslot;
    uint64_t a_key;   /* the A chunk in slot aslot: (b, mi) * chunks + kc */
    int pending;      /* st holds a store not yet emitted */
    isa_instr st;
    uint64_t st_stride;
} emit_state;

static int flush_store(emit_state *e, program *p, char *err, size_t errlen)
{
    if (!e->pending)
        return 0;
    e->pending = 0;
    return gemm_emit_dma(p, e->st, e->st_stride, err, errlen);
}

/* One GEMM of the batch as the emitters address it. */
typedef struct {
    const arch_t *a;
    const gemm_shape *s;
    uint64_t M, N, K, mt, nt, kt, chunks;
    uint64_t ab, ob, ah, wh, oh;    /* element bytes; buffer halves */
    uint64_t a_base, w_base, c_base, m_base;
    uint64_t wrow, mrow;            /* a weight row's packed bytes and metadata in DRAM */
    int chained;
} gemm_ctx;

static void ctx_init(const arch_t *a, const gemm_shape *s, const gemm_layout *lay, int chained,
                     uint64_t b, gemm_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->a = a;
    c->s = s;
    c->M = s->m;
    c->N = (uint64_t)s->n;
    c->K = (uint64_t)s->kd;
    c->mt = (uint64_t)lay->mt;
    c->nt = (uint64_t)lay->nt;
    c->kt = (uint64_t)lay->nb;
    c->chunks = gemm_cdiv(c->K, c->kt);
    c->ab = abytes(a);
    c->ob = obytes(a);
    c->ah = arch_buf_bytes(a, BUF_ACT) / 2;
    c->wh = arch_buf_bytes(a, BUF_WGT) / 2;
    c->oh = arch_buf_bytes(a, BUF_OUT) / 2;
    c->a_base = lay->a_addr + b * c->M * c->K * c->ab;
    c->wrow = wbytes(s, c->K); /* k0 x bits is a whole byte (unit) */
    c->w_base = lay->w_addr + b * c->N * c->wrow;
    c->c_base = lay->c_addr + b * c->M * c->N * c->ob;
    c->mrow = meta_span_bytes(s, 0, c->K);
    c->m_base = gemm_align(lay->c_addr + batch_of(s) * c->M * c->N * c->ob) + b * c->N * c->mrow;
    c->chained = chained;
}

/* Where row n0's tile's chunk from k0 starts in a GEMM's packed weights:
 * tiles of nt rows one after another (nt x the packed row each; the last
 * may be narrower), inside a tile its chunks of kt in order, each the
 * tile's rows one after another (k0 x bits is whole bytes: a chunk
 * boundary). */
static uint64_t mma_w_offset(const gemm_shape *s, uint64_t nt, uint64_t kt, uint64_t n0,
                             uint64_t k0)
{
    const uint64_t n_tile = n0 / nt * nt, cols = min64(nt, (uint64_t)s->n - n_tile);
    return n_tile * wbytes(s, (uint64_t)s->kd) + cols * wbytes(s, k0) +
           (n0 - n_tile) * wbytes(s, min64(kt, (uint64_t)s->kd - k0));
}

/* A rows m0 .. m0 + rows, K span k0 .. k0 + kl, packed at sram. */
static int load_a(const gemm_ctx *c, program *p, uint64_t sram, uint64_t m0, uint64_t rows,
                  uint64_t k0, uint64_t kl, char *err, size_t errlen)
{
    return load(p, BUF_ACT, sram, c->a_base + (m0 * c->K + k0) * c->ab, rows, kl * c->ab,
                c->K * c->ab, err, errlen);
}

/* W rows n0 .. n0 + cols, K chunk kc (k0, kl), at sram, and the chunk's
 * scales behind its weights (the dequantizer's; mma reads the codes).
 * DRAM holds both in the order the program reads them (weights are packed
 * offline, as for the LUT array): per row tile, per chunk, one contiguous
 * block of its rows' packed chunk (mma_w_offset), then likewise the
 * metadata; one group per row (per channel) is loaded once, with the
 * first chunk.  (Row-major weights made every chunk a strided transfer
 * across DRAM rows: 63 k row conflicts against 4 k on a 1 x 4096 x 4096
 * decode GEMM.) */
static int load_w(const gemm_ctx *c, program *p, uint64_t sram, uint64_t n0, uint64_t cols,
                  uint64_t kc, char *err, size_t errlen)
{
    const gemm_shape *s = c->s;
    const uint64_t k0 = kc * c->kt, kl = min64(c->kt, c->K - k0);
    const uint64_t wb = wbytes(s, kl), wdram = c->w_base + mma_w_offset(s, c->nt, c->kt, n0, k0);
    const int wwhole = cols * wb <= gemm_field_max(OP_LOAD, "bytes");
    if (load(p, BUF_WGT, sram, wdram, wwhole ? 1 : cols, wwhole ? cols * wb : wb, wb, err, errlen))
        return -1;
    const int per_row = s->mma_meta_group <= 0 || s->mma_meta_group >= s->kd;
    const uint64_t mb = per_row && kc > 0 ? 0 : meta_span_bytes(s, k0, kl);
    const uint64_t whole = cols * mb <= gemm_field_max(OP_LOAD, "bytes");
    if (mb && load(p, BUF_WGT, sram + cols * wbytes(s, kl),
                   c->m_base + n0 * c->mrow + cols * meta_offset(s, k0), whole ? 1 : cols,
                   whole ? cols * mb : mb, mb, err, errlen))
        return -1;
    return 0;
}

/* Whether the mac array takes a rows x cols x klen tile faster with the
 * operands' sides traded (mma swap): few activation rows (a decode token)
 * fill its mac.n side rather than one of its mac.m rows, as a tensor-core
 * compiler's swap-AB does. */
static int swap_pays(const arch_t *a, const gemm_shape *s, uint64_t rows, uint64_t cols,
                     uint64_t klen)
{
    if (a->compute_kind != COMPUTE_MAC)
        return 0;
    mac_timing plain, swapped;
    const int wb = pack_bits(s);
    mac_time(a, rows, cols, klen, wb, 0, &plain);
    mac_time(a, rows, cols, klen, wb, 1, &swapped);
    return swapped.cycles < plain.cycles;
}

/* mma of chunk kc into the output tile in slot e->oslot, once the
 * previous tile's store is issued (behind this chunk's loads). */
static int issue_mma(const gemm_ctx *c, emit_state *e, program *p, uint64_t src, uint64_t wgt,
                     uint64_t rows, uint64_t cols, uint64_t kc, char *err, size_t errlen)
{
    if (flush_store(e, p, err, errlen) != 0)
        return -1;
    isa_instr in;
    memset(&in, 0, sizeof in);
    in.op = OP_MMA;
    in.src = (uint32_t)src;
    in.wgt = (uint32_t)wgt;
    in.acc = (uint32_t)((uint64_t)e->oslot * c->oh);
    in.m = (uint32_t)rows;
    in.n = (uint32_t)cols;
    in.klen = (uint32_t)min64(c->kt, c->K - kc * c->kt);
    in.accum = kc > 0;
    in.chain = c->chained && kc > 0;
    in.wbits = wbits_field(c->a, c->s);
    in.swap = (uint32_t)swap_pays(c->a, c->s, rows, cols, in.klen);
    return gemm_emit(p, &in, err, errlen);
}

/* The finished tile's store, held until the next tile's first loads. */
static void hold_store(const gemm_ctx *c, emit_state *e, uint64_t m0, uint64_t rows, uint64_t n0,
                       uint64_t cols)
{
    isa_instr *st = &e->st;
    memset(st, 0, sizeof *st);
    st->op = OP_STORE;
    st->buf = BUF_OUT;
    st->sram = (uint32_t)((uint64_t)e->oslot * c->oh);
    st->dram = c->c_base + (m0 * c->N + n0) * c->ob;
    st->rows = (uint32_t)rows;
    st->bytes = (uint32_t)(cols * c->ob);
    e->st_stride = c->N * c->ob;
    e->pending = 1;
}

/* Tile order: output tiles row-major, each tile's A and W chunks
 * double-buffered; an A chunk is kept while consecutive tiles reuse it. */
static int emit_tiles(const gemm_ctx *c, uint64_t b, emit_state *e, program *p, char *err,
                      size_t errlen)
{
    const uint64_t m_tiles = gemm_cdiv(c->M, c->mt);
    for (uint64_t m0 = 0; m0 < c->M; m0 += c->mt) {
        const uint64_t rows = min64(c->mt, c->M - m0);
        for (uint64_t n0 = 0; n0 < c->N; n0 += c->nt) {
            const uint64_t cols = min64(c->nt, c->N - n0);
            e->oslot ^= 1;
            for (uint64_t kc = 0; kc < c->chunks; kc++) {
                const uint64_t k0 = kc * c->kt, kl = min64(c->kt, c->K - k0);
                const uint64_t key = (b * m_tiles + m0 / c->mt) * c->chunks + kc;
                if (key != e->a_key) {
                    e->aslot ^= 1;
                    e->a_key = key;
                    if (load_a(c, p, (uint64_t)e->aslot * c->ah, m0, rows, k0, kl, err, errlen))
                        return -1;
                }
                e->wslot ^= 1;
                if (load_w(c, p, (uint64_t)e->wslot * c->wh, n0, cols, kc, err, errlen) ||
                    issue_mma(c, e, p, (uint64_t)e->aslot * c->ah, (uint64_t)e->wslot * c->wh,
                              rows, cols, kc, err, errlen))
                    return -1;
            }
            hold_store(c, e, m0, rows, n0, cols);
        }
    }
    return 0;
}

/* Input-resident order (gemm_res ACT): a block of mt rows of A, all of K,
 * stays in the act buffer (its chunks side by side, loaded as the first
 * output tile reaches them) while every W tile streams past in chunks:
 * A is read once, W once per block. */
static int emit_act_resident(const gemm_ctx *c, emit_state *e, program *p, char *err,
                             size_t errlen)
{
    for (uint64_t m0 = 0; m0 < c->M; m0 += c->mt) {
        const uint64_t rows = min64(c->mt, c->M - m0);
        for (uint64_t n0 = 0; n0 < c->N; n0 += c->nt) {
            const uint64_t cols = min64(c->nt, c->N - n0);
            e->oslot ^= 1;
            for (uint64_t kc = 0; kc < c->chunks; kc++) {
                const uint64_t k0 = kc * c->kt, kl = min64(c->kt, c->K - k0);
                const uint64_t src = kc * c->mt * c->kt * c->ab;
                if (n0 == 0 && load_a(c, p, src, m0, rows, k0, kl, err, errlen))
                    return -1;
                e->wslot ^= 1;
                if (load_w(c, p, (uint64_t)e->wslot * c->wh, n0, cols, kc, err, errlen) ||
                    issue_mma(c, e, p, src, (uint64_t)e->wslot * c->wh, rows, cols, kc, err,
                              errlen))
                    return -1;
            }
            hold_store(c, e, m0, rows, n0, cols);
        }
    }
    e->a_key = UINT64_MAX; /* the act buffer holds no tile-order chunk now */
    return 0;
}

/* Weight-resident order (gemm_res WGT): a block of nt rows of W, all of K,
 * stays in the weight buffer (chunk kc at kc x its chunk room) while every
 * A tile streams past in chunks: W is read once, A once per block. */
static int emit_wgt_resident(const gemm_ctx *c, emit_state *e, program *p, char *err,
                             size_t errlen)
{
    const uint64_t room = c->nt * w_chunk_row(c->s, c->kt);
    for (uint64_t n0 = 0; n0 < c->N; n0 += c->nt) {
        const uint64_t cols = min64(c->nt, c->N - n0);
        for (uint64_t m0 = 0; m0 < c->M; m0 += c->mt) {
            const uint64_t rows = min64(c->mt, c->M - m0);
            e->oslot ^= 1;
            for (uint64_t kc = 0; kc < c->chunks; kc++) {
                const uint64_t k0 = kc * c->kt, kl = min64(c->kt, c->K - k0);
                if (m0 == 0 && load_w(c, p, kc * room, n0, cols, kc, err, errlen))
                    return -1;
                e->aslot ^= 1;
                if (load_a(c, p, (uint64_t)e->aslot * c->ah, m0, rows, k0, kl, err, errlen) ||
                    issue_mma(c, e, p, (uint64_t)e->aslot * c->ah, kc * room, rows, cols, kc,
                              err, errlen))
                    return -1;
            }
            hold_store(c, e, m0, rows, n0, cols);
        }
    }
    e->a_key = UINT64_MAX;
    return 0;
}

/* GEMM b of the batch, in the layout's order. */
static int emit_one(const arch_t *a, const gemm_shape *s, const gemm_layout *lay, int chained,
                    uint64_t b, emit_state *e, program *p, char *err, size_t errlen)
{
    gemm_ctx c;
    ctx_init(a, s, lay, chained, b, &c);
    if (s->sched.res == GEMM_RES_ACT)
        return emit_act_resident(&c, e, p, err, errlen);
    if (s->sched.res == GEMM_RES_WGT)
        return emit_wgt_resident(&c, e, p, err, errlen);
    return emit_tiles(&c, b, e, p, err, errlen);
}

/* Output tiles row-major (mi outer): consecutive tiles of one row of tiles
 * reuse its A chunk when K is one chunk.  A batch runs its GEMMs one after
 * another through the same double-buffered slots, so the next GEMM's first
 * loads overlap this one's last mma (no drain between them). */
static int emit(const arch_t *a, const gemm_shape *s, const gemm_layout *lay, int chained,
                program *p, char *err, size_t errlen)
{
    emit_state e;
    memset(&e, 0, sizeof e);
    e.aslot = e.wslot = e.oslot = 1;
    e.a_key = UINT64_MAX;
    for (uint64_t b = 0; b < batch_of(s); b++)
        if (emit_one(a, s, lay, chained, b, &e, p, err, errlen))
            return -1;
    if (flush_store(&e, p, err, errlen) != 0)
        return -1;
    isa_instr h;
    memset(&h, 0, sizeof h);
    h.op = OP_HALT;
    return gemm_emit(p, &h, err, errlen);
}

int gemm_mma_lower(const arch_t *a, const gemm_shape *s, program *p, gemm_layout *lay,
                   char *err, size_t errlen)
{
    mma_tiling t;
    if (s->trit5) {
        snprintf(err, errlen, "packing: trit5 weights need the LUT array's loadt decoder; "
                 "compute.kind %s reads plain codes", arch_kind_name(a->compute_kind));
        return -1;
    }
    if (layout(a, s, lay, &t, err, errlen) != 0)
        return -1;
    if (!p)
        return 0;
    program_init(p);
    if (emit(a, s, lay, t.chained, p, err, errlen) != 0) {
        program_free(p);
        return -1;
    }
    return 0;
}

int gemm_mma_fill(const arch_t *a, const gemm_shape *s, const gemm_layout *lay,
                  const int8_t *act, const int8_t *w, uint8_t *image, char *err, size_t errlen)
{
    if (a->mma_fp16 || a->act_bits == 16 || s->wtype.bits > 8 || batch_of(s) > 1) {
        snprintf(err, errlen, "16-bit activations, FP16 weights, the FP16 datapath and batches "
                 "of GEMMs run timing-only on compute.kind %s", arch_kind_name(a->compute_kind));
        return -1;
    }
    if (s->wtype.fmt == LUT_WFMT_UINT) {
        snprintf(err, errlen, "unsigned weights with zero-points run timing-only on compute.kind "
                 "%s (the array takes signed weight values)", arch_kind_name(a->compute_kind));
        return -1;
    }
    /* the array multiplies weight values: INTB, ternary -1..1, binary -1 or 1 */
    const int lo = s->wtype.fmt == LUT_WFMT_INT ? -(1 << (s->wtype.bits - 1)) : -1;
    const int hi = s->wtype.fmt == LUT_WFMT_INT ? (1 << (s->wtype.bits - 1)) - 1 : 1;
    const uint64_t nw = (uint64_t)s->n * s->kd;
    for (uint64_t i = 0; i < nw; i++)
        if (w[i] < lo || w[i] > hi || (s->wtype.fmt == LUT_WFMT_BINARY && w[i] == 0)) {
            snprintf(err, errlen, "weight [%llu][%llu] = %d is outside %s%d",
                     (unsigned long long)(i / s->kd), (unsigned long long)(i % s->kd), w[i],
                     lut_wfmt_name(s->wtype.fmt), s->wtype.bits);
            return -1;
        }
    memset(image, 0, lay->image_bytes);
    memcpy(image + lay->a_addr, act, s->m * (uint64_t)s->kd);
    const int b = pack_bits(s);
    const uint64_t nt = (uint64_t)lay->nt, kt = (uint64_t)lay->nb;
    for (uint64_t i = 0; i < nw; i++) {
        const uint64_t r = i / (uint64_t)s->kd, k = i % (uint64_t)s->kd, k0 = k / kt * kt;
        const uint64_t bit = (k - k0) * (uint64_t)b;
        /* two's complement in b bits; binary: 1 for +1, 0 for -1 (unit_mma.c) */
        const uint32_t code = b == 1 ? (w[i] > 0) : (uint32_t)(uint8_t)w[i] & ((1u << b) - 1);
        uint8_t *q = image + lay->w_addr + mma_w_offset(s, nt, kt, r, k0) + bit / 8;
        q[0] |= (uint8_t)(code << (bit % 8));
        if (bit % 8 + (uint64_t)b > 8)
            q[1] |= (uint8_t)(code >> (8 - bit % 8));
    }
    return 0;
}
