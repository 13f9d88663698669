// model_support.h - what the model-variant suites (test_moe, test_generate,
// test_attn_variants) share: a config written by the test, parsed as
// config.json, and the ideal architecture (workloads/arch/ideal.json) with
// the default energy table and a named quantization preset.
#pragma once

#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "engine_setup.h"
#include "model.h"
#include "model_json.h"
}

namespace modeltest {

inline model_cfg from_json(const std::string &text, const char *label = "held_out.json")
{
    model_cfg m;
    char err[512] = "";
    EXPECT_EQ(model_from_hf_string(text.c_str(), label, nullptr, &m, err, sizeof err), 0) << err;
    return m;
}

struct Machine {
    arch_t a;
    energy_model em;
    quant_preset q;
};

inline Machine ideal_machine(const char *quant = "W4A8")
{
    Machine s;
    char err[1024] = "";
    EXPECT_EQ(engine_setup(SRC_DIR "/workloads/arch/ideal.json", nullptr, &s.a, &s.em, err,
                           sizeof err), 0) << err;
    EXPECT_EQ(quant_preset_named(quant, &s.q), 0);
    return s;
}

} // namespace modeltest
