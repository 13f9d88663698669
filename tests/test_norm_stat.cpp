// The rmsnorm statistic in the residual add's epilogue (arch vector.fused,
// compiler/fusion.h, gemm_epilogue.stat): rms_stat's partial mode sums the
// squares of a row segment by segment (cmodel/unit_vec.c), bit-exact with
// the whole-row statistic and with a reference written here from the
// definition; the GEMM's epilogue carries the sums across its column tiles
// and stores one float32 a row, and the norm's program then runs rms_apply
// alone (compiler/vector.c, norm_split 2).  Functional runs of the emitted
// programs are bit-exact against the unfused path (GEMM, residual add
// program, norm program) and the reference; timing-only equals functional;
// the DRAM bytes and vector passes are derived by hand.
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
#include "isa_build.h"
#include "lower.h"
#include "mapper.h"
#include "model.h"
#include "program.h"
#include "quantize.h"
#include "ref_gemm.h"
#include "run_argv.h"
#include "sim.h"
#include "test_support.h"
#include "vector.h"

namespace {

using testsupport::ref_quant;

using fusiontest::dram_of;

using fusiontest::pinned;

// ---- the instruction: partial sums bit-exact with the whole row ----------

constexpr uint32_t kRows = 4, kCols = 1000; // 1000: a partial last lane group

std::vector<uint8_t> rows_of(fp_type t, unsigned seed, float scale, uint64_t n)
{
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n * fp_bytes(t));
    for (uint64_t i = 0; i < n; i++)
        fp_store(v.data(), t, i, std::uniform_real_distribution<float>(-scale, scale)(rng));
    return v;
}

// From the definition (README "Norm split"): the binary32 sum of x * x in
// index order over the row, 1 / sqrt(ss / n + 1e-6), x * inv rounded to t,
// quantized.
float ref_sumsq(fp_type t, const uint8_t *row, uint64_t n)
{
    float ss = 0.0f;
    for (uint64_t i = 0; i < n; i++) {
        const float x = fp_load(row, t, i);
        ss += x * x;
    }
    return ss;
}

std::vector<int8_t> ref_norm(fp_type t, const std::vector<uint8_t> &rows, uint64_t nrows,
                             uint64_t cols)
{
    const size_t esz = (size_t)fp_bytes(t);
    std::vector<int8_t> q;
    for (uint64_t r = 0; r < nrows; r++) {
        const uint8_t *row = rows.data() + r * cols * esz;
        const float inv = 1.0f / std::sqrt(ref_sumsq(t, row, cols) / (float)cols + 1e-6f);
        uint8_t y[4];
        for (uint64_t i = 0; i < cols; i++) {
            fp_store(y, t, 0, fp_load(row, t, i) * inv);
            q.push_back(ref_quant(fp_load(y, t, 0)));
        }
    }
    return q;
}

constexpr uint64_t kOut = 0x10000, kSums = 0x18000;

// The rows loaded segment by segment (segments [b_i, b_i+1) of columns, in
// the order given), each segment of all kRows rows one rms_stat of kRows
// rows (src2 = the segment's length), then rms_apply from the sums; the
// sums also stored at kSums.
std::vector<isa_instr> partial_program(fp_type t, const std::vector<uint32_t> &cuts,
                                       const std::vector<int> &order)
{
    const uint32_t esz = (uint32_t)fp_bytes(t), rb = kCols * esz;
    std::vector<isa_instr> v{ ld(BUF_OUT, 0, 0, kRows, rb, rb) }; // the whole rows (for apply)
    bool first = true;
    for (int s : order) {
        const uint32_t b = cuts[(size_t)s], e = cuts[(size_t)s + 1], seg = e - b;
        const uint32_t at = 0x10000; // the segment's rows, back to back
        v.push_back(ld(BUF_OUT, at, b * esz, kRows, seg * esz, rb));
        const uint32_t mode = first ? RMS_PART_FIRST : RMS_PART_MORE;
        v.push_back(vop(VFN_RMS_STAT, BUF_OUT, at, seg, BUF_OUT, 0x8000, seg * kRows,
                        (uint32_t)t | mode << RMS_MODE_SHIFT));
        first = false;
    }
    for (uint32_t r = 0; r < kRows; r++)
        v.push_back(vop(VFN_RMS_APPLY, BUF_OUT, r * rb, 0x8000 + 4 * r, BUF_ACT, r * kCols, kCols,
                        (uint32_t)t | RMS_APPLY_SS));
    v.push_back(ld(BUF_ACT, 0, kOut, kRows, kCols, kCols, OP_STORE));
    v.push_back(ld(BUF_OUT, 0x8000, kSums, 1, 4 * kRows, 4 * kRows, OP_STORE));
    v.push_back(blank(OP_HALT));
    return v;
}

