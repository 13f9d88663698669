// An rmsnorm's final scaling as the prologue of the GEMMs that read it
// (arch vector.fused, compiler/fusion.h, gemm_shape.in_quant GEMM_INQ_NORM):
// each activation tile is loaded at vector.dtype with its rows' sums of
// squares, rms_stat's inv mode makes them inv over the whole row, and
// rms_apply (its `row` field: rows of a K span each) scales and quantizes
// the tile into the act buffer.  Functional runs are
// bit-exact with the norm's own program (rms_apply from the sums, then the
// GEMM on its INT8 output); timing-only equals functional; the lowering
// chooses per norm by the mapper's objective and the choice is the cheaper
// of the two simulated alternatives; fast-forwarded equals full.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "arch.h"
#include "fp_arith.h"
#include "fusion.h"
#include "fusion_support.h"
#include "gemm.h"
#include "isa.h"
#include "lower.h"
#include "mapper.h"
#include "model.h"
#include "program.h"
#include "quantize.h"
#include "run_argv.h"
#include "sim.h"
#include "test_support.h"
#include "vector.h"

namespace {

using fusiontest::Data;
using fusiontest::dram_of;
using fusiontest::run_gemm;

using fusiontest::pinned;

struct Shape {
    const char *what;
    uint64_t m;
    int n, k;
    int force_mt, force_nt; // legacy tiler: 0 its own
    bool mapper;            // the mapper's schedule instead
};

// K of 256 in groups of 128: tiles that cover half a row (spans) or all of it
const Shape kShapes[] = {
    { "decode row, legacy", 1, 256, 256, 0, 0, false },
    { "prefill rows, legacy", 40, 128, 256, 0, 0, false },
    { "rows of 384, tiles of 8 rows", 20, 128, 384, 8, 0, false },
    { "the mapper's schedule", 300, 512, 256, 0, 0, true },
    { "the mapper, decode", 1, 1024, 512, 0, 0, true },
};

gemm_shape plain_shape(const Shape &c, int inq)
{
    gemm_shape s;
    std::memset(&s, 0, sizeof s);
    s.wtype = lut_wtype{ LUT_WFMT_INT, 2 };
    s.group_size = 128;
    s.m = c.m;
    s.n = c.n;
    s.kd = c.k;
    s.float_out = 1;
    s.force_mt = c.force_mt;
    s.force_nt = c.force_nt;
    s.in_quant = inq;
    return s;
}

gemm_shape shape_of(const arch_t &a, const Shape &c, int inq)
{
    const gemm_shape s = plain_shape(c, inq);
    if (!c.mapper)
        return s;
    gemm_shape best;
    sim_stats st;
    int sampled = 0, sims = 0;
    char err[512] = "";
    EXPECT_EQ(mapper_search(&a, nullptr, &s, MAP_EDP, &best, &st, &sampled, &sims, err,
                            sizeof err), 0) << err;
    best.group_size = 128;
    return best;
}

using fusiontest::run_vec_image;

// The norm's rows (m x k at the type, a few spikes so rows scale apart),
// their sums of squares from the statistic-only program (norm_split 3, the
// first layer's), checked against fp_sumsq; the weights and scales.
Data make_data(const arch_t &a, const Shape &c, unsigned seed)
{
    const fp_type t = (fp_type)a.vector_dtype;
    std::mt19937 rng(seed);
    Data d;
    const uint64_t mk = c.m * (uint64_t)c.k;
    d.aq.resize(mk * fp_bytes(t));
    for (uint64_t i = 0; i < mk; i++)
        fp_store(d.aq.data(), t, i, std::uniform_real_distribution<float>(-3.0f, 3.0f)(rng));
    for (uint64_t r = 0; r < c.m; r += 3)
        fp_store(d.aq.data(), t, r * c.k + r % c.k, 60.0f);
    d.w.resize((size_t)c.n * c.k);
    for (auto &v : d.w)
        v = (int8_t)std::uniform_int_distribution<int>(-2, 1)(rng);
    d.scales.resize((size_t)c.n * ((c.k + 127) / 128));
    for (auto &v : d.scales)
        v = std::ldexp((float)std::uniform_int_distribution<int>(1, 9)(rng), -9);
    vec_layout vl;
    sim_stats vs;
    const std::vector<uint8_t> img =
        run_vec_image(a, vec_shape{ VFN_RMSNORM_F32, c.m, (uint64_t)c.k, 0, 1, 3 }, d.aq, {}, vl, vs);
    d.ss.assign(img.begin() + (long)vl.stat_addr, img.begin() + (long)(vl.stat_addr + 4 * c.m));
    for (uint64_t r = 0; r < c.m; r++) {
        float ss;
        std::memcpy(&ss, d.ss.data() + 4 * r, 4);
        EXPECT_EQ(ss, fp_sumsq(0.0f, d.aq.data() + r * c.k * fp_bytes(t), t, (uint32_t)c.k))
            << "row " << r;
    }
    return d;
}

struct Path {
    std::vector<uint8_t> c; // the GEMM's float32 output
    std::vector<int8_t> q;  // the INT8 activations (unfused: the norm's output)
    sim_stats gemm, norm;
};

// Unfused: the norm's program (rms_apply from the sums), then the GEMM on
// its INT8 rows.  Fused: the GEMM with the norm as its prologue.
Path run_path(const arch_t &a, const Shape &c, Data d, bool fused)
{
    Path r;
    const uint64_t mk = c.m * (uint64_t)c.k;
    if (!fused) {
        vec_layout vl;
        const std::vector<uint8_t> img =
            run_vec_image(a, vec_shape{ VFN_RMSNORM_F32, c.m, (uint64_t)c.k, 0, 1, 2 }, d.aq, d.ss, vl,
                    r.norm);
        r.q.assign(img.begin() + (long)vl.out_addr, img.begin() + (long)(vl.out_addr + mk));
        d.a = r.q;
    } else {
        d.a.assign(mk, 0); // the GEMM must make its INT8 input itself
    }
    std::vector<uint8_t> img;
    gemm_layout lay;
    if (!run_gemm(a, shape_of(a, c, fused ? GEMM_INQ_NORM : GEMM_INQ_NONE), d, img, lay, r.gemm))
        return r;
    r.c.assign(img.begin() + (long)lay.c_addr, img.begin() + (long)(lay.c_addr + 4 * c.m * c.n));
    return r;
}

TEST(NormPrologue, FusedPrologueIsBitExactWithTheNormsProgramAndTheGemm)
{
    for (fp_type t : { FP_F16, FP_BF16 }) {
        const arch_t a = pinned(t);
        for (const Shape &c : kShapes) {
            SCOPED_TRACE(std::string(c.what) + " " + fp_type_names[t]);
            const Data d = make_data(a, c, 7 + (unsigned)c.m + (unsigned)c.k);
            const Path u = run_path(a, c, d, false), f = run_path(a, c, d, true);
            ASSERT_FALSE(u.c.empty());
            ASSERT_FALSE(f.c.empty());
            EXPECT_EQ(f.c, u.c);
            // not trivially: the INT8 rows span the range and differ by row
            int distinct = 0;
            for (size_t i = 1; i < u.q.size(); i++)
                distinct += u.q[i] != u.q[i - 1];
            EXPECT_GT(distinct, (int)(u.q.size() / 4));
            // one rms_apply pass over A per load in the GEMM, none in a norm
            EXPECT_GE(f.gemm.ev.vector_ops, c.m * (uint64_t)c.k);
            EXPECT_EQ(u.gemm.ev.vector_ops, 0u);
        }
    }
}

// Rows in spans: rms_stat's inv mode turns each row's sum into inv over
// the whole row's length (src2), and rms_apply with the field row scales
// rows of `row` elements, row k by the k-th inv: the norm's arithmetic
// (fp_rms_inv_of, fp_rms_apply) on the second K span of two rows; the
// span's own length in src2 gives other INT8 (so a wrong length is seen).
TEST(NormPrologue, InvModeAndRowsOfSpansAreTheNormsArithmetic)
{
    const fp_type t = FP_F16;
    const arch_t a = pinned(t);
    const uint32_t row = 256, span = 128, rows = 2;
    std::vector<uint8_t> x(rows * row * 2);
    std::mt19937 rng(3);
    for (uint32_t i = 0; i < rows * row; i++)
        fp_store(x.data(), t, i, std::uniform_real_distribution<float>(-3.0f, 3.0f)(rng));
    fp_store(x.data(), t, row + 7, 40.0f); // row 1 scales apart
    float ss[rows];
    for (uint32_t k = 0; k < rows; k++)
        ss[k] = fp_sumsq(0.0f, x.data() + k * row * 2, t, row);
    auto apply = [&](uint32_t len_of_rows) {
        std::vector<uint8_t> img(8192, 0);
        for (uint32_t k = 0; k < rows; k++) // the second span of each row, back to back
            std::memcpy(img.data() + k * span * 2, x.data() + (k * row + span) * 2, span * 2);
        std::memcpy(img.data() + 1024, ss, sizeof ss);
        std::vector<isa_instr> prog(5);
        std::memset(prog.data(), 0, prog.size() * sizeof prog[0]);
        prog[0].op = OP_LOAD;
        prog[0].buf = BUF_OUT;
        prog[0].rows = 1;
        prog[0].bytes = prog[0].stride = 2048;
        prog[1].op = OP_VOP; // sums -> inv, in place
        prog[1].fn = VFN_RMS_STAT;
        prog[1].imm = (uint32_t)t | (uint32_t)RMS_INV << RMS_MODE_SHIFT;
        prog[1].sbuf = prog[1].dbuf = BUF_OUT;
        prog[1].src = prog[1].dst = 1024;
        prog[1].src2 = len_of_rows;
        prog[1].len = rows;
        prog[2].op = OP_VOP;
        prog[2].fn = VFN_RMS_APPLY;
        prog[2].imm = (uint32_t)t;
        prog[2].sbuf = BUF_OUT;
        prog[2].src2 = 1024;
        prog[2].dbuf = BUF_ACT;
        prog[2].len = rows * span;
        prog[2].row = span;
        prog[3].op = OP_STORE;
        prog[3].buf = BUF_ACT;
        prog[3].dram = 4096;
        prog[3].rows = 1;
        prog[3].bytes = prog[3].stride = rows * span;
        prog[4].op = OP_HALT;
        sim_stats st;
        testsupport::run_on_image(a, prog, img, &st);
        return std::vector<uint8_t>(img.begin() + 4096, img.begin() + 4096 + rows * span);
    };
    const std::vector<uint8_t> q = apply(row), wrong = apply(span);
    for (uint32_t k = 0; k < rows; k++) {
        const float inv = fp_rms_inv_of(ss[k], row);
        for (uint32_t i = 0; i < span; i++)
            EXPECT_EQ((int8_t)q[k * span + i],
                      testsupport::ref_quant(fp_rms_apply(fp_load(x.data(), t, k * row + span + i),
                                                          inv, t))) << k << " " << i;
    }
    EXPECT_NE(q, wrong);
}

TEST(NormPrologue, RefusesRowsOnOtherFunctionsAndRowsThatDoNotDivide)
{
    const arch_t a = pinned(FP_F16);
    const isa_instr base = [] {
        isa_instr in;
        std::memset(&in, 0, sizeof in);
        in.op = OP_VOP;
        in.fn = VFN_RMS_APPLY;
        in.imm = (uint32_t)FP_F16;
        in.sbuf = BUF_OUT;
        in.src2 = 1024;
        in.dbuf = BUF_ACT;
        in.len = 256;
        return in;
    }();
    isa_instr bad[4] = { base, base, base, base };
    bad[0].row = 100;                // does not divide len
    bad[1].row = 128;                // with the sums (imm[2])
    bad[1].imm |= RMS_APPLY_SS;
    bad[2].fn = VFN_ADD_F16;         // not rms_apply
    bad[2].row = 128;
    bad[3].fn = VFN_RMS_STAT;        // the inv mode without the rows' length
    bad[3].imm = (uint32_t)FP_F16 | (uint32_t)RMS_INV << RMS_MODE_SHIFT;
    bad[3].src2 = 0;
    bad[3].dbuf = BUF_OUT;
    bad[3].dst = 2048;
    const char *why[4] = { "do not divide", "only rms_apply", "only rms_apply", "mode 3" };
    for (int i = 0; i < 4; i++) {
        SCOPED_TRACE(i);
        program p;
        program_init(&p);
        isa_instr h;
        std::memset(&h, 0, sizeof h);
        h.op = OP_HALT;
        ASSERT_EQ(program_push(&p, &bad[i]), 0);
        ASSERT_EQ(program_push(&p, &h), 0);
        sim_stats st;
        char err[256] = "";
        EXPECT_NE(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0);
        EXPECT_NE(std::string(err).find(why[i]), std::string::npos) << err;
        program_free(&p);
    }
}

// The bytes by hand (1-byte bursts): the prologue reads A at 2 B an
// element instead of 1 on every load the schedule makes of it, and 4 B
// of sums per row a load covers; the norm's program it replaces reads the
// rows at 2 B and their sums and writes INT8.
TEST(NormPrologue, DramBytesByHand)
{
    const arch_t a = pinned(FP_F16);
    for (const Shape &c : kShapes) {
        SCOPED_TRACE(c.what);
        const Data d = make_data(a, c, 11);
        const Path u = run_path(a, c, d, false), f = run_path(a, c, d, true);
        const uint64_t mk = c.m * (uint64_t)c.k;
        const uint64_t act_u = u.gemm.ev.dram_read_bytes - u.gemm.ev.ifetch_bytes;
        const uint64_t act_f = f.gemm.ev.dram_read_bytes - f.gemm.ev.ifetch_bytes;
        // the same schedule (legacy shapes): A's loads at twice the bytes, plus sums
        if (!c.mapper) {
            const uint64_t weights_etc = act_u - mk; // A read once by the legacy schedule
            EXPECT_GT(act_f - weights_etc, 2 * mk);
            EXPECT_LE(act_f - weights_etc, 2 * mk + 4 * mk / 128);
            EXPECT_EQ(f.gemm.ev.dram_write_bytes, u.gemm.ev.dram_write_bytes);
        }
        EXPECT_EQ(u.norm.ev.dram_read_bytes - u.norm.ev.ifetch_bytes, 2 * mk + 4 * c.m);
        EXPECT_EQ(u.norm.ev.dram_write_bytes, mk);
        // compulsory: A once at 2 B and its sums, 4 B a row
        const gemm_shape fs = plain_shape(c, GEMM_INQ_NORM), ps = plain_shape(c, 0);
        EXPECT_EQ(fusion_compulsory_bytes(&a, &fs, 1u << 30) - fusion_compulsory_bytes(&a, &ps, 1u << 30),
                  mk + 4 * c.m);
    }
}

TEST(NormPrologue, FastForwardEqualsFullSimulation)
{
    const arch_t a = pinned(FP_F16);
    const Shape shapes[] = {
        { "q_proj prefill", 300, 1024, 1024, 0, 0, true },
        { "gate_proj", 1000, 2048, 512, 0, 0, true },
        { "decode", 1, 4096, 1024, 0, 0, true },
    };
    int ffwd = 0;
    for (const Shape &c : shapes) {
        SCOPED_TRACE(c.what);
        gemm_shape best;
        ffwd += fusiontest::mapped_ff_equals_full(a, plain_shape(c, GEMM_INQ_NORM), &best);
        EXPECT_EQ(best.in_quant, GEMM_INQ_NORM);
    }
    EXPECT_GT(ffwd, 0);
}

} // namespace

