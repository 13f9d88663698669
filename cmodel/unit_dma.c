/* unit_dma.c - the DMA engine: 2-D transfers between DRAM and a buffer. */
#include "machine.h"
#include "sram.h"
#include "trit5.h"

#include <stdio.h>
#include <string.h>

/* Assumption: the trit5 decoder (base-3 digit split and the fold into
 * table-index fields, a few gate levels per trit) sits between the DMA
 * and the weight buffer and keeps up with the buffer's write port; it
 * adds this pipeline depth to a loadt's latency. */
#define TRIT5_DECODE_LATENCY 2

isa_instr dma_dram_view(const machine *m, const isa_instr *in)
{
    isa_instr d = *in;
    if (in->op == OP_LOADT)
        d.bytes = (uint32_t)trit5_row_bytes(in->bytes, m->arch->tile_k);
    return d;
}

/* Bytes a DMA row occupies in the buffer. */
static uint64_t buf_row_bytes(const isa_instr *in)
{
    return in->op == OP_LOADT ? 2 * (uint64_t)in->bytes : in->bytes;
}

static int dma_footprint(const machine *m, const isa_instr *in_, footprint *fp,
                         char *err, size_t errlen)
{
    const isa_instr dv = dma_dram_view(m, in_), *in = &dv;
    if (in->buf >= BUF_COUNT) {
        snprintf(err, errlen, "illegal buffer %u", in->buf);
        return -1;
    }
    if (in->rows == 0 || in->bytes == 0) {
        snprintf(err, errlen, "empty transfer (rows=%u bytes=%u)", in->rows, in->bytes);
        return -1;
    }
    if (in->rows > 1 && in->stride < in->bytes) {
        snprintf(err, errlen, "DRAM stride %u is smaller than the row of %u bytes", in->stride,
                 in->bytes);
        return -1;
    }
    if (in->op == OP_LOADT && in->buf != BUF_WGT) {
        snprintf(err, errlen, "loadt decodes weights: buffer must be weight, not %u", in->buf);
        return -1;
    }
    mem_range sram = { (int)in->buf, in->sram, in->sram + (uint64_t)in->rows * buf_row_bytes(in_) };
    mem_range dram = { SPACE_DRAM, in->dram,
                       in->dram + (uint64_t)(in->rows - 1) * in->stride + in->bytes };
    fp->nr = fp->nw = 1;
    if (in->op != OP_STORE) {
        fp->r[0] = dram;
        fp->w[0] = sram;
    } else {
        fp->r[0] = sram;
        fp->w[0] = dram;
    }
    return 0;
}

static void dma_cost(const machine *m, const isa_instr *in_, unit_cost *c, sim_events *ev)
{
    const arch_t *a = m->arch;
    const isa_instr dv = dma_dram_view(m, in_), *in = &dv; /* DRAM side */
    uint64_t burst = (uint64_t)a->dram_burst;
    /* Contiguous rows form one burst sequence; strided rows each start one. */
    uint64_t moved = (in->stride == in->bytes || in->rows == 1)
                         ? ceil_div((uint64_t)in->rows * in->bytes, burst) * burst
                         : (uint64_t)in->rows * ceil_div(in->bytes, burst) * burst;
    uint64_t payload = (uint64_t)in->rows * buf_row_bytes(in_); /* buffer side */
    double bpc = arch_dram_bytes_per_cycle(a);
    uint64_t dram_cycles = (uint64_t)((double)moved / bpc);
    if ((double)dram_cycles * bpc < (double)moved)
        dram_cycles++;
    const arch_buffer *b = &a->buf[in->buf];
    uint64_t sram_cycles = ceil_div(payload, (uint64_t)b->banks * b->width_bits / 8);
    if (!a->sram_ideal) { /* banked: the buffer side is one contiguous range */
        sram_geom g;
        sram_geom_of(a, (buf_id)in->buf, &g);
        c->port_words[in->buf] = sram_range_words(&g, in->sram, payload);
        sram_cycles = ceil_div(c->port_words[in->buf], g.ports);
    }
    if (m->dev) { /* dma_device_cost decides the timing and counts DRAM */
        moved = 0;
        dram_cycles = 0;
    }
    c->dram_cycles = dram_cycles;
    c->bursts = moved / burst;
    c->occupancy = dram_cycles;
    if (!a->sram_ideal && !m->dev)
        sram_raise(c, sram_cycles); /* the buffer side is slower than the bus */
    else if (sram_cycles > c->occupancy)
        c->occupancy = sram_cycles; /* a device: dma_device_cost decides */
    c->latency = (uint64_t)a->dram_latency + (in->op == OP_LOADT ? TRIT5_DECODE_LATENCY : 0);
    if (in->op != OP_STORE) {
        ev->dram_read_bytes += moved;
        ev->buf_write_bytes[in->buf] += payload;
    } else {
        ev->dram_write_bytes += moved;
        ev->buf_read_bytes[in->buf] += payload;
    }
}

