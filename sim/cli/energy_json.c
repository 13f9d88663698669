/* energy_json.c - parse and check an energy table file. */
#include "energy_json.h"

#include "arch_json.h" /* cfg_json_kind, cfg_parse, cfg_read_text_file */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char embed_energy_default[]; /* build/gen/embed_energy_default.c */

const char *energy_default_text(void) { return embed_energy_default; }

typedef struct {
    const char *label;
    char *err;
    size_t errlen;
} ctx;

#define FAIL(c, ...) do { char m_[400]; snprintf(m_, sizeof m_, __VA_ARGS__); \
        snprintf((c)->err, (c)->errlen, "%s: %s", (c)->label, m_); return -1; } while (0)

/* Rejects keys of o that are not in allowed (NULL-terminated). */
static int only_keys(const ctx *c, const json_t *o, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        const char *const *a = allowed;
        while (*a && strcmp(*a, key) != 0)
            a++;
        if (!*a)
            FAIL(c, "%s%s%s: unknown key", path, *path ? "." : "", key);
    }
    return 0;
}

static const json_t *need(const ctx *c, const json_t *o, const char *path, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!v) {
        if (*path)
            snprintf(c->err, c->errlen, "%s: %s: missing key \"%s\"", c->label, path, key);
        else
            snprintf(c->err, c->errlen, "%s: missing key \"%s\"", c->label, key);
    }
    return v;
}

static void got_text(const json_t *v, char *out, size_t n)
{
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, n, "%.17g", json_real_value(v));
    else if (json_is_string(v))
        snprintf(out, n, "\"%.40s\"", json_string_value(v));
    else
        snprintf(out, n, "%s", cfg_json_kind(v));
}

static int get_number(const ctx *c, const json_t *o, const char *path, const char *key,
                      double lo, double hi, int integer, double *out)
{
    const json_t *v = need(c, o, path, key);
    if (!v)
        return -1;
    char got[80];
    got_text(v, got, sizeof got);
    if (!json_is_number(v))
        FAIL(c, "%s.%s: expected %s, got %s", path, key, integer ? "an integer" : "a number",
             cfg_json_kind(v));
    double d = json_number_value(v);
    if (!(d >= lo && d <= hi) || (integer && d != floor(d))) {
        if (integer)
            FAIL(c, "%s.%s: expected an integer %.0f..%.0f, got %s", path, key, lo, hi, got);
        FAIL(c, "%s.%s: expected a number %g..%g, got %s", path, key, lo, hi, got);
    }
    *out = d;
    return 0;
}

static int get_string(const ctx *c, const json_t *o, const char *path, const char *key,
                      const char **out)
{
    const json_t *v = need(c, o, path, key);
    if (!v)
        return -1;
    if (!json_is_string(v) || json_string_length(v) == 0) {
        char got[80];
        got_text(v, got, sizeof got);
        FAIL(c, "%s.%s: expected a non-empty string, got %s", path, key,
             json_is_string(v) ? "\"\"" : got);
    }
    *out = json_string_value(v);
    return 0;
}

/* Units per kind of entry, with the factor to the canonical unit. */
typedef struct { const char *unit; double factor; } unit_conv;
static const unit_conv data_units[] = { /* to pJ per byte */
    { "pJ/bit", 8.0 }, { "pJ/byte", 1.0 }, { "pJ/32bit", 0.25 }, { "pJ/64bit", 0.125 },
    { NULL, 0 },
};
static const unit_conv op_units[] = { { "pJ", 1.0 }, { NULL, 0 } };
static const unit_conv leak_kib_units[] = { { "uW/KiB", 1.0 }, { "mW/KiB", 1e3 }, { NULL, 0 } };
static const unit_conv leak_mm2_units[] = { { "uW/mm^2", 1.0 }, { "mW/mm^2", 1e3 }, { NULL, 0 } };

static int get_unit(const ctx *c, const json_t *o, const char *path, const unit_conv *units,
                    double *factor)
{
    const char *u;
    if (get_string(c, o, path, "unit", &u))
        return -1;
    for (const unit_conv *x = units; x->unit; x++) {
        if (!strcmp(x->unit, u)) {
            *factor = x->factor;
            return 0;
        }
    }
    char list[160] = "";
    for (const unit_conv *x = units; x->unit; x++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 x == units ? "" : ", ", x->unit);
    FAIL(c, "%s.unit: expected one of %s, got \"%.40s\"", path, list, u);
}

