// `lutsim run` end to end, and the compiler layers under it: MAC totals on
// configs that are not in the repository, the tiler against the buffers,
// fast-forwarding against full simulation, functional bit-exactness.
#include <gtest/gtest.h>

#include <jansson.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "gemm.h"
#include "gemm_support.h"
#include "run_argv.h"
#include "lower.h"
#include "vector.h"

namespace {

using Tmp = testproc::TmpDir;
using Cmd = testproc::CliResult;
using testproc::lutsim;

struct Cfg {
    std::string type;
    uint64_t h, i, heads, kv, hd, layers, vocab;
    bool explicit_hd;
};

std::string to_json(const Cfg &c)
{
    std::ostringstream o;
    o << "{\"model_type\": \"" << c.type << "\", \"hidden_size\": " << c.h
      << ", \"num_attention_heads\": " << c.heads << ", \"num_hidden_layers\": " << c.layers
      << ", \"vocab_size\": " << c.vocab << ", \"torch_dtype\": \"bfloat16\", \"rope_theta\": 10000.0";
    if (c.type == "opt")
        o << ", \"ffn_dim\": " << c.i;
    else
        o << ", \"intermediate_size\": " << c.i << ", \"num_key_value_heads\": " << c.kv;
    if (c.explicit_hd)
        o << ", \"head_dim\": " << c.hd;
    o << "}";
    return o.str();
}

// Closed forms (issue 4): linear MACs per token are the products of the
// weight shapes; the LM head runs on one token per sequence; decode
// attention is B x layers x heads x head_dim x C x 2, prefill causal.
uint64_t linear_macs(const Cfg &c, uint64_t tokens, uint64_t batch)
{
    uint64_t q = c.h * c.heads * c.hd, kv = 2 * c.h * c.kv * c.hd, o = c.heads * c.hd * c.h;
    uint64_t mlp = (c.type == "opt" ? 2 : 3) * c.h * c.i;
    return tokens * c.layers * (q + kv + o + mlp) + batch * c.h * c.vocab;
}

json_t *run_json(const Tmp &t, const std::string &model, const std::string &args)
{
    Cmd r = lutsim(t, "run --model " + model + " --quant W2A8 " + args + " --json " + t.p("r.json"));
    EXPECT_EQ(r.status, 0) << r.err;
    json_error_t e;
    return json_load_file(t.p("r.json").c_str(), 0, &e);
}

uint64_t total(json_t *root, int phase, const char *key)
{
    json_t *ph = json_array_get(json_object_get(root, "phases"), phase);
    return (uint64_t)json_integer_value(json_object_get(json_object_get(ph, "total"), key));
}

} // namespace

TEST(RunReport, MacTotalsEqualClosedFormsOnUnseenConfigs)
{
    Tmp t;
    std::mt19937 rng(77);
    const char *types[] = {"llama", "mistral", "qwen2", "opt", "phi3", "gemma"};
    for (int trial = 0; trial < 12; trial++) {
        Cfg c;
        c.type = types[trial % 6];
        c.heads = 1u << (1 + rng() % 4);
        c.kv = c.type == "opt" ? c.heads : c.heads >> (rng() % 2);
        c.explicit_hd = c.type == "gemma";
        c.hd = c.explicit_hd ? 16 * (1 + rng() % 8) : 16 * (1 + rng() % 4);
        c.h = c.explicit_hd ? 64 * (1 + rng() % 8) : c.heads * c.hd;
        c.i = 32 * (2 + rng() % 40);
        c.layers = 1 + rng() % 5;
        c.vocab = 100 + rng() % 3000;
        std::ofstream(t.p("config.json")) << to_json(c);
        for (uint64_t B : {1u, 3u, 8u}) {
            uint64_t S = 1 + rng() % 200, C = 1 + rng() % 3000;
            json_t *r = run_json(t, t.p("config.json"),
                                 "--phase both --batch " + std::to_string(B) + " --seq " +
                                     std::to_string(S) + " --context " + std::to_string(C));
            ASSERT_NE(r, nullptr) << to_json(c);
            SCOPED_TRACE(to_json(c) + " B=" + std::to_string(B) + " S=" + std::to_string(S) +
                         " C=" + std::to_string(C));
            EXPECT_EQ(total(r, 0, "linear_macs"), linear_macs(c, B * S, B));
            EXPECT_EQ(total(r, 0, "attention_macs"), B * c.layers * c.heads * c.hd * S * (S + 1));
            EXPECT_EQ(total(r, 1, "linear_macs"), linear_macs(c, B, B));
            EXPECT_EQ(total(r, 1, "attention_macs"), B * c.layers * c.heads * c.hd * C * 2);
            // weight_bytes: the packed weights of every layer on the LUT
            // array, the LM head included (2 bits each under W2A8; every
            // matrix here has a multiple of 4 weights).
            uint64_t params = linear_macs(c, 1, 1); // one token: each weight once
            EXPECT_EQ(total(r, 1, "weight_bytes"), params * 2 / 8);
            json_decref(r);
        }
    }
}

