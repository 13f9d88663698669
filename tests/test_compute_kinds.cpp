// compute.kind systolic and mac: the systolic array's busy cycles against
// SCALE-Sim's counts derived by hand from its method (peer-semantics.md:
// folds = ceil(Sr/R) x ceil(Sc/C), per fold os T + R + C - 2, ws/is
// T + 2R + C - 2, reported as folds x per-fold - 1), the mac array's
// passes and dequant stage, exact INT8 results, and the arch.json keys.
#include <gtest/gtest.h>

#include <jansson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "arch.h"
#include "arch_json.h"
#include "area.h"
#include "area_json.h"
#include "energy_json.h"
#include "engine_setup.h"
#include "gemm.h"
#include "gemm_support.h"
#include "mma_array.h"
#include "ref_gemm.h"
#include "run_argv.h"
#include "sim.h"

namespace {

arch_t systolic(int rows, int cols, sys_dataflow df)
{
    arch_t a;
    arch_ideal(&a);
    a.compute_kind = COMPUTE_SYSTOLIC;
    a.sys_rows = rows;
    a.sys_cols = cols;
    a.sys_dataflow = df;
    return a;
}

arch_t mac(mac_dtype t, int dq_lanes)
{
    arch_t a;
    arch_ideal(&a);
    a.compute_kind = COMPUTE_MAC;
    a.mac_m = 8, a.mac_n = 4, a.mac_k = 16;
    a.mac_dtype = t;
    a.mac_dq_lanes = dq_lanes;
    return a;
}

arch_t bitserial(int rows, int cols, int dp, int bits_per_cycle)
{
    arch_t a;
    arch_ideal(&a);
    a.compute_kind = COMPUTE_BITSERIAL;
    a.bs_rows = rows, a.bs_cols = cols, a.bs_dp = dp;
    a.bs_bits_per_cycle = bits_per_cycle;
    return a;
}

gemm_shape shape(uint64_t m, int n, int k, int wbits = 8)
{
    gemm_shape s{};
    s.wtype.fmt = LUT_WFMT_INT;
    s.wtype.bits = wbits;
    s.group_size = 128;
    s.m = m, s.n = n, s.kd = k;
    return s;
}

// The compiled GEMM's array busy cycles (timing-only run).
uint64_t array_cycles(const arch_t &a, const gemm_shape &s)
{
    sim_stats st;
    int sampled = 0;
    char err[512] = "";
    EXPECT_EQ(gemm_timing(&a, nullptr, &s, &st, &sampled, err, sizeof err), 0) << err;
    return st.unit[UNIT_LUT].busy_cycles;
}

// compute_cycles of a --stats file (-1 when it cannot be read).
json_int_t stats_compute_cycles(const std::string &path)
{
    json_error_t je;
    json_t *j = json_load_file(path.c_str(), 0, &je);
    EXPECT_NE(j, nullptr) << path << ": " << je.text;
    const json_int_t c = j ? json_integer_value(json_object_get(j, "compute_cycles")) : -1;
    const char *k = j ? json_string_value(json_object_get(j, "compute_kind")) : nullptr;
    EXPECT_STREQ(k ? k : "", "bitserial");
    json_decref(j);
    return c;
}

struct Case {
    int R, C;
    sys_dataflow df;
    uint64_t M;
    int N, K;
    uint64_t scalesim; // SCALE-Sim's reported cycles, derived in the comment
};

// Hand derivations (Sr, Sc, T per peer-semantics.md's table):
//  os 32x32, 64x128x256: Sr=M=64 -> 2, Sc=N=128 -> 4, 8 folds x (256+32+32-2=318) = 2544 - 1
//  ws 32x32, 64x128x256: Sr=K=256 -> 8, Sc=N=128 -> 4, 32 x (64+64+32-2=158) = 5056 - 1
//  is 16x8, 100x50x70:   Sr=K=70 -> 5, Sc=M=100 -> 13, 65 x (50+32+8-2=88) = 5720 - 1
//  os 8x16, 30x40x17:    Sr=M=30 -> 4, Sc=N=40 -> 3, 12 x (17+8+16-2=39) = 468 - 1
//  ws 32x32, 1x4096x4096 (a GEMV): 128 x 128 folds x (1+64+32-2=95) = 1556480 - 1
//  is 32x32, 512x64x128: Sr=K=128 -> 4, Sc=M=512 -> 16, 64 x (64+64+32-2=158) = 10112 - 1
//  ws 4x8, 7x9x10:       Sr=K=10 -> 3, Sc=N=9 -> 2, 6 x (7+8+8-2=21) = 126 - 1
const Case cases[] = {
    {32, 32, SYS_OS, 64, 128, 256, 2543},     {32, 32, SYS_WS, 64, 128, 256, 5055},
    {16, 8, SYS_IS, 100, 50, 70, 5719},       {8, 16, SYS_OS, 30, 40, 17, 467},
    {32, 32, SYS_WS, 1, 4096, 4096, 1556479}, {32, 32, SYS_IS, 512, 64, 128, 10111},
    {4, 8, SYS_WS, 7, 9, 10, 125},
};

TEST(Systolic, CompiledGemmMatchesScaleSimCycles)
{
    for (const Case &c : cases) {
        arch_t a = systolic(c.R, c.C, c.df);
        EXPECT_EQ(array_cycles(a, shape(c.M, c.N, c.K)), c.scalesim + 1)
            << arch_dataflow_name(c.df) << " " << c.R << "x" << c.C << " " << c.M << "x" << c.N
            << "x" << c.K;
    }
}

TEST(Systolic, FoldPhasesFromStructure)
{
    // ws 4x8, 7x9x10: 6 folds of preload 4, fill 3, stream 7, drain 7
    arch_t a = systolic(4, 8, SYS_WS);
    sys_timing t;
    systolic_time(&a, 7, 9, 10, 0, &t);
    EXPECT_EQ(t.row_folds, 3u);
    EXPECT_EQ(t.col_folds, 2u);
    EXPECT_EQ(t.preload, 6u * 4);
    EXPECT_EQ(t.fill, 6u * 3);
    EXPECT_EQ(t.stream, 6u * 7);
    EXPECT_EQ(t.drain, 6u * 7);
    // os has no preload and no drain: the skew over both edges is its fill
    a.sys_dataflow = SYS_OS;
    systolic_time(&a, 7, 9, 10, 0, &t);
    EXPECT_EQ(t.preload + t.drain, 0u);
    EXPECT_EQ(t.fill, 4u * (3 + 7)); // Sr=M=7 -> 2, Sc=N=9 -> 2: 4 folds of R-1 + C-1
    EXPECT_EQ(t.row_folds * t.col_folds, 2u * 2);
}

TEST(Systolic, SplittingTheStreamedDimensionCostsFills)
{
    // ws streams M: with buffers too small for all of M in one tile the
    // compiler splits it, and each split pays another preload, fill and
    // drain per fold (2R + C - 2 = 94 on 32 x 32).
    arch_t w = systolic(32, 32, SYS_WS);
    const gemm_shape ws = shape(4096, 32, 32); // output tile 2 x M x 32 x 4 B: 1 MiB for all of M
    gemm_layout wl;
    char werr[256];
    ASSERT_EQ(gemm_lower(&w, &ws, nullptr, &wl, werr, sizeof werr), 0) << werr;
    const uint64_t mchunks = (4096 + wl.mt - 1) / wl.mt;
    EXPECT_GT(mchunks, 1u);
    EXPECT_EQ(array_cycles(w, ws), 4096u + 94 * mchunks);
    // os streams K: split over K, each tile is one fold whose K chunks are
    // chained through the array (mma chain=1): no further fill, so the
    // cycles stay SCALE-Sim's (K + R + C - 2 per fold).
    arch_t a = systolic(32, 32, SYS_OS);
    const gemm_shape s = shape(32, 32, 4096); // two A chunks of 32 x 4096 fill 256 KiB
    EXPECT_EQ(array_cycles(a, s), 4096u + 62);
    a.buf[BUF_ACT].kib = 64; // two A chunks of 32 x kt must fit: kt <= 1024
    gemm_layout lay;
    char err[256];
    ASSERT_EQ(gemm_lower(&a, &s, nullptr, &lay, err, sizeof err), 0) << err;
    const uint64_t chunks = (4096 + lay.nb - 1) / lay.nb;
    EXPECT_GT(chunks, 1u);
    EXPECT_EQ(chunks, 4u);
    EXPECT_EQ(array_cycles(a, s), 4096u + 62);
    // a larger os GEMM with K split: 64 x 96 x 8192 on 32 x 32, 2 x 3 folds
    // of 8192 + 62 (SCALE-Sim: 6 x 8254 - 1 = 49523)
    EXPECT_EQ(array_cycles(a, shape(64, 96, 8192)), 6u * 8254);
}

TEST(Mac, PassesAndDequantStage)
{
    // 8x4x16 tiles: 64x128x256 is 8 x 32 x 16 = 4096 tile products; INT8
    // weights need no dequant on INT8 operands.
    arch_t a = mac(MAC_INT8, 64);
    EXPECT_EQ(array_cycles(a, shape(64, 128, 256)), 4096u);
    // 4-bit weights: the stage converts 128 x 256 = 32768 weights at 16 a
    // cycle, 2048 cycles; the array needs ceil(8/8) x 32 x 16 = 512: the
    // stage sets the pace.
    a.mac_dq_lanes = 16;
    EXPECT_EQ(array_cycles(a, shape(8, 128, 256, 4)), 2048u);
    // FP16 operands convert every weight, even 8-bit ones
    arch_t f = mac(MAC_FP16, 16);
    EXPECT_EQ(array_cycles(f, shape(8, 128, 256, 8)), 2048u);
    EXPECT_EQ(array_cycles(f, shape(256, 128, 256, 8)), 32u * 32 * 16);
}

// Leakage is charged on the silicon a design has: SRAM by its KiB, logic
// by its area (entries.leakage_logic, 2 mW/mm^2), whatever compute.kind.
// Before, every kind paid lut.cores x leakage_core, so a MAC chip leaked
// as eight LUT cores and its leakage did not move with its own array.
static double leakage_by_hand(const arch_t &a, double *logic_mm2)
{
    area_report r;
    char err[256];
    EXPECT_EQ(area_of_arch(&a, &r, err, sizeof err), 0) << err;
    const area_part logic[] = { AREA_LUT_ARRAY, AREA_PRECOMPUTE, AREA_DEQUANT, AREA_VECTOR,
                                AREA_DMA, AREA_SCOREBOARD, AREA_CONTROLLER, AREA_MMA_ARRAY,
                                AREA_MMA_DEQUANT };
    *logic_mm2 = 0;
    for (area_part p : logic)
        *logic_mm2 += r.part_mm2[p];
    double kib = 0;
    for (int b = 0; b < BUF_COUNT; b++)
        kib += (double)a.buf[b].kib;
    if (a.compute_kind == COMPUTE_LUT)
        kib += (double)a.lut_index_kib * a.lut_cores;
    return (kib * 2.0 + *logic_mm2 * 2000.0) * 1e-3 / a.clock_ghz; // uW x ns = 1e-3 pJ
}

TEST(Kinds, LeakageFollowsEachKindsLogicArea)
{
    energy_table t;
    char err[256];
    ASSERT_EQ(energy_table_default(&t, err, sizeof err), 0) << err;
    auto leak = [&](const arch_t &a) {
        energy_model m;
        EXPECT_EQ(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0) << err;
        return m.leakage_pj_per_cycle;
    };
    arch_t l;
    arch_ideal(&l);
    const arch_t designs[] = { l, mac(MAC_INT8, 64), mac(MAC_FP16, 64), systolic(32, 32, SYS_WS),
                               bitserial(16, 16, 4, 1) };
    double logic[5];
    for (int i = 0; i < 5; i++) {
        const double want = leakage_by_hand(designs[i], &logic[i]);
        EXPECT_GT(logic[i], 0.2) << i;
        EXPECT_NEAR(leak(designs[i]), want, 1e-12) << i;
    }
    // A bigger MAC array leaks more, by its added area; LUT cores it does
    // not have leak nothing.
    arch_t small = mac(MAC_INT8, 64), big = small;
    big.mac_n *= 2;
    double ls, lb;
    const double d_hand = leakage_by_hand(big, &lb) - leakage_by_hand(small, &ls);
    EXPECT_GT(lb - ls, 0.01);
    EXPECT_NEAR(leak(big) - leak(small), (lb - ls) * 2.0, 1e-12);
    EXPECT_NEAR(leak(big) - leak(small), d_hand, 1e-12);
    arch_t fewer = small;
    fewer.lut_cores = 1;
    EXPECT_NEAR(leak(fewer), leak(small), 1e-12);
}

// Each kind's MAC energy: the cited entry, scaled 45 -> 28 nm linearly
// (0.3 pJ x 28/45 for INT8 mac, 0.35 for systolic); the LUT kind prices
// none (its fields are set even when the model struct held garbage).
TEST(Kinds, ArrayEnergyPerMac)
{
    energy_table t;
    char err[256];
    ASSERT_EQ(energy_table_default(&t, err, sizeof err), 0) << err;
    energy_model m;
    memset(&m, 0xff, sizeof m); // NaN everywhere: a field left unset shows
    arch_t l;
    arch_ideal(&l);
    ASSERT_EQ(energy_model_for_arch(&t, &l, &m, err, sizeof err), 0) << err;
    EXPECT_EQ(m.array_mac_pj, 0.0);
    EXPECT_EQ(m.mac_dq_pj, 0.0);
    arch_t a = mac(MAC_INT8, 64);
    ASSERT_EQ(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0) << err;
    EXPECT_NEAR(m.array_mac_pj, 0.3 * 28 / 45, 1e-12);
    EXPECT_NEAR(m.mac_dq_pj, 1.1 * 28 / 45, 1e-12);
    a = systolic(8, 8, SYS_OS);
    ASSERT_EQ(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0) << err;
    EXPECT_NEAR(m.array_mac_pj, 0.35 * 28 / 45, 1e-12);
    // a table without the kind's entry: the error names it
    t.systolic_pe.value = 0;
    EXPECT_NE(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("entries.systolic_pe"), std::string::npos) << err;
}

// Functional: the program's C equals the naive reference exactly.
void check_exact(const arch_t &a, uint64_t M, int N, int K, int wbits)
{
    const gemm_shape s = shape(M, N, K, wbits);
    sim_stats st;
    gemm_layout lay;
    gemmtest::expect_exact(a, s, 7, &st, &lay);
    if (::testing::Test::HasFatalFailure())
        return;
    EXPECT_EQ(st.ev.macs, M * (uint64_t)N * K);
    if (a.compute_kind == COMPUTE_BITSERIAL) // priced per PE-cycle: every PE, every busy cycle
        EXPECT_EQ(st.ev.array_pe_cycles,
                  (uint64_t)a.bs_rows * a.bs_cols * st.unit[UNIT_LUT].busy_cycles);
    else
        EXPECT_EQ(st.ev.array_macs, M * (uint64_t)N * K);
    EXPECT_EQ(lay.weight_bytes, (uint64_t)N * ((K * wbits + 7) / 8)); // packed at wbits
}

TEST(Kinds, Int8GemmExactOnEveryArray)
{
    for (sys_dataflow df : {SYS_OS, SYS_WS, SYS_IS})
        check_exact(systolic(8, 16, df), 37, 45, 300, 8);
    arch_t small = systolic(16, 16, SYS_OS);
    small.buf[BUF_ACT].kib = 4; // forces K chunks accumulated with accum=1
    check_exact(small, 40, 33, 1000, 8); // K split: chained os folds
    // packed weights: 3 and 5 bits straddle bytes; K chunks start on whole bytes
    check_exact(small, 40, 33, 1000, 3);
    check_exact(systolic(7, 5, SYS_WS), 9, 11, 301, 5);
    check_exact(mac(MAC_INT8, 64), 19, 21, 77, 8);
    check_exact(mac(MAC_FP16, 64), 19, 21, 77, 4);
}

// Few activation rows (a decode token) on the 8 x 4 x 16 array: the
// compiler trades the operands' sides (mma swap, as a tensor-core
// compiler's swap-AB), so the weight rows fill the 8-row side.  1 x 128 x
// 256 INT8: plain 1 x 32 x 16 = 512 tile products, swapped ceil(128/8) x
// ceil(1/4) x 16 = 256; from 8 rows on the plain way is no worse and is
// kept; results are the same either way.
TEST(Mac, SwapsSidesForFewRows)
{
    arch_t a = mac(MAC_INT8, 64);
    EXPECT_EQ(array_cycles(a, shape(1, 128, 256)), 256u);
    EXPECT_EQ(array_cycles(a, shape(8, 128, 256)), 8u / 8 * 32 * 16);
    mac_timing t;
    mac_time(&a, 1, 128, 256, 8, 0, &t);
    EXPECT_EQ(t.passes, 512u);
    mac_time(&a, 1, 128, 256, 8, 1, &t);
    EXPECT_EQ(t.passes, 256u);
    // swapped, weights stream once per tile of 4 activation rows, through
    // the dequant stage each time: 3 rows x 4 bits is one tile, 128 x 256
    mac_time(&a, 3, 128, 256, 4, 1, &t);
    EXPECT_EQ(t.dq_weights, 128u * 256);
    mac_time(&a, 5, 128, 256, 4, 1, &t);
    EXPECT_EQ(t.dq_weights, 2u * 128 * 256);
    // a square tile gains nothing: no swap
    arch_t sq = a;
    sq.mac_n = 8;
    EXPECT_EQ(array_cycles(sq, shape(1, 128, 256)), 16u * 16);
    check_exact(a, 1, 130, 300, 8);
    check_exact(a, 3, 70, 200, 4);
}

// The bit-serial array: tiles of dp x rows x cols (rows output channels N,
// columns tokens M), one after another, each lasting one cycle per weight
// term (ceil(wbits / bits_per_cycle)).  Hand derivations on 4 x 8 PEs, dp 4:
//  16x8x32 INT8: ceil(8/4)=2 x ceil(16/8)=2 x ceil(32/4)=8 = 32 tiles x 4 terms = 128
//  the same at INT6 (3 terms) 96, INT4 and INT3 (2 terms) 64, INT2 (1 term) 32
//  10x5x30 INT8: partial tiles cost full ones: 2 x 2 x 8 = 32 x 4 = 128
//  at 1 bit a cycle INT8 has 8 terms: 32 x 8 = 256
//  8x12x4 INT8: 3 x 1 x 1 = 3 tiles x 4 = 12
TEST(Bitserial, TilesTimesTerms)
{
    arch_t a = bitserial(4, 8, 4, 2);
    EXPECT_EQ(array_cycles(a, shape(16, 8, 32, 8)), 128u);
    EXPECT_EQ(array_cycles(a, shape(16, 8, 32, 6)), 96u);
    EXPECT_EQ(array_cycles(a, shape(16, 8, 32, 4)), 64u);
    EXPECT_EQ(array_cycles(a, shape(16, 8, 32, 3)), 64u);
    EXPECT_EQ(array_cycles(a, shape(16, 8, 32, 2)), 32u);
    EXPECT_EQ(array_cycles(a, shape(10, 5, 30, 8)), 128u);
    EXPECT_EQ(array_cycles(a, shape(8, 12, 4, 8)), 12u);
    EXPECT_EQ(array_cycles(bitserial(4, 8, 4, 1), shape(16, 8, 32, 8)), 256u);
    // BitMoD's term counts at 2 bits a cycle (bitmod-and-baselines.md):
    // INT8 4 Booth terms, INT6 3, FP4 and FP3 (4 and 3 bits) 2
    const arch_t b = bitserial(32, 32, 4, 2);
    EXPECT_EQ(bitserial_terms(&b, 8), 4u);
    EXPECT_EQ(bitserial_terms(&b, 6), 3u);
    EXPECT_EQ(bitserial_terms(&b, 4), 2u);
    EXPECT_EQ(bitserial_terms(&b, 3), 2u);
}

TEST(Bitserial, ExactIntResults)
{
    check_exact(bitserial(4, 8, 4, 2), 19, 21, 77, 8);
    check_exact(bitserial(4, 8, 4, 2), 19, 21, 77, 4);
    check_exact(bitserial(32, 32, 4, 2), 40, 33, 300, 6);
}

// Energy per PE-cycle: BitMoD's 0.56 pJ x 1.5 place-and-route at 28 nm
// (the default table's node is 28 nm, so no scaling).  Area per PE: the
// pe_bitmod fit (logic_fit.json) at dp 4, accw 64, at 45 nm
// -9.435262 + 456.324285 x 4 + 19.546623 x 64 - 0.211937 x 4 x 64
// = 3012.59 um^2 (its synthesis 3040.38), x 0.38 to 28 nm = 1144.78 um^2,
// so 32 x 32 PEs are 1.17226 mm^2 (BitMoD publishes 1507.7 um^2 a PE:
// 1.5439 mm^2).  The FP16 baseline's PE is one pe_mac_fp16 lane (dp 1)
// at mw 23: 1424.133347 + 102.9859 x 23 + 0.147724 x 23 x 23 = 3870.96
// um^2, x 0.38 = 1470.96 um^2 (published 1968.7); ANT's and OliVe's keep
// BitMoD's published 1318.6 um^2.
TEST(Bitserial, EnergyAndAreaPerPe)
{
    energy_table t;
    char err[256];
    ASSERT_EQ(energy_table_default(&t, err, sizeof err), 0) << err;
    energy_model m;
    arch_t a = bitserial(32, 32, 4, 2);
    ASSERT_EQ(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0) << err;
    EXPECT_NEAR(m.array_pe_cycle_pj, 0.56 * 1.5, 1e-12);
    EXPECT_EQ(m.array_mac_pj, 0.0);
    t.bitserial_pe[BS_PE_BITMOD].value = 0;
    EXPECT_NE(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("entries.bitserial_pe"), std::string::npos) << err;
    area_table at;
    ASSERT_EQ(area_table_default(&at, err, sizeof err), 0) << err;
    area_report r;
    ASSERT_EQ(area_eval(&at, &a, &r, err, sizeof err), 0) << err;
    EXPECT_NEAR(r.part_mm2[AREA_MMA_ARRAY], 1024 * 3012.59e-6 * 0.38, 4e-6); // 0.01 um^2 rounding
    EXPECT_EQ(r.part_mm2[AREA_MMA_DEQUANT], 0.0);
    // the other PEs BitMoD publishes: FP16 baseline 0.77 pJ, 1968.7 um^2;
    // ANT 0.56, 1318.6; OliVe 0.613, 1318.6 (energy x 1.5 place-and-route)
    ASSERT_EQ(energy_table_default(&t, err, sizeof err), 0) << err;
    // (tol: the hand derivation's 0.01 um^2 rounding; the published figures exact)
    const struct { bs_pe pe; double pj, um2, tol; } pes[] = {
        {BS_PE_FP16, 0.77, 3870.96 * 0.38, 4e-6}, {BS_PE_ANT, 0.56, 1318.6, 1e-9},
        {BS_PE_OLIVE, 0.613, 1318.6, 1e-9}};
    for (const auto &p : pes) {
        a.bs_pe = p.pe;
        a.bs_dp = p.pe == BS_PE_FP16 ? 1 : 4;
        ASSERT_EQ(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0) << err;
        EXPECT_NEAR(m.array_pe_cycle_pj, p.pj * 1.5, 1e-12) << p.pe;
        ASSERT_EQ(area_eval(&at, &a, &r, err, sizeof err), 0) << err;
        EXPECT_NEAR(r.part_mm2[AREA_MMA_ARRAY], 1024 * p.um2 * 1e-6, p.tol) << p.pe;
    }
}

TEST(KindsCli, BitserialGemmAndRtlRefusal)
{
    testproc::TmpDir t;
    std::ofstream(t.p("bs.json")) << R"({"base": "ideal", "compute": {"kind": "bitserial"},
        "bitserial": {"rows": 4, "cols": 8, "dp": 4, "bits_per_cycle": 2}})";
    auto r = testproc::lutsim(t, "gemm --arch " + t.p("bs.json") +
                                     " --random 16x8x32 --wbits 4 --check --stats " + t.p("s.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("exact"), std::string::npos) << r.out;
    EXPECT_EQ(stats_compute_cycles(t.p("s.json")), 64); // as TilesTimesTerms
    r = testproc::lutsim(t, "gemm --arch " + t.p("bs.json") +
                                " --random 16x8x32 --wbits 4 --engine rtl");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("compute.kind bitserial needs the C model"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    std::ofstream(t.p("bad.json")) << R"({"compute": {"kind": "bitserial"},
        "bitserial": {"dp": 0}})";
    r = testproc::lutsim(t, "gemm --arch " + t.p("bad.json") + " --random 8x8x8 --wbits 8");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("bitserial.dp"), std::string::npos) << r.err;
}

