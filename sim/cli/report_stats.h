/* report_stats.h - engine statistics as JSON, with the same keys for every
 * engine (C model, RTL), so runs can be compared key by key. */
#ifndef REPORT_STATS_H
#define REPORT_STATS_H

#include <jansson.h>

#include "arch.h"
#include "sim.h"

/* engine: "cmodel" or "rtl"; functional: whether data moved. */
json_t *stats_to_json(const arch_t *arch, const energy_model *em, const sim_stats *st,
                      const char *engine, int functional);

/* Adds compute_kind and compute_cycles (cycles the compute array, the
 * unit slot mma and lmma run on, is busy) to o; for a systolic array also
 * compute_cycles_scalesim (SCALE-Sim's convention, mma_array.h) and the
 * array's shape.  stats_to_json calls it; run reports call it on totals. */
void stats_compute_json(json_t *o, const arch_t *arch, const sim_stats *st);

/* Prints a short human summary with units; engine names what ran. */
void stats_print(FILE *f, const arch_t *arch, const sim_stats *st, const char *engine);

#endif
