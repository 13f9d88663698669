/* area_json.c - parse the area figures; the area report as JSON. */
#include "area_json.h"

#include "arch_json.h" /* cfg_parse */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

extern const char embed_area_default[];   /* build/gen/embed_area_default.c */
extern const char embed_area_logic_fit[]; /* build/gen/embed_area_logic_fit.c */

const char *area_default_text(void) { return embed_area_default; }
const char *area_fit_text(void) { return embed_area_logic_fit; }

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* One object by a jansson unpack format; "LABEL: PATH: problem" on error. */
static int unpack(const json_t *o, const char *label, const char *path, char *err, size_t errlen,
                  const char *fmt, ...)
{
    json_error_t je;
    va_list ap;
    va_start(ap, fmt);
    int rc = json_vunpack_ex((json_t *)o, &je, 0, fmt, ap);
    va_end(ap);
    if (rc != 0)
        FAIL("%s: %s: %s", label, path, je.text);
    return 0;
}

/* A cited number: {"...": value, "source": non-empty}. */
static int cited(const json_t *o, const char *label, const char *path, const char *key,
                 double *v, char *err, size_t errlen)
{
    const char *src;
    if (unpack(o, label, path, err, errlen, "{s:F, s:s}", key, v, "source", &src))
        return -1;
    if (!*src)
        FAIL("%s: %s.source: empty: every figure cites its source or says \"assumption\"",
             label, path);
    return 0;
}

/* An array of cited {node_nm, KEY} points. */
static int node_points(const json_t *arr, const char *label, const char *path, const char *key,
                       area_node_value *out, int *n, char *err, size_t errlen)
{
    if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > AREA_MAX_POINTS)
        FAIL("%s: %s: expected an array of 1..%d points", label, path, AREA_MAX_POINTS);
    *n = (int)json_array_size(arr);
    for (int i = 0; i < *n; i++) {
        char p[96];
        snprintf(p, sizeof p, "%s[%d]", path, i);
        const json_t *o = json_array_get(arr, (size_t)i);
        if (unpack(o, label, p, err, errlen, "{s:i}", "node_nm", &out[i].node_nm) ||
            cited(o, label, p, key, &out[i].value, err, errlen))
            return -1;
        if (out[i].node_nm < 1 || !(out[i].value > 0))
            FAIL("%s: %s: node_nm and %s must be positive", label, p, key);
        for (int j = 0; j < i; j++)
            if (out[j].node_nm == out[i].node_nm)
                FAIL("%s: %s: node %d appears twice", label, p, out[i].node_nm);
    }
    return 0;
}

static int parse_sram(const json_t *doc, const char *label, area_table *t, char *err, size_t errlen)
{
    const json_t *s = json_object_get(doc, "sram"), *eff;
    const json_t *pf;
    if (unpack(doc, label, "sram", err, errlen, "{s:{s:o, s:o}}", "sram", "efficiency", &eff,
               "port_factor", &pf) ||
        node_points(json_object_get(s, "bitcell_um2"), label, "sram.bitcell_um2", "um2",
                    t->bitcell, &t->nbitcell, err, errlen) ||
        cited(pf, label, "sram.port_factor", "value", &t->port_factor, err, errlen))
        return -1;
    if (!json_is_array(eff) || json_array_size(eff) < 1 || json_array_size(eff) > AREA_MAX_POINTS)
        FAIL("%s: sram.efficiency: expected an array of 1..%d points", label, AREA_MAX_POINTS);
    t->neff = (int)json_array_size(eff);
    for (int i = 0; i < t->neff; i++) {
        char p[64];
        snprintf(p, sizeof p, "sram.efficiency[%d]", i);
        const json_t *o = json_array_get(eff, (size_t)i);
        if (unpack(o, label, p, err, errlen, "{s:i, s:i}", "node_nm", &t->eff_node[i],
                   "width_bits", &t->eff_width[i]) ||
            cited(o, label, p, "value", &t->eff[i], err, errlen))
            return -1;
        if (t->eff_width[i] < 1 || !(t->eff[i] > 0 && t->eff[i] <= 1))
            FAIL("%s: %s: width_bits must be positive and value in (0, 1]", label, p);
    }
    return 0;
}

