/* unit_systolic.c - an R x C systolic array, timed fold by fold (mma_array.h). */
#include "mma_array.h"

#include "machine.h"

#include <string.h>


/* The phases of one fold of T streamed operands. */
static void fold_phases(const arch_t *a, uint64_t T, int chained, sys_timing *t)
{
    const uint64_t R = (uint64_t)a->sys_rows, C = (uint64_t)a->sys_cols;
    if (a->sys_dataflow == SYS_OS) {
        if (!chained) /* a continued stream keeps the skew it already has */
            t->fill += (R - 1) + (C - 1); /* rows and columns both skewed */
        t->stream += T;
    } else {
        t->preload += R;  /* the stationary operand moves down R rows */
        t->fill += R - 1; /* the streaming operand's skew over the rows */
        t->stream += T;
        t->drain += C - 1; /* partial sums leave across the columns */
    }
}

void systolic_time(const arch_t *a, uint64_t m, uint64_t n, uint64_t k, int chained,
                   sys_timing *t)
{
    memset(t, 0, sizeof *t);
    switch (a->sys_dataflow) {
    case SYS_WS: t->sr = k; t->sc = n; t->t = m; break;
    case SYS_IS: t->sr = k; t->sc = m; t->t = n; break;
    default: t->sr = m; t->sc = n; t->t = k; break;
    }
    t->row_folds = ceil_div(t->sr, (uint64_t)a->sys_rows);
    t->col_folds = ceil_div(t->sc, (uint64_t)a->sys_cols);
    /* Folds run one after another; every fold is the same structure, so
     * the classes repeat, but each is walked so that a fold-dependent
     * phase (none today) would be counted where it happens. */
    for (uint64_t fr = 0; fr < t->row_folds; fr++)
        for (uint64_t fc = 0; fc < t->col_folds; fc++)
            fold_phases(a, t->t, chained, t);
    t->cycles = t->preload + t->fill + t->stream + t->drain;
}
