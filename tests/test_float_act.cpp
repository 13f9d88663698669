// Float activations on the LUT core (lut_float.h): the FP8 conversions, the
// host GEMM and the C model computing the same bits, timing-only and
// functional runs agreeing on cycles, and the error against a float64
// GEMM within a bound derived from the formats; then `lutsim gemm --afmt`.
#include <gtest/gtest.h>

#include <jansson.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "energy_json.h"
#include "engine_setup.h"
#include "float_bound.h"
#include "fp_arith.h"
#include "gemm.h"
#include "gemm_support.h"
#include "lut_float.h"
#include "lut_gemm.h"
#include "lut_meta.h"
#include "npy.h"
#include "npy_cli.h"
#include "program.h"
#include "run_argv.h"
#include "sim.h"

namespace {

// --- FP8 ------------------------------------------------------------------

TEST(Fp8, EveryCodeRoundTrips)
{
    for (int b = 0; b < 256; b++) {
        const float x = fp_e4m3_to_f32((uint8_t)b);
        if ((b & 0x7F) == 0x7F) {
            EXPECT_TRUE(std::isnan(x)) << b;
            continue;
        }
        EXPECT_EQ(fp_f32_to_e4m3(x), (uint8_t)b) << b;
    }
    for (int b = 0; b < 256; b++) {
        const float x = fp_e5m2_to_f32((uint8_t)b);
        if ((b & 0x7F) > 0x7C) {
            EXPECT_TRUE(std::isnan(x)) << b;
            continue;
        }
        EXPECT_EQ(fp_f32_to_e5m2(x), (uint8_t)b) << b;
    }
}

// The formats' definitions (OCP OFP8 v1.0): largest finite values, the
// smallest subnormals, saturation and overflow, ties to even.
TEST(Fp8, RangeSaturationAndTies)
{
    EXPECT_EQ(fp_e4m3_to_f32(0x7E), 448.0f);
    EXPECT_EQ(fp_e4m3_to_f32(0x01), std::ldexp(1.0f, -9));
    EXPECT_EQ(fp_f32_to_e4m3(500.0f), 0x7E);                 // saturates
    EXPECT_EQ(fp_f32_to_e4m3(-INFINITY), 0xFE);              // no infinity: -448
    EXPECT_EQ(fp_f32_to_e4m3(std::ldexp(1.0f, -10)), 0x00);  // half the smallest: tie to 0
    EXPECT_EQ(fp_f32_to_e4m3(1.0625f), fp_f32_to_e4m3(1.0f)); // tie between 1 and 1.125: even
    EXPECT_EQ(fp_f32_to_e4m3(1.1875f), fp_f32_to_e4m3(1.25f)); // tie: 1.25 is even
    EXPECT_EQ(fp_e5m2_to_f32(0x7B), 57344.0f);
    EXPECT_EQ(fp_e5m2_to_f32(0x01), std::ldexp(1.0f, -16));
    EXPECT_EQ(fp_f32_to_e5m2(61439.0f), 0x7B);               // below the midpoint
    EXPECT_EQ(fp_f32_to_e5m2(61440.0f), 0x7C);               // the midpoint rounds to infinity
    EXPECT_TRUE(std::isinf(fp_e5m2_to_f32(0x7C)));
    EXPECT_TRUE(std::isnan(fp_e5m2_to_f32(fp_f32_to_e5m2(NAN))));
}

// --- host == C model, cycles, error bound ----------------------------------

const lut_afmt kAfmts[] = { LUT_AFMT_FP16, LUT_AFMT_BF16, LUT_AFMT_FP8E4M3, LUT_AFMT_FP8E5M2 };
const lut_tfmt kTfmts[] = { LUT_TFMT_FP16, LUT_TFMT_FP32, LUT_TFMT_INT8 };
const lut_wtype kWtypes[] = { {LUT_WFMT_INT, 2}, {LUT_WFMT_INT, 3}, {LUT_WFMT_INT, 4},
                              {LUT_WFMT_TERNARY, 2}, {LUT_WFMT_BINARY, 1} };

struct Case {
    lut_afmt af;
    lut_tfmt tf;
    lut_wtype wt;
    int m, n, k, group;
    std::vector<uint8_t> act; // m x k as stored
    std::vector<float> a;     // the same, widened
    std::vector<int8_t> w;    // n x k
    std::vector<float> scales; // n x groups, as fp16 metadata stores them
};

Case make_case(lut_afmt af, lut_tfmt tf, lut_wtype wt, std::mt19937 &rng)
{
    Case c{af, tf, wt, 1 + (int)(rng() % 9), 0, 0, 32, {}, {}, {}, {}};
    c.n = 1 + (int)(rng() % 150);      // the array covers 512 columns: never a multiple
    c.k = 33 + (int)(rng() % 250);
    if (c.k % c.group == 0)
        c.k++;                          // K not a multiple of the group
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    const int ab = lut_afmt_bytes(af);
    c.act.resize((size_t)c.m * c.k * ab);
    c.a.resize((size_t)c.m * c.k);
    for (size_t j = 0; j < c.a.size(); j++) {
        lut_afmt_store(c.act.data(), af, j, 4.0f * gauss(rng));
        c.a[j] = lut_afmt_load(c.act.data(), af, j);
    }
    c.w.resize((size_t)c.n * c.k);
    const int lo = wt.fmt == LUT_WFMT_INT ? -(1 << (wt.bits - 1)) : -1;
    const int hi = wt.fmt == LUT_WFMT_INT ? (1 << (wt.bits - 1)) - 1 : 1;
    for (auto &v : c.w) {
        v = (int8_t)(lo + (int)(rng() % (unsigned)(hi - lo + 1)));
        if (wt.fmt == LUT_WFMT_BINARY && v == 0)
            v = 1;
    }
    const int groups = (c.k + c.group - 1) / c.group;
    std::uniform_real_distribution<float> sd(0.25f, 2.0f);
    c.scales.resize((size_t)c.n * groups);
    for (auto &s : c.scales)
        s = lut_scale_round(LUT_SCALE_FP16, sd(rng));
    return c;
}

arch_t arch_for(const Case &c)
{
    arch_t a;
    arch_default(&a);
    arch_set_act_fmt(&a, c.af);
    a.table_fmt = c.tf;
    return a;
}

gemm_shape shape_of(const Case &c)
{
    gemm_shape s;
    std::memset(&s, 0, sizeof s);
    s.wtype = c.wt;
    s.group_size = c.group;
    s.m = (uint64_t)c.m;
    s.n = c.n;
    s.kd = c.k;
    s.float_out = 1;
    s.mfmt = lut_meta_code(LUT_SCALE_FP16, 0);
    return s;
}

// The packing the program's metadata format implies (ternary as INT2 codes
// without a stored zero-point: gemm_pack_type).
lut_packed pack_like_program(const Case &c)
{
    lut_gemm_cfg cfg;
    lut_wtype pt = c.wt;
    if (pt.fmt == LUT_WFMT_TERNARY)
        pt.fmt = LUT_WFMT_INT;
    lut_gemm_cfg_default(&cfg, pt);
    cfg.tk = 4;
    cfg.group_size = c.group;
    lut_packed pk;
    char err[256] = "";
    EXPECT_EQ(lut_pack(&cfg, c.w.data(), c.n, c.k, nullptr, &pk, err, sizeof err), 0) << err;
    return pk;
}

// The bound on |computed - exact| for each output (float_bound.h's
// derivation) plus the float64 reference's own rounding.
double bound_of(const Case &c, const lut_packed &pk, int r, int col)
{
    const int G = pk.ngroups;
    double refmag = 0;
    for (int k = 0; k < c.k; k++)
        refmag += std::fabs(c.a[(size_t)r * c.k + k] * c.w[(size_t)col * c.k + k]) *
                  c.scales[(size_t)col * G + k / c.group];
    return floattest::core_bound(pk, c.tf, &c.a[(size_t)r * c.k], &c.scales[(size_t)col * G], col) +
           floattest::reference_bound(c.k, refmag);
}

double reference(const Case &c, int r, int col)
{
    const int G = (c.k + c.group - 1) / c.group;
    double out = 0;
    for (int g = 0; g < G; g++) {
        double s = 0;
        for (int k = g * c.group; k < std::min((g + 1) * c.group, c.k); k++)
            s += (double)c.a[(size_t)r * c.k + k] * c.w[(size_t)col * c.k + k];
        out += c.scales[(size_t)col * G + g] * s;
    }
    return out;
}

void check_case(const Case &c)
{
    SCOPED_TRACE(std::string(lut_afmt_name(c.af)) + " x " + lut_wfmt_name(c.wt.fmt) +
                 std::to_string(c.wt.bits) + " x " + lut_tfmt_name(c.tf) + " tables, " +
                 std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k));
    const arch_t a = arch_for(c);
    char err[512] = "";
    ASSERT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    const gemm_shape s = shape_of(c);
    gemm_layout lay;
    std::vector<uint8_t> img;
    gemmtest::run_lowered(a, s, &lay, &img, [&](const gemm_layout &l, uint8_t *im, char *e, size_t len) {
        return gemm_fill(&a, &s, &l, (const int8_t *)c.act.data(), c.w.data(), nullptr,
                         c.scales.data(), im, e, len);
    });
    if (::testing::Test::HasFatalFailure())
        return;

