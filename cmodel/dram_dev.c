/* dram_dev.c - the DRAM device: requests, the front end that splits them
 * into bursts and feeds the channels' controllers (dram_ctrl.c), clock
 * conversion, statistics and energy.  Rules: dram_dev.h. */
#include "dram_dev.h"
#include "dram_ctrl.h"
#include "dram_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REQ_FREE = 0, REQ_LIVE };

typedef struct {
    uint64_t w[DRAM_MAX_CHANNELS / 64];
} chan_set;

/* Sets of channels, one bit each. */
static inline void set_add(chan_set *s, int c) { s->w[c >> 6] |= 1ull << (c & 63); }
static inline void set_del(chan_set *s, int c) { s->w[c >> 6] &= ~(1ull << (c & 63)); }

/* The lowest channel in s after c (c = -1: the lowest), or -1. */
static inline int set_next(const chan_set *s, int nw, int c)
{
    int i = (c + 1) >> 6;
    if (i >= nw)
        return -1;
    uint64_t w = s->w[i] & (~0ull << ((c + 1) & 63));
    while (!w) {
        if (++i == nw)
            return -1;
        w = s->w[i];
    }
    return i * 64 + __builtin_ctzll(w);
}

/* Bits 0 .. n - 1 of a word (n <= 64). */
static inline uint64_t low_bits(int n) { return n >= 64 ? ~0ull : (1ull << n) - 1; }

/* Channels lo .. hi - 1 (nw words). */
static void set_range(chan_set *s, int nw, int lo, int hi)
{
    if (nw == 1) { /* up to 64 channels: every device preset; once a request */
        s->w[0] = lo < hi ? low_bits(hi) & ~low_bits(lo) : 0;
        return;
    }
    for (int i = 0; i < nw; i++) {
        const int a = lo > 64 * i ? lo - 64 * i : 0, b = hi < 64 * (i + 1) ? hi - 64 * i : 64;
        s->w[i] = a < b ? (b == 64 ? ~0ull : (1ull << b) - 1) & ~((1ull << a) - 1) : 0;
    }
}


typedef struct {
    long id;
    int state;
    dram_req r;
    int64_t arrival;      /* device cycle */
    int enq_done;         /* every burst has entered a queue */
    uint64_t outstanding; /* queued, not yet served */
    uint64_t bursts;
    int64_t accepted, complete;
    /* front-end progress */
    uint32_t row;
    uint64_t left_in_row;
    uint32_t row_hi;      /* the highest DRAM row it touches (direct service) */
    int have_row_hi;      /* row_hi is set (worked out when first needed) */
    uint32_t memo_row;    /* the row whose first burst has digits memo_dg */
    uint32_t memo_dg[DRAM_F_COUNT];
    uint64_t memo_n, memo_lo, memo_full, memo_rem; /* its bursts, b0's channel, n / C, n % C */
    uint32_t digit[DRAM_F_COUNT];
    int started;          /* row and digit are set */
} request;

struct dram_dev {
    dram_spec sp;
    dram_map map;
    dram_geom g;
    int dch, dbg, dba, dro; /* digit index of each field */
    uint64_t bursts_total;  /* bursts in the device (addresses beyond wrap) */
    uint64_t below_row;     /* bursts per row step: the radices below the row's digit */
    int direct;             /* rows of a bank come in address order (ro on top) */
    int skip_p;             /* bank groups rotate burst by burst: their count, else 0 */
    int rowset;             /* lowest digit of bank and row: where a row set ends */
    /* The count of a channel's bursts below the row set (dram_map_steps_below
     * for it, precomputed): rs_total - sum of digit rs_digit[i] x rs_span[i]. */
    int rs_n, rs_digit[DRAM_F_COUNT];
    uint64_t rs_span[DRAM_F_COUNT], rs_total;
    /* Lockstep: a follower behaves as its leader (its own state is stale);
     * a request that gives every channel the same bursts is scheduled once
     * per leader, and its counts are added for the followers. */
    int lockstep;           /* 0: every channel is scheduled on its own */
    uint16_t *lead;         /* per channel: the channel it follows (itself: none) */
    chan_set *members;      /* per leader: its class (itself and its followers) */
    uint16_t *nmem;         /* per leader: the channels in its class */
    chan_set leaders;
    int nw;                 /* words of a chan_set in use */
    chan_set kind[4];       /* the request's channels by the bursts they get (keys_of) */
    chan_set kmore, ksecond; /* kind bits: one burst more; the first in the second stripe */
    int kr;                 /* its first burst's channel */
    uint64_t krem, kfull;   /* its bursts: kfull per channel, one more in krem channels */
    /* The kinds (kr, krem) every class is within: no class has members of
     * two of them (split), -1 if not known. */
    int split_kr;
    uint64_t split_krem;
    uint64_t *retry;        /* per leader: no merge attempt before this request */
    /* No merge pass does anything before request merge_next while the
     * kinds are those of the last pass (merge_kr, merge_krem). */
    uint64_t merge_next, merge_krem;
    int merge_kr;
    uint8_t *backoff;       /* per leader: log2 of the requests its last attempt waited */
    int nsame;              /* followers in all */
    dram_counts x;          /* what followers did */
    dram_chan *ch;
    uint64_t num, den;      /* device cycle = ceil(host cycle * num / den) */
    request *rq;            /* a ring indexed by id & (cap - 1) */
    long cap, next_id, oldest, gen; /* gen: the request the front end is on */
    uint64_t requests;
    uint64_t queued_bursts; /* in all channels' queues */
    int busy_any;
    int64_t busy_start, busy_end, busy_total, first_arrival, last_complete;
};

