/* dma_window.h - a DMA engine's window of bursts in flight
 * (dma.max_outstanding), so that Little's law holds in the model.
 *
 * The window has `cap` slots.  A burst can issue only when a slot is free;
 * its slot frees when its data returns, the latency after it issued.  With
 * latency L and bursts of B bytes an engine therefore moves at most
 * cap x B / L bytes per cycle, whatever the bus could carry.
 *
 * For a device model the window keeps the cycle at which each of the last
 * `cap` bursts frees its slot, in issue order, as runs of bursts that free
 * together (a push each): O(1) a push and O(log cap) a look-up, not O(g)
 * a push.  Library code: no I/O.
 */
#ifndef DMA_WINDOW_H
#define DMA_WINDOW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int cap;          /* slots; 0: unlimited (no window) */
    /* Device models: the free cycles of the last cap bursts, as runs (one
     * a push, whose bursts all free together): run i, i = 0 .. runs - 1
     * from the oldest, is run_end[(run_head + i) % (cap + 2)] - its length
     * .. run_end - 1 in issue order, freeing at run_free[same]. */
    uint64_t *run_end, *run_free;
    int run_head, runs;
    double *fr;       /* ideal memory: free cycle of the last cap bursts */
    double *t;        /* scratch: issue offsets of a transfer's first 2 cap bursts */
    uint64_t issued;  /* bursts issued so far */
    /* Ideal memory, periodic schedule: burst pk + q x cap + i issues at
     * g[i] + q x period (valid while `periodic`; fr is then stale). */
    int periodic;
    double *g, period;
    uint64_t pk;
    int no_shortcuts; /* tests: always the burst-by-burst path */
} dma_window;

/* 0, or -1 when memory runs out.  cap 0 allocates nothing. */
int dma_window_init(dma_window *w, int cap);
void dma_window_free(dma_window *w);

/* The earliest cycle at which the next g bursts (1 <= g <= cap) all have
 * a slot: the free cycle of burst issued + g - 1 - cap, or 0. */
uint64_t dma_window_ready(const dma_window *w, uint64_t g);
/* Records g bursts whose slots all free at cycle `free_at`. */
void dma_window_push(dma_window *w, uint64_t g, uint64_t free_at);

/* The ideal memory: n bursts of a transfer that starts at cycle s, one
 * every `b` cycles on the bus (b = burst bytes / bytes per cycle), each
 * holding its slot for L cycles.  Burst j issues at
 *     t_j = max(t_{j-1} + b, free slot),
 * computed burst by burst for the first 2 cap bursts (the first cap depend
 * on earlier transfers' slots, the next cap settle) and in closed form
 * after them: from burst cap on the schedule is periodic,
 * t_{j+cap} = t_j + max(L, cap x b).  That schedule is kept: a transfer
 * that starts no later than the schedule's next burst continues it exactly
 * (its bursts depend only on the slots and the bus), in O(1); any other
 * transfer costs O(min(n, 2 cap)) (O(cap) more to leave the schedule).
 * Returns the cycles the window added to the transfer: the last burst's
 * issue minus (n - 1) x b, rounded up (0 when no slot was waited for). */
uint64_t dma_window_ideal(dma_window *w, uint64_t s, uint64_t n, double b, uint64_t L);

#ifdef __cplusplus
}
#endif
#endif
