/* dram_ctrl.h - the controller of one DRAM channel (internal to the device
 * model, dram_dev.c): its request queue, bank and channel timing state,
 * FR-FCFS choice and refresh.  Rules: dram_dev.h.  Cycles are device
 * cycles.
 *
 * The common case of a stream is inline here and is also the first step of
 * the general choice (dram_chan_serve): the oldest queued burst is a row hit
 * whose column command no queued burst can beat, so it is served with a
 * handful of comparisons and stores. */
#ifndef DRAM_CTRL_H
#define DRAM_CTRL_H

#include "dram_dev.h"

#include <stdint.h>

#define DRAM_NEVER (INT64_MIN / 4) /* long ago: t >= NEVER + any constraint */
#define DRAM_NO_ROW UINT32_MAX

/* A queued burst.  The queue is a ring in age order; a burst served out of
 * order leaves a hole (live = 0) until the oldest burst passes it. */
typedef struct {
    int64_t arrival; /* cycle it entered the queue */
    long req;        /* request id, for the caller */
    uint32_t row;
    uint8_t bank;    /* bank group * banks_per_group + bank */
    uint8_t bg;      /* bank group */
    uint8_t write, live;
} dram_slot;

typedef struct {
    uint32_t open_row;
    int queued, hits; /* queued bursts; of them, hits on open_row */
    int64_t act_ok, rd_ok, wr_ok, pre_ok; /* earliest ACT, RD, WR, PRE */
} dram_bank;

/* The device's shape and timing, the timing as int64 for the hot path. */
typedef struct {
    const dram_spec *sp;
    int nbanks, bpg, nbg, Q; /* banks; banks per group; bank groups; queue depth */
    uint64_t ring_mask;  /* ring size - 1: a power of two >= 2 Q */
    uint64_t freed_mask; /* freed ring size - 1: a power of two >= Q */
    int64_t ccd_s, ccd_l, ccd_min, rd_done, wr_done, rtp, wr_pre, rtw, cl, cwl;
    int64_t wtr_s, wtr_l, wtr_min; /* from a write's CAS to a read's: CWL + BL + tWTR */
    int64_t horizon;     /* no timer binds past this many cycles after it */
    /* Closed-form runs (dram_chan_skip): a burst every skip_step cycles;
     * skip_min_p: the fewest bursts a period may have (tCCD_L must pass
     * before a bank group's next turn), 0 if no run can be closed-form. */
    int64_t skip_step;
    int skip_min_p;
    int skip_on; /* a run may go on from a pending one (dram_chan_skip_on) */
} dram_geom;

/* What a channel did (row hits, ...), for the statistics. */
typedef struct {
    uint64_t hits, misses, conflicts, rd, wr, refreshes;
} dram_counts;

/* a += (b - before) * k, counter by counter. */
void dram_counts_add(dram_counts *a, const dram_counts *b, const dram_counts *before, uint64_t k);

typedef struct {
    dram_slot *ring;
    uint64_t head, tail; /* ring positions (not reduced) of oldest and next */
    int nq, nwr;         /* live bursts; of them, writes */
    int64_t last_cas, last_rd, last_wr, bus_free, last_act;
    int64_t faw[4];      /* the last four ACTs; faw[faw_i] is the oldest */
    int faw_i;
    int64_t ref_due;
    /* Front end of this channel, in order: the n-th burst enters when the
     * (n - Q)-th served burst freed its slot.  freed: CAS cycles of the
     * last served bursts, by served count. */
    int64_t *freed;
    uint64_t pushed, served;
    /* The slots freed by served bursts lin_from .. lin_from + lin_n - 1
     * (a closed-form run) are lin_t + i * lin_step, not stored in freed. */
    uint64_t lin_from, lin_n;
    int64_t lin_t, lin_step;
    int64_t fe_time;
    /* A closed-form run's bank and bank group timers, pending (run_on):
     * its last burst at run_last, the one before skip_step earlier, and so
     * on, to the groups before run_next in turn, bank run_ba of each, row
     * run_row, every group at least once (dram_chan_skip).  Written by
     * dram_chan_settle, which every other use of the channel calls first:
     * meanwhile the next run of the same stream needs neither the checks
     * nor the stores per group. */
    int run_on, run_write, run_ba, run_next;
    uint32_t run_row;
    int64_t run_last;
    /* dram_run_key of the run that would go on from the pending one (0:
     * none may, dram_chan_skip_on).  While it is set nothing but closed-form
     * runs served bursts since the pending run began (the rest settles
     * first): the last column command, the bus and the closed form of
     * freed slots all end with the run's last burst. */
    uint64_t run_key;
    dram_counts n;
    /* Last, so that a copy takes only the banks and groups in use. */
    dram_bank bk[DRAM_MAX_BANKS];
    int64_t last_cas_bg[DRAM_MAX_BANKS], last_wr_bg[DRAM_MAX_BANKS], last_act_bg[DRAM_MAX_BANKS];
} dram_chan;