static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
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
    dram_geom_init(&d->g, &d->sp);
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
    d->bursts_total = d->below_row = 1;
    for (int i = 0; i < DRAM_F_COUNT; i++) {
        d->bursts_total *= d->map.radix[i];
        if (i < d->dro)
            d->below_row *= d->map.radix[i];
    }
    /* Periods in femtoseconds, as a reduced fraction: exact for the clocks
     * in use (0.625 ns, 1 GHz, ...). */
    uint64_t dev_fs = (uint64_t)(s->tck_ns * 1e6 + 0.5);
    uint64_t host_fs = host_ghz > 0 ? (uint64_t)(1e6 / host_ghz + 0.5) : dev_fs;
    uint64_t gcd = gcd64(dev_fs, host_fs);
    d->num = host_fs / gcd;
    d->den = dev_fs / gcd;
    /* Direct service needs a bank's rows in address order: the row the
     * most significant digit.  Skips need bank groups to rotate: bg the
     * lowest digit besides the channel's. */
    d->direct = d->dro == DRAM_F_COUNT - 1;
    int low = d->dch == 0 ? 1 : 0;
    d->skip_p = d->dbg == low ? s->bankgroups : 0;
    d->rowset = d->dba < d->dro ? d->dba : d->dro;
    d->rs_n = 0;
    d->rs_total = 1;
    for (int i = 0; i < d->rowset; i++) {
        if (i == d->dch)
            continue;
        d->rs_digit[d->rs_n] = i;
        d->rs_span[d->rs_n++] = d->rs_total;
        d->rs_total *= d->map.radix[i];
    }
    d->lead = calloc((size_t)s->channels, sizeof *d->lead);
    d->members = calloc((size_t)s->channels, sizeof *d->members);
    d->nmem = calloc((size_t)s->channels, sizeof *d->nmem);
    d->nw = (s->channels + 63) / 64;
    d->retry = calloc((size_t)s->channels, sizeof *d->retry);
    d->backoff = calloc((size_t)s->channels, sizeof *d->backoff);
    d->ch = calloc((size_t)s->channels, sizeof *d->ch);
    d->cap = 16;
    d->rq = calloc((size_t)d->cap, sizeof *d->rq);
    int ok = d->ch && d->rq && d->lead && d->members && d->nmem && d->retry && d->backoff;
    for (int c = 0; ok && c < s->channels; c++)
        ok = dram_chan_init(&d->ch[c], &d->g, c) == 0;
    for (int c = 0; ok && c < s->channels; c++) {
        d->lead[c] = (uint16_t)c;
        set_add(&d->members[c], c);
        d->nmem[c] = 1;
        set_add(&d->leaders, c);
    }
    d->lockstep = s->channels > 1;
    d->split_kr = -1;
    d->merge_kr = -1;
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
        for (int c = 0; c < d->sp.channels; c++)
            dram_chan_free(&d->ch[c]);
    free(d->ch);
    free(d->lead);
    free(d->members);
    free(d->nmem);
    free(d->retry);
    free(d->backoff);
    free(d->rq);
    free(d);
}

const dram_spec *dram_dev_spec(const dram_dev *d) { return &d->sp; }

void dram_dev_no_shortcuts(dram_dev *d)
{
    d->direct = 0;
    d->lockstep = 0;
}

int dram_dev_followers(const dram_dev *d) { return d->nsame; }

void dram_dev_refresh_first(dram_dev *d, uint64_t first)
{
    for (int c = 0; c < d->sp.channels; c++)
        d->ch[c].ref_due = (int64_t)first;
}

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

/* The burst holding byte a, and where a burst lies among the channels
 * (channels interleaving burst by burst): shifts for powers of two, as the
 * map decodes (these run for every row of every request). */
static inline uint64_t burst_of(const dram_dev *d, uint64_t a)
{
    return d->map.burst_shift >= 0 ? a >> d->map.burst_shift : a / d->map.burst_bytes;
}

static inline void chan_split(const dram_dev *d, uint64_t x, uint64_t *quot, uint64_t *rem)
{
    const int sh = d->map.shift[d->dch];
    const uint64_t C = (uint64_t)d->sp.channels;
    *quot = sh >= 0 ? x >> sh : x / C;
    *rem = sh >= 0 ? x & (C - 1) : x % C;
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
    /* the fields a request starts from (the others are set before use) */
    q->id = id;
    q->state = REQ_LIVE;
    q->r = *r;
    q->enq_done = 0;
    q->outstanding = 0;
    q->bursts = 0;
    q->row = 0;
    q->started = 0;
    q->have_row_hi = 0;
    q->memo_row = UINT32_MAX;
    /* Contiguous rows are one sequence of bursts (no burst moved twice). */
    if (q->r.rows > 1 && q->r.stride == q->r.row_bytes) {
        q->r.row_bytes *= q->r.rows;
        q->r.rows = 1;
    }
    q->arrival = to_dev(d, r->arrival);
    q->accepted = q->complete = q->arrival;
    d->requests++;
    return id;
}

