/* model.h - a decoder-only LLM as plain numbers, and the operations one
 * forward pass runs (no I/O, no JSON: sim/cli/model_json.h reads
 * HuggingFace config.json files into a model_cfg).
 *
 * Operation list.  model_layers() gives the ops of ONE decoder layer, in
 * execution order, each with repeat = num_hidden_layers, followed by the
 * final norm and the LM head (repeat = 1).  Every op has a per-instance
 * GEMM shape m x n x k (m tokens/rows, n output features, k reduction) and
 * runs count x repeat times:
 *   - linear (weight x activation, incl. lm_head): count 1, m = tokens of the
 *     phase (B*S prefill, B decode; the LM head sees only the last token of
 *     each sequence, m = B), n x k = the weight's shape, macs = m*n*k.
 *   - attention (the two activation x activation matmuls): heads are NOT
 *     folded into the shape; one instance is one (sequence, query head), so
 *     count = B * num_attention_heads.  num_key_value_heads only changes the
 *     k/v weight shapes (and the KV cache), never the attention MACs.
 *       prefill: score m=S n=S k=head_dim, context m=S n=head_dim k=S, causal:
 *                only the lower triangle is computed, macs = head_dim*S*(S+1)/2
 *                per instance (m x n x k is the dense bounding shape).
 *       decode:  score m=1 n=C k=head_dim, context m=1 n=head_dim k=C,
 *                macs = head_dim*C; C counts every key the new token attends
 *                to, itself included (the KV cache length after appending).
 *   - norm / softmax / activation / elementwise: elements per instance (the
 *     softmax: score entries, causal triangle in prefill); m,n,k,macs are 0.
 * So per phase:
 *   linear_macs    = tokens*layers*(q+k+v+o+mlp weights) + B*hidden*vocab
 *   attention_macs = B*layers*heads*head_dim*2*(S*(S+1)/2)   prefill
 *                  = B*layers*heads*head_dim*2*C             decode
 * Phi-3's fused qkv_proj / gate_up_proj are listed as separate q/k/v and
 * gate/up ops (same MACs and weights).
 */
#ifndef MODEL_H
#define MODEL_H

#include "lut_types.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MODEL_LLAMA = 0,
    MODEL_MISTRAL,
    MODEL_QWEN2,
    MODEL_OPT,
    MODEL_PHI3,
    MODEL_GEMMA,
    MODEL_BITNET, /* model_type "bitnet" (BitNet b1.58 2B4T style: relu2, sub-norms) */
    /* mixture-of-experts families (compiler/moe.h) and today's dense ones */
    MODEL_MIXTRAL,
    MODEL_QWEN2_MOE,
    MODEL_QWEN3_MOE,
    MODEL_DEEPSEEK_V2,
    MODEL_DEEPSEEK_V3,
    MODEL_OLMOE,
    MODEL_PHIMOE,
    MODEL_QWEN3,
    MODEL_GEMMA2, /* sliding and global attention layers alternate */
    MODEL_FAMILY_COUNT
} model_family;

/* "llama", "mistral", ... (the HuggingFace model_type); NULL if out of range. */
const char *model_family_name(model_family f);
/* -1 if s is not one of the names above (exact, lower case). */
int model_family_from_name(const char *s);

/* How tokens pick experts (compiler/routing.h). */
typedef enum {
    MOE_ROUTE_UNIFORM = 0, /* expected distinct experts, closed form (deterministic) */
    MOE_ROUTE_ZIPF         /* sampled, seeded: popularity ~ rank^-moe_zipf_s */
} moe_routing;

#define MODEL_NAME_MAX 64
#define MODEL_MAX_LAYERS 4096
#define MODEL_ACT_MAX 24

