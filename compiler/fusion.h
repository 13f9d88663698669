/* fusion.h - element-wise vector work run as the epilogue of the GEMM
 * that produces its input (arch vector.fused).
 *
 * What fuses (fusion_plan_of, over model.h's operation list):
 *   layer.rope          the epilogue of layer.q_proj and layer.k_proj: the
 *                       (cos, sin) multiply on their output tiles;
 *   layer.residual_attn the epilogue of layer.o_proj (add the residual);
 *   layer.residual_mlp  the epilogue of layer.down_proj (or layer.fc2);
 *   layer.act_fn        the epilogue of layer.gate_proj (gated MLP) or
 *                       layer.fc1 (quantized there: fc2 reads it);
 *   layer.mul           the epilogue of layer.up_proj: silu(gate), written
 *                       by gate_proj's epilogue, times the up tile, then
 *                       the quantize step into down_proj's INT8 input.
 * An absorbed operation runs no program of its own: its tensor never goes
 * to DRAM and back.  The quantize step of a linear layer fed by attention
 * (o_proj) runs as its prologue: each activation tile is loaded at
 * vector.dtype and quantized to INT8 on chip (without fusion: a quantize
 * pass of its own).  Norms (they need a whole row's statistics) keep a
 * program of their own unless their consumers' prologue runs them (below),
 * a cheaper one: an rmsnorm of whole rows into a
 * linear layer runs split (compiler/vector.c, vec_shape.norm_split: one
 * rms_stat and one rms_apply a row, 2 vector passes instead of rmsnorm +
 * quant's 4, bit-exact, the same data bytes).  The statistic runs in the
 * residual add's epilogue when one writes the norm's rows (fusion_plan
 * stat_of; gemm_epilogue.stat): o_proj's for post_attn_norm, down_proj's
 * for the next layer's input_norm (the first layer's reads the embedding
 * and keeps the split: stat_wrap) and for final_norm.  Each finished tile's
 * rows add their squares to a float32 slot per row (rms_stat's partial
 * mode: the sums continue across the row's column tiles, which the weave
 * checks arrive in column order, so the sum is the whole row's bit for
 * bit), and each row's sum is stored once (4 B) when its last column tile
 * is; the norm's program then loads its rows and their sums and runs
 * rms_apply alone (norm_split 2: 1 pass a row).  This saves no DRAM bytes:
 * the split norm read each row once already; the sums add 4 B a row
 * written and 4 B read (and the GEMM one vector pass an element, the norm
 * one fewer).  The norm's final scaling can run as the prologue of the
 * linear layers that read it instead (gemm_shape.in_quant GEMM_INQ_NORM,
 * like o_proj's quantize prologue): each activation load brings its tile
 * at vector.dtype (layout.q_addr) into a stage slot of the output buffer
 * and, once per run of loads of the same rows, their sums (layout.n_addr,
 * 4 B a row) beside it; rms_stat's inv mode turns the sums into inv over
 * the whole row in place, and one rms_apply (field row: rows of the K
 * span the tile covers, an inv each) scales and quantizes the tile into
 * the act buffer where the schedule's tprec reads it, bit-exact with the
 * norm's program (the same fp_rms_inv_of and fp_rms_apply).  The norm then
 * has no program (the first layer's input norm, after the embedding, keeps
 * one that stores the rows' sums alone: vector.c norm_split 3).  It pays
 * only when the consumers read their input about once: A crosses DRAM at
 * vector.dtype on every load the schedule makes of it, by every consumer
 * (q, k, v: three), against the norm's own read at vector.dtype, its INT8
 * write and the consumers' INT8 reads; so lower.c times both for each
 * norm (norm_prologue: the consumers with the prologue, against the
 * norm's program and the consumers on INT8) and keeps the cheaper by the
 * mapper's objective (report: norm_final_scaling and its _why).
 * layernorm, precompute.fused norms and rows cut into spans keep rmsnorm
 * + quant; a GEMM whose schedule has no buffer room for the row sums drops
 * the statistic, and its norm runs the split.
 *
 * How (fusion_weave): the GEMM's schedule is emitted as without fusion,
 * then every store of a finished output tile is preceded by vops on the
 * tile in the output buffer (compiler/gemm.h: gemm_epilogue) and rewritten
 * to store the result at its type; a second operand is loaded from DRAM
 * one tile ahead into two slots above everything the schedule uses in the
 * output buffer, or, when there is no room there, into the upper half of
 * the tile itself once the conversion to a 2-byte type has freed it (that
 * load then waits for the conversion).  The vector unit's time, its
 * buffer traffic and the DRAM bytes all come from the simulated program:
 * the scoreboard decides how the epilogue overlaps the LUT array.  A
 * prologue's stage slots (up to PRO_STAGES, as many as fit) sit above the
 * operand slots: a short load waits only for the vop that read its slot
 * PRO_STAGES loads before.  The
 * row sums' slots (one per row unfinished at once, two rings of them when
 * slots are reused and room allows) sit above everything the schedule
 * uses in the output buffer, or else the act or weight buffer; the
 * mapper reserves nothing for them (a few bytes a row).
 */