TEST(RunReport, EveryOperationCarriesItsFiguresAndTheyAddUp)
{
    Tmp t;
    json_t *r = run_json(t, "llama-2-7b", "--phase both --seq 512 --context 1024");
    ASSERT_NE(r, nullptr);
    size_t pi;
    json_t *ph;
    json_array_foreach(json_object_get(r, "phases"), pi, ph) {
        uint64_t cycles = 0, macs = 0;
        double energy = 0;
        size_t oi;
        json_t *op;
        json_array_foreach(json_object_get(ph, "ops"), oi, op) {
            for (const char *k : {"name", "kind", "m", "n", "k", "macs", "dram_bytes", "cycles", "bound",
                                  "utilization", "energy_pj", "energy_breakdown_pj",
                                  "arithmetic_intensity", "attainable_ops_per_s", "achieved_ops_per_s"})
                ASSERT_NE(json_object_get(op, k), nullptr) << k;
            double parts = 0;
            const char *key;
            json_t *v;
            json_object_foreach(json_object_get(op, "energy_breakdown_pj"), key, v) parts += json_real_value(v);
            double e = json_real_value(json_object_get(op, "energy_pj"));
            EXPECT_NEAR(parts, e, 1e-9 * e + 1e-6);
            // Never above the roof.
            EXPECT_LE(json_real_value(json_object_get(op, "achieved_ops_per_s")),
                      1.000001 * json_real_value(json_object_get(op, "attainable_ops_per_s")) + 1)
                << json_string_value(json_object_get(op, "name"));
            // Never below its own roofline (compulsory bytes, peak compute),
            // and the limiter names a bound, or what holds it above by 1.3x.
            const double ratio = json_real_value(json_object_get(op, "roofline_ratio"));
            const std::string lim = json_string_value(json_object_get(op, "limiter"));
            EXPECT_GE(ratio, 0.9999) << json_string_value(json_object_get(op, "name"));
            if (ratio <= 1.3)
                EXPECT_TRUE(lim == "dram_bandwidth" || lim == "compute") << lim;
            else
                EXPECT_TRUE(lim == "dram_latency" || lim == "unit_occupancy" ||
                            lim == "dram_refetch" || lim == "dram_bandwidth" ||
                            lim.rfind("columns:", 0) == 0 || lim.rfind("rows:", 0) == 0) << lim;
            EXPECT_NEAR(ratio * json_real_value(json_object_get(op, "roofline_cycles")),
                        (double)json_integer_value(json_object_get(op, "cycles")),
                        1e-9 * (double)json_integer_value(json_object_get(op, "cycles")));
            EXPECT_LE(json_integer_value(json_object_get(op, "exposed_cycles")),
                      json_integer_value(json_object_get(op, "cycles")));
            cycles += json_integer_value(json_object_get(op, "cycles"));
            macs += json_integer_value(json_object_get(op, "macs"));
            energy += e;
        }
        json_t *tot = json_object_get(ph, "total");
        EXPECT_EQ((uint64_t)json_integer_value(json_object_get(tot, "cycles")), cycles);
        EXPECT_EQ((uint64_t)json_integer_value(json_object_get(tot, "macs")), macs);
        EXPECT_NEAR(json_real_value(json_object_get(tot, "energy_pj")), energy, 1e-9 * energy);
        for (const char *k : {"macs", "linear_macs", "attention_macs", "cycles", "seconds", "tokens_per_s",
                              "energy_pj", "energy_per_token_pj", "tops", "tops_per_w", "weight_bytes",
                              "scale_bytes"})
            EXPECT_NE(json_object_get(tot, k), nullptr) << k;
    }
    json_decref(r);
}