struct Ran {
    std::vector<int8_t> q;
    std::vector<float> sums;
    sim_stats st;
};

Ran run_program(const arch_t &a, const std::vector<isa_instr> &prog,
                const std::vector<uint8_t> &rows)
{
    std::vector<uint8_t> img(kSums + 4 * kRows, 0);
    std::memcpy(img.data(), rows.data(), rows.size());
    Ran r;
    testsupport::run_on_image(a, prog, img, &r.st);
    r.q.assign(img.begin() + kOut, img.begin() + kOut + kRows * kCols);
    r.sums.resize(kRows);
    std::memcpy(r.sums.data(), img.data() + kSums, 4 * kRows);
    return r;
}

TEST(NormStat, PartialSumsInColumnOrderAreTheWholeRowsStatisticBitForBit)
{
    arch_t a;
    arch_ideal(&a);
    const std::vector<uint32_t> cuts = { 0, 64, 300, 301, 777, 1000 }; // uneven, one of 1
    for (fp_type t : { FP_F32, FP_F16, FP_BF16 }) {
        SCOPED_TRACE(fp_type_names[t]);
        std::vector<uint8_t> rows = rows_of(t, 21 + t, 40.0f, kRows * kCols);
        fp_store(rows.data(), t, 2 * kCols + 5, 900.0f); // a spike in row 2
        const Ran r = run_program(a, partial_program(t, cuts, { 0, 1, 2, 3, 4 }), rows);
        EXPECT_EQ(r.q, ref_norm(t, rows, kRows, kCols));
        for (uint32_t k = 0; k < kRows; k++) {
            const float ss = ref_sumsq(t, rows.data() + k * kCols * fp_bytes(t), kCols);
            EXPECT_EQ(std::memcmp(&r.sums[k], &ss, 4), 0) << "row " << k;
            // the shared definition: fp_sumsq carried over segments
            float acc = 0.0f;
            for (size_t s = 0; s + 1 < cuts.size(); s++)
                acc = fp_sumsq(acc, rows.data() + (k * kCols + cuts[s]) * fp_bytes(t), t,
                               cuts[s + 1] - cuts[s]);
            EXPECT_EQ(std::memcmp(&acc, &ss, 4), 0) << "row " << k;
        }
        // The order is what makes it exact: the segments out of column order
        // sum the same squares in another order, and binary32 rounds them
        // differently in some row (so the equality above could fail).
        const Ran x = run_program(a, partial_program(t, cuts, { 4, 2, 0, 3, 1 }), rows);
        EXPECT_NE(std::memcmp(x.sums.data(), r.sums.data(), 4 * kRows), 0);
    }
}

// A segment of kRows rows of `seg` elements is one rms_stat: kRows x
// ceil(seg / lanes) cycles on the unit (each row's sum starts a fresh lane
// group), 4 B a row written, and read back in the continuing mode.
TEST(NormStat, PartialStatisticTimeFollowsItsRows)
{
    arch_t a;
    arch_ideal(&a);
    const fp_type t = FP_F16;
    const std::vector<uint8_t> rows = rows_of(t, 4, 2.0f, kRows * kCols);
    const std::vector<uint32_t> cuts = { 0, 300, 1000 };
    const Ran r = run_program(a, partial_program(t, cuts, { 0, 1 }), rows);
    const uint64_t L = (uint64_t)a.vector_lanes;
    const uint64_t stat = kRows * ((300 + L - 1) / L + (700 + L - 1) / L);
    const uint64_t apply = kRows * ((kCols + L - 1) / L);
    EXPECT_EQ(r.st.unit[UNIT_VEC].busy_cycles, stat + apply);
    EXPECT_EQ(r.st.ev.vector_ops, 2ull * kRows * kCols);
}

