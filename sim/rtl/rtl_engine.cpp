// rtl_engine.cpp - the Verilator harness of the LUT core (plain C++, --cc).
#include "rtl_engine.h"

#include "Vlutc_top.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

namespace {

constexpr int kImemAw = 16;

void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

// Bits [lsb, lsb+width) of a Verilator wide signal (32-bit words), width <= 64.
uint64_t wbits(const uint32_t *w, int lsb, int width)
{
    uint64_t v = 0;
    for (int i = 0; i < width; i++) {
        int b = lsb + i;
        v |= (uint64_t)((w[b / 32] >> (b % 32)) & 1u) << i;
    }
    return v;
}

struct DramRsp {
    uint64_t due;
    uint32_t tag, len;
    uint8_t data[64];
};

/* Whether the VCD header written so far declares any signal (a scope that
 * matches nothing leaves it without $var lines). */
bool vcd_declares_signals(VerilatedVcdC *vcd, const char *path)
{
    vcd->flush();
    FILE *f = fopen(path, "r");
    if (!f)
        return true; /* cannot tell; the run reports write errors */
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        const char *s = line + strspn(line, " ");
        found = strncmp(s, "$var", 4) == 0;
        if (strncmp(s, "$enddefinitions", 15) == 0)
            break;
    }
    fclose(f);
    return found;
}

} // namespace

extern "C" int rtl_arch_supported(const arch_t *a, char *err, size_t errlen)
{
    arch_t d;
    arch_ideal(&d);
    if (a->compute_kind != COMPUTE_LUT) {
        fail(err, errlen, "the RTL has only the LUT array: compute.kind %s needs the C model",
             arch_kind_name(a->compute_kind));
        return -1;
    }
    if (std::strcmp(a->dram_model, "ideal") != 0) {
        fail(err, errlen,
             "the RTL runs on ideal memory: dram.model \"%s\" needs the C model "
             "(use dram.model \"ideal\" to compare engines)", a->dram_model);
        return -1;
    }
    if (!a->sram_ideal || a->lut_double_acc) {
        fail(err, errlen,
             "the RTL models ideal SRAM: %s needs the C model (use buffers.ideal true "
             "and lut.double_acc false to compare engines)",
             !a->sram_ideal ? "buffers.ideal false (banks and ports)" : "lut.double_acc true");
        return -1;
    }
    if (a->dma_max_outstanding != 0) {
        fail(err, errlen,
             "the RTL's DMA has no limit on bursts in flight: dma.max_outstanding %d needs "
             "the C model (use 0 to compare engines)", a->dma_max_outstanding);
        return -1;
    }
    if (a->ibuf_entries != 0) {
        fail(err, errlen,
             "the RTL holds the whole program in its instruction memory: issue.ibuf_entries "
             "%d needs the C model (use 0 to compare engines)", a->ibuf_entries);
        return -1;
    }
    if (a->dma_engines != 1) {
        fail(err, errlen,
             "the RTL has one DMA queue: dma.engines %d needs the C model (use 1 to compare "
             "engines)", a->dma_engines);
        return -1;
    }
    if (a->vec_fused) {
        fail(err, errlen,
             "the RTL has no vector unit: vector.fused true (GEMM epilogues) needs the C model "
             "(use false to compare engines)");
        return -1;
    }
    if (a->act_bits != 8) {
        fail(err, errlen,
             "the RTL's precompute reads INT8 activations: act_bits %d needs the C model (use "
             "8 to compare engines)", a->act_bits);
        return -1;
    }
#define SAME(f) (a->f == d.f)
    bool same = SAME(clock_ghz) && SAME(lut_cores) && SAME(tile_m) && SAME(tile_n) &&
                SAME(tile_k) && SAME(table_entry_bits) && SAME(wbits_min) && SAME(wbits_max) &&
                SAME(act_bits) && SAME(lmma_latency) && SAME(dram_gbps) && SAME(dram_latency) &&
                SAME(dram_burst) && SAME(tprec_tables_per_cycle) && SAME(tprec_latency) &&
                SAME(dequant_lanes) && SAME(dequant_latency) && SAME(vector_lanes) &&
                SAME(vector_latency) && SAME(queue_depth);
    for (int b = 0; b < BUF_COUNT; b++)
        same = same && SAME(buf[b].kib) && SAME(buf[b].banks) && SAME(buf[b].width_bits) &&
               SAME(buf[b].ports);
#undef SAME
    if (!same) {
        fail(err, errlen,
             "the RTL is built for the default architecture only (arch \"%s\" differs; "
             "rebuild the RTL from that arch.json)", a->name);
        return -1;
    }
    return 0;
}

