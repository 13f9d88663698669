// The vector unit at its element type (fp_arith, unit_vec.c), the
// software-pipelined vector programs (compiler/vector.c), the DMA's
// separate load and store queues (sim.c, dma.engines) and the overlap of
// neighbouring operations (compiler/overlap.c).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "arch.h"
#include "arch_pin.h"
#include "fp_arith.h"
#include "isa.h"
#include "lower.h"
#include "overlap.h"
#include "program.h"
#include "sim.h"
#include "vector.h"
#include "test_support.h"

namespace {

// ---- reference rounding, by a different method: the nearest value of a
// sorted list of every finite non-negative FP16 (decoded with ldexp), or
// the two BF16 neighbours compared in double; ties to the even pattern.

double ref_f16_value(uint16_t h)
{
    int e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? std::ldexp((double)m, -24) : std::ldexp((double)(1024 + m), e - 25);
    return (h & 0x8000) ? -v : v;
}

uint16_t ref_f32_to_f16(float x)
{
    static std::vector<double> vals;
    if (vals.empty())
        for (uint16_t h = 0; h < 0x7C00; h++)
            vals.push_back(ref_f16_value(h));
    if (std::isnan(x))
        return 0; // not compared here
    const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
    const double a = std::fabs((double)x);
    if (a >= 65520.0) // max 65504 plus half its ulp of 32: ties go to even (infinity)
        return sign | 0x7C00;
    size_t hi = std::lower_bound(vals.begin(), vals.end(), a) - vals.begin();
    if (hi < vals.size() && vals[hi] == a)
        return sign | (uint16_t)hi;
    size_t lo = hi - 1; // a > 0 here
    if (hi == vals.size()) // between the largest finite value and 65520
        return sign | (uint16_t)lo;
    double dl = a - vals[lo], dh = vals[hi] - a;
    uint16_t pick = (uint16_t)(dl < dh ? lo : dh < dl ? hi : (lo % 2 == 0 ? lo : hi));
    return sign | pick;
}

uint16_t ref_f32_to_bf16(float x)
{
    uint32_t u;
    std::memcpy(&u, &x, 4);
    uint16_t t = (uint16_t)(u >> 16);
    auto val = [](uint16_t h) {
        uint32_t v = (uint32_t)h << 16;
        float f;
        std::memcpy(&f, &v, 4);
        return (double)f;
    };
    if ((u & 0xFFFF) == 0)
        return t;
    double a = std::fabs((double)x), dl = a - std::fabs(val(t));
    // the neighbour away from zero (the largest finite one rounds up to infinity)
    double up = (t & 0x7FFF) == 0x7F7F ? std::ldexp(1.0, 128) : std::fabs(val((uint16_t)(t + 1)));
    double dh = up - a;
    if (dl < dh || (dl == dh && t % 2 == 0))
        return t;
    return (uint16_t)(t + 1);
}

float f32(uint32_t u)
{
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

TEST(FpArith, F16DecodesEveryPatternAndRoundTrips)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float f = fp_f16_to_f32((uint16_t)h);
        if (((h >> 10) & 31) == 31 && (h & 1023)) {
            EXPECT_TRUE(std::isnan(f)) << h;
            EXPECT_TRUE(std::isnan(fp_f16_to_f32(fp_f32_to_f16(f)))) << h;
            continue;
        }
        if (((h >> 10) & 31) == 31)
            EXPECT_TRUE(std::isinf(f) && std::signbit(f) == ((h & 0x8000) != 0)) << h;
        else
            EXPECT_EQ((double)f, ref_f16_value((uint16_t)h)) << h;
        EXPECT_EQ(fp_f32_to_f16(f), h) << h;
    }
}

