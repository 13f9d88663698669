// test_quant_run_cli.cpp - float weights through the command line: `lutsim
// gemm --quant Q` (quantized on the fly, run on the LUT core) and `lutsim
// run --functional --weights DIR` (a user's `lutsim quantize` output in
// place of the seeded random weights).  The files are made here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include <jansson.h>

extern "C" {
#include "npy.h"
}

#include "run_argv.h"

namespace fs = std::filesystem;

namespace {

class QuantRunCli : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_FALSE(tmp_.dir.empty()); }
    int Lutsim(const std::vector<std::string> &args)
    {
        std::vector<std::string> argv = {LUTSIM_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        return testproc::run(argv, tmp_.p("stdout"), tmp_.p("stderr"));
    }
    std::string Out() { return testproc::slurp(tmp_.p("stdout")); }
    std::string Err() { return testproc::slurp(tmp_.p("stderr")); }
    // n x k Gaussian float32 weights (sigma 0.02) in path.
    void FloatWeights(const std::string &path, int n, int k, unsigned seed)
    {
        npy_array w;
        int64_t sh[2] = {n, k};
        ASSERT_EQ(npy_alloc(&w, NPY_FLOAT32, 2, sh), 0);
        std::mt19937 rng(seed);
        std::normal_distribution<float> nd(0.0f, 0.02f);
        for (int64_t i = 0; i < (int64_t)n * k; i++)
            ((float *)w.data)[i] = nd(rng);
        char err[256];
        ASSERT_EQ(npy_write(path.c_str(), &w, err, sizeof err), 0) << err;
        npy_free(&w);
    }
    void Int8Acts(const std::string &path, int m, int k, unsigned seed)
    {
        npy_array a;
        int64_t sh[2] = {m, k};
        ASSERT_EQ(npy_alloc(&a, NPY_INT8, 2, sh), 0);
        std::mt19937 rng(seed);
        for (int64_t i = 0; i < (int64_t)m * k; i++)
            ((int8_t *)a.data)[i] = (int8_t)(rng() % 256);
        char err[256];
        ASSERT_EQ(npy_write(path.c_str(), &a, err, sizeof err), 0) << err;
        npy_free(&a);
    }
    // The checksum of `lutsim run`'s user-weight line for op (or "").
    std::string Checksum(const std::string &op)
    {
        std::smatch mt;
        std::string out = Out();
        std::regex re("user weights: " + op + " [^\n]*checksum ([0-9a-f]{8})");
        return std::regex_search(out, mt, re) ? mt[1].str() : "";
    }
    testproc::TmpDir tmp_;
    const std::string dir_ = tmp_.dir;
};

double Number(const std::string &text, const std::string &before)
{
    size_t p = text.find(before);
    return p == std::string::npos ? NAN : std::atof(text.c_str() + p + before.size());
}

} // namespace

