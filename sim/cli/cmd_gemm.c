/* cmd_gemm.c - `lutsim gemm`: C = A * W^T on the LUT datapath, from .npy files. */
#include "commands.h"
#include "lut_gemm.h"
#include "npy.h"
#include "outfiles.h"
#include "ref_gemm.h"
#include "engine_setup.h"
#include "engines.h"
#include "engine_system.h"
#include "gemm_quant.h"
#include "lut_meta.h"
#include "fileio.h"
#include "gemm.h"
#include "gemm_float.h"
#include "mapper.h"
#include "program.h"
#include "progress.h"
#include "randgen.h"
#include "sim_progress.h"
#include "report_stats.h"
#include "sim.h"
#include "trace_json.h"
#include "units.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char gemm_usage[] =
    "usage: lutsim gemm --act A.npy --weight W.npy --wfmt FMT [--wbits B] --out C.npy\n"
    "                   [--arch A.json] [--stats S.json] [--trace T.json] [options]\n"
    "                   [--engine systemc [--accelerators N] [--dram shared|private]\n"
    "                    [--core cmodel|rtl]]\n"
    "       lutsim gemm --random MxNxK --wfmt FMT [--wbits B] [--seed S] [options]\n"
    "       lutsim gemm --quant Q (--weight W.npy --act A.npy | --random MxNxK)\n"
    "                   [--afmt F] [--engine cmodel|host] [--out C.npy]\n"
    "                   [--stats S.json] [--arch A.json] [--seed S]\n"
    "\n"
    "Computes C = A * W^T exactly.  The default engine compiles the GEMM into a\n"
    "program for the LUT accelerator and runs it on the C model (functional:\n"
    "real data, bit-exact, with cycles and energy).  W is packed into bit-plane\n"
    "table indices, A into tables of 2^(K-1) entries per group of K activations,\n"
    "one look-up per weight bit-plane.  On an architecture of compute.kind\n"
    "systolic, mac or bitserial the GEMM runs as mma instructions on that array\n"
    "instead "
    "(INT weights of up to 8 bits held one a byte, int8 x int8 into int32).\n"
    "\n"
    "  --act A.npy       int8 array, M x K (activations)\n"
    "  --weight W.npy    int8 array, N x K, holding integer weights of FMT:\n"
    "                      int     signed INTB, -2^(B-1) .. 2^(B-1)-1 (B = 2..8)\n"
    "                      ternary -1, 0, +1 (BitNet b1.58; B = 2)\n"
    "                      binary  -1, +1 (B = 1)\n"
    "  --wfmt FMT        int, ternary or binary (default int when --wbits is given)\n"
    "  --afmt F          activations: int8 (default: an int8 .npy, exact int32 C), or\n"
    "                    fp16, bf16, fp8e4m3, fp8e5m2: --act is a float32 or float16\n"
    "                    .npy rounded to F (nearest even; --random: Gaussian, mean 0,\n"
    "                    sd 1), tables in the architecture's lut.table_format (fp16,\n"
    "                    fp32 or int8 + scale), C float32; prints and --stats gives\n"
    "                    the error against a float64 GEMM (error.max_abs,\n"
    "                    error.rel_rms); engines cmodel, host, systemc (the RTL\n"
    "                    takes INT8 activations only)\n"
    "  --wbits B         weight bit-width (required for int; implied otherwise)\n"
    "  --out C.npy       int32 array, M x N (written only if the run succeeds)\n"
    "  --random MxNxK    instead of files: seeded random A (M x K) and W (N x K);\n"
    "                    the result is checked against the naive reference GEMM\n"
    "  --seed S          seed for --random (default 1)\n"
    "  --check           also check a file run against the naive reference\n"
    "  --engine E        cmodel (default): the accelerator's C model;\n"
    "                    rtl: the Verilated RTL of the core, built for --arch\n"
    "                    (a model per architecture, built once into the cache\n"
    "                    $LUTSIM_RTL_CACHE or ~/.cache/lutsim/rtl: about a minute);\n"
    "                    both: C model and RTL on the same program, compared\n"
    "                    (outputs bit for bit, then cycles);\n"
    "                    host: the LUT datapath on the host CPU, no timing;\n"
    "                    systemc: the SystemC system of host, interconnect, DRAM,\n"
    "                    accelerators with the C model inside; --stats adds\n"
    "                    \"system\" and \"accelerators\" (each with every key)\n"
    ENGINE_SYSTEM_HELP
    RTL_MEMORY_HELP
    "  --vcd W.vcd       with rtl or both: the RTL's waveform, in the core's real\n"
    "                    time (picoseconds at the architecture's clock_ghz)\n"
    "  --vcd-window S:E  only cycles S..E-1 in the waveform (S: or :E open-ended)\n"
    "  --vcd-scope P     only signals under instance path P, e.g. lutc.lutc_top.dma\n"
    "  --timing-only     C model without data (cycles and energy only; no --out)\n"
    "  --arch A.json     architecture (default: the embedded one, `lutsim arch --show`)\n"
    "  --energy E.json   energy table (default: the embedded one)\n"
    "  --stats S.json    statistics (JSON): cycles, macs, dram_bytes, energy_pj, ...\n"
    "  --trace T.json    timeline, Chrome trace-event JSON (open in Perfetto): one\n"
    "                    slice per instruction, from the engine whose statistics\n"
    "                    are reported (rtl: the RTL's own start/complete cycles)\n"
    "  --program P.bin   also write the compiled program (see `lutsim disasm`)\n"
    "  --group G         weights per scale group along K (default 128)\n"
    "  --scale T         the group scales' stored type: fp16 (default), bf16, fp32,\n"
    "                    int8_exp, or legacy (int32 factor + fp32 scale, 8 B per\n"
    "                    column and group: the default and only choice with rtl)\n"
    "  --objective O     what the mapper minimises when it chooses the schedule\n"
    "                    (timing-only runs of candidates): edp (default), cycles,\n"
    "                    energy; the chosen program then runs on the engine\n"
    "  --tk K            activations per table for --engine host (2..8, default 4);\n"
    "                    the C model takes it from the architecture (lut.tile.k)\n"
    "  --quiet           no progress line on stderr (shown for a simulation or\n"
    "                    reference check longer than a second)\n"
    "  --quant Q         float weights quantized on the fly to preset Q (int,\n"
    "                    uint, ternary, binary or BitMoD, as `lutsim quantize`): --weight\n"
    "                    is then a float32/float16 .npy (N x K), --random draws seeded\n"
    "                    Gaussian weights (sigma 0.02) and activations (INT8, or\n"
    "                    N(0, 1) rounded to --afmt); --act is int8, or float32 /\n"
    "                    float16 with --afmt (rounded to the format, nearest-even).\n"
    "                    The LUT core dequantizes into float32 C (--out C.npy, written\n"
    "                    only if the run succeeds), checked bit for bit against the\n"
    "                    dq unit's reference (INT8) or the host engine (float\n"
    "                    activations); the error against float64 A x W^T with the\n"
    "                    float and with the dequantized weights is printed, and\n"
    "                    --stats gets it (error.max_abs, error.rel_rms: against the\n"
    "                    dequantized weights).  --engine host runs the host LUT\n"
    "                    kernels on the same operands: the same C bits, no timing.\n"
    "                    BitMoD FP3 / FP4 run as INT4 / INT6 bit-planes (4 / 6 look-up\n"
    "                    passes).  Takes --weight/--random, --act, --afmt, --engine,\n"
    "                    --out, --stats, --arch, --energy, --seed, --objective,\n"
    "                    --timing-only, --quiet\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 on success, 1 on bad input or a failed run, 2 on bad usage.\n";

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

