/* safetensors.c - safetensors headers and tensors (safetensors.h). */
#define _FILE_OFFSET_BITS 64
#include "safetensors.h"

#include "fp_arith.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The spec's limit on the header, which also bounds what we allocate. */
#define ST_MAX_HEADER (100u << 20)

static const struct {
    const char *name;
    int size;
    st_dtype kind;
} dtypes[] = {
    { "F32", 4, ST_F32 },    { "F16", 2, ST_F16 },     { "BF16", 2, ST_BF16 },
    { "F64", 8, ST_OTHER },  { "I64", 8, ST_OTHER },   { "U64", 8, ST_OTHER },
    { "I32", 4, ST_OTHER },  { "U32", 4, ST_OTHER },   { "I16", 2, ST_OTHER },
    { "U16", 2, ST_OTHER },  { "I8", 1, ST_OTHER },    { "U8", 1, ST_OTHER },
    { "BOOL", 1, ST_OTHER }, { "F8_E4M3", 1, ST_OTHER }, { "F8_E5M2", 1, ST_OTHER },
};

static int dtype_index(const char *s)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(s, dtypes[i].name) == 0)
            return (int)i;
    return -1;
}

void st_close(st_file *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->t[i].name);
    free(f->t);
    free(f->path);
    memset(f, 0, sizeof *f);
}

const st_tensor *st_find(const st_file *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0)
            return &f->t[i];
    return NULL;
}

/* Checks one header entry and fills t.  0, or -1 with "problem" in why. */
static int parse_entry(const json_t *v, uint64_t data_len, st_tensor *t, char *why, size_t wl)
{
    if (!json_is_object(v)) {
        snprintf(why, wl, "expected an object");
        return -1;
    }
    const json_t *d = json_object_get(v, "dtype"), *s = json_object_get(v, "shape"),
                 *o = json_object_get(v, "data_offsets");
    if (!json_is_string(d) || !json_is_array(s) || !json_is_array(o) || json_array_size(o) != 2) {
        snprintf(why, wl, "needs \"dtype\" (a string), \"shape\" (an array) and "
                 "\"data_offsets\" ([begin, end])");
        return -1;
    }
    int di = dtype_index(json_string_value(d));
    if (di < 0) {
        snprintf(why, wl, "unknown dtype \"%.20s\"", json_string_value(d));
        return -1;
    }
    t->dtype = dtypes[di].kind;
    snprintf(t->dtype_name, sizeof t->dtype_name, "%s", dtypes[di].name);
    if (json_array_size(s) > ST_MAX_DIMS) {
        snprintf(why, wl, "shape has %zu dimensions (at most %d)", json_array_size(s), ST_MAX_DIMS);
        return -1;
    }
    t->ndim = (int)json_array_size(s);
    uint64_t count = 1;
    for (int i = 0; i < t->ndim; i++) {
        const json_t *e = json_array_get(s, (size_t)i);
        if (!json_is_integer(e) || json_integer_value(e) < 0 ||
            json_integer_value(e) > (json_int_t)1 << 40) {
            snprintf(why, wl, "shape[%d] is not an integer 0..2^40", i);
            return -1;
        }
        t->shape[i] = (int64_t)json_integer_value(e);
        if (t->shape[i] && count > (UINT64_C(1) << 48) / (uint64_t)t->shape[i]) {
            snprintf(why, wl, "shape has more than 2^48 elements");
            return -1;
        }
        count *= (uint64_t)t->shape[i];
    }
    const json_t *b = json_array_get(o, 0), *e = json_array_get(o, 1);
    if (!json_is_integer(b) || !json_is_integer(e) || json_integer_value(b) < 0 ||
        json_integer_value(e) < json_integer_value(b)) {
        snprintf(why, wl, "data_offsets: expected integers 0 <= begin <= end");
        return -1;
    }
    t->begin = (uint64_t)json_integer_value(b);
    t->end = (uint64_t)json_integer_value(e);
    if (t->end > data_len) {
        snprintf(why, wl, "data_offsets [%llu, %llu] run past the data (%llu bytes)",
                 (unsigned long long)t->begin, (unsigned long long)t->end,
                 (unsigned long long)data_len);
        return -1;
    }
    if (t->end - t->begin != count * (uint64_t)dtypes[di].size) {
        snprintf(why, wl, "data_offsets span %llu bytes, the shape needs %llu",
                 (unsigned long long)(t->end - t->begin),
                 (unsigned long long)(count * (uint64_t)dtypes[di].size));
        return -1;
    }
    return 0;
}