/* Busy time: the union of request lifetimes [arrival, complete], merged in
 * the order requests complete. */
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

static int finished(const request *q) { return q->enq_done && q->outstanding == 0; }

static inline void serve(dram_dev *d, dram_chan *c)
{
    dram_served sv;
    dram_chan_serve(c, &d->g, &sv);
    request *q = req_of(d, sv.req);
    if (sv.done > q->complete)
        q->complete = sv.done;
    q->outstanding--;
    d->queued_bursts--;
    if (finished(q))
        busy_add(d, q->arrival, q->complete);
}

/* ---- lockstep channels ------------------------------------------------ */

/* Makes channel f lead the channels `part` (taken from leader L's class,
 * f among them) with L's state. */
static void lead_part(dram_dev *d, int L, int f, const chan_set *part)
{
    const int nw = d->nw;
    dram_chan_copy_state(&d->ch[f], &d->ch[L], &d->g);
    for (int i = 0; i < nw; i++)
        d->members[L].w[i] &= ~part->w[i];
    d->members[f] = *part;
    int n = 0;
    for (int k = set_next(part, nw, -1); k >= 0; k = set_next(part, nw, k), n++)
        d->lead[k] = (uint16_t)f;
    d->nmem[L] = (uint16_t)(d->nmem[L] - n);
    d->nmem[f] = (uint16_t)n;
    set_add(&d->leaders, f);
    d->retry[f] = 0;
    d->merge_next = 0;
    d->backoff[f] = 0;
    d->nsame--;
}

/* Gives channel c its own state before it is scheduled on its own: a
 * follower copies its leader's; a leader hands its followers to the first
 * of them. */
static void own(dram_dev *d, int c)
{
    if (d->nsame == 0)
        return;
    const int L = d->lead[c];
    chan_set part;
    if (L != c) {
        memset(&part, 0, sizeof part);
        set_add(&part, c);
        lead_part(d, L, c, &part);
        return;
    }
    part = d->members[c];
    set_del(&part, c);
    const int f = set_next(&part, d->nw, -1);
    if (f >= 0)
        lead_part(d, c, f, &part);
}

/* Makes leader c (with its followers) follow leader L. */
static void follow(dram_dev *d, int c, int L)
{
    const chan_set *m = &d->members[c];
    for (int k = set_next(m, d->nw, -1); k >= 0; k = set_next(m, d->nw, k))
        d->lead[k] = (uint16_t)L;
    for (int i = 0; i < d->nw; i++)
        d->members[L].w[i] |= m->w[i];
    d->nmem[L] = (uint16_t)(d->nmem[L] + d->nmem[c]);
    set_del(&d->leaders, c);
    d->nsame += 1;
}

/* Which bursts of the request channel c receives (keys_of): kind 0..3,
 * 2 if one more than kfull, 1 if its first is in the second stripe. */
static inline int kind_of(const dram_dev *d, int c)
{
    return (int)(2 * (d->kmore.w[c >> 6] >> (c & 63) & 1) + (d->ksecond.w[c >> 6] >> (c & 63) & 1));
}

/* Makes each leader follow the first earlier leader with the same bursts
 * (kind) in the same state from cycle t, in channel order: a leader is
 * compared only with the leaders of its own kind.  A leader whose
 * comparisons all failed tries again only after 2, 4, ... 16 requests (a
 * merge is never required: skipping one costs time, not exactness). */
#ifndef BACKOFF_MAX
#define BACKOFF_MAX 4
#endif
static void merge_all(dram_dev *d, int64_t t)
{
    /* With the kinds as in the last pass and no new leader (merge_next 0
     * then), the leaders first of their kinds still are: only the others
     * may try, none before merge_next. */
    if (d->requests < d->merge_next && d->merge_kr == d->kr && d->merge_krem == d->krem)
        return;
    d->merge_kr = d->kr;
    d->merge_krem = d->krem;
    uint64_t soonest = UINT64_MAX;
    int first[4] = { -1, -1, -1, -1 }, last[4] = { -1, -1, -1, -1 };
    int next[DRAM_MAX_CHANNELS];
    const chan_set lead = d->leaders;
    for (int wi = 0; wi < d->nw; wi++)
    for (uint64_t w = lead.w[wi]; w; w &= w - 1) {
        const int c = wi * 64 + __builtin_ctzll(w);
        const int b = kind_of(d, c);
        int L = -1;
        if (first[b] >= 0 && d->requests >= d->retry[c]) {
            L = first[b];
            while (L >= 0 && !dram_chan_same_from(&d->ch[c], &d->ch[L], &d->g, t))
                L = next[L];
            if (L < 0) { /* try again later, the later the more often it failed */
                if (d->backoff[c] < BACKOFF_MAX)
                    d->backoff[c]++;
                d->retry[c] = d->requests + (1u << d->backoff[c]);
            }
        }
        if (L >= 0) {
            follow(d, c, L);
        } else {
            if (first[b] < 0) {
                first[b] = c;
            } else {
                next[last[b]] = c;
                if (d->retry[c] < soonest)
                    soonest = d->retry[c];
            }
            next[c] = -1;
            last[b] = c;
        }
    }
    d->merge_next = soonest;
}

