/* cmd_exec.c - `lutsim exec`: run a program on the C model. */
#include "commands.h"
#include "engine_setup.h"
#include "engines.h"
#include "engine_system.h"
#include "fileio.h"
#include "outfiles.h"
#include "program.h"
#include "report_stats.h"
#include "sim.h"
#include "sim_progress.h"
#include "trace_json.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char exec_usage[] =
    "usage: lutsim exec PROGRAM [--arch A.json] [--mem IMAGE] [--dump-mem OUT]\n"
    "                   [--stats S.json] [--trace T.json] [--energy E.json]\n"
    "                   [--engine cmodel|rtl|both] [--memory ideal|dram|random[:SEED]]\n"
    "                   [--vcd W.vcd [--vcd-window START:END] [--vcd-scope PREFIX]]\n"
    "                   [--engine systemc [--accelerators N] [--dram shared|private]\n"
    "                    [--core cmodel|rtl]]\n"
    "\n"
    "Runs PROGRAM (binary from `lutsim asm`, or assembly text) on the C model.\n"
    "With --mem, functional mode: IMAGE is the DRAM contents from address 0\n"
    "(raw bytes), data moves bit-exactly, and --dump-mem writes DRAM after the\n"
    "run.  Without --mem, timing-only mode: same timing, no data.\n"
    "\n"
    "  --arch A.json     architecture (default: embedded, `lutsim arch --show`)\n"
    "  --energy E.json   energy table (default: embedded)\n"
    "  --mem IMAGE       DRAM image (raw bytes from address 0)\n"
    "  --dump-mem OUT    write the DRAM image after the run (needs --mem)\n"
    "  --stats S.json    statistics (JSON): cycles, instructions, macs,\n"
    "                    dram_bytes, energy_pj, energy_breakdown_pj, units, stalls\n"
    "  --trace T.json    timeline, Chrome trace-event JSON (open in Perfetto): one\n"
    "                    slice per instruction, from the engine whose statistics\n"
    "                    are reported (rtl: the RTL's own start/complete cycles)\n"
    "  --engine E        cmodel (default), rtl (the Verilated RTL; needs --mem),\n"
    "                    or both: the same program on each, compared; systemc:\n"
    "                    the SystemC system, with --mem; --stats adds \"system\"\n"
    "                    and \"accelerators\"; --dump-mem: accelerator 0's image\n"
    ENGINE_SYSTEM_HELP
    RTL_MEMORY_HELP
    "  --vcd W.vcd       with rtl or both: the RTL's waveform, in the core's real\n"
    "                    time (picoseconds at the architecture's clock_ghz)\n"
    "  --vcd-window S:E  only cycles S..E-1 in the waveform (S: or :E open-ended)\n"
    "  --vcd-scope P     only signals under instance path P, e.g. lutc.lutc_top.dma\n"
    "  --quiet           no progress line on stderr (shown for C-model runs\n"
    "                    longer than a second)\n"
    "  -h, --help        this text\n"
    "\n"
    "A program that breaks a rule (buffer bounds, illegal encoding, no halt;\n"
    "with --mem also a LUT-array accumulator that would overflow 32 bits)\n"
    "stops with the instruction index and the reason, exit status 1.\n";

