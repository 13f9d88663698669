// rtl_compare.cpp - C model vs RTL on the same program.
#include "rtl_compare.h"

#include "lut_arith.h"
#include "rtl_engine.h"
#include "rtl_model.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <random>

namespace {

struct CTrace {
    std::vector<rtl_sched> s;
};

void ctrace(void *ctx, size_t index, const isa_instr *, isa_unit unit, uint64_t start,
            uint64_t busy_end, uint64_t complete)
{
    auto *t = static_cast<CTrace *>(ctx);
    if (index < t->s.size())
        t->s[index] = rtl_sched{ start, busy_end, complete, (int)unit, 1 };
}

std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char *f, ...)
{
    char b[1024];
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, sizeof b, f, ap);
    va_end(ap);
    return b;
}

} // namespace

RtlCompare rtl_compare_program(const arch_t *arch, const program *p,
                               const std::vector<uint8_t> &image, uint64_t out_lo,
                               uint64_t out_hi, int cols, const char *vcd_path,
                               const rtl_memory *mem)
{
    RtlCompare r;
    r.ideal = !mem || mem->kind == RTL_MEM_IDEAL;
    r.device = mem && mem->kind == RTL_MEM_DRAM;
    r.fetch_replayed = r.ideal || arch->ibuf_entries == 0;
    std::vector<uint8_t> cimg = image, rimg = image;
    CTrace ct;
    ct.s.assign(p->n, rtl_sched{ 0, 0, 0, 0, 0 });
    sim_stats cs{}, rs{};
    char err[512];
    sim_opts o{};
    o.dram = cimg.data();
    o.dram_size = cimg.size();
    o.trace = ctrace;
    o.trace_ctx = &ct;
    if (sim_run(arch, nullptr, p, &o, &cs, err, sizeof err) != 0) {
        r.msg = std::string("C model: ") + err;
        return r;
    }
    std::vector<rtl_sched> rsch(p->n);
    rtl_vcd wave = { vcd_path, 0, 0, nullptr };
    if (rtl_run_ex(arch, p, rimg.data(), rimg.size(), mem, vcd_path ? &wave : nullptr, &rs,
                   rsch.data(), err, sizeof err) != 0) {
        r.msg = std::string("RTL: ") + err;
        return r;
    }
    r.c_own_cycles = cs.cycles;
    if (!r.ideal) { // again, given the RTL's memory responses
        std::vector<sim_dma_time> replay(p->n, sim_dma_time{ 0, 0 });
        for (size_t i = 0; i < p->n; i++)
            if (rsch[i].ran && rsch[i].unit == UNIT_DMA)
                replay[i] = sim_dma_time{ rsch[i].busy_end - rsch[i].start,
                                          rsch[i].complete - rsch[i].busy_end };
        cimg = image;
        ct.s.assign(p->n, rtl_sched{ 0, 0, 0, 0, 0 });
        o.dram = cimg.data();
        o.dma_replay = replay.data();
        if (sim_run(arch, nullptr, p, &o, &cs, err, sizeof err) != 0) {
            r.msg = std::string("C model (replay): ") + err;
            return r;
        }
    }
    r.ran = true;
    r.c_cycles = cs.cycles;
    r.rtl_cycles = rs.cycles;
    r.cycles_equal = cs.cycles == rs.cycles;
    r.rel_diff = cs.cycles ? ((double)rs.cycles - (double)cs.cycles) / (double)cs.cycles
                           : (rs.cycles ? 1.0 : 0.0);
    if (!r.cycles_equal)
        r.msg += fmt("cycles differ: C model %llu, RTL %llu (%+lld)\n",
                     (unsigned long long)cs.cycles, (unsigned long long)rs.cycles,
                     (long long)rs.cycles - (long long)cs.cycles);
    r.data_equal = true;
    for (size_t i = 0; i < cimg.size(); i++) {
        if (cimg[i] == rimg[i])
            continue;
        r.data_equal = false;
        size_t ndiff = 0;
        for (size_t j = i; j < cimg.size(); j++)
            ndiff += cimg[j] != rimg[j];
        if (out_hi > out_lo && i >= out_lo && i < out_hi) {
            uint64_t e = (i - out_lo) / 4, a = out_lo + e * 4;
            int32_t cv, rv;
            memcpy(&cv, &cimg[a], 4);
            memcpy(&rv, &rimg[a], 4);
            if (cols > 0)
                r.msg += fmt("output differs first at element [%llu][%llu] (byte 0x%zx): C model "
                             "%d, RTL %d; %zu bytes differ\n",
                             (unsigned long long)(e / cols), (unsigned long long)(e % cols), i,
                             cv, rv, ndiff);
            else
                r.msg += fmt("output differs first at int32 element %llu (byte 0x%zx): C model %d, "
                             "RTL %d; %zu bytes differ\n",
                             (unsigned long long)e, i, cv, rv, ndiff);
        } else {
            r.msg += fmt("DRAM differs first at byte 0x%zx: C model 0x%02x, RTL 0x%02x; %zu bytes "
                         "differ\n", i, cimg[i], rimg[i], ndiff);
        }
        break;
    }
    r.sched_equal = true;
    for (size_t i = 0; i < p->n; i++) {
        const rtl_sched &a = ct.s[i], &b = rsch[i];
        if (a.ran != b.ran || a.busy_end != b.busy_end || a.complete != b.complete ||
            (a.unit != UNIT_CTRL && a.start != b.start)) {
            r.sched_equal = false;
            r.msg += fmt("instruction %zu (%s) scheduled differently: C model start %llu busy_end "
                         "%llu complete %llu, RTL %llu %llu %llu\n",
                         i, isa_def(p->ins[i].op)->mnemonic, (unsigned long long)a.start,
                         (unsigned long long)a.busy_end, (unsigned long long)a.complete,
                         (unsigned long long)b.start, (unsigned long long)b.busy_end,
                         (unsigned long long)b.complete);
            break;
        }
    }
    r.bytes_equal = cs.ev.dram_read_bytes == rs.ev.dram_read_bytes &&
                    cs.ev.dram_write_bytes == rs.ev.dram_write_bytes;
    r.stats_equal = cs.instructions == rs.instructions &&
                    cs.stall_queue_full == rs.stall_queue_full &&
                    cs.ev.dram_read_bytes == rs.ev.dram_read_bytes &&
                    cs.ev.dram_write_bytes == rs.ev.dram_write_bytes;
    for (int u = 0; u < UNIT_COUNT; u++)
        r.stats_equal = r.stats_equal && cs.unit[u].instructions == rs.unit[u].instructions &&
                        cs.unit[u].busy_cycles == rs.unit[u].busy_cycles &&
                        cs.unit[u].stall_dependency == rs.unit[u].stall_dependency &&
                        cs.unit[u].stall_dram == rs.unit[u].stall_dram;
    if (!r.stats_equal) {
        r.msg += fmt("statistics differ: instructions %llu/%llu queue-full stalls %llu/%llu dram "
                     "read %llu/%llu write %llu/%llu",
                     (unsigned long long)cs.instructions, (unsigned long long)rs.instructions,
                     (unsigned long long)cs.stall_queue_full,
                     (unsigned long long)rs.stall_queue_full,
                     (unsigned long long)cs.ev.dram_read_bytes,
                     (unsigned long long)rs.ev.dram_read_bytes,
                     (unsigned long long)cs.ev.dram_write_bytes,
                     (unsigned long long)rs.ev.dram_write_bytes);
        for (int u = 1; u < UNIT_COUNT; u++)
            r.msg += fmt("; %s busy %llu/%llu dep %llu/%llu", isa_unit_names[u],
                         (unsigned long long)cs.unit[u].busy_cycles,
                         (unsigned long long)rs.unit[u].busy_cycles,
                         (unsigned long long)cs.unit[u].stall_dependency,
                         (unsigned long long)rs.unit[u].stall_dependency);
        r.msg += "\n";
    }
    return r;
}

