/* attn_memo.h - attention timings kept across a sweep's points.
 *
 * attn_timing's figures (cycles and events; energy is priced afterwards
 * from them) follow from the program and the machine that runs it.  The
 * program is attn_lower's of (shape, stage, plan, architecture); the C
 * model reads the buffer capacities only to refuse an access past their
 * end.  So the key is the shape, the stage, the plan (which is where the
 * capacities shape the program) and every architecture field but the four
 * buffers' kib; an entry also keeps the smallest capacities it ran within,
 * and answers only a machine at least that large (a smaller one is
 * simulated again: it could fail a bounds check).  A hit prices the kept
 * events with the caller's energy model (sim_energy), which is what
 * attn_timing does last, so the result is the same bits either way.
 */
#ifndef ATTN_MEMO_H
#define ATTN_MEMO_H

#include "attention.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct attn_memo attn_memo;

attn_memo *attn_memo_new(void); /* NULL if out of memory */
void attn_memo_free(attn_memo *mm);

/* attn_timing through mm (NULL: attn_timing itself); hits and misses
 * count the lookups answered from mm and simulated. */
int attn_timing_memo(attn_memo *mm, const arch_t *a, const energy_model *em,
                     const attn_shape *s, attn_stage st, sim_stats *stats, int *sampled,
                     int *programs, char *err, size_t errlen);

/* attn_timing_memo, also giving the plan it timed s under (*planned 1;
 * 0 when no plan fits, and the error is attn_timing's): a caller that
 * needs the plan too (the array's occupancy) need not make it again. */
int attn_timing_memo_plan(attn_memo *mm, const arch_t *a, const energy_model *em,
                          const attn_shape *s, attn_stage st, sim_stats *stats, int *sampled,
                          int *programs, attn_plan *plan, int *planned, char *err, size_t errlen);

/* Lookups answered from mm, and simulated, so far. */
void attn_memo_counts(const attn_memo *mm, uint64_t *hits, uint64_t *misses);

#ifdef __cplusplus
}
#endif
#endif