// BitMoD's designs (peer-semantics.md's table), 256 x 512 x 512 INT4 by hand:
//  bitmod 32x32x4, 2 terms:  ceil(512/32)=16 x ceil(256/32)=8 x 512/4=128 x 2 = 32768
//  fp16   32x24x1, 1 term:   16 x ceil(256/24)=11 x 512 = 90112
//  ant    32x32x1:           16 x 8 x 512 = 65536
//  olive  36x32x1:           ceil(512/36)=15 x 8 x 512 = 61440
TEST(KindsCli, BitmodPresetsComputeCycles)
{
    testproc::TmpDir t;
    const struct { const char *preset; json_int_t cycles; } cases[] = {
        {"bitmod", 32768}, {"bitmod-fp16", 90112}, {"bitmod-ant", 65536}, {"bitmod-olive", 61440}};
    for (const auto &c : cases) {
        const std::string arch = std::string(SRC_DIR) + "/workloads/arch/" + c.preset + ".json";
        auto r = testproc::lutsim(t, "gemm --arch " + arch + " --random 256x512x512 --wbits 4"
                                     " --timing-only --stats " + t.p("s.json"));
        ASSERT_EQ(r.status, 0) << c.preset << ": " << r.err;
        EXPECT_EQ(stats_compute_cycles(t.p("s.json")), c.cycles) << c.preset;
    }
}

