/* gemm_quant.c - `lutsim gemm --quant Q`: float weights quantized on the fly
 * (compiler/quantize.c) and run on the LUT core, or on the host engine,
 * with INT8 or float (--afmt) activations.  The C model's float32 result is
 * held bit for bit to the dq unit's reference (INT8) or to the host engine
 * (float activations, the same shared arithmetic), and both to float64
 * products with the float and with the dequantized weights. */
#include "gemm_quant.h"

#include "commands.h"
#include "engine_setup.h"
#include "gemm_float.h"
#include "lut_float.h"
#include "mapper.h"
#include "model_json.h"
#include "npy.h"
#include "outfiles.h"
#include "quant_gemm.h"
#include "quant_inputs.h"
#include "quant_layout.h"
#include "randgen.h"
#include "report_stats.h"
#include "sim.h"
#include "units.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *quant, *wpath, *act, *random, *out, *arch, *energy, *stats;
    int seed, timing_only, quiet, host;
    map_objective objective;
    gemm_float fl;  /* --afmt: fl.afmt 0 for INT8 activations */
} gq_opts;

typedef struct {
    int m, n, k;
    float *w;       /* n x k float weights */
    int8_t *a;      /* m x k INT8 activations, or NULL with --afmt */
    float *af;      /* the same m x k activations as float32 (rounded) */
    quant_result r;
    int have_r;
    float *c;       /* m x n: the LUT core's result */
} gq_data;

int gemm_quant_requested(int argc, char **argv)
{
    int quant = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 0; /* cmd_gemm's usage covers --quant */
        quant |= strcmp(argv[i], "--quant") == 0 || strncmp(argv[i], "--quant=", 8) == 0;
    }
    return quant;
}

