// No silent integer overflow (issue 8, item 2): checked 64-bit counts, GEMM
// sizes past 32 bits, MAC totals near 2^63 equal to their closed forms,
// refusals that name the option, the LUT array's 32-bit accumulator as a
// run-time error naming the instruction (C model and RTL), compiler output
// that never trips it, strict option parsing and the warnings of `run`.
#include <gtest/gtest.h>

#include <jansson.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "count.h"
#include "gemm.h"
#include "lower.h"
#include "lut_gemm.h"
#include "model.h"
extern "C" {
#include "periodic.h" /* compiler-internal, no C++ guard */
}
#include "program.h"
#include "ref_gemm.h"
#include "sim.h"
#include "run_argv.h"

namespace {

using Tmp = testproc::TmpDir;
using Cmd = testproc::CliResult;
using testproc::lutsim;

int lines(const std::string &s)
{
    int n = 0;
    for (char c : s)
        n += c == '\n';
    return n;
}

bool has(const std::string &s, const std::string &what) { return s.find(what) != std::string::npos; }

// The 405B-class config of the issue (Llama-3.1-405B's shapes).
const char *k405 = R"({"model_type": "llama", "hidden_size": 16384, "intermediate_size": 53248,
  "num_attention_heads": 128, "num_key_value_heads": 8, "num_hidden_layers": 126,
  "vocab_size": 128256, "max_position_embeddings": 131072})";

model_cfg cfg405()
{
    model_cfg m;
    model_cfg_init(&m, MODEL_LLAMA);
    m.hidden_size = 16384;
    m.intermediate_size = 53248;
    m.num_attention_heads = 128;
    m.num_key_value_heads = 8;
    m.num_hidden_layers = 126;
    m.vocab_size = 128256;
    char err[256];
    EXPECT_EQ(model_cfg_finish(&m, err, sizeof err), 0) << err;
    return m;
}

// Closed forms (README "MACs"), in 128 bits so the test itself cannot wrap:
// linear = T L (q + k + v + o + 3 h i) + B h V, prefill attention
// B L heads hd S (S + 1).
typedef unsigned __int128 u128;
u128 linear_closed(u128 B, u128 S)
{
    const u128 h = 16384, im = 53248, H = 128, kv = 8, hd = 128, L = 126, V = 128256;
    return B * S * L * (h * H * hd + 2 * h * kv * hd + H * hd * h + 3 * h * im) + B * h * V;
}
u128 attention_closed(u128 B, u128 S) { return B * 126 * 128 * 128 * S * (S + 1); }

// Every number in a JSON document, recursively.
void numbers(json_t *j, std::vector<double> *out)
{
    if (json_is_number(j)) {
        out->push_back(json_number_value(j));
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) numbers(v, out);
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) numbers(v, out);
    }
}

json_int_t ival(json_t *o, const char *key) { return json_integer_value(json_object_get(o, key)); }

json_t *op_named(json_t *phase, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(phase, "ops"), i, o)
    if (std::string(json_string_value(json_object_get(o, "name"))) == name)
        return o;
    return nullptr;
}

} // namespace

// ---- count.h ---------------------------------------------------------------

TEST(Count, ProductsAndSumsStopAt2To63)
{
    int ovf = 0;
    EXPECT_EQ(count_add(COUNT_MAX - 1, 1, &ovf), COUNT_MAX);
    EXPECT_EQ(ovf, 0);
    EXPECT_EQ(count_add(COUNT_MAX, 1, &ovf), COUNT_MAX); // 2^63: a negative int64
    EXPECT_EQ(ovf, 1);
    ovf = 0;
    EXPECT_EQ(count_mul(1ull << 32, (1ull << 31) - 1, &ovf), (1ull << 63) - (1ull << 32));
    EXPECT_EQ(ovf, 0);
    count_mul(1ull << 32, 1ull << 31, &ovf);
    EXPECT_EQ(ovf, 1);
    ovf = 0;
    count_mul(1ull << 40, 1ull << 40, &ovf); // wraps a uint64 too
    EXPECT_EQ(ovf, 1);
    ovf = 0;
    EXPECT_EQ(count_mul3(0, 1ull << 40, 1ull << 40, &ovf), 0u); // zero is exact
    EXPECT_EQ(ovf, 0);
    EXPECT_EQ(count_mul3(1ull << 20, 1ull << 21, 1ull << 21, &ovf), 1ull << 62);
    EXPECT_EQ(ovf, 0);
    EXPECT_EQ(count_addmul(5, 1ull << 31, 1ull << 31, &ovf), (1ull << 62) + 5);
    EXPECT_EQ(ovf, 0);
    count_addmul(1ull << 62, 1ull << 31, 1ull << 31, &ovf);
    EXPECT_EQ(ovf, 1);
    // sticky: a later good operation does not clear it
    EXPECT_EQ(count_add(1, 2, &ovf), 3u);
    EXPECT_EQ(ovf, 1);
}

