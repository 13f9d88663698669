/* trace_json.h - Chrome trace-event JSON (opens in Perfetto): one track per
 * unit, one slice per instruction (busy part), timestamps in microseconds
 * of simulated time. */
#ifndef TRACE_JSON_H
#define TRACE_JSON_H

#include <stdio.h>

#include "arch.h"
#include "sim.h"

typedef struct {
    FILE *f;
    double us_per_cycle;
    int first;
    int failed;
} trace_writer;

int trace_open(trace_writer *t, const char *path, const arch_t *arch);
void trace_event(void *ctx, size_t index, const isa_instr *in, isa_unit unit,
                 uint64_t start, uint64_t busy_end, uint64_t complete);
/* Returns 0, or -1 if any write failed. */
int trace_close(trace_writer *t);

#endif
