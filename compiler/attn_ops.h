/* attn_ops.h - the attention block of a decoder layer: projections, RoPE,
 * the attention matmuls and o_proj, for plain (multi-head, grouped-query)
 * attention, sliding windows and multi-head latent attention (MLA).
 *
 * Sliding window W (model_cfg.sliding_window, window_layer_mask): a query
 * attends to at most W keys, itself included.  Per (sequence, query head)
 * the score (and context) entries are
 *   prefill  S(S+1)/2                      if S <= W,
 *            W(W+1)/2 + (S - W) W          otherwise;
 *   decode   min(C, W);
 * MACs are entries x head_dim for each of the two matmuls, and the layer's
 * KV cache holds min(keys, W) keys.  Windowed layers whose window binds form
 * their own group of ops (layer.attn_score_swa, ...; fused: layer.attention_swa)
 * with repeat = their count; where it does not bind they stay with the rest.
 * Timing: decode runs the kernel over min(C, W) keys; prefill runs it with
 * the window as a lower key bound (attn_window.h): the window's work rounded
 * out to whole key blocks per unit, while the MACs are exact.
 *
 * MLA (DeepSeek-V2/V3), H heads, d_n = qk_nope, d_r = qk_rope, d_v =
 * v_head_dim, r_q = q_lora_rank, r_kv = kv_lora_rank, T tokens:
 *   q        T h H(d_n + d_r)       (r_q = 0)  or  T (h r_q + r_q H(d_n + d_r))
 *            with q_a_norm over r_q;
 *   kv_a     T h (r_kv + d_r), then kv_a_norm over r_kv;
 *   prefill (the naive form, as HuggingFace runs it): kv_b T r_kv H(d_n + d_v),
 *            attention per (sequence, head) entries (d_n + d_r) + entries d_v;
 *   decode (absorbed weights): q_absorb T H d_n r_kv (W_UK folded into the
 *            query), attention over the latent cache C (r_kv + d_r) + C r_kv
 *            per (sequence, head), v_absorb T H r_kv d_v (W_UV);
 *   o_proj   T H d_v h.
 * The cache holds r_kv + d_r values a key and layer (no heads).  Timing:
 * prefill attention runs the kernel with head_dim d_n + d_r and v_dim d_v
 * (attention.h), decode as one KV head of head_dim r_kv + d_r shared by all
 * H query heads, V the latent's first r_kv values (v_dim r_kv): the kernel
 * reads the latent as K and its first r_kv values again as V, each packed
 * along its own contraction (README gives the bytes). */
#ifndef ATTN_OPS_H
#define ATTN_OPS_H

#include "model.h"
#include "oplist.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if decoder layer l attends through the sliding window. */
int attn_layer_windowed(const model_cfg *m, int l);
/* Score entries per (sequence, query head) for S queries of a causal
 * prefill with window W (0: none). */
uint64_t attn_window_entries(uint64_t S, uint64_t W);

/* Appends the attention block (from q_proj to o_proj) for T tokens. */
void attn_block_ops(oplist *l, const model_cfg *c, const model_phase *ph);

/* Checks the MLA and window fields ("KEY: problem"); clears window bits
 * past the last layer. */
int attn_cfg_finish(model_cfg *m, char *err, size_t errlen);

/* KV-cache values per key, summed over the layers, for `keys` keys: plain
 * 2 kv_heads head_dim a layer, MLA r_kv + d_r, windowed layers min(keys, W). */
uint64_t attn_kv_values(const model_cfg *m, uint64_t keys, int *ovf);

/* Linear weight parameters of one layer's attention block. */
uint64_t attn_layer_params(const model_cfg *m);
/* Norm weights inside the block (MLA: q_a_norm, kv_a_norm). */
uint64_t attn_layer_norm_params(const model_cfg *m);

/* The weight matrices of one layer's attention block: fn(ctx, n, k, times). */
void attn_layer_matrices(const model_cfg *m,
                         void (*fn)(void *ctx, uint64_t n, uint64_t k, uint64_t times), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