/* "MxNxK": three decimal numbers 1..2^30 and nothing else (sscanf's %d
 * would take signs and blanks, and overflow is undefined for it). */
int parse_dims(const char *s, int *m, int *n, int *k)
{
    int *dst[3] = { m, n, k };
    for (int i = 0; i < 3; i++) {
        uint64_t v = 0;
        const char *start = s;
        for (; *s >= '0' && *s <= '9'; s++) {
            v = v * 10 + (uint64_t)(*s - '0');
            if (v > (1u << 30))
                return -1;
        }
        if (s == start || v < 1 || *s != (i < 2 ? 'x' : '\0'))
            return -1;
        *dst[i] = (int)v;
        s++;
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
    uint32_t st = rand_seed_state(seed);
    rand_acts(A->data, (size_t)npy_count(A), &st);
    rand_weights(W->data, (size_t)npy_count(W), wt, &st);
    return 0;
}

/* Compares C with the naive reference; prints the verdict. */
static int check_against_reference(const npy_array *C, const npy_array *A,
                                   const npy_array *W, lut_wtype wt, int group, int quiet)
{
    const int m = (int)A->shape[0], n = (int)W->shape[0], k = (int)A->shape[1];
    int64_t *ref = malloc(sizeof(int64_t) * (size_t)m * n);
    if (!ref) {
        cli_error("out of memory for the reference result");
        return -1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* rows are independent: blocks of rows, to show progress */
    progress pr;
    progress_init(&pr, "reference GEMM", "rows", (uint64_t)m, quiet);
    for (int r0 = 0; r0 < m; r0 += 16) {
        int rows = m - r0 < 16 ? m - r0 : 16;
        ref_gemm_i64(wt, (const int8_t *)A->data + (size_t)r0 * k, W->data, NULL, group, rows, n,
                     k, ref + (size_t)r0 * n);
        progress_update(&pr, (uint64_t)(r0 + rows));
    }
    progress_end(&pr);
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
    char b[2][UNITS_LEN];
    printf("  naive reference: %s (%s)\n", units_si(b[0], UNITS_LEN, secs, "s"),
           units_si(b[1], UNITS_LEN, (double)m * n * k / (secs > 0 ? secs : 1e-9), " MAC/s"));
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

static int write_json(const char *tmp, const char *label, json_t *o, char *err, size_t errlen)
{
    int rc = json_dump_file(o, tmp, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(o);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot write", label);
        return -1;
    }
    return 0;
}

typedef struct {
    const char *act, *wpath, *out, *stats, *trace, *fmt, *random, *arch, *energy, *prog;
    const char *vcd, *vcd_window, *scale, *memory;
    rtl_vcd wave;
    rtl_memory mem;
    int wbits, tk, group, seed, check, timing_only, host, quiet, mfmt;
    gemm_float fl; /* --afmt */
    map_objective objective;
    engine_kind engine;
    sc_system_cfg sys; /* --engine systemc */
} gemm_opts;

static int parse_opts(int argc, char **argv, gemm_opts *o)
{
    static const struct option opts[] = {
        { "act", required_argument, 0, 'a' },
        { "weight", required_argument, 0, 'w' },
        { "wbits", required_argument, 0, 'b' },
        { "wfmt", required_argument, 0, 'f' },
        { "out", required_argument, 0, 'o' },
        { "stats", required_argument, 0, 's' },
        { "trace", required_argument, 0, 't' },
        { "tk", required_argument, 0, 'k' },
        { "group", required_argument, 0, 'g' },
        { "random", required_argument, 0, 'r' },
        { "seed", required_argument, 0, 'S' },
        { "check", no_argument, 0, 'c' },
        { "engine", required_argument, 0, 'e' },
        { "timing-only", no_argument, 0, 'T' },
        { "arch", required_argument, 0, 'A' },
        { "energy", required_argument, 0, 'E' },
        { "program", required_argument, 0, 'P' },
        { "vcd", required_argument, 0, 'V' },
        { "quiet", no_argument, 0, 'Q' },
        { "objective", required_argument, 0, 'O' },
        { "vcd-window", required_argument, 0, 'W' },
        { "vcd-scope", required_argument, 0, 'C' },
        { "scale", required_argument, 0, 'X' },
        { "memory", required_argument, 0, 'M' },
        { "afmt", required_argument, 0, 'F' },
        ENGINE_SYSTEM_LONGOPTS,
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    memset(o, 0, sizeof *o);
    engine_system_defaults(&o->sys);
    o->group = LUT_DEFAULT_GROUP;
    o->seed = 1;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'a': o->act = optarg; break;
        case 'w': o->wpath = optarg; break;
        case 'o': o->out = optarg; break;
        case 's': o->stats = optarg; break;
        case 't': o->trace = optarg; break;
        case 'f': o->fmt = optarg; break;
        case 'A': o->arch = optarg; break;
        case 'E': o->energy = optarg; break;
        case 'P': o->prog = optarg; break;
        case 'V': o->vcd = optarg; break;
        case 'C': o->wave.scope = optarg; break;
        case 'X': o->scale = optarg; break;
        case 'F': if (gemm_float_parse(optarg, &o->fl)) return 2; break;
        case 'M': {
            char err[256];
            o->memory = optarg;
            if (rtl_memory_parse(optarg, &o->mem, err, sizeof err) != 0) {
                cli_error("%s", err);
                return 2;
            }
            break;
        }
        case 'W': {
            char err[256];
            o->vcd_window = optarg;
            if (engine_parse_vcd_window(optarg, &o->wave, err, sizeof err) != 0) {
                cli_error("%s", err);
                return 2;
            }
            break;
        }
        case 'T': o->timing_only = 1; break;
        case 'Q': o->quiet = 1; break;
        case 'O':
            if (map_objective_parse(optarg, &o->objective) != 0) {
                cli_error("--objective: expected edp, cycles or energy, got '%s'", optarg);
                return 2;
            }
            break;
        case 'b': if (cli_parse_int("--wbits", optarg, 1, 8, &o->wbits)) return 2; break;
        case 'k': if (cli_parse_int("--tk", optarg, LUT_MIN_TK, LUT_MAX_TK, &o->tk)) return 2; break;
        case 'g': if (cli_parse_int("--group", optarg, 1, 1 << 30, &o->group)) return 2; break;
        case 'r': o->random = optarg; o->check = 1; break;
        case 'S': if (cli_parse_int("--seed", optarg, 0, 1 << 30, &o->seed)) return 2; break;
        case 'c': o->check = 1; break;
        case 'e':
            if (strcmp(optarg, "host") == 0) {
                o->host = 1;
            } else if (engine_parse(optarg, &o->engine) != 0) {
                cli_error("--engine: expected cmodel, rtl, both or host, got '%s'", optarg);
                return 2;
            }
            break;
        case 'h': fputs(gemm_usage, stdout); return 0;
        case ENGSYS_OPT_ACCEL: case ENGSYS_OPT_DRAM: case ENGSYS_OPT_CORE:
            if (engine_system_option(ch, optarg, &o->sys) != 0) return 2;
            break;
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
    if (!o->fmt && o->wbits)
        o->fmt = "int"; /* --wbits B alone: signed INTB */
    if (!o->fmt) {
        cli_error("gemm: --wfmt or --wbits is required (see `lutsim gemm --help`)");
        return 2;
    }
    if (o->random) {
        if (o->act || o->wpath) {
            cli_error("gemm: --random replaces --act and --weight; give one or the other");
            return 2;
        }
    } else if (!o->act || !o->wpath || (!o->out && !o->timing_only)) {
        cli_error("gemm: --act, --weight and --out are required (see `lutsim gemm --help`)");
        return 2;
    }
    if (o->timing_only && (o->host || o->out || o->engine != ENGINE_CMODEL)) {
        cli_error("gemm: --timing-only runs the C model without data: no --out, and the "
                  "engine must be cmodel");
        return 2;
    }
    if (engine_system_given(&o->sys) && o->engine != ENGINE_SYSTEMC) {
        cli_error("gemm: --accelerators, --dram and --core need --engine systemc");
        return 2;
    }
    if (o->vcd && (o->host || o->engine == ENGINE_CMODEL || o->engine == ENGINE_SYSTEMC)) {
        cli_error("gemm: --vcd needs --engine rtl or both");
        return 2;
    }
    if ((o->vcd_window || o->wave.scope) && !o->vcd) {
        cli_error("gemm: --vcd-window and --vcd-scope need --vcd");
        return 2;
    }
    if (o->memory && (o->host || (o->engine != ENGINE_RTL && o->engine != ENGINE_BOTH))) {
        cli_error("gemm: --memory needs --engine rtl or both");
        return 2;
    }
    if (o->timing_only)
        o->check = 0;
    /* metadata format: FP16 scales on the C model; the RTL reads the
     * 8-byte layout only, so it stays that engine's default */
    const char *sc = o->scale ? o->scale : o->engine == ENGINE_CMODEL || o->engine == ENGINE_SYSTEMC
                     ? "fp16" : "legacy";
    lut_scale_type st;
    o->mfmt = strcmp(sc, "legacy") == 0 ? LUT_META_LEGACY
              : lut_scale_parse(sc, &st) == 0 ? lut_meta_code(st, 0) : -1;
    if (o->mfmt < 0 || (o->mfmt && o->engine != ENGINE_CMODEL && o->engine != ENGINE_SYSTEMC && !o->host)) {
        cli_error("--scale: expected fp16, bf16, fp32, int8_exp or legacy (rtl and both: legacy "
                  "only), got '%s'", sc);
        return 2;
    }
    if (o->engine == ENGINE_SYSTEMC && o->trace) {
        cli_error("gemm: --trace is not written by --engine systemc");
        return 2;
    }
    if (o->fl.afmt && (o->engine == ENGINE_RTL || o->engine == ENGINE_BOTH ||
                       (o->engine == ENGINE_SYSTEMC && o->sys.core == SC_CORE_RTL))) {
        cli_error("gemm: --afmt %s: the RTL takes INT8 activations only (use --engine cmodel, "
                  "host or systemc with --core cmodel)", gemm_float_label(&o->fl));
        return 2;
    }
    if (o->host && (o->trace || (o->arch && !o->fl.afmt) || o->prog)) {
        cli_error("gemm: --trace, --arch and --program need the C model (--engine cmodel)");
        return 2;
    }
    return -1; /* go on */
}

int cmd_gemm(int argc, char **argv)
{
    if (gemm_quant_requested(argc, argv)) /* float weights: gemm_quant.c */
        return cmd_gemm_quant(argc, argv);
    gemm_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    lut_wtype wt;
    if (lut_wfmt_parse(o.fmt, &wt.fmt) != 0 || wt.fmt == LUT_WFMT_UINT) {
        cli_error("--wfmt: expected int, ternary or binary, got '%s'", o.fmt);
        return 2;
    }
    if (wt.fmt == LUT_WFMT_INT && o.wbits == 0) {
        cli_error("--wbits: required with --wfmt int (2..8)");
        return 2;
    }
    wt.bits = o.wbits ? o.wbits : (wt.fmt == LUT_WFMT_TERNARY ? 2 : 1);
    int rm = 0, rn = 0, rk = 0;
    if (o.random) {
        if (parse_dims(o.random, &rm, &rn, &rk) != 0 || (int64_t)rm * rk > (1 << 30) ||
            (int64_t)rn * rk > (1 << 30)) {
            cli_error("--random: expected MxNxK with positive sizes (e.g. 64x4096x4096), got '%s'",
                      o.random);
            return 2;
        }
    }

    char err[512];
    arch_t arch;
    energy_model em;
    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, wt);
    cfg.group_size = o.group;
    if (!o.host || o.fl.afmt) { /* float: the host takes lut.table_format and K too */
        if (engine_setup(o.arch, o.energy, &arch, &em, err, sizeof err) != 0) {
            cli_error("%s", err);
            return 1;
        }
        if (arch.act_bits != 8) {
            cli_error("%s: act_bits %d: lutsim gemm reads INT8 activations (an int8 .npy); "
                      "4- and 16-bit activations run with lutsim run --quant", o.arch,
                      arch.act_bits);
            return 2;
        }
        if (o.tk && o.tk != arch.tile_k) {
            cli_error("--tk %d differs from the architecture's lut.tile.k = %d "
                      "(the C model takes K from the architecture)", o.tk, arch.tile_k);
            return 2;
        }
        cfg.tk = arch.tile_k;
        arch_set_act_fmt(&arch, o.fl.afmt);
        o.fl.tfmt = arch.table_fmt;
        if (arch_check(&arch, err, sizeof err) != 0) {
            cli_error("%s: %s", o.arch ? o.arch : "default architecture", err);
            return 2;
        }
    } else if (o.tk) {
        cfg.tk = o.tk;
    }
    if (lut_gemm_cfg_check(&cfg, err, sizeof err) != 0) {
        cli_error("gemm: %s", err);
        return 2;
    }

    outfiles of;
    out_init(&of);
    npy_array A = { 0 }, W = { 0 }, C = { 0 };
    lut_packed P = { 0 };
    program prog;
    program_init(&prog);
    uint8_t *image = NULL, *pbytes = NULL;
    sc_system_result *sres = NULL; /* --engine systemc */
    int status = 1;
    trace_writer tw;
    int trace_open_ok = 0;
    out_input(&of, o.act, "--act");
    out_input(&of, o.wpath, "--weight");
    out_input(&of, o.arch, "--arch");
    out_input(&of, o.energy, "--energy");
    const char *tmp_out = NULL, *tmp_stats = NULL, *tmp_trace = NULL, *tmp_prog = NULL;
    if ((o.out && !(tmp_out = out_stage(&of, o.out, err, sizeof err))) ||
        (o.stats && !(tmp_stats = out_stage(&of, o.stats, err, sizeof err))) ||
        (o.trace && !(tmp_trace = out_stage(&of, o.trace, err, sizeof err))) ||
        (o.prog && !(tmp_prog = out_stage(&of, o.prog, err, sizeof err))) ||
        (o.vcd && !(o.wave.path = out_stage(&of, o.vcd, err, sizeof err)))) {
        cli_error("%s", err);
        goto fail;
    }
    const char *alabel = o.act, *wlabel = o.wpath;
    int m, n, kd;
    if (o.random) {
        m = rm, n = rn, kd = rk;
        alabel = "random activations";
        wlabel = "random weights";
        if (!o.timing_only && make_random(m, n, kd, wt, (unsigned)o.seed, &A, &W) != 0)
            goto fail;
        if (!o.timing_only && o.fl.afmt &&
            (npy_free(&A), gemm_float_random(&o.fl, m, kd, (unsigned)o.seed, &A) != 0))
            goto fail;
    } else {
        if ((o.fl.afmt ? gemm_float_load(&o.fl, o.act, &A) : load_matrix(o.act, "activations", &A)) ||
            load_matrix(o.wpath, "weights", &W))
            goto fail;
        if (A.shape[1] != W.shape[1]) {
            cli_error("%s: weights are %lldx%lld but activations %s are %lldx%lld: "
                      "the reduction dimensions (columns) must match",
                      o.wpath, (long long)W.shape[0], (long long)W.shape[1], o.act,
                      (long long)A.shape[0], (long long)A.shape[1]);
            goto fail;
        }
        m = (int)A.shape[0], n = (int)W.shape[0], kd = (int)A.shape[1];
    }
    (void)alabel;
    int64_t shape[2] = { m, n };
    if (!o.timing_only && npy_alloc(&C, o.fl.afmt ? NPY_FLOAT32 : NPY_INT32, 2, shape) != 0) {
        cli_error("out of memory for a %dx%d result", m, n);
        goto fail;
    }
    printf("gemm %d x %d x %d (M x N x K), %s%d weights, %s activations, "
           "table group %d, scale group %d\n",
           m, n, kd, lut_wfmt_name(wt.fmt), wt.bits, gemm_float_label(&o.fl), cfg.tk, cfg.group_size);

    if (o.host) {
        if (o.fl.afmt) /* packed as the program packs them: the same bits */
            cfg.wtype = gemm_float_pack_type(cfg.wtype, o.mfmt);
        if (lut_pack(&cfg, W.data, n, kd, NULL, &P, err, sizeof err) != 0) {
            cli_error("%s: %s", wlabel, err);
            goto fail;
        }
        lut_counts counts;
        double t0 = cli_now_seconds();
        if ((o.fl.afmt ? gemm_float_host(&o.fl, &P, m, C.data, &counts, err, sizeof err)
                       : lut_gemm_i32(&P, A.data, m, C.data, &counts, err, sizeof err)) != 0) {
            cli_error("gemm: %s", err);
            goto fail;
        }
        double secs = cli_now_seconds() - t0;
        char b[3][UNITS_LEN];
        printf("  host LUT datapath: %s in %s (%s)\n",
               units_si(b[0], UNITS_LEN, (double)counts.macs, " MAC"), units_si(b[1], UNITS_LEN, secs, "s"),
               units_si(b[2], UNITS_LEN, (double)counts.macs / (secs > 0 ? secs : 1e-9), " MAC/s"));
        json_t *hj = gemm_host_stats(m, P.n, P.kd, &counts, secs);
        if (o.fl.afmt && gemm_float_error(&o.fl, &C, &A, &W) != 0) {
            json_decref(hj);
            goto fail;
        }
        gemm_float_json(hj, &o.fl);
        if (!tmp_stats)
            json_decref(hj);
        else if (write_json(tmp_stats, o.stats, hj, err, sizeof err)) {
            cli_error("%s", err);
            goto fail;
        }
    } else {
        gemm_shape gs0 = { .wtype = wt, .group_size = cfg.group_size, .m = m, .n = n, .kd = kd,
                           .mfmt = o.mfmt, .float_out = o.fl.afmt != 0 };
        gemm_shape gs;
        gemm_layout lay;
        sim_stats mst;
        int msampled, msims;
        /* the schedule `lutsim run` would choose for this shape */
        if (mapper_search(&arch, &em, &gs0, o.objective, &gs, &mst, &msampled, &msims, err,
                          sizeof err) != 0 ||
            gemm_lower(&arch, &gs, &prog, &lay, err, sizeof err) != 0) {
            cli_error("%s: cannot compile the GEMM for this architecture: %s",
                      o.arch ? o.arch : "default architecture", err);
            goto fail;
        }
        sim_opts so = { 0 };
        if (!o.timing_only) {
            image = malloc(lay.image_bytes);
            if (!image) {
                cli_error("out of memory for a %llu-byte memory image", (unsigned long long)lay.image_bytes);
                goto fail;
            }
            const void *abytes = o.fl.afmt ? (const void *)o.fl.act : A.data;
            if (gemm_fill(&arch, &gs, &lay, abytes, W.data, NULL, NULL, image, err, sizeof err) != 0) {
                cli_error("%s: %s", wlabel, err);
                goto fail;
            }
            so.dram = image;
            so.dram_size = lay.image_bytes;
        }
        if (tmp_trace) {
            if (trace_open(&tw, tmp_trace, &arch) != 0) {
                cli_error("%s: cannot write", o.trace);
                goto fail;
            }
            trace_open_ok = 1;
            so.trace = trace_event;
            so.trace_ctx = &tw;
        }
        sim_stats st;
        engine_compare cmp;
        sim_progress sp;
        sim_progress_attach(&sp, &so, &prog, "gemm", o.quiet);
        double t0 = cli_now_seconds();
        cmp.first_diff = -1;
        int bad = o.engine == ENGINE_SYSTEMC
                      ? engine_system_run(&o.sys, &arch, &em, &prog, so.dram, so.dram_size, &st,
                                          &sres, err, sizeof err)
                      : engine_run(o.engine, &arch, &em, &prog, so.dram, so.dram_size, &so,
                                   o.vcd ? &o.wave : NULL, &o.mem, &st, &cmp, err, sizeof err);
        sim_progress_end(&sp);
        if (bad) {
            if (cmp.first_diff >= (int64_t)lay.c_addr) {
                int64_t el = (cmp.first_diff - (int64_t)lay.c_addr) / 4;
                cli_error("gemm: C model and RTL disagree first at C[%lld][%lld] (%s)",
                          (long long)(el / n), (long long)(el % n), err);
            } else {
                cli_error("gemm: %s: %s", engine_name(o.engine), err);
            }
            goto fail;
        }
        if (o.engine == ENGINE_BOTH) {
            double d = cmp.cmodel_cycles
                           ? 100.0 * ((double)cmp.rtl_cycles - (double)cmp.cmodel_cycles) /
                                 (double)cmp.cmodel_cycles
                           : 0.0;
            printf("  engines agree: outputs bit-exact; cycles C model%s %llu, RTL %llu (%+.3f%%)\n",
                   cmp.replayed ? " (given the RTL's memory responses)" : "",
                   (unsigned long long)cmp.cmodel_cycles, (unsigned long long)cmp.rtl_cycles, d);
        }
        double secs = cli_now_seconds() - t0;
        if (trace_open_ok) {
            trace_open_ok = 0;
            if (trace_close(&tw) != 0) {
                cli_error("%s: write failed", o.trace);
                goto fail;
            }
        }
        char b[2][UNITS_LEN];
        map_info mi;
        mapper_describe(&arch, &gs, &mi);
        printf("  program: %zu instructions, tiles %d x %d (rows x columns), blocks %llu x %d, "
               "loop %s, %s-stationary, cores split %s; weights %s packed\n",
               prog.n, lay.mt, lay.nt, (unsigned long long)lay.mb, lay.nb, mi.loop, mi.stationary,
               mi.partition, units_si(b[0], UNITS_LEN, (double)lay.weight_bytes, "B"));
        stats_print(stdout, &arch, &st, o.engine == ENGINE_RTL ? "RTL"
                                        : o.engine == ENGINE_SYSTEMC ? "SystemC accelerator 0"
                                                                     : "C model");
        if (sres)
            engine_system_print(stdout, &arch, &o.sys, sres);
        printf("  host time %s (%s mode)\n", units_si(b[1], UNITS_LEN, secs, "s"),
               o.timing_only ? "timing-only" : "functional");
        if (!o.timing_only)
            memcpy(C.data, image + lay.c_addr, (size_t)m * n * 4);
        if (!o.timing_only && o.fl.afmt && gemm_float_error(&o.fl, &C, &A, &W) != 0)
            goto fail;
        if (tmp_stats) {
            json_t *js = stats_to_json(&arch, &em, &st, o.engine == ENGINE_RTL ? "rtl"
                                                        : sres ? "systemc" : "cmodel",
                                       !o.timing_only);
            if (sres)
                engine_system_json(js, &arch, &em, &o.sys, sres);
            json_object_set_new(js, "m", json_integer(m));
            json_object_set_new(js, "n", json_integer(n));
            json_object_set_new(js, "k", json_integer(kd));
            json_object_set_new(js, "wbits", json_integer(wt.bits));
            json_object_set_new(js, "wfmt", json_string(lut_wfmt_name(wt.fmt)));
            json_object_set_new(js, "weight_bytes", json_integer((json_int_t)lay.weight_bytes));
            json_object_set_new(js, "host_seconds", json_real(secs));
            gemm_float_json(js, &o.fl);
            if (write_json(tmp_stats, o.stats, js, err, sizeof err) != 0) {
                cli_error("%s", err);
                goto fail;
            }
        }
        if (tmp_prog) {
            size_t plen;
            if (program_to_bytes(&prog, &pbytes, &plen, err, sizeof err) != 0 ||
                write_file_bytes(tmp_prog, o.prog, pbytes, plen, err, sizeof err) != 0) {
                cli_error("%s", err);
                goto fail;
            }
        }
    }
    if (o.check && !o.fl.afmt && check_against_reference(&C, &A, &W, wt, cfg.group_size, o.quiet) != 0)
        goto fail;
    if (tmp_out && npy_write(tmp_out, &C, err, sizeof err) != 0) {
        cli_error("%s: cannot write", o.out);
        goto fail;
    }
    if (out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto fail;
    }
    status = 0;
fail:
    free(sres);
    if (trace_open_ok)
        trace_close(&tw);
    if (status != 0)
        out_abort(&of);
    npy_free(&A);
    npy_free(&W);
    gemm_float_free(&o.fl);
    npy_free(&C);
    lut_packed_free(&P);
    program_free(&prog);
    free(image);
    free(pbytes);
    return status;
}
