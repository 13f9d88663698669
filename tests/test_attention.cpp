// Attention programs (compiler/attention.c): fused and unfused are
// bit-exact in functional mode against a reference written here (integer
// scores, the online softmax as unit_vec.c defines it), schedules stay
// inside every buffer, timing-only equals functional, and fast-forwarding
// equals full simulation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "arch_json.h"
#include "arch_pin.h"
#include "attention.h"
#include "lower.h"
#include "model_json.h"
#include "test_support.h"

namespace {

struct Data {
    std::vector<int8_t> q, k, v;
};

Data random_data(const attn_shape &s, unsigned seed)
{
    std::mt19937 rng(seed);
    const int lo = -(1 << (s.kv_bits - 1)), hi = (1 << (s.kv_bits - 1)) - 1;
    std::uniform_int_distribution<int> act(-128, 127), kv(lo, hi);
    Data d;
    d.q.resize((size_t)s.batch * s.q_len * s.heads * s.head_dim);
    d.k.resize((size_t)s.batch * s.kv_heads * s.kv_len * s.head_dim);
    d.v.resize((size_t)s.batch * s.kv_heads * s.kv_len * attn_v_dim(&s));
    for (auto &x : d.q) x = (int8_t)act(rng);
    for (auto &x : d.k) x = (int8_t)kv(rng);
    for (auto &x : d.v) x = (int8_t)kv(rng);
    return d;
}

// The reference: per query row, key blocks of nk as the plan cut them (a
// row runs as many blocks as its unit, later ones fully masked), each
// block's softmax step and rescale exactly as unit_vec.c states them.
std::vector<float> reference(const attn_shape &s, const attn_plan &pl, const Data &d)
{
    const int hd = s.head_dim, vd = s.v_dim ? s.v_dim : hd, G = s.heads / s.kv_heads;
    const int off = s.kv_len - s.q_len;
    std::vector<float> out((size_t)s.batch * s.q_len * s.heads * vd);
    const float scale = ldexpf(1.0f, -s.shift);
    for (int b = 0; b < s.batch; b++)
        for (int p = 0; p < s.q_len; p++)
            for (int h = 0; h < s.heads; h++) {
                const int kvh = h / G, last = p + off;
                const int qb = p / pl.bq, ulast = std::min(qb * pl.bq + pl.bq, s.q_len) - 1;
                const int nb = (ulast + off) / pl.nk + 1;
                const int8_t *q = &d.q[(((size_t)b * s.q_len + p) * s.heads + h) * hd];
                auto key = [&](const std::vector<int8_t> &m, int w, int key, int j) {
                    return (int)m[(((size_t)b * s.kv_heads + kvh) * s.kv_len + key) * w + j];
                };
                float mx = -INFINITY, l = 0.0f;
                std::vector<float> o(vd, 0.0f);
                for (int j = 0; j < nb; j++) {
                    const int k0 = j * pl.nk;
                    const int valid = std::max(0, std::min(pl.nk, last - k0 + 1));
                    std::vector<int32_t> S(valid);
                    for (int x = 0; x < valid; x++) {
                        int32_t acc = 0;
                        for (int t = 0; t < hd; t++)
                            acc += q[t] * key(d.k, hd, k0 + x, t);
                        S[x] = acc;
                    }
                    const float mold = mx;
                    for (int x = 0; x < valid; x++)
                        mx = fmaxf(mx, (float)S[x] * scale);
                    const float alpha = mx == -INFINITY ? 1.0f : exp2f(mold - mx);
                    std::vector<int> P(valid);
                    long sum = 0;
                    for (int x = 0; x < valid; x++) {
                        P[x] = (int)roundf(exp2f((float)S[x] * scale - mx) * 127.0f);
                        sum += P[x];
                    }
                    const float lsc = l * alpha;
                    l = lsc + (float)sum;
                    for (int t = 0; t < vd; t++) {
                        int32_t pv = 0;
                        for (int x = 0; x < valid; x++)
                            pv += P[x] * key(d.v, vd, k0 + x, t);
                        if (j == 0) {
                            o[t] = (float)pv;
                        } else {
                            const float r = o[t] * alpha;
                            o[t] = r + (float)pv;
                        }
                    }
                }
                float *dst = &out[(((size_t)b * s.q_len + p) * s.heads + h) * vd];
                for (int t = 0; t < vd; t++)
                    dst[t] = l > 0.0f ? o[t] / l : 0.0f;
            }
    return out;
}

int classes(const attn_shape &s, const attn_plan &pl)
{
    std::vector<attn_class> c(attn_class_cap(&pl));
    return attn_classes(&s, &pl, c.data(), (int)c.size());
}

void same_stats(const sim_stats &x, const sim_stats &y)
{
    EXPECT_EQ(x.cycles, y.cycles);
    EXPECT_EQ(x.instructions, y.instructions);
    EXPECT_EQ(x.ev.dram_read_bytes, y.ev.dram_read_bytes);
    EXPECT_EQ(x.ev.dram_write_bytes, y.ev.dram_write_bytes);
    EXPECT_EQ(x.ev.macs, y.ev.macs);
    EXPECT_EQ(x.ev.vector_ops, y.ev.vector_ops);
    for (int u = 0; u < UNIT_COUNT; u++)
        EXPECT_EQ(x.unit[u].busy_cycles, y.unit[u].busy_cycles) << isa_unit_names[u];
}

// Runs the stages' programs (every class) on one image; each program's
// functional statistics must equal its timing-only ones.  Returns O.
std::vector<float> run(const arch_t &a, const attn_shape &s, const attn_plan &pl, const Data &d,
                       const std::vector<attn_stage> &stages)
{
    std::vector<uint8_t> image(pl.image_bytes);
    char err[512];
    EXPECT_EQ(attn_fill(&a, &s, &pl, d.q.data(), d.k.data(), d.v.data(), image.data(), err,
                        sizeof err), 0) << err;
    const int nc = classes(s, pl);
    for (attn_stage st : stages)
        for (int c = 0; c < nc; c++) {
            program p;
            EXPECT_EQ(attn_lower(&a, &s, &pl, st, c, 0, &p, err, sizeof err), 0) << err;
            sim_opts o = {};
            o.dram = image.data();
            o.dram_size = image.size();
            sim_stats fn, t;
            EXPECT_EQ(sim_run(&a, nullptr, &p, &o, &fn, err, sizeof err), 0) << err;
            EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &t, err, sizeof err), 0) << err;
            same_stats(fn, t);
            program_free(&p);
        }
    std::vector<float> out((size_t)s.batch * s.q_len * s.heads * attn_v_dim(&s));
    attn_output(&s, &pl, image.data(), out.data());
    return out;
}