TEST(NormStat, RefusesAPartialRowLengthThatDoesNotDivideTheSegmentAndABadMode)
{
    arch_t a;
    arch_ideal(&a);
    const isa_instr bad[] = {
        vop(VFN_RMS_STAT, BUF_OUT, 0, 300, BUF_OUT, 0x8000, 1000, FP_F16 | RMS_PART_FIRST << 2),
        vop(VFN_RMS_STAT, BUF_OUT, 0, 0, BUF_OUT, 0x8000, 1000, FP_F16 | 3 << 2),
        vop(VFN_RMS_APPLY, BUF_OUT, 0, 0x8000, BUF_ACT, 0, 1000, FP_F16 | 8),
    };
    const char *why[] = { "do not divide", "mode 3", "rms_apply: imm" };
    for (int i = 0; i < 3; i++) {
        program p;
        program_init(&p);
        const isa_instr h = blank(OP_HALT);
        ASSERT_EQ(program_push(&p, &bad[i]), 0);
        ASSERT_EQ(program_push(&p, &h), 0);
        sim_stats st;
        char err[256] = "";
        EXPECT_NE(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0);
        EXPECT_NE(std::string(err).find(why[i]), std::string::npos) << err;
        program_free(&p);
    }
}

// ---- the compiler: o_proj + residual add + statistic, then rms_apply ----

struct Shape {
    const char *what;
    uint64_t m;
    int n, k;
    int force_nt, force_nb; // 0: the legacy tiler's own
    bool mapper;            // the mapper's schedule instead
};

// tiny.json (hidden 128) and wider rows that take several column tiles
const Shape kShapes[] = {
    { "tiny o_proj, prefill rows", 40, 128, 128, 0, 0, false },
    { "4 column blocks of 128", 40, 512, 128, 128, 128, false },
    { "column tiles of 64, one block", 12, 512, 256, 64, 0, false },
    { "the mapper's schedule, 2 column tiles", 300, 1024, 256, 0, 0, true },
    { "decode row", 1, 1024, 256, 0, 0, true },
};

using fusiontest::Data;
using fusiontest::run_gemm;

Data make_data(const Shape &c, fp_type t, unsigned seed)
{
    std::mt19937 rng(seed);
    Data d;
    d.a.resize(c.m * c.k);
    d.w.resize((size_t)c.n * c.k);
    for (auto &v : d.a)
        v = (int8_t)std::uniform_int_distribution<int>(-20, 20)(rng);
    for (auto &v : d.w)
        v = (int8_t)std::uniform_int_distribution<int>(-2, 1)(rng); // INT2
    d.scales.resize((size_t)c.n * ((c.k + 127) / 128));
    for (auto &v : d.scales)
        v = std::ldexp((float)std::uniform_int_distribution<int>(1, 9)(rng), -9);
    d.e = rows_of(t, seed + 1, 3.0f, c.m * c.n);
    return d;
}

// c's GEMM, W2 in groups of 128, float output; fused: the residual add's
// epilogue (stat: with the norm statistic).  Unscheduled.
gemm_shape plain_shape(const Shape &c, bool fused, bool stat)
{
    gemm_shape s;
    std::memset(&s, 0, sizeof s);
    s.wtype = lut_wtype{ LUT_WFMT_INT, 2 };
    s.group_size = 128;
    s.m = c.m;
    s.n = c.n;
    s.kd = c.k;
    s.float_out = 1;
    s.force_nt = c.force_nt;
    s.force_nb = c.force_nb;
    if (fused)
        s.epi = gemm_epilogue{ 1, VFN_ADD_F32, 0, stat ? 1 : 0 };
    return s;
}

// plain_shape, scheduled by the mapper when c.mapper.
gemm_shape shape_of(const arch_t &a, const Shape &c, bool fused, bool stat)
{
    const gemm_shape s = plain_shape(c, fused, stat);
    if (c.mapper) {
        gemm_shape best;
        sim_stats st;
        int sampled = 0, sims = 0;
        char err[512] = "";
        EXPECT_EQ(mapper_search(&a, nullptr, &s, MAP_EDP, &best, &st, &sampled, &sims, err,
                                sizeof err), 0) << err;
        best.group_size = 128;
        return best;
    }
    return s;
}


