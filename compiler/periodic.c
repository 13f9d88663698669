/* periodic.c - linear extension of statistics over identical tile pairs. */
#include "periodic.h"

#include "count.h"

/* floor(x * k / 2), exactly and checked: x * (k / 2) + (x / 2 if k is odd). */
static uint64_t half_times(uint64_t x, uint64_t k, int *ovf)
{
    return count_add(count_mul(x, k / 2, ovf), k % 2 ? x / 2 : 0, ovf);
}

/* a + (b - a) * k / 2: b - a is the cost of two middle tiles, k more middle
 * tiles.  A counter that shrinks from 4 to 6 tiles (a stall the longer
 * program hides) is extended downwards and stops at 0, never below. */
static uint64_t lin(uint64_t a, uint64_t b, uint64_t k, int *ovf)
{
    if (b >= a)
        return count_add(a, half_times(b - a, k, ovf), ovf);
    int big = 0;
    uint64_t d = half_times(a - b, k, &big);
    return big || d > a ? 0 : a - d;
}

int periodic_extend(sim_stats *a, const sim_stats *b, uint64_t tiles)
{
    return periodic_extend_from(a, b, tiles, 4);
}

int periodic_extend_from(sim_stats *a, const sim_stats *b, uint64_t tiles, uint64_t base)
{
    const uint64_t k = tiles - base;
    int ovf = 0;
    a->cycles = lin(a->cycles, b->cycles, k, &ovf);
    a->instructions = lin(a->instructions, b->instructions, k, &ovf);
    a->stall_queue_full = lin(a->stall_queue_full, b->stall_queue_full, k, &ovf);
    uint64_t *ea = (uint64_t *)&a->ev;
    const uint64_t *eb = (const uint64_t *)&b->ev;
    for (size_t i = 0; i < sizeof a->ev / sizeof(uint64_t); i++)
        ea[i] = lin(ea[i], eb[i], k, &ovf);
    for (int u = 0; u < UNIT_COUNT; u++) { /* sim_unit_stats holds only uint64_t */
        uint64_t *x = (uint64_t *)&a->unit[u];
        const uint64_t *y = (const uint64_t *)&b->unit[u];
        for (size_t i = 0; i < sizeof a->unit[u] / sizeof(uint64_t); i++)
            x[i] = lin(x[i], y[i], k, &ovf);
    }
    return ovf ? -1 : 0;
}
