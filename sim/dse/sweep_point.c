/* sweep_point.c - inputs, simulation and row of one sweep point. */
#include "sweep_point.h"

#include "arch_json.h"
#include "area_json.h"
#include "mapper.h"
#include "model_json.h"
#include "run_eval.h"
#include "engine_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sweep_ctx_init(sweep_ctx *c, const sweep_spec *s)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->shapes = lower_cache_new();
    return c->shapes ? 0 : -1;
}

void sweep_ctx_free(sweep_ctx *c)
{
    json_decref(c->arch_file_doc);
    c->arch_file_doc = NULL;
    lower_cache_free(c->shapes);
    c->shapes = NULL;
    for (int i = 0; i < SWEEP_CACHE_MAX; i++) {
        free(c->cache[i].key);
        c->cache[i].key = NULL;
    }
}

void sweep_inputs_free(sweep_inputs *in)
{
    json_decref(in->arch_doc);
    in->arch_doc = NULL;
}

/* The value of option name for this point: swept, else base, else NULL. */
static json_t *option(const sweep_spec *s, json_t *const *vals, const char *name)
{
    for (int j = 0; j < s->np; j++)
        if (!strcmp(s->p[j].key, name))
            return vals[j];
    return json_object_get(s->base, name);
}

static const char *opt_str(const sweep_spec *s, json_t *const *vals, const char *name,
                           const char *dflt)
{
    json_t *v = option(s, vals, name);
    return v ? json_string_value(v) : dflt;
}

static int opt_int(const sweep_spec *s, json_t *const *vals, const char *name, int dflt)
{
    json_t *v = option(s, vals, name);
    return v ? (int)json_integer_value(v) : dflt;
}