arch_t small_arch()
{
    arch_t a;
    arch_ideal(&a);
    a.lut_cores = 2; // 16-key blocks: several blocks on small shapes
    a.tile_n = 8;
    return a;
}

// Fused and unfused O of random data (seed) equal the reference bit for bit.
void expect_bit_exact(const arch_t &a, const attn_shape &s, const attn_plan &pl, unsigned seed)
{
    Data d = random_data(s, seed);
    std::vector<float> want = reference(s, pl, d);
    std::vector<float> fused = run(a, s, pl, d, {ATTN_FUSED});
    std::vector<float> unfused = run(a, s, pl, d, {ATTN_SCORE, ATTN_SOFTMAX, ATTN_CONTEXT});
    ASSERT_EQ(want.size(), fused.size());
    size_t nonzero = 0;
    for (size_t i = 0; i < want.size(); i++) {
        ASSERT_EQ(std::memcmp(&want[i], &fused[i], 4), 0) << "fused O[" << i << "] " << fused[i]
                                                           << " want " << want[i];
        ASSERT_EQ(std::memcmp(&want[i], &unfused[i], 4), 0) << "unfused O[" << i << "]";
        nonzero += want[i] != 0.0f;
    }
    EXPECT_GT(nonzero, want.size() / 2); // a result that says something
}

struct Case {
    const char *name;
    attn_shape s;
    bool small;
    int tbl_kib; // 0: the arch's
};