// A vector program on in (and in2, or the sums for norm_split 2): its
// output, statistics (functional; timing-only must agree).
std::vector<uint8_t> run_vec(const arch_t &a, const vec_shape &v, const std::vector<uint8_t> &in,
                             const std::vector<uint8_t> &in2, sim_stats &vs)
{
    vec_layout vl;
    const std::vector<uint8_t> img = fusiontest::run_vec_image(a, v, in, in2, vl, vs);
    const uint64_t bytes = v.rows * v.cols * (v.quant_out ? 1 : fp_bytes((fp_type)a.vector_dtype));
    return std::vector<uint8_t>(img.begin() + (long)vl.out_addr,
                                img.begin() + (long)(vl.out_addr + bytes));
}

struct Path {
    std::vector<uint8_t> x;   // the residual stream row at the element type
    std::vector<uint8_t> q;   // the norm's INT8 output
    std::vector<uint8_t> sums; // fused: the GEMM's stored sums
    sim_stats gemm, norm;
};

// Fused: GEMM with the residual add and the statistic in its epilogue, then
// rms_apply alone on its rows and sums.  zero_sums: the norm reads zeros
// instead (what a dropped statistic would give).
Path fused(const arch_t &a, const Shape &c, const Data &d, bool zero_sums = false)
{
    Path r;
    std::vector<uint8_t> img;
    gemm_layout lay;
    const gemm_shape s = shape_of(a, c, true, true);
    if (!run_gemm(a, s, d, img, lay, r.gemm))
        return r;
    EXPECT_NE(lay.r_addr, 0u);
    const uint64_t mn = c.m * (uint64_t)c.n, esz = (uint64_t)fp_bytes((fp_type)a.vector_dtype);
    r.x.assign(img.begin() + (long)lay.c_addr, img.begin() + (long)(lay.c_addr + mn * esz));
    r.sums.assign(img.begin() + (long)lay.r_addr, img.begin() + (long)(lay.r_addr + 4 * c.m));
    std::vector<uint8_t> sums = r.sums;
    if (zero_sums)
        std::fill(sums.begin(), sums.end(), 0);
    r.q = run_vec(a, vec_shape{ VFN_RMSNORM_F32, c.m, (uint64_t)c.n, 0, 1, 2 }, r.x, sums, r.norm);
    return r;
}

// Unfused: the GEMM storing float32, the residual add program reading it at
// the element type, then the norm program (split: 1, or rmsnorm + quant: 0).
Path unfused(const arch_t &a, const Shape &c, const Data &d, int split)
{
    Path r;
    std::vector<uint8_t> img;
    gemm_layout lay;
    if (!run_gemm(a, shape_of(a, c, false, false), d, img, lay, r.gemm))
        return r;
    const fp_type t = (fp_type)a.vector_dtype;
    const uint64_t mn = c.m * (uint64_t)c.n;
    std::vector<uint8_t> y(mn * fp_bytes(t));
    for (uint64_t i = 0; i < mn; i++)
        fp_store(y.data(), t, i, fp_load(img.data() + lay.c_addr, FP_F32, i));
    sim_stats add;
    r.x = run_vec(a, vec_shape{ VFN_ADD_F32, 1, mn, 0, 0, 0 }, y, d.e, add);
    r.q = run_vec(a, vec_shape{ VFN_RMSNORM_F32, c.m, (uint64_t)c.n, 0, 1, split }, r.x, {},
                  r.norm);
    return r;
}

// ref_gemm's float32 rounded to the type, plus the residual, rounded: the
// residual stream; then the norm from its definition.
std::vector<uint8_t> ref_stream(const arch_t &a, const Shape &c, const Data &d)
{
    const fp_type t = (fp_type)a.vector_dtype;
    std::vector<float> cf(c.m * c.n);
    ref_gemm_f32(lut_wtype{ LUT_WFMT_INT, 2 }, d.a.data(), d.w.data(), nullptr, d.scales.data(),
                 128, (int)c.m, c.n, c.k, cf.data());
    std::vector<uint8_t> x(cf.size() * fp_bytes(t)), y(cf.size() * fp_bytes(t));
    for (size_t i = 0; i < cf.size(); i++) {
        fp_store(x.data(), t, i, cf[i]);
        fp_store(y.data(), t, i, fp_load(x.data(), t, i) + fp_load(d.e.data(), t, i));
    }
    return y;
}

