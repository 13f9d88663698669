/* workload_embed.c - the short-name tables over the embedded workload files
 * (Makefile EMBED list; build/gen/embed_*.c). */
#include "workload_embed.h"

#include <ctype.h>
#include <stddef.h>

#define X(sym) extern const char embed_##sym[];
X(models_llama_2_7b) X(models_llama_2_13b) X(models_llama_2_70b) X(models_llama_3_8b)
X(models_bitnet_b1_58_3b) X(models_opt_6_7b) X(models_mistral_7b) X(models_qwen2_7b)
X(models_phi_3_mini) X(models_gemma_7b) X(models_tiny)
X(models_mixtral_8x7b) X(models_qwen1_5_moe_a2_7b) X(models_olmoe_1b_7b)
X(models_deepseek_v2_lite) X(models_opt_1_3b)
X(quant_W1_58A8) X(quant_W1A8) X(quant_W2A8) X(quant_W3A8) X(quant_W4A8) X(quant_W8A8)
X(quant_W4A8_asym) X(quant_W4A8_e8) X(quant_W1_58A8_tensor) X(quant_W1_58A8_trit5)
X(quant_W2A4) X(quant_W4A4) X(quant_W4A16) X(quant_W3A8_bitmod) X(quant_W4A8_bitmod)
X(quant_FP16) X(quant_BitMoD_lossless) X(quant_BitMoD_lossy) X(quant_ANT_4b) X(quant_OliVe_4b)
#undef X

typedef struct {
    const char *name;
    const char *text;
} entry;

static const entry models[] = {
    { "llama-2-7b", embed_models_llama_2_7b },
    { "llama-2-13b", embed_models_llama_2_13b },
    { "llama-2-70b", embed_models_llama_2_70b },
    { "llama-3-8b", embed_models_llama_3_8b },
    { "bitnet-b1.58-3b", embed_models_bitnet_b1_58_3b },
    { "opt-6.7b", embed_models_opt_6_7b },
    { "mistral-7b", embed_models_mistral_7b },
    { "qwen2-7b", embed_models_qwen2_7b },
    { "phi-3-mini", embed_models_phi_3_mini },
    { "gemma-7b", embed_models_gemma_7b },
    { "tiny", embed_models_tiny },
    { "mixtral-8x7b", embed_models_mixtral_8x7b },
    { "qwen1.5-moe-a2.7b", embed_models_qwen1_5_moe_a2_7b },
    { "olmoe-1b-7b", embed_models_olmoe_1b_7b },
    { "deepseek-v2-lite", embed_models_deepseek_v2_lite },
    { "opt-1.3b", embed_models_opt_1_3b },
    { NULL, NULL },
};

static const entry quants[] = {
    { "W1.58A8", embed_quant_W1_58A8 },
    { "W1A8", embed_quant_W1A8 },
    { "W2A8", embed_quant_W2A8 },
    { "W3A8", embed_quant_W3A8 },
    { "W4A8", embed_quant_W4A8 },
    { "W8A8", embed_quant_W8A8 },
    { "W4A8-asym", embed_quant_W4A8_asym },
    { "W4A8-e8", embed_quant_W4A8_e8 },
    { "W1.58A8-tensor", embed_quant_W1_58A8_tensor },
    { "W1.58A8-trit5", embed_quant_W1_58A8_trit5 },
    { "W2A4", embed_quant_W2A4 },
    { "W4A4", embed_quant_W4A4 },
    { "W4A16", embed_quant_W4A16 },
    { "W3A8-bitmod", embed_quant_W3A8_bitmod },
    { "W4A8-bitmod", embed_quant_W4A8_bitmod },
    { "FP16", embed_quant_FP16 },
    { "BitMoD-lossless", embed_quant_BitMoD_lossless },
    { "BitMoD-lossy", embed_quant_BitMoD_lossy },
    { "ANT-4b", embed_quant_ANT_4b },
    { "OliVe-4b", embed_quant_OliVe_4b },
    { NULL, NULL },
};

static int ieq(const char *a, const char *b)
{
    while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b))
        a++, b++;
    return *a == 0 && *b == 0;
}

static const char *find(const entry *t, const char *name)
{
    for (; t->name; t++)
        if (ieq(t->name, name))
            return t->text;
    return NULL;
}

static const char *nth(const entry *t, int n, int i)
{
    return i >= 0 && i < n ? t[i].name : NULL;
}

const char *workload_model_text(const char *name) { return find(models, name); }
const char *workload_quant_text(const char *name) { return find(quants, name); }
const char *workload_model_name(int i)
{
    return nth(models, (int)(sizeof models / sizeof models[0]) - 1, i);
}
const char *workload_quant_name(int i)
{
    return nth(quants, (int)(sizeof quants / sizeof quants[0]) - 1, i);
}