TEST(FpArith, RoundsToNearestEvenLikeTheReference)
{
    std::mt19937 rng(7);
    std::vector<float> xs = {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, 1e-8f, 2.9802322e-8f,
                             5.9604645e-8f, 6.1035156e-5f, 1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048,
                             3.4028235e38f, -3.4028235e38f, 1.0e-45f, INFINITY, -INFINITY};
    // the midpoints between neighbouring FP16 values: ties
    for (uint16_t h = 0; h < 0x7BFF; h += 97)
        xs.push_back((float)((ref_f16_value(h) + ref_f16_value(h + 1)) / 2));
    for (int i = 0; i < 300000; i++) {
        uint32_t u = rng();
        if (i % 2) // concentrate on FP16's range
            u = (u & 0x807FFFFFu) | ((uint32_t)(100 + rng() % 45) << 23);
        xs.push_back(f32(u));
    }
    for (float x : xs) {
        if (std::isnan(x))
            continue;
        if (std::isinf(x)) {
            EXPECT_EQ(fp_f32_to_f16(x), std::signbit(x) ? 0xFC00 : 0x7C00);
            EXPECT_EQ(fp_f32_to_bf16(x), std::signbit(x) ? 0xFF80 : 0x7F80);
            continue;
        }
        ASSERT_EQ(fp_f32_to_f16(x), ref_f32_to_f16(x)) << x;
        ASSERT_EQ(fp_f32_to_bf16(x), ref_f32_to_bf16(x)) << x;
    }
    // NaN stays a quiet NaN of its sign
    float qn = f32(0xFF800001u);
    EXPECT_TRUE(std::isnan(fp_f16_to_f32(fp_f32_to_f16(qn))));
    EXPECT_EQ(fp_f32_to_f16(qn) & 0x8200, 0x8200);
    EXPECT_TRUE(std::isnan(fp_bf16_to_f32(fp_f32_to_bf16(qn))));
}

// ---- the vector functions, functional on the C model against a reference

energy_model unit_energy()
{
    energy_model em;
    std::memset(&em, 0, sizeof em);
    em.dram_pj_per_byte = 1.0;
    em.vector_op_pj = 1.0;
    em.node_nm = 28;
    return em;
}

uint16_t ref_round(fp_type t, float v) { return t == FP_F16 ? ref_f32_to_f16(v) : ref_f32_to_bf16(v); }

float ref_load(fp_type t, const std::vector<uint8_t> &img, uint64_t at, uint64_t i)
{
    uint16_t h = (uint16_t)(img[at + 2 * i] | img[at + 2 * i + 1] << 8);
    if (t == FP_F16)
        return (float)ref_f16_value(h);
    return f32((uint32_t)h << 16);
}

using testsupport::ref_quant;

// The documented semantics: binary32 arithmetic on widened elements, one
// rounding per result; rows of `cols` for the row functions.
std::vector<uint8_t> reference(fp_type t, isa_vfn base, const std::vector<uint8_t> &img,
                               const vec_layout &l, uint64_t rows, uint64_t cols, bool quant)
{
    const uint64_t n = rows * cols;
    std::vector<float> y(n);
    for (uint64_t r = 0; r < rows; r++) {
        auto x = [&](uint64_t c) { return ref_load(t, img, l.in_addr, r * cols + c); };
        auto x2 = [&](uint64_t c) { return ref_load(t, img, l.in2_addr, r * cols + c); };
        float ss = 0.0f, mx = -INFINITY, sum = 0.0f, inv = 0.0f;
        if (base == VFN_RMSNORM_F32) {
            for (uint64_t c = 0; c < cols; c++)
                ss += x(c) * x(c);
            inv = 1.0f / std::sqrt(ss / (float)cols + 1e-6f);
        }
        if (base == VFN_SOFTMAX_F32) {
            for (uint64_t c = 0; c < cols; c++)
                mx = std::max(mx, x(c));
            for (uint64_t c = 0; c < cols; c++)
                sum += std::exp(x(c) - mx);
        }
        for (uint64_t c = 0; c < cols; c++) {
            float v = x(c), o = 0;
            switch (base) {
            case VFN_ADD_F32: o = v + x2(c); break;
            case VFN_MUL_F32: o = v * x2(c); break;
            case VFN_SILU_F32: o = v / (1.0f + std::exp(-v)); break;
            case VFN_GELU_F32:
                o = 0.5f * v * (1.0f + std::tanh(0.7978845608f * (v + 0.044715f * v * v * v)));
                break;
            case VFN_RMSNORM_F32: o = v * inv; break;
            case VFN_SOFTMAX_F32: o = std::exp(v - mx) / sum; break;
            default: ADD_FAILURE() << "no reference";
            }
            y[r * cols + c] = o;
        }
    }
    std::vector<uint8_t> out;
    for (uint64_t i = 0; i < n; i++) {
        uint16_t h = ref_round(t, y[i]);
        if (quant) { // the stored element, widened again, quantized (imm = 0)
            float w = t == FP_F16 ? (float)ref_f16_value(h) : f32((uint32_t)h << 16);
            out.push_back((uint8_t)ref_quant(w));
        } else {
            out.push_back((uint8_t)h);
            out.push_back((uint8_t)(h >> 8));
        }
    }
    return out;
}

