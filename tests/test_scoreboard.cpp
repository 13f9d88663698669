// test_scoreboard.cpp - the C model's scoreboard (cmodel/scoreboard.c)
// against the quadratic window search it replaced, kept here as the oracle.
//
// End to end: generated programs (random mixes of every unit's
// instructions with dense and sparse hazards, barriers, GEMM programs from
// the compiler) on architectures from DRAM latency 0 to 1,000,000 and queue
// depths 1 to 64 give the same schedule (every instruction's start, busy end
// and completion) and the same statistics from sim_run as from the old
// algorithm.  At the interface: random footprints, including ranges nested
// in each other and DRAM addresses up to 2^42, give the same answer as a
// scan over everything recorded.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "machine.h"
#include "scoreboard.h"
}
#include "arch.h"
#include "gemm.h"
#include "isa.h"
#include "program.h"
#include "sim.h"

namespace {

struct Sched {
    uint64_t start, busy_end, complete;
    bool operator==(const Sched &o) const
    {
        return start == o.start && busy_end == o.busy_end && complete == o.complete;
    }
};

// ---- the oracle: sim.c's timing loop as it was, with its window search ----

struct Inflight {
    uint64_t complete;
    footprint fp;
};

bool overlaps(const mem_range &a, const mem_range &b)
{
    return a.space == b.space && a.lo < b.hi && b.lo < a.hi;
}

bool conflicts(const footprint &mine, const footprint &old)
{
    for (int i = 0; i < mine.nr; i++)
        for (int j = 0; j < old.nw; j++)
            if (overlaps(mine.r[i], old.w[j]))
                return true;
    for (int i = 0; i < mine.nw; i++) {
        for (int j = 0; j < old.nr; j++)
            if (overlaps(mine.w[i], old.r[j]))
                return true;
        for (int j = 0; j < old.nw; j++)
            if (overlaps(mine.w[i], old.w[j]))
                return true;
    }
    return false;
}

const unit_ops *ops_for(isa_unit u)
{
    switch (u) {
    case UNIT_DMA: return &unit_dma_ops;
    case UNIT_TPREC: return &unit_tprec_ops;
    case UNIT_LUT: return &unit_lut_ops;
    case UNIT_DQ: return &unit_dq_ops;
    case UNIT_VEC: return &unit_vec_ops;
    default: return nullptr;
    }
}

machine timing_machine(const arch_t *arch)
{
    machine m;
    memset(&m, 0, sizeof m);
    m.arch = arch;
    m.tk = arch->tile_k;
    m.entries = 1 << (arch->tile_k - 1);
    m.entry_bytes = 2;
    m.tbytes = arch_table_bytes(arch);
    for (int b = 0; b < BUF_COUNT; b++)
        m.buf_size[b] = arch_buf_bytes(arch, (buf_id)b);
    return m;
}

// Timing-only; the program must be valid and end with halt.
void oracle_run(const arch_t *arch, const program *p, sim_stats *st, std::vector<Sched> *tr)
{
    machine m = timing_machine(arch);
    memset(st, 0, sizeof *st);
    tr->clear();
    const int Q = arch->queue_depth < 64 ? arch->queue_depth : 64;
    uint64_t qstart[UNIT_COUNT][64] = {};
    uint64_t qcount[UNIT_COUNT] = {}, unit_free[UNIT_COUNT] = {};
    uint64_t dram_free = 0, fence = 0, last_disp = 0, end = 0;
    std::vector<Inflight> win;
    for (size_t i = 0; i < p->n; i++) {
        const isa_instr *in = &p->ins[i];
        const isa_opdef *d = isa_def(in->op);
        uint64_t disp = i == 0 ? 0 : last_disp + 1;
        isa_unit u = d->unit;
        st->instructions++;
        st->unit[u].instructions++;
        if (u == UNIT_CTRL) {
            uint64_t t = disp > end ? disp : end;
            tr->push_back({ disp, t, t });
            fence = t;
            last_disp = t;
            if (in->op == OP_HALT)
                break;
            continue;
        }
        const unit_ops *ops = ops_for(u);
        footprint fp;
        fp.nr = fp.nw = 0;
        char why[256];
        ASSERT_EQ(ops->footprint(&m, in, &fp, why, sizeof why), 0) << why;
        unit_cost c = {};
        ops->cost(&m, in, &c, &st->ev);
        if (qcount[u] >= (uint64_t)Q) {
            uint64_t slot = qstart[u][qcount[u] % (uint64_t)Q];
            if (slot > disp) {
                st->stall_queue_full += slot - disp;
                disp = slot;
            }
        }
        last_disp = disp;
        uint64_t ready = disp > fence ? disp : fence;
        for (size_t k = 0; k < win.size();) {
            if (win[k].complete <= disp) {
                win[k] = win.back();
                win.pop_back();
                continue;
            }
            if (win[k].complete > ready && conflicts(fp, win[k].fp))
                ready = win[k].complete;
            k++;
        }
        uint64_t avail = disp > unit_free[u] ? disp : unit_free[u];
        uint64_t start = ready > unit_free[u] ? ready : unit_free[u];
        if (ready > avail)
            st->unit[u].stall_dependency += ready - avail;
        if (u == UNIT_DMA && dram_free > start) {
            st->unit[u].stall_dram += dram_free - start;
            start = dram_free;
        }
        uint64_t busy_end = start + c.occupancy;
        uint64_t complete = busy_end + c.latency;
        unit_free[u] = busy_end;
        if (u == UNIT_DMA)
            dram_free = start + c.dram_cycles;
        st->unit[u].busy_cycles += c.occupancy;
        qstart[u][qcount[u] % (uint64_t)Q] = start;
        qcount[u]++;
        if (complete > end)
            end = complete;
        win.push_back({ complete, fp });
        tr->push_back({ start, busy_end, complete });
    }
    st->cycles = end;
}

// ---- sim_run with its schedule recorded ----

void record(void *ctx, size_t, const isa_instr *, isa_unit, uint64_t start, uint64_t busy_end,
            uint64_t complete)
{
    static_cast<std::vector<Sched> *>(ctx)->push_back({ start, busy_end, complete });
}

void expect_same_as_oracle(const arch_t *arch, const program *p, const std::string &what)
{
    std::vector<Sched> want, got;
    sim_stats ws, gs;
    oracle_run(arch, p, &ws, &want);
    sim_opts o{};
    o.trace = record;
    o.trace_ctx = &got;
    char err[512];
    ASSERT_EQ(sim_run(arch, nullptr, p, &o, &gs, err, sizeof err), 0) << what << ": " << err;
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < want.size(); i++)
        ASSERT_TRUE(got[i] == want[i])
            << what << ": instruction " << i << " start/busy_end/complete " << got[i].start << "/"
            << got[i].busy_end << "/" << got[i].complete << ", the old search gives "
            << want[i].start << "/" << want[i].busy_end << "/" << want[i].complete;
    EXPECT_EQ(gs.cycles, ws.cycles) << what;
    EXPECT_EQ(gs.instructions, ws.instructions) << what;
    EXPECT_EQ(gs.stall_queue_full, ws.stall_queue_full) << what;
    EXPECT_EQ(memcmp(&gs.ev, &ws.ev, sizeof gs.ev), 0) << what;
    for (int u = 0; u < UNIT_COUNT; u++) {
        EXPECT_EQ(gs.unit[u].instructions, ws.unit[u].instructions) << what << " unit " << u;
        EXPECT_EQ(gs.unit[u].busy_cycles, ws.unit[u].busy_cycles) << what << " unit " << u;
        EXPECT_EQ(gs.unit[u].stall_dependency, ws.unit[u].stall_dependency) << what << " unit " << u;
        EXPECT_EQ(gs.unit[u].stall_dram, ws.unit[u].stall_dram) << what << " unit " << u;
    }
}

