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

/* Prints a short human summary with units; engine names what ran. */
void stats_print(FILE *f, const arch_t *arch, const sim_stats *st, const char *engine);

#endif
