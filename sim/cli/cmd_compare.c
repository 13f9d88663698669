/* cmd_compare.c - `lutsim compare`: one model, several designs, each run
 * exactly as `lutsim run` runs it (run_eval.h, run_to_json), then their
 * figures side by side with ratios against a baseline. */
#include "commands.h"
#include "compare_report.h"
#include "outfiles.h"
#include "plot_roofline.h"
#include "run_eval.h"
#include "run_inputs.h"

#include "mapper.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char compare_usage[] =
    "usage: lutsim compare --model M --quant Q[,Q2...] --arch A.json --arch B.json ...\n"
    "                      [--baseline NAME|INDEX] [--phase prefill|decode|both]\n"
    "                      [--batch B] [--seq S] [--context C] [--energy E.json]\n"
    "                      [--json R.json] [--csv R.csv] [--plot DIR]\n"
    "\n"
    "Runs one model on several designs, each exactly as `lutsim run` does, and\n"
    "prints latency, throughput, energy per token and area with the ratios\n"
    "against a baseline design.\n"
    "\n"
    "  --model M        as `lutsim run`\n"
    "  --quant Q        one quantization for every design, or one per design\n"
    "                   (comma-separated, in --arch order)\n"
    "  --arch A.json    a design (2..16 of them, in order)\n"
    "  --baseline B     the design the ratios divide by: its arch name or its\n"
    "                   position 1..N (default 1)\n"
    "  --phase P        prefill, decode or both (default)\n"
    "  --batch B        sequences, 1..65536 (default 1)\n"
    "  --seq S          prefill tokens per sequence, 1..1048576 (default 2048)\n"
    "  --context C      decode context in keys, 1..1048576 (default 2048)\n"
    "  --energy E.json  energy table for every design (default: embedded)\n"
    "  --json R.json    the comparison (JSON; keys in README)\n"
    "  --csv R.csv      one row per design and phase\n"
    "  --plot DIR       compare.png, .svg and .pdf in DIR (gnuplot): speedup,\n"
    "                   energy ratio and area breakdown as grouped bars, with\n"
    "                   compare.dat and compare.gp to redraw them\n"
    "  -h, --help       this text\n"
    "\n"
    "speedup = baseline seconds / seconds; energy_ratio = energy per token /\n"
    "baseline's; area_ratio = area / baseline's; tokens_per_s_per_mm2_ratio =\n"
    "(tokens/s / area) / baseline's: the speedup at equal area.\n";

/* Splits the comma-separated --quant into at most max names (in buf). */
static int split_quants(char *buf, const char **q, int max)
{
    int n = 0;
    for (char *s = buf;; ) {
        char *c = strchr(s, ',');
        if (c)
            *c = '\0';
        if (n == max)
            return -1;
        q[n++] = s;
        if (!c)
            return n;
        s = c + 1;
    }
}

/* One design through run's own path: inputs, every phase timed, the report. */
static json_t *run_design(const run_inputs *in, const int *kinds, int nk, int batch, int seq,
                          int context, char *err, size_t errlen)
{
    static op_result ops[2][MODEL_MAX_OPS];
    arch_t a;
    energy_model em;
    model_cfg m;
    quant_preset q;
    run_phase ph[2];
    if (run_inputs_load(in, &a, &em, &m, &q, err, errlen) != 0)
        return NULL;
    for (int k = 0; k < nk; k++)
        if (run_phase_prepare(&m, in->model, kinds[k], batch, seq, context, &ph[k], err,
                              errlen) != 0 ||
            run_phase_time(&a, &em, &m, in->model, &q, MAP_EDP, &ph[k], ops[k], NULL, NULL,
                           NULL, err, errlen) != 0)
            return NULL;
    return run_to_json(&a, &em, &m, &q, ph, nk);
}

int cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {
        { "model", required_argument, 0, 'm' },  { "quant", required_argument, 0, 'q' },
        { "arch", required_argument, 0, 'A' },   { "baseline", required_argument, 0, 'B' },
        { "phase", required_argument, 0, 'p' },  { "batch", required_argument, 0, 'b' },
        { "seq", required_argument, 0, 's' },    { "context", required_argument, 0, 'c' },
        { "energy", required_argument, 0, 'E' }, { "json", required_argument, 0, 'j' },
        { "csv", required_argument, 0, 'v' },    { "plot", required_argument, 0, 'P' },
        { "help", no_argument, 0, 'h' },         { 0, 0, 0, 0 },
    };
    const char *model = NULL, *quant = NULL, *baseline = NULL, *phase = "both", *energy = NULL;
    const char *json = NULL, *csv = NULL, *plot = NULL, *arch[CMP_MAX_DESIGNS];
    int narch = 0, batch = 1, seq = 2048, context = 2048;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'm': model = optarg; break;
        case 'q': quant = optarg; break;
        case 'B': baseline = optarg; break;
        case 'p': phase = optarg; break;
        case 'E': energy = optarg; break;
        case 'j': json = optarg; break;
        case 'v': csv = optarg; break;
        case 'P': plot = optarg; break;
        case 'A':
            if (narch == CMP_MAX_DESIGNS) {
                cli_error("compare: at most %d --arch designs", CMP_MAX_DESIGNS);
                return 2;
            }
            arch[narch++] = optarg;
            break;
        case 'b': if (cli_parse_int("--batch", optarg, 1, 65536, &batch)) return 2; break;
        case 's': if (cli_parse_int("--seq", optarg, 1, 1 << 20, &seq)) return 2; break;
        case 'c': if (cli_parse_int("--context", optarg, 1, 1 << 20, &context)) return 2; break;
        case 'h': fputs(compare_usage, stdout); return 0;
        default:
            cli_error("compare: unknown or incomplete option '%s' (see `lutsim compare --help`)",
                      argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        cli_error("compare: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (!model || !quant || narch < 2) {
        cli_error("compare: --model, --quant and at least two --arch are required "
                  "(see `lutsim compare --help`)");
        return 2;
    }
    int kinds[2], nk = 0;
    if (!strcmp(phase, "prefill") || !strcmp(phase, "both"))
        kinds[nk++] = 0;
    if (!strcmp(phase, "decode") || !strcmp(phase, "both"))
        kinds[nk++] = 1;
    if (!nk) {
        cli_error("--phase: expected prefill, decode or both, got '%s'", phase);
        return 2;
    }
    char qbuf[1024];
    const char *qs[CMP_MAX_DESIGNS];
    snprintf(qbuf, sizeof qbuf, "%s", quant);
    int nq = split_quants(qbuf, qs, CMP_MAX_DESIGNS);
    if (nq != 1 && nq != narch) {
        cli_error("--quant: expected one quantization or one per --arch (%d), got %d", narch,
                  nq < 0 ? CMP_MAX_DESIGNS + 1 : nq);
        return 2;
    }
    /* every design is run before any output is staged: a bad arch file
     * fails with its loader's message and writes nothing */
    compare_set cs = { .n = narch };
    char err[1024];
    int status = 1;
    for (int d = 0; d < narch; d++) {
        const run_inputs in = { model, qs[nq == 1 ? 0 : d], arch[d], energy, MOE_ROUTE_UNIFORM,
                                0, 1 };
        cs.file[d] = arch[d];
        if (!(cs.report[d] = run_design(&in, kinds, nk, batch, seq, context, err, sizeof err))) {
            cli_error("%s", err);
            goto done;
        }
    }
    if (compare_pick_baseline(&cs, baseline, err, sizeof err) != 0) {
        cli_error("%s", err);
        status = 2;
        goto done;
    }
    json_t *cj = compare_to_json(&cs);
    compare_print(stdout, cj);
    outfiles of;
    out_init(&of);
    for (int d = 0; d < narch; d++) {
        const run_inputs in = { model, qs[nq == 1 ? 0 : d], arch[d], energy, 0, 0, 1 };
        run_inputs_guard(&of, &in);
    }
    const char *tj = NULL, *tc = NULL;
    plot_files pf;
    if ((plot && plot_stage_as(&of, plot, "compare", &pf, err, sizeof err) != 0) ||
        (json && !(tj = out_stage(&of, json, err, sizeof err))) ||
        (csv && !(tc = out_stage(&of, csv, err, sizeof err)))) {
        cli_error("%s", err);
    } else if (tj && json_dump_file(cj, tj, JSON_INDENT(2)) != 0) {
        cli_error("%s: cannot write", json);
    } else if (tc && compare_to_csv(tc, cj) != 0) {
        cli_error("%s: cannot write", csv);
    } else if (plot && compare_plot(&pf, &of, cj, err, sizeof err) != 0) {
        cli_error("%s", err);
    } else if (out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
    } else {
        status = 0;
        if (plot)
            printf("\ncompare: %s/compare.png, .svg, .pdf\n", plot);
    }
    if (status)
        out_abort(&of);
    json_decref(cj);
done:
    for (int d = 0; d < narch; d++)
        json_decref(cs.report[d]);
    return status;
}