/* 0 to go on, 2 on a usage error (the message printed). */
static int gq_parse(int argc, char **argv, gq_opts *o)
{
    static const struct option opts[] = {
        { "quant", required_argument, 0, 'q' },  { "weight", required_argument, 0, 'w' },
        { "act", required_argument, 0, 'a' },    { "random", required_argument, 0, 'r' },
        { "out", required_argument, 0, 'o' },    { "arch", required_argument, 0, 'A' },
        { "energy", required_argument, 0, 'E' }, { "stats", required_argument, 0, 's' },
        { "seed", required_argument, 0, 'S' },   { "timing-only", no_argument, 0, 'T' },
        { "quiet", no_argument, 0, 'Q' },        { "objective", required_argument, 0, 'O' },
        { "engine", required_argument, 0, 'e' }, { "afmt", required_argument, 0, 'F' },
        { 0, 0, 0, 0 },
    };
    memset(o, 0, sizeof *o);
    o->seed = 1;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'q': o->quant = optarg; break;
        case 'w': o->wpath = optarg; break;
        case 'a': o->act = optarg; break;
        case 'r': o->random = optarg; break;
        case 'o': o->out = optarg; break;
        case 'A': o->arch = optarg; break;
        case 'E': o->energy = optarg; break;
        case 's': o->stats = optarg; break;
        case 'T': o->timing_only = 1; break;
        case 'Q': o->quiet = 1; break;
        case 'S': if (cli_parse_int("--seed", optarg, 0, 1 << 30, &o->seed)) return 2; break;
        case 'O':
            if (map_objective_parse(optarg, &o->objective) != 0) {
                cli_error("--objective: expected edp, cycles or energy, got '%s'", optarg);
                return 2;
            }
            break;
        case 'F': if (gemm_float_parse(optarg, &o->fl)) return 2; break;
        case 'e':
            o->host = strcmp(optarg, "host") == 0;
            if (!o->host && strcmp(optarg, "cmodel") != 0) {
                cli_error("--engine: with --quant cmodel or host (the RTL's dq has no float "
                          "mode and reads the legacy metadata only), got '%s'", optarg);
                return 2;
            }
            break;
        default:
            cli_error("gemm --quant: unknown or incomplete option '%s' (takes --weight or "
                      "--random, --act, --out, --arch, --energy, --stats, --seed, --objective, "
                      "--timing-only, --quiet, --afmt, --engine cmodel|host)", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        cli_error("gemm: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (!o->random == !o->wpath) {
        cli_error("gemm --quant: give float weights with --weight W.npy or --random MxNxK");
        return 2;
    }
    if (o->wpath && !o->act) {
        cli_error("gemm --quant: --weight W.npy needs --act A.npy (M x K: int8, or float32 / "
                  "float16 with --afmt)");
        return 2;
    }
    if (o->random && o->act) {
        cli_error("gemm --quant: --random draws the activations too; drop --act");
        return 2;
    }
    if (o->timing_only && o->out) {
        cli_error("gemm --quant: --timing-only moves no data: no --out");
        return 2;
    }
    if (o->timing_only && o->host) {
        cli_error("gemm --quant: the host engine computes values, it has no timing: drop "
                  "--timing-only or use --engine cmodel");
        return 2;
    }
    return 0;
}

/* Irwin-Hall: the sum of 12 uniforms minus 6, near N(0, 1), with the same
 * values on every host (no libm). */
static void rand_gauss(float *w, size_t n, float sigma, uint32_t *st)
{
    for (size_t i = 0; i < n; i++) {
        int8_t b[12];
        rand_acts(b, 12, st);
        int s = 0;
        for (int j = 0; j < 12; j++)
            s += (uint8_t)b[j];
        w[i] = sigma * ((float)s / 256.0f - 6.0f + 12.0f / 512.0f);
    }
}

/* d->af from d->a (INT8 activations as float32, exact). */
static int af_of_int8(gq_data *d)
{
    d->af = malloc((size_t)d->m * d->k * sizeof *d->af);
    if (!d->af) {
        cli_error("out of memory for the activations");
        return -1;
    }
    for (size_t i = 0; i < (size_t)d->m * d->k; i++)
        d->af[i] = d->a[i];
    return 0;
}

/* d->af (and o->fl.act, the stored bytes) from an npy_array the --afmt
 * loaders filled: the rounded activations as float32. */
static void af_float(gq_data *d, npy_array *A)
{
    d->m = (int)A->shape[0];
    d->af = (float *)A->data; /* ownership moves to d */
    A->data = NULL;
    npy_free(A);
}

/* Seeded float weights (Gaussian, sigma 0.02) and activations. */
static int gq_random(gq_opts *o, gq_data *d)
{
    if (parse_dims(o->random, &d->m, &d->n, &d->k) != 0 || (int64_t)d->m * d->k > (1 << 30) ||
        (int64_t)d->n * d->k > (1 << 30)) {
        cli_error("--random: expected MxNxK with positive sizes (e.g. 64x4096x4096), got '%s'",
                  o->random);
        return -1;
    }
    d->w = malloc((size_t)d->n * d->k * sizeof *d->w);
    if (!d->w) {
        cli_error("out of memory for random %dx%d weights", d->n, d->k);
        return -1;
    }
    uint32_t st = rand_seed_state((unsigned)o->seed);
    if (o->fl.afmt) { /* N(0, 1) activations rounded to the format */
        npy_array A;
        if (gemm_float_random(&o->fl, d->m, d->k, (unsigned)o->seed, &A) != 0)
            return -1;
        af_float(d, &A);
    } else {
        d->a = malloc((size_t)d->m * d->k);
        if (!d->a) {
            cli_error("out of memory for random %dx%d activations", d->m, d->k);
            return -1;
        }
        rand_acts(d->a, (size_t)d->m * d->k, &st);
        if (af_of_int8(d) != 0)
            return -1;
    }
    rand_gauss(d->w, (size_t)d->n * d->k, 0.02f, &st);
    return 0;
}

/* INT8 activations from an int8 .npy of K columns. */
static int a_int8(const char *path, gq_data *d)
{
    char err[512];
    npy_array A;
    if (npy_read(path, &A, err, sizeof err) != 0) {
        cli_error("%s", err);
        return -1;
    }
    if (A.dtype != NPY_INT8 || A.ndim != 2 || A.shape[1] != d->k) {
        cli_error("%s: activations must be a 2-D int8 array of %d columns (the weights' K; "
                  "float32 or float16 with --afmt), got a %d-D %s array", path, d->k, A.ndim,
                  npy_dtype_name(A.dtype));
        npy_free(&A);
        return -1;
    }
    d->m = (int)A.shape[0];
    d->a = malloc((size_t)d->m * d->k);
    if (d->a)
        memcpy(d->a, A.data, (size_t)d->m * d->k);
    npy_free(&A);
    if (!d->a) {
        cli_error("out of memory for the activations");
        return -1;
    }
    return af_of_int8(d);
}

/* The float weights and the activations, from files or seeded. */
static int gq_inputs(gq_opts *o, gq_data *d)
{
    char err[512];
    if (o->random)
        return gq_random(o, d);
    qin_set in;
    if (qin_open(o->wpath, &in, err, sizeof err) != 0) {
        cli_error("%s", err);
        return -1;
    }
    if (in.n != 1) {
        cli_error("%s: --weight takes one 2-D float16 or float32 .npy array", o->wpath);
        qin_close(&in);
        return -1;
    }
    d->n = (int)in.m[0].n;
    d->k = (int)in.m[0].k;
    d->w = qin_read(&in, 0, err, sizeof err);
    qin_close(&in);
    if (!d->w) {
        cli_error("%s", err);
        return -1;
    }
    if (!o->fl.afmt)
        return a_int8(o->act, d);
    npy_array A;
    if (gemm_float_load(&o->fl, o->act, &A) != 0)
        return -1;
    if (A.shape[1] != d->k) {
        cli_error("%s: activations have %lld columns, the weights' K (%s) is %d", o->act,
                  (long long)A.shape[1], o->wpath, d->k);
        npy_free(&A);
        return -1;
    }
    af_float(d, &A);
    return 0;
}

/* The activations as the engines read them: INT8 or the format's bytes. */
static const void *act_bytes(const gq_opts *o, const gq_data *d)
{
    return o->fl.afmt ? (const void *)o->fl.act : (const void *)d->a;
}

/* ||c - a w^T|| / ||a w^T|| (Frobenius, binary64) and the largest |c - a w^T|. */
static void error_vs(const gq_data *d, const float *w, double *rel, double *maxabs)
{
    double se = 0, sr = 0, mx = 0;
    for (int i = 0; i < d->m; i++)
        for (int j = 0; j < d->n; j++) {
            double r = 0;
            const float *ar = d->af + (size_t)i * d->k;
            const float *wr = w + (size_t)j * d->k;
            for (int t = 0; t < d->k; t++)
                r += (double)ar[t] * (double)wr[t];
            const double e = (double)d->c[(size_t)i * d->n + j] - r;
            se += e * e;
            sr += r * r;
            mx = fabs(e) > mx ? fabs(e) : mx;
        }
    *rel = sr > 0 ? sqrt(se / sr) : sqrt(se);
    *maxabs = mx;
}

/* 0 if the C model's result equals its reference bit for bit (printed),
 * else -1: with INT8 activations the dq unit's arithmetic done directly
 * (quant_gemm_reference), with float ones the host engine, which shares
 * the C model's float arithmetic (lut_float.h) but not its program. */
static int gq_check(const gq_opts *o, const arch_t *a, const quant_preset *q,
                    const gemm_shape *s, gq_data *d)
{
    char err[256];
    float *ref = malloc((size_t)d->m * d->n * sizeof *ref);
    const char *what = o->fl.afmt ? "host engine's" : "dq unit's reference";
    if (!ref || (o->fl.afmt ? quant_gemm_host(a, q, s, o->fl.act, &d->r, ref, NULL, err, sizeof err)
                            : quant_gemm_reference(a, q, s, d->a, &d->r, ref, err, sizeof err)) != 0) {
        cli_error("%s", ref ? err : "out of memory for the reference");
        free(ref);
        return -1;
    }
    for (size_t i = 0; i < (size_t)d->m * d->n; i++)
        if (memcmp(&ref[i], &d->c[i], 4) != 0) {
            cli_error("result check FAILED: C[%zu][%zu] = %.9g, the %s %.9g", i / (size_t)d->n,
                      i % (size_t)d->n, (double)d->c[i], what, (double)ref[i]);
            free(ref);
            return -1;
        }
    free(ref);
    printf("  result check: exact (%lld float32 outputs equal the %s)\n",
           (long long)d->m * d->n, what);
    return 0;
}

/* The host engine on the quantized weights: d->c and *js its counts. */
static int gq_host(const gq_opts *o, const arch_t *a, const quant_preset *q, gq_data *d,
                   gemm_shape *gs, json_t **js)
{
    char err[512];
    quant_gemm_shape(q, (uint64_t)d->m, d->n, d->k, gs);
    lut_counts cnt;
    const double t0 = cli_now_seconds();
    if (quant_gemm_host(a, q, gs, act_bytes(o, d), &d->r, d->c, &cnt, err, sizeof err) != 0) {
        cli_error("gemm: host: %s", err);
        return -1;
    }
    const double secs = cli_now_seconds() - t0;
    char b[3][UNITS_LEN];
    printf("  host LUT datapath: %s in %s (%s)\n",
           units_si(b[0], UNITS_LEN, (double)cnt.macs, " MAC"), units_si(b[1], UNITS_LEN, secs, "s"),
           units_si(b[2], UNITS_LEN, (double)cnt.macs / (secs > 0 ? secs : 1e-9), " MAC/s"));
    *js = gemm_host_stats(d->m, d->n, d->k, &cnt, secs);
    return 0;
}

/* Lowers, fills and runs the GEMM; st and d->c get the result. */
static int gq_run(const gq_opts *o, const arch_t *a, const energy_model *em,
                  const quant_preset *q, gq_data *d, gemm_shape *gs, sim_stats *st)
{
    char err[512];
    gemm_shape s0;
    quant_gemm_shape(q, (uint64_t)d->m, d->n, d->k, &s0);
    gemm_layout lay;
    program prog;
    sim_stats mst;
    int ms, msims;
    if (mapper_search(a, em, &s0, o->objective, gs, &mst, &ms, &msims, err, sizeof err) != 0 ||
        gemm_lower(a, gs, &prog, &lay, err, sizeof err) != 0) {
        cli_error("%s: cannot compile the GEMM for this architecture: %s",
                  o->arch ? o->arch : "default architecture", err);
        return -1;
    }
    uint8_t *img = o->timing_only ? NULL : malloc(lay.image_bytes);
    sim_opts so = { 0 };
    int rc = -1;
    if (!o->timing_only) {
        if (!img) {
            cli_error("out of memory for a %llu-byte memory image",
                      (unsigned long long)lay.image_bytes);
            goto done;
        }
        if (quant_gemm_fill(a, q, gs, &lay, act_bytes(o, d), &d->r, img, err, sizeof err) != 0) {
            cli_error("%s: %s", o->wpath ? o->wpath : "random weights", err);
            goto done;
        }
        so.dram = img;
        so.dram_size = lay.image_bytes;
    }
    if (sim_run(a, em, &prog, o->timing_only ? NULL : &so, st, err, sizeof err) != 0) {
        cli_error("gemm: cmodel: %s", err);
        goto done;
    }
    char b[UNITS_LEN];
    printf("  program: %zu instructions, tiles %d x %d; weights %s as %d bit-planes, "
           "metadata format %d\n", prog.n, lay.mt, lay.nt,
           units_si(b, UNITS_LEN, (double)lay.weight_bytes, "B"), gs->wtype.bits, gs->mfmt);
    if (img) {
        memcpy(d->c, img + lay.c_addr, (size_t)d->m * d->n * 4);
        quant_gemm_finish(q, &d->r, (uint64_t)d->m, d->c);
    }
    rc = 0;
done:
    free(img);
    program_free(&prog);
    return rc;
}

/* --stats: the engine's object (stats_to_json or gemm_host_stats) with
 * the preset, the shape, the activation and table formats and the errors;
 * error.* is against the float64 product with the dequantized weights. */
static int gq_write_stats(const char *tmp, const char *label, json_t *js, gq_opts *o,
                          const quant_preset *q, const gemm_shape *gs, const double *errs)
{
    json_object_set_new(js, "quant", json_string(q->name));
    json_object_set_new(js, "wbits", json_integer(gs->wtype.bits));
    json_object_set_new(js, "m", json_integer(gs->m > 0 ? (json_int_t)gs->m : 0));
    json_object_set_new(js, "n", json_integer(gs->n));
    json_object_set_new(js, "k", json_integer(gs->kd));
    if (errs) {
        json_object_set_new(js, "rel_error_vs_float", json_real(errs[0]));
        json_object_set_new(js, "max_abs_error_vs_float", json_real(errs[1]));
        json_object_set_new(js, "rel_error_vs_dequant", json_real(errs[2]));
        json_object_set_new(js, "max_abs_error_vs_dequant", json_real(errs[3]));
        json_object_set_new(js, "weight_sqnr_db", json_real(errs[4]));
        o->fl.have_error = 1;
        o->fl.rel_rms = errs[2];
        o->fl.max_abs = errs[3];
    }
    gemm_float_json(js, &o->fl);
    int rc = json_dump_file(js, tmp, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(js);
    if (rc != 0)
        cli_error("%s: cannot write", label);
    return rc ? -1 : 0;
}

/* The errors of d->c against float64 (e[0..4], printed). */
static void gq_errors(const quant_preset *q, gq_data *d, double *e)
{
    error_vs(d, d->w, &e[0], &e[1]);
    error_vs(d, d->r.deq, &e[2], &e[3]);
    e[4] = quant_sqnr_db(d->r.sse, d->r.ssw);
    printf("  error vs float64 A x W^T (unquantized weights): relative %.4e, max %.4e\n", e[0],
           e[1]);
    printf("  error vs float64 A x W'^T (dequantized weights): relative %.4e, max %.4e\n", e[2],
           e[3]);
    quant_bytes lb;
    quant_matrix_bytes_on(q, 1, (uint64_t)d->n, (uint64_t)d->k, &lb);
    printf("  weight quantization: SQNR %.2f dB, %.3f bits per weight stored by the preset, "
           "%.3f on the LUT core\n", e[4],
           quant_bits_per_weight(d->r.stored_bytes, (uint64_t)d->n * d->k),
           quant_bits_per_weight(lb.weight_bytes + lb.meta_bytes, (uint64_t)d->n * d->k));
}

static int gq_write_out(const char *tmp, const char *label, const gq_data *d)
{
    char err[512];
    const int rc = npy_write_buffer(tmp, NPY_FLOAT32, 2, (uint64_t)d->m, (uint64_t)d->n, d->c,
                                    err, sizeof err);
    if (rc != 0)
        cli_error("%s: cannot write", label);
    return rc ? -1 : 0;
}

/* Quantizes, runs, checks and reports; 0 or -1 (message printed). */
static int gq_body(gq_opts *o, const arch_t *a, const energy_model *em, const quant_preset *q,
                   gq_data *d, const char *tmp_out, const char *tmp_stats)
{
    char err[512];
    if (quantize_matrix(q, d->w, (uint64_t)d->n, (uint64_t)d->k, &d->r, err, sizeof err) != 0) {
        cli_error("%s: %s", o->wpath ? o->wpath : "random weights", err);
        return -1;
    }
    d->have_r = 1;
    d->c = malloc((size_t)d->m * d->n * sizeof *d->c);
    if (!d->c) {
        cli_error("out of memory for a %dx%d result", d->m, d->n);
        return -1;
    }
    printf("gemm %d x %d x %d (M x N x K), float weights quantized to %s, %s activations%s%s\n",
           d->m, d->n, d->k, q->name, gemm_float_label(&o->fl), o->fl.afmt ? ", tables " : "",
           o->fl.afmt ? lut_tfmt_name((lut_tfmt)o->fl.tfmt) : "");
    gemm_shape gs;
    json_t *js = NULL;
    if (o->host) {
        if (gq_host(o, a, q, d, &gs, &js) != 0)
            return -1;
    } else {
        sim_stats st;
        if (gq_run(o, a, em, q, d, &gs, &st) != 0)
            return -1;
        stats_print(stdout, a, &st, "C model");
        if (!o->timing_only && gq_check(o, a, q, &gs, d) != 0)
            return -1;
        js = tmp_stats ? stats_to_json(a, em, &st, "cmodel", !o->timing_only) : NULL;
    }
    double e[5] = { 0 };
    if (!o->timing_only)
        gq_errors(q, d, e);
    if (tmp_stats && gq_write_stats(tmp_stats, o->stats, js, o, q, &gs,
                                    o->timing_only ? NULL : e) != 0)
        return -1;
    if (!tmp_stats)
        json_decref(js);
    return tmp_out ? gq_write_out(tmp_out, o->out, d) : 0;
}

int cmd_gemm_quant(int argc, char **argv)
{
    gq_opts o;
    if (gq_parse(argc, argv, &o) != 0)
        return 2;
    char err[512];
    quant_preset q;
    if (quant_from_name_or_file(o.quant, &q, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    arch_t a0, a;
    energy_model em;
    if (engine_setup(o.arch, o.energy, &a0, &em, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    if (!o.fl.afmt && q.afloat && a0.compute_kind == COMPUTE_LUT)
        o.fl.afmt = q.afloat; /* a preset with "afmt": its float activations */
    if (a0.compute_kind != COMPUTE_LUT || q.wfp16 || (q.abits != 8 && !o.fl.afmt)) {
        cli_error("--quant %s: runs on the LUT array (compute.kind lut) with integer or BitMoD "
                  "weights and INT8 activations (a preset with abits 8) or float ones (--afmt)",
                  o.quant);
        return 1;
    }
    quant_preset qa = q; /* --afmt sets the activations: the preset's abits do not apply */
    qa.abits = o.fl.afmt ? 8 : q.abits;
    qa.afp16 = qa.afloat = 0;
    if (quant_arch(&a0, &qa, &a, err, sizeof err) != 0) {
        cli_error("%s: %s", o.quant, err);
        return 1;
    }
    arch_set_act_fmt(&a, o.fl.afmt);
    o.fl.tfmt = a.table_fmt;
    if (arch_check(&a, err, sizeof err) != 0) {
        cli_error("%s: %s", o.arch ? o.arch : "default architecture", err);
        return 1;
    }
    gq_data d;
    memset(&d, 0, sizeof d);
    outfiles of;
    out_init(&of);
    out_input(&of, o.wpath, "--weight");
    out_input(&of, o.act, "--act");
    out_input(&of, o.arch, "--arch");
    out_input(&of, o.energy, "--energy");
    out_input(&of, o.quant, "--quant");
    const char *tmp_out = NULL, *tmp_stats = NULL;
    int status = 1;
    if ((o.out && !(tmp_out = out_stage(&of, o.out, err, sizeof err))) ||
        (o.stats && !(tmp_stats = out_stage(&of, o.stats, err, sizeof err)))) {
        cli_error("%s", err);
    } else if (gq_inputs(&o, &d) == 0 && gq_body(&o, &a, &em, &q, &d, tmp_out, tmp_stats) == 0) {
        if (out_commit(&of, err, sizeof err) != 0)
            cli_error("%s", err);
        else
            status = 0;
    }
    if (status != 0)
        out_abort(&of);
    if (d.have_r)
        quant_result_free(&d.r);
    free(d.w);
    free(d.a);
    free(d.af);
    free(d.c);
    gemm_float_free(&o.fl);
    return status;
}