TEST(Count, StatisticsRefuseToWrap)
{
    sim_stats a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    b.cycles = 1ull << 40;
    b.ev.macs = 3;
    ASSERT_EQ(sim_stats_add(&a, &b, 1ull << 22), 0);
    EXPECT_EQ(a.cycles, 1ull << 62);
    EXPECT_EQ(a.ev.macs, 3ull << 22);
    EXPECT_EQ(sim_stats_add(&a, &b, 1ull << 22), -1); // 2^63 cycles

    // fast-forward: 4 tiles -> 6 tiles adds 2 tiles' cost; extended exactly
    sim_stats s4, s6;
    memset(&s4, 0, sizeof s4);
    memset(&s6, 0, sizeof s6);
    s4.cycles = 1000;
    s6.cycles = 1000 + 2 * 777;
    s4.unit[UNIT_DMA].stall_dependency = 50; // shrinks with more tiles
    s6.unit[UNIT_DMA].stall_dependency = 40;
    sim_stats x = s4;
    ASSERT_EQ(periodic_extend(&x, &s6, 4 + 1000001), 0);
    EXPECT_EQ(x.cycles, 1000 + 777ull * 1000001); // exact, odd tile count
    EXPECT_EQ(x.unit[UNIT_DMA].stall_dependency, 0u); // not a wrapped negative
    x = s4;
    ASSERT_EQ(periodic_extend(&x, &s6, 4 + 9), 0);
    EXPECT_EQ(x.unit[UNIT_DMA].stall_dependency, 5u); // 50 - 10 x 9 / 2
    x = s4;
    EXPECT_EQ(periodic_extend(&x, &s6, 1ull << 62), -1); // 777 x 2^62 cycles
}

// ---- the model graph ---------------------------------------------------------

TEST(ModelCounts, A405BPhaseNear2To63EqualsItsClosedForm)
{
    model_cfg m = cfg405();
    // B x S = 1536 x 8192: 5.27e18 MACs, above 2^62
    model_phase ph = {MODEL_PREFILL, 1536, 8192, 0};
    model_totals t;
    char err[512];
    ASSERT_EQ(model_phase_totals(&m, &ph, &t, err, sizeof err), 0) << err;
    EXPECT_EQ(t.tokens, 1536ull * 8192);
    EXPECT_TRUE((u128)t.linear_macs == linear_closed(1536, 8192));
    EXPECT_TRUE((u128)t.attention_macs == attention_closed(1536, 8192));
    EXPECT_GT(t.linear_macs + t.attention_macs, 1ull << 62);
    EXPECT_EQ(t.linear_macs + t.attention_macs, 5266707492863213568ull); // written out by hand

    // the issue's case: batch 128 x seq 131072 is 1.13e19 MACs > 2^63 - 1
    ASSERT_TRUE(linear_closed(128, 131072) + attention_closed(128, 131072) > (u128)COUNT_MAX);
    model_phase big = {MODEL_PREFILL, 128, 131072, 0};
    EXPECT_EQ(model_phase_totals(&m, &big, &t, err, sizeof err), -1);
    EXPECT_TRUE(has(err, "MACs")) << err;
    EXPECT_TRUE(has(err, "1.13e+19")) << err;
    EXPECT_TRUE(has(err, "2^63 - 1")) << err;

    // one operation alone overflowing is named
    model_phase huge = {MODEL_PREFILL, 65536, 1 << 20, 0};
    EXPECT_EQ(model_phase_totals(&m, &huge, &t, err, sizeof err), -1);
    EXPECT_TRUE(has(err, "layer.q_proj")) << err;
    EXPECT_EQ(model_phase_tokens(&huge), 1ull << 36);
}