struct VecCase {
    isa_vfn fn;
    uint64_t rows, cols;
    int quant;
};

TEST(VectorOps, FunctionalBitExactAtFp16AndBf16)
{
    const VecCase cases[] = {
        {VFN_ADD_F32, 1, 70001, 0},   {VFN_MUL_F32, 1, 50000, 1},    {VFN_SILU_F32, 1, 40000, 0},
        {VFN_GELU_F32, 1, 30001, 1},  {VFN_RMSNORM_F32, 37, 4096, 1}, {VFN_RMSNORM_F32, 30, 1000, 0},
        {VFN_SOFTMAX_F32, 70, 1025, 0},
        // one buffer tile each: cut into short tiles on four slots
        {VFN_SILU_F32, 1, 8192, 1},   {VFN_ADD_F32, 1, 5000, 0},     {VFN_RMSNORM_F32, 16, 512, 1},
    };
    std::mt19937 rng(11);
    std::normal_distribution<float> nd(0.0f, 3.0f);
    const energy_model em = unit_energy();
    for (fp_type t : {FP_F16, FP_BF16}) {
        arch_t a;
        arch_ideal(&a);
        a.vector_dtype = t;
        a.buf[BUF_OUT].kib = 64; // several tiles
        for (const VecCase &c : cases) {
            SCOPED_TRACE(std::string(fp_type_names[t]) + " " + isa_vfn_names[c.fn]);
            vec_shape v = {c.fn, c.rows, c.cols, 0, c.quant, 0};
            vec_layout l;
            char err[256];
            ASSERT_EQ(vec_layout_of(&a, &v, &l, err, sizeof err), 0) << err;
            EXPECT_GT(l.tiles, 2u);
            EXPECT_EQ(l.elem_bytes, 2);
            EXPECT_EQ(isa_vfn_type(l.fn), t);
            std::vector<uint8_t> img(l.image_bytes, 0);
            for (uint64_t i = 0; i < l.out_addr / 2; i++) {
                uint16_t h = t == FP_F16 ? fp_f32_to_f16(nd(rng)) : fp_f32_to_bf16(nd(rng));
                img[2 * i] = (uint8_t)h;
                img[2 * i + 1] = (uint8_t)(h >> 8);
            }
            const std::vector<uint8_t> want = reference(t, c.fn, img, l, c.rows, c.cols, c.quant);
            program p;
            uint64_t tiles;
            ASSERT_EQ(vec_lower(&a, &v, 0, &p, &tiles, err, sizeof err), 0) << err;
            sim_opts o;
            std::memset(&o, 0, sizeof o);
            o.dram = img.data();
            o.dram_size = img.size();
            sim_stats fs, ts;
            ASSERT_EQ(sim_run(&a, &em, &p, &o, &fs, err, sizeof err), 0) << err;
            ASSERT_EQ(sim_run(&a, &em, &p, nullptr, &ts, err, sizeof err), 0) << err;
            program_free(&p);
            std::vector<uint8_t> got(img.begin() + (long)l.out_addr,
                                     img.begin() + (long)(l.out_addr + want.size()));
            EXPECT_TRUE(got == want);
            // timing-only is the same run without data
            EXPECT_EQ(fs.cycles, ts.cycles);
            EXPECT_EQ(0, std::memcmp(&fs.ev, &ts.ev, sizeof fs.ev));
            EXPECT_GE(fs.ev.dram_write_bytes, (uint64_t)want.size()); // bursts round up
        }
    }
}

// ---- schedules inside the buffers; fast-forwarding equals full simulation

