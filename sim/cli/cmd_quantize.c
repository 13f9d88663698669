/* cmd_quantize.c - `lutsim quantize`: float weights -> a preset's codes and error. */
#include "commands.h"
#include "bitmod_types.h"
#include "lut_meta.h"
#include "model_json.h"
#include "npy.h"
#include "outfiles.h"
#include "progress.h"
#include "quant_inputs.h"
#include "quant_report.h"
#include "quantize.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char quantize_usage[] =
    "usage: lutsim quantize --in FILE|DIR --quant Q --out DIR [--report R.json]\n"
    "                       [--csv R.csv] [--quiet]\n"
    "\n"
    "Quantizes a model's linear-layer weights to a preset and reports, per tensor\n"
    "and overall, the mean-square error, the SQNR and the stored bits per weight\n"
    "(weights and metadata, the bytes the DRAM model moves).\n"
    "\n"
    "  --in FILE|DIR   a .safetensors file (F32, F16, BF16 tensors), a sharded\n"
    "                  model's model.safetensors.index.json, a .npy file (float16\n"
    "                  or float32), or a folder (its index, else its .safetensors\n"
    "                  and .npy files).  Taken: 2-D tensors named *.weight that are\n"
    "                  not embeddings, norms or lm_head; every 2-D .npy array\n"
    "  --quant Q       a preset (W2A8, W4A8-asym, W1.58A8, W3A8-bitmod, ...) or a\n"
    "                  preset JSON file; group size, scale type and zero-point\n"
    "                  come from it\n"
    "  --out DIR       per tensor NAME.codes.npy (the integer weights; for int,\n"
    "                  ternary and binary the int8 W that `lutsim gemm --weight`\n"
    "                  takes), NAME.scales.npy (float32, one per row and group),\n"
    "                  NAME.zeros.npy (uint8 zero-points, uint presets),\n"
    "                  NAME.variants.npy, NAME.scale_codes.npy, NAME.row_scales.npy,\n"
    "                  NAME.grid.npy (BitMoD: each code's signed grid value, int8,\n"
    "                  w = grid x scale), NAME.dequant.npy (float32), and\n"
    "                  manifest.json (with the `lutsim gemm` options per tensor)\n"
    "  --report R.json the figures as JSON: {\"tensors\": [{\"name\", \"shape\",\n"
    "                  \"mse\", \"sqnr_db\", \"bits_per_weight\", ...}], \"total\": {...}}\n"
    "  --csv R.csv     the same figures as CSV, one row per tensor and \"total\"\n"
    "  --quiet         no progress line on stderr (shown, in weights, for a run\n"
    "                  longer than a second)\n"
    "  -h, --help      this text\n"
    "\n"
    "Nothing is written unless every tensor quantizes.  Exit status: 0 on\n"
    "success, 1 on bad input, 2 on bad usage.\n";

typedef struct {
    const char *in, *quant, *out, *report, *csv;
    int quiet;
} quantize_opts;

