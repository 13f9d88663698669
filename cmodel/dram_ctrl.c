/* dram_ctrl.c - one channel's controller: set-up, the general FR-FCFS
 * choice, row commands, refresh.  The stream fast path is in dram_ctrl.h. */
#include "dram_ctrl.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void dram_geom_init(dram_geom *g, const dram_spec *p)
{
    uint64_t ring = 1, freed = 1;
    while (ring < 2 * (uint64_t)p->queue_depth)
        ring *= 2;
    while (freed < (uint64_t)p->queue_depth)
        freed *= 2;
    memset(g, 0, sizeof *g);
    g->sp = p;
    g->bpg = p->banks_per_group;
    g->nbg = p->bankgroups;
    g->nbanks = p->bankgroups * p->banks_per_group;
    g->Q = p->queue_depth;
    g->ring_mask = ring - 1;
    g->freed_mask = freed - 1;
    g->ccd_s = p->tCCD_S;
    g->ccd_l = p->tCCD_L;
    g->ccd_min = p->tCCD_S < p->tCCD_L ? p->tCCD_S : p->tCCD_L;
    g->cl = p->tCL;
    g->cwl = p->tCWL;
    g->rd_done = p->tCL + p->tBL;
    g->wr_done = p->tCWL + p->tBL;
    g->rtp = p->tRTP;
    g->wr_pre = p->tCWL + p->tBL + p->tWR;
    g->rtw = p->tRTW;
    g->wtr_s = p->tCWL + p->tBL + p->tWTR_S;
    g->wtr_l = p->tCWL + p->tBL + p->tWTR_L;
    g->wtr_min = g->wtr_s < g->wtr_l ? g->wtr_s : g->wtr_l;
    /* the sum of every delay added to a timer bounds any one of them */
    g->horizon = (int64_t)p->tRC + p->tRAS + p->tRP + p->tRFC + p->tFAW + p->tRRD_S + p->tRRD_L +
                 p->tCCD_S + p->tCCD_L + g->wr_pre + g->rtp + g->rtw + g->wtr_s + g->wtr_l +
                 p->tRCD + p->tRCDW + p->tCL + p->tCWL + p->tBL;
    g->skip_step = p->tBL > p->tCCD_S ? p->tBL : p->tCCD_S;
    /* the run's argument needs the short tCCD to be the other-group one */
    g->skip_min_p = 0;
    if (g->ccd_min == p->tCCD_S) {
        g->skip_min_p = 1;
        while ((int64_t)g->skip_min_p * g->skip_step < p->tCCD_L)
            g->skip_min_p++;
    }
    g->skip_on = g->skip_min_p > 0 && g->nbg >= g->skip_min_p;
}

int dram_chan_init(dram_chan *c, const dram_geom *g, int index)
{
    const dram_spec *p = g->sp;
    memset(c, 0, sizeof *c);
    c->ring = calloc(g->ring_mask + 1, sizeof *c->ring);
    c->freed = calloc(g->freed_mask + 1, sizeof *c->freed);
    if (!c->ring || !c->freed) {
        dram_chan_free(c);
        return -1;
    }
    for (int b = 0; b < DRAM_MAX_BANKS; b++) {
        dram_bank *k = &c->bk[b];
        k->open_row = DRAM_NO_ROW;
        k->act_ok = k->rd_ok = k->wr_ok = k->pre_ok = DRAM_NEVER;
        c->last_cas_bg[b] = c->last_wr_bg[b] = c->last_act_bg[b] = DRAM_NEVER;
    }
    c->last_cas = c->last_rd = c->last_wr = c->bus_free = c->last_act = DRAM_NEVER;
    for (int i = 0; i < 4; i++)
        c->faw[i] = DRAM_NEVER;
    /* Channels refresh together, as each channel's controller in DRAMsim3
     * and Ramulator2 starts its tREFI timer at 0 (staggering them would
     * stall a transfer striped over all channels at every channel's REF). */
    (void)index;
    c->ref_due = p->tREFI;
    c->fe_time = DRAM_NEVER;
    return 0;
}

void dram_chan_free(dram_chan *c)
{
    free(c->ring);
    free(c->freed);
    c->ring = NULL;
    c->freed = NULL;
}

