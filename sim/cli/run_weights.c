/* run_weights.c - a user's quantized weights in `lutsim run --functional`
 * (run_weights.h). */
#include "run_weights.h"

#include "commands.h"
#include "npy.h"
#include "quant_gemm.h"
#include "quant_layout.h"
#include "quantize.h"
#include "randgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int manifest_int(const json_t *doc, const char *key)
{
    const json_t *v = json_object_get(doc, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

int run_weights_open(const char *dir, const quant_preset *q, run_weights *w, char *err,
                     size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    memset(w, 0, sizeof *w);
    w->dir = dir;
    json_error_t je;
    w->doc = json_load_file(path, 0, &je);
    if (!w->doc) {
        snprintf(err, errlen, "%s: %s (--weights takes the DIR `lutsim quantize --out DIR` "
                 "wrote)", path, je.text);
        return -1;
    }
    const char *qn = json_string_value(json_object_get(w->doc, "quant"));
    w->tensors = json_object_get(w->doc, "tensors");
    if (!qn || !json_is_array(w->tensors)) {
        snprintf(err, errlen, "%s: \"quant\" (a string) and \"tensors\" (an array) are required",
                 path);
    } else if (strcasecmp(qn, q->name) != 0 || manifest_int(w->doc, "wbits") != q->w.bits ||
               manifest_int(w->doc, "group_size") != q->group_size) {
        snprintf(err, errlen, "%s: quant: the weights were quantized with %s, but --quant is %s "
                 "(run `lutsim quantize --quant %s`)", path, qn, q->name, q->name);
    } else {
        return 0;
    }
    run_weights_close(w);
    return -1;
}

void run_weights_close(run_weights *w)
{
    json_decref(w->doc);
    w->doc = NULL;
}

/* Whether tensor name belongs to operation op (without "layer.") of layer L. */
static int name_matches(const char *name, const char *op, uint64_t layer, int in_layer)
{
    char base[512], comp[64];
    snprintf(base, sizeof base, "%s", name);
    size_t l = strlen(base);
    if (l > 7 && strcmp(base + l - 7, ".weight") == 0)
        base[l -= 7] = '\0';
    const size_t ol = strlen(op);
    if (l < ol || strcmp(base + l - ol, op) != 0 || (l > ol && base[l - ol - 1] != '.'))
        return 0;
    if (!in_layer)
        return l == ol;
    snprintf(comp, sizeof comp, "layers.%llu.", (unsigned long long)layer);
    const char *p = strstr(base, comp);
    return p && (p == base || p[-1] == '.');
}

int run_weights_find(const run_weights *w, const char *op, uint64_t layer, uint64_t n,
                     uint64_t k, const json_t **entry, char *err, size_t errlen)
{
    const int in_layer = strncmp(op, "layer.", 6) == 0;
    const char *x = in_layer ? op + 6 : op;
    size_t i;
    json_t *t;
    json_array_foreach(w->tensors, i, t) {
        const char *name = json_string_value(json_object_get(t, "name"));
        if (!name || !name_matches(name, x, layer, in_layer))
            continue;
        const json_t *sh = json_object_get(t, "shape");
        const uint64_t tn = (uint64_t)json_integer_value(json_array_get(sh, 0));
        const uint64_t tk = (uint64_t)json_integer_value(json_array_get(sh, 1));
        if (tn != n || tk != k) {
            snprintf(err, errlen, "%s/manifest.json: tensor \"%.200s\" is %llux%llu, but %s "
                     "(layer %llu) takes %llux%llu (N x K)", w->dir, name,
                     (unsigned long long)tn, (unsigned long long)tk, op,
                     (unsigned long long)layer, (unsigned long long)n, (unsigned long long)k);
            return -1;
        }
        *entry = t;
        return 1;
    }
    return 0;
}

/* Reads the tensor's file `key` (dtype d, rows x cols) into *out (malloc'ed). */
static int read_part(const run_weights *w, const json_t *entry, const char *key, npy_dtype d,
                     uint64_t rows, uint64_t cols, void **out, char *err, size_t errlen)
{
    const char *name = json_string_value(json_object_get(entry, "name"));
    const char *file = json_string_value(json_object_get(json_object_get(entry, "files"), key));
    if (!file) {
        snprintf(err, errlen, "%s/manifest.json: tensor \"%.200s\" lists no \"%s\" file", w->dir,
                 name, key);
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", w->dir, file);
    npy_array a;
    char why[1024];
    if (npy_read(path, &a, why, sizeof why) != 0) {
        snprintf(err, errlen, "tensor \"%.150s\": %.800s", name, why);
        return -1;
    }
    const int64_t c = a.ndim > 1 ? a.shape[1] : 1;
    const int dt_ok = a.dtype == d || (d == NPY_INT8 && a.dtype == NPY_UINT8);
    if (!dt_ok || a.ndim < 1 || a.ndim > 2 || a.shape[0] != (int64_t)rows || c != (int64_t)cols) {
        snprintf(err, errlen, "%.700s: tensor \"%.150s\": expected %s %llux%llu, got a %d-D %s array",
                 path, name, npy_dtype_name(d), (unsigned long long)rows,
                 (unsigned long long)cols, a.ndim, npy_dtype_name(a.dtype));
        npy_free(&a);
        return -1;
    }
    *out = a.data; /* npy_free only frees data */
    return 0;
}

/* The entry's files as a quantize_matrix result (no dequantized copy). */
static int load_result(const quant_preset *q, const run_weights *w, const json_t *entry,
                       uint64_t n, uint64_t k, quant_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->k = k;
    r->group_len = quant_group_len(q, k);
    r->groups_per_row = (k + (uint64_t)r->group_len - 1) / (uint64_t)r->group_len;
    const uint64_t g = r->groups_per_row;
    int rc = read_part(w, entry, "codes", NPY_INT8, n, k, (void **)&r->codes, err, errlen);
    rc = rc ? rc : read_part(w, entry, "scales", NPY_FLOAT32, n, g, (void **)&r->scales, err, errlen);
    if (!rc && q->w.fmt == LUT_WFMT_UINT)
        rc = read_part(w, entry, "zeros", NPY_UINT8, n, g, (void **)&r->zeros, err, errlen);
    if (!rc && q->mixture == QUANT_MIX_BITMOD) {
        rc = read_part(w, entry, "variants", NPY_UINT8, n, g, (void **)&r->variants, err, errlen);
        rc = rc ? rc : read_part(w, entry, "scale_codes", NPY_UINT8, n, g,
                                 (void **)&r->scale_codes, err, errlen);
        rc = rc ? rc : read_part(w, entry, "row_scales", NPY_FLOAT32, n, 1,
                                 (void **)&r->row_scales, err, errlen);
        /* the group scale the dq unit forms from what it stores */
        for (uint64_t i = 0; !rc && i < n * g; i++)
            r->scales[i] = (float)r->scale_codes[i] * r->row_scales[i / g];
    }
    if (rc)
        quant_result_free(r);
    return rc;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Runs g on the image and compares with the reference; prints the line. */
static int run_checked(const arch_t *a, const energy_model *em, const quant_preset *q,
                       const gemm_shape *g, const int8_t *act, const quant_result *r,
                       const char *label, char *err, size_t errlen)
{
    program prog;
    gemm_layout lay;
    if (gemm_lower(a, g, &prog, &lay, err, errlen) != 0)
        return -1;
    const size_t mn = (size_t)g->m * g->n;
    uint8_t *img = malloc(lay.image_bytes);
    float *c = malloc(mn * sizeof *c), *ref = malloc(mn * sizeof *ref);
    int rc = -1;
    sim_opts so = { .dram = img, .dram_size = lay.image_bytes };
    sim_stats ss;
    if (!img || !c || !ref)
        snprintf(err, errlen, "out of memory for a functional run");
    else if (quant_gemm_fill(a, q, g, &lay, act, r, img, err, errlen) == 0 &&
             sim_run(a, em, &prog, &so, &ss, err, errlen) == 0 &&
             quant_gemm_reference(a, q, g, act, r, ref, err, errlen) == 0) {
        memcpy(c, img + lay.c_addr, mn * 4);
        quant_gemm_finish(q, r, g->m, c);
        rc = 0;
        for (size_t j = 0; j < mn && rc == 0; j++)
            if (memcmp(&c[j], &ref[j], 4) != 0) {
                snprintf(err, errlen, "output [%zu][%zu] = %.9g, the dq reference %.9g (NOT "
                         "bit-exact)", j / (size_t)g->n, j % (size_t)g->n, (double)c[j],
                         (double)ref[j]);
                rc = -1;
            }
        if (rc == 0)
            printf("  user weights: %s: %zu float32 outputs bit-exact, checksum %08x, "
                   "%llu cycles\n", label, mn, fnv1a((const uint8_t *)c, mn * 4),
                   (unsigned long long)ss.cycles);
    }
    free(img);
    free(c);
    free(ref);
    program_free(&prog);
    return rc;
}

int run_weights_layer(const arch_t *a, const energy_model *em, const quant_preset *q,
                      const run_weights *w, const json_t *entry, const char *op, uint64_t layer,
                      const gemm_shape *g0, uint32_t *st)
{
    char err[1024], label[512];
    const char *name = json_string_value(json_object_get(entry, "name"));
    snprintf(label, sizeof label, "%s layer %llu <- %s", op, (unsigned long long)layer, name);
    if (a->act_bits != 8) {
        cli_error("--weights: %s: the user-weight check takes INT8 activations (abits 8), "
                  "not %d", label, a->act_bits);
        return -1;
    }
    gemm_shape g = *g0;
    g.float_out = 1; /* real scales: dequantize into float32 */
    memset(&g.epi, 0, sizeof g.epi);
    g.in_quant = 0;
    quant_result r;
    if (load_result(q, w, entry, (uint64_t)g.n, (uint64_t)g.kd, &r, err, sizeof err) != 0) {
        cli_error("--weights: %s", err);
        return -1;
    }
    int8_t *act = malloc((size_t)g.m * g.kd);
    int rc = -1;
    if (!act) {
        cli_error("%s: out of memory for a functional run", label);
    } else {
        rand_acts(act, (size_t)g.m * g.kd, st);
        rc = run_checked(a, em, q, &g, act, &r, label, err, sizeof err);
        if (rc != 0)
            cli_error("%s: %s", label, err);
    }
    free(act);
    quant_result_free(&r);
    return rc;
}
