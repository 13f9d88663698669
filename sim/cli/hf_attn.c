/* hf_attn.c - attention keys of config.json beyond the dense basics:
 * sliding windows as mistral, mixtral, gemma2 and the qwen families spell
 * them, and DeepSeek's multi-head latent attention. */
#include "hf_keys.h"

#include <string.h>

static void set_window(model_cfg *m, int l)
{
    m->window_layer_mask[l / 64] |= (uint64_t)1 << (l % 64);
}

static int window_keys(const hf_ctx *c, const json_t *doc, model_cfg *m)
{
    const model_family f = m->family;
    const int qwen = f == MODEL_QWEN2 || f == MODEL_QWEN3 || f == MODEL_QWEN2_MOE ||
                     f == MODEL_QWEN3_MOE;
    if (f != MODEL_MISTRAL && f != MODEL_MIXTRAL && f != MODEL_GEMMA2 && !qwen)
        return 0; /* phi3's sliding_window and the rest: ignored (README) */
    int use = 1, W = 0;
    if (qwen) {
        use = 0;
        if (hf_get_bool(c, doc, "use_sliding_window", &use) != 0)
            return -1;
    }
    if (!use)
        return 0;
    if (hf_get_int(c, doc, "sliding_window", 0, 1, &W) != 0)
        return -1;
    if (W == 0) /* absent or null: no window */
        return 0;
    const int L = m->num_hidden_layers;
    if (L > MODEL_MAX_LAYERS)
        FAIL(c, "num_hidden_layers: at most %d, got %d", MODEL_MAX_LAYERS, L);
    int first = 0;
    /* Qwen: layers from max_window_layers on slide (HuggingFace's default 28) */
    if (qwen) {
        first = 28;
        if (hf_get_int(c, doc, "max_window_layers", 0, 0, &first) != 0)
            return -1;
    }
    m->sliding_window = W;
    for (int l = first; l < L; l++)
        if (f != MODEL_GEMMA2 || l % 2 == 0) /* gemma2: even layers slide */
            set_window(m, l);
    return 0;
}

static int mla_keys(const hf_ctx *c, const json_t *doc, model_cfg *m)
{
    if (m->family != MODEL_DEEPSEEK_V2 && m->family != MODEL_DEEPSEEK_V3)
        return 0;
    const json_t *kv = json_object_get(doc, "kv_lora_rank");
    if (!kv || json_is_null(kv))
        return 0; /* plain multi-head attention */
    if (hf_get_int(c, doc, "kv_lora_rank", 1, 1, &m->mla_kv_lora) != 0 ||
        hf_get_int(c, doc, "q_lora_rank", 0, 1, &m->mla_q_lora) != 0 ||
        hf_get_int(c, doc, "qk_nope_head_dim", 1, 1, &m->mla_qk_nope) != 0 ||
        hf_get_int(c, doc, "qk_rope_head_dim", 1, 1, &m->mla_qk_rope) != 0 ||
        hf_get_int(c, doc, "v_head_dim", 1, 1, &m->mla_v_head) != 0)
        return -1;
    return 0;
}

int hf_attention_keys(const hf_ctx *c, const json_t *doc, model_cfg *m)
{
    return window_keys(c, doc, m) != 0 || mla_keys(c, doc, m) != 0 ? -1 : 0;
}
