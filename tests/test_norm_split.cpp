// RMSNorm split for fusion (cmodel/unit_vec.c rms_stat, rms_apply): the
// statistic pass (one float32 per row) and the final scaling + quantize
// step are bit-exact with the unfused pair rmsnorm + quant and with a
// reference written here from the definition; the vector unit's time
// follows its passes; a bad element type is refused.  With vector.fused
// the compiler's norm program is the split (compiler/vector.c): bit-exact,
// same DRAM bytes, half the vector passes.
#include <gtest/gtest.h>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include "arch.h"
#include "arch_json.h"
#include "lower.h"
#include "model.h"
#include "quantize.h"
#include "vector.h"
#include "fp_arith.h"
#include "isa_build.h"
#include "isa.h"
#include "program.h"
#include "sim.h"
#include "test_support.h"

namespace {

constexpr uint32_t kRows = 4, kCols = 1000; // 1000: a partial last lane group

isa_instr dma(isa_op op, buf_id buf, uint64_t sram, uint64_t dram, uint32_t rows, uint32_t bytes)
{
    return ld(buf, (uint32_t)sram, dram, rows, bytes, bytes, op);
}

// DRAM: rows at t from 0; INT8 result stored at 0x10000.
constexpr uint64_t kOut = 0x10000;

// Unfused: rmsnorm at t into the output buffer, then quant into act.
// Split: rms_stat per row (4 B each at 0x8000), rms_apply per row into act.
std::vector<isa_instr> program_of(fp_type t, bool split)
{
    const uint32_t esz = (uint32_t)fp_bytes(t), rb = kCols * esz;
    std::vector<isa_instr> v{ dma(OP_LOAD, BUF_OUT, 0, 0, kRows, rb) };
    for (uint32_t r = 0; r < kRows; r++) {
        if (split) {
            v.push_back(vop(VFN_RMS_STAT, BUF_OUT, r * rb, 0, BUF_OUT, 0x8000 + 4 * r, kCols, t));
            v.push_back(vop(VFN_RMS_APPLY, BUF_OUT, r * rb, 0x8000 + 4 * r, BUF_ACT, r * kCols,
                            kCols, t));
        } else {
            v.push_back(vop((isa_vfn)isa_vfn_at(VFN_RMSNORM_F32, t), BUF_OUT, r * rb, 0, BUF_OUT,
                            0x4000 + r * rb, kCols, 0));
            v.push_back(vop((isa_vfn)isa_vfn_at(VFN_QUANT_F32, t), BUF_OUT, 0x4000 + r * rb, 0,
                            BUF_ACT, r * kCols, kCols, 0));
        }
    }
    v.push_back(dma(OP_STORE, BUF_ACT, 0, kOut, kRows, kCols));
    v.push_back(blank(OP_HALT));
    return v;
}

struct Outcome {
    std::vector<int8_t> q;
    sim_stats st;
};

Outcome run_rows(const arch_t &a, fp_type t, bool split, const std::vector<uint8_t> &rows)
{
    std::vector<uint8_t> img(kOut + kRows * kCols, 0);
    std::memcpy(img.data(), rows.data(), rows.size());
    Outcome r;
    testsupport::run_on_image(a, program_of(t, split), img, &r.st);
    r.q.assign(img.begin() + kOut, img.end());
    return r;
}

// From the definition: binary32 sum of squares in index order, the
// statistic 1 / sqrt(mean + 1e-6), x * inv rounded to t, quantized.
std::vector<int8_t> reference(fp_type t, const std::vector<uint8_t> &rows)
{
    const size_t esz = (size_t)fp_bytes(t);
    std::vector<int8_t> q;
    for (uint32_t r = 0; r < kRows; r++) {
        const uint8_t *row = rows.data() + r * kCols * esz;
        float ss = 0.0f;
        for (uint32_t i = 0; i < kCols; i++) {
            const float x = fp_load(row, t, i);
            ss += x * x;
        }
        const float inv = 1.0f / std::sqrt(ss / (float)kCols + 1e-6f);
        uint8_t y[4];
        for (uint32_t i = 0; i < kCols; i++) {
            fp_store(y, t, 0, fp_load(row, t, i) * inv);
            q.push_back(testsupport::ref_quant(fp_load(y, t, 0)));
        }
    }
    return q;
}

std::vector<uint8_t> rows_of(fp_type t, unsigned seed, float scale)
{
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(kRows * kCols * fp_bytes(t));
    for (uint32_t i = 0; i < kRows * kCols; i++)
        fp_store(v.data(), t, i, std::uniform_real_distribution<float>(-scale, scale)(rng));
    return v;
}

TEST(NormSplit, StatisticAndApplyAreBitExactWithRmsnormQuantAndTheReference)
{
    arch_t a;
    arch_ideal(&a);
    for (fp_type t : { FP_F32, FP_F16, FP_BF16 }) {
        SCOPED_TRACE(fp_type_names[t]);
        std::vector<uint8_t> rows = rows_of(t, 5 + t, 40.0f);
        // a spike: its row's other elements shrink, it quantizes near sqrt(kCols)
        fp_store(rows.data(), t, kCols + 3, 900.0f);
        const Outcome u = run_rows(a, t, false, rows), s = run_rows(a, t, true, rows);
        const std::vector<int8_t> ref = reference(t, rows);
        EXPECT_EQ(s.q, u.q);
        EXPECT_EQ(s.q, ref);
        // the reference can fail: a spike in row 0 changes its outputs
        std::vector<uint8_t> other = rows;
        fp_store(other.data(), t, 7, 900.0f);
        EXPECT_NE(reference(t, other), ref);
    }
}

// The vector unit on ideal SRAM: an instruction holds it for
// ceil(len / lanes) cycles per pass.  rmsnorm makes three passes (sum of
// squares, scale, store) and quant one; the split makes one each: the
// statistic pass only reads its row, the apply pass multiplies, rounds and
// quantizes as the elements stream through.
TEST(NormSplit, VectorTimeFollowsThePasses)
{
    arch_t a;
    arch_ideal(&a);
    const fp_type t = FP_F16;
    const std::vector<uint8_t> rows = rows_of(t, 3, 2.0f);
    const uint64_t groups = (kCols + (uint64_t)a.vector_lanes - 1) / (uint64_t)a.vector_lanes;
    const Outcome u = run_rows(a, t, false, rows), s = run_rows(a, t, true, rows);
    EXPECT_EQ(u.st.unit[UNIT_VEC].busy_cycles, kRows * groups * (3 + 1));
    EXPECT_EQ(s.st.unit[UNIT_VEC].busy_cycles, kRows * groups * (1 + 1));
    // buffer traffic: the statistic writes 4 B a row and apply reads it back
    EXPECT_EQ(s.st.ev.buf_write_bytes[BUF_ACT], (uint64_t)kRows * kCols);
    EXPECT_EQ(s.st.ev.buf_read_bytes[BUF_OUT],
              2ull * kRows * kCols * fp_bytes(t) + 4ull * kRows);
    // the DRAM bytes are the same program's: rows in at t, INT8 out
    EXPECT_EQ(s.st.ev.dram_read_bytes, u.st.ev.dram_read_bytes);
    EXPECT_EQ(s.st.ev.dram_write_bytes, u.st.ev.dram_write_bytes);
}

TEST(NormSplit, RefusesAnElementTypeOutsideTheThree)
{
    arch_t a;
    arch_ideal(&a);
    for (isa_vfn fn : { VFN_RMS_STAT, VFN_RMS_APPLY }) {
        program p;
        program_init(&p);
        const isa_instr h = blank(OP_HALT);
        const isa_instr v = vop(fn, BUF_OUT, 0, 0x8000, BUF_ACT, 0, 64, 3);
        ASSERT_EQ(program_push(&p, &v), 0);
        ASSERT_EQ(program_push(&p, &h), 0);
        sim_stats st;
        char err[256] = "";
        EXPECT_NE(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0);
        EXPECT_NE(std::string(err).find("element type"), std::string::npos) << err;
        program_free(&p);
    }
}

} // namespace

