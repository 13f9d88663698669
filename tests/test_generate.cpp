// test_generate.cpp - `lutsim run --phase generate`: the request's decode
// time and energy equal the sum of separately simulated decode steps, its
// figures follow from their definitions, and a request that does not fit
// DRAM is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "model_support.h"
#include "run_argv.h"

extern "C" {
#include "engine_setup.h"
#include "model_json.h"
#include "report_run.h"
#include "run_eval.h"
#include "run_generate.h"
}

namespace {

using modeltest::Machine;
Machine ideal() { return modeltest::ideal_machine("W4A8"); }

model_cfg model(const char *name_or_json)
{
    model_cfg m;
    char err[512] = "";
    int rc = name_or_json[0] == '{'
                 ? model_from_hf_string(name_or_json, "held_out.json", nullptr, &m, err, sizeof err)
                 : model_from_hf_config(name_or_json, &m, err, sizeof err);
    EXPECT_EQ(rc, 0) << err;
    return m;
}

struct Sums {
    double cycles = 0, energy = 0, dram = 0;
};

// One decode phase simulated on its own (a fresh shape cache), as
// `lutsim run --phase decode --context C` does.
Sums separate_decode(const Machine &s, const model_cfg &m, int B, int C)
{
    static op_result ops[MODEL_MAX_OPS];
    run_phase p;
    char err[1024] = "";
    EXPECT_EQ(run_phase_prepare(&m, "m", 1, B, 0, C, &p, err, sizeof err), 0) << err;
    EXPECT_EQ(run_phase_time(&s.a, &s.em, &m, "m", &s.q, 0, &p, ops, nullptr, nullptr, nullptr,
                             err, sizeof err), 0) << err;
    uint64_t cyc = 0, dram = 0;
    double e = 0;
    EXPECT_EQ(run_phase_sums(&s.a, &s.q, &p, &cyc, &e, &dram), 0);
    return {(double)cyc, e, (double)dram};
}

gen_result generate(const Machine &s, const model_cfg &m, int P, int T, int B, int every)
{
    static op_result ops[MODEL_MAX_OPS];
    gen_result g;
    char err[1024] = "";
    EXPECT_EQ(run_generate(&s.a, &s.em, &m, "m", &s.q, 0, P, T, B, every, ops, &g, err,
                           sizeof err), 0) << err;
    return g;
}

void expect_equals_separate_steps(const Machine &s, const model_cfg &m, int P, int T, int B)
{
    Sums sum;
    for (int j = 0; j < T; j++) {
        Sums one = separate_decode(s, m, B, P + j + 1);
        sum.cycles += one.cycles;
        sum.energy += one.energy;
        sum.dram += one.dram;
    }
    for (int every : {0, 1}) {
        gen_result g = generate(s, m, P, T, B, every);
        SCOPED_TRACE(std::string(m.name) + " P=" + std::to_string(P) + " B=" + std::to_string(B) +
                     (every ? " every step" : " bisection"));
        EXPECT_NEAR((double)g.decode_cycles, sum.cycles, 1e-3 * sum.cycles);
        EXPECT_NEAR(g.decode_energy_pj, sum.energy, 1e-3 * sum.energy);
        EXPECT_NEAR((double)g.decode_dram_bytes, sum.dram, 1e-3 * sum.dram);
        EXPECT_LE(g.steps_simulated, T);
        if (every) {
            EXPECT_EQ(g.steps_simulated, T);
        }
    }
}

const char *kMoe = R"({"model_type": "mixtral", "hidden_size": 512, "intermediate_size": 1024,
    "num_attention_heads": 8, "num_key_value_heads": 2, "num_hidden_layers": 2,
    "vocab_size": 1000, "num_local_experts": 8, "num_experts_per_tok": 2})";

} // namespace

TEST(Generate, EqualsTheSumOfSeparatelySimulatedDecodeSteps)
{
    Machine s = ideal();
    // P = 512, T = 256 (the issue's request), and a prompt whose contexts
    // cross key-block boundaries
    expect_equals_separate_steps(s, model("tiny"), 512, 256, 1);
    expect_equals_separate_steps(s, model("tiny"), 700, 256, 2);
    expect_equals_separate_steps(s, model(kMoe), 512, 256, 4);
}

TEST(Generate, EqualsSeparateStepsOnTheRealisticDefault)
{
    // LPDDR5 device timing, bounded DMA, banked buffers: the bisection's
    // premise (equal ends, equal inside) checked where DRAM is not ideal
    Machine s;
    char err[1024] = "";
    ASSERT_EQ(engine_setup(nullptr, nullptr, &s.a, &s.em, err, sizeof err), 0) << err;
    ASSERT_EQ(quant_preset_named("W2A8", &s.q), 0);
    expect_equals_separate_steps(s, model("tiny"), 512, 256, 1);
    expect_equals_separate_steps(s, model(kMoe), 200, 100, 3);
}