/* Sets doc's key path ("lut.tile.n") to a copy of v, making objects on the way. */
static int set_path(json_t *doc, const char *path, json_t *v)
{
    char buf[SWEEP_KEY_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    char *seg = buf, *dot;
    while ((dot = strchr(seg, '.'))) {
        *dot = '\0';
        json_t *next = json_object_get(doc, seg);
        if (!next) {
            next = json_object();
            if (json_object_set_new(doc, seg, next) != 0)
                return -1;
        }
        doc = next;
        seg = dot + 1;
    }
    return json_object_set(doc, seg, v);
}

/* The architecture document before overrides: the base's, or a swept file's. */
static json_t *arch_start(sweep_ctx *c, const char *path, char *err, size_t errlen)
{
    json_t *base = json_object_get(c->s->base, "arch");
    if (!path || (base && !strcmp(path, json_string_value(base))))
        return json_deep_copy(c->s->arch_file);
    if (!c->arch_file_doc || strcmp(c->arch_path, path) != 0) {
        json_decref(c->arch_file_doc);
        c->arch_file_doc = NULL;
        char *text = cfg_read_text_file(path, err, errlen);
        if (!text)
            return NULL;
        c->arch_file_doc = cfg_parse(text, path, err, errlen);
        free(text);
        if (!c->arch_file_doc)
            return NULL;
        snprintf(c->arch_path, sizeof c->arch_path, "%s", path);
    }
    return json_deep_copy(c->arch_file_doc);
}

static int energy_of(sweep_ctx *c, const char *path, const arch_t *a, energy_model *em,
                     char *err, size_t errlen)
{
    const char *key = path ? path : "";
    if (!c->energy_loaded || strcmp(c->energy_path, key) != 0) {
        int rc = path ? energy_table_from_json_file(path, &c->et, err, errlen)
                      : energy_table_default(&c->et, err, errlen);
        if (rc != 0)
            return -1;
        snprintf(c->energy_path, sizeof c->energy_path, "%s", key);
        c->energy_loaded = 1;
    }
    char e[512];
    if (energy_model_for_arch(&c->et, a, em, e, sizeof e) != 0) {
        snprintf(err, errlen, "%s: %s", path ? path : "embedded energy table", e);
        return -1;
    }
    return 0;
}

typedef struct {
    const sweep_spec *s;
    json_t *const *vals;
    json_t *arch;    /* every key of the point's architecture */
    json_t *cols;    /* the row so far (report figures), or NULL */
} lookup_ctx;

static int lookup(void *ctx, const char *name, sx_value *out)
{
    lookup_ctx *l = ctx;
    json_t *v = NULL;
    if (!strncmp(name, "arch.", 5)) {
        v = l->arch;
        char buf[SWEEP_KEY_MAX];
        snprintf(buf, sizeof buf, "%s", name + 5);
        for (char *seg = strtok(buf, "."); seg && v; seg = strtok(NULL, "."))
            v = json_object_get(v, seg);
    } else if (sweep_is_option(name)) {
        v = option(l->s, l->vals, name);
    } else if (l->cols) {
        v = json_object_get(l->cols, name);
    }
    if (json_is_string(v)) {
        out->is_str = 1;
        out->str = json_string_value(v);
        return 0;
    }
    if (json_is_number(v) || json_is_boolean(v)) {
        out->is_str = 0;
        out->num = json_is_boolean(v) ? json_is_true(v) : json_number_value(v);
        return 0;
    }
    return -1;
}

/* Checks the constraints of one kind (before or after the run): 0 all hold,
 * 1 one fails (reason), -1 a constraint cannot be evaluated (err). */
static int check_constraints(const sweep_spec *s, lookup_ctx *l, int after_run, char *reason,
                             size_t rlen, char *err, size_t errlen)
{
    for (int i = 0; i < s->nc; i++) {
        if (s->c[i].after_run != after_run)
            continue;
        int t;
        char why[256];
        if (sx_eval(s->c[i].e, lookup, l, NULL, &t, why, sizeof why) != 0) {
            if (after_run) { /* a figure the build reports (sweep_check_figures), but not
                              * for this point: an area the tables cannot price */
                snprintf(reason, rlen, "constraint '%s': %s (not reported for this point)",
                         s->c[i].text, why);
                return 1;
            }
            snprintf(err, errlen, "%s: constraints[%d] '%s': %s", s->label, i, s->c[i].text, why);
            return -1;
        }
        if (!t) {
            snprintf(reason, rlen, "constraint '%s' fails", s->c[i].text);
            return 1;
        }
    }
    return 0;
}

int sweep_point_inputs(sweep_ctx *c, json_t *const *vals, sweep_inputs *in,
                       const char **status, char *reason, size_t rlen)
{
    const sweep_spec *s = c->s;
    memset(in, 0, sizeof *in);
    *status = "invalid";
    if (sweep_point_conflict(s, vals, reason, rlen))
        return 1;
    in->model = opt_str(s, vals, "model", NULL);
    in->quant = opt_str(s, vals, "quant", NULL);
    in->phase = opt_str(s, vals, "phase", "both");
    in->objective_name = opt_str(s, vals, "objective", "edp");
    in->batch = opt_int(s, vals, "batch", 1);
    in->seq = opt_int(s, vals, "seq", 2048);
    in->context = opt_int(s, vals, "context", 2048);
    in->want[0] = !strcmp(in->phase, "prefill") || !strcmp(in->phase, "both");
    in->want[1] = !strcmp(in->phase, "decode") || !strcmp(in->phase, "both");
    map_objective o;
    if (!in->want[0] && !in->want[1]) {
        snprintf(reason, rlen, "phase: expected prefill, decode or both, got '%s'", in->phase);
        return 1;
    }
    if (map_objective_parse(in->objective_name, &o) != 0) {
        snprintf(reason, rlen, "objective: expected edp, cycles or energy, got '%s'",
                 in->objective_name);
        return 1;
    }
    in->objective = (int)o;
    const char *arch_path = opt_str(s, vals, "arch", NULL);
    if (!(in->arch_doc = arch_start(c, arch_path, reason, rlen)))
        return 1;
    /* base's arch.* keys first, then the swept ones */
    const char *k;
    json_t *v;
    json_object_foreach(s->base, k, v)
        if (!strncmp(k, "arch.", 5) && set_path(in->arch_doc, k + 5, v) != 0) {
            snprintf(reason, rlen, "%s: cannot be set", k);
            return 1;
        }
    for (int j = 0; j < s->np; j++)
        if (!strncmp(s->p[j].key, "arch.", 5) && set_path(in->arch_doc, s->p[j].key + 5, vals[j]) != 0) {
            snprintf(reason, rlen, "%s: cannot be set", s->p[j].key);
            return 1;
        }
    if (arch_from_json(in->arch_doc, arch_path ? arch_path : s->arch_label, &in->a, reason, rlen) != 0 ||
        energy_of(c, (in->energy = opt_str(s, vals, "energy", NULL)), &in->a, &in->em, reason,
                  rlen) != 0 ||
        model_from_hf_config(in->model, &in->m, reason, rlen) != 0 ||
        quant_from_name_or_file(in->quant, &in->q, reason, rlen) != 0)
        return 1;
    return 0;
}

/* The inputs of phase k of in as text: what its results depend on. */
static char *phase_key(const sweep_inputs *in, int k)
{
    json_t *a = arch_to_json(&in->a);
    char *arch = a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(a);
    if (!arch)
        return NULL;
    size_t n = strlen(arch) + strlen(in->model) + strlen(in->quant) +
               (in->energy ? strlen(in->energy) : 0) + 128;
    char *key = malloc(n);
    if (key)
        snprintf(key, n, "%s|%s|%s|%s|%d|%d|%d|%s", in->model, in->quant,
                 in->energy ? in->energy : "-", in->objective_name, k, in->batch,
                 k == 0 ? in->seq : in->context, arch);
    free(arch);
    return key;
}

static uint64_t text_hash(const char *s)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return h;
}

