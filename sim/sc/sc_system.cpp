// sc_system.cpp - elaborates the system of host, interconnect, DRAM target,
// accelerators, runs it, and gathers each accelerator's statistics.
#include "sc_modules.h"
#include "sc_system.h"
#include "rtl_engine.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace {

uint64_t fnv1a(const std::vector<uint8_t> &v)
{
    uint64_t h = 1469598103934665603ull;
    for (uint8_t b : v)
        h = (h ^ b) * 1099511628211ull;
    return h;
}

struct design {
    lsc::clock_base clk;
    std::unique_ptr<lsc::dram_target> dram;
    std::unique_ptr<lsc::interconnect> bus;
    std::vector<std::unique_ptr<lsc::accelerator>> acc;
    std::unique_ptr<lsc::host> hst;
};

int fail(char *err, size_t errlen, const std::string &m)
{
    std::snprintf(err, errlen, "%s", m.c_str());
    return -1;
}

// Job j's figures into res from the modules' counters (cleared at its start).
void gather(design &d, const arch_t *arch, const energy_model *em, int n, int memories,
            uint64_t busy0, sc_system_result *res)
{
    std::memset(res, 0, sizeof *res);
    for (int i = 0; i < n; i++) {
        lsc::accelerator &a = *d.acc[(size_t)i];
        sim_stats &st = res->acc[i];
        st = a.st;
        if (d.dram->device())
            sim_dram_add_stats(arch, d.dram->spec(), &d.dram->dev_stats[(size_t)i], &st.ev);
        if (em)
            sim_energy(em, &st);
        res->digest[i] = fnv1a(d.hst->result[(size_t)i]);
        res->arb_stall[i] = d.dram->arb_stall[(size_t)i];
        res->start_cycle[i] = a.start_cycle;
        res->end_cycle[i] = a.end_cycle;
        res->dram_bytes += d.dram->bytes[(size_t)i];
    }
    res->load_cycles = d.hst->load_cycles;
    res->run_cycles = d.hst->run_end - d.hst->run_start;
    res->readback_cycles = d.hst->readback_cycles;
    res->memories = (uint64_t)memories;
    res->dram_busy_cycles = d.dram->memories_busy() - busy0;
    res->late_requests = d.dram->late;
    res->arb_measured = !d.dram->device();
    const double peak = arch_dram_bytes_per_cycle(arch) * (double)memories * (double)res->run_cycles;
    res->dram_utilisation = peak > 0 ? (double)res->dram_bytes / peak : 0.0;
}

