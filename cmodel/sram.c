/* sram.c - bank mapping, closed-form access costs and the shared ports of
 * the banked buffers (sram.h). */
#include "sram.h"
#include "machine.h"

#include <math.h>
#include <string.h>

void sram_geom_of(const arch_t *a, buf_id b, sram_geom *g)
{
    const arch_buffer *f = &a->buf[b];
    g->width = (uint64_t)f->width_bits / 8;
    g->banks = (uint64_t)f->banks;
    g->ports = (uint64_t)f->ports;
}

uint64_t sram_range_words(const sram_geom *g, uint64_t lo, uint64_t len)
{
    if (len == 0)
        return 0;
    uint64_t spanned = (lo + len - 1) / g->width - lo / g->width + 1;
    return (spanned + g->banks - 1) / g->banks;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

uint64_t sram_period(uint64_t step, uint64_t m)
{
    uint64_t s = step % m;
    return s == 0 ? 1 : m / gcd(s, m);
}

uint64_t sram_lcm(uint64_t a, uint64_t b)
{
    return a / gcd(a, b) * b;
}

void sram_strided(const sram_geom *g, uint64_t base, uint64_t stride, uint64_t count,
                  uint64_t len, uint64_t *words, uint64_t *cycles)
{
    /* The cost of one access depends only on its address mod width, which
     * repeats with period width / gcd(stride mod width, width). */
    const uint64_t s = stride % g->width;
    const uint64_t period = sram_period(s, g->width);
    const uint64_t n = count < period ? count : period;
    uint64_t w_all = 0, c_all = 0, w_rest = 0, c_rest = 0;
    const uint64_t rest = count % period;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t w = sram_range_words(g, base + k * s, len);
        w_all += w;
        c_all += sram_cycles(g, w);
        if (k < rest) {
            w_rest += w;
            c_rest += sram_cycles(g, w);
        }
    }
    if (count <= period) {
        *words = w_all;
        *cycles = c_all;
        return;
    }
    *words = (count / period) * w_all + w_rest;
    *cycles = (count / period) * c_all + c_rest;
}

#define STEP_MAX 64
#define BANKS_MAX 64

/* A divisor, by shift and mask when a power of two (the usual widths and
 * bank counts: this runs for every chunk step). */
typedef struct {
    uint64_t d;
    int sh; /* log2 d, or -1 */
} divisor;

static inline divisor divisor_of(uint64_t d)
{
    divisor v = { d, (d & (d - 1)) == 0 ? __builtin_ctzll(d) : -1 };
    return v;
}

static inline uint64_t div_by(uint64_t x, divisor v) { return v.sh >= 0 ? x >> v.sh : x / v.d; }
static inline uint64_t mod_by(uint64_t x, divisor v)
{
    return v.sh >= 0 ? x & (v.d - 1) : x % v.d;
}

/* One or two accesses (an lmma's tile_m rows, the common case), without a
 * per-bank table: an interval of span words puts span / B in every bank
 * and one more in the span % B banks from its first word's on (a circular
 * range); two disjoint intervals' busiest bank has both fulls plus 2 if
 * their ranges meet (one holds the other's start), else 1 if either range
 * is non-empty. */
static inline uint64_t step_words_few(const sram_geom *g, const uint64_t *lo, int n,
                                      uint64_t len, uint64_t *even)
{
    const divisor W = divisor_of(g->width), B = divisor_of(g->banks);
    uint64_t a0 = div_by(lo[0], W), b0 = div_by(lo[0] + len - 1, W), a1 = a0, b1 = b0;
    if (n == 2) {
        a1 = div_by(lo[1], W);
        b1 = div_by(lo[1] + len - 1, W);
        if (a1 < a0) {
            uint64_t t = a0;
            a0 = a1;
            a1 = t;
            t = b0;
            b0 = b1;
            b1 = t;
        }
    }
    if (n == 1 || a1 <= b0 + 1) { /* one interval after merging */
        const uint64_t words = div_by((b1 > b0 ? b1 : b0) - a0 + B.d, B);
        if (even)
            *even = words;
        return words;
    }
    const uint64_t s0 = b0 - a0 + 1, s1 = b1 - a1 + 1;
    const uint64_t r0 = mod_by(s0, B), r1 = mod_by(s1, B);
    uint64_t most = div_by(s0, B) + div_by(s1, B);
    if (r0 && r1) {
        const uint64_t d = mod_by(mod_by(a1, B) + B.d - mod_by(a0, B), B);
        most += d < r0 || mod_by(B.d - d, B) < r1 ? 2 : 1;
    } else if (r0 || r1) {
        most += 1;
    }
    if (even)
        *even = div_by(s0 + s1 + B.d - 1, B);
    return most;
}

/* Any number of accesses: word intervals sorted by start (insertion sort
 * of at most 64), merged, then counted per bank. */
