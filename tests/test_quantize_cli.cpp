// test_quantize_cli.cpp - `lutsim quantize` end to end: a small sharded
// safetensors model (F16 and BF16) written by tests/quantize_ref.py, every
// built-in preset, and the figures held to that script's own numpy
// quantizers (no lutsim code in them); BitMoD against INT RTN at 3 and 4
// bits; the files it writes; malformed safetensors.
#include <gtest/gtest.h>

#include <jansson.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" {
#include "npy.h"
#include "workload_embed.h"
}

#include "run_argv.h"

namespace fs = std::filesystem;

namespace {

const std::string kPython = "/usr/bin/python3";
const std::string kRef = std::string(SRC_DIR) + "/tests/quantize_ref.py";

std::string PresetFile(const std::string &name)
{
    return std::string(SRC_DIR) + "/workloads/quant/" + name + ".json";
}

bool HaveNumpy()
{
    return testproc::run({kPython, "-c", "import numpy"}) == 0;
}

std::string Slurp(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

class QuantizeCli : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!HaveNumpy())
            GTEST_SKIP() << "no numpy for /usr/bin/python3";
        char tmpl[] = "/tmp/lutsim_quantize_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override
    {
        if (!dir_.empty())
            fs::remove_all(dir_);
    }
    // lutsim quantize with argv words; stdout and stderr kept in files.
    int Quantize(const std::vector<std::string> &args)
    {
        std::vector<std::string> argv = {LUTSIM_BIN, "quantize"};
        argv.insert(argv.end(), args.begin(), args.end());
        return testproc::run(argv, dir_ + "/stdout", dir_ + "/stderr");
    }
    std::string Stderr() { return Slurp(dir_ + "/stderr"); }
    std::string dir_;
};

struct Figures {
    double mse, sqnr_db, bits;
};

std::map<std::string, Figures> ReadFigures(const std::string &path, bool lutsim_report)
{
    std::map<std::string, Figures> out;
    json_error_t je;
    json_t *doc = json_load_file(path.c_str(), 0, &je);
    EXPECT_NE(doc, nullptr) << path << ": " << je.text;
    if (!doc)
        return out;
    json_t *arr = lutsim_report ? json_object_get(doc, "tensors") : doc;
    size_t i;
    json_t *t;
    json_array_foreach(arr, i, t) {
        out[json_string_value(json_object_get(t, "name"))] = {
            json_number_value(json_object_get(t, "mse")),
            json_number_value(json_object_get(t, "sqnr_db")),
            json_number_value(json_object_get(t, "bits_per_weight"))};
    }
    json_decref(doc);
    return out;
}

double TotalMse(const std::string &report)
{
    json_t *doc = json_load_file(report.c_str(), 0, nullptr);
    EXPECT_NE(doc, nullptr) << report;
    double v = doc ? json_number_value(json_object_get(json_object_get(doc, "total"), "mse")) : 0;
    json_decref(doc);
    return v;
}

// Sums in a different order (numpy's pairwise, lutsim's running sum) may
// move the last bits of a binary64 figure; nothing more is allowed.
void ExpectClose(double got, double want, const std::string &what)
{
    EXPECT_LE(std::fabs(got - want), 1e-12 * std::fabs(want)) << what << ": " << got << " vs " << want;
}