bool rtl_make_gemm(const arch_t *arch, lut_wfmt wf, int bits, int m, int n, int kd, int group,
                   uint32_t seed, GemmCase *g)
{
    g->shape = gemm_shape{};
    g->shape.wtype.fmt = wf;
    g->shape.wtype.bits = bits;
    g->shape.group_size = group;
    g->shape.m = m;
    g->shape.n = n;
    g->shape.kd = kd;
    g->shape.float_out = 0;
    char err[512];
    if (gemm_lower(arch, &g->shape, &g->prog, &g->lay, err, sizeof err) != 0) {
        g->err = err;
        return false;
    }
    std::mt19937 rng(seed);
    std::vector<int8_t> A((size_t)m * kd), W((size_t)n * kd);
    for (auto &a : A)
        a = (int8_t)(int)(rng() % 256 - 128);
    int lo, hi;
    lut_wtype_range(g->shape.wtype, &lo, &hi);
    for (auto &w : W) {
        int v;
        do
            v = lo + (int)(rng() % (uint32_t)(hi - lo + 1));
        while (!lut_wtype_admits(g->shape.wtype, v));
        w = (int8_t)v;
    }
    std::vector<int32_t> z2;
    if (wf == LUT_WFMT_UINT) {
        int ng = (kd + group - 1) / group;
        z2.resize((size_t)n * ng);
        for (auto &z : z2)
            z = (int32_t)(rng() % (uint32_t)(2 * ((1 << bits) - 1) + 1));
    }
    g->image.assign(g->lay.image_bytes, 0);
    if (gemm_fill(arch, &g->shape, &g->lay, A.data(), W.data(), z2.empty() ? nullptr : z2.data(),
                  nullptr, g->image.data(), err, sizeof err) != 0) {
        g->err = err;
        program_free(&g->prog);
        return false;
    }
    return true;
}

