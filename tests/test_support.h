// test_support.h - small helpers more than one suite needs: a Llama-style
// model of given sizes, an operation of a lowering by name, a GEMM's
// fast-forwarded statistics held to a full simulation, and the vector unit's float -> INT8 quantization as
// its documentation states it (round half away from zero, saturate, NaN 0).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "lower.h"
#include "model.h"
#include "program.h"
#include "sim.h"

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

// Simulates s in full and compares with ff, its fast-forwarded timing:
// counts exactly; cycles to within the fill of the sampled programs (a few
// cycles per fast-forwarded axis).
inline void expect_full_equals(const arch_t &a, const energy_model *em, const gemm_shape &s,
                               const sim_stats &ff)
{
    program p;
    gemm_layout lay;
    sim_stats full;
    char err[512] = "";
    ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
    ASSERT_EQ(sim_run(&a, em, &p, nullptr, &full, err, sizeof err), 0) << err;
    program_free(&p);
    EXPECT_EQ(ff.instructions, full.instructions);
    EXPECT_EQ(ff.ev.dram_read_bytes, full.ev.dram_read_bytes);
    EXPECT_EQ(ff.ev.dram_write_bytes, full.ev.dram_write_bytes);
    EXPECT_EQ(ff.ev.table_reads, full.ev.table_reads);
    EXPECT_EQ(ff.ev.vector_ops, full.ev.vector_ops);
    EXPECT_EQ(ff.unit[UNIT_LUT].busy_cycles, full.unit[UNIT_LUT].busy_cycles);
    EXPECT_EQ(ff.unit[UNIT_VEC].busy_cycles, full.unit[UNIT_VEC].busy_cycles);
    EXPECT_NEAR((double)ff.cycles, (double)full.cycles, 1e-4 * (double)full.cycles + 16);
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

// prog run functionally on img (read and written) into *st, and timing-only:
// the same cycles.
inline void run_on_image(const arch_t &a, const std::vector<isa_instr> &prog,
                         std::vector<uint8_t> &img, sim_stats *st)
{
    program p;
    program_init(&p);
    for (const isa_instr &in : prog)
        EXPECT_EQ(program_push(&p, &in), 0);
    sim_opts o;
    std::memset(&o, 0, sizeof o);
    o.dram = img.data();
    o.dram_size = img.size();
    char err[256] = "";
    EXPECT_EQ(sim_run(&a, nullptr, &p, &o, st, err, sizeof err), 0) << err;
    sim_stats timing;
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &timing, err, sizeof err), 0) << err;
    EXPECT_EQ(timing.cycles, st->cycles);
    program_free(&p);
}

} // namespace testsupport
