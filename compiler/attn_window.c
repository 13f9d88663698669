/* attn_window.c - windowed prefill attention as chunks of the window. */
#include "attn_window.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Adds the timing of `batch` sequences of q queries over kv keys to out. */
static int chunk(attn_memo *mm, const arch_t *a, const energy_model *em, const attn_shape *s,
                 int batch, int q, int kv, attn_stage st, sim_stats *out, int *sampled, int *programs, char *err,
                 size_t errlen)
{
    attn_shape c = *s;
    c.batch = batch;
    c.q_len = q;
    c.kv_len = kv;
    sim_stats one;
    int smp = 0, progs = 0;
    if (attn_timing_memo(mm, a, em, &c, st, &one, &smp, &progs, err, errlen) != 0)
        return -1;
    *sampled |= smp;
    *programs += progs;
    if (sim_stats_add(out, &one, 1) != 0) {
        snprintf(err, errlen, "windowed attention: its cycles or events exceed 2^63 - 1");
        return -1;
    }
    return 0;
}

int attn_window_timing(attn_memo *mm, const arch_t *a, const energy_model *em,
                       const attn_shape *s, int W, attn_stage st, sim_stats *out, int *sampled, int *programs, char *err,
                       size_t errlen)
{
    int progs = 0;
    *sampled = 0;
    if (W <= 0 || s->q_len <= W || s->q_len != s->kv_len) {
        int rc = attn_timing_memo(mm, a, em, s, st, out, sampled, &progs, err, errlen);
        if (programs)
            *programs = progs;
        return rc;
    }
    memset(out, 0, sizeof *out);
    const int whole = s->q_len / W, r = s->q_len % W;
    if ((long long)s->batch * (whole - 1) > INT_MAX) {
        snprintf(err, errlen, "windowed attention: %d sequences x %d chunks are too many",
                 s->batch, whole - 1);
        return -1;
    }
    int rc = chunk(mm, a, em, s, s->batch, W, W, st, out, sampled, &progs, err, errlen);
    if (rc == 0 && whole > 1)
        rc = chunk(mm, a, em, s, s->batch * (whole - 1), W, 2 * W - 1, st, out, sampled, &progs, err,
                   errlen);
    if (rc == 0 && r > 0)
        rc = chunk(mm, a, em, s, s->batch, r, W - 1 + r, st, out, sampled, &progs, err, errlen);
    if (programs)
        *programs = progs;
    return rc;
}