std::vector<uint8_t> as_bytes(const std::vector<int8_t> &v)
{
    return std::vector<uint8_t>(v.begin(), v.end());
}

TEST(NormStat, FusedStatisticAndApplyAreBitExactWithTheUnfusedPathAndTheReference)
{
    for (fp_type t : { FP_F16, FP_BF16 }) {
        const arch_t a = pinned(t);
        for (const Shape &c : kShapes) {
            SCOPED_TRACE(std::string(c.what) + " " + fp_type_names[t]);
            const Data d = make_data(c, t, 5 + c.n + (unsigned)c.m);
            const Path f = fused(a, c, d), u1 = unfused(a, c, d, 1), u0 = unfused(a, c, d, 0);
            ASSERT_FALSE(f.q.empty());
            const std::vector<uint8_t> x = ref_stream(a, c, d);
            EXPECT_EQ(f.x, x);
            EXPECT_EQ(u1.x, x);
            const std::vector<uint8_t> ref = as_bytes(ref_norm(t, x, c.m, (uint64_t)c.n));
            EXPECT_EQ(f.q, ref);
            EXPECT_EQ(f.q, u1.q);
            EXPECT_EQ(f.q, u0.q);
            // the stored sums are the rows' sums of squares, bit for bit
            for (uint64_t r = 0; r < c.m; r++) {
                const float ss = ref_sumsq(t, x.data() + r * c.n * fp_bytes(t), (uint64_t)c.n);
                EXPECT_EQ(std::memcmp(f.sums.data() + 4 * r, &ss, 4), 0) << "row " << r;
            }
            // the norm makes one pass a row (rms_apply), the split two
            EXPECT_EQ(f.norm.ev.vector_ops, c.m * (uint64_t)c.n);
            EXPECT_EQ(u1.norm.ev.vector_ops, 2 * c.m * (uint64_t)c.n);
        }
    }
}

// Without its statistic the norm's INT8 is wrong: the test above can fail.
TEST(NormStat, ApplyWithoutTheStatisticGivesOtherInt8)
{
    const arch_t a = pinned(FP_F16);
    for (const Shape &c : { kShapes[0], kShapes[1] }) {
        SCOPED_TRACE(c.what);
        const Data d = make_data(c, FP_F16, 9);
        const Path ok = fused(a, c, d), dropped = fused(a, c, d, true);
        EXPECT_NE(dropped.q, ok.q);
        EXPECT_NE(dropped.q, as_bytes(ref_norm(FP_F16, ref_stream(a, c, d), c.m, (uint64_t)c.n)));
    }
}

