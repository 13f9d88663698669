// test_index_regs.cpp - the LUT array's weight-index register file
// (lut.index_kib, cmodel/unit_lut.c): the weight buffer is read once per
// column pass of an lmma, the later row passes read the registers; the
// counts and cycles follow by hand, results are unchanged, the area and the
// mapper see it, and the RTL refuses it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "arch.h"
#include "area.h"
#include "area_json.h"
#include "energy_json.h"
#include "engine_setup.h"
#include "gemm.h"
#include "mapper.h"
#include "sim.h"
}
#include "isa_build.h"
#include "run_argv.h"

#include <jansson.h>

using testproc::lutsim;
using testproc::slurp;

namespace {

// 8 cores of 2 x 64 tiles, K = 4: a pass reads 512 x 4 index bits (256 B).
arch_t lut_arch(int index_kib, int weight_banks = 8)
{
    arch_t a;
    arch_ideal(&a);
    a.lut_cores = 8;
    a.tile_m = 2;
    a.tile_n = 64;
    a.tile_k = 4;
    a.lut_index_kib = index_kib;
    a.buf[BUF_WGT].banks = weight_banks; // 8 x 256 bits: one pass a cycle
    return a;
}

energy_model priced()
{
    energy_model em;
    std::memset(&em, 0, sizeof em);
    for (int b = 0; b < BUF_COUNT; b++)
        em.buf_read_pj_per_byte[b] = em.buf_write_pj_per_byte[b] = 1.0;
    em.index_reg_read_pj_per_byte = 0.25;
    em.index_reg_write_pj_per_byte = 0.5;
    return em;
}

// One lmma of m rows x 512 columns x klen, wbits planes, timing-only.
sim_stats one_lmma(const arch_t &a, uint32_t m, uint32_t klen, uint32_t wbits)
{
    program p;
    program_init(&p);
    isa_instr in = lut_op(OP_LMMA, 0, 0, 0, m, 512, klen, wbits, 0, 0);
    isa_instr h = blank(OP_HALT);
    EXPECT_EQ(program_push(&p, &in), 0);
    EXPECT_EQ(program_push(&p, &h), 0);
    const energy_model em = priced();
    sim_stats st;
    char err[512] = "";
    EXPECT_EQ(sim_run(&a, &em, &p, nullptr, &st, err, sizeof err), 0) << err;
    program_free(&p);
    return st;
}

} // namespace

// 8 rows (4 row passes), klen 128 (32 chunks), W2: 64 index rows (chunk x
// plane) of 512 x 4 bits = 256 B, 16 KiB in all; a core's share of a
// column pass is 32 x 2 x 32 B = 2 KiB, within 4 KiB.
TEST(IndexRegs, WeightBufferReadOncePerColumnPassByHand)
{
    const uint64_t planes = 32 * 2, row = 512 * 4 / 8;
    const sim_stats off = one_lmma(lut_arch(0), 8, 128, 2), on = one_lmma(lut_arch(4), 8, 128, 2);
    EXPECT_EQ(off.ev.buf_read_bytes[BUF_WGT], 4 * planes * row);
    EXPECT_EQ(off.ev.index_reg_read_bytes + off.ev.index_reg_write_bytes, 0u);
    EXPECT_EQ(on.ev.buf_read_bytes[BUF_WGT], planes * row);
    EXPECT_EQ(on.ev.index_reg_write_bytes, planes * row);
    EXPECT_EQ(on.ev.index_reg_read_bytes, 3 * planes * row);
    // everything else is as without the registers
    EXPECT_EQ(on.cycles, off.cycles);
    EXPECT_EQ(on.ev.table_reads, off.ev.table_reads);
    EXPECT_EQ(on.ev.buf_read_bytes[BUF_TBL], off.ev.buf_read_bytes[BUF_TBL]);
    EXPECT_DOUBLE_EQ(on.energy_pj_part[EN_INDEX_REG], 0.25 * 3 * planes * row + 0.5 * planes * row);
    EXPECT_DOUBLE_EQ(on.energy_pj_part[EN_BUF_WGT], (double)(planes * row));
}