void dram_counts_add(dram_counts *a, const dram_counts *b, const dram_counts *before, uint64_t k)
{
    uint64_t *x = (uint64_t *)a; /* dram_counts holds only uint64_t */
    const uint64_t *y = (const uint64_t *)b, *z = (const uint64_t *)before;
    for (size_t i = 0; i < sizeof *a / sizeof *x; i++)
        x[i] += (y[i] - z[i]) * k;
}

void dram_chan_copy_state(dram_chan *dst, const dram_chan *src, const dram_geom *g)
{
    dram_slot *ring = dst->ring;
    int64_t *freed = dst->freed;
    const dram_counts n = dst->n;
    const size_t nbg = (size_t)g->sp->bankgroups * sizeof *src->last_cas_bg;
    memcpy(dst, src, offsetof(dram_chan, bk));
    memcpy(dst->bk, src->bk, (size_t)g->nbanks * sizeof *src->bk);
    memcpy(dst->last_cas_bg, src->last_cas_bg, nbg);
    memcpy(dst->last_wr_bg, src->last_wr_bg, nbg);
    memcpy(dst->last_act_bg, src->last_act_bg, nbg);
    dst->ring = ring;
    dst->freed = freed;
    dst->n = n;
    memcpy(freed, src->freed, (g->freed_mask + 1) * sizeof *freed);
    if (src->nq)
        memcpy(ring, src->ring, (g->ring_mask + 1) * sizeof *ring);
}

/* Timers are compared as max(x, floor): below it none binds any more.
 * Nonzero if they differ so; branch-free, so that a whole bank's or
 * group's timers are tested at once. */
static inline int64_t differ(int64_t a, int64_t b, int64_t floor)
{
    return (a != b) & ((a > floor) | (b > floor));
}

/* The slot freed by the k-th last served burst (k >= 1), or long ago. */
static int64_t freed_back(const dram_chan *c, const dram_geom *g, uint64_t k)
{
    return c->served >= k ? dram_chan_freed(c, g, c->served - k) : DRAM_NEVER;
}

/* The column command of a pending run's last burst to bank group bg (see
 * dram_chan; every group has one), or DRAM_NEVER without a pending run. */
static inline int64_t run_cas(const dram_chan *c, const dram_geom *g, int bg)
{
    if (!c->run_on)
        return DRAM_NEVER;
    int j = bg - c->run_next;
    if (j < 0)
        j += g->nbg;
    return c->run_last - (int64_t)(g->nbg - 1 - j) * g->skip_step;
}

int dram_chan_same_from(const dram_chan *a, const dram_chan *b, const dram_geom *g, int64_t t)
{
    const int64_t f = t - g->horizon;
    const int nbg = g->sp->bankgroups;
    if (a->nq || b->nq || a->ref_due != b->ref_due)
        return 0;
    /* the channel's timers first: they differ most often, and are cheap */
    if (differ(a->last_cas, b->last_cas, f) | differ(a->last_rd, b->last_rd, f) |
        differ(a->last_wr, b->last_wr, f) | differ(a->bus_free, b->bus_free, f) |
        differ(a->last_act, b->last_act, f) | differ(a->fe_time, b->fe_time, f))
        return 0;
    /* open rows first (where states differ, a bank's row mostly does),
     * then the banks' timers, unless they are equal bit for bit */
    int rows = 0;
    for (int i = 0; i < g->nbanks; i++)
        rows |= a->bk[i].open_row != b->bk[i].open_row;
    if (rows)
        return 0;
    for (int i = 0; i < 4; i++) /* oldest first */
        if (differ(a->faw[(a->faw_i + i) & 3], b->faw[(b->faw_i + i) & 3], f))
            return 0;
    /* Served bursts' column commands ascend, so freed_back descends in k:
     * once both are below the floor, so are all older ones. */
    for (uint64_t k = 1; k <= (uint64_t)g->Q; k++) {
        const int64_t x = freed_back(a, g, k), y = freed_back(b, g, k);
        if (x <= f && y <= f)
            break;
        if (x != y)
            return 0;
    }
    if (memcmp(a->bk, b->bk, (size_t)g->nbanks * sizeof *a->bk) != 0 || a->run_on || b->run_on)
        for (int bg = 0, i = 0; bg < nbg; bg++) {
            /* a pending run's timers (dram_chan_skip) count as written */
            const int64_t ra = run_cas(a, g, bg), rb = run_cas(b, g, bg);
            for (int ba = 0; ba < g->bpg; ba++, i++) {
                const dram_bank *x = &a->bk[i], *y = &b->bk[i];
                int64_t px = x->pre_ok, py = y->pre_ok;
                if (a->run_on && ba == a->run_ba)
                    px = dram_max(px, ra + (a->run_write ? g->wr_pre : g->rtp));
                if (b->run_on && ba == b->run_ba)
                    py = dram_max(py, rb + (b->run_write ? g->wr_pre : g->rtp));
                if (differ(x->act_ok, y->act_ok, f) | differ(x->rd_ok, y->rd_ok, f) |
                    differ(x->wr_ok, y->wr_ok, f) | differ(px, py, f))
                    return 0;
            }
        }
    for (int i = 0; i < nbg; i++) {
        const int64_t ra = run_cas(a, g, i), rb = run_cas(b, g, i);
        const int64_t wa = a->run_on && a->run_write ? ra : DRAM_NEVER;
        const int64_t wb = b->run_on && b->run_write ? rb : DRAM_NEVER;
        if (differ(dram_max(a->last_cas_bg[i], ra), dram_max(b->last_cas_bg[i], rb), f) |
            differ(dram_max(a->last_wr_bg[i], wa), dram_max(b->last_wr_bg[i], wb), f) |
            differ(a->last_act_bg[i], b->last_act_bg[i], f))
            return 0;
    }
    return 1;
}