TEST(Kinds, LutInstructionsRefusedOnOtherArrays)
{
    arch_t a = systolic(8, 8, SYS_OS);
    program p;
    char err[512];
    ASSERT_EQ(program_from_asm("lmma tbl=0 wgt=0 acc=0 m=2 n=64 klen=4 wbits=2 accum=0\nhalt\n", &p,
                               err, sizeof err), 0) << err;
    sim_stats st;
    EXPECT_NE(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("compute.kind is systolic"), std::string::npos) << err;
    program_free(&p);
    arch_t l;
    arch_ideal(&l);
    ASSERT_EQ(program_from_asm("mma act=0 wgt=0 acc=0 m=2 n=4 klen=4 accum=0\nhalt\n", &p, err,
                               sizeof err), 0) << err;
    EXPECT_NE(sim_run(&l, nullptr, &p, nullptr, &st, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("compute.kind is lut"), std::string::npos) << err;
    program_free(&p);
}

TEST(KindsCli, GemmReportsScaleSimCyclesAndChecks)
{
    testproc::TmpDir t;
    std::ofstream(t.p("sys.json")) << R"({"base": "ideal", "compute": {"kind": "systolic"},
        "systolic": {"rows": 16, "cols": 8, "dataflow": "is"}})";
    auto r = testproc::lutsim(t, "gemm --arch " + t.p("sys.json") +
                                     " --random 100x50x70 --wbits 8 --check --stats " + t.p("s.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("exact"), std::string::npos) << r.out;
    json_error_t je;
    json_t *j = json_load_file(t.p("s.json").c_str(), 0, &je);
    ASSERT_NE(j, nullptr) << je.text;
    EXPECT_STREQ(json_string_value(json_object_get(j, "compute_kind")), "systolic");
    EXPECT_EQ(json_integer_value(json_object_get(j, "compute_cycles_scalesim")), 5719);
    EXPECT_EQ(json_integer_value(json_object_get(j, "compute_cycles")), 5720);
    EXPECT_GE(json_integer_value(json_object_get(j, "cycles")), 5720);
    json_decref(j);
    // ternary and binary weights run on the array too (packed in 2 and 1 bits)
    for (const char *fmt : {"ternary", "binary"}) {
        r = testproc::lutsim(t, "gemm --arch " + t.p("sys.json") + " --random 20x30x77 --wfmt " +
                                    fmt + " --check");
        ASSERT_EQ(r.status, 0) << fmt << ": " << r.err;
        EXPECT_NE(r.out.find("exact"), std::string::npos) << r.out;
    }
    std::ofstream(t.p("bad.json")) << R"({"compute": {"kind": "tpu"}})";
    r = testproc::lutsim(t, "gemm --arch " + t.p("bad.json") + " --random 8x8x8 --wbits 8");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("compute.kind"), std::string::npos) << r.err;
}

