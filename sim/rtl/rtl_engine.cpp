// rtl_engine.cpp - the Verilator harness of the LUT core (plain C++, --cc).
#include "rtl_engine.h"

#include "ifetch.h"

#include "rtl_memory.h"
#include "rtl_model.h"
#include "rtl_params.h"

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

extern "C" int rtl_memory_parse(const char *s, rtl_memory *m, char *err, size_t errlen)
{
    m->seed = 1;
    if (std::strcmp(s, "ideal") == 0) {
        m->kind = RTL_MEM_IDEAL;
        return 0;
    }
    if (std::strcmp(s, "dram") == 0) {
        m->kind = RTL_MEM_DRAM;
        return 0;
    }
    if (std::strncmp(s, "random", 6) == 0 && (s[6] == 0 || s[6] == ':')) {
        m->kind = RTL_MEM_RANDOM;
        if (s[6] == ':') {
            char *end;
            unsigned long long v = strtoull(s + 7, &end, 10);
            if (!s[7] || *end || s[7] == '-') {
                fail(err, errlen, "--memory: expected random:SEED with SEED a decimal "
                     "number, got '%s'", s);
                return -1;
            }
            m->seed = v;
        }
        return 0;
    }
    fail(err, errlen, "--memory: expected ideal, dram or random[:SEED], got '%s'", s);
    return -1;
}

extern "C" const char *rtl_memory_name(const rtl_memory *m, char *buf, size_t len)
{
    if (m->kind == RTL_MEM_RANDOM)
        snprintf(buf, len, "random:%llu", (unsigned long long)m->seed);
    else
        snprintf(buf, len, "%s", m->kind == RTL_MEM_DRAM   ? "dram"
                                 : m->kind == RTL_MEM_PORT ? "port"
                                                           : "ideal");
    return buf;
}

/* The rates the RTL builds in (rtl/lutc_lut.v, lutc_dma.v): the weight
 * buffer feeds one pass of the array a cycle, the DMA moves one burst a
 * cycle and every buffer takes the DRAM's bytes a cycle.  Where
 * the C model would be slower (buffers.*.banks x width_bits) no build of
 * the RTL times it, so it is refused rather than mistimed. */
static int rate_supported(const arch_t *a, bool device, char *err, size_t errlen)
{
    arch_t b;
    rtl_params_built_arch(a, device, &b);
    const long long need = (long long)b.tile_n * b.lut_cores * b.tile_k;
    const long long supply = (long long)b.buf[BUF_WGT].banks * b.buf[BUF_WGT].width_bits;
    if (supply < need) {
        fail(err, errlen, "the RTL's LUT array takes one pass a cycle: buffers.weight banks x "
             "width_bits = %lld bits a cycle is below a pass's %lld (tile.n x cores x tile.k); "
             "needs the C model", supply, need);
        return -1;
    }
    /* (below a burst a cycle the testbench's bus paces bursts by a credit,
     * the C model a transfer by its bytes: a few cycles apart per transfer) */
    const double bpc = arch_dram_bytes_per_cycle(&b);
    if (bpc != (double)b.dram_burst) {
        fail(err, errlen, "the RTL's DMA is timed at one %d-byte burst a cycle: %.1f DRAM bytes "
             "a cycle (dram.bandwidth_gbps / clock_ghz) needs the C model (or --memory dram "
             "with a device)", b.dram_burst, bpc);
        return -1;
    }
    for (int i = 0; i < BUF_COUNT; i++) {
        const int row = b.buf[i].banks * b.buf[i].width_bits / 8;
        if ((double)row < bpc) {
            fail(err, errlen, "the RTL's buffers take the DRAM's %.1f bytes a cycle: "
                 "buffers.%s banks x width_bits = %d bytes a cycle needs the C model", bpc,
                 arch_buf_name((buf_id)i), row);
            return -1;
        }
    }
    return 0;
}

/* The RTL's instruction buffer (rtl/lutc_ifetch.v) fetches one burst of
 * instructions a request. */