/* In place: live bursts only move towards the head. */
void dram_chan_compact(dram_chan *c, const dram_geom *g)
{
    uint64_t w = c->head;
    for (uint64_t r = c->head; r != c->tail; r++)
        if (c->ring[r & g->ring_mask].live)
            c->ring[w++ & g->ring_mask] = c->ring[r & g->ring_mask];
    c->tail = w;
}

/* When burst s could issue its column command, and the cycles of its ACT
 * and of its first command (PRE on a conflict, else the ACT; the CAS on a
 * hit).  Pure: commits nothing. */
static int64_t cas_time(const dram_chan *c, const dram_geom *g, const dram_slot *s, int hit,
                        int64_t *act_at, int64_t *first)
{
    const dram_spec *p = g->sp;
    const dram_bank *k = &c->bk[s->bank];
    if (hit) {
        int64_t t = dram_chan_cas_at(c, g, s);
        *first = t;
        return t;
    }
    int64_t act = dram_max(s->arrival, k->act_ok);
    act = dram_max(act, c->last_act + p->tRRD_S);
    act = dram_max(act, c->last_act_bg[s->bg] + p->tRRD_L);
    act = dram_max(act, c->faw[c->faw_i] + p->tFAW);
    *first = act;
    if (k->open_row != DRAM_NO_ROW) {
        int64_t pre = dram_max(s->arrival, k->pre_ok);
        act = dram_max(act, pre + p->tRP);
        *first = pre;
    }
    *act_at = act;
    /* the column command follows tRCD, and every rule a hit obeys */
    dram_slot opened = *s;
    opened.arrival = act + (s->write ? p->tRCDW : p->tRCD);
    return dram_chan_cas_at(c, g, &opened);
}

/* Refreshes every REF due before cycle t (the first command any queued
 * burst could issue), closing all banks: precharge-all after each open
 * bank's tRAS/tRTP/tWR, tRP, then tRFC; further REFs due before t find the
 * banks closed and are counted, not stepped through. */
static void refresh_before(dram_chan *c, const dram_geom *g, int64_t t)
{
    const dram_spec *p = g->sp;
    int64_t r = c->ref_due;
    int open = 0;
    for (int b = 0; b < g->nbanks; b++) {
        if (c->bk[b].open_row != DRAM_NO_ROW) {
            r = dram_max(r, c->bk[b].pre_ok);
            open = 1;
        }
    }
    int64_t end = r + (open ? p->tRP : 0) + p->tRFC;
    int64_t more = (t - c->ref_due) / p->tREFI;
    end = dram_max(end, c->ref_due + more * p->tREFI + p->tRFC);
    for (int b = 0; b < g->nbanks; b++) {
        dram_bank *k = &c->bk[b];
        k->open_row = DRAM_NO_ROW;
        k->hits = 0;
        k->act_ok = dram_max(k->act_ok, end);
    }
    c->n.refreshes += (uint64_t)(1 + more);
    c->ref_due += (1 + more) * p->tREFI;
}

