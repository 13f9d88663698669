/* sim.h - run a program on the C model of the LUT accelerator.
 *
 * Functional mode moves real data bit-exactly through buffers and DRAM;
 * timing-only mode (dram == NULL) skips data.  Both go through the same
 * timing code (timing.c), so they cannot drift apart.
 *
 * Timing rules (cycle-approximate, in-order per unit):
 *  - the controller dispatches one instruction per cycle, in program order,
 *    into its unit's queue (arch.queue_depth); a full queue stalls dispatch;
 *  - an instruction starts when its unit is free and every earlier
 *    instruction whose footprint conflicts with its own (read-after-write,
 *    write-after-read, write-after-write on any buffer or DRAM range) has
 *    completed: that is the scoreboard;
 *  - DMA transfers hold the DRAM bus for bytes / bandwidth cycles and
 *    complete dram_latency cycles later, so back-to-back transfers pipeline
 *    (dram.model "ideal"); with a DRAM device model (dram_dev.h) each
 *    transfer is a request to the device at its start cycle: the DMA is
 *    busy until its last burst is in the controller's queue (at least the
 *    buffer side's cycles) and it completes when its last burst's data has
 *    moved, plus dram_latency;
 *  - with dma.max_outstanding = O each DMA queue has a window of O bursts in
 *    flight (dma_window.h): a burst issues when a slot is free, a slot frees
 *    when its burst's data returns, so Little's law bounds the bandwidth;
 *  - with issue.ibuf_entries = E the program streams from DRAM through an
 *    E-entry instruction buffer (ifetch.h): fetches take the DRAM bus (or
 *    the device) and an instruction dispatches no earlier than its arrival;
 *  - barrier waits for every earlier instruction; halt ends the run when all
 *    units are idle (and, with an instruction buffer, once it was fetched).
 * Every program is checked as it runs: buffer bounds, field values,
 * falling off the end without halt, and (functional mode, where the data
 * is known) a 32-bit LUT-array accumulator that would overflow; a
 * violation stops the run with the instruction index and reason.  Cycles
 * and events are counted in 64 bits and checked (count.h): a program
 * whose counts would pass 2^63 - 1 is refused the same way.
 */
#ifndef SIM_H
#define SIM_H

#include "arch.h"
#include "energy.h"
#include "isa.h"
#include "program.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Events that the energy table prices. */
typedef struct {
    uint64_t dram_read_bytes, dram_write_bytes;
    uint64_t buf_read_bytes[BUF_COUNT], buf_write_bytes[BUF_COUNT];
    uint64_t precompute_adds;
    uint64_t table_reads;
    uint64_t table_bcast_bytes; /* table bytes broadcast from the table buffer to the cores */
    /* the LUT array's weight-index register files (lut.index_kib): bytes
     * written as the first row pass of a column pass streams them, and
     * read by the later row passes */
    uint64_t index_reg_write_bytes, index_reg_read_bytes;
    uint64_t accum_adds;
    /* Float activations (lut_float.h): the binary32 share of the counts
     * above, priced as float operations (fp32_add, fp32_mul) instead of
     * integer ones: precompute_fadds of precompute_adds (every entry's
     * chain and the activation sums), accum_fadds of accum_adds (the
     * binary32 accumulator); int8 tables also divide (precompute_fdivs:
     * 2^(K-1) entries + the scale, per table) and decode each look-up
     * with one product (lookup_fmuls, of table_reads). */
    uint64_t precompute_fadds, precompute_fdivs, accum_fadds, lookup_fmuls;
    uint64_t zp_macs;
    uint64_t dequant_muls;
    uint64_t vector_ops;
    uint64_t macs; /* weight x activation multiply-accumulates (logical) */
    /* mma (systolic and mac arrays): MACs the array's PEs did, and weights
     * the mac array's dequant stage converted */
    uint64_t array_macs, mac_dq_weights;
    /* bitserial array: PEs x cycles busy (every PE is clocked) */
    uint64_t array_pe_cycles;
    /* DRAM device model (dram.model other than "ideal"; 0 otherwise).
     * Cycles are the accelerator's; refresh cycles are summed over
     * channels; busy: cycles with a transfer in the device. */
    uint64_t dram_row_hits, dram_row_misses, dram_row_conflicts;
    uint64_t dram_refreshes, dram_refresh_cycles, dram_busy_cycles;
    /* instruction bytes read from DRAM (issue.ibuf_entries > 0); also in
     * dram_read_bytes */
    uint64_t ifetch_bytes;
} sim_events;