static int ibuf_supported(const arch_t *a, bool device, char *err, size_t errlen)
{
    arch_t b;
    rtl_params_built_arch(a, device, &b);
    if (b.dram_burst < IFETCH_INSTR_BYTES) {
        fail(err, errlen, "the RTL fetches whole bursts of instructions: dram.burst_bytes %d is "
             "below one %d-byte instruction, so issue.ibuf_entries %d needs the C model",
             b.dram_burst, IFETCH_INSTR_BYTES, a->ibuf_entries);
        return -1;
    }
    const int k = b.dram_burst / IFETCH_INSTR_BYTES;
    if (a->ibuf_entries % k != 0) {
        fail(err, errlen, "issue.ibuf_entries %d: the RTL's instruction buffer holds whole bursts "
             "of %d instructions (dram.burst_bytes %d / %d): use a multiple of %d",
             a->ibuf_entries, k, b.dram_burst, IFETCH_INSTR_BYTES, k);
        return -1;
    }
    /* (the C model reserves the bus for a window-limited transfer as one
     * interval of its bursts; the RTL's fetcher uses the cycles the DMA
     * waits for a transaction slot, so the two would differ) */
    if (!device && a->dma_max_outstanding > 0 && a->dma_max_outstanding < a->dram_latency) {
        fail(err, errlen, "issue.ibuf_entries %d with dma.max_outstanding %d below dram.latency "
             "%d: the C model does not time instruction fetches in the DMA's window gaps as the "
             "RTL does; needs the C model (use dma.max_outstanding 0 or >= the latency)",
             a->ibuf_entries, a->dma_max_outstanding, a->dram_latency);
        return -1;
    }
    return 0;
}

static int arch_supported(const arch_t *a, bool device, bool port, char *err, size_t errlen)
{
    device = device || port; /* the memory outside sets bandwidth and burst */
    if (a->compute_kind != COMPUTE_LUT) {
        fail(err, errlen, "the RTL has only the LUT array: compute.kind %s needs the C model",
             arch_kind_name(a->compute_kind));
        return -1;
    }
    if (a->attn_kind) {
        fail(err, errlen, "the RTL has only the LUT array: compute.attention %s (a second array "
             "for attention) needs the C model", arch_kind_name(a->attn_kind));
        return -1;
    }
    if (port) { /* the memory outside decides: any dram.model */
    } else if (device && std::strcmp(a->dram_model, "ideal") == 0) {
        fail(err, errlen,
             "--memory dram: arch \"%s\" has dram.model \"ideal\": name a DRAM device "
             "(e.g. \"lpddr5-6400\") to serve the RTL with it", a->name);
        return -1;
    }
    if (!port && !device && std::strcmp(a->dram_model, "ideal") != 0) {
        fail(err, errlen,
             "the RTL's ideal and random memories serve dram.model \"ideal\": \"%s\" needs "
             "--memory dram (or dram.model \"ideal\")", a->dram_model);
        return -1;
    }
    if (!a->sram_ideal || a->lut_double_acc) {
        fail(err, errlen,
             "the RTL models ideal SRAM: %s needs the C model (use buffers.ideal true "
             "and lut.double_acc false to compare engines)",
             !a->sram_ideal ? "buffers.ideal false (banks and ports)" : "lut.double_acc true");
        return -1;
    }
    if (a->lut_index_kib != 0) {
        fail(err, errlen, "the RTL's LUT array streams its weight indices on every row pass: "
             "lut.index_kib %d needs the C model (use 0 to compare engines)", a->lut_index_kib);
        return -1;
    }
    if (a->ibuf_entries != 0 && ibuf_supported(a, device, err, errlen) != 0)
        return -1;
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
    if (a->act_fmt != 0) {
        fail(err, errlen, "the RTL's precompute reads INT8 activations: float activations "
             "(--afmt) need the C model");
        return -1;
    }
    if (arch_entry_bytes(a) != 2) {
        fail(err, errlen, "the RTL stores 2-byte table entries: lut.table_entry_bits %d (%d "
             "bytes) needs the C model", a->table_entry_bits, arch_entry_bytes(a));
        return -1;
    }
    if (rate_supported(a, device, err, errlen) != 0)
        return -1;
    if (a->tprec_tables_per_cycle != 1) {
        fail(err, errlen, "the RTL's precompute builds one table per cycle: "
             "precompute.tables_per_cycle %d needs the C model (use 1 to compare engines)",
             a->tprec_tables_per_cycle);
        return -1;
    }
    return 0;
}

