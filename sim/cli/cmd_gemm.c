/* cmd_gemm.c - `lutsim gemm`: C = A * W^T on the LUT datapath, from .npy files. */
#include "commands.h"
#include "lut_gemm.h"
#include "npy.h"
#include "outfiles.h"
#include "ref_gemm.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char gemm_usage[] =
    "usage: lutsim gemm --act A.npy --weight W.npy --wfmt FMT [--wbits B]\n"
    "                   --out C.npy [--stats S.json] [--tk K] [--group G]\n"
    "       lutsim gemm --random MxNxK --wfmt FMT [--wbits B] [--seed S] [...]\n"
    "\n"
    "Computes C = A * W^T exactly on the LUT datapath: W is packed into\n"
    "bit-plane table indices, A into tables of 2^(K-1) entries per group of K\n"
    "activations, one look-up per weight bit-plane.\n"
    "\n"
    "  --act A.npy     int8 array, M x Kd (activations)\n"
    "  --weight W.npy  int8 array, N x Kd, holding integer weights of FMT:\n"
    "                    int     signed INTB, -2^(B-1) .. 2^(B-1)-1 (B = 2..8)\n"
    "                    ternary -1, 0, +1 (BitNet b1.58; B = 2)\n"
    "                    binary  -1, +1 (B = 1)\n"
    "  --wfmt FMT      int, ternary or binary\n"
    "  --wbits B       weight bit-width (required for int; implied otherwise)\n"
    "  --out C.npy     int32 array, M x N (written only if the run succeeds)\n"
    "  --stats S.json  operation counts of the run (JSON)\n"
    "  --tk K          activations per table, 2..8 (default 4)\n"
    "  --group G       weights per scale group along Kd (default 128)\n"
    "  --random MxNxK  instead of files: seeded random A (M x K) and W (N x K);\n"
    "                  the result is checked against the naive reference GEMM\n"
    "  --seed S        seed for --random (default 1)\n"
    "  --check         also check a file run against the naive reference\n"
    "  -h, --help      this text\n"
    "\n"
    "Exit status: 0 on success, 1 on bad input or a failed run, 2 on bad usage.\n";

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        cli_error("%s: expected an integer %d..%d, got '%s'", opt, lo, hi, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Loads a 2-D int8 .npy file; role names it in errors ("activations"). */
static int load_matrix(const char *path, const char *what, npy_array *arr)
{
    char err[512];
    if (npy_read(path, arr, err, sizeof err) != 0) {
        cli_error("%s", err);
        return -1;
    }
    if (arr->dtype != NPY_INT8 || arr->ndim != 2) {
        cli_error("%s: %s must be a 2-D int8 array, got a %d-D %s array", path, what,
                  arr->ndim, npy_dtype_name(arr->dtype));
        npy_free(arr);
        return -1;
    }
    if (arr->shape[0] < 1 || arr->shape[1] < 1 || arr->shape[0] > (1 << 30) ||
        arr->shape[1] > (1 << 30)) {
        cli_error("%s: %s shape %lldx%lld is empty or too large", path, what,
                  (long long)arr->shape[0], (long long)arr->shape[1]);
        npy_free(arr);
        return -1;
    }
    return 0;
}

/* Seeded random inputs that the weight format admits. */
static int make_random(int m, int n, int k, lut_wtype wt, unsigned seed,
                       npy_array *A, npy_array *W)
{
    int64_t sa[2] = { m, k }, sw[2] = { n, k };
    if (npy_alloc(A, NPY_INT8, 2, sa) || npy_alloc(W, NPY_INT8, 2, sw)) {
        cli_error("out of memory for random %dx%dx%d inputs", m, n, k);
        return -1;
    }
    /* xorshift32: reproducible across hosts and C libraries. */
    uint32_t x = seed * 2654435761u + 1u;
    int8_t *a = A->data, *w = W->data;
    for (int64_t i = 0; i < npy_count(A); i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        a[i] = (int8_t)(x & 0xff);
    }
    int lo, hi;
    lut_wtype_range(wt, &lo, &hi);
    for (int64_t i = 0; i < npy_count(W); i++) {
        int v;
        do {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            v = lo + (int)(x % (uint32_t)(hi - lo + 1));
        } while (!lut_wtype_admits(wt, v));
        w[i] = (int8_t)v;
    }
    return 0;
}

/* Compares C with the naive reference; prints the verdict. */
static int check_against_reference(const npy_array *C, const npy_array *A,
                                   const npy_array *W, lut_wtype wt, int group)
{
    const int m = (int)A->shape[0], n = (int)W->shape[0], k = (int)A->shape[1];
    int64_t *ref = malloc(sizeof(int64_t) * (size_t)m * n);
    if (!ref) {
        cli_error("out of memory for the reference result");
        return -1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ref_gemm_i64(wt, A->data, W->data, NULL, group, m, n, k, ref);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    const int32_t *c = C->data;
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < (int64_t)m * n; i++) {
        if ((int64_t)c[i] != ref[i]) {
            if (first < 0)
                first = i;
            bad++;
        }
    }
    printf("  naive reference: %.4f s (%.2f GMAC/s)\n", secs,
           (double)m * n * k / 1e9 / (secs > 0 ? secs : 1e-9));
    if (bad) {
        cli_error("result check FAILED: %lld of %lld outputs differ from the reference, "
                  "first at [%lld][%lld]: %d vs %lld",
                  (long long)bad, (long long)m * n, (long long)(first / n),
                  (long long)(first % n), c[first], (long long)ref[first]);
        free(ref);
        return -1;
    }
    printf("  result check: exact (%lld outputs equal the naive reference)\n", (long long)m * n);
    free(ref);
    return 0;
}

static int write_stats(const char *path, const lut_packed *w, int m,
                       const lut_counts *c, double seconds, char *err, size_t errlen)
{
    json_t *o = json_object();
    json_object_set_new(o, "engine", json_string("lut-host"));
    json_object_set_new(o, "m", json_integer(m));
    json_object_set_new(o, "n", json_integer(w->n));
    json_object_set_new(o, "k", json_integer(w->kd));
    json_object_set_new(o, "wfmt", json_string(lut_wfmt_name(w->cfg.wtype.fmt)));
    json_object_set_new(o, "wbits", json_integer(w->cfg.wtype.bits));
    json_object_set_new(o, "tk", json_integer(w->cfg.tk));
    json_object_set_new(o, "group_size", json_integer(w->cfg.group_size));
    json_object_set_new(o, "macs", json_integer((json_int_t)c->macs));
    json_object_set_new(o, "tables", json_integer((json_int_t)c->tables));
    json_object_set_new(o, "precompute_adds", json_integer((json_int_t)c->precompute_adds));
    json_object_set_new(o, "table_lookups", json_integer((json_int_t)c->lookups));
    json_object_set_new(o, "accumulate_adds", json_integer((json_int_t)c->accum_adds));
    json_object_set_new(o, "zero_point_macs", json_integer((json_int_t)c->zp_macs));
    json_object_set_new(o, "dequant_muls", json_integer((json_int_t)c->dequant_muls));
    json_object_set_new(o, "host_seconds", json_real(seconds));
    int rc = json_dump_file(o, path, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(o);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot write statistics", path);
        return -1;
    }
    return 0;
}

int cmd_gemm(int argc, char **argv)
{
    static const struct option opts[] = {
        { "act", required_argument, 0, 'a' },
        { "weight", required_argument, 0, 'w' },
        { "wbits", required_argument, 0, 'b' },
        { "wfmt", required_argument, 0, 'f' },
        { "out", required_argument, 0, 'o' },
        { "stats", required_argument, 0, 's' },
        { "tk", required_argument, 0, 'k' },
        { "group", required_argument, 0, 'g' },
        { "random", required_argument, 0, 'r' },
        { "seed", required_argument, 0, 'S' },
        { "check", no_argument, 0, 'c' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *act = NULL, *wpath = NULL, *out = NULL, *stats = NULL, *fmt = NULL;
    const char *random = NULL;
    int wbits = 0, tk = LUT_DEFAULT_TK, group = LUT_DEFAULT_GROUP, seed = 1, check = 0;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'a': act = optarg; break;
        case 'w': wpath = optarg; break;
        case 'o': out = optarg; break;
        case 's': stats = optarg; break;
        case 'f': fmt = optarg; break;
        case 'b': if (parse_int("--wbits", optarg, 1, 8, &wbits)) return 2; break;
        case 'k': if (parse_int("--tk", optarg, LUT_MIN_TK, LUT_MAX_TK, &tk)) return 2; break;
        case 'g': if (parse_int("--group", optarg, 1, 1 << 30, &group)) return 2; break;
        case 'r': random = optarg; check = 1; break;
        case 'S': if (parse_int("--seed", optarg, 0, 1 << 30, &seed)) return 2; break;
        case 'c': check = 1; break;
        case 'h': fputs(gemm_usage, stdout); return 0;
        default:
            cli_error("gemm: unknown or incomplete option '%s' (see `lutsim gemm --help`)",
                      argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        cli_error("gemm: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    int rm = 0, rn = 0, rk = 0;
    if (random) {
        char tail;
        if (sscanf(random, "%dx%dx%d%c", &rm, &rn, &rk, &tail) != 3 || rm < 1 || rn < 1 ||
            rk < 1 || (int64_t)rm * rk > (1 << 30) || (int64_t)rn * rk > (1 << 30)) {
            cli_error("--random: expected MxNxK with positive sizes (e.g. 64x4096x4096), got '%s'",
                      random);
            return 2;
        }
        if (act || wpath) {
            cli_error("gemm: --random replaces --act and --weight; give one or the other");
            return 2;
        }
        if (!fmt) {
            cli_error("gemm: --wfmt is required (see `lutsim gemm --help`)");
            return 2;
        }
    } else if (!act || !wpath || !out || !fmt) {
        cli_error("gemm: --act, --weight, --wfmt and --out are required (see `lutsim gemm --help`)");
        return 2;
    }
    lut_wtype wt;
    if (lut_wfmt_parse(fmt, &wt.fmt) != 0 || wt.fmt == LUT_WFMT_UINT) {
        cli_error("--wfmt: expected int, ternary or binary, got '%s'", fmt);
        return 2;
    }
    if (wt.fmt == LUT_WFMT_INT && wbits == 0) {
        cli_error("--wbits: required with --wfmt int (2..8)");
        return 2;
    }
    wt.bits = wbits ? wbits : (wt.fmt == LUT_WFMT_TERNARY ? 2 : 1);

    char err[512];
    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, wt);
    cfg.tk = tk;
    cfg.group_size = group;
    if (lut_gemm_cfg_check(&cfg, err, sizeof err) != 0) {
        cli_error("gemm: %s", err);
        return 2;
    }

    outfiles of;
    out_init(&of);
    npy_array A = { 0 }, W = { 0 }, C = { 0 };
    lut_packed P = { 0 };
    int status = 1;
    const char *tmp_out = out ? out_stage(&of, out, err, sizeof err) : NULL;
    const char *tmp_stats = (!out || tmp_out) && stats ? out_stage(&of, stats, err, sizeof err) : NULL;
    if ((out && !tmp_out) || (stats && !tmp_stats)) {
        cli_error("%s", err);
        goto fail;
    }
    if (random) {
        if (make_random(rm, rn, rk, wt, (unsigned)seed, &A, &W) != 0)
            goto fail;
        act = "random activations";
        wpath = "random weights";
    } else if (load_matrix(act, "activations", &A) || load_matrix(wpath, "weights", &W)) {
        goto fail;
    }
    if (A.shape[1] != W.shape[1]) {
        cli_error("%s: weights are %lldx%lld but activations %s are %lldx%lld: "
                  "the reduction dimensions (columns) must match",
                  wpath, (long long)W.shape[0], (long long)W.shape[1], act,
                  (long long)A.shape[0], (long long)A.shape[1]);
        goto fail;
    }
    const int m = (int)A.shape[0], n = (int)W.shape[0], kd = (int)A.shape[1];
    if (lut_pack(&cfg, W.data, n, kd, NULL, &P, err, sizeof err) != 0) {
        cli_error("%s: %s", wpath, err);
        goto fail;
    }
    int64_t shape[2] = { m, n };
    if (npy_alloc(&C, NPY_INT32, 2, shape) != 0) {
        cli_error("out of memory for a %dx%d result", m, n);
        goto fail;
    }
    lut_counts counts;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (lut_gemm_i32(&P, A.data, m, C.data, &counts, err, sizeof err) != 0) {
        cli_error("gemm: %s", err);
        goto fail;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("gemm %d x %d x %d (M x N x K), %s%d weights, INT8 activations, "
           "table group %d, scale group %d\n",
           m, n, kd, lut_wfmt_name(wt.fmt), wt.bits, cfg.tk, cfg.group_size);
    printf("  LUT datapath: %.3f G MAC in %.4f s on the host (%.2f GMAC/s); "
           "%llu tables, %llu look-ups\n",
           (double)counts.macs / 1e9, secs, (double)counts.macs / 1e9 / (secs > 0 ? secs : 1e-9),
           (unsigned long long)counts.tables, (unsigned long long)counts.lookups);
    if (check && check_against_reference(&C, &A, &W, wt, cfg.group_size) != 0)
        goto fail;
    if (tmp_out && npy_write(tmp_out, &C, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto fail;
    }
    if (stats && write_stats(tmp_stats, &P, m, &counts, secs, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto fail;
    }
    if (out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto fail;
    }
    status = 0;
fail:
    if (status != 0)
        out_abort(&of);
    npy_free(&A);
    npy_free(&W);
    npy_free(&C);
    lut_packed_free(&P);
    return status;
}