/* Channels that receive the same bursts of request q, but for the channel
 * digit, are of the same kind: where channels interleave burst by burst,
 * a channel's bursts in a row are its count and whether its first lies in
 * the row's second stripe; with a stride of whole stripes every row splits
 * alike.  Channel c's first burst is b0 + i, i = (c - b0) mod C, and it has
 * ceil((n - i) / C) bursts, which is n / C, plus one if i < n mod C (0 if
 * i >= n); it lies in the second stripe if c < b0 mod C.  So the kinds are
 * four ranges of channels.  0 if q's rows split differently.  (Its first
 * row's split is iter_row's memo: set here, where the divisions are.) */
static int keys_of(dram_dev *d, request *q)
{
    const uint64_t B = (uint64_t)d->sp.burst_bytes, C = (uint64_t)d->sp.channels;
    if (!d->lockstep || d->dch != 0 || (q->r.rows > 1 && q->r.stride % (B * C) != 0))
        return 0;
    const uint64_t b0 = burst_of(d, q->r.addr);
    const uint64_t n = burst_of(d, q->r.addr + q->r.row_bytes - 1) + 1 - b0;
    uint64_t r, full, rem, above;
    chan_split(d, b0, &above, &r);
    chan_split(d, n, &full, &rem);
    /* the first row's split, as iter_row_slow would work it out */
    q->memo_n = n;
    q->memo_lo = r;
    q->memo_full = full;
    q->memo_rem = rem;
    q->memo_dg[0] = (uint32_t)r;
    dram_map_digits_from(&d->map, above, 1, q->memo_dg);
    q->memo_row = 0;
    d->kr = (int)r;
    d->krem = rem;
    d->kfull = full;
    const int nw = d->nw;
    if (nw == 1) { /* up to 64 channels (every preset): the sets as words */
        const uint64_t all = low_bits((int)C), second = low_bits((int)r);
        uint64_t more = low_bits((int)(r + rem < C ? r + rem : C)) & ~second;
        if (r + rem > C)
            more |= low_bits((int)(r + rem - C));
        d->kind[3].w[0] = more & second;
        d->kind[2].w[0] = more & ~second;
        d->kind[1].w[0] = ~more & second;
        d->kind[0].w[0] = all & ~more & ~second;
        d->kmore.w[0] = more;
        d->ksecond.w[0] = second;
        return 1;
    }
    chan_set more, second, all;
    set_range(&all, nw, 0, (int)C);
    set_range(&second, nw, 0, (int)r);
    set_range(&more, nw, (int)r, (int)(r + rem < C ? r + rem : C));
    if (r + rem > C) {
        chan_set wrap;
        set_range(&wrap, nw, 0, (int)(r + rem - C));
        for (int i = 0; i < nw; i++)
            more.w[i] |= wrap.w[i];
    }
    for (int i = 0; i < nw; i++) {
        d->kind[3].w[i] = more.w[i] & second.w[i];
        d->kind[2].w[i] = more.w[i] & ~second.w[i];
        d->kind[1].w[i] = ~more.w[i] & second.w[i];
        d->kind[0].w[i] = all.w[i] & ~more.w[i] & ~second.w[i];
    }
    d->kmore = more;
    d->ksecond = second;
    return 1;
}

/* Splits each class by kind: the first channel of each other kind in
 * leader L's class takes L's state and leads the others of its kind. */
static void split(dram_dev *d)
{
    /* Classes stay within the kinds they were split by: merges join
     * leaders of one kind, own() takes channels out. */
    if (d->split_kr == d->kr && d->split_krem == d->krem)
        return;
    d->split_kr = d->kr;
    d->split_krem = d->krem;
    const int nw = d->nw;
    const chan_set lead = d->leaders;
    for (int L = set_next(&lead, nw, -1); L >= 0; L = set_next(&lead, nw, L)) {
        const int own_kind = kind_of(d, L);
        uint64_t other = 0; /* members of other kinds */
        for (int i = 0; i < nw; i++)
            other |= d->members[L].w[i] & ~d->kind[own_kind].w[i];
        if (!other)
            continue;
        for (int k = 0; k < 4; k++) {
            if (k == own_kind)
                continue;
            chan_set part;
            int any = 0;
            for (int i = 0; i < nw; i++)
                any |= (part.w[i] = d->members[L].w[i] & d->kind[k].w[i]) != 0;
            if (any)
                lead_part(d, L, set_next(&part, nw, -1), &part);
        }
    }
}