// ---- program generator ----

struct Gen {
    std::mt19937_64 rng;
    const arch_t *a;
    machine m;
    uint32_t slots;     // distinct base addresses per space: few = dense hazards
    int barrier_permil; // barriers per thousand instructions

    uint32_t rnd(uint32_t lo, uint32_t hi) { return lo + (uint32_t)(rng() % (hi - lo + 1)); }
    // An address in a buffer of size bytes: one of `slots` aligned bases, or anywhere.
    uint32_t addr(size_t size)
    {
        if (rng() % 4 == 0)
            return (uint32_t)(rng() % size);
        uint32_t grain = (uint32_t)(size / slots);
        return rnd(0, slots - 1) * grain + (uint32_t)(rng() % 3) * 16;
    }
    size_t bytes(buf_id b) const { return m.buf_size[b]; }

    isa_instr draw()
    {
        isa_instr in;
        memset(&in, 0, sizeof in);
        if ((int)(rng() % 1000) < barrier_permil) {
            in.op = OP_BARRIER;
            return in;
        }
        const int tk = a->tile_k;
        switch (rng() % 8) {
        case 0: case 1: case 2: // load / store
            in.op = rng() % 3 ? OP_LOAD : OP_STORE;
            in.buf = rnd(0, 3);
            in.rows = rng() % 4 ? 1 : rnd(2, 8);
            in.bytes = rng() % 2 ? 64 * rnd(1, 16) : rnd(1, 300);
            in.stride = in.rows > 1 && rng() % 2 ? in.bytes + rnd(0, 512) : in.bytes;
            in.sram = addr(bytes((buf_id)in.buf));
            in.dram = rng() % 2 ? (uint64_t)rnd(0, slots - 1) * 4096
                                : (rng() % ((uint64_t)1 << 40));
            break;
        case 3:
            in.op = OP_TPREC;
            in.rows = rnd(1, 4);
            in.klen = rnd(1, 64);
            in.stride = in.klen + rnd(0, 16);
            in.src = addr(bytes(BUF_ACT));
            in.dst = addr(bytes(BUF_TBL));
            in.sum = addr(bytes(BUF_TBL));
            break;
        case 4: case 5:
            in.op = OP_LMMA;
            in.m = rnd(1, 4);
            in.n = rng() % 3 ? rnd(1, 128) : rnd(128, 1024);
            in.klen = rnd(1, 8 * tk);
            in.wbits = rnd((uint32_t)a->wbits_min, (uint32_t)a->wbits_max);
            in.accum = rnd(0, 1);
            in.tbl = addr(bytes(BUF_TBL));
            in.wgt = addr(bytes(BUF_WGT));
            in.acc = addr(bytes(BUF_OUT));
            break;
        case 6:
            in.op = OP_DQ;
            in.m = rnd(1, 4);
            in.n = rnd(1, 256);
            in.acc = addr(bytes(BUF_OUT));
            in.dst = addr(bytes(BUF_OUT));
            in.sum = addr(bytes(BUF_TBL));
            in.meta = addr(bytes(BUF_WGT));
            in.accum = rnd(0, 1);
            in.shift = rnd(0, 1);
            break;
        default:
            in.op = OP_VOP;
            in.fn = rnd(0, VFN_COUNT - 1);
            in.sbuf = rnd(0, 3);
            in.dbuf = rnd(0, 3);
            in.len = rnd(1, 512);
            in.src = addr(bytes((buf_id)in.sbuf));
            in.src2 = addr(bytes((buf_id)in.sbuf));
            in.dst = addr(bytes((buf_id)in.dbuf));
            break;
        }
        return in;
    }