// DRAM by hand (1-byte bursts: exact; data bytes, instruction fetch apart).
// The split norm (vector.fused before this step) already reads each row
// once: rms_stat and rms_apply both work on the row in the buffer, so there
// is no re-read for the epilogue to save.  Moving the statistic into the
// epilogue adds, per row, its 4-byte sum: stored once by the GEMM and
// loaded once by the norm; everything else moves the same bytes:
//   GEMM:  writes + 4 m        (reads the same data)
//   norm:  reads  + 4 m        (writes the same m x n INT8)
// so the pair moves 8 m bytes more (a 4096-wide fp16 row is 8192 B: the
// sums are 0.1% of the norm's input), and the norm's vector work halves.
TEST(NormStat, DramBytesAndVectorPassesByHand)
{
    const arch_t a = pinned(FP_F16);
    for (const Shape &c : kShapes) {
        SCOPED_TRACE(c.what);
        const Data d = make_data(c, FP_F16, 3);
        const uint64_t m = c.m, mn = c.m * (uint64_t)c.n;
        // the GEMM with the residual add alone, and with the statistic too
        std::vector<uint8_t> img;
        gemm_layout lay;
        sim_stats add_only, with_stat;
        ASSERT_TRUE(run_gemm(a, shape_of(a, c, true, false), d, img, lay, add_only));
        ASSERT_TRUE(run_gemm(a, shape_of(a, c, true, true), d, img, lay, with_stat));
        EXPECT_EQ(with_stat.ev.dram_write_bytes, add_only.ev.dram_write_bytes + 4 * m);
        EXPECT_EQ(with_stat.ev.dram_read_bytes - with_stat.ev.ifetch_bytes,
                  add_only.ev.dram_read_bytes - add_only.ev.ifetch_bytes);
        EXPECT_EQ(with_stat.ev.vector_ops, add_only.ev.vector_ops + mn); // one pass more
        // compulsory traffic (each operand once): the sums' 4 B a row more
        const gemm_shape ws = shape_of(a, c, true, true), wo = shape_of(a, c, true, false);
        EXPECT_EQ(fusion_compulsory_bytes(&a, &ws, 1u << 30) - fusion_compulsory_bytes(&a, &wo, 1u << 30),
                  4 * m);
        // the norm: split (reads m x n x 2, writes m x n) against apply-only
        const Path f = fused(a, c, d), u = unfused(a, c, d, 1);
        EXPECT_EQ(u.norm.ev.dram_read_bytes - u.norm.ev.ifetch_bytes, 2 * mn);
        EXPECT_EQ(f.norm.ev.dram_read_bytes - f.norm.ev.ifetch_bytes, 2 * mn + 4 * m);
        EXPECT_EQ(f.norm.ev.dram_write_bytes, mn);
        EXPECT_EQ(u.norm.ev.dram_write_bytes, mn);
        EXPECT_EQ(f.norm.ev.vector_ops * 2, u.norm.ev.vector_ops);
        EXPECT_LT(f.norm.unit[UNIT_VEC].busy_cycles, u.norm.unit[UNIT_VEC].busy_cycles);
    }
}

// A row's column tiles must come in column order for the sums to be the
// whole row's; every schedule the mapper emits keeps it, and its
// fast-forwarded timing equals the full simulation with the statistic.
TEST(NormStat, FastForwardEqualsFullSimulationWithTheStatistic)
{
    const arch_t a = pinned(FP_F16);
    const Shape shapes[] = {
        { "o_proj prefill", 300, 1024, 1024, 0, 0, true },
        { "down_proj", 1000, 512, 2048, 0, 0, true },
        { "decode", 1, 4096, 1024, 0, 0, true },
    };
    int ffwd = 0;
    for (const Shape &c : shapes) {
        SCOPED_TRACE(c.what);
        gemm_shape best;
        ffwd += fusiontest::mapped_ff_equals_full(a, plain_shape(c, true, true), &best);
        EXPECT_EQ(best.epi.stat, 1);
    }
    EXPECT_GT(ffwd, 0);
}

