// The mma arrays' resident-block orders (compiler/gemm_mma.h, gemm_shape
// sched.res): a block of A rows (input-resident) or W rows (weight-resident)
// with all of K stays in its buffer while the other operand streams past,
// each output tile finished over all of K before the next, so an output
// buffer of two tiles suffices (BitMoD's design lists none).  The DRAM
// bytes the simulated program moves are checked against hand counts, every
// instruction against the buffers it touches, and the results against the
// reference GEMM.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "arch.h"
#include "gemm_support.h"
#include "gemm.h"
#include "mapper.h"
#include "ref_gemm.h"
#include "sim.h"

namespace {

// A 32 x 32 bit-serial array, dp 4 (BitMoD's prefill array), INT8
// activations and int32 outputs, with buffers small enough that the test
// shapes overflow them: act and weight 16 KiB unless given, output 16 KiB
// (two 64 x 32 int32 tiles).
arch_t small_bitserial(int act_kib = 16)
{
    arch_t a;
    arch_ideal(&a);
    a.compute_kind = COMPUTE_BITSERIAL;
    a.bs_rows = 32, a.bs_cols = 32, a.bs_dp = 4;
    a.bs_bits_per_cycle = 2;
    a.buf[BUF_ACT].kib = act_kib;
    a.buf[BUF_WGT].kib = 16;
    a.buf[BUF_OUT].kib = 16;
    return a;
}

gemm_shape shape(uint64_t m, int n, int k, int wbits, int res)
{
    gemm_shape s{};
    s.wtype.fmt = LUT_WFMT_INT;
    s.wtype.bits = wbits;
    s.group_size = 128;
    s.m = m, s.n = n, s.kd = k;
    s.sched.res = res;
    return s;
}

uint64_t dram_bytes(const arch_t &a, const gemm_shape &s)
{
    sim_stats st;
    int sampled = 0;
    char err[512] = "";
    EXPECT_EQ(gemm_timing(&a, nullptr, &s, &st, &sampled, err, sizeof err), 0) << err;
    return st.ev.dram_read_bytes + st.ev.dram_write_bytes;
}

// Every DMA and mma of the program inside the buffer it addresses.
void expect_within_buffers(const arch_t &a, const gemm_shape &s)
{
    program p;
    gemm_layout lay;
    char err[512] = "";
    ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
    const uint64_t wb = (uint64_t)s.wtype.bits;
    int mmas = 0;
    for (size_t i = 0; i < p.n; i++) {
        const isa_instr &in = p.ins[i];
        if (in.op == OP_LOAD || in.op == OP_STORE) {
            EXPECT_LE((uint64_t)in.sram + (uint64_t)in.rows * in.bytes,
                      arch_buf_bytes(&a, (buf_id)in.buf))
                << "instruction " << i;
        } else if (in.op == OP_MMA) {
            mmas++;
            EXPECT_LE((uint64_t)in.src + (uint64_t)in.m * in.klen, arch_buf_bytes(&a, BUF_ACT))
                << "instruction " << i;
            EXPECT_LE((uint64_t)in.wgt + (uint64_t)in.n * ((in.klen * wb + 7) / 8),
                      arch_buf_bytes(&a, BUF_WGT))
                << "instruction " << i;
            EXPECT_LE((uint64_t)in.acc + (uint64_t)in.m * in.n * 4, arch_buf_bytes(&a, BUF_OUT))
                << "instruction " << i;
        }
    }
    EXPECT_GT(mmas, 0);
    program_free(&p);
}

// The program's int32 outputs against the reference GEMM, bit for bit.
void expect_exact(const arch_t &a, const gemm_shape &s)
{
    sim_stats st;
    gemm_layout lay;
    gemmtest::expect_exact(a, s, 11, &st, &lay);
}

} // namespace

