/* machine.h - the state and the unit interface of the C model (internal).
 *
 * One file per hardware unit (unit_*.c) implements three things for the
 * instructions it executes, so that functional and timing-only runs share
 * every timing and counting decision:
 *   footprint  the buffer and DRAM ranges it reads and writes (bounds checks
 *              and the scoreboard's hazard detection);
 *   cost       its occupancy and latency in cycles, and the events it causes
 *              (priced by the energy table);
 *   exec       its effect on data (functional mode only).
 */
#ifndef MACHINE_H
#define MACHINE_H

#include "arch.h"
#include "dma_window.h"
#include "isa.h"
#include "sim.h"

/* Address spaces: the four buffers, then DRAM. */
#define SPACE_DRAM BUF_COUNT

typedef struct {
    int space;
    uint64_t lo, hi; /* [lo, hi) */
} mem_range;

#define FP_MAX_READS 4
#define FP_MAX_WRITES 2

typedef struct {
    int nr, nw;
    mem_range r[FP_MAX_READS];
    mem_range w[FP_MAX_WRITES];
} footprint;

typedef struct {
    uint64_t occupancy; /* cycles the unit is busy */
    uint64_t latency;   /* further cycles until results are visible */
    uint64_t dram_cycles; /* DMA: cycles the DRAM bus is held */
    /* Banked buffers (buffers.ideal false): word slots of each buffer's
     * ports the instruction uses (sram.h's port resource); 0 when ideal. */
    uint64_t port_words[BUF_COUNT];
    /* Banked buffers: cycles of occupancy the instruction spends beyond
     * its own rate because accesses that run together collide in a bank
     * (bank_conflict: beyond what the same words spread evenly over the
     * banks would take), and because a buffer's ports deliver fewer bytes
     * a cycle than the unit consumes (port_limit); 0 when ideal. */
    uint64_t bank_conflict, port_limit;
    uint64_t bursts;      /* DMA: bursts moved (ideal memory) */
} unit_cost;

typedef struct {
    const arch_t *arch;
    int tk, entries, entry_bytes; /* table geometry derived from arch */
    uint64_t tbytes;              /* bytes of one table (arch_table_bytes) */
    uint8_t *buf[BUF_COUNT];      /* NULL in timing-only mode */
    size_t buf_size[BUF_COUNT];
    uint8_t *dram;                /* NULL in timing-only mode */
    size_t dram_size;
    dram_dev *dev;                /* DRAM device model; NULL: "ideal" */
    sim_dram_port_fn port;        /* sim_opts.dram_port: the memory is outside */
    void *port_ctx;
    /* functional mode: the LUT unit's last decoded weight indices, reused
     * while the bytes they came from are the same (unit_lut.c) */
    struct lut_idx_cache *lut_idx;
} machine;

/* Frees m->lut_idx (unit_lut.c). */
void lut_idx_cache_free(machine *m);

/* One transaction through the port (m->port set): fills g. */
void sim_port_request(machine *m, uint64_t addr, uint32_t rows, uint64_t row_bytes,
                      uint64_t stride, int write, uint64_t arrival, uint64_t bursts,
                      sim_dram_grant *g);

typedef struct {
    /* Fills fp; returns 0 or -1 with a reason (bad field values). */
    int (*footprint)(const machine *m, const isa_instr *in, footprint *fp,
                     char *err, size_t errlen);
    void (*cost)(const machine *m, const isa_instr *in, unit_cost *c, sim_events *ev);
    /* Returns 0, or -1 with a reason: host memory ran out, or the data
     * broke a rule of the datapath (a 32-bit accumulator overflowed). */
    int (*exec)(machine *m, const isa_instr *in, char *err, size_t errlen);
} unit_ops;

extern const unit_ops unit_dma_ops, unit_tprec_ops, unit_lut_ops, unit_dq_ops, unit_vec_ops;
/* mma: on the array slot (UNIT_LUT) of a systolic, mac or bitserial compute.kind */
extern const unit_ops unit_mma_ops;

