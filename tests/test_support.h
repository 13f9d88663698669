// test_support.h - small helpers more than one suite needs: a Llama-style
// model of given sizes, an operation of a lowering by name, and the vector unit's float -> INT8 quantization as
// its documentation states it (round half away from zero, saturate, NaN 0).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "lower.h"
#include "model.h"

namespace testsupport {

inline model_cfg llama(int hidden, int intermediate, int heads, int kv_heads, int layers, int vocab)
{
    model_cfg m;
    model_cfg_init(&m, MODEL_LLAMA);
    m.hidden_size = hidden;
    m.intermediate_size = intermediate;
    m.num_attention_heads = heads;
    m.num_key_value_heads = kv_heads;
    m.num_hidden_layers = layers;
    m.vocab_size = vocab;
    return m;
}

inline const op_result *find(const op_result *r, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (std::strcmp(r[i].op.name, name) == 0)
            return &r[i];
    return nullptr;
}

inline int8_t ref_quant(float x)
{
    if (std::isnan(x))
        return 0;
    if (x >= 127.0f)
        return 127;
    if (x <= -128.0f)
        return -128;
    return (int8_t)std::round(x);
}

} // namespace testsupport
