/* moe.h - the mixture-of-experts block of a decoder layer.
 *
 * A MoE layer (model_cfg.moe_layer_mask) replaces the dense MLP by:
 *   moe.router          linear T x E x h (repeat Lmoe), then
 *   moe.router_softmax  softmax over the E logits of each token (T*E
 *                       elements; the top-k pick is counted with it);
 *   moe.shared_*        shared experts, when the config has them, as one
 *                       gated MLP of moe_shared_intermediate (all shared
 *                       experts together; the sum of n_shared_experts equal
 *                       MLPs costs the same), every token; Qwen2-MoE's
 *                       shared-expert gate is a linear h -> 1 (moe.shared_gate)
 *                       and a multiply of the shared output (moe.shared_scale);
 *   moe.expert_*[m=M]   the routed experts: gate, up, act, mul, down of
 *                       moe_intermediate, one instance per (layer, expert
 *                       touched); the layer's T*k token-expert pairs are
 *                       spread as evenly as integers allow over the D experts
 *                       touched (routing.h): T*k mod D of them get
 *                       floor(T*k/D) + 1 tokens, the rest floor(T*k/D); the
 *                       instances of all MoE layers are grouped by M (repeat 1);
 *   moe.combine         each token's k expert outputs weighted and summed
 *                       (T*k*h elements).
 * So per MoE layer and phase of T tokens (exact, any routing):
 *   linear MACs = T*E*h + T*k*3*h*moe_im + T*3*h*shared_im (+ T*h gate)
 * and the experts' weights stream D times (once per expert touched), not E.
 */
#ifndef MOE_H
#define MOE_H

#include "model.h"
#include "oplist.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if decoder layer l (0-based) runs the MoE block. */
int moe_layer_is_moe(const model_cfg *m, int l);
/* MoE layers of the model (0 for a dense one). */
int moe_layer_count(const model_cfg *m);

/* Appends the MoE block of a phase of T tokens to l.  0, or -1 with a
 * message (routing failed, or more than MOE_MAX_GROUPS expert shapes). */
#define MOE_MAX_GROUPS 16
int moe_block_ops(oplist *l, const model_cfg *m, const model_phase *ph, char *err,
                  size_t errlen);

/* Checks the MoE fields (model_cfg_finish calls it): "KEY: problem" with the
 * HuggingFace key.  Fills moe_intermediate (= intermediate_size) when 0 and
 * the layer mask (every layer) when empty; clears mask bits past the last
 * layer. */
int moe_cfg_finish(model_cfg *m, char *err, size_t errlen);

/* Weight parameters of one MoE layer: router, routed experts (all E),
 * shared experts and their gate. */
uint64_t moe_layer_params(const model_cfg *m);

#ifdef __cplusplus
}
#endif
#endif