static sweep_cached_phase *cache_find(sweep_ctx *c, const char *key, uint64_t h)
{
    for (int i = 0; i < SWEEP_CACHE_MAX; i++)
        if (c->cache[i].key && c->cache[i].hash == h && !strcmp(c->cache[i].key, key))
            return &c->cache[i];
    return NULL;
}

static void cache_store(sweep_ctx *c, char *key, uint64_t h, const run_phase *p)
{
    sweep_cached_phase *e = &c->cache[c->cache_next];
    c->cache_next = (c->cache_next + 1) % SWEEP_CACHE_MAX;
    free(e->key);
    e->key = key;
    e->hash = h;
    memcpy(e->ops, p->ops, sizeof e->ops[0] * (size_t)p->nops);
    e->nops = p->nops;
    e->info = p->info;
}

int sweep_point_simulate(sweep_ctx *c, sweep_inputs *in, char *reason, size_t rlen)
{
    in->nph = 0;
    for (int k = 0; k < 2; k++) {
        if (!in->want[k])
            continue;
        run_phase *p = &in->ph[in->nph];
        if (run_phase_prepare(&in->m, in->model, k, in->batch, in->seq, in->context, p, reason,
                              rlen) != 0)
            return 1;
        char *key = phase_key(in, k);
        uint64_t h = key ? text_hash(key) : 0;
        sweep_cached_phase *e = key ? cache_find(c, key, h) : NULL;
        if (e) { /* the same inputs: the same results, not simulated again */
            memcpy(c->ops[in->nph], e->ops, sizeof e->ops[0] * (size_t)e->nops);
            p->ops = c->ops[in->nph];
            p->nops = e->nops;
            p->info = e->info;
            c->cache_hits++;
            free(key);
        } else {
            if (run_phase_time(&in->a, &in->em, &in->m, in->model, &in->q, in->objective, p,
                               c->ops[in->nph], NULL, NULL, c->shapes, reason, rlen) != 0) {
                free(key);
                return 1;
            }
            c->cache_misses++;
            if (key)
                cache_store(c, key, h, p);
        }
        in->nph++;
    }
    return 0;
}

/* Adds the numbers of object o (recursively, "prefix.key") to cols. */
static void flatten(json_t *cols, const char *prefix, json_t *o, int strings)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        char name[256];
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", k);
        if (json_is_object(v))
            flatten(cols, name, v, strings);
        else if (json_is_number(v) || (strings && (json_is_string(v) || json_is_boolean(v))))
            json_object_set(cols, name, v);
    }
}

/* The report's figures into cols, and the operations into ops (if not NULL). */
static void report_figures(const sweep_inputs *in, json_t *cols, json_t *ops)
{
    json_t *r = run_to_json_opt(&in->a, &in->em, &in->m, &in->q, in->ph, in->nph, ops != NULL);
    const char *k;
    json_t *v;
    json_object_foreach(r, k, v) {
        if (!strcmp(k, "phases"))
            continue;
        if (json_is_number(v))
            json_object_set(cols, k, v);
        else if (json_is_object(v))
            flatten(cols, k, v, 0);
    }
    size_t i;
    json_t *ph;
    json_array_foreach(json_object_get(r, "phases"), i, ph) {
        const char *name = json_string_value(json_object_get(ph, "phase"));
        json_t *tot = json_object_get(ph, "total");
        json_object_del(tot, "host_seconds"); /* the host's, not the design's */
        json_object_del(tot, "simulations");
        json_object_del(tot, "area_mm2"); /* the point's, one column each (below) */
        json_object_del(tot, "area_breakdown_mm2");
        json_object_del(tot, "area_node_nm");
        flatten(cols, name, tot, 0);
        size_t j;
        json_t *op;
        json_array_foreach(ops ? json_object_get(ph, "ops") : NULL, j, op) {
            json_t *row = json_object();
            json_object_set_new(row, "phase", json_string(name));
            json_object_set_new(row, "seq", json_integer((json_int_t)j));
            flatten(row, "", op, 1);
            json_array_append_new(ops, row);
        }
    }
    json_decref(r);
    /* the design's area is the point's, not a phase's: top-level columns
     * area_mm2, area_breakdown_mm2.PART, area_node_nm (absent if the area
     * tables cannot price the architecture) */
    area_report ar;
    char e[256];
    json_t *area = json_object();
    if (area_of_arch(&in->a, &ar, e, sizeof e) == 0 && area_report_to_json(&ar, area) == 0)
        flatten(cols, "", area, 0);
    json_decref(area);
}

