// rtl_compare.h - one program, two engines (C model and RTL): outputs
// bit-exact, cycles equal, first differing DRAM byte / instruction schedule
// named on a mismatch.  Also builds GEMM and random hand-built programs.
// On a memory other than ideal (rtl_memory) the C model is given the same
// memory responses: every DMA transfer's busy and completion cycles as the
// RTL measured them (sim_opts.dma_replay); outputs must be bit-exact and
// cycles within 1% (kRtlReplayTolerance).  Streamed programs
// (issue.ibuf_entries > 0) are the exception: the replay does not carry the
// RTL's instruction-fetch arrivals (fetch_replayed false), so there the C
// model's cycles are reported and only the data (and bytes) judged.
#ifndef RTL_COMPARE_H
#define RTL_COMPARE_H

#include "arch.h"
#include "gemm.h"
#include "program.h"
#include "rtl_engine.h"
#include "sim.h"

#include <cstdint>
#include <string>
#include <vector>

constexpr double kRtlReplayTolerance = 0.01;

struct RtlCompare {
    bool ideal = true;       // ideal memory: everything equal; else replayed
    bool device = false;     // dram: the device counts its own bytes (its bursts)
    bool fetch_replayed = true; // the C model's replay covers all of the RTL's timing
    bool ran = false;        // both engines ran without error
    bool data_equal = false; // DRAM images equal
    bool cycles_equal = false;
    bool sched_equal = false; // every instruction's start/busy_end/complete
    bool stats_equal = false; // instructions, busy, stalls, DRAM bytes
    bool bytes_equal = false; // DRAM bytes read and written
    uint64_t c_cycles = 0, rtl_cycles = 0;
    uint64_t c_own_cycles = 0; // the C model on its own memory model (no replay)
    double rel_diff = 0; // (RTL - C model) / C model cycles
    std::string msg; // one line per finding; empty when all equal
    bool ok() const
    {
        if (!ran || !data_equal)
            return false;
        if (ideal)
            return cycles_equal && sched_equal && stats_equal;
        if (!fetch_replayed)
            return bytes_equal || device;
        return (bytes_equal || device) && rel_diff <= kRtlReplayTolerance && rel_diff >= -kRtlReplayTolerance;
    }
};

// Runs p on both engines from image (not modified); out_lo/out_hi: the
// region of interest (e.g. GEMM C) for naming elements (0, 0: whole image).
// cols: row length in int32 elements of that region (0: flat).
RtlCompare rtl_compare_program(const arch_t *arch, const program *p,
                               const std::vector<uint8_t> &image, uint64_t out_lo = 0,
                               uint64_t out_hi = 0, int cols = 0,
                               const char *vcd_path = nullptr,
                               const rtl_memory *mem = nullptr);

// A random GEMM (seeded A, W of the format) lowered with gemm_lower.
struct GemmCase {
    gemm_shape shape{};
    gemm_layout lay{};
    program prog{};
    std::vector<uint8_t> image;
    std::string err;
};
bool rtl_make_gemm(const arch_t *arch, lut_wfmt fmt, int bits, int m, int n, int kd, int group,
                   uint32_t seed, GemmCase *g);

// A random hand-built program (loads, tprec, lmma, dq, stores, barriers on
// random in-bounds placements) and its memory image.
bool rtl_make_random_program(const arch_t *arch, uint32_t seed, program *p,
                             std::vector<uint8_t> *image, std::string *err);

// A random architecture the RTL supports (seeded; legal by arch_check):
// the ideal arch with LUT cores, tile m/n/k, buffer sizes and weight banks,
// latencies (DRAM, array, precompute, dequant), dequant lanes, queue depth,
// instruction-buffer entries (0: the instruction memory)
// and DMA transactions in flight drawn from small sets.  Each is its own
// Verilated model (rtl_cache.h).  name: "rand-SEED".
void rtl_random_arch(uint32_t seed, arch_t *a);
// Its parameters on one line (cores, tile, buffers, latencies, ...).
std::string rtl_arch_summary(const arch_t *a);

#endif
