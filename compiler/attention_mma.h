/* attention_mma.h - a layer's attention on a systolic, mac or bitserial array.
 *
 * Without the LUT core's fused kernel (attention.h), attention runs as the
 * plain sequence a GEMM accelerator runs: per sequence and KV head, the
 * score GEMM S = Q K^T (the GQA group's query heads stacked as rows:
 * m = heads / kv_heads x q_len, n = kv_len, k = head_dim), stored to DRAM;
 * the softmax of every row on the vector unit, quantized to INT8 P; the
 * context GEMM O = P V (m as the score's, n = head_dim, k = kv_len), K and
 * V at the preset's KV-cache bits (on a mac array narrower K and V pass
 * its dequant stage).  Every score is computed: causal prefill's masked
 * half is not skipped (a stated simplification).  Each step is compiled
 * (gemm_mma.h, vector.h) and timed on the C model once per shape; the
 * layer's statistics are the sums over its sequences and KV heads.
 * ATTN_FUSED is the three steps in sequence.
 */
#ifndef ATTENTION_MMA_H
#define ATTENTION_MMA_H

#include "attention.h"

#ifdef __cplusplus
extern "C" {
#endif

int attn_mma_timing(const arch_t *arch, const energy_model *em, const attn_shape *s,
                    attn_stage st, sim_stats *stats, int *sampled, int *programs, char *err,
                    size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