// A float32 .npy of weights quantized to BitMoD FP3 on the fly: the result
// is float32 M x N, checked exact against the dq reference, close to
// A x W'^T (dequantized) and farther from A x W^T (float) by the error
// printed; the output of a failed run is not written.
TEST_F(QuantRunCli, GemmQuantNpyFloatWeights)
{
    const int m = 5, n = 70, k = 384;
    FloatWeights(dir_ + "/w.npy", n, k, 3);
    Int8Acts(dir_ + "/a.npy", m, k, 4);
    ASSERT_EQ(Lutsim({"gemm", "--quant", "W3A8-bitmod", "--weight", dir_ + "/w.npy", "--act",
                      dir_ + "/a.npy", "--out", dir_ + "/c.npy", "--quiet"}), 0) << Err();
    const std::string out = Out();
    EXPECT_NE(out.find("result check: exact"), std::string::npos) << out;
    EXPECT_NE(out.find("as 4 bit-planes"), std::string::npos) << out; // FP3 on INT4 planes
    const double vs_float = Number(out, "(unquantized weights): relative ");
    const double vs_deq = Number(out, "(dequantized weights): relative ");
    EXPECT_GT(vs_float, 0.05); // 3-bit weights: several per cent
    EXPECT_LT(vs_float, 0.5);
    EXPECT_LT(vs_deq, 1e-6);   // float32 rounding only
    npy_array c;
    char err[256];
    ASSERT_EQ(npy_read((dir_ + "/c.npy").c_str(), &c, err, sizeof err), 0) << err;
    EXPECT_EQ(c.dtype, NPY_FLOAT32);
    EXPECT_EQ(c.shape[0], m);
    EXPECT_EQ(c.shape[1], n);
    npy_free(&c);

    // activations of the wrong K: an error naming the file, no output
    fs::remove(dir_ + "/c.npy");
    Int8Acts(dir_ + "/a2.npy", m, k + 1, 4);
    EXPECT_EQ(Lutsim({"gemm", "--quant", "W3A8-bitmod", "--weight", dir_ + "/w.npy", "--act",
                      dir_ + "/a2.npy", "--out", dir_ + "/c.npy", "--quiet"}), 1);
    EXPECT_NE(Err().find(dir_ + "/a2.npy"), std::string::npos) << Err();
    EXPECT_FALSE(fs::exists(dir_ + "/c.npy"));
    // int8 "weights" are not float weights
    EXPECT_EQ(Lutsim({"gemm", "--quant", "W4A8", "--weight", dir_ + "/a.npy", "--act",
                      dir_ + "/a.npy", "--out", dir_ + "/c.npy", "--quiet"}), 1);
    EXPECT_NE(Err().find("a.npy"), std::string::npos) << Err();
    EXPECT_FALSE(fs::exists(dir_ + "/c.npy"));
}

// --random with BitMoD FP4 and INT4: FP4 runs 6 planes, INT4 4, and the
// statistics say so in cycles; both report their error.
TEST_F(QuantRunCli, GemmQuantRandomBitmodVsInt4)
{
    double cycles[2];
    const char *q[2] = {"W4A8", "W4A8-bitmod"};
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(Lutsim({"gemm", "--random", "64x512x1024", "--quant", q[i], "--stats",
                          dir_ + "/s.json", "--quiet"}), 0) << Err();
        json_error_t je;
        json_t *s = json_load_file((dir_ + "/s.json").c_str(), 0, &je);
        ASSERT_NE(s, nullptr) << je.text;
        cycles[i] = json_number_value(json_object_get(s, "cycles"));
        EXPECT_EQ(json_integer_value(json_object_get(s, "wbits")), i ? 6 : 4);
        EXPECT_GT(json_number_value(json_object_get(s, "rel_error_vs_float")), 0.0);
        json_decref(s);
    }
    EXPECT_GT(cycles[1], 1.2 * cycles[0]);
}

