/* compare_report.c - `lutsim compare`'s figures and ratios, table, CSV and
 * figure.  The figures are the run reports' own numbers, copied, so a
 * design in a comparison and the same design run alone cannot disagree. */
#include "compare_report.h"

#include "gnuplot.h"
#include "printable.h"
#include "units.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

extern const char embed_scripts_plots_compare[];

int compare_pick_baseline(compare_set *cs, const char *want, char *err, size_t errlen)
{
    cs->base = 0;
    if (!want)
        return 0;
    for (int d = 0; d < cs->n; d++) {
        const char *name = json_string_value(json_object_get(cs->report[d], "arch"));
        if (name && !strcmp(name, want)) {
            cs->base = d;
            return 0;
        }
    }
    char *end;
    long i = strtol(want, &end, 10);
    if (*want >= '0' && *want <= '9' && !*end && i >= 1 && i <= cs->n) {
        cs->base = (int)i - 1;
        return 0;
    }
    snprintf(err, errlen, "--baseline: '%s' is neither a design's arch name nor a position "
                          "1..%d", want, cs->n);
    return -1;
}

/* The run report's figures a comparison carries, as the report names them. */
static const char *const copied[] = {
    "cycles", "compute_kind", "compute_cycles", "seconds", "tokens", "tokens_per_s",
    "energy_pj", "energy_per_token_pj", "array_energy_per_token_pj", "dram_bytes", "tops", "tops_per_w", "area_mm2",
    "area_breakdown_mm2", "tops_per_mm2",
};

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* a / b, or null when either is missing or b is not positive. */
static json_t *ratio(double a, double b)
{
    return isfinite(a) && isfinite(b) && b > 0 ? json_real(a / b) : json_null();
}

static double per_mm2(const json_t *t)
{
    return num(t, "tokens_per_s") / num(t, "area_mm2");
}

static json_t *phase_row(const json_t *t, const json_t *bt, const char *phase)
{
    json_t *r = json_object();
    json_object_set_new(r, "phase", json_string(phase));
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
        json_t *v = json_object_get(t, copied[i]);
        json_object_set_new(r, copied[i], v ? json_deep_copy(v) : json_null());
    }
    const double tpa = per_mm2(t);
    json_object_set_new(r, "tokens_per_s_per_mm2", isfinite(tpa) ? json_real(tpa) : json_null());
    json_object_set_new(r, "speedup", ratio(num(bt, "seconds"), num(t, "seconds")));
    json_object_set_new(r, "energy_ratio",
                        ratio(num(t, "energy_per_token_pj"), num(bt, "energy_per_token_pj")));
    json_object_set_new(r, "area_ratio", ratio(num(t, "area_mm2"), num(bt, "area_mm2")));
    json_object_set_new(r, "tokens_per_s_per_mm2_ratio", ratio(tpa, per_mm2(bt)));
    return r;
}

