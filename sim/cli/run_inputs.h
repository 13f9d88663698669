/* run_inputs.h - what `lutsim run` reads before it simulates, one way for
 * every phase (prefill / decode / both, and generate). */
#ifndef RUN_INPUTS_H
#define RUN_INPUTS_H

#include "arch.h"
#include "energy.h"
#include "model.h"
#include "outfiles.h"

#include <stdint.h>

typedef struct {
    const char *model, *quant, *arch, *energy; /* arch and energy may be NULL */
    int routing;                               /* moe_routing, --routing */
    double zipf_s;
    uint32_t route_seed;
} run_inputs;

/* Loads the architecture, energy table, model (with the run's MoE routing)
 * and quantization preset.  0, or -1 with a one-line message. */
int run_inputs_load(const run_inputs *in, arch_t *a, energy_model *em, model_cfg *m,
                    quant_preset *q, char *err, size_t errlen);

/* Registers the input files (not the embedded names) with of, so no output
 * overwrites them. */
void run_inputs_guard(outfiles *of, const run_inputs *in);

#endif