TEST(ModelCounts, KvCacheBytes)
{
    model_cfg m = cfg405();
    model_phase d = {MODEL_DECODE, 3, 0, 1000};
    uint64_t b = 0;
    ASSERT_EQ(model_kv_cache_bytes(&m, &d, &b), 0);
    EXPECT_EQ(b, 2ull * 126 * 8 * 128 * 1000 * 3); // K and V, INT8
    model_phase p = {MODEL_PREFILL, 2, 4096, 7};
    ASSERT_EQ(model_kv_cache_bytes(&m, &p, &b), 0);
    EXPECT_EQ(b, 2ull * 126 * 8 * 128 * 4096 * 2); // prefill: S keys, context ignored
    m.num_key_value_heads = 128;
    m.head_dim = 4096;
    m.num_attention_heads = 128;
    m.num_hidden_layers = 4096;
    model_phase far = {MODEL_DECODE, 65536, 0, 1 << 20};
    EXPECT_EQ(model_kv_cache_bytes(&m, &far, &b), -1); // 2^73 bytes
    EXPECT_EQ(b, COUNT_MAX);
}

// ---- GEMM shapes past 32 bits ------------------------------------------------

TEST(GemmShapes, RowsPast2To32AreTiledNotTruncated)
{
    arch_t a;
    arch_ideal(&a);
    gemm_shape s;
    memset(&s, 0, sizeof s);
    s.wtype = {LUT_WFMT_INT, 2};
    s.group_size = 128;
    s.n = 128;
    s.kd = 128;
    // three row counts with the same last M-tile: the cycles must grow
    // exactly linearly in the M-tile count (the fast-forward's model), so
    // nothing was cut at 2^31 or 2^32
    gemm_layout lay;
    char err[512];
    s.m = 1ull << 33;
    ASSERT_EQ(gemm_lower(&a, &s, nullptr, &lay, err, sizeof err), 0) << err;
    const uint64_t mt = (uint64_t)lay.mt;
    ASSERT_GT(mt, 1u);
    const uint64_t tiles[3] = {1000, (1ull << 32) / mt + 3, (1ull << 33) / mt + 5};
    sim_stats st[3];
    for (int i = 0; i < 3; i++) {
        s.m = tiles[i] * mt - 7;
        int sampled = 0;
        ASSERT_EQ(gemm_timing(&a, nullptr, &s, &st[i], &sampled, err, sizeof err), 0) << err;
        EXPECT_TRUE(sampled);
        EXPECT_EQ(st[i].ev.macs, s.m * 128 * 128);
    }
    EXPECT_GT(tiles[2] * mt, 1ull << 33);
    const uint64_t d1 = st[1].cycles - st[0].cycles, d2 = st[2].cycles - st[1].cycles;
    ASSERT_EQ(d1 % (tiles[1] - tiles[0]), 0u);
    EXPECT_EQ(d1 / (tiles[1] - tiles[0]), d2 / (tiles[2] - tiles[1]));
    EXPECT_EQ(d1 * (tiles[2] - tiles[1]), d2 * (tiles[1] - tiles[0]));

    // a memory image past 2^63 bytes is refused, not wrapped
    s.m = 1ull << 40;
    s.n = 1 << 24;
    EXPECT_EQ(gemm_lower(&a, &s, nullptr, &lay, err, sizeof err), -1);
    EXPECT_TRUE(has(err, "2^63")) << err;
}

TEST(GemmShapes, OutputRowsWiderThanTheStrideFieldAreStoredRowByRow)
{
    // C rows of n x 4 bytes: past the 24-bit DMA stride when n > 4194303
    arch_t a;
    arch_ideal(&a);
    gemm_shape s;
    memset(&s, 0, sizeof s);
    s.wtype = {LUT_WFMT_INT, 2};
    s.group_size = 128;
    s.m = 3;
    s.n = (1 << 22) + 64;
    s.kd = 8;
    program p;
    gemm_layout lay;
    char err[512];
    ASSERT_EQ(gemm_lower(&a, &s, &p, &lay, err, sizeof err), 0) << err;
    std::vector<std::pair<uint64_t, uint64_t>> stored;
    for (size_t i = 0; i < p.n; i++) {
        const isa_instr &in = p.ins[i];
        if (in.op != OP_STORE)
            continue;
        for (uint32_t r = 0; r < in.rows; r++)
            stored.push_back({in.dram + (uint64_t)r * in.stride,
                              in.dram + (uint64_t)r * in.stride + in.bytes});
    }
    std::sort(stored.begin(), stored.end());
    uint64_t at = lay.c_addr; // every byte of C exactly once
    for (auto &r : stored) {
        ASSERT_EQ(r.first, at);
        at = r.second;
    }
    EXPECT_EQ(at, lay.c_addr + s.m * (uint64_t)s.n * 4);
    program_free(&p);
}

