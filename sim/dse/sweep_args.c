/* sweep_args.c - option parsing of the sweep subcommands (sweep_args.h). */
#include "sweep_args.h"

#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define MAX_OPTS 16

int sweep_args(int argc, char **argv, const char *name, const sweep_opt *opts, const char *usage, const char *what,
               const char **pos)
{
    struct option lo[MAX_OPTS + 2];
    char shorts[2 * MAX_OPTS + 2] = "h";
    int n = 0, given[MAX_OPTS] = { 0 };
    for (; opts[n].name && n < MAX_OPTS; n++) {
        lo[n] = (struct option){ opts[n].name, opts[n].value ? required_argument : no_argument, 0,
                                 256 + n };
        if (strlen(opts[n].name) == 1) {
            size_t l = strlen(shorts);
            shorts[l] = opts[n].name[0];
            shorts[l + 1] = opts[n].value ? ':' : '\0';
            shorts[l + 2] = '\0';
        }
    }
    lo[n] = (struct option){ "help", no_argument, 0, 'h' };
    lo[n + 1] = (struct option){ 0, 0, 0, 0 };
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        int k = ch >= 256 ? ch - 256 : -1;
        for (int i = 0; k < 0 && i < n; i++)
            if (strlen(opts[i].name) == 1 && opts[i].name[0] == ch)
                k = i;
        if (ch == 'h' && k < 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (k < 0) {
            cli_error("%s: unknown or incomplete option '%s' (see `lutsim %s --help`)", name,
                      argv[optind - 1], name);
            return 2;
        }
        given[k] = 1;
        if (opts[k].value)
            *opts[k].value = optarg;
        else
            *opts[k].flag = 1;
    }
    int missing = optind + 1 != argc;
    for (int i = 0; i < n; i++)
        missing |= opts[i].required && !given[i];
    if (missing) {
        char need[256];
        size_t l = (size_t)snprintf(need, sizeof need, "%s", what);
        for (int i = 0; i < n && l < sizeof need; i++)
            if (opts[i].required)
                l += (size_t)snprintf(need + l, sizeof need - l, " and %s%s",
                                      strlen(opts[i].name) == 1 ? "-" : "--", opts[i].name);
        cli_error("%s: expected %s (see `lutsim %s --help`)", name, need, name);
        return 2;
    }
    *pos = argv[optind];
    return -1;
}
