/* periodic.c - linear extension of statistics over identical tile pairs. */
#include "periodic.h"

#include "count.h"

/* floor(x * k / d), exactly and checked: (x / d) * k + (x % d) * k / d. */
static uint64_t times_over(uint64_t x, uint64_t k, uint64_t d, int *ovf)
{
    return count_add(count_mul(x / d, k, ovf), count_mul(x % d, k, ovf) / d, ovf);
}

/* a + (b - a) * k / d: b - a is the cost of d middle tiles, k more middle
 * tiles.  A counter that shrinks from a to b (a stall the longer program
 * hides) is extended downwards and stops at 0, never below. */
static uint64_t lin(uint64_t a, uint64_t b, uint64_t k, uint64_t d, int *ovf)
{
    if (b >= a)
        return count_add(a, times_over(b - a, k, d, ovf), ovf);
    int big = 0;
    uint64_t x = times_over(a - b, k, d, &big);
    return big || x > a ? 0 : a - x;
}

int periodic_extend(sim_stats *a, const sim_stats *b, uint64_t tiles)
{
    return periodic_extend_from(a, b, tiles, 4);
}

int periodic_extend_from(sim_stats *a, const sim_stats *b, uint64_t tiles, uint64_t base)
{
    return periodic_extend_step(a, b, tiles, base, 2);
}

int periodic_extend_step(sim_stats *a, const sim_stats *b, uint64_t tiles, uint64_t base,
                         uint64_t step)
{
    const uint64_t k = tiles - base, d = step;
    int ovf = 0;
    a->cycles = lin(a->cycles, b->cycles, k, d, &ovf);
    a->instructions = lin(a->instructions, b->instructions, k, d, &ovf);
    a->stall_queue_full = lin(a->stall_queue_full, b->stall_queue_full, k, d, &ovf);
    uint64_t *ea = (uint64_t *)&a->ev;
    const uint64_t *eb = (const uint64_t *)&b->ev;
    for (size_t i = 0; i < sizeof a->ev / sizeof(uint64_t); i++)
        ea[i] = lin(ea[i], eb[i], k, d, &ovf);
    for (int u = 0; u < UNIT_COUNT; u++) { /* sim_unit_stats holds only uint64_t */
        uint64_t *x = (uint64_t *)&a->unit[u];
        const uint64_t *y = (const uint64_t *)&b->unit[u];
        for (size_t i = 0; i < sizeof a->unit[u] / sizeof(uint64_t); i++)
            x[i] = lin(x[i], y[i], k, d, &ovf);
    }
    return ovf ? -1 : 0;
}
