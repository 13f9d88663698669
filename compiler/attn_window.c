/* attn_window.c - windowed prefill attention: the kernel with its window. */
#include "attn_window.h"

#include <string.h>

int attn_window_timing(attn_memo *mm, const arch_t *a, const energy_model *em,
                       const attn_shape *s, int W, attn_stage st, sim_stats *out, int *sampled, int *programs,
                       attn_plan *plan, int *planned, char *err, size_t errlen)
{
    attn_shape c = *s;
    if (W > 0 && s->q_len > W && s->q_len == s->kv_len)
        c.window = W;
    int progs = 0;
    *sampled = 0;
    const int rc = attn_timing_memo_plan(mm, a, em, &c, st, out, sampled, &progs, plan, planned,
                                         err, errlen);
    if (memcmp(&c, s, sizeof c) != 0) /* the window's plan, not s's */
        *planned = 0;
    if (programs)
        *programs = progs;
    return rc;
}
