/* sim.c - the C model's run loop: checks, scoreboard timing, execution. */
#include "machine.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sim_energy_names[EN_COUNT] = {
    "dram", "buffer_act", "buffer_weight", "buffer_table", "buffer_output",
    "precompute", "lut_lookup", "accumulate", "dequant", "vector", "leakage"
};

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

static const unit_ops *ops_for(isa_unit u)
{
    switch (u) {
    case UNIT_DMA: return &unit_dma_ops;
    case UNIT_TPREC: return &unit_tprec_ops;
    case UNIT_LUT: return &unit_lut_ops;
    case UNIT_DQ: return &unit_dq_ops;
    case UNIT_VEC: return &unit_vec_ops;
    default: return NULL;
    }
}

/* The instructions that may still delay later ones, unordered (only the
 * latest conflicting completion matters).  Hot fields apart from the
 * footprints, so the scan reads 16 bytes per entry; the masks (bit s set:
 * the footprint reads / writes address space s) reject most pairs before
 * the range-by-range comparison. */
typedef struct {
    uint64_t complete;
    unsigned rmask, wmask;
} inflight;

typedef struct {
    inflight *e;
    footprint *fp;
    size_t n, cap;
} window;

static int overlaps(const mem_range *a, const mem_range *b)
{
    return a->space == b->space && a->lo < b->hi && b->lo < a->hi;
}

static int conflicts(const footprint *mine, const footprint *old)
{
    for (int i = 0; i < mine->nr; i++)
        for (int j = 0; j < old->nw; j++)
            if (overlaps(&mine->r[i], &old->w[j]))
                return 1; /* read after write */
    for (int i = 0; i < mine->nw; i++) {
        for (int j = 0; j < old->nr; j++)
            if (overlaps(&mine->w[i], &old->r[j]))
                return 1; /* write after read */
        for (int j = 0; j < old->nw; j++)
            if (overlaps(&mine->w[i], &old->w[j]))
                return 1; /* write after write */
    }
    return 0;
}

static unsigned space_mask(const mem_range *r, int n)
{
    unsigned m = 0;
    for (int i = 0; i < n; i++)
        m |= 1u << r[i].space;
    return m;
}

static int check_bounds(const machine *m, const footprint *fp, int functional,
                        char *err, size_t errlen)
{
    const mem_range *all[FP_MAX_READS + FP_MAX_WRITES];
    int n = 0;
    for (int i = 0; i < fp->nr; i++) all[n++] = &fp->r[i];
    for (int i = 0; i < fp->nw; i++) all[n++] = &fp->w[i];
    for (int i = 0; i < n; i++) {
        const mem_range *r = all[i];
        if (r->space < BUF_COUNT) {
            if (r->hi > m->buf_size[r->space]) {
                snprintf(err, errlen, "%s buffer access [0x%llx, 0x%llx) exceeds its %zu bytes",
                         arch_buf_name((buf_id)r->space), (unsigned long long)r->lo,
                         (unsigned long long)r->hi, m->buf_size[r->space]);
                return -1;
            }
        } else if (functional && r->hi > m->dram_size) {
            snprintf(err, errlen, "DRAM access [0x%llx, 0x%llx) exceeds the %zu-byte memory image",
                     (unsigned long long)r->lo, (unsigned long long)r->hi, m->dram_size);
            return -1;
        }
    }
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
    p[EN_PRECOMPUTE] = (double)ev->precompute_adds * em->precompute_add_pj;
    p[EN_LOOKUP] = (double)ev->table_reads * em->table_read_pj;
    p[EN_ACCUMULATE] = (double)ev->accum_adds * em->accum_add_pj;
    /* A zero-point correction is a multiply-add like a dequant multiply. */
    p[EN_DEQUANT] = (double)(ev->zp_macs + ev->dequant_muls) * em->dequant_mul_pj;
    p[EN_VECTOR] = (double)ev->vector_ops * em->vector_op_pj;
    p[EN_LEAKAGE] = (double)st->cycles * em->leakage_pj_per_cycle;
    st->energy_pj = 0.0;
    for (int i = 0; i < EN_COUNT; i++)
        st->energy_pj += p[i];
}

#define MAX_QUEUE 64