    bool valid(const isa_instr &in)
    {
        if (in.op == OP_BARRIER)
            return true;
        footprint fp;
        fp.nr = fp.nw = 0;
        char why[256];
        if (ops_for(isa_def(in.op)->unit)->footprint(&m, &in, &fp, why, sizeof why) != 0)
            return false;
        for (int i = 0; i < fp.nr + fp.nw; i++) {
            const mem_range &r = i < fp.nr ? fp.r[i] : fp.w[i - fp.nr];
            if (r.space < BUF_COUNT && r.hi > m.buf_size[r.space])
                return false;
        }
        return true;
    }

    void program_of(size_t n, program *p)
    {
        program_init(p);
        while (p->n < n) {
            isa_instr in = draw();
            if (valid(in)) {
                ASSERT_EQ(program_push(p, &in), 0);
            }
        }
        isa_instr h;
        memset(&h, 0, sizeof h);
        h.op = OP_HALT;
        ASSERT_EQ(program_push(p, &h), 0);
    }
};

arch_t arch_with(int dram_latency, int queue_depth, int unit_latency)
{
    arch_t a;
    arch_ideal(&a);
    a.dram_latency = dram_latency;
    a.queue_depth = queue_depth;
    a.lmma_latency = a.tprec_latency = a.dequant_latency = a.vector_latency = unit_latency;
    return a;
}

} // namespace

