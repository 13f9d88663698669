/* periodic.c - linear extension of statistics over identical tile pairs. */
#include "periodic.h"

static uint64_t lin(uint64_t a, uint64_t b, uint64_t k)
{
    /* b - a is the cost of two middle tiles; k more middle tiles. */
    int64_t d = (int64_t)(b - a) * (int64_t)k / 2;
    return (uint64_t)((int64_t)a + d);
}

void periodic_extend(sim_stats *a, const sim_stats *b, uint64_t tiles)
{
    const uint64_t k = tiles - 4;
    a->cycles = lin(a->cycles, b->cycles, k);
    a->instructions = lin(a->instructions, b->instructions, k);
    a->stall_queue_full = lin(a->stall_queue_full, b->stall_queue_full, k);
    uint64_t *ea = (uint64_t *)&a->ev;
    const uint64_t *eb = (const uint64_t *)&b->ev;
    for (size_t i = 0; i < sizeof a->ev / sizeof(uint64_t); i++)
        ea[i] = lin(ea[i], eb[i], k);
    for (int u = 0; u < UNIT_COUNT; u++) {
        a->unit[u].instructions = lin(a->unit[u].instructions, b->unit[u].instructions, k);
        a->unit[u].busy_cycles = lin(a->unit[u].busy_cycles, b->unit[u].busy_cycles, k);
        a->unit[u].stall_dependency = lin(a->unit[u].stall_dependency, b->unit[u].stall_dependency, k);
        a->unit[u].stall_dram = lin(a->unit[u].stall_dram, b->unit[u].stall_dram, k);
    }
}

/* a += b * k, counter by counter (programs run one after another). */
void stats_add(sim_stats *a, const sim_stats *b, uint64_t k)
{
    a->cycles += b->cycles * k;
    a->instructions += b->instructions * k;
    a->stall_queue_full += b->stall_queue_full * k;
    uint64_t *ea = (uint64_t *)&a->ev;
    const uint64_t *eb = (const uint64_t *)&b->ev;
    for (size_t i = 0; i < sizeof a->ev / sizeof(uint64_t); i++)
        ea[i] += eb[i] * k;
    for (int u = 0; u < UNIT_COUNT; u++) {
        a->unit[u].instructions += b->unit[u].instructions * k;
        a->unit[u].busy_cycles += b->unit[u].busy_cycles * k;
        a->unit[u].stall_dependency += b->unit[u].stall_dependency * k;
        a->unit[u].stall_dram += b->unit[u].stall_dram * k;
    }
}
