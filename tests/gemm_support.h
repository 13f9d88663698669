// gemm_support.h - the C-model suites' common step: one GEMM (scale groups
// of 128) lowered with gemm_lower's default schedule and simulated on an
// architecture, statistics back.  A lowering or run error is a test failure.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "gemm.h"
#include "ref_gemm.h"
#include "program.h"
#include "sim.h"

namespace gemmtest {

// m x n x k with weights of wt, in scale groups of 128.
inline gemm_shape shape(lut_wtype wt, uint64_t m, int n, int k)
{
    gemm_shape s;
    std::memset(&s, 0, sizeof s);
    s.wtype = wt;
    s.group_size = 128;
    s.m = m;
    s.n = n;
    s.kd = k;
    return s;
}

// s timed fast-forwarded (gemm_timing) into *ff and lowered and simulated in
// full into *full, for the suites that check the two agree.
inline void fast_and_full(const arch_t &a, const energy_model &em, const gemm_shape &s,
                          sim_stats *ff, sim_stats *full)
{
    int sampled;
    char err[512] = "";
    ASSERT_EQ(gemm_timing(&a, &em, &s, ff, &sampled, err, sizeof err), 0) << err;
    program p;
    gemm_layout lay;
    ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
    EXPECT_EQ(sim_run(&a, &em, &p, nullptr, full, err, sizeof err), 0) << err;
    program_free(&p);
}

// s lowered and timed by sim_run (em may be null: no energy).
inline sim_stats run_shape(const arch_t &a, const energy_model *em, const gemm_shape &s)
{
    program p;
    gemm_layout lay;
    char err[512] = "";
    sim_stats st;
    std::memset(&st, 0, sizeof st);
    if (gemm_lower(&a, &s, &p, &lay, err, sizeof err) != 0) {
        ADD_FAILURE() << err;
        return st;
    }
    EXPECT_EQ(sim_run(&a, em, &p, nullptr, &st, err, sizeof err), 0) << err;
    program_free(&p);
    return st;
}

// m x n x k with weights of wt, timed by sim_run (em may be null: no energy).
inline sim_stats run(const arch_t &a, const energy_model *em, lut_wtype wt, uint64_t m, int n,
                     int k)
{
    return run_shape(a, em, shape(wt, m, n, k));
}

// The quantization suites' architecture, pinned (the byte counts depend on
// the burst, the tile, the entry width and the buffers, not the default's).
inline arch_t pinned_quant_arch()
{
    arch_t a;
    arch_ideal(&a); // ideal memory: the byte counts exclude instruction fetch
    a.lut_cores = 4;
    a.tile_m = 2;
    a.tile_n = 64;
    a.tile_k = 4;
    a.table_entry_bits = 16;
    a.act_bits = 8;
    a.tprec_fused = 0;
    a.dram_burst = 64;
    a.buf[BUF_ACT].kib = 64;
    a.buf[BUF_TBL].kib = 64;
    a.buf[BUF_WGT].kib = 256;
    a.buf[BUF_OUT].kib = 256;
    return a;
}

// The decode GEMV of the hardware-realism issue: 1 x 4096 x 4096, W2.
inline sim_stats gemv(const arch_t &a) { return run(a, nullptr, lut_wtype{LUT_WFMT_INT, 2}, 1, 4096, 4096); }

// The int32 outputs in img (at lay.c_addr) against the reference GEMM of
// act and w; the first mismatch is a failure naming its row and column.
inline void expect_int32_outputs(const gemm_shape &s, const gemm_layout &lay,
                                 const std::vector<int8_t> &act, const std::vector<int8_t> &w,
                                 const std::vector<uint8_t> &img)
{
    std::vector<int64_t> want((size_t)s.m * s.n);
    ref_gemm_i64(s.wtype, act.data(), w.data(), nullptr, s.group_size, (int)s.m, s.n, s.kd,
                 want.data());
    for (size_t j = 0; j < want.size(); j++) {
        int32_t got;
        std::memcpy(&got, img.data() + lay.c_addr + 4 * j, 4);
        if (got != (int32_t)want[j]) {
            ADD_FAILURE() << "mismatch at row " << j / s.n << " col " << j % s.n << ": " << got
                          << " vs " << want[j];
            return;
        }
    }
}

// p (lowered from s into lay) run functionally on random INT8 activations
// and ternary weights (seeded), then its int32 outputs checked against the
// reference GEMM; *st gets the run's statistics.
inline void ternary_functional_exact(const arch_t &a, const gemm_shape &s, const program &p,
                                     const gemm_layout &lay, unsigned seed, sim_stats *st)
{
    std::mt19937 rng(seed);
    std::vector<int8_t> act((size_t)s.m * s.kd), w((size_t)s.n * s.kd);
    for (auto &v : act)
        v = (int8_t)(rng() % 256);
    for (auto &v : w)
        v = (int8_t)((int)(rng() % 3) - 1);
    std::vector<uint8_t> img(lay.image_bytes);
    char err[512] = "";
    ASSERT_EQ(gemm_fill(&a, &s, &lay, act.data(), w.data(), nullptr, nullptr, img.data(), err,
                        sizeof err), 0) << err;
    sim_opts o = {};
    o.dram = img.data();
    o.dram_size = img.size();
    ASSERT_EQ(sim_run(&a, nullptr, &p, &o, st, err, sizeof err), 0) << err;
    expect_int32_outputs(s, lay, act, w, img);
}

// s lowered, its memory image filled by fill(lay, image) (returning 0, or
// -1 with a message in err), run functional and timing-only: the cycles
// must agree; *image gets the functional run's memory, *lay the layout.
template <typename Fill>
inline void run_lowered(const arch_t &a, const gemm_shape &s, gemm_layout *lay,
                        std::vector<uint8_t> *image, Fill fill)
{
    char err[512] = "";
    program p;
    ASSERT_EQ(gemm_lower(&a, &s, &p, lay, err, sizeof err), 0) << err;
    image->assign(lay->image_bytes, 0);
    if (fill(*lay, image->data(), err, sizeof err) != 0) {
        program_free(&p);
        FAIL() << err;
    }
    sim_opts o = {};
    o.dram = image->data();
    o.dram_size = image->size();
    sim_stats fun, tim;
    EXPECT_EQ(sim_run(&a, nullptr, &p, &o, &fun, err, sizeof err), 0) << err;
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &tim, err, sizeof err), 0) << err;
    program_free(&p);
    EXPECT_EQ(fun.cycles, tim.cycles) << "timing-only and functional cycles differ";
}