namespace {

// One alternative's cost as the lowering weighs it (mapper_score, MAP_EDP,
// no energy model: the bytes stand for the energy).
struct Cost {
    uint64_t cycles = 0, bytes = 0;
    void add(const sim_stats &st) { cycles += st.cycles; bytes += dram_of(st); }
    double score() const { return mapper_score(MAP_EDP, (double)cycles, (double)bytes, (double)bytes); }
};

// The consumer's GEMM as the lowering searched it, with A made as inq says.
sim_stats consumer_timing(const arch_t &a, const op_result &g, int inq)
{
    gemm_shape s = g.tiling, best;
    s.sched = gemm_sched{};
    s.force_mt = s.force_nt = s.force_nb = 0;
    s.in_quant = inq;
    sim_stats st;
    int sampled = 0, sims = 0;
    char err[512] = "";
    EXPECT_EQ(mapper_search(&a, nullptr, &s, MAP_EDP, &best, &st, &sampled, &sims, err, sizeof err),
              0) << err;
    return st;
}

// lower_model on tiny.json with vector.fused, in decode and prefill: every
// norm that takes its statistic from an epilogue is either absorbed by its
// consumers (norm_pro 1: no program, their input made by the prologue) or
// runs its program (2), whichever costs less when both are timed again
// here, apart from the lowering; both outcomes occur.
TEST(NormPrologue, LoweringChoosesTheCheaperPathPerNorm)
{
    model_cfg m = testsupport::llama(1024, 2752, 8, 8, 2, 512);
    quant_preset q;
    ASSERT_EQ(quant_preset_named("W2A8", &q), 0);
    const model_phase phases[] = { { MODEL_DECODE, 1, 0, 128 }, { MODEL_DECODE, 16, 0, 128 },
                                   { MODEL_PREFILL, 1, 64, 0 }, { MODEL_PREFILL, 8, 512, 0 } };
    const char *norms[] = { "layer.input_norm", "layer.post_attn_norm", "final_norm" };
    int chosen[3] = { 0, 0, 0 };
    for (const model_phase &ph : phases) {
        static op_result r[MODEL_MAX_OPS];
        lower_info info;
        char err[512] = "";
        const arch_t a = pinned(FP_F16);
        const int n = lower_model(&a, nullptr, &m, &q, &ph, r, MODEL_MAX_OPS, &info, err, sizeof err);
        ASSERT_GT(n, 0) << err;
        for (const char *nm : norms) {
            SCOPED_TRACE(std::string(nm) + (ph.kind == MODEL_PREFILL ? " prefill" : " decode") +
                         " batch " + std::to_string(ph.batch));
            const op_result *o = testsupport::find(r, n, nm);
            ASSERT_NE(o, nullptr);
            ASSERT_TRUE(o->norm_pro == 1 || o->norm_pro == 2) << o->norm_pro;
            chosen[o->norm_pro]++;
            // the norm's program: rms_apply from the sums over its rows
            const uint64_t rows = std::strcmp(nm, "final_norm") == 0 ? (uint64_t)ph.batch
                                                                      : model_phase_tokens(&ph);
            vec_shape v = { VFN_RMSNORM_F32, rows, o->op.elements / rows, 0, 1, 2 };
            sim_stats ns;
            int smp = 0;
            ASSERT_EQ(vec_timing(&a, nullptr, &v, &ns, &smp, err, sizeof err), 0) << err;
            Cost fused, plain;
            plain.add(ns);
            const int at = (int)(o - r);
            int consumers = 0;
            for (int j = at + 1; j < n && r[j].op.kind == MODEL_OP_LINEAR; j++, consumers++) {
                EXPECT_EQ(r[j].quant_in, o->norm_pro == 1 ? FUSION_QIN_NORM : FUSION_QIN_NONE)
                    << r[j].op.name;
                plain.add(consumer_timing(a, r[j], GEMM_INQ_NONE));
                fused.add(consumer_timing(a, r[j], GEMM_INQ_NORM));
            }
            EXPECT_GT(consumers, 0);
            EXPECT_EQ(o->norm_pro == 1, fused.score() < plain.score())
                << "prologue " << fused.cycles << " cycles " << fused.bytes << " B; program "
                << plain.cycles << " cycles " << plain.bytes << " B; " << o->norm_pro_why;
            if (o->norm_pro == 1) {
                EXPECT_NE(std::string(o->fused_into).find(r[at + 1].op.name), std::string::npos);
                if (std::strcmp(nm, "layer.input_norm") != 0) { // (the first layer's sums)
                    EXPECT_EQ(o->st.cycles, 0u);
                }
            } else {
                EXPECT_GT(o->st.cycles, 0u);
            }
        }
    }
    EXPECT_GT(chosen[1], 0); // absorbed somewhere
    EXPECT_GT(chosen[2], 0); // and kept somewhere
}

} // namespace

