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

/* 0 if the RTL was built for arch, else -1 with a one-line reason. */
int rtl_arch_supported(const arch_t *arch, char *err, size_t errlen);

/* Runs p with dram (dram_size bytes, read and written) as the memory image.
 * vcd_path: write a VCD waveform there (NULL: none).  sched: NULL, or p->n
 * entries filled per instruction.  Returns 0, or -1 with a one-line error. */
int rtl_run_ex(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
               const char *vcd_path, sim_stats *st, rtl_sched *sched, char *err,
               size_t errlen);
int rtl_run(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
            const char *vcd_path, sim_stats *st, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
