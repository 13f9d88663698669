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
    uint64_t *hash;      /* per entry */
    unsigned char *keys; /* max x key_bytes */
    memo_entry *e;
    /* The entries by hash, chained (a sweep's memo holds thousands: a
     * lookup walks one short chain, not all of them): head[h & mask] and
     * link[i] hold an entry index + 1, 0 ending a chain. */
    int *head, *link;
    uint64_t mask;
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
    size_t buckets = 1;
    while (buckets < (size_t)mm->max)
        buckets *= 2;
    mm->mask = buckets - 1;
    mm->head = calloc(buckets, sizeof *mm->head);
    mm->link = calloc((size_t)mm->max, sizeof *mm->link);
    if (!mm->hash || !mm->keys || !mm->e || !mm->head || !mm->link) {
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
    free(mm->head);
    free(mm->link);
    free(mm);
}

static int find(const timing_memo *mm, const void *key, uint64_t h)
{
    for (int i = mm->head[h & mm->mask] - 1; i >= 0; i = mm->link[i] - 1)
        if (mm->hash[i] == h && memcmp(mm->keys + (size_t)i * mm->key_bytes, key, mm->key_bytes) == 0)
            return i;
    return -1;
}

/* Takes entry i out of its hash's chain. */
static void unlink_entry(timing_memo *mm, int i)
{
    int *at = &mm->head[mm->hash[i] & mm->mask];
    while (*at != i + 1)
        at = &mm->link[*at - 1];
    *at = mm->link[i];
}

void timing_memo_arch_key(arch_t *k, const arch_t *a)
{
    memcpy(k, a, sizeof *a);
    for (int b = 0; b < BUF_COUNT; b++)
        k->buf[b].kib = 0;
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
        else
            unlink_entry(mm, i);
        mm->hash[i] = h;
        mm->link[i] = mm->head[h & mm->mask];
        mm->head[h & mm->mask] = i + 1;
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