namespace {

// The report says per norm which path ran and why (both costs), and the
// consumers of an absorbed norm say how their input was made.
TEST(NormPrologue, ReportSaysWhichPathEachNormTookAndWhy)
{
    testproc::TmpDir t;
    std::FILE *f = std::fopen(t.p("arch.json").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("{\"base\": \"ideal\", \"vector\": {\"fused\": true}}", f);
    std::fclose(f);
    testproc::CliResult r = testproc::lutsim(
        t, "run --model " + std::string(SRC_DIR) + "/workloads/models/tiny.json --quant W2A8 "
           "--phase decode --context 64 --arch " + t.p("arch.json") + " --json " + t.p("r.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string j = testproc::slurp(t.p("r.json"));
    const bool pro = j.find("\"norm_final_scaling\": \"prologue\"") != std::string::npos;
    const bool prog = j.find("\"norm_final_scaling\": \"program\"") != std::string::npos;
    EXPECT_TRUE(pro || prog);
    EXPECT_EQ(pro, j.find("\"input_quantize\": \"norm_prologue\"") != std::string::npos);
    EXPECT_NE(j.find("\"norm_final_scaling_why\": \"a layer, edp: prologue "), std::string::npos);
    EXPECT_NE(j.find("\"norm_final_scaling\": \"-\""), std::string::npos); // the other ops
}

} // namespace
