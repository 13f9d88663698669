/* overlap.h - how much of a phase's time overlapping neighbouring
 * operations saves (the compiler's inter-operation prefetch).
 *
 * Each operation is timed alone (its own program, fill and drain); a real
 * compiler lets operation b start its DRAM-only prologue while a, before
 * it, still computes.  The model, at the level of the phase:
 *   - b's prologue is what it loads before its first compute instruction
 *     starts (sim_stats lead_cycles); a's tail is what runs after a last
 *     held the DRAM bus (tail_cycles), so the two never compete for it;
 *   - b may start early only with loads that need nothing a makes: when b
 *     and a are both linear layers they read the same input (q, k, v;
 *     gate, up), so b's whole prologue may go early; when b is a linear
 *     layer after anything else, only its weight loads (lead_wgt_cycles);
 *     attention and vector operations read what a wrote, and wait;
 *   - buffer room: a's last tile holds one half of each buffer (every
 *     program here double-buffers in halves), so b's prologue must fit in
 *     the other half of each buffer (lead_bytes);
 *   - saved = min(a's tail, b's movable prologue), per boundary, times the
 *     boundaries of the phase (a layer's operations run once per layer;
 *     the last of a layer meets the first of the next layers - 1 times).
 * Per-operation figures stay each operation's own; only the phase total
 * changes.
 */
#ifndef OVERLAP_H
#define OVERLAP_H

#include "lower.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Cycles saved over the phase's n operations (in order), checked: -1 if
 * the sum would pass 2^63 - 1. */
int overlap_saved(const arch_t *arch, const op_result *ops, int n, uint64_t *saved);

#ifdef __cplusplus
}
#endif
#endif
