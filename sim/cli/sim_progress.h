/* sim_progress.h - progress of one C-model run, per instruction.
 *
 * Hooks into the simulator's trace callback (keeping a trace writer that is
 * already there: every event is passed on), so a long program shows
 * "instructions done of N" on stderr (progress.h). */
#ifndef SIM_PROGRESS_H
#define SIM_PROGRESS_H

#include "progress.h"
#include "program.h"
#include "sim.h"

typedef struct {
    progress pr;
    sim_trace_fn inner;
    void *inner_ctx;
} sim_progress;

/* Makes so report to sp (so->trace, if set, still gets every event). */
void sim_progress_attach(sim_progress *sp, sim_opts *so, const program *p, const char *label,
                         int quiet);
/* After the run (success or not). */
void sim_progress_end(sim_progress *sp);

#endif
