/* dram_dev.c - the DRAM device: request front end, per-channel FR-FCFS
 * controllers, bank and channel timing, refresh, statistics.  The rules are
 * in dram_dev.h; the comments here say how they are kept cheap. */
#include "dram_dev.h"
#include "dram_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEVER (INT64_MIN / 4) /* "long ago": every t >= NEVER + constraint holds */
#define NO_ROW UINT32_MAX
#define NIL (-1)

/* A queued burst.  Channel lists are indices into the channel's slots. */
typedef struct {
    int64_t arrival;   /* device cycle it entered the queue */
    uint64_t seq;      /* age: smaller is older (arrivals are monotone in seq) */
    long req;          /* request id */
    uint32_t row;
    int16_t bank;      /* bank group * banks_per_group + bank */
    int16_t write;
    int16_t age_prev, age_next, bank_next;
} slot;

typedef struct {
    uint32_t open_row;
    int16_t head, tail;  /* FIFO of this bank's queued slots, oldest first */
    int16_t queued, hits; /* queued slots; of them, hits on open_row */
    int64_t act_ok, rd_ok, wr_ok, pre_ok; /* earliest ACT, RD, WR, PRE */
} bank;

typedef struct {
    bank bk[DRAM_MAX_BANKS];
    slot *s;
    int16_t free_list, age_head, age_tail;
    int nq;
    uint64_t active;     /* bit b: bank b has queued slots */
    int64_t last_cas, last_rd, last_wr, bus_free, last_act;
    int64_t last_cas_bg[DRAM_MAX_BANKS], last_wr_bg[DRAM_MAX_BANKS], last_act_bg[DRAM_MAX_BANKS];
    int64_t faw[4];      /* the last four ACTs; faw[faw_i] is the oldest */
    int faw_i;
    int64_t ref_due;
    /* The in-order front end puts the k-th burst of this channel in when
     * the (k - Q)-th served burst freed its slot: CAS cycles of the last Q
     * served, indexed by served count mod Q. */
    int64_t *freed;
    uint64_t enq_count, served_count;
    int64_t fe_time; /* when the front end last put a burst in this queue */
    uint64_t hits, misses, conflicts, rd, wr, refreshes;
} chan;

enum { REQ_FREE = 0, REQ_LIVE };

typedef struct {
    long id;
    int state;
    dram_req r;
    int64_t arrival;      /* device cycle */
    int enq_done;         /* every burst has entered a queue */
    uint64_t outstanding; /* queued, not yet issued */
    uint64_t bursts;
    int64_t accepted, complete;
    /* front-end progress */
    uint32_t row;
    uint64_t left_in_row;
    uint32_t digit[DRAM_F_COUNT];
} request;

struct dram_dev {
    dram_spec sp;
    dram_map map;
    int nbanks, bpg, Q;
    int dch, dbg, dba, dro; /* digit index of each field */
    chan *ch;
    /* host <-> device cycles: dev = ceil(host * num / den) */
    uint64_t num, den;
    /* requests: a ring indexed by id & (cap - 1) */
    request *rq;
    long cap, next_id, oldest, gen; /* gen: request the front end is on */
    uint64_t seq;
    /* statistics kept at the device level */
    uint64_t requests;
    int busy_any;
    int64_t busy_start, busy_end, busy_total, first_arrival, last_complete;
};

static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---- construction ---------------------------------------------------- */

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static void chan_init(chan *c, const dram_dev *d, int index)
{
    memset(c->bk, 0, sizeof c->bk);
    for (int b = 0; b < d->nbanks; b++) {
        bank *k = &c->bk[b];
        k->open_row = NO_ROW;
        k->head = k->tail = NIL;
        k->act_ok = k->rd_ok = k->wr_ok = k->pre_ok = NEVER;
    }
    for (int i = 0; i < d->Q; i++) {
        c->s[i].age_next = (int16_t)(i + 1 < d->Q ? i + 1 : NIL); /* free list */
    }
    c->free_list = 0;
    c->age_head = c->age_tail = NIL;
    c->nq = 0;
    c->active = 0;
    c->last_cas = c->last_rd = c->last_wr = c->bus_free = c->last_act = NEVER;
    for (int g = 0; g < DRAM_MAX_BANKS; g++)
        c->last_cas_bg[g] = c->last_wr_bg[g] = c->last_act_bg[g] = NEVER;
    for (int i = 0; i < 4; i++)
        c->faw[i] = NEVER;
    c->faw_i = 0;
    /* staggered: channel i refreshes i/channels of an interval later */
    c->ref_due = d->sp.tREFI + (int64_t)index * d->sp.tREFI / d->sp.channels;
    c->enq_count = c->served_count = 0;
    c->fe_time = NEVER;
    c->hits = c->misses = c->conflicts = c->rd = c->wr = c->refreshes = 0;
}