// The model flow on the other arrays: linear layers bit-exact, attention
// lowered (score GEMM, softmax, context GEMM), the run JSON's compute keys.
TEST(KindsCli, RunLowersEveryOperationOntoTheKind)
{
    testproc::TmpDir t;
    for (const char *preset : {"mac-int8", "systolic-32x32-ws", "bitmod"}) {
        const std::string arch = std::string(SRC_DIR) + "/workloads/arch/" + preset + ".json";
        auto r = testproc::lutsim(t, "run --model tiny --quant W2A8 --functional --batch 2 --seq 9"
                                     " --context 17 --arch " + arch + " --json " + t.p("r.json"));
        ASSERT_EQ(r.status, 0) << preset << ": " << r.err;
        EXPECT_NE(r.out.find("functional (prefill): 15 linear layer executions bit-exact"),
                  std::string::npos) << r.out;
        json_error_t je;
        json_t *j = json_load_file(t.p("r.json").c_str(), 0, &je);
        ASSERT_NE(j, nullptr) << je.text;
        json_t *phases = json_object_get(j, "phases");
        ASSERT_TRUE(json_is_array(phases)) << r.out;
        json_t *tot = json_object_get(json_array_get(phases, 0), "total");
        ASSERT_TRUE(json_is_object(tot)) << r.out;
        const std::string kind = preset[0] == 'm' ? "mac" : preset[0] == 'b' ? "bitserial"
                                                                          : "systolic";
        const char *k = json_string_value(json_object_get(tot, "compute_kind"));
        EXPECT_EQ(k ? k : "", kind);
        const json_int_t busy = json_integer_value(json_object_get(tot, "compute_cycles"));
        EXPECT_GT(busy, 0);
        EXPECT_LT(busy, json_integer_value(json_object_get(tot, "cycles")));
        // every linear layer and the attention ran on the array
        size_t i;
        json_t *op;
        int on_array = 0;
        json_array_foreach(json_object_get(json_array_get(phases, 0), "ops"), i, op) {
            const char *u = json_string_value(json_object_get(op, "unit"));
            on_array += u && u == kind;
        }
        EXPECT_EQ(on_array, 9) << r.out; // q k v, attention, o, gate up down, lm_head
        json_decref(j);
    }
}

