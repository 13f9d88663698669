// memo_support.h - a timing memo (timing_memo.h) owned by a test, with its
// hit and miss counts: what the memo tests assert about reuse.
#ifndef MEMO_SUPPORT_H
#define MEMO_SUPPORT_H

#include <cstdint>

extern "C" {
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

#endif
