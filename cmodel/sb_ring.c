/* sb_ring.c - scoreboard ring capacity (sb_ring.h). */
#include "sb_ring.h"

#include <stdlib.h>

int sb_ring_init(sb_ring *r, int depth)
{
    r->depth = depth;
    r->pos = 0;
    r->last = 0;
    r->freed = calloc((size_t)depth, sizeof *r->freed);
    return r->freed ? 0 : -1;
}

void sb_ring_free(sb_ring *r)
{
    free(r->freed);
    r->freed = NULL;
}