// A heterogeneous design (compute.attention mac): the LUT array runs the
// linear layers, a second (MAC) array the attention.  Each operation's
// figures are those of the design that has only its array: linear layers
// as on the LUT default, attention as on the same chip built around the
// MAC array alone; the area is the LUT design's plus the MAC array's.
json_t *run_json(testproc::TmpDir &t, const std::string &arch, const std::string &tag,
                 const std::string &extra)
{
    auto r = testproc::lutsim(t, "run --model tiny --quant W2A8 --batch 2 --seq 9 --context 17"
                                 " --arch " + arch + extra + " --json " + t.p(tag + ".json"));
    EXPECT_EQ(r.status, 0) << arch << ": " << r.err;
    json_error_t je;
    return json_load_file(t.p(tag + ".json").c_str(), 0, &je);
}

json_t *op_named(json_t *phase, const char *name)
{
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(phase, "ops"), i, op) {
        const char *n = json_string_value(json_object_get(op, "name"));
        if (n && std::strcmp(n, name) == 0)
            return op;
    }
    return nullptr;
}

static double leakage_pj(json_t *op)
{
    return json_real_value(json_object_get(json_object_get(op, "energy_breakdown_pj"), "leakage"));
}

TEST(KindsCli, AttentionOnASecondArray)
{
    testproc::TmpDir t;
    const std::string het = std::string(SRC_DIR) + "/workloads/arch/lut-mac-attention.json";
    // the preset's own keys, with one array or the other
    const std::string mac = "\"mac\": {\"tile\": {\"m\": 8, \"n\": 4, \"k\": 16}, \"dtype\": "
                            "\"fp16\", \"latency_cycles\": 4, \"dequant_lanes\": 64}";
    {
        std::ofstream f(t.p("mac-only.json"));
        f << "{\"name\": \"mac-only\", \"base\": \"default\", \"compute\": {\"kind\": \"mac\"}, "
             "\"vector\": {\"fused\": false}, " << mac << "}\n";
        std::ofstream g(t.p("lut-only.json"));
        g << "{\"name\": \"lut-only\", \"base\": \"default\", " << mac << "}\n";
        std::ofstream b(t.p("bad.json"));
        b << "{\"name\": \"bad\", \"base\": \"default\", \"compute\": {\"kind\": \"mac\", "
             "\"attention\": \"systolic\"}, \"vector\": {\"fused\": false}}\n";
    }
    json_t *h = run_json(t, het, "h", " --phase both"), *m = run_json(t, t.p("mac-only.json"), "m", " --phase both"),
           *l = run_json(t, t.p("lut-only.json"), "l", " --phase both");
    ASSERT_TRUE(h && m && l);
    for (size_t p = 0; p < 2; p++) {
        SCOPED_TRACE(p ? "decode" : "prefill");
        json_t *hp = json_array_get(json_object_get(h, "phases"), p);
        json_t *mp = json_array_get(json_object_get(m, "phases"), p);
        json_t *lp = json_array_get(json_object_get(l, "phases"), p);
        json_t *ha = op_named(hp, "layer.attention"), *ma = op_named(mp, "layer.attention");
        ASSERT_TRUE(ha && ma);
        EXPECT_STREQ(json_string_value(json_object_get(ha, "unit")), "mac");
        for (const char *k : { "cycles", "dram_bytes", "compute_cycles" })
            EXPECT_EQ(json_integer_value(json_object_get(ha, k)),
                      json_integer_value(json_object_get(ma, k))) << k;
        // Energy: the same but for leakage, which the two-array chip pays
        // on both arrays' logic whichever runs (area-priced leakage).
        const double h_leak = leakage_pj(ha), h_rate = h_leak / (double)json_integer_value(
                                                  json_object_get(ha, "cycles"));
        EXPECT_NEAR(json_real_value(json_object_get(ha, "energy_pj")) - h_leak,
                    json_real_value(json_object_get(ma, "energy_pj")) - leakage_pj(ma),
                    1e-9 * json_real_value(json_object_get(ma, "energy_pj")));
        EXPECT_GT(h_rate, leakage_pj(ma) / (double)json_integer_value(json_object_get(ma, "cycles")));
        for (const char *name : { "layer.q_proj", "layer.down_proj", "lm_head" }) {
            json_t *x = op_named(hp, name), *y = op_named(lp, name);
            ASSERT_TRUE(x && y) << name;
            EXPECT_STREQ(json_string_value(json_object_get(x, "unit")), "lut") << name;
            EXPECT_EQ(json_integer_value(json_object_get(x, "cycles")),
                      json_integer_value(json_object_get(y, "cycles"))) << name;
            EXPECT_NEAR(json_real_value(json_object_get(x, "energy_pj")) - leakage_pj(x),
                        json_real_value(json_object_get(y, "energy_pj")) - leakage_pj(y),
                        1e-9 * json_real_value(json_object_get(y, "energy_pj"))) << name;
            const double x_cycles = (double)json_integer_value(json_object_get(x, "cycles"));
            EXPECT_NEAR(leakage_pj(x) / x_cycles, h_rate, 1e-9 * h_rate) << name; // one chip
            EXPECT_GT(leakage_pj(x), leakage_pj(y)) << name; // the MAC array leaks too
        }
        json_t *ht = json_object_get(hp, "total"), *mt = json_object_get(mp, "total"),
               *lt = json_object_get(lp, "total");
        EXPECT_STREQ(json_string_value(json_object_get(ht, "compute_kind")), "lut");
        EXPECT_STREQ(json_string_value(json_object_get(ht, "attention_kind")), "mac");
        json_t *hb = json_object_get(ht, "area_breakdown_mm2"), *mb = json_object_get(mt, "area_breakdown_mm2");
        ASSERT_TRUE(hb && mb);
        const double mac_mm2 = json_real_value(json_object_get(mb, "mma_array")) +
                               json_real_value(json_object_get(mb, "mma_dequant"));
        EXPECT_GT(mac_mm2, 0);
        EXPECT_NEAR(json_real_value(json_object_get(ht, "area_mm2")),
                    json_real_value(json_object_get(lt, "area_mm2")) + mac_mm2, 1e-9);
    }
    json_decref(h);
    json_decref(m);
    json_decref(l);
    // functional: the attention runs bit-exact on the second array too
    auto r = testproc::lutsim(t, "run --model tiny --quant W2A8 --functional --batch 2 --seq 9"
                                 " --context 17 --arch " + het);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("bit-exact"), std::string::npos) << r.out;
    // a second array beside a non-LUT array is refused, naming the key
    r = testproc::lutsim(t, "run --model tiny --quant W2A8 --arch " + t.p("bad.json"));
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("compute.attention"), std::string::npos) << r.err;
    // the RTL has one array
    r = testproc::lutsim(t, "gemm --random 8x128x128 --wbits 2 --engine rtl --arch " + het);
    EXPECT_NE(r.status, 0);
}

