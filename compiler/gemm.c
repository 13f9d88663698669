/* gemm.c - GEMM lowering: tiling, buffer placement, instruction emission. */
#include "gemm.h"

#include "lut_arith.h"
#include "periodic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_BYTES 8
#define ALIGN 64

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

typedef struct {
    int tk, E;
    uint64_t wrow;           /* bytes of one index row of nt columns */
    uint64_t act_half, tbl_half, wgt_half, acc_half, out_tile;
    uint64_t sum_off;        /* sums after the tables in each table half */
} plan;

static int group_len(const gemm_shape *s, int g)
{
    int k0 = g * s->group_size;
    return s->kd - k0 < s->group_size ? s->kd - k0 : s->group_size;
}

/* Sizes for an M-tile of mt rows and column tiles of nt; 0 if it fits. */
static int fits(const arch_t *a, const gemm_shape *s, int mt, int nt, plan *pl, int *out_double)
{
    const int tk = a->tile_k, E = 1 << (tk - 1);
    uint64_t gchunks = cdiv((uint64_t)(s->group_size < s->kd ? s->group_size : s->kd), (uint64_t)tk);
    pl->tk = tk;
    pl->E = E;
    pl->wrow = ((uint64_t)nt * tk + 7) / 8;
    pl->act_half = align_up((uint64_t)mt * s->kd, ALIGN);
    pl->sum_off = align_up((uint64_t)mt * gchunks * E * 2, ALIGN);
    pl->tbl_half = pl->sum_off + align_up((uint64_t)mt * 4, ALIGN);
    pl->wgt_half = align_up(gchunks * s->wtype.bits * pl->wrow, ALIGN) + align_up((uint64_t)nt * META_BYTES, ALIGN);
    pl->acc_half = align_up((uint64_t)mt * nt * 4, ALIGN);
    pl->out_tile = align_up((uint64_t)mt * s->n * 4, ALIGN);
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

static int emit(program *p, const isa_instr *in, char *err, size_t errlen)
{
    isa_word w;
    char e[256];
    if (isa_encode(in, &w, e, sizeof e) != 0) {
        snprintf(err, errlen, "cannot encode: %s", e);
        return -1;
    }
    if (program_push(p, in) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Byte offset of the weight tile (g, nb) in the weight region. */
static uint64_t tile_offset(const gemm_shape *s, const plan *pl, int nt, int g, int nb,
                            uint64_t *idx_bytes, uint64_t *tile_bytes)
{
    uint64_t off = 0;
    int ntiles = (s->n + nt - 1) / nt;
    for (int gg = 0; gg <= g; gg++) {
        uint64_t ch = cdiv((uint64_t)group_len(s, gg), (uint64_t)pl->tk);
        for (int b = 0; b < ntiles; b++) {
            int ncols = s->n - b * nt < nt ? s->n - b * nt : nt;
            uint64_t rb = ((uint64_t)ncols * pl->tk + 7) / 8;
            uint64_t ib = ch * s->wtype.bits * rb;
            uint64_t tb = ib + (uint64_t)ncols * META_BYTES;
            if (gg == g && b == nb) {
                *idx_bytes = ib;
                *tile_bytes = tb;
                return off;
            }
            off += tb;
        }
    }
    return off;
}

int gemm_lower(const arch_t *a, const gemm_shape *s, program *p, gemm_layout *lay,
               char *err, size_t errlen)
{
    if (p)
        program_init(p);
    memset(lay, 0, sizeof *lay);
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
        snprintf(err, errlen, "GEMM sizes must be positive, not %dx%dx%d", s->m, s->n, s->kd);
        return -1;
    }
    const int cols = a->tile_n * a->lut_cores;
    int nt = s->n < cols ? s->n : cols;
    int mt = s->m < 4095 ? s->m : 4095;
    if (s->force_mt > 0 && s->force_mt < mt)
        mt = s->force_mt;
    plan pl;
    int out_double = 0;
    while (mt > 1 && fits(a, s, mt, nt, &pl, &out_double) != 0)
        mt = mt > 16 ? mt - mt / 8 : mt - 1;
    while (nt > 1 && fits(a, s, mt, nt, &pl, &out_double) != 0)
        nt /= 2;
    if (fits(a, s, mt, nt, &pl, &out_double) != 0) {
        snprintf(err, errlen,
                 "a %dx%dx%d GEMM does not fit the buffers even with 1-row tiles "
                 "(act needs %llu B of %zu, output %llu B of %zu)",
                 s->m, s->n, s->kd, (unsigned long long)(2 * pl.act_half), arch_buf_bytes(a, BUF_ACT),
                 (unsigned long long)(2 * pl.acc_half + pl.out_tile), arch_buf_bytes(a, BUF_OUT));
        return -1;
    }
    const int ngroups = (s->kd + s->group_size - 1) / s->group_size;
    const int ntiles = (s->n + nt - 1) / nt;
    lay->mt = mt;
    lay->nt = nt;
    lay->ngroups = ngroups;
    lay->a_addr = 0;
    lay->w_addr = align_up((uint64_t)s->m * s->kd, ALIGN);
    uint64_t ib, tb, wtotal = 0;
    for (int g = 0; g < ngroups; g++)
        for (int b = 0; b < ntiles; b++) {
            tile_offset(s, &pl, nt, g, b, &ib, &tb);
            lay->weight_bytes += ib;
            lay->meta_bytes += tb - ib;
            wtotal += tb;
        }
    lay->c_addr = align_up(lay->w_addr + wtotal, ALIGN);
    lay->image_bytes = lay->c_addr + (uint64_t)s->m * s->n * 4;

    if (!p)
        return 0; /* layout only */
    const uint64_t out_base = 2 * pl.acc_half;
    const int shift = lut_post_shift(s->wtype.fmt);
    uint64_t wtile = 0, acc_i = 0;
    for (int m0 = 0, mi = 0; m0 < s->m; m0 += mt, mi++) {
        const int rows = s->m - m0 < mt ? s->m - m0 : mt;
        const uint64_t abase = (uint64_t)(mi % 2) * pl.act_half;
        const uint64_t obase = out_base + (out_double ? (uint64_t)(mi % 2) * pl.out_tile : 0);
        isa_instr in;
        memset(&in, 0, sizeof in);
        in.op = OP_LOAD;
        in.buf = BUF_ACT;
        in.sram = (uint32_t)abase;
        in.dram = lay->a_addr + (uint64_t)m0 * s->kd;
        in.rows = (uint32_t)rows;
        in.bytes = (uint32_t)s->kd;
        in.stride = (uint32_t)s->kd;
        if (emit(p, &in, err, errlen))
            goto fail;
        for (int g = 0; g < ngroups; g++) {
            const uint64_t tbase = (uint64_t)(g % 2) * pl.tbl_half;
            const int klen = group_len(s, g);
            memset(&in, 0, sizeof in);
            in.op = OP_TPREC;
            in.src = (uint32_t)(abase + (uint64_t)g * s->group_size);
            in.dst = (uint32_t)tbase;
            in.sum = (uint32_t)(tbase + pl.sum_off);
            in.rows = (uint32_t)rows;
            in.klen = (uint32_t)klen;
            in.stride = (uint32_t)s->kd;
            if (emit(p, &in, err, errlen))
                goto fail;
            for (int b = 0; b < ntiles; b++) {
                const int n0 = b * nt, ncols = s->n - n0 < nt ? s->n - n0 : nt;
                const uint64_t wbase = (wtile++ % 2) * pl.wgt_half;
                const uint64_t off = tile_offset(s, &pl, nt, g, b, &ib, &tb);
                const uint64_t rb = ((uint64_t)ncols * pl.tk + 7) / 8;
                const uint64_t meta_at = wbase + align_up(ib, ALIGN);
                memset(&in, 0, sizeof in);
                in.op = OP_LOAD;
                in.buf = BUF_WGT;
                in.sram = (uint32_t)wbase;
                in.dram = lay->w_addr + off;
                in.rows = (uint32_t)(ib / rb);
                in.bytes = (uint32_t)rb;
                in.stride = (uint32_t)rb;
                if (emit(p, &in, err, errlen))
                    goto fail;
                in.sram = (uint32_t)meta_at;
                in.dram = lay->w_addr + off + ib;
                in.rows = 1;
                in.bytes = (uint32_t)(ncols * META_BYTES);
                in.stride = in.bytes;
                if (emit(p, &in, err, errlen))
                    goto fail;
                const uint64_t accb = (acc_i++ % 2) * pl.acc_half;
                memset(&in, 0, sizeof in);
                in.op = OP_LMMA;
                in.tbl = (uint32_t)tbase;
                in.wgt = (uint32_t)wbase;
                in.acc = (uint32_t)accb;
                in.m = (uint32_t)rows;
                in.n = (uint32_t)ncols;
                in.klen = (uint32_t)klen;
                in.wbits = (uint32_t)s->wtype.bits;
                if (emit(p, &in, err, errlen))
                    goto fail;
                memset(&in, 0, sizeof in);
                in.op = OP_DQ;
                in.acc = (uint32_t)accb;
                in.sum = (uint32_t)(tbase + pl.sum_off);
                in.meta = (uint32_t)meta_at;
                in.dst = (uint32_t)(obase + (uint64_t)rows * n0 * 4);
                in.m = (uint32_t)rows;
                in.n = (uint32_t)ncols;
                in.accum = g > 0;
                in.fmode = (uint32_t)s->float_out;
                in.shift = (uint32_t)shift;
                if (emit(p, &in, err, errlen))
                    goto fail;
            }
        }
        for (int b = 0; b < ntiles; b++) {
            const int n0 = b * nt, ncols = s->n - n0 < nt ? s->n - n0 : nt;
            memset(&in, 0, sizeof in);
            in.op = OP_STORE;
            in.buf = BUF_OUT;
            in.sram = (uint32_t)(obase + (uint64_t)rows * n0 * 4);
            in.dram = lay->c_addr + ((uint64_t)m0 * s->n + n0) * 4;
            in.rows = (uint32_t)rows;
            in.bytes = (uint32_t)(ncols * 4);
            in.stride = (uint32_t)(s->n * 4);
            if (emit(p, &in, err, errlen))
                goto fail;
        }
    }
    isa_instr halt;
    memset(&halt, 0, sizeof halt);
    halt.op = OP_HALT;
    if (emit(p, &halt, err, errlen))
        goto fail;
    return 0;
fail:
    program_free(p);
    return -1;
}

int gemm_fill(const arch_t *a, const gemm_shape *s, const gemm_layout *lay,
              const int8_t *act, const int8_t *w, const int32_t *z2, const float *scales,
              uint8_t *image, char *err, size_t errlen)
{
    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, s->wtype);
    cfg.tk = a->tile_k;
    cfg.group_size = s->group_size;
    lut_packed pk;
    if (lut_pack(&cfg, w, s->n, s->kd, z2, &pk, err, errlen) != 0)
        return -1;
    memset(image, 0, lay->image_bytes);
    memcpy(image + lay->a_addr, act, (size_t)s->m * s->kd);
    plan pl;
    pl.tk = a->tile_k;
    const int nt = lay->nt, ntiles = (s->n + nt - 1) / nt, W = s->wtype.bits;
    for (int g = 0; g < lay->ngroups; g++) {
        const int c0 = pk.group_c0[g], nch = pk.group_c0[g + 1] - c0;
        for (int b = 0; b < ntiles; b++) {
            uint64_t ib, tb;
            const uint64_t off = tile_offset(s, &pl, nt, g, b, &ib, &tb);
            const int n0 = b * nt, ncols = s->n - n0 < nt ? s->n - n0 : nt;
            const uint64_t rb = ((uint64_t)ncols * pl.tk + 7) / 8;
            uint8_t *tile = image + lay->w_addr + off;
            for (int c = 0; c < nch; c++)
                for (int i = 0; i < W; i++) {
                    uint8_t *row = tile + ((uint64_t)c * W + i) * rb;
                    const uint8_t *src = pk.idx + ((size_t)(c0 + c) * W + i) * s->n + n0;
                    for (int j = 0; j < ncols; j++)
                        lut_field_put(row, (uint64_t)j, pl.tk, lut_field_from_idx(src[j], pl.tk));
                }
            uint8_t *meta = tile + ib;
            for (int j = 0; j < ncols; j++) {
                int32_t corr = pk.corr[(size_t)(n0 + j) * lay->ngroups + g];
                float sc = scales ? scales[(size_t)(n0 + j) * lay->ngroups + g] : 1.0f;
                uint32_t su;
                memcpy(&su, &sc, 4);
                for (int k = 0; k < 4; k++) {
                    meta[j * META_BYTES + k] = (uint8_t)((uint32_t)corr >> (8 * k));
                    meta[j * META_BYTES + 4 + k] = (uint8_t)(su >> (8 * k));
                }
            }
        }
    }
    lut_packed_free(&pk);
    return 0;
}

static int run_timing(const arch_t *arch, const energy_model *em, const gemm_shape *s,
                      sim_stats *st, gemm_layout *lay, char *err, size_t errlen)
{
    program p;
    if (gemm_lower(arch, s, &p, lay, err, errlen) != 0)
        return -1;
    int rc = sim_run(arch, em, &p, NULL, st, err, errlen);
    program_free(&p);
    return rc;
}

int gemm_timing(const arch_t *arch, const energy_model *em, const gemm_shape *s,
                sim_stats *st, int *sampled, char *err, size_t errlen)
{
    gemm_layout lay;
    *sampled = 0;
    /* The tile size the full program would use. */
    if (gemm_lower(arch, s, NULL, &lay, err, errlen) != 0)
        return -1;
    const int mt = lay.mt;
    const uint64_t tiles = ((uint64_t)s->m + mt - 1) / mt;
    if (tiles <= 8)
        return run_timing(arch, em, s, st, &lay, err, errlen);
    /* Periodic middle: 4 and 6 tiles, both ending with the real last tile. */
    const int last = s->m - (int)(tiles - 1) * mt;
    gemm_shape sa = *s, sb = *s;
    sa.force_mt = sb.force_mt = mt;
    sa.m = 3 * mt + last;
    sb.m = 5 * mt + last;
    sim_stats b;
    if (run_timing(arch, em, &sa, st, &lay, err, errlen) != 0 ||
        run_timing(arch, em, &sb, &b, &lay, err, errlen) != 0)
        return -1;
    periodic_extend(st, &b, tiles);
    if (em)
        sim_energy(em, st);
    *sampled = 1;
    return 0;
}
