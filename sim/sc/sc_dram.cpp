// sc_dram.cpp - the DRAM target: memory array, DMI, and the C model's memory
// timing per memory (an ideal bus of dram.bandwidth_gbps, first come first
// served, or the architecture's DRAM device model, dram_dev.c).
#include "sc_modules.h"

#include <cmath>
#include <cstring>

namespace lsc {

sc_core::sc_time clock_base::at(uint64_t cycle) const
{
    return sc_core::sc_time((double)cycle * period_ps, sc_core::SC_PS);
}

uint64_t clock_base::now() const
{
    // + half a picosecond: a time built from a cycle maps back to it
    return (uint64_t)((sc_core::sc_time_stamp().to_seconds() * 1e12 + 0.5) / period_ps);
}

dram_target::dram_target(sc_core::sc_module_name n, const arch_t *arch, const clock_base &clk,
                         int accelerators, int memories, uint64_t window)
    : sc_module(n), sock("sock"), mem((size_t)window * (size_t)accelerators),
      dev_stats((size_t)accelerators), arb_stall((size_t)accelerators),
      bytes((size_t)accelerators), bus_cycles((size_t)memories), arch_(arch), clk_(clk),
      nacc_(accelerators), nmem_(memories), window_(window), bus_free((size_t)memories),
      own_free((size_t)accelerators)
{
    sock.register_b_transport(this, &dram_target::b_transport);
    sock.register_get_direct_mem_ptr(this, &dram_target::get_dmi);
    for (auto &s : dev_stats)
        std::memset(&s, 0, sizeof s);
}

dram_target::~dram_target()
{
    for (dram_dev *d : devs)
        dram_dev_free(d);
}

int dram_target::open(char *err, size_t errlen)
{
    for (int i = 0; i < nmem_; i++) {
        dram_dev *d = nullptr;
        if (sim_dram_new(arch_, &d, err, errlen) != 0)
            return -1;
        if (!d)
            break; // ideal
        devs.push_back(d);
    }
    return 0;
}

const dram_spec *dram_target::spec() const { return device() ? dram_dev_spec(devs[0]) : nullptr; }

void dram_target::clear_counters()
{
    for (auto &s : dev_stats)
        std::memset(&s, 0, sizeof s);
    for (size_t i = 0; i < bytes.size(); i++)
        arb_stall[i] = bytes[i] = 0;
    late = 0;
}

uint64_t dram_target::memories_busy() const
{
    uint64_t s = 0;
    if (!device()) {
        for (uint64_t c : bus_cycles)
            s += c;
        return s;
    }
    sim_events ev;
    for (dram_dev *d : devs) {
        dram_stats ds;
        dram_get_stats(d, &ds);
        std::memset(&ev, 0, sizeof ev);
        sim_dram_add_stats(arch_, dram_dev_spec(d), &ds, &ev);
        s += ev.dram_busy_cycles;
    }
    return s;
}

// The C model's transaction from accelerator acc (its window), at its
// arrival cycle: the answer of that accelerator's memory.
void dram_target::timing(int acc, xfer_ext &x)
{
    const int m = nmem_ == 1 ? 0 : acc;
    sim_dram_req &r = x.req;
    if (r.arrival < clk_.now())
        late++;
    if (!device()) {
        const double bpc = arch_dram_bytes_per_cycle(arch_);
        const uint64_t moved = r.bursts * (uint64_t)arch_->dram_burst;
        uint64_t cyc = (uint64_t)((double)moved / bpc);
        if ((double)cyc * bpc < (double)moved)
            cyc++;
        const uint64_t grant = r.arrival > bus_free[m] ? r.arrival : bus_free[m];
        // the wait beyond what its own earlier transfers impose: others'
        const uint64_t own = r.arrival > own_free[acc] ? r.arrival : own_free[acc];
        if (grant > own)
            arb_stall[acc] += grant - own;
        bus_free[m] = own_free[acc] = grant + cyc;
        bus_cycles[m] += cyc;
        bytes[acc] += moved;
        x.got = { grant, grant + cyc, grant + cyc, r.bursts };
        return;
    }
    dram_dev *d = devs[(size_t)m];
    // a shared memory holds the accelerators' spaces one after another
    const uint64_t addr = nmem_ == 1 ? r.addr + (uint64_t)acc * window_ : r.addr;
    dram_req q = { addr, r.rows, r.row_bytes, r.stride, r.write, r.arrival - origin_ };
    dram_stats before, after;
    dram_get_stats(d, &before);
    dram_done done = { q.arrival, q.arrival, 0 };
    long id = dram_submit(d, &q);
    if (id >= 0)
        dram_wait(d, id, &done);
    dram_get_stats(d, &after);
    // what the device did while serving this request is charged to it
    // (exact with one accelerator; with several, shared work is approximate)
    uint64_t *s = (uint64_t *)&dev_stats[(size_t)acc];
    const uint64_t *a = (const uint64_t *)&after, *b = (const uint64_t *)&before;
    for (size_t i = 0; i < sizeof(dram_stats) / sizeof(uint64_t); i++)
        s[i] += a[i] - b[i];
    bytes[acc] += done.bursts * (uint64_t)dram_dev_spec(d)->burst_bytes;
    x.got = { r.arrival, done.accepted + origin_, done.complete + origin_, done.bursts };
}

void dram_target::b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    const uint64_t addr = gp.get_address();
    const int acc = (int)(addr / window_);
    xfer_ext *x = nullptr;
    gp.get_extension(x);
    if (acc >= nacc_ && !x) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (x) { // timing only: the data moves through DMI
        timing(x->acc < nacc_ ? x->acc : 0, *x);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    const size_t len = gp.get_data_length();
    if (addr + len > mem.size()) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (gp.is_write())
        std::memcpy(&mem[addr], gp.get_data_ptr(), len);
    else
        std::memcpy(gp.get_data_ptr(), &mem[addr], len);
    // host traffic takes the memory's bus at its peak rate (on a device too)
    const int m = nmem_ == 1 ? 0 : acc;
    const uint64_t now = clk_.now() + (uint64_t)(delay.to_seconds() * 1e12 / clk_.period_ps);
    const uint64_t cyc = (uint64_t)std::ceil((double)len / arch_dram_bytes_per_cycle(arch_));
    const uint64_t grant = now > bus_free[m] ? now : bus_free[m];
    bus_free[m] = grant + cyc;
    delay += clk_.at(grant + cyc - now);
    gp.set_dmi_allowed(true);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool dram_target::get_dmi(tlm::tlm_generic_payload &, tlm::tlm_dmi &dmi)
{
    dmi.set_dmi_ptr(mem.data());
    dmi.set_start_address(0);
    dmi.set_end_address(mem.size() - 1);
    dmi.allow_read_write();
    return true;
}

} // namespace lsc