/* Puts the front end's next burst into its channel's queue, first serving
 * a burst of that channel if the queue is full.  In order per channel;
 * channels do not wait for each other. */
static inline void enqueue_next(dram_dev *d)
{
    request *q = req_of(d, d->gen);
    if (!q->started) { /* decoded when needed: direct service does not */
        start_row(d, q);
        q->started = 1;
    }
    const uint32_t *dg = q->digit;
    own(d, (int)dg[d->dch]);
    dram_chan *c = &d->ch[dg[d->dch]];
    if (c->nq == d->g.Q)
        serve(d, c);
    int64_t at = dram_chan_push(c, &d->g, q->arrival, q->id, dg[d->dro], (int)dg[d->dbg],
                                (int)dg[d->dba], q->r.write);
    q->outstanding++;
    q->bursts++;
    d->queued_bursts++;
    if (at > q->accepted)
        q->accepted = at;
    if (--q->left_in_row > 0) {
        dram_map_next(&d->map, q->digit);
    } else if (++q->row < q->r.rows) {
        start_row(d, q);
    } else {
        q->enq_done = 1;
        d->gen++;
    }
}

/* ---- direct service: a request alone in empty queues ----------------- */

static dram_loc loc_of(const dram_dev *d, const uint32_t *dg)
{
    dram_loc l;
    l.row = dg[d->dro];
    l.bg = (uint8_t)dg[d->dbg];
    l.bank = (uint8_t)(dg[d->dbg] * (uint32_t)d->g.bpg + dg[d->dba]);
    return l;
}

static void took(request *q, const dram_served *sv, uint64_t bursts)
{
    if (sv->done > q->complete)
        q->complete = sv->done;
    if (sv->at > q->accepted)
        q->accepted = sv->at;
    q->bursts += bursts;
}

/* Queues one burst the ordinary way (serving one first if full). */
static void push_queued(dram_dev *d, request *q, dram_chan *c, dram_loc l)
{
    if (c->nq == d->g.Q)
        serve(d, c);
    int64_t at = dram_chan_push(c, &d->g, q->arrival, q->id, l.row, l.bg, l.bank - l.bg * d->g.bpg,
                                q->r.write);
    q->outstanding++;
    q->bursts++;
    d->queued_bursts++;
    if (at > q->accepted)
        q->accepted = at;
}

static uint32_t row_hi_of(const dram_dev *d, const request *q);

/* q's row_hi, worked out the first time it is needed. */
static inline uint32_t req_row_hi(const dram_dev *d, request *q)
{
    if (!q->have_row_hi) {
        q->row_hi = row_hi_of(d, q);
        q->have_row_hi = 1;
    }
    return q->row_hi;
}

/* The bursts of request q in one channel, in address order, row by row. */
typedef struct {
    uint32_t row;              /* q's row of the current burst */
    uint64_t left;             /* bursts of the channel in that row from it on */
    uint32_t dg[DRAM_F_COUNT]; /* its digits */
} chan_iter;

/* Channel ch's first burst in q's row r, channels interleaving burst by
 * burst (the row's split memoised, as below); 0 if it has none there. */
static inline int iter_memo(const dram_dev *d, const request *q, int ch, uint32_t r, chan_iter *it)
{
    const uint64_t C = (uint64_t)d->sp.channels, lo = q->memo_lo;
    const uint64_t i = (uint64_t)ch >= lo ? (uint64_t)ch - lo : (uint64_t)ch + C - lo;
    if (i >= q->memo_n)
        return 0;
    /* b0 + i: the channel digit (lo, the lowest) becomes ch, with a carry
     * into the others if lo + i passed C */
    memcpy(it->dg, q->memo_dg, sizeof it->dg);
    it->dg[0] = (uint32_t)ch;
    if (lo + i >= C)
        dram_map_next_in(&d->map, it->dg, 0);
    it->row = r;
    it->left = q->memo_full + (i < q->memo_rem);
    return 1;
}

/* iter_row's general case: a row not memoised yet, or a mapping whose
 * channel digit is not the lowest. */
static int iter_row_slow(const dram_dev *d, request *q, int ch, uint32_t r, chan_iter *it)
{
    for (; r < q->r.rows; r++) {
        uint64_t a = q->r.addr + (uint64_t)r * q->r.stride;
        if (d->dch == 0) {
            /* channels interleave burst by burst: ch's first is b0 + i,
             * and it has n / C, plus one if i < n mod C (as in keys_of);
             * the row's split and digits are worked out once for all
             * channels (the divisions by C are most of the cost) */
            if (q->memo_row != r) {
                const uint64_t b0 = burst_of(d, a);
                uint64_t unused;
                q->memo_n = burst_of(d, a + q->r.row_bytes - 1) + 1 - b0;
                chan_split(d, b0, &unused, &q->memo_lo); /* b0's channel */
                chan_split(d, q->memo_n, &q->memo_full, &q->memo_rem);
                dram_map_digits(&d->map, a, q->memo_dg);
                q->memo_row = r;
            }
            if (iter_memo(d, q, ch, r, it))
                return 1;
        } else {
            const uint64_t b0 = burst_of(d, a), n = burst_of(d, a + q->r.row_bytes - 1) + 1 - b0;
            const uint64_t k = dram_map_count_in(&d->map, b0, b0 + n, d->dch, (uint32_t)ch, it->dg);
            if (k == 0)
                continue;
            it->row = r;
            it->left = k;
            return 1;
        }
    }
    return 0;
}

