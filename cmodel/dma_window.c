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

uint64_t dma_window_ideal(dma_window *w, uint64_t s, uint64_t n, double b, uint64_t L)
{
    if (w->cap == 0 || n == 0)
        return 0;
    const uint64_t cap = (uint64_t)w->cap;
    const uint64_t m = n < 2 * cap ? n : 2 * cap;
    double *t = w->t;
    for (uint64_t j = 0; j < m; j++) {
        double at = j == 0 ? 0.0 : t[j - 1] + b;
        double slot;
        if (j < cap) { /* a slot of an earlier transfer's burst */
            uint64_t f = dma_window_ready(w, j + 1);
            slot = f > s ? (double)(f - s) : 0.0;
        } else {
            slot = t[j - cap] + (double)L;
        }
        t[j] = at > slot ? at : slot;
    }
    /* Burst j >= 2 cap repeats burst cap + (j - cap) mod cap one period per cap later. */
    const double period = (double)L > (double)cap * b ? (double)L : (double)cap * b;
    const uint64_t first = n > cap ? n - cap : 0;
    double last = 0.0;
    w->issued += first; /* their slots are overwritten by the last cap anyway */
    for (uint64_t j = first; j < n; j++) {
        last = j < m ? t[j] : t[cap + (j - cap) % cap] + (double)((j - cap) / cap) * period;
        w->ring[w->issued++ % cap] = s + up(last + (double)L);
    }
    return up(last - (double)(n - 1) * b);
}
