/* timing_memo.c - timings keyed by bytes, answered for large enough buffers. */
#include "timing_memo.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t cap[BUF_COUNT]; /* the smallest buffers (bytes) it ran within */
    timing_result r;
} memo_entry;

struct timing_memo {
    size_t key_bytes;
    int max, n, next;
    uint64_t *hash;      /* per entry: most lookups pass an entry over by it */
    unsigned char *keys; /* max x key_bytes */
    memo_entry *e;
    uint64_t hits, misses;
};

uint64_t timing_memo_hash(const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 0x100000001B3ull;
    return h;
}

timing_memo *timing_memo_new(size_t key_bytes, int entries)
{
    timing_memo *mm = calloc(1, sizeof *mm);
    if (!mm)
        return NULL;
    mm->key_bytes = key_bytes;
    mm->max = entries > 0 ? entries : 1;
    mm->hash = malloc(sizeof *mm->hash * (size_t)mm->max);
    mm->keys = malloc(key_bytes * (size_t)mm->max);
    mm->e = malloc(sizeof *mm->e * (size_t)mm->max);
    if (!mm->hash || !mm->keys || !mm->e) {
        timing_memo_free(mm);
        return NULL;
    }
    return mm;
}

void timing_memo_free(timing_memo *mm)
{
    if (!mm)
        return;
    free(mm->hash);
    free(mm->keys);
    free(mm->e);
    free(mm);
}

static int find(const timing_memo *mm, const void *key, uint64_t h)
{
    for (int i = 0; i < mm->n; i++)
        if (mm->hash[i] == h && memcmp(mm->keys + (size_t)i * mm->key_bytes, key, mm->key_bytes) == 0)
            return i;
    return -1;
}

const timing_result *timing_memo_get(timing_memo *mm, const void *key, const arch_t *a)
{
    const int i = find(mm, key, timing_memo_hash(key, mm->key_bytes));
    if (i < 0)
        return NULL;
    for (int b = 0; b < BUF_COUNT; b++)
        if (arch_buf_bytes(a, (buf_id)b) < mm->e[i].cap[b])
            return NULL;
    mm->hits++;
    return &mm->e[i].r;
}

void timing_memo_put(timing_memo *mm, const void *key, const arch_t *a, const timing_result *r)
{
    const uint64_t h = timing_memo_hash(key, mm->key_bytes);
    int i = find(mm, key, h);
    mm->misses++;
    if (i >= 0) { /* the same program ran within these buffers too */
        for (int b = 0; b < BUF_COUNT; b++)
            if (arch_buf_bytes(a, (buf_id)b) < mm->e[i].cap[b])
                mm->e[i].cap[b] = arch_buf_bytes(a, (buf_id)b);
    } else { /* a new key: the oldest entry gives way */
        i = mm->next;
        mm->next = (mm->next + 1) % mm->max;
        if (mm->n < mm->max)
            mm->n++;
        mm->hash[i] = h;
        memcpy(mm->keys + (size_t)i * mm->key_bytes, key, mm->key_bytes);
        for (int b = 0; b < BUF_COUNT; b++)
            mm->e[i].cap[b] = arch_buf_bytes(a, (buf_id)b);
    }
    mm->e[i].r = *r;
}

void timing_memo_counts(const timing_memo *mm, uint64_t *hits, uint64_t *misses)
{
    *hits = mm ? mm->hits : 0;
    *misses = mm ? mm->misses : 0;
}
