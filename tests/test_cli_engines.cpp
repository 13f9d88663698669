// `--engine rtl|both`: the same program on the C model and the Verilated
// RTL, through the command line a user runs.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "npy.h"
#include "ref_gemm.h"
#include "run_argv.h"

namespace {

struct T {
    std::string dir;
    T()
    {
        char t[] = "/tmp/lutsim-eng-XXXXXX";
        dir = mkdtemp(t);
    }
    ~T() { testproc::remove_tree(dir); }
    std::string p(const std::string &n) const { return dir + "/" + n; }
    int run(const std::string &args, std::string *out, std::string *err) const
    {
        int st = testproc::lutsim(args, p("o"), p("e"));
        auto slurp = [](const std::string &f) {
            std::ifstream in(f);
            std::stringstream ss;
            ss << in.rdbuf();
            return ss.str();
        };
        *out = slurp(p("o"));
        *err = slurp(p("e"));
        return st;
    }
    void save(const std::string &name, std::vector<int64_t> shape, const std::vector<int8_t> &v) const
    {
        npy_array a;
        ASSERT_EQ(npy_alloc(&a, NPY_INT8, (int)shape.size(), shape.data()), 0);
        memcpy(a.data, v.data(), v.size());
        char e[512];
        ASSERT_EQ(npy_write(p(name).c_str(), &a, e, sizeof e), 0) << e;
        npy_free(&a);
    }
};

} // namespace

TEST(Engines, RtlAndCmodelAgreeAndAreExactOnFileInputs)
{
    T t;
    std::mt19937 rng(31337);
    struct Case { lut_wtype wt; int m, n, k; };
    const Case cases[] = {
        {{LUT_WFMT_INT, 3}, 5, 70, 130},
        {{LUT_WFMT_TERNARY, 2}, 3, 130, 64},
        {{LUT_WFMT_BINARY, 1}, 2, 40, 200},
    };
    for (const Case &c : cases) {
        std::vector<int8_t> a((size_t)c.m * c.k), w((size_t)c.n * c.k);
        for (auto &x : a) x = (int8_t)(rng() & 0xff);
        int lo, hi;
        lut_wtype_range(c.wt, &lo, &hi);
        for (auto &x : w) {
            do x = (int8_t)(lo + (int)(rng() % (unsigned)(hi - lo + 1)));
            while (!lut_wtype_admits(c.wt, x));
        }
        t.save("A.npy", {c.m, c.k}, a);
        t.save("W.npy", {c.n, c.k}, w);
        std::string io = " --act " + t.p("A.npy") + " --weight " + t.p("W.npy") + " --wfmt " +
                         lut_wfmt_name(c.wt.fmt) + " --wbits " + std::to_string(c.wt.bits);
        std::string out, err;
        ASSERT_EQ(t.run("gemm" + io + " --engine both --out " + t.p("C.npy"), &out, &err), 0) << err;
        EXPECT_NE(out.find("engines agree: outputs bit-exact"), std::string::npos) << out;
        // Cycles: the RTL is built to match the C model exactly.
        EXPECT_NE(out.find("(+0.000%)"), std::string::npos) << out;
        ASSERT_EQ(t.run("gemm" + io + " --engine rtl --out " + t.p("R.npy") + " --stats " + t.p("s.json"),
                        &out, &err), 0) << err;
        npy_array r;
        char e[512];
        ASSERT_EQ(npy_read(t.p("R.npy").c_str(), &r, e, sizeof e), 0) << e;
        std::vector<int64_t> ref((size_t)c.m * c.n);
        ref_gemm_i64(c.wt, a.data(), w.data(), nullptr, 128, c.m, c.n, c.k, ref.data());
        for (size_t i = 0; i < ref.size(); i++)
            ASSERT_EQ((int64_t)((int32_t *)r.data)[i], ref[i]) << i;
        npy_free(&r);
        std::ifstream sj(t.p("s.json"));
        std::stringstream ss;
        ss << sj.rdbuf();
        EXPECT_NE(ss.str().find("\"engine\": \"rtl\""), std::string::npos);
    }
}

