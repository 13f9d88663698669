/* cmd_arch.c - `lutsim arch`: show the architecture description. */
#include "arch_json.h"
#include "commands.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static const char arch_usage[] =
    "usage: lutsim arch --show [--arch FILE]\n"
    "\n"
    "Prints the full architecture description as JSON: the embedded default,\n"
    "or FILE applied on top of it (a file overrides any subset of the keys).\n"
    "The output is itself a valid --arch file.  Keys, units and ranges are\n"
    "listed in README.md, section \"Architecture description (arch.json)\";\n"
    "presets are in workloads/arch/.\n"
    "\n"
    "  --show       print the architecture (JSON, every key)\n"
    "  --arch FILE  architecture file (JSON); unknown keys, wrong types and\n"
    "               out-of-range values are errors naming the key\n"
    "  -h, --help   this text\n"
    "\n"
    "Exit status: 0 on success, 1 on a bad architecture file, 2 on bad usage.\n";

int cmd_arch(int argc, char **argv)
{
    static const struct option opts[] = {
        { "show", no_argument, 0, 's' },
        { "arch", required_argument, 0, 'a' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *path = NULL;
    int show = 0;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 's': show = 1; break;
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
    if (!show) {
        cli_error("arch: nothing to do: give --show (see `lutsim arch --help`)");
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
    json_t *j = arch_to_json(&a);
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
