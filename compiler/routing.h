/* routing.h - which experts a phase's tokens touch, per MoE layer.
 *
 * Every token of the phase passes every MoE layer and picks k distinct
 * experts of E.  Two routing models:
 *   uniform (MOE_ROUTE_UNIFORM): each token's k experts are a uniformly
 *     random k-subset, so one expert is missed by one token with
 *     probability 1 - k/E, by all T tokens (independent) with (1 - k/E)^T,
 *     and by linearity of expectation the expected number touched is
 *         D(T) = E * (1 - (1 - k/E)^T)            (k <= D(T) <= min(E, T*k)).
 *     This model is deterministic: the MoE layers together touch
 *     round(Lmoe * D(T)) experts, spread as evenly as integers allow
 *     (floor or ceil of D(T) per layer);
 *   zipf (MOE_ROUTE_ZIPF): expert i (0-based popularity rank) has weight
 *     (i + 1)^-s; each token draws k distinct experts one after another,
 *     each with probability its weight over the weights not yet drawn;
 *     seeded (splitmix64 of moe_route_seed and layer), so a run is reproducible.
 *     s = 0 is uniform routing sampled rather than expected.
 * An expert's weights cross DRAM in a phase only if some token uses it
 * (compiler/moe.h), so decode traffic grows with the batch as D(B) does.
 */
#ifndef ROUTING_H
#define ROUTING_H

#include "model.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* D(T) above (T = 0: 0). */
double moe_expected_touched(int experts, int top_k, uint64_t tokens);

/* touched[i]: experts the phase's tokens touch in the i-th MoE layer, routed
 * as m->moe_routing says,
 * i = 0..nmoe-1 (nmoe = moe_layer_count).  0, or -1 with a message
 * ("--routing: ..." for a bad model or a sample too large to draw). */
int moe_route(const model_cfg *m, const model_phase *ph, int *touched, int nmoe, char *err,
              size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
