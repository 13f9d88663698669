// The C model's instructions, one at a time, in functional mode: small
// hand-built programs move data DRAM -> buffer -> unit -> buffer -> DRAM and
// every result is checked against a computation written out here.  Then
// whole GEMMs (gemm_lower + gemm_fill + sim_run) against the naive
// reference, and timing-only runs against functional ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "arch.h"
#include "isa_build.h"
#include "energy.h"
#include "gemm.h"
#include "isa.h"
#include "lut_arith.h"
#include "program.h"
#include "ref_gemm.h"
#include "sim.h"

namespace {

// ---- instruction builders -------------------------------------------------

isa_instr st(int buf, uint32_t sram, uint64_t dram, uint32_t rows, uint32_t bytes, uint32_t stride)
{
    return ld(buf, sram, dram, rows, bytes, stride, OP_STORE);
}

isa_instr tprec(uint32_t src, uint32_t dst, uint32_t sum, uint32_t rows, uint32_t klen,
                uint32_t stride)
{
    isa_instr in = blank(OP_TPREC);
    in.src = src;
    in.dst = dst;
    in.sum = sum;
    in.rows = rows;
    in.klen = klen;
    in.stride = stride;
    return in;
}

isa_instr lmma(uint32_t tbl, uint32_t wgt, uint32_t acc, uint32_t m, uint32_t n, uint32_t klen,
               uint32_t wbits, uint32_t accum)
{
    return lut_op(OP_LMMA, tbl, wgt, acc, m, n, klen, wbits, accum, 0);
}

isa_instr dq(uint32_t acc, uint32_t sum, uint32_t meta, uint32_t dst, uint32_t m, uint32_t n,
             uint32_t accum, uint32_t fmode, uint32_t shift)
{
    isa_instr in = blank(OP_DQ);
    in.acc = acc;
    in.sum = sum;
    in.meta = meta;
    in.dst = dst;
    in.m = m;
    in.n = n;
    in.accum = accum;
    in.fmode = fmode;
    in.shift = shift;
    return in;
}

struct Prog {
    program p;
    Prog() { program_init(&p); }
    ~Prog() { program_free(&p); }
    Prog(const Prog &) = delete;
    Prog &operator=(const Prog &) = delete;
    Prog &operator<<(const isa_instr &in)
    {
        EXPECT_EQ(program_push(&p, &in), 0);
        return *this;
    }
    Prog &halt() { return *this << blank(OP_HALT); }
};

// An energy model with round, distinct per-event prices so that every
// component can be checked exactly.
energy_model known_energy()
{
    energy_model em;
    std::memset(&em, 0, sizeof em);
    em.dram_pj_per_byte = 10.0;
    for (int b = 0; b < BUF_COUNT; b++) {
        em.buf_read_pj_per_byte[b] = 1.0 + b;  // 1, 2, 3, 4
        em.buf_write_pj_per_byte[b] = 5.0 + b; // 5, 6, 7, 8
    }
    em.precompute_add_pj = 0.5;
    em.table_read_pj = 0.25;
    em.accum_add_pj = 0.125;
    em.dequant_mul_pj = 2.0;
    em.vector_op_pj = 3.0;
    em.leakage_pj_per_cycle = 1.5;
    em.node_nm = 28;
    return em;
}

arch_t default_arch()
{
    arch_t a;
    arch_ideal(&a);
    return a;
}

// Runs p in functional mode on `dram` (or timing-only if dram is null).
int run(const arch_t &a, const program &p, std::vector<uint8_t> *dram, sim_stats *stp,
        std::string *err = nullptr)
{
    energy_model em = known_energy();
    sim_opts o;
    std::memset(&o, 0, sizeof o);
    if (dram) {
        o.dram = dram->data();
        o.dram_size = dram->size();
    }
    char e[512] = "";
    int rc = sim_run(&a, &em, &p, &o, stp, e, sizeof e);
    if (err)
        *err = e;
    else
        EXPECT_EQ(rc, 0) << e;
    return rc;
}

void put_i32(std::vector<uint8_t> &img, size_t at, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int k = 0; k < 4; k++)
        img.at(at + k) = (uint8_t)(u >> (8 * k));
}
int32_t get_i32(const std::vector<uint8_t> &img, size_t at)
{
    uint32_t u = 0;
    for (int k = 0; k < 4; k++)
        u |= (uint32_t)img.at(at + k) << (8 * k);
    return (int32_t)u;
}
void put_f32(std::vector<uint8_t> &img, size_t at, float f)
{
    uint32_t u;
    std::memcpy(&u, &f, 4);
    put_i32(img, at, (int32_t)u);
}
float get_f32(const std::vector<uint8_t> &img, size_t at)
{
    uint32_t u = (uint32_t)get_i32(img, at);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
int16_t get_i16(const std::vector<uint8_t> &img, size_t at)
{
    return (int16_t)(uint16_t)(img.at(at) | img.at(at + 1) << 8);
}
void put_i16(std::vector<uint8_t> &img, size_t at, int16_t v)
{
    img.at(at) = (uint8_t)((uint16_t)v & 0xff);
    img.at(at + 1) = (uint8_t)((uint16_t)v >> 8);
}

// Signed sum of the tk activations for bit pattern p (bit k set: +a_k).
int32_t pattern_sum(const int8_t *a, int tk, unsigned p)
{
    int32_t s = 0;
    for (int k = 0; k < tk; k++)
        s += ((p >> k) & 1u) ? a[k] : -a[k];
    return s;
}

uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

} // namespace

// ---- DMA ------------------------------------------------------------------