dram_dev *dram_dev_new(const dram_spec *s, double host_ghz, char *err, size_t errlen)
{
    if (dram_spec_check(s, err, errlen))
        return NULL;
    if (!(host_ghz >= 0 && host_ghz < 1000)) {
        snprintf(err, errlen, "host clock: must be 0..1000 GHz, got %g", host_ghz);
        return NULL;
    }
    dram_dev *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory for the DRAM device");
        return NULL;
    }
    d->sp = *s;
    d->bpg = s->banks_per_group;
    d->nbanks = s->bankgroups * s->banks_per_group;
    d->Q = s->queue_depth;
    dram_map_init(&d->map, s->mapping, (uint32_t)s->rows, (uint32_t)s->banks_per_group,
                  (uint32_t)s->bankgroups, (uint32_t)(s->row_bytes / s->burst_bytes),
                  (uint32_t)s->channels, (uint64_t)s->burst_bytes, err, errlen);
    for (int i = 0; i < DRAM_F_COUNT; i++) {
        switch (d->map.field[i]) {
        case DRAM_F_CH: d->dch = i; break;
        case DRAM_F_BG: d->dbg = i; break;
        case DRAM_F_BA: d->dba = i; break;
        case DRAM_F_RO: d->dro = i; break;
        default: break;
        }
    }
    /* Periods in femtoseconds, as a reduced fraction: exact for the clocks
     * people use (0.625 ns, 1 GHz, ...). */
    uint64_t dev_fs = (uint64_t)(s->tck_ns * 1e6 + 0.5);
    uint64_t host_fs = host_ghz > 0 ? (uint64_t)(1e6 / host_ghz + 0.5) : dev_fs;
    uint64_t g = gcd64(dev_fs, host_fs);
    d->num = host_fs / g;
    d->den = dev_fs / g;
    d->ch = calloc((size_t)s->channels, sizeof *d->ch);
    d->cap = 16;
    d->rq = calloc((size_t)d->cap, sizeof *d->rq);
    int ok = d->ch && d->rq;
    for (int c = 0; ok && c < s->channels; c++) {
        d->ch[c].s = calloc((size_t)d->Q, sizeof(slot));
        d->ch[c].freed = calloc((size_t)d->Q, sizeof(int64_t));
        ok = d->ch[c].s && d->ch[c].freed;
        if (ok)
            chan_init(&d->ch[c], d, c);
    }
    if (!ok) {
        dram_dev_free(d);
        snprintf(err, errlen, "out of memory for the DRAM device");
        return NULL;
    }
    return d;
}

void dram_dev_free(dram_dev *d)
{
    if (!d)
        return;
    if (d->ch)
        for (int c = 0; c < d->sp.channels; c++) {
            free(d->ch[c].s);
            free(d->ch[c].freed);
        }
    free(d->ch);
    free(d->rq);
    free(d);
}

const dram_spec *dram_dev_spec(const dram_dev *d) { return &d->sp; }

static int64_t to_dev(const dram_dev *d, uint64_t host)
{
    return (int64_t)((host * d->num + d->den - 1) / d->den);
}

static uint64_t to_host(const dram_dev *d, int64_t dev)
{
    if (dev <= 0)
        return 0;
    return ((uint64_t)dev * d->den + d->num - 1) / d->num;
}

static request *req_of(dram_dev *d, long id) { return &d->rq[id & (d->cap - 1)]; }

/* ---- requests and the front end -------------------------------------- */

static int ring_grow(dram_dev *d)
{
    long cap = d->cap * 2;
    request *n = calloc((size_t)cap, sizeof *n);
    if (!n)
        return -1;
    for (long id = d->oldest; id < d->next_id; id++) {
        request *o = req_of(d, id);
        if (o->state == REQ_LIVE && o->id == id)
            n[id & (cap - 1)] = *o;
    }
    free(d->rq);
    d->rq = n;
    d->cap = cap;
    return 0;
}

