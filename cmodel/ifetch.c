/* ifetch.c - the instruction buffer and its fetcher. */
#include "ifetch.h"

#include <stdlib.h>

int ifetch_init(ifetch *f, const arch_t *a)
{
    f->entries = a->ibuf_entries > 0 ? (uint64_t)a->ibuf_entries : 0;
    f->disp = f->arr = NULL;
    f->blocks = f->last_req = 0;
    const uint64_t burst = (uint64_t)a->dram_burst;
    uint64_t k = burst / IFETCH_INSTR_BYTES;
    if (k < 1)
        k = 1;
    if (k > f->entries)
        k = f->entries;
    f->per_block = k;
    if (f->entries == 0)
        return 0;
    f->disp = calloc(f->entries, sizeof *f->disp);
    f->arr = calloc(f->entries, sizeof *f->arr);
    return f->disp && f->arr ? 0 : -1;
}

void ifetch_free(ifetch *f)
{
    free(f->disp);
    free(f->arr);
    f->disp = f->arr = NULL;
}

int ifetch_next(const ifetch *f, uint64_t n, uint64_t dispatched, uint64_t *req,
                uint64_t *addr, uint64_t *bytes)
{
    const uint64_t first = f->blocks * f->per_block;
    if (f->entries == 0 || first >= n)
        return 0;
    /* The block's last instruction takes the entry of instruction last - E. */
    const uint64_t last = first + f->per_block - 1;
    uint64_t r = f->last_req;
    if (last >= f->entries) {
        if (last - f->entries >= dispatched)
            return 0; /* no room yet */
        uint64_t freed = f->disp[(last - f->entries) % f->entries];
        if (freed > r)
            r = freed;
    }
    *req = r;
    *addr = IFETCH_BASE + first * IFETCH_INSTR_BYTES;
    *bytes = f->per_block * IFETCH_INSTR_BYTES;
    return 1;
}

void ifetch_fetched(ifetch *f, uint64_t req, uint64_t arrival)
{
    for (uint64_t k = 0; k < f->per_block; k++)
        f->arr[(f->blocks * f->per_block + k) % f->entries] = arrival;
    f->blocks++;
    f->last_req = req;
}

uint64_t ifetch_ready(const ifetch *f, uint64_t i)
{
    return f->entries ? f->arr[i % f->entries] : 0;
}

void ifetch_dispatched(ifetch *f, uint64_t i, uint64_t disp)
{
    if (f->entries)
        f->disp[i % f->entries] = disp;
}