typedef struct {
    uint64_t instructions;
    uint64_t busy_cycles;
    uint64_t stall_dependency; /* ready to go but waiting on a hazard */
    uint64_t stall_dram;       /* DMA: waiting for the DRAM bus (bandwidth) */
    /* DMA: cycles a transfer took beyond its bus time because every slot of
     * dma.max_outstanding was waiting for data (DRAM latency) */
    uint64_t stall_outstanding;
    /* Banked buffers (buffers.ideal false; 0 when ideal): cycles an
     * instruction stays busy beyond its unit's own rate because accesses
     * that run together collide in a bank (beyond what the same words
     * spread evenly over the banks take), and because a buffer's ports
     * deliver less than the unit consumes or are held by instructions
     * running at the same time (sram.h) */
    uint64_t stall_bank_conflict, stall_port_limit;
    /* dispatch of this unit's instructions waited for instruction fetch
     * (issue.ibuf_entries; 0 when fetch is free) */
    uint64_t stall_ifetch;
} sim_unit_stats;

/* Energy components, in the order of sim_energy_names. */
enum {
    EN_DRAM = 0, EN_BUF_ACT, EN_BUF_WGT, EN_BUF_TBL, EN_BUF_OUT, EN_PRECOMPUTE,
    EN_LOOKUP, EN_ACCUMULATE, EN_BROADCAST, EN_SHIFT, EN_ACC_REG, EN_DEQUANT, EN_VECTOR,
    EN_LEAKAGE, EN_ARRAY_MAC, EN_MAC_DEQUANT, EN_INDEX_REG, EN_COUNT
};
extern const char *const sim_energy_names[EN_COUNT];

typedef struct {
    uint64_t cycles;
    uint64_t instructions;
    sim_events ev;
    sim_unit_stats unit[UNIT_COUNT];
    uint64_t stall_queue_full; /* dispatch cycles lost to a full unit queue */
    /* Where the program can overlap its neighbours (compiler/overlap.c):
     * lead_cycles, its DRAM-only prologue, runs until the first instruction
     * of a compute unit starts (all cycles if none does); lead_bytes[b] is
     * the buffer space the loads of that prologue fill (the highest byte
     * they write), lead_wgt_cycles the DRAM-bus cycles of its loads into
     * the weight buffer (which need nothing an earlier operation makes);
     * tail_cycles run after the DRAM bus was last held, when only compute,
     * latency and drain remain. */
    uint64_t lead_cycles, lead_wgt_cycles, tail_cycles;
    uint64_t lead_bytes[BUF_COUNT];
    double energy_pj;
    double energy_pj_part[EN_COUNT];
} sim_stats;

/* The compute array's own energy in st (pJ): the parts every array kind has
 * in its datapath (LUT: precompute, look-ups, accumulation, table
 * broadcast, shift, accumulator registers, dequantization; mac, systolic,
 * bitserial: array_mac, mac_dequant), without buffers, DRAM, vector unit
 * and leakage: the level at which LUT Tensor Core compares against MAC
 * units. */
double sim_array_energy_pj(const sim_stats *st);

/* Called once per instruction, in program order, with its schedule. */
typedef void (*sim_trace_fn)(void *ctx, size_t index, const isa_instr *in, isa_unit unit,
                             uint64_t start, uint64_t busy_end, uint64_t complete);

/* One DMA transfer's timing as another engine measured it (the RTL
 * cross-check replays the RTL's memory responses): cycles busy from its
 * start (its last request accepted) and cycles from then to completion
 * (its last read beat written or write response returned). */
