/* attn_window.h - a sliding-window layer's prefill attention timed as the
 * chunks a windowed kernel runs (the attention kernel itself has no lower
 * key bound: attention.h).
 *
 * S queries, window W < S: chunk 0 is queries [0, W) over keys [0, W)
 * (causal, exact); each further whole chunk c is queries [cW, cW + W) over
 * keys [cW - W + 1, cW + W) (q_len W, kv_len 2W - 1); a last partial chunk
 * of r = S mod W queries takes kv_len W - 1 + r.  Every query sees all the
 * keys of its window and, in chunks past the first, up to W - 1 older ones
 * the kernel cannot skip: the timed work is at most about 1.5x the window's
 * (against S/(2W) times for the whole causal triangle), and each chunk
 * reads its K and V once.  The MACs the report counts stay the window's
 * (attn_ops.h). */
#ifndef ATTN_WINDOW_H
#define ATTN_WINDOW_H

#include "attention.h"
#include "attn_memo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* attn_timing of s (a causal prefill, q_len == kv_len) with window W,
 * each chunk through the memo mm (NULL: none; attn_memo.h);
 * W <= 0 or q_len <= W: attn_timing of s unchanged. */
int attn_window_timing(attn_memo *mm, const arch_t *arch, const energy_model *em,
                       const attn_shape *s, int W, attn_stage st, sim_stats *out, int *sampled, int *programs, char *err,
                       size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
