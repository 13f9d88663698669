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
 */
#include "lut_arith.h"
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>

static int lut_footprint(const machine *m, const isa_instr *in, footprint *fp,
                         char *err, size_t errlen)
{
    const arch_t *a = m->arch;
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
    fp->nr = 2;
    fp->r[0] = (mem_range){ BUF_TBL, in->tbl, in->tbl + (uint64_t)in->m * chunks * m->entries * m->entry_bytes };
    fp->r[1] = (mem_range){ BUF_WGT, in->wgt, in->wgt + chunks * in->wbits * wrow_bytes(m, in->n) };
    mem_range acc = { BUF_OUT, in->acc, in->acc + (uint64_t)in->m * in->n * 4 };
    if (in->accum)
        fp->r[fp->nr++] = acc;
    fp->nw = 1;
    fp->w[0] = acc;
    return 0;
}

static void lut_cost(const machine *m, const isa_instr *in, unit_cost *c, sim_events *ev)
{
    const arch_t *a = m->arch;
    uint64_t chunks = ceil_div(in->klen, (uint64_t)m->tk);
    const uint64_t cores = (uint64_t)a->lut_cores;
    uint64_t cols = (uint64_t)a->tile_n * (in->part ? 1 : cores);
    uint64_t row_passes = ceil_div(in->m, (uint64_t)a->tile_m * (in->part ? cores : 1));
    uint64_t col_passes = ceil_div(in->n, cols);
    uint64_t need = cols * (uint64_t)m->tk; /* index bits per pass */
    const arch_buffer *wb = &a->buf[BUF_WGT];
    uint64_t supply = (uint64_t)wb->banks * wb->width_bits;
    uint64_t per_pass = need > supply ? ceil_div(need, supply) : 1;
    c->occupancy = row_passes * col_passes * chunks * in->wbits * per_pass;
    c->latency = (uint64_t)a->lmma_latency;
    c->dram_cycles = 0;
    uint64_t lookups = (uint64_t)in->m * in->n * chunks * in->wbits;
    ev->table_reads += lookups;
    ev->accum_adds += lookups;
    ev->macs += (uint64_t)in->m * in->n * in->klen;
    /* Weights stream once per row pass; each table is loaded into the
     * array once per column pass. */
    ev->buf_read_bytes[BUF_WGT] += row_passes * chunks * in->wbits * wrow_bytes(m, in->n);
    ev->buf_read_bytes[BUF_TBL] += col_passes * in->m * chunks * m->entries * m->entry_bytes;
    ev->buf_write_bytes[BUF_OUT] += (uint64_t)in->m * in->n * 4;
    if (in->accum)
        ev->buf_read_bytes[BUF_OUT] += (uint64_t)in->m * in->n * 4;
}

/* Whether any partial sum of the lmma could leave int32: a bound from the
 * largest initial accumulator and table entry it reads.  Compiler output
 * never gets near it (INT8 tables, bounded groups), so the run loop below
 * only checks every step when this says it must. */
static int may_overflow(const machine *m, const isa_instr *in, const uint8_t *tbl,
                        const uint8_t *out, uint64_t chunks)
{
    const int E = m->entries, eb = m->entry_bytes;
    int64_t max_entry = 0, max_acc = 0;
    for (uint64_t j = 0; j < (uint64_t)in->m * chunks * (uint64_t)E; j++) {
        int64_t v = (int16_t)(uint16_t)(tbl[j * eb] | tbl[j * eb + 1] << 8);
        max_entry = v < 0 ? (-v > max_entry ? -v : max_entry) : (v > max_entry ? v : max_entry);
    }
    for (uint64_t j = 0; in->accum && j < (uint64_t)in->m * in->n; j++) {
        int64_t v = ld_i32(out + j * 4);
        max_acc = v < 0 ? (-v > max_acc ? -v : max_acc) : (v > max_acc ? v : max_acc);
    }
    /* every term is an entry (negated or not) times 2^plane */
    return max_acc + (int64_t)chunks * (((int64_t)1 << in->wbits) - 1) * max_entry > INT32_MAX;
}

static int lut_exec(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    const int tk = m->tk, E = m->entries, eb = m->entry_bytes;
    const uint64_t chunks = ceil_div(in->klen, (uint64_t)tk), rb = wrow_bytes(m, in->n);
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
    lut_entry_t t[1 << (LUT_MAX_TK - 1)];
    for (uint64_t c = 0; c < chunks; c++) {
        for (uint32_t i = 0; i < in->wbits; i++) {
            const uint8_t *row = wgt + (c * in->wbits + i) * rb;
            for (uint32_t col = 0; col < in->n; col++)
                idx[col] = lut_idx_from_field(lut_field_get(row, col, tk), tk);
            for (uint32_t r = 0; r < in->m; r++) {
                const uint8_t *te = tbl + ((uint64_t)r * chunks + c) * E * eb;
                for (int e = 0; e < E; e++)
                    t[e] = (lut_entry_t)(uint16_t)(te[e * eb] | te[e * eb + 1] << 8);
                int32_t *a = acc + (uint64_t)r * in->n;
                if (!careful) {
                    for (uint32_t col = 0; col < in->n; col++)
                        a[col] = lut_shift_acc(a[col], lut_lookup(t, idx[col]), (int)i);
                    continue;
                }
                uint32_t bad = in->n; /* first column that overflowed */
                for (uint32_t col = 0; col < in->n; col++)
                    if (lut_shift_acc_checked(&a[col], lut_lookup(t, idx[col]), (int)i) &&
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
    for (uint64_t j = 0; j < mn; j++)
        st_i32(out + j * 4, acc[j]);
    rc = 0;
out:
    free(acc);
    free(idx);
    return rc;
}

const unit_ops unit_lut_ops = { lut_footprint, lut_cost, lut_exec };
