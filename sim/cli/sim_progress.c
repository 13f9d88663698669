/* sim_progress.c - per-instruction progress through the trace callback. */
#include "sim_progress.h"

static void on_event(void *ctx, size_t index, const isa_instr *in, isa_unit unit,
                     uint64_t start, uint64_t busy_end, uint64_t complete)
{
    sim_progress *sp = ctx;
    if (sp->inner)
        sp->inner(sp->inner_ctx, index, in, unit, start, busy_end, complete);
    progress_update(&sp->pr, (uint64_t)index + 1);
}

void sim_progress_attach(sim_progress *sp, sim_opts *so, const program *p, const char *label,
                         int quiet)
{
    progress_init(&sp->pr, label, "instructions", p->n, quiet);
    sp->inner = so->trace;
    sp->inner_ctx = so->trace_ctx;
    so->trace = on_event;
    so->trace_ctx = sp;
}

void sim_progress_end(sim_progress *sp) { progress_end(&sp->pr); }
