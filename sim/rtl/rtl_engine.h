/* rtl_engine.h - run a program on the Verilated RTL of the LUT core.
 *
 * The RTL is built for one architecture (arch_default(), compile-time
 * parameters from build/gen/arch_params.vh); rtl_run refuses any other with
 * a one-line error, and also refuses what the RTL does not implement:
 * vop (no vector unit) and dq with fmode=1 (no float dequantization).
 * Program legality (bounds, fields, halt, and the data-dependent rule that
 * no LUT-array accumulator may overflow 32 bits) is checked exactly as the
 * C model checks it (a functional sim_run on a copy of the image) before
 * the RTL runs, so both engines refuse the same programs with the same
 * message.
 *
 * Statistics: cycles, instructions (total and per unit), busy cycles,
 * stall_dependency, stall_queue_full and the DRAM bytes are measured on the
 * RTL (its controller's counters and the DRAM port); the other events
 * (table reads, adds, buffer bytes, ...) are data-independent functions of
 * the instruction stream and are taken from the C model's cost functions.
 * Energy is left 0 (call sim_energy on the result).
 */
#ifndef RTL_ENGINE_H
#define RTL_ENGINE_H

#include "arch.h"
#include "program.h"
#include "sim.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One instruction's schedule as the RTL ran it (cycle numbers as in the C
 * model's trace: start, busy_end = start + occupancy, complete).  For
 * barrier / halt: start = the cycle it reached dispatch, busy_end =
 * complete = the cycle it retired.  ran = 0 for instructions after halt. */
typedef struct {
    uint64_t start, busy_end, complete;
    int unit;
    int ran;
} rtl_sched;

/* The waveform: which file, which cycles, which signals.  Its time axis is
 * the core's real time: cycle c spans [c, c+1) clock periods of
 * arch->clock_ghz from the end of reset, in picoseconds ($timescale 1ps;
 * the clock falls at half a period, rises at each whole one). */
typedef struct {
    const char *path;  /* the VCD file; NULL: no waveform */
    uint64_t from, to; /* only cycles from..to-1 (to = 0: to the end) */
    const char *scope; /* only signals under this instance path, dot-separated
                        * from the top, e.g. "lutc.lutc_top.dma" (NULL: all) */
} rtl_vcd;

/* 0 if the RTL was built for arch, else -1 with a one-line reason. */
int rtl_arch_supported(const arch_t *arch, char *err, size_t errlen);

/* Runs p with dram (dram_size bytes, read and written) as the memory image.
 * vcd: the waveform to write (NULL: none).  sched: NULL, or p->n entries
 * filled per instruction.  Returns 0, or -1 with a one-line error (also
 * when vcd->scope names no signal). */
int rtl_run_ex(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
               const rtl_vcd *vcd, sim_stats *st, rtl_sched *sched, char *err,
               size_t errlen);
/* The same with the whole waveform, or none (vcd_path NULL). */
int rtl_run(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
            const char *vcd_path, sim_stats *st, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
