/* attn_memo.c - attention timings keyed by all that determines them
 * (timing_memo.h keeps them). */
#include "attn_memo.h"
#include "timing_memo.h"

#include <stdlib.h>
#include <string.h>

/* Entries kept (oldest replaced first).  A sweep point adds one per phase
 * (three unfused); points that share a timing may lie a whole grid row
 * apart, hundreds of entries, so the memo holds thousands (a few MB). */
#define MEMO_MAX 4096

typedef struct {
    arch_t a; /* buffers' kib zeroed */
    attn_shape s;
    attn_stage st;
    attn_plan pl;
} memo_key;

struct attn_memo {
    timing_memo *tm;
};

attn_memo *attn_memo_new(void)
{
    attn_memo *mm = calloc(1, sizeof *mm);
    if (mm && !(mm->tm = timing_memo_new(sizeof(memo_key), MEMO_MAX))) {
        free(mm);
        return NULL;
    }
    return mm;
}

void attn_memo_free(attn_memo *mm)
{
    if (mm)
        timing_memo_free(mm->tm);
    free(mm);
}

void attn_memo_counts(const attn_memo *mm, uint64_t *hits, uint64_t *misses)
{
    timing_memo_counts(mm ? mm->tm : NULL, hits, misses);
}

static void key_of(const arch_t *a, const attn_shape *s, attn_stage st, const attn_plan *pl,
                   memo_key *k)
{
    memset(k, 0, sizeof *k);
    timing_memo_arch_key(&k->a, a);
    memcpy(&k->s, s, sizeof *s);
    k->st = st;
    memcpy(&k->pl, pl, sizeof *pl);
}

int attn_timing_memo(attn_memo *mm, const arch_t *a, const energy_model *em,
                     const attn_shape *s, attn_stage st, sim_stats *stats, int *sampled,
                     int *programs, char *err, size_t errlen)
{
    attn_plan pl;
    int planned;
    return attn_timing_memo_plan(mm, a, em, s, st, stats, sampled, programs, &pl, &planned, err,
                                 errlen);
}

int attn_timing_memo_plan(attn_memo *mm, const arch_t *a, const energy_model *em,
                          const attn_shape *s, attn_stage st, sim_stats *stats, int *sampled,
                          int *programs, attn_plan *plan, int *planned, char *err, size_t errlen)
{
    attn_plan pl;
    char why[8];
    *planned = 0;
    if (attn_plan_make(a, s, &pl, why, sizeof why) != 0) /* its error: attn_timing's */
        return attn_timing(a, em, s, st, stats, sampled, programs, err, errlen);
    *plan = pl;
    *planned = 1;
    if (!mm) /* attn_timing is this plan's timing */
        return attn_timing_plan(a, em, s, &pl, st, stats, sampled, programs, err, errlen);
    memo_key k;
    key_of(a, s, st, &pl, &k);
    const timing_result *hit = timing_memo_get(mm->tm, &k, a);
    if (hit) {
        *stats = hit->stats;
        if (em)
            sim_energy(em, stats);
        *sampled = hit->sampled;
        if (programs)
            *programs = hit->programs;
        return 0;
    }
    timing_result r;
    if (attn_timing_plan(a, em, s, &pl, st, &r.stats, &r.sampled, &r.programs, err, errlen) != 0)
        return -1;
    timing_memo_put(mm->tm, &k, a, &r);
    *stats = r.stats;
    *sampled = r.sampled;
    if (programs)
        *programs = r.programs;
    return 0;
}
