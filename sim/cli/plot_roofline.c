/* plot_roofline.c - the points of the roofline, a script that redraws it,
 * and a gnuplot run over them. */
#include "plot_roofline.h"

#include "gnuplot.h"
#include "lower.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const char embed_scripts_plots_roofline[];

static const char *const file_ext[PLOT_NFILES] = { "dat", "gp", "png", "svg", "pdf" };

int plot_stage(outfiles *o, const char *dir, plot_files *pf, char *err, size_t errlen)
{
    return plot_stage_as(o, dir, "roofline", pf, err, errlen);
}

int plot_stage_as(outfiles *o, const char *dir, const char *stem, plot_files *pf, char *err,
                  size_t errlen)
{
    memset(pf, 0, sizeof *pf);
    pf->dir = dir;
    pf->stem = stem;
    if (out_dir(o, dir, err, errlen) != 0)
        return -1;
    for (int i = 0; i < PLOT_NFILES; i++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s.%s", dir, stem, file_ext[i]) >= sizeof path) {
            snprintf(err, errlen, "%s: path too long", dir);
            return -1;
        }
        if (!(pf->tmp[i] = out_stage(o, path, err, errlen)))
            return -1;
    }
    return 0;
}

/* One point of the figure: operations that land on the same spot (within
 * 3%) share one, whose label lists them all, so labels stay readable. */
typedef struct {
    char label[160];
    int phase;
    double x, y;
} point;

static int near(double a, double b) { return a / b < 1.03 && b / a < 1.03; }

static int collect_points(const arch_t *a, const run_phase *ph, int nph, point *pts, int max)
{
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
                if (pts[j].phase == phase && near(x.intensity, pts[j].x) && near(x.achieved, pts[j].y))
                    break;
            if (j < np) {
                size_t l = strlen(pts[j].label);
                snprintf(pts[j].label + l, sizeof pts[j].label - l, ",%s", name);
            } else if (np < max) {
                snprintf(pts[np].label, sizeof pts[np].label, "%s", name);
                pts[np].phase = phase;
                pts[np].x = x.intensity;
                pts[np].y = x.achieved;
                np++;
            }
        }
    }
    return np;
}

static int write_points(const char *path, const point *pts, int np)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "# name phase(0 prefill, 1 decode) ops_per_dram_byte achieved_ops_per_s\n");
    for (int j = 0; j < np; j++)
        fprintf(f, "%s %d %.9e %.9e\n", pts[j].label, pts[j].phase, pts[j].x, pts[j].y);
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

/* Ceilings: the LUT array at the run's weight width and at the other
 * common widths, and the vector unit. */
#define MAX_CEILINGS 6
typedef struct {
    int n;
    double ops[MAX_CEILINGS];
    char label[MAX_CEILINGS][64];
} ceilings;

static void compute_ceilings(const arch_t *a, const quant_preset *q, ceilings *c)
{
    int widths[] = { q->w.bits, 1, 2, 4, 8 }, seen = 0;
    c->n = 0;
    for (int i = 0; i < 5; i++) {
        int w = widths[i];
        if (w < a->wbits_min || w > a->wbits_max || (seen & (1 << w)))
            continue;
        seen |= 1 << w;
        c->ops[c->n] = 2.0 * lut_peak_macs_per_cycle(a, w) * a->clock_ghz * 1e9;
        snprintf(c->label[c->n], sizeof c->label[0], "LUT array W%d, %.3g TOPS", w,
                 c->ops[c->n] / 1e12);
        c->n++;
    }
    c->ops[c->n] = (double)a->vector_lanes * a->clock_ghz * 1e9;
    snprintf(c->label[c->n], sizeof c->label[0], "vector unit, %.3g Gop/s", c->ops[c->n] / 1e9);
    c->n++;
}

int plot_put_quoted(FILE *f, const char *s)
{
    char *qs = malloc(GP_QUOTED_SIZE(strlen(s)));
    if (!qs)
        return -1;
    gp_quote(s, qs);
    fputs(qs, f);
    free(qs);
    return 0;
}

/* The header carries every figure of the run, so the saved script redraws
 * the plot alone.  Numbers in %e form: gnuplot reads them as real numbers. */
static int write_script(const char *path, const char *title, const arch_t *a, const ceilings *c)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int bad = 0;
    fprintf(f, "# roofline.gp - the roofline of one lutsim run, written by lutsim run --plot.\n"
               "# Redraw it (after restyling, say) without lutsim: cd DIR && gnuplot roofline.gp\n"
               "# (reads roofline.dat beside it, writes roofline.png, .svg and .pdf there).\n");
    fputs("plot_title = ", f);
    bad |= plot_put_quoted(f, title);
    fprintf(f, "\nbw_gbs = %.9e  # DRAM bandwidth, GB/s\n", a->dram_gbps);
    fprintf(f, "array ceil_ops[%d] = [", c->n);
    for (int i = 0; i < c->n; i++)
        fprintf(f, "%s%.9e", i ? ", " : "", c->ops[i]);
    fprintf(f, "]  # compute ceilings, ops/s\narray ceil_label[%d] = [", c->n);
    for (int i = 0; i < c->n; i++) {
        fputs(i ? ", " : "", f);
        bad |= plot_put_quoted(f, c->label[i]);
    }
    fputs("]\n\n", f);
    fputs(embed_scripts_plots_roofline, f);
    bad |= ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

