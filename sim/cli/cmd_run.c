/* cmd_run.c - `lutsim run`: a model, a quantization and an architecture in;
 * per-operation throughput, energy and roofline out. */
#include "commands.h"
#include "lut_float.h"
#include "engine_setup.h"
#include "engine_system.h"
#include "gemm.h"
#include "lower.h"
#include "model.h"
#include "model_json.h"
#include "outfiles.h"
#include "plot_roofline.h"
#include "progress.h"
#include "randgen.h"
#include "run_weights.h"
#include "ref_gemm.h"
#include "report_run.h"
#include "report_moe.h"
#include "run_eval.h"
#include "run_generate.h"
#include "run_inputs.h"
#include "run_system.h"
#include "workload_embed.h"

#include "mapper.h"
#include "quant_layout.h"

#include <getopt.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char run_usage[] =
    "usage: lutsim run --model M --quant Q [--phase prefill|decode|both|generate]\n"
    "                  [--batch B] [--seq S] [--context C] [--arch A.json]\n"
    "                  [--prompt P] [--new T] [--every-step] [--routing R]\n"
    "                  [--route-seed N]\n"
    "                  [--json R.json] [--csv R.csv] [--trace T.json] [--plot DIR]\n"
    "                  [--functional [--weights DIR]] [--seed S] [--energy E.json]\n"
    "                  [--objective O]\n"
    "                  [--quiet] [--engine systemc [--accelerators N]\n"
    "                  [--dram shared|private]]\n"
    "\n"
    "Lowers every operation of a quantized decoder-only LLM onto the LUT\n"
    "accelerator and simulates it on the C model (timing-only by default).\n"
    "\n"
    "  --model M        a HuggingFace config.json, or an embedded name:\n"
    "                   %s\n"
    "  --quant Q        a preset (%s) or a JSON file\n"
    "  --phase P        prefill (batch B x sequence S, LM head on the last token),\n"
    "                   decode (batch B, one new token over a context of C keys)\n"
    "                   or both (default); generate: a whole request, prefill of\n"
    "                   --prompt P tokens then --new T decode steps, every step\n"
    "                   simulated (time to first token, per output token, energy\n"
    "                   per token, KV cache peak against dram.capacity_gib)\n"
    "  --prompt P       generate: prompt tokens per sequence (default 512)\n"
    "  --new T          generate: decode steps, 1..1048576 (default 256)\n"
    "  --every-step     generate: simulate every decode step (default: the first,\n"
    "                   the last and, by bisection, where the cost changes)\n"
    "  --routing R      mixture-of-experts routing: uniform (default: the expected\n"
    "                   distinct experts, closed form) or zipf:S (seeded sampling,\n"
    "                   expert popularity ~ rank^-S, S in 0..8)\n"
    "  --route-seed N   seed of zipf routing, 0..1073741824 (default 1)\n"
    "  --batch B        sequences, 1..65536 (default 1)\n"
    "  --seq S          prefill tokens per sequence, 1..1048576 (default 2048)\n"
    "  --context C      decode context in keys, new token included, 1..1048576\n"
    "                   (default 2048)\n"
    "  --arch A.json    architecture (default: embedded, `lutsim arch --show`)\n"
    "  --energy E.json  energy table (default: embedded)\n"
    "  --json R.json    the full report (JSON; keys in README)\n"
    "  --csv R.csv      one row per operation\n"
    "  --trace T.json   timeline of the operations (Chrome trace JSON, Perfetto)\n"
    "  --plot DIR       roofline.png, .svg and .pdf in DIR (gnuplot), with\n"
    "                   roofline.dat and roofline.gp to redraw them; DIR is\n"
    "                   created if needed\n"
    "  --functional     also execute every linear layer with seeded random weights\n"
    "                   and activations on the C model, bit-exact against the\n"
    "                   reference GEMM (small models: it moves real data)\n"
    "  --weights DIR    with --functional: the linear layers whose tensors DIR holds\n"
    "                   (the DIR `lutsim quantize --out DIR` wrote, its manifest.json;\n"
    "                   made with the same --quant) run with those weights instead\n"
    "                   of random ones: operation layer.X of layer L takes the tensor\n"
    "                   named *layers.L*.X.weight; each runs with float32 outputs,\n"
    "                   bit-exact against the dq unit's reference, and prints its\n"
    "                   output's checksum; a shape or preset mismatch is an error\n"
    "  --seed S         seed for --functional, 0..1073741824 (default 1)\n"
    "  --objective O    what the GEMM mapper minimises per shape: edp (default:\n"
    "                   energy x cycles), cycles, or energy\n"
    "  --engine E       cmodel (default), or systemc: the phases' linear layers\n"
    "                   also tensor-parallel on the SystemC system: each of N\n"
    "                   accelerators takes 1/N of every layer's output columns, its\n"
    "                   own program, all at once through shared or private DRAM;\n"
    "                   attention and vector work not split; compared with one\n"
    "                   accelerator (README \"The SystemC system\")\n"
    "  --accelerators N --engine systemc: accelerators, 1..64 (default 1)\n"
    "  --dram D         --engine systemc: shared (default; one memory for all) or\n"
    "                   private (one per accelerator)\n"
    "  --quiet          no progress line on stderr (shown when a phase's timing\n"
    "                   or functional run takes longer than a second)\n"
    "  -h, --help       this text\n"
    "\n"
    "Numbers are decimal digits only.  A phase whose MACs, cycles or bytes would\n"
    "pass 2^63 - 1 is refused, naming the options; warnings (stderr, the run goes\n"
    "on): --seq or --context past the model's max_position_embeddings, a KV cache\n"
    "over 1 TiB, and options the chosen phases ignore.\n";