TEST(UnitDma, StridedLoadAndStoreMoveExactlyTheirBytes)
{
    arch_t a = default_arch();
    std::vector<uint8_t> img(8192);
    for (size_t i = 0; i < img.size(); i++)
        img[i] = (uint8_t)(i * 37 + 11);
    const std::vector<uint8_t> orig = img;
    // Scratch areas that the program overwrites start as zero so a missing
    // write shows.
    std::fill(img.begin() + 2000, img.begin() + 2100, 0);
    std::fill(img.begin() + 3000, img.begin() + 3200, 0);
    std::fill(img.begin() + 4000, img.begin() + 4100, 0);
    const std::vector<uint8_t> before = img;

    Prog p;
    p << ld(BUF_ACT, 7, 100, 3, 5, 16)      // 3 rows of 5 bytes, DRAM stride 16
      << st(BUF_ACT, 7, 2000, 1, 15, 15)    // packed back, contiguous
      << st(BUF_ACT, 7, 3000, 3, 5, 32)     // re-spread with stride 32
      << st(BUF_ACT, 6, 4000, 1, 17, 17)    // one byte either side: never written
      << ld(BUF_OUT, 64, 500, 2, 8, 8)      // contiguous 2 x 8 into another buffer
      << st(BUF_OUT, 64, 4050, 4, 4, 10);   // 4 rows of 4 with stride 10
    p.halt();
    sim_stats s;
    run(a, p.p, &img, &s);

    std::vector<uint8_t> want = before;
    for (int r = 0; r < 3; r++)
        for (int j = 0; j < 5; j++) {
            uint8_t v = orig[100 + r * 16 + j];
            want[2000 + r * 5 + j] = v;
            want[3000 + r * 32 + j] = v;
            want[4000 + 1 + r * 5 + j] = v;
        }
    want[4000] = 0;      // sram 6: never loaded
    want[4000 + 16] = 0; // sram 22: never loaded
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++)
            want[4050 + r * 10 + j] = orig[500 + r * 4 + j];
    for (size_t i = 0; i < img.size(); i++)
        ASSERT_EQ(img[i], want[i]) << "DRAM byte " << i;

    // Events: strided transfers round each row up to a 64-byte burst,
    // contiguous ones the whole transfer.
    EXPECT_EQ(s.ev.dram_read_bytes, 3u * 64 + 64);
    EXPECT_EQ(s.ev.dram_write_bytes, 64u + 3 * 64 + 64 + 4 * 64);
    EXPECT_EQ(s.ev.buf_write_bytes[BUF_ACT], 15u);
    EXPECT_EQ(s.ev.buf_read_bytes[BUF_ACT], 15u + 15 + 17);
    EXPECT_EQ(s.ev.buf_write_bytes[BUF_OUT], 16u);
    EXPECT_EQ(s.ev.buf_read_bytes[BUF_OUT], 16u);
    EXPECT_EQ(s.instructions, 7u);
    EXPECT_EQ(s.unit[UNIT_DMA].instructions, 6u);
    // Energy with the hand-set prices (act read 1, write 5; out read 4, write 8).
    double dram = (3.0 * 64 + 64 + 64 + 3 * 64 + 64 + 4 * 64) * 10.0;
    double act = 47 * 1.0 + 15 * 5.0, out = 16 * 4.0 + 16 * 8.0;
    EXPECT_DOUBLE_EQ(s.energy_pj_part[EN_DRAM], dram);
    EXPECT_DOUBLE_EQ(s.energy_pj_part[EN_BUF_ACT], act);
    EXPECT_DOUBLE_EQ(s.energy_pj_part[EN_BUF_OUT], out);
    EXPECT_DOUBLE_EQ(s.energy_pj_part[EN_LEAKAGE], 1.5 * (double)s.cycles);
    EXPECT_DOUBLE_EQ(s.energy_pj, dram + act + out + 1.5 * (double)s.cycles);
}

TEST(UnitDma, EveryBufferRoundTrips)
{
    arch_t a = default_arch();
    std::vector<uint8_t> img(4096);
    std::mt19937 rng(5);
    for (auto &b : img)
        b = (uint8_t)rng();
    for (int b = 0; b < BUF_COUNT; b++) {
        std::vector<uint8_t> m = img;
        std::fill(m.begin() + 2048, m.end(), 0);
        // Load to the very end of the buffer: the last byte is addressable.
        uint32_t top = (uint32_t)arch_buf_bytes(&a, (buf_id)b) - 256;
        Prog p;
        p << ld(b, top, 0, 1, 256, 256) << st(b, top, 2048, 1, 256, 256);
        p.halt();
        sim_stats s;
        run(a, p.p, &m, &s);
        EXPECT_EQ(std::memcmp(m.data() + 2048, img.data(), 256), 0) << arch_buf_name((buf_id)b);
        for (size_t i = 2048 + 256; i < m.size(); i++)
            ASSERT_EQ(m[i], 0) << i;
    }
}

// ---- table precompute -----------------------------------------------------

namespace {

// Loads rows x klen activations (row stride `stride` in the act buffer),
// runs tprec and stores the tables and sums back to DRAM.
struct TprecRun {
    std::vector<uint8_t> img;
    uint64_t tbl_at = 16384, sum_at = 32768;
    sim_stats s;
};

TprecRun run_tprec(const arch_t &a, const std::vector<int8_t> &act, uint32_t rows, uint32_t klen,
                   uint32_t stride)
{
    TprecRun r;
    r.img.assign(40000, 0xEE);
    std::memcpy(r.img.data(), act.data(), act.size());
    const int tk = a.tile_k, E = 1 << (tk - 1);
    const uint64_t chunks = cdiv(klen, (uint64_t)tk);
    const uint32_t tbytes = (uint32_t)(rows * chunks * E * 2);
    Prog p;
    p << ld(BUF_ACT, 0, 0, 1, (uint32_t)act.size(), (uint32_t)act.size())
      << tprec(0, 64, 4096, rows, klen, stride)
      << st(BUF_TBL, 64, r.tbl_at, 1, tbytes, tbytes)
      << st(BUF_TBL, 4096, r.sum_at, 1, rows * 4, rows * 4);
    p.halt();
    run(a, p.p, &r.img, &r.s);
    return r;
}

} // namespace

TEST(UnitTprec, TablesAreSignedSumsForEveryPattern)
{
    std::mt19937 rng(77);
    for (int tk = 2; tk <= 8; tk++) {
        arch_t a = default_arch();
        a.tile_k = tk;
        const uint32_t rows = 3, klen = (uint32_t)(2 * tk + (tk > 2 ? tk - 1 : 1)); // short tail
        const uint32_t stride = klen + 5;
        std::vector<int8_t> act(stride * rows);
        for (auto &v : act)
            v = (int8_t)(rng() % 256);
        act[0] = -128; // the extreme
        TprecRun r = run_tprec(a, act, rows, klen, stride);
        const int E = 1 << (tk - 1);
        const uint64_t chunks = cdiv(klen, (uint64_t)tk);
        for (uint32_t row = 0; row < rows; row++) {
            int32_t sum = 0;
            for (uint32_t k = 0; k < klen; k++)
                sum += act[row * stride + k];
            EXPECT_EQ(get_i32(r.img, r.sum_at + row * 4), sum) << "tk " << tk << " row " << row;
            for (uint64_t c = 0; c < chunks; c++) {
                int8_t g[8] = {0};
                for (int k = 0; k < tk; k++) {
                    uint64_t kk = c * tk + k;
                    g[k] = kk < klen ? act[row * stride + kk] : 0; // zero padding
                }
                lut_entry_t t[128];
                for (int e = 0; e < E; e++)
                    t[e] = get_i16(r.img, r.tbl_at + ((row * chunks + c) * E + e) * 2);
                for (unsigned pat = 0; pat < (1u << tk); pat++)
                    ASSERT_EQ(lut_lookup(t, lut_pattern_index(pat, tk)), pattern_sum(g, tk, pat))
                        << "tk " << tk << " row " << row << " chunk " << c << " pattern " << pat;
            }
        }
        // The tables region ends where it should: the byte after is untouched.
        EXPECT_EQ(r.img[r.tbl_at + rows * chunks * E * 2], 0xEE);
        // Events: one table per row and chunk, (tk-1)+(E-1) adds each plus the sums.
        const uint64_t tables = rows * chunks;
        EXPECT_EQ(r.s.ev.precompute_adds, tables * ((tk - 1) + (E - 1)) + rows * klen);
        EXPECT_EQ(r.s.unit[UNIT_TPREC].busy_cycles, tables); // 1 table per cycle
        EXPECT_DOUBLE_EQ(r.s.energy_pj_part[EN_PRECOMPUTE], 0.5 * (double)r.s.ev.precompute_adds);
    }
}