TEST(RunReport, FunctionalRunIsBitExactOnASmallModel)
{
    Tmp t;
    for (const char *q : {"W2A8", "W1.58A8", "W1A8", "W4A8", "W8A8"}) {
        Cmd r = lutsim(t, std::string("run --model tiny --quant ") + q +
                              " --functional --batch 2 --seq 9 --context 17");
        ASSERT_EQ(r.status, 0) << q << ": " << r.err;
        EXPECT_NE(r.out.find("functional (prefill): 15 linear layer executions bit-exact"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("functional (decode): 15 linear layer executions bit-exact"), std::string::npos) << r.out;
    }
}

TEST(RunReport, BadConfigsAreRejectedNamingTheKey)
{
    Tmp t;
    struct Bad { std::string json, want; };
    const Bad bads[] = {
        {"{\"model_type\": \"llama\", \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"vocab_size\": 10, \"intermediate_size\": 64}", "hidden_size"},
        {"{\"model_type\": \"llama\", \"hidden_size\": 100, \"num_attention_heads\": 3, \"num_hidden_layers\": 2, \"vocab_size\": 10, \"intermediate_size\": 64}", "num_attention_heads"},
        {"{\"model_type\": \"mixtral\", \"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"vocab_size\": 10, \"intermediate_size\": 64, \"num_local_experts\": 8}", "missing key \"num_experts_per_tok\""},
        {"{\"model_type\": \"llama\", \"hidden_size\": \"big\"", "config.json"},
    };
    for (const Bad &b : bads) {
        std::ofstream(t.p("config.json")) << b.json;
        Cmd r = lutsim(t, "run --model " + t.p("config.json") + " --quant W2A8 --json " + t.p("r.json"));
        EXPECT_EQ(r.status, 1) << b.json;
        EXPECT_NE(r.err.find(b.want), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_NE(access(t.p("r.json").c_str(), F_OK), 0) << "partial report left behind";
    }
    Cmd r = lutsim(t, "run --model llama-2-7b --quant W9A8");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("W9A8"), std::string::npos) << r.err;
}

TEST(Tiler, ProgramsStayInsideEveryBufferOnManyShapes)
{
    // sim_run stops on any access outside a buffer; every program the
    // tiler makes for random shapes, formats and architectures must run.
    std::mt19937 rng(5);
    for (int trial = 0; trial < 150; trial++) {
        arch_t a;
        arch_ideal(&a);
        a.lut_cores = 1 + (int)(rng() % 8);
        a.tile_k = 2 + (int)(rng() % 4);
        a.buf[BUF_TBL].kib = 8 << (rng() % 3);
        a.buf[BUF_OUT].kib = 64 << (rng() % 3);
        a.buf[BUF_WGT].kib = 128 << (rng() % 3);
        gemm_shape s = {};
        s.wtype = {LUT_WFMT_INT, 2 + (int)(rng() % 7)};
        s.group_size = 32 << (rng() % 3);
        s.m = 1 + (int)(rng() % 300);
        s.n = 1 + (int)(rng() % 5000);
        s.kd = 1 + (int)(rng() % 3000);
        if (trial % 10 == 0) { // a vocabulary-sized LM head: column blocks needed
            s.m = 1 + (int)(rng() % 4);
            s.n = 100000 + (int)(rng() % 160000);
            s.kd = 1 + (int)(rng() % 256);
        }
        s.force_nb = rng() % 2 ? 0 : 1 + (int)(rng() % s.n);
        program p;
        gemm_layout lay;
        char err[512];
        ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
        sim_stats st;
        ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0)
            << err << " (" << s.m << "x" << s.n << "x" << s.kd << ")";
        EXPECT_EQ(st.ev.macs, (uint64_t)s.m * s.n * s.kd);
        program_free(&p);
    }
}