TEST(Scoreboard, GeneratedProgramsTimeAsWithTheOldSearch)
{
    const int latencies[] = { 0, 1, 100, 3000, 1000000 };
    const int depths[] = { 1, 4, 64 };
    const uint32_t slots[] = { 2, 16, 1024 };
    int seed = 1;
    for (int lat : latencies)
        for (int q : depths)
            for (uint32_t s : slots) {
                arch_t a = arch_with(lat, q, lat % 7 + (s == 16 ? 1000 : 0));
                Gen g{ std::mt19937_64((uint64_t)seed), &a, timing_machine(&a), s,
                       seed % 3 == 0 ? 5 : 0 };
                program p;
                g.program_of(seed % 5 == 0 ? 4000 : 600, &p);
                expect_same_as_oracle(&a, &p,
                                      "seed " + std::to_string(seed) + ", DRAM latency " +
                                          std::to_string(lat) + ", queue " + std::to_string(q) +
                                          ", " + std::to_string(s) + " slots");
                program_free(&p);
                seed++;
            }
}

// Streams of long-lived loads: the window of the old search held all of
// them (the case that was quadratic); the trees get swept many times.
TEST(Scoreboard, LongLatencyLoadStreamsTimeAsWithTheOldSearch)
{
    arch_t a = arch_with(1000000, 4, 4);
    for (int variant = 0; variant < 3; variant++) {
        program p;
        program_init(&p);
        std::mt19937_64 rng(7 + variant);
        for (uint32_t i = 0; i < 6000; i++) {
            isa_instr in;
            memset(&in, 0, sizeof in);
            in.op = OP_LOAD;
            in.buf = BUF_ACT;
            in.rows = 1;
            in.bytes = variant == 0 ? 2 : (uint32_t)(1 + rng() % 64);
            in.stride = in.bytes;
            // distinct, reused every 512, or scattered
            in.sram = variant == 0 ? 2 * i : variant == 1 ? 64 * (i % 512)
                                                          : (uint32_t)(rng() % (256 * 1024 - 64));
            in.dram = variant == 2 ? rng() % ((uint64_t)1 << 40) : 64ull * i;
            ASSERT_EQ(program_push(&p, &in), 0);
            if (i % 1000 == 999 && variant == 1) {
                in.op = OP_STORE;
                in.dram = 0;
                ASSERT_EQ(program_push(&p, &in), 0);
            }
        }
        isa_instr h;
        memset(&h, 0, sizeof h);
        h.op = OP_HALT;
        ASSERT_EQ(program_push(&p, &h), 0);
        expect_same_as_oracle(&a, &p, "load stream " + std::to_string(variant));
        program_free(&p);
    }
}

