// test_rtl_arch.cpp - the RTL for an architecture other than the built-in
// model's (rtl_cache.h): one non-default architecture is Verilated into a
// temporary model cache (about a minute and a half: the only Verilator build
// in `make test`), then a held-out GEMM runs on it and on the C model:
// outputs bit-exact, cycles, every instruction's schedule and the unit
// statistics equal (rtl_compare_program).
#include "rtl_cache.h"
#include "rtl_compare.h"
#include "rtl_engine.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// A model cache of its own, removed afterwards.
struct TempCache {
    fs::path dir;
    explicit TempCache(const char *tag)
    {
        dir = fs::temp_directory_path() /
              ("lutsim-rtl-cache-" + std::string(tag) + "-" + std::to_string(getpid()));
        fs::remove_all(dir);
        setenv("LUTSIM_RTL_CACHE", dir.c_str(), 1);
    }
    ~TempCache()
    {
        unsetenv("LUTSIM_RTL_CACHE");
        fs::remove_all(dir);
    }
    int libraries() const
    {
        int n = 0;
        if (fs::exists(dir))
            for (auto &e : fs::recursive_directory_iterator(dir))
                n += e.path().filename() == "lutc_rtl.so";
        return n;
    }
};

// 2 cores of M4 N32 K3 tiles (4 stored entries per table, an odd K), a
// 2-bank weight buffer, smaller buffers, a DRAM latency of 40 and a DMA
// window of 8 transactions: the array's shape, the table layout, the
// buffers' address widths and the DMA's ID table all differ from the
// built-in model's.
arch_t small_arch()
{
    arch_t a;
    arch_ideal(&a);
    snprintf(a.name, sizeof a.name, "test-m4n32k3");
    a.lut_cores = 2;
    a.tile_m = 4;
    a.tile_n = 32;
    a.tile_k = 3;
    a.buf[BUF_WGT].kib = 64;
    a.buf[BUF_WGT].banks = 2; // 512 bits a cycle: a pass (32 x 2 x 3 bits) a cycle
    a.buf[BUF_WGT].width_bits = 256;
    a.buf[BUF_ACT].kib = 64;
    a.buf[BUF_OUT].kib = 64;
    a.dma_max_outstanding = 8;
    a.dram_latency = 40;
    return a;
}

} // namespace

TEST(RtlArch, HeldOutGemmOnABuiltModel)
{
    TempCache cache("gemm");
    arch_t a = small_arch();
    char err[512];
    ASSERT_EQ(arch_check(&a, err, sizeof err), 0) << err;
    ASSERT_EQ(rtl_arch_supported(&a, err, sizeof err), 0) << err; // (builds the model)
    const rtl_model_entry *m = rtl_cache_model(&a, nullptr, err, sizeof err);
    ASSERT_NE(m, nullptr) << err;
    EXPECT_NE(m, &rtl_model_entry_table); // not the built-in model
    EXPECT_EQ(cache.libraries(), 1);
    // found again, not built again
    EXPECT_EQ(rtl_cache_model(&a, nullptr, err, sizeof err), m);
    // the ideal arch still runs the built-in model
    arch_t d;
    arch_ideal(&d);
    EXPECT_EQ(rtl_cache_model(&d, nullptr, err, sizeof err), &rtl_model_entry_table);

    // a held-out GEMM (shape, format, group and seed used nowhere else)
    GemmCase gc;
    const int M = 7, N = 150, K = 230;
    ASSERT_TRUE(rtl_make_gemm(&a, LUT_WFMT_INT, 5, M, N, K, 64, 4242, &gc)) << gc.err;
    RtlCompare r = rtl_compare_program(&a, &gc.prog, gc.image, gc.lay.c_addr,
                                       gc.lay.c_addr + (uint64_t)M * N * 4, N);
    EXPECT_TRUE(r.ok()) << r.msg;
    EXPECT_TRUE(r.data_equal && r.cycles_equal) << r.msg;
    EXPECT_GT(r.c_cycles, 0u);
    EXPECT_EQ(r.c_cycles, r.rtl_cycles);
    program_free(&gc.prog);

    // its table names the parameters it was built from: this arch's
    EXPECT_STRNE(m->params, rtl_model_entry_table.params);
    EXPECT_NE(std::string(m->params).find("`define ARCH_TILE_K 3\n"), std::string::npos);
}

TEST(RtlArch, MissingVerilatorIsOneLine)
{
    TempCache cache("nover");
    setenv("VERILATOR", "/nonexistent/verilator", 1);
    arch_t a = small_arch();
    a.tile_n = 16; // another model than the test above's
    char err[512];
    const rtl_model_entry *m = rtl_cache_model(&a, nullptr, err, sizeof err);
    unsetenv("VERILATOR");
    ASSERT_EQ(m, nullptr);
    std::string e = err;
    EXPECT_NE(e.find("verilator is not installed"), std::string::npos) << e;
    EXPECT_NE(e.find("test-m4n32k3"), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_EQ(cache.libraries(), 0); // no half library left behind
}