// LUT against MAC at the compute array's own energy (array_energy_pj: no
// buffers, DRAM, vector unit or leakage), LUT Tensor Core's level of
// comparison.  By hand from workloads/energy/default.json (45 nm figures x
// 28/45): a look-up of one bit-plane for K = 4 activations costs table_read
// 0.05 + accumulate_add 0.1 + acc_register 0.03 + lookup_shift 0.01 =
// 0.19 pJ, so the LUT array spends 0.19 x 28/45 / 4 = 0.02956 pJ per MAC
// per weight bit, plus terms independent of the bits (table broadcast,
// precompute, dequantization); the INT8 MAC array spends mac_int8 0.3 x
// 28/45 = 0.1867 pJ per MAC (+ its dequant stage below 8 bits) whatever
// the weight bits.  The LUT array is ahead up to 6 bits, behind at 7 and 8:
// the crossover W* = (E_mac - E_fixed) / e_plane lies between 6 and 7.
double array_pj_per_mac(testproc::TmpDir &t, const std::string &arch, int wbits)
{
    auto r = testproc::lutsim(t, "gemm --random 64x1024x1024 --wbits " + std::to_string(wbits) +
                                     " --timing-only --quiet --arch " + std::string(SRC_DIR) +
                                     "/workloads/arch/" + arch + " --stats " + t.p("e.json"));
    EXPECT_EQ(r.status, 0) << r.err;
    json_error_t je;
    json_t *j = json_load_file(t.p("e.json").c_str(), 0, &je);
    if (!j) {
        ADD_FAILURE() << je.text;
        return 0;
    }
    const double e = json_real_value(json_object_get(j, "array_energy_pj")) /
                     (double)json_integer_value(json_object_get(j, "macs"));
    json_decref(j);
    return e;
}

