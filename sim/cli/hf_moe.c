/* hf_moe.c - mixture-of-experts keys of config.json, as each family
 * spells them (README "Mixture-of-experts"). */
#include "hf_keys.h"

#include <math.h>
#include <string.h>

int hf_is_moe_family(model_family f)
{
    return f == MODEL_MIXTRAL || f == MODEL_QWEN2_MOE || f == MODEL_QWEN3_MOE ||
           f == MODEL_DEEPSEEK_V2 || f == MODEL_DEEPSEEK_V3 || f == MODEL_OLMOE ||
           f == MODEL_PHIMOE;
}

static void set_moe(model_cfg *m, int l) { m->moe_layer_mask[l / 64] |= (uint64_t)1 << (l % 64); }

/* Qwen-MoE: layer l is sparse unless listed in mlp_only_layers, and only
 * every decoder_sparse_step-th: (l + 1) % step == 0. */
static int qwen_layers(const hf_ctx *c, const json_t *doc, model_cfg *m)
{
    int step = 1;
    if (hf_get_int(c, doc, "decoder_sparse_step", 0, 1, &step) != 0)
        return -1;
    const int L = m->num_hidden_layers;
    unsigned char dense[MODEL_MAX_LAYERS] = { 0 };
    const json_t *only = json_object_get(doc, "mlp_only_layers");
    if (only && !json_is_null(only)) {
        if (!json_is_array(only))
            FAIL(c, "mlp_only_layers: expected an array of layer indices, got %s",
                 json_is_object(only) ? "object" : "a scalar");
        size_t i;
        const json_t *v;
        json_array_foreach(only, i, v) {
            double d = json_is_number(v) ? json_number_value(v) : -1;
            if (d != floor(d) || d < 0 || d >= L) {
                char got[80];
                hf_got_text(v, got, sizeof got);
                FAIL(c, "mlp_only_layers: entry %zu: expected a layer index 0..%d, got %s", i,
                     L - 1, got);
            }
            dense[(int)d] = 1;
        }
    }
    for (int l = 0; l < L; l++)
        if (!dense[l] && (l + 1) % step == 0)
            set_moe(m, l);
    return 0;
}

/* DeepSeek: layer l is sparse if l >= first_k_dense_replace and
 * l % moe_layer_freq == 0. */
static int deepseek_layers(const hf_ctx *c, const json_t *doc, model_cfg *m)
{
    int first = 0, freq = 1;
    if (hf_get_int(c, doc, "first_k_dense_replace", 0, 0, &first) != 0 ||
        hf_get_int(c, doc, "moe_layer_freq", 0, 1, &freq) != 0)
        return -1;
    if (first > m->num_hidden_layers)
        FAIL(c, "first_k_dense_replace: %d is more than num_hidden_layers (%d)", first,
             m->num_hidden_layers);
    for (int l = first; l < m->num_hidden_layers; l++)
        if (l % freq == 0)
            set_moe(m, l);
    return 0;
}

int hf_moe_keys(const hf_ctx *c, const json_t *doc, model_cfg *m)
{
    const model_family f = m->family;
    const char *ekey = f == MODEL_MIXTRAL || f == MODEL_PHIMOE ? "num_local_experts"
                       : f == MODEL_DEEPSEEK_V2 || f == MODEL_DEEPSEEK_V3 ? "n_routed_experts"
                                                                           : "num_experts";
    int E = 0, k = 0;
    if (m->num_hidden_layers > MODEL_MAX_LAYERS)
        FAIL(c, "num_hidden_layers: at most %d, got %d", MODEL_MAX_LAYERS, m->num_hidden_layers);
    const int deepseek = f == MODEL_DEEPSEEK_V2 || f == MODEL_DEEPSEEK_V3;
    if (deepseek && json_is_null(json_object_get(doc, ekey))) /* n_routed_experts null: dense */
        return 0;
    if (hf_get_int(c, doc, ekey, 1, 0, &E) != 0)
        return -1;
    if (E == 0) /* Qwen2-MoE with num_experts 0: a dense model */
        return 0;
    if (E < 2 || E > 65536)
        FAIL(c, "%s: expected 2..65536 routed experts, got %d", ekey, E);
    if (hf_get_int(c, doc, "num_experts_per_tok", 1, 1, &k) != 0)
        return -1;
    if (k > E)
        FAIL(c, "num_experts_per_tok: %d is more than %s (%d)", k, ekey, E);
    m->moe_experts = E;
    m->moe_top_k = k;
    m->moe_intermediate = m->intermediate_size; /* mixtral, olmoe, phimoe */
    switch (f) {
    case MODEL_QWEN2_MOE:
    case MODEL_QWEN3_MOE: {
        if (hf_get_int(c, doc, "moe_intermediate_size", 1, 1, &m->moe_intermediate) != 0)
            return -1;
        int sh = 0;
        if (f == MODEL_QWEN2_MOE &&
            hf_get_int(c, doc, "shared_expert_intermediate_size", 0, 0, &sh) != 0)
            return -1;
        m->moe_shared_intermediate = sh;
        m->moe_shared_gate = sh > 0; /* sigmoid(shared_expert_gate(x)) * shared(x) */
        if (qwen_layers(c, doc, m) != 0)
            return -1;
        break;
    }
    case MODEL_DEEPSEEK_V2:
    case MODEL_DEEPSEEK_V3: {
        int shared = 0;
        if (hf_get_int(c, doc, "moe_intermediate_size", 1, 1, &m->moe_intermediate) != 0 ||
            hf_get_int(c, doc, "n_shared_experts", 0, 0, &shared) != 0)
            return -1;
        if ((long long)shared * m->moe_intermediate > (1 << 24))
            FAIL(c, "n_shared_experts: %d x moe_intermediate_size %d is too large", shared,
                 m->moe_intermediate);
        m->moe_shared_intermediate = shared * m->moe_intermediate;
        if (deepseek_layers(c, doc, m) != 0)
            return -1;
        break;
    }
    default: /* every layer sparse */
        for (int l = 0; l < m->num_hidden_layers; l++)
            set_moe(m, l);
        return 0;
    }
    int any = 0; /* no sparse layer left (all in mlp_only_layers, ...): a dense model */
    for (int w = 0; w < MODEL_MAX_LAYERS / 64; w++)
        any |= m->moe_layer_mask[w] != 0;
    if (!any)
        m->moe_experts = 0;
    return 0;
}