TEST_F(QuantizeCli, ShardedModelToEveryPresetMatchesNumpy)
{
    const std::string model = dir_ + "/model";
    fs::create_directory(model);
    ASSERT_EQ(testproc::run({kPython, kRef, "model", model}, "", "-"), 0);
    std::vector<std::string> presets;
    std::string files;
    for (int i = 0; workload_quant_name(i); i++) {
        if (std::string(workload_quant_name(i)) == "FP16")
            continue; // the unquantized baseline: refused (FP16PresetIsNotQuantized)
        presets.push_back(workload_quant_name(i));
        files += (files.empty() ? "" : ",") + PresetFile(presets.back());
    }
    EXPECT_GE(presets.size(), 14u); // the 12 of the mapping issue and the two BitMoD presets
    ASSERT_EQ(testproc::run({kPython, kRef, "expect", files, dir_ + "/e-{}.json",
                             model + "/model-00001-of-00002.safetensors",
                             model + "/model-00002-of-00002.safetensors"},
                            "", "-"),
              0);
    for (const std::string &q : presets) {
        const std::string out = dir_ + "/out-" + q, rep = dir_ + "/r-" + q + ".json";
        ASSERT_EQ(Quantize({"--in", model, "--quant", q, "--out", out, "--report", rep}), 0)
            << q << ": " << Stderr();
        auto got = ReadFigures(rep, true), want = ReadFigures(dir_ + "/e-" + q + ".json", false);
        ASSERT_EQ(got.size(), 2u) << q; // q_proj (F16) and down_proj (BF16); not embed, norm
        ASSERT_EQ(want.size(), 2u) << q;
        for (const auto &[name, w] : want) {
            ASSERT_TRUE(got.count(name)) << q << ": " << name;
            ExpectClose(got[name].mse, w.mse, q + " " + name + " mse");
            ExpectClose(got[name].sqnr_db, w.sqnr_db, q + " " + name + " sqnr_db");
            EXPECT_EQ(got[name].bits, w.bits) << q << " " << name << " bits_per_weight";
        }
    }
}

// The acceptance point: BitMoD's mixture beats INT RTN of the same width
// and group (128) on Gaussian weights and on a matrix with 0.5 % outliers.
TEST_F(QuantizeCli, BitmodBeatsIntRtnAtThreeAndFourBits)
{
    ASSERT_EQ(testproc::run({kPython, kRef, "matrices", dir_}, "", "-"), 0);
    for (const std::string m : {"gauss", "outliers"}) {
        const std::string in = dir_ + "/" + m + ".npy";
        ASSERT_EQ(testproc::run({kPython, kRef, "expect",
                                 PresetFile("W3A8") + "," + PresetFile("W3A8-bitmod") + "," +
                                     PresetFile("W4A8") + "," + PresetFile("W4A8-bitmod"),
                                 dir_ + "/e-" + m + "-{}.json", in},
                                "", "-"),
                  0);
        for (int bits : {3, 4}) {
            const std::string wi = "W" + std::to_string(bits) + "A8";
            const std::string wb = wi + "-bitmod";
            double mse[2];
            for (int j = 0; j < 2; j++) {
                const std::string q = j ? wb : wi;
                const std::string rep = dir_ + "/" + m + q + ".json";
                ASSERT_EQ(Quantize({"--in", in, "--quant", q, "--out", dir_ + "/o" + m + q,
                                    "--report", rep}),
                          0)
                    << Stderr();
                mse[j] = TotalMse(rep);
                // and numpy's own quantizers agree on the figure
                const auto want = ReadFigures(dir_ + "/e-" + m + "-" + q + ".json", false);
                ASSERT_EQ(want.size(), 1u);
                ExpectClose(mse[j], want.begin()->second.mse, m + " " + q);
            }
            EXPECT_LT(mse[1], mse[0]) << m << " at " << bits << " bits: BitMoD " << mse[1]
                                      << ", INT RTN " << mse[0];
        }
    }
}

