/* engines.h - one program, one or two engines.
 *
 * "cmodel" runs the C model, "rtl" the Verilated RTL (functional only, built
 * for the default architecture), "both" runs each on its own copy of the
 * memory image and compares: the whole image bit for bit, then cycles.  The
 * statistics returned are the C model's for "cmodel" and "both", the RTL's
 * for "rtl". */
#ifndef ENGINES_H
#define ENGINES_H

#include "arch.h"
#include "energy.h"
#include "program.h"
#include "sim.h"

typedef enum { ENGINE_CMODEL = 0, ENGINE_RTL, ENGINE_BOTH } engine_kind;

/* Parses "cmodel", "rtl", "both"; -1 if unknown. */
int engine_parse(const char *s, engine_kind *out);
const char *engine_name(engine_kind e);

typedef struct {
    uint64_t cmodel_cycles, rtl_cycles;
    int64_t first_diff; /* byte offset of the first differing DRAM byte, or -1 */
} engine_compare;

/* Runs p.  image may be NULL (timing-only; C model only).  trace/vcd may be
 * NULL.  Returns 0, or -1 with a one-line message (including a mismatch
 * between the engines, described in cmp). */
int engine_run(engine_kind e, const arch_t *arch, const energy_model *em, const program *p,
               uint8_t *image, size_t image_size, const sim_opts *trace, const char *vcd,
               sim_stats *st, engine_compare *cmp, char *err, size_t errlen);

#endif