static int parse_entry(const ctx *c, const json_t *o, const char *path, const unit_conv *units,
                       int with_kib, energy_entry *e, double *kib)
{
    static const char *const keys[] = { "value", "unit", "node_nm", "source",
                                        "scales_with_node", NULL };
    static const char *const keys_kib[] = { "kib", "value", "unit", "node_nm", "source",
                                            "scales_with_node", NULL };
    if (!json_is_object(o))
        FAIL(c, "%s: expected an object, got %s", path, cfg_json_kind(o));
    if (only_keys(c, o, path, with_kib ? keys_kib : keys))
        return -1;
    double v, node, factor;
    const char *src;
    if (with_kib && get_number(c, o, path, "kib", 1.0 / 1024, 1e7, 0, kib))
        return -1;
    if (get_number(c, o, path, "value", 0, 1e7, 0, &v) ||
        get_unit(c, o, path, units, &factor) ||
        get_number(c, o, path, "node_nm", 1, 1000, 1, &node) ||
        get_string(c, o, path, "source", &src))
        return -1;
    e->value = v * factor;
    e->node_nm = (int)node;
    e->scales_with_node = 1;
    const json_t *s = json_object_get(o, "scales_with_node");
    if (s) {
        if (!json_is_boolean(s))
            FAIL(c, "%s.scales_with_node: expected a boolean, got %s", path, cfg_json_kind(s));
        e->scales_with_node = json_is_true(s);
    }
    return 0;
}