static void print_usage(void)
{
    char models[1024] = "", quants[512] = "";
    for (int i = 0; workload_model_name(i); i++) {
        size_t l = strlen(models);
        snprintf(models + l, sizeof models - l, "%s%s", i ? ", " : "", workload_model_name(i));
    }
    for (int i = 0; workload_quant_name(i); i++) {
        quant_preset q;
        char e[256];
        if (quant_from_name_or_file(workload_quant_name(i), &q, e, sizeof e) != 0)
            continue;
        size_t l = strlen(quants);
        snprintf(quants + l, sizeof quants - l, "%s%s", l ? ", " : "", workload_quant_name(i));
    }
    printf(run_usage, models, quants);
}

/* n random activations of `bits` bits: the values in v, stored (packed as
 * DRAM holds them) in act.  INT8 takes the generator's bytes as they come;
 * A4 their high nibbles, A16 two bytes each. */
static void rand_act_values(int32_t *v, uint8_t *act, size_t n, int bits, uint32_t *st)
{
    const size_t per = bits == 16 ? 2 : 1;
    int8_t *raw = (int8_t *)act; /* act holds at least n bytes only at A8, A16 */
    int8_t one[2];
    for (size_t j = 0; j < n; j++) {
        int8_t *r = bits == 4 ? one : raw + j * per;
        rand_acts(r, per, st);
        v[j] = bits == 16 ? (int16_t)(uint16_t)((uint8_t)r[0] | (uint8_t)r[1] << 8)
                          : bits == 4 ? r[0] / 16 : r[0];
    }
    for (size_t j = 0; j < n; j++)
        lut_act_put(act, j, bits, v[j]);
}

/* Executes every linear layer of the phase with real data. */
/* The seeded random weights of GEMM g into img: BitMoD's grid values
 * through its own metadata (unit codes: the int32 check needs no scale). */
