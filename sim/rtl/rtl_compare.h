// rtl_compare.h - one program, two engines (C model and RTL): outputs
// bit-exact, cycles equal, first differing DRAM byte / instruction schedule
// named on a mismatch.  Also builds GEMM and random hand-built programs.
#ifndef RTL_COMPARE_H
#define RTL_COMPARE_H

#include "arch.h"
#include "gemm.h"
#include "program.h"
#include "sim.h"

#include <cstdint>
#include <string>
#include <vector>

struct RtlCompare {
    bool ran = false;        // both engines ran without error
    bool data_equal = false; // DRAM images equal
    bool cycles_equal = false;
    bool sched_equal = false; // every instruction's start/busy_end/complete
    bool stats_equal = false; // instructions, busy, stalls, DRAM bytes
    uint64_t c_cycles = 0, rtl_cycles = 0;
    std::string msg; // one line per finding; empty when all equal
    bool ok() const { return ran && data_equal && cycles_equal && sched_equal && stats_equal; }
};

// Runs p on both engines from image (not modified); out_lo/out_hi: the
// region of interest (e.g. GEMM C) for naming elements (0, 0: whole image).
// cols: row length in int32 elements of that region (0: flat).
RtlCompare rtl_compare_program(const arch_t *arch, const program *p,
                               const std::vector<uint8_t> &image, uint64_t out_lo = 0,
                               uint64_t out_hi = 0, int cols = 0,
                               const char *vcd_path = nullptr);

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

#endif