// lower_model on tiny.json with vector.fused: o_proj's epilogue carries the
// statistic of post_attn_norm (norm_stat_from), which runs rms_apply alone;
// its DRAM is the split's plus the sums (4 B a token and layer).
// down_proj's carries the next layer's input_norm (every layer but the
// first, whose input is the embedding: it runs the split, 2 passes) and
// final_norm's (the last tokens' rows of the last layer).
TEST(NormStat, LoweringTakesTheStatisticFromOprojsEpilogue)
{
    model_cfg m = testsupport::llama(128, 344, 4, 2, 2, 512); // workloads/models/tiny.json
    quant_preset q;
    ASSERT_EQ(quant_preset_named("W2A8", &q), 0);
    const model_phase phases[] = { { MODEL_PREFILL, 1, 64, 0 }, { MODEL_DECODE, 1, 0, 128 } };
    for (const model_phase &ph : phases) {
        SCOPED_TRACE(ph.kind == MODEL_PREFILL ? "prefill" : "decode");
        static op_result r[MODEL_MAX_OPS];
        lower_info info;
        char err[512] = "";
        const arch_t a = pinned(FP_F16);
        const int n = lower_model(&a, nullptr, &m, &q, &ph, r, MODEL_MAX_OPS, &info, err, sizeof err);
        ASSERT_GT(n, 0) << err;
        const op_result *norm = testsupport::find(r, n, "layer.post_attn_norm");
        const op_result *oproj = testsupport::find(r, n, "layer.o_proj");
        ASSERT_NE(norm, nullptr);
        ASSERT_NE(oproj, nullptr);
        EXPECT_STREQ(norm->stat_from, "layer.o_proj");
        EXPECT_EQ(oproj->tiling.epi.stat, 1);
        const op_result *in = testsupport::find(r, n, "layer.input_norm");
        const op_result *fin = testsupport::find(r, n, "final_norm");
        EXPECT_STREQ(in->stat_from, "layer.down_proj");
        EXPECT_STREQ(fin->stat_from, "layer.down_proj");
        EXPECT_EQ(testsupport::find(r, n, "layer.down_proj")->tiling.epi.stat, 1);
        const uint64_t tokens = model_phase_tokens(&ph), layers = norm->op.repeat;
        const uint64_t elems = norm->op.elements * layers;
        // a norm whose consumers' prologue runs it (norm_pro 1,
        // tests/test_norm_prologue.cpp) has no program; else it has this one
        EXPECT_EQ(norm->st.ev.vector_ops, norm->norm_pro == 1 ? 0 : elems); // rmsnorm + quant: 4
        EXPECT_EQ(norm->st.ev.dram_read_bytes - norm->st.ev.ifetch_bytes,
                  norm->norm_pro == 1 ? 0 : 2 * elems + 4 * tokens * layers);
        EXPECT_EQ(norm->st.ev.dram_write_bytes, norm->norm_pro == 1 ? 0 : elems);
        // input_norm: layers - 1 instances read the sums, the first does not
        // (absorbed: the first instance's sums alone, one pass, 4 B a row)
        const uint64_t per = in->op.elements;
        const bool ip = in->norm_pro == 1;
        EXPECT_EQ(in->st.ev.vector_ops, ip ? per : per * (layers - 1) + 2 * per);
        EXPECT_EQ(in->st.ev.dram_read_bytes - in->st.ev.ifetch_bytes,
                  ip ? 2 * per : 2 * per * layers + 4 * tokens * (layers - 1));
        EXPECT_EQ(in->st.ev.dram_write_bytes, ip ? 4 * tokens : per * layers);
        // final_norm: the batch's last tokens, one pass, their sums
        const uint64_t rows = (uint64_t)ph.batch;
        const bool fpro = fin->norm_pro == 1;
        EXPECT_EQ(fin->st.ev.vector_ops, fpro ? 0 : fin->op.elements);
        EXPECT_EQ(fin->st.ev.dram_read_bytes - fin->st.ev.ifetch_bytes,
                  fpro ? 0 : 2 * fin->op.elements + 4 * rows);
        // the same model with the statistic's epilogue step off: the split
        arch_t b = a;
        b.vec_fused = 0;
        static op_result u[MODEL_MAX_OPS];
        ASSERT_EQ(lower_model(&b, nullptr, &m, &q, &ph, u, MODEL_MAX_OPS, &info, err, sizeof err), n);
        EXPECT_EQ(testsupport::find(u, n, "layer.post_attn_norm")->st.ev.vector_ops, 4 * elems);
    }
}

TEST(NormStat, ReportNamesTheGemmThatMadeTheStatistic)
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
    EXPECT_NE(j.find("\"norm_stat_from\": \"layer.o_proj\""), std::string::npos);
    EXPECT_NE(j.find("\"norm_stat_from\": \"-\""), std::string::npos);
}

} // namespace

