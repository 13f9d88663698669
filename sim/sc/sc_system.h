/* sc_system.h - the SystemC system model (C interface for the command line).
 *
 * A host, an interconnect, a DRAM target and N accelerators (TLM-2.0, SystemC
 * 2.3.4).  The host writes each accelerator's memory image and program into
 * its window of DRAM, starts it through memory-mapped registers, waits for
 * its interrupt and reads the image back.  Each accelerator runs its core
 * in an SC_THREAD (cfg.core: the C model, sim_run, or the Verilated RTL,
 * rtl_run_ex, README "--core rtl"); every DRAM transaction (a C-model DMA
 * transfer, an RTL AXI burst) goes through the core's DRAM port to the DRAM
 * target, in SystemC time: the accelerator waits until the transaction's
 * cycle before it asks.  The DRAM target is
 * the C model's own memory: "ideal" (one bus of dram.bandwidth_gbps per
 * channel, first come first served) or the arch's device preset (dram_dev.c,
 * its own channels inside); shared: one memory for all accelerators,
 * private: one per accelerator.
 *
 * SystemC elaborates once per process: sc_system_run may be called once. */
#ifndef SC_SYSTEM_H
#define SC_SYSTEM_H

#include "arch.h"
#include "energy.h"
#include "program.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SC_CORE_CMODEL = 0, SC_CORE_RTL } sc_core_kind;

typedef struct {
    int accelerators; /* 1 .. SC_MAX_ACCELERATORS */
    int dram_private; /* 0: one memory shared by all; 1: one per accelerator */
    sc_core_kind core;
} sc_system_cfg;
#define SC_MAX_ACCELERATORS 64

typedef struct {
    sim_stats acc[SC_MAX_ACCELERATORS];      /* each accelerator's, from its start */
    uint64_t digest[SC_MAX_ACCELERATORS];    /* FNV-1a 64 of its image read back */
    uint64_t arb_stall[SC_MAX_ACCELERATORS]; /* cycles its transfers waited for others' */
    int arb_measured;                        /* 1 on ideal memory; a device's queues: 0 */
    uint64_t start_cycle[SC_MAX_ACCELERATORS], end_cycle[SC_MAX_ACCELERATORS];
    uint64_t load_cycles;     /* the host's writes of images and programs */
    uint64_t run_cycles;      /* first start to last interrupt */
    uint64_t readback_cycles; /* the host's reads of the images */
    uint64_t memories;        /* DRAM memories (1 shared, N private) */
    uint64_t dram_bytes;      /* moved by the accelerators */
    uint64_t dram_busy_cycles;/* ideal: bus cycles held, summed over memories; device: busy */
    double dram_utilisation;  /* dram_bytes / (peak bytes per cycle x memories x run_cycles) */
    uint64_t late_requests;   /* transactions asked for after their cycle (two DMA queues) */
} sc_system_result;

/* Runs p on every accelerator, each on its own copy of image (image_size
 * bytes; NULL is refused: the system moves data), and copies accelerator
 * 0's image back into image.  0, or -1 with a one-line message. */
int sc_system_run(const sc_system_cfg *cfg, const arch_t *arch, const energy_model *em,
                  const program *p, uint8_t *image, size_t image_size, sc_system_result *res,
                  char *err, size_t errlen);

/* Timing-only jobs in sequence on one elaboration (`lutsim run`): job j's
 * program runs on every accelerator at once, in sim_run's timing-only mode
 * (no memory image; every DRAM transfer's timing still goes through the
 * DRAM target, so a shared channel's contention is simulated); res[j] (of
 * njobs) gets its figures, the DRAM counters from its start (a device's
 * bank state and clock carry over from job to job).  Once per process,
 * like sc_system_run.  0, or -1 with a one-line message. */
int sc_system_run_jobs(const sc_system_cfg *cfg, const arch_t *arch, const energy_model *em,
                       const program *const *progs, int njobs, sc_system_result *res,
                       char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
