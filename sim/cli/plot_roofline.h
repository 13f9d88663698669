/* plot_roofline.h - the roofline figure of a run: DIR/roofline.dat (the
 * points), DIR/roofline.gp (a script that redraws the figure alone: the
 * run's figures, then the embedded scripts/plots/roofline.gp) and the
 * figure as roofline.png, .svg and .pdf, drawn by gnuplot.  All five are
 * staged (outfiles.h): written completely or not at all. */
#ifndef PLOT_ROOFLINE_H
#define PLOT_ROOFLINE_H

#include "outfiles.h"
#include "report_run.h"

enum { PLOT_DAT, PLOT_GP, PLOT_PNG, PLOT_SVG, PLOT_PDF, PLOT_NFILES };

typedef struct {
    const char *dir, *stem;       /* DIR/STEM.dat, .gp, .png, .svg, .pdf */
    const char *tmp[PLOT_NFILES]; /* the staged temporaries */
} plot_files;

/* Stages the five files in dir, creating dir if it does not exist (and
 * removing it again if the run fails).  -1 with a message. */
int plot_stage(outfiles *o, const char *dir, plot_files *pf, char *err, size_t errlen);
/* The same for DIR/STEM.* (lutsim compare: "compare"). */
int plot_stage_as(outfiles *o, const char *dir, const char *stem, plot_files *pf, char *err,
                  size_t errlen);

/* Writes s as a quoted gnuplot string (gp_quote); -1 if out of memory. */
int plot_put_quoted(FILE *f, const char *s);

/* Runs gnuplot over the staged script with -e definitions naming the staged
 * points (points), png, svg and pdf, and checks that all three figures were
 * written.  0, or -1 with a message. */
int plot_draw(const plot_files *pf, outfiles *o, char *err, size_t errlen);

/* Writes the points and the script and runs gnuplot over them (no shell;
 * names from input files are data).  Returns 0 or -1 with a message. */
int plot_roofline(const plot_files *pf, outfiles *o, const arch_t *a, const model_cfg *m,
                  const quant_preset *q, const run_phase *ph, int nph, char *err, size_t errlen);

#endif