/* One device request; its accepted and complete cycles in *done. */
static void device_request(machine *m, uint64_t addr, uint32_t rows, uint64_t bytes,
                           uint64_t stride, int write, uint64_t arrival, dram_done *done)
{
    dram_req r = { addr, rows, bytes, stride, write, arrival };
    done->accepted = done->complete = arrival;
    done->bursts = 0;
    if (m->port) { /* the device is outside (sim_opts.dram_port) */
        sim_dram_grant g;
        sim_port_request(m, addr, rows, bytes, stride, write, arrival, 0, &g);
        done->accepted = g.accepted;
        done->complete = g.complete;
        done->bursts = g.bursts;
        return;
    }
    long id = dram_submit(m->dev, &r);
    if (id >= 0)
        dram_wait(m->dev, id, done); /* footprint checked the fields: cannot fail */
}

/* The chunks of a transfer under a window: each row (contiguous rows are
 * one) in pieces of at most `chunk` bursts on burst boundaries.  A piece
 * enters the device when its bursts have slots, after the previous piece
 * was accepted; its slots free when its data has moved plus dram_latency. */
static void device_windowed(machine *m, const isa_instr *in, uint64_t start, dma_window *w,
                            dram_done *out, uint64_t *stall)
{
    const uint64_t B = (uint64_t)dram_dev_spec(m->dev)->burst_bytes;
    const uint64_t chunk = w->cap / 8 > 0 ? (uint64_t)w->cap / 8 : 1;
    const int contiguous = in->rows == 1 || in->stride == in->bytes;
    const uint64_t rows = contiguous ? 1 : in->rows;
    const uint64_t len = contiguous ? (uint64_t)in->rows * in->bytes : in->bytes;
    uint64_t next = start, accepted = start, complete = start, waited = 0;
    for (uint64_t r = 0; r < rows; r++) {
        const uint64_t lo = in->dram + r * in->stride, hi = lo + len;
        for (uint64_t a = lo; a < hi;) {
            uint64_t e = (a / B + chunk) * B;
            if (e > hi)
                e = hi;
            const uint64_t g = ceil_div(e, B) - a / B; /* bursts the piece touches */
            const uint64_t slot = dma_window_ready(w, g);
            uint64_t at = next > slot ? next : slot;
            waited += at - next;
            dram_done d;
            device_request(m, a, 1, e - a, e - a, in->op == OP_STORE, at, &d);
            dma_window_push(w, g, d.complete + (uint64_t)m->arch->dram_latency);
            next = accepted = d.accepted;
            if (d.complete > complete)
                complete = d.complete;
            a = e;
        }
    }
    out->accepted = accepted;
    out->complete = complete;
    *stall = waited;
}

uint64_t dma_device_read(machine *m, uint64_t addr, uint64_t bytes, uint64_t arrival,
                         uint64_t *moved)
{
    dram_done d;
    device_request(m, addr, 1, bytes, bytes, 0, arrival, &d);
    *moved = d.bursts * (uint64_t)dram_dev_spec(m->dev)->burst_bytes;
    return d.complete;
}

void dma_device_cost(machine *m, const isa_instr *in_, uint64_t start, unit_cost *c,
                     dma_window *w, uint64_t *stall)
{
    const isa_instr dv = dma_dram_view(m, in_), *in = &dv;
    dram_done done;
    *stall = 0;
    if (w && w->cap > 0)
        device_windowed(m, in, start, w, &done, stall);
    else
        device_request(m, in->dram, in->rows, in->bytes, in->stride, in->op == OP_STORE, start,
                       &done);
    /* busy until the last burst is queued, and at least the buffer side */
    if (done.accepted - start > c->occupancy)
        c->occupancy = done.accepted - start;
    uint64_t end = start + c->occupancy;
    c->latency = (done.complete > end ? done.complete - end : 0) + (uint64_t)m->arch->dram_latency +
                 (in->op == OP_LOADT ? TRIT5_DECODE_LATENCY : 0);
}

static int dma_exec(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    uint8_t *sram = m->buf[in->buf] + in->sram;
    if (in->op == OP_LOADT) {
        for (uint32_t r = 0; r < in->rows; r++) {
            const uint64_t at = in->dram + (uint64_t)r * in->stride;
            uint64_t bad = 0;
            if (trit5_decode_row(m->dram + at, in->bytes, m->arch->tile_k,
                                 sram + (uint64_t)r * 2 * in->bytes, &bad) != 0) {
                snprintf(err, errlen, "loadt: DRAM byte %llu (0x%02x) is not a trit5 code (0..242)",
                         (unsigned long long)(at + bad), m->dram[at + bad]);
                return -1;
            }
        }
        return 0;
    }
    for (uint32_t r = 0; r < in->rows; r++) {
        uint8_t *d = m->dram + in->dram + (uint64_t)r * in->stride;
        uint8_t *s = sram + (uint64_t)r * in->bytes;
        if (in->op == OP_LOAD)
            memcpy(s, d, in->bytes);
        else
            memcpy(d, s, in->bytes);
    }
    return 0;
}

const unit_ops unit_dma_ops = { dma_footprint, dma_cost, dma_exec };