TEST(KindsCli, ArrayEnergyCrossoverAgainstTheMacArray)
{
    testproc::TmpDir t;
    const double e_plane = (0.05 + 0.1 + 0.03 + 0.01) * 28.0 / 45.0 / 4.0;
    double lut[9] = { 0 }, mac[9] = { 0 };
    for (int w = 2; w <= 8; w++) {
        lut[w] = array_pj_per_mac(t, "default.json", w);
        mac[w] = array_pj_per_mac(t, "mac-int8.json", w);
    }
    for (int w = 3; w <= 8; w++) // linear in the weight bits, by the hand figure
        EXPECT_NEAR(lut[w] - lut[w - 1], e_plane, 1e-4) << "W" << w;
    const double fixed = lut[2] - 2 * e_plane;
    EXPECT_GT(fixed, 0);
    EXPECT_NEAR(mac[8], 0.3 * 28.0 / 45.0, 1e-3);
    for (int w = 2; w <= 6; w++)
        EXPECT_LT(lut[w], mac[w]) << "W" << w << ": the LUT array should be ahead";
    for (int w = 7; w <= 8; w++)
        EXPECT_GT(lut[w], mac[w]) << "W" << w << ": the MAC array should be ahead";
    const double crossover = (mac[4] - fixed) / e_plane;
    EXPECT_GT(crossover, 6.0);
    EXPECT_LT(crossover, 7.0);
}

