// sc_host.cpp - the interconnect and the host.
#include "sc_modules.h"

#include <algorithm>
#include <cstring>

namespace lsc {

interconnect::interconnect(sc_core::sc_module_name n)
    : sc_module(n), in("in"), to_dram("to_dram"), to_mmio("to_mmio")
{
    in.register_b_transport(this, &interconnect::b_transport);
    in.register_get_direct_mem_ptr(this, &interconnect::get_dmi);
}

void interconnect::b_transport(int, tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    const uint64_t addr = gp.get_address();
    if (addr < SC_MMIO_BASE) {
        to_dram->b_transport(gp, delay);
        return;
    }
    const uint64_t i = (addr - SC_MMIO_BASE) / SC_MMIO_STRIDE;
    if (i >= (uint64_t)to_mmio.size()) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    gp.set_address(addr - SC_MMIO_BASE - i * SC_MMIO_STRIDE);
    to_mmio[(int)i]->b_transport(gp, delay);
    gp.set_address(addr);
}

bool interconnect::get_dmi(int, tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi)
{
    return gp.get_address() < SC_MMIO_BASE && to_dram->get_direct_mem_ptr(gp, dmi);
}

host::host(sc_core::sc_module_name n, const clock_base &clk, const std::vector<host_job> &jobs,
           int accelerators, uint64_t window)
    : sc_module(n), bus("bus"), clk_(clk), jobs_(jobs), nacc_(accelerators), window_(window)
{
    result.resize((size_t)accelerators);
    SC_THREAD(run);
}

// One transaction in chunks of 4 KiB, waiting out each one's delay.
bool host::access(tlm::tlm_command cmd, uint64_t addr, uint8_t *data, size_t len)
{
    tlm::tlm_generic_payload gp;
    for (size_t off = 0; off < len;) {
        const size_t n = std::min<size_t>(4096, len - off);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        gp.set_command(cmd);
        gp.set_address(addr + off);
        gp.set_data_ptr(data + off);
        gp.set_data_length((unsigned)n);
        gp.set_streaming_width((unsigned)n);
        gp.set_byte_enable_ptr(nullptr);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        bus->b_transport(gp, delay);
        if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) {
            error = "host: bus error at address " + std::to_string(addr + off);
            return false;
        }
        sc_core::wait(delay);
        off += n;
    }
    return true;
}

void host::reg_write(int acc, uint64_t reg, uint64_t v)
{
    access(tlm::TLM_WRITE_COMMAND, SC_MMIO_BASE + (uint64_t)acc * SC_MMIO_STRIDE + reg,
           (uint8_t *)&v, sizeof v);
}

uint64_t host::reg_read(int acc, uint64_t reg)
{
    uint64_t v = 0;
    access(tlm::TLM_READ_COMMAND, SC_MMIO_BASE + (uint64_t)acc * SC_MMIO_STRIDE + reg,
           (uint8_t *)&v, sizeof v);
    return v;
}

void host::run()
{
    for (size_t j = 0; j < jobs_.size(); j++) {
        if (!run_job(jobs_[j]))
            return;
        if (on_done)
            on_done((int)j);
    }
}

bool host::run_job(const host_job &job)
{
    const std::vector<uint8_t> &image_ = job.image, &prog_ = job.prog;
    const uint64_t t0 = clk_.now();
    const uint64_t prog_at = (image_.size() + 63) / 64 * 64;
    for (int i = 0; i < nacc_; i++) { // each window: its image, then its program
        const uint64_t base = (uint64_t)i * window_;
        if (!access(tlm::TLM_WRITE_COMMAND, base, (uint8_t *)image_.data(), image_.size()) ||
            !access(tlm::TLM_WRITE_COMMAND, base + prog_at, (uint8_t *)prog_.data(), prog_.size()))
            return false;
    }
    load_cycles = clk_.now() - t0;
    for (int i = 0; i < nacc_; i++) {
        const uint64_t base = (uint64_t)i * window_;
        reg_write(i, REG_IMAGE_BASE, base);
        reg_write(i, REG_IMAGE_SIZE, image_.size());
        reg_write(i, REG_PROG_BASE, base + prog_at);
        reg_write(i, REG_PROG_BYTES, prog_.size());
    }
    run_start = clk_.now();
    if (on_start)
        on_start(run_start);
    for (int i = 0; i < nacc_; i++) // the start writes take no time: all start together
        reg_write(i, REG_CTRL, 1);
    for (int i = 0; i < nacc_; i++) {
        // the status, not the line: the line is still high from the last job
        // until the accelerator's thread lowers it
        while (reg_read(i, REG_STATUS) == ST_RUNNING)
            sc_core::wait(irq[(size_t)i]->posedge_event());
        if (reg_read(i, REG_STATUS) != ST_DONE && error.empty())
            error = "accelerator " + std::to_string(i) + " stopped with an error";
    }
    run_end = clk_.now();
    for (int i = 0; i < nacc_; i++) {
        result[(size_t)i].resize(image_.size());
        if (!access(tlm::TLM_READ_COMMAND, (uint64_t)i * window_, result[(size_t)i].data(),
                    image_.size()))
            return false;
    }
    readback_cycles = clk_.now() - run_end;
    return error.empty();
}

} // namespace lsc