/* Positions it on channel ch's first burst in rows r, r + 1, ... of q;
 * 0 if there is none.  Inline the cases of every leader of a request but
 * its first: past the last row, or the row already split. */
static inline int iter_row(const dram_dev *d, request *q, int ch, uint32_t r, chan_iter *it)
{
    if (r >= q->r.rows)
        return 0;
    if (d->dch == 0 && q->memo_row == r && iter_memo(d, q, ch, r, it))
        return 1;
    return iter_row_slow(d, q, ch, r, it);
}

/* Moves it to the next burst; 0 if there is none. */
static int iter_next(const dram_dev *d, request *q, int ch, chan_iter *it)
{
    if (--it->left > 0) {
        dram_map_next_in(&d->map, it->dg, d->dch);
        return 1;
    }
    return iter_row(d, q, ch, it->row + 1, it);
}

/* The bursts of a channel after the current one, decoded once each and
 * kept from burst to burst. */
typedef struct {
    dram_loc loc[2 * DRAM_MAX_QUEUE];
    int at, n;      /* loc[at .. at + n) follow the current burst */
    chan_iter next; /* the burst after those */
    int more;       /* next is a burst */
} lookahead;

/* Makes w hold up to `want` bursts after the current one (cur); *complete:
 * they are all that follow. */
static const dram_loc *ahead(const dram_dev *d, request *q, int ch, lookahead *w,
                             const chan_iter *cur, int want, int *complete)
{
    if (w->n == 0) {
        w->at = 0;
        w->next = *cur;
        w->more = iter_next(d, q, ch, &w->next);
    }
    if (w->at + want > 2 * DRAM_MAX_QUEUE) {
        memmove(w->loc, w->loc + w->at, (size_t)w->n * sizeof *w->loc);
        w->at = 0;
    }
    for (; w->n < want && w->more; w->n++, w->more = iter_next(d, q, ch, &w->next))
        w->loc[w->at + w->n] = loc_of(d, w->next.dg);
    *complete = !w->more;
    return w->loc + w->at;
}

/* The bursts of the row-hit run a closed form may take from `it` on:
 * up to the end of its row set or of the channel's bursts in its row (the
 * other digits of it but the channel's decide it). */
static inline uint64_t run_len(const dram_dev *d, const chan_iter *it)
{
    uint64_t m = d->rs_total; /* steps before a digit of the row set changes */
    for (int i = 0; i < d->rs_n; i++)
        m -= it->dg[d->rs_digit[i]] * d->rs_span[i];
    return m < it->left ? m : it->left;
}

/* Tries the closed form on the first m bursts at `it` (run_len); the
 * bursts done. */
static inline uint64_t try_skip_m(dram_dev *d, request *q, dram_chan *c, const chan_iter *it,
                                  uint64_t m, dram_served *sv)
{
    const int P = d->skip_p;
    /* A run is at least one period, or all of it: fewer bursts than groups
     * (many channels share a DMA piece) are one partial period.  One burst
     * alone is served as cheaply directly. */
    if (m < 2)
        return 0;
    const int p = m < (uint64_t)P ? (int)m : P;
    /* Within the row set the bank's digit and the row stay: the period's
     * bursts differ only in their group, the lowest digit, which rotates. */
    const uint32_t row = it->dg[d->dro];
    const int ba = (int)it->dg[d->dba], bg = (int)it->dg[d->dbg];
    const uint64_t k = dram_chan_skip_on(c, &d->g, dram_run_key(row, ba, bg, q->r.write), m,
                                         q->r.write, q->id, q->arrival, sv);
    if (k)
        return k;
    return dram_chan_skip(c, &d->g, row, ba, bg, p, m, q->r.write, q->id, q->arrival, sv);
}

/* Tries the closed form on the row-hit run at `it`; the bursts done. */
static uint64_t try_skip(dram_dev *d, request *q, dram_chan *c, chan_iter *it, dram_served *sv)
{
    return try_skip_m(d, q, c, it, run_len(d, it), sv);
}

/* Every burst of request q in channel ch from `it` on (a burst), served
 * directly while FR-FCFS would serve it before what follows it, in closed
 * form along row-hit runs, else through the channel's queue; wait: bursts
 * before the first closed-form attempt. */
