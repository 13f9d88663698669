/* engines.h - one program, one or two engines.
 *
 * "cmodel" runs the C model, "rtl" the Verilated RTL (functional only, built
 * for the default architecture), "both" runs each on its own copy of the
 * memory image and compares: the whole image bit for bit, then cycles.  The
 * statistics returned are the C model's for "cmodel" and "both", the RTL's
 * for "rtl".  The RTL's memory (--memory) is ideal, dram or random; on any
 * but ideal, "both" gives the C model the RTL's memory responses (each DMA
 * transfer's busy and completion cycles, sim_opts.dma_replay) and requires
 * its cycles within 1% of the RTL's. */
#ifndef ENGINES_H
#define ENGINES_H

#include "arch.h"
#include "energy.h"
#include "program.h"
#include "rtl_engine.h"
#include "sim.h"

/* ENGINE_SYSTEMC: the SystemC system model (engine_system.h), for gemm and
 * exec; engine_run refuses it. */
typedef enum { ENGINE_CMODEL = 0, ENGINE_RTL, ENGINE_BOTH, ENGINE_SYSTEMC } engine_kind;

/* Parses "cmodel", "rtl", "both", "systemc"; -1 if unknown. */
int engine_parse(const char *s, engine_kind *out);
const char *engine_name(engine_kind e);

/* Parses --vcd-window "START:END" (cycles START..END-1; either may be left
 * out: "START:" to the end, ":END" from 0) into w->from, w->to.  Returns
 * 0, or -1 with "--vcd-window: ..." in err. */
int engine_parse_vcd_window(const char *s, rtl_vcd *w, char *err, size_t errlen);

/* The cycle tolerance of "both" on a memory other than ideal. */
#define ENGINE_REPLAY_TOLERANCE 0.01

typedef struct {
    uint64_t cmodel_cycles, rtl_cycles;
    int replayed; /* the C model ran on the RTL's memory responses */
    int64_t first_diff; /* byte offset of the first differing DRAM byte, or -1 */
} engine_compare;

/* --memory's lines in the --help of gemm and exec (rtl_memory_parse reads it). */
#define RTL_MEMORY_HELP                                                                  \
    "  --memory M        with rtl or both: the memory serving the RTL's AXI port:\n"     \
    "                    ideal (default; fixed latency and bandwidth), dram (the\n"     \
    "                    arch's DRAM device model), random[:SEED] (seeded latency\n"    \
    "                    and backpressure); on dram or random, both gives the C\n"      \
    "                    model the RTL's memory responses (within 1%)\n"

/* Runs p.  image may be NULL (timing-only; C model only).  trace/vcd may be
 * NULL.  trace gets every instruction's schedule from the engine whose
 * statistics are returned (the RTL's start and completion cycles for
 * "rtl"); vcd is the RTL's waveform; mem the RTL's memory (NULL: ideal).
 * Returns 0, or -1 with a one-line
 * message (including a mismatch between the engines, described in cmp). */
int engine_run(engine_kind e, const arch_t *arch, const energy_model *em, const program *p,
               uint8_t *image, size_t image_size, const sim_opts *trace, const rtl_vcd *vcd,
               const rtl_memory *mem, sim_stats *st, engine_compare *cmp, char *err,
               size_t errlen);

#endif