static int parse_header(const char *path, const char *text, size_t len, st_file *f, char *err,
                        size_t errlen)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(err, errlen, "%s: header: line %d, column %d: %s", path, je.line, je.column,
                 je.text);
        return -1;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        snprintf(err, errlen, "%s: header: expected a JSON object", path);
        return -1;
    }
    f->t = calloc(json_object_size(doc) + 1, sizeof *f->t);
    if (!f->t) {
        json_decref(doc);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    const char *key;
    json_t *v;
    int rc = 0;
    json_object_foreach(doc, key, v) {
        if (strcmp(key, "__metadata__") == 0)
            continue;
        st_tensor *t = &f->t[f->n];
        char why[256];
        if (parse_entry(v, f->data_len, t, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: tensor \"%.200s\": %s", path, key, why);
            rc = -1;
            break;
        }
        if (!(t->name = strdup(key))) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
            break;
        }
        f->n++;
    }
    json_decref(doc);
    return rc;
}

int st_open(const char *path, st_file *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "rb");
    struct stat sb;
    if (!fp || fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, fp ? "not a regular file"
                                                               : strerror(errno));
        if (fp)
            fclose(fp);
        return -1;
    }
    uint8_t lenb[8];
    const uint64_t size = (uint64_t)sb.st_size;
    if (size < 8 || fread(lenb, 1, 8, fp) != 8) {
        fclose(fp);
        snprintf(err, errlen, "%s: too short for a safetensors file (%llu bytes)", path,
                 (unsigned long long)size);
        return -1;
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | lenb[i];
    if (n < 2 || n > ST_MAX_HEADER || n > size - 8) {
        fclose(fp);
        snprintf(err, errlen, "%s: header length %llu is not 2..%u bytes within the file "
                 "(%llu bytes)", path, (unsigned long long)n, ST_MAX_HEADER,
                 (unsigned long long)size);
        return -1;
    }
    char *text = malloc((size_t)n);
    if (!text || fread(text, 1, (size_t)n, fp) != n) {
        free(text);
        fclose(fp);
        snprintf(err, errlen, "%s: cannot read the %llu-byte header", path, (unsigned long long)n);
        return -1;
    }
    fclose(fp);
    f->data_start = 8 + n;
    f->data_len = size - 8 - n;
    int rc = (f->path = strdup(path)) ? parse_header(path, text, (size_t)n, f, err, errlen) : -1;
    if (!f->path)
        snprintf(err, errlen, "%s: out of memory", path);
    free(text);
    if (rc != 0)
        st_close(f);
    return rc;
}