TEST(UnitTprec, NarrowEntriesSaturate)
{
    arch_t a = default_arch();
    a.table_entry_bits = 8; // below what 4 x INT8 sums need: entries saturate
    const int tk = a.tile_k, E = 1 << (tk - 1);
    const uint32_t rows = 2, klen = 8;
    std::vector<int8_t> act = {100, 90, -80, 70, 1, 2, 3, 4, -128, -128, -128, -128, 127, 127, 127, 127};
    TprecRun r = run_tprec(a, act, rows, klen, klen);
    int saturated = 0;
    for (uint32_t row = 0; row < rows; row++)
        for (uint64_t c = 0; c < 2; c++) {
            const int8_t *g = &act[row * klen + c * tk];
            for (int e = 0; e < E; e++) {
                int32_t exact = pattern_sum(g, tk, (unsigned)(e << 1) | 1u);
                int32_t want = exact > 127 ? 127 : exact < -128 ? -128 : exact;
                saturated += want != exact;
                // 8-bit entries take one byte each (ceil(bits / 8))
                EXPECT_EQ(lut_entry_get(r.img.data() + r.tbl_at + (row * 2 + c) * E + e, 1), want)
                    << "row " << row << " chunk " << c << " entry " << e;
            }
        }
    EXPECT_GT(saturated, 4);
    // Sums are int32 and never saturate.
    EXPECT_EQ(get_i32(r.img, r.sum_at), 100 + 90 - 80 + 70 + 1 + 2 + 3 + 4);
    EXPECT_EQ(get_i32(r.img, r.sum_at + 4), -4 * 128 + 4 * 127);
}

// ---- lmma -----------------------------------------------------------------

namespace {

// Tables from real activations, random bit patterns as weight indices; the
// expectation is computed from the patterns' bits, not from the tables.
void check_lmma(int tk, uint32_t m, uint32_t n, uint32_t klen, uint32_t wbits, uint32_t accum,
                uint32_t seed)
{
    SCOPED_TRACE("tk " + std::to_string(tk) + " m " + std::to_string(m) + " n " +
                 std::to_string(n) + " klen " + std::to_string(klen) + " wbits " +
                 std::to_string(wbits) + " accum " + std::to_string(accum));
    arch_t a = default_arch();
    a.tile_k = tk;
    std::mt19937 rng(seed);
    const int E = 1 << (tk - 1);
    const uint64_t chunks = cdiv(klen, (uint64_t)tk);
    const uint64_t rb = (n * (uint64_t)tk + 7) / 8;
    // activations, zero-padded to whole chunks
    std::vector<int8_t> act(m * chunks * tk, 0);
    for (uint32_t r = 0; r < m; r++)
        for (uint32_t k = 0; k < klen; k++)
            act[r * chunks * tk + k] = (int8_t)(rng() % 256);
    std::vector<unsigned> pat(chunks * wbits * n);
    for (auto &v : pat)
        v = rng() & ((1u << tk) - 1);

    const uint64_t T = 0, W = 8192, I = 16384, O = 40960;
    std::vector<uint8_t> img(65536, 0);
    for (uint32_t r = 0; r < m; r++)
        for (uint64_t c = 0; c < chunks; c++)
            for (int e = 0; e < E; e++)
                put_i16(img, T + ((r * chunks + c) * E + e) * 2,
                        (int16_t)pattern_sum(&act[r * chunks * tk + c * tk], tk, (unsigned)(e << 1) | 1u));
    for (uint64_t c = 0; c < chunks; c++)
        for (uint32_t i = 0; i < wbits; i++)
            for (uint32_t col = 0; col < n; col++)
                lut_field_put(&img[W + (c * wbits + i) * rb], col, tk,
                              lut_field_from_idx(lut_pattern_index(pat[(c * wbits + i) * n + col], tk), tk));
    std::vector<int32_t> init(m * n);
    for (uint32_t j = 0; j < m * n; j++) {
        init[j] = (int32_t)(rng() % 200001) - 100000;
        put_i32(img, I + j * 4, init[j]);
    }
    const uint32_t tbytes = (uint32_t)(m * chunks * E * 2), wb = (uint32_t)(chunks * wbits * rb);
    Prog p;
    p << ld(BUF_TBL, 0, T, 1, tbytes, tbytes) << ld(BUF_WGT, 0, W, 1, wb, wb)
      << ld(BUF_OUT, 0, I, 1, m * n * 4, m * n * 4) << lmma(0, 0, 0, m, n, klen, wbits, accum)
      << st(BUF_OUT, 0, O, 1, m * n * 4, m * n * 4);
    p.halt();
    sim_stats s;
    run(a, p.p, &img, &s);
    for (uint32_t r = 0; r < m; r++)
        for (uint32_t col = 0; col < n; col++) {
            int64_t want = accum ? init[r * n + col] : 0;
            for (uint64_t c = 0; c < chunks; c++)
                for (uint32_t i = 0; i < wbits; i++)
                    want += (int64_t)pattern_sum(&act[r * chunks * tk + c * tk], tk,
                                                 pat[(c * wbits + i) * n + col]) *
                            ((int64_t)1 << i); // not "<< i": the sum may be negative
            ASSERT_EQ(get_i32(img, O + (r * n + col) * 4), (int32_t)want) << "row " << r << " col " << col;
        }
    // Events and their energy.
    const uint64_t lookups = (uint64_t)m * n * chunks * wbits;
    EXPECT_EQ(s.ev.table_reads, lookups);
    EXPECT_EQ(s.ev.accum_adds, lookups);
    EXPECT_EQ(s.ev.macs, (uint64_t)m * n * klen);
    EXPECT_DOUBLE_EQ(s.energy_pj_part[EN_LOOKUP], 0.25 * (double)lookups);
    EXPECT_DOUBLE_EQ(s.energy_pj_part[EN_ACCUMULATE], 0.125 * (double)lookups);
}

} // namespace

