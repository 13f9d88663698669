/* mapper.h - choose the schedule of one GEMM (gemm.h: gemm_sched).
 *
 * The search space, per shape: loop order inside a block (scale groups
 * outer with the block's partial sums resident, GEMM_LOOP_K; or row
 * sub-tiles outer, GEMM_LOOP_ROWS), which operand stays resident (weights:
 * weight-stationary; activations: input-stationary; none:
 * output-stationary), the row block mb and column block nb (2-D blocking),
 * the row sub-tile mt whose tables are built just in time per scale group,
 * and, where lut.partition allows, how the LUT cores split an lmma (column
 * blocks or row blocks).  Every candidate that fits the buffers is costed
 * analytically (DRAM bytes of each operand times its refetch, and a cycle
 * lower bound: the largest of LUT-array, precompute, dequant and DRAM-bus
 * time); the few best are simulated on the C model (timing-only,
 * fast-forwarded) and the best by the objective is kept.
 *
 * On the mma arrays (compute.kind systolic, mac, bitserial) the space is
 * gemm_mma.h's loop orders: the tile order, and on a design without an
 * output buffer for partial sums (buffers.partial_sums false) the input-
 * and weight-resident orders too, each simulated, the best by the
 * objective.
 *
 * No I/O, no global state.
 */
#ifndef MAPPER_H
#define MAPPER_H

#include "energy.h"
#include "gemm.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { MAP_EDP = 0, MAP_CYCLES, MAP_ENERGY } map_objective;

/* "edp", "cycles", "energy" -> *o; 0, or -1 for an unknown name. */
int map_objective_parse(const char *name, map_objective *o);
/* What objective o minimizes for a schedule (or any choice of programs)
 * of these cycles, DRAM bytes and energy (pJ; the bytes without an
 * energy model): the mapper's comparison, so other choices weigh alike. */
double mapper_score(map_objective o, double cycles, double bytes, double energy);
const char *map_objective_name(map_objective o);

/* What the chosen schedule does, for the report. */
typedef struct {
    uint64_t compulsory_bytes; /* each operand once at its stored precision */
    uint64_t model_bytes;      /* the cost model's DRAM bytes for the schedule */
    const char *loop;          /* "k" (groups outer in a block), "rows", "legacy" */
    const char *stationary;    /* "output", "weight", "input" */
    const char *partition;     /* "columns", "rows": how the cores split an lmma */
    const char *reuse_bound;   /* the buffer whose capacity caps the reuse */
} map_info;

/* The best schedule of s by objective o.  *best gets the shape with its
 * schedule, *st its timing (energy filled when em is given), *sampled
 * whether fast-forwarding was used, *simulated the programs' count of
 * candidates simulated.  0, or -1 with a message (no schedule fits). */
int mapper_search(const arch_t *a, const energy_model *em, const gemm_shape *s, map_objective o,
                  gemm_shape *best, sim_stats *st, int *sampled, int *simulated, char *err,
                  size_t errlen);
/* The same, timing candidates through mm (gemm.h: gemm_timing_memo; NULL: none). */
int mapper_search_memo(struct timing_memo *mm, const arch_t *a, const energy_model *em,
                       const gemm_shape *s, map_objective o, gemm_shape *best, sim_stats *st,
                       int *sampled, int *simulated, char *err, size_t errlen);

/* Report figures of a chosen schedule (s as mapper_search returned it). */
void mapper_describe(const arch_t *a, const gemm_shape *s, map_info *info);

/* Compulsory DRAM bytes of s: packed weights and their metadata once,
 * INT8 activations (or, fused, the tables and sums) once, the int32 or
 * float32 output once. */
uint64_t mapper_compulsory_bytes(const arch_t *a, const gemm_shape *s);

#ifdef __cplusplus
}
#endif
#endif
