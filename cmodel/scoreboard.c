/* scoreboard.c - hazard detection in linear time for any latency.
 *
 * A hazard is a pair of ranges: a read after a write, a write after a read
 * or a write, on overlapping bytes of one address space.  So the ranges of
 * the instructions in flight are kept one by one, by space and kind (read,
 * write), and a check asks, for each range of the new footprint, only the
 * lists it can conflict with: its space's writes for a read, its space's
 * writes and reads for a write.  Two parts hold them.
 *
 * The recent lists (SB_RECENT ranges each) are scanned one by one: at the
 * usual latencies nearly every range completes while it is there, and a
 * short scan is the cheapest check (a timing-only run has a few ranges in
 * flight per space and kind).  Each is kept in order of completion and
 * scanned latest first, so the first overlap found is its answer, and the
 * scan stops as soon as the ranges left complete no later than the best
 * found so far (often at once: an earlier range of the footprint found a
 * later conflict).  Completed ranges leave from the list's head when it
 * needs room.  When a list is full of ranges in flight, its range that
 * completes last moves to the trees, so long-lived ranges (a DRAM latency
 * of a million cycles keeps every load in flight) cost O(log) each, not a
 * scan.
 *
 * Each address space has one binary tree over [0, 2^bits), grown on demand
 * (nodes are allocated only along the ranges recorded).  A range is recorded
 * at the O(log) nodes whose blocks it spans whole ("cover"), and every node
 * on the way down remembers the latest completion below it ("sub").  Then
 * the latest completion of any recorded range overlapping a query is the
 * maximum of the covers on the query's path and the subs of the blocks it
 * spans.  Reads and writes are kept apart in each node, because a read
 * conflicts only with earlier writes, a write with both.
 *
 * Only the maximum is ever asked for, and the caller's cycle hides anything
 * completing before it: a query stops at a block whose sub is not above the
 * best found, and a sweep frees every block whose subs are all in the past.
 * The sweep runs when the trees have doubled since the last one, so it
 * costs O(1) amortized per node created.
 */
#include "scoreboard.h"

#include <stdlib.h>
#include <string.h>

/* Nodes one sb_insert may create: 64 to grow the root, at most 4 per level
 * of 65 on the way down. */
#define SB_RESERVE 340
/* Trees smaller than this are never swept. */
#define SB_MIN_NODES 4096u

enum { SB_READ = 0, SB_WRITE = 1 };

void sb_init(scoreboard *sb)
{
    memset(sb, 0, sizeof *sb);
    sb->used = 1; /* node 0 means "none" */
    sb->sweep_at = SB_MIN_NODES;
}

void sb_free(scoreboard *sb)
{
    free(sb->node);
    memset(sb, 0, sizeof *sb);
}