TEST(UnitLmma, MatchesHandComputationForEveryWeightWidth)
{
    for (uint32_t wbits = 1; wbits <= 8; wbits++)
        for (uint32_t accum = 0; accum <= 1; accum++)
            check_lmma(4, 3, 10, 7, wbits, accum, 100 + wbits * 2 + accum);
}

TEST(UnitLmma, OtherTableWidthsAndShapes)
{
    check_lmma(2, 2, 9, 5, 3, 0, 1);
    check_lmma(3, 5, 13, 11, 2, 1, 2);  // 3-bit fields straddle bytes
    check_lmma(5, 1, 7, 12, 4, 0, 3);
    check_lmma(7, 2, 5, 14, 2, 1, 4);
    check_lmma(8, 3, 3, 17, 8, 0, 5);   // 8-bit fields, short last chunk
    check_lmma(4, 4, 700, 16, 2, 1, 6); // wider than the 512 columns of the array
}

// ---- dq -------------------------------------------------------------------

namespace {

struct DqCase {
    uint32_t fmode, shift, accum;
};

void check_dq(DqCase c)
{
    SCOPED_TRACE("fmode " + std::to_string(c.fmode) + " shift " + std::to_string(c.shift) +
                 " accum " + std::to_string(c.accum));
    arch_t a = default_arch();
    const uint32_t m = 3, n = 5;
    std::mt19937 rng(c.fmode * 4 + c.shift * 2 + c.accum);
    std::vector<uint8_t> img(8192, 0);
    const uint64_t ACC = 0, SUM = 1024, META = 2048, DST = 3072, OUT = 4096;
    std::vector<int32_t> acc(m * n), sum(m), corr(n), prev(m * n);
    std::vector<float> scale(n), fprev(m * n);
    for (uint32_t j = 0; j < m * n; j++) {
        acc[j] = 2 * ((int32_t)(rng() % 20001) - 10000); // doubled sums are even
        put_i32(img, ACC + 4 * j, acc[j]);
    }
    for (uint32_t r = 0; r < m; r++) {
        sum[r] = 2 * ((int32_t)(rng() % 2001) - 1000); // keeps acc + corr*sum even
        put_i32(img, SUM + 4 * r, sum[r]);
    }
    for (uint32_t col = 0; col < n; col++) {
        corr[col] = 2 * (int32_t)(rng() % 8) - 7; // 2^W-1-2z: odd
        scale[col] = 0.001f * (float)(rng() % 1000 + 1);
        put_i32(img, META + 8 * col, corr[col]);
        put_f32(img, META + 8 * col + 4, scale[col]);
    }
    for (uint32_t j = 0; j < m * n; j++) {
        prev[j] = (int32_t)(rng() % 1001) - 500;
        fprev[j] = 0.25f * (float)prev[j];
        if (c.fmode)
            put_f32(img, DST + 4 * j, fprev[j]);
        else
            put_i32(img, DST + 4 * j, prev[j]);
    }
    Prog p;
    p << ld(BUF_OUT, 0, ACC, 1, m * n * 4, m * n * 4) << ld(BUF_TBL, 64, SUM, 1, m * 4, m * 4)
      << ld(BUF_WGT, 128, META, 1, n * 8, n * 8) << ld(BUF_OUT, 512, DST, 1, m * n * 4, m * n * 4)
      << dq(0, 64, 128, 512, m, n, c.accum, c.fmode, c.shift)
      << st(BUF_OUT, 512, OUT, 1, m * n * 4, m * n * 4);
    p.halt();
    sim_stats s;
    run(a, p.p, &img, &s);
    for (uint32_t r = 0; r < m; r++)
        for (uint32_t col = 0; col < n; col++) {
            const uint32_t j = r * n + col;
            // (acc + corr*sum) is the doubled group result, even by
            // construction; shift 1 halves it, shift 0 (binary) keeps it.
            int64_t twice = (int64_t)acc[j] + (int64_t)corr[col] * sum[r];
            int64_t g = c.shift ? twice / 2 : twice;
            if (c.fmode) {
                float prod = scale[col] * (float)g;
                float want = (c.accum ? fprev[j] : 0.0f) + prod;
                float got = get_f32(img, OUT + 4 * j);
                ASSERT_EQ(std::memcmp(&got, &want, 4), 0) << got << " vs " << want << " at " << j;
            } else {
                int64_t want = (c.accum ? prev[j] : 0) + g;
                ASSERT_EQ(get_i32(img, OUT + 4 * j), (int32_t)want) << "at " << j;
            }
        }
    EXPECT_EQ(s.ev.zp_macs, (uint64_t)m * n);
    EXPECT_EQ(s.ev.dequant_muls, c.fmode ? (uint64_t)m * n : 0u);
    EXPECT_DOUBLE_EQ(s.energy_pj_part[EN_DEQUANT], 2.0 * (double)(s.ev.zp_macs + s.ev.dequant_muls));
}

} // namespace

TEST(UnitDq, IntAndFloatModesShiftAndAccumulate)
{
    for (uint32_t fmode = 0; fmode <= 1; fmode++)
        for (uint32_t shift = 0; shift <= 1; shift++)
            for (uint32_t accum = 0; accum <= 1; accum++)
                check_dq({fmode, shift, accum});
}

TEST(UnitDq, HandWorkedExample)
{
    // acc = 10, corr = 3, sum = 4: (10 + 12) >> 1 = 11; scale 0.5 -> 5.5.
    arch_t a = default_arch();
    std::vector<uint8_t> img(1024, 0);
    put_i32(img, 0, 10);
    put_i32(img, 16, 4);
    put_i32(img, 32, 3);
    put_f32(img, 36, 0.5f);
    put_f32(img, 48, 100.0f); // previous float value for accum
    Prog p;
    p << ld(BUF_OUT, 0, 0, 1, 4, 4) << ld(BUF_TBL, 0, 16, 1, 4, 4) << ld(BUF_WGT, 0, 32, 1, 8, 8)
      << ld(BUF_OUT, 64, 48, 1, 4, 4)
      << dq(0, 0, 0, 128, 1, 1, 0, 0, 1)   // int: 11
      << dq(0, 0, 0, 192, 1, 1, 0, 0, 0)   // int, shift 0: 22
      << dq(0, 0, 0, 64, 1, 1, 1, 1, 1)    // float, accum: 100 + 5.5
      << st(BUF_OUT, 128, 100, 1, 4, 4) << st(BUF_OUT, 192, 104, 1, 4, 4)
      << st(BUF_OUT, 64, 108, 1, 4, 4);
    p.halt();
    sim_stats s;
    run(a, p.p, &img, &s);
    EXPECT_EQ(get_i32(img, 100), 11);
    EXPECT_EQ(get_i32(img, 104), 22);
    EXPECT_EQ(get_f32(img, 108), 105.5f);
}

