/* engine_system.h - `--engine systemc` for lutsim gemm and exec: its
 * options, its run, and its statistics (per accelerator and the system). */
#ifndef ENGINE_SYSTEM_H
#define ENGINE_SYSTEM_H

#include <jansson.h>
#include <stdio.h>

#include "sc_system.h"

/* getopt_long codes of --accelerators, --dram, --core */
enum { ENGSYS_OPT_ACCEL = 0x1501, ENGSYS_OPT_DRAM, ENGSYS_OPT_CORE };
#define ENGINE_SYSTEM_LONGOPTS                                   \
    { "accelerators", required_argument, 0, ENGSYS_OPT_ACCEL },  \
    { "dram", required_argument, 0, ENGSYS_OPT_DRAM },           \
    { "core", required_argument, 0, ENGSYS_OPT_CORE }
#define ENGINE_SYSTEM_HELP                                                              \
    "  --accelerators N  --engine systemc: N accelerators, each running the program\n"  \
    "                    on its own copy of the memory image (1..64, default 1)\n"      \
    "  --dram D          --engine systemc: shared (default; one memory for all) or\n"   \
    "                    private (one per accelerator); the architecture's dram.model\n" \
    "  --core C          --engine systemc: cmodel (default), or rtl: the Verilated\n" \
    "                    core in each accelerator, its AXI bursts bridged to the\n" \
    "                    DRAM target (the RTL's architecture; --scale legacy)\n"

void engine_system_defaults(sc_system_cfg *c);
/* Handles one of the codes above: 0, -1 after a one-line error (exit 2);
 * 1 if ch is none of them. */
int engine_system_option(int ch, const char *arg, sc_system_cfg *c);
/* Whether an option was given that needs --engine systemc. */
int engine_system_given(const sc_system_cfg *c);

/* c with what was not given at its default (1, shared, cmodel). */
sc_system_cfg engine_system_resolved(const sc_system_cfg *c);
/* "N cycles", or "not measured (device)" when !measured. */
void engine_system_arb_text(char *buf, size_t n, int measured, uint64_t cycles);

/* Runs the system; *st gets accelerator 0's statistics, *res (malloc'd,
 * free it) everything.  0, or -1 with a message. */
int engine_system_run(const sc_system_cfg *c, const arch_t *arch, const energy_model *em,
                      const program *p, uint8_t *image, size_t image_size, sim_stats *st,
                      sc_system_result **res, char *err, size_t errlen);
void engine_system_print(FILE *f, const arch_t *arch, const sc_system_cfg *c,
                         const sc_system_result *r);
/* Adds "system" and "accelerators" (each with the keys of every engine). */
void engine_system_json(json_t *js, const arch_t *arch, const energy_model *em,
                        const sc_system_cfg *c, const sc_system_result *r);

#endif