/* What serving a burst did. */
typedef struct {
    long req;
    int64_t at;        /* when it entered the queue (dram_chan_direct, skip) */
    int64_t cas, done; /* column command; end of its data on the bus */
} dram_served;

/* Where a burst goes in its channel. */
typedef struct {
    uint32_t row;
    uint8_t bank, bg; /* bank: bank group * banks_per_group + bank in group */
} dram_loc;

static inline int64_t dram_max(int64_t a, int64_t b) { return a > b ? a : b; }

/* Fills g for spec s (which must outlive it). */
void dram_geom_init(dram_geom *g, const dram_spec *s);
/* Allocates and resets channel `index` of g's device; 0 or -1 (memory). */
int dram_chan_init(dram_chan *c, const dram_geom *g, int index);
void dram_chan_free(dram_chan *c);
/* Serves a burst when the fast path below does not apply. */
void dram_chan_serve_slow(dram_chan *c, const dram_geom *g, dram_served *out);
/* Closes the holes of bursts served out of order. */
void dram_chan_compact(dram_chan *c, const dram_geom *g);

/* Copies src's timing state (banks, channel timers, front end, queue) into
 * dst, keeping dst's buffers and counters: dst then behaves as src. */
void dram_chan_copy_state(dram_chan *dst, const dram_chan *src, const dram_geom *g);
/* 1 if a and b (queues empty) give the same cycles for any bursts that
 * enter at or after cycle t: equal rows open and refresh due, and every
 * timer equal or both too old to bind at t (a pending run's as written). */
int dram_chan_same_from(const dram_chan *a, const dram_chan *b, const dram_geom *g, int64_t t);

/* Writes a pending run's bank and group timers (see dram_chan). */
void dram_chan_settle_run(dram_chan *c, const dram_geom *g);
static inline void dram_chan_settle(dram_chan *c, const dram_geom *g)
{
    if (c->run_on)
        dram_chan_settle_run(c, g);
}

/* Direct service, for a request alone in an empty queue: the bursts of one
 * channel, in order, are given one at a time together with what follows
 * them (window: the next bursts of this channel, oldest first, nwin of
 * them, and whether that is all that follows: complete), and each is
 * served at once if FR-FCFS would serve it before everything after it:
 * then the result equals pushing them all and serving (the ring is never
 * touched).  Returns 1 if served (out filled), 0 if the caller must queue
 * this burst and the rest of the channel's bursts normally, -1 if it needs
 * the window (call again with it; window NULL the first time).  row_hi: no
 * burst that follows is in a higher row (bank rows ascend with addresses). */
int dram_chan_direct(dram_chan *c, const dram_geom *g, dram_loc at, int write, long req,
                     int64_t not_before, const dram_loc *window, int nwin, int complete,
                     uint32_t row_hi, dram_served *out);
/* Serves the next n bursts at once when they repeat a period of p bursts,
 * every one a row hit on row `row` of bank `ba` (0 .. banks_per_group - 1)
 * in bank groups bg0, bg0 + 1, ... (mod bank groups), each in its own
 * group, in a steady stream: each issues tBL or tCCD_S after the one
 * before and nothing else binds (checked here).  n = p (no group's turn
 * comes twice) needs no minimum period.  Returns n, or fewer if a refresh
 * falls due first (at least p), or 0 (nothing done).  out: the last
 * burst's cycles. */
uint64_t dram_chan_skip(dram_chan *c, const dram_geom *g, uint32_t row, int ba, int bg0, int p,
                        uint64_t n, int write, long req, int64_t not_before, dram_served *out);


/* The cycle the k-th served burst (k < served) freed its slot. */
static inline int64_t dram_chan_freed(const dram_chan *c, const dram_geom *g, uint64_t k)
{
    if (k - c->lin_from < c->lin_n)
        return c->lin_t + (int64_t)(k - c->lin_from) * c->lin_step;
    return c->freed[k & g->freed_mask];
}