// ---- vector unit ----------------------------------------------------------

namespace {

// Runs one vop on src (and src2) placed in the act buffer; the result goes
// to the output buffer and comes back as out_bytes bytes.
std::vector<uint8_t> run_vop(isa_vfn fn, const std::vector<uint8_t> &src,
                             const std::vector<uint8_t> &src2, uint32_t len, uint32_t out_bytes,
                             uint32_t imm = 0, sim_stats *sp = nullptr)
{
    arch_t a = default_arch();
    std::vector<uint8_t> img(16384, 0xAB);
    std::memcpy(img.data(), src.data(), src.size());
    if (!src2.empty())
        std::memcpy(img.data() + 4096, src2.data(), src2.size());
    Prog p;
    p << ld(BUF_ACT, 0, 0, 1, (uint32_t)src.size(), (uint32_t)src.size());
    if (!src2.empty())
        p << ld(BUF_ACT, 4096, 4096, 1, (uint32_t)src2.size(), (uint32_t)src2.size());
    p << vop(fn, BUF_ACT, 0, 4096, BUF_OUT, 256, len, imm)
      << st(BUF_OUT, 256, 8192, 1, out_bytes + 1, out_bytes + 1);
    p.halt();
    sim_stats s;
    run(a, p.p, &img, &s);
    if (sp)
        *sp = s;
    // The byte after the result was not written (the output buffer starts zeroed).
    EXPECT_EQ(img[8192 + out_bytes], 0);
    return std::vector<uint8_t>(img.begin() + 8192, img.begin() + 8192 + out_bytes);
}

std::vector<uint8_t> i32s(const std::vector<int32_t> &v)
{
    std::vector<uint8_t> b(v.size() * 4);
    for (size_t i = 0; i < v.size(); i++)
        put_i32(b, 4 * i, v[i]);
    return b;
}
std::vector<uint8_t> f32s(const std::vector<float> &v)
{
    std::vector<uint8_t> b(v.size() * 4);
    for (size_t i = 0; i < v.size(); i++)
        put_f32(b, 4 * i, v[i]);
    return b;
}
std::vector<float> as_f32(const std::vector<uint8_t> &b)
{
    std::vector<float> v(b.size() / 4);
    for (size_t i = 0; i < v.size(); i++)
        v[i] = get_f32(b, 4 * i);
    return v;
}
std::vector<int32_t> as_i32(const std::vector<uint8_t> &b)
{
    std::vector<int32_t> v(b.size() / 4);
    for (size_t i = 0; i < v.size(); i++)
        v[i] = get_i32(b, 4 * i);
    return v;
}

} // namespace

TEST(UnitVec, Copy)
{
    std::vector<uint8_t> src(100);
    for (size_t i = 0; i < src.size(); i++)
        src[i] = (uint8_t)(255 - i);
    sim_stats s;
    EXPECT_EQ(run_vop(VFN_COPY, src, {}, 100, 100, 0, &s), src);
    // 100 elements on 64 lanes: 2 cycles, 1 pass.
    EXPECT_EQ(s.unit[UNIT_VEC].busy_cycles, 2u);
    EXPECT_EQ(s.ev.vector_ops, 100u);
    EXPECT_DOUBLE_EQ(s.energy_pj_part[EN_VECTOR], 300.0);
}

TEST(UnitVec, AddI32Wraps)
{
    std::vector<int32_t> a = {1, -5, INT32_MAX, INT32_MIN, 123456789};
    std::vector<int32_t> b = {2, 3, 1, -1, -123456789};
    std::vector<int32_t> want = {3, -2, INT32_MIN, INT32_MAX, 0};
    EXPECT_EQ(as_i32(run_vop(VFN_ADD_I32, i32s(a), i32s(b), 5, 20)), want);
}

TEST(UnitVec, MulI32ShiftsTheProduct)
{
    std::vector<int32_t> a = {3, -7, 100000, -100000, 5};
    std::vector<int32_t> b = {4, 3, 100000, 100000, 5};
    // (a*b) >> 0 (wraps to 32 bits for the big ones), and >> 1, >> 20
    std::vector<int32_t> w0 = {12, -21, (int32_t)(uint32_t)10000000000LL, (int32_t)(uint32_t)-10000000000LL, 25};
    std::vector<int32_t> w1 = {6, -11, (int32_t)(uint32_t)5000000000LL, (int32_t)(uint32_t)-5000000000LL, 12};
    std::vector<int32_t> w20 = {0, -1, 9536, -9537, 0}; // floor(1e10 / 2^20) = 9536
    EXPECT_EQ(as_i32(run_vop(VFN_MUL_I32, i32s(a), i32s(b), 5, 20, 0)), w0);
    EXPECT_EQ(as_i32(run_vop(VFN_MUL_I32, i32s(a), i32s(b), 5, 20, 1)), w1);
    EXPECT_EQ(as_i32(run_vop(VFN_MUL_I32, i32s(a), i32s(b), 5, 20, 20)), w20);
}

TEST(UnitVec, RequantRoundsHalfAwayFromZeroAndSaturates)
{
    std::vector<int32_t> x = {5, -5, 3, -3, 6, -6, 7, -7, 1000, -1000, 254, 255, -257, 0};
    // imm = 1: x / 2 = 2.5 -2.5 1.5 -1.5 3 -3 3.5 -3.5 500 -500 127 127.5 -128.5 0
    std::vector<int8_t> w1 = {3, -3, 2, -2, 3, -3, 4, -4, 127, -128, 127, 127, -128, 0};
    // imm = 2: 1.25 -1.25 0.75 -0.75 1.5 -1.5 1.75 -1.75 250 -250 63.5 63.75 -64.25 0
    std::vector<int8_t> w2 = {1, -1, 1, -1, 2, -2, 2, -2, 127, -128, 64, 64, -64, 0};
    // imm = 0: plain saturation
    std::vector<int8_t> w0 = {5, -5, 3, -3, 6, -6, 7, -7, 127, -128, 127, 127, -128, 0};
    const uint32_t n = (uint32_t)x.size();
    for (auto c : {std::make_pair(1u, w1), std::make_pair(2u, w2), std::make_pair(0u, w0)}) {
        std::vector<uint8_t> got = run_vop(VFN_REQUANT_I8, i32s(x), {}, n, n, c.first);
        for (uint32_t i = 0; i < n; i++)
            EXPECT_EQ((int8_t)got[i], c.second[i]) << "x " << x[i] << " imm " << c.first;
    }
}