const Case cases[] = {
    {"gqa decode", {8, 4, 2, 16, 2, 1, 37, 12, 0, 0}, true, 0},
    {"gqa decode int4", {4, 6, 2, 8, 3, 1, 50, 9, 0, 0}, true, 0},
    {"causal prefill", {8, 2, 1, 8, 1, 21, 21, 11, 0, 0}, true, 0},
    {"causal prefill int4 gqa", {4, 4, 2, 12, 2, 29, 29, 8, 0, 0}, true, 0},
    {"prefill default arch", {8, 2, 2, 32, 1, 40, 40, 14, 0, 0}, false, 0},
    {"decode default arch", {8, 8, 1, 64, 1, 1, 600, 16, 0, 0}, false, 0},
    {"Q tables in chunks", {8, 4, 2, 128, 1, 1, 45, 15, 0, 0}, true, 1},
    {"Q tables in chunks, prefill", {4, 2, 1, 96, 1, 19, 19, 10, 0, 0}, true, 1},
    // V narrower than K (MLA): the latent's first v_dim values in decode,
    // d_v beside d_n + d_r in prefill
    {"latent decode, V the first 16 of 24", {8, 4, 1, 24, 2, 1, 45, 12, 16, 0}, true, 0},
    {"latent prefill, v_dim 8 of 12", {8, 2, 2, 12, 1, 23, 23, 10, 8, 0}, true, 0},
    {"latent decode default arch", {8, 16, 1, 72, 1, 1, 300, 16, 64, 0}, false, 0},
};

TEST(Attention, FusedAndUnfusedAreBitExactAgainstTheReference)
{
    // every case with the cores splitting columns, rows, auto (the score
    // and the context split each their own way) and grid (the context's
    // table chunks side by side on groups of cores, lmmag)
    int grouped = 0;
    for (int part = 0; part < 4; part++)
    for (const Case &c : cases) {
        SCOPED_TRACE(std::string(c.name) + " partition " + std::to_string(part));
        arch_t a = small_arch();
        if (!c.small)
            arch_ideal(&a);
        a.lut_partition = part;
        if (c.tbl_kib)
            a.buf[BUF_TBL].kib = c.tbl_kib;
        attn_plan pl;
        char err[512];
        ASSERT_EQ(attn_plan_make(&a, &c.s, &pl, err, sizeof err), 0) << err;
        if (c.small) {
            EXPECT_GT(pl.nb_max, 1) << "the case should cross key blocks";
        }
        if (c.tbl_kib) {
            EXPECT_LT(pl.qk, c.s.head_dim) << "the case should rebuild Q tables in chunks";
        }
        grouped += pl.cgroups > 1;
        expect_bit_exact(a, c.s, pl, 7);
    }
    EXPECT_GE(grouped, 1) << "core groups should be the cheapest for some case";
}

// lut.partition grid: the context's table chunks run side by side on
// groups of cores (lmmag), their partial sums added by one dq each.  4
// cores x 32 columns, head_dim 32 or 64: the context fills one core's
// columns (4 groups) or two (2 groups); 128-key blocks of 4 or 2 steps of
// 32-key chunks; the causal cases end blocks in fewer chunks than groups.
TEST(Attention, CoreGroupsAreBitExactAgainstTheReference)
{
    const Case grid_cases[] = {
        {"gqa decode", {8, 8, 2, 32, 2, 1, 300, 12, 0, 0}, false, 0},
        {"decode int4, head_dim 64", {4, 4, 4, 64, 1, 1, 260, 9, 0, 0}, false, 0},
        {"causal prefill gqa", {8, 4, 2, 32, 1, 150, 150, 11, 0, 0}, false, 0},
        {"causal prefill, key cache longer", {8, 2, 1, 32, 1, 40, 200, 10, 0, 0}, false, 0},
    };
    for (const Case &c : grid_cases) {
        SCOPED_TRACE(c.name);
        arch_t a;
        arch_ideal(&a);
        a.lut_cores = 4;
        a.tile_n = 32;
        a.lut_partition = 3;
        attn_plan pl;
        char err[512];
        ASSERT_EQ(attn_plan_make(&a, &c.s, &pl, err, sizeof err), 0) << err;
        EXPECT_EQ(pl.cgroups, 128 / c.s.head_dim) << "the groups fill head_dim columns";
        EXPECT_GT(pl.nb_max, 1) << "the case should cross key blocks";
        expect_bit_exact(a, c.s, pl, 5);
        // the program holds lmmag and the RTL's column split is not asked for
        program p;
        ASSERT_EQ(attn_lower(&a, &c.s, &pl, ATTN_FUSED, 0, 0, &p, err, sizeof err), 0) << err;
        size_t grouped = 0;
        for (size_t i = 0; i < p.n; i++)
            grouped += p.ins[i].op == OP_LMMAG;
        program_free(&p);
        EXPECT_GT(grouped, 0u);
    }
}

