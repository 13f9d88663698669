/* main.c - the lutsim command line: dispatch to a subcommand. */
#include "commands.h"
#include "printable.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lutsim_version.h"

static const char usage[] =
    "usage: lutsim COMMAND [OPTIONS]\n"
    "\n"
    "lutsim simulates a bit-serial lookup-table (LUT) tensor core for low-bit\n"
    "LLM inference.\n"
    "\n"
    "commands:\n"
    "  arch      show the architecture description (JSON), default or --arch FILE\n"
    "  asm       assemble a program (text -> binary)\n"
    "  disasm    disassemble a program (binary -> text); --isa lists the ISA\n"
    "  exec      run a program on the C model (functional or timing-only)\n"
    "  gemm      multiply INT8 activations by low-bit weights on the accelerator\n"
    "  run       a quantized LLM on the accelerator: throughput, energy, roofline\n"
    "  compare   one model on several designs: latency, energy, area, ratios\n"
    "  quantize  quantize float weights (safetensors, .npy) to a preset: error, size\n"
    "  help      show this text, or `lutsim help COMMAND` for one command\n"
    "  version   print the version\n"
    "\n"
    "`lutsim COMMAND --help` explains each command's options.\n";

/* One line on stderr: messages quote input text (file names, keys, values,
 * program lines), so whatever it holds is spelled out and the line stays one. */
static void cli_message(const char *prefix, const char *fmt, va_list ap)
{
    char msg[2048], safe[8192];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "lutsim: %s%s\n", prefix, printable(msg, safe, sizeof safe));
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_message("", fmt, ap);
    va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_message("warning: ", fmt, ap);
    va_end(ap);
}

int cli_parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    /* Decimal digits only, after an optional '-': no blanks, no '+', no
     * trailing text; strtol alone would take " 12" and wrap past LONG_MAX
     * silently into errno. */
    const char *d = s + (*s == '-');
    int ok = *d != '\0';
    for (const char *c = d; ok && *c; c++)
        ok = *c >= '0' && *c <= '9';
    errno = 0;
    long v = ok ? strtol(s, NULL, 10) : 0;
    if (!ok || errno == ERANGE || v < lo || v > hi) {
        char shown[48]; /* at most 40 bytes; cli_error spells out control characters */
        snprintf(shown, 41, "%s", s);
        cli_error("%s: expected an integer %d..%d, got '%s'", opt, lo, hi, shown);
        return -1;
    }
    *out = (int)v;
    return 0;
}

typedef struct {
    const char *name;
    int (*fn)(int, char **);
} command;

static const command commands[] = {
    { "gemm", cmd_gemm },
    { "arch", cmd_arch },
    { "asm", cmd_asm },
    { "disasm", cmd_disasm },
    { "exec", cmd_exec },
    { "run", cmd_run },
    { "compare", cmd_compare },
    { "quantize", cmd_quantize },
    { "sweep", cmd_sweep },
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        if (argc >= 3 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
                if (!strcmp(argv[2], commands[i].name)) {
                    char *sub[] = { argv[2], "--help", NULL };
                    return commands[i].fn(2, sub);
                }
            }
            cli_error("unknown command '%s' (see `lutsim help`)", argv[2]);
            return 2;
        }
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(name, "version") || !strcmp(name, "--version")) {
        printf("lutsim %s\n", lutsim_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    cli_error("unknown command '%s' (see `lutsim help`)", name);
    return 2;
}