TEST(UnitVec, AddAndMulF32AreExact)
{
    std::vector<float> a = {1.5f, -2.25f, 1e30f, 3.0f, 0.1f, -0.0f};
    std::vector<float> b = {0.25f, 2.25f, 1e30f, 1.0f / 3.0f, 0.2f, 0.0f};
    std::vector<float> s = as_f32(run_vop(VFN_ADD_F32, f32s(a), f32s(b), 6, 24));
    std::vector<float> m = as_f32(run_vop(VFN_MUL_F32, f32s(a), f32s(b), 6, 24));
    for (size_t i = 0; i < a.size(); i++) {
        float ws = a[i] + b[i], wm = a[i] * b[i];
        EXPECT_EQ(std::memcmp(&s[i], &ws, 4), 0) << i;
        EXPECT_EQ(std::memcmp(&m[i], &wm, 4), 0) << i;
    }
    EXPECT_TRUE(std::isinf(m[2]));
}

TEST(UnitVec, SiluAndGelu)
{
    std::vector<float> x = {-8.0f, -3.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 2.0f, 6.0f};
    const uint32_t n = (uint32_t)x.size();
    sim_stats s;
    std::vector<float> si = as_f32(run_vop(VFN_SILU_F32, f32s(x), {}, n, 4 * n, 0, &s));
    EXPECT_EQ(s.ev.vector_ops, 4u * n); // four passes
    std::vector<float> ge = as_f32(run_vop(VFN_GELU_F32, f32s(x), {}, n, 4 * n));
    for (uint32_t i = 0; i < n; i++) {
        double v = x[i];
        double wsilu = v / (1.0 + std::exp(-v));
        double wgelu = 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
        EXPECT_NEAR(si[i], wsilu, 1e-5 * (1 + std::fabs(wsilu))) << v;
        EXPECT_NEAR(ge[i], wgelu, 1e-5 * (1 + std::fabs(wgelu))) << v;
    }
    EXPECT_EQ(si[4], 0.0f);
    EXPECT_EQ(ge[4], 0.0f);
    EXPECT_NEAR(si[6], 0.7310586, 1e-6); // silu(1) = 1 / (1 + e^-1)
    EXPECT_NEAR(ge[6], 0.8411920, 1e-6); // gelu_tanh(1)
}

TEST(UnitVec, RmsNorm)
{
    std::vector<float> x(70);
    for (size_t i = 0; i < x.size(); i++)
        x[i] = (float)((int)(i * 7 % 23) - 11) * 0.3f;
    const uint32_t n = (uint32_t)x.size();
    sim_stats s;
    std::vector<float> y = as_f32(run_vop(VFN_RMSNORM_F32, f32s(x), {}, n, 4 * n, 0, &s));
    double ss = 0;
    for (float v : x)
        ss += (double)v * v;
    double inv = 1.0 / std::sqrt(ss / n + 1e-6);
    double ms = 0;
    for (uint32_t i = 0; i < n; i++) {
        EXPECT_NEAR(y[i], x[i] * inv, 1e-5) << i;
        ms += (double)y[i] * y[i];
    }
    EXPECT_NEAR(ms / n, 1.0, 1e-4);
    // 70 elements on 64 lanes, three passes: 2 * 3 cycles.
    EXPECT_EQ(s.unit[UNIT_VEC].busy_cycles, 6u);
}