bool rtl_make_random_program(const arch_t *arch, uint32_t seed, program *p,
                             std::vector<uint8_t> *image, std::string *err)
{
    std::mt19937 rng(seed);
    auto rnd = [&](uint32_t lo, uint32_t hi) { return lo + rng() % (hi - lo + 1); };
    program_init(p);
    const uint64_t dram = 1 << 16;
    image->resize(dram);
    for (auto &b : *image)
        b = (uint8_t)rng();
    const int tk = arch->tile_k, E = 1 << (tk - 1);
    const int n_ins = (int)rnd(4, 40);
    for (int k = 0; k < n_ins; k++) {
        isa_instr in;
        memset(&in, 0, sizeof in);
        int kind = (int)rnd(0, 9);
        if (kind <= 2) { // load / store, random buffer, small
            in.op = kind == 2 ? OP_STORE : OP_LOAD;
            in.buf = rnd(0, 3);
            in.rows = rnd(1, 6);
            in.bytes = rnd(1, 200);
            in.stride = rng() % 2 ? in.bytes : in.bytes + rnd(0, 100);
            uint64_t span = (uint64_t)(in.rows - 1) * in.stride + in.bytes;
            /* within the buffer (the table buffer may be 4 KiB): a program
               the C model refuses would be a skipped seed, not a case */
            const uint64_t room = arch_buf_bytes(arch, (buf_id)in.buf);
            const uint64_t cap = room > span ? std::min<uint64_t>(4096, room - span) : 0;
            in.sram = rnd(0, (uint32_t)cap);
            in.dram = rnd(0, (uint32_t)(dram - span - 1));
        } else if (kind == 3) {
            in.op = OP_TPREC;
            in.rows = rnd(1, 5);
            in.klen = rnd(1, 40);
            in.stride = in.klen + rnd(0, 20);
            in.src = rnd(0, 4096);
            uint64_t tbytes = (uint64_t)in.rows * ((in.klen + tk - 1) / tk) * E * 2;
            in.dst = rnd(0, (uint32_t)(arch_buf_bytes(arch, BUF_TBL) - tbytes - 64));
            in.sum = rnd(0, (uint32_t)(arch_buf_bytes(arch, BUF_TBL) - 4 * in.rows - 1));
        } else if (kind <= 5) {
            in.op = OP_LMMA;
            in.m = rnd(1, 5);
            in.n = rng() % 3 ? rnd(1, 80) : rnd(500, 1100);
            in.klen = rnd(1, 24);
            in.wbits = rnd((uint32_t)arch->wbits_min, (uint32_t)arch->wbits_max);
            in.accum = rnd(0, 1);
            uint64_t ch = (in.klen + tk - 1) / tk;
            in.tbl = rnd(0, (uint32_t)(arch_buf_bytes(arch, BUF_TBL) - in.m * ch * E * 2 - 1));
            in.wgt = rnd(0, 8192);
            in.acc = rnd(0, 16384);
        } else if (kind <= 7) {
            in.op = OP_DQ;
            in.m = rnd(1, 6);
            in.n = rng() % 3 ? rnd(1, 100) : rnd(100, 700);
            in.acc = rnd(0, 16384);
            in.dst = rnd(0, 16384);
            in.sum = rnd(0, (uint32_t)(arch_buf_bytes(arch, BUF_TBL) - 4 * in.m - 1));
            in.meta = rnd(0, 8192);
            in.accum = rnd(0, 1);
            in.shift = rnd(0, 1);
        } else if (kind == 8) {
            in.op = OP_BARRIER;
        } else { // a store of output rows to DRAM
            in.op = OP_STORE;
            in.buf = BUF_OUT;
            in.rows = rnd(1, 4);
            in.bytes = 4 * rnd(1, 64);
            in.stride = in.bytes + 4 * rnd(0, 8);
            in.sram = rnd(0, 16384);
            uint64_t span = (uint64_t)(in.rows - 1) * in.stride + in.bytes;
            in.dram = rnd(0, (uint32_t)(dram - span - 1));
        }
        if (program_push(p, &in) != 0) {
            *err = "out of memory";
            return false;
        }
    }
    isa_instr h;
    memset(&h, 0, sizeof h);
    h.op = OP_HALT;
    program_push(p, &h);
    return true;
}

