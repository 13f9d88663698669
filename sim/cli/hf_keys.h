/* hf_keys.h - typed reads of HuggingFace config.json keys, shared by the
 * dense reader (model_json.c) and the mixture-of-experts keys (hf_moe.c).
 * Every failure writes "LABEL: KEY: problem" into c->err and returns -1. */
#ifndef HF_KEYS_H
#define HF_KEYS_H

#include "model.h"

#include <jansson.h>
#include <stdio.h>

typedef struct {
    const char *label;
    char *err;
    size_t errlen;
} hf_ctx;

#define FAIL(c, ...) do { char m_[400]; snprintf(m_, sizeof m_, __VA_ARGS__); \
        snprintf((c)->err, (c)->errlen, "%s: %s", (c)->label, m_); return -1; } while (0)

/* A value as an error message quotes it ("4096", "string \"x\"", "array"). */
void hf_got_text(const json_t *v, char *out, size_t n);
/* An integer >= lo (integral reals accepted).  Absent or null: "missing"
 * if required, else *out is left alone. */
int hf_get_int(const hf_ctx *c, const json_t *doc, const char *key, int required, int lo,
               int *out);
/* true / false; absent or null leaves *out alone. */
int hf_get_bool(const hf_ctx *c, const json_t *doc, const char *key, int *out);

/* 1 for mixtral, qwen2_moe, qwen3_moe, deepseek_v2/v3, olmoe, phimoe. */
int hf_is_moe_family(model_family f);
/* The family's expert keys into m (after the dense keys: intermediate_size
 * and num_hidden_layers are known).  0 or -1. */
int hf_moe_keys(const hf_ctx *c, const json_t *doc, model_cfg *m);

/* sliding_window (with use_sliding_window / max_window_layers for the
 * qwen families, alternate layers for gemma2) and DeepSeek's latent
 * attention keys into m.  0 or -1. */
int hf_attention_keys(const hf_ctx *c, const json_t *doc, model_cfg *m);

#endif