typedef struct {
    char name[MODEL_NAME_MAX];
    model_family family;
    int hidden_size;
    int intermediate_size;   /* OPT: ffn_dim */
    int num_attention_heads;
    int num_key_value_heads; /* 0 before model_cfg_finish: = heads */
    int head_dim;            /* 0 before model_cfg_finish: = hidden / heads */
    int num_hidden_layers;
    int vocab_size;
    int gated_mlp;           /* 1: gate, up, act*mul, down; 0: fc1, act, fc2 */
    int tie_word_embeddings; /* informational: lm_head shares the embedding */
    char act[MODEL_ACT_MAX]; /* activation function: "silu", "gelu", "relu", ... */
    /* parameter accounting only (no effect on MACs) */
    int qkv_bias;            /* q/k/v projections have a bias (Qwen2) */
    int linear_bias;         /* every linear in the layer has a bias (OPT) */
    int norm_bias;           /* LayerNorm with bias (OPT) rather than RMSNorm */
    int sub_norms;           /* BitNet: attn_sub_norm (h) and ffn_sub_norm (i) */
    int learned_positions;   /* OPT: learned position table rows (max_pos + 2); 0 = RoPE */
    int max_position_embeddings; /* longest position the model was trained for; 0 = not given */
    /* Mixture-of-experts (compiler/moe.h); moe_experts 0: every layer dense. */
    int moe_experts;             /* routed experts per MoE layer, E */
    int moe_top_k;               /* routed experts per token, k (1..E) */
    int moe_intermediate;        /* one routed expert's intermediate size */
    int moe_shared_intermediate; /* all shared experts together (0: none) */
    int moe_shared_gate;         /* qwen2_moe: sigmoid(h -> 1) scales the shared output */
    /* bit l set: decoder layer l runs the MoE block, else a dense MLP of
     * intermediate_size (first_k_dense_replace, moe_layer_freq,
     * decoder_sparse_step, mlp_only_layers fill it) */
    uint64_t moe_layer_mask[MODEL_MAX_LAYERS / 64];
    /* How this run's tokens pick experts (routing.h; set by the caller, not
     * read from config.json; zero = uniform) */
    int moe_routing;         /* moe_routing */
    double moe_zipf_s;       /* MOE_ROUTE_ZIPF exponent, 0..8 (0: uniform, sampled) */
    uint32_t moe_route_seed; /* MOE_ROUTE_ZIPF seed */
    /* Sliding-window attention (compiler/attn_ops.h): a query attends to at
     * most sliding_window keys, itself included, in the layers whose bit is
     * set; 0: every layer attends to the whole context. */
    int sliding_window;
    uint64_t window_layer_mask[MODEL_MAX_LAYERS / 64];
    /* Multi-head latent attention (DeepSeek-V2/V3), on when mla_kv_lora > 0:
     * q_lora_rank (0: a plain q_proj), kv_lora_rank, qk_nope_head_dim,
     * qk_rope_head_dim, v_head_dim. */
    int mla_q_lora, mla_kv_lora, mla_qk_nope, mla_qk_rope, mla_v_head;
} model_cfg;

/* Zeroes *m and sets the family's defaults: gated_mlp, act, tie, biases
 * (llama/mistral/qwen2/phi3/gemma/bitnet gated, OPT plain; OPT and Gemma
 * tie embeddings by default; Qwen2 has q/k/v biases; OPT has linear and
 * LayerNorm biases and 2050 learned positions). */
void model_cfg_init(model_cfg *m, model_family f);

/* Fills num_key_value_heads and head_dim when 0 and checks consistency.
 * Returns 0, or -1 with "KEY: problem" in err (KEY is the HuggingFace key,
 * e.g. "hidden_size: 4097 is not a multiple of num_attention_heads (32)"). */
int model_cfg_finish(model_cfg *m, char *err, size_t errlen);

typedef enum { MODEL_PREFILL = 0, MODEL_DECODE } model_phase_kind;

typedef struct {
    model_phase_kind kind;
    int batch;   /* B, sequences, 1..65536 */
    int seq_len; /* S, prefill tokens per sequence, 1..1048576 */
    int context; /* C, decode: keys attended to (incl. the new token), 1..1048576 */
} model_phase;

/* Tokens of the phase: B*S prefill (up to 2^36, beyond 32 bits), B decode. */
uint64_t model_phase_tokens(const model_phase *ph);

