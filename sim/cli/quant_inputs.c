/* quant_inputs.c - --in of `lutsim quantize` (quant_inputs.h). */
#define _XOPEN_SOURCE 700
#include "quant_inputs.h"

#include "fp_arith.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int qin_is_linear_name(const char *name)
{
    static const char *const kept_fp16[] = { "embed", "lm_head", "norm", "wte", "wpe", NULL };
    if (!ends_with(name, ".weight"))
        return 0;
    for (int i = 0; kept_fp16[i]; i++)
        if (strstr(name, kept_fp16[i]))
            return 0;
    return 1;
}

static qin_matrix *grow(qin_set *s, char *err, size_t errlen)
{
    qin_matrix *m = realloc(s->m, (size_t)(s->n + 1) * sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->m = m;
    memset(&m[s->n], 0, sizeof m[s->n]);
    return &m[s->n];
}

static int take_safetensors(qin_set *s, const st_file *f, char *err, size_t errlen)
{
    for (int i = 0; i < f->n; i++) {
        const st_tensor *t = &f->t[i];
        if (t->ndim != 2 || !qin_is_linear_name(t->name)) {
            s->skipped++;
            continue;
        }
        if (t->dtype == ST_OTHER) {
            snprintf(err, errlen, "%s: tensor \"%.200s\": dtype %s is not F32, F16 or BF16",
                     f->path, t->name, t->dtype_name);
            return -1;
        }
        if (t->shape[0] < 1 || t->shape[1] < 1) {
            snprintf(err, errlen, "%s: tensor \"%.200s\": empty matrix", f->path, t->name);
            return -1;
        }
        qin_matrix *m = grow(s, err, errlen);
        if (!m || !(m->name = strdup(t->name)))
            return -1;
        m->file = f->path;
        m->dtype = t->dtype_name;
        m->n = (uint64_t)t->shape[0];
        m->k = (uint64_t)t->shape[1];
        m->sf = f;
        m->st = t;
        s->n++;
    }
    return 0;
}

static int take_npy(qin_set *s, const char *path, char *err, size_t errlen)
{
    qin_matrix *m = grow(s, err, errlen);
    if (!m)
        return -1;
    if (npy_read(path, &m->npy, err, errlen) != 0)
        return -1;
    if (m->npy.ndim != 2 || (m->npy.dtype != NPY_FLOAT16 && m->npy.dtype != NPY_FLOAT32) ||
        m->npy.shape[0] < 1 || m->npy.shape[1] < 1) {
        snprintf(err, errlen, "%s: expected a non-empty 2-D float16 or float32 array, got a "
                 "%d-D %s array", path, m->npy.ndim, npy_dtype_name(m->npy.dtype));
        npy_free(&m->npy);
        return -1;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    m->name = strndup(base, strlen(base) - 4); /* without ".npy" */
    m->own_file = strdup(path); /* a folder's listing is freed once read */
    m->file = m->own_file;
    m->dtype = npy_dtype_name(m->npy.dtype);
    m->n = (uint64_t)m->npy.shape[0];
    m->k = (uint64_t)m->npy.shape[1];
    s->n++;
    return m->name && m->own_file ? 0 : -1;
}

static int add_st_file(qin_set *s, const char *path, char *err, size_t errlen)
{
    st_file *fs = realloc(s->files, (size_t)(s->nfiles + 1) * sizeof *fs);
    if (!fs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->files = fs;
    if (st_open(path, &fs[s->nfiles], err, errlen) != 0)
        return -1;
    s->nfiles++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder without an index: its .safetensors and .npy files by name. */
static int open_folder(qin_set *s, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot read the folder", dir);
        return -1;
    }
    char **names = NULL;
    int n = 0, rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!ends_with(e->d_name, ".safetensors") && !ends_with(e->d_name, ".npy"))
            continue;
        char **nn = realloc(names, (size_t)(n + 1) * sizeof *nn);
        if (!nn || !(nn[n] = malloc(strlen(dir) + strlen(e->d_name) + 2))) {
            names = nn ? nn : names;
            rc = -1;
            snprintf(err, errlen, "out of memory");
            break;
        }
        names = nn;
        sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (rc == 0)
        qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n && rc == 0; i++)
        rc = ends_with(names[i], ".npy") ? take_npy(s, names[i], err, errlen)
                                         : add_st_file(s, names[i], err, errlen);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int qin_open(const char *in, qin_set *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    struct stat sb;
    if (stat(in, &sb) != 0) {
        snprintf(err, errlen, "%s: no such file or folder", in);
        return -1;
    }
    int rc;
    if (S_ISDIR(sb.st_mode)) {
        char idx[4096];
        snprintf(idx, sizeof idx, "%s/model.safetensors.index.json", in);
        rc = stat(idx, &sb) == 0 ? st_open_index(idx, &s->files, &s->nfiles, err, errlen)
                                 : open_folder(s, in, err, errlen);
    } else if (ends_with(in, ".index.json")) {
        rc = st_open_index(in, &s->files, &s->nfiles, err, errlen);
    } else if (ends_with(in, ".safetensors")) {
        rc = add_st_file(s, in, err, errlen);
    } else if (ends_with(in, ".npy")) {
        rc = take_npy(s, in, err, errlen);
    } else {
        snprintf(err, errlen, "%s: expected a .safetensors or .npy file, a "
                 "model.safetensors.index.json or a folder", in);
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < s->nfiles; i++)
        rc = take_safetensors(s, &s->files[i], err, errlen);
    if (rc == 0 && s->n == 0) {
        snprintf(err, errlen, "%s: no linear-layer weights (2-D tensors named *.weight, not "
                 "embeddings, norms or lm_head; or 2-D .npy arrays)", in);
        rc = -1;
    }
    if (rc != 0)
        qin_close(s);
    return rc;
}

float *qin_read(const qin_set *s, int i, char *err, size_t errlen)
{
    const qin_matrix *m = &s->m[i];
    const uint64_t count = m->n * m->k;
    float *w = malloc(count * sizeof *w);
    if (!w) {
        snprintf(err, errlen, "%s: %s: out of memory for %llu weights", m->file, m->name,
                 (unsigned long long)count);
        return NULL;
    }
    if (m->sf) {
        if (st_read_float(m->sf, m->st, w, err, errlen) != 0) {
            free(w);
            return NULL;
        }
        return w;
    }
    const fp_type t = m->npy.dtype == NPY_FLOAT16 ? FP_F16 : FP_F32;
    for (uint64_t j = 0; j < count; j++)
        w[j] = fp_load(m->npy.data, t, j);
    return w;
}

void qin_close(qin_set *s)
{
    for (int i = 0; i < s->n; i++) {
        free(s->m[i].name);
        free(s->m[i].own_file);
        npy_free(&s->m[i].npy);
    }
    free(s->m);
    for (int i = 0; i < s->nfiles; i++)
        st_close(&s->files[i]);
    free(s->files);
    memset(s, 0, sizeof *s);
}