TEST(VectorOps, RandomShapesAndArchitecturesStayInsideBuffersAndFastForwardExactly)
{
    std::mt19937 rng(5);
    const isa_vfn fns[] = {VFN_ADD_F32, VFN_MUL_F32, VFN_SILU_F32, VFN_RMSNORM_F32, VFN_SOFTMAX_F32};
    const energy_model em = unit_energy();
    int ran = 0, sampled_runs = 0;
    for (int it = 0; it < 150; it++) {
        arch_t a;
        arch_ideal(&a);
        a.vector_dtype = (int)(rng() % FP_COUNT);
        a.dma_engines = 1 + (int)(rng() % 2);
        a.buf[BUF_OUT].kib = 16 << (rng() % 5);
        a.buf[BUF_ACT].kib = 16 << (rng() % 5);
        a.vector_lanes = 16 << (rng() % 4);
        a.dram_latency = (int)(rng() % 400);
        vec_shape v = {fns[rng() % 5], 1 + rng() % 300, 1 + rng() % 6000, 0, (int)(rng() % 2), 0};
        if (rng() % 4 == 0 && v.fn == VFN_RMSNORM_F32)
            v.tables_group = 128;
        char err[256];
        vec_layout l;
        if (vec_layout_of(&a, &v, &l, err, sizeof err) != 0) {
            // refused only when a row cannot fit
            EXPECT_NE(std::string(err).find("does not fit"), std::string::npos) << err;
            continue;
        }
        SCOPED_TRACE(std::string(isa_vfn_names[v.fn]) + " " + std::to_string(v.rows) + "x" +
                     std::to_string(v.cols) + " q" + std::to_string(v.quant_out) + " engines " +
                     std::to_string(a.dma_engines) + " latency " + std::to_string(a.dram_latency) +
                     " lanes " + std::to_string(a.vector_lanes) + " out " +
                     std::to_string(a.buf[BUF_OUT].kib) + " act " + std::to_string(a.buf[BUF_ACT].kib) +
                     " " + fp_type_names[a.vector_dtype]);
        program p;
        uint64_t tiles;
        ASSERT_EQ(vec_lower(&a, &v, 0, &p, &tiles, err, sizeof err), 0) << err;
        sim_stats full, ff;
        // sim_run checks every access against the buffers and fails on one outside
        ASSERT_EQ(sim_run(&a, &em, &p, nullptr, &full, err, sizeof err), 0) << err;
        program_free(&p);
        int sampled;
        ASSERT_EQ(vec_timing(&a, &em, &v, &ff, &sampled, err, sizeof err), 0) << err;
        EXPECT_EQ(ff.cycles, full.cycles);
        EXPECT_EQ(0, std::memcmp(&ff.ev, &full.ev, sizeof ff.ev));
        EXPECT_EQ(ff.unit[UNIT_DMA].busy_cycles, full.unit[UNIT_DMA].busy_cycles);
        EXPECT_EQ(ff.unit[UNIT_VEC].busy_cycles, full.unit[UNIT_VEC].busy_cycles);
        ran++;
        sampled_runs += sampled;
    }
    EXPECT_GT(ran, 30);
    EXPECT_GT(sampled_runs, 5);
}

// ---- the DMA queues, hand-derived (default arch: 64 B/cycle, latency 100,
// output buffer 8 x 256 bits = 256 B/cycle, vector 64 lanes, latency 8)

isa_instr dma(isa_op op, uint32_t sram, uint64_t dram, uint32_t bytes)
{
    isa_instr in;
    std::memset(&in, 0, sizeof in);
    in.op = op;
    in.buf = BUF_OUT;
    in.sram = sram;
    in.dram = dram;
    in.rows = 1;
    in.bytes = bytes;
    in.stride = bytes;
    return in;
}

struct Slot {
    uint64_t start, busy_end, complete;
};

void record(void *ctx, size_t, const isa_instr *, isa_unit, uint64_t s, uint64_t b, uint64_t c)
{
    static_cast<std::vector<Slot> *>(ctx)->push_back({s, b, c});
}

TEST(DmaEngines, ALoadPassesAStoreThatWaitsOnlyWithTwoQueues)
{
    // load 4 KiB; copy it (64 cycles); store the copy; load 4 KiB more.
    program p;
    program_init(&p);
    isa_instr v;
    std::memset(&v, 0, sizeof v);
    v.op = OP_VOP;
    v.fn = VFN_COPY;
    v.sbuf = v.dbuf = BUF_OUT;
    v.src = 0;
    v.dst = 0x2000;
    v.len = 4096;
    isa_instr h;
    std::memset(&h, 0, sizeof h);
    h.op = OP_HALT;
    for (const isa_instr &in : {dma(OP_LOAD, 0, 0, 4096), v, dma(OP_STORE, 0x2000, 0x8000, 4096),
                                dma(OP_LOAD, 0x4000, 0x10000, 4096), h})
        ASSERT_EQ(program_push(&p, &in), 0);
    for (int engines : {1, 2}) {
        arch_t a;
        arch_ideal(&a);
        a.dma_engines = engines;
        std::vector<Slot> s;
        sim_opts o;
        std::memset(&o, 0, sizeof o);
        o.trace = record;
        o.trace_ctx = &s;
        sim_stats st;
        char err[256];
        ASSERT_EQ(sim_run(&a, nullptr, &p, &o, &st, err, sizeof err), 0) << err;
        ASSERT_EQ(s.size(), 5u);
        // load 0..64 (+100); copy 164..228 (+8); store 236..300 (+100)
        EXPECT_EQ(s[0].complete, 164u);
        EXPECT_EQ(s[1].start, 164u);
        EXPECT_EQ(s[2].start, 236u);
        EXPECT_EQ(s[2].complete, 400u);
        if (engines == 1) { // in order behind the store: 300..364, done at 464
            EXPECT_EQ(s[3].start, 300u);
            EXPECT_EQ(st.cycles, 464u);
        } else { // its own queue, in the bus's gap 64..128, done at 228
            EXPECT_EQ(s[3].start, 64u);
            EXPECT_EQ(s[3].complete, 228u);
            EXPECT_EQ(st.cycles, 400u);
        }
        EXPECT_EQ(st.unit[UNIT_DMA].busy_cycles, 192u);
        EXPECT_EQ(st.ev.dram_read_bytes, 8192u);
        // the prologue: until the copy starts; the tail: after the bus was last held
        EXPECT_EQ(st.lead_cycles, 164u);
        EXPECT_EQ(st.lead_bytes[BUF_OUT], 4096u);
        EXPECT_EQ(st.tail_cycles, engines == 1 ? 100u : 100u);
    }
    program_free(&p);
}