TEST(UnitVec, SoftmaxSumsToOne)
{
    std::vector<float> x = {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 80.0f, 79.0f, -100.0f};
    const uint32_t n = (uint32_t)x.size();
    std::vector<float> y = as_f32(run_vop(VFN_SOFTMAX_F32, f32s(x), {}, n, 4 * n));
    double mx = 80.0, den = 0, sum = 0;
    for (float v : x)
        den += std::exp((double)v - mx);
    for (uint32_t i = 0; i < n; i++) {
        EXPECT_NEAR(y[i], std::exp((double)x[i] - mx) / den, 1e-6) << i;
        EXPECT_GE(y[i], 0.0f);
        sum += y[i];
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
    EXPECT_GT(y[5], y[6]);
    EXPECT_GT(y[2], y[1]);
}

TEST(UnitVec, QuantF32RoundsAndSaturates)
{
    std::vector<float> x = {0.5f, -0.5f, 1.5f, -1.5f, 2.5f, 0.24f, 0.26f, -0.74f, 200.0f, -200.0f,
                            3e20f, -3e20f, 63.4f};
    const uint32_t n = (uint32_t)x.size();
    // imm = 0: round(x) with halves away from zero, as requant_i8 does.
    std::vector<int8_t> w0 = {1, -1, 2, -2, 3, 0, 0, -1, 127, -128, 127, -128, 63};
    // imm = 2: round(4x)
    std::vector<int8_t> w2 = {2, -2, 6, -6, 10, 1, 1, -3, 127, -128, 127, -128, 127};
    std::vector<uint8_t> g0 = run_vop(VFN_QUANT_F32, f32s(x), {}, n, n, 0);
    std::vector<uint8_t> g2 = run_vop(VFN_QUANT_F32, f32s(x), {}, n, n, 2);
    for (uint32_t i = 0; i < n; i++) {
        EXPECT_EQ((int8_t)g0[i], w0[i]) << "x " << x[i] << " imm 0";
        EXPECT_EQ((int8_t)g2[i], w2[i]) << "x " << x[i] << " imm 2";
    }
}

TEST(UnitVec, InPlaceAndChainedOperations)
{
    // residual add then requant, in the output buffer, in place.
    arch_t a = default_arch();
    std::vector<uint8_t> img(4096, 0);
    for (int i = 0; i < 8; i++) {
        put_i32(img, 4 * i, 100 * i);
        put_i32(img, 64 + 4 * i, -3 * i);
    }
    Prog p;
    p << ld(BUF_OUT, 0, 0, 1, 96, 96)
      << vop(VFN_ADD_I32, BUF_OUT, 0, 64, BUF_OUT, 0, 8)
      << vop(VFN_REQUANT_I8, BUF_OUT, 0, 0, BUF_ACT, 8, 8, 3)
      << st(BUF_ACT, 8, 1000, 1, 8, 8);
    p.halt();
    sim_stats s;
    run(a, p.p, &img, &s);
    for (int i = 0; i < 8; i++) {
        double v = (97.0 * i) / 8.0;
        int want = (int)std::floor(v + 0.5);
        if (want > 127) want = 127;
        EXPECT_EQ((int8_t)img[1000 + i], want) << i;
    }
}

// ---- control --------------------------------------------------------------

TEST(UnitCtrl, BarrierAndHalt)
{
    arch_t a = default_arch();
    std::vector<uint8_t> img(1024, 0);
    for (int i = 0; i < 64; i++)
        img[i] = (uint8_t)i;
    Prog p;
    p << ld(BUF_ACT, 0, 0, 1, 64, 64) << blank(OP_BARRIER) << st(BUF_ACT, 0, 512, 1, 64, 64);
    p.halt();
    // Nothing after halt executes.
    p << st(BUF_ACT, 0, 256, 1, 64, 64);
    sim_stats s;
    run(a, p.p, &img, &s);
    for (int i = 0; i < 64; i++) {
        EXPECT_EQ(img[512 + i], i);
        EXPECT_EQ(img[256 + i], 0);
    }
    EXPECT_EQ(s.instructions, 4u); // load, barrier, store, halt
    EXPECT_EQ(s.unit[UNIT_CTRL].instructions, 2u);
    EXPECT_EQ(s.unit[UNIT_DMA].instructions, 2u);
    // The store starts after the load completed: two full transfers back to back.
    const uint64_t one = (uint64_t)a.dram_latency + 1; // 64 bytes at 64 B/cycle
    EXPECT_EQ(s.cycles, 2 * one + 1);                  // +1: the store dispatches after the barrier
}

TEST(UnitCtrl, HaltOnlyProgram)
{
    arch_t a = default_arch();
    Prog p;
    p.halt();
    sim_stats s;
    std::vector<uint8_t> img(64, 0);
    run(a, p.p, &img, &s);
    EXPECT_EQ(s.cycles, 0u);
    EXPECT_EQ(s.instructions, 1u);
    EXPECT_EQ(s.energy_pj, 0.0);
}

// ---- a whole GEMM ---------------------------------------------------------

namespace {

struct GemmCase {
    lut_wtype wt;
    int m, n, kd, group;
    int float_out;
};

std::vector<int8_t> random_weights(lut_wtype wt, size_t count, std::mt19937 &rng)
{
    int lo, hi;
    lut_wtype_range(wt, &lo, &hi);
    std::vector<int8_t> w(count);
    for (auto &v : w) {
        int x;
        do
            x = lo + (int)(rng() % (unsigned)(hi - lo + 1));
        while (!lut_wtype_admits(wt, x));
        v = (int8_t)x;
    }
    return w;
}

// Runs the GEMM on the C model; returns the stats.
sim_stats run_gemm(const arch_t &a, const GemmCase &c, uint32_t seed, int *tiles_m = nullptr)
{
    SCOPED_TRACE(std::string(lut_wfmt_name(c.wt.fmt)) + std::to_string(c.wt.bits) + " " +
                 std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.kd) +
                 " g" + std::to_string(c.group) + (c.float_out ? " float" : " int") + " tk " +
                 std::to_string(a.tile_k) + " cores " + std::to_string(a.lut_cores));
    std::mt19937 rng(seed);
    std::vector<int8_t> act((size_t)c.m * c.kd);
    for (auto &v : act)
        v = (int8_t)(rng() % 256);
    std::vector<int8_t> w = random_weights(c.wt, (size_t)c.n * c.kd, rng);
    const int ngroups = (c.kd + c.group - 1) / c.group;
    std::vector<int32_t> z2;
    if (c.wt.fmt == LUT_WFMT_UINT) {
        z2.resize((size_t)c.n * ngroups);
        for (auto &z : z2)
            z = (int32_t)(rng() % (unsigned)(2 * ((1 << c.wt.bits) - 1) + 1));
    }
    std::vector<float> scales((size_t)c.n * ngroups);
    for (auto &s : scales)
        s = (float)(rng() % 1000 + 1) / 4096.0f;

    gemm_shape gs;
    std::memset(&gs, 0, sizeof gs);
    gs.wtype = c.wt;
    gs.group_size = c.group;
    gs.m = c.m;
    gs.n = c.n;
    gs.kd = c.kd;
    gs.float_out = c.float_out;
    program p;
    gemm_layout lay;
    char err[512];
    sim_stats st;
    std::memset(&st, 0, sizeof st);
    if (gemm_lower(&a, &gs, &p, &lay, err, sizeof err) != 0) {
        ADD_FAILURE() << "gemm_lower: " << err;
        return st;
    }
    if (tiles_m)
        *tiles_m = (c.m + lay.mt - 1) / lay.mt;
    std::vector<uint8_t> img(lay.image_bytes);
    const int32_t *zp = z2.empty() ? nullptr : z2.data();
    EXPECT_EQ(gemm_fill(&a, &gs, &lay, act.data(), w.data(), zp, scales.data(), img.data(), err,
                        sizeof err), 0) << err;
    // Where C lands must not leak from the inputs: poison it.
    std::fill(img.begin() + (long)lay.c_addr, img.end(), 0x5A);
    run(a, p, &img, &st);
    program_free(&p);
    const size_t mn = (size_t)c.m * c.n;
    if (c.float_out) {
        std::vector<float> want(mn);
        ref_gemm_f32(c.wt, act.data(), w.data(), zp, scales.data(), c.group, c.m, c.n, c.kd, want.data());
        EXPECT_EQ(std::memcmp(img.data() + lay.c_addr, want.data(), mn * 4), 0);
        for (size_t j = 0; j < mn; j++)
            if (get_f32(img, lay.c_addr + 4 * j) != want[j]) {
                ADD_FAILURE() << "first mismatch at " << j << ": " << get_f32(img, lay.c_addr + 4 * j)
                              << " vs " << want[j];
                break;
            }
    } else {
        std::vector<int64_t> want(mn);
        ref_gemm_i64(c.wt, act.data(), w.data(), zp, c.group, c.m, c.n, c.kd, want.data());
        for (size_t j = 0; j < mn; j++) {
            if (get_i32(img, lay.c_addr + 4 * j) != (int32_t)want[j]) {
                ADD_FAILURE() << "mismatch at row " << j / c.n << " col " << j % c.n << ": "
                              << get_i32(img, lay.c_addr + 4 * j) << " vs " << want[j];
                break;
            }
        }
    }
    EXPECT_EQ(st.ev.macs, (uint64_t)c.m * c.n * c.kd);
    return st;
}

lut_wtype wint(int b) { return lut_wtype{LUT_WFMT_INT, b}; }
lut_wtype wuint(int b) { return lut_wtype{LUT_WFMT_UINT, b}; }
const lut_wtype kTernary{LUT_WFMT_TERNARY, 2};
const lut_wtype kBinary{LUT_WFMT_BINARY, 1};

} // namespace