/* Bytes of the UTF-8 character at p (gp_visible leaves only whole ones). */
static size_t char_len(const char *p)
{
    size_t n = 1;
    while (n < 4 && ((unsigned char)p[n] & 0xc0) == 0x80)
        n++;
    return n;
}

/* Breaks text into lines of about width characters, so a long name does
 * not run off the figure: a line break goes before a word that does not
 * fit (or into a word longer than a line); every character stays. */
static void wrap(const char *in, char *out, size_t outlen, int width)
{
    size_t n = 0;
    int col = 0;
    for (const char *p = in; *p && n + 6 < outlen;) {
        if (*p == ' ') {
            out[n++] = *p++;
            col++;
            continue;
        }
        size_t wl = strcspn(p, " ");
        int chars = 0;
        for (size_t i = 0; i < wl; i += char_len(p + i))
            chars++;
        if (col > 0 && col + chars > width && chars <= width) {
            out[n++] = '\n';
            col = 0;
        }
        for (size_t i = 0; i < wl && n + 6 < outlen; col++) {
            if (col >= width) {
                out[n++] = '\n';
                col = 0;
            }
            size_t cl = char_len(p + i);
            memcpy(out + n, p + i, cl);
            n += cl;
            i += cl;
        }
        p += wl;
    }
    out[n] = '\0';
}

/* The title names the model, quantization and architecture as they are
 * spelled in their files, control characters made visible. */
static void make_title(const arch_t *a, const model_cfg *m, const quant_preset *q, char *out,
                       size_t outlen)
{
    char mv[512], qv[512], av[512], line[2048];
    gp_visible(m->name, mv, sizeof mv);
    gp_visible(q->name, qv, sizeof qv);
    gp_visible(a->name, av, sizeof av);
    snprintf(line, sizeof line, "%s %s on %s: roofline (DRAM %g GB/s)", mv, qv, av, a->dram_gbps);
    wrap(line, out, outlen, 100);
}

/* gnuplot -e definitions that point the script at the staged files. */
static char *staged_names(const plot_files *pf)
{
    static const char *const vars[] = { "points", NULL, "png", "svg", "pdf" };
    size_t len = 1;
    for (int i = 0; i < PLOT_NFILES; i++)
        if (vars[i])
            len += strlen(vars[i]) + 2 + GP_QUOTED_SIZE(strlen(pf->tmp[i]));
    char *defs = malloc(len), *p = defs;
    if (!defs)
        return NULL;
    for (int i = 0; i < PLOT_NFILES; i++) {
        if (!vars[i])
            continue;
        p += sprintf(p, "%s=", vars[i]);
        gp_quote(pf->tmp[i], p);
        p += strlen(p);
        *p++ = ';';
    }
    *p = '\0';
    return defs;
}

int plot_roofline(const plot_files *pf, outfiles *o, const arch_t *a, const model_cfg *m,
                  const quant_preset *q, const run_phase *ph, int nph, char *err, size_t errlen)
{
    static point pts[2 * MODEL_MAX_OPS];
    int np = collect_points(a, ph, nph, pts, 2 * MODEL_MAX_OPS);
    if (np == 0) {
        snprintf(err, errlen, "%s: no operation to plot", pf->dir);
        return -1;
    }
    if (write_points(pf->tmp[PLOT_DAT], pts, np) != 0) {
        snprintf(err, errlen, "%s/roofline.dat: write failed", pf->dir);
        return -1;
    }
    ceilings c;
    compute_ceilings(a, q, &c);
    char title[2048];
    make_title(a, m, q, title, sizeof title);
    if (write_script(pf->tmp[PLOT_GP], title, a, &c) != 0) {
        snprintf(err, errlen, "%s/roofline.gp: write failed", pf->dir);
        return -1;
    }
    return plot_draw(pf, o, err, errlen);
}

int plot_draw(const plot_files *pf, outfiles *o, char *err, size_t errlen)
{
    char *defs = staged_names(pf);
    if (!defs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = gp_run(defs, pf->tmp[PLOT_GP], &o->child, err, errlen);
    free(defs);
    if (rc != 0)
        return -1;
    for (int i = PLOT_PNG; i < PLOT_NFILES; i++) {
        struct stat sb;
        if (stat(pf->tmp[i], &sb) != 0 || sb.st_size == 0) {
            snprintf(err, errlen, "%s/%s.%s: gnuplot wrote nothing", pf->dir, pf->stem,
                     file_ext[i]);
            return -1;
        }
    }
    return 0;
}