static int fill_random(const arch_t *a, const gemm_shape *g, const gemm_layout *lay,
                       const uint8_t *act, const int8_t *w, const int32_t *z2, uint8_t *img,
                       char *err, size_t errlen)
{
    if (!lut_meta_is_bitmod(g->mfmt))
        return gemm_fill(a, g, lay, (const int8_t *)act, w, z2, NULL, img, err, errlen);
    const size_t ng = (size_t)g->n * ((g->kd + g->group_size - 1) / g->group_size);
    uint8_t *codes = malloc(ng);
    float *rows = malloc((size_t)g->n * sizeof *rows);
    int rc = -1;
    if (!codes || !rows) {
        snprintf(err, errlen, "out of memory for a functional run");
    } else {
        memset(codes, 1, ng);
        for (int j = 0; j < g->n; j++)
            rows[j] = 1.0f;
        rc = gemm_fill_bitmod(a, g, lay, (const int8_t *)act, w, codes, rows, img, err, errlen);
    }
    free(codes);
    free(rows);
    return rc;
}

/* The user's tensor for layer `layer` of o run instead (1), none (0), or
 * an error (-1, printed). */
static int user_layer(const arch_t *a, const energy_model *em, const quant_preset *q,
                      const run_weights *uw, const model_op *o, uint64_t layer,
                      const gemm_shape *g, unsigned seed, int i)
{
    const json_t *ent;
    char err[1024];
    int f = uw ? run_weights_find(uw, o->name, layer, (uint64_t)g->n, (uint64_t)g->kd, &ent, err,
                                  sizeof err)
               : 0;
    if (f < 0)
        cli_error("--weights: %s", err);
    if (f <= 0)
        return f;
    uint32_t st = rand_seed_state(seed * 7919u + (unsigned)(i * 1000 + (int)layer));
    return run_weights_layer(a, em, q, uw, ent, o->name, layer, g, &st) != 0 ? -1 : 1;
}