TEST(Scoreboard, CompiledGemmsTimeAsWithTheOldSearch)
{
    const int latencies[] = { 100, 20000, 1000000 };
    for (int lat : latencies) {
        arch_t a = arch_with(lat, 4, 4);
        gemm_shape gs;
        memset(&gs, 0, sizeof gs);
        gs.wtype.fmt = LUT_WFMT_INT;
        gs.wtype.bits = 2;
        gs.group_size = 128;
        gs.m = 16;
        gs.n = 1024;
        gs.kd = 1024;
        program p;
        gemm_layout lay;
        char err[512];
        ASSERT_EQ(gemm_lower(&a, &gs, &p, &lay, err, sizeof err), 0) << err;
        expect_same_as_oracle(&a, &p, "GEMM 16x1024x1024, DRAM latency " + std::to_string(lat));
        program_free(&p);
    }
}

// A footprint of a random number of reads and writes, each drawn by draw.
template <class Draw> footprint random_footprint(std::mt19937_64 &rng, Draw draw)
{
    footprint fp;
    fp.nr = (int)(rng() % (FP_MAX_READS + 1));
    fp.nw = (int)(rng() % (FP_MAX_WRITES + 1));
    for (int i = 0; i < fp.nr + fp.nw; i++)
        draw(i < fp.nr ? fp.r[i] : fp.w[i - fp.nr]);
    return fp;
}

// A scoreboard beside everything recorded in it, and the reference answer:
// the latest of now and the completions of every recorded entry in
// conflict with fp.
struct Recorded {
    scoreboard sb;
    std::vector<Inflight> all;
    Recorded() { sb_init(&sb); }
    ~Recorded() { sb_free(&sb); }
    Recorded(const Recorded &) = delete;
    Recorded &operator=(const Recorded &) = delete;
    int record(const footprint &fp, uint64_t complete)
    {
        all.push_back({ complete, fp });
        return sb_record(&sb, &fp, complete);
    }
    uint64_t scan(const footprint &fp, uint64_t now) const
    {
        uint64_t want = now;
        for (const Inflight &e : all)
            if (e.complete > want && conflicts(fp, e.fp))
                want = e.complete;
        return want;
    }
};

// The interface alone: every answer equals a scan over everything recorded
// (entries completing by the cycle asked about cannot change the answer).
TEST(Scoreboard, AnswersEqualAScanOverEverythingRecorded)
{
    for (int round = 0; round < 6; round++) {
        std::mt19937_64 rng(100 + round);
        Recorded rec;
        uint64_t now = 0;
        // round 0..2: buffer-sized spaces, 3..5: DRAM-sized, nested ranges
        const uint64_t span = round < 3 ? 4096 : (uint64_t)1 << 42;
        for (int k = 0; k < 3000; k++) {
            footprint fp = random_footprint(rng, [&](mem_range &r) {
                r.space = (int)(rng() % SB_SPACES);
                uint64_t len = rng() % 8 == 0 ? 1 + rng() % (span / 2) : 1 + rng() % 64;
                r.lo = rng() % (span - len);
                r.hi = r.lo + len;
            });
            now += rng() % 4 == 0 ? rng() % 2000 : rng() % 3;
            // the unit's free cycle: often past now, sometimes before it,
            // going back and forth from query to query
            const uint64_t free_at = rng() % 2 ? now + rng() % 500 : now - rng() % (now + 1);
            const uint64_t want = rec.scan(fp, now);
            ASSERT_EQ(sb_check(&rec.sb, &fp, now, free_at), want > free_at ? want : free_at)
                << "round " << round << ", query " << k;
            uint64_t complete = now + (rng() % 3 == 0 ? rng() % 1000000 : rng() % 200);
            ASSERT_EQ(rec.record(fp, complete), 0);
        }
    }
}

