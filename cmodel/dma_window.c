/* dma_window.c - the window of bursts in flight of one DMA engine. */
#include "dma_window.h"

#include <math.h>
#include <stdlib.h>

/* Offsets closer than this to a whole cycle are that cycle: the burst
 * offsets are sums of b, which floating point may miss by an ulp. */
#define EPS 1e-6

int dma_window_init(dma_window *w, int cap)
{
    w->cap = cap > 0 ? cap : 0;
    w->run_end = w->run_free = NULL;
    w->run_head = w->runs = 0;
    w->fr = w->t = w->g = NULL;
    w->issued = 0;
    w->periodic = 0;
    w->period = 0.0;
    w->pk = 0;
    w->no_shortcuts = 0;
    if (w->cap == 0)
        return 0;
    w->run_end = calloc((size_t)w->cap + 2, sizeof *w->run_end);
    w->run_free = calloc((size_t)w->cap + 2, sizeof *w->run_free);
    w->fr = calloc((size_t)w->cap, sizeof *w->fr);
    w->g = calloc((size_t)w->cap, sizeof *w->g);
    w->t = calloc(2 * (size_t)w->cap, sizeof *w->t);
    if (!w->run_end || !w->run_free || !w->fr || !w->g || !w->t) {
        dma_window_free(w);
        return -1;
    }
    return 0;
}

void dma_window_free(dma_window *w)
{
    free(w->run_end);
    free(w->run_free);
    free(w->fr);
    free(w->g);
    free(w->t);
    w->run_end = w->run_free = NULL;
    w->fr = w->t = w->g = NULL;
    w->cap = 0;
}

/* Runs live: those with a burst at or after issued - 1 - cap (the oldest
 * a look-up with g = 0 reads).  Their ends are distinct and in
 * (issued - 1 - cap, issued], so at most cap + 1 of them. */
static inline int run_at(const dma_window *w, int i)
{
    int j = w->run_head + i;
    return j >= w->cap + 2 ? j - (w->cap + 2) : j;
}

uint64_t dma_window_ready(const dma_window *w, uint64_t g)
{
    uint64_t k = w->issued + g - 1; /* the last of the g bursts */
    if (w->cap == 0 || k < (uint64_t)w->cap || w->runs == 0)
        return 0;
    const uint64_t b = k - (uint64_t)w->cap; /* whose slot it takes */
    /* the oldest run that ends after b: mostly the oldest or the next */
    int lo = 0, hi = w->runs - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (w->run_end[run_at(w, mid)] > b)
            hi = mid;
        else
            lo = mid + 1;
    }
    return w->run_free[run_at(w, lo)];
}

void dma_window_push(dma_window *w, uint64_t g, uint64_t free_at)
{
    if (w->cap == 0 || g == 0)
        return;
    const uint64_t cap = (uint64_t)w->cap;
    w->issued += g;
    int r = run_at(w, w->runs);
    w->run_end[r] = w->issued;
    w->run_free[r] = free_at;
    w->runs++;
    while (w->run_end[w->run_head] + cap + 1 <= w->issued) {
        w->run_head = run_at(w, 1);
        w->runs--;
    }
}

static uint64_t up(double x) { return x <= EPS ? 0 : (uint64_t)ceil(x - EPS); }

/* Issue cycle of burst k of the periodic schedule (k >= w->pk). */
static double sched_at(const dma_window *w, uint64_t k)
{
    const uint64_t cap = (uint64_t)w->cap, p = k - w->pk;
    return w->g[p % cap] + (double)(p / cap) * w->period;
}

/* Leaves the periodic schedule: the free cycles of the last cap bursts. */
static void sched_leave(dma_window *w, uint64_t L)
{
    const uint64_t cap = (uint64_t)w->cap;
    for (uint64_t k = w->issued - cap; k < w->issued; k++)
        w->fr[k % cap] = sched_at(w, k) + (double)L;
    w->periodic = 0;
}

uint64_t dma_window_ideal(dma_window *w, uint64_t s, uint64_t n, double b, uint64_t L)
{
    if (w->cap == 0 || n == 0)
        return 0;
    const uint64_t cap = (uint64_t)w->cap;
    const double period = (double)L > (double)cap * b ? (double)L : (double)cap * b;
    if (w->periodic && !w->no_shortcuts && period == w->period &&
        (double)s <= sched_at(w, w->issued) + EPS) {
        /* The transfer continues the schedule: no slot or bus wait is new. */
        double last = sched_at(w, w->issued + n - 1) - (double)s;
        w->issued += n;
        return up(last - (double)(n - 1) * b);
    }
    if (w->periodic)
        sched_leave(w, L);
    const uint64_t m = n < 2 * cap ? n : 2 * cap;
    double *t = w->t;
    uint64_t pos = w->issued % cap; /* slot of burst j < cap: that of burst j - cap */
    for (uint64_t j = 0; j < m; j++) {
        double at = j == 0 ? 0.0 : t[j - 1] + b;
        double slot = 0.0;
        if (j >= cap)
            slot = t[j - cap] + (double)L;
        else if (w->issued + j >= cap)
            slot = w->fr[pos] - (double)s;
        if (++pos == cap)
            pos = 0;
        t[j] = at > slot ? at : slot;
    }
    double last;
    if (n >= 2 * cap) { /* bursts cap.. are periodic: keep the schedule */
        for (uint64_t i = 0; i < cap; i++)
            w->g[i] = (double)s + t[cap + i];
        w->period = period;
        w->pk = w->issued + cap;
        w->issued += n;
        w->periodic = !w->no_shortcuts;
        last = sched_at(w, w->issued - 1) - (double)s;
        if (!w->periodic) { /* tests: free cycles burst by burst */
            w->periodic = 1;
            sched_leave(w, L);
        }
    } else {
        pos = w->issued % cap;
        for (uint64_t j = 0; j < n; j++) {
            w->fr[pos] = (double)s + t[j] + (double)L;
            if (++pos == cap)
                pos = 0;
        }
        w->issued += n;
        last = t[n - 1];
    }
    return up(last - (double)(n - 1) * b);
}
