/* sim.c - the C model's run loop: checks, scoreboard timing, execution. */
#include "count.h"
#include "ifetch.h"
#include "machine.h"
#include "sb_ring.h"
#include "scoreboard.h"
#include "sim.h"
#include "sram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sim_energy_names[EN_COUNT] = {
    "dram", "buffer_act", "buffer_weight", "buffer_table", "buffer_output",
    "precompute", "lut_lookup", "accumulate", "table_broadcast", "lookup_shift",
    "acc_register", "dequant", "vector", "leakage",
    "array_mac", "mac_dequant", "index_registers"
};

double sim_array_energy_pj(const sim_stats *st)
{
    static const int parts[] = { EN_PRECOMPUTE, EN_LOOKUP,  EN_ACCUMULATE, EN_BROADCAST,
                                 EN_SHIFT,      EN_ACC_REG, EN_DEQUANT,    EN_ARRAY_MAC,
                                 EN_MAC_DEQUANT, EN_INDEX_REG };
    double e = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        e += st->energy_pj_part[parts[i]];
    return e;
}

float ld_f32(const uint8_t *p)
{
    uint32_t u = (uint32_t)ld_i32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

void st_f32(uint8_t *p, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    st_i32(p, (int32_t)u);
}

static const unit_ops *ops_for(const isa_instr *in, isa_unit u)
{
    if (in->op == OP_MMA) /* the array slot holds whichever array compute.kind selects */
        return &unit_mma_ops;
    switch (u) {
    case UNIT_DMA: return &unit_dma_ops;
    case UNIT_TPREC: return &unit_tprec_ops;
    case UNIT_LUT: return &unit_lut_ops;
    case UNIT_DQ: return &unit_dq_ops;
    case UNIT_VEC: return &unit_vec_ops;
    default: return NULL;
    }
}

/* 0 if r lies inside its space (DRAM: the image, when there is one), else
 * -1 with the reason. */
static int check_range(const machine *m, const mem_range *r, int functional, char *err,
                       size_t errlen)
{
    if (r->space < BUF_COUNT) {
        if (r->hi <= m->buf_size[r->space])
            return 0;
        snprintf(err, errlen, "%s buffer access [0x%llx, 0x%llx) exceeds its %zu bytes",
                 arch_buf_name((buf_id)r->space), (unsigned long long)r->lo,
                 (unsigned long long)r->hi, m->buf_size[r->space]);
        return -1;
    }
    if (!functional || r->hi <= m->dram_size)
        return 0;
    snprintf(err, errlen, "DRAM access [0x%llx, 0x%llx) exceeds the %zu-byte memory image",
             (unsigned long long)r->lo, (unsigned long long)r->hi, m->dram_size);
    return -1;
}

/* The end of each space a range may reach: the buffers' sizes, and the
 * memory image's in functional mode (timing-only DRAM has no end). */
static void space_limits(const machine *m, int functional, uint64_t lim[SPACE_DRAM + 1])
{
    for (int b = 0; b < BUF_COUNT; b++)
        lim[b] = m->buf_size[b];
    lim[SPACE_DRAM] = functional ? m->dram_size : UINT64_MAX;
}

static int check_bounds(const machine *m, const footprint *fp, const uint64_t *lim,
                        int functional, char *err, size_t errlen)
{
    uint64_t over = 0; /* nonzero if a range passes its space's end */
    for (int i = 0; i < fp->nr; i++)
        over |= fp->r[i].hi > lim[fp->r[i].space];
    for (int i = 0; i < fp->nw; i++)
        over |= fp->w[i].hi > lim[fp->w[i].space];
    if (!over)
        return 0;
    for (int i = 0; i < fp->nr; i++) /* the first one, with its message */
        if (check_range(m, &fp->r[i], functional, err, errlen) != 0)
            return -1;
    for (int i = 0; i < fp->nw; i++)
        if (check_range(m, &fp->w[i], functional, err, errlen) != 0)
            return -1;
    return 0;
}

void sim_energy(const energy_model *em, sim_stats *st)
{
    const sim_events *ev = &st->ev;
    double *p = st->energy_pj_part;
    if (em->dram_device)
        p[EN_DRAM] = (double)ev->dram_read_bytes * em->dram_rd_pj_per_byte +
                     (double)ev->dram_write_bytes * em->dram_wr_pj_per_byte +
                     (double)(ev->dram_row_misses + ev->dram_row_conflicts) * em->dram_act_pj +
                     (double)st->cycles * em->dram_ref_pj_per_cycle;
    else
        p[EN_DRAM] = (double)(ev->dram_read_bytes + ev->dram_write_bytes) * em->dram_pj_per_byte;
    for (int b = 0; b < BUF_COUNT; b++)
        p[EN_BUF_ACT + b] = (double)ev->buf_read_bytes[b] * em->buf_read_pj_per_byte[b] +
                            (double)ev->buf_write_bytes[b] * em->buf_write_pj_per_byte[b];
    p[EN_PRECOMPUTE] = (double)(ev->precompute_adds - ev->precompute_fadds) * em->precompute_add_pj +
                       (double)ev->precompute_fadds * em->fp32_add_pj +
                       (double)ev->precompute_fdivs * em->fp32_mul_pj;
    p[EN_LOOKUP] = (double)ev->table_reads * em->table_read_pj +
                   (double)ev->lookup_fmuls * em->fp32_mul_pj;
    p[EN_ACCUMULATE] = (double)(ev->accum_adds - ev->accum_fadds) * em->accum_add_pj +
                       (double)ev->accum_fadds * em->fp32_add_pj;
    p[EN_BROADCAST] = (double)ev->table_bcast_bytes * em->table_bcast_pj_per_byte;
    /* every look-up is shifted to its bit-plane and clocks its accumulator */
    p[EN_SHIFT] = (double)ev->table_reads * em->lookup_shift_pj;
    p[EN_ACC_REG] = (double)ev->table_reads * em->acc_register_pj;
    /* A zero-point correction is a multiply-add like a dequant multiply. */
    p[EN_DEQUANT] = (double)(ev->zp_macs + ev->dequant_muls) * em->dequant_mul_pj;
    p[EN_VECTOR] = (double)ev->vector_ops * em->vector_op_pj;
    p[EN_LEAKAGE] = (double)st->cycles * em->leakage_pj_per_cycle;
    p[EN_ARRAY_MAC] = (double)ev->array_macs * em->array_mac_pj +
                      (double)ev->array_pe_cycles * em->array_pe_cycle_pj;
    p[EN_MAC_DEQUANT] = (double)ev->mac_dq_weights * em->mac_dq_pj;
    p[EN_INDEX_REG] = (double)ev->index_reg_read_bytes * em->index_reg_read_pj_per_byte +
                      (double)ev->index_reg_write_bytes * em->index_reg_write_pj_per_byte;
    st->energy_pj = 0.0;
    for (int i = 0; i < EN_COUNT; i++)
        st->energy_pj += p[i];
}

/* a += b * k for every event counter (sim_events holds only uint64_t). */
static void events_addmul(sim_events *a, const sim_events *b, uint64_t k, int *ovf)
{
    uint64_t *ea = (uint64_t *)a;
    const uint64_t *eb = (const uint64_t *)b;
    for (size_t i = 0; i < sizeof *a / sizeof(uint64_t); i++)
        ea[i] = count_addmul(ea[i], eb[i], k, ovf);
}

/* Whether an event counter passed 2^63 - 1.  The cost functions add
 * plainly: one instruction adds less than 2^50 to any counter (its fields
 * are at most 24 bits wide and its ranges passed check_bounds, so they lie
 * inside buffers of at most 4 MiB), so between checks EVENTS_CHECK instructions
 * apart a counter that was at most 2^63 - 1 gains under 2^60 and cannot
 * wrap past 2^64; the check catches it at most that many instructions
 * late (and once more at the end). */
#define EVENTS_CHECK 1024
static int events_past_max(const sim_events *e)
{
    const uint64_t *p = (const uint64_t *)e;
    uint64_t any = 0;
    for (size_t i = 0; i < sizeof *e / sizeof(uint64_t); i++)
        any |= p[i];
    return any > COUNT_MAX;
}

int sim_stats_add(sim_stats *a, const sim_stats *b, uint64_t k)
{
    int ovf = 0;
    if (k > 0) {
        if (a->cycles == 0 && a->instructions == 0) {
            a->lead_cycles = b->lead_cycles;
            a->lead_wgt_cycles = b->lead_wgt_cycles;
            memcpy(a->lead_bytes, b->lead_bytes, sizeof a->lead_bytes);
        }
        a->tail_cycles = b->tail_cycles;
    }
    a->cycles = count_addmul(a->cycles, b->cycles, k, &ovf);
    a->instructions = count_addmul(a->instructions, b->instructions, k, &ovf);
    a->stall_queue_full = count_addmul(a->stall_queue_full, b->stall_queue_full, k, &ovf);
    events_addmul(&a->ev, &b->ev, k, &ovf);
    for (int u = 0; u < UNIT_COUNT; u++) {
        sim_unit_stats *x = &a->unit[u];
        const sim_unit_stats *y = &b->unit[u];
        x->instructions = count_addmul(x->instructions, y->instructions, k, &ovf);
        x->busy_cycles = count_addmul(x->busy_cycles, y->busy_cycles, k, &ovf);
        x->stall_dependency = count_addmul(x->stall_dependency, y->stall_dependency, k, &ovf);
        x->stall_dram = count_addmul(x->stall_dram, y->stall_dram, k, &ovf);
        x->stall_outstanding = count_addmul(x->stall_outstanding, y->stall_outstanding, k, &ovf);
        x->stall_bank_conflict = count_addmul(x->stall_bank_conflict, y->stall_bank_conflict, k, &ovf);
        x->stall_port_limit = count_addmul(x->stall_port_limit, y->stall_port_limit, k, &ovf);
        x->stall_ifetch = count_addmul(x->stall_ifetch, y->stall_ifetch, k, &ovf);
    }
    return ovf ? -1 : 0;
}

#define MAX_QUEUE 64

/* The DRAM bus with two DMA queues: the intervals it is reserved for, in
 * order of time.  Only the most recent BUS_SLOTS are kept; nothing is
 * placed before the end of one that was dropped (floor), which only ever
 * delays a transfer, never lets two overlap. */
#define BUS_SLOTS 32
typedef struct {
    uint64_t lo[BUS_SLOTS], hi[BUS_SLOTS];
    int n;
    uint64_t floor;
} bus_sched;

/* The earliest t >= earliest with [t, t + len) free; reserves it. */
static uint64_t bus_reserve(bus_sched *b, uint64_t earliest, uint64_t len)
{
    uint64_t t = earliest > b->floor ? earliest : b->floor;
    /* Intervals ending by t cannot move it: start at the first that ends
     * later (they are disjoint and in order, so their ends are too). */
    int at = 0, top = b->n;
    while (at < top) {
        const int mid = (at + top) / 2;
        if (b->hi[mid] > t)
            top = mid;
        else
            at = mid + 1;
    }
    for (; at < b->n; at++) {
        if (t + len <= b->lo[at])
            break;
        if (b->hi[at] > t)
            t = b->hi[at];
    }
    if (len == 0)
        return t;
    if (b->n == BUS_SLOTS) { /* drop the oldest */
        b->floor = b->hi[0] > b->floor ? b->hi[0] : b->floor;
        memmove(b->lo, b->lo + 1, sizeof b->lo[0] * (BUS_SLOTS - 1));
        memmove(b->hi, b->hi + 1, sizeof b->hi[0] * (BUS_SLOTS - 1));
        b->n--;
        at = at > 0 ? at - 1 : 0;
        if (t < b->floor)
            return bus_reserve(b, t, len);
    }
    memmove(b->lo + at + 1, b->lo + at, sizeof b->lo[0] * (size_t)(b->n - at));
    memmove(b->hi + at + 1, b->hi + at, sizeof b->hi[0] * (size_t)(b->n - at));
    b->lo[at] = t;
    b->hi[at] = t + len;
    b->n++;
    return t;
}

/* The DMA transfer that starts at `start`, on a DRAM device (the device
 * decides its timing) and under its engine's window of bursts in flight:
 * the window lengthens the transfer by the cycles its bursts waited for a
 * slot, counted as stall_outstanding.  Nothing changes without a device
 * and without a window. */
static void dma_limits(machine *m, const isa_instr *in, uint64_t start, unit_cost *c,
                       dma_window *w, sim_unit_stats *us)
{
    uint64_t stall = 0;
    if (m->dev) {
        dma_device_cost(m, in, start, c, w, &stall);
    } else if (w->cap > 0) {
        const arch_t *a = m->arch;
        const double b = (double)a->dram_burst / arch_dram_bytes_per_cycle(a);
        uint64_t occ = c->occupancy;
        c->dram_cycles += dma_window_ideal(w, start, c->bursts, b, (uint64_t)a->dram_latency);
        if (c->dram_cycles > c->occupancy)
            c->occupancy = c->dram_cycles;
        stall = c->occupancy - occ;
    }
    us->stall_outstanding += stall;
}

/* A DMA transfer on an ideal memory behind the port, asked for at `start`:
 * returns its grant; the answer stretches the occupancy to its acceptance
 * and the latency to its completion (an ideal channel of the C model's
 * bandwidth changes neither). */
static uint64_t port_transfer(machine *m, const isa_instr *in, uint64_t start, unit_cost *c)
{
    sim_dram_grant g;
    const isa_instr d = dma_dram_view(m, in);
    sim_port_request(m, d.dram, d.rows, d.bytes, d.stride, d.op == OP_STORE, start, c->bursts, &g);
    if (g.accepted > g.grant + c->occupancy)
        c->occupancy = g.accepted - g.grant;
    if (g.complete > g.grant + c->occupancy)
        c->latency += g.complete - (g.grant + c->occupancy);
    return g.grant;
}

/* One instruction-fetch block requested at `req`: on the ideal memory it
 * takes the earliest bus gap from then (it competes with the DMA), on a
 * device it is a read request; it arrives the latency after its data moved.
 * Returns the arrival cycle. */
static uint64_t fetch_block(machine *m, bus_sched *bus, uint64_t *dram_free, uint64_t req,
                            uint64_t addr, uint64_t bytes, sim_events *ev)
{
    const arch_t *a = m->arch;
    uint64_t done;
    if (m->dev) {
        done = dma_device_read(m, addr, bytes, req, &bytes);
    } else {
        const uint64_t B = (uint64_t)a->dram_burst;
        bytes = (addr + bytes + B - 1) / B * B - addr / B * B; /* the bursts it touches */
        double bpc = arch_dram_bytes_per_cycle(a);
        uint64_t cyc = (uint64_t)((double)bytes / bpc);
        if ((double)cyc * bpc < (double)bytes)
            cyc++;
        if (m->port) { /* the memory outside decides */
            sim_dram_grant g;
            sim_port_request(m, addr, 1, bytes, bytes, 0, req, bytes / B, &g);
            done = g.complete;
        } else {
            done = bus_reserve(bus, req, cyc) + cyc;
        }
        if (done > *dram_free)
            *dram_free = done;
        ev->dram_read_bytes += bytes; /* a device counts its own traffic */
    }
    ev->ifetch_bytes += bytes;
    return done + (uint64_t)a->dram_latency;
}

/* Requests every block the buffer has room for once `dispatched`
 * instructions have gone, before later instructions take the bus. */
static void fetch_ahead(machine *m, ifetch *fe, uint64_t n, uint64_t dispatched, bus_sched *bus,
                        uint64_t *dram_free, sim_events *ev)
{
    uint64_t req, addr, bytes;
    if (!fe->entries) /* fetch is free: nothing to request */
        return;
    while (ifetch_next(fe, n, dispatched, &req, &addr, &bytes))
        ifetch_fetched(fe, req, fetch_block(m, bus, dram_free, req, addr, bytes, ev));
}

/* Cycle numbers without a check per addition: every time the loop computes
 * is an earlier one (at most the latest completion or DRAM-bus release, both
 * kept <= TIME_MAX below) plus at most three costs of one instruction, each
 * under 2^50 (bounded fields and buffers, as for the events), so none
 * passes 2^63 - 1.
 * The per-unit busy and stall sums and the queue-full stalls add up
 * disjoint intervals of time, so they stay below the last cycle too. */
#define TIME_MAX (COUNT_MAX - ((uint64_t)1 << 52))

int sim_run(const arch_t *arch, const energy_model *em, const program *p,
            const sim_opts *opt, sim_stats *st, char *err, size_t errlen)
{
    machine m;
    memset(&m, 0, sizeof m);
    memset(st, 0, sizeof *st);
    m.arch = arch;
    m.tk = arch->tile_k;
    m.entries = 1 << (arch->tile_k - 1);
    m.entry_bytes = arch_entry_bytes(arch);
    m.tbytes = arch_table_bytes(arch);
    const int functional = opt && opt->dram != NULL;
    int rc = -1;
    scoreboard sb;
    sb_init(&sb);
    sb_ring ring[UNIT_COUNT]; /* (initialised where has_ring says) */
    int has_ring[UNIT_COUNT] = { 0 };
    /* One window of bursts in flight per DMA queue: loads, stores. */
    dma_window win[2];
    dma_window_init(&win[0], 0);
    dma_window_init(&win[1], 0);
    ifetch fe;
    if (ifetch_init(&fe, arch) != 0) {
        snprintf(err, errlen, "out of memory for the instruction buffer");
        goto out;
    }
    if (dma_window_init(&win[0], arch->dma_max_outstanding) != 0 ||
        dma_window_init(&win[1], arch->dma_max_outstanding) != 0) {
        snprintf(err, errlen, "out of memory for the DMA windows");
        goto out;
    }
    for (int b = 0; b < BUF_COUNT; b++) {
        m.buf_size[b] = arch_buf_bytes(arch, (buf_id)b);
        if (functional && !(m.buf[b] = calloc(1, m.buf_size[b]))) {
            snprintf(err, errlen, "out of memory for the %s buffer", arch_buf_name((buf_id)b));
            goto out;
        }
    }
    if (functional) {
        m.dram = opt->dram;
        m.dram_size = opt->dram_size;
    }
    if (opt && opt->dram_port) {
        m.port = opt->dram_port;
        m.port_ctx = opt->dram_port_ctx;
    }
    if (sim_dram_open(&m, err, errlen) != 0)
        goto out;
    uint64_t lim[SPACE_DRAM + 1];
    space_limits(&m, functional, lim);

    const int Q = arch->queue_depth < MAX_QUEUE ? arch->queue_depth : MAX_QUEUE;
    /* Issue queues: one per unit, and with dma.engines = 2 one more for
     * stores (QUEUE_STORE); both DMA queues share the DRAM bus and count
     * as the DMA unit in the statistics. */
    enum { QUEUE_STORE = UNIT_COUNT, QUEUES };
    /* Each queue's last Q start cycles, a ring whose next slot (qpos)
     * holds the oldest: an instruction leaves the queue when it starts.
     * Slots not yet used hold 0, which delays nothing. */
    uint64_t qstart[QUEUES][MAX_QUEUE];
    int qpos[QUEUES] = { 0 };
    uint64_t unit_free[QUEUES] = { 0 };
    uint64_t dram_free = 0, fence = 0, last_disp = 0, end = 0;
    uint64_t lead = UINT64_MAX; /* first start on a compute unit */
    bus_sched bus_sched = { .n = 0, .floor = 0 };
    sram_ports ports; /* banked buffers' shared ports (buffers.ideal false) */
    memset(&ports, 0, sizeof ports);
    int halted = 0;
    memset(qstart, 0, sizeof qstart);
    /* The bus is shared (a schedule of reserved intervals) with two DMA
     * queues or with instruction fetch; one queue alone takes it in order. */
    const int shared_bus = arch->dma_engines > 1 || fe.entries > 0;
    fetch_ahead(&m, &fe, p->n, 0, &bus_sched, &dram_free, &st->ev); /* fills the buffer */
    /* The scoreboard rings of the units the RTL tracks (sb_ring.h): DMA
     * with one queue (two share a ring the RTL does not have), precompute,
     * the LUT array and dequant. */
    for (int u = UNIT_DMA; u <= UNIT_DQ; u++) {
        if ((u == UNIT_DMA && arch->dma_engines > 1) ||
            (u == UNIT_LUT && arch->compute_kind != COMPUTE_LUT))
            continue;
        if (sb_ring_init(&ring[u], arch_sb_ring_depth(arch, u - UNIT_DMA)) != 0) {
            snprintf(err, errlen, "out of memory for the scoreboard rings");
            goto out;
        }
        has_ring[u] = 1;
    }

    for (size_t i = 0; i < p->n && !halted; i++) {
        const isa_instr *in = &p->ins[i];
        const isa_opdef *d = isa_def(in->op);
        char why[256];
        if (!d) {
            snprintf(err, errlen, "instruction %zu: illegal opcode %d", i, (int)in->op);
            goto out;
        }
        uint64_t disp = i == 0 ? 0 : last_disp + 1;
        isa_unit u = d->unit;
        if (fe.entries && ifetch_ready(&fe, i) > disp) { /* not in the buffer yet */
            st->unit[u].stall_ifetch += ifetch_ready(&fe, i) - disp;
            disp = ifetch_ready(&fe, i);
        }
        st->instructions++;
        st->unit[u].instructions++;
        if (u == UNIT_CTRL) {
            /* barrier and halt: wait for everything dispatched before. */
            uint64_t t = disp > end ? disp : end;
            if (opt && opt->trace)
                opt->trace(opt->trace_ctx, i, in, u, disp, t, t);
            fence = t;
            ifetch_dispatched(&fe, i, disp);
            fetch_ahead(&m, &fe, p->n, i + 1, &bus_sched, &dram_free, &st->ev);
            last_disp = t; /* nothing dispatches past a barrier early */
            if (in->op == OP_HALT)
                halted = 1;
            if (in->op == OP_HALT && fe.entries && t > end)
                end = t; /* the run lasts until halt was fetched (free fetch: as before) */
            continue;
        }
        const unit_ops *ops = ops_for(in, u);
        footprint fp;
        fp.nr = fp.nw = 0; /* the unit fills the ranges it uses */
        if (ops->footprint(&m, in, &fp, why, sizeof why) != 0 ||
            check_bounds(&m, &fp, lim, functional, why, sizeof why) != 0) {
            snprintf(err, errlen, "instruction %zu (%s): %s", i, d->mnemonic, why);
            goto out;
        }
        unit_cost c = { 0 };
        ops->cost(&m, in, &c, &st->ev);
        const int qu = u == UNIT_DMA && in->op == OP_STORE && arch->dma_engines > 1
                           ? QUEUE_STORE : (int)u;
        const int ovf = i % EVENTS_CHECK == 0 && events_past_max(&st->ev);

        /* Dispatch waits for a free slot in the unit's queue, and for an
         * entry of its scoreboard ring. */
        uint64_t slot = qstart[qu][qpos[qu]];
        if (has_ring[u] && sb_ring_room(&ring[u]) > slot)
            slot = sb_ring_room(&ring[u]);
        if (slot > disp) {
            st->stall_queue_full += slot - disp;
            disp = slot;
        }
        last_disp = disp;
        ifetch_dispatched(&fe, i, disp);
        fetch_ahead(&m, &fe, p->n, i + 1, &bus_sched, &dram_free, &st->ev);

        /* Scoreboard: the latest completion among conflicting earlier
         * instructions (barriers are the fence), or the unit's own
         * availability if that is later: the instruction starts then.  A
         * hazard stalls it only past both dispatch and the free unit, and
         * then the scoreboard's answer is the hazard's completion. */
        uint64_t ready = sb_check(&sb, &fp, disp > fence ? disp : fence, unit_free[qu]);

        uint64_t avail = disp > unit_free[qu] ? disp : unit_free[qu];
        uint64_t start = ready;
        if (ready > avail)
            st->unit[u].stall_dependency += ready - avail;
        if (u == UNIT_DMA) {
            /* One DMA queue takes the bus in order; two queues take the
             * earliest gap the other left (loads pass a waiting store). */
            uint64_t bus = shared_bus ? bus_reserve(&bus_sched, start, c.dram_cycles)
                                      : dram_free;
            if (m.port && !m.dev) /* ideal memory outside: its grant (a device: dma_limits) */
                bus = port_transfer(&m, in, start, &c);
            if (bus > start) {
                st->unit[u].stall_dram += bus - start;
                start = bus;
            }
        }
        if (u == UNIT_DMA)
            dma_limits(&m, in, start, &c, &win[qu == QUEUE_STORE], &st->unit[u]);
        if (u == UNIT_DMA && opt && opt->dma_replay) {
            c.occupancy = c.dram_cycles = opt->dma_replay[i].occupancy;
            c.latency = opt->dma_replay[i].latency;
        }
        if (!arch->sram_ideal) {
            sram_ports_apply(&ports, arch, u == UNIT_DMA, start, &c);
            st->unit[u].stall_bank_conflict += c.bank_conflict;
            st->unit[u].stall_port_limit += c.port_limit;
        }
        uint64_t busy_end = start + c.occupancy;
        uint64_t complete = busy_end + c.latency;
        unit_free[qu] = busy_end;
        if (u == UNIT_DMA && start + c.dram_cycles > dram_free)
            dram_free = start + c.dram_cycles;
        st->unit[u].busy_cycles += c.occupancy;
        if (ovf || complete > TIME_MAX || dram_free > TIME_MAX) {
            snprintf(err, errlen, "instruction %zu (%s): the run's cycles or events pass "
                     "2^63 - 2^52, near 2^63 - 1, the most lutsim can count", i, d->mnemonic);
            goto out;
        }
        qstart[qu][qpos[qu]] = start;
        if (++qpos[qu] == Q)
            qpos[qu] = 0;
        if (has_ring[u])
            sb_ring_take(&ring[u], complete);
        if (complete > end)
            end = complete;
        if (u != UNIT_DMA && start < lead)
            lead = start;
        if ((in->op == OP_LOAD || in->op == OP_LOADT) && lead == UINT64_MAX) { /* before any compute */
            if (fp.w[0].hi > st->lead_bytes[in->buf])
                st->lead_bytes[in->buf] = fp.w[0].hi;
            if (in->buf == BUF_WGT)
                st->lead_wgt_cycles += c.dram_cycles;
        }

        if (sb_record(&sb, &fp, complete) != 0) {
            snprintf(err, errlen, "out of memory in the scoreboard");
            goto out;
        }

        if (opt && opt->trace)
            opt->trace(opt->trace_ctx, i, in, u, start, busy_end, complete);
        if (functional && ops->exec(&m, in, why, sizeof why) != 0) {
            snprintf(err, errlen, "instruction %zu (%s): %s", i, d->mnemonic, why);
            goto out;
        }
    }
    if (!halted) {
        snprintf(err, errlen, "instruction %zu: program ends without halt", p->n);
        goto out;
    }
    if (events_past_max(&st->ev)) {
        snprintf(err, errlen, "the run's events pass 2^63 - 1, the most lutsim can count");
        goto out;
    }
    st->cycles = end;
    st->lead_cycles = lead < end ? lead : end;
    st->tail_cycles = end - (dram_free < end ? dram_free : end);
    sim_dram_stats(&m, &st->ev);
    if (em)
        sim_energy(em, st);
    rc = 0;
out:
    for (int u = 0; u < UNIT_COUNT; u++)
        if (has_ring[u])
            sb_ring_free(&ring[u]);
    sb_free(&sb);
    ifetch_free(&fe);
    dma_window_free(&win[0]);
    dma_window_free(&win[1]);
    dram_dev_free(m.dev);
    lut_idx_cache_free(&m);
    for (int b = 0; b < BUF_COUNT; b++)
        free(m.buf[b]);
    return rc;
}