/* Opens row `row` of bank `bank` (group bg) with an ACT at cycle act
 * (after a PRE if another row was open); recounts the bank's queued hits. */
static void activate(dram_chan *c, const dram_geom *g, int bank, int bg, uint32_t row,
                     int64_t act)
{
    const dram_spec *p = g->sp;
    dram_bank *k = &c->bk[bank];
    if (k->open_row == DRAM_NO_ROW)
        c->n.misses++;
    else
        c->n.conflicts++;
    k->open_row = row;
    k->act_ok = act + p->tRC;
    k->rd_ok = act + p->tRCD;
    k->wr_ok = act + p->tRCDW;
    k->pre_ok = act + p->tRAS;
    c->last_act = act;
    c->last_act_bg[bg] = act;
    c->faw[c->faw_i] = act;
    c->faw_i = (c->faw_i + 1) & 3;
    int n = 0;
    for (uint64_t i = c->head; i != c->tail; i++) {
        const dram_slot *o = &c->ring[i & g->ring_mask];
        n += o->live && o->bank == bank && o->row == row;
    }
    k->hits = n;
}

/* The FR-FCFS choice: each bank's candidate is its oldest hit, unless an
 * older burst to another row would precharge before that hit arrived (the
 * hit was not there to keep the row open); among the candidates the
 * earliest column command wins, then the oldest.  Returns the ring
 * position. */
static uint64_t choose(const dram_chan *c, const dram_geom *g, int *hit_out, int64_t *t_out,
                       int64_t *act_out, int64_t *first_out)
{
    uint64_t oldest[DRAM_MAX_BANKS], oldest_hit[DRAM_MAX_BANKS];
    uint64_t seen = 0, seen_hit = 0;
    /* newest first, so that the last store per bank is the oldest: no
     * test of what was seen */
    for (uint64_t i = c->tail; i-- != c->head;) {
        const dram_slot *s = &c->ring[i & g->ring_mask];
        if (!s->live)
            continue;
        const uint64_t bit = 1ull << s->bank;
        const int hit = s->row == c->bk[s->bank].open_row;
        seen |= bit;
        oldest[s->bank] = i;
        seen_hit |= hit ? bit : 0;
        oldest_hit[s->bank] = hit ? i : oldest_hit[s->bank];
    }
    uint64_t best = 0;
    int have = 0;
    for (uint64_t m = seen; m; m &= m - 1) {
        int b = __builtin_ctzll(m);
        const dram_bank *k = &c->bk[b];
        uint64_t pos = oldest[b];
        if (seen_hit & (1ull << b) && oldest_hit[b] != pos) {
            const dram_slot *o = &c->ring[pos & g->ring_mask];
            const dram_slot *h = &c->ring[oldest_hit[b] & g->ring_mask];
            if (!(dram_max(o->arrival, k->pre_ok) < h->arrival))
                pos = oldest_hit[b];
        }
        const dram_slot *s = &c->ring[pos & g->ring_mask];
        int hit = s->row == k->open_row;
        int64_t act = 0, first = 0;
        int64_t t = cas_time(c, g, s, hit, &act, &first);
        if (!have || t < *t_out || (t == *t_out && pos < best)) {
            have = 1;
            best = pos;
            *hit_out = hit;
            *t_out = t;
            *act_out = act;
            *first_out = first;
        }
    }
    return best;
}

void dram_chan_serve_slow(dram_chan *c, const dram_geom *g, dram_served *out)
{
    dram_chan_settle(c, g);
    for (;;) {
        int hit = 0;
        int64_t t = 0, act = 0, first = 0;
        uint64_t pos = choose(c, g, &hit, &t, &act, &first);
        /* A refresh due before the chosen burst's first command goes first
         * (a miss's ACT may precede it: then the REF waits for tRAS). */
        if (first >= c->ref_due) {
            refresh_before(c, g, first);
            continue;
        }
        const dram_slot *s = &c->ring[pos & g->ring_mask];
        if (hit)
            c->n.hits++;
        else
            activate(c, g, s->bank, s->bg, s->row, act);
        dram_chan_column(c, g, pos, t, out);
        return;
    }
}