TEST(Attention, ReferenceDiffersWhenTheDataDiffers)
{
    // The comparison above can fail: change one key and O changes.
    arch_t a = small_arch();
    const attn_shape &s = cases[0].s;
    attn_plan pl;
    char err[512];
    ASSERT_EQ(attn_plan_make(&a, &s, &pl, err, sizeof err), 0) << err;
    Data d = random_data(s, 3);
    std::vector<float> base = run(a, s, pl, d, {ATTN_FUSED});
    d.k[5] = (int8_t)(d.k[5] == 0 ? 9 : -d.k[5]);
    EXPECT_NE(base, run(a, s, pl, d, {ATTN_FUSED}));
    EXPECT_EQ(reference(s, pl, d), run(a, s, pl, d, {ATTN_FUSED}));
}

TEST(Attention, SchedulesStayInsideEveryBuffer)
{
    std::mt19937 rng(11);
    auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int planned = 0;
    for (int it = 0; it < 60; it++) {
        arch_t a;
        arch_ideal(&a);
        a.lut_cores = 1 << rnd(0, 3);
        a.tile_n = 8 << rnd(0, 3);
        a.tile_m = rnd(1, 4);
        a.tile_k = rnd(2, 5);
        a.buf[BUF_TBL].kib = 1 << rnd(0, 6);
        a.buf[BUF_ACT].kib = 1 << rnd(4, 8);
        a.buf[BUF_WGT].kib = 1 << rnd(5, 9);
        a.buf[BUF_OUT].kib = 1 << rnd(5, 8);
        a.lut_partition = rnd(0, 3);
        attn_shape s = {};
        s.kv_bits = rnd(0, 1) ? 8 : 4;
        s.kv_heads = rnd(1, 3);
        s.heads = s.kv_heads * rnd(1, 8);
        s.head_dim = 4 * rnd(1, 32);
        s.batch = rnd(1, 3);
        s.q_len = rnd(0, 1) ? 1 : rnd(1, 70);
        s.kv_len = s.q_len == 1 ? rnd(1, 900) : s.q_len;
        s.shift = 10;
        SCOPED_TRACE("iteration " + std::to_string(it));
        attn_plan pl;
        char err[512];
        if (attn_plan_make(&a, &s, &pl, err, sizeof err) != 0) {
            EXPECT_NE(std::string(err).find("do not fit"), std::string::npos) << err;
            continue;
        }
        planned++;
        // the plan's regions end inside their buffers ...
        EXPECT_LE(pl.act_p[1] + (uint64_t)pl.rows * pl.nk, arch_buf_bytes(&a, BUF_ACT));
        EXPECT_LE(pl.wgt_v[pl.kv_slots - 1] + pl.v_tile, arch_buf_bytes(&a, BUF_WGT));
        EXPECT_LE(pl.tbl_psum[1] + (uint64_t)pl.cgroups * pl.rows * 4, arch_buf_bytes(&a, BUF_TBL));
        EXPECT_LE(pl.out_st[3] + (uint64_t)pl.rows * 16, arch_buf_bytes(&a, BUF_OUT));
        EXPECT_LE(pl.rows, 4095);
        // ... and every instruction of every program is checked by the C model
        for (attn_stage st : {ATTN_FUSED, ATTN_SCORE, ATTN_SOFTMAX, ATTN_CONTEXT})
            for (int c = 0; c < classes(s, pl); c++) {
                program p;
                ASSERT_EQ(attn_lower(&a, &s, &pl, st, c, 3, &p, err, sizeof err), 0) << err;
                sim_stats t;
                EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &t, err, sizeof err), 0) << err;
                program_free(&p);
            }
    }
    EXPECT_GT(planned, 30);
}

// Every class of stage st simulated in full, summed into *full.
void full_sim(const arch_t &a, const energy_model *em, const attn_shape &s, attn_stage st,
              sim_stats *full)
{
    attn_plan pl;
    char err[512];
    ASSERT_EQ(attn_plan_make(&a, &s, &pl, err, sizeof err), 0) << err;
    for (int c = 0; c < classes(s, pl); c++) {
        program p;
        ASSERT_EQ(attn_lower(&a, &s, &pl, st, c, 0, &p, err, sizeof err), 0) << err;
        sim_stats one;
        ASSERT_EQ(sim_run(&a, em, &p, nullptr, &one, err, sizeof err), 0) << err;
        ASSERT_EQ(sim_stats_add(full, &one, 1), 0);
        program_free(&p);
    }
}

