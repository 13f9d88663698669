// fusion_support.h - running a fused GEMM (compiler/fusion.h) on data, for
// the suites of its epilogues, prologues and norm statistics.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "fusion.h"
#include "gemm.h"
#include "sim.h"

namespace fusiontest {

inline uint64_t dram_of(const sim_stats &s) { return s.ev.dram_read_bytes + s.ev.dram_write_bytes; }

// A GEMM's data: INT8 activations and weights, group scales, the
// epilogue's second operand at the element type, and (in_quant) A at the
// element type (a is its quantization); GEMM_INQ_NORM: A's rows' sums of
// squares (float32).
struct Data {
    std::vector<int8_t> a, w;
    std::vector<float> scales;
    std::vector<uint8_t> e;
    std::vector<uint8_t> aq;
    std::vector<uint8_t> ss;
};

// Runs s on d functionally into img (laid out as lay), and timing-only:
// the same cycles, DRAM bytes and vector operations.
inline bool run_gemm(const arch_t &a, const gemm_shape &s, const Data &d,
                     std::vector<uint8_t> &img, gemm_layout &lay, sim_stats &st)
{
    char err[512] = "";
    program p;
    if (gemm_lower(&a, &s, &p, &lay, err, sizeof err) != 0) {
        ADD_FAILURE() << err;
        return false;
    }
    img.assign(lay.image_bytes, 0);
    EXPECT_EQ(gemm_fill(&a, &s, &lay, d.a.data(), d.w.data(), nullptr, d.scales.data(),
                        img.data(), err, sizeof err), 0) << err;
    if (fusion_epi_sources(&s) == 2)
        std::memcpy(img.data() + lay.e_addr, d.e.data(), d.e.size());
    if (s.in_quant)
        std::memcpy(img.data() + lay.q_addr, d.aq.data(), d.aq.size());
    if (s.in_quant == GEMM_INQ_NORM)
        std::memcpy(img.data() + lay.n_addr, d.ss.data(), d.ss.size());
    sim_opts o;
    std::memset(&o, 0, sizeof o);
    o.dram = img.data();
    o.dram_size = img.size();
    EXPECT_EQ(sim_run(&a, nullptr, &p, &o, &st, err, sizeof err), 0) << err;
    sim_stats timing;
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &timing, err, sizeof err), 0) << err;
    EXPECT_EQ(timing.cycles, st.cycles);
    EXPECT_EQ(dram_of(timing), dram_of(st));
    EXPECT_EQ(timing.ev.vector_ops, st.ev.vector_ops);
    program_free(&p);
    return true;
}

} // namespace fusiontest