static int run_functional(const arch_t *a0, const energy_model *em, const quant_preset *q,
                          const run_phase *p, unsigned seed, int quiet, const run_weights *uw)
{
    arch_t qa; /* the arch the linear layers were timed on (lower_model_ex) */
    char qerr[512];
    if (quant_arch(a0, q, &qa, qerr, sizeof qerr) != 0) {
        cli_error("%s", qerr);
        return -1;
    }
    const arch_t *a = &qa;
    if (a->act_fmt) { /* the check below is the exact integer reference */
        cli_error("--functional: %s activations (afmt) are checked by `lutsim gemm --afmt %s` "
                  "(error against float64); here they run timing-only", lut_afmt_name(a->act_fmt),
                  lut_afmt_name(a->act_fmt));
        return -1;
    }
    uint64_t layers = 0, checked = 0, user = 0;
    for (int i = 0; i < p->nops; i++)
        if (p->ops[i].op.kind == MODEL_OP_LINEAR)
            layers += p->ops[i].op.repeat;
    char label[64];
    snprintf(label, sizeof label, "%s functional", p->phase);
    progress pr;
    progress_init(&pr, label, "layers", layers, quiet);
    for (int i = 0; i < p->nops; i++) {
        const model_op *o = &p->ops[i].op;
        if (o->kind != MODEL_OP_LINEAR)
            continue;
        for (uint64_t layer = 0; layer < o->repeat; layer++) {
            gemm_shape g = p->ops[i].tiling; /* the tiling the timing run chose */
            program prog;
            gemm_layout lay;
            char err[512];
            if (g.m > INT_MAX) { /* the reference GEMM counts rows in an int */
                cli_error("--functional: %s has %llu rows, more than a functional run moves",
                          o->name, (unsigned long long)g.m);
                return -1;
            }
            const int u = user_layer(a, em, q, uw, o, layer, &g, seed, i);
            if (u != 0) {
                checked += u > 0;
                user += u > 0;
                progress_update(&pr, checked);
                if (u > 0)
                    continue;
                progress_end(&pr);
                return -1;
            }
            if (gemm_lower(a, &g, &prog, &lay, err, sizeof err) != 0) {
                cli_error("%s: %s", o->name, err);
                return -1;
            }
            const size_t na = (size_t)g.m * g.kd;
            uint8_t *act = malloc(lut_act_bytes(na, a->act_bits) + 1);
            int32_t *av = malloc(na * sizeof *av);
            int8_t *w = malloc((size_t)g.n * g.kd);
            uint8_t *img = malloc(lay.image_bytes);
            int64_t *ref = malloc(sizeof(int64_t) * (size_t)g.m * g.n);
            int32_t *z2 = NULL;
            int rc = -1;
            if (!act || !av || !w || !img || !ref) {
                cli_error("%s: out of memory for a functional run", o->name);
                goto next;
            }
            uint32_t st = rand_seed_state(seed * 7919u + (unsigned)(i * 1000 + (int)layer));
            rand_act_values(av, act, na, a->act_bits, &st);
            rand_weights(w, (size_t)g.n * g.kd, g.wtype, &st); /* BitMoD: its INT planes */
            if (q->w.fmt == LUT_WFMT_UINT) { /* a random zero-point per column and group */
                const size_t nz = (size_t)g.n * ((g.kd + g.group_size - 1) / g.group_size);
                z2 = malloc(nz * sizeof *z2);
                if (!z2) {
                    cli_error("%s: out of memory for a functional run", o->name);
                    goto next;
                }
                rand_zero_points(z2, nz, q->w, &st);
            }
            if (fill_random(a, &g, &lay, act, w, z2, img, err, sizeof err) != 0) {
                cli_error("%s: %s", o->name, err);
                goto next;
            }
            sim_opts so = { .dram = img, .dram_size = lay.image_bytes };
            sim_stats ss;
            if (sim_run(a, em, &prog, &so, &ss, err, sizeof err) != 0) {
                cli_error("%s layer %llu: %s", o->name, (unsigned long long)layer, err);
                goto next;
            }
            ref_gemm_i64_wide(g.wtype, av, w, z2, g.group_size, (int)g.m, g.n, g.kd, ref);
            for (size_t j = 0; j < (size_t)g.m * g.n; j++) {
                int32_t v;
                memcpy(&v, img + lay.c_addr + 4 * j, 4);
                if ((int64_t)v != ref[j]) {
                    cli_error("%s layer %llu: output [%zu][%zu] = %d, reference %lld (NOT bit-exact)",
                              o->name, (unsigned long long)layer, j / (size_t)g.n, j % (size_t)g.n,
                              v, (long long)ref[j]);
                    goto next;
                }
            }
            checked++;
            rc = 0;
        next:
            free(z2);
            free(act);
            free(av);
            free(w);
            free(img);
            free(ref);
            program_free(&prog);
            progress_update(&pr, checked);
            if (rc != 0) {
                progress_end(&pr);
                return -1;
            }
        }
    }
    progress_end(&pr);
    printf("functional (%s): %llu linear layer executions bit-exact against the reference GEMM",
           p->phase, (unsigned long long)checked);
    if (uw)
        printf(" (%llu with the weights of --weights, %llu seeded random)",
               (unsigned long long)user, (unsigned long long)(checked - user));
    printf("\n");
    return 0;
}

/* lower_model's progress hook: one step per operation of the phase. */
static void on_op_timed(void *ctx, int done, int total)
{
    progress *pr = ctx;
    pr->total = (uint64_t)total;
    progress_update(pr, (uint64_t)done);
}

static int write_trace(const char *path, const arch_t *a, const run_phase *ph, int nph)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    double us = 1.0 / (a->clock_ghz * 1e3), t = 0;
    fprintf(f, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
    fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"LUT array\"}},\n");
    fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"vector unit\"}}");
    for (int p = 0; p < nph; p++) {
        for (int i = 0; i < ph[p].nops; i++) {
            op_figures x;
            op_figures_of(a, &ph[p].ops[i], &x);
            fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,"
                       "\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"macs\":%llu,\"dram_bytes\":%llu,"
                       "\"cycles\":%llu,\"bound\":\"%s\"}}",
                    ph[p].ops[i].op.name, ph[p].phase, ph[p].ops[i].on_lut ? 0 : 1, t,
                    (double)x.cycles * us, (unsigned long long)x.macs,
                    (unsigned long long)x.dram_bytes, (unsigned long long)x.cycles, x.bound);
            t += (double)x.cycles * us;
        }
    }
    fprintf(f, "\n]}\n");
    int bad = ferror(f);
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