TEST(Attention, FastForwardEqualsFullSimulation)
{
    arch_t a;
    arch_ideal(&a);
    pin_ideal_memory(&a); // exact on the ideal DRAM bus (a DRAM device: the next test)
    energy_model em = {};
    em.dram_pj_per_byte = 1;
    const attn_shape shapes[] = {
        {8, 32, 8, 128, 3, 1, 1500, 10, 0, 0},  // decode, 24 units
        {8, 16, 16, 64, 1, 100, 100, 10, 0, 0}, // causal prefill, several classes
        {4, 16, 2, 128, 5, 1, 700, 10, 0, 0},   // int4 GQA decode, 10 units
    };
    for (int part : {0, 2, 3})
    for (const attn_shape &s : shapes)
        for (attn_stage st : {ATTN_FUSED, ATTN_SCORE, ATTN_SOFTMAX, ATTN_CONTEXT}) {
            a.lut_partition = part;
            sim_stats ff, full = {};
            int sampled;
            char err[512];
            ASSERT_EQ(attn_timing(&a, &em, &s, st, &ff, &sampled, nullptr, err, sizeof err), 0) << err;
            EXPECT_EQ(sampled, 1);
            full_sim(a, &em, s, st, &full);
            same_stats(ff, full);
        }
}

// On a DRAM device (banks, row buffers, refresh: never exactly periodic in
// units) the fast-forward samples 12 and 14 units; within 1% of the full
// simulation on the LPDDR5 and DDR4 presets.
TEST(Attention, FastForwardNearFullSimulationOnDramDevices)
{
    const attn_shape shapes[] = {
        {8, 32, 8, 128, 24, 1, 1500, 10, 0, 0}, // decode, 48 units
        {8, 16, 16, 128, 2, 200, 200, 10, 0, 0}, // causal prefill
    };
    for (const char *preset : {"lpddr5-mobile.json", "ddr4-edge.json"}) {
        arch_t a;
        char err[512];
        ASSERT_EQ(arch_from_json_file((std::string(SRC_DIR) + "/workloads/arch/" + preset).c_str(),
                                      &a, err, sizeof err), 0) << err;
        for (const attn_shape &s : shapes) {
            SCOPED_TRACE(std::string(preset) + " batch " + std::to_string(s.batch));
            sim_stats ff, full = {};
            int sampled;
            ASSERT_EQ(attn_timing(&a, nullptr, &s, ATTN_FUSED, &ff, &sampled, nullptr, err,
                                  sizeof err), 0) << err;
            EXPECT_EQ(sampled, 1);
            full_sim(a, nullptr, s, ATTN_FUSED, &full);
            EXPECT_NEAR((double)ff.cycles, (double)full.cycles, 0.01 * (double)full.cycles);
            // data bytes exact (instruction fetch, issue.ibuf_entries, is not
            // periodic in units: the fetch runs ahead by the buffer's depth)
            EXPECT_EQ(ff.ev.dram_read_bytes - ff.ev.ifetch_bytes,
                      full.ev.dram_read_bytes - full.ev.ifetch_bytes);
            EXPECT_EQ(ff.ev.macs, full.ev.macs);
        }
    }
}