json_t *compare_to_json(const compare_set *cs)
{
    const json_t *base = cs->report[cs->base];
    json_t *root = json_object(), *designs = json_array();
    json_object_set(root, "model", json_object_get(base, "model"));
    json_object_set(root, "baseline", json_object_get(base, "arch"));
    json_object_set_new(root, "baseline_index", json_integer(cs->base + 1));
    for (int d = 0; d < cs->n; d++) {
        const json_t *rep = cs->report[d];
        json_t *o = json_object(), *phases = json_array();
        json_object_set(o, "arch", json_object_get(rep, "arch"));
        json_object_set_new(o, "arch_file", json_string(cs->file[d]));
        json_object_set(o, "quant", json_object_get(rep, "quant"));
        const json_t *ph = json_object_get(rep, "phases"), *bph = json_object_get(base, "phases");
        for (size_t k = 0; k < json_array_size(ph); k++) {
            const json_t *p = json_array_get(ph, k);
            json_array_append_new(phases, phase_row(json_object_get(p, "total"),
                                                    json_object_get(json_array_get(bph, k), "total"),
                                                    json_string_value(json_object_get(p, "phase"))));
        }
        json_object_set_new(o, "phases", phases);
        json_array_append_new(designs, o);
    }
    json_object_set_new(root, "designs", designs);
    return root;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* "1.234x" or "-" when the ratio is null. */
static void times(char *buf, size_t n, const json_t *o, const char *key)
{
    double v = num(o, key);
    if (isfinite(v))
        snprintf(buf, n, "%.3fx", v);
    else
        snprintf(buf, n, "-");
}

void compare_print(FILE *f, const json_t *cj)
{
    const json_t *ds = json_object_get(cj, "designs");
    const size_t np = json_array_size(json_object_get(json_array_get(ds, 0), "phases"));
    char b[512];
    fprintf(f, "%s: baseline %s\n", printable(str(cj, "model"), b, sizeof b),
            printable(str(cj, "baseline"), b + 256, 256));
    for (size_t k = 0; k < np; k++) {
        fprintf(f, "\n%-22s %-15s %11s %16s %16s %11s %8s %8s %9s\n",
                str(json_array_get(json_object_get(json_array_get(ds, 0), "phases"), k), "phase"),
                "quant", "latency", "throughput", "energy/token", "area", "speedup",
                "energy", "tok/s/mm2");
        fprintf(f, "%-22s %-15s %11s %16s %16s %11s %8s %8s %9s\n", "", "", "", "", "", "", "",
                "ratio", "ratio");
        for (size_t d = 0; d < json_array_size(ds); d++) {
            const json_t *o = json_array_get(ds, d);
            const json_t *r = json_array_get(json_object_get(o, "phases"), k);
            char name[64], quant[64], lat[32], tps[32], ept[32], area[32], sp[16], er[16], ta[16];
            printable(str(o, "arch"), name, sizeof name);
            printable(str(o, "quant"), quant, sizeof quant);
            units_si(lat, sizeof lat, num(r, "seconds"), "s");
            units_si(tps, sizeof tps, num(r, "tokens_per_s"), " tokens/s");
            units_si(ept, sizeof ept, num(r, "energy_per_token_pj") * 1e-12, "J/token");
            if (isfinite(num(r, "area_mm2")))
                snprintf(area, sizeof area, "%.3f mm^2", num(r, "area_mm2"));
            else
                snprintf(area, sizeof area, "-");
            times(sp, sizeof sp, r, "speedup");
            times(er, sizeof er, r, "energy_ratio");
            times(ta, sizeof ta, r, "tokens_per_s_per_mm2_ratio");
            fprintf(f, "%-22s %-15s %11s %16s %16s %11s %8s %8s %9s\n", name, quant, lat, tps,
                    ept, area, sp, er, ta);
        }
    }
}

static const char *const csv_keys[] = {
    "seconds", "tokens_per_s", "energy_per_token_pj", "area_mm2", "tokens_per_s_per_mm2",
    "speedup", "energy_ratio", "area_ratio", "tokens_per_s_per_mm2_ratio",
};
#define NCSV (sizeof csv_keys / sizeof csv_keys[0])

int compare_to_csv(const char *path, const json_t *cj)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("arch,arch_file,quant,phase", f);
    for (size_t i = 0; i < NCSV; i++)
        fprintf(f, ",%s", csv_keys[i]);
    fputc('\n', f);
    const json_t *ds = json_object_get(cj, "designs");
    for (size_t d = 0; d < json_array_size(ds); d++) {
        const json_t *o = json_array_get(ds, d), *ph = json_object_get(o, "phases");
        for (size_t k = 0; k < json_array_size(ph); k++) {
            const json_t *r = json_array_get(ph, k);
            csv_string(f, str(o, "arch"));
            fputc(',', f);
            csv_string(f, str(o, "arch_file"));
            fputc(',', f);
            csv_string(f, str(o, "quant"));
            fprintf(f, ",%s", str(r, "phase"));
            for (size_t i = 0; i < NCSV; i++) {
                double v = num(r, csv_keys[i]);
                if (isfinite(v))
                    fprintf(f, ",%.17g", v);
                else
                    fputc(',', f); /* null: an empty field */
            }
            fputc('\n', f);
        }
    }
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

/* One row per design: index, per phase speedup, energy ratio and
 * throughput-per-mm^2 ratio, then the area of every part (the baseline's
 * breakdown keys, in its order); NaN where a figure is null. */
static int write_points(const char *path, const json_t *cj, const json_t *parts)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    static const char *const m[] = { "speedup", "energy_ratio", "tokens_per_s_per_mm2_ratio" };
    const json_t *ds = json_object_get(cj, "designs");
    fputs("# design, per phase: speedup energy_ratio tokens_per_s_per_mm2_ratio, then area "
          "parts (mm^2)\n", f);
    for (size_t d = 0; d < json_array_size(ds); d++) {
        const json_t *ph = json_object_get(json_array_get(ds, d), "phases");
        fprintf(f, "%zu", d);
        for (size_t k = 0; k < json_array_size(ph); k++)
            for (int i = 0; i < 3; i++)
                fprintf(f, " %.9e", num(json_array_get(ph, k), m[i]));
        const json_t *br = json_object_get(json_array_get(ph, 0), "area_breakdown_mm2");
        for (size_t i = 0; i < json_array_size(parts); i++)
            fprintf(f, " %.9e", num(br, json_string_value(json_array_get(parts, i))));
        fputc('\n', f);
    }
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

static int put_array(FILE *f, const char *name, const json_t *strings)
{
    int bad = 0;
    fprintf(f, "array %s[%zu] = [", name, json_array_size(strings));
    for (size_t i = 0; i < json_array_size(strings); i++) {
        fputs(i ? ", " : "", f);
        bad |= plot_put_quoted(f, json_string_value(json_array_get(strings, i)));
    }
    fputs("]\n", f);
    return bad;
}

static int write_script(const char *path, const json_t *cj, const json_t *parts)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    json_t *names = json_array(), *phases = json_array();
    const json_t *ds = json_object_get(cj, "designs");
    for (size_t d = 0; d < json_array_size(ds); d++)
        json_array_append_new(names, json_string(str(json_array_get(ds, d), "arch")));
    const json_t *ph = json_object_get(json_array_get(ds, 0), "phases");
    for (size_t k = 0; k < json_array_size(ph); k++)
        json_array_append_new(phases, json_string(str(json_array_get(ph, k), "phase")));
    char title[1024], vm[256], vb[256];
    gp_visible(str(cj, "model"), vm, sizeof vm);
    gp_visible(str(cj, "baseline"), vb, sizeof vb);
    snprintf(title, sizeof title, "%s: designs against %s", vm, vb);
    fprintf(f, "# compare.gp - the figure of one lutsim compare, written by --plot.\n"
               "# Redraw it without lutsim: cd DIR && gnuplot compare.gp\n");
    fputs("plot_title = ", f);
    int bad = plot_put_quoted(f, title);
    fputc('\n', f);
    bad |= put_array(f, "design", names) | put_array(f, "phase", phases) |
           put_array(f, "part", parts);
    fputc('\n', f);
    fputs(embed_scripts_plots_compare, f);
    json_decref(names);
    json_decref(phases);
    bad |= ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

int compare_plot(const plot_files *pf, outfiles *o, const json_t *cj, char *err, size_t errlen)
{
    const json_t *ds = json_object_get(cj, "designs");
    const json_t *base = json_array_get(ds, (size_t)json_integer_value(json_object_get(cj, "baseline_index")) - 1);
    const json_t *br = json_object_get(json_array_get(json_object_get(base, "phases"), 0),
                                       "area_breakdown_mm2");
    json_t *parts = json_array();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)br, key, v)
        json_array_append_new(parts, json_string(key));
    int rc = 0;
    if (write_points(pf->tmp[PLOT_DAT], cj, parts) != 0) {
        snprintf(err, errlen, "%s/compare.dat: write failed", pf->dir);
        rc = -1;
    } else if (write_script(pf->tmp[PLOT_GP], cj, parts) != 0) {
        snprintf(err, errlen, "%s/compare.gp: write failed", pf->dir);
        rc = -1;
    } else {
        rc = plot_draw(pf, o, err, errlen);
    }
    json_decref(parts);
    return rc;
}