// ---- the LUT array's 32-bit accumulator --------------------------------------

namespace {

// Table entries all v (int16), 300 chunks of K = 4 (default arch): the
// program loads them, then one lmma of 1 x 1 over klen with 8 bit-planes,
// weights all index 0 (entry 0, not negated), then stores the accumulator.
std::string acc_program(int klen)
{
    return "load buf=table sram=0x0 rows=1 bytes=4800 dram=0x0 stride=4800\n"
           "lmma tbl=0x0 wgt=0x100 acc=0x0 m=1 n=1 klen=" + std::to_string(klen) +
           " wbits=8 accum=0\n"
           "store buf=output sram=0x0 rows=1 bytes=4 dram=0x2000 stride=4\n"
           "halt\n";
}

// alternate: chunks (16 bytes of table each) take v and -v in turn
std::vector<uint8_t> acc_image(int16_t v, bool alternate = false)
{
    std::vector<uint8_t> img(0x2000 + 64, 0);
    for (int i = 0; i < 4800; i += 2) {
        const uint16_t e = (uint16_t)(alternate && (i / 16) % 2 ? -v : v);
        img[i] = (uint8_t)(e & 0xff);
        img[i + 1] = (uint8_t)(e >> 8);
    }
    return img;
}

int run_acc(int klen, int16_t v, int32_t *result, std::string *err, bool alternate = false)
{
    arch_t a;
    arch_ideal(&a);
    program p;
    char e[512];
    if (program_from_asm(acc_program(klen).c_str(), &p, e, sizeof e) != 0) {
        *err = e;
        return -1;
    }
    std::vector<uint8_t> img = acc_image(v, alternate);
    sim_opts o{};
    o.dram = img.data();
    o.dram_size = img.size();
    sim_stats st;
    int rc = sim_run(&a, nullptr, &p, &o, &st, e, sizeof e);
    *err = rc ? e : "";
    memcpy(result, img.data() + 0x2000, 4);
    // timing-only cannot see data: the same program runs
    sim_stats t;
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &t, e, sizeof e), 0) << e;
    program_free(&p);
    return rc;
}

} // namespace

TEST(Accumulator, OverflowIsARunTimeErrorNamingTheInstruction)
{
    // Each chunk adds 32767 x (2^8 - 1) = 8355585; after 257 chunks the sum
    // is 2147385345, then chunk 257 adds 32767, 65534 (2147483646, still
    // int32) and 131068 at bit-plane 2: past 2^31 - 1.
    int32_t r = 0;
    std::string err;
    ASSERT_EQ(run_acc(257 * 4, 32767, &r, &err), 0) << err;
    EXPECT_EQ(r, 2147385345);
    ASSERT_EQ(run_acc(258 * 4, 32767, &r, &err), -1);
    EXPECT_TRUE(has(err, "instruction 1 (lmma): accumulator overflow")) << err;
    EXPECT_TRUE(has(err, "output [0][0]")) << err;
    EXPECT_TRUE(has(err, "bit-plane 2 of table chunk 257")) << err;
    EXPECT_EQ(lines(err), 0) << err;

    // Downwards: -32768 x 255 per chunk; after 257 chunks -2147450880, then
    // -32768 reaches INT32_MIN exactly (allowed) and bit-plane 1 passes it.
    ASSERT_EQ(run_acc(257 * 4 + 1, -32768, &r, &err), -1);
    EXPECT_TRUE(has(err, "bit-plane 1 of table chunk 257")) << err;
    ASSERT_EQ(run_acc(257 * 4, -32768, &r, &err), 0) << err;
    EXPECT_EQ(r, -2147450880);

    // Entries large enough that the bound alone cannot clear the lmma, but
    // alternating in sign, so no partial sum leaves int32: it runs, exactly
    // (the last of 300 chunks is the 150th negative one).
    ASSERT_EQ(run_acc(300 * 4, 32767, &r, &err, true), 0) << err;
    EXPECT_EQ(r, 0);
    ASSERT_EQ(run_acc(299 * 4, 32767, &r, &err, true), 0) << err;
    EXPECT_EQ(r, 32767 * 255);
}