// The files: codes x scales gives the dequantized weights, and the codes
// run as `lutsim gemm` weights.
TEST_F(QuantizeCli, WritesCodesLutsimGemmRuns)
{
    const std::string model = dir_ + "/model";
    fs::create_directory(model);
    ASSERT_EQ(testproc::run({kPython, kRef, "model", model}, "", "-"), 0);
    const std::string out = dir_ + "/o";
    ASSERT_EQ(Quantize({"--in", model, "--quant", "W4A8", "--out", out, "--csv", dir_ + "/r.csv"}),
              0) << Stderr();
    const std::string stem = out + "/model.layers.0.self_attn.q_proj.weight";
    npy_array c, s, d;
    char err[512];
    ASSERT_EQ(npy_read((stem + ".codes.npy").c_str(), &c, err, sizeof err), 0) << err;
    ASSERT_EQ(npy_read((stem + ".scales.npy").c_str(), &s, err, sizeof err), 0) << err;
    ASSERT_EQ(npy_read((stem + ".dequant.npy").c_str(), &d, err, sizeof err), 0) << err;
    ASSERT_EQ(c.dtype, NPY_INT8);
    ASSERT_EQ(c.shape[0], 48);
    ASSERT_EQ(c.shape[1], 320);
    ASSERT_EQ(s.shape[1], 3); // 320 = 128 + 128 + 64
    const int8_t *cv = (const int8_t *)c.data;
    const float *sv = (const float *)s.data, *dv = (const float *)d.data;
    for (int i = 0; i < 48; i++)
        for (int j = 0; j < 320; j++) {
            ASSERT_GE(cv[i * 320 + j], -8);
            ASSERT_LE(cv[i * 320 + j], 7);
            ASSERT_EQ(dv[i * 320 + j], (float)cv[i * 320 + j] * sv[i * 3 + j / 128]) << i << "," << j;
        }
    // A = identity rows: C row r is W's column r, as integers
    npy_array a;
    const int64_t ashape[2] = {2, 320};
    ASSERT_EQ(npy_alloc(&a, NPY_INT8, 2, ashape), 0);
    ((int8_t *)a.data)[0] = 1;
    ((int8_t *)a.data)[320 + 5] = 1;
    ASSERT_EQ(npy_write((dir_ + "/a.npy").c_str(), &a, err, sizeof err), 0);
    ASSERT_EQ(testproc::run({LUTSIM_BIN, "gemm", "--engine", "host", "--act", dir_ + "/a.npy",
                             "--weight", stem + ".codes.npy", "--wfmt", "int", "--wbits", "4",
                             "--out", dir_ + "/c.npy", "--quiet"}, "", dir_ + "/stderr"),
              0) << Stderr();
    npy_array r;
    ASSERT_EQ(npy_read((dir_ + "/c.npy").c_str(), &r, err, sizeof err), 0) << err;
    for (int n = 0; n < 48; n++) {
        EXPECT_EQ(((const int32_t *)r.data)[n], cv[n * 320]);
        EXPECT_EQ(((const int32_t *)r.data)[48 + n], cv[n * 320 + 5]);
    }
    for (npy_array *x : {&a, &c, &s, &d, &r})
        npy_free(x);
    const std::string csv = Slurp(dir_ + "/r.csv");
    EXPECT_EQ(csv.rfind("name,rows,cols,dtype,mse,sqnr_db,bits_per_weight,stored_bytes\n", 0), 0u);
    EXPECT_NE(csv.find("\nmodel.layers.1.mlp.down_proj.weight,64,256,BF16,"), std::string::npos);
    EXPECT_NE(csv.find("\ntotal,0,0,,"), std::string::npos);
    const std::string table = Slurp(dir_ + "/stdout");
    EXPECT_NE(table.find("sqnr (dB)"), std::string::npos);
    EXPECT_NE(table.find("bits/weight"), std::string::npos);
}