    lut_packed pk = pack_like_program(c);
    std::vector<float> host((size_t)c.m * c.n);
    ASSERT_EQ(lut_gemm_fact(&pk, lut_float_fmt{c.af, c.tf}, c.act.data(), c.m, c.scales.data(),
                            host.data(), nullptr, err, sizeof err), 0) << err;
    EXPECT_EQ(std::memcmp(host.data(), img.data() + lay.c_addr, host.size() * 4), 0)
        << "host and C model differ";
    for (int r = 0; r < c.m; r++)
        for (int col = 0; col < c.n; col++) {
            const double e = std::fabs(host[(size_t)r * c.n + col] - reference(c, r, col));
            const double b = bound_of(c, pk, r, col);
            if (e > b) {
                ADD_FAILURE() << "[" << r << "][" << col << "]: error " << e << " > bound " << b;
                lut_packed_free(&pk);
                return;
            }
        }
    lut_packed_free(&pk);
}

TEST(FloatAct, HostEqualsCModelWithinTheDerivedBound)
{
    std::mt19937 rng(20261202);
    for (lut_afmt af : kAfmts)
        for (lut_tfmt tf : kTfmts)
            for (lut_wtype wt : kWtypes)
                check_case(make_case(af, tf, wt, rng));
}

// The table format decides the bytes a table takes, so the table buffer
// holds fewer fp32 tables and each lmma moves more table bytes.
TEST(FloatAct, TableBytesFollowTheFormat)
{
    arch_t a;
    arch_default(&a);
    const uint64_t int_tb = arch_table_bytes(&a);
    arch_set_act_fmt(&a, LUT_AFMT_FP16);
    EXPECT_EQ(a.act_bits, 16);
    a.table_fmt = LUT_TFMT_FP32;
    EXPECT_EQ(arch_table_bytes(&a), 8u * 4u);
    a.table_fmt = LUT_TFMT_INT8;
    EXPECT_EQ(arch_table_bytes(&a), 8u * 1u + 4u);
    a.table_fmt = LUT_TFMT_FP16;
    EXPECT_EQ(arch_table_bytes(&a), int_tb); // INT8 tables are 16-bit entries too
    arch_set_act_fmt(&a, LUT_AFMT_FP8E4M3);
    EXPECT_EQ(a.act_bits, 8);
}