namespace {

// workloads/arch/default.json, read from the file (pinned, not the
// embedded default).
arch_t default_file()
{
    arch_t a;
    char err[256] = "";
    EXPECT_EQ(arch_from_json_file(SRC_DIR "/workloads/arch/default.json", &a, err, sizeof err), 0)
        << err;
    return a;
}

// vec_lower's program for the norm of rows (whole rows of kCols, fp16),
// run functionally: the INT8 rows it stores and its statistics.
Outcome run_norm(const arch_t &a, bool split, const std::vector<uint8_t> &rows)
{
    const vec_shape v = { VFN_RMSNORM_F32, kRows, kCols, 0, 1, split ? 1 : 0 };
    vec_layout lay;
    char err[256] = "";
    EXPECT_EQ(vec_layout_of(&a, &v, &lay, err, sizeof err), 0) << err;
    program p;
    uint64_t tiles = 0;
    EXPECT_EQ(vec_lower(&a, &v, 0, &p, &tiles, err, sizeof err), 0) << err;
    std::vector<uint8_t> img(lay.image_bytes, 0);
    std::memcpy(img.data() + lay.in_addr, rows.data(), rows.size());
    sim_opts o;
    std::memset(&o, 0, sizeof o);
    o.dram = img.data();
    o.dram_size = img.size();
    Outcome r;
    EXPECT_EQ(sim_run(&a, nullptr, &p, &o, &r.st, err, sizeof err), 0) << err;
    program_free(&p);
    r.q.assign(img.begin() + (long)lay.out_addr, img.begin() + (long)(lay.out_addr + kRows * kCols));
    return r;
}

} // namespace