// s run functionally on a: A uniform INT8 and W uniform over s.wtype's INT
// range, from seed; the program's int32 C against ref_gemm_i64 (groups of
// 128), bit for bit.  *st: the run's statistics, *lay: the program's layout.
inline void expect_exact(const arch_t &a, const gemm_shape &s, unsigned seed, sim_stats *st,
                         gemm_layout *lay)
{
    const uint64_t M = s.m, N = (uint64_t)s.n, K = (uint64_t)s.kd;
    const int b = s.wtype.bits, lo = -(1 << (b - 1)), hi = (1 << (b - 1)) - 1;
    std::mt19937 rng(seed);
    std::vector<int8_t> A(M * K), W(N * K);
    for (auto &v : A) v = (int8_t)((int)(rng() % 256) - 128);
    for (auto &v : W) v = (int8_t)(lo + (int)(rng() % (unsigned)(hi - lo + 1)));
    program p;
    char err[512] = "";
    ASSERT_EQ(gemm_lower(&a, &s, &p, lay, err, sizeof err), 0) << err;
    std::vector<uint8_t> img(lay->image_bytes);
    ASSERT_EQ(gemm_fill(&a, &s, lay, A.data(), W.data(), nullptr, nullptr, img.data(), err,
                        sizeof err), 0) << err;
    sim_opts so{};
    so.dram = img.data();
    so.dram_size = img.size();
    const int rc = sim_run(&a, nullptr, &p, &so, st, err, sizeof err);
    program_free(&p);
    ASSERT_EQ(rc, 0) << err;
    std::vector<int64_t> ref(M * N);
    ref_gemm_i64(s.wtype, A.data(), W.data(), nullptr, 128, (int)M, (int)N, (int)K, ref.data());
    const int32_t *C = (const int32_t *)(img.data() + lay->c_addr);
    for (uint64_t i = 0; i < M * N; i++)
        ASSERT_EQ(C[i], ref[i]) << "element " << i;
}

} // namespace gemmtest
