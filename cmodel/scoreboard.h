/* scoreboard.h - the C model's hazard detection (internal to cmodel/).
 *
 * Remembers the footprint and completion cycle of every instruction issued
 * so far and answers, for a new footprint: the latest completion among the
 * earlier ones that conflict with it (read-after-write, write-after-read,
 * write-after-write on overlapping ranges of one address space).
 *
 * Cost: O(SB_RECENT + log A) per range (A: the highest address in a
 * space), whatever the number of instructions in flight, so a program runs
 * in time linear in its length for any DRAM latency.  Only the latest
 * conflicting completion matters, and completions at or before the
 * current cycle can delay nothing, so they are forgotten: memory follows
 * the instructions in flight, not the program.
 *
 * A read inside a write of the same footprint is neither checked nor kept:
 * the write stands for it (the answers are the same).
 *
 * Every range must be non-empty (lo < hi); every unit refuses empty
 * operations before it reaches the scoreboard.
 */
#ifndef SCOREBOARD_H
#define SCOREBOARD_H

#include "machine.h"

#include <stdint.h>

#define SB_SPACES (SPACE_DRAM + 1)
/* Ranges kept in each recent list, scanned one by one. */
#define SB_RECENT 32

/* One node of a space's tree spans an aligned power-of-two address block.
 * Index [0] is about reads, [1] about writes. */
typedef struct {
    uint64_t cover[2]; /* latest completion of ranges spanning the block whole */
    uint64_t sub[2];   /* latest completion of ranges recorded at or below */
    uint32_t kid[2];   /* lower and upper half; 0 = none */
} sb_node;

/* A recorded range of one space and kind, and when its instruction
 * completes. */
typedef struct {
    uint64_t lo, hi, complete;
} sb_item;

/* The recent ranges of one space and kind: item[head, tail) in order of
 * completion, earliest first, so a check scans from the latest down and
 * stops at the first conflict or at the first that cannot raise its answer,
 * completed ranges leave from the head, and the range that completes last
 * is item[tail - 1]. */
typedef struct {
    int head, tail;
    sb_item item[SB_RECENT];
} sb_list;

typedef struct {
    sb_list recent[SB_SPACES][2]; /* [space][0 reads, 1 writes] */
    uint64_t now;      /* the latest sb_check's cycle */
    sb_node *node;     /* the trees' nodes; node[0] is unused (0 = "none") */
    uint32_t used;     /* nodes ever handed out (high-water mark) */
    uint32_t cap;
    uint32_t free_list;/* freed nodes, chained through kid[0] */
    uint32_t live;     /* nodes in the trees */
    uint32_t sweep_at; /* forget completed entries when live exceeds this */
    uint32_t root[SB_SPACES];
    int bits[SB_SPACES]; /* the root spans [0, 2^bits) */
} scoreboard;

void sb_init(scoreboard *sb);
void sb_free(scoreboard *sb);

/* The latest of now, free_at and the completions of recorded footprints
 * that conflict with fp: the cycle fp's instruction may start.  now is the
 * earliest cycle it could start anyway (never decreasing from call to
 * call); entries completing by then can delay nothing and are forgotten.
 * free_at is when its unit is free: it starts no earlier either, but other
 * units' instructions may start before it, so it may go back from call to
 * call and forgets nothing; only the search stops at it. */
uint64_t sb_check(scoreboard *sb, const footprint *fp, uint64_t now, uint64_t free_at);

/* Records fp as completing at cycle complete.  Returns 0, or -1 if memory
 * ran out. */
int sb_record(scoreboard *sb, const footprint *fp, uint64_t complete);

#endif