// The context's N is head_dim: on 8 cores x 64 lockstep columns a
// 128-wide context fills a quarter of each pass; split by rows
// (lut.partition rows) its 8 rows fill half of the 16 a pass takes; on 4
// groups of 2 cores (lut.partition grid, and auto, which takes the
// cheapest) 4 table chunks run at once, each on 128 columns, full.
// Per key block of 512, hand-derived from the pass counts (unit_lut.c),
// tile M2 N64 K4 x 8 cores:
//   score   8 x 512 x 128: 4 row passes x 1 column pass x 32 chunks, full;
//   context 8 x 128 x 512, columns: 4 x 1 x 128 chunks at 1/4;
//                          rows:    1 x 2 x 128 chunks at 1/2;
//                          grid:    4 x 1 x 128 / 4 chunks a group, full.
// occupancy = (4*32*1 + 4*128/4) / (4*32 + 4*128) = 0.4 with columns,
//             0.5 with rows (the score split by rows fills half too),
//             1 with groups.
TEST(Attention, RowSplitAndCoreGroupsFillMoreOfTheArray)
{
    arch_t a;
    arch_default(&a);
    pin_lut_array(&a); // a pass takes one cycle
    const attn_shape s = {8, 64, 8, 128, 2, 1, 2048, 10, 0, 0}; // Llama-2-70B-like GQA decode
    char err[512], what[32];
    uint64_t cycles[4];
    for (int part = 0; part < 4; part++) {
        SCOPED_TRACE("partition " + std::to_string(part));
        a.lut_partition = part;
        const int grouped = part >= 2; // auto finds the groups cheapest
        attn_plan pl;
        ASSERT_EQ(attn_plan_make(&a, &s, &pl, err, sizeof err), 0) << err;
        ASSERT_EQ(pl.rows, 8);
        ASSERT_EQ(pl.nk, 512);
        EXPECT_EQ(pl.part_score, part == 1);
        EXPECT_EQ(pl.part_ctx, part == 1);
        EXPECT_EQ(pl.cgroups, grouped ? 4 : 1);
        const double occ = attn_occupancy(&a, &s, &pl, ATTN_FUSED, what, sizeof what);
        // unfused, each lmma alone: the score fills its passes by columns
        EXPECT_DOUBLE_EQ(attn_occupancy(&a, &s, &pl, ATTN_SCORE, what, sizeof what),
                         part == 1 ? 0.5 : 1.0);
        EXPECT_DOUBLE_EQ(attn_occupancy(&a, &s, &pl, ATTN_CONTEXT, what, sizeof what),
                         grouped ? 1.0 : part ? 0.5 : 0.25);
        if (part == 0) {
            EXPECT_DOUBLE_EQ(occ, 0.4);
            EXPECT_STREQ(what, "columns:128/512");
        } else if (part == 1) {
            EXPECT_DOUBLE_EQ(occ, 0.5);
            EXPECT_STREQ(what, "rows:8/16");
        } else {
            EXPECT_DOUBLE_EQ(occ, 1.0);
        }
        sim_stats st;
        int sampled;
        ASSERT_EQ(attn_timing(&a, nullptr, &s, ATTN_FUSED, &st, &sampled, nullptr, err,
                              sizeof err), 0) << err;
        cycles[part] = st.cycles;
        // the array is busy for exactly its passes: 16 units x 4 blocks x
        // 8 bit-planes x (score 128 or 256 + context 512, 256 or 128 passes)
        const uint64_t ctx = grouped ? 128 : part ? 256 : 512, sc = part == 1 ? 32 * 8 : 128;
        EXPECT_EQ(st.unit[UNIT_LUT].busy_cycles, 16u * 4 * 8 * (sc + ctx));
    }
    // the array's passes fall to (128 + 128) / (128 + 512) = 0.4 of the
    // column split's; K and V (2048 cycles a block at 64 B a cycle, as
    // long as the array's 256 x 8) bound it from below
    EXPECT_LT(cycles[3], cycles[0] * 6 / 10);
    EXPECT_EQ(cycles[2], cycles[3]);
}

// On an array of many cores the planner offers only the group counts the
// lmmag's groups field holds (the table says how wide it is), and the
// program it emits encodes: a100-lut-8x.json's 432 cores asked for 16
// groups on Llama-2-7B's prefill and decode attention.
TEST(Attention, CoreGroupsStayWithinTheGroupsField)
{
    arch_t a;
    char err[512];
    ASSERT_EQ(arch_from_json_file(SRC_DIR "/workloads/arch/a100-lut-8x.json", &a, err, sizeof err),
              0) << err;
    ASSERT_EQ(isa_field_max(OP_LMMAG, "groups"), 15u);
    const attn_shape shapes[] = {
        {8, 32, 32, 128, 1, 512, 512, 10, 0, 0}, // Llama-2-7B prefill S=512
        {8, 32, 32, 128, 1, 1, 1024, 10, 0, 0},  // and decode at context 1024
    };
    for (const attn_shape &s : shapes) {
        SCOPED_TRACE("q_len " + std::to_string(s.q_len));
        attn_plan pl;
        ASSERT_EQ(attn_plan_make(&a, &s, &pl, err, sizeof err), 0) << err;
        EXPECT_LE((uint64_t)pl.cgroups, isa_field_max(OP_LMMAG, "groups"));
        sim_stats st;
        int sampled;
        ASSERT_EQ(attn_timing(&a, nullptr, &s, ATTN_FUSED, &st, &sampled, nullptr, err, sizeof err),
                  0) << err;
    }
}

