// lmmag: the LUT array's cores in groups, each group its own lmma on the
// operands that follow the previous group's (isa_table.c, unit_lut.c).
// Functional: equal to the groups' lmmas at addresses computed here.
// Timing: array passes per group, hand-derived, on ideal buffers, and on
// banked ones where the groups' weight rows share banks; and the row
// split (lmma part=1), costed on banked buffers by the same code.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "arch.h"
#include "isa_build.h"
#include "isa.h"
#include "program.h"
#include "sim.h"

namespace {

// One contiguous row of bytes between a buffer and DRAM.
isa_instr dma(isa_op op, int buf, uint32_t sram, uint64_t dram, uint32_t bytes)
{
    return ld(buf, sram, dram, 1, bytes, bytes, op);
}

isa_instr mm(isa_op op, uint32_t tbl, uint32_t wgt, uint32_t acc, uint32_t m, uint32_t n,
             uint32_t klen, uint32_t wbits, uint32_t groups)
{
    return lut_op(op, tbl, wgt, acc, m, n, klen, wbits, 0, groups);
}

program make(const std::vector<isa_instr> &ins)
{
    program p;
    program_init(&p);
    for (const isa_instr &in : ins)
        EXPECT_EQ(program_push(&p, &in), 0);
    isa_instr h = blank(OP_HALT);
    EXPECT_EQ(program_push(&p, &h), 0);
    return p;
}

uint64_t lut_busy(const arch_t &a, const isa_instr &in, std::string *err = nullptr)
{
    program p = make({in});
    sim_stats st;
    char e[512] = "";
    const int rc = sim_run(&a, nullptr, &p, nullptr, &st, e, sizeof e);
    program_free(&p);
    if (err)
        *err = e;
    else
        EXPECT_EQ(rc, 0) << e;
    return rc ? 0 : st.unit[UNIT_LUT].busy_cycles;
}

} // namespace

// G = 4 groups of m = 6 rows, n = 24 columns, klen = 20, 3 bit-planes, tile
// K 4 (5 chunks, 8-entry tables of 2 bytes): a group's tables are
// 6 x 5 x 16 B on, its weights 5 x 3 x 12 B on, its outputs 6 x 24 x 4 B on.
TEST(Lmmag, EqualsItsGroupsLmmas)
{
    arch_t a;
    arch_ideal(&a);
    const uint32_t G = 4, m = 6, n = 24, klen = 20, wb = 3;
    const uint32_t T = m * 5 * 16, W = 5 * wb * (n * 4 / 8), O = m * n * 4;
    const uint32_t act = G * m * klen, wbytes = G * W;
    std::mt19937 rng(3);
    std::vector<uint8_t> image(act + wbytes + 2 * G * O, 0);
    for (uint32_t i = 0; i < act + wbytes; i++)
        image[i] = (uint8_t)rng();
    std::vector<isa_instr> head = {dma(OP_LOAD, BUF_ACT, 0, 0, act),
                                   dma(OP_LOAD, BUF_WGT, 0, act, wbytes)};
    for (uint32_t g = 0; g < G; g++) { // group-major tables: group g's m rows
        isa_instr t = blank(OP_TPREC);
        t.src = g * m * klen;
        t.rows = m;
        t.klen = klen;
        t.stride = klen;
        t.dst = g * T;
        t.sum = G * T + g * m * 4;
        head.push_back(t);
    }
    std::vector<isa_instr> grouped = head, apart = head;
    grouped.push_back(mm(OP_LMMAG, 0, 0, 0, m, n, klen, wb, G));
    for (uint32_t g = 0; g < G; g++)
        apart.push_back(mm(OP_LMMA, g * T, g * W, g * O, m, n, klen, wb, 0));
    grouped.push_back(dma(OP_STORE, BUF_OUT, 0, act + wbytes, G * O));
    apart.push_back(dma(OP_STORE, BUF_OUT, 0, act + wbytes + G * O, G * O));
    for (const auto *ins : {&grouped, &apart}) {
        program p = make(*ins);
        sim_opts o = {};
        o.dram = image.data();
        o.dram_size = image.size();
        sim_stats st;
        char err[512];
        ASSERT_EQ(sim_run(&a, nullptr, &p, &o, &st, err, sizeof err), 0) << err;
        program_free(&p);
    }
    const uint8_t *x = image.data() + act + wbytes, *y = x + G * O;
    EXPECT_EQ(std::memcmp(x, y, G * O), 0);
    // the groups are different products (their offsets matter)
    EXPECT_NE(std::memcmp(y, y + O, O), 0);
    EXPECT_NE(std::memcmp(y + 2 * O, y + 3 * O, O), 0);
}