// A user's weights for layer 0's q_proj of the tiny model: picked up (its
// line and checksum), a changed code changes the output, the other layers
// stay random; without --weights no such line.
TEST_F(QuantRunCli, RunWeightsPicksUpUserWeights)
{
    fs::create_directory(dir_ + "/in");
    FloatWeights(dir_ + "/in/model.layers.0.self_attn.q_proj.weight.npy", 128, 128, 5);
    for (const char *q : {"W4A8", "W3A8-bitmod"}) {
        SCOPED_TRACE(q);
        const std::string wd = dir_ + "/q_" + q;
        ASSERT_EQ(Lutsim({"quantize", "--in", dir_ + "/in", "--quant", q, "--out", wd, "--quiet"}),
                  0) << Err();
        const std::vector<std::string> run = {"run", "--model", "tiny", "--quant", q, "--phase",
                                              "decode", "--context", "64", "--functional",
                                              "--quiet", "--weights", wd};
        ASSERT_EQ(Lutsim(run), 0) << Err();
        const std::string c0 = Checksum("layer.q_proj layer 0");
        ASSERT_FALSE(c0.empty()) << Out();
        EXPECT_NE(Out().find("(1 with the weights of --weights"), std::string::npos) << Out();
        // change one weight: the code of row 3, column 7
        const std::string codes = wd + "/model.layers.0.self_attn.q_proj.weight.codes.npy";
        npy_array a;
        char err[256];
        ASSERT_EQ(npy_read(codes.c_str(), &a, err, sizeof err), 0) << err;
        uint8_t *p = (uint8_t *)a.data + 3 * 128 + 7;
        *p = *p == 1 ? 2 : 1;
        ASSERT_EQ(npy_write(codes.c_str(), &a, err, sizeof err), 0) << err;
        npy_free(&a);
        ASSERT_EQ(Lutsim(run), 0) << Err();
        const std::string c1 = Checksum("layer.q_proj layer 0");
        ASSERT_FALSE(c1.empty()) << Out();
        EXPECT_NE(c0, c1);
    }
    ASSERT_EQ(Lutsim({"run", "--model", "tiny", "--quant", "W4A8", "--phase", "decode",
                      "--context", "64", "--functional", "--quiet"}), 0) << Err();
    EXPECT_EQ(Out().find("user weights"), std::string::npos);
}

// Mismatches: another preset, a shape the layer does not take, a missing
// file; each a one-line error naming the manifest or file and the tensor.
TEST_F(QuantRunCli, RunWeightsMismatch)
{
    fs::create_directory(dir_ + "/in");
    FloatWeights(dir_ + "/in/model.layers.0.self_attn.q_proj.weight.npy", 128, 128, 5);
    FloatWeights(dir_ + "/in/model.layers.1.self_attn.k_proj.weight.npy", 128, 128, 6); // 64 x 128
    const std::string wd = dir_ + "/q";
    ASSERT_EQ(Lutsim({"quantize", "--in", dir_ + "/in", "--quant", "W4A8", "--out", wd,
                      "--quiet"}), 0) << Err();
    auto run = [&](const std::string &q) {
        return Lutsim({"run", "--model", "tiny", "--quant", q, "--phase", "decode", "--context",
                       "64", "--functional", "--quiet", "--weights", wd});
    };
    auto one_line = [&]() {
        const std::string e = Err();
        return std::count(e.begin(), e.end(), '\n') == 1;
    };
    EXPECT_EQ(run("W3A8"), 1);
    EXPECT_NE(Err().find(wd + "/manifest.json: quant"), std::string::npos) << Err();
    EXPECT_TRUE(one_line()) << Err();
    EXPECT_EQ(run("W4A8"), 1); // k_proj of layer 1 is 64 x 128
    EXPECT_NE(Err().find("model.layers.1.self_attn.k_proj.weight\" is 128x128"),
              std::string::npos) << Err();
    EXPECT_NE(Err().find("manifest.json"), std::string::npos) << Err();
    EXPECT_TRUE(one_line()) << Err();
    fs::remove(dir_ + "/in/model.layers.1.self_attn.k_proj.weight.npy");
    fs::remove_all(wd);
    ASSERT_EQ(Lutsim({"quantize", "--in", dir_ + "/in", "--quant", "W4A8", "--out", wd,
                      "--quiet"}), 0) << Err();
    fs::remove(wd + "/model.layers.0.self_attn.q_proj.weight.scales.npy");
    EXPECT_EQ(run("W4A8"), 1);
    EXPECT_NE(Err().find("model.layers.0.self_attn.q_proj.weight.scales.npy"), std::string::npos)
        << Err();
    EXPECT_NE(Err().find("tensor \"model.layers.0.self_attn.q_proj.weight\""), std::string::npos)
        << Err();
    EXPECT_TRUE(one_line()) << Err();
    EXPECT_EQ(Lutsim({"run", "--model", "tiny", "--quant", "W4A8", "--weights", wd}), 2);
}
