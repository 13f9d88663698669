/* arch_json.c - arch.json <-> arch_t, driven by one schema table so that
 * reading, writing and the documented key set cannot drift apart. */
#include "arch_json.h"

#include "fp_arith.h"
#include "printable.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { K_INT, K_NUM, K_NAME, K_DESC, K_OBJ, K_BOOL, K_DTYPE, K_ENUM } kind; /* K_DTYPE: an fp_type by name; K_ENUM: one of names[] */

typedef struct field {
    const char *key;
    kind k;
    size_t off;             /* K_OBJ: added to the base of its sub-fields */
    double lo, hi;
    const struct field *sub; /* K_OBJ: NULL-key terminated */
    const char *const *names; /* K_ENUM: the values' names (stored as their index), NULL-terminated */
} field;

static const char *const partition_names[] = { "columns", "rows", "auto", "grid", NULL };

#define AO(m) offsetof(arch_t, m)
#define BO(m) offsetof(arch_buffer, m)

static const char *const kind_names[] = { "lut", "systolic", "mac", "bitserial", NULL };
static const char *const table_format_names[] = { "fp16", "fp32", "int8", NULL };
static const char *const dataflow_names[] = { "os", "ws", "is", NULL };
static const char *const mac_dtype_names[] = { "int8", "fp16", NULL };
/* compute.attention: "same", or the kind of a second array (its index is its compute_kind) */
static const char *const attn_kind_names[] = { "same", "systolic", "mac", "bitserial", NULL };
static const field compute_fields[] = {
    { "kind", K_ENUM, AO(compute_kind), 0, COMPUTE_KIND_COUNT - 1, NULL, kind_names },
    { "attention", K_ENUM, AO(attn_kind), 0, COMPUTE_KIND_COUNT - 1, NULL, attn_kind_names },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field systolic_fields[] = {
    { "rows", K_INT, AO(sys_rows), 1, 4096, NULL, NULL },
    { "cols", K_INT, AO(sys_cols), 1, 4096, NULL, NULL },
    { "dataflow", K_ENUM, AO(sys_dataflow), 0, 2, NULL, dataflow_names },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field mac_tile_fields[] = {
    { "m", K_INT, AO(mac_m), 1, 256, NULL, NULL },
    { "n", K_INT, AO(mac_n), 1, 256, NULL, NULL },
    { "k", K_INT, AO(mac_k), 1, 256, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field mac_fields[] = {
    { "tile", K_OBJ, 0, 0, 0, mac_tile_fields, NULL },
    { "dtype", K_ENUM, AO(mac_dtype), 0, 1, NULL, mac_dtype_names },
    { "latency_cycles", K_INT, AO(mac_latency), 0, 1024, NULL, NULL },
    { "dequant_lanes", K_INT, AO(mac_dq_lanes), 1, 4096, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const char *const bs_pe_names[] = { "bitmod", "fp16", "ant", "olive", NULL };
static const field bitserial_fields[] = {
    { "rows", K_INT, AO(bs_rows), 1, 4096, NULL, NULL },
    { "cols", K_INT, AO(bs_cols), 1, 4096, NULL, NULL },
    { "dp", K_INT, AO(bs_dp), 1, 256, NULL, NULL },
    { "bits_per_cycle", K_INT, AO(bs_bits_per_cycle), 1, 16, NULL, NULL },
    { "pe", K_ENUM, AO(bs_pe), 0, BS_PE_COUNT - 1, NULL, bs_pe_names },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field buffer_fields[] = {
    { "kib", K_INT, BO(kib), 1, 4096, NULL, NULL }, /* ISA buffer addresses are 22 bits */
    { "banks", K_INT, BO(banks), 1, 64, NULL, NULL },
    { "width_bits", K_INT, BO(width_bits), 8, 4096, NULL, NULL },
    { "ports", K_INT, BO(ports), 1, 4, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field tile_fields[] = {
    { "m", K_INT, AO(tile_m), 1, 64, NULL, NULL },
    { "n", K_INT, AO(tile_n), 1, 4096, NULL, NULL },
    { "k", K_INT, AO(tile_k), ARCH_MIN_TK, ARCH_MAX_TK, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field lut_fields[] = {
    { "cores", K_INT, AO(lut_cores), 1, 1024, NULL, NULL },
    { "tile", K_OBJ, 0, 0, 0, tile_fields, NULL },
    { "table_entry_bits", K_INT, AO(table_entry_bits), 4, 24, NULL, NULL }, /* stored in ceil(bits / 8) bytes */
    { "wbits_min", K_INT, AO(wbits_min), 1, 8, NULL, NULL },
    { "wbits_max", K_INT, AO(wbits_max), 1, 8, NULL, NULL },
    { "latency_cycles", K_INT, AO(lmma_latency), 1, 1024, NULL, NULL },
    { "partition", K_ENUM, AO(lut_partition), 0, 3, NULL, partition_names },
    { "double_acc", K_BOOL, AO(lut_double_acc), 0, 1, NULL, NULL },
    { "index_kib", K_INT, AO(lut_index_kib), 0, 1024, NULL, NULL },
    /* the table entries of float activations (lut_float.h); INT8 tables: table_entry_bits */
    { "table_format", K_ENUM, AO(table_fmt), 0, 2, NULL, table_format_names },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field buffers_fields[] = {
    { "act", K_OBJ, AO(buf[BUF_ACT]), 0, 0, buffer_fields, NULL },
    { "weight", K_OBJ, AO(buf[BUF_WGT]), 0, 0, buffer_fields, NULL },
    { "table", K_OBJ, AO(buf[BUF_TBL]), 0, 0, buffer_fields, NULL },
    { "output", K_OBJ, AO(buf[BUF_OUT]), 0, 0, buffer_fields, NULL },
    { "ideal", K_BOOL, AO(sram_ideal), 0, 1, NULL, NULL },
    { "partial_sums", K_BOOL, AO(out_psum), 0, 1, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field dram_fields[] = {
    { "model", K_NAME, AO(dram_model), 1, sizeof(((arch_t *)0)->dram_model) - 1, NULL, NULL },
    { "channels", K_INT, AO(dram_channels), 0, DRAM_MAX_CHANNELS, NULL, NULL },
    { "bandwidth_gbps", K_NUM, AO(dram_gbps), 0.1, 100000, NULL, NULL },
    { "latency_cycles", K_INT, AO(dram_latency), 0, 1000000, NULL, NULL },
    { "burst_bytes", K_INT, AO(dram_burst), 1, 4096, NULL, NULL },
    { "capacity_gib", K_NUM, AO(dram_capacity_gib), 0.001, 1048576, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field dma_fields[] = {
    { "engines", K_INT, AO(dma_engines), 1, 2, NULL, NULL },
    { "max_outstanding", K_INT, AO(dma_max_outstanding), 0, ARCH_MAX_OUTSTANDING, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field precompute_fields[] = {
    { "tables_per_cycle", K_INT, AO(tprec_tables_per_cycle), 1, 64, NULL, NULL },
    { "latency_cycles", K_INT, AO(tprec_latency), 0, 1024, NULL, NULL },
    { "fused", K_BOOL, AO(tprec_fused), 0, 1, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field attention_fields[] = {
    { "fused", K_BOOL, AO(attn_fused), 0, 1, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field dequant_fields[] = {
    { "lanes", K_INT, AO(dequant_lanes), 1, 4096, NULL, NULL },
    { "latency_cycles", K_INT, AO(dequant_latency), 0, 1024, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field vector_fields[] = {
    { "lanes", K_INT, AO(vector_lanes), 1, 4096, NULL, NULL },
    { "latency_cycles", K_INT, AO(vector_latency), 0, 1024, NULL, NULL },
    { "dtype", K_DTYPE, AO(vector_dtype), 0, FP_COUNT - 1, NULL, NULL },
    { "fused", K_BOOL, AO(vec_fused), 0, 1, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field issue_fields[] = {
    { "queue_depth", K_INT, AO(queue_depth), 1, 64, NULL, NULL },
    { "ibuf_entries", K_INT, AO(ibuf_entries), 0, ARCH_MAX_IBUF, NULL, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};
static const field root_fields[] = {
    { "name", K_NAME, AO(name), 1, sizeof(((arch_t *)0)->name) - 1, NULL, NULL },
    { "description", K_DESC, 0, 0, 0, NULL, NULL },
    { "base", K_DESC, 0, 0, 0, NULL, NULL }, /* read by arch_base below */
    { "clock_ghz", K_NUM, AO(clock_ghz), 0.01, 100, NULL, NULL },
    { "tech_nm", K_INT, AO(tech_nm), 1, 1000, NULL, NULL },
    { "compute", K_OBJ, 0, 0, 0, compute_fields, NULL },
    { "lut", K_OBJ, 0, 0, 0, lut_fields, NULL },
    { "systolic", K_OBJ, 0, 0, 0, systolic_fields, NULL },
    { "mac", K_OBJ, 0, 0, 0, mac_fields, NULL },
    { "bitserial", K_OBJ, 0, 0, 0, bitserial_fields, NULL },
    { "act_bits", K_INT, AO(act_bits), 2, 16, NULL, NULL },
    { "buffers", K_OBJ, 0, 0, 0, buffers_fields, NULL },
    { "dram", K_OBJ, 0, 0, 0, dram_fields, NULL },
    { "dma", K_OBJ, 0, 0, 0, dma_fields, NULL },
    { "precompute", K_OBJ, 0, 0, 0, precompute_fields, NULL },
    { "attention", K_OBJ, 0, 0, 0, attention_fields, NULL },
    { "dequant", K_OBJ, 0, 0, 0, dequant_fields, NULL },
    { "vector", K_OBJ, 0, 0, 0, vector_fields, NULL },
    { "issue", K_OBJ, 0, 0, 0, issue_fields, NULL },
    { NULL, 0, 0, 0, 0, NULL, NULL },
};

const char *cfg_json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

char *cfg_read_text_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        errno = 0;
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f), why = errno;
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, errlen, "%s: cannot read: %s", path,
                 !bad ? "file too large or out of memory" : why ? strerror(why) : "read error");
        return NULL;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        snprintf(err, errlen, "%s: not a text file (contains a NUL byte)", path);
        return NULL;
    }
    return buf;
}

/* Renders a JSON value briefly for "got ..." (numbers as numbers). */
static void got_text(const json_t *v, char *out, size_t n)
{
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, n, "%.17g", json_real_value(v));
    else
        snprintf(out, n, "%s", cfg_json_kind(v));
}

static int read_fields(const json_t *obj, const field *fs, char *base, const char *path,
                       const char *label, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        const field *f = fs;
        while (f->key && strcmp(f->key, key) != 0)
            f++;
        char kp[256];
        snprintf(kp, sizeof kp, "%s%s%s", path, *path ? "." : "", key);
        if (!f->key) {
            snprintf(err, errlen, "%s: %s: unknown key", label, kp);
            return -1;
        }
        char got[64];
        got_text(v, got, sizeof got);
        switch (f->k) {
        case K_OBJ:
            if (!json_is_object(v)) {
                snprintf(err, errlen, "%s: %s: expected an object, got %s", label, kp, got);
                return -1;
            }
            if (read_fields(v, f->sub, base + f->off, kp, label, err, errlen))
                return -1;
            break;
        case K_INT: {
            double d = json_is_integer(v) ? (double)json_integer_value(v)
                       : json_is_real(v) ? json_real_value(v) : NAN;
            if (!json_is_number(v) || d != floor(d) || d < f->lo || d > f->hi) {
                snprintf(err, errlen, "%s: %s: expected an integer %.0f..%.0f, got %s", label,
                         kp, f->lo, f->hi, got);
                return -1;
            }
            *(int *)(base + f->off) = (int)d;
            break;
        }
        case K_NUM: {
            if (!json_is_number(v)) {
                snprintf(err, errlen, "%s: %s: expected a number, got %s", label, kp, got);
                return -1;
            }
            double d = json_number_value(v);
            if (!(d >= f->lo && d <= f->hi)) {
                snprintf(err, errlen, "%s: %s: expected a number %g..%g, got %s", label, kp,
                         f->lo, f->hi, got);
                return -1;
            }
            *(double *)(base + f->off) = d;
            break;
        }
        case K_BOOL:
            if (!json_is_boolean(v)) {
                snprintf(err, errlen, "%s: %s: expected true or false, got %s", label, kp, got);
                return -1;
            }
            *(int *)(base + f->off) = json_is_true(v);
            break;
        case K_DTYPE: {
            const char *s = json_is_string(v) ? json_string_value(v) : NULL;
            int k = (int)f->lo;
            while (s && k <= (int)f->hi && strcmp(fp_type_names[k], s) != 0)
                k++;
            if (!s || k > (int)f->hi) {
                char list[128] = "";
                for (int j = (int)f->lo; j <= (int)f->hi; j++)
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"",
                             j > (int)f->lo ? ", " : "", fp_type_names[j]);
                char q[80] = "";
                if (s)
                    snprintf(q, sizeof q, "\"%s\"", printable(s, got, sizeof got));
                snprintf(err, errlen, "%s: %s: expected one of %s, got %s", label, kp, list,
                         s ? q : got);
                return -1;
            }
            *(int *)(base + f->off) = k;
            break;
        }
        case K_ENUM: {
            int idx = -1;
            for (int i = 0; json_is_string(v) && f->names[i]; i++)
                if (strcmp(json_string_value(v), f->names[i]) == 0)
                    idx = i;
            if (idx < 0) {
                char want[128] = "";
                for (int i = 0; f->names[i]; i++)
                    snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s",
                             i ? (f->names[i + 1] ? ", " : " or ") : "", f->names[i]);
                snprintf(err, errlen, "%s: %s: expected %s, got %s%s%s", label, kp, want,
                         json_is_string(v) ? "'" : "", json_is_string(v) ? json_string_value(v) : got,
                         json_is_string(v) ? "'" : "");
                return -1;
            }
            *(int *)(base + f->off) = idx;
            break;
        }
        case K_NAME:
        case K_DESC: {
            if (!json_is_string(v)) {
                snprintf(err, errlen, "%s: %s: expected a string, got %s", label, kp, got);
                return -1;
            }
            if (f->k == K_DESC)
                break;
            const char *s = json_string_value(v);
            size_t len = strlen(s);
            if (len < (size_t)f->lo || len > (size_t)f->hi) {
                snprintf(err, errlen, "%s: %s: expected a string of %.0f..%.0f characters, "
                         "got %zu", label, kp, f->lo, f->hi, len);
                return -1;
            }
            for (size_t i = 0; i < len; i++) {
                if ((unsigned char)s[i] < 0x20) {
                    snprintf(err, errlen, "%s: %s: control characters are not allowed",
                             label, kp);
                    return -1;
                }
            }
            memcpy(base + f->off, s, len + 1);
            break;
        }
        }
    }
    return 0;
}

/* What a file overrides: the embedded default, or with "base": "ideal"
 * the same core on ideal memory (arch.h). */
static int arch_base(const json_t *doc, const char *label, arch_t *a, char *err, size_t errlen)
{
    const json_t *b = json_object_get(doc, "base");
    const char *s = json_is_string(b) ? json_string_value(b) : NULL;
    if (!b || (s && strcmp(s, "default") == 0)) {
        arch_default(a);
    } else if (s && strcmp(s, "ideal") == 0) {
        arch_ideal(a);
    } else {
        snprintf(err, errlen, "%s: base: expected \"default\" or \"ideal\", got %s%s%s", label,
                 s ? "'" : "", s ? s : cfg_json_kind(b), s ? "'" : "");
        return -1;
    }
    return 0;
}

int arch_from_json(const json_t *doc, const char *label, arch_t *out, char *err,
                   size_t errlen)
{
    if (!label)
        label = "<arch>";
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "%s: expected a JSON object at the top level, got %s", label,
                 cfg_json_kind(doc));
        return -1;
    }
    arch_t a;
    if (arch_base(doc, label, &a, err, errlen) ||
        read_fields(doc, root_fields, (char *)&a, "", label, err, errlen))
        return -1;
    char why[400];
    /* A device model brings its peak bandwidth and burst: given keys must
     * agree with them (arch_check says so), absent ones are derived. */
    dram_spec ds;
    int dev = arch_dram_spec(&a, &ds, why, sizeof why);
    if (dev < 0) {
        snprintf(err, errlen, "%s: %s", label, why);
        return -1;
    }
    const json_t *dj = json_object_get(doc, "dram");
    if (dev && !json_object_get(dj, "bandwidth_gbps"))
        a.dram_gbps = dram_peak_gbps(&ds);
    if (dev && !json_object_get(dj, "burst_bytes"))
        a.dram_burst = ds.burst_bytes;
    if (arch_check(&a, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", label, why);
        return -1;
    }
    *out = a;
    return 0;
}

json_t *cfg_parse(const char *text, const char *label, char *err, size_t errlen)
{
    json_error_t je;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        snprintf(err, errlen, "%s: line %d, column %d: %s", label, je.line, je.column, je.text);
    return doc;
}

int arch_from_json_string(const char *text, const char *label, arch_t *out, char *err,
                          size_t errlen)
{
    if (!label)
        label = "<arch>";
    json_t *doc = cfg_parse(text, label, err, errlen);
    if (!doc)
        return -1;
    int rc = arch_from_json(doc, label, out, err, errlen);
    json_decref(doc);
    return rc;
}

int arch_from_json_file(const char *path, arch_t *out, char *err, size_t errlen)
{
    char *text = cfg_read_text_file(path, err, errlen);
    if (!text)
        return -1;
    int rc = arch_from_json_string(text, path, out, err, errlen);
    free(text);
    return rc;
}

static json_t *write_fields(const field *fs, const char *base)
{
    json_t *o = json_object();
    for (const field *f = fs; o && f->key; f++) {
        json_t *v = NULL;
        switch (f->k) {
        case K_OBJ: v = write_fields(f->sub, base + f->off); break;
        case K_INT: v = json_integer(*(const int *)(base + f->off)); break;
        case K_NUM: v = json_real(*(const double *)(base + f->off)); break;
        case K_BOOL: v = json_boolean(*(const int *)(base + f->off)); break;
        case K_NAME: v = json_string(base + f->off); break;
        case K_DTYPE: v = json_string(fp_type_names[*(const int *)(base + f->off)]); break;
        case K_ENUM: v = json_string(f->names[*(const int *)(base + f->off)]); break;
        case K_DESC: continue;
        }
        if (!v || json_object_set_new(o, f->key, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

json_t *arch_to_json(const arch_t *a)
{
    return write_fields(root_fields, (const char *)a);
}
