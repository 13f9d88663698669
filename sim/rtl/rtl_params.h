/* rtl_params.h - the RTL's generated includes, as text, for any arch.
 *
 * The Verilog core (rtl/) includes only isa.vh and arch_params.vh; both are
 * printed here from the C tables (cmodel/isa_table.c, the arch_t), so the
 * generator (scripts/gen_rtl_includes.c) and the run-time model cache
 * (rtl_cache.h, which keys a Verilated model by this text) print the same
 * bytes.  Plain C, no Verilator.
 */
#ifndef RTL_PARAMS_H
#define RTL_PARAMS_H

#include "arch.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

void rtl_params_print_isa(FILE *f);
void rtl_params_print_arch(FILE *f, const arch_t *a);

/* The architecture the RTL is built from when it runs arch on a memory
 * with a DRAM device behind it (device != 0: --memory dram, or the SystemC
 * system's port): that memory sets bandwidth and bursts, so the port keeps
 * the ideal architecture's burst and bandwidth (one model serves every
 * device).  Otherwise arch itself. */
void rtl_params_built_arch(const arch_t *arch, int device, arch_t *out);

/* arch_params.vh for rtl_params_built_arch(arch, device) as a malloc'd
 * string (NULL: out of memory). */
char *rtl_params_arch_text(const arch_t *arch, int device);
/* isa.vh as a malloc'd string (NULL: out of memory). */
char *rtl_params_isa_text(void);

#ifdef __cplusplus
}
#endif
#endif