// Ideal buffers, 8 cores of M2 N64 K4: lmmag m 8, n 128, klen 128, 8
// planes in 4 groups of 2 cores (128 columns each): 4 row passes x 1
// column pass x 32 chunks x 8 planes = 1024 cycles; the same four as
// lmmas on all 512 columns (128 filled) take 4 x 1024.
TEST(Lmmag, GroupsRunSideBySide)
{
    arch_t a;
    arch_ideal(&a);
    EXPECT_EQ(lut_busy(a, mm(OP_LMMAG, 0, 0, 0, 8, 128, 128, 8, 4)), 1024u);
    EXPECT_EQ(lut_busy(a, mm(OP_LMMA, 0, 0, 0, 8, 128, 128, 8, 0)), 1024u);
    // 8 groups of one core (klen 64: their tables fill the 16 KiB buffer):
    // 4 row passes x 2 column passes of 64 x 16 chunks x 8 planes
    EXPECT_EQ(lut_busy(a, mm(OP_LMMAG, 0, 0, 0, 8, 128, 64, 8, 8)), 1024u);
    std::string err;
    lut_busy(a, mm(OP_LMMAG, 0, 0, 0, 8, 128, 128, 8, 3), &err);
    EXPECT_NE(err.find("groups=3 does not divide the array's 8 cores"), std::string::npos) << err;
}

// Banked buffers (the default: weight buffer 8 banks of 32 B, 2 ports):
// the attention context's lmmag, m 8, n 128, klen 32, 8 planes, 4 groups:
// 4 blocks of 8 chunks x 8 steps = 256 passes.  A step reads each group's
// 64 B weight row; the groups' rows are 8 x 8 x 64 B = 4 KiB apart (the
// same banks) but group g reads plane (step + g) mod 8, 64 B further on:
// banks 2(s + g), 2(s + g) + 1 mod 8, distinct, one word a bank: 1 cycle.
// Per chunk the 8 tables (2 rows x 4 groups, 16 B, all in one of the 2
// table banks) take 8 words / 2 ports = 4 cycles, under the 8 steps; the
// write-back (2 rows of 4 x 512 B, 8 words a bank / 2 ports: 8 cycles a
// block) hides behind the next block (double_acc).  So 256 cycles.  With
// one single-ported weight bank every step's 8 words serialise: 8 x 256.
TEST(Lmmag, BankedGroupsShareTheWeightBanks)
{
    arch_t a;
    arch_default(&a);
    const isa_instr in = mm(OP_LMMAG, 0, 0, 0, 8, 128, 32, 8, 4);
    EXPECT_EQ(lut_busy(a, in), 256u);
    a.buf[BUF_WGT].banks = 1;
    a.buf[BUF_WGT].ports = 1;
    EXPECT_EQ(lut_busy(a, in), 8u * 256);
}

// The row split (lmma part=1) on banked buffers: the 8 cores take 2 rows
// each of m 16, n 128 (2 column passes of 64), klen 32 (8 chunks), 8
// planes: 1 x 2 x 8 x 8 = 128 passes.  A step reads one 32 B weight word
// that every core shares; per chunk the 16 rows' tables (rows 128 B apart:
// all in one of the default's 2 table banks) are 16 words / 2 ports = 8
// cycles, as long as the chunk's 8 steps.  One single-ported table bank
// doubles that: 16 cycles a chunk, 256 in all.
TEST(Lmmag, BankedRowSplitSharesTheWeightWords)
{
    arch_t a;
    arch_default(&a);
    isa_instr in = lut_op(OP_LMMA, 0, 0, 0, 16, 128, 32, 8, 0, 0);
    in.part = 1;
    EXPECT_EQ(lut_busy(a, in), 128u);
    a.buf[BUF_TBL].banks = 1;
    a.buf[BUF_TBL].ports = 1;
    EXPECT_EQ(lut_busy(a, in), 256u);
}
