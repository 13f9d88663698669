/* cmd_asm.c - `lutsim asm` and `lutsim disasm`: text <-> binary programs. */
#include "commands.h"
#include "fileio.h"
#include "outfiles.h"
#include "program.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char asm_usage[] =
    "usage: lutsim asm PROGRAM.s -o PROGRAM.bin\n"
    "       lutsim disasm PROGRAM.bin [-o PROGRAM.s]\n"
    "\n"
    "asm turns assembly text into the binary program every engine executes;\n"
    "disasm prints a binary program as assembly (to stdout unless -o).\n"
    "One instruction per line: a mnemonic, then every field as name=value, in\n"
    "any order; '#' starts a comment.  `lutsim disasm --isa` lists the\n"
    "instructions and their fields with bit positions.\n";

static void print_isa(void)
{
    printf("instruction set: 128-bit words, opcode in bits [5:0]\n");
    for (int op = 0; op < OP_COUNT; op++) {
        const isa_opdef *d = &isa_ops[op];
        printf("\n%-8s opcode %2d, unit %-10s %s\n", d->mnemonic, op, isa_unit_names[d->unit], d->summary);
        for (int i = 0; i < d->nfields; i++)
            printf("    %-7s bits [%3d:%3d]\n", d->fields[i].name,
                   d->fields[i].lsb + d->fields[i].width - 1, d->fields[i].lsb);
    }
    printf("\nbuffers:");
    for (int b = 0; b < 4; b++)
        printf(" %s", isa_buf_names[b]);
    printf("\nvector functions:");
    for (int f = 0; f < VFN_COUNT; f++)
        printf(" %s", isa_vfn_names[f]);
    printf("\n");
}

static int run(int argc, char **argv, int disasm)
{
    static const struct option opts[] = {
        { "out", required_argument, 0, 'o' },
        { "isa", no_argument, 0, 'i' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *out = NULL;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'i': print_isa(); return 0;
        case 'h': fputs(asm_usage, stdout); return 0;
        default:
            cli_error("%s: unknown or incomplete option '%s' (see `lutsim %s --help`)", argv[0],
                      argv[optind - 1], argv[0]);
            return 2;
        }
    }
    if (optind != argc - 1 || (!disasm && !out)) {
        cli_error("%s: expected one input file%s (see `lutsim %s --help`)", argv[0],
                  disasm ? "" : " and -o OUTPUT", argv[0]);
        return 2;
    }
    const char *in = argv[optind];
    char err[512];
    uint8_t *data = NULL, *bin = NULL;
    size_t len = 0, blen = 0;
    program p;
    program_init(&p);
    outfiles of;
    out_init(&of);
    int status = 1;
    const char *tmp = out ? out_stage(&of, out, err, sizeof err) : NULL;
    if (out && !tmp) {
        cli_error("%s", err);
        goto done;
    }
    if (read_file_bytes(in, &data, &len, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    if (!disasm) {
        char *text = text_from_bytes(data, len, in, err, sizeof err);
        if (!text) {
            cli_error("%s", err);
            goto done;
        }
        int rc = program_from_asm(text, &p, err, sizeof err);
        free(text);
        if (rc != 0 || program_to_bytes(&p, &bin, &blen, err, sizeof err) != 0) {
            cli_error("%s: %s", in, err);
            goto done;
        }
        if (write_file_bytes(tmp, out, bin, blen, err, sizeof err) != 0) {
            cli_error("%s", err);
            goto done;
        }
    } else {
        if (program_from_bytes(data, len, &p, err, sizeof err) != 0) {
            cli_error("%s: %s", in, err);
            goto done;
        }
        FILE *f = tmp ? fopen(tmp, "w") : stdout;
        if (!f) {
            cli_error("%s: cannot write", out);
            goto done;
        }
        for (size_t i = 0; i < p.n; i++) {
            char line[512];
            isa_disasm(&p.ins[i], line, sizeof line);
            fprintf(f, "%s\n", line);
        }
        if (tmp && fclose(f) != 0) {
            cli_error("%s: write failed", out);
            goto done;
        }
    }
    if (out && out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    status = 0;
done:
    if (status)
        out_abort(&of);
    free(data);
    free(bin);
    program_free(&p);
    return status;
}

int cmd_asm(int argc, char **argv) { return run(argc, argv, 0); }
int cmd_disasm(int argc, char **argv) { return run(argc, argv, 1); }
