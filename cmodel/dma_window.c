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
    w->ring = NULL;
    w->t = NULL;
    w->issued = 0;
    if (w->cap == 0)
        return 0;
    w->ring = calloc((size_t)w->cap, sizeof *w->ring);
    w->t = calloc(2 * (size_t)w->cap, sizeof *w->t);
    if (!w->ring || !w->t) {
        dma_window_free(w);
        return -1;
    }
    return 0;
}

void dma_window_free(dma_window *w)
{
    free(w->ring);
    free(w->t);
    w->ring = NULL;
    w->t = NULL;
    w->cap = 0;
}

uint64_t dma_window_ready(const dma_window *w, uint64_t g)
{
    uint64_t k = w->issued + g - 1; /* the last of the g bursts */
    if (w->cap == 0 || k < (uint64_t)w->cap)
        return 0;
    return w->ring[k % (uint64_t)w->cap]; /* slot of burst k - cap */
}

void dma_window_push(dma_window *w, uint64_t g, uint64_t free_at)
{
    for (uint64_t i = 0; i < g && w->cap > 0; i++)
        w->ring[w->issued++ % (uint64_t)w->cap] = free_at;
}

static uint64_t up(double x) { return x <= EPS ? 0 : (uint64_t)ceil(x - EPS); }

/* Offset of burst j >= cap: burst cap + (j - cap) mod cap one period per
 * cap bursts later; walked with counters instead of divisions. */
typedef struct {
    uint64_t m;   /* (j - cap) mod cap */
    double base;  /* ((j - cap) / cap) x period */
} walk;

uint64_t dma_window_ideal(dma_window *w, uint64_t s, uint64_t n, double b, uint64_t L)
{
    if (w->cap == 0 || n == 0)
        return 0;
    const uint64_t cap = (uint64_t)w->cap;
    const uint64_t m = n < 2 * cap ? n : 2 * cap;
    const double period = (double)L > (double)cap * b ? (double)L : (double)cap * b;
    double *t = w->t;
    /* The newest slot frees last: if it is free at s, no earlier transfer
     * constrains this one and its schedule is the closed form
     * t_j = floor(j / cap) x period + (j mod cap) x b. */
    const int fresh = w->issued == 0 ||
                      w->ring[(w->issued - 1) % cap] <= s;
    uint64_t pos = w->issued % cap; /* slot of burst j < cap: that of burst j - cap */
    for (uint64_t j = 0; j < m; j++) {
        double at = j == 0 ? 0.0 : t[j - 1] + b;
        double slot = 0.0;
        if (j >= cap) {
            slot = t[j - cap] + (double)L;
        } else if (!fresh && w->issued + j >= cap) {
            uint64_t f = w->ring[pos];
            slot = f > s ? (double)(f - s) : 0.0;
        }
        if (++pos == cap)
            pos = 0;
        t[j] = at > slot ? at : slot;
        if (fresh && j + 1 == cap && n > 2 * cap)
            break; /* the rest is the closed form */
    }
    if (fresh && n > 2 * cap) /* group 1 from group 0 by the closed form */
        for (uint64_t j = cap; j < 2 * cap; j++)
            t[j] = t[j - cap] + period;
    const uint64_t first = n > cap ? n - cap : 0;
    w->issued += first; /* their slots are overwritten by the last cap anyway */
    pos = w->issued % cap;
    walk k = { 0, 0.0 };
    if (first >= m) { /* burst `first` lies in the periodic part */
        k.m = (first - cap) % cap;
        k.base = (double)((first - cap) / cap) * period;
    }
    double last = 0.0;
    for (uint64_t j = first; j < n; j++) {
        if (j < m) {
            last = t[j];
        } else {
            last = t[cap + k.m] + k.base;
            if (++k.m == cap) {
                k.m = 0;
                k.base += period;
            }
        }
        w->ring[pos] = s + up(last + (double)L);
        if (++pos == cap)
            pos = 0;
    }
    w->issued += n - first;
    return up(last - (double)(n - 1) * b);
}