/* A cited per-item logic area in um2 and the node it is given at. */
static int logic_figure(const json_t *doc, const char *label, const char *key, double *um2,
                        int *node, char *err, size_t errlen)
{
    const json_t *o = json_object_get(doc, key);
    const char *unit;
    if (unpack(doc, label, key, err, errlen, "{s:{s:s, s:i}}", key, "unit", &unit, "node_nm",
               node) ||
        cited(o, label, key, "value", um2, err, errlen))
        return -1;
    if (strcmp(unit, "um2") != 0)
        FAIL("%s: %s.unit: expected \"um2\", got \"%.20s\"", label, key, unit);
    return 0;
}

/* A cited per-item logic area at the fit's node. */
static int logic_item(const json_t *doc, const char *label, const char *key, int node,
                      double *um2, char *err, size_t errlen)
{
    int n;
    if (logic_figure(doc, label, key, um2, &n, err, errlen))
        return -1;
    if (n != node)
        FAIL("%s: %s.node_nm: %d differs from the logic fit's node (%d nm)", label, key, n, node);
    return 0;
}

/* A logic figure published at another node than the fit's: brought to the
 * fit's node through the logic scaling table (t->scale must be read). */
static int logic_item_scaled(const json_t *doc, const char *label, const char *key,
                             const area_table *t, double *um2, char *err, size_t errlen)
{
    int n;
    double f;
    if (logic_figure(doc, label, key, um2, &n, err, errlen))
        return -1;
    if (area_logic_factor(t, n, &f, err, errlen))
        FAIL("%s: %s.node_nm: %d is outside logic_scaling's nodes", label, key, n);
    *um2 /= f;
    return 0;
}

static int bs_pe_items(const json_t *fig, const char *flabel, area_table *t, char *err,
                       size_t errlen)
{
    for (int p = 0; p < BS_PE_COUNT; p++)
        if (logic_item_scaled(fig, flabel, arch_bs_pe_keys[p], t, &t->bitserial_pe_um2[p], err,
                              errlen))
            return -1;
    return 0;
}

static int parse_fit_unit(const json_t *units, const char *label, area_unit u, area_fit *f,
                          char *err, size_t errlen)
{
    char p[96];
    const json_t *terms;
    snprintf(p, sizeof p, "units.%s", area_unit_names[u]);
    if (unpack(units, label, p, err, errlen, "{s:{s:o}}", area_unit_names[u], "terms", &terms))
        return -1;
    if (!json_is_array(terms) || json_array_size(terms) < 1 ||
        json_array_size(terms) > AREA_MAX_TERMS)
        FAIL("%s: %s.terms: expected an array of 1..%d terms", label, p, AREA_MAX_TERMS);
    f->nterms = (int)json_array_size(terms);
    for (int i = 0; i < f->nterms; i++) {
        char q[128];
        snprintf(q, sizeof q, "%s.terms[%d]", p, i);
        const json_t *vars;
        area_term *t = &f->term[i];
        if (unpack(json_array_get(terms, (size_t)i), label, q, err, errlen, "{s:o, s:F}", "vars",
                   &vars, "um2", &t->um2))
            return -1;
        if (!json_is_array(vars) || json_array_size(vars) > AREA_MAX_TERM_VARS)
            FAIL("%s: %s.vars: expected an array of at most %d names", label, q,
                 AREA_MAX_TERM_VARS);
        t->nvars = (int)json_array_size(vars);
        for (int v = 0; v < t->nvars; v++) {
            const char *name = json_string_value(json_array_get(vars, (size_t)v));
            const char *const *ok = area_unit_vars(u);
            while (name && *ok && strcmp(*ok, name) != 0)
                ok++;
            if (!name || !*ok)
                FAIL("%s: %s.vars[%d]: not a parameter of %s", label, q, v, area_unit_names[u]);
            snprintf(t->var[v], sizeof t->var[v], "%s", name);
        }
    }
    return 0;
}