// Float activations price their binary32 operations as float ones
// (energy entries fp32_add, fp32_mul), not as the integer adds of the
// INT8 datapath: every precompute and accumulate add of a float run, and
// with int8 tables a product per look-up and the tables' divisions.
TEST(FloatAct, FloatOperationsArePricedAsFloat)
{
    char err[512] = "";
    energy_table t;
    ASSERT_EQ(energy_table_default(&t, err, sizeof err), 0) << err;
    const gemm_shape s = gemmtest::shape(lut_wtype{ LUT_WFMT_INT, 2 }, 4, 64, 512);
    struct Case { int afmt; lut_tfmt tf; };
    for (const Case c : { Case{ LUT_AFMT_INT, LUT_TFMT_FP16 }, Case{ LUT_AFMT_FP16, LUT_TFMT_FP16 },
                          Case{ LUT_AFMT_BF16, LUT_TFMT_FP32 }, Case{ LUT_AFMT_FP16, LUT_TFMT_INT8 } }) {
        SCOPED_TRACE(testing::Message() << "afmt " << c.afmt << " table format " << (int)c.tf);
        arch_t a;
        arch_default(&a);
        arch_set_act_fmt(&a, c.afmt);
        a.table_fmt = c.tf;
        energy_model em;
        ASSERT_EQ(energy_model_for_arch(&t, &a, &em, err, sizeof err), 0) << err;
        program p;
        gemm_layout lay;
        ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
        sim_stats st;
        ASSERT_EQ(sim_run(&a, &em, &p, nullptr, &st, err, sizeof err), 0) << err;
        program_free(&p);
        const sim_events &ev = st.ev;
        ASSERT_GT(ev.precompute_adds, 0u);
        ASSERT_GT(ev.accum_adds, 0u);
        const bool fl = c.afmt != LUT_AFMT_INT, i8 = fl && c.tf == LUT_TFMT_INT8;
        EXPECT_EQ(ev.precompute_fadds, fl ? ev.precompute_adds : 0u);
        EXPECT_EQ(ev.accum_fadds, fl ? ev.accum_adds : 0u);
        EXPECT_EQ(ev.lookup_fmuls, i8 ? ev.table_reads : 0u);
        const uint64_t entries = 1u << (a.tile_k - 1);
        if (i8) { // entries + the scale per table, tables from the adds
            const uint64_t tables = ev.precompute_fdivs / (entries + 1);
            EXPECT_EQ(ev.precompute_fdivs, tables * (entries + 1));
            EXPECT_EQ(ev.precompute_adds, tables * entries * (a.tile_k - 1) + s.m * (uint64_t)s.kd);
        } else {
            EXPECT_EQ(ev.precompute_fdivs, 0u);
        }
        const double add = fl ? em.fp32_add_pj : em.accum_add_pj;
        const double pre = fl ? em.fp32_add_pj : em.precompute_add_pj;
        EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_ACCUMULATE], (double)ev.accum_adds * add);
        EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_PRECOMPUTE],
                         (double)ev.precompute_adds * pre + (double)ev.precompute_fdivs * em.fp32_mul_pj);
        EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_LOOKUP],
                         (double)ev.table_reads * (em.table_read_pj + (i8 ? em.fp32_mul_pj : 0.0)));
        EXPECT_GT(em.fp32_add_pj, em.accum_add_pj); // a binary32 add is no 32-bit integer add
    }
}