/* ---- direct service (dram_ctrl.h) ------------------------------------- */

/* When the front end would put the next burst in: not before `not_before`,
 * its previous entry, or the slot it takes being freed (served bursts only:
 * a slot still to be freed frees at or after the head's column command). */
static int64_t entry_time(const dram_chan *c, const dram_geom *g, int64_t not_before,
                          uint64_t ahead, int *after_head)
{
    int64_t at = dram_max(not_before, c->fe_time);
    uint64_t n = c->pushed + ahead;
    *after_head = 0;
    if (n >= (uint64_t)g->Q) {
        uint64_t k = n - (uint64_t)g->Q;
        if (k >= c->served)
            *after_head = 1;
        else
            at = dram_max(at, dram_chan_freed(c, g, k));
    }
    return at;
}

static dram_slot slot_at(const dram_geom *g, dram_loc l, int write, int64_t arrival)
{
    dram_slot s;
    memset(&s, 0, sizeof s);
    (void)g;
    s.arrival = arrival;
    s.row = l.row;
    s.bank = l.bank;
    s.bg = l.bg;
    s.write = (uint8_t)write;
    s.live = 1;
    return s;
}

int dram_chan_direct(dram_chan *c, const dram_geom *g, dram_loc at, int write, long req,
                     int64_t not_before, const dram_loc *window, int nwin, int complete,
                     uint32_t row_hi, dram_served *out)
{
    int dummy;
    dram_chan_settle(c, g);
    const int64_t arrival = entry_time(c, g, not_before, 0, &dummy);
    const dram_slot s = slot_at(g, at, write, arrival);
    for (;;) {
        const dram_bank *k = &c->bk[s.bank];
        const int hit = k->open_row == s.row;
        /* a later burst could still hit the row this one closes */
        if (!hit && k->open_row != DRAM_NO_ROW && k->open_row > s.row && k->open_row <= row_hi)
            return 0;
        int64_t act = 0, first = 0;
        int64_t t = cas_time(c, g, &s, hit, &act, &first);
        /* FR-FCFS serves it first if nothing after it can issue earlier:
         * the channel's bound for this direction and its own arrival bound
         * every later burst; else look at what follows. */
        int64_t any = dram_max(c->last_cas + g->ccd_min, arrival);
        int64_t lb = write ? dram_max(any, dram_max(c->bus_free - g->cwl, c->last_rd + g->rtw))
                           : dram_max(any, dram_max(c->bus_free - g->cl, c->last_wr + g->wtr_min));
        if (t > lb) {
            if (!window)
                return -1; /* ask for what follows */
            if (!complete && nwin < g->Q - 1)
                return 0; /* what follows is not all known */
            /* A burst to the same bank and row as one before it enters no
             * earlier, so it issues no earlier: only the first counts. */
            uint64_t seen = 1ull << s.bank;
            uint32_t row_of[DRAM_MAX_BANKS];
            row_of[s.bank] = s.row;
            for (int j = 0; j < nwin && j < g->Q - 1; j++) {
                const dram_loc w = window[j];
                if (seen >> w.bank & 1) {
                    if (row_of[w.bank] == w.row)
                        continue;
                } else {
                    seen |= 1ull << w.bank;
                    row_of[w.bank] = w.row;
                }
                int after;
                int64_t a = entry_time(c, g, not_before, (uint64_t)j + 1, &after);
                if (after)
                    break; /* enters when this one issues: cannot precede it */
                dram_slot o = slot_at(g, w, write, a);
                int64_t oa = 0, of = 0;
                if (cas_time(c, g, &o, c->bk[o.bank].open_row == o.row, &oa, &of) < t)
                    return 0;
            }
        }
        if (first >= c->ref_due) {
            refresh_before(c, g, first);
            continue;
        }
        c->pushed++;
        c->fe_time = arrival;
        if (hit)
            c->n.hits++;
        else
            activate(c, g, s.bank, s.bg, s.row, act);
        out->req = req;
        out->at = arrival;
        dram_chan_cas(c, g, s.bank, s.bg, write, t, out);
        return 1;
    }
}