int sim_run(const arch_t *arch, const energy_model *em, const program *p,
            const sim_opts *opt, sim_stats *st, char *err, size_t errlen)
{
    machine m;
    memset(&m, 0, sizeof m);
    memset(st, 0, sizeof *st);
    m.arch = arch;
    m.tk = arch->tile_k;
    m.entries = 1 << (arch->tile_k - 1);
    m.entry_bytes = 2;
    const int functional = opt && opt->dram != NULL;
    int rc = -1;
    window win = { 0 };
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
    if (sim_dram_open(&m, err, errlen) != 0)
        goto out;

    const int Q = arch->queue_depth < MAX_QUEUE ? arch->queue_depth : MAX_QUEUE;
    uint64_t qstart[UNIT_COUNT][MAX_QUEUE];
    uint64_t qcount[UNIT_COUNT] = { 0 };
    uint64_t unit_free[UNIT_COUNT] = { 0 };
    uint64_t dram_free = 0, fence = 0, last_disp = 0, end = 0;
    int halted = 0;
    memset(qstart, 0, sizeof qstart);

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
        st->instructions++;
        st->unit[u].instructions++;
        if (u == UNIT_CTRL) {
            /* barrier and halt: wait for everything dispatched before. */
            uint64_t t = disp > end ? disp : end;
            if (opt && opt->trace)
                opt->trace(opt->trace_ctx, i, in, u, disp, t, t);
            fence = t;
            last_disp = t; /* nothing dispatches past a barrier early */
            if (in->op == OP_HALT)
                halted = 1;
            continue;
        }
        const unit_ops *ops = ops_for(u);
        footprint fp;
        fp.nr = fp.nw = 0; /* the unit fills the ranges it uses */
        if (ops->footprint(&m, in, &fp, why, sizeof why) != 0 ||
            check_bounds(&m, &fp, functional, why, sizeof why) != 0) {
            snprintf(err, errlen, "instruction %zu (%s): %s", i, d->mnemonic, why);
            goto out;
        }
        unit_cost c = { 0 };
        ops->cost(&m, in, &c, &st->ev);

        /* Dispatch waits for a free slot in the unit's queue. */
        if (qcount[u] >= (uint64_t)Q) {
            uint64_t slot = qstart[u][qcount[u] % (uint64_t)Q];
            if (slot > disp) {
                st->stall_queue_full += slot - disp;
                disp = slot;
            }
        }
        last_disp = disp;

        /* Scoreboard: the latest completion among conflicting in-flight.
         * The window is unordered (only the maximum matters), so an entry
         * that can no longer delay anything is replaced by the last one. */
        uint64_t ready = disp > fence ? disp : fence;
        const unsigned rmask = space_mask(fp.r, fp.nr), wmask = space_mask(fp.w, fp.nw);
        for (size_t k = 0; k < win.n;) {
            inflight *e = &win.e[k];
            if (e->complete <= disp) {
                /* completed by now: replace by the last entry */
                win.n--;
                *e = win.e[win.n];
                win.fp[k] = win.fp[win.n];
                continue;
            }
            if (e->complete > ready && ((rmask & e->wmask) | (wmask & (e->rmask | e->wmask))) &&
                conflicts(&fp, &win.fp[k]))
                ready = e->complete;
            k++;
        }

        uint64_t avail = disp > unit_free[u] ? disp : unit_free[u];
        uint64_t start = ready > unit_free[u] ? ready : unit_free[u];
        if (ready > avail)
            st->unit[u].stall_dependency += ready - avail;
        if (u == UNIT_DMA && dram_free > start) {
            st->unit[u].stall_dram += dram_free - start;
            start = dram_free;
        }
        if (u == UNIT_DMA && m.dev)
            dma_device_cost(&m, in, start, &c);
        uint64_t busy_end = start + c.occupancy;
        uint64_t complete = busy_end + c.latency;
        unit_free[u] = busy_end;
        if (u == UNIT_DMA)
            dram_free = start + c.dram_cycles;
        st->unit[u].busy_cycles += c.occupancy;
        qstart[u][qcount[u] % (uint64_t)Q] = start;
        qcount[u]++;
        if (complete > end)
            end = complete;

        if (win.n == win.cap) {
            size_t cap = win.cap ? win.cap * 2 : 64;
            inflight *ne = realloc(win.e, cap * sizeof *ne);
            if (ne)
                win.e = ne;
            footprint *nf = ne ? realloc(win.fp, cap * sizeof *nf) : NULL;
            if (!nf) {
                snprintf(err, errlen, "out of memory in the scoreboard");
                goto out;
            }
            win.fp = nf;
            win.cap = cap;
        }
        win.fp[win.n] = fp;
        win.e[win.n].complete = complete;
        win.e[win.n].rmask = rmask;
        win.e[win.n].wmask = wmask;
        win.n++;

        if (opt && opt->trace)
            opt->trace(opt->trace_ctx, i, in, u, start, busy_end, complete);
        if (functional && ops->exec(&m, in) != 0) {
            snprintf(err, errlen, "instruction %zu (%s): out of host memory", i, d->mnemonic);
            goto out;
        }
    }
    if (!halted) {
        snprintf(err, errlen, "instruction %zu: program ends without halt", p->n);
        goto out;
    }
    st->cycles = end;
    sim_dram_stats(&m, &st->ev);
    if (em)
        sim_energy(em, st);
    rc = 0;
out:
    dram_dev_free(m.dev);
    free(win.e);
    free(win.fp);
    for (int b = 0; b < BUF_COUNT; b++)
        free(m.buf[b]);
    return rc;
}