// The LUT Tensor Core M2N64K4 design point and the A100-like INT8 and
// FP16 tensor cores at equal area (issue 11's preset names): each loads,
// the LUT one is the M2 N64 K4 tile, and the three areas agree within 3%.
double area_of(testproc::TmpDir &t, const std::string &arch)
{
    auto r = testproc::lutsim(t, "arch --area --arch " + std::string(SRC_DIR) + "/workloads/arch/" + arch);
    EXPECT_EQ(r.status, 0) << arch << ": " << r.err;
    json_error_t je;
    json_t *j = json_loads(r.out.c_str(), 0, &je);
    if (!j) {
        ADD_FAILURE() << arch << ": " << je.text;
        return 0;
    }
    const double mm2 = json_real_value(json_object_get(j, "area_mm2"));
    json_decref(j);
    return mm2;
}

TEST(KindsCli, LutTensorCorePointAndTensorCoresAtEqualArea)
{
    testproc::TmpDir t;
    arch_t a;
    char err[512];
    ASSERT_EQ(arch_from_json_file((std::string(SRC_DIR) + "/workloads/arch/lut-tc-m2n64k4.json").c_str(),
                                  &a, err, sizeof err), 0) << err;
    EXPECT_EQ(a.compute_kind, COMPUTE_LUT);
    EXPECT_EQ(a.tile_m, 2);
    EXPECT_EQ(a.tile_n, 64);
    EXPECT_EQ(a.tile_k, 4);
    EXPECT_EQ(a.tile_m * a.tile_n * a.tile_k, 8 * 4 * 16); // the A100 tensor core's work
    EXPECT_DOUBLE_EQ(a.clock_ghz, 1.0);
    EXPECT_EQ(a.tech_nm, 28);
    const double lut = area_of(t, "lut-tc-m2n64k4.json");
    ASSERT_GT(lut, 0);
    for (const char *mac : { "mac-int8.json", "mac-fp16.json" }) {
        const double m = area_of(t, mac);
        EXPECT_NEAR(m / lut, 1.0, 0.03) << mac << " " << m << " mm^2 against " << lut;
    }
}

} // namespace
