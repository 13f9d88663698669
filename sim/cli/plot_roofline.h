/* plot_roofline.h - the roofline figure of a run, drawn by gnuplot from the
 * embedded script scripts/plots/roofline.gp (PNG, SVG and PDF). */
#ifndef PLOT_ROOFLINE_H
#define PLOT_ROOFLINE_H

#include "report_run.h"

/* Writes DIR/roofline.{png,svg,pdf} (and the points as DIR/roofline.dat).
 * Returns 0 or -1 with a message. */
int plot_roofline(const char *dir, const arch_t *a, const model_cfg *m, const quant_preset *q,
                  const run_phase *ph, int nph, char *err, size_t errlen);

#endif
