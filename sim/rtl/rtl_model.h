/* rtl_model.h - one Verilated model of the core and its harness, behind a
 * small C-callable entry table.
 *
 * rtl_engine.cpp compiled against a Verilated model (build/rtl/vobj, or a
 * per-architecture build in the model cache, rtl_cache.h) defines
 * rtl_model_entry_table: the arch_params.vh text the model was built from,
 * and the harness's entry points.  The built-in model is linked into
 * librtl.a; a cached one is a shared library loaded with dlopen, found by
 * that same symbol name.  The public API (rtl_engine.h) picks the model
 * whose text equals the requested architecture's (rtl_params.h).
 */
#ifndef RTL_MODEL_H
#define RTL_MODEL_H

#include "rtl_engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the table or the argument types change: a cached model
 * of another version is rebuilt, never called. */
#define RTL_MODEL_ABI 1

typedef struct {
    int abi;              /* RTL_MODEL_ABI */
    size_t arch_t_size;   /* sizeof(arch_t) where it was compiled */
    size_t stats_size;    /* sizeof(sim_stats) */
    const char *params;   /* the arch_params.vh it was built from */
    /* What no model implements (compute kinds, features, memories): the
     * one-line refusals of rtl_engine.h; parameters are not compared. */
    int (*supported)(const arch_t *arch, const rtl_memory *mem, char *err, size_t errlen);
    /* rtl_run_ex on this model (the caller has matched the parameters). */
    int (*run)(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
               const rtl_memory *mem, const rtl_vcd *vcd, sim_stats *st, rtl_sched *sched,
               char *err, size_t errlen);
} rtl_model_entry;

/* This model's table (in librtl.a: the built-in model; in a cached
 * library: found with dlsym under this name). */
extern const rtl_model_entry rtl_model_entry_table;

#ifdef __cplusplus
}
#endif
#endif