/* The key of a run of row `row` of bank `ba` of each group from bg on, in
 * direction `write` (never 0). */
static inline uint64_t dram_run_key(uint32_t row, int ba, int bg, int write)
{
    return (uint64_t)row << 32 | (uint64_t)ba << 20 | (uint64_t)bg << 8 | (uint64_t)(write != 0) << 1 |
           1;
}

/* The channel's counts and times after a closed-form run of n row hits
 * (dram_chan_skip, dram_chan_skip_on), the last column command at tn, the
 * front end's last entry at fe; *out the run's service.  Returns n. */
static inline uint64_t dram_chan_run_done(dram_chan *c, const dram_geom *g, uint64_t n,
                                          int write, int64_t fe, int64_t tn, long req,
                                          dram_served *out)
{
    c->served += n;
    c->pushed += n;
    c->fe_time = fe;
    c->last_cas = tn;
    if (write) {
        c->last_wr = tn;
        c->n.wr += n;
    } else {
        c->last_rd = tn;
        c->n.rd += n;
    }
    c->n.hits += n;
    c->bus_free = tn + (write ? g->wr_done : g->rd_done);
    out->req = req;
    out->at = fe;
    out->cas = tn;
    out->done = c->bus_free;
    return n;
}

/* dram_chan_skip's common case inline: n bursts (at least two, and a
 * period if more than one) that go on from the pending run, the one with
 * this key (dram_run_key of the first burst), step by step (the same
 * stream back to back).  Returns n, or 0 if it is not that case (then
 * dram_chan_skip decides).  See dram_chan_skip in dram_ctrl.c for why no
 * bank or group needs a check, and dram_chan.run_key for why neither the
 * turnaround (checked when the pending run began, the run's own direction
 * since), the bus nor the last column command does: the first burst is
 * skip_step after the pending run's last unless it enters later. */
static inline uint64_t dram_chan_skip_on(dram_chan *c, const dram_geom *g, uint64_t key,
                                         uint64_t n, int write, long req, int64_t not_before,
                                         dram_served *out)
{
    const int64_t step = g->skip_step;
    const uint64_t Q = (uint64_t)g->Q;
    if (c->run_key != key || c->nq != 0)
        return 0;
    /* with the queue empty every burst pushed was served */
    int64_t a1 = dram_max(not_before, c->fe_time);
    if (c->pushed >= Q)
        a1 = dram_max(a1, dram_chan_freed(c, g, c->pushed - Q));
    const int64_t t1 = c->run_last + step, tn = t1 + (int64_t)(n - 1) * step;
    if (a1 > t1 || c->ref_due <= tn)
        return 0;
    /* this run's freed slots go on the closed form: so the front end's
     * last entry (its slot freed when burst n - 1 - Q did, maybe one of
     * this run's) is a look-up */
    c->lin_n += n;
    int64_t fe = a1;
    if (c->pushed + n - 1 >= Q)
        fe = dram_max(fe, dram_chan_freed(c, g, c->pushed + n - 1 - Q));
    uint64_t next = (uint64_t)c->run_next + n;
    const uint64_t P = (uint64_t)g->nbg;
    next = next < P ? next : next < 2 * P ? next - P : next % P;
    c->run_last = tn;
    c->run_next = (int)next;
    c->run_key = dram_run_key(c->run_row, c->run_ba, (int)next, write);
    return dram_chan_run_done(c, g, n, write, fe, tn, req, out);
}

/* Puts a burst for bank `bank` (0..banks_per_group-1) of bank group
 * `bankgroup` in the queue, which must not be full (nq < Q); it enters at
 * max(not_before, the front end's last entry, its slot becoming free).
 * Returns that cycle. */
static inline int64_t dram_chan_push(dram_chan *c, const dram_geom *g, int64_t not_before,
                                     long req, uint32_t row, int bankgroup, int bank, int write)
{
    int64_t at = dram_max(not_before, c->fe_time);
    if (c->pushed >= (uint64_t)g->Q)
        at = dram_max(at, dram_chan_freed(c, g, c->pushed - (uint64_t)g->Q));
    c->pushed++;
    c->fe_time = at;
    if (c->tail - c->head > g->ring_mask)
        dram_chan_compact(c, g);
    dram_slot *s = &c->ring[c->tail++ & g->ring_mask];
    bank += bankgroup * g->bpg;
    s->arrival = at;
    s->req = req;
    s->row = row;
    s->bank = (uint8_t)bank;
    s->bg = (uint8_t)bankgroup;
    s->write = (uint8_t)(write != 0);
    s->live = 1;
    dram_bank *k = &c->bk[bank];
    k->queued++;
    k->hits += k->open_row == row;
    c->nq++;
    c->nwr += s->write;
    return at;
}