TEST(Accumulator, CompilerOutputNeverOverflowsOnRandomShapes)
{
    // Worst-case data included: every activation -128 and every weight at
    // the end of its range makes each bit-plane sum +-128 x klen, the most
    // (2^W - 1) 128 klen a group can reach.  Long groups (group_size 0 = one
    // group over K, or longer than lut_gemm_group_max) must be split by the
    // compiler, on an architecture whose buffers would otherwise take them.
    std::mt19937 rng(8);
    arch_t big;
    arch_ideal(&big);
    big.buf[BUF_ACT].kib = 1024;
    big.buf[BUF_TBL].kib = 2048;
    big.buf[BUF_WGT].kib = 4096;
    char err[512];
    ASSERT_EQ(arch_check(&big, err, sizeof err), 0) << err;
    const lut_wtype types[] = {{LUT_WFMT_INT, 2}, {LUT_WFMT_INT, 3}, {LUT_WFMT_INT, 4},
                               {LUT_WFMT_INT, 8}, {LUT_WFMT_TERNARY, 2}, {LUT_WFMT_BINARY, 1}};
    int split = 0;
    for (int trial = 0; trial < 24; trial++) {
        const bool longk = trial % 3 == 0;
        const arch_t *a = &big;
        gemm_shape s;
        memset(&s, 0, sizeof s);
        s.wtype = longk ? lut_wtype{LUT_WFMT_INT, 8} : types[rng() % 6];
        s.m = 1 + rng() % (longk ? 3 : 40);
        s.n = 1 + (int)(rng() % (longk ? 12 : 300));
        // |C| <= 128 x 128 x kd must fit the int32 output: kd <= 131072
        s.kd = longk ? 33000 + (int)(rng() % 60000) : 1 + (int)(rng() % 3000);
        const int groups[] = {32, 128, 256, 1000, s.kd};
        const int long_groups[] = {s.kd, 40000, 1 << 20, 33000}; // each one is hit twice
        s.group_size = longk ? long_groups[trial / 3 % 4] : groups[rng() % 5];
        const bool extreme = trial % 2 == 0;
        SCOPED_TRACE("trial " + std::to_string(trial) + ": " + std::to_string(s.m) + "x" +
                     std::to_string(s.n) + "x" + std::to_string(s.kd) + " W" +
                     std::to_string(s.wtype.bits) + " group " + std::to_string(s.group_size) +
                     (extreme ? " extreme" : " random"));
        program p;
        gemm_layout lay;
        ASSERT_EQ(gemm_lower(a, &s, &p, &lay, err, sizeof err), 0) << err;
        if (lay.ngroups > (s.kd + s.group_size - 1) / s.group_size)
            split++;
        else
            EXPECT_FALSE(longk) << "a group longer than the accumulators allow, not split";
        for (size_t i = 0; i < p.n; i++) {
            if (p.ins[i].op == OP_LMMA) {
                ASSERT_LE((int)p.ins[i].klen, lut_gemm_group_max(s.wtype.bits));
            }
        }
        int lo, hi;
        lut_wtype_range(s.wtype, &lo, &hi);
        std::vector<int8_t> act(s.m * s.kd), w((size_t)s.n * s.kd);
        for (auto &x : act)
            x = extreme ? -128 : (int8_t)(rng() % 2 ? -128 : rng());
        const int8_t wend = rng() % 2 ? (int8_t)lo : (int8_t)hi;
        for (auto &x : w) {
            int v = lo + (int)(rng() % (uint32_t)(hi - lo + 1));
            if (s.wtype.fmt == LUT_WFMT_BINARY && v == 0)
                v = 1;
            x = extreme ? wend : (int8_t)v;
        }
        std::vector<uint8_t> img(lay.image_bytes);
        ASSERT_EQ(gemm_fill(a, &s, &lay, act.data(), w.data(), nullptr, nullptr, img.data(), err,
                            sizeof err), 0) << err;
        sim_opts o{};
        o.dram = img.data();
        o.dram_size = img.size();
        sim_stats st;
        ASSERT_EQ(sim_run(a, nullptr, &p, &o, &st, err, sizeof err), 0) << err;
        std::vector<int64_t> ref(s.m * s.n);
        ref_gemm_i64(s.wtype, act.data(), w.data(), nullptr, s.group_size, (int)s.m, s.n, s.kd,
                     ref.data());
        for (size_t j = 0; j < ref.size(); j++) {
            int32_t v;
            memcpy(&v, img.data() + lay.c_addr + 4 * j, 4);
            ASSERT_EQ((int64_t)v, ref[j]) << "output " << j;
        }
        program_free(&p);
    }
    EXPECT_EQ(split, 8); // every long-K trial, and only they, split its groups
}