// --- lutsim gemm --afmt -------------------------------------------------------

class CliFloat : public testproc::NpyCli {
protected:
    // One line on stderr naming `mention`, a non-zero exit, no outputs.
    void expect_rejected(const std::string &args, const std::string &mention)
    {
        std::string err;
        EXPECT_NE(lutsim(args, &err), 0) << args;
        EXPECT_NE(err.find(mention), std::string::npos) << err;
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
        EXPECT_NE(access(p("C.npy").c_str(), F_OK), 0) << args;
        EXPECT_NE(access(p("S.json").c_str(), F_OK), 0) << args;
    }
};

// A float32 .npy through the C model and the host engine: the same float32
// bits, and the error the run reports is the one the test measures itself
// against a float64 GEMM of the fp16-rounded activations.
TEST_F(CliFloat, Fp16FromFloat32NpyMatchesHostAndReportsItsError)
{
    const int m = 5, n = 77, k = 203;
    std::mt19937 rng(7);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    std::vector<float> a((size_t)m * k);
    std::vector<int8_t> w((size_t)n * k);
    for (auto &v : a)
        v = gauss(rng);
    for (auto &v : w)
        v = (int8_t)((int)(rng() % 3) - 1); // INT2 and ternary alike
    save("A.npy", NPY_FLOAT32, {m, k}, a.data());
    save("W.npy", NPY_INT8, {n, k}, w.data());
    std::string err;
    // ternary: the host packs the codes as the program does (INT2 codes)
    for (const char *wf : {"--wfmt ternary", "--wbits 2"}) {
        const std::string base = "gemm --quiet --act " + p("A.npy") + " --weight " + p("W.npy") +
                                 " " + wf + " --afmt fp16 --group 64";
        ASSERT_EQ(lutsim(base + " --out " + p("C.npy") + " --stats " + p("S.json"), &err), 0) << err;
        ASSERT_EQ(lutsim(base + " --engine host --out " + p("H.npy"), &err), 0) << err;
        const std::vector<float> c = load_f32("C.npy", m, n), h = load_f32("H.npy", m, n);
        ASSERT_EQ(c.size(), (size_t)m * n);
        ASSERT_EQ(h.size(), c.size());
        EXPECT_EQ(std::memcmp(c.data(), h.data(), c.size() * 4), 0) << wf;
    }
    const std::vector<float> c = load_f32("C.npy", m, n);
    double max_abs = 0;
    for (int r = 0; r < m; r++)
        for (int col = 0; col < n; col++) {
            double ref = 0;
            for (int j = 0; j < k; j++)
                ref += (double)lut_afmt_round(LUT_AFMT_FP16, a[(size_t)r * k + j]) *
                       w[(size_t)col * k + j];
            max_abs = std::max(max_abs, std::fabs(c[(size_t)r * n + col] - ref));
        }
    json_error_t je;
    json_t *st = json_load_file(p("S.json").c_str(), 0, &je);
    ASSERT_NE(st, nullptr) << je.text;
    EXPECT_STREQ(json_string_value(json_object_get(st, "afmt")), "fp16");
    EXPECT_STREQ(json_string_value(json_object_get(st, "table_format")), "fp16");
    json_t *e = json_object_get(st, "error");
    ASSERT_NE(e, nullptr);
    EXPECT_DOUBLE_EQ(json_real_value(json_object_get(e, "max_abs")), max_abs);
    EXPECT_GT(json_real_value(json_object_get(e, "rel_rms")), 0.0);
    json_decref(st);
    EXPECT_NE(out.find("relative RMS"), std::string::npos);
}