static int model_supported(const arch_t *a, const rtl_memory *mem, char *err, size_t errlen)
{
    return arch_supported(a, mem && mem->kind == RTL_MEM_DRAM, mem && mem->kind == RTL_MEM_PORT,
                          err, errlen);
}

static int model_run(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
                     const rtl_memory *mem, const rtl_vcd *wave, sim_stats *st,
                     rtl_sched *sched, char *err, size_t errlen)
{
    const char *vcd_path = wave ? wave->path : nullptr;
    if (model_supported(arch, mem, err, errlen) != 0)
        return -1;
    // What the RTL does not implement, up to the halt.
    size_t nrun = p->n;
    for (size_t i = 0; i < p->n; i++) {
        const isa_instr *in = &p->ins[i];
        if (in->op == OP_VOP) {
            fail(err, errlen, "instruction %zu (vop): the RTL has no vector unit", i);
            return -1;
        }
        if (in->op == OP_LOADT) {
            fail(err, errlen, "instruction %zu (loadt): the RTL has no trit5 decoder", i);
            return -1;
        }
        if (in->op == OP_LMMAG) {
            fail(err, errlen, "instruction %zu (lmmag): grouped cores (lut.partition grid) are "
                 "not in the RTL, which splits columns only", i);
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
    const bool streamed = arch->ibuf_entries > 0; // else the instruction memory holds it
    if (!streamed && nrun > ((size_t)1 << kImemAw)) {
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

    arch_t built; // the RTL's build: its port is that arch's burst wide
    rtl_params_built_arch(arch, mem && (mem->kind == RTL_MEM_DRAM || mem->kind == RTL_MEM_PORT),
                          &built);
    RtlMemory port(arch, mem, (uint64_t)built.dram_burst, dram, dram_size);
    if (!port.error().empty()) {
        fail(err, errlen, "%s", port.error().c_str());
        return -1;
    }
    top->rst = 1;
    top->imem_we = 0;
    top->m_rvalid = 0;
    top->m_bvalid = 0;
    top->prog_n = (uint32_t)p->n;
    top->clk = 0;
    top->eval();
    /* Streamed, the whole program is in DRAM (the fetcher runs ahead to its
     * end, as the C model's does; what follows halt never dispatches and is
     * zeros where it does not encode); else the instruction memory holds
     * it up to the halt. */
    std::vector<uint8_t> prog_bytes;
    for (size_t i = 0; i < (streamed ? p->n : nrun); i++) {
        isa_word w;
        char e[256];
        if (isa_encode(&p->ins[i], &w, e, sizeof e) != 0) {
            if (streamed && i >= nrun)
                w = isa_word{};
            else {
                fail(err, errlen, "instruction %zu: %s", i, e);
                return -1;
            }
        }
        if (streamed) {
            for (int k = 0; k < 16; k++)
                prog_bytes.push_back((uint8_t)(w.w[k / 8] >> (8 * (k % 8))));
            continue;
        }
        top->imem_we = 1;
        top->imem_addr = (uint32_t)i;
        for (int k = 0; k < 4; k++)
            top->imem_wdata[k] = (uint32_t)(w.w[k / 2] >> (32 * (k % 2)));
        tick();
    }
    if (streamed) {
        const uint64_t blk = (uint64_t)built.dram_burst;
        port.set_program(IFETCH_BASE, std::move(prog_bytes),
                         ((uint64_t)p->n * IFETCH_INSTR_BYTES + blk - 1) / blk * blk);
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
    /* What each unit runs (program index by scoreboard tag, and the
     * instructions started and not past their last beat, oldest first):
     * the trace follows the core's own start, last-beat and completion
     * signals. */
    std::vector<std::vector<uint32_t>> by_tag(4, std::vector<uint32_t>(256, 0));
    std::vector<std::deque<uint32_t>> running(4);
    std::vector<uint64_t> started(p->n, 0);
    static const int cpl_unit[5] = { 0, 0, 1, 2, 3 };
    // Generous bound: the C model's cycle count (x 4 for slower memories)
    // plus slack.
    const uint64_t limit = cst.cycles * (mem && mem->kind != RTL_MEM_IDEAL ? 40 : 4) + 100000;
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
        if (mem && mem->kind == RTL_MEM_PORT && mem->clock)
            mem->clock(mem->port_ctx, n);
        port.drive(top.get(), n);
        top->clk = 0;
        top->eval();
        if (top->err) {
            fail(err, errlen, "RTL error flags 0x%02x at cycle %llu (bit0 illegal op, bit1 unit "
                 "started while busy, bit2 float dq)",
                 (unsigned)top->err, (unsigned long long)n);
            rc = -1;
            break;
        }
        if (!port.observe(top.get(), n)) {
            fail(err, errlen, "%s at cycle %llu", port.error().c_str(), (unsigned long long)n);
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
        // last beats first: a unit may start its next instruction in the
        // cycle of the previous one's last beat
        uint32_t be = top->u_bend;
        for (int u = 0; u < 4; u++) {
            if (!((be >> u) & 1u) || running[u].empty())
                continue;
            uint32_t ipc = running[u].front();
            running[u].pop_front();
            st->unit[u + 1].busy_cycles += n - started[ipc];
            if (sched)
                sched[ipc].busy_end = n;
        }
        uint32_t us = top->u_start;
        for (int u = 0; u < 4; u++) {
            if (!((us >> u) & 1u))
                continue;
            uint32_t ipc = (uint32_t)wbits(top->u_pc.data(), 32 * u, 32);
            uint32_t tag = (top->u_tag >> (8 * u)) & 0xffu;
            st->instructions++;
            st->unit[u + 1].instructions++;
            if (ipc < p->n) {
                by_tag[u][tag] = ipc;
                running[u].push_back(ipc);
                started[ipc] = n;
                if (sched) {
                    sched[ipc].start = n;
                    sched[ipc].unit = u + 1;
                    sched[ipc].ran = 1;
                }
            }
        }
        uint32_t cv = top->cpl_v;
        for (int k = 0; k < 5; k++) {
            if (!((cv >> k) & 1u))
                continue;
            uint32_t tag = (uint32_t)(top->cpl_tag >> (8 * k)) & 0xffu;
            uint32_t ipc = by_tag[cpl_unit[k]][tag];
            if (sched && ipc < p->n)
                sched[ipc].complete = n + 1; // visible from the next cycle
        }
        dump(n, 0);
        top->clk = 1;
        top->eval();
        dump(n, 1);
    }
    /* Fetches the halt left in flight (blocks past it) return; the core
     * requests nothing more once halted. */
    for (uint64_t d = 0; rc == 0 && streamed && port.outstanding() != 0; d++) {
        if (d > 4 * (uint64_t)arch->dram_latency + 1000) {
            fail(err, errlen, "RTL's instruction fetches still outstanding %llu cycles after halt",
                 (unsigned long long)d);
            rc = -1;
            break;
        }
        port.drive(top.get(), n + d);
        top->clk = 0;
        top->eval();
        if (!port.observe(top.get(), n + d)) {
            fail(err, errlen, "%s after halt", port.error().c_str());
            rc = -1;
            break;
        }
        top->clk = 1;
        top->eval();
    }
    if (rc == 0) {
        st->cycles = top->end_cycle;
        st->stall_queue_full = top->stall_qfull;
        st->unit[UNIT_DMA].stall_dram = top->stall_port;
        st->ev.dram_read_bytes = port.read_bytes;
        st->ev.dram_write_bytes = port.write_bytes;
        for (int u = 0; u < 4; u++)
            st->unit[u + 1].stall_dependency = wbits(top->stall_dep.data(), 64 * u, 64);
        if (port.outstanding() != 0) {
            fail(err, errlen, "RTL halted with %zu memory transactions outstanding",
                 port.outstanding());
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

// The arch_params.vh this model was built from (embedded by the build).
extern "C" const char embed_rtl_model_params[];

extern "C" const rtl_model_entry rtl_model_entry_table = {
    RTL_MODEL_ABI, sizeof(arch_t), sizeof(sim_stats), embed_rtl_model_params,
    model_supported, model_run,
};
