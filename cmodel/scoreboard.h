/* scoreboard.h - the C model's hazard detection (internal to cmodel/).
 *
 * Remembers the footprint and completion cycle of every instruction issued
 * so far and answers, for a new footprint: the latest completion among the
 * earlier ones that conflict with it (read-after-write, write-after-read,
 * write-after-write on overlapping ranges of one address space).
 *
 * Cost: O(SB_RECENT + log A) per instruction (A: the highest address in a
 * space), whatever the number of instructions in flight, so a program runs
 * in time linear in its length for any DRAM latency.  Only the latest
 * conflicting completion matters, and completions at or before the
 * current cycle can delay nothing, so they are forgotten: memory follows
 * the instructions in flight, not the program.
 *
 * Every range must be non-empty (lo < hi); every unit refuses empty
 * operations before it reaches the scoreboard.
 */
#ifndef SCOREBOARD_H
#define SCOREBOARD_H

#include "machine.h"

#include <stdint.h>

#define SB_SPACES (SPACE_DRAM + 1)
/* Entries kept in the recent list, scanned one by one. */
#define SB_RECENT 32

/* One node of a space's tree spans an aligned power-of-two address block.
 * Index [0] is about reads, [1] about writes. */
typedef struct {
    uint64_t cover[2]; /* latest completion of ranges spanning the block whole */
    uint64_t sub[2];   /* latest completion of ranges recorded at or below */
    uint32_t kid[2];   /* lower and upper half; 0 = none */
} sb_node;

/* The smallest range holding some ranges of one space; lo > hi if none. */
typedef struct {
    uint64_t lo, hi;
} sb_box;

/* A recent entry; its boxes (per address space: around the ranges it
 * writes, and around all it touches) reject most pairs with one
 * comparison per range asked about, before the range-by-range one. */
typedef struct {
    uint64_t complete;
    sb_box wbox[SB_SPACES];
    sb_box abox[SB_SPACES];
    footprint fp;
} sb_recent;

/* The recent entries sit in fixed slots; order lists the slots in use
 * (order[0, n)) latest completion first, then the free ones, so a check
 * stops at the first conflict, completed entries leave from the end, and
 * the entry that completes last is order[0]. */
typedef struct {
    sb_recent recent[SB_RECENT];
    uint8_t order[SB_RECENT];
    int n;             /* recent entries in use */
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

/* The latest of now and the completions of recorded footprints that
 * conflict with fp: the cycle fp's instruction may start.  now is the
 * earliest cycle it could start anyway (never decreasing from call to
 * call); entries completing by then can delay nothing and are forgotten. */
uint64_t sb_check(scoreboard *sb, const footprint *fp, uint64_t now);

/* Records fp as completing at cycle complete.  Returns 0, or -1 if memory
 * ran out. */
int sb_record(scoreboard *sb, const footprint *fp, uint64_t complete);

#endif