#ifndef FUSION_H
#define FUSION_H

#include "gemm.h"
#include "model.h"
#include "program.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of an element at vector.dtype. */
int fusion_elem_bytes(const arch_t *arch);
/* Bytes per output element the epilogue stores (INT8, or vector.dtype). */
int fusion_out_bytes(const arch_t *arch, const gemm_shape *s);
/* Operands of s's epilogue function: 0 without an epilogue, else 1 or 2. */
int fusion_epi_sources(const gemm_shape *s);

/* Output-buffer bytes a blocked schedule of s leaves free for its fused
 * work: two stages of an activation tile of act_tile INT8 elements
 * (in_quant; GEMM_INQ_NORM: and its act_rows rows' float32 sums) and two
 * slots of an output tile of c_tile elements (a two-source epilogue), at
 * vector.dtype; 0 without fusion. */
uint64_t fusion_out_reserve(const arch_t *arch, const gemm_shape *s, uint64_t act_tile,
                            uint64_t act_rows, uint64_t c_tile);

/* Weaves s's epilogue into p, a program gemm_lower built for s (lay its
 * layout); 0 or -1 with a message. */
int fusion_weave(const arch_t *arch, const gemm_shape *s, const gemm_layout *lay, program *p,
                 char *err, size_t errlen);

/* Compulsory DRAM bytes of a fused GEMM given those of its plain form
 * (mapper_compulsory_bytes): the output at its stored type, plus the
 * epilogue's second operand once, plus (epi.stat) 4 B a row of sums. */
uint64_t fusion_compulsory_bytes(const arch_t *arch, const gemm_shape *s, uint64_t plain);

/* How a linear layer's INT8 input is made when its producer does not
 * quantize (attention's output, read by o_proj). */
typedef enum {
    FUSION_QIN_NONE = 0, /* the producer wrote INT8 (or tables) */
    FUSION_QIN_PASS,     /* a quantize pass of its own on the vector unit first */
    FUSION_QIN_PROLOGUE, /* vector.fused: quantized on chip after each load (in_quant) */
    FUSION_QIN_NORM      /* vector.fused: the norm before it is its prologue (GEMM_INQ_NORM:
                            its final scaling and quantize after each load; lower.c chooses) */
} fusion_qin;

typedef struct {
    int into[MODEL_MAX_OPS];          /* vector op i: the linear it fuses into, or -1 */
    int also[MODEL_MAX_OPS];          /* ... and a second one (rope: k_proj), or -1 */
    uint64_t left[MODEL_MAX_OPS];     /* vector op i: elements still run on their own
                                         (a partner whose fused schedule failed) */
    gemm_epilogue epi[MODEL_MAX_OPS]; /* linear i: its epilogue */
    int qin[MODEL_MAX_OPS];           /* linear i: fusion_qin */
    int stat_of[MODEL_MAX_OPS];       /* norm i: the linear whose epilogue sums the squares
                                         of its rows (epi.stat), or -1 */
    int stat_wrap[MODEL_MAX_OPS];     /* norm i (a layer's input norm): the sums come from
                                         the layer before, so the first layer's instance
                                         (after the embedding) makes its own */
} fusion_plan;

/* What fuses in the n operations (in model_layers' order) on arch: with
 * vector.fused false nothing does (every into = -1, every epi off; qin
 * PASS where a quantize step is needed). */
void fusion_plan_of(const arch_t *arch, const model_op *ops, int n, fusion_plan *fp);

/* Norm v gets no statistic from an epilogue after all (its rows do not
 * suit the split, or the GEMM's schedule has no room for the row sums):
 * the GEMM's epilogue drops the stat step. */
void fusion_unstat(fusion_plan *fp, int v);

/* Linear l's fused schedule cannot be built (no buffer room): it runs
 * plain, and what it absorbed runs on its own (or the part of it that was
 * l's: left).  Call before the absorbed operations are lowered. */
void fusion_drop(fusion_plan *fp, const model_op *ops, int l);

#ifdef __cplusplus
}
#endif
#endif
