// memo_support.h - a timing memo (timing_memo.h) owned by a test, with its
// hit and miss counts: what the memo tests assert about reuse.
#ifndef MEMO_SUPPORT_H
#define MEMO_SUPPORT_H

#include <cstdint>

extern "C" {
#include "energy.h"
#include "timing_memo.h"
}

struct MemoOwner {
    timing_memo *mm;
    explicit MemoOwner(timing_memo *m) : mm(m) {}
    MemoOwner(const MemoOwner &) = delete;
    MemoOwner &operator=(const MemoOwner &) = delete;
    ~MemoOwner() { timing_memo_free(mm); }
    uint64_t hits() const
    {
        uint64_t h, m;
        timing_memo_counts(mm, &h, &m);
        return h;
    }
    uint64_t misses() const
    {
        uint64_t h, m;
        timing_memo_counts(mm, &h, &m);
        return m;
    }
};

/* The prices the memo tests re-price hits with: DRAM at dram_pj a byte
 * (tests vary it), leakage, and each buffer its own price; the caller adds
 * its unit's operation price. */
inline energy_model memo_pricing(double dram_pj)
{
    energy_model em = {};
    em.dram_pj_per_byte = dram_pj;
    em.leakage_pj_per_cycle = 5;
    for (int b = 0; b < BUF_COUNT; b++)
        em.buf_read_pj_per_byte[b] = em.buf_write_pj_per_byte[b] = 0.2 * (b + 1);
    return em;
}

#endif
