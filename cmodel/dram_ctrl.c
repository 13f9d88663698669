/* dram_ctrl.c - one channel's controller: set-up, the general FR-FCFS
 * choice, row commands, refresh.  The stream fast path is in dram_ctrl.h. */
#include "dram_ctrl.h"

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
    c->refreshes += (uint64_t)(1 + more);
    c->ref_due += (1 + more) * p->tREFI;
}

/* Opens the row of the burst at pos with an ACT at cycle act (after a PRE
 * if another row was open). */
static void activate(dram_chan *c, const dram_geom *g, uint64_t pos, int64_t act)
{
    const dram_spec *p = g->sp;
    const dram_slot *s = &c->ring[pos & g->ring_mask];
    dram_bank *k = &c->bk[s->bank];
    if (k->open_row == DRAM_NO_ROW)
        c->misses++;
    else
        c->conflicts++;
    k->open_row = s->row;
    k->act_ok = act + p->tRC;
    k->rd_ok = act + p->tRCD;
    k->wr_ok = act + p->tRCDW;
    k->pre_ok = act + p->tRAS;
    c->last_act = act;
    c->last_act_bg[s->bg] = act;
    c->faw[c->faw_i] = act;
    c->faw_i = (c->faw_i + 1) & 3;
    int n = 0;
    for (uint64_t i = c->head; i != c->tail; i++) {
        const dram_slot *o = &c->ring[i & g->ring_mask];
        n += o->live && o->bank == s->bank && o->row == s->row;
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
    for (uint64_t i = c->head; i != c->tail; i++) {
        const dram_slot *s = &c->ring[i & g->ring_mask];
        if (!s->live)
            continue;
        uint64_t bit = 1ull << s->bank;
        if (!(seen & bit)) {
            seen |= bit;
            oldest[s->bank] = i;
        }
        if (!(seen_hit & bit) && s->row == c->bk[s->bank].open_row) {
            seen_hit |= bit;
            oldest_hit[s->bank] = i;
        }
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
        if (hit)
            c->hits++;
        else
            activate(c, g, pos, act);
        dram_chan_column(c, g, pos, t, out);
        return;
    }
}
