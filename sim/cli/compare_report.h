/* compare_report.h - the report of `lutsim compare`: every design's phase
 * totals taken from its own `lutsim run` report (run_to_json), the ratios
 * against the baseline, as a table with units, JSON, CSV and a figure. */
#ifndef COMPARE_REPORT_H
#define COMPARE_REPORT_H

#include "outfiles.h"
#include "plot_roofline.h"

#include <jansson.h>
#include <stdio.h>

#define CMP_MAX_DESIGNS 16

typedef struct {
    int n, base;                          /* designs; the baseline's index */
    const char *file[CMP_MAX_DESIGNS];    /* --arch as given */
    json_t *report[CMP_MAX_DESIGNS];      /* run_to_json of each design */
} compare_set;

/* Sets cs->base from --baseline: NULL (the first design), a position 1..n,
 * or an arch name (the first design of that name).  -1 with a message. */
int compare_pick_baseline(compare_set *cs, const char *want, char *err, size_t errlen);

/* {"model", "baseline", "designs": [{"arch", "arch_file", "quant", "phases":
 * [{"phase", figures copied from the run report's total, then "speedup",
 * "energy_ratio", "area_ratio", "tokens_per_s_per_mm2_ratio"}]}]} (README
 * "lutsim compare"); an area the tables cannot price is null, and so are
 * the ratios that need it. */
json_t *compare_to_json(const compare_set *cs);

void compare_print(FILE *f, const json_t *cj);
/* One row per design and phase; 0, or -1 if the file cannot be written. */
int compare_to_csv(const char *path, const json_t *cj);
/* compare.dat, compare.gp and the figures into pf's staged files. */
int compare_plot(const plot_files *pf, outfiles *o, const json_t *cj, char *err, size_t errlen);

#endif