/* freed[k & mask] = t + (k - from) * dt for k in [from, to), a few
 * entries (at most the queue's depth): a plain loop, as vectorising it
 * costs more in set-up than it saves; freed is a parameter so that its
 * stores cannot alias the channel's fields. */
static void store_run(int64_t *freed, uint64_t mask, uint64_t from, uint64_t to, int64_t t,
                      int64_t dt)
{
    for (uint64_t k = from; k < to; k++, t += dt)
        freed[k & mask] = t;
}

/* x mod P for x < 2 P without a division, else with one. */
static inline uint64_t mod_small(uint64_t x, uint64_t P)
{
    return x < P ? x : x < 2 * P ? x - P : x % P;
}

/* The bank and group timers of bursts at t - (p - 1) step, ..., t - step,
 * t to groups bg, bg + 1, ... (mod bank groups), bank ba of each: each
 * group's and bank's last (the later bursts' times are the larger). */
static inline void run_timers(dram_chan *c, const dram_geom *g, int ba, int bg, int p, int64_t t,
                              int write)
{
    const int P = g->nbg, bpg = g->bpg;
    const int64_t step = g->skip_step, pre = write ? g->wr_pre : g->rtp;
    for (int j = 0; j < p; j++, bg = bg + 1 == P ? 0 : bg + 1) {
        const int64_t tj = t - (int64_t)(p - 1 - j) * step;
        dram_bank *k = &c->bk[bg * bpg + ba];
        k->pre_ok = dram_max(k->pre_ok, tj + pre);
        c->last_cas_bg[bg] = dram_max(c->last_cas_bg[bg], tj);
        if (write)
            c->last_wr_bg[bg] = dram_max(c->last_wr_bg[bg], tj);
    }
}

/* A pending run covers every group: its last P bursts give each group's
 * and its bank's last, the first of them to group run_next. */
void dram_chan_settle_run(dram_chan *c, const dram_geom *g)
{
    run_timers(c, g, c->run_ba, c->run_next, g->nbg, c->run_last, c->run_write);
    c->run_on = 0;
    c->run_key = 0;
}

/* dram_chan_skip for reads (write 0) or writes (write 1), a constant:
 * each direction's rules without a test per rule. */