typedef struct {
    uint64_t occupancy, latency;
} sim_dma_time;
/* The DRAM port: one memory transaction as the C model asks for it (a DMA
 * transfer, rows x row_bytes every stride bytes, or an instruction-fetch
 * read), from the cycle it could start. */
typedef struct {
    uint64_t addr;
    uint32_t rows;
    uint64_t row_bytes, stride;
    int write;
    uint64_t arrival; /* the cycle the transfer could start */
    uint64_t bursts;  /* ideal memory: the bursts it moves (0 on a device: the memory decides) */
} sim_dram_req;
/* The memory's answer, in the accelerator's cycles: the transfer takes the
 * bus from grant (>= arrival), its last burst was accepted at accepted
 * (the DMA is busy until then, at least its buffer side's cycles), its
 * data has moved at complete (results visible dram_latency later). */
typedef struct {
    uint64_t grant, accepted, complete;
    uint64_t bursts; /* bursts moved (a device's count; DRAM bytes = bursts x burst) */
} sim_dram_grant;
/* Called once per DRAM transaction, in the order the C model schedules
 * them (DMA arrivals are non-decreasing with one DMA queue).  With a port
 * the memory outside decides the timing: the C model neither uses its own
 * DRAM bus nor opens a device, and counts no device statistics (a device's
 * traffic: bursts from the answers; row and refresh counters are the
 * port's to add).  Unset (NULL): the C model's own memory, as always. */
typedef void (*sim_dram_port_fn)(void *ctx, const sim_dram_req *r, sim_dram_grant *g);

typedef struct {
    uint8_t *dram;     /* functional mode: the memory image (read and written) */
    size_t dram_size;  /* NULL / 0: timing-only */
    sim_trace_fn trace;
    void *trace_ctx;
    /* NULL, or one entry per instruction (DMA entries read): each DMA
     * transfer takes these cycles instead of the memory model's; the
     * scoreboard, queues and compute units schedule as always. */
    const sim_dma_time *dma_replay;
    sim_dram_port_fn dram_port; /* NULL: the C model's own memory */
    void *dram_port_ctx;
} sim_opts;

/* Runs p.  Returns 0, or -1 with "instruction N (mnemonic): reason". */
int sim_run(const arch_t *arch, const energy_model *em, const program *p,
            const sim_opts *opt, sim_stats *st, char *err, size_t errlen);

/* a += b * k, counter by counter (k runs of b after a; energy is left to
 * sim_energy).  The lead of the sum is a's (b's if a is empty), its tail
 * b's: the runs are back to back.  Returns 0, or -1 when a count would exceed 2^63 - 1
 * (count.h): a is then unusable. */
int sim_stats_add(sim_stats *a, const sim_stats *b, uint64_t k);
/* DRAM figures of a run (sim_dram.c).  Efficiency: bytes moved / (peak x
 * busy time) for a device dram.model, -1 for "ideal" (not modelled);
 * refresh share: the fraction of busy time channels spent refreshing
 * (0 for "ideal"). */
double sim_dram_efficiency(const arch_t *a, const sim_stats *st);
double sim_dram_refresh_share(const arch_t *a, const sim_stats *st);

/* The DRAM device the C model opens for a's dram.model, refresh phase
 * included (*dev NULL for "ideal"): 0, or -1 with a message.  A memory
 * behind a port opens its device with this to match the C model's own. */
int sim_dram_new(const arch_t *a, dram_dev **dev, char *err, size_t errlen);
/* Adds a device's statistics (its own cycles) to ev in accelerator cycles,
 * as the C model reports its device. */
void sim_dram_add_stats(const arch_t *a, const dram_spec *s, const dram_stats *ds,
                        sim_events *ev);

/* Prices events and cycles into st->energy_pj and its parts. */
void sim_energy(const energy_model *em, sim_stats *st);

#ifdef __cplusplus
}
#endif
#endif
