/* unit_tprec.c - the table-precompute unit.
 *
 * For each activation row and each group of tk activations it builds the
 * 2^(tk-1)-entry table (lut_arith.c) and the row's activation sum, which
 * the dequant unit needs for the zero-point term.  Entries saturate to the
 * architecture's table entry width, as a narrower table would in silicon.
 *
 * Activation width (act_bits 4, 8 or 16): the act buffer holds rows packed
 * at that width (klen counts elements, src and stride are bytes).  The
 * adders are as wide as the entries (act_bits + ceil(log2 tk) + 1 bits), so
 * A16 costs one pass with wider adders, the same additions per table as A8,
 * rather than two 8-bit half passes that would double the work and need a
 * combining shift-add anyway; the wider entries cost table-buffer bytes
 * (entry_bytes) and port cycles instead.
 *
 * Float activations (arch act_fmt, lut_float.h): the act buffer holds
 * them at their format's width, the tables are written in
 * lut.table_format (entry bytes, and int8's scale, in the table buffer's
 * bytes and ports), the sum slot holds a binary32 sum; each entry is its
 * own chain of K - 1 float additions.
 */
#include "lut_arith.h"
#include "lut_float.h"
#include "machine.h"
#include "sram.h"

#include <stdio.h>
#include <string.h>

static uint64_t chunks_of(const machine *m, uint32_t klen) { return ceil_div(klen, (uint64_t)m->tk); }

static int tprec_footprint(const machine *m, const isa_instr *in, footprint *fp,
                           char *err, size_t errlen)
{
    if (in->rows == 0 || in->klen == 0) {
        snprintf(err, errlen, "empty precompute (rows=%u klen=%u)", in->rows, in->klen);
        return -1;
    }
    if (in->rows > 1 && in->stride < lut_act_bytes(in->klen, m->arch->act_bits)) {
        snprintf(err, errlen, "activation stride %u is smaller than klen %u", in->stride, in->klen);
        return -1;
    }
    fp->nr = 1;
    fp->r[0] = (mem_range){ BUF_ACT, in->src, in->src + (uint64_t)(in->rows - 1) * in->stride +
                                                  lut_act_bytes(in->klen, m->arch->act_bits) };
    fp->nw = 2;
    fp->w[0] = (mem_range){ BUF_TBL, in->dst, in->dst + table_span(m, in->rows, in->klen, in->tpad) };
    fp->w[1] = (mem_range){ BUF_TBL, in->sum, in->sum + (uint64_t)in->rows * 4 };
    return 0;
}

/* Banked buffers: the activation rows come in through the act buffer's
 * ports (one step per row), the tables and sums go out through the table
 * buffer's; the unit runs no faster than the busier of the two. */
static void tprec_banked(const machine *m, const isa_instr *in, uint64_t tables, unit_cost *c)
{
    sram_geom ga, gt;
    sram_geom_of(m->arch, BUF_ACT, &ga);
    sram_geom_of(m->arch, BUF_TBL, &gt);
    uint64_t aw, acyc;
    sram_strided(&ga, in->src, in->stride, in->rows, lut_act_bytes(in->klen, m->arch->act_bits),
                 &aw, &acyc);
    uint64_t tw = sram_range_words(&gt, in->sum, (uint64_t)in->rows * 4);
    if (in->tpad == 0) { /* one contiguous range */
        tw += sram_range_words(&gt, in->dst, tables * table_bytes(m));
    } else { /* each row's tables, a row stride apart */
        uint64_t rw, rc;
        sram_strided(&gt, in->dst, table_row_stride(m, in->klen, in->tpad), in->rows,
                     chunks_of(m, in->klen) * table_bytes(m), &rw, &rc);
        tw += rw;
    }
    c->port_words[BUF_ACT] = aw;
    c->port_words[BUF_TBL] = tw;
    sram_raise(c, acyc);
    sram_raise(c, sram_cycles(&gt, tw));
}

