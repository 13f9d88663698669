/* plot_roofline.c - data for the roofline and a gnuplot run over it. */
#include "plot_roofline.h"

#include "lower.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern const char embed_scripts_plots_roofline[];

int plot_roofline(const char *dir, const arch_t *a, const model_cfg *m, const quant_preset *q,
                  const run_phase *ph, int nph, char *err, size_t errlen)
{
    char dat[4096], out[4096];
    snprintf(dat, sizeof dat, "%s/roofline.dat", dir);
    snprintf(out, sizeof out, "%s/roofline", dir);
    FILE *f = fopen(dat, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", dat, strerror(errno));
        return -1;
    }
    fprintf(f, "# name phase(0 prefill, 1 decode) ops_per_dram_byte achieved_ops_per_s\n");
    /* Operations that land on the same spot (within 3%) share one point
     * whose label lists them all, so labels stay readable. */
    typedef struct { char label[160]; int phase; double x, y; } pt;
    pt pts[2 * MODEL_MAX_OPS];
    int np = 0;
    for (int p = 0; p < nph; p++) {
        for (int i = 0; i < ph[p].nops; i++) {
            op_figures x;
            op_figures_of(a, &ph[p].ops[i], &x);
            if (x.intensity <= 0 || x.achieved <= 0)
                continue;
            const char *name = ph[p].ops[i].op.name;
            const char *dot = strchr(name, '.');
            name = dot ? dot + 1 : name; /* "layer.q_proj" -> "q_proj" */
            int phase = ph[p].ph.kind == MODEL_DECODE, j;
            for (j = 0; j < np; j++)
                if (pts[j].phase == phase && x.intensity / pts[j].x < 1.03 &&
                    pts[j].x / x.intensity < 1.03 && x.achieved / pts[j].y < 1.03 &&
                    pts[j].y / x.achieved < 1.03)
                    break;
            if (j < np) {
                size_t l = strlen(pts[j].label);
                snprintf(pts[j].label + l, sizeof pts[j].label - l, ",%s", name);
            } else if (np < 2 * MODEL_MAX_OPS) {
                snprintf(pts[np].label, sizeof pts[np].label, "%s", name);
                pts[np].phase = phase;
                pts[np].x = x.intensity;
                pts[np].y = x.achieved;
                np++;
            }
        }
    }
    for (int j = 0; j < np; j++)
        fprintf(f, "%s %d %.6g %.6g\n", pts[j].label, pts[j].phase, pts[j].x, pts[j].y);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "%s: write failed", dat);
        return -1;
    }
    /* Ceilings: the LUT array at the run's weight width and at the other
     * common widths, and the vector unit. */
    char list[512] = "", labels[512] = "";
    int widths[] = { q->w.bits, 1, 2, 4, 8 };
    int seen = 0;
    for (int i = 0; i < 5; i++) {
        int w = widths[i];
        if (w < a->wbits_min || w > a->wbits_max || (seen & (1 << w)))
            continue;
        seen |= 1 << w;
        double peak = 2.0 * lut_peak_macs_per_cycle(a, w) * a->clock_ghz * 1e9;
        size_t l = strlen(list), lb = strlen(labels);
        snprintf(list + l, sizeof list - l, "%s%.6g", l ? " " : "", peak);
        snprintf(labels + lb, sizeof labels - lb, "%sLUT-W%d-peak(%.2fTOPS)", lb ? " " : "", w, peak / 1e12);
    }
    double vpeak = (double)a->vector_lanes * a->clock_ghz * 1e9;
    size_t l = strlen(list), lb = strlen(labels);
    snprintf(list + l, sizeof list - l, " %.6g", vpeak);
    snprintf(labels + lb, sizeof labels - lb, " vector-peak(%.0fGop/s)", vpeak / 1e9);

    /* The script goes next to its data, so the figure can be redrawn and
     * restyled without lutsim: gnuplot -e "..." roofline.gp */
    char gp[4096];
    snprintf(gp, sizeof gp, "%s/roofline.gp", dir);
    FILE *sf = fopen(gp, "w");
    if (!sf || fputs(embed_scripts_plots_roofline, sf) < 0 || fclose(sf) != 0) {
        snprintf(err, errlen, "%s: cannot write", gp);
        return -1;
    }
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "gnuplot -e \"points='%s'; bw_gbs=%g; ceil_list='%s'; ceil_labels='%s'; "
             "out='%s'; title='%s %s on %s: roofline (DRAM %.0f GB/s)'\" '%s' 2>&1",
             dat, a->dram_gbps, list, labels, out, m->name, q->name, a->name, a->dram_gbps, gp);
    FILE *g = popen(cmd, "r");
    if (!g) {
        snprintf(err, errlen, "cannot run gnuplot: %s", strerror(errno));
        return -1;
    }
    char line[512], first[512] = "";
    while (fgets(line, sizeof line, g))
        if (!first[0])
            snprintf(first, sizeof first, "%s", line);
    int st = pclose(g);
    first[strcspn(first, "\n")] = '\0';
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(err, errlen, "gnuplot failed%s%s (is it installed? scripts/install-deps.sh)",
                 first[0] ? ": " : "", first);
        return -1;
    }
    return 0;
}
