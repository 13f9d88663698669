// sc_accel.cpp - an accelerator: registers, an SC_THREAD that runs its core
// (the C model or the Verilated RTL) when started, and the core's DRAM port
// in SystemC time.
#include "sc_modules.h"

#include "program.h"
#include "rtl_engine.h"

#include <cstring>

namespace lsc {

accelerator::accelerator(sc_core::sc_module_name n, const arch_t *arch, const energy_model *em,
                         const clock_base &clk, uint64_t window, sc_core_kind core)
    : sc_module(n), regs("regs"), mem("mem"), irq("irq"), core_(core), arch_(arch), em_(em),
      clk_(clk), window_(window)
{
    regs.register_b_transport(this, &accelerator::reg_access);
    SC_THREAD(run);
}

void accelerator::reg_access(tlm::tlm_generic_payload &gp, sc_core::sc_time &)
{
    const uint64_t a = gp.get_address();
    if (a % 8 || a / 8 >= 6 || gp.get_data_length() != 8) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (gp.is_write()) {
        std::memcpy(&reg_[a / 8], gp.get_data_ptr(), 8);
        if (a == REG_CTRL && reg_[a / 8] == 1 && reg_[REG_STATUS / 8] != ST_RUNNING) {
            reg_[REG_STATUS / 8] = ST_RUNNING;
            start_ev_.notify(sc_core::SC_ZERO_TIME);
        }
    } else {
        std::memcpy(gp.get_data_ptr(), &reg_[a / 8], 8);
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

static void port_cb(void *ctx, const sim_dram_req *r, sim_dram_grant *g)
{
    static_cast<accelerator *>(ctx)->port(r, g);
}

// The RTL's clock: cycle n of the core is evaluated at SystemC time t0 + n.
static void clock_cb(void *ctx, uint64_t cycle)
{
    static_cast<accelerator *>(ctx)->tick(cycle);
}

void accelerator::tick(uint64_t cycle)
{
    const sc_core::sc_time at = clk_.at(t0_ + cycle);
    if (at > sc_core::sc_time_stamp())
        sc_core::wait(at - sc_core::sc_time_stamp());
}

// The transaction waits until its cycle in SystemC time (the accelerators'
// requests reach the memory in time order), then asks the memory.
void accelerator::port(const sim_dram_req *r, sim_dram_grant *g)
{
    const uint64_t at = t0_ + r->arrival;
    const uint64_t now = clk_.now();
    if (at > now)
        sc_core::wait(clk_.at(at) - sc_core::sc_time_stamp());
    xfer_ext x;
    x.req = *r;
    x.acc = (int)(reg_[REG_IMAGE_BASE / 8] / window_);
    x.req.arrival = at;
    tlm::tlm_generic_payload gp;
    gp.set_command(r->write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(reg_[REG_IMAGE_BASE / 8]); // routes to this accelerator's memory
    gp.set_data_ptr(nullptr);
    gp.set_data_length(0);
    gp.set_extension(&x);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    mem->b_transport(gp, delay);
    gp.clear_extension(&x);
    g->grant = x.got.grant - t0_;
    g->accepted = x.got.accepted - t0_;
    g->complete = x.got.complete - t0_;
    g->bursts = x.got.bursts;
}

// The core on p, image (size bytes; NULL: timing-only, the C model only).
int accelerator::execute(const program &p, uint8_t *image, uint64_t size, char *err,
                         size_t errlen)
{
    if (core_ == SC_CORE_RTL) {
        rtl_memory m{ RTL_MEM_PORT, 0, port_cb, this, clock_cb };
        if (rtl_run_ex(arch_, &p, image, (size_t)size, &m, nullptr, &st, nullptr, err, errlen))
            return -1;
        // a device counts its own traffic (the system adds it), as for the C model
        if (std::strcmp(arch_->dram_model, "ideal") != 0)
            st.ev.dram_read_bytes = st.ev.dram_write_bytes = 0;
        return 0;
    }
    sim_opts so{};
    so.dram = image;
    so.dram_size = (size_t)size;
    so.dram_port = port_cb;
    so.dram_port_ctx = this;
    return sim_run(arch_, em_, &p, &so, &st, err, errlen);
}

void accelerator::run()
{
    for (;;) {
        sc_core::wait(start_ev_);
        irq.write(false); // this thread is the signal's one writer
        // the image and the program through the interconnect's DMI pointer
        tlm::tlm_generic_payload gp;
        tlm::tlm_dmi dmi;
        gp.set_address(reg_[REG_IMAGE_BASE / 8]);
        gp.set_command(tlm::TLM_READ_COMMAND);
        const uint64_t base = reg_[REG_IMAGE_BASE / 8], size = reg_[REG_IMAGE_SIZE / 8];
        const uint64_t pb = reg_[REG_PROG_BASE / 8], pn = reg_[REG_PROG_BYTES / 8];
        program p;
        program_init(&p);
        char err[512];
        bool ok = mem->get_direct_mem_ptr(gp, dmi) && dmi.get_start_address() <= base &&
                  dmi.get_end_address() + 1 >= base + size &&
                  dmi.get_end_address() + 1 >= pb + pn;
        if (!ok)
            error = "no direct memory pointer to the image";
        uint8_t *d = ok ? dmi.get_dmi_ptr() - dmi.get_start_address() : nullptr;
        if (ok && program_from_bytes(d + pb, (size_t)pn, &p, err, sizeof err) != 0) {
            error = std::string("program: ") + err;
            ok = false;
        }
        t0_ = start_cycle = clk_.now();
        if (ok && execute(p, size ? d + base : nullptr, size, err, sizeof err) != 0) {
            error = err;
            ok = false;
        }
        program_free(&p);
        if (ok && t0_ + st.cycles > clk_.now())
            sc_core::wait(clk_.at(t0_ + st.cycles) - sc_core::sc_time_stamp());
        end_cycle = clk_.now();
        reg_[REG_STATUS / 8] = ok ? ST_DONE : ST_ERROR;
        irq.write(true);
    }
}

} // namespace lsc