typedef enum {
    MODEL_OP_LINEAR = 0,
    MODEL_OP_ATTENTION,
    MODEL_OP_NORM,
    MODEL_OP_SOFTMAX,
    MODEL_OP_ACTIVATION,
    MODEL_OP_ELEMENTWISE
} model_op_kind;

/* "linear", "attention", "norm", "softmax", "activation", "elementwise". */
const char *model_op_kind_name(model_op_kind k);

#define MODEL_OP_NAME_MAX 32
#define MODEL_MAX_OPS 128

typedef struct {
    char name[MODEL_OP_NAME_MAX]; /* "layer.q_proj", ..., "final_norm", "lm_head" */
    model_op_kind kind;
    char func[MODEL_ACT_MAX];     /* norm: "rmsnorm"/"layernorm"; activation: cfg act;
                                     elementwise: "add", "mul", "rope"; else "" */
    uint64_t m, n, k;             /* GEMM shape per instance (linear, attention) */
    uint64_t macs;                /* MACs per instance */
    uint64_t elements;            /* element-wise ops: elements per instance */
    uint64_t weight_params;       /* linear: n*k; else 0 */
    uint64_t count;               /* instances per repeat */
    uint64_t repeat;              /* num_hidden_layers, or 1 (final_norm, lm_head) */
    /* attention and softmax ops: the geometry the attention kernel runs
     * (query heads, KV heads, dimension per key, keys per sequence in
     * decode, V and O dimensions: attn_shape.v_dim); 0 elsewhere */
    int attn_heads, attn_kv_heads, attn_head_dim, attn_v_dim;
    uint64_t attn_keys;
    int attn_window; /* prefill of a binding sliding window: W (attn_window.h); else 0 */
} model_op;

/* Writes the op list (see the top of this file) into ops[0..cap-1] and
 * returns how many (<= MODEL_MAX_OPS), or -1 with a message in err (phase
 * out of range, cap too small, an unfinished or inconsistent cfg, or an
 * operation whose m*n*k, elements or weights pass 2^63 - 1: count.h). */
int model_layers(const model_cfg *m, const model_phase *ph, model_op *ops, int cap,
                 char *err, size_t errlen);

typedef struct {
    uint64_t tokens;             /* B*S prefill, B decode */
    uint64_t linear_macs;        /* incl. the LM head */
    uint64_t lm_head_macs;
    uint64_t attention_macs;
    uint64_t norm_elements;
    uint64_t softmax_elements;
    uint64_t activation_elements;
    uint64_t elementwise_elements;
} model_totals;

/* Sums model_layers() over count x repeat.  0, or -1 with a message (also
 * when a total, or linear + attention MACs, passes 2^63 - 1). */
int model_phase_totals(const model_cfg *m, const model_phase *ph, model_totals *t,
                       char *err, size_t errlen);

/* Bytes of the INT8 K and V caches the phase holds, all layers and
 * sequences: 2 x layers x kv_heads x head_dim x keys x B (keys: S in
 * prefill, C in decode).  0, or -1 with *bytes = COUNT_MAX if that passes
 * 2^63 - 1 or the cfg / phase is invalid. */
int model_kv_cache_bytes(const model_cfg *m, const model_phase *ph, uint64_t *bytes);

typedef struct {
    uint64_t linear;  /* decoder-layer linear weights, all layers (quantized) */
    uint64_t lm_head; /* vocab*hidden, 0 when tied */
    uint64_t embed;   /* token embeddings (+ learned positions, OPT) */
    uint64_t norm;    /* norm weights (+ LayerNorm biases), incl. the final norm */
    uint64_t bias;    /* linear biases */
    uint64_t total;   /* the sum */
} model_params;

void model_param_count(const model_cfg *m, model_params *p);

/* Quantization preset: weights in a LUT format, INT activations.  What it
 * stores in DRAM per matrix is compiler/quant_layout.h's job. */
