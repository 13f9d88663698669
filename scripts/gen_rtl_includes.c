/* gen_rtl_includes.c - prints the RTL's include files from the C tables.
 *
 *   gen_rtl_includes isa  [--arch A.json]   > isa.vh
 *   gen_rtl_includes arch [--arch A.json]   > arch_params.vh
 *
 * isa.vh: opcodes, unit numbers and every field's lsb/width, straight from
 * isa_ops[] (cmodel/isa_table.c).  arch_params.vh: the architecture the RTL
 * is built for (arch_ideal(), or an arch.json), plus the figures derived
 * from it the same way the C model derives them (unit_*.c).  Both are
 * Verilog `define macros (no unused-parameter lint noise); the RTL includes
 * only these and hard-codes no bit position or size.
 */
#include "arch.h"
#include "arch_json.h"
#include "rtl_params.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "isa") && strcmp(argv[1], "arch"))) {
        fprintf(stderr, "usage: gen_rtl_includes isa|arch [--arch A.json]\n");
        return 2;
    }
    arch_t a;
    arch_ideal(&a);
    if (argc == 4 && !strcmp(argv[2], "--arch")) {
        char err[512];
        if (arch_from_json_file(argv[3], &a, err, sizeof err) != 0) {
            fprintf(stderr, "gen_rtl_includes: %s\n", err);
            return 1;
        }
    } else if (argc != 2) {
        fprintf(stderr, "usage: gen_rtl_includes isa|arch [--arch A.json]\n");
        return 2;
    }
    if (!strcmp(argv[1], "isa"))
        rtl_params_print_isa(stdout);
    else
        rtl_params_print_arch(stdout, &a);
    return 0;
}