/* Positions the front end on row q->row of its request. */
static void start_row(const dram_dev *d, request *q)
{
    uint64_t B = (uint64_t)d->sp.burst_bytes;
    uint64_t a = q->r.addr + (uint64_t)q->row * q->r.stride;
    q->left_in_row = (a + q->r.row_bytes - 1) / B - a / B + 1;
    dram_map_digits(&d->map, a, q->digit);
}

long dram_submit(dram_dev *d, const dram_req *r)
{
    if (r->rows == 0 || r->row_bytes == 0 || (r->rows > 1 && r->stride < r->row_bytes))
        return -1;
    if (d->next_id - d->oldest >= d->cap &&
        (d->cap >= DRAM_MAX_PENDING || ring_grow(d) != 0))
        return -1;
    long id = d->next_id++;
    request *q = req_of(d, id);
    memset(q, 0, sizeof *q);
    q->id = id;
    q->state = REQ_LIVE;
    q->r = *r;
    /* Contiguous rows are one sequence of bursts (no burst moved twice). */
    if (q->r.rows > 1 && q->r.stride == q->r.row_bytes) {
        q->r.row_bytes *= q->r.rows;
        q->r.rows = 1;
    }
    q->arrival = to_dev(d, r->arrival);
    q->accepted = q->complete = q->arrival;
    start_row(d, q);
    d->requests++;
    return id;
}

static void busy_add(dram_dev *d, int64_t a, int64_t e)
{
    if (!d->busy_any) {
        d->busy_any = 1;
        d->busy_start = d->first_arrival = a;
        d->busy_end = e;
    } else if (a > d->busy_end) {
        d->busy_total += d->busy_end - d->busy_start;
        d->busy_start = a;
        d->busy_end = e;
    } else if (e > d->busy_end) {
        d->busy_end = e;
    }
    if (a < d->first_arrival)
        d->first_arrival = a;
    if (e > d->last_complete)
        d->last_complete = e;
}

static int64_t serve_one(dram_dev *d, chan *ch);

/* Puts the front end's next burst into its channel's queue, first serving
 * a burst of that channel if the queue is full. */
static void enqueue_next(dram_dev *d)
{
    request *q = req_of(d, d->gen);
    const uint32_t *dg = q->digit;
    chan *ch = &d->ch[dg[d->dch]];
    if (ch->nq == d->Q)
        serve_one(d, ch);
    /* In order per channel: not before the request, the channel's previous
     * burst, or the slot it takes becoming free (when burst n - Q of this
     * channel was served).  Channels do not wait for each other. */
    int64_t at = max64(q->arrival, ch->fe_time);
    uint64_t n = ch->enq_count++;
    if (n >= (uint64_t)d->Q)
        at = max64(at, ch->freed[(n - (uint64_t)d->Q) % (uint64_t)d->Q]);
    ch->fe_time = at;
    int i = ch->free_list;
    slot *s = &ch->s[i];
    ch->free_list = s->age_next;
    s->arrival = at;
    s->seq = d->seq++;
    s->req = q->id;
    s->row = dg[d->dro];
    s->bank = (int16_t)(dg[d->dbg] * (uint32_t)d->bpg + dg[d->dba]);
    s->write = (int16_t)(q->r.write != 0);
    /* age list: append */
    s->age_prev = ch->age_tail;
    s->age_next = NIL;
    if (ch->age_tail != NIL)
        ch->s[ch->age_tail].age_next = (int16_t)i;
    else
        ch->age_head = (int16_t)i;
    ch->age_tail = (int16_t)i;
    /* bank FIFO: append */
    bank *k = &ch->bk[s->bank];
    s->bank_next = NIL;
    if (k->tail != NIL)
        ch->s[k->tail].bank_next = (int16_t)i;
    else
        k->head = (int16_t)i;
    k->tail = (int16_t)i;
    k->queued++;
    if (k->open_row == s->row)
        k->hits++;
    ch->active |= 1ull << s->bank;
    ch->nq++;
    q->outstanding++;
    q->bursts++;
    if (at > q->accepted)
        q->accepted = at;
    /* advance the front end */
    if (--q->left_in_row > 0) {
        dram_map_next(&d->map, q->digit);
    } else if (++q->row < q->r.rows) {
        start_row(d, q);
    } else {
        q->enq_done = 1;
        d->gen++;
    }
}

