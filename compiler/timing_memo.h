/* timing_memo.h - simulated timings kept across a sweep's points.
 *
 * A timing-only simulation's figures (cycles and events; energy is priced
 * afterwards from the events with the caller's model) follow from the
 * program and the machine that runs it.  Where a program depends on the
 * buffers' capacities only through decisions its caller can name (a plan:
 * slot counts, tile sizes), the caller's key holds those decisions and
 * every architecture field but the buffers' kib, and the memo answers a
 * machine whose buffers differ.  The C model reads the capacities only to
 * refuse an access past their end, so an entry keeps the smallest buffers
 * it ran within and answers only a machine at least that large; a smaller
 * one is simulated again (it could fail a bounds check).
 *
 * Keys are compared as bytes: the caller zeroes a key before filling it,
 * so equal values are equal bytes (a difference in padding alone only
 * misses).  Entries are replaced oldest first.
 */
#ifndef TIMING_MEMO_H
#define TIMING_MEMO_H

#include "sim.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct timing_memo timing_memo;

/* What a timing produced: its statistics (energy priced, or not, as the
 * caller left them), whether it was fast-forwarded, programs simulated. */
typedef struct {
    sim_stats stats;
    int sampled, programs;
} timing_result;

/* A memo of up to `entries` timings with keys of key_bytes; NULL if out of
 * memory. */
timing_memo *timing_memo_new(size_t key_bytes, int entries);
void timing_memo_free(timing_memo *mm);

/* key's entry if it ran within buffers no larger than a's (a hit, counted);
 * else NULL (a miss is counted by timing_memo_put). */
/* a with its buffers' capacities zeroed, for a key: timing_memo_get answers
 * any buffers at least those an entry ran within (the entry records them),
 * so a key holds what the capacities decided (a plan), not the capacities.
 * Copied byte for byte, so equal architectures give equal keys. */
void timing_memo_arch_key(arch_t *k, const arch_t *a);
const timing_result *timing_memo_get(timing_memo *mm, const void *key, const arch_t *a);

/* Keeps r for key, as run on a: a new entry, or key's own with its
 * smallest buffers lowered to a's. */
void timing_memo_put(timing_memo *mm, const void *key, const arch_t *a, const timing_result *r);

/* Lookups answered so far, and timings put (simulated). */
void timing_memo_counts(const timing_memo *mm, uint64_t *hits, uint64_t *misses);

/* The 64-bit FNV-1a hash of n bytes (the memo's; exposed for its tests). */
uint64_t timing_memo_hash(const void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif
