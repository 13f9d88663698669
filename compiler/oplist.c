/* oplist.c - appending operations to a model's op list, overflow-checked. */
#include "oplist.h"

#include "count.h"

#include <stdio.h>
#include <string.h>

uint64_t ol_mul(oplist *l, uint64_t a, uint64_t b) { return count_mul(a, b, &l->ov); }

/* Names the operation just built if its figures overflowed. */
static void note(oplist *l, const char *name)
{
    if (l->ov && !l->ov_at)
        l->ov_at = name;
}

static model_op *add(oplist *l, const char *name, model_op_kind kind, const char *func,
                     uint64_t repeat)
{
    if (l->n >= l->cap) {
        l->full = 1;
        return NULL;
    }
    model_op *o = &l->ops[l->n++];
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", name);
    o->kind = kind;
    snprintf(o->func, sizeof o->func, "%s", func);
    o->count = 1;
    o->repeat = repeat;
    return o;
}

/* A GEMM-shaped op: m x n x k, count instances per repeat. */
static model_op *shaped(oplist *l, const char *name, model_op_kind kind, uint64_t m, uint64_t n,
                        uint64_t k, uint64_t count, uint64_t repeat)
{
    model_op *o = add(l, name, kind, "", repeat);
    if (o) {
        o->m = m;
        o->n = n;
        o->k = k;
        o->count = count;
    }
    return o;
}

void ol_linear(oplist *l, const char *name, uint64_t m, uint64_t n, uint64_t k,
               uint64_t count, uint64_t repeat)
{
    model_op *o = shaped(l, name, MODEL_OP_LINEAR, m, n, k, count, repeat);
    if (!o)
        return;
    o->macs = count_mul3(m, n, k, &l->ov);
    o->weight_params = ol_mul(l, n, k);
    note(l, o->name);
}

void ol_elems(oplist *l, const char *name, model_op_kind kind, const char *func,
              uint64_t count, uint64_t elements, uint64_t repeat)
{
    model_op *o = add(l, name, kind, func, repeat);
    if (!o)
        return;
    o->count = count;
    o->elements = elements;
    note(l, o->name);
}

void ol_attention(oplist *l, const char *name, uint64_t m, uint64_t n, uint64_t k,
                  uint64_t macs, uint64_t count, uint64_t repeat)
{
    model_op *o = shaped(l, name, MODEL_OP_ATTENTION, m, n, k, count, repeat);
    if (!o)
        return;
    o->macs = macs;
    note(l, o->name);
}