TEST(Attention, KeysAndValuesOfAKvHeadAreReadOncePerUnit)
{
    // GQA decode: every query head of a group in one unit, so the DRAM
    // reads are the packed K and V blocks once, plus Q.
    arch_t a;
    arch_ideal(&a);
    const attn_shape s = {8, 32, 8, 128, 1, 1, 4096, 10, 0, 0};
    attn_plan pl;
    char err[512];
    ASSERT_EQ(attn_plan_make(&a, &s, &pl, err, sizeof err), 0) << err;
    EXPECT_EQ(pl.gh, 4);
    sim_stats st;
    int sampled;
    ASSERT_EQ(attn_timing(&a, nullptr, &s, ATTN_FUSED, &st, &sampled, nullptr, err, sizeof err), 0) << err;
    const uint64_t kv = 8ull * pl.kv_blocks * (pl.k_tile + pl.v_tile);
    const uint64_t q = 32 * 128;
    EXPECT_EQ(st.ev.dram_read_bytes, kv + q);
    EXPECT_EQ(st.ev.dram_write_bytes, q * 4); // O in float32
}

// A window W as the kernel's lower key bound: each unit (bq query rows at
// p0..p0+np-1) runs the key blocks from the one holding key p0 - W + 1 (its
// first row's oldest visible key) to the one holding p0 + np - 1, and the
// score stage reads Q once a unit and each of those K blocks once.
TEST(Attention, WindowedPrefillRunsOnlyTheWindowsKeyBlocks)
{
    arch_t a;
    arch_ideal(&a);
    uint64_t full = 0;
    for (int W : {0, 200, 512}) {
        SCOPED_TRACE("window " + std::to_string(W));
        const attn_shape s = {8, 4, 2, 64, 2, 1500, 1500, 10, 0, W};
        attn_plan pl;
        char err[512];
        ASSERT_EQ(attn_plan_make(&a, &s, &pl, err, sizeof err), 0) << err;
        uint64_t want = 0, blocks = 0;
        for (int p0 = 0; p0 < s.q_len; p0 += pl.bq) {
            const int np = std::min(pl.bq, s.q_len - p0);
            const int first = W && p0 - W + 1 > 0 ? (p0 - W + 1) / pl.nk : 0;
            const int nb = (p0 + np - 1) / pl.nk - first + 1;
            blocks += (uint64_t)nb;
            want += (uint64_t)s.batch * pl.head_groups *
                    ((uint64_t)np * pl.gh * s.head_dim + (uint64_t)nb * pl.k_tile);
        }
        sim_stats st;
        int sampled;
        ASSERT_EQ(attn_timing(&a, nullptr, &s, ATTN_SCORE, &st, &sampled, nullptr, err,
                              sizeof err), 0) << err;
        EXPECT_EQ(st.ev.dram_read_bytes, want);
        // a unit spans at most W + bq - 1 keys: ceil of that / nk blocks, + 1
        // where it straddles a boundary (the whole triangle's grow with p0)
        if (W) {
            EXPECT_LE(blocks, (uint64_t)((W + pl.bq - 1 + pl.nk - 1) / pl.nk + 1) *
                                  (uint64_t)pl.qblocks);
            EXPECT_LT(st.ev.dram_read_bytes, full);
        } else {
            full = st.ev.dram_read_bytes;
        }
    }
    // functional runs need the window's first block masked below it: refused
    const attn_shape w = {8, 4, 2, 64, 1, 300, 300, 10, 0, 100};
    attn_plan pl;
    char err[512];
    ASSERT_EQ(attn_plan_make(&a, &w, &pl, err, sizeof err), 0) << err;
    std::vector<uint8_t> image(pl.image_bytes);
    Data d = random_data(w, 1);
    EXPECT_NE(attn_fill(&a, &w, &pl, d.q.data(), d.k.data(), d.v.data(), image.data(), err,
                        sizeof err), 0);
    EXPECT_NE(std::string(err).find("timing-only"), std::string::npos) << err;
}

} // namespace