// Inputs fit: 64 x 128 INT8 = 8 KiB of A in the 16 KiB act buffer, and the
// 64 x 32 int32 output tile twice in the 16 KiB output buffer, so the block
// is all of M: A once (8192 B), W once (256 x 128 = 32768 B), C once
// (64 x 256 x 4 = 65536 B): 106496 B.
TEST(MmaResident, InputsFitEachOperandOnce)
{
    const arch_t a = small_bitserial();
    const gemm_shape s = shape(64, 256, 128, 8, GEMM_RES_ACT);
    EXPECT_EQ(dram_bytes(a, s), 8192u + 32768u + 65536u);
    expect_within_buffers(a, s);
    expect_exact(a, s);
}

// Neither fits: A 128 x 256 = 32 KiB, W 256 x 256 = 64 KiB, both over their
// 16 KiB buffers.  Input-resident: a W chunk of 32 rows x all 256 of K,
// double-buffered, is 16 KiB; a block of 16384 / 256 = 64 A rows (and
// 16384 / (2 x 32 x 4) = 64 output rows), so 2 blocks: A once (32768), W
// twice (2 x 65536), C once (128 x 256 x 4 = 131072): 294912 B.
// Weight-resident: 64 W rows a block (16384 / 256), 4 blocks: W once
// (65536), A four times (131072), C once (131072): 327680 B.
TEST(MmaResident, NeitherFitsOneOperandOncePerBlock)
{
    const arch_t a = small_bitserial();
    const gemm_shape in = shape(128, 256, 256, 8, GEMM_RES_ACT);
    EXPECT_EQ(dram_bytes(a, in), 32768u + 2 * 65536u + 131072u);
    expect_within_buffers(a, in);
    expect_exact(a, in);
    const gemm_shape wt = shape(128, 256, 256, 8, GEMM_RES_WGT);
    EXPECT_EQ(dram_bytes(a, wt), 65536u + 4 * 32768u + 131072u);
    expect_within_buffers(a, wt);
    expect_exact(a, wt);
}

// K in chunks: 4-bit weights, K = 1024.  A 32 KiB act buffer holds
// 32768 / 1024 = 32 A rows (one column fold); a double-buffered W chunk of
// 32 rows is at most 16 KiB, so chunks of 512 (256 B a row): the block's
// two chunks side by side, each output tile accumulated over both.  M = 64:
// 2 blocks, A once (65536), W (64 x 512 B = 32768) twice, C once
// (64 x 64 x 4 = 16384): 147456 B.
TEST(MmaResident, ChunkedBlockAccumulatesOverK)
{
    const arch_t a = small_bitserial(32);
    const gemm_shape s = shape(64, 64, 1024, 4, GEMM_RES_ACT);
    EXPECT_EQ(dram_bytes(a, s), 65536u + 2 * 32768u + 16384u);
    expect_within_buffers(a, s);
    expect_exact(a, s);
    const gemm_shape w = shape(64, 64, 1024, 4, GEMM_RES_WGT);
    expect_within_buffers(a, w);
    expect_exact(a, w);
}

// A block too large for its buffer even at one column fold of rows is an
// error, not an overflow: 32 rows x K = 4096 INT8 is 128 KiB.
TEST(MmaResident, BlockThatCannotFitIsRefused)
{
    const arch_t a = small_bitserial();
    const gemm_shape s = shape(64, 64, 4096, 8, GEMM_RES_ACT);
    program p;
    gemm_layout lay;
    char err[512] = "";
    EXPECT_NE(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("activation block"), std::string::npos) << err;
}

