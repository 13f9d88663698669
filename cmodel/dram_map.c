/* dram_map.c - parsing and decoding of DRAM address mappings. */
#include "dram_map.h"

#include <stdio.h>
#include <string.h>

/* log2 of x if x is a power of two, else -1: digits of power-of-two
 * fields (the common case) are then a shift and a mask, not a division. */
static int8_t log2_exact(uint64_t x)
{
    if (x == 0 || (x & (x - 1)))
        return -1;
    return (int8_t)__builtin_ctzll(x);
}

static const char *const field_names[DRAM_F_COUNT] = { "ro", "ba", "bg", "co", "ch" };

int dram_map_init(dram_map *m, const char *text, uint32_t rows, uint32_t banks_per_group,
                  uint32_t bankgroups, uint32_t columns, uint32_t channels,
                  uint64_t burst_bytes, char *err, size_t errlen)
{
    const uint32_t size[DRAM_F_COUNT] = { rows, banks_per_group, bankgroups, columns, channels };
    int order[DRAM_F_COUNT], n = 0, seen = 0;
    const char *p = text;
    memset(m, 0, sizeof *m);
    while (*p) {
        int f = -1;
        for (int i = 0; i < DRAM_F_COUNT; i++)
            if (strncmp(p, field_names[i], 2) == 0 && (p[2] == ':' || p[2] == '\0'))
                f = i;
        if (f < 0 || n == DRAM_F_COUNT || (seen & (1 << f))) {
            snprintf(err, errlen, "mapping \"%s\": expected the fields ro, ba, bg, co, ch "
                     "each once, separated by ':' (most significant first)", text);
            return -1;
        }
        seen |= 1 << f;
        order[n++] = f;
        p += p[2] == ':' && p[3] ? 3 : 2; /* a trailing ':' is left to fail */
    }
    if (n != DRAM_F_COUNT) {
        snprintf(err, errlen, "mapping \"%s\": expected the fields ro, ba, bg, co, ch "
                 "each once, separated by ':' (most significant first)", text);
        return -1;
    }
    for (int i = 0; i < DRAM_F_COUNT; i++) {
        m->field[i] = order[DRAM_F_COUNT - 1 - i];
        m->radix[i] = size[m->field[i]];
        if (m->radix[i] == 0) {
            snprintf(err, errlen, "mapping \"%s\": field %s has size 0", text,
                     field_names[m->field[i]]);
            return -1;
        }
    }
    m->burst_bytes = burst_bytes;
    for (int i = 0; i < DRAM_F_COUNT; i++)
        m->shift[i] = log2_exact(m->radix[i]);
    m->burst_shift = log2_exact(burst_bytes);
    return 0;
}

void dram_map_digits(const dram_map *m, uint64_t addr, uint32_t digit[DRAM_F_COUNT])
{
    dram_map_digits_from(m, m->burst_shift >= 0 ? addr >> m->burst_shift : addr / m->burst_bytes, 0,
                         digit);
}

void dram_map_digits_from(const dram_map *m, uint64_t x, int from, uint32_t digit[DRAM_F_COUNT])
{
    if (x <= UINT32_MAX) { /* the same in 32-bit arithmetic, several times faster */
        uint32_t y = (uint32_t)x;
        for (int i = from; i < DRAM_F_COUNT; i++) {
            if (m->shift[i] >= 0) {
                digit[i] = y & (m->radix[i] - 1);
                y >>= m->shift[i];
            } else {
                digit[i] = y % m->radix[i];
                y /= m->radix[i];
            }
        }
        return;
    }
    for (int i = from; i < DRAM_F_COUNT; i++) {
        digit[i] = (uint32_t)(x % m->radix[i]);
        x /= m->radix[i];
    }
}

void dram_map_add_in(const dram_map *m, uint32_t digit[DRAM_F_COUNT], int fixed, uint64_t n)
{
    for (int i = 0; i < DRAM_F_COUNT && n; i++) {
        if (i == fixed)
            continue;
        uint64_t v = digit[i] + n;
        if (m->shift[i] >= 0) {
            digit[i] = (uint32_t)(v & (m->radix[i] - 1));
            n = v >> m->shift[i];
        } else {
            digit[i] = (uint32_t)(v % m->radix[i]);
            n = v / m->radix[i];
        }
    }
}

uint64_t dram_map_count_in(const dram_map *m, uint64_t b0, uint64_t b1, int fixed, uint32_t v,
                           uint32_t first[DRAM_F_COUNT])
{
    /* index x has digit `fixed` = (x / L) % R: blocks of L every L R */
    uint64_t L = 1;
    for (int i = 0; i < fixed; i++)
        L *= m->radix[i];
    const uint64_t R = m->radix[fixed], LR = L * R;
    uint64_t lo = (uint64_t)v * L;
    /* #x < n with the digit v */
    #define BELOW(n) ((n) / LR * L + ((n) % LR > lo ? ((n) % LR - lo < L ? (n) % LR - lo : L) : 0))
    uint64_t count = BELOW(b1) - BELOW(b0);
    #undef BELOW
    if (count) {
        uint64_t q = b0 / LR, r = b0 % LR, x;
        if (r < lo)
            x = q * LR + lo;
        else if (r < lo + L)
            x = b0;
        else
            x = (q + 1) * LR + lo;
        dram_map_digits(m, x * m->burst_bytes, first);
    }
    return count;
}

uint64_t dram_map_steps_below(const dram_map *m, const uint32_t digit[DRAM_F_COUNT], int fixed,
                              int upto)
{
    uint64_t span = 1, at = 0;
    for (int i = 0; i < upto; i++) {
        if (i == fixed)
            continue;
        at += digit[i] * span;
        span *= m->radix[i];
    }
    return span - at;
}