json_t *sweep_eval(sweep_ctx *c, uint64_t id, int want_ops, char *err, size_t errlen)
{
    const sweep_spec *s = c->s;
    json_t *vals[s->np > 0 ? s->np : 1];
    if (sweep_point_values(s, id, vals) != 0) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    json_t *row = json_object(), *cols = json_object(), *ops = want_ops ? json_array() : NULL;
    json_object_set_new(row, "cols", cols);
    if (ops)
        json_object_set_new(row, "ops", ops);
    json_object_set_new(cols, "id", json_integer((json_int_t)id));
    for (int j = 0; j < s->np; j++)
        if (sweep_param_first(s, j))
            json_object_set(cols, s->p[j].key, vals[j]);
    const char *status = "ok";
    char reason[1024] = "";
    sweep_inputs in;
    int rc = sweep_point_inputs(c, vals, &in, &status, reason, sizeof reason);
    lookup_ctx l = { s, vals, NULL, NULL };
    json_t *figures = json_object();
    if (rc == 0 && s->nc > 0) {
        l.arch = arch_to_json(&in.a);
        rc = check_constraints(s, &l, 0, reason, sizeof reason, err, errlen);
        status = "constrained";
    }
    if (rc == 0) {
        status = "invalid";
        rc = sweep_point_simulate(c, &in, reason, sizeof reason);
    }
    if (rc == 0) {
        report_figures(&in, figures, ops);
        l.cols = figures;
        status = "constrained";
        rc = check_constraints(s, &l, 1, reason, sizeof reason, err, errlen);
    }
    if (rc == 0)
        status = "ok";
    json_object_set_new(cols, "status", json_string(status));
    json_object_set_new(cols, "reason", json_string(reason));
    if (rc == 0)
        json_object_update(cols, figures);
    else if (ops)
        json_array_clear(ops);
    json_decref(figures);
    json_decref(l.arch);
    sweep_inputs_free(&in);
    for (int j = 0; j < s->np; j++)
        json_decref(vals[j]);
    if (rc < 0) {
        json_decref(row);
        return NULL;
    }
    return row;
}

int sweep_check_figures(const sweep_spec *s, char *err, size_t errlen)
{
    int need = 0;
    for (int i = 0; i < s->nc; i++)
        need |= s->c[i].after_run;
    if (!need)
        return 0;
    /* the names of a report do not depend on its numbers: an empty one of
     * each phase (no operation simulated) has them all */
    static sweep_inputs in;
    energy_table t;
    char e[512];
    arch_default(&in.a);
    if (energy_table_default(&t, e, sizeof e) != 0 || energy_model_for_arch(&t, &in.a, &in.em, e, sizeof e) != 0 ||
        model_from_hf_config("tiny", &in.m, e, sizeof e) != 0 ||
        quant_from_name_or_file("W2A8", &in.q, e, sizeof e) != 0 ||
        run_phase_prepare(&in.m, "tiny", 0, 1, 1, 1, &in.ph[0], e, sizeof e) != 0 ||
        run_phase_prepare(&in.m, "tiny", 1, 1, 1, 1, &in.ph[1], e, sizeof e) != 0) {
        snprintf(err, errlen, "cannot list the report's figures: %s", e);
        return -1;
    }
    in.nph = 2;
    json_t *figs = json_object();
    report_figures(&in, figs, NULL);
    int rc = 0;
    for (int i = 0; i < s->nc && rc == 0; i++) {
        const char *n;
        for (int j = 0; s->c[i].after_run && (n = sx_name(s->c[i].e, j)) && rc == 0; j++) {
            if (strncmp(n, "arch.", 5) != 0 && !sweep_is_option(n) && !json_object_get(figs, n)) {
                snprintf(err, errlen, "%s: constraints[%d]: %s is not a figure of this build's "
                         "report (figures are PHASE.KEY of the report's totals, e.g. "
                         "decode.seconds, or its top-level numbers)", s->label, i, n);
                rc = -1;
            }
        }
    }
    json_decref(figs);
    return rc;
}

int sweep_spec_load_checked(const char *path, sweep_spec *s, char *err, size_t errlen)
{
    if (sweep_spec_load(path, s, err, errlen) != 0)
        return -1;
    if (sweep_check_figures(s, err, errlen) != 0) {
        sweep_spec_free(s);
        return -1;
    }
    return 0;
}
