/* device_ff.h - fast-forwarding a long tiled program on a DRAM device
 * (internal to compiler/).
 *
 * On ideal memory a program's middle tiles cost exactly the same, and two
 * short samples give the whole (periodic.h).  On a DRAM device they do not:
 * refresh falls every tREFI at fixed times, and the open rows and channel
 * each tile's streams start in shift from tile to tile; the instruction
 * fetch competes for DRAM beside every tile but the last ones (fetched
 * before they start), so those run faster than the rest.  So on a device:
 *   - warm-up: the samples start after `warm` tiles, 20 plus the `tail`,
 *     the tiles that take the instruction buffer's entries (ibuf_entries:
 *     the short sample holds tiles the fetch runs beside and the last ones,
 *     fetched before they start: device_ff.c);
 *   - window: the samples differ by two windows of `window` tiles each,
 *     a multiple of 64, at least 128, that spans at least 16 refresh
 *     intervals (128: a tile's cost drifts slowly too); 64 keeps
 *     the extension exact in bytes (tile addresses advance linearly, so
 *     their alignment to a burst of at most 64 B repeats every 64 tiles);
 *   - base: the short sample has `base` tiles, warm plus (tiles - warm)
 *     mod 64, so the tiles left to extend over are whole blocks of 64 and
 *     the short sample's last tile takes the slot the real last one does;
 *   - check: the long sample's per-tile cycles over its first window and
 *     over its second, before its tail (taken from its trace, devff_trace),
 *     must agree within
 *     DEVFF_AGREE; otherwise the caller tries windows twice as long (with
 *     the same short sample) while all the samples together stay shorter
 *     than the program, then simulates in full.
 * Only the sample programs' structure is simulated; nothing is a formula.
 */
#ifndef DEVFF_H
#define DEVFF_H

#include "arch.h"
#include "sim.h"

#include <stddef.h>
#include <stdint.h>

/* Two windows' cycles per tile may differ by at most this fraction. */
#define DEVFF_AGREE 0.01

typedef struct {
    uint64_t warm, window, base; /* tiles (see above) */
    uint64_t tail; /* the last tiles, fetched before they start (no fetch beside them) */
    uint64_t spent; /* tiles the samples simulate: the short one and the long ones tried */
} devff_plan;

/* The samples for a program of `tiles` tiles whose middle tiles are `ipt`
 * instructions each and take about tile_cycles cycles: 1 (plan filled,
 * sampling pays: the two samples are shorter than the program), or 0 (not
 * a DRAM device, a burst above 64 B, or too short: simulate as before). */
int devff_plan_of(const arch_t *a, uint64_t tiles, uint64_t ipt, uint64_t tile_cycles,
                  devff_plan *f);
/* After a long sample whose windows disagreed: windows twice as long;
 * 1 if the samples, the next long one included, stay shorter than the
 * program, else 0 (simulate in full). */
int devff_longer(devff_plan *f, uint64_t tiles);

/* Trace of the long sample (sim_opts.trace): the cycle by which every
 * instruction up to index mark[i] has completed. */
typedef struct {
    size_t mark[3];
    uint64_t upto, at[3];
} devff_trace;

/* Marks for the long sample of plan f (n_short, n_long: the two samples'
 * instruction counts): the ends of its two windows' tiles. */
void devff_trace_init(devff_trace *t, const devff_plan *f, size_t n_short, size_t n_long);
void devff_trace_fn(void *ctx, size_t index, const isa_instr *in, isa_unit unit, uint64_t start,
                    uint64_t busy_end, uint64_t complete);
/* How much the two windows' cycles differ, a fraction of their mean (1
 * when a window is empty); they agree up to DEVFF_AGREE. */
double devff_disagreement(const devff_trace *t);

#endif