TEST(FastForward, EqualsFullSimulationOnPeriodicPrograms)
{
    arch_t a;
    arch_ideal(&a);
    energy_model em = {};
    em.dram_pj_per_byte = 1;
    em.leakage_pj_per_cycle = 1;
    const int shapes[][3] = {{100, 4096, 4096}, {517, 4096, 2048}, {300, 11008, 1024},
                             {64, 4096, 11008}, {1, 4096, 4096}, {77, 3000, 1000}};
    for (const auto &sh : shapes) {
        const gemm_shape s = gemmtest::shape({LUT_WFMT_INT, 2}, sh[0], sh[1], sh[2]);
        sim_stats ff = {}, full = {};
        gemmtest::fast_and_full(a, em, s, &ff, &full);
        SCOPED_TRACE(std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.kd));
        EXPECT_EQ(ff.cycles, full.cycles);
        EXPECT_EQ(ff.instructions, full.instructions);
        EXPECT_EQ(ff.ev.dram_read_bytes, full.ev.dram_read_bytes);
        EXPECT_EQ(ff.ev.table_reads, full.ev.table_reads);
        EXPECT_EQ(ff.unit[UNIT_LUT].busy_cycles, full.unit[UNIT_LUT].busy_cycles);
    }
    const vec_shape vs[] = {{VFN_RMSNORM_F32, 700, 4096, 0, 0, 0}, {VFN_ADD_F32, 300, 8192, 0, 1, 0}, {VFN_RMSNORM_F32, 700, 4096, 0, 1, 1},
                            {VFN_SOFTMAX_F32, 5000, 300, 0, 0, 0}, {VFN_RMSNORM_F32, 700, 4096, 128, 0, 0}};
    for (const vec_shape &v : vs) {
        sim_stats ff, full;
        int sampled;
        uint64_t tiles;
        char err[256];
        ASSERT_EQ(vec_timing(&a, &em, &v, &ff, &sampled, err, sizeof err), 0) << err;
        EXPECT_EQ(sampled, 1);
        program p;
        ASSERT_EQ(vec_lower(&a, &v, 0, &p, &tiles, err, sizeof err), 0);
        ASSERT_EQ(sim_run(&a, &em, &p, nullptr, &full, err, sizeof err), 0);
        EXPECT_EQ(ff.cycles, full.cycles);
        EXPECT_EQ(ff.ev.dram_read_bytes, full.ev.dram_read_bytes);
        program_free(&p);
    }
}

TEST(RunReport, FusedPrecomputeKeepsResultsExactAndMovesTheWork)
{
    Tmp t;
    // Functional: the linear layers load tables the vector unit wrote.
    Cmd r = lutsim(t, std::string("run --model tiny --quant W2A8 --functional --batch 2 --seq 9 "
                                  "--context 17 --arch ") + SRC_DIR + "/workloads/arch/lut-fused.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("functional (prefill): 15 linear layer executions bit-exact"), std::string::npos) << r.out;
    // Timing: same MACs; the fused GEMMs run no table precompute of their
    // own, the norms before them do it instead.
    json_t *plain = run_json(t, "llama-2-7b", "--phase prefill --seq 256");
    ASSERT_NE(plain, nullptr);
    Cmd f = lutsim(t, std::string("run --model llama-2-7b --quant W2A8 --phase prefill --seq 256 --arch ") +
                          SRC_DIR + "/workloads/arch/lut-fused.json --json " + t.p("f.json"));
    ASSERT_EQ(f.status, 0) << f.err;
    json_error_t e;
    json_t *fused = json_load_file(t.p("f.json").c_str(), 0, &e);
    ASSERT_NE(fused, nullptr);
    EXPECT_EQ(total(plain, 0, "linear_macs"), total(fused, 0, "linear_macs"));
    json_t *ops = json_object_get(json_array_get(json_object_get(fused, "phases"), 0), "ops");
    size_t i;
    json_t *op;
    int fused_linear = 0, fused_norm = 0;
    json_array_foreach(ops, i, op) {
        if (!json_is_true(json_object_get(op, "fused_precompute")))
            continue;
        std::string kind = json_string_value(json_object_get(op, "kind"));
        fused_linear += kind == "linear";
        fused_norm += kind == "norm";
    }
    EXPECT_GE(fused_linear, 3); // q, k, v (and gate, up) load tables
    EXPECT_GE(fused_norm, 2);   // the two norms of a layer write them
    json_decref(plain);
    json_decref(fused);
}