/* ---- the controller of one channel ----------------------------------- */

/* When slot s could issue its column command; for a miss also the cycles
 * of its ACT and of its first command (PRE on a conflict, else the ACT).
 * Pure: commits nothing. */
static int64_t cas_time(const dram_dev *d, const chan *ch, const slot *s, int hit,
                        int64_t *act_at, int64_t *first)
{
    const dram_spec *p = &d->sp;
    const bank *k = &ch->bk[s->bank];
    const int g = s->bank / d->bpg;
    int64_t t;
    if (hit) {
        t = max64(s->arrival, s->write ? k->wr_ok : k->rd_ok);
    } else {
        int64_t act = max64(s->arrival, k->act_ok);
        act = max64(act, ch->last_act + p->tRRD_S);
        act = max64(act, ch->last_act_bg[g] + p->tRRD_L);
        act = max64(act, ch->faw[ch->faw_i] + p->tFAW);
        *first = act;
        if (k->open_row != NO_ROW) {
            int64_t pre = max64(s->arrival, k->pre_ok);
            act = max64(act, pre + p->tRP);
            *first = pre;
        }
        *act_at = act;
        t = act + (s->write ? p->tRCDW : p->tRCD);
    }
    t = max64(t, ch->last_cas + p->tCCD_S);
    t = max64(t, ch->last_cas_bg[g] + p->tCCD_L);
    if (s->write) {
        t = max64(t, ch->last_rd + p->tRTW);
        t = max64(t, ch->bus_free - p->tCWL);
    } else {
        t = max64(t, ch->last_wr + p->tCWL + p->tBL + p->tWTR_S);
        t = max64(t, ch->last_wr_bg[g] + p->tCWL + p->tBL + p->tWTR_L);
        t = max64(t, ch->bus_free - p->tCL);
    }
    return t;
}

/* The candidate of bank b: its oldest hit, unless its oldest other burst
 * would precharge before that hit arrives (then the row closes first). */
static int bank_candidate(const dram_dev *d, const chan *ch, int b, int *hit)
{
    const bank *k = &ch->bk[b];
    if (k->hits == 0) {
        *hit = 0;
        return k->head;
    }
    int h = NIL, m = NIL;
    for (int i = k->head; i != NIL && (h == NIL || m == NIL); i = ch->s[i].bank_next) {
        if (ch->s[i].row == k->open_row) {
            if (h == NIL)
                h = i;
        } else if (m == NIL) {
            m = i;
        }
    }
    (void)d;
    if (m != NIL && ch->s[m].seq < ch->s[h].seq &&
        max64(ch->s[m].arrival, k->pre_ok) < ch->s[h].arrival) {
        *hit = 0;
        return m;
    }
    *hit = 1;
    return h;
}

/* Refreshes every due REF that comes before cycle t (the earliest any
 * queued burst could be served), closing all banks. */
static void refresh_before(const dram_dev *d, chan *ch, int64_t t)
{
    const dram_spec *p = &d->sp;
    int64_t r = ch->ref_due;
    int open = 0;
    for (int b = 0; b < d->nbanks; b++) {
        bank *k = &ch->bk[b];
        if (k->open_row != NO_ROW) {
            r = max64(r, k->pre_ok);
            open = 1;
        }
    }
    int64_t end = r + (open ? p->tRP : 0) + p->tRFC;
    /* further refreshes due before t find every bank closed: count them */
    int64_t more = (t - ch->ref_due) / p->tREFI;
    if (more > 0) {
        int64_t last = ch->ref_due + more * p->tREFI;
        end = max64(end, last + p->tRFC);
    }
    for (int b = 0; b < d->nbanks; b++) {
        bank *k = &ch->bk[b];
        k->open_row = NO_ROW;
        k->hits = 0;
        k->act_ok = max64(k->act_ok, end);
    }
    ch->refreshes += (uint64_t)(1 + more);
    ch->ref_due += (1 + more) * p->tREFI;
}