static int parse_docs(const json_t *fig, const char *flabel, const json_t *fit, const char *glabel,
                      area_table *t, char *err, size_t errlen)
{
    const json_t *units;
    int from;
    if (unpack(fit, glabel, "node_nm", err, errlen, "{s:i, s:o}", "node_nm", &t->fit_node_nm,
               "units", &units))
        return -1;
    for (int u = 0; u < AREA_UNIT_COUNT; u++)
        if (parse_fit_unit(units, glabel, (area_unit)u, &t->unit[u], err, errlen))
            return -1;
    const json_t *ls = json_object_get(fig, "logic_scaling");
    if (unpack(fig, flabel, "logic_scaling", err, errlen, "{s:{s:i}}", "logic_scaling", "from_nm",
               &from) ||
        node_points(json_object_get(ls, "factors"), flabel, "logic_scaling.factors", "factor",
                    t->scale, &t->nscale, err, errlen) ||
        parse_sram(fig, flabel, t, err, errlen) ||
        logic_item(fig, flabel, "vector_lane", t->fit_node_nm, &t->vector_lane_um2, err, errlen) ||
        logic_item(fig, flabel, "double_acc_bit", t->fit_node_nm, &t->double_acc_bit_um2, err,
                   errlen) ||
        bs_pe_items(fig, flabel, t, err, errlen))
        return -1;
    if (from != t->fit_node_nm)
        FAIL("%s: logic_scaling.from_nm: %d differs from the logic fit's node (%d nm)", flabel,
             from, t->fit_node_nm);
    return area_table_check(t, err, errlen);
}

int area_table_from_json_strings(const char *figures, const char *figures_label, const char *fit,
                                 const char *fit_label, area_table *out, char *err, size_t errlen)
{
    json_t *fig = cfg_parse(figures, figures_label, err, errlen);
    json_t *g = fig ? cfg_parse(fit, fit_label, err, errlen) : NULL;
    area_table t;
    memset(&t, 0, sizeof t);
    int rc = g ? parse_docs(fig, figures_label, g, fit_label, &t, err, errlen) : -1;
    json_decref(fig);
    json_decref(g);
    if (rc == 0)
        *out = t;
    return rc;
}

int area_table_default(area_table *out, char *err, size_t errlen)
{
    /* The embedded tables are constants of the build: parsed once per
     * process (a sweep prices every point's area several times; parsing
     * was 6% of a point).  Processes, not threads, run points in parallel. */
    static area_table parsed;
    static int have;
    if (have) {
        *out = parsed;
        return 0;
    }
    if (area_table_from_json_strings(embed_area_default, "<embedded area figures>",
                                     embed_area_logic_fit, "<embedded area logic fit>", out, err,
                                     errlen) != 0)
        return -1;
    parsed = *out;
    have = 1;
    return 0;
}

int area_of_arch(const arch_t *a, area_report *r, char *err, size_t errlen)
{
    area_table t;
    if (area_table_default(&t, err, errlen))
        return -1;
    return area_eval(&t, a, r, err, errlen);
}

int area_report_to_json(const area_report *r, json_t *obj)
{
    json_t *b = json_object();
    int rc = b ? 0 : -1;
    for (int p = 0; p < AREA_PART_COUNT && rc == 0; p++)
        rc = json_object_set_new(b, area_part_names[p], json_real(r->part_mm2[p]));
    if (rc == 0)
        rc = json_object_set_new(obj, "area_mm2", json_real(r->total_mm2));
    if (rc != 0) {
        json_decref(b);
        return -1;
    }
    if (json_object_set_new(obj, "area_breakdown_mm2", b) != 0) /* b is taken either way */
        return -1;
    return json_object_set_new(obj, "area_node_nm", json_integer(r->node_nm));
}
