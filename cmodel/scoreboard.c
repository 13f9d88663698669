/* scoreboard.c - hazard detection in linear time for any latency.
 *
 * Two parts hold the entries that may still delay a later instruction.
 * The recent list (SB_RECENT entries) is scanned one by one: at the usual
 * latencies nearly every entry completes while it is there, and a short
 * scan is the cheapest check.  It is kept latest completion first, so the
 * first conflict found is the answer, and each entry's per-space boxes
 * turn most non-conflicting pairs away with one comparison per range
 * (a timing-only run checks every instruction against a dozen entries,
 * most of them not in conflict).  When it is full, the entry that completes
 * last moves to the trees, so long-lived entries (a DRAM latency of a
 * million cycles keeps every load in flight) cost O(log) each, not a scan.
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
    for (int k = 0; k < SB_RECENT; k++)
        sb->order[k] = (uint8_t)k;
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

static uint64_t tree_latest(const scoreboard *sb, const footprint *fp, uint64_t best)
{
    for (int i = 0; i < fp->nr; i++)
        best = query_range(sb, &fp->r[i], 0, best); /* read after write */
    for (int i = 0; i < fp->nw; i++)
        best = query_range(sb, &fp->w[i], 1, best); /* write after read or write */
    return best;
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

static int tree_record(scoreboard *sb, const footprint *fp, uint64_t complete)
{
    for (int i = 0; i < fp->nr; i++)
        if (insert_range(sb, &fp->r[i], SB_READ, complete) != 0)
            return -1;
    for (int i = 0; i < fp->nw; i++)
        if (insert_range(sb, &fp->w[i], SB_WRITE, complete) != 0)
            return -1;
    if (sb->live > sb->sweep_at)
        sweep(sb, sb->now);
    return 0;
}

/* The recent list ---------------------------------------------------------- */

static int overlaps(const mem_range *a, const mem_range *b)
{
    return a->space == b->space && a->lo < b->hi && b->lo < a->hi;
}

static int conflicts(const footprint *mine, const footprint *old)
{
    for (int i = 0; i < mine->nr; i++)
        for (int j = 0; j < old->nw; j++)
            if (overlaps(&mine->r[i], &old->w[j]))
                return 1; /* read after write */
    for (int i = 0; i < mine->nw; i++) {
        for (int j = 0; j < old->nr; j++)
            if (overlaps(&mine->w[i], &old->r[j]))
                return 1; /* write after read */
        for (int j = 0; j < old->nw; j++)
            if (overlaps(&mine->w[i], &old->w[j]))
                return 1; /* write after write */
    }
    return 0;
}

static int in_box(const mem_range *r, const sb_box *b)
{
    return r->lo < b->hi && b->lo < r->hi;
}

/* Whether fp may conflict with e: false means it does not. */
static int may_conflict(const footprint *fp, const sb_recent *e)
{
    for (int i = 0; i < fp->nr; i++)
        if (in_box(&fp->r[i], &e->wbox[fp->r[i].space]))
            return 1;
    for (int i = 0; i < fp->nw; i++)
        if (in_box(&fp->w[i], &e->abox[fp->w[i].space]))
            return 1;
    return 0;
}

static void box_add(sb_box *b, const mem_range *r)
{
    if (r->lo < b->lo)
        b->lo = r->lo;
    if (r->hi > b->hi)
        b->hi = r->hi;
}

static void set_boxes(sb_recent *e)
{
    for (int s = 0; s < SB_SPACES; s++) {
        e->wbox[s].lo = e->abox[s].lo = UINT64_MAX;
        e->wbox[s].hi = e->abox[s].hi = 0;
    }
    for (int i = 0; i < e->fp.nr; i++)
        box_add(&e->abox[e->fp.r[i].space], &e->fp.r[i]);
    for (int i = 0; i < e->fp.nw; i++) {
        box_add(&e->wbox[e->fp.w[i].space], &e->fp.w[i]);
        box_add(&e->abox[e->fp.w[i].space], &e->fp.w[i]);
    }
}

uint64_t sb_check(scoreboard *sb, const footprint *fp, uint64_t now)
{
    sb->now = now;
    while (sb->n > 0 && sb->recent[sb->order[sb->n - 1]].complete <= now)
        sb->n--; /* done: the slot joins the free ones after order[n) */
    uint64_t best = now;
    for (int k = 0; k < sb->n; k++) {
        const sb_recent *e = &sb->recent[sb->order[k]];
        if (may_conflict(fp, e) && conflicts(fp, &e->fp)) {
            best = e->complete; /* the rest complete no later */
            break;
        }
    }
    return tree_latest(sb, fp, best);
}

/* Puts fp in a free slot, keeping order latest completion first. */
static void recent_add(scoreboard *sb, const footprint *fp, uint64_t complete)
{
    int k = 0;
    while (k < sb->n && sb->recent[sb->order[k]].complete >= complete)
        k++;
    uint8_t slot = sb->order[sb->n];
    memmove(&sb->order[k + 1], &sb->order[k], (size_t)(sb->n - k));
    sb->order[k] = slot;
    sb->n++;
    sb_recent *e = &sb->recent[slot];
    e->complete = complete;
    e->fp = *fp;
    set_boxes(e);
}

int sb_record(scoreboard *sb, const footprint *fp, uint64_t complete)
{
    if (sb->n == SB_RECENT) {
        /* Full: the entry that completes last moves to the tree. */
        uint8_t last = sb->order[0];
        const sb_recent *e = &sb->recent[last];
        if (complete >= e->complete)
            return tree_record(sb, fp, complete);
        if (tree_record(sb, &e->fp, e->complete) != 0)
            return -1;
        sb->n--;
        memmove(&sb->order[0], &sb->order[1], (size_t)sb->n);
        sb->order[sb->n] = last;
    }
    recent_add(sb, fp, complete);
    return 0;
}