static int parse_doc(const ctx *c, const json_t *doc, energy_table *t)
{
    static const char *const top_keys[] = { "description", "target_node_nm", "scaling",
                                            "entries", NULL };
    static const char *const entry_keys[] = {
        "dram", "sram_read", "sram_write_ratio", "precompute_add", "table_read",
        "accumulate_add", "table_broadcast", "lookup_shift", "acc_register", "dequant_mul",
        "vector_op", "fp32_add", "fp32_mul", "leakage_sram", "leakage_logic",
        /* optional: the systolic and mac arrays (energy_model_build asks for
         * them when compute.kind needs them) */
        "mac_int8", "mac_fp16", "systolic_pe", "mac_dequant", "bitserial_pe",
        "bitserial_pe_fp16", "bitserial_pe_ant", "bitserial_pe_olive", NULL,
    };
    const char *const first_optional = "mac_int8";
    if (!json_is_object(doc))
        FAIL(c, "expected a JSON object at the top level, got %s", cfg_json_kind(doc));
    if (only_keys(c, doc, "", top_keys))
        return -1;
    const json_t *d = json_object_get(doc, "description");
    if (d && !json_is_string(d))
        FAIL(c, "description: expected a string, got %s", cfg_json_kind(d));
    const json_t *node = need(c, doc, "", "target_node_nm");
    if (!node)
        return -1;
    if (!json_is_integer(node) || json_integer_value(node) < 1 ||
        json_integer_value(node) > 1000) {
        char got[80];
        got_text(node, got, sizeof got);
        FAIL(c, "target_node_nm: expected an integer 1..1000, got %s", got);
    }
    t->target_node_nm = (int)json_integer_value(node);

    const json_t *sc = need(c, doc, "", "scaling");
    if (!sc)
        return -1;
    if (!json_is_object(sc))
        FAIL(c, "scaling: expected an object, got %s", cfg_json_kind(sc));
    static const char *const sc_keys[] = { "rule", "note", NULL };
    const char *rule, *note;
    if (only_keys(c, sc, "scaling", sc_keys) || get_string(c, sc, "scaling", "rule", &rule))
        return -1;
    if (strcmp(rule, "linear") != 0)
        FAIL(c, "scaling.rule: expected \"linear\" (E_target = E * target_node_nm / node_nm), "
             "got \"%.40s\"", rule);
    if (json_object_get(sc, "note") && get_string(c, sc, "scaling", "note", &note))
        return -1;

    const json_t *en = need(c, doc, "", "entries");
    if (!en)
        return -1;
    if (!json_is_object(en))
        FAIL(c, "entries: expected an object, got %s", cfg_json_kind(en));
    if (json_object_get(en, "leakage_core"))
        FAIL(c, "entries.leakage_core: no longer read: logic leaks by its area, give "
             "entries.leakage_logic in uW/mm^2 (the area model prices each unit of the "
             "architecture, whatever its compute.kind)");
    if (only_keys(c, en, "entries", entry_keys))
        return -1;
    for (const char *const *k = entry_keys; *k && strcmp(*k, first_optional) != 0; k++)
        if (!need(c, en, "entries", *k))
            return -1;

    if (parse_entry(c, json_object_get(en, "dram"), "entries.dram", data_units, 0,
                    &t->dram_byte, NULL))
        return -1;
    const json_t *sr = json_object_get(en, "sram_read");
    if (!json_is_object(sr))
        FAIL(c, "entries.sram_read: expected an object, got %s", cfg_json_kind(sr));
    static const char *const sr_keys[] = { "points", NULL };
    if (only_keys(c, sr, "entries.sram_read", sr_keys))
        return -1;
    const json_t *pts = need(c, sr, "entries.sram_read", "points");
    if (!pts)
        return -1;
    if (!json_is_array(pts) || json_array_size(pts) < 1 ||
        json_array_size(pts) > ENERGY_MAX_SRAM_POINTS)
        FAIL(c, "entries.sram_read.points: expected an array of 1..%d points, got %s",
             ENERGY_MAX_SRAM_POINTS, json_is_array(pts) ? "an empty or longer array"
                                                        : cfg_json_kind(pts));
    t->sram_points = (int)json_array_size(pts);
    for (int i = 0; i < t->sram_points; i++) {
        char path[64];
        snprintf(path, sizeof path, "entries.sram_read.points[%d]", i);
        if (parse_entry(c, json_array_get(pts, (size_t)i), path, data_units, 1,
                        &t->sram_read[i], &t->sram_kib[i]))
            return -1;
    }
    const json_t *wr = json_object_get(en, "sram_write_ratio");
    if (!json_is_object(wr))
        FAIL(c, "entries.sram_write_ratio: expected an object, got %s", cfg_json_kind(wr));
    static const char *const wr_keys[] = { "value", "unit", "source", NULL };
    static const unit_conv ratio_units[] = { { "ratio", 1.0 }, { NULL, 0 } };
    double ratio, f;
    const char *src;
    if (only_keys(c, wr, "entries.sram_write_ratio", wr_keys) ||
        get_number(c, wr, "entries.sram_write_ratio", "value", 0.01, 100, 0, &ratio) ||
        get_unit(c, wr, "entries.sram_write_ratio", ratio_units, &f) ||
        get_string(c, wr, "entries.sram_write_ratio", "source", &src))
        return -1;
    t->sram_write_ratio = ratio;

    const struct { const char *key; const unit_conv *u; energy_entry *e; } ops[] = {
        { "precompute_add", op_units, &t->precompute_add },
        { "table_read", op_units, &t->table_read },
        { "accumulate_add", op_units, &t->accum_add },
        { "table_broadcast", data_units, &t->table_bcast },
        { "lookup_shift", op_units, &t->lookup_shift },
        { "acc_register", op_units, &t->acc_register },
        { "dequant_mul", op_units, &t->dequant_mul },
        { "vector_op", op_units, &t->vector_op },
        { "fp32_add", op_units, &t->fp32_add },
        { "fp32_mul", op_units, &t->fp32_mul },
        { "leakage_sram", leak_kib_units, &t->leak_sram_uw_per_kib },
        { "leakage_logic", leak_mm2_units, &t->leak_logic_uw_per_mm2 },
    };
    const struct { const char *key; energy_entry *e; } opt[] = {
        { "mac_int8", &t->mac_int8 }, { "mac_fp16", &t->mac_fp16 },
        { "systolic_pe", &t->systolic_pe }, { "mac_dequant", &t->mac_dequant },
        { arch_bs_pe_keys[BS_PE_BITMOD], &t->bitserial_pe[BS_PE_BITMOD] },
        { arch_bs_pe_keys[BS_PE_FP16], &t->bitserial_pe[BS_PE_FP16] },
        { arch_bs_pe_keys[BS_PE_ANT], &t->bitserial_pe[BS_PE_ANT] },
        { arch_bs_pe_keys[BS_PE_OLIVE], &t->bitserial_pe[BS_PE_OLIVE] },
    };
    for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "entries.%s", opt[i].key);
        const json_t *v = json_object_get(en, opt[i].key);
        if (v && parse_entry(c, v, path, op_units, 0, opt[i].e, NULL))
            return -1;
    }
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "entries.%s", ops[i].key);
        if (parse_entry(c, json_object_get(en, ops[i].key), path, ops[i].u, 0, ops[i].e, NULL))
            return -1;
    }
    char why[400];
    if (energy_table_check(t, why, sizeof why) != 0)
        FAIL(c, "%s", why);
    return 0;
}

int energy_table_from_json(const json_t *doc, const char *label, energy_table *out,
                           char *err, size_t errlen)
{
    ctx c = { label ? label : "<energy table>", err, errlen };
    energy_table t;
    memset(&t, 0, sizeof t);
    if (parse_doc(&c, doc, &t) != 0)
        return -1;
    *out = t;
    return 0;
}

int energy_table_from_json_string(const char *text, const char *label, energy_table *out,
                                  char *err, size_t errlen)
{
    if (!label)
        label = "<energy table>";
    json_t *doc = cfg_parse(text, label, err, errlen);
    if (!doc)
        return -1;
    int rc = energy_table_from_json(doc, label, out, err, errlen);
    json_decref(doc);
    return rc;
}

int energy_table_from_json_file(const char *path, energy_table *out, char *err, size_t errlen)
{
    char *text = cfg_read_text_file(path, err, errlen);
    if (!text)
        return -1;
    int rc = energy_table_from_json_string(text, path, out, err, errlen);
    free(text);
    return rc;
}

int energy_table_default(energy_table *out, char *err, size_t errlen)
{
    return energy_table_from_json_string(embed_energy_default, "<embedded energy table>", out,
                                         err, errlen);
}