int st_read_float(const st_file *f, const st_tensor *t, float *out, char *err, size_t errlen)
{
    if (t->dtype == ST_OTHER) {
        snprintf(err, errlen, "%s: tensor \"%.200s\": dtype %s is not F32, F16 or BF16", f->path,
                 t->name, t->dtype_name);
        return -1;
    }
    const uint64_t nbytes = t->end - t->begin;
    uint8_t *buf = malloc(nbytes ? (size_t)nbytes : 1);
    FILE *fp = fopen(f->path, "rb");
    int ok = buf && fp && fseeko(fp, (off_t)(f->data_start + t->begin), SEEK_SET) == 0 &&
             fread(buf, 1, (size_t)nbytes, fp) == nbytes;
    if (fp)
        fclose(fp);
    if (!ok) {
        free(buf);
        snprintf(err, errlen, "%s: tensor \"%.200s\": cannot read its %llu bytes", f->path,
                 t->name, (unsigned long long)nbytes);
        return -1;
    }
    const fp_type ft = t->dtype == ST_F32 ? FP_F32 : t->dtype == ST_F16 ? FP_F16 : FP_BF16;
    const uint64_t count = nbytes / (uint64_t)fp_bytes(ft);
    for (uint64_t i = 0; i < count; i++)
        out[i] = fp_load(buf, ft, i);
    free(buf);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The index's shard names, sorted and unique, and the document. */
static json_t *index_shards(const char *index_path, const char ***names, size_t *n, char *err,
                            size_t errlen)
{
    json_error_t je;
    json_t *doc = json_load_file(index_path, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(err, errlen, "%s: line %d, column %d: %s", index_path, je.line, je.column, je.text);
        return NULL;
    }
    const json_t *map = json_object_get(doc, "weight_map");
    if (!json_is_object(map) || json_object_size(map) == 0) {
        snprintf(err, errlen, "%s: weight_map: expected a non-empty object", index_path);
        json_decref(doc);
        return NULL;
    }
    *names = calloc(json_object_size(map), sizeof **names);
    *n = 0;
    if (!*names) {
        snprintf(err, errlen, "%s: out of memory", index_path);
        json_decref(doc);
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)map, key, v) {
        const char *s = json_string_value(v);
        if (!s || !*s || strchr(s, '/') || strcmp(s, "..") == 0) {
            snprintf(err, errlen, "%s: weight_map: \"%.200s\": expected a shard file name "
                     "beside the index", index_path, key);
            free(*names);
            json_decref(doc);
            return NULL;
        }
        (*names)[(*n)++] = s;
    }
    qsort(*names, *n, sizeof **names, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < *n; i++)
        if (u == 0 || strcmp((*names)[u - 1], (*names)[i]) != 0)
            (*names)[u++] = (*names)[i];
    *n = u;
    return doc;
}

int st_open_index(const char *index_path, st_file **files, int *nfiles, char *err, size_t errlen)
{
    const char **names = NULL;
    size_t n = 0;
    json_t *doc = index_shards(index_path, &names, &n, err, errlen);
    if (!doc)
        return -1;
    *files = calloc(n, sizeof **files);
    *nfiles = 0;
    if (!*files) {
        snprintf(err, errlen, "%s: out of memory", index_path);
        free(names);
        json_decref(doc);
        return -1;
    }
    const char *slash = strrchr(index_path, '/');
    const int dirlen = slash ? (int)(slash - index_path) + 1 : 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%.*s%s", dirlen, index_path, names[i]);
        rc = st_open(path, &(*files)[i], err, errlen);
        if (rc == 0)
            (*nfiles)++;
    }
    const char *key;
    json_t *v;
    const json_t *map = json_object_get(doc, "weight_map");
    json_object_foreach((json_t *)map, key, v) {
        if (rc != 0)
            break;
        for (int i = 0; i < *nfiles; i++) {
            const char *base = strrchr((*files)[i].path, '/');
            base = base ? base + 1 : (*files)[i].path;
            if (strcmp(base, json_string_value(v)) == 0 && !st_find(&(*files)[i], key)) {
                snprintf(err, errlen, "%s: weight_map: tensor \"%.200s\" is not in %s", index_path,
                         key, (*files)[i].path);
                rc = -1;
            }
        }
    }
    free(names);
    json_decref(doc);
    if (rc != 0) {
        for (int i = 0; i < *nfiles; i++)
            st_close(&(*files)[i]);
        free(*files);
        *files = NULL;
        *nfiles = 0;
    }
    return rc;
}
