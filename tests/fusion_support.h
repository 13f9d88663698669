// fusion_support.h - running a fused GEMM (compiler/fusion.h) on data, for
// the suites of its epilogues, prologues and norm statistics.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "fusion.h"
#include "gemm.h"
#include "mapper.h"
#include "sim.h"
#include "test_support.h"
#include "vector.h"

namespace fusiontest {

inline uint64_t dram_of(const sim_stats &s) { return s.ev.dram_read_bytes + s.ev.dram_write_bytes; }

// Pinned (not the embedded default): ideal SRAM and DRAM, one DMA queue,
// 1-byte bursts (so DRAM bytes are exactly the bytes moved).
inline arch_t pinned(fp_type t)
{
    arch_t a;
    arch_default(&a);
    a.sram_ideal = 1;
    a.lut_double_acc = 0;
    std::snprintf(a.dram_model, sizeof a.dram_model, "%s", "ideal");
    a.dram_channels = 0;
    a.dram_gbps = 64.0;
    a.dram_latency = 100;
    a.dram_burst = 1;
    a.dma_engines = 1;
    a.dma_max_outstanding = 0;
    a.ibuf_entries = 0;
    a.buf[BUF_ACT].kib = 256;
    a.buf[BUF_WGT].kib = 512;
    a.buf[BUF_TBL].kib = 16;
    a.buf[BUF_OUT].kib = 256;
    a.vector_dtype = t;
    a.vec_fused = 1;
    return a;
}

// The mapper's schedule of s on a (an energy model of unit costs, so the
// search weighs energy too) into *best, its fast-forwarded timing held to
// a full simulation; returns whether it was fast-forwarded.
inline int mapped_ff_equals_full(const arch_t &a, const gemm_shape &s, gemm_shape *best)
{
    energy_model em;
    std::memset(&em, 0, sizeof em);
    em.dram_pj_per_byte = 1.0;
    em.vector_op_pj = 1.0;
    em.node_nm = 28;
    sim_stats ff;
    int sampled = 0, sims = 0;
    char err[512] = "";
    EXPECT_EQ(mapper_search(&a, &em, &s, MAP_EDP, best, &ff, &sampled, &sims, err, sizeof err), 0)
        << err;
    testsupport::expect_full_equals(a, &em, *best, ff);
    return sampled;
}

// A vector program on in (norm_split 2 and 3: sums, the rows' sums of
// squares, at stat_addr; else the second operand): its DRAM image after a
// functional run into vs (timing-only must agree), laid out as vl.
inline std::vector<uint8_t> run_vec_image(const arch_t &a, const vec_shape &v,
                                          const std::vector<uint8_t> &in,
                                          const std::vector<uint8_t> &sums, vec_layout &vl,
                                          sim_stats &vs)
{
    char err[512] = "";
    EXPECT_EQ(vec_layout_of(&a, &v, &vl, err, sizeof err), 0) << err;
    std::vector<uint8_t> img(vl.image_bytes, 0);
    std::memcpy(img.data() + vl.in_addr, in.data(), in.size());
    if (!sums.empty())
        std::memcpy(img.data() + (v.norm_split >= 2 ? vl.stat_addr : vl.in2_addr), sums.data(),
                    sums.size());
    program p;
    uint64_t tiles;
    EXPECT_EQ(vec_lower(&a, &v, 0, &p, &tiles, err, sizeof err), 0) << err;
    sim_opts o;
    std::memset(&o, 0, sizeof o);
    o.dram = img.data();
    o.dram_size = img.size();
    EXPECT_EQ(sim_run(&a, nullptr, &p, &o, &vs, err, sizeof err), 0) << err;
    sim_stats timing;
    EXPECT_EQ(sim_run(&a, nullptr, &p, nullptr, &timing, err, sizeof err), 0) << err;
    EXPECT_EQ(timing.cycles, vs.cycles);
    EXPECT_EQ(dram_of(timing), dram_of(vs));
    program_free(&p);
    return img;
}

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