typedef enum { QUANT_PACK_NONE = 0, QUANT_PACK_TRIT5 } quant_packing;
#define QUANT_NAME_MAX 32
typedef struct {
    char name[QUANT_NAME_MAX]; /* "W1.58A8", "W2A8", ... */
    lut_wtype w;     /* fmt INT (bits 2..8), TERNARY (bits 2: packed as 2-bit codes),
                        BINARY (bits 1) */
    int group_size;  /* weights per scale along k; 0 = one per output row (per-channel) */
    int per_tensor;  /* 1: one scale for the whole matrix (group = k, no per-group scale) */
    int scale;       /* lut_scale_type of the group scales (0: FP16) */
    int zp_bits;     /* zero-point per group: 0 none (symmetric), 8 an int8, 32 the old
                        int32 factor (with an fp32 scale: 8 B per group) */
    int packing;     /* quant_packing: how weights are stored in DRAM */
    int abits;       /* activation bits: 4, 8 (default) or 16 (quant_arch) */
    int kv_bits;     /* K/V cache: signed INT8 (8, or 0: the default) or INT4 (4),
                        run on the LUT array's bit-serial path (compiler/attention.h) */
    int mixture;     /* quant_mixture: BitMoD's per-group FP3/FP4 datatypes
                        (cmodel/bitmod_types.h); w is then INT of the code width
                        (sizing, the mma arrays); the LUT core runs the grid values
                        as INT4 / INT6 planes (quant_lut_fields) */
    int wfp16;       /* 1: FP16 weights ("wfmt": "fp16"): w is then INT 16 for sizing;
                        they run on the mma arrays (compute.kind mac, bitserial,
                        systolic) only, timing-only (no functional FP16 multiply) */
    int afloat;      /* lut_afmt (lut_float.h) of float activations: "afmt" "fp16" or
                        "bf16" (afp16 is then 1 as well); on the LUT array they run as
                        float activations (arch act_fmt: 2-byte activations, tables of
                        lut.table_format); 0: integer */
    int afp16;       /* 1: FP16 activations ("afmt": "fp16", abits 16): mma reads
                        2-byte activations and writes 2-byte outputs (BitMoD's FP16
                        datapath); mma arrays only, timing-only */
    int decode_wbits; /* 0, or the weight bits the decode phase runs (BitMoD's lossy
                         mode: 4-bit weights for prefill, 3-bit for decode); w.bits
                         is then the prefill's */
} quant_preset;

/* q as phase kind `kind` (model_phase_kind) runs it: w.bits = decode_wbits in
 * decode when that is set, else q unchanged. */
void quant_for_phase(const quant_preset *q, int kind, quant_preset *out);
typedef enum { QUANT_MIX_NONE = 0, QUANT_MIX_BITMOD } quant_mixture;

/* 0 or -1 with "KEY: problem" (keys as in the quant JSON: wbits, group_size, scale,
 * zero_point, packing, abits, kv_format). */
int quant_check(const quant_preset *q, char *err, size_t errlen);
/* The built-in presets W1.58A8, W1A8, W2A8, W3A8, W4A8, W8A8 (group 128,
 * one FP16 scale per group, no zero-point, abits 8); name is
 * case-insensitive.  0, or -1 if unknown. */
int quant_preset_named(const char *name, quant_preset *out);
int quant_preset_count(void);
const char *quant_preset_name(int i); /* NULL past the end */

typedef struct {
    uint64_t weight_bytes; /* packed decoder-layer linear weights: sum of
                              ceil(n*k*bits/8) per matrix */
    uint64_t groups;       /* scale groups: n * ceil(k/group_size) per matrix */
    uint64_t scale_bytes;  /* scales and zero-points as the preset stores them
                              (quant_layout.h) */
    uint64_t fp16_bytes;   /* kept in FP16: embeddings, lm_head, norms, biases */
} model_bytes;

/* Storage of m under q.  Only the decoder layers' linear weights are
 * quantized; the LM head and embeddings stay FP16 (as BitNet and the usual
 * weight-only schemes do). */
void model_weight_bytes(const model_cfg *m, const quant_preset *q, model_bytes *b);

#ifdef __cplusplus
}
#endif
#endif