TEST(GemmOnModel, ExactOnDefaultArch)
{
    arch_t a = default_arch();
    const GemmCase cases[] = {
        {wint(2), 5, 70, 300, 128, 0},  {wint(4), 3, 513, 256, 64, 0}, {wint(8), 2, 40, 130, 128, 0},
        {kTernary, 4, 33, 99, 32, 0},   {kBinary, 7, 65, 200, 128, 0}, {wuint(3), 3, 50, 77, 16, 0},
        {wint(3), 1, 600, 129, 128, 0}, {wuint(1), 2, 20, 40, 40, 0},
    };
    uint32_t seed = 1;
    for (const GemmCase &c : cases)
        run_gemm(a, c, seed++);
}

TEST(GemmOnModel, EveryTableWidth)
{
    for (int tk = 2; tk <= 8; tk++) {
        arch_t a = default_arch();
        a.tile_k = tk;
        run_gemm(a, {wint(2), 3, 70, 150, 64, 0}, 10 + tk);
        run_gemm(a, {kTernary, 2, 30, 37, 37, 0}, 20 + tk); // group not a multiple of tk
    }
}

TEST(GemmOnModel, OneCoreAndTinyBuffersForceManyTiles)
{
    arch_t a = default_arch();
    a.lut_cores = 1;
    a.tile_n = 16;
    a.buf[BUF_ACT] = {1, 1, 128, 1};
    a.buf[BUF_WGT] = {2, 2, 64, 1};
    a.buf[BUF_TBL] = {2, 1, 256, 1};
    a.buf[BUF_OUT] = {2, 2, 128, 2};
    char err[256];
    ASSERT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    int mtiles = 0;
    run_gemm(a, {wint(4), 9, 45, 100, 32, 0}, 31, &mtiles);
    EXPECT_GT(mtiles, 1);
    run_gemm(a, {kTernary, 10, 33, 64, 16, 1}, 32, &mtiles);
    EXPECT_GT(mtiles, 1);
    a.tile_k = 3;
    run_gemm(a, {wint(2), 5, 17, 90, 30, 0}, 33);
}

TEST(GemmOnModel, FloatOutputIsBitExact)
{
    arch_t a = default_arch();
    run_gemm(a, {wint(2), 4, 100, 512, 128, 1}, 41);
    run_gemm(a, {wint(4), 3, 70, 200, 64, 1}, 42); // short last group
    run_gemm(a, {kTernary, 2, 600, 128, 32, 1}, 43);
    run_gemm(a, {kBinary, 5, 30, 64, 64, 1}, 44);
    run_gemm(a, {wuint(4), 3, 20, 96, 32, 1}, 45);
    a.tile_k = 6;
    a.lut_cores = 2;
    run_gemm(a, {wint(3), 3, 300, 100, 50, 1}, 46);
}

// ---- timing-only == functional -------------------------------------------

namespace {

void expect_same_stats(const sim_stats &x, const sim_stats &y)
{
    EXPECT_EQ(x.cycles, y.cycles);
    EXPECT_EQ(x.instructions, y.instructions);
    EXPECT_EQ(x.stall_queue_full, y.stall_queue_full);
    EXPECT_EQ(std::memcmp(&x.ev, &y.ev, sizeof x.ev), 0);
    for (int u = 0; u < UNIT_COUNT; u++) {
        EXPECT_EQ(x.unit[u].instructions, y.unit[u].instructions) << u;
        EXPECT_EQ(x.unit[u].busy_cycles, y.unit[u].busy_cycles) << u;
        EXPECT_EQ(x.unit[u].stall_dependency, y.unit[u].stall_dependency) << u;
        EXPECT_EQ(x.unit[u].stall_dram, y.unit[u].stall_dram) << u;
    }
    EXPECT_EQ(x.energy_pj, y.energy_pj);
    for (int i = 0; i < EN_COUNT; i++)
        EXPECT_EQ(x.energy_pj_part[i], y.energy_pj_part[i]) << sim_energy_names[i];
}

} // namespace

TEST(TimingOnly, SameStatsAsFunctional)
{
    struct V {
        arch_t a;
        gemm_shape s;
    };
    std::vector<V> vs;
    arch_t a = default_arch();
    gemm_shape g;
    std::memset(&g, 0, sizeof g);
    g.wtype = wint(2);
    g.group_size = 128;
    g.m = 20;
    g.n = 700;
    g.kd = 384;
    vs.push_back({a, g});
    g.float_out = 1;
    g.wtype = kTernary;
    vs.push_back({a, g});
    arch_t small = a;
    small.lut_cores = 1;
    small.queue_depth = 1;
    small.buf[BUF_ACT] = {4, 1, 128, 1};
    g.m = 12;
    g.n = 100;
    g.kd = 200;
    g.group_size = 32;
    vs.push_back({small, g});
    for (const V &v : vs) {
        program p;
        gemm_layout lay;
        char err[512];
        ASSERT_EQ(gemm_lower(&v.a, &v.s, &p, &lay, err, sizeof err), 0) << err;
        std::mt19937 rng(3);
        std::vector<int8_t> act((size_t)v.s.m * v.s.kd), w = random_weights(v.s.wtype, (size_t)v.s.n * v.s.kd, rng);
        for (auto &x : act)
            x = (int8_t)(rng() % 256);
        std::vector<uint8_t> img(lay.image_bytes);
        ASSERT_EQ(gemm_fill(&v.a, &v.s, &lay, act.data(), w.data(), nullptr, nullptr, img.data(), err, sizeof err), 0);
        sim_stats f, t;
        run(v.a, p, &img, &f);
        run(v.a, p, nullptr, &t);
        expect_same_stats(f, t);
        EXPECT_GT(t.cycles, 0u);
        EXPECT_GT(t.ev.dram_read_bytes, 0u);
        program_free(&p);
    }
    // And a hand-built program using every unit.
    Prog p;
    p << ld(BUF_ACT, 0, 0, 4, 16, 32) << tprec(0, 0, 1024, 4, 16, 16) << ld(BUF_WGT, 0, 256, 1, 256, 256)
      << lmma(0, 0, 0, 4, 64, 16, 2, 0) << ld(BUF_WGT, 4096, 1024, 1, 512, 512)
      << dq(0, 1024, 4096, 2048, 4, 64, 0, 1, 1) << blank(OP_BARRIER)
      << vop(VFN_SOFTMAX_F32, BUF_OUT, 2048, 0, BUF_OUT, 2048, 256)
      << vop(VFN_QUANT_F32, BUF_OUT, 2048, 0, BUF_ACT, 512, 256, 4) << st(BUF_ACT, 512, 3000, 2, 128, 200);
    p.halt();
    std::vector<uint8_t> img(4096, 1);
    sim_stats f, t;
    run(a, p.p, &img, &f);
    run(a, p.p, nullptr, &t);
    expect_same_stats(f, t);
}
