/* attn_window.h - a sliding-window layer's prefill attention timed as the
 * kernel runs it with the window as a lower key bound (attn_shape.window,
 * attention.h): each unit of bq query rows runs the key blocks from the one
 * holding its first row's oldest visible key to the one holding its last
 * row's newest, so the timed work is the window's rounded out to whole key
 * blocks (at most W + bq - 1 + 2 (nk - 1) keys a row against W), and every
 * such block's K and V are read once per unit.  The MACs the report counts
 * stay the window's (attn_ops.h). */
#ifndef ATTN_WINDOW_H
#define ATTN_WINDOW_H

#include "attention.h"
#include "attn_memo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* attn_timing of s (a causal prefill, q_len == kv_len) with window W,
 * through the memo mm (NULL: none; attn_memo.h); W <= 0 or q_len <= W:
 * attn_timing of s unchanged.  *planned 1: *plan is attn_plan_make's of
 * s itself (the shape was timed unchanged), else 0. */
int attn_window_timing(attn_memo *mm, const arch_t *arch, const energy_model *em,
                       const attn_shape *s, int W, attn_stage st, sim_stats *out, int *sampled, int *programs,
                       attn_plan *plan, int *planned, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