// The recent list at the latencies it serves: completions in a few cycles
// with many ties (the list keeps them latest first and stops at the first
// conflict), often full (the latest moves to the trees), several checks
// between records (completed entries leave from its end), and ranges
// packed into one or two spaces so the per-space boxes around an entry's
// ranges hold gaps that an exact comparison must see through.  Every
// answer equals a scan over everything recorded.
TEST(Scoreboard, RecentListAnswersEqualAScanOverEverythingRecorded)
{
    for (int round = 0; round < 8; round++) {
        std::mt19937_64 rng(700 + round);
        Recorded rec;
        uint64_t now = 0;
        const int spaces = round % 2 ? 1 : 2;
        const uint64_t latency = round < 4 ? 8 : 64; // 64: the list stays full
        int answered_late = 0;
        for (int k = 0; k < 4000; k++) {
            footprint fp = random_footprint(rng, [&](mem_range &r) {
                r.space = (int)(rng() % (uint64_t)spaces) * (SB_SPACES - 1);
                r.lo = 16 * (rng() % 64) + rng() % 8;
                r.hi = r.lo + 1 + rng() % 12; // often inside a gap of another's box
            });
            for (int c = 0; c < 1 + (int)(rng() % 3); c++) {
                now += rng() % 3 == 0 ? 1 : 0;
                const uint64_t want = rec.scan(fp, now);
                answered_late += want > now;
                ASSERT_EQ(sb_check(&rec.sb, &fp, now, 0), want) << "round " << round << ", query " << k;
            }
            uint64_t complete = now + 1 + rng() % latency;
            ASSERT_EQ(rec.record(fp, complete), 0);
        }
        EXPECT_GT(answered_late, 1000) << "round " << round << ": too few hazards to test";
    }
}

// Reads inside a write of their own footprint (an accumulator read and
// written, an attention state updated in place) are neither checked nor
// kept: the write stands for them.  Footprints built that way, beside
// plain ones, in one packed space and DRAM, with later writes landing on
// the reads alone: every answer equals a scan over everything recorded.
TEST(Scoreboard, ReadsInsideTheirWritesAnswerAsAScan)
{
    for (int round = 0; round < 6; round++) {
        std::mt19937_64 rng(900 + round);
        Recorded rec;
        uint64_t now = 0;
        int inside = 0, answered_late = 0;
        for (int k = 0; k < 4000; k++) {
            footprint fp;
            fp.nw = 1 + (int)(rng() % FP_MAX_WRITES);
            fp.nr = (int)(rng() % (FP_MAX_READS + 1));
            for (int j = 0; j < fp.nw; j++) {
                mem_range &w = fp.w[j];
                w.space = rng() % 4 == 0 ? SPACE_DRAM : BUF_OUT;
                w.lo = 16 * (rng() % 256);
                w.hi = w.lo + 16 * (1 + rng() % 8);
            }
            for (int i = 0; i < fp.nr; i++) {
                mem_range &r = fp.r[i];
                if (rng() % 2) { // inside one of the writes, or all of it
                    const mem_range &w = fp.w[rng() % (uint64_t)fp.nw];
                    r = w;
                    if (rng() % 2) {
                        r.lo = w.lo + rng() % (w.hi - w.lo);
                        r.hi = r.lo + 1 + rng() % (w.hi - r.lo);
                    }
                    inside++;
                } else {
                    r.space = rng() % 4 == 0 ? SPACE_DRAM : BUF_OUT;
                    r.lo = 16 * (rng() % 256) + rng() % 16;
                    r.hi = r.lo + 1 + rng() % 64;
                }
            }
            now += rng() % 3;
            const uint64_t free_at = rng() % 2 ? now + rng() % 20 : now - rng() % (now + 1);
            const uint64_t want = rec.scan(fp, now);
            answered_late += want > now;
            ASSERT_EQ(sb_check(&rec.sb, &fp, now, free_at), want > free_at ? want : free_at)
                << "round " << round << ", query " << k;
            ASSERT_EQ(rec.record(fp, now + 1 + rng() % (round < 3 ? 16 : 200)), 0);
        }
        EXPECT_GT(inside, 2000) << "round " << round;
        EXPECT_GT(answered_late, 1000) << "round " << round << ": too few hazards to test";
    }
}