// The norm program the compiler emits with vector.fused (norm_split) gives
// the INT8 rows of the unfused one (rmsnorm + quant) and of the reference;
// by hand its DRAM is the same, rows in at fp16 (2 B), INT8 out (1 B), and
// the vector unit makes 2 passes a row instead of 4.
TEST(NormSplit, TheCompilersSplitNormProgramIsBitExactAndHalvesTheVectorPasses)
{
    const arch_t a = default_file();
    ASSERT_EQ(a.vector_dtype, FP_F16);
    const std::vector<uint8_t> rows = rows_of(FP_F16, 11, 30.0f);
    const Outcome u = run_norm(a, false, rows), s = run_norm(a, true, rows);
    EXPECT_EQ(s.q, u.q);
    EXPECT_EQ(s.q, reference(FP_F16, rows));
    const uint64_t burst = (uint64_t)a.dram_burst;
    // data reads (instruction fetch apart: the split has one more vop a row)
    const uint64_t sd = s.st.ev.dram_read_bytes - s.st.ev.ifetch_bytes;
    EXPECT_GE(sd, 2ull * kRows * kCols);
    EXPECT_LT(sd, 2ull * kRows * kCols + 16 * burst);
    EXPECT_EQ(sd, u.st.ev.dram_read_bytes - u.st.ev.ifetch_bytes);
    EXPECT_GT(s.st.ev.ifetch_bytes, u.st.ev.ifetch_bytes);
    EXPECT_EQ(s.st.ev.dram_write_bytes, u.st.ev.dram_write_bytes);
    const uint64_t groups = (kCols + (uint64_t)a.vector_lanes - 1) / (uint64_t)a.vector_lanes;
    EXPECT_EQ(s.st.ev.vector_ops * 2, u.st.ev.vector_ops);
    EXPECT_LE(s.st.unit[UNIT_VEC].busy_cycles, kRows * groups * 2 + 2 * kRows * 4);
    EXPECT_GE(u.st.unit[UNIT_VEC].busy_cycles, kRows * groups * 4);
}

// lower_model with vector.fused: the norms into linear layers run the
// split (half the vector element passes of vector.fused off), with the
// same DRAM bytes; fails if the lowering stops emitting it.  The norm
// after o_proj's residual add gets its statistic from that epilogue and
// runs rms_apply alone (a quarter of the passes; tests/test_norm_stat.cpp
// derives its bytes); so do final_norm (after down_proj's) and the input
// norm of every layer but the first, which reads the embedding and runs
// the split: (L - 1) x 1 + 1 x 2 passes a row against 4 L unfused.  A
// norm whose consumers' prologue runs it instead has no program (the
// first layer's input norm: its rows' sums, 1 pass).
TEST(NormSplit, FusedLoweringRunsTheNormsSplit)
{
    model_cfg m = testsupport::llama(128, 344, 4, 2, 2, 512); // workloads/models/tiny.json
    quant_preset q;
    ASSERT_EQ(quant_preset_named("W2A8", &q), 0);
    const model_phase phases[] = { { MODEL_PREFILL, 1, 64, 0 }, { MODEL_DECODE, 1, 0, 128 } };
    for (const model_phase &ph : phases) {
        static op_result r[MODEL_MAX_OPS], u[MODEL_MAX_OPS];
        lower_info info;
        char err[512] = "";
        arch_t a = default_file();
        a.vec_fused = 0;
        const int nu = lower_model(&a, nullptr, &m, &q, &ph, u, MODEL_MAX_OPS, &info, err, sizeof err);
        ASSERT_GT(nu, 0) << err;
        a.vec_fused = 1;
        const int n = lower_model(&a, nullptr, &m, &q, &ph, r, MODEL_MAX_OPS, &info, err, sizeof err);
        ASSERT_EQ(n, nu) << err;
        for (const char *name : { "layer.input_norm", "layer.post_attn_norm", "final_norm" }) {
            SCOPED_TRACE(name);
            const op_result *f = testsupport::find(r, n, name), *o = testsupport::find(u, n, name);
            ASSERT_NE(f, nullptr);
            ASSERT_NE(o, nullptr);
            const bool input = std::string(name) == "layer.input_norm";
            EXPECT_STREQ(f->stat_from,
                         std::string(name) == "layer.post_attn_norm" ? "layer.o_proj"
                                                                     : "layer.down_proj");
            const uint64_t L = f->op.repeat, passes = input ? L + 1 : L;
            if (f->norm_pro == 1) { // its consumers' prologue runs it (test_norm_prologue.cpp)
                // nothing but the first layer's input norm's sums, one pass
                EXPECT_EQ(f->st.ev.vector_ops * 4 * L, input ? o->st.ev.vector_ops : 0u);
                continue;
            }
            EXPECT_EQ(f->norm_pro, 2);
            EXPECT_EQ(f->st.ev.vector_ops * 4 * L, o->st.ev.vector_ops * passes);
            EXPECT_GT(f->st.ev.dram_read_bytes - f->st.ev.ifetch_bytes,
                      o->st.ev.dram_read_bytes - o->st.ev.ifetch_bytes);
            EXPECT_EQ(f->st.ev.dram_write_bytes, o->st.ev.dram_write_bytes);
            EXPECT_LT(f->st.unit[UNIT_VEC].busy_cycles, o->st.unit[UNIT_VEC].busy_cycles);
        }
    }
}
