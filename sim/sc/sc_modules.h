// sc_modules.h - the modules of the SystemC system model (sc_system.h).
//
// Address map of the interconnect: DRAM at [0, memories' windows), one
// window of `window` bytes per accelerator (its image, then its program);
// accelerator i's registers at SC_MMIO_BASE + i * SC_MMIO_STRIDE.
// Time: accelerator cycles of arch.clock_ghz; SystemC time = cycles x period.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sc_system.h"
#include "sim.h"

namespace lsc {

constexpr uint64_t SC_MMIO_BASE = 1ull << 48;
constexpr uint64_t SC_MMIO_STRIDE = 0x1000;
// accelerator registers (64-bit)
enum : uint64_t {
    REG_IMAGE_BASE = 0x00, REG_IMAGE_SIZE = 0x08, REG_PROG_BASE = 0x10, REG_PROG_BYTES = 0x18,
    REG_CTRL = 0x20,   // write 1: start
    REG_STATUS = 0x28  // 0 idle, 1 running, 2 done, 3 error
};
enum : uint64_t { ST_IDLE = 0, ST_RUNNING = 1, ST_DONE = 2, ST_ERROR = 3 };

// Accelerator cycles <-> SystemC time.
struct clock_base {
    double period_ps;
    sc_core::sc_time at(uint64_t cycle) const;
    uint64_t now() const; // the current cycle (rounded down)
};

// A DRAM transaction of the C model's port, carried by a TLM payload (its
// data moves through the DMI pointer the accelerator holds).
struct xfer_ext : tlm::tlm_extension<xfer_ext> {
    int acc = 0;          // the accelerator asking (its window)
    sim_dram_req req{};   // the C model's address; arrival: global cycle
    sim_dram_grant got{}; // global cycles
    tlm::tlm_extension_base *clone() const override { return new xfer_ext(*this); }
    void copy_from(const tlm::tlm_extension_base &e) override
    {
        *this = static_cast<const xfer_ext &>(e);
    }
};

// The DRAM target: the memory array, and the C model's memory timing (an
// ideal bus or its device model) per memory.
struct dram_target : sc_core::sc_module {
    tlm_utils::simple_target_socket<dram_target> sock;
    dram_target(sc_core::sc_module_name n, const arch_t *arch, const clock_base &clk,
                int accelerators, int memories, uint64_t window);
    ~dram_target() override;
    int open(char *err, size_t errlen);
    std::vector<uint8_t> mem;
    // per accelerator (window): device statistics of its requests, waits for others
    std::vector<dram_stats> dev_stats;
    std::vector<uint64_t> arb_stall, bytes, bus_cycles;
    uint64_t memories_busy() const; // see sc_system_result.dram_busy_cycles
    bool device() const { return !devs.empty() && devs[0]; }
    const dram_spec *spec() const;
    // the device's cycle 0 (its refresh phase, as the C model's) is the
    // cycle the accelerators start
    void set_origin(uint64_t cycle) { origin_ = cycle; }
    uint64_t late = 0;
    // a new job of a sequence (sc_system_run_jobs): its counters from zero
    void clear_counters();

  private:
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    bool get_dmi(tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi);
    void timing(int acc, xfer_ext &x);
    const arch_t *arch_;
    clock_base clk_;
    int nacc_, nmem_;
    uint64_t window_;
    uint64_t origin_ = 0;
    std::vector<dram_dev *> devs;        // device per memory (empty/NULL: ideal)
    std::vector<uint64_t> bus_free;      // ideal: each memory's bus free from
    std::vector<uint64_t> own_free;      // per accelerator: its own last release
};

// The interconnect: initiators (host, accelerators) to DRAM or registers.
struct interconnect : sc_core::sc_module {
    tlm_utils::multi_passthrough_target_socket<interconnect> in;
    tlm_utils::simple_initiator_socket<interconnect> to_dram;
    tlm_utils::multi_passthrough_initiator_socket<interconnect> to_mmio;
    explicit interconnect(sc_core::sc_module_name n);

  private:
    void b_transport(int id, tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    bool get_dmi(int id, tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi);
};

// An accelerator: registers, and an SC_THREAD that runs its core on the
// program when started, every DRAM transaction of the core through port()
// in SystemC time.  The core: the C model (sim_run, one call per DMA
// transfer) or the Verilated RTL (rtl_run_ex, one call per AXI burst of
// its memory port, the core clocked cycle by cycle inside).
struct accelerator : sc_core::sc_module {
    tlm_utils::simple_target_socket<accelerator> regs;
    tlm_utils::simple_initiator_socket<accelerator> mem;
    sc_core::sc_signal<bool> irq;
    SC_HAS_PROCESS(accelerator);
    accelerator(sc_core::sc_module_name n, const arch_t *arch, const energy_model *em,
                const clock_base &clk, uint64_t window, sc_core_kind core);
    sim_stats st{};
    std::string error;
    uint64_t start_cycle = 0, end_cycle = 0;
    void port(const sim_dram_req *r, sim_dram_grant *g); // the core's DRAM port
    void tick(uint64_t cycle); // the RTL core: waits until its cycle's SystemC time

  private:
    void run();
    int execute(const program &p, uint8_t *image, uint64_t size, char *err, size_t errlen);
    sc_core_kind core_;
    void reg_access(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    const arch_t *arch_;
    const energy_model *em_;
    clock_base clk_;
    uint64_t reg_[6] = { 0 };
    sc_core::sc_event start_ev_;
    uint64_t t0_ = 0;
    uint64_t window_;
};

// One job of the host: every accelerator runs prog on its own copy of
// image (empty: timing-only, nothing loaded or read back but the program).
struct host_job {
    std::vector<uint8_t> image, prog;
};

// The host: for each job in turn, loads, starts, waits, reads back.
struct host : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<host> bus;
    std::vector<sc_core::sc_signal<bool> *> irq;
    SC_HAS_PROCESS(host);
    host(sc_core::sc_module_name n, const clock_base &clk, const std::vector<host_job> &jobs,
         int accelerators, uint64_t window);
    std::vector<std::vector<uint8_t>> result; // each accelerator's image read back
    // the current (last) job's
    uint64_t load_cycles = 0, run_start = 0, run_end = 0, readback_cycles = 0;
    std::string error;
    std::function<void(uint64_t)> on_start; // called with the cycle the accelerators start
    std::function<void(int)> on_done;       // called after job j's read-back

  private:
    void run();
    bool access(tlm::tlm_command cmd, uint64_t addr, uint8_t *data, size_t len);
    void reg_write(int acc, uint64_t reg, uint64_t v);
    uint64_t reg_read(int acc, uint64_t reg);
    bool run_job(const host_job &j);
    clock_base clk_;
    const std::vector<host_job> &jobs_;
    int nacc_;
    uint64_t window_;
};

} // namespace lsc