TEST(Engines, RtlRejectsBadInputLikeTheCmodel)
{
    T t;
    std::vector<int8_t> a(12, 1), w(12, 5);
    t.save("A.npy", {3, 4}, a);
    t.save("W.npy", {3, 4}, w);
    std::string out, err;
    EXPECT_EQ(t.run("gemm --act " + t.p("A.npy") + " --weight " + t.p("W.npy") +
                        " --wfmt int --wbits 2 --engine rtl --out " + t.p("C.npy"), &out, &err), 1);
    EXPECT_NE(err.find("W.npy: weight [0][0] = 5"), std::string::npos) << err;
    EXPECT_NE(access(t.p("C.npy").c_str(), F_OK), 0);
    // What no RTL build models is refused, not faked (another tile or core
    // count is a model of its own: tests/test_rtl_arch.cpp).
    std::ofstream(t.p("arch.json")) << "{\"base\": \"ideal\", \"precompute\": {\"tables_per_cycle\": 2}}";
    t.save("W.npy", {3, 4}, a);
    EXPECT_EQ(t.run("gemm --act " + t.p("A.npy") + " --weight " + t.p("W.npy") +
                        " --wfmt int --wbits 2 --engine rtl --arch " + t.p("arch.json") + " --out " + t.p("C.npy"),
                    &out, &err), 1);
    EXPECT_NE(err.find("precompute.tables_per_cycle 2 needs the C model"), std::string::npos) << err;
    EXPECT_NE(access(t.p("C.npy").c_str(), F_OK), 0);
    EXPECT_EQ(t.run("gemm --random 2x8x8 --wfmt int --wbits 2 --engine rtl --timing-only", &out, &err), 2);
}

// --memory: the RTL's port served by random (seeded) or DRAM-device memory;
// both engines stay bit-exact and the C model, given the RTL's memory
// responses, within 1% (the line names the replay).
TEST(Engines, MemoryModesThroughTheCommandLine)
{
    T t;
    std::string out, err;
    const std::string g = "gemm --random 6x200x160 --wfmt int --wbits 3"; // (on ideal.json)
    ASSERT_EQ(t.run(g + " --engine both --memory random:9", &out, &err), 0) << err;
    EXPECT_NE(out.find("engines agree: outputs bit-exact; cycles C model (given the RTL's memory "
                       "responses)"), std::string::npos) << out;
    ASSERT_EQ(t.run(g + " --engine rtl --memory random:9 --stats " + t.p("r9.json"), &out, &err), 0)
        << err;
    ASSERT_EQ(t.run(g + " --engine rtl --stats " + t.p("id.json"), &out, &err), 0) << err;
    auto cycles = [&](const std::string &f) {
        std::ifstream in(t.p(f));
        std::stringstream ss;
        ss << in.rdbuf();
        std::string s = ss.str();
        size_t at = s.find("\"cycles\":");
        return at == std::string::npos ? -1LL : atoll(s.c_str() + at + 9);
    };
    EXPECT_GT(cycles("r9.json"), cycles("id.json")) << "random memory must be slower than ideal";
    // the DRAM device: an arch that names one
    std::ofstream(t.p("lp.json")) << "{\"base\": \"ideal\", \"name\": \"ideal-lpddr5\", "
                                     "\"dram\": {\"model\": \"lpddr5-6400\", \"latency_cycles\": 100}}";
    ASSERT_EQ(t.run("gemm --random 6x200x160 --wfmt int --wbits 3 --arch " + t.p("lp.json") +
                        " --engine both --memory dram", &out, &err), 0) << err;
    EXPECT_NE(out.find("engines agree: outputs bit-exact"), std::string::npos) << out;
    // refusals: a bad mode, the C model alone, ideal memory on a device arch
    EXPECT_EQ(t.run(g + " --engine rtl --memory random:x", &out, &err), 2);
    EXPECT_NE(err.find("--memory: expected random:SEED"), std::string::npos) << err;
    EXPECT_EQ(t.run(g + " --memory random", &out, &err), 2);
    EXPECT_NE(err.find("--memory needs --engine rtl or both"), std::string::npos) << err;
    EXPECT_EQ(t.run("gemm --random 6x200x160 --wfmt int --wbits 3 --arch " + t.p("lp.json") +
                        " --engine rtl", &out, &err), 1);
    EXPECT_NE(err.find("--memory dram"), std::string::npos) << err;
}