/* 0 to go on, 1 after --help, 2 on a usage error. */
static int parse_opts(int argc, char **argv, quantize_opts *o)
{
    static const struct option opts[] = {
        { "in", required_argument, 0, 'i' },     { "quant", required_argument, 0, 'q' },
        { "out", required_argument, 0, 'o' },    { "report", required_argument, 0, 'r' },
        { "csv", required_argument, 0, 'c' },    { "quiet", no_argument, 0, 'Q' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'i': o->in = optarg; break;
        case 'q': o->quant = optarg; break;
        case 'o': o->out = optarg; break;
        case 'r': o->report = optarg; break;
        case 'c': o->csv = optarg; break;
        case 'Q': o->quiet = 1; break;
        case 'h': fputs(quantize_usage, stdout); return 1;
        default:
            cli_error("quantize: unknown or incomplete option '%s' (see `lutsim quantize "
                      "--help`)", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        cli_error("quantize: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (!o->in || !o->quant || !o->out) {
        cli_error("quantize: --in, --quant and --out are required (see `lutsim quantize "
                  "--help`)");
        return 2;
    }
    return 0;
}

enum { F_CODES, F_SCALES, F_ZEROS, F_VARIANTS, F_SCODES, F_ROWS, F_GRID, F_DEQ, F_COUNT };
static const char *const suffix[F_COUNT] = { "codes", "scales", "zeros", "variants",
                                             "scale_codes", "row_scales", "grid", "dequant" };

/* Which files a tensor gets under q. */
static int has_file(const quant_preset *q, int f)
{
    if (f == F_ZEROS)
        return q->w.fmt == LUT_WFMT_UINT;
    if (f == F_VARIANTS || f == F_SCODES || f == F_ROWS || f == F_GRID)
        return q->mixture == QUANT_MIX_BITMOD;
    return 1;
}

/* A tensor name as a file name: [A-Za-z0-9._-] kept, anything else '_'. */
static void file_stem(const char *name, char *stem, size_t len)
{
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        stem[i] = ok ? c : '_';
    }
    stem[i] = 0;
    if (stem[0] == '.')
        stem[0] = '_'; /* no hidden files, no ".." */
}

typedef struct {
    char stem[200];
    const char *tmp[F_COUNT];
} tensor_files;

static int stage_all(outfiles *of, const quantize_opts *o, const quant_preset *q,
                     const qin_set *in, tensor_files *tf, const char **manifest, char *err,
                     size_t errlen)
{
    char path[4096];
    for (int i = 0; i < in->n; i++) {
        file_stem(in->m[i].name, tf[i].stem, sizeof tf[i].stem);
        for (int f = 0; f < F_COUNT; f++) {
            if (!has_file(q, f))
                continue;
            snprintf(path, sizeof path, "%s/%s.%s.npy", o->out, tf[i].stem, suffix[f]);
            if (!(tf[i].tmp[f] = out_stage(of, path, err, errlen)))
                return -1;
        }
    }
    snprintf(path, sizeof path, "%s/manifest.json", o->out);
    return (*manifest = out_stage(of, path, err, errlen)) ? 0 : -1;
}

/* BitMoD's codes as the signed integers of their grid (FP4 in halves), so
 * that w' = grid x scale: what the LUT core's INT bit-planes execute. */
static int write_grid(const quant_preset *q, const char *tmp, const quant_result *r, char *err,
                      size_t errlen)
{
    int8_t *g = malloc(r->n * r->k);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    quant_result_grid(q, r, g);
    int rc = npy_write_buffer(tmp, NPY_INT8, 2, r->n, r->k, g, err, errlen);
    free(g);
    return rc;
}

static int write_tensor(const quant_preset *q, const tensor_files *tf, const quant_result *r,
                        char *err, size_t errlen)
{
    const npy_dtype cd = (q->w.fmt == LUT_WFMT_UINT || q->mixture) ? NPY_UINT8 : NPY_INT8;
    const uint64_t g = r->groups_per_row;
    int rc = npy_write_buffer(tf->tmp[F_CODES], cd, 2, r->n, r->k, r->codes, err, errlen);
    rc = rc ? rc : npy_write_buffer(tf->tmp[F_SCALES], NPY_FLOAT32, 2, r->n, g, r->scales, err, errlen);
    rc = rc ? rc : npy_write_buffer(tf->tmp[F_DEQ], NPY_FLOAT32, 2, r->n, r->k, r->deq, err, errlen);
    if (!rc && r->zeros)
        rc = npy_write_buffer(tf->tmp[F_ZEROS], NPY_UINT8, 2, r->n, g, r->zeros, err, errlen);
    if (!rc && r->variants)
        rc = npy_write_buffer(tf->tmp[F_VARIANTS], NPY_UINT8, 2, r->n, g, r->variants, err, errlen);
    if (!rc && r->scale_codes)
        rc = npy_write_buffer(tf->tmp[F_SCODES], NPY_UINT8, 2, r->n, g, r->scale_codes, err, errlen);
    if (!rc && r->row_scales)
        rc = npy_write_buffer(tf->tmp[F_ROWS], NPY_FLOAT32, 1, r->n, 1, r->row_scales, err, errlen);
    if (!rc && r->variants)
        rc = write_grid(q, tf->tmp[F_GRID], r, err, errlen);
    return rc;
}

/* The `lutsim gemm` options that run a tensor's integer weights (which
 * file in *weight), or NULL.  BitMoD runs as the INT bit-planes of its grid:
 * FP3's -6..6 needs INT4 (4 passes for 3 stored bits), FP4's -16..16 (in
 * halves) INT6 (6 passes for 4). */
static const char *gemm_args(const quant_preset *q, char *buf, size_t len, int *weight)
{
    *weight = F_CODES;
    if (q->w.fmt == LUT_WFMT_UINT)
        return NULL; /* no engine takes zero-points from a file yet */
    int bits = q->w.bits;
    if (q->mixture == QUANT_MIX_BITMOD) {
        *weight = F_GRID;
        bits = q->w.bits == 3 ? BITMOD_FP3_PLANES : BITMOD_FP4_PLANES;
    }
    if (q->per_tensor)
        snprintf(buf, len, "--wfmt %s --wbits %d", lut_wfmt_name(q->w.fmt), bits);
    else
        snprintf(buf, len, "--wfmt %s --wbits %d --group %d", lut_wfmt_name(q->w.fmt), bits,
                 q->group_size);
    return buf;
}

static json_t *manifest_entry(const quant_preset *q, const qin_matrix *m, const tensor_files *tf,
                              const quant_result *r)
{
    json_t *files = json_object();
    char name[256];
    for (int f = 0; f < F_COUNT; f++) {
        if (!has_file(q, f))
            continue;
        snprintf(name, sizeof name, "%s.%s.npy", tf->stem, suffix[f]);
        json_object_set_new(files, suffix[f], json_string(name));
    }
    char gb[96];
    int wf;
    const char *ga = gemm_args(q, gb, sizeof gb, &wf);
    snprintf(name, sizeof name, "%s.%s.npy", tf->stem, suffix[wf]);
    return json_pack("{s:s, s:[I, I], s:s, s:i, s:o, s:o, s:o}", "name", m->name, "shape",
                     (json_int_t)m->n, (json_int_t)m->k, "source", m->file, "group_len",
                     r->group_len, "files", files, "gemm", ga ? json_string(ga) : json_null(),
                     "gemm_weight", ga ? json_string(name) : json_null());
}

static int write_manifest(const char *tmp, const char *label, const quant_preset *q,
                          json_t *entries, char *err, size_t errlen)
{
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:i, s:b, s:O}", "quant", q->name, "wfmt",
                            q->mixture ? "bitmod" : lut_wfmt_name(q->w.fmt), "wbits", q->w.bits,
                            "scale", q->mixture ? "int8 x fp16 row" : lut_scale_name(q->scale),
                            "group_size", q->group_size, "per_tensor", q->per_tensor,
                            "tensors", entries);
    int rc = doc ? json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
    json_decref(doc);
    if (rc != 0)
        snprintf(err, errlen, "%s: cannot write", label);
    return rc;
}

