/* sb_ring.h - the capacity of a unit's scoreboard ring (internal to cmodel/).
 *
 * The hardware tracks each unit's dispatched, not yet retired instructions
 * in a ring of arch_sb_ring_depth entries (rtl/lutc_sb_ring.v): an
 * instruction takes the tail entry when it is dispatched, entries free from
 * the head once complete, one a cycle, in dispatch order.  So dispatch
 * waits while the ring is full: the n-th instruction of a unit dispatches
 * no earlier than the cycle entry n - depth frees, and entry i frees at
 * max(its completion, the cycle after entry i - 1 freed).  With a fixed
 * latency the ring is sized never to fill (queue + latency + 2); a DMA
 * whose responses come late (a DRAM device, random latency) can fill it.
 */
#ifndef SB_RING_H
#define SB_RING_H

#include <stdint.h>

typedef struct {
    uint64_t *freed; /* the last depth entries' free cycles, a ring; 0 = never used */
    int depth, pos;
    uint64_t last;   /* the free cycle of the newest entry */
} sb_ring;

/* 0, or -1 when out of memory (depth >= 1). */
int sb_ring_init(sb_ring *r, int depth);
void sb_ring_free(sb_ring *r);

/* The earliest cycle the next instruction may take an entry. */
static inline uint64_t sb_ring_room(const sb_ring *r) { return r->freed[r->pos]; }

/* The next instruction took an entry; it completes at `complete`. */
static inline void sb_ring_take(sb_ring *r, uint64_t complete)
{
    const uint64_t f = r->last + 1 > complete ? r->last + 1 : complete;
    r->freed[r->pos] = f;
    r->last = f;
    if (++r->pos == r->depth)
        r->pos = 0;
}

#endif
