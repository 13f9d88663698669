/* run_system.h - `lutsim run --engine systemc`: each phase's linear layers
 * tensor-parallel on the SystemC system's N accelerators.
 *
 * Every linear layer's output columns are split N ways (ceil(n / N) each,
 * the tiling `run` chose for the whole layer otherwise kept): each
 * accelerator runs its own program for its columns, all N at once through
 * the system, timing-only (every DRAM transfer through the shared or
 * private DRAM target).  Covered: the linear layers (the LM head too).
 * Not split: attention and the vector operations keep the cycles `run`
 * gives them on one accelerator; the all-gather of each layer's output
 * (m x n int32 / float32) is not simulated, its bytes are printed. */
#ifndef RUN_SYSTEM_H
#define RUN_SYSTEM_H

#include <jansson.h>
#include <stdio.h>

#include "report_run.h"
#include "sc_system.h"

/* Simulates the phases' linear layers on the system, in one elaboration for
 * all phases, prints the comparison to f and, if js, adds "systemc" to
 * it.  0, or -1 with a message. */
int run_system(FILE *f, json_t *js, const sc_system_cfg *c, const arch_t *a,
               const energy_model *em, const quant_preset *q, const run_phase *ph, int nph,
               char *err, size_t errlen);

#endif