/* Matrix i: its files, its report row and its manifest entry. */
static int quantize_one(const quant_preset *q, const qin_set *in, int i, const tensor_files *tf,
                        qrep *rep, json_t *entries, char *err, size_t errlen)
{
    const qin_matrix *m = &in->m[i];
    float *w = qin_read(in, i, err, errlen);
    if (!w)
        return -1;
    quant_result r;
    char why[256];
    int rc = quantize_matrix(q, w, m->n, m->k, &r, why, sizeof why);
    free(w);
    if (rc != 0) {
        snprintf(err, errlen, "%s: tensor \"%.200s\": %s", m->file, m->name, why);
        return -1;
    }
    qrep_row row = { m->name, m->dtype, m->n, m->k, r.sse, r.ssw, r.stored_bytes };
    rc = write_tensor(q, tf, &r, err, errlen);
    if (rc == 0 && (qrep_add(rep, &row) != 0 ||
                    json_array_append_new(entries, manifest_entry(q, m, tf, &r)) != 0)) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    quant_result_free(&r);
    return rc;
}

/* Quantizes every matrix, writing its files and adding its row. */
static int quantize_all(const quant_preset *q, const qin_set *in, const tensor_files *tf,
                        qrep *rep, json_t *entries, int quiet, char *err, size_t errlen)
{
    uint64_t total = 0, done = 0;
    for (int i = 0; i < in->n; i++)
        total += in->m[i].n * in->m[i].k;
    progress pg;
    progress_init(&pg, "quantize", "weights", total, quiet);
    int rc = 0;
    for (int i = 0; i < in->n && rc == 0; i++) {
        rc = quantize_one(q, in, i, &tf[i], rep, entries, err, errlen);
        done += in->m[i].n * in->m[i].k;
        progress_update(&pg, done);
    }
    progress_end(&pg);
    return rc;
}