// A weight buffer half as wide takes two cycles a pass; with the registers
// only the first row pass of the column pass does: 64 x (2 + 3) cycles of
// passes instead of 4 x 64 x 2.
TEST(IndexRegs, OnlyTheFirstRowPassWaitsOnANarrowWeightBuffer)
{
    const sim_stats off = one_lmma(lut_arch(0, 4), 8, 128, 2), on = one_lmma(lut_arch(4, 4), 8, 128, 2);
    const arch_t a = lut_arch(0, 4);
    EXPECT_EQ(off.cycles, 4u * 64 * 2 + (uint64_t)a.lmma_latency);
    EXPECT_EQ(on.cycles, 64u * (2 + 3) + (uint64_t)a.lmma_latency);
}

// The column pass must fit: W8 at klen 128 needs 32 x 8 x 32 B = 8 KiB a
// core; 4 KiB streams as without, and so does a one-row-pass lmma.
TEST(IndexRegs, UsedOnlyWhenTheColumnPassFitsAndRowPassesRepeat)
{
    const sim_stats w8_4 = one_lmma(lut_arch(4), 8, 128, 8), w8_0 = one_lmma(lut_arch(0), 8, 128, 8);
    EXPECT_EQ(w8_4.ev.buf_read_bytes[BUF_WGT], w8_0.ev.buf_read_bytes[BUF_WGT]);
    EXPECT_EQ(w8_4.ev.index_reg_read_bytes, 0u);
    const sim_stats w8_8 = one_lmma(lut_arch(8), 8, 128, 8);
    EXPECT_EQ(w8_8.ev.buf_read_bytes[BUF_WGT] * 4, w8_0.ev.buf_read_bytes[BUF_WGT]);
    const sim_stats one = one_lmma(lut_arch(4), 2, 128, 2);
    EXPECT_EQ(one.ev.index_reg_write_bytes, 0u) << "one row pass: nothing to read back";
}

// Banked buffers: the later row passes take no weight-buffer words, so the
// lmma is no slower and the weight bytes fall as on ideal buffers.
TEST(IndexRegs, BankedBuffersTakeFewerWeightWords)
{
    arch_t off = lut_arch(0), on = lut_arch(4);
    off.sram_ideal = on.sram_ideal = 0;
    off.buf[BUF_WGT].banks = on.buf[BUF_WGT].banks = 2; // a narrow weight buffer
    const sim_stats s0 = one_lmma(off, 16, 128, 3), s1 = one_lmma(on, 16, 128, 3);
    EXPECT_LT(s1.cycles, s0.cycles);
    EXPECT_EQ(s1.ev.buf_read_bytes[BUF_WGT] * 8, s0.ev.buf_read_bytes[BUF_WGT]);
    EXPECT_EQ(s1.ev.index_reg_read_bytes, s0.ev.buf_read_bytes[BUF_WGT] * 7 / 8);
}

// Area: cores x one register file priced as an SRAM of its capacity.
TEST(IndexRegs, AreaIsTheCoresRegisterFiles)
{
    area_table t;
    char err[512];
    ASSERT_EQ(area_table_default(&t, err, sizeof err), 0) << err;
    arch_t a = lut_arch(0), b = lut_arch(4);
    area_report ra, rb;
    ASSERT_EQ(area_eval(&t, &a, &ra, err, sizeof err), 0) << err;
    ASSERT_EQ(area_eval(&t, &b, &rb, err, sizeof err), 0) << err;
    EXPECT_EQ(ra.part_mm2[AREA_INDEX_REGS], 0.0);
    double one;
    ASSERT_EQ(area_sram_mm2(&t, b.tech_nm, 4 * 8192.0, 64 * 4, 1, 1, &one, err, sizeof err), 0);
    EXPECT_DOUBLE_EQ(rb.part_mm2[AREA_INDEX_REGS], 8 * one);
    EXPECT_NEAR(rb.total_mm2 - ra.total_mm2, 8 * one, 1e-12);
}

