/* model_json.h - HuggingFace config.json -> model_cfg, and quantization
 * presets (JSON) -> quant_preset.
 *
 * Model configs: the keys lutsim needs are read (model_type, hidden_size,
 * intermediate_size or OPT's ffn_dim, num_attention_heads,
 * num_key_value_heads, head_dim, num_hidden_layers, vocab_size,
 * tie_word_embeddings, hidden_activation / hidden_act / activation_function,
 * OPT's max_position_embeddings, enable_bias and word_embed_proj_dim, and
 * _name_or_path for the name); every other key is ignored.  Mixture-of-experts
 * configs are refused.  Errors are one line naming the file and the key:
 *   "a.json: missing key \"hidden_size\""
 *   "a.json: vocab_size: expected a positive integer, got string"
 *   "a.json: hidden_size: 4097 is not a multiple of num_attention_heads (32) ..."
 *   "a.json: num_local_experts: mixture-of-experts models are not supported yet"
 *   "a.json: line 4, column 3: jansson's message"
 *
 * Quant presets: {"name": S, "wfmt": "int"|"uint"|"ternary"|"binary"|"bitmod", "wbits": B,
 * "group_size": G, "abits": A, "description": S}; wfmt is required, wbits
 * too for int (ternary is 2, binary 1), group_size defaults to 128 (0: one
 * scale per output row), abits to 8, name to the file's base name.  Unknown
 * keys are errors.
 */
#ifndef MODEL_JSON_H
#define MODEL_JSON_H

#include "model.h"

#include <jansson.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* label names the document in errors (NULL: "<model>"); name, if not NULL,
 * becomes out->name (else _name_or_path, else label's base name). */
int model_from_hf_json(const json_t *doc, const char *label, const char *name,
                       model_cfg *out, char *err, size_t errlen);
int model_from_hf_string(const char *text, const char *label, const char *name,
                         model_cfg *out, char *err, size_t errlen);
/* A short name of an embedded config ("llama-2-7b", case-insensitive; see
 * workload_embed.h) or else a file path. */
int model_from_hf_config(const char *path_or_name, model_cfg *out, char *err,
                         size_t errlen);

int quant_from_json(const json_t *doc, const char *label, quant_preset *out, char *err,
                    size_t errlen);
int quant_from_json_string(const char *text, const char *label, quant_preset *out,
                           char *err, size_t errlen);
/* W1.58A8, W1A8, W2A8, W3A8, W4A8, W8A8 (case-insensitive; the embedded
 * workloads/quant files) or else a file path. */
int quant_from_name_or_file(const char *s, quant_preset *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