namespace {

model_cfg gqa_model() { return testsupport::llama(512, 1024, 8, 2, 3, 1000); }

using testsupport::find;

TEST(Attention, LoweringReportsOneFusedOpOrThreeUnfusedWithTheClosedFormMacs)
{
    model_cfg m = gqa_model();
    quant_preset q;
    ASSERT_EQ(quant_preset_named("W2A8", &q), 0);
    const model_phase phases[] = {{MODEL_PREFILL, 2, 100, 0}, {MODEL_DECODE, 3, 0, 700}};
    for (const model_phase &ph : phases) {
        // B x layers x heads x head_dim x (S(S+1)/2 or C) per matmul
        const uint64_t keys = ph.kind == MODEL_PREFILL ? 100ull * 101 / 2 : 700;
        const uint64_t per_mm = (uint64_t)ph.batch * 3 * 8 * 64 * keys;
        static op_result r[MODEL_MAX_OPS];
        lower_info info;
        char err[512];
        arch_t a;
        arch_ideal(&a);
        int n = lower_model(&a, nullptr, &m, &q, &ph, r, MODEL_MAX_OPS, &info, err, sizeof err);
        ASSERT_GT(n, 0) << err;
        const op_result *f = find(r, n, "layer.attention");
        ASSERT_NE(f, nullptr);
        EXPECT_EQ(f->macs, 2 * per_mm);
        EXPECT_EQ(find(r, n, "layer.softmax"), nullptr);
        EXPECT_EQ(find(r, n, "layer.attn_context"), nullptr);
        EXPECT_STREQ(f->attn_partition, "columns");
        const uint64_t fused_dram = f->st.ev.dram_read_bytes + f->st.ev.dram_write_bytes;
        // grid, decode: per 512-key block K and V take (36 + 32.5) KiB / 64 B
        // = 1096 cycles; the array 8 planes x (score 2 row passes x 16 chunks
        // + context 2 row passes x 512 / (4 g) chunks): 1280 cycles with 2
        // groups of 4 cores, 768 with 4 groups of 2 (128 columns, head_dim 64
        // fills half), 512 with 8: from 4 groups on the block is bound by K
        // and V, and the first of equal cost (fewer groups) is kept
        a.lut_partition = 3;
        ASSERT_GT(lower_model(&a, nullptr, &m, &q, &ph, r, MODEL_MAX_OPS, &info, err, sizeof err), 0)
            << err;
        if (ph.kind == MODEL_DECODE) {
            EXPECT_STREQ(find(r, n, "layer.attention")->attn_partition, "grid:4");
        }
        a.lut_partition = 0;

        a.attn_fused = 0;
        int n3 = lower_model(&a, nullptr, &m, &q, &ph, r, MODEL_MAX_OPS, &info, err, sizeof err);
        ASSERT_EQ(n3, n + 2) << err;
        const op_result *s = find(r, n3, "layer.attn_score"), *c = find(r, n3, "layer.attn_context");
        const op_result *sm = find(r, n3, "layer.softmax");
        ASSERT_TRUE(s && c && sm);
        EXPECT_EQ(s->macs, per_mm);
        EXPECT_EQ(c->macs, per_mm);
        EXPECT_EQ(sm->on_lut, 0);
        uint64_t unfused_dram = 0;
        for (const op_result *o : {s, sm, c})
            unfused_dram += o->st.ev.dram_read_bytes + o->st.ev.dram_write_bytes;
        EXPECT_GT(unfused_dram, fused_dram); // S and P through DRAM

        // INT4 K/V: half the bit-planes and fewer bytes
        a.attn_fused = 1;
        q.kv_bits = 4;
        n = lower_model(&a, nullptr, &m, &q, &ph, r, MODEL_MAX_OPS, &info, err, sizeof err);
        ASSERT_GT(n, 0) << err;
        f = find(r, n, "layer.attention");
        EXPECT_EQ(f->wbits, 4);
        EXPECT_LT(f->st.ev.dram_read_bytes + f->st.ev.dram_write_bytes, fused_dram);
        q.kv_bits = 8;
    }
}

} // namespace

namespace {

TEST(Attention, KvFormatKeyOfTheQuantPreset)
{
    quant_preset q;
    char err[512];
    ASSERT_EQ(quant_from_json_string("{\"wfmt\": \"int\", \"wbits\": 2}", "q.json", &q, err, sizeof err), 0) << err;
    EXPECT_EQ(q.kv_bits, 8);
    ASSERT_EQ(quant_from_json_string("{\"wfmt\": \"int\", \"wbits\": 2, \"kv_format\": \"int4\"}", "q.json",
                                     &q, err, sizeof err), 0) << err;
    EXPECT_EQ(q.kv_bits, 4);
    EXPECT_NE(quant_from_json_string("{\"wfmt\": \"int\", \"wbits\": 2, \"kv_format\": \"fp16\"}", "q.json",
                                     &q, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("q.json"), std::string::npos) << err;
    EXPECT_NE(std::string(err).find("kv_format: \"fp16\" is not modelled"), std::string::npos) << err;
    EXPECT_NE(quant_from_json_string("{\"wfmt\": \"int\", \"wbits\": 2, \"kv_format\": 8}", "q.json", &q,
                                     err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("kv_format: expected \"int8\" or \"int4\", got integer"),
              std::string::npos) << err;
}

} // namespace