int cmd_quantize(int argc, char **argv)
{
    quantize_opts o;
    int st = parse_opts(argc, argv, &o);
    if (st)
        return st == 1 ? 0 : st;
    char err[1024];
    quant_preset q;
    if (quant_from_name_or_file(o.quant, &q, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    if (q.wfp16) { /* the FP16 baseline stores the weights as they are */
        cli_error("%s: wfmt \"fp16\" is the unquantized FP16 baseline (a timing preset for "
                  "`lutsim run`); there is nothing to quantize", o.quant);
        return 1;
    }
    qin_set in;
    if (qin_open(o.in, &in, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    outfiles of;
    out_init(&of);
    /* every file read: --in itself (an index), the folder's index, the
     * shards and the .npy files, so that no output replaces one */
    char idx[4096];
    snprintf(idx, sizeof idx, "%s/model.safetensors.index.json", o.in);
    out_input(&of, o.quant, "--quant");
    out_input(&of, o.in, "--in");
    out_input(&of, idx, "--in");
    for (int i = 0; i < in.n; i++)
        if (!in.m[i].sf)
            out_input(&of, in.m[i].file, "--in");
    for (int i = 0; i < in.nfiles; i++)
        out_input(&of, in.files[i].path, "--in");
    tensor_files *tf = calloc((size_t)in.n, sizeof *tf);
    qrep rep = { q.name, 0, NULL };
    json_t *entries = json_array();
    const char *manifest = NULL, *tmp_report = NULL, *tmp_csv = NULL;
    int status = 1;
    if (!tf || !entries) {
        cli_error("out of memory");
        goto done;
    }
    if (out_dir(&of, o.out, err, sizeof err) != 0 ||
        stage_all(&of, &o, &q, &in, tf, &manifest, err, sizeof err) != 0 ||
        (o.report && !(tmp_report = out_stage(&of, o.report, err, sizeof err))) ||
        (o.csv && !(tmp_csv = out_stage(&of, o.csv, err, sizeof err))) ||
        quantize_all(&q, &in, tf, &rep, entries, o.quiet, err, sizeof err) != 0 ||
        write_manifest(manifest, "manifest.json", &q, entries, err, sizeof err) != 0 ||
        (tmp_report && qrep_write_json(tmp_report, o.report, &rep, err, sizeof err) != 0) ||
        (tmp_csv && qrep_write_csv(tmp_csv, o.csv, &rep, err, sizeof err) != 0) ||
        out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
        out_abort(&of);
        goto done;
    }
    qrep_print(stdout, &rep);
    if (in.skipped)
        printf("kept in float (not linear-layer weights): %d tensors\n", in.skipped);
    status = 0;
done:
    json_decref(entries);
    qrep_free(&rep);
    free(tf);
    qin_close(&in);
    return status;
}