extern "C" int rtl_run(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
                       const char *vcd_path, sim_stats *st, char *err, size_t errlen)
{
    rtl_vcd v = { vcd_path, 0, 0, nullptr };
    return rtl_run_ex(arch, p, dram, dram_size, vcd_path ? &v : nullptr, st, nullptr, err, errlen);
}

extern "C" int rtl_run_ex(const arch_t *arch, const program *p, uint8_t *dram,
                          size_t dram_size, const rtl_vcd *wave, sim_stats *st,
                          rtl_sched *sched, char *err, size_t errlen)
{
    const char *vcd_path = wave ? wave->path : nullptr;
    if (rtl_arch_supported(arch, err, errlen) != 0)
        return -1;
    // What the RTL does not implement, up to the halt.
    size_t nrun = p->n;
    for (size_t i = 0; i < p->n; i++) {
        const isa_instr *in = &p->ins[i];
        if (in->op == OP_VOP) {
            fail(err, errlen, "instruction %zu (vop): the RTL has no vector unit", i);
            return -1;
        }
        if (in->op == OP_LMMA && in->part) {
            fail(err, errlen, "instruction %zu (lmma): row partitioning (part=1, "
                 "lut.partition rows) is not in the RTL, which splits columns only", i);
            return -1;
        }
        if ((in->op == OP_LMMA || in->op == OP_TPREC) && in->tpad) {
            fail(err, errlen, "instruction %zu (%s): padded table rows (tpad=%u) are not in "
                 "the RTL, which reads the dense layout only (tpad=0)", i,
                 in->op == OP_LMMA ? "lmma" : "tprec", in->tpad);
            return -1;
        }
        if (in->op == OP_DQ && in->fmode) {
            fail(err, errlen,
                 "instruction %zu (dq): float dequantization (fmode=1) is not in the RTL", i);
            return -1;
        }
        if (in->op == OP_DQ && in->mfmt) {
            fail(err, errlen, "instruction %zu (dq): metadata format mfmt=%u is not in the RTL, "
                 "which reads the 8-byte int32 factor + fp32 scale layout (mfmt=0) only", i,
                 (unsigned)in->mfmt);
            return -1;
        }
        if (in->op == OP_HALT) {
            nrun = i + 1;
            break;
        }
    }
    if (nrun > ((size_t)1 << kImemAw)) {
        fail(err, errlen, "program of %zu instructions exceeds the RTL's %d-entry instruction memory",
             nrun, 1 << kImemAw);
        return -1;
    }
    // Legality exactly as the C model checks it, and the data-independent
    // event counts: a functional run on a copy of the image, so the checks
    // that depend on data (a LUT-array accumulator that would overflow 32
    // bits: the RTL's adders would wrap silently) and on the image size
    // (DRAM bounds) stop the run with the C model's own message.
    sim_stats cst;
    {
        std::vector<uint8_t> scratch(dram, dram + dram_size);
        sim_opts so{};
        so.dram = scratch.data();
        so.dram_size = scratch.size();
        if (sim_run(arch, nullptr, p, &so, &cst, err, errlen) != 0)
            return -1;
    }

    auto ctx = std::make_unique<VerilatedContext>();
    ctx->randReset(0);
    ctx->traceEverOn(vcd_path != nullptr);
    auto top = std::make_unique<Vlutc_top>(ctx.get(), "lutc");
    std::unique_ptr<VerilatedVcdC> vcd;
    if (vcd_path) {
        vcd = std::make_unique<VerilatedVcdC>();
        vcd->set_time_unit("1ps");
        vcd->set_time_resolution("1ps");
        if (wave->scope && *wave->scope)
            vcd->dumpvars(99, wave->scope); /* everything below the scope */
        top->trace(vcd.get(), 99);
        vcd->open(vcd_path);
        if (!vcd->isOpen()) {
            fail(err, errlen, "%s: cannot open the VCD file", vcd_path);
            return -1;
        }
        if (wave->scope && *wave->scope && !vcd_declares_signals(vcd.get(), vcd_path)) {
            vcd->close();
            fail(err, errlen, "--vcd-scope %s: no signal under that scope (an instance path "
                 "from the top, e.g. lutc.lutc_top.dma)", wave->scope);
            return -1;
        }
    }
    /* Cycle n of the run (n = the core's `now`) spans [n, n+1) periods: the
     * clock falls at n + 1/2 and rises at n + 1. */
    const double period_ps = 1000.0 / arch->clock_ghz;
    const uint64_t win_from = vcd_path ? wave->from : 0, win_to = vcd_path ? wave->to : 0;
    auto dump = [&](uint64_t cycle, int rising) {
        if (vcd && cycle >= win_from && (win_to == 0 || cycle < win_to))
            vcd->dump((uint64_t)llround(((double)cycle + (rising ? 1.0 : 0.5)) * period_ps));
    };
    /* Loading the instruction memory under reset is the harness's work,
     * before cycle 0: not in the waveform. */
    auto tick = [&]() {
        top->clk = 0;
        top->eval();
        top->clk = 1;
        top->eval();
    };

    top->rst = 1;
    top->imem_we = 0;
    top->dram_rsp_valid = 0;
    top->clk = 0;
    top->eval();
    for (size_t i = 0; i < nrun; i++) {
        isa_word w;
        char e[256];
        if (isa_encode(&p->ins[i], &w, e, sizeof e) != 0) {
            fail(err, errlen, "instruction %zu: %s", i, e);
            return -1;
        }
        top->imem_we = 1;
        top->imem_addr = (uint32_t)i;
        for (int k = 0; k < 4; k++)
            top->imem_wdata[k] = (uint32_t)(w.w[k / 2] >> (32 * (k % 2)));
        tick();
    }
    top->imem_we = 0;
    tick();
    top->rst = 0;

    memset(st, 0, sizeof *st);
    st->ev = cst.ev; // data-independent events (see the header)
    st->ev.dram_read_bytes = st->ev.dram_write_bytes = 0;
    if (sched)
        for (size_t i = 0; i < p->n; i++)
            sched[i] = rtl_sched{ 0, 0, 0, 0, 0 };
    const uint64_t lat[4] = { (uint64_t)arch->dram_latency, (uint64_t)arch->tprec_latency,
                              (uint64_t)arch->lmma_latency, (uint64_t)arch->dequant_latency };
    const uint64_t L = (uint64_t)arch->dram_latency;
    const uint64_t burst = (uint64_t)arch->dram_burst;
    // Generous bound: the C model's cycle count plus slack.
    const uint64_t limit = cst.cycles * 4 + 100000;
    std::deque<DramRsp> pend;
    uint64_t n = 0;
    uint32_t last_pc = 0xffffffffu;
    int rc = 0;
    for (;; n++) {
        if (n > limit) {
            fail(err, errlen, "RTL did not halt within %llu cycles (C model: %llu)",
                 (unsigned long long)limit, (unsigned long long)cst.cycles);
            rc = -1;
            break;
        }
        // (the outputs read here are those settled by the previous rising
        // edge's eval(): no separate eval() for the falling edge, clk goes
        // low together with this cycle's inputs below)
        if (top->now != n) {
            fail(err, errlen, "RTL cycle counter %llu differs from the harness's %llu",
                 (unsigned long long)top->now, (unsigned long long)n);
            rc = -1;
            break;
        }
        if (top->halted)
            break;
        uint32_t pc = top->pc;
        if (pc != last_pc) {
            if (sched && pc < p->n)
                sched[pc].start = n; // reached dispatch (kept for ctrl)
            last_pc = pc;
        }
        if (top->dram_req_valid) {
            uint64_t a = top->dram_req_addr;
            uint32_t len = top->dram_req_len;
            if (a + len > dram_size || len > 64) {
                fail(err, errlen, "RTL DRAM request [0x%llx, +%u) outside the %zu-byte image",
                     (unsigned long long)a, len, dram_size);
                rc = -1;
                break;
            }
            const uint32_t *wd = top->dram_req_wdata.data();
            if (top->dram_req_we) {
                for (uint32_t i = 0; i < len; i++)
                    dram[a + i] = (uint8_t)(wd[i / 4] >> (8 * (i % 4)));
                st->ev.dram_write_bytes += burst;
            } else {
                DramRsp r;
                r.due = n + (L > 0 ? L - 1 : 0);
                r.tag = top->dram_req_tag;
                r.len = len;
                memset(r.data, 0, sizeof r.data);
                memcpy(r.data, dram + a, len);
                pend.push_back(r);
                st->ev.dram_read_bytes += burst;
            }
        }
        top->dram_rsp_valid = 0;
        if (!pend.empty() && pend.front().due <= n) {
            const DramRsp &r = pend.front();
            top->dram_rsp_valid = 1;
            top->dram_rsp_tag = r.tag;
            top->dram_rsp_len = r.len;
            for (int k = 0; k < 16; k++)
                top->dram_rsp_data[k] = (uint32_t)r.data[4 * k] | (uint32_t)r.data[4 * k + 1] << 8 |
                                        (uint32_t)r.data[4 * k + 2] << 16 |
                                        (uint32_t)r.data[4 * k + 3] << 24;
            pend.pop_front();
        }
        top->clk = 0;
        top->eval();
        if (top->err) {
            fail(err, errlen, "RTL error flags 0x%02x at cycle %llu (bit0 illegal op, bit1 unit "
                 "started while busy, bit2 float dq, bit3 scoreboard full)",
                 (unsigned)top->err, (unsigned long long)n);
            rc = -1;
            break;
        }
        if (top->ctrl_fire) {
            st->instructions++;
            st->unit[UNIT_CTRL].instructions++;
            if (sched && pc < p->n) {
                sched[pc].busy_end = sched[pc].complete = n;
                sched[pc].unit = UNIT_CTRL;
                sched[pc].ran = 1;
            }
        }
        uint32_t us = top->u_start;
        for (int u = 0; u < 4; u++) {
            if (!((us >> u) & 1u))
                continue;
            uint32_t ipc = (uint32_t)wbits(top->u_pc.data(), 32 * u, 32);
            uint64_t occ = wbits(top->u_occ.data(), 48 * u, 48);
            st->instructions++;
            st->unit[u + 1].instructions++;
            st->unit[u + 1].busy_cycles += occ;
            if (sched && ipc < p->n) {
                sched[ipc].start = n;
                sched[ipc].busy_end = n + occ;
                sched[ipc].complete = n + occ + lat[u];
                sched[ipc].unit = u + 1;
                sched[ipc].ran = 1;
            }
        }
        dump(n, 0);
        top->clk = 1;
        top->eval();
        dump(n, 1);
    }
    if (rc == 0) {
        st->cycles = top->end_cycle;
        st->stall_queue_full = top->stall_qfull;
        for (int u = 0; u < 4; u++)
            st->unit[u + 1].stall_dependency = wbits(top->stall_dep.data(), 64 * u, 64);
        if (!pend.empty()) {
            fail(err, errlen, "RTL halted with %zu DRAM responses outstanding", pend.size());
            rc = -1;
        } else if (vcd && win_from >= n) {
            fail(err, errlen, "--vcd-window: starts at cycle %llu, after the run's last cycle "
                 "(%llu): the waveform would be empty",
                 (unsigned long long)win_from, (unsigned long long)(n - 1));
            rc = -1;
        }
    }
    top->final();
    if (vcd)
        vcd->close();
    return rc;
}
