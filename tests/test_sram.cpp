// Banked buffers (buffers.ideal false, cmodel/sram.h): bank mapping and
// closed-form access costs, conflicting layouts costing what the banks
// imply (derived by hand below), the shared-port model, the ideal mode
// reproducing the model without banks exactly, and energy per access
// priced at the bank's size.
//
// Default architecture (cmodel/arch.c): table buffer 2 banks x 256 bits
// (32-byte words, a 64-byte row), 1 port; weight 8 banks x 256 bits, 1
// port; output 8 banks x 256 bits, 2 ports (512 B/cycle); one LUT pass is
// 2 rows x 512 columns x 4 activations; a table is 8 entries x 2 bytes =
// 16 bytes; dequant 64 lanes.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "arch.h"
#include "arch_json.h"
#include "energy.h"
#include "energy_json.h"
#include "engine_setup.h"
#include "gemm.h"
extern "C" {
#include "gemm_int.h" // gemm_table_pad (no C++ guard of its own)
}
#include "mapper.h"
#include "isa.h"
#include "program.h"
#include "sim.h"
#include "sram.h"
#include "run_argv.h"
#include "gemm_support.h"

namespace {

arch_t banked()
{
    arch_t a;
    arch_ideal(&a);
    a.sram_ideal = 0;
    return a;
}

isa_instr blank(isa_op op)
{
    isa_instr in;
    std::memset(&in, 0, sizeof in);
    in.op = op;
    return in;
}

isa_instr lmma(uint32_t tbl, uint32_t acc, uint32_t m, uint32_t n, uint32_t klen, uint32_t wbits)
{
    isa_instr in = blank(OP_LMMA);
    in.tbl = tbl;
    in.wgt = 0;
    in.acc = acc;
    in.m = m;
    in.n = n;
    in.klen = klen;
    in.wbits = wbits;
    return in;
}

struct Sched {
    uint64_t start = 0, busy_end = 0, complete = 0;
};

void trace_first(void *ctx, size_t index, const isa_instr *, isa_unit, uint64_t start,
                 uint64_t busy_end, uint64_t complete)
{
    if (index == 0)
        *(Sched *)ctx = Sched{ start, busy_end, complete };
}

// The schedule of one instruction run alone (timing-only).
Sched alone(const arch_t &a, const isa_instr &in)
{
    program p;
    std::memset(&p, 0, sizeof p);
    isa_instr ins[2] = { in, blank(OP_HALT) };
    p.ins = ins;
    p.n = 2;
    Sched s;
    sim_opts o;
    std::memset(&o, 0, sizeof o);
    o.trace = trace_first;
    o.trace_ctx = &s;
    sim_stats st;
    char err[512];
    EXPECT_EQ(sim_run(&a, nullptr, &p, &o, &st, err, sizeof err), 0) << err;
    return s;
}

uint64_t busy(const arch_t &a, const isa_instr &in)
{
    Sched s = alone(a, in);
    return s.busy_end - s.start;
}

TEST(Sram, BankMappingAndRanges)
{
    arch_t a = banked();
    sram_geom g;
    sram_geom_of(&a, BUF_TBL, &g);
    EXPECT_EQ(g.width, 32u);
    EXPECT_EQ(g.banks, 2u);
    EXPECT_EQ(g.ports, 1u);
    // words interleave: 0..31 bank 0, 32..63 bank 1, 64.. bank 0 again
    EXPECT_EQ(sram_bank(&g, 0), 0u);
    EXPECT_EQ(sram_bank(&g, 31), 0u);
    EXPECT_EQ(sram_bank(&g, 32), 1u);
    EXPECT_EQ(sram_bank(&g, 64), 0u);
    // 256 bytes = 8 words = 4 per bank; one byte over a word edge: 2 words
    EXPECT_EQ(sram_range_words(&g, 0, 256), 4u);
    EXPECT_EQ(sram_range_words(&g, 31, 2), 1u);
    EXPECT_EQ(sram_range_words(&g, 16, 64), 2u); // words 0, 1, 2: bank 0 twice
    // Two 16-byte tables: 512 bytes apart both in bank 0 (words 0, 16),
    // 544 apart in different banks (words 0, 17), 16 apart in one word.
    uint64_t same[2] = { 0, 512 }, apart[2] = { 0, 544 }, one[2] = { 0, 16 };
    EXPECT_EQ(sram_step_words(&g, same, 2, 16, nullptr), 2u);
    EXPECT_EQ(sram_step_words(&g, apart, 2, 16, nullptr), 1u);
    EXPECT_EQ(sram_step_words(&g, one, 2, 16, nullptr), 1u);
}

// sram_step_words (closed forms for one or two accesses, a per-bank table
// for more) against counting every distinct word of the step in its bank:
// widths and bank counts powers of two or not, accesses overlapping,
// touching, apart, and in the same bank.
TEST(Sram, StepWordsEqualCountingEveryWord)
{
    std::mt19937 rng(11);
    const uint64_t widths[] = { 1, 2, 3, 16, 24, 32, 64 };
    for (int t = 0; t < 4000; t++) {
        sram_geom g = { widths[rng() % 7], (uint64_t)1 + rng() % 9, 1 };
        const int n = 1 + (int)(rng() % 5);
        const uint64_t len = 1 + rng() % (rng() % 2 ? 8 : 200);
        uint64_t lo[5];
        for (int i = 0; i < n; i++) // near each other often, so that they overlap or touch
            lo[i] = i > 0 && rng() % 2 ? lo[i - 1] + rng() % (2 * len + 2 * g.width)
                                       : rng() % 2000;
        std::vector<uint64_t> words;
        for (int i = 0; i < n; i++)
            for (uint64_t w = lo[i] / g.width; w <= (lo[i] + len - 1) / g.width; w++)
                words.push_back(w);
        std::sort(words.begin(), words.end());
        words.erase(std::unique(words.begin(), words.end()), words.end());
        std::vector<uint64_t> per_bank(g.banks, 0);
        for (uint64_t w : words)
            per_bank[w % g.banks]++;
        const uint64_t most = *std::max_element(per_bank.begin(), per_bank.end());
        uint64_t even = 0;
        EXPECT_EQ(sram_step_words(&g, lo, n, len, &even), most) << t;
        EXPECT_EQ(even, (words.size() + g.banks - 1) / g.banks) << t;
    }
}

TEST(Sram, StridedEqualsTheSumOfItsAccesses)
{
    std::mt19937 rng(7);
    for (int t = 0; t < 300; t++) {
        sram_geom g = { (uint64_t)1 << (rng() % 7), (uint64_t)1 + rng() % 16,
                        (uint64_t)1 + rng() % 3 };
        uint64_t base = rng() % 5000, stride = rng() % 3000, count = rng() % 200,
                 len = 1 + rng() % 700;
        uint64_t w = 0, c = 0, ww = 0, cc = 0;
        for (uint64_t k = 0; k < count; k++) {
            uint64_t x = sram_range_words(&g, base + k * stride, len);
            ww += x;
            cc += sram_cycles(&g, x);
        }
        sram_strided(&g, base, stride, count, len, &w, &c);
        EXPECT_EQ(w, ww) << t;
        EXPECT_EQ(c, cc) << t;
    }
}

TEST(Sram, ConflictingTableLayoutCostsWhatTheBanksImply)
{
    // lmma m=2 n=512 klen=128 W1: 32 chunks, one block (1 row pass x 1
    // column pass).  Row 1's tables start 32 x 16 = 512 bytes after row 0's:
    // 512 mod 64 = 0, the same bank, so each chunk's two tables take 2
    // cycles on the single port while its one bit-plane (a 256-byte index
    // row, 8 words over 8 banks) takes 1: 32 x max(1, 2) = 64 cycles.  Then
    // the write-back of 2 x 512 accumulators (2 rows of 2048 bytes, 64
    // words = 8 per bank, 4 cycles on 2 ports each) adds 8: 72.  The ideal
    // model: 32 passes.
    arch_t a = banked(), ideal;
    arch_ideal(&ideal);
    EXPECT_EQ(busy(ideal, lmma(0, 0, 2, 512, 128, 1)), 32u);
    EXPECT_EQ(busy(a, lmma(0, 0, 2, 512, 128, 1)), 64u + 8u);
    // klen 136 (34 chunks): row 1 starts 544 bytes on, word 17, bank 1: no
    // conflict, 34 x 1 + 8.
    EXPECT_EQ(busy(a, lmma(0, 0, 2, 512, 136, 1)), 34u + 8u);
    // W2: 2 plane cycles per chunk hide the 2 table cycles: 32 x 2 + 8.
    EXPECT_EQ(busy(a, lmma(0, 0, 2, 512, 128, 2)), 64u + 8u);
    // Two table ports serve the two words at once: 32 x 1 + 8.
    arch_t p2 = a;
    p2.buf[BUF_TBL].ports = 2;
    EXPECT_EQ(busy(p2, lmma(0, 0, 2, 512, 128, 1)), 32u + 8u);
    // Double-buffered accumulators: the write-back overlaps (max(64, 8))
    // and its 8 cycles become latency after the lmma's own 4.
    arch_t d = a;
    d.lut_double_acc = 1;
    Sched s = alone(d, lmma(0, 0, 2, 512, 128, 1));
    EXPECT_EQ(s.busy_end - s.start, 64u);
    EXPECT_EQ(s.complete - s.busy_end, 4u + 8u);
    // Six row passes (m=12), W2: per block 32 x 2 + 8 = 72, six blocks.
    EXPECT_EQ(busy(a, lmma(0, 0, 12, 512, 128, 2)), 6u * 72u);
}

// The stall counters say where the cycles went.  Hand derivation, on the
// banked default buffers (2-bank table buffer, one port): lmma m=2 n=512
// klen=128 W1 is one block of 32 chunks.  Row 1's tables are 512 bytes
// after row 0's, a multiple of the 64-byte table row, so each chunk's two
// tables are in one bank: 2 cycles where spreading the same 2 words over
// the 2 banks takes 1.  bank_conflict = 32 x (2 - 1) = 32.  The array's
// own rate is 32 passes; the write-back of 2 x 2048 bytes of accumulators
// (8 cycles at the output buffer's 512 B/cycle) is the port limit: 8.
// Busy 32 + 32 + 8 = 72, as above.
TEST(Sram, StallCountersAttributeTheSerialisedCycles)
{
    arch_t a = banked();
    program p;
    std::memset(&p, 0, sizeof p);
    isa_instr ins[2] = { lmma(0, 0, 2, 512, 128, 1), blank(OP_HALT) };
    p.ins = ins;
    p.n = 2;
    sim_stats st;
    char err[512];
    ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    EXPECT_EQ(st.unit[UNIT_LUT].busy_cycles, 72u);
    EXPECT_EQ(st.unit[UNIT_LUT].stall_bank_conflict, 32u);
    EXPECT_EQ(st.unit[UNIT_LUT].stall_port_limit, 8u);
    // tpad=2: row 1 starts 32 x 16 + 2 x 16 = 544 bytes on, word 17, the
    // other bank.  No conflict: busy 32 + 8, bank_conflict 0.
    ins[0].tpad = 2;
    ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    EXPECT_EQ(st.unit[UNIT_LUT].busy_cycles, 40u);
    EXPECT_EQ(st.unit[UNIT_LUT].stall_bank_conflict, 0u);
    EXPECT_EQ(st.unit[UNIT_LUT].stall_port_limit, 8u);
    // tpad=4 (64 bytes: a whole table row) puts row 1 back in bank 0.
    ins[0].tpad = 4;
    ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    EXPECT_EQ(st.unit[UNIT_LUT].stall_bank_conflict, 32u);
    // Ideal buffers count nothing.
    arch_t ideal;
    arch_ideal(&ideal);
    ins[0].tpad = 0;
    ASSERT_EQ(sim_run(&ideal, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    EXPECT_EQ(st.unit[UNIT_LUT].stall_bank_conflict + st.unit[UNIT_LUT].stall_port_limit, 0u);
    // The dequant unit's gathers: dq m=2 n=512 accumulating needs 24
    // cycles at the output buffer's bandwidth (below) against 16 on its
    // 64 lanes: 8 cycles of port limit.
    isa_instr dq = blank(OP_DQ);
    dq.dst = 0x4000;
    dq.m = 2;
    dq.n = 512;
    dq.accum = 1;
    ins[0] = dq;
    ASSERT_EQ(sim_run(&a, nullptr, &p, nullptr, &st, err, sizeof err), 0) << err;
    EXPECT_EQ(st.unit[UNIT_DQ].busy_cycles, 24u);
    EXPECT_EQ(st.unit[UNIT_DQ].stall_port_limit, 8u);
    EXPECT_EQ(st.unit[UNIT_DQ].stall_bank_conflict, 0u);
}

// tprec writes the padded layout lmma reads: the product is the same with
// and without padding (functional, bit for bit), and the padding's slots
// are never written.
TEST(Sram, PaddedTableRowsComputeTheSameProduct)
{
    arch_t a = banked();
    const char *text[2] = {
        "load buf=act sram=0 rows=1 bytes=256 dram=0 stride=256\n"
        "load buf=weight sram=0 rows=1 bytes=2048 dram=256 stride=2048\n"
        "tprec src=0 dst=0 sum=0x2000 rows=2 klen=128 stride=128\n"
        "lmma tbl=0 wgt=0 acc=0 m=2 n=64 klen=128 wbits=2 accum=0\n"
        "store buf=output sram=0 rows=1 bytes=512 dram=4096 stride=512\nhalt\n",
        "load buf=act sram=0 rows=1 bytes=256 dram=0 stride=256\n"
        "load buf=weight sram=0 rows=1 bytes=2048 dram=256 stride=2048\n"
        "tprec src=0 dst=0 sum=0x2000 rows=2 klen=128 stride=128 tpad=2\n"
        "lmma tbl=0 wgt=0 acc=0 m=2 n=64 klen=128 wbits=2 accum=0 tpad=2\n"
        "store buf=output sram=0 rows=1 bytes=512 dram=4096 stride=512\nhalt\n",
    };
    std::vector<uint8_t> img[2];
    for (int v = 0; v < 2; v++) {
        program p;
        char err[512];
        ASSERT_EQ(program_from_asm(text[v], &p, err, sizeof err), 0) << err;
        img[v].assign(8192, 0);
        std::mt19937 rng(3);
        for (size_t i = 0; i < 4096; i++)
            img[v][i] = (uint8_t)(rng() % 7); // small: no accumulator overflow
        sim_opts o;
        std::memset(&o, 0, sizeof o);
        o.dram = img[v].data();
        o.dram_size = img[v].size();
        sim_stats st;
        ASSERT_EQ(sim_run(&a, nullptr, &p, &o, &st, err, sizeof err), 0) << err;
        program_free(&p);
    }
    EXPECT_EQ(img[0], img[1]);
    bool nonzero = false;
    for (size_t i = 4096; i < 4608; i++)
        nonzero = nonzero || img[0][i] != 0;
    EXPECT_TRUE(nonzero); // the product was stored
}

// The compiler's layouts: on the banked default buffers no lmma of a
// GEMM's program loses a cycle to a bank conflict it could avoid (the
// table rows are interleaved: tpad), for several shapes and both the
// default schedule and the mapper's; the dense layout would.
TEST(Sram, CompilerLayoutsHaveNoAvoidableBankConflicts)
{
    arch_t a = banked();
    const int shapes[][3] = { { 1, 4096, 4096 }, { 16, 4096, 4096 }, { 64, 1024, 1000 },
                              { 37, 512, 384 }, { 256, 2048, 4096 } };
    const lut_wtype types[] = { { LUT_WFMT_INT, 2 }, { LUT_WFMT_BINARY, 1 } };
    for (const auto &sh : shapes) {
        for (const lut_wtype wt : types) {
            SCOPED_TRACE(std::to_string(sh[0]) + "x" + std::to_string(sh[1]) + "x" +
                         std::to_string(sh[2]) + " W" + std::to_string(wt.bits));
            sim_stats st = gemmtest::run(a, nullptr, wt, (uint64_t)sh[0], sh[1], sh[2]);
            EXPECT_GT(st.unit[UNIT_LUT].busy_cycles, 0u);
            EXPECT_EQ(st.unit[UNIT_LUT].stall_bank_conflict, 0u);
            gemm_shape s = {}, best;
            s.wtype = wt;
            s.group_size = 128;
            s.m = sh[0];
            s.n = sh[1];
            s.kd = sh[2];
            int sampled = 0, simulated = 0;
            char err[512];
            ASSERT_EQ(mapper_search(&a, nullptr, &s, MAP_CYCLES, &best, &st, &sampled,
                                    &simulated, err, sizeof err), 0) << err;
            EXPECT_EQ(st.unit[UNIT_LUT].stall_bank_conflict, 0u);
        }
    }
    // The dense layout (what the compiler emitted before tpad) conflicts:
    // the test can fail.
    EXPECT_EQ(gemm_table_pad(&a, 128), 2);
    arch_t ideal;
    arch_ideal(&ideal);
    EXPECT_EQ(gemm_table_pad(&ideal, 128), 0); // ideal buffers keep the dense layout
}

// The pad search stops early (at a cost no pad can beat) and a shape's
// pads are worked out once (gemm_tpads): both must pick what the full
// search over every pad picks.  Reference: for each pad 0..15 the cost of
// one period of chunk steps of two row passes, each step's busiest bank
// counted by hand (distinct words per bank, over the ports), and the least
// pad among the cheapest.
static uint64_t ref_pad_cost(const arch_t &a, uint64_t chunks, uint64_t tbytes, uint64_t stride)
{
    const arch_buffer &b = a.buf[BUF_TBL];
    const uint64_t W = (uint64_t)b.width_bits / 8, B = (uint64_t)b.banks, P = (uint64_t)b.ports;
    const uint64_t rows = (uint64_t)std::min(a.tile_m, 64), R = W * B;
    uint64_t g = R, m = tbytes % R; // period of j x tbytes mod R: R / gcd(tbytes mod R, R)
    for (uint64_t x = m; x != 0;) {
        const uint64_t t = g % x;
        g = x;
        x = t;
    }
    const uint64_t period = m == 0 ? 1 : R / g;
    const uint64_t n = std::min(period, chunks);
    uint64_t cost = 0;
    for (uint64_t row0 = 0; row0 <= rows; row0 += rows)
        for (uint64_t j = 0; j < n; j++) {
            std::vector<uint64_t> words;
            for (uint64_t r = 0; r < rows; r++) {
                const uint64_t lo = (row0 + r) * stride + j * tbytes;
                for (uint64_t w = lo / W; w <= (lo + tbytes - 1) / W; w++)
                    words.push_back(w);
            }
            std::sort(words.begin(), words.end());
            words.erase(std::unique(words.begin(), words.end()), words.end());
            std::vector<uint64_t> per(B, 0);
            for (uint64_t w : words)
                per[w % B]++;
            const uint64_t busiest = *std::max_element(per.begin(), per.end());
            cost += (busiest + P - 1) / P;
        }
    return cost;
}

static int ref_pad(const arch_t &a, uint64_t klen)
{
    const uint64_t tbytes = ((uint64_t)1 << (a.tile_k - 1)) * gemm_entry_bytes(&a);
    const uint64_t chunks = (klen + (uint64_t)a.tile_k - 1) / (uint64_t)a.tile_k;
    int best = 0;
    uint64_t best_cost = ref_pad_cost(a, chunks, tbytes, chunks * tbytes);
    for (int pad = 1; pad <= 15; pad++) {
        const uint64_t c = ref_pad_cost(a, chunks, tbytes, (chunks + (uint64_t)pad) * tbytes);
        if (c < best_cost) {
            best_cost = c;
            best = pad;
        }
    }
    return best;
}

TEST(Sram, TablePadIsTheFullSearchsLeastCheapestPad)
{
    const uint64_t klens[] = { 1, 3, 4, 7, 8, 16, 28, 32, 64, 96, 100, 128, 129, 192, 256, 344, 512, 1000 };
    int nonzero = 0, cases = 0;
    for (int tm : { 1, 2, 4, 8, 16 })
        for (int tk : { 2, 3, 4, 5 })
            for (int eb : { 8, 16 })
                for (int banks : { 1, 2, 4, 8 })
                    for (int wb : { 64, 128, 256 })
                        for (int ports : { 1, 2 }) {
                            arch_t a = banked();
                            a.tile_m = tm;
                            a.tile_k = tk;
                            a.table_entry_bits = eb;
                            a.buf[BUF_TBL].banks = banks;
                            a.buf[BUF_TBL].width_bits = wb;
                            a.buf[BUF_TBL].ports = ports;
                            for (uint64_t k : klens) {
                                const int want = ref_pad(a, k);
                                ASSERT_EQ(gemm_table_pad(&a, k), want)
                                    << "tile " << tm << "x" << tk << " entry " << eb << " banks "
                                    << banks << " x " << wb << " bits, " << ports << " ports, klen " << k;
                                nonzero += want != 0;
                                cases++;
                            }
                            gemm_shape s = {};
                            s.group_size = 128;
                            s.kd = 1000; // 7 groups of 128 and one of 104
                            gemm_tpads t;
                            gemm_tpads_of(&a, &s, &t);
                            EXPECT_EQ(gemm_tpad_for(&a, &t, 128), ref_pad(a, 128));
                            EXPECT_EQ(gemm_tpad_for(&a, &t, 104), ref_pad(a, 104));
                            EXPECT_EQ(gemm_tpad_for(&a, &t, 96), ref_pad(a, 96)); // neither
                        }
    // the search is not vacuous: many layouts need a pad
    EXPECT_GT(nonzero, cases / 10);
}

TEST(Sram, DequantGathersAtTheOutputBuffersBandwidth)
{
    // dq m=2 n=512 accumulating: 1024 outputs on 64 lanes = 16 cycles
    // ideal.  Banked: it reads 4096 bytes of accumulators (128 words, 16
    // per bank), reads and writes 4096 bytes of results (2 x 16): 48 words
    // per bank on 2 ports = 24 cycles (768 B/cycle asked of 512).
    isa_instr in = blank(OP_DQ);
    in.acc = 0;
    in.dst = 0x4000;
    in.sum = 0;
    in.meta = 0;
    in.m = 2;
    in.n = 512;
    in.accum = 1;
    arch_t ideal;
    arch_ideal(&ideal);
    EXPECT_EQ(busy(ideal, in), 16u);
    EXPECT_EQ(busy(banked(), in), 24u);
    in.accum = 0; // 32 words per bank: 16 cycles, lanes and ports agree
    EXPECT_EQ(busy(banked(), in), 16u);
}

TEST(Sram, VectorOpsStreamAtTheirBuffersBandwidth)
{
    // vop add_f32 of 4096 elements in the output buffer: 64 lanes, 64
    // cycles ideal.  Banked: two 16384-byte sources and a 16384-byte result,
    // 512 words each, 64 per bank: 192 words on 2 ports = 96 cycles.  In
    // fp16 (8192 bytes each, 32 words per bank): 96 / 2 = 48, under the
    // lanes' 64.
    isa_instr in = blank(OP_VOP);
    in.fn = VFN_ADD_F32;
    in.sbuf = BUF_OUT;
    in.dbuf = BUF_OUT;
    in.src = 0;
    in.src2 = 0x4000;
    in.dst = 0x8000;
    in.len = 4096;
    arch_t ideal;
    arch_ideal(&ideal);
    EXPECT_EQ(busy(ideal, in), 64u);
    EXPECT_EQ(busy(banked(), in), 96u);
    in.fn = VFN_ADD_F16;
    EXPECT_EQ(busy(banked(), in), 64u);
    // attn_softmax's len carries the row length in bits [11:0] and the
    // masked tail in [23:12]: the row of 256 int32 scores streams in (1024
    // bytes, 4 words a bank, 2 cycles) under the lanes' 3 passes of 4
    // cycles, as on ideal buffers, not len = 256 + 128 x 4096 elements.
    in.fn = VFN_ATTN_SOFTMAX;
    in.len = 256 | (128u << 12);
    EXPECT_EQ(busy(banked(), in), busy(ideal, in));
    EXPECT_EQ(busy(ideal, in), 12u);
}

TEST(Sram, SharedPortsCostTheSum)
{
    // A single-ported buffer: a compute instruction uses it every cycle
    // of [0, 384); a DMA during [100, 356) writes 64 words.  The DMA is not
    // slowed, but in its window the port owed 256 + 64 slots: 64 cycles are
    // a debt that the next compute instruction on the buffer pays.
    arch_t a = banked();
    sram_ports p;
    std::memset(&p, 0, sizeof p);
    uint64_t w[BUF_COUNT] = { 0 };
    w[BUF_WGT] = 384;
    EXPECT_EQ(sram_ports_use(&p, &a, 0, 0, 384, w), 384u);
    w[BUF_WGT] = 64;
    EXPECT_EQ(sram_ports_use(&p, &a, 1, 100, 256, w), 256u);
    w[BUF_WGT] = 384;
    EXPECT_EQ(sram_ports_use(&p, &a, 0, 500, 384, w), 384u + 64u);
    // ... paid once
    EXPECT_EQ(sram_ports_use(&p, &a, 0, 2000, 384, w), 384u);
    // With two ports the DMA's 64 + 128 slots fit its 256 cycles: no debt.
    arch_t b = a;
    b.buf[BUF_WGT].ports = 2;
    std::memset(&p, 0, sizeof p);
    EXPECT_EQ(sram_ports_use(&p, &b, 0, 0, 384, w), 384u);
    w[BUF_WGT] = 64;
    EXPECT_EQ(sram_ports_use(&p, &b, 1, 100, 256, w), 256u);
    w[BUF_WGT] = 384;
    EXPECT_EQ(sram_ports_use(&p, &b, 0, 500, 384, w), 384u);
}

sim_stats gemm_run(const arch_t &a, int m, int n, int k, int wbits)
{
    energy_table t;
    energy_model em;
    char err[512] = "";
    EXPECT_EQ(energy_table_default(&t, err, sizeof err), 0) << err;
    EXPECT_EQ(energy_model_for_arch(&t, &a, &em, err, sizeof err), 0) << err;
    return gemmtest::run(a, &em, lut_wtype{wbits == 1 ? LUT_WFMT_BINARY : LUT_WFMT_INT, wbits},
                         (uint64_t)m, n, k);
}

TEST(Sram, IdealModeIgnoresBanksAndPortsExactly)
{
    // buffers.ideal (the default) is the model without banks: it takes a
    // buffer's bandwidth as banks x width_bits, whatever the pattern, and
    // ignores ports.  The same row width split into other banks, with other
    // ports, changes nothing, cycle for cycle and event for event.
    arch_t d, other;
    arch_ideal(&d);
    EXPECT_EQ(d.sram_ideal, 1);
    EXPECT_EQ(d.lut_double_acc, 0);
    other = d;
    for (int b = 0; b < BUF_COUNT; b++) {
        other.buf[b].ports = 1 + b % 2;
        other.buf[b].banks /= 2;
        other.buf[b].width_bits *= 2;
    }
    char err[512];
    ASSERT_EQ(arch_check(&other, err, sizeof err), 0) << err;
    sim_stats x = gemm_run(d, 24, 1024, 1024, 2), y = gemm_run(other, 24, 1024, 1024, 2);
    EXPECT_EQ(x.cycles, y.cycles);
    EXPECT_EQ(std::memcmp(&x.ev, &y.ev, sizeof x.ev), 0);
    EXPECT_EQ(x.energy_pj, y.energy_pj);
    // Banked with ports to spare and double-buffered accumulators: the
    // compiler's weight and output layouts have no conflicts, so only the
    // table conflict (hidden at W2, see above) could cost: every unit is
    // busy exactly as long (the run ends a little later: the last lmma's
    // write-back is latency).
    arch_t roomy = d;
    roomy.sram_ideal = 0;
    roomy.lut_double_acc = 1;
    for (int b = 0; b < BUF_COUNT; b++)
        roomy.buf[b].ports = 4;
    sim_stats z = gemm_run(roomy, 24, 1024, 1024, 2);
    for (int u = 0; u < UNIT_COUNT; u++)
        EXPECT_EQ(z.unit[u].busy_cycles, x.unit[u].busy_cycles) << u;
    EXPECT_GE(z.cycles, x.cycles);
    // the default's single ports and accumulator write-back cost time
    sim_stats r = gemm_run(banked(), 24, 1024, 1024, 2);
    EXPECT_GT(r.cycles, x.cycles);
}

TEST(Sram, SinglePortedWeightBufferSerialisesDmaAndLut)
{
    // Everything roomy but the weight buffer's one port: the DMA's weight
    // writes and the lmma's reads share it, so the compute-bound GEMM's
    // time grows by about the weight bytes / (256 B a slot) per tile over
    // its passes: 1 / (row passes) = 1/6 with the compiler's 12-row tiles.
    arch_t roomy;
    arch_ideal(&roomy);
    roomy.sram_ideal = 0;
    roomy.lut_double_acc = 1;
    for (int b = 0; b < BUF_COUNT; b++)
        roomy.buf[b].ports = 4;
    arch_t one = roomy;
    one.buf[BUF_WGT].ports = 1;
    sim_stats r = gemm_run(roomy, 96, 2048, 2048, 2), o = gemm_run(one, 96, 2048, 2048, 2);
    double ratio = (double)o.cycles / (double)r.cycles;
    EXPECT_GT(ratio, 1.10);
    EXPECT_LT(ratio, 1.20);
    printf("      GEMM 96x2048x2048 W2, weight buffer 1 port / 4 ports: %.3f\n", ratio);
}

TEST(Sram, ArchKeysAndTheRtlRefusal)
{
    arch_t a;
    char err[512];
    ASSERT_EQ(arch_from_json_string("{\"buffers\": {\"ideal\": false}, \"lut\": "
                                    "{\"double_acc\": true}}", "a.json", &a, err, sizeof err), 0)
        << err;
    EXPECT_EQ(a.sram_ideal, 0);
    EXPECT_EQ(a.lut_double_acc, 1);
    EXPECT_NE(arch_from_json_string("{\"buffers\": {\"ideal\": 2}}", "a.json", &a, err,
                                    sizeof err), 0);
    EXPECT_NE(std::string(err).find("buffers.ideal"), std::string::npos) << err;
    // The RTL models ideal SRAM: it refuses banked buffers with one line.
    char tmpl[] = "/tmp/lutsim-sram-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    std::string dir = tmpl;
    std::ofstream(dir + "/b.json") << "{\"base\": \"ideal\", \"buffers\": {\"ideal\": false}}";
    int st = testproc::lutsim("gemm --random 2x64x64 --wfmt int --wbits 2 --engine rtl --quiet "
                              "--arch " + dir + "/b.json", "", dir + "/err");
    std::stringstream ss;
    ss << testproc::slurp(dir + "/err");
    const std::string e = ss.str();
    EXPECT_EQ(st, 1) << e;
    EXPECT_NE(e.find("buffers.ideal"), std::string::npos) << e;
    EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
    testproc::remove_tree(dir);
}

TEST(Sram, EnergyPerAccessFollowsBankSize)
{
    // Banked, an access reads one bank: the output buffer's 256 KiB in 8
    // banks are 32 KiB banks, priced at Horowitz's 32 KB point (20 pJ per
    // 64 bits at 45 nm, x 28/45 at 28 nm); the table buffer's 16 KiB in 2
    // banks at the 8 KB point (10 pJ).  Ideal: the whole buffer, 256 KiB
    // interpolated log-log between 32 KB (20) and 1 MB (100): 20 x 8^(ln 5
    // / ln 32), 2.63 times the bank's.
    energy_table t;
    char err[512];
    ASSERT_EQ(energy_table_default(&t, err, sizeof err), 0) << err;
    arch_t a = banked(), ideal;
    arch_ideal(&ideal);
    energy_model mb, mi;
    ASSERT_EQ(energy_model_for_arch(&t, &a, &mb, err, sizeof err), 0) << err;
    ASSERT_EQ(energy_model_for_arch(&t, &ideal, &mi, err, sizeof err), 0) << err;
    const double s = 28.0 / 45.0;
    EXPECT_NEAR(mb.buf_read_pj_per_byte[BUF_OUT], 20.0 / 8 * s, 1e-12);
    EXPECT_NEAR(mb.buf_read_pj_per_byte[BUF_TBL], 10.0 / 8 * s, 1e-12);
    EXPECT_NEAR(mi.buf_read_pj_per_byte[BUF_OUT], 20.0 / 8 * s * std::pow(8.0, std::log(5.0) / std::log(32.0)), 1e-9);
    EXPECT_NEAR(mb.buf_write_pj_per_byte[BUF_OUT], mb.buf_read_pj_per_byte[BUF_OUT] * t.sram_write_ratio, 1e-12);
    // more banks of the same buffer: cheaper accesses
    arch_t more = a;
    more.buf[BUF_OUT].banks = 16;
    energy_model mm;
    ASSERT_EQ(energy_model_for_arch(&t, &more, &mm, err, sizeof err), 0) << err;
    EXPECT_LT(mm.buf_read_pj_per_byte[BUF_OUT], mb.buf_read_pj_per_byte[BUF_OUT]);
    // The look-up's broadcast, shift and register energy are charged, and
    // the parts still sum to the total.
    sim_stats st = gemm_run(a, 24, 1024, 1024, 2);
    EXPECT_GT(st.ev.table_bcast_bytes, 0u);
    EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_BROADCAST], (double)st.ev.table_bcast_bytes * 0.1 * 8);
    EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_SHIFT], (double)st.ev.table_reads * 0.01 * s);
    EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_ACC_REG], (double)st.ev.table_reads * 0.03 * s);
    double sum = 0;
    for (int i = 0; i < EN_COUNT; i++)
        sum += st.energy_pj_part[i];
    EXPECT_DOUBLE_EQ(sum, st.energy_pj);
    EXPECT_DOUBLE_EQ(st.energy_pj_part[EN_BUF_OUT],
                     (double)st.ev.buf_read_bytes[BUF_OUT] * mb.buf_read_pj_per_byte[BUF_OUT] +
                         (double)st.ev.buf_write_bytes[BUF_OUT] * mb.buf_write_pj_per_byte[BUF_OUT]);
}

TEST(Sram, FastForwardHoldsOnBankedBuffers)
{
    // The tiling's periodic extension (compiler/gemm.c) against the full
    // program: banked costs are per instruction and the port model's state
    // repeats with the tiles, so the extension stays exact.
    arch_t a = banked();
    energy_model em = {};
    em.dram_pj_per_byte = 1;
    em.leakage_pj_per_cycle = 1;
    const int shapes[][3] = { { 100, 4096, 4096 }, { 77, 3000, 1000 }, { 1, 4096, 4096 } };
    for (const auto &sh : shapes) {
        const gemm_shape s = gemmtest::shape({LUT_WFMT_INT, 2}, sh[0], sh[1], sh[2]);
        sim_stats ff = {}, full = {};
        gemmtest::fast_and_full(a, em, s, &ff, &full);
        SCOPED_TRACE(std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.kd));
        EXPECT_EQ(ff.cycles, full.cycles);
        EXPECT_EQ(ff.unit[UNIT_LUT].busy_cycles, full.unit[UNIT_LUT].busy_cycles);
    }
}

} // namespace