static void unlink_slot(chan *ch, int i)
{
    slot *s = &ch->s[i];
    bank *k = &ch->bk[s->bank];
    if (s->age_prev != NIL)
        ch->s[s->age_prev].age_next = s->age_next;
    else
        ch->age_head = s->age_next;
    if (s->age_next != NIL)
        ch->s[s->age_next].age_prev = s->age_prev;
    else
        ch->age_tail = s->age_prev;
    /* bank FIFO: usually the head */
    if (k->head == i) {
        k->head = s->bank_next;
        if (k->head == NIL)
            k->tail = NIL;
    } else {
        int j = k->head;
        while (ch->s[j].bank_next != i)
            j = ch->s[j].bank_next;
        ch->s[j].bank_next = s->bank_next;
        if (k->tail == i)
            k->tail = (int16_t)j;
    }
    if (--k->queued == 0)
        ch->active &= ~(1ull << s->bank);
    s->age_next = ch->free_list;
    ch->free_list = (int16_t)i;
    ch->nq--;
}

/* Issues slot i's commands: ACT (if a miss) at act, the column command at t. */
static void commit(dram_dev *d, chan *ch, int i, int hit, int64_t t, int64_t act)
{
    const dram_spec *p = &d->sp;
    slot *s = &ch->s[i];
    bank *k = &ch->bk[s->bank];
    const int g = s->bank / d->bpg;
    if (hit) {
        ch->hits++;
    } else {
        if (k->open_row == NO_ROW)
            ch->misses++;
        else
            ch->conflicts++;
        k->open_row = s->row;
        k->act_ok = act + p->tRC;
        k->rd_ok = act + p->tRCD;
        k->wr_ok = act + p->tRCDW;
        k->pre_ok = act + p->tRAS;
        ch->last_act = act;
        ch->last_act_bg[g] = act;
        ch->faw[ch->faw_i] = act;
        ch->faw_i = (ch->faw_i + 1) & 3;
        int n = 0;
        for (int j = k->head; j != NIL; j = ch->s[j].bank_next)
            n += ch->s[j].row == s->row;
        k->hits = (int16_t)n;
    }
    k->hits--; /* s itself hits the open row and leaves the queue */
    int64_t done;
    ch->last_cas = t;
    ch->last_cas_bg[g] = t;
    if (s->write) {
        ch->last_wr = t;
        ch->last_wr_bg[g] = t;
        done = t + p->tCWL + p->tBL;
        k->pre_ok = max64(k->pre_ok, done + p->tWR);
        ch->wr++;
    } else {
        ch->last_rd = t;
        done = t + p->tCL + p->tBL;
        k->pre_ok = max64(k->pre_ok, t + p->tRTP);
        ch->rd++;
    }
    ch->bus_free = done;
    ch->freed[ch->served_count++ % (uint64_t)d->Q] = t;
    request *q = req_of(d, s->req);
    if (done > q->complete)
        q->complete = done;
    q->outstanding--;
    if (q->enq_done && q->outstanding == 0)
        busy_add(d, q->arrival, q->complete);
    unlink_slot(ch, i);
}

/* Serves one queued burst of channel ch (FR-FCFS); returns its CAS cycle. */
static int64_t serve_one(dram_dev *d, chan *ch)
{
    const dram_spec *p = &d->sp;
    for (;;) {
        /* Fast path: the oldest burst, if it is its bank's candidate and
         * nothing can issue earlier (lb bounds every burst's column time). */
        int i = ch->age_head;
        const slot *s = &ch->s[i];
        const bank *k = &ch->bk[s->bank];
        int hit = k->open_row == s->row;
        if (hit || k->hits == 0) {
            int64_t act = 0, first = 0;
            int64_t t = cas_time(d, ch, s, hit, &act, &first);
            int64_t lb = max64(ch->last_cas + p->tCCD_S,
                               ch->bus_free - (p->tCL > p->tCWL ? p->tCL : p->tCWL));
            if (t <= lb && (hit ? t : first) < ch->ref_due) {
                commit(d, ch, i, hit, t, act);
                return t;
            }
        }
        /* Full choice over the banks with queued bursts. */
        int best = NIL, best_hit = 0;
        int64_t best_t = 0, best_act = 0, best_first = 0;
        for (uint64_t m = ch->active; m; m &= m - 1) {
            int b = __builtin_ctzll(m);
            int hit;
            int j = bank_candidate(d, ch, b, &hit);
            int64_t a = 0, f = 0;
            int64_t t = cas_time(d, ch, &ch->s[j], hit, &a, &f);
            if (best == NIL || t < best_t || (t == best_t && ch->s[j].seq < ch->s[best].seq)) {
                best = j;
                best_hit = hit;
                best_t = t;
                best_act = a;
                best_first = hit ? t : f;
            }
        }
        /* A refresh that falls due before the burst's first command goes
         * first (a miss's ACT may still precede it: REF then waits). */
        if (best_first >= ch->ref_due) {
            refresh_before(d, ch, best_first);
            continue;
        }
        commit(d, ch, best, best_hit, best_t, best_act);
        return best_t;
    }
}