static uint64_t max2(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* What a query about a read (writes only) or a write (both kinds) sees. */
static uint64_t seen(const uint64_t v[2], int is_write)
{
    return is_write ? max2(v[SB_READ], v[SB_WRITE]) : v[SB_WRITE];
}

/* Does [lo, hi), known to meet the block [base, base + 2^b), span it? */
static int spans(uint64_t base, int b, uint64_t lo, uint64_t hi)
{
    return b < 64 && lo <= base && hi - base >= (1ull << b);
}

static uint64_t query(const scoreboard *sb, uint32_t idx, uint64_t base, int b, uint64_t lo,
                      uint64_t hi, int is_write, uint64_t best)
{
    const sb_node *n = &sb->node[idx];
    uint64_t s = seen(n->sub, is_write);
    if (s <= best)
        return best;
    if (spans(base, b, lo, hi))
        return s;
    best = max2(best, seen(n->cover, is_write));
    uint64_t mid = base + (1ull << (b - 1));
    if (lo < mid && n->kid[0])
        best = query(sb, n->kid[0], base, b - 1, lo, hi, is_write, best);
    if (hi > mid && n->kid[1])
        best = query(sb, n->kid[1], mid, b - 1, lo, hi, is_write, best);
    return best;
}

static uint64_t query_range(const scoreboard *sb, const mem_range *r, int is_write,
                            uint64_t best)
{
    int bits = sb->bits[r->space];
    uint32_t root = sb->root[r->space];
    if (!root || (bits < 64 && r->lo >= (1ull << bits)))
        return best;
    return query(sb, root, 0, bits, r->lo, r->hi, is_write, best);
}

/* A zeroed node (the caller has reserved SB_RESERVE of them). */
static uint32_t node_new(scoreboard *sb)
{
    uint32_t idx = sb->free_list;
    if (idx)
        sb->free_list = sb->node[idx].kid[0];
    else
        idx = sb->used++;
    memset(&sb->node[idx], 0, sizeof sb->node[idx]);
    sb->live++;
    return idx;
}

static int reserve(scoreboard *sb)
{
    if ((uint64_t)sb->used + SB_RESERVE <= sb->cap)
        return 0;
    if (sb->cap > UINT32_MAX / 2)
        return -1;
    uint32_t cap = sb->cap ? sb->cap * 2 : SB_MIN_NODES;
    sb_node *n = realloc(sb->node, (size_t)cap * sizeof *n);
    if (!n)
        return -1;
    sb->node = n;
    sb->cap = cap;
    return 0;
}

static void insert(scoreboard *sb, uint32_t *slot, uint64_t base, int b, uint64_t lo,
                   uint64_t hi, int kind, uint64_t v)
{
    if (!*slot)
        *slot = node_new(sb); /* no reallocation: slot stays valid */
    sb_node *n = &sb->node[*slot];
    n->sub[kind] = max2(n->sub[kind], v);
    if (spans(base, b, lo, hi)) {
        n->cover[kind] = max2(n->cover[kind], v);
        return;
    }
    uint64_t mid = base + (1ull << (b - 1));
    if (lo < mid)
        insert(sb, &n->kid[0], base, b - 1, lo, hi, kind, v);
    if (hi > mid)
        insert(sb, &n->kid[1], mid, b - 1, lo, hi, kind, v);
}

static int insert_range(scoreboard *sb, const mem_range *r, int kind, uint64_t v)
{
    if (reserve(sb) != 0)
        return -1;
    int s = r->space;
    /* Grow the root until it spans the range: the old tree is its lower half. */
    while (sb->bits[s] < 64 && r->hi > (1ull << sb->bits[s])) {
        if (sb->root[s]) {
            uint32_t up = node_new(sb);
            sb_node *n = &sb->node[up];
            const sb_node *old = &sb->node[sb->root[s]];
            n->sub[0] = old->sub[0];
            n->sub[1] = old->sub[1];
            n->kid[0] = sb->root[s];
            sb->root[s] = up;
        }
        sb->bits[s]++;
    }
    insert(sb, &sb->root[s], 0, sb->bits[s], r->lo, r->hi, kind, v);
    return 0;
}

static void free_tree(scoreboard *sb, uint32_t idx)
{
    if (!idx)
        return;
    free_tree(sb, sb->node[idx].kid[0]);
    free_tree(sb, sb->node[idx].kid[1]);
    sb->node[idx].kid[0] = sb->free_list;
    sb->free_list = idx;
    sb->live--;
}

/* Frees every block below idx whose entries all complete by now. */
static uint32_t prune(scoreboard *sb, uint32_t idx, uint64_t now)
{
    if (!idx)
        return 0;
    sb_node *n = &sb->node[idx];
    if (max2(n->sub[0], n->sub[1]) <= now) {
        free_tree(sb, idx);
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        uint32_t kid = prune(sb, sb->node[idx].kid[k], now);
        sb->node[idx].kid[k] = kid;
    }
    return idx;
}

static void sweep(scoreboard *sb, uint64_t now)
{
    for (int s = 0; s < SB_SPACES; s++) {
        sb->root[s] = prune(sb, sb->root[s], now);
        if (!sb->root[s])
            sb->bits[s] = 0;
    }
    uint64_t next = 2 * (uint64_t)sb->live + SB_MIN_NODES;
    sb->sweep_at = next > UINT32_MAX ? UINT32_MAX : (uint32_t)next;
}

static int tree_record(scoreboard *sb, const mem_range *r, int kind, uint64_t complete)
{
    if (insert_range(sb, r, kind, complete) != 0)
        return -1;
    if (sb->live > sb->sweep_at)
        sweep(sb, sb->now);
    return 0;
}

/* The recent lists ---------------------------------------------------------- */

/* The latest of best and the completions of l's ranges that overlap
 * [lo, hi). */
static uint64_t list_latest(const sb_list *l, uint64_t lo, uint64_t hi, uint64_t best)
{
    for (int k = l->tail - 1; k >= l->head; k--) {
        const sb_item *e = &l->item[k];
        if (e->complete <= best)
            break; /* the rest complete no later */
        if (e->lo < hi && lo < e->hi)
            return e->complete;
    }
    return best;
}

/* Whether read i of fp lies inside one of its writes.  Such a read adds
 * nothing: whatever it conflicts with (earlier writes) the write conflicts
 * with too, and whatever will conflict with it (later writes) will conflict
 * with the write, which completes at the same cycle.  So it is neither
 * checked nor kept (a vector op's accumulator row, an attention state, an
 * lmma or dq accumulating onto its tile: a third of the reads). */
static int read_in_write(const footprint *fp, int i)
{
    const mem_range *r = &fp->r[i];
    for (int j = 0; j < fp->nw; j++) {
        const mem_range *w = &fp->w[j];
        if (w->space == r->space && w->lo <= r->lo && r->hi <= w->hi)
            return 1;
    }
    return 0;
}

uint64_t sb_check(scoreboard *sb, const footprint *fp, uint64_t now, uint64_t free_at)
{
    sb->now = now;
    /* Conflicts completing by then change nothing: the scans stop there. */
    uint64_t best = now > free_at ? now : free_at;
    for (int i = 0; i < fp->nr; i++) { /* read after write */
        const mem_range *r = &fp->r[i];
        if (read_in_write(fp, i))
            continue;
        best = list_latest(&sb->recent[r->space][SB_WRITE], r->lo, r->hi, best);
        if (sb->root[r->space])
            best = query_range(sb, r, 0, best);
    }
    for (int i = 0; i < fp->nw; i++) { /* write after read or write */
        const mem_range *w = &fp->w[i];
        best = list_latest(&sb->recent[w->space][SB_WRITE], w->lo, w->hi, best);
        best = list_latest(&sb->recent[w->space][SB_READ], w->lo, w->hi, best);
        if (sb->root[w->space])
            best = query_range(sb, w, 1, best);
    }
    return best;
}

/* Records range r of the given kind in its list, keeping the list in order
 * of completion. */
static int list_add(scoreboard *sb, const mem_range *r, int kind, uint64_t complete)
{
    sb_list *l = &sb->recent[r->space][kind];
    if (l->tail == SB_RECENT) {
        /* Ranges completed by the latest check can delay nothing from now
         * on (a scan stops before them): they leave only when room is
         * needed. */
        while (l->head < l->tail && l->item[l->head].complete <= sb->now)
            l->head++;
        if (l->head > 0) {
            l->tail -= l->head;
            memmove(&l->item[0], &l->item[l->head], (size_t)l->tail * sizeof l->item[0]);
            l->head = 0;
        } else {
            /* Full of ranges in flight: the one that completes last moves
             * to the tree. */
            const sb_item *last = &l->item[SB_RECENT - 1];
            if (complete >= last->complete)
                return tree_record(sb, r, kind, complete);
            const mem_range m = { r->space, last->lo, last->hi };
            if (tree_record(sb, &m, kind, last->complete) != 0)
                return -1;
            l->tail--;
        }
    }
    /* Mostly the latest or nearly: a step or two of insertion. */
    int k = l->tail;
    while (k > l->head && l->item[k - 1].complete > complete) {
        l->item[k] = l->item[k - 1];
        k--;
    }
    l->item[k].lo = r->lo;
    l->item[k].hi = r->hi;
    l->item[k].complete = complete;
    l->tail++;
    return 0;
}

int sb_record(scoreboard *sb, const footprint *fp, uint64_t complete)
{
    for (int i = 0; i < fp->nr; i++)
        if (!read_in_write(fp, i) && list_add(sb, &fp->r[i], SB_READ, complete) != 0)
            return -1;
    for (int i = 0; i < fp->nw; i++)
        if (list_add(sb, &fp->w[i], SB_WRITE, complete) != 0)
            return -1;
    return 0;
}
