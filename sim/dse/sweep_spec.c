/* sweep_spec.c - read and check a sweep spec; decode point i (sweep_spec.h). */
#include "sweep_spec.h"

#include "arch.h"
#include "arch_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Run options by name: a string, or an integer in lo..hi (cmd_run's limits). */
static const struct {
    const char *name;
    int integer;
    long lo, hi;
} options[] = {
    { "model", 0, 0, 0 },   { "quant", 0, 0, 0 },     { "phase", 0, 0, 0 },
    { "arch", 0, 0, 0 },    { "energy", 0, 0, 0 },    { "objective", 0, 0, 0 },
    { "batch", 1, 1, 65536 }, { "seq", 1, 1, 1 << 20 }, { "context", 1, 1, 1 << 20 },
};
#define NOPTIONS (int)(sizeof options / sizeof options[0])

static int option_index(const char *name)
{
    for (int i = 0; i < NOPTIONS; i++)
        if (!strcmp(name, options[i].name))
            return i;
    return -1;
}

int sweep_is_option(const char *name)
{
    return option_index(name) >= 0;
}

uint64_t sweep_splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The leaf of the arch JSON at key path ("lut.tile.n"), or NULL. */
static json_t *arch_leaf(json_t *doc, const char *path)
{
    char buf[SWEEP_KEY_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *v = doc;
    for (char *seg = strtok(buf, "."); seg && v; seg = strtok(NULL, "."))
        v = json_is_object(v) ? json_object_get(v, seg) : NULL;
    return v && !json_is_object(v) ? v : NULL;
}

/* Checks that key is an arch.json key path ("arch.") or a run option. */
static int check_key(const sweep_spec *s, const char *where, const char *key, char *err,
                     size_t errlen)
{
    if (!strncmp(key, "arch.", 5))
        return arch_leaf(s->arch_doc, key + 5) ? 0
               : fail(err, errlen, "%s: %s: %s is not an arch.json key", s->label, where, key + 5);
    if (option_index(key) < 0)
        return fail(err, errlen, "%s: %s: unknown key (an arch.json key path after 'arch.', or "
                    "a run option: model, quant, phase, batch, seq, context, arch, energy, "
                    "objective)", s->label, where);
    return 0;
}

/* Checks that value suits the (checked) key; where names the value in errors. */
static int check_value(const sweep_spec *s, const char *where, const char *key, json_t *value,
                       char *err, size_t errlen)
{
    if (!strncmp(key, "arch.", 5)) {
        json_t *ref = arch_leaf(s->arch_doc, key + 5);
        int ok = json_is_integer(ref)  ? json_is_integer(value)
                 : json_is_real(ref)   ? json_is_number(value)
                 : json_is_string(ref) ? json_is_string(value)
                 : json_is_boolean(ref) && json_is_boolean(value);
        if (!ok)
            return fail(err, errlen, "%s: %s: expected %s, got %s", s->label, where,
                        cfg_json_kind(ref), cfg_json_kind(value));
        return 0;
    }
    int o = option_index(key);
    if (!options[o].integer)
        return json_is_string(value) ? 0
               : fail(err, errlen, "%s: %s: expected string, got %s", s->label, where,
                      cfg_json_kind(value));
    if (!json_is_integer(value))
        return fail(err, errlen, "%s: %s: expected integer, got %s", s->label, where,
                    cfg_json_kind(value));
    json_int_t v = json_integer_value(value);
    if (v < options[o].lo || v > options[o].hi)
        return fail(err, errlen, "%s: %s: %lld is out of range %ld..%ld", s->label, where,
                    (long long)v, options[o].lo, options[o].hi);
    return 0;
}

static int add_param(sweep_spec *s, const char *where, const char *key, sw_source src,
                     int group, char *err, size_t errlen)
{
    if (strlen(key) >= SWEEP_KEY_MAX)
        return fail(err, errlen, "%s: %s: key path longer than %d bytes", s->label, where,
                    SWEEP_KEY_MAX - 1);
    if (check_key(s, where, key, err, errlen) != 0)
        return -1;
    sw_param *np = realloc(s->p, sizeof *np * (size_t)(s->np + 1));
    if (!np)
        return fail(err, errlen, "out of memory");
    s->p = np;
    sw_param *p = &s->p[s->np++];
    memset(p, 0, sizeof *p);
    snprintf(p->key, sizeof p->key, "%s", key);
    p->src = src;
    p->group = group;
    return 0;
}

/* Each element of list must suit key. */
static int check_list(sweep_spec *s, const char *where, const char *key, json_t *list, char *err,
                      size_t errlen)
{
    if (!json_is_array(list) || json_array_size(list) == 0)
        return fail(err, errlen, "%s: %s: expected a non-empty array of values, got %s", s->label,
                    where, json_is_array(list) ? "an empty array" : cfg_json_kind(list));
    for (size_t i = 0; i < json_array_size(list); i++) {
        char w[SWEEP_KEY_MAX + 64];
        snprintf(w, sizeof w, "%s[%zu]", where, i);
        if (check_value(s, w, key, json_array_get(list, i), err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int radix_push(sweep_spec *s, uint64_t n, char *err, size_t errlen)
{
    if (s->ndigits >= (int)(sizeof s->grid_radix / sizeof s->grid_radix[0]))
        return fail(err, errlen, "%s: more than 64 grid keys and zip groups", s->label);
    s->grid_radix[s->ndigits++] = n;
    return 0;
}

static int parse_grid(sweep_spec *s, json_t *g, char *err, size_t errlen)
{
    if (!json_is_object(g))
        return fail(err, errlen, "%s: grid: expected object, got %s", s->label, cfg_json_kind(g));
    const char *key;
    json_t *v;
    json_object_foreach(g, key, v) {
        char where[SWEEP_KEY_MAX + 16];
        snprintf(where, sizeof where, "grid.%s", key);
        if (add_param(s, where, key, SW_GRID, s->ndigits, err, errlen) != 0 ||
            check_list(s, where, key, v, err, errlen) != 0 ||
            radix_push(s, json_array_size(v), err, errlen) != 0)
            return -1;
        s->p[s->np - 1].values = v;
    }
    return 0;
}

static int parse_zip(sweep_spec *s, json_t *z, char *err, size_t errlen)
{
    if (!json_is_array(z))
        return fail(err, errlen, "%s: zip: expected array of objects, got %s", s->label,
                    cfg_json_kind(z));
    for (size_t gi = 0; gi < json_array_size(z); gi++) {
        json_t *grp = json_array_get(z, gi);
        if (!json_is_object(grp) || json_object_size(grp) == 0)
            return fail(err, errlen, "%s: zip[%zu]: expected a non-empty object, got %s", s->label,
                        gi, cfg_json_kind(grp));
        size_t len = 0;
        const char *key;
        json_t *v;
        json_object_foreach(grp, key, v) {
            char where[SWEEP_KEY_MAX + 32];
            snprintf(where, sizeof where, "zip[%zu].%s", gi, key);
            if (add_param(s, where, key, SW_ZIP, s->ndigits, err, errlen) != 0 ||
                check_list(s, where, key, v, err, errlen) != 0)
                return -1;
            if (len && json_array_size(v) != len)
                return fail(err, errlen, "%s: %s: %zu values, the group's first key has %zu (a "
                            "zip group varies together)", s->label, where, json_array_size(v), len);
            len = json_array_size(v);
            s->p[s->np - 1].values = v;
        }
        if (radix_push(s, len, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int parse_range(sweep_spec *s, const char *where, const char *key, json_t *r, char *err,
                       size_t errlen)
{
    sw_param *p = &s->p[s->np - 1];
    if (json_is_array(r)) {
        p->range = RV_LIST;
        p->values = r;
        return check_list(s, where, key, r, err, errlen);
    }
    static const char *const names[] = { "linear", "log", "int" };
    if (!json_is_object(r) || json_object_size(r) != 1)
        return fail(err, errlen, "%s: %s: expected {\"linear\"|\"log\"|\"int\": [lo, hi]} or a "
                    "list of values", s->label, where);
    const char *kind = json_object_iter_key(json_object_iter(r));
    json_t *lohi = json_object_iter_value(json_object_iter(r));
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(kind, names[i]))
            k = i;
    if (k < 0)
        return fail(err, errlen, "%s: %s.%s: unknown range (linear, log or int)", s->label, where,
                    kind);
    json_t *lo = json_array_get(lohi, 0), *hi = json_array_get(lohi, 1);
    if (!json_is_array(lohi) || json_array_size(lohi) != 2 || !json_is_number(lo) ||
        !json_is_number(hi) || (k == 2 && (!json_is_integer(lo) || !json_is_integer(hi))))
        return fail(err, errlen, "%s: %s.%s: expected [lo, hi] of %s", s->label, where, kind,
                    k == 2 ? "integers" : "numbers");
    p->range = k == 0 ? RV_LINEAR : k == 1 ? RV_LOG : RV_INT;
    p->lo = json_number_value(lo);
    p->hi = json_number_value(hi);
    if (p->lo > p->hi || (k == 1 && p->lo <= 0))
        return fail(err, errlen, "%s: %s.%s: expected lo <= hi%s", s->label, where, kind,
                    k == 1 ? ", both above 0" : "");
    /* the ends must suit the key (an integer key takes only "int") */
    json_t *probe = k == 2 ? json_integer((json_int_t)p->lo) : json_real(p->lo);
    int rc = check_value(s, where, key, probe, err, errlen);
    json_decref(probe);
    if (rc != 0 && k != 2)
        snprintf(err + strlen(err), errlen - strlen(err), " (an integer key takes {\"int\": [lo, hi]})");
    return rc;
}

static int parse_random(sweep_spec *s, json_t *r, char *err, size_t errlen)
{
    json_t *count = json_object_get(r, "count"), *seed = json_object_get(r, "seed");
    json_t *ranges = json_object_get(r, "ranges");
    if (!json_is_object(r))
        return fail(err, errlen, "%s: random: expected object, got %s", s->label, cfg_json_kind(r));
    const char *key;
    json_t *v;
    json_object_foreach(r, key, v)
        if (strcmp(key, "count") && strcmp(key, "seed") && strcmp(key, "ranges"))
            return fail(err, errlen, "%s: random.%s: unknown key (count, seed, ranges)", s->label, key);
    if (!json_is_integer(count) || json_integer_value(count) < 1 ||
        json_integer_value(count) > 1000000000)
        return fail(err, errlen, "%s: random.count: expected an integer 1..1000000000", s->label);
    if (seed && (!json_is_integer(seed) || json_integer_value(seed) < 0))
        return fail(err, errlen, "%s: random.seed: expected a non-negative integer", s->label);
    if (!json_is_object(ranges) || json_object_size(ranges) == 0)
        return fail(err, errlen, "%s: random.ranges: expected a non-empty object", s->label);
    s->random_count = (uint64_t)json_integer_value(count);
    s->seed = seed ? (uint64_t)json_integer_value(seed) : 0;
    json_object_foreach(ranges, key, v) {
        char where[SWEEP_KEY_MAX + 32];
        snprintf(where, sizeof where, "random.ranges.%s", key);
        if (add_param(s, where, key, SW_RANDOM, -1, err, errlen) != 0 ||
            parse_range(s, where, key, v, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int parse_constraints(sweep_spec *s, json_t *c, char *err, size_t errlen)
{
    if (!json_is_array(c))
        return fail(err, errlen, "%s: constraints: expected array of strings, got %s", s->label,
                    cfg_json_kind(c));
    s->c = calloc(json_array_size(c) + 1, sizeof *s->c);
    if (!s->c)
        return fail(err, errlen, "out of memory");
    for (size_t i = 0; i < json_array_size(c); i++) {
        json_t *t = json_array_get(c, i);
        if (!json_is_string(t))
            return fail(err, errlen, "%s: constraints[%zu]: expected string, got %s", s->label, i,
                        cfg_json_kind(t));
        sw_constraint *k = &s->c[s->nc++];
        char why[256];
        k->text = strdup(json_string_value(t));
        if (!k->text || !(k->e = sx_parse(k->text, why, sizeof why)))
            return fail(err, errlen, "%s: constraints[%zu]: %s", s->label, i,
                        k->text ? why : "out of memory");
        const char *n;
        for (int j = 0; (n = sx_name(k->e, j)); j++) {
            if (!strncmp(n, "arch.", 5)) {
                if (!arch_leaf(s->arch_doc, n + 5))
                    return fail(err, errlen, "%s: constraints[%zu]: %s is not an arch.json key",
                                s->label, i, n + 5);
            } else if (!sweep_is_option(n)) {
                k->after_run = 1; /* a report figure, known after the run */
            }
        }
    }
    return 0;
}

static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001B3ull;
    return h;
}

/* Adds the contents of the file value names (if it is one: a model or
 * quantization may be an embedded name) to the hash, so an input changed
 * since a run refuses to resume; a missing file adds a mark. */
static void hash_file(sweep_spec *s, json_t *value)
{
    if (!json_is_string(value))
        return;
    FILE *f = fopen(json_string_value(value), "rb");
    if (!f) {
        s->hash = fnv1a(s->hash, "\0missing", 8);
        return;
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        s->hash = fnv1a(s->hash, buf, n);
    fclose(f);
}

/* Hashes every file a point reads beyond the base arch (load_base_arch):
 * the files of the arch, model, quant and energy options, in base and in
 * every axis's values. */
static void hash_inputs(sweep_spec *s)
{
    static const char *const files[] = { "arch", "model", "quant", "energy" };
    for (int f = 0; f < 4; f++) {
        if (f > 0) /* base.arch is hashed as it is read */
            hash_file(s, json_object_get(s->base, files[f]));
        for (int j = 0; j < s->np; j++) {
            json_t *v;
            size_t i;
            if (!strcmp(s->p[j].key, files[f]))
                json_array_foreach(s->p[j].values, i, v)
                    hash_file(s, v);
        }
    }
}

/* The base architecture: base.arch read and checked (or the default), kept
 * as written (the overrides start from it, so keys it leaves out, such as
 * a DRAM device's derived bandwidth, stay derived) and with every key (for
 * checking key paths and types). */
static int load_base_arch(sweep_spec *s, char *err, size_t errlen)
{
    json_t *path = json_object_get(s->base, "arch");
    arch_t a;
    if (!path) {
        arch_default(&a);
        s->arch_file = json_object();
        snprintf(s->arch_label, sizeof s->arch_label, "<default arch>");
    } else {
        if (!json_is_string(path))
            return fail(err, errlen, "%s: base.arch: expected string, got %s", s->label,
                        cfg_json_kind(path));
        const char *p = json_string_value(path);
        snprintf(s->arch_label, sizeof s->arch_label, "%s", p);
        char *text = cfg_read_text_file(p, err, errlen);
        if (!text)
            return -1;
        s->hash = fnv1a(s->hash, text, strlen(text));
        s->arch_file = cfg_parse(text, p, err, errlen);
        free(text);
        if (!s->arch_file || arch_from_json(s->arch_file, p, &a, err, errlen) != 0)
            return -1;
    }
    s->arch_doc = arch_to_json(&a);
    return s->arch_doc && s->arch_file ? 0 : fail(err, errlen, "out of memory");
}

static int parse_base(sweep_spec *s, char *err, size_t errlen)
{
    s->base = json_object_get(s->doc, "base");
    if (!s->base)
        return fail(err, errlen, "%s: base: missing (the run options: model, quant, ...)", s->label);
    if (!json_is_object(s->base))
        return fail(err, errlen, "%s: base: expected object, got %s", s->label,
                    cfg_json_kind(s->base));
    if (load_base_arch(s, err, errlen) != 0)
        return -1;
    const char *key;
    json_t *v;
    json_object_foreach(s->base, key, v) {
        char where[SWEEP_KEY_MAX + 16];
        snprintf(where, sizeof where, "base.%s", key);
        if (check_key(s, where, key, err, errlen) != 0 || check_value(s, where, key, v, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int check_required(sweep_spec *s, char *err, size_t errlen)
{
    static const char *const need[] = { "model", "quant" };
    for (int i = 0; i < 2; i++) {
        int swept = 0;
        for (int j = 0; j < s->np; j++)
            swept |= !strcmp(s->p[j].key, need[i]);
        if (!swept && !json_object_get(s->base, need[i]))
            return fail(err, errlen, "%s: base.%s: missing (set it in base or sweep it)", s->label,
                        need[i]);
    }
    return 0;
}

static int count_points(sweep_spec *s, char *err, size_t errlen)
{
    uint64_t n = 1;
    for (int i = 0; i < s->ndigits + 1; i++) {
        uint64_t r = i < s->ndigits ? s->grid_radix[i] : (s->random_count ? s->random_count : 1);
        if (n > SWEEP_MAX_POINTS / r)
            return fail(err, errlen, "%s: more than %llu points (split the spec)", s->label,
                        (unsigned long long)SWEEP_MAX_POINTS);
        n *= r;
    }
    s->npoints = n;
    return 0;
}

static int load(const char *path, sweep_spec *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    snprintf(s->label, sizeof s->label, "%s", path);
    char *text = cfg_read_text_file(path, err, errlen);
    if (!text)
        return -1;
    s->doc = cfg_parse(text, path, err, errlen);
    free(text);
    if (!s->doc)
        return -1;
    if (!json_is_object(s->doc))
        return fail(err, errlen, "%s: expected an object at the top, got %s", path,
                    cfg_json_kind(s->doc));
    const char *key;
    json_t *v;
    json_object_foreach(s->doc, key, v)
        if (strcmp(key, "base") && strcmp(key, "grid") && strcmp(key, "zip") &&
            strcmp(key, "random") && strcmp(key, "constraints") && strcmp(key, "description"))
            return fail(err, errlen, "%s: %s: unknown key (base, grid, zip, random, constraints, "
                        "description)", path, key);
    char *canon = json_dumps(s->doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (!canon)
        return fail(err, errlen, "out of memory");
    s->hash = fnv1a(0xCBF29CE484222325ull, canon, strlen(canon));
    free(canon);
    json_t *g = json_object_get(s->doc, "grid"), *z = json_object_get(s->doc, "zip");
    json_t *r = json_object_get(s->doc, "random"), *c = json_object_get(s->doc, "constraints");
    if (parse_base(s, err, errlen) != 0 || (g && parse_grid(s, g, err, errlen) != 0) ||
        (z && parse_zip(s, z, err, errlen) != 0) || (r && parse_random(s, r, err, errlen) != 0) ||
        (c && parse_constraints(s, c, err, errlen) != 0) || check_required(s, err, errlen) != 0 ||
        count_points(s, err, errlen) != 0)
        return -1;
    hash_inputs(s);
    return 0;
}

int sweep_spec_load(const char *path, sweep_spec *s, char *err, size_t errlen)
{
    if (load(path, s, err, errlen) == 0)
        return 0;
    sweep_spec_free(s);
    return -1;
}

void sweep_spec_free(sweep_spec *s)
{
    for (int i = 0; i < s->nc; i++) {
        free(s->c[i].text);
        sx_free(s->c[i].e);
    }
    free(s->c);
    free(s->p);
    json_decref(s->arch_doc);
    json_decref(s->arch_file);
    json_decref(s->doc);
    memset(s, 0, sizeof *s);
}

static json_t *random_value(const sweep_spec *s, const sw_param *p, uint64_t id, int j)
{
    uint64_t h = sweep_splitmix64(sweep_splitmix64(sweep_splitmix64(s->seed) ^ id) ^ (uint64_t)j);
    double u = (double)(h >> 11) * 0x1.0p-53; /* [0, 1) */
    switch (p->range) {
    case RV_LIST: return json_copy(json_array_get(p->values, h % json_array_size(p->values)));
    case RV_INT: return json_integer((json_int_t)p->lo + (json_int_t)(h % (uint64_t)(p->hi - p->lo + 1)));
    case RV_LINEAR: return json_real(p->lo + u * (p->hi - p->lo));
    default: return json_real(exp(log(p->lo) + u * (log(p->hi) - log(p->lo))));
    }
}

int sweep_point_values(const sweep_spec *s, uint64_t id, json_t **vals)
{
    uint64_t digit[64], rem = id;
    if (s->random_count)
        rem /= s->random_count; /* the sample index: its values come from id itself */
    for (int d = s->ndigits - 1; d >= 0; d--) {
        digit[d] = rem % s->grid_radix[d];
        rem /= s->grid_radix[d];
    }
    for (int j = 0; j < s->np; j++) {
        const sw_param *p = &s->p[j];
        vals[j] = p->src == SW_RANDOM ? random_value(s, p, id, j)
                                      : json_copy(json_array_get(p->values, digit[p->group]));
        if (!vals[j])
            return -1;
    }
    return 0;
}

/* arch.buffers.NAME.kib: a capacity the timing memos do not key by */
static int is_capacity(const char *key)
{
    const size_t n = strlen(key);
    return !strncmp(key, "arch.buffers.", 13) && n > 17 && !strcmp(key + n - 4, ".kib") &&
           !memchr(key + 13, '.', n - 17);
}

uint64_t sweep_point_affinity(const sweep_spec *s, uint64_t id)
{
    int keep[64] = { 0 }; /* digits that set anything but a capacity */
    for (int j = 0; j < s->np; j++) {
        if (is_capacity(s->p[j].key))
            continue;
        if (s->p[j].src == SW_RANDOM)
            return id;
        keep[s->p[j].group] = 1;
    }
    uint64_t rem = s->random_count ? id / s->random_count : id, aff = 0, scale = 1;
    for (int d = s->ndigits - 1; d >= 0; d--) {
        if (keep[d]) {
            aff += rem % s->grid_radix[d] * scale;
            scale *= s->grid_radix[d];
        }
        rem /= s->grid_radix[d];
    }
    return aff;
}

int sweep_param_first(const sweep_spec *s, int j)
{
    for (int i = 0; i < j; i++)
        if (!strcmp(s->p[i].key, s->p[j].key))
            return 0;
    return 1;
}

/* Two values of one key agree: equal JSON, or equal numbers (32 and 32.0). */
static int agree(json_t *a, json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal(a, b);
}

/* v as a user reads it: a string without quotes, a number in full. */
static void value_text(json_t *v, char *out, size_t n)
{
    if (json_is_string(v)) {
        snprintf(out, n, "%s", json_string_value(v));
        return;
    }
    char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    snprintf(out, n, "%s", t ? t : "?");
    free(t);
}

int sweep_point_conflict(const sweep_spec *s, json_t *const *vals, char *reason, size_t rlen)
{
    static const char *const src[] = { "grid", "zip", "random" };
    for (int j = 0; j < s->np; j++)
        for (int i = 0; i < j; i++) {
            if (strcmp(s->p[i].key, s->p[j].key) != 0 || agree(vals[i], vals[j]))
                continue;
            char a[128], b[128];
            value_text(vals[i], a, sizeof a);
            value_text(vals[j], b, sizeof b);
            snprintf(reason, rlen, "%s: %s %s, %s %s (the axes disagree)", s->p[i].key,
                     src[s->p[i].src], a, src[s->p[j].src], b);
            return 1;
        }
    return 0;
}