/* ---- scheduling entry points ----------------------------------------- */

static int finished(const request *q) { return q->enq_done && q->outstanding == 0; }

/* Runs the front end over the submitted requests, serving bursts as queues
 * fill, until request last has completed (last < 0: until everything has).
 * Once every burst is queued the channels are independent, so they are
 * served one after another. */
static void schedule(dram_dev *d, long last)
{
    const request *q = last >= 0 ? req_of(d, last) : NULL;
    while (d->gen < d->next_id && !(q && finished(q)))
        enqueue_next(d);
    for (int c = 0; c < d->sp.channels && !(q && finished(q)); c++) {
        chan *ch = &d->ch[c];
        while (ch->nq > 0 && !(q && finished(q)))
            serve_one(d, ch);
    }
}

int dram_wait(dram_dev *d, long id, dram_done *out)
{
    if (id < d->oldest || id >= d->next_id)
        return -1;
    request *q = req_of(d, id);
    if (q->state != REQ_LIVE || q->id != id)
        return -1;
    if (!finished(q))
        schedule(d, id);
    out->accepted = to_host(d, q->accepted);
    out->complete = to_host(d, q->complete);
    out->bursts = q->bursts;
    q->state = REQ_FREE;
    while (d->oldest < d->next_id && req_of(d, d->oldest)->state == REQ_FREE)
        d->oldest++;
    return 0;
}

void dram_drain(dram_dev *d)
{
    schedule(d, -1);
}

/* ---- statistics and energy ------------------------------------------- */

void dram_get_stats(const dram_dev *d, dram_stats *st)
{
    const dram_spec *p = &d->sp;
    memset(st, 0, sizeof *st);
    for (int c = 0; c < p->channels; c++) {
        const chan *ch = &d->ch[c];
        st->read_bursts += ch->rd;
        st->write_bursts += ch->wr;
        st->row_hits += ch->hits;
        st->row_misses += ch->misses;
        st->row_conflicts += ch->conflicts;
        st->refreshes += ch->refreshes;
    }
    st->requests = d->requests;
    st->read_bytes = st->read_bursts * (uint64_t)p->burst_bytes;
    st->write_bytes = st->write_bursts * (uint64_t)p->burst_bytes;
    st->refresh_cycles = st->refreshes * (uint64_t)p->tRFC;
    st->data_cycles = (st->read_bursts + st->write_bursts) * (uint64_t)p->tBL;
    if (d->busy_any) {
        st->busy_cycles = (uint64_t)(d->busy_total + d->busy_end - d->busy_start);
        st->first_arrival = (uint64_t)max64(d->first_arrival, 0);
        st->last_complete = (uint64_t)max64(d->last_complete, 0);
    }
}

double dram_efficiency(const dram_spec *s, const dram_stats *st)
{
    if (st->busy_cycles == 0)
        return 0.0;
    double peak_bytes_per_cycle = (double)s->channels * s->burst_bytes / s->tBL;
    return (double)(st->read_bytes + st->write_bytes) /
           (peak_bytes_per_cycle * (double)st->busy_cycles);
}

void dram_energy_of(const dram_spec *s, const dram_stats *st, dram_energy *e)
{
    e->read_pj = (double)st->read_bytes * 8.0 * s->rd_pj_per_bit;
    e->write_pj = (double)st->write_bytes * 8.0 * s->wr_pj_per_bit;
    e->act_pj = (double)(st->row_misses + st->row_conflicts) * s->act_pj;
    e->ref_pj = (double)st->refreshes * s->ref_pj;
    e->total_pj = e->read_pj + e->write_pj + e->act_pj + e->ref_pj;
}