static uint64_t step_words_many(const sram_geom *g, const uint64_t *lo, int n, uint64_t len,
                                uint64_t *even)
{
    const divisor W = divisor_of(g->width);
    uint64_t w0[STEP_MAX], w1[STEP_MAX];
    for (int i = 0; i < n; i++) {
        uint64_t a = div_by(lo[i], W), b = div_by(lo[i] + len - 1, W);
        int j = i;
        for (; j > 0 && w0[j - 1] > a; j--) {
            w0[j] = w0[j - 1];
            w1[j] = w1[j - 1];
        }
        w0[j] = a;
        w1[j] = b;
    }
    uint64_t per_bank[BANKS_MAX];
    const divisor B = divisor_of(g->banks < BANKS_MAX ? g->banks : BANKS_MAX);
    memset(per_bank, 0, (size_t)B.d * sizeof *per_bank);
    uint64_t cur0 = w0[0], cur1 = w1[0], distinct = 0, full = 0;
    for (int i = 1; i <= n; i++) {
        if (i < n && w0[i] <= cur1 + 1) { /* overlaps or touches: merge */
            if (w1[i] > cur1)
                cur1 = w1[i];
            continue;
        }
        /* span words: span / B in every bank (summed in full), the rest
         * in the banks from cur0's on */
        const uint64_t span = cur1 - cur0 + 1, rem = mod_by(span, B);
        distinct += span;
        full += div_by(span, B);
        for (uint64_t t = 0, k = mod_by(cur0, B); t < rem; t++) {
            per_bank[k]++;
            if (++k == B.d)
                k = 0;
        }
        if (i < n) {
            cur0 = w0[i];
            cur1 = w1[i];
        }
    }
    uint64_t most = 0;
    for (uint64_t j = 0; j < B.d; j++)
        if (per_bank[j] > most)
            most = per_bank[j];
    if (even)
        *even = div_by(distinct + B.d - 1, B);
    return most + full;
}

uint64_t sram_step_words(const sram_geom *g, const uint64_t *lo, int n, uint64_t len,
                         uint64_t *even)
{
    if (n <= 0 || len == 0) {
        if (even)
            *even = 0;
        return 0;
    }
    if (n <= 2 && g->banks <= BANKS_MAX)
        return step_words_few(g, lo, n, len, even);
    return step_words_many(g, lo, n < STEP_MAX ? n : STEP_MAX, len, even);
}

/* Slots of buffer b's recorded windows that fall in [lo, hi), pro rata. */
static double overlap_words(const sram_ports *p, int b, uint64_t lo, uint64_t hi)
{
    double sum = 0;
    if (p->b[b].hi_max <= lo) /* every window ended before: none overlaps */
        return sum;
    for (int k = 0; k < p->b[b].n; k++) {
        uint64_t a = p->b[b].lo[k] > lo ? p->b[b].lo[k] : lo;
        uint64_t z = p->b[b].hi[k] < hi ? p->b[b].hi[k] : hi;
        if (z > a)
            sum += (double)p->b[b].words[k] * (double)(z - a) /
                   (double)(p->b[b].hi[k] - p->b[b].lo[k]);
    }
    return sum;
}

uint64_t sram_ports_use(sram_ports *p, const arch_t *a, int dma, uint64_t start,
                        uint64_t occupancy, const uint64_t words[BUF_COUNT])
{
    uint64_t need = occupancy;
    for (int b = 0; b < BUF_COUNT; b++) {
        if (words[b] == 0)
            continue;
        double ports = (double)a->buf[b].ports;
        double others = overlap_words(p, b, start, start + (occupancy ? occupancy : 1));
        uint64_t t = (uint64_t)ceil(((double)words[b] + others) / ports - 1e-9);
        if (t < occupancy)
            t = occupancy;
        if (dma) {
            p->b[b].debt += t - occupancy;
            continue;
        }
        t += p->b[b].debt;
        p->b[b].debt = 0;
        if (t > need)
            need = t;
    }
    for (int b = 0; b < BUF_COUNT; b++) {
        if (words[b] == 0)
            continue;
        int k = p->b[b].next;
        p->b[b].lo[k] = start;
        p->b[b].hi[k] = start + (need ? need : 1);
        if (p->b[b].hi[k] > p->b[b].hi_max)
            p->b[b].hi_max = p->b[b].hi[k];
        p->b[b].words[k] = words[b];
        p->b[b].next = (k + 1) % SRAM_PORT_RECENT;
        if (p->b[b].n < SRAM_PORT_RECENT)
            p->b[b].n++;
    }
    return need;
}

void sram_ports_apply(sram_ports *p, const arch_t *a, int dma, uint64_t start, unit_cost *c)
{
    uint64_t need = sram_ports_use(p, a, dma, start, c->occupancy, c->port_words);
    c->port_limit += need - c->occupancy; /* waiting for ports other instructions hold */
    c->occupancy = need;
}

void sram_raise(unit_cost *c, uint64_t cycles)
{
    if (cycles > c->occupancy) {
        c->port_limit += cycles - c->occupancy;
        c->occupancy = cycles;
    }
}