namespace {

// One draw of the space (rtl_random_arch); arch_check decides legality.
void draw_arch(std::mt19937 &rng, arch_t *a)
{
    auto pick = [&](std::initializer_list<int> v) { return *(v.begin() + rng() % v.size()); };
    arch_ideal(a);
    a->lut_cores = pick({ 1, 2, 4, 8 });
    a->tile_m = pick({ 1, 2, 4 });
    a->tile_n = pick({ 16, 32, 64 });
    a->tile_k = pick({ 2, 3, 4, 5 });
    a->buf[BUF_ACT].kib = pick({ 64, 128, 256 });
    a->buf[BUF_WGT].kib = pick({ 64, 256, 512 });
    a->buf[BUF_WGT].banks = pick({ 2, 4, 8 });
    a->buf[BUF_TBL].kib = pick({ 4, 8, 16 });
    a->buf[BUF_OUT].kib = pick({ 64, 128, 256 });
    a->dram_latency = pick({ 20, 50, 100 });
    a->lmma_latency = pick({ 2, 4 });
    a->tprec_latency = pick({ 1, 2, 3 });
    a->dequant_lanes = pick({ 16, 64 });
    a->dequant_latency = pick({ 2, 4 });
    a->queue_depth = pick({ 2, 4, 8 });
    // 0: the instruction memory; else streamed, which the RTL takes with
    // a DMA window that does not bind (0, or at least the latency)
    a->ibuf_entries = pick({ 0, 4, 16, 64, 512 });
    a->dma_max_outstanding = a->ibuf_entries ? pick({ 0, 128 }) : pick({ 0, 4, 16 });
}

} // namespace

void rtl_random_arch(uint32_t seed, arch_t *a)
{
    std::mt19937 rng(seed);
    char err[256];
    do
        draw_arch(rng, a);
    while (arch_check(a, err, sizeof err) != 0 ||
           rtl_model_entry_table.supported(a, nullptr, err, sizeof err) != 0);
    snprintf(a->name, sizeof a->name, "rand-%u", seed);
}

std::string rtl_arch_summary(const arch_t *a)
{
    char b[352];
    snprintf(b, sizeof b, "%d cores, tile %dx%dx%d, buffers act/weight/table/output "
             "%d/%d/%d/%d KiB, weight banks %d, DRAM latency %d, dma.max_outstanding %d, "
             "latencies lmma/tprec/dq %d/%d/%d, dq lanes %d, queue %d, ibuf %d",
             a->lut_cores, a->tile_m, a->tile_n, a->tile_k, a->buf[BUF_ACT].kib,
             a->buf[BUF_WGT].kib, a->buf[BUF_TBL].kib, a->buf[BUF_OUT].kib,
             a->buf[BUF_WGT].banks, a->dram_latency, a->dma_max_outstanding, a->lmma_latency,
             a->tprec_latency, a->dequant_latency, a->dequant_lanes, a->queue_depth,
             a->ibuf_entries);
    return b;
}
