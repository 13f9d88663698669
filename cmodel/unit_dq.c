/* unit_dq.c - the dequantization unit: zero-point term and group scale.
 *
 * For each output it reads the doubled bit-plane sum, the row's activation
 * sum and the column's metadata (zero-point factor 2^W-1-2z and scale, in
 * the format the instruction's mfmt names: lut_meta.h) and produces the
 * group's dot product (lut_group_result), exact as int32 or scaled in float.
 * Float activations (arch act_fmt): accumulators and sums are binary32 and
 * the result float32 always (lut_float.h step 5; fmode 0: scale 1).
 */
#include "lut_arith.h"
#include "lut_float.h"
#include "lut_meta.h"
#include "machine.h"
#include "sram.h"

#include <stdio.h>

static int dq_footprint(const machine *m, const isa_instr *in, footprint *fp,
                        char *err, size_t errlen)
{
    (void)m;
    if (in->m == 0 || in->n == 0) {
        snprintf(err, errlen, "empty tile (m=%u n=%u)", in->m, in->n);
        return -1;
    }
    uint64_t mn4 = (uint64_t)in->m * in->n * 4;
    fp->nr = 3;
    fp->r[0] = (mem_range){ BUF_OUT, in->acc, in->acc + mn4 };
    fp->r[1] = (mem_range){ BUF_TBL, in->sum, in->sum + (uint64_t)in->m * 4 };
    const uint64_t meta_bytes = lut_meta_tile_bytes((int)in->mfmt, in->n);
    fp->r[2] = (mem_range){ BUF_WGT, in->meta, in->meta + meta_bytes };
    mem_range dst = { BUF_OUT, in->dst, in->dst + mn4 };
    if (in->accum)
        fp->r[fp->nr++] = dst;
    fp->nw = 1;
    fp->w[0] = dst;
    return 0;
}

/* Banked buffers: the unit streams the accumulators in, the results out
 * (and the previous results in, accumulating) through the output
 * buffer's ports, the activation sums and metadata once each; it runs no
 * faster than the busiest buffer delivers. */
static void dq_banked(const machine *m, const isa_instr *in, unit_cost *c)
{
    const uint64_t mn4 = (uint64_t)in->m * in->n * 4;
    sram_geom g[BUF_COUNT];
    for (int b = 0; b < BUF_COUNT; b++)
        sram_geom_of(m->arch, (buf_id)b, &g[b]);
    c->port_words[BUF_OUT] = sram_range_words(&g[BUF_OUT], in->acc, mn4) +
                             sram_range_words(&g[BUF_OUT], in->dst, mn4) * (in->accum ? 2 : 1);
    c->port_words[BUF_TBL] = sram_range_words(&g[BUF_TBL], in->sum, (uint64_t)in->m * 4);
    c->port_words[BUF_WGT] =
        sram_range_words(&g[BUF_WGT], in->meta, lut_meta_tile_bytes((int)in->mfmt, in->n));
    for (int b = 0; b < BUF_COUNT; b++)
        sram_raise(c, sram_cycles(&g[b], c->port_words[b]));
}

static void dq_cost(const machine *m, const isa_instr *in, unit_cost *c, sim_events *ev)
{
    const arch_t *a = m->arch;
    uint64_t outs = (uint64_t)in->m * in->n;
    c->occupancy = ceil_div(outs, (uint64_t)a->dequant_lanes);
    if (!a->sram_ideal)
        dq_banked(m, in, c);
    c->latency = (uint64_t)a->dequant_latency;
    c->dram_cycles = 0;
    ev->zp_macs += outs;
    if (in->fmode)
        ev->dequant_muls += outs;
    ev->buf_read_bytes[BUF_OUT] += outs * 4 * (in->accum ? 2 : 1);
    ev->buf_read_bytes[BUF_TBL] += (uint64_t)in->m * 4;
    ev->buf_read_bytes[BUF_WGT] += lut_meta_tile_bytes((int)in->mfmt, in->n);
    ev->buf_write_bytes[BUF_OUT] += outs * 4;
}

static void dq_exec_float(machine *m, const isa_instr *in)
{
    uint8_t *out = m->buf[BUF_OUT];
    const uint8_t *sum = m->buf[BUF_TBL] + in->sum, *meta = m->buf[BUF_WGT] + in->meta;
    for (uint32_t r = 0; r < in->m; r++) {
        const float asum = ld_f32(sum + (uint64_t)r * 4);
        for (uint32_t col = 0; col < in->n; col++) {
            const uint64_t off = ((uint64_t)r * in->n + col) * 4;
            int32_t corr;
            float scale;
            lut_meta_get((int)in->mfmt, meta, in->n, col, (int)in->shift, &corr, &scale);
            const float g = lut_fgroup_result(ld_f32(out + in->acc + off), corr, asum,
                                              (int)in->shift);
            const float prev = in->accum ? ld_f32(out + in->dst + off) : 0.0f;
            st_f32(out + in->dst + off, lut_dequant_f(prev, in->fmode ? scale : 1.0f, g));
        }
    }
}

static int dq_exec(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (m->arch->act_fmt) {
        dq_exec_float(m, in);
        return 0;
    }
    uint8_t *out = m->buf[BUF_OUT];
    const uint8_t *sum = m->buf[BUF_TBL] + in->sum, *meta = m->buf[BUF_WGT] + in->meta;
    for (uint32_t r = 0; r < in->m; r++) {
        int32_t asum = ld_i32(sum + (uint64_t)r * 4);
        for (uint32_t col = 0; col < in->n; col++) {
            uint64_t off = ((uint64_t)r * in->n + col) * 4;
            int32_t corr;
            float scale;
            lut_meta_get((int)in->mfmt, meta, in->n, col, (int)in->shift, &corr, &scale);
            int64_t g = lut_group_result(ld_i32(out + in->acc + off), corr, asum, (int)in->shift);
            if (in->fmode) {
                float prev = in->accum ? ld_f32(out + in->dst + off) : 0.0f;
                st_f32(out + in->dst + off, lut_dequant_acc(prev, scale, g));
            } else {
                int32_t prev = in->accum ? ld_i32(out + in->dst + off) : 0;
                st_i32(out + in->dst + off, (int32_t)((uint32_t)prev + (uint32_t)(int32_t)g));
            }
        }
    }
    return 0;
}

const unit_ops unit_dq_ops = { dq_footprint, dq_cost, dq_exec };