TEST_F(CliFloat, RefusesTheRtlBadFormatsAndIntegerInput)
{
    std::vector<float> a(12, 0.5f);
    std::vector<int8_t> ai(12, 1), w(12, 1);
    save("A.npy", NPY_FLOAT32, {3, 4}, a.data());
    save("Ai.npy", NPY_INT8, {3, 4}, ai.data());
    save("W.npy", NPY_INT8, {3, 4}, w.data());
    const std::string io = " --weight " + p("W.npy") + " --wbits 2 --out " + p("C.npy") +
                           " --stats " + p("S.json");
    for (const char *e : {"rtl", "both", "systemc --core rtl"})
        expect_rejected("gemm --act " + p("A.npy") + io + " --afmt bf16 --engine " + e,
                        "the RTL takes INT8 activations only");
    expect_rejected("gemm --act " + p("A.npy") + io + " --afmt fp12", "--afmt: expected int8, fp16");
    expect_rejected("gemm --act " + p("Ai.npy") + io + " --afmt fp8e4m3",
                    "activations must be a non-empty 2-D float32 or float16");
    FILE *f = std::fopen(p("bad.json").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(R"({"lut": {"table_format": "fp8"}})", f);
    std::fclose(f);
    expect_rejected("gemm --act " + p("A.npy") + io + " --afmt fp16 --arch " + p("bad.json"),
                    "lut.table_format: expected fp16, fp32 or int8, got 'fp8'");
}

// `lutsim run` with a preset of "afmt" fp16 or bf16 on the LUT array: the
// linear layers move 2-byte activations (compulsory DRAM bytes grow by one
// byte per activation read, m x k per instance), take no INT8 quantize
// pass after attention, and --functional (an exact integer check) refuses.
TEST_F(CliFloat, RunPresetWithFloatActivationsOnTheLutArray)
{
    const std::string preset = R"({"name": "x", "wfmt": "int", "wbits": 2, "group_size": 128,
                                   "scale": "fp16", "zero_point": "none")";
    auto write = [&](const std::string &name, const std::string &tail) {
        FILE *f = std::fopen(p(name).c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs((preset + tail).c_str(), f);
        std::fclose(f);
    };
    write("i8.json", "}");
    write("f16.json", R"(, "afmt": "fp16"})");
    write("b16.json", R"(, "afmt": "bf16"})");
    auto linear = [&](const std::string &q) {
        std::string err;
        EXPECT_EQ(lutsim("run --model tiny --quant " + p(q) + " --phase prefill --seq 64 --quiet "
                         "--json " + p("R.json"), &err), 0) << err;
        json_error_t je;
        json_t *r = json_load_file(p("R.json").c_str(), 0, &je);
        std::vector<json_t *> ops;
        if (!r) {
            ADD_FAILURE() << je.text;
            return std::make_pair(r, ops);
        }
        json_t *all = json_object_get(json_array_get(json_object_get(r, "phases"), 0), "ops");
        for (size_t i = 0; i < json_array_size(all); i++)
            if (std::string(json_string_value(json_object_get(json_array_get(all, i), "kind"))) ==
                "linear")
                ops.push_back(json_array_get(all, i));
        return std::make_pair(r, ops);
    };
    auto num = [](json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); };
    auto i8 = linear("i8.json"), f16 = linear("f16.json"), b16 = linear("b16.json");
    ASSERT_FALSE(i8.second.empty());
    ASSERT_EQ(f16.second.size(), i8.second.size());
    ASSERT_EQ(b16.second.size(), i8.second.size());
    int checked = 0;
    for (size_t i = 0; i < i8.second.size(); i++) {
        json_t *x = i8.second[i], *y = f16.second[i];
        const json_int_t m = num(x, "m"), k = num(x, "k"), rep = num(x, "repeat");
        EXPECT_EQ(num(b16.second[i], "compulsory_dram_bytes"), num(y, "compulsory_dram_bytes"));
        EXPECT_STREQ(json_string_value(json_object_get(y, "input_quantize")), "-");
        if (k % 32) // rows of k bytes round up to the 32-byte burst
            continue;
        EXPECT_EQ(num(y, "compulsory_dram_bytes") - num(x, "compulsory_dram_bytes"), m * k * rep)
            << json_string_value(json_object_get(x, "name"));
        checked++;
    }
    EXPECT_GT(checked, 0);
    json_decref(i8.first);
    json_decref(f16.first);
    json_decref(b16.first);
    std::string err;
    EXPECT_NE(lutsim("run --model tiny --quant " + p("f16.json") + " --phase prefill --seq 64 "
                     "--quiet --functional", &err), 0);
    EXPECT_NE(err.find("--functional: fp16 activations (afmt)"), std::string::npos) << err;
}

} // namespace