TEST(DmaEngines, TwoQueuesNeverShareTheBusAndOnlyHelpVectorPrograms)
{
    const energy_model em = unit_energy();
    for (isa_vfn fn : {VFN_ADD_F32, VFN_RMSNORM_F32, VFN_SILU_F32}) {
        vec_shape v = {fn, 64, 4096, 0, 1, 0};
        sim_stats s1, s2;
        char err[256];
        int sampled;
        arch_t a;
        arch_ideal(&a);
        ASSERT_EQ(vec_timing(&a, &em, &v, &s1, &sampled, err, sizeof err), 0) << err;
        a.dma_engines = 2;
        ASSERT_EQ(vec_timing(&a, &em, &v, &s2, &sampled, err, sizeof err), 0) << err;
        EXPECT_LE(s2.cycles, s1.cycles) << isa_vfn_names[fn];
        EXPECT_EQ(s1.ev.dram_read_bytes, s2.ev.dram_read_bytes);
        // the bus carries every byte at 64 B/cycle, one transfer at a time
        uint64_t bytes = s2.ev.dram_read_bytes + s2.ev.dram_write_bytes;
        EXPECT_GE(s2.cycles, bytes / 64);
    }
}

// ---- roofline: every prefill vector op of Llama-2-7B within 1.3x

TEST(VectorOps, PrefillVectorOpsRunWithinTheirRooflineBound)
{
    arch_t a;
    arch_ideal(&a);
    const energy_model em = unit_energy();
    // rows x cols of Llama-2-7B's layer at S = 2048: norm (quantized for
    // q/k/v), residual add, SiLU, SiLU x gate (quantized for down_proj)
    const VecCase cases[] = {{VFN_RMSNORM_F32, 2048, 4096, 1}, {VFN_ADD_F32, 1, 2048 * 4096, 0},
                             {VFN_SILU_F32, 1, 2048 * 11008, 0}, {VFN_MUL_F32, 1, 2048 * 11008, 1},
                             {VFN_SOFTMAX_F32, 65536, 1025, 0}};
    const int passes[] = {3, 1, 4, 1, 4};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const VecCase &c = cases[i];
        vec_shape v = {c.fn, c.rows, c.cols, 0, c.quant, 0};
        sim_stats st;
        int sampled;
        char err[256];
        ASSERT_EQ(vec_timing(&a, &em, &v, &st, &sampled, err, sizeof err), 0) << err;
        const double n = (double)c.rows * (double)c.cols;
        const int srcs = c.fn == VFN_ADD_F32 || c.fn == VFN_MUL_F32 ? 2 : 1;
        // FP16 in, FP16 or INT8 out; compute: passes (+1 to quantize) / 64 lanes
        const double bytes = n * (2.0 * srcs + (c.quant ? 1.0 : 2.0));
        const double moved = (double)(st.ev.dram_read_bytes + st.ev.dram_write_bytes);
        EXPECT_GE(moved, bytes);
        EXPECT_LT(moved, bytes * 1.001); // transfers round up to 64-byte bursts
        const double bound = std::max(bytes / 64.0, n * (passes[i] + c.quant) / 64.0);
        EXPECT_LT((double)st.cycles, 1.3 * bound) << isa_vfn_names[c.fn];
        EXPECT_GE((double)st.cycles, bound) << isa_vfn_names[c.fn];
    }
}