// BitMoD runs on the LUT core as the INT bit-planes of its grid: the grid
// values times the group scales are the dequantized weights, they fit
// INT4 (FP3) and INT6 (FP4), and `lutsim gemm` with the manifest's options
// multiplies them exactly.
TEST_F(QuantizeCli, BitmodGridRunsAsIntPlanes)
{
    ASSERT_EQ(testproc::run({kPython, kRef, "matrices", dir_}, "", "-"), 0);
    npy_array a;
    char err[512];
    const int64_t ashape[2] = {1, 1024};
    ASSERT_EQ(npy_alloc(&a, NPY_INT8, 2, ashape), 0);
    ((int8_t *)a.data)[3] = 1; // C[0][n] = W[n][3]
    ASSERT_EQ(npy_write((dir_ + "/a.npy").c_str(), &a, err, sizeof err), 0);
    npy_free(&a);
    for (int bits : {3, 4}) {
        const std::string q = "W" + std::to_string(bits) + "A8-bitmod", out = dir_ + "/o" + q;
        ASSERT_EQ(Quantize({"--in", dir_ + "/outliers.npy", "--quant", q, "--out", out}), 0)
            << Stderr();
        json_t *man = json_load_file((out + "/manifest.json").c_str(), 0, nullptr);
        ASSERT_NE(man, nullptr);
        json_t *t0 = json_array_get(json_object_get(man, "tensors"), 0);
        const std::string planes = bits == 3 ? "4" : "6";
        EXPECT_STREQ(json_string_value(json_object_get(t0, "gemm")),
                     ("--wfmt int --wbits " + planes + " --group 128").c_str());
        EXPECT_STREQ(json_string_value(json_object_get(t0, "gemm_weight")), "outliers.grid.npy");
        json_decref(man);
        npy_array g, s, d, c;
        ASSERT_EQ(npy_read((out + "/outliers.grid.npy").c_str(), &g, err, sizeof err), 0) << err;
        ASSERT_EQ(npy_read((out + "/outliers.scales.npy").c_str(), &s, err, sizeof err), 0) << err;
        ASSERT_EQ(npy_read((out + "/outliers.dequant.npy").c_str(), &d, err, sizeof err), 0) << err;
        const int8_t *gv = (const int8_t *)g.data;
        const float *sv = (const float *)s.data, *dv = (const float *)d.data;
        const int lim = bits == 3 ? 6 : 16;
        for (int i = 0; i < 64 * 1024; i++) {
            ASSERT_LE(std::abs((int)gv[i]), lim) << i;
            ASSERT_EQ(dv[i], (float)gv[i] * sv[(i / 1024) * 8 + (i % 1024) / 128]) << i;
        }
        ASSERT_EQ(testproc::run({LUTSIM_BIN, "gemm", "--engine", "host", "--act", dir_ + "/a.npy",
                                 "--weight", out + "/outliers.grid.npy", "--wfmt", "int", "--wbits",
                                 planes, "--out", dir_ + "/c.npy", "--quiet"},
                                "", dir_ + "/stderr"),
                  0) << Stderr();
        ASSERT_EQ(npy_read((dir_ + "/c.npy").c_str(), &c, err, sizeof err), 0) << err;
        for (int n = 0; n < 64; n++)
            EXPECT_EQ(((const int32_t *)c.data)[n], gv[n * 1024 + 3]) << n;
        for (npy_array *x : {&g, &s, &d, &c})
            npy_free(x);
    }
}

// A float16 .npy (K = 200: a short last group) under every preset, as numpy
// computes it.
TEST_F(QuantizeCli, Float16NpyMatchesNumpy)
{
    ASSERT_EQ(testproc::run({kPython, kRef, "matrices", dir_}, "", "-"), 0);
    const std::string in = dir_ + "/half.npy";
    const std::vector<std::string> presets = {"W2A8", "W4A8-asym", "W1.58A8-tensor", "W3A8-bitmod",
                                              "W4A8-e8"};
    std::string files;
    for (const std::string &q : presets)
        files += (files.empty() ? "" : ",") + PresetFile(q);
    ASSERT_EQ(testproc::run({kPython, kRef, "expect", files, dir_ + "/e-{}.json", in}, "", "-"), 0);
    for (const std::string &q : presets) {
        const std::string rep = dir_ + "/r.json";
        ASSERT_EQ(Quantize({"--in", in, "--quant", q, "--out", dir_ + "/o" + q, "--report", rep}),
                  0) << Stderr();
        auto got = ReadFigures(rep, true), want = ReadFigures(dir_ + "/e-" + q + ".json", false);
        ASSERT_EQ(got.size(), 1u);
        ASSERT_EQ(want.size(), 1u);
        const Figures &g = got.begin()->second, &w = want.begin()->second;
        EXPECT_EQ(got.begin()->first, "half");
        ExpectClose(g.mse, w.mse, q + " mse");
        ExpectClose(g.sqnr_db, w.sqnr_db, q + " sqnr_db");
        EXPECT_EQ(g.bits, w.bits) << q;
    }
}