static void feed_from(dram_dev *d, request *q, int ch, chan_iter *itp, uint64_t wait)
{
    dram_chan *c = &d->ch[ch];
    const int P = d->skip_p, W = d->g.Q - 1;
    chan_iter it = *itp;
    lookahead win;
    win.n = 0;
    int win_ok = 0;    /* win holds what follows (topped up by ahead) */
    int queued = 0;    /* this burst and the rest go through the queue */
    dram_served sv;
    for (int more = 1; more;) {
        if (queued) {
            push_queued(d, q, c, loc_of(d, it.dg));
        } else if (P && wait == 0 && it.left >= 2) {
            uint64_t k = try_skip(d, q, c, &it, &sv);
            if (k == 0) {
                wait = (uint64_t)P;
                continue;
            }
            took(q, &sv, k);
            win.n = 0;
            win_ok = 0;
            if ((it.left -= k) > 0)
                dram_map_add_in(&d->map, it.dg, d->dch, k);
            else
                more = iter_row(d, q, ch, it.row + 1, &it);
            continue;
        } else {
            dram_loc here = loc_of(d, it.dg);
            /* Once what follows was needed (a burst FR-FCFS might not
             * serve first), it is kept up to date and given at once: a
             * row miss, mostly, is followed by others. */
            int r = -1;
            if (it.left == 1 && it.row + 1 >= q->r.rows) /* nothing follows: all of it known */
                r = dram_chan_direct(c, &d->g, here, q->r.write, q->id, q->arrival, win.loc, 0, 1,
                                     req_row_hi(d, q), &sv);
            else if (!win_ok)
                r = dram_chan_direct(c, &d->g, here, q->r.write, q->id, q->arrival, NULL, 0, 0,
                                     req_row_hi(d, q), &sv);
            if (r < 0) {
                int complete;
                const dram_loc *window = ahead(d, q, ch, &win, &it, W, &complete);
                win_ok = 1;
                r = dram_chan_direct(c, &d->g, here, q->r.write, q->id, q->arrival, window,
                                     win.n, complete, req_row_hi(d, q), &sv);
            }
            if (r > 0) {
                took(q, &sv, 1);
            } else {
                queued = 1;
                push_queued(d, q, c, here);
            }
            if (wait)
                wait--;
        }
        more = iter_next(d, q, ch, &it);
        if (win.n) { /* the first burst ahead is the current one now */
            win.at++;
            win.n--;
        }
    }
}

/* Where the bursts of a kind (keys_of) start in their first row: the same
 * for each channel of the kind but for the channel's digit (iter_memo). */
typedef struct {
    int have;     /* 0: not worked out yet; 1: it, m, key, whole; 2: no bursts */
    int whole;    /* all of a channel's bursts are one run (one row, m of them) */
    chan_iter it;
    uint64_t m;   /* run_len */
    uint64_t key; /* dram_run_key of its first burst */
} kind_start;

/* Works out the start of leader c's kind. */
static void kind_start_of(dram_dev *d, request *q, int c, kind_start *ks)
{
    if (!iter_row(d, q, c, 0, &ks->it)) {
        ks->have = 2;
        return;
    }
    ks->have = 1;
    ks->m = run_len(d, &ks->it);
    ks->key = dram_run_key(ks->it.dg[d->dro], (int)ks->it.dg[d->dba], (int)ks->it.dg[d->dbg],
                           q->r.write);
    ks->whole = d->skip_p && ks->m >= 2 && ks->m == ks->it.left && q->r.rows == 1;
}

/* Every burst of request q in leader c of a kind, the kind's start worked
 * out once for its leaders: its first closed-form attempt (mostly all of
 * its bursts: a run that goes on from the channel's last), then the rest. */
static void feed_leader(dram_dev *d, request *q, int c, kind_start *ks)
{
    if (!ks->have)
        kind_start_of(d, q, c, ks);
    if (ks->have == 2)
        return;
    chan_iter it;
    uint64_t k = 0;
    if (d->skip_p && ks->it.left >= 2) {
        dram_served sv;
        if (ks->m >= 2) {
            k = dram_chan_skip_on(&d->ch[c], &d->g, ks->key, ks->m, q->r.write, q->id, q->arrival,
                                  &sv);
            if (k == 0) {
                it = ks->it;
                it.dg[d->dch] = (uint32_t)c;
                k = try_skip_m(d, q, &d->ch[c], &it, ks->m, &sv);
            }
        }
        if (k == 0) {
            it = ks->it;
            it.dg[d->dch] = (uint32_t)c;
            feed_from(d, q, c, &it, (uint64_t)d->skip_p);
            return;
        }
        took(q, &sv, k);
        if (k == ks->it.left && q->r.rows == 1) /* all of it */
            return;
    }
    it = ks->it;
    it.dg[d->dch] = (uint32_t)c;
    if (k == 0) {
        feed_from(d, q, c, &it, 0);
    } else if ((it.left -= k) > 0) {
        dram_map_add_in(&d->map, it.dg, d->dch, k);
        feed_from(d, q, c, &it, 0);
    } else if (iter_row(d, q, c, it.row + 1, &it)) {
        feed_from(d, q, c, &it, 0);
    }
}

/* Feeds a request with keys (keys_of): once on each leader for it and its
 * followers, after splitting classes by key and merging leaders with the
 * same key in the same state from the request's arrival on.  A leader's
 * queued bursts are served now: the request is alone, so nothing else
 * would join them before the wait that serves them. */