static void tprec_cost(const machine *m, const isa_instr *in, unit_cost *c, sim_events *ev)
{
    const arch_t *a = m->arch;
    uint64_t tables = (uint64_t)in->rows * chunks_of(m, in->klen);
    c->occupancy = ceil_div(tables, (uint64_t)a->tprec_tables_per_cycle);
    if (!a->sram_ideal)
        tprec_banked(m, in, tables, c);
    c->latency = (uint64_t)a->tprec_latency;
    c->dram_cycles = 0;
    /* Integer: (tk - 1) subtractions for entry 0, one addition per
     * further entry; float: tk - 1 per entry; and the running sum. */
    const uint64_t per_table = a->act_fmt ? (uint64_t)m->entries * (uint64_t)(m->tk - 1)
                                          : (uint64_t)((m->tk - 1) + (m->entries - 1));
    const uint64_t adds = tables * per_table + (uint64_t)in->rows * in->klen;
    ev->precompute_adds += adds;
    if (a->act_fmt) {
        ev->precompute_fadds += adds;
        if (a->table_fmt == LUT_TFMT_INT8)
            ev->precompute_fdivs += tables * ((uint64_t)m->entries + 1);
    }
    ev->buf_read_bytes[BUF_ACT] += (uint64_t)in->rows * lut_act_bytes(in->klen, a->act_bits);
    ev->buf_write_bytes[BUF_TBL] += tables * table_bytes(m) + (uint64_t)in->rows * 4;
}

/* Float activations: the same loop with lut_float.h's arithmetic. */
static void tprec_exec_float(machine *m, const isa_instr *in)
{
    const int tk = m->tk;
    const lut_afmt af = (lut_afmt)m->arch->act_fmt;
    const lut_tfmt tf = (lut_tfmt)m->arch->table_fmt;
    const uint64_t chunks = chunks_of(m, in->klen);
    uint8_t *act = m->buf[BUF_ACT], *tbl = m->buf[BUF_TBL];
    for (uint32_t r = 0; r < in->rows; r++) {
        const uint8_t *row = act + in->src + (uint64_t)r * in->stride;
        float sum = 0.0f;
        for (uint64_t c = 0; c < chunks; c++) {
            float chunk[LUT_MAX_TK] = { 0 };
            uint64_t k0 = c * (uint64_t)tk;
            uint64_t len = in->klen - k0 < (uint64_t)tk ? in->klen - k0 : (uint64_t)tk;
            for (uint64_t j = 0; j < len; j++) {
                chunk[j] = lut_afmt_load(row, af, k0 + j);
                sum += chunk[j];
            }
            lut_ftable_precompute(chunk, tk, tf,
                                  tbl + in->dst + (uint64_t)r * table_row_stride(m, in->klen, in->tpad) +
                                      c * table_bytes(m));
        }
        st_f32(tbl + in->sum + (uint64_t)r * 4, sum);
    }
}

static int tprec_exec(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (m->arch->act_fmt) {
        tprec_exec_float(m, in);
        return 0;
    }
    const int tk = m->tk, E = m->entries, eb = m->entry_bytes;
    const int bits = m->arch->table_entry_bits, ab = m->arch->act_bits;
    const uint64_t chunks = chunks_of(m, in->klen);
    uint8_t *act = m->buf[BUF_ACT], *tbl = m->buf[BUF_TBL];
    for (uint32_t r = 0; r < in->rows; r++) {
        const uint8_t *row = act + in->src + (uint64_t)r * in->stride;
        int32_t sum = 0;
        for (uint64_t c = 0; c < chunks; c++) {
            int32_t chunk[LUT_MAX_TK] = { 0 };
            uint64_t k0 = c * (uint64_t)tk;
            uint64_t len = in->klen - k0 < (uint64_t)tk ? in->klen - k0 : (uint64_t)tk;
            for (uint64_t j = 0; j < len; j++) {
                chunk[j] = lut_act_get(row, k0 + j, ab);
                sum += chunk[j];
            }
            int32_t t[1 << (LUT_MAX_TK - 1)];
            lut_table_precompute_i32(chunk, tk, t);
            uint8_t *dst = tbl + in->dst + (uint64_t)r * table_row_stride(m, in->klen, in->tpad) +
                           c * E * eb;
            for (int e = 0; e < E; e++)
                lut_entry_put(dst + e * eb, eb, lut_entry_saturate(t[e], bits));
        }
        st_i32(tbl + in->sum + (uint64_t)r * 4, sum);
    }
    return 0;
}

const unit_ops unit_tprec_ops = { tprec_footprint, tprec_cost, tprec_exec };
