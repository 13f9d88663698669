/* rtl_engine.h - run a program on the Verilated RTL of the LUT core.
 *
 * The core's DRAM side is an AXI4-style port (rtl/lutc_top.v); the harness
 * serves it with one of three memories (rtl_memory, rtl_memory.h): ideal
 * (fixed latency and bandwidth, the C model's ideal memory), dram (the C
 * model's DRAM device, cmodel/dram_dev.h), random (seeded latency and
 * backpressure).  The core's timing is its own: the harness only counts.
 *
 * The RTL's compile-time parameters are its generated includes
 * (rtl_params.h).  The model linked in is built for arch_ideal() (or the
 * Makefile's RTL_ARCH); for any other architecture the RTL supports, rtl_run
 * runs a model built for it, from the model cache (rtl_cache.h: built once,
 * about a minute).  It refuses with a one-line error what no build of the
 * RTL implements (rtl_arch_supported_mem: other compute kinds, banked SRAM,
 * rates the RTL does not time, ...), vop (no vector unit) and dq with
 * fmode=1 (no float dequantization).
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

/* The memory behind the RTL's port (--memory ideal|dram|random[:SEED]). */
/* port: not a --memory choice but a memory outside the harness (the
 * SystemC system's DRAM target, sim/sc/): every burst the core asks for
 * is one call of `port` (the C model's DRAM-port type, sim.h) at the cycle
 * the memory accepts it, which answers when it was taken (the next one
 * waits until then) and when its data moved (the response follows
 * dram_latency later, as in dram). */
typedef enum { RTL_MEM_IDEAL = 0, RTL_MEM_DRAM, RTL_MEM_RANDOM, RTL_MEM_PORT } rtl_memory_kind;
typedef struct {
    rtl_memory_kind kind;
    uint64_t seed; /* random: the seed (default 1) */
    sim_dram_port_fn port; /* port: the memory's callback and its context */
    void *port_ctx;
    /* port: NULL, or called with port_ctx before each cycle of the core is
     * evaluated (the SystemC accelerator waits there until that cycle's
     * time: the core is clocked from SystemC) */
    void (*clock)(void *ctx, uint64_t cycle);
} rtl_memory;
/* Parses "ideal", "dram", "random" or "random:SEED"; 0, or -1 with a
 * one-line error naming the option. */
int rtl_memory_parse(const char *s, rtl_memory *m, char *err, size_t errlen);
/* "ideal", "dram", "random:SEED" into buf. */
const char *rtl_memory_name(const rtl_memory *m, char *buf, size_t len);

/* 0 if the RTL runs arch (the built-in model, or a cached one: built here
 * if missing), else -1 with a one-line reason.  The
 * _mem form for a memory (NULL: ideal): dram needs an arch naming a DRAM
 * device, and takes its bandwidth and burst from that device. */
int rtl_arch_supported(const arch_t *arch, char *err, size_t errlen);
int rtl_arch_supported_mem(const arch_t *arch, const rtl_memory *mem, char *err, size_t errlen);

/* Runs p with dram (dram_size bytes, read and written) as the memory image,
 * served as mem says (NULL: ideal).  vcd: the waveform to write (NULL: none).  sched: NULL, or p->n entries
 * filled per instruction.  Returns 0, or -1 with a one-line error (also
 * when vcd->scope names no signal). */
int rtl_run_ex(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
               const rtl_memory *mem, const rtl_vcd *vcd, sim_stats *st, rtl_sched *sched,
               char *err, size_t errlen);
/* The same on ideal memory with the whole waveform, or none (vcd_path NULL). */
int rtl_run(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
            const char *vcd_path, sim_stats *st, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