// Small decode operations (one buffer tile) run as eight short tiles on four
// slots: on a pinned architecture (64 B/cycle, latency 100, 64 lanes) each
// is within 1.3x of max(its bytes / 64, its element passes / 64), where one
// buffer-sized tile runs load, work and store one after another.
TEST(VectorOps, SmallDecodeOpsPipelineTheirTiles)
{
    arch_t a;
    arch_default(&a);
    pin_ideal_memory(&a);
    a.vector_lanes = 64;
    a.vector_latency = 8;
    a.vector_dtype = FP_F16;
    a.sram_ideal = 1;
    a.buf[BUF_OUT].kib = 256;
    a.buf[BUF_ACT].kib = 256;
    const energy_model em = unit_energy();
    // Llama-2-70B decode at batch 1: SiLU (quantized for down_proj), the
    // residual add, RoPE-sized and SiLU x gate-sized element-wise work
    const VecCase cases[] = {{VFN_SILU_F32, 1, 28672, 1}, {VFN_ADD_F32, 1, 8192, 0},
                             {VFN_MUL_F32, 1, 28672, 1}, {VFN_MUL_F32, 1, 9216, 0}};
    const int passes[] = {4, 1, 1, 1};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const VecCase &c = cases[i];
        SCOPED_TRACE(isa_vfn_names[c.fn]);
        vec_shape v = {c.fn, c.rows, c.cols, 0, c.quant, 0};
        vec_layout l;
        char err[256];
        ASSERT_EQ(vec_layout_of(&a, &v, &l, err, sizeof err), 0) << err;
        EXPECT_EQ(l.depth, 4);
        EXPECT_EQ(l.tiles, 8u);
        sim_stats st;
        int sampled;
        ASSERT_EQ(vec_timing(&a, &em, &v, &st, &sampled, err, sizeof err), 0) << err;
        const double n = (double)c.rows * (double)c.cols;
        const int srcs = c.fn == VFN_ADD_F32 || c.fn == VFN_MUL_F32 ? 2 : 1;
        const double bytes = n * (2.0 * srcs + (c.quant ? 1.0 : 2.0));
        const double bound = std::max(bytes / 64.0, n * (passes[i] + c.quant) / 64.0);
        EXPECT_LT((double)st.cycles, 1.3 * bound);
        EXPECT_GE((double)st.cycles, bound);
    }
}

// ---- overlap of neighbouring operations

TEST(Overlap, SavesAtMostEachTailAndOnlyBeforeLinearLayers)
{
    model_cfg m;
    std::memset(&m, 0, sizeof m);
    arch_t a;
    arch_ideal(&a);
    const energy_model em = unit_energy();
    // hand-made results: a vector op, then two linear layers of one input
    op_result ops[3];
    std::memset(ops, 0, sizeof ops);
    const char *names[] = {"layer.input_norm", "layer.q_proj", "layer.k_proj"};
    model_op_kind kinds[] = {MODEL_OP_NORM, MODEL_OP_LINEAR, MODEL_OP_LINEAR};
    for (int i = 0; i < 3; i++) {
        std::snprintf(ops[i].op.name, sizeof ops[i].op.name, "%s", names[i]);
        ops[i].op.kind = kinds[i];
        ops[i].op.repeat = 4;
        ops[i].st.lead_cycles = 500;
        ops[i].st.lead_wgt_cycles = 200;
        ops[i].st.lead_bytes[BUF_WGT] = 1000;
        ops[i].st.lead_bytes[BUF_ACT] = 1000;
    }
    ops[0].st.tail_cycles = 300; // norm -> q: q's weights only, 200 of them
    ops[1].st.tail_cycles = 450; // q -> k: k's whole prologue, cut to q's tail
    ops[2].st.tail_cycles = 50;  // k -> norm of the next layer: nothing
    uint64_t saved;
    ASSERT_EQ(overlap_saved(&a, ops, 3, &saved), 0);
    EXPECT_EQ(saved, 4u * 200 + 4u * 450);
    // a prologue that needs more than half a buffer cannot start early
    ops[2].st.lead_bytes[BUF_ACT] = arch_buf_bytes(&a, BUF_ACT) / 2 + 1;
    ASSERT_EQ(overlap_saved(&a, ops, 3, &saved), 0);
    EXPECT_EQ(saved, 4u * 200);
    (void)em;
    (void)m;
}

} // namespace