/* A KV cache above this cannot be held by any one accelerator: 1 TiB is
 * more than three times the largest DRAM (HBM) of single accelerators
 * shipping in 2025 (192-288 GB); it needs many devices, not one core. */
#define KV_CACHE_WARN_BYTES ((uint64_t)1 << 40)

/* Warnings that do not stop the run: positions the model was not trained
 * for, and a KV cache no accelerator holds. */
static void warn_phase(const model_cfg *m, const run_phase *p)
{
    const int pos = p->ph.kind == MODEL_PREFILL ? p->ph.seq_len : p->ph.context;
    const char *opt = p->ph.kind == MODEL_PREFILL ? "--seq" : "--context";
    if (m->max_position_embeddings > 0 && pos > m->max_position_embeddings)
        cli_warning("%s: %s %d passes the model's max_position_embeddings (%d): positions "
                    "beyond it were never trained", p->phase, opt, pos,
                    m->max_position_embeddings);
    uint64_t kv;
    char what[96];
    run_phase_options(&p->ph, what, sizeof what);
    if (model_kv_cache_bytes(m, &p->ph, &kv) != 0)
        cli_warning("%s: the INT8 KV cache of %s passes 2^63 bytes, far beyond any "
                    "accelerator's DRAM (warned above 1 TiB)", p->phase, what);
    else if (kv > KV_CACHE_WARN_BYTES)
        cli_warning("%s: the INT8 KV cache of %s is %.3g bytes (%.2f TiB), more than any "
                    "accelerator's DRAM holds (warned above 1 TiB)", p->phase, what, (double)kv,
                    (double)kv / (double)KV_CACHE_WARN_BYTES);
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        { "model", required_argument, 0, 'm' },
        { "quant", required_argument, 0, 'q' },
        { "phase", required_argument, 0, 'p' },
        { "batch", required_argument, 0, 'b' },
        { "seq", required_argument, 0, 's' },
        { "context", required_argument, 0, 'c' },
        { "arch", required_argument, 0, 'A' },
        { "energy", required_argument, 0, 'E' },
        { "json", required_argument, 0, 'j' },
        { "csv", required_argument, 0, 'v' },
        { "trace", required_argument, 0, 't' },
        { "plot", required_argument, 0, 'P' },
        { "functional", no_argument, 0, 'F' },
        { "weights", required_argument, 0, 'U' },
        { "seed", required_argument, 0, 'S' },
        { "quiet", no_argument, 0, 'Q' },
        { "objective", required_argument, 0, 'O' },
        { "prompt", required_argument, 0, 'R' },
        { "new", required_argument, 0, 'N' },
        { "routing", required_argument, 0, 'r' },
        { "route-seed", required_argument, 0, 'X' },
        { "every-step", no_argument, 0, 'W' },
        { "engine", required_argument, 0, 'e' },
        ENGINE_SYSTEM_LONGOPTS,
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *model = NULL, *quant = NULL, *phase = "both", *arch_path = NULL, *energy = NULL;
    const char *json = NULL, *csv = NULL, *trace = NULL, *plot = NULL;
    int batch = 1, seq = 2048, context = 2048, functional = 0, seed = 1, quiet = 0;
    const char *weights_dir = NULL; /* --weights: a user's quantized weights */
    int seq_given = 0, context_given = 0, seed_given = 0;
    map_objective objective = MAP_EDP;
    int prompt = 512, new_tokens = 256, route_seed = 1, every_step = 0;
    int routing = MOE_ROUTE_UNIFORM;
    double zipf_s = 0;
    int systemc = 0;
    sc_system_cfg sys;
    engine_system_defaults(&sys);
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'm': model = optarg; break;
        case 'q': quant = optarg; break;
        case 'p': phase = optarg; break;
        case 'A': arch_path = optarg; break;
        case 'E': energy = optarg; break;
        case 'j': json = optarg; break;
        case 'v': csv = optarg; break;
        case 't': trace = optarg; break;
        case 'P': plot = optarg; break;
        case 'F': functional = 1; break;
        case 'U': weights_dir = optarg; break;
        case 'Q': quiet = 1; break;
        case 'O':
            if (map_objective_parse(optarg, &objective) != 0) {
                cli_error("--objective: expected edp, cycles or energy, got '%s'", optarg);
                return 2;
            }
            break;
        case 'b': if (cli_parse_int("--batch", optarg, 1, 65536, &batch)) return 2; break;
        case 's': if (cli_parse_int("--seq", optarg, 1, 1 << 20, &seq)) return 2;
                  seq_given = 1; break;
        case 'c': if (cli_parse_int("--context", optarg, 1, 1 << 20, &context)) return 2;
                  context_given = 1; break;
        case 'S': if (cli_parse_int("--seed", optarg, 0, 1 << 30, &seed)) return 2;
                  seed_given = 1; break;
        case 'W': every_step = 1; break;
        case 'R': if (cli_parse_int("--prompt", optarg, 1, 1 << 20, &prompt)) return 2; break;
        case 'N': if (cli_parse_int("--new", optarg, 1, 1 << 20, &new_tokens)) return 2; break;
        case 'X': if (cli_parse_int("--route-seed", optarg, 0, 1 << 30, &route_seed)) return 2;
                  break;
        case 'r':
            if (moe_parse_routing(optarg, &routing, &zipf_s) != 0) {
                cli_error("--routing: expected uniform or zipf:S with S in 0..8, got '%s'",
                          optarg);
                return 2;
            }
            break;
        case 'e':
            if (strcmp(optarg, "cmodel") && strcmp(optarg, "systemc")) {
                cli_error("--engine: expected cmodel or systemc, got '%s'", optarg);
                return 2;
            }
            systemc = strcmp(optarg, "systemc") == 0;
            break;
        case 'h': print_usage(); return 0;
        case ENGSYS_OPT_CORE: /* refused before any output: the C model core only */
            cli_error("run: --core: `run --engine systemc` puts the C model in each "
                      "accelerator; no other core");
            return 2;
        case ENGSYS_OPT_ACCEL:
        case ENGSYS_OPT_DRAM:
            if (engine_system_option(ch, optarg, &sys) != 0)
                return 2;
            break;
        default:
            cli_error("run: unknown or incomplete option '%s' (see `lutsim run --help`)",
                      argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        cli_error("run: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (!model || !quant) {
        cli_error("run: --model and --quant are required (see `lutsim run --help`)");
        return 2;
    }
    if (!systemc && engine_system_given(&sys)) {
        cli_error("run: --accelerators and --dram need --engine systemc");
        return 2;
    }
    if (systemc && !strcmp(phase, "generate")) {
        cli_error("run: --engine systemc times prefill and decode, not --phase generate");
        return 2;
    }
    const run_inputs in = { model, quant, arch_path, energy, routing, zipf_s,
                            (uint32_t)route_seed };
    if (!strcmp(phase, "generate"))
        return run_generate_cmd(&in, json, objective, prompt, new_tokens, batch, every_step,
                                csv || trace || plot || functional || seq_given || context_given);
    int want_prefill = !strcmp(phase, "prefill") || !strcmp(phase, "both");
    int want_decode = !strcmp(phase, "decode") || !strcmp(phase, "both");
    if (!want_prefill && !want_decode) {
        cli_error("--phase: expected prefill, decode, both or generate, got '%s'", phase);
        return 2;
    }
    /* options the chosen phases do not use */
    if (!want_decode && context_given)
        cli_warning("--context is ignored by --phase prefill (it sizes the decode phase)");
    if (!want_prefill && seq_given)
        cli_warning("--seq is ignored by --phase decode (decode attends to --context keys)");
    if (!functional && seed_given)
        cli_warning("--seed is ignored without --functional");
    if (weights_dir && !functional) {
        cli_error("--weights: the user's weights are executed by --functional; add it");
        return 2;
    }
    char err[1024];
    arch_t a;
    energy_model em;
    model_cfg m;
    quant_preset q;
    if (run_inputs_load(&in, &a, &em, &m, &q, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    /* Counts first: a phase beyond 2^63 - 1 MACs is refused before any
     * simulation (and any output), naming the options that make it so large. */
    run_phase want[2];
    int nwant = 0;
    for (int k = 0; k < 2; k++) {
        if ((k == 0 && !want_prefill) || (k == 1 && !want_decode))
            continue;
        run_phase *p = &want[nwant++];
        if (run_phase_prepare(&m, model, k, batch, seq, context, p, err, sizeof err) != 0) {
            cli_error("%s", err);
            return 1;
        }
        warn_phase(&m, p);
    }
    run_weights uw = { 0 };
    if (weights_dir && run_weights_open(weights_dir, &q, &uw, err, sizeof err) != 0) {
        cli_error("--weights: %s", err);
        return 1;
    }
    outfiles of;
    out_init(&of);
    run_inputs_guard(&of, &in);
    const char *tj = NULL, *tc = NULL, *tt = NULL;
    plot_files pf;
    int status = 1;
    static op_result ops[2][MODEL_MAX_OPS];
    run_phase ph[2];
    int nph = 0;
    json_t *sysj = json_object(); /* --engine systemc's "systemc" */
    /* the plot folder first: --json DIR/report.json may go into it */
    if ((plot && plot_stage(&of, plot, &pf, err, sizeof err) != 0) ||
        (json && !(tj = out_stage(&of, json, err, sizeof err))) ||
        (csv && !(tc = out_stage(&of, csv, err, sizeof err))) ||
        (trace && !(tt = out_stage(&of, trace, err, sizeof err)))) {
        cli_error("%s", err);
        goto done;
    }
    for (int k = 0; k < nwant; k++) {
        run_phase *p = &ph[nph];
        *p = want[k];
        progress pr;
        progress_init(&pr, p->phase, "operations", 0, quiet);
        int rc = run_phase_time(&a, &em, &m, model, &q, objective, p, ops[nph], on_op_timed, &pr,
                                NULL, err, sizeof err);
        progress_end(&pr);
        if (rc != 0) {
            cli_error("%s", err);
            goto done;
        }
        run_print(stdout, &a, &em, &m, &q, p);
        if (moe_print(stdout, &m, &q, &p->ph, err, sizeof err) != 0) {
            cli_error("%s", err);
            goto done;
        }
        if (functional && run_functional(&a, &em, &q, p, (unsigned)seed, quiet,
                                         weights_dir ? &uw : NULL) != 0)
            goto done;
        nph++;
    }
    if (systemc && run_system(stdout, sysj, &sys, &a, &em, &q, ph, nph, err, sizeof err) != 0) {
        cli_error("--engine systemc: %s", err);
        goto done;
    }
    if (tj) {
        json_t *r = run_to_json(&a, &em, &m, &q, ph, nph);
        json_object_update(r, sysj);
        json_t *moe = json_array();
        for (int k = 0; k < nph; k++) {
            json_t *x = moe_to_json(&m, &q, &ph[k].ph);
            if (x)
                json_array_append_new(moe, x);
        }
        if (json_array_size(moe))
            json_object_set_new(r, "moe", moe);
        else
            json_decref(moe);
        int bad = json_dump_file(r, tj, JSON_INDENT(2));
        json_decref(r);
        if (bad) {
            cli_error("%s: cannot write", json);
            goto done;
        }
    }
    if (tc) {
        FILE *f = fopen(tc, "w");
        if (!f || run_to_csv(f, &a, &m, &q, ph, nph) != 0 || fclose(f) != 0) {
            cli_error("%s: cannot write", csv);
            goto done;
        }
    }
    if (tt && write_trace(tt, &a, ph, nph) != 0) {
        cli_error("%s: cannot write", trace);
        goto done;
    }
    if (plot && plot_roofline(&pf, &of, &a, &m, &q, ph, nph, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    if (out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    if (plot)
        printf("\nroofline: %s/roofline.png, .svg, .pdf\n", plot);
    status = 0;
done:
    json_decref(sysj);
    run_weights_close(&uw);
    if (status)
        out_abort(&of);
    return status;
}