namespace {

// The norm programs (split, and rms_apply from the sums) on random shapes
// and machines: inside every buffer (sim_run checks each access), and the
// fast-forwarded timing the lowering uses equals the full simulation.
TEST(NormStat, NormProgramsFastForwardExactlyOnRandomShapes)
{
    std::mt19937 rng(17);
    energy_model em;
    std::memset(&em, 0, sizeof em);
    em.dram_pj_per_byte = 1.0;
    em.vector_op_pj = 1.0;
    em.node_nm = 28;
    int ran = 0, sampled_runs = 0;
    for (int it = 0; it < 60; it++) {
        arch_t a;
        arch_ideal(&a);
        a.vector_dtype = (int)(rng() % FP_COUNT);
        a.dma_engines = 1 + (int)(rng() % 2);
        a.buf[BUF_OUT].kib = 16 << (rng() % 5);
        a.buf[BUF_ACT].kib = 16 << (rng() % 5);
        a.vector_lanes = 16 << (rng() % 4);
        a.dram_latency = (int)(rng() % 400);
        const vec_shape v = { VFN_RMSNORM_F32, 1 + rng() % 3000, 2 + rng() % 3000, 0, 1,
                              1 + (int)(rng() % 2) };
        char err[256];
        vec_layout l;
        if (vec_layout_of(&a, &v, &l, err, sizeof err) != 0)
            continue; // a row that does not fit
        SCOPED_TRACE(std::to_string(v.rows) + "x" + std::to_string(v.cols) + " split " +
                     std::to_string(v.norm_split) + " engines " + std::to_string(a.dma_engines) +
                     " latency " + std::to_string(a.dram_latency) + " lanes " +
                     std::to_string(a.vector_lanes) + " out " + std::to_string(a.buf[BUF_OUT].kib) +
                     " act " + std::to_string(a.buf[BUF_ACT].kib) + " " +
                     fp_type_names[a.vector_dtype] + " tiles " + std::to_string(l.tiles) + " span " +
                     std::to_string(l.span) + " depth " + std::to_string(l.depth));
        program p;
        uint64_t tiles;
        ASSERT_EQ(vec_lower(&a, &v, 0, &p, &tiles, err, sizeof err), 0) << err;
        sim_stats full, ff;
        ASSERT_EQ(sim_run(&a, &em, &p, nullptr, &full, err, sizeof err), 0) << err;
        program_free(&p);
        int sampled = 0;
        ASSERT_EQ(vec_timing(&a, &em, &v, &ff, &sampled, err, sizeof err), 0) << err;
        EXPECT_EQ(ff.cycles, full.cycles);
        EXPECT_EQ(0, std::memcmp(&ff.ev, &full.ev, sizeof ff.ev));
        EXPECT_EQ(ff.unit[UNIT_VEC].busy_cycles, full.unit[UNIT_VEC].busy_cycles);
        ran++;
        sampled_runs += sampled;
    }
    EXPECT_GT(ran, 20);
    EXPECT_GT(sampled_runs, 3);
}

} // namespace

namespace {

// Random shapes, element types and output buffers with the residual add and
// the statistic: the mapper's schedule runs inside every buffer with data
// (sim_run checks each access), its stored sums are the rows' sums of
// squares bit for bit (whatever the column tiling), and its fast-forwarded
// timing equals the full simulation.
TEST(NormStat, RandomSchedulesWithTheStatisticAreExactInsideTheBuffersAndFastForward)
{
    std::mt19937 rng(99);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int ran = 0;
    for (int trial = 0; trial < 12; trial++) {
        const fp_type t = pick(0, 1) ? FP_F16 : FP_BF16;
        arch_t a = pinned(t);
        a.buf[BUF_OUT].kib = 16 << pick(0, 4);
        const Shape c = { "random", (uint64_t)pick(1, 300), 64 * pick(1, 24), 128 * pick(1, 4), 0,
                          0, true };
        SCOPED_TRACE("m " + std::to_string(c.m) + " n " + std::to_string(c.n) + " k " +
                     std::to_string(c.k) + " " + fp_type_names[t] + " out " +
                     std::to_string(a.buf[BUF_OUT].kib));
        gemm_shape s = plain_shape(c, true, true), best;
        sim_stats ff, full;
        int sampled = 0, sims = 0;
        char err[512] = "";
        ASSERT_EQ(mapper_search(&a, nullptr, &s, MAP_EDP, &best, &ff, &sampled, &sims, err,
                                sizeof err), 0) << err;
        ran++;
        std::vector<uint8_t> img;
        gemm_layout lay;
        const Data d = make_data(c, t, (unsigned)trial);
        ASSERT_TRUE(run_gemm(a, best, d, img, lay, full));
        testsupport::expect_full_equals(a, nullptr, best, ff);
        const std::vector<uint8_t> x = ref_stream(a, c, d);
        for (uint64_t r = 0; r < c.m; r++) {
            const float ss = ref_sumsq(t, x.data() + r * c.n * fp_bytes(t), (uint64_t)c.n);
            ASSERT_EQ(std::memcmp(img.data() + lay.r_addr + 4 * r, &ss, 4), 0) << "row " << r;
        }
    }
    EXPECT_GE(ran, 10);
}

} // namespace