/* The column command of a burst to an open row: earliest cycle. */
static inline int64_t dram_chan_cas_at(const dram_chan *c, const dram_geom *g,
                                       const dram_slot *s)
{
    const dram_bank *k = &c->bk[s->bank];
    int64_t t = dram_max(c->last_cas + g->ccd_s, c->last_cas_bg[s->bg] + g->ccd_l);
    t = dram_max(t, s->arrival);
    if (s->write) {
        t = dram_max(t, k->wr_ok);
        t = dram_max(t, c->last_rd + g->rtw);
        t = dram_max(t, c->bus_free - g->cwl);
    } else {
        t = dram_max(t, k->rd_ok);
        t = dram_max(t, c->last_wr + g->wtr_s);
        t = dram_max(t, c->last_wr_bg[s->bg] + g->wtr_l);
        t = dram_max(t, c->bus_free - g->cl);
    }
    return t;
}

/* A cycle no queued burst's column command can precede: the channel's
 * rules for any burst, and the oldest burst's arrival (the others arrived
 * no earlier). */
static inline int64_t dram_chan_lower_bound(const dram_chan *c, const dram_geom *g)
{
    int64_t any = dram_max(c->last_cas + g->ccd_min, c->ring[c->head & g->ring_mask].arrival);
    int64_t rd = dram_max(any, dram_max(c->bus_free - g->cl, c->last_wr + g->wtr_min));
    int64_t wr = dram_max(any, dram_max(c->bus_free - g->cwl, c->last_rd + g->rtw));
    if (c->nwr == 0)
        return rd;
    if (c->nwr == c->nq)
        return wr;
    return rd < wr ? rd : wr;
}

/* The column command of a burst to an open row of bank `bank` (group bg)
 * at cycle t: the channel's timing state and counts. */
static inline void dram_chan_cas(dram_chan *c, const dram_geom *g, int bank, int bg, int write,
                                 int64_t t, dram_served *out)
{
    dram_bank *k = &c->bk[bank];
    out->cas = t;
    c->last_cas = t;
    c->last_cas_bg[bg] = t;
    if (write) {
        c->last_wr = t;
        c->last_wr_bg[bg] = t;
        out->done = t + g->wr_done;
        k->pre_ok = dram_max(k->pre_ok, t + g->wr_pre);
        c->n.wr++;
    } else {
        c->last_rd = t;
        out->done = t + g->rd_done;
        k->pre_ok = dram_max(k->pre_ok, t + g->rtp);
        c->n.rd++;
    }
    c->bus_free = out->done;
    c->freed[c->served++ & g->freed_mask] = t;
}

/* Issues the column command of the burst at ring position pos at cycle t
 * (its row open) and takes it out of the queue. */
static inline void dram_chan_column(dram_chan *c, const dram_geom *g, uint64_t pos, int64_t t,
                                    dram_served *out)
{
    dram_slot *s = &c->ring[pos & g->ring_mask];
    dram_bank *k = &c->bk[s->bank];
    out->req = s->req;
    out->at = s->arrival;
    dram_chan_cas(c, g, s->bank, s->bg, s->write, t, out);
    c->nwr -= s->write;
    s->live = 0;
    k->queued--;
    k->hits--;
    c->nq--;
    if (pos == c->head) /* the oldest left: skip holes behind it */
        do
            c->head++;
        while (c->head != c->tail && !c->ring[c->head & g->ring_mask].live);
}

/* Serves one queued burst (the queue must not be empty): FR-FCFS choice,
 * refreshes that fall due first, the commands' timing. */
static inline void dram_chan_serve(dram_chan *c, const dram_geom *g, dram_served *out)
{
    dram_chan_settle(c, g);
    const dram_slot *s = &c->ring[c->head & g->ring_mask];
    if (c->bk[s->bank].open_row == s->row) {
        int64_t t = dram_chan_cas_at(c, g, s);
        if (t <= dram_chan_lower_bound(c, g) && t < c->ref_due) {
            c->n.hits++;
            dram_chan_column(c, g, c->head, t, out);
            return;
        }
    }
    dram_chan_serve_slow(c, g, out);
}

#endif