int cmd_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        { "arch", required_argument, 0, 'A' },
        { "energy", required_argument, 0, 'E' },
        { "mem", required_argument, 0, 'm' },
        { "dump-mem", required_argument, 0, 'd' },
        { "stats", required_argument, 0, 's' },
        { "trace", required_argument, 0, 't' },
        { "engine", required_argument, 0, 'e' },
        { "vcd", required_argument, 0, 'V' },
        { "quiet", no_argument, 0, 'Q' },
        { "vcd-window", required_argument, 0, 'W' },
        { "vcd-scope", required_argument, 0, 'C' },
        { "memory", required_argument, 0, 'M' },
        ENGINE_SYSTEM_LONGOPTS,
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *arch_path = NULL, *energy_path = NULL, *mem = NULL, *dump = NULL, *stats = NULL,
               *trace = NULL, *vcd = NULL, *window = NULL;
    rtl_vcd wave = { NULL, 0, 0, NULL };
    rtl_memory memory = { RTL_MEM_IDEAL, 1, NULL, NULL, NULL };
    int memory_set = 0;
    engine_kind engine = ENGINE_CMODEL;
    sc_system_cfg sys;
    sc_system_result *sres = NULL;
    engine_system_defaults(&sys);
    int quiet = 0;
    char err[512];
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'A': arch_path = optarg; break;
        case 'E': energy_path = optarg; break;
        case 'm': mem = optarg; break;
        case 'd': dump = optarg; break;
        case 's': stats = optarg; break;
        case 't': trace = optarg; break;
        case 'V': vcd = optarg; break;
        case 'Q': quiet = 1; break;
        case 'C': wave.scope = optarg; break;
        case 'M':
            memory_set = 1;
            if (rtl_memory_parse(optarg, &memory, err, sizeof err) != 0) {
                cli_error("%s", err);
                return 2;
            }
            break;
        case 'W':
            window = optarg;
            if (engine_parse_vcd_window(optarg, &wave, err, sizeof err) != 0) {
                cli_error("%s", err);
                return 2;
            }
            break;
        case 'e':
            if (engine_parse(optarg, &engine) != 0) {
                cli_error("--engine: expected cmodel, rtl or both, got '%s'", optarg);
                return 2;
            }
            break;
        case 'h': fputs(exec_usage, stdout); return 0;
        case ENGSYS_OPT_ACCEL: case ENGSYS_OPT_DRAM: case ENGSYS_OPT_CORE:
            if (engine_system_option(ch, optarg, &sys) != 0) return 2;
            break;
        default:
            cli_error("exec: unknown or incomplete option '%s' (see `lutsim exec --help`)",
                      argv[optind - 1]);
            return 2;
        }
    }
    if (optind != argc - 1) {
        cli_error("exec: expected one PROGRAM file (see `lutsim exec --help`)");
        return 2;
    }
    if (engine != ENGINE_CMODEL && !mem) {
        cli_error("exec: --engine %s needs --mem (the RTL runs with data)", engine_name(engine));
        return 2;
    }
    if (memory_set && engine != ENGINE_RTL && engine != ENGINE_BOTH) {
        cli_error("exec: --memory needs --engine rtl or both");
        return 2;
    }
    if (engine_system_given(&sys) && engine != ENGINE_SYSTEMC) {
        cli_error("exec: --accelerators, --dram and --core need --engine systemc");
        return 2;
    }
    if (engine == ENGINE_SYSTEMC && (trace || vcd)) {
        cli_error("exec: --trace and --vcd are not written by --engine systemc");
        return 2;
    }
    if (vcd && engine == ENGINE_CMODEL) {
        cli_error("exec: --vcd needs --engine rtl or both");
        return 2;
    }
    if ((window || wave.scope) && !vcd) {
        cli_error("exec: --vcd-window and --vcd-scope need --vcd");
        return 2;
    }
    if (dump && !mem) {
        cli_error("exec: --dump-mem needs --mem (timing-only runs move no data)");
        return 2;
    }
    const char *path = argv[optind];
    arch_t arch;
    energy_model em;
    if (engine_setup(arch_path, energy_path, &arch, &em, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    outfiles of;
    out_init(&of);
    program p;
    program_init(&p);
    uint8_t *bytes = NULL, *image = NULL;
    size_t len = 0, ilen = 0;
    int status = 1, tracing = 0;
    trace_writer tw;
    out_input(&of, path, "PROGRAM");
    out_input(&of, mem, "--mem");
    out_input(&of, arch_path, "--arch");
    out_input(&of, energy_path, "--energy");
    const char *tmp_stats = NULL, *tmp_trace = NULL, *tmp_dump = NULL;
    if ((stats && !(tmp_stats = out_stage(&of, stats, err, sizeof err))) ||
        (trace && !(tmp_trace = out_stage(&of, trace, err, sizeof err))) ||
        (dump && !(tmp_dump = out_stage(&of, dump, err, sizeof err))) ||
        (vcd && !(wave.path = out_stage(&of, vcd, err, sizeof err)))) {
        cli_error("%s", err);
        goto done;
    }
    if (read_file_bytes(path, &bytes, &len, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    int rc;
    /* A binary program, or one that is not text: the binary reader says
     * what is wrong with it.  Otherwise assembly text. */
    if ((len >= 8 && memcmp(bytes, PROGRAM_MAGIC, 8) == 0) || memchr(bytes, '\0', len)) {
        rc = program_from_bytes(bytes, len, &p, err, sizeof err);
    } else {
        rc = program_from_asm_n((const char *)bytes, len, &p, err, sizeof err);
    }
    if (rc != 0) {
        cli_error("%s: %s", path, err);
        goto done;
    }
    if (mem && read_file_bytes(mem, &image, &ilen, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    sim_opts so = { .dram = image, .dram_size = ilen };
    if (tmp_trace) {
        if (trace_open(&tw, tmp_trace, &arch) != 0) {
            cli_error("%s: cannot write", trace);
            goto done;
        }
        tracing = 1;
        so.trace = trace_event;
        so.trace_ctx = &tw;
    }
    sim_stats st;
    engine_compare cmp;
    sim_progress sp;
    sim_progress_attach(&sp, &so, &p, path, quiet);
    rc = engine == ENGINE_SYSTEMC
             ? engine_system_run(&sys, &arch, &em, &p, image, ilen, &st, &sres, err, sizeof err)
             : engine_run(engine, &arch, &em, &p, image, ilen, &so, vcd ? &wave : NULL, &memory,
                          &st, &cmp, err, sizeof err);
    sim_progress_end(&sp);
    if (rc != 0) {
        cli_error("%s: %s", path, err);
        goto done;
    }
    if (engine == ENGINE_BOTH)
        printf("engines agree: DRAM images bit-exact; cycles C model%s %llu, RTL %llu (%+.3f%%)\n",
               cmp.replayed ? " (given the RTL's memory responses)" : "",
               (unsigned long long)cmp.cmodel_cycles, (unsigned long long)cmp.rtl_cycles,
               cmp.cmodel_cycles ? 100.0 * ((double)cmp.rtl_cycles - (double)cmp.cmodel_cycles) /
                                       (double)cmp.cmodel_cycles : 0.0);
    if (tracing) {
        tracing = 0;
        if (trace_close(&tw) != 0) {
            cli_error("%s: write failed", trace);
            goto done;
        }
    }
    printf("%s: %s mode\n", path, mem ? "functional" : "timing-only");
    stats_print(stdout, &arch, &st, engine == ENGINE_RTL ? "RTL"
                                    : sres ? "SystemC accelerator 0" : "C model");
    if (sres)
        engine_system_print(stdout, &arch, &sys, sres);
    if (tmp_stats) {
        json_t *js = stats_to_json(&arch, &em, &st, engine == ENGINE_RTL ? "rtl"
                                                    : sres ? "systemc" : "cmodel", mem != NULL);
        if (sres)
            engine_system_json(js, &arch, &em, &sys, sres);
        int bad = json_dump_file(js, tmp_stats, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(js);
        if (bad) {
            cli_error("%s: cannot write", stats);
            goto done;
        }
    }
    if (tmp_dump && write_file_bytes(tmp_dump, dump, image, ilen, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    if (out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    status = 0;
done:
    if (tracing)
        trace_close(&tw);
    if (status)
        out_abort(&of);
    free(sres);
    free(bytes);
    free(image);
    program_free(&p);
    return status;
}
