/* unit_dma.c - the DMA engine: 2-D transfers between DRAM and a buffer. */
#include "machine.h"
#include "sram.h"

#include <stdio.h>
#include <string.h>

static int dma_footprint(const machine *m, const isa_instr *in, footprint *fp,
                         char *err, size_t errlen)
{
    (void)m;
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
    mem_range sram = { (int)in->buf, in->sram, in->sram + (uint64_t)in->rows * in->bytes };
    mem_range dram = { SPACE_DRAM, in->dram,
                       in->dram + (uint64_t)(in->rows - 1) * in->stride + in->bytes };
    fp->nr = fp->nw = 1;
    if (in->op == OP_LOAD) {
        fp->r[0] = dram;
        fp->w[0] = sram;
    } else {
        fp->r[0] = sram;
        fp->w[0] = dram;
    }
    return 0;
}

static void dma_cost(const machine *m, const isa_instr *in, unit_cost *c, sim_events *ev)
{
    const arch_t *a = m->arch;
    uint64_t burst = (uint64_t)a->dram_burst;
    /* Contiguous rows form one burst sequence; strided rows each start one. */
    uint64_t moved = (in->stride == in->bytes || in->rows == 1)
                         ? ceil_div((uint64_t)in->rows * in->bytes, burst) * burst
                         : (uint64_t)in->rows * ceil_div(in->bytes, burst) * burst;
    uint64_t payload = (uint64_t)in->rows * in->bytes;
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
    c->occupancy = dram_cycles > sram_cycles ? dram_cycles : sram_cycles;
    c->latency = (uint64_t)a->dram_latency;
    if (in->op == OP_LOAD) {
        ev->dram_read_bytes += moved;
        ev->buf_write_bytes[in->buf] += payload;
    } else {
        ev->dram_write_bytes += moved;
        ev->buf_read_bytes[in->buf] += payload;
    }
}

void dma_device_cost(machine *m, const isa_instr *in, uint64_t start, unit_cost *c)
{
    dram_req r = { in->dram, in->rows, in->bytes, in->stride, in->op == OP_STORE, start };
    dram_done done = { start, start, 0 };
    long id = dram_submit(m->dev, &r);
    if (id >= 0)
        dram_wait(m->dev, id, &done); /* footprint checked the fields: cannot fail */
    /* busy until the last burst is queued, and at least the buffer side */
    if (done.accepted - start > c->occupancy)
        c->occupancy = done.accepted - start;
    uint64_t end = start + c->occupancy;
    c->latency = (done.complete > end ? done.complete - end : 0) + (uint64_t)m->arch->dram_latency;
}

static int dma_exec(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    uint8_t *sram = m->buf[in->buf] + in->sram;
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