// The mapper: with an output buffer for partial sums (buffers.partial_sums,
// the default) it keeps the tile order, one candidate; without, on the
// neither-fits shape, the tile order re-reads operands per output tile (its
// tiles capped by the 16 KiB output buffer), so the input-resident order,
// fewer bytes in fewer cycles, is the one kept; the bytes are the
// program's (294912 B, as above).
TEST(MmaResident, MapperTakesTheResidentOrderWithoutPartialSums)
{
    arch_t a = small_bitserial();
    const gemm_shape s = shape(128, 256, 256, 8, GEMM_RES_NONE);
    const uint64_t tile = dram_bytes(a, s);
    gemm_shape best;
    sim_stats st;
    int sampled = 0, sims = 0;
    char err[512] = "";
    ASSERT_EQ(mapper_search(&a, nullptr, &s, MAP_CYCLES, &best, &st, &sampled, &sims, err,
                            sizeof err), 0) << err;
    EXPECT_EQ(best.sched.res, GEMM_RES_NONE);
    EXPECT_EQ(sims, 1);
    a.out_psum = 0;
    ASSERT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    ASSERT_EQ(mapper_search(&a, nullptr, &s, MAP_CYCLES, &best, &st, &sampled, &sims, err,
                            sizeof err), 0) << err;
    EXPECT_GT(tile, 294912u);
    EXPECT_EQ(best.sched.res, GEMM_RES_ACT);
    EXPECT_EQ(st.ev.dram_read_bytes + st.ev.dram_write_bytes, 294912u);
    EXPECT_EQ(sims, 3);
    map_info info;
    mapper_describe(&a, &best, &info);
    EXPECT_STREQ(info.stationary, "input");
    EXPECT_STREQ(info.reuse_bound, "act");
}

// Only the mac and bit-serial arrays have a schedule without partial sums
// in the output buffer; elsewhere the key is an error naming it.
TEST(MmaResident, PartialSumsKeyNeedsMacOrBitserial)
{
    arch_t a;
    arch_ideal(&a);
    a.out_psum = 0;
    char err[512] = "";
    EXPECT_NE(arch_check(&a, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("buffers.partial_sums"), std::string::npos) << err;
}

// The weights lie in DRAM in the order the program reads them (packed per
// column tile and K chunk): every weight load of every order is one
// contiguous range, and the loads of the tile order, in program order,
// cover the weight region from its start without a gap or an overlap.
// (Row-major weights made each chunk a strided transfer across DRAM
// rows.)  Each order stays bit-exact on a shape with several tiles and
// chunks and sub-byte weights.
TEST(MmaResident, WeightsArePackedInTheOrderTheProgramReadsThem)
{
    for (int kind : { COMPUTE_MAC, COMPUTE_BITSERIAL, COMPUTE_SYSTOLIC })
        for (int res : { GEMM_RES_NONE, GEMM_RES_ACT, GEMM_RES_WGT }) {
            arch_t a = small_bitserial();
            a.compute_kind = (compute_kind)kind;
            a.buf[BUF_WGT].kib = 64;
            a.buf[BUF_ACT].kib = 64;
            if (kind == COMPUTE_SYSTOLIC && res != GEMM_RES_NONE)
                continue; /* tile order only */
            const gemm_shape s = shape(40, 200, 1000, 3, res);
            SCOPED_TRACE("kind " + std::to_string(kind) + " res " + std::to_string(res));
            program p;
            gemm_layout lay;
            char err[512] = "";
            ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
            const uint64_t wlo = lay.w_addr, whi = lay.w_addr + lay.weight_bytes;
            uint64_t next = wlo, loads = 0;
            for (size_t i = 0; i < p.n; i++) {
                const isa_instr &in = p.ins[i];
                if (in.op != OP_LOAD || in.buf != BUF_WGT || in.dram < wlo || in.dram >= whi)
                    continue; /* (the metadata follows the outputs) */
                loads++;
                EXPECT_TRUE(in.rows == 1 || in.stride == in.bytes) << "instruction " << i;
                if (res == GEMM_RES_NONE && in.dram >= next) {
                    EXPECT_EQ(in.dram, next) << "instruction " << i;
                    next = in.dram + (uint64_t)in.rows * in.bytes;
                }
            }
            EXPECT_GT(loads, 1u);
            if (res == GEMM_RES_NONE) {
                EXPECT_EQ(next, whi);
            }
            program_free(&p);
            expect_exact(a, s);
        }
}