// A safetensors file: 8-byte header length, the JSON header, the data.
std::string SafeTensors(const std::string &header, size_t data_bytes, uint64_t len_override = 0)
{
    uint64_t n = len_override ? len_override : header.size();
    std::string s;
    for (int i = 0; i < 8; i++)
        s += (char)(n >> (8 * i));
    return s + header + std::string(data_bytes, '\0');
}

TEST_F(QuantizeCli, MalformedSafetensorsGiveOneLineErrors)
{
    struct Case {
        const char *what;
        std::string bytes;
        const char *expect;
    } cases[] = {
        {"header length", SafeTensors("{}", 0, 1u << 20), "header length 1048576"},
        {"offsets", SafeTensors(R"({"l.q_proj.weight":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}})", 4),
         "tensor \"l.q_proj.weight\": data_offsets [0, 8] run past the data (4 bytes)"},
        {"size", SafeTensors(R"({"l.q_proj.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}})", 8),
         "tensor \"l.q_proj.weight\": data_offsets span 8 bytes, the shape needs 16"},
        {"dtype", SafeTensors(R"({"l.q_proj.weight":{"dtype":"F12","shape":[2,2],"data_offsets":[0,8]}})", 8),
         "tensor \"l.q_proj.weight\": unknown dtype \"F12\""},
        {"int weights", SafeTensors(R"({"l.q_proj.weight":{"dtype":"I16","shape":[2,2],"data_offsets":[0,8]}})", 8),
         "tensor \"l.q_proj.weight\": dtype I16 is not F32, F16 or BF16"},
        {"json", SafeTensors(R"({"a": )", 0), "header: line 1"},
    };
    for (const Case &c : cases) {
        const std::string f = dir_ + "/bad.safetensors", out = dir_ + "/never";
        std::ofstream(f, std::ios::binary) << c.bytes;
        EXPECT_EQ(Quantize({"--in", f, "--quant", "W4A8", "--out", out}), 1) << c.what;
        const std::string e = Stderr();
        EXPECT_NE(e.find(f + ": "), std::string::npos) << c.what << ": " << e;
        EXPECT_NE(e.find(c.expect), std::string::npos) << c.what << ": " << e;
        EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << c.what << ": " << e;
        EXPECT_FALSE(fs::exists(out)) << c.what;
    }
}

