/* periodic.h - fast-forward a periodic program (internal to compiler/).
 *
 * A long tiled program repeats the same instructions per tile, on buffer
 * halves that alternate with period 2.  Simulating it with 4 and with 6
 * tiles (both ending with the real last tile) gives the cost of two middle
 * tiles; every statistic is extended linearly to the real tile count.
 * (Programs that run one after another add up with sim_stats_add.)
 */
#ifndef PERIODIC_H
#define PERIODIC_H

#include "sim.h"

/* a: stats with 4 tiles, b: with 6 tiles; leaves in a the estimate for
 * `tiles` tiles (energy is recomputed by the caller).  Returns 0, or -1
 * when a count would exceed 2^63 - 1 (count.h). */
int periodic_extend(sim_stats *a, const sim_stats *b, uint64_t tiles);

/* The same with `base` tiles in a and base + 2 in b (base >= 1): for
 * programs whose tiles are long enough that the second one is already in
 * steady state (the blocked schedules, gemm_blocked.c). */
int periodic_extend_from(sim_stats *a, const sim_stats *b, uint64_t tiles, uint64_t base);

/* The same with base + step tiles in b (step >= 1): b - a is the cost of
 * step middle tiles (a DRAM device's tiles differ from one another, so
 * their cost is averaged over a window, compiler/device_ff.h). */
int periodic_extend_step(sim_stats *a, const sim_stats *b, uint64_t tiles, uint64_t base,
                         uint64_t step);

#endif
