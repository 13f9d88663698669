/* oplist.h - the builder model_layers() and the mixture-of-experts ops
 * (moe.c) append operations with: every product goes through count.h with
 * the list's sticky overflow flag, and the first operation whose figures
 * would pass 2^63 - 1 is named.  Internal to compiler/. */
#ifndef OPLIST_H
#define OPLIST_H

#include "model.h"

typedef struct {
    model_op *ops;
    int cap, n;
    int full;
    int ov;             /* a product or sum overflowed (count.h) */
    const char *ov_at;  /* in the figures of this operation */
} oplist;

uint64_t ol_mul(oplist *l, uint64_t a, uint64_t b);
/* A weight x activation GEMM m x n x k, count instances per repeat. */
void ol_linear(oplist *l, const char *name, uint64_t m, uint64_t n, uint64_t k,
               uint64_t count, uint64_t repeat);
/* A vector operation of `elements` per instance (computed with ol_mul). */
void ol_elems(oplist *l, const char *name, model_op_kind kind, const char *func,
              uint64_t count, uint64_t elements, uint64_t repeat);
/* One (sequence, query head) of attention: m x n x k, macs per instance. */
void ol_attention(oplist *l, const char *name, uint64_t m, uint64_t n, uint64_t k,
                  uint64_t macs, uint64_t count, uint64_t repeat);

#endif