// An index naming a tensor its shard lacks; and a good file beside a bad
// one in a folder: no output at all.
TEST_F(QuantizeCli, BadIndexAndPartialFolderWriteNothing)
{
    const std::string good = SafeTensors(
        R"({"l.q_proj.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", 16);
    std::ofstream(dir_ + "/s1.safetensors", std::ios::binary) << good;
    std::ofstream(dir_ + "/model.safetensors.index.json")
        << R"({"weight_map": {"l.q_proj.weight": "s1.safetensors", "l.k_proj.weight": "s1.safetensors"}})";
    const std::string out = dir_ + "/never";
    EXPECT_EQ(Quantize({"--in", dir_, "--quant", "W4A8", "--out", out}), 1);
    EXPECT_NE(Stderr().find("model.safetensors.index.json: weight_map: tensor \"l.k_proj.weight\" "
                            "is not in"),
              std::string::npos)
        << Stderr();
    EXPECT_FALSE(fs::exists(out));
    fs::remove(dir_ + "/model.safetensors.index.json");
    std::ofstream(dir_ + "/s2.safetensors", std::ios::binary) << SafeTensors("{}", 0, 99);
    EXPECT_EQ(Quantize({"--in", dir_, "--quant", "W4A8", "--out", out}), 1);
    EXPECT_NE(Stderr().find("s2.safetensors: header length 99"), std::string::npos) << Stderr();
    EXPECT_FALSE(fs::exists(out));
    fs::remove(dir_ + "/s2.safetensors");
    EXPECT_EQ(Quantize({"--in", dir_, "--quant", "W4A8", "--out", out}), 0) << Stderr();
    EXPECT_TRUE(fs::exists(out + "/l.q_proj.weight.codes.npy"));
    // an output that is one of the inputs is refused before any work
    const std::string index = dir_ + "/model.safetensors.index.json";
    const std::string text = R"({"weight_map": {"l.q_proj.weight": "s1.safetensors"}})";
    std::ofstream(index) << text;
    for (const std::string &victim : {index, dir_ + "/s1.safetensors"}) {
        EXPECT_EQ(Quantize({"--in", dir_, "--quant", "W4A8", "--out", dir_ + "/o2", "--report",
                            victim}), 1) << victim;
        EXPECT_NE(Stderr().find("--in"), std::string::npos) << Stderr();
        EXPECT_FALSE(fs::exists(dir_ + "/o2"));
    }
    EXPECT_EQ(Slurp(index), text);
    EXPECT_EQ(Slurp(dir_ + "/s1.safetensors"), good);
}

TEST_F(QuantizeCli, FP16PresetIsNotQuantized)
{
    EXPECT_EQ(Quantize({"--in", dir_, "--quant", "FP16", "--out", dir_ + "/o"}), 1);
    EXPECT_NE(Stderr().find("FP16: wfmt \"fp16\" is the unquantized FP16 baseline"),
              std::string::npos)
        << Stderr();
    EXPECT_FALSE(fs::exists(dir_ + "/o"));
}

// The LUT core runs BitMoD as the INT planes of its grid: FP4's linear
// layers report 6 weight bits, FP3's 4.
TEST_F(QuantizeCli, BitmodPresetRunsOnTheLutCore)
{
    for (const char *q : {"W4A8-bitmod", "W3A8-bitmod"}) {
        ASSERT_EQ(testproc::run({LUTSIM_BIN, "run", "--model", "tiny", "--quant", q, "--seq",
                                 "16", "--phase", "prefill", "--json", dir_ + "/r.json"},
                                dir_ + "/stdout", dir_ + "/stderr"),
                  0) << Stderr();
        json_error_t je;
        json_t *doc = json_load_file((dir_ + "/r.json").c_str(), 0, &je);
        ASSERT_NE(doc, nullptr) << je.text;
        json_t *op = json_array_get(
            json_object_get(json_array_get(json_object_get(doc, "phases"), 0), "ops"), 1);
        EXPECT_STREQ(json_string_value(json_object_get(op, "name")), "layer.q_proj");
        EXPECT_EQ(json_integer_value(json_object_get(op, "wbits")), q[1] == '4' ? 6 : 4);
        json_decref(doc);
    }
}

TEST_F(QuantizeCli, BitmodPresetKeysAreChecked)
{
    struct Case {
        const char *json, *expect;
    } cases[] = {
        {R"({"wfmt": "bitmod", "wbits": 5})", "wbits: BitMoD weights are 3 or 4 bits, got 5"},
        {R"({"wfmt": "bitmod", "wbits": 4, "scale": "fp16"})",
         "scale: BitMoD group scales are INT8 codes under one FP16 scale per row"},
        {R"({"wfmt": "bitmod", "wbits": 4, "group_size": "tensor"})",
         "wfmt: BitMoD weights take a group size"},
        {R"({"wfmt": "bitmod", "wbits": 3, "zero_point": "int8"})",
         "wfmt: BitMoD weights take a group size (\"group_size\": N), no zero_point"},
    };
    std::ofstream(dir_ + "/w.npy"); // never read: the preset fails first
    for (const Case &c : cases) {
        const std::string q = dir_ + "/q.json";
        std::ofstream(q) << c.json;
        EXPECT_EQ(Quantize({"--in", dir_ + "/w.npy", "--quant", q, "--out", dir_ + "/never"}), 1);
        EXPECT_NE(Stderr().find(q + ": " + c.expect), std::string::npos) << Stderr();
        EXPECT_FALSE(fs::exists(dir_ + "/never"));
    }
}

} // namespace
