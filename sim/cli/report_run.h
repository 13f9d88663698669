/* report_run.h - the report of `lutsim run`: per-operation rows and totals,
 * as a table with units (stdout), JSON and CSV.  Every key is documented in
 * README.md ("The report"). */
#ifndef REPORT_RUN_H
#define REPORT_RUN_H

#include <jansson.h>
#include <stdio.h>

#include "arch.h"
#include "energy.h"
#include "lower.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *phase;      /* "prefill" or "decode" */
    model_phase ph;
    const op_result *ops;
    int nops;
    lower_info info;
    double host_seconds;
} run_phase;

/* Derived per-operation figures (one place for table, JSON, CSV, plot). */
typedef struct {
    uint64_t macs, dram_bytes, cycles;
    double seconds, energy_pj;
    double intensity;   /* ops per DRAM byte (ops = 2 MACs, or vector ops) */
    double attainable;  /* ops/s under the roofline */
    double achieved;    /* ops/s */
    double utilization; /* of the unit the op runs on */
    const char *bound;  /* "compute" or "memory" */
    const char *unit;   /* "lut" or "vector" */
    /* The op's own roofline: max(ideal compute cycles at the unit's peak
     * for the op's precision, compulsory DRAM bytes / bytes per cycle),
     * cycles / that, and what holds the op above it (README "The report":
     * dram_bandwidth, compute, dram_latency, unit_occupancy, dram_refetch,
     * or an array dimension such as "columns:128/512"). */
    double roofline_cycles, roofline_ratio;
    char limiter[32];
    /* cycles in which the op's busiest unit (the DMA included) is idle:
     * its programs' fill, drain and DRAM latency not hidden under work */
    uint64_t exposed_cycles;
} op_figures;

void op_figures_of(const arch_t *a, const op_result *r, op_figures *f);

/* 0 if every total of the phase fits 2^63 - 1 (count.h; JSON integers are
 * signed 64-bit), else -1 with a message: check before reporting, so a
 * report never holds a wrapped or negative number. */
int run_check_totals(const arch_t *a, const quant_preset *q, const run_phase *p, char *err,
                     size_t errlen);

/* The phase's total cycles (operations run alone, as the report's total),
 * energy and DRAM bytes; 0, or -1 if a sum passed 2^63 - 1. */
int run_phase_sums(const arch_t *a, const quant_preset *q, const run_phase *p, uint64_t *cycles,
                   double *energy_pj, uint64_t *dram_bytes);

json_t *run_to_json(const arch_t *a, const energy_model *em, const model_cfg *m,
                    const quant_preset *q, const run_phase *ph, int nph);
/* The same without the phases' "ops" arrays when with_ops is 0 (a sweep
 * row wants only the totals: building every operation's object costs more
 * than the rest of the report). */
json_t *run_to_json_opt(const arch_t *a, const energy_model *em, const model_cfg *m,
                        const quant_preset *q, const run_phase *ph, int nph, int with_ops);
/* One row per operation: model, quant, arch, phase, then the per-operation
 * keys of the JSON report in the same order (energy_breakdown_pj.PART for
 * the nested object); reals with 17 significant digits, integers exact,
 * booleans true/false, strings quoted as RFC 4180 asks. */
int run_to_csv(FILE *f, const arch_t *a, const model_cfg *m, const quant_preset *q,
               const run_phase *ph, int nph);
/* One CSV field, quoted as RFC 4180 asks when it holds a comma, a quote,
 * CR or LF (quotes doubled); also the sweep's CSV. */
void csv_string(FILE *f, const char *s);
void run_print(FILE *f, const arch_t *a, const energy_model *em, const model_cfg *m,
               const quant_preset *q, const run_phase *ph);

#ifdef __cplusplus
}
#endif

#endif
