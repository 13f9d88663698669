/* cmd_arch.c - `lutsim arch`: show the architecture description. */
#include "arch_json.h"
#include "area_json.h"
#include "commands.h"
#include "lower.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static const char arch_usage[] =
    "usage: lutsim arch --show|--area [--arch FILE]\n"
    "\n"
    "Prints the full architecture description as JSON: the embedded default,\n"
    "or FILE applied on top of it (a file overrides any subset of the keys).\n"
    "The output is itself a valid --arch file.  Keys, units and ranges are\n"
    "listed in README.md, section \"Architecture description (arch.json)\";\n"
    "presets are in workloads/arch/.\n"
    "\n"
    "  --show       print the architecture (JSON, every key)\n"
    "  --area       print its area instead (JSON): area_mm2, area_breakdown_mm2\n"
    "               (mm^2 per unit and buffer at tech_nm; README \"Area\") and the\n"
    "               LUT array's peak TOPS per LUT-array mm^2 at 1, 2, 4, 8 weight bits\n"
    "  --arch FILE  architecture file (JSON); unknown keys, wrong types and\n"
    "               out-of-range values are errors naming the key\n"
    "  -h, --help   this text\n"
    "\n"
    "Exit status: 0 on success, 1 on a bad architecture file, 2 on bad usage.\n";

/* The area report of `arch --area`; NULL with a message. */
static json_t *area_json(const arch_t *a, char *err, size_t errlen)
{
    area_report r;
    if (area_of_arch(a, &r, err, errlen) != 0)
        return NULL;
    json_t *j = json_object(), *d = json_object();
    if (!j || !d || area_report_to_json(&r, j) != 0) {
        json_decref(j);
        json_decref(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    json_object_set_new(j, "arch", json_string(a->name));
    json_object_set_new(j, "clock_ghz", json_real(a->clock_ghz));
    static const int wbits[] = { 1, 2, 4, 8 };
    /* peak throughput per mm^2 of the compute array compute.kind selects */
    const int lut = a->compute_kind == COMPUTE_LUT;
    const double array_mm2 = r.part_mm2[lut ? AREA_LUT_ARRAY : AREA_MMA_ARRAY];
    for (int i = 0; i < 4; i++) {
        char k[8];
        snprintf(k, sizeof k, "w%d", wbits[i]);
        const double tops = 2.0 * lut_peak_macs_per_cycle(a, wbits[i]) * a->clock_ghz * 1e9 / 1e12;
        json_object_set_new(d, k, json_real(tops / array_mm2));
    }
    json_object_set_new(j, lut ? "lut_array_peak_tops_per_mm2" : "array_peak_tops_per_mm2", d);
    return j;
}

int cmd_arch(int argc, char **argv)
{
    static const struct option opts[] = {
        { "show", no_argument, 0, 's' },
        { "area", no_argument, 0, 'A' },
        { "arch", required_argument, 0, 'a' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *path = NULL;
    int show = 0, area = 0;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 's': show = 1; break;
        case 'A': area = 1; break;
        case 'a': path = optarg; break;
        case 'h': fputs(arch_usage, stdout); return 0;
        default:
            cli_error("arch: unknown or incomplete option '%s' (see `lutsim arch --help`)",
                      argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        cli_error("arch: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (show == area) {
        cli_error("arch: give one of --show and --area (see `lutsim arch --help`)");
        return 2;
    }
    arch_t a;
    char err[512];
    if (path) {
        if (arch_from_json_file(path, &a, err, sizeof err) != 0) {
            cli_error("%s", err);
            return 1;
        }
    } else {
        arch_default(&a);
    }
    json_t *j = area ? area_json(&a, err, sizeof err) : arch_to_json(&a);
    if (!j && area) {
        cli_error("%s: %s", path ? path : "embedded architecture", err);
        return 1;
    }
    char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    if (!s) {
        cli_error("arch: out of memory");
        return 1;
    }
    puts(s);
    free(s);
    if (fflush(stdout) != 0) {
        cli_error("arch: cannot write the output");
        return 1;
    }
    return 0;
}