/* DMA on a DRAM device model: the transfer goes to m->dev at cycle start;
 * sets c's occupancy and latency from the device's answer (dma_cost has
 * counted the buffer side; the device counts DRAM traffic). */
/* With a window of bursts in flight (w->cap > 0) the transfer goes in
 * chunks that each wait for their slots; *stall gets the cycles lost to
 * that wait. */
/* The DRAM side of a DMA instruction: *in itself, or for loadt the
 * packed rows (bytes = trit5 row bytes) the device moves. */
isa_instr dma_dram_view(const machine *m, const isa_instr *in);
void dma_device_cost(machine *m, const isa_instr *in, uint64_t start, unit_cost *c,
                     dma_window *w, uint64_t *stall);
/* A read of `bytes` at addr that arrives at the device at `arrival`
 * (instruction fetch); returns the cycle its data has moved, *moved the
 * bytes of the bursts it touched. */
uint64_t dma_device_read(machine *m, uint64_t addr, uint64_t bytes, uint64_t arrival,
                         uint64_t *moved);
/* Banked buffers (sram.c): charges c's port words to the buffers' shared
 * ports for an instruction starting at start (sram.h); a compute unit stays
 * busy while it waits for a port, a DMA (dma != 0) is never slowed. */
struct sram_ports;
void sram_ports_apply(struct sram_ports *p, const arch_t *a, int dma, uint64_t start,
                      unit_cost *c);
/* A buffer side that needs `cycles`: raises c's occupancy to it, the
 * difference counted as c->port_limit (the ports deliver too little). */
void sram_raise(unit_cost *c, uint64_t cycles);
/* sim_dram.c: opens m->dev for a device dram.model (NULL for "ideal");
 * 0 or -1 with a message.  After the run, adds the device's traffic and
 * counters to ev (accelerator cycles). */
int sim_dram_open(machine *m, char *err, size_t errlen);
void sim_dram_stats(const machine *m, sim_events *ev);

/* The m x n int32 accumulator tile at in->acc that lmma and mma write,
 * and read first when in->accum: appended to fp's ranges. */
static inline void fp_acc_tile(footprint *fp, const isa_instr *in, uint64_t tiles)
{
    const mem_range acc = { BUF_OUT, in->acc, in->acc + tiles * in->m * in->n * 4 };
    if (in->accum)
        fp->r[fp->nr++] = acc;
    fp->w[fp->nw++] = acc;
}

/* Bytes of one packed weight-index row of n columns (tk bits each). */
static inline uint64_t wrow_bytes(const machine *m, uint64_t n)
{
    return (n * (uint64_t)m->tk + 7) / 8;
}

static inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* The table layout tprec writes and lmma reads: row r's table for chunk c
 * (of ceil(klen / tk)) is at base + r x row stride + c x table bytes, the
 * row stride being chunks + tpad tables (tpad unused slots let the
 * compiler put consecutive rows in different banks). */
static inline uint64_t table_bytes(const machine *m)
{
    return m->tbytes;
}
static inline uint64_t table_row_stride(const machine *m, uint64_t klen, uint64_t tpad)
{
    return (ceil_div(klen, (uint64_t)m->tk) + tpad) * table_bytes(m);
}
/* Bytes from base to the end of the last row's tables. */
static inline uint64_t table_span(const machine *m, uint64_t rows, uint64_t klen, uint64_t tpad)
{
    return rows == 0 ? 0
                     : (rows - 1) * table_row_stride(m, klen, tpad) +
                           ceil_div(klen, (uint64_t)m->tk) * table_bytes(m);
}

/* Little-endian scalar access into buffers. */
static inline int32_t ld_i32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}
static inline void st_i32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)u; p[1] = (uint8_t)(u >> 8); p[2] = (uint8_t)(u >> 16); p[3] = (uint8_t)(u >> 24);
}
float ld_f32(const uint8_t *p);
void st_f32(uint8_t *p, float v);

#endif