TEST(Accumulator, SplitGroupsKeepEachGroupsZeroPointAndScale)
{
    // Scale groups longer than lut_gemm_group_max(8) = 32896 run as
    // sub-groups (also shorter, for the weight tile's load rows field:
    // 8191 chunks x 8 planes); each must carry its own group's zero-point
    // (UINT8 with a zero-point per column and group) and scale.  Small activations keep
    // every float sum exact, so the float output equals the reference
    // bit for bit even though it is summed per sub-group.
    arch_t big;
    arch_ideal(&big);
    big.buf[BUF_ACT].kib = 1024;
    big.buf[BUF_TBL].kib = 2048;
    big.buf[BUF_WGT].kib = 4096;
    std::mt19937 rng(88);
    const int cases[][2] = {{70000, 35000}, {40000, 40000}, {50000, 1 << 20}};
    for (auto &c : cases) {
        gemm_shape s;
        memset(&s, 0, sizeof s);
        s.wtype = {LUT_WFMT_UINT, 8};
        s.m = 2;
        s.n = 5;
        s.kd = c[0];
        s.group_size = c[1];
        const int ng = (s.kd + s.group_size - 1) / s.group_size;
        SCOPED_TRACE(std::to_string(s.kd) + " / group " + std::to_string(s.group_size));
        std::vector<int8_t> act(s.m * s.kd), w((size_t)s.n * s.kd);
        for (auto &x : act)
            x = (int8_t)((int)(rng() % 5) - 2);
        for (auto &x : w)
            x = (int8_t)(uint8_t)(rng() % 256);
        std::vector<int32_t> z2((size_t)s.n * ng);
        std::vector<float> sc((size_t)s.n * ng);
        for (size_t i = 0; i < z2.size(); i++) {
            z2[i] = 2 * (int32_t)(rng() % 256); // integer zero-points: exact per sub-group
            sc[i] = std::ldexp(1.0f, -(int)(rng() % 6));
        }
        for (int fl = 0; fl < 2; fl++) {
            s.float_out = fl;
            program p;
            gemm_layout lay;
            char err[512];
            ASSERT_EQ(gemm_lower(&big, &s, &p, &lay, err, sizeof err), 0) << err;
            EXPECT_GT(lay.ngroups, ng);
            std::vector<uint8_t> img(lay.image_bytes);
            ASSERT_EQ(gemm_fill(&big, &s, &lay, act.data(), w.data(), z2.data(), sc.data(),
                                img.data(), err, sizeof err), 0) << err;
            sim_opts o{};
            o.dram = img.data();
            o.dram_size = img.size();
            sim_stats st;
            ASSERT_EQ(sim_run(&big, nullptr, &p, &o, &st, err, sizeof err), 0) << err;
            program_free(&p);
            std::vector<int64_t> ri(s.m * s.n);
            std::vector<float> rf(s.m * s.n);
            ref_gemm_i64(s.wtype, act.data(), w.data(), z2.data(), s.group_size, 2, 5, s.kd,
                         ri.data());
            ref_gemm_f32(s.wtype, act.data(), w.data(), z2.data(), sc.data(), s.group_size, 2, 5,
                         s.kd, rf.data());
            for (size_t j = 0; j < ri.size(); j++) {
                if (fl) {
                    float v;
                    memcpy(&v, img.data() + lay.c_addr + 4 * j, 4);
                    EXPECT_EQ(v, rf[j]) << "output " << j;
                } else {
                    int32_t v;
                    memcpy(&v, img.data() + lay.c_addr + 4 * j, 4);
                    EXPECT_EQ((int64_t)v, ri[j]) << "output " << j;
                }
            }
        }
    }
}

// ---- the command line --------------------------------------------------------