// The mapper sees it: on the default machine a W2 prefill GEMM's schedule
// takes more rows an lmma with the registers (their reuse) and its energy falls.
TEST(IndexRegs, MapperTakesTallerSubTilesAndSpendsLess)
{
    arch_t a0, a4;
    arch_default(&a0);
    arch_default(&a4);
    a4.lut_index_kib = 4;
    gemm_shape s;
    std::memset(&s, 0, sizeof s);
    s.wtype.fmt = LUT_WFMT_INT;
    s.wtype.bits = 2;
    s.group_size = 128;
    s.m = 256;
    s.n = 4096;
    s.kd = 4096;
    energy_table et;
    energy_model e0, e4;
    char err[512];
    ASSERT_EQ(energy_table_default(&et, err, sizeof err), 0) << err;
    ASSERT_EQ(energy_model_for_arch(&et, &a0, &e0, err, sizeof err), 0) << err;
    ASSERT_EQ(energy_model_for_arch(&et, &a4, &e4, err, sizeof err), 0) << err;
    EXPECT_GT(e4.index_reg_read_pj_per_byte, 0.0);
    EXPECT_LT(e4.index_reg_read_pj_per_byte, e4.buf_read_pj_per_byte[BUF_WGT]);
    gemm_shape b0, b4;
    sim_stats s0, s4;
    int smp, n;
    ASSERT_EQ(mapper_search(&a0, &e0, &s, MAP_EDP, &b0, &s0, &smp, &n, err, sizeof err), 0) << err;
    ASSERT_EQ(mapper_search(&a4, &e4, &s, MAP_EDP, &b4, &s4, &smp, &n, err, sizeof err), 0) << err;
    EXPECT_GT(b4.force_mt, a4.tile_m);
    EXPECT_LT(s4.energy_pj, s0.energy_pj);
    EXPECT_GT(s4.ev.index_reg_read_bytes, 0u);
}

// The command line: a functional GEMM is checked against the reference,
// timing-only gives its cycles, and the RTL refuses the key.
TEST(IndexRegs, CliFunctionalEqualsTimingOnlyAndRtlRefuses)
{
    // the ideal preset (which the RTL takes) with the register file
    const std::string dir = testing::TempDir(), arch = dir + "idx_regs.json";
    json_error_t je;
    json_t *ideal = json_load_file(SRC_DIR "/workloads/arch/ideal.json", 0, &je);
    ASSERT_NE(ideal, nullptr) << je.text;
    json_object_set_new(json_object_get(ideal, "lut"), "index_kib", json_integer(4));
    ASSERT_EQ(json_dump_file(ideal, arch.c_str(), 0), 0);
    json_decref(ideal);
    const std::string fs = dir + "idx_f.json", ts = dir + "idx_t.json", err = dir + "idx_err.txt";
    const std::string gemm = "gemm --random 40x700x300 --wbits 3 --quiet --arch " + arch;
    ASSERT_EQ(lutsim(gemm + " --stats " + fs, "", err), 0) << slurp(err);
    ASSERT_EQ(lutsim(gemm + " --timing-only --stats " + ts, "", err), 0) << slurp(err);
    json_t *x = json_load_file(fs.c_str(), 0, &je), *y = json_load_file(ts.c_str(), 0, &je);
    ASSERT_TRUE(x && y);
    const json_t *ex = json_object_get(json_object_get(x, "events"), "index_reg_read_bytes");
    EXPECT_GT(json_integer_value(ex), 0) << "the schedule reads the registers";
    EXPECT_EQ(json_integer_value(json_object_get(x, "cycles")),
              json_integer_value(json_object_get(y, "cycles")));
    json_decref(x);
    json_decref(y);
    EXPECT_NE(lutsim("gemm --random 8x64x64 --wbits 2 --engine rtl --quiet --arch " + arch, "", err),
              0);
    EXPECT_NE(slurp(err).find("lut.index_kib"), std::string::npos) << slurp(err);
}
