/* sim_dram.c - the C model's use of the DRAM device model (dram_dev.h):
 * opening it for an architecture, and its statistics in the run's terms. */
#include "machine.h"
#include "sim.h"

#include <stdio.h>

int sim_dram_new(const arch_t *a, dram_dev **dev, char *err, size_t errlen)
{
    dram_spec s;
    char why[300];
    *dev = NULL;
    int kind = arch_dram_spec(a, &s, why, sizeof why);
    if (kind == 1)
        *dev = dram_dev_new(&s, a->clock_ghz, why, sizeof why);
    /* Programs (and the fast-forward's samples) are often shorter than
     * tREFI: half a phase makes each see its share of refresh on average. */
    if (*dev)
        dram_dev_refresh_first(*dev, (uint64_t)s.tREFI / 2);
    if (kind < 0 || (kind == 1 && !*dev)) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    return 0;
}

int sim_dram_open(machine *m, char *err, size_t errlen)
{
    return sim_dram_new(m->arch, &m->dev, err, errlen);
}

void sim_port_request(machine *m, uint64_t addr, uint32_t rows, uint64_t row_bytes,
                      uint64_t stride, int write, uint64_t arrival, uint64_t bursts,
                      sim_dram_grant *g)
{
    sim_dram_req r = { addr, rows, row_bytes, stride, write, arrival, bursts };
    g->grant = g->accepted = g->complete = arrival;
    g->bursts = bursts;
    m->port(m->port_ctx, &r, g);
}

void sim_dram_add_stats(const arch_t *a, const dram_spec *s, const dram_stats *ds,
                        sim_events *ev)
{
    const double to_host = s->tck_ns * a->clock_ghz; /* accelerator cycles per tCK */
    ev->dram_read_bytes += ds->read_bytes;
    ev->dram_write_bytes += ds->write_bytes;
    ev->dram_row_hits += ds->row_hits;
    ev->dram_row_misses += ds->row_misses;
    ev->dram_row_conflicts += ds->row_conflicts;
    ev->dram_refreshes += ds->refreshes;
    ev->dram_refresh_cycles += (uint64_t)((double)ds->refresh_cycles * to_host + 0.5);
    ev->dram_busy_cycles += (uint64_t)((double)ds->busy_cycles * to_host + 0.5);
}

void sim_dram_stats(const machine *m, sim_events *ev)
{
    if (!m->dev || m->port) /* a port's memory counts its own */
        return;
    dram_stats ds;
    dram_get_stats(m->dev, &ds);
    sim_dram_add_stats(m->arch, dram_dev_spec(m->dev), &ds, ev);
}

double sim_dram_efficiency(const arch_t *a, const sim_stats *st)
{
    dram_spec s;
    char err[300];
    if (arch_dram_spec(a, &s, err, sizeof err) != 1)
        return -1.0;
    if (st->ev.dram_busy_cycles == 0)
        return 0.0;
    double peak = arch_dram_bytes_per_cycle(a) * (double)st->ev.dram_busy_cycles;
    return (double)(st->ev.dram_read_bytes + st->ev.dram_write_bytes) / peak;
}

double sim_dram_refresh_share(const arch_t *a, const sim_stats *st)
{
    dram_spec s;
    char err[300];
    if (arch_dram_spec(a, &s, err, sizeof err) != 1 || st->ev.dram_busy_cycles == 0)
        return 0.0;
    return (double)st->ev.dram_refresh_cycles /
           ((double)s.channels * (double)st->ev.dram_busy_cycles);
}