TEST(Generate, FiguresFollowFromTheirDefinitions)
{
    Machine s = ideal();
    model_cfg m = model("tiny");
    const int P = 300, T = 40, B = 3;
    gen_result g = generate(s, m, P, T, B, 0);
    // the prefill on its own
    static op_result ops[MODEL_MAX_OPS];
    run_phase p;
    char err[1024] = "";
    ASSERT_EQ(run_phase_prepare(&m, "m", 0, B, P, 0, &p, err, sizeof err), 0) << err;
    ASSERT_EQ(run_phase_time(&s.a, &s.em, &m, "m", &s.q, 0, &p, ops, nullptr, nullptr, nullptr, err,
                             sizeof err), 0) << err;
    uint64_t pc = 0, pd = 0;
    double pe = 0;
    ASSERT_EQ(run_phase_sums(&s.a, &s.q, &p, &pc, &pe, &pd), 0);
    const double hz = s.a.clock_ghz * 1e9;
    EXPECT_EQ(g.prefill_cycles, pc);
    EXPECT_DOUBLE_EQ(g.ttft_s, pc / hz);
    Sums last = separate_decode(s, m, B, P + T);
    EXPECT_DOUBLE_EQ(g.tpot_last_s, last.cycles / hz);
    EXPECT_DOUBLE_EQ(g.tpot_mean_s, (double)g.decode_cycles / (T * hz));
    EXPECT_DOUBLE_EQ(g.e2e_s, (pc + (double)g.decode_cycles) / hz);
    EXPECT_DOUBLE_EQ(g.tokens_per_s, B * T / g.e2e_s);
    EXPECT_NEAR(g.energy_per_token_pj, (pe + g.decode_energy_pj) / (B * T), 1e-9 * g.energy_per_token_pj);
    // INT8 K and V of every layer and KV head at the peak context P + T
    const double kv = 2.0 * m.num_hidden_layers * m.num_key_value_heads * m.head_dim * (P + T) * B;
    EXPECT_EQ((double)g.kv_peak_bytes, kv);
}

TEST(Generate, RefusesARequestBeyondDramCapacity)
{
    Machine s = ideal();
    s.a.dram_capacity_gib = 0.001;
    model_cfg m = model("tiny");
    gen_result g;
    char err[1024] = "";
    EXPECT_NE(run_generate_check(&s.a, &m, "tiny", &s.q, 4096, 4096, 64, &g, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("dram.capacity_gib = 0.001"), std::string::npos) << err;
    EXPECT_NE(std::string(err).find("KV cache"), std::string::npos) << err;
}

TEST(Generate, CommandLine)
{
    testproc::TmpDir t;
    auto r = testproc::lutsim(t, "run --model tiny --quant W4A8 --phase generate --prompt 64 --new 8 "
                                 "--batch 2 --arch " SRC_DIR "/workloads/arch/ideal.json --json " + t.p("g.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("time to first token"), std::string::npos) << r.out;
    json_error_t je;
    json_t *doc = json_load_file(t.p("g.json").c_str(), 0, &je);
    ASSERT_TRUE(doc) << je.text;
    json_t *g = json_object_get(doc, "generate");
    ASSERT_TRUE(json_is_object(g));
    EXPECT_EQ(json_integer_value(json_object_get(g, "new_tokens")), 8);
    EXPECT_GT(json_real_value(json_object_get(g, "ttft_s")), 0);
    json_decref(doc);
    // options generate does not take, and a request that does not fit
    r = testproc::lutsim(t, "run --model tiny --quant W4A8 --phase generate --csv " + t.p("x.csv"));
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(access(t.p("x.csv").c_str(), F_OK), 0);
    r = testproc::lutsim(t, "run --model mixtral-8x7b --quant W4A8 --phase generate --json " + t.p("y.json"));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("dram.capacity_gib"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(access(t.p("y.json").c_str(), F_OK), 0);
    r = testproc::lutsim(t, "run --model tiny --quant W4A8 --routing zipf:x");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--routing"), std::string::npos) << r.err;
}

TEST(Generate, ZipfRoutingStepsEveryTokenWithItsOwnDraw)
{
    Machine s = ideal();
    model_cfg m = model(kMoe);
    m.moe_routing = MOE_ROUTE_ZIPF;
    m.moe_zipf_s = 1.2;
    m.moe_route_seed = 9;
    gen_result a = generate(s, m, 64, 20, 4, 0), b = generate(s, m, 64, 20, 4, 0);
    EXPECT_EQ(a.steps_simulated, 20); // no bisection: each step routes anew
    EXPECT_EQ(a.decode_cycles, b.decode_cycles); // seeded
    // step j draws with seed + j: the sum of those decode phases on their own
    double sum = 0;
    for (int j = 0; j < 20; j++) {
        model_cfg c = m;
        c.moe_route_seed = m.moe_route_seed + (uint32_t)(j + 1);
        sum += separate_decode(s, c, 4, 64 + j + 1).cycles;
    }
    EXPECT_EQ((double)a.decode_cycles, sum);
}