TEST(RunCli, TokensPast2To31AreCountedExactly)
{
    Tmp t;
    // 65536 x 32769 = 2^31 + 2^16 tokens on tiny
    Cmd r = lutsim(t, "run --model tiny --quant W2A8 --phase prefill --batch 65536 --seq 32769 "
                      "--json " + t.p("r.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    json_error_t e;
    json_t *root = json_load_file(t.p("r.json").c_str(), 0, &e);
    ASSERT_TRUE(root) << e.text;
    json_t *ph = json_array_get(json_object_get(root, "phases"), 0);
    const json_int_t T = 65536ll * 32769;
    EXPECT_EQ(ival(json_object_get(ph, "total"), "tokens"), T);
    json_t *q = op_named(ph, "layer.q_proj");
    ASSERT_TRUE(q);
    EXPECT_EQ(ival(q, "m"), T);
    EXPECT_EQ(ival(q, "macs"), T * 128 * 128 * 2);
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(ph, "ops"), i, o)
    {
        double u = json_real_value(json_object_get(o, "utilization"));
        EXPECT_LE(u, 1.0) << json_string_value(json_object_get(o, "name"));
    }
    std::vector<double> all;
    numbers(root, &all);
    for (double v : all)
        ASSERT_GE(v, 0.0); // nothing wrapped into a negative
    json_decref(root);
}

TEST(RunCli, A405BTotalNear2To63MatchesTheClosedFormAndLargerIsRefused)
{
    Tmp t;
    std::ofstream(t.p("405b.json")) << k405;
    Cmd r = lutsim(t, "run --model " + t.p("405b.json") + " --quant W2A8 --phase prefill "
                      "--batch 1536 --seq 8192 --json " + t.p("r.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    json_error_t e;
    json_t *root = json_load_file(t.p("r.json").c_str(), 0, &e);
    ASSERT_TRUE(root) << e.text;
    json_t *tot = json_object_get(json_array_get(json_object_get(root, "phases"), 0), "total");
    const u128 lin = linear_closed(1536, 8192), att = attention_closed(1536, 8192);
    EXPECT_EQ((uint64_t)ival(tot, "linear_macs"), (uint64_t)lin);
    EXPECT_EQ((uint64_t)ival(tot, "attention_macs"), (uint64_t)att);
    EXPECT_EQ((uint64_t)ival(tot, "macs"), 5266707492863213568ull);
    std::vector<double> all;
    numbers(root, &all);
    for (double v : all)
        ASSERT_GE(v, 0.0);
    json_decref(root);
    // The KV cache, 2 x 126 x 8 x 128 x 8192 x 1536 B = 2.95 TiB, is warned about
    EXPECT_TRUE(has(r.err, "warning: prefill: the INT8 KV cache")) << r.err;
    EXPECT_TRUE(has(r.err, "2.95 TiB")) << r.err;

    // the issue's case: refused before any output, naming the options
    r = lutsim(t, "run --model " + t.p("405b.json") + " --quant W2A8 --batch 128 --seq 131072 "
                  "--json " + t.p("big.json"));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_TRUE(has(r.err, "--batch 128 x --seq 131072")) << r.err;
    EXPECT_TRUE(has(r.err, "2^63 - 1")) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(access(t.p("big.json").c_str(), F_OK), 0);
    // decode (405B decode stays below 2^63 at any batch and context: 4096
    // heads of 4096 in 4096 layers do not): its own option in the message
    std::ofstream(t.p("wide.json"))
        << R"({"model_type": "llama", "hidden_size": 1024, "intermediate_size": 1024,
              "num_attention_heads": 4096, "num_key_value_heads": 1, "head_dim": 4096,
              "num_hidden_layers": 4096, "vocab_size": 64})";
    r = lutsim(t, "run --model " + t.p("wide.json") + " --quant W2A8 --phase decode "
                  "--batch 65536 --context 1048576");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_TRUE(has(r.err, "decode, --batch 65536 x --context 1048576: count overflow")) << r.err;
}

TEST(RunCli, NumericOptionsAreStrict)
{
    Tmp t;
    const char *opts[] = {"--batch", "--seq", "--context", "--seed"};
    const char *bad[] = {"-1", "abc", "12x", "99999999999999999999", "' 5'", "+5", "''",
                         "4294967297", "0x10", "1e3"};
    for (const char *o : opts) {
        for (const char *v : bad) {
            Cmd r = lutsim(t, std::string("run --model tiny --quant W2A8 ") + o + " " + v);
            EXPECT_EQ(r.status, 2) << o << " " << v;
            EXPECT_EQ(lines(r.err), 1) << r.err;
            EXPECT_EQ(r.err.rfind(std::string("lutsim: ") + o + ": expected an integer", 0), 0u)
                << r.err;
        }
    }
    Cmd r = lutsim(t, "run --model tiny --quant W2A8 --batch 0");
    EXPECT_EQ(r.status, 2);
    r = lutsim(t, "run --model tiny --quant W2A8 --batch 65537");
    EXPECT_TRUE(has(r.err, "1..65536")) << r.err;
    r = lutsim(t, "run --model tiny --quant W2A8 --seq 1048577");
    EXPECT_EQ(r.status, 2);
    r = lutsim(t, "gemm --random 4294967297x8x8 --wfmt binary");
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(has(r.err, "--random")) << r.err;
    r = lutsim(t, "gemm --random 8x8x-8 --wfmt binary");
    EXPECT_EQ(r.status, 2);
    r = lutsim(t, "gemm --random 8x8x8 --wfmt binary");
    EXPECT_EQ(r.status, 0) << r.err;
}

TEST(RunCli, WarningsGoToStderrOneLineEachAndTheRunContinues)
{
    Tmp t;
    // tiny has max_position_embeddings 256
    Cmd r = lutsim(t, "run --model tiny --quant W2A8 --phase prefill --seq 300 --context 9 "
                      "--seed 3 --json " + t.p("r.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lines(r.err), 3) << r.err;
    EXPECT_TRUE(has(r.err, "lutsim: warning: --context is ignored by --phase prefill")) << r.err;
    EXPECT_TRUE(has(r.err, "lutsim: warning: --seed is ignored without --functional")) << r.err;
    EXPECT_TRUE(has(r.err, "lutsim: warning: prefill: --seq 300 passes the model's "
                           "max_position_embeddings (256)")) << r.err;
    EXPECT_EQ(access(t.p("r.json").c_str(), F_OK), 0);
    r = lutsim(t, "run --model tiny --quant W2A8 --phase decode --seq 100 --context 257");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lines(r.err), 2) << r.err;
    EXPECT_TRUE(has(r.err, "warning: --seq is ignored by --phase decode")) << r.err;
    EXPECT_TRUE(has(r.err, "warning: decode: --context 257 passes")) << r.err;
    // inside every limit: silent
    r = lutsim(t, "run --model tiny --quant W2A8 --seq 256 --context 256");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    // a config without max_position_embeddings never warns about it
    std::ofstream(t.p("nopos.json"))
        << R"({"model_type": "llama", "hidden_size": 128, "intermediate_size": 344,
              "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 64})";
    r = lutsim(t, "run --model " + t.p("nopos.json") + " --quant W2A8 --phase prefill --seq 5000");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    // the KV cache: 2 (K, V) x 2 layers x 2 kv heads x 32 x keys x B bytes,
    // 2^8 x 2^20 x 2^16 = 2^44 bytes = 16 TiB
    r = lutsim(t, "run --model tiny --quant W2A8 --phase decode --batch 65536 --context 1048576");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(has(r.err, "decode: the INT8 KV cache of --batch 65536 x --context 1048576 is "
                           "1.76e+13 bytes (16.00 TiB)")) << r.err;
}

TEST(RunCli, AccumulatorOverflowIsReportedByBothEngines)
{
    Tmp t;
    std::ofstream(t.p("p.s")) << acc_program(258 * 4);
    std::vector<uint8_t> img = acc_image(32767);
    std::ofstream(t.p("m.bin"), std::ios::binary).write((const char *)img.data(), img.size());
    for (const char *eng : {"cmodel", "rtl", "both"}) {
        Cmd r = lutsim(t, "exec " + t.p("p.s") + " --mem " + t.p("m.bin") + " --engine " + eng +
                          " --dump-mem " + t.p("d.bin"));
        EXPECT_EQ(r.status, 1) << eng;
        EXPECT_EQ(lines(r.err), 1) << eng << ": " << r.err;
        EXPECT_TRUE(has(r.err, "instruction 1 (lmma): accumulator overflow")) << eng << ": " << r.err;
        EXPECT_NE(access(t.p("d.bin").c_str(), F_OK), 0) << eng; // no output
    }
    // one chunk fewer: both engines run and agree
    std::ofstream(t.p("p.s")) << acc_program(257 * 4);
    Cmd r = lutsim(t, "exec " + t.p("p.s") + " --mem " + t.p("m.bin") + " --engine both --dump-mem " +
                      t.p("d.bin"));
    ASSERT_EQ(r.status, 0) << r.err;
    std::string d = testproc::slurp(t.p("d.bin"));
    ASSERT_GE(d.size(), (size_t)0x2004);
    int32_t v;
    memcpy(&v, d.data() + 0x2000, 4);
    EXPECT_EQ(v, 2147385345);
}