static inline __attribute__((always_inline)) uint64_t
skip_run(dram_chan *c, const dram_geom *g, uint32_t row, int ba, int bg0, int p, uint64_t n,
         const int write, long req, int64_t not_before, dram_served *out)
{
    const int64_t step = g->skip_step;
    const uint64_t Q = (uint64_t)g->Q;
    const int P = g->nbg, bpg = g->bpg;
    /* a group's next turn must come tCCD_L after its last: only a run
     * that wraps the period needs the period that long */
    if (c->nq != 0 || g->skip_min_p == 0 || p < 1 || n < (uint64_t)p ||
        (n > (uint64_t)p && p < g->skip_min_p) || c->last_cas == DRAM_NEVER)
        return 0;
    /* the first burst: at the channel's bound, which nothing else exceeds
     * (so FR-FCFS takes it, and each next one, first: see dram_chan_direct);
     * it enters as the front end allows (entry_time: with the queue empty,
     * every burst pushed was served, so its slot was freed) */
    int64_t a1 = dram_max(not_before, c->fe_time);
    if (c->pushed >= Q && c->pushed - Q < c->served)
        a1 = dram_max(a1, dram_chan_freed(c, g, c->pushed - Q));
    int64_t t1 = dram_max(c->last_cas + g->ccd_s, c->bus_free - (write ? g->cwl : g->cl));
    t1 = dram_max(t1, a1); /* the later ones arrive no earlier */
    /* The channel's turnaround (read to write, write to read in another
     * group) binds every burst of the run alike, so the first most (the
     * others issue later): it may delay the run, not reorder it.  Each
     * bank's and group's timers bind their own burst (checked below). */
    t1 = dram_max(t1, write ? c->last_rd + g->rtw : c->last_wr + g->wtr_s);
    /* A run that continues the pending one (the same row of the same bank
     * in the same direction, its groups next in turn) passes the checks
     * below: the banks' rows and timers are as they were when the pending
     * run was checked (for every group) and no other burst came since; a
     * group's last burst is in that run, P bursts before its turn in this
     * one, and t1 >= its last burst + skip_step (tCCD_S, and the bus:
     * bus_free - CL/CWL = its last + tBL), so its turn comes at least
     * P skip_step >= tCCD_L (P >= skip_min_p) later. */
    const int cont = c->run_on && c->run_row == row && c->run_ba == ba && c->run_write == write &&
                     c->run_next == bg0 && P >= g->skip_min_p;
    if (!cont) {
        dram_chan_settle(c, g);
        int64_t tj = t1;
        for (int j = 0, bg = bg0; j < p; j++, tj += step, bg = bg + 1 == P ? 0 : bg + 1) {
            const dram_bank *k = &c->bk[bg * bpg + ba];
            int64_t need = dram_max(write ? k->wr_ok : k->rd_ok, c->last_cas_bg[bg] + g->ccd_l);
            if (!write)
                need = dram_max(need, c->last_wr_bg[bg] + g->wtr_l);
            if (k->open_row != row || need > tj)
                return 0;
        }
    }
    /* no refresh may fall due before the last one */
    if (c->ref_due <= t1)
        return 0;
    /* (a division only when the refresh cuts the run short) */
    if (c->ref_due - 1 - t1 < (int64_t)(n - 1) * step) {
        uint64_t room = (uint64_t)((c->ref_due - 1 - t1) / step) + 1;
        if (room < (uint64_t)p)
            return 0;
        n = room;
    }
    const int64_t tn = t1 + (int64_t)(n - 1) * step;
    /* the front end's last entry: its slot freed when burst n - 1 - Q did */
    int64_t fe = a1;
    if (c->pushed + n - 1 >= Q) {
        uint64_t k = c->pushed + n - 1 - Q;
        fe = dram_max(fe, k < c->served ? dram_chan_freed(c, g, k)
                                        : t1 + (int64_t)(k - c->served) * step);
    }
    /* The banks' and groups' timers: each one's last burst.  A run that
     * goes on from the pending one's last burst, step by step, extends it;
     * a run of every group starts one; else they are written now. */
    const int next = (int)mod_small((uint64_t)bg0 + n, (uint64_t)P);
    if (cont && t1 == c->run_last + step) {
        c->run_last = tn;
        c->run_next = next;
        c->run_key = dram_run_key(row, ba, next, write);
    } else {
        dram_chan_settle(c, g);
        if (n >= (uint64_t)P) {
            c->run_on = 1;
            c->run_row = row;
            c->run_ba = ba;
            c->run_write = write;
            c->run_next = next;
            c->run_last = tn;
            c->run_key = g->skip_on ? dram_run_key(row, ba, next, write) : 0;
        } else {
            run_timers(c, g, ba, bg0, (int)n, tn, write);
        }
    }
    /* The slots freed, by served count, in closed form: a run that goes on
     * from the last one extends it; else the last one's that stay among
     * the last Q are stored. */
    if (c->lin_from + c->lin_n == c->served && c->lin_step == step && c->lin_n &&
        c->lin_t + (int64_t)c->lin_n * step == t1) {
        c->lin_n += n;
    } else {
        const uint64_t end = c->served + n, keep_from = end > Q ? end - Q : 0;
        const uint64_t from = c->lin_from > keep_from ? c->lin_from : keep_from;
        store_run(c->freed, g->freed_mask, from, c->lin_from + c->lin_n,
                  c->lin_t + (int64_t)(from - c->lin_from) * c->lin_step, c->lin_step);
        c->lin_from = c->served;
        c->lin_n = n;
        c->lin_t = t1;
        c->lin_step = step;
    }
    return dram_chan_run_done(c, g, n, write, fe, tn, req, out);
}

uint64_t dram_chan_skip(dram_chan *c, const dram_geom *g, uint32_t row, int ba, int bg0, int p,
                        uint64_t n, int write, long req, int64_t not_before, dram_served *out)
{
    return write ? skip_run(c, g, row, ba, bg0, p, n, 1, req, not_before, out)
                 : skip_run(c, g, row, ba, bg0, p, n, 0, req, not_before, out);
}