// Elaborates the system and runs the jobs in turn; res[j] gets job j's.
int run_jobs(const sc_system_cfg *cfg, const arch_t *arch, const energy_model *em,
             const std::vector<lsc::host_job> &jobs, sc_system_result *res, uint8_t *image_out,
             char *err, size_t errlen)
{
    static bool elaborated = false; // SystemC elaborates once per process
    const int n = cfg->accelerators;
    if (elaborated)
        return fail(err, errlen, "the SystemC system runs once per process");
    if (n < 1 || n > SC_MAX_ACCELERATORS)
        return fail(err, errlen, "--accelerators: expected 1 to " +
                                     std::to_string(SC_MAX_ACCELERATORS));
    if (cfg->core == SC_CORE_RTL) {
        for (const lsc::host_job &j : jobs)
            if (j.image.empty())
                return fail(err, errlen, "--core rtl: the RTL moves data, it has no "
                                         "timing-only mode; use --core cmodel");
        rtl_memory port{ RTL_MEM_PORT, 0, nullptr, nullptr, nullptr };
        if (rtl_arch_supported_mem(arch, &port, err, errlen) != 0)
            return -1;
    }
    uint64_t window = 4096;
    for (const lsc::host_job &j : jobs) {
        const uint64_t prog_at = (j.image.size() + 63) / 64 * 64;
        const uint64_t w = (prog_at + j.prog.size() + 4095) / 4096 * 4096;
        window = w > window ? w : window;
    }
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    elaborated = true;
    design d;
    d.clk.period_ps = 1000.0 / arch->clock_ghz;
    const int memories = cfg->dram_private ? n : 1;
    try {
        d.dram.reset(new lsc::dram_target("dram", arch, d.clk, n, memories, window));
        if (d.dram->open(err, errlen) != 0)
            return -1;
        d.bus.reset(new lsc::interconnect("bus"));
        d.hst.reset(new lsc::host("host", d.clk, jobs, n, window));
        lsc::dram_target *dr = d.dram.get();
        uint64_t busy0 = 0;
        bool first = true;
        // a device's clock (its refresh phase) starts with the first job and
        // runs on: its banks' state carries from one job to the next
        d.hst->on_start = [dr, &busy0, &first](uint64_t c) {
            if (first)
                dr->set_origin(c);
            first = false;
            dr->clear_counters();
            busy0 = dr->memories_busy();
        };
        design *dp = &d;
        d.hst->on_done = [dp, arch, em, n, memories, &busy0, res](int j) {
            gather(*dp, arch, em, n, memories, busy0, &res[j]);
        };
        d.bus->to_dram.bind(d.dram->sock);
        d.hst->bus.bind(d.bus->in);
        for (int i = 0; i < n; i++) {
            d.acc.emplace_back(new lsc::accelerator(("acc" + std::to_string(i)).c_str(), arch,
                                                    em, d.clk, window, cfg->core));
            d.acc.back()->mem.bind(d.bus->in);
            d.bus->to_mmio.bind(d.acc.back()->regs);
            d.hst->irq.push_back(&d.acc.back()->irq);
        }
        sc_core::sc_start();
    } catch (const std::exception &e) {
        return fail(err, errlen, std::string("SystemC: ") + e.what());
    }
    for (int i = 0; i < n; i++)
        if (!d.acc[(size_t)i]->error.empty())
            return fail(err, errlen, "accelerator " + std::to_string(i) + ": " +
                                         d.acc[(size_t)i]->error);
    if (!d.hst->error.empty())
        return fail(err, errlen, d.hst->error);
    if (image_out) // accelerator 0's image of the last job
        std::memcpy(image_out, d.hst->result[0].data(), d.hst->result[0].size());
    return 0;
}

int to_bytes(const program *p, std::vector<uint8_t> &out, char *err, size_t errlen)
{
    uint8_t *pb = nullptr;
    size_t plen = 0;
    if (program_to_bytes(p, &pb, &plen, err, errlen) != 0)
        return -1;
    out.assign(pb, pb + plen);
    std::free(pb);
    return 0;
}

} // namespace

extern "C" int sc_system_run(const sc_system_cfg *cfg, const arch_t *arch, const energy_model *em,
                             const program *p, uint8_t *image, size_t image_size,
                             sc_system_result *res, char *err, size_t errlen)
{
    if (!image)
        return fail(err, errlen, "the SystemC system moves data: no timing-only mode");
    std::vector<lsc::host_job> jobs(1);
    jobs[0].image.assign(image, image + image_size);
    if (to_bytes(p, jobs[0].prog, err, errlen) != 0)
        return -1;
    return run_jobs(cfg, arch, em, jobs, res, image, err, errlen);
}

extern "C" int sc_system_run_jobs(const sc_system_cfg *cfg, const arch_t *arch,
                                  const energy_model *em, const program *const *progs,
                                  int njobs, sc_system_result *res, char *err, size_t errlen)
{
    std::vector<lsc::host_job> jobs((size_t)njobs);
    for (int j = 0; j < njobs; j++)
        if (to_bytes(progs[j], jobs[(size_t)j].prog, err, errlen) != 0)
            return -1;
    return run_jobs(cfg, arch, em, jobs, res, nullptr, err, errlen);
}

// libsystemc.so's main() calls sc_main; lutsim has its own main() and builds
// the design from sc_system_run, so this is never reached.
extern "C" int sc_main(int, char **)
{
    std::fprintf(stderr, "lutsim: the SystemC system is started by sc_system_run\n");
    return 1;
}