static void feed_lockstep(dram_dev *d, request *q)
{
    split(d);
    merge_all(d, q->arrival);
    kind_start ks[4];
    ks[0].have = ks[1].have = ks[2].have = ks[3].have = 0;
    const chan_set lead = d->leaders;
    for (int wi = 0; wi < d->nw; wi++)
    for (uint64_t w = lead.w[wi]; w; w &= w - 1) {
        const int c = wi * 64 + __builtin_ctzll(w);
        const int kind = kind_of(d, c);
        if (d->kfull == 0 && !(kind & 2)) /* a class without bursts */
            continue;
        dram_chan *l = &d->ch[c];
        const uint64_t k = (uint64_t)d->nmem[c] - 1; /* followers */
        kind_start *s = &ks[kind];
        if (!s->have)
            kind_start_of(d, q, c, s);
        if (s->whole) { /* mostly: the run goes on from the channel's last */
            dram_served sv;
            const uint64_t n = dram_chan_skip_on(l, &d->g, s->key, s->m, q->r.write, q->id,
                                                 q->arrival, &sv);
            if (n) {
                took(q, &sv, n);
                if (k) { /* what the followers did: n row hits in that direction */
                    d->x.hits += n * k;
                    if (q->r.write)
                        d->x.wr += n * k;
                    else
                        d->x.rd += n * k;
                    q->bursts += n * k;
                }
                continue;
            }
        }
        dram_counts before;
        const uint64_t bursts = q->bursts;
        if (k)
            before = l->n;
        feed_leader(d, q, c, &ks[kind]);
        while (l->nq)
            serve(d, l);
        if (k) {
            dram_counts_add(&d->x, &l->n, &before, k);
            q->bursts += (q->bursts - bursts) * k;
        }
    }
}

/* Feeds the front end's request channel by channel (channels are
 * independent, so this order gives what the address order gives). */
static void feed_each(dram_dev *d, request *q)
{
    for (int ch = 0; ch < d->sp.channels; ch++) {
        chan_iter it;
        if (iter_row(d, q, ch, 0, &it)) {
            own(d, ch);
            feed_from(d, q, ch, &it, 0);
        }
    }
}

/* The row of q's last burst, or the highest row if q wraps past the end of
 * the device (so that its rows need not ascend).  Direct service has the
 * row as the most significant digit: below the capacity it is the burst
 * index over the lower digits' span, with no remainder to take. */
static uint32_t row_hi_of(const dram_dev *d, const request *q)
{
    uint64_t last = q->r.addr + (uint64_t)(q->r.rows - 1) * q->r.stride + q->r.row_bytes - 1;
    const uint64_t b = burst_of(d, last);
    if (b >= d->bursts_total)
        return UINT32_MAX;
    return (uint32_t)(b / d->below_row);
}

static void feed_direct(dram_dev *d, request *q)
{
    q->memo_row = UINT32_MAX;
    /* A request with fewer bursts than channels (an instruction fetch's
     * one burst) would split classes by kind only to feed one or two of
     * them: feeding those channels on their own does that for less. */
    if (keys_of(d, q) && d->kfull > 0)
        feed_lockstep(d, q);
    else
        feed_each(d, q);
    q->enq_done = 1;
    d->gen++;
    if (q->outstanding == 0)
        busy_add(d, q->arrival, q->complete);
}

/* Direct service applies: the front end's request is the last submitted
 * and every queue is empty. */
static int direct_now(const dram_dev *d)
{
    return d->direct && d->gen == d->next_id - 1 && d->queued_bursts == 0;
}

/* Runs the front end over the submitted requests, serving bursts as queues
 * fill, until request last has completed (last < 0: until everything has).
 * Once every burst is queued the channels are independent, so they are
 * served one after another. */
static void schedule(dram_dev *d, long last)
{
    const request *q = last >= 0 ? req_of(d, last) : NULL;
    if (d->gen < d->next_id && direct_now(d) && !req_of(d, d->gen)->bursts)
        feed_direct(d, req_of(d, d->gen));
    while (d->gen < d->next_id && !(q && finished(q)))
        enqueue_next(d);
    for (int c = 0; c < d->sp.channels && d->queued_bursts && !(q && finished(q)); c++)
        while (d->ch[c].nq > 0 && !(q && finished(q)))
            serve(d, &d->ch[c]);
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
    const dram_counts zero = { 0, 0, 0, 0, 0, 0 };
    dram_counts n = d->x;
    for (int c = 0; c < p->channels; c++)
        dram_counts_add(&n, &d->ch[c].n, &zero, 1);
    st->read_bursts = n.rd;
    st->write_bursts = n.wr;
    st->row_hits = n.hits;
    st->row_misses = n.misses;
    st->row_conflicts = n.conflicts;
    st->refreshes = n.refreshes;
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
    /* every channel refreshes every tREFI, busy or idle, from cycle 0 */
    e->ref_pj = (double)s->channels * (double)st->last_complete / s->tREFI * s->ref_pj;
    e->total_pj = e->read_pj + e->write_pj + e->act_pj + e->ref_pj;
}
