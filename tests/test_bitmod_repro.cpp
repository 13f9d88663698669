// BitMoD's published design points reproduced: the quantization presets
// FP16, BitMoD-lossless, BitMoD-lossy, ANT-4b, OliVe-4b (their keys and
// their bytes on the mma arrays), and lutsim's speedups beside an
// independent model of BitMoD's analytical simulator (tests/bitmod_ref.py,
// written from shared/reference/peer-semantics.md; run by
// tests/bitmod_compare.py).
#include <gtest/gtest.h>
#include <jansson.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>
#include <unistd.h>

#include "model_json.h"
#include "run_argv.h"

namespace fs = std::filesystem;

namespace {

const std::string kPython = "/usr/bin/python3";
const std::string kCompare = std::string(SRC_DIR) + "/tests/bitmod_compare.py";

std::string Slurp(const std::string &p)
{
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

class TmpDir : public ::testing::Test {
protected:
    void SetUp() override
    {
        char t[] = "/tmp/lutsim-bitmod-XXXXXX";
        ASSERT_NE(mkdtemp(t), nullptr);
        dir_ = t;
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string dir_;
};

int Parse(const char *text, quant_preset *q, std::string *err)
{
    char e[512] = "";
    int rc = quant_from_json_string(text, "q.json", q, e, sizeof e);
    *err = e;
    return rc;
}

} // namespace

// ---- the presets' keys ----

TEST(BitmodPresets, NamedPresetsParseWithTheirFormats)
{
    quant_preset q;
    char e[512];
    ASSERT_EQ(quant_from_name_or_file("FP16", &q, e, sizeof e), 0) << e;
    EXPECT_TRUE(q.wfp16 && q.afp16);
    EXPECT_EQ(q.w.bits, 16);
    EXPECT_EQ(q.abits, 16);
    EXPECT_EQ(q.kv_bits, 16);
    ASSERT_EQ(quant_from_name_or_file("BitMoD-lossless", &q, e, sizeof e), 0) << e;
    EXPECT_EQ(q.w.bits, 6);
    EXPECT_EQ(q.group_size, 128);
    EXPECT_EQ(q.kv_bits, 8);
    EXPECT_TRUE(q.afp16);
    ASSERT_EQ(quant_from_name_or_file("BitMoD-lossy", &q, e, sizeof e), 0) << e;
    EXPECT_EQ(q.w.bits, 4);
    EXPECT_EQ(q.decode_wbits, 3);
    quant_preset d;
    quant_for_phase(&q, MODEL_DECODE, &d);
    EXPECT_EQ(d.w.bits, 3);
    quant_for_phase(&q, MODEL_PREFILL, &d);
    EXPECT_EQ(d.w.bits, 4);
    for (const char *n : { "ANT-4b", "OliVe-4b" }) {
        ASSERT_EQ(quant_from_name_or_file(n, &q, e, sizeof e), 0) << n << ": " << e;
        EXPECT_EQ(q.w.bits, 4) << n;
        EXPECT_EQ(q.kv_bits, 16) << n;
        EXPECT_TRUE(q.afp16) << n;
    }
}

TEST(BitmodPresets, BadValuesOfTheNewKeysAreOneLineErrors)
{
    quant_preset q;
    std::string err;
    EXPECT_NE(Parse("{\"wfmt\": \"fp16\", \"wbits\": 8, \"afmt\": \"fp16\"}", &q, &err), 0);
    EXPECT_NE(err.find("q.json: wbits: \"fp16\" weights are 16 bits, got 8"), std::string::npos)
        << err;
    EXPECT_NE(Parse("{\"wfmt\": \"fp16\", \"group_size\": 128, \"afmt\": \"fp16\"}", &q, &err), 0);
    EXPECT_NE(err.find("group_size: \"fp16\" weights carry no scales"), std::string::npos) << err;
    EXPECT_NE(Parse("{\"wfmt\": \"int\", \"wbits\": 4, \"afmt\": \"fp8\"}", &q, &err), 0);
    EXPECT_NE(err.find("afmt: expected \"int\", \"fp16\" or \"bf16\", got string \"fp8\""),
              std::string::npos)
        << err;
    EXPECT_NE(Parse("{\"wfmt\": \"int\", \"wbits\": 4, \"afmt\": \"fp16\", \"abits\": 8}", &q, &err),
              0);
    EXPECT_NE(err.find("abits: \"afmt\": \"fp16\" activations are 16 bits, got 8"),
              std::string::npos)
        << err;
    EXPECT_NE(Parse("{\"wfmt\": \"int\", \"wbits\": 4, \"decode_wbits\": 9}", &q, &err), 0);
    EXPECT_NE(err.find("decode_wbits: expected the decode phase's bits"), std::string::npos)
        << err;
    EXPECT_NE(Parse("{\"wfmt\": \"bitmod\", \"wbits\": 4, \"decode_wbits\": 2}", &q, &err), 0);
    EXPECT_NE(err.find("(3 or 4), got 2"), std::string::npos) << err;
    EXPECT_NE(Parse("{\"wfmt\": \"int\", \"wbits\": 4, \"decode_wbits\": \"x\"}", &q, &err), 0);
    EXPECT_NE(err.find("decode_wbits: expected a positive integer"), std::string::npos) << err;
    // FP16 K/V needs the FP16 datapath (the LUT array's message stays)
    EXPECT_NE(Parse("{\"wfmt\": \"int\", \"wbits\": 4, \"kv_format\": \"fp16\"}", &q, &err), 0);
    EXPECT_NE(err.find("kv_format: \"fp16\" is not modelled"), std::string::npos) << err;
    EXPECT_EQ(Parse("{\"wfmt\": \"int\", \"wbits\": 4, \"afmt\": \"fp16\", \"kv_format\": \"fp16\"}",
                    &q, &err),
              0)
        << err;
    EXPECT_EQ(q.kv_bits, 16);
}

// FP16 presets run on the mma arrays only; on the LUT core one line, exit 1.
TEST(BitmodPresets, FP16IsRefusedOnTheLutCore)
{
    const std::string err = "/tmp/lutsim-bitmod-lut.err";
    EXPECT_EQ(testproc::run({LUTSIM_BIN, "run", "--model", "tiny", "--quant", "FP16", "--seq", "16",
                             "--arch", std::string(SRC_DIR) + "/workloads/arch/default.json"},
                            "", err),
              1);
    const std::string e = Slurp(err);
    EXPECT_NE(e.find("wfmt: FP16 weights run on the mma arrays"), std::string::npos) << e;
    std::remove(err.c_str());
}

// The bytes the FP16 datapath moves, derived by hand: a decode step of
// tiny's q_proj on the FP16 baseline's decode array reads its weights at
// 2 B each (FP16) where W8A8 reads 1 B.
TEST_F(TmpDir, FP16WeightsMoveTwoBytesAWeight)
{
    auto dram = [&](const std::string &quant, const std::string &arch) {
        const std::string out = dir_ + "/" + quant + ".json";
        EXPECT_EQ(testproc::run({LUTSIM_BIN, "run", "--model", "tiny", "--quant", quant, "--phase",
                                 "decode", "--context", "16", "--quiet", "--json", out, "--arch",
                                 std::string(SRC_DIR) + "/workloads/arch/" + arch + ".json"},
                                "", dir_ + "/err"),
                  0)
            << Slurp(dir_ + "/err");
        json_t *doc = json_load_file(out.c_str(), 0, nullptr);
        EXPECT_NE(doc, nullptr);
        double v = -1;
        json_t *ops = json_object_get(json_array_get(json_object_get(doc, "phases"), 0), "ops");
        for (size_t i = 0; i < json_array_size(ops); i++) {
            json_t *o = json_array_get(ops, i);
            if (std::string(json_string_value(json_object_get(o, "name"))) == "layer.q_proj")
                v = json_number_value(json_object_get(o, "dram_bytes")) /
                    json_number_value(json_object_get(o, "repeat"));
        }
        json_decref(doc);
        return v;
    };
    // tiny: hidden 128 (q_proj 128 x 128), per layer; one token: weights
    // n*k*B, their group scales, the token in (k*A) and out (n*O): FP16 B = A
    // = O = 2, no scales; W8A8 B = A = 1, one FP16 scale per row and group of
    // 128, int32 outputs (O = 4); BitMoD-lossless 6-bit codes, one INT8 scale
    // per row and group, FP16 in and out
    EXPECT_EQ(dram("FP16", "bitmod-fp16-decode"), 2 * 128 * 128 + 2 * 128 + 2 * 128);
    EXPECT_EQ(dram("W8A8", "bitmod-fp16-decode"), 128 * 128 + 128 * 2 + 128 + 4 * 128);
    EXPECT_EQ(dram("BitMoD-lossless", "bitmod-decode"), 128 * 128 * 6 / 8 + 128 + 2 * 128 + 2 * 128);
}

// ---- lutsim against the reference model of BitMoD's simulator ----

struct Row {
    std::string model, design, baseline, phase;
    double lutsim, ref, ref_no_refetch; // speedups: lutsim, reference, reference without refetch
};

std::vector<Row> Speedups(const std::string &json_path)
{
    std::vector<Row> rows;
    json_t *doc = json_load_file(json_path.c_str(), 0, nullptr);
    EXPECT_NE(doc, nullptr) << json_path;
    const char *m;
    json_t *v;
    json_object_foreach(json_object_get(doc, "models"), m, v) {
        json_t *sp = json_object_get(v, "speedups");
        for (size_t i = 0; i < json_array_size(sp); i++) {
            json_t *r = json_array_get(sp, i);
            rows.push_back({ m, json_string_value(json_object_get(r, "design")),
                             json_string_value(json_object_get(r, "baseline")),
                             json_string_value(json_object_get(r, "phase")),
                             json_number_value(json_object_get(r, "lutsim_like")),
                             json_number_value(json_object_get(r, "ref_like")),
                             json_number_value(json_object_get(r, "ref_no_refetch_like")) });
        }
    }
    json_decref(doc);
    return rows;
}

// One run of the comparison (about a minute) for the tests below: its JSON
// and --check's exit status and messages.
class BitmodCompare : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        char t[] = "/tmp/lutsim-bitmod-cmp-XXXXXX";
        ASSERT_NE(mkdtemp(t), nullptr);
        dir_ = t;
        rc_ = testproc::run({kPython, kCompare, "--lutsim", LUTSIM_BIN, "--root", SRC_DIR,
                             "--json", dir_ + "/bitmod.json", "--check"},
                            "", dir_ + "/err");
        err_ = Slurp(dir_ + "/err");
        rows_ = Speedups(dir_ + "/bitmod.json");
    }
    static void TearDownTestSuite() { fs::remove_all(dir_); }
    static std::string dir_, err_;
    static int rc_;
    static std::vector<Row> rows_;
};
std::string BitmodCompare::dir_, BitmodCompare::err_;
int BitmodCompare::rc_ = -1;
std::vector<Row> BitmodCompare::rows_;

std::string Key(const Row &r)
{
    return r.model + " " + r.design + "/" + r.baseline + " " + r.phase;
}

// Every model and phase the issue names: lutsim's speedup (decoder linear
// layers + the attention GEMMs, cycles) within 20% of the reference's, and
// the linear layers' array cycles equal to the reference's exactly (the
// compare script's --check), so a wrong bit-serial latency (terms per
// weight) or tile count fails here.
TEST_F(BitmodCompare, SpeedupsWithinTwentyPercentOfBitmodsSimulator)
{
    EXPECT_EQ(rc_, 0) << err_;
    EXPECT_EQ(err_.find("linear array cycles"), std::string::npos) << err_;
    std::set<std::string> models, phases;
    for (const Row &r : rows_) {
        models.insert(r.model);
        phases.insert(r.phase);
        EXPECT_LE(std::fabs(r.lutsim / r.ref - 1), 0.20)
            << Key(r) << ": lutsim " << r.lutsim << "x, reference " << r.ref << "x";
    }
    EXPECT_EQ(rows_.size(), 4u * 3 * 3); // 4 models x 3 pairs x (prefill, decode, generative)
    EXPECT_EQ(models.size(), 4u);
    EXPECT_EQ(phases.size(), 3u);
}

// The reference's refetch rule moves every prefill row (it re-reads the
// weights of some layer, down_proj or OPT's fc2, in every model), and no
// decode row (a token's inputs fit the buffer): lutsim's presets, which
// have no output buffer for partial sums (buffers.partial_sums false), must
// follow it there, not the reference without it.
TEST_F(BitmodCompare, RefetchRuleMovesPrefillOnly)
{
    int prefill = 0;
    for (const Row &r : rows_) {
        if (r.phase == "decode") {
            EXPECT_DOUBLE_EQ(r.ref_no_refetch, r.ref) << Key(r);
        }
        if (r.phase != "prefill")
            continue;
        prefill++;
        EXPECT_GT(std::fabs(r.ref / r.ref_no_refetch - 1), 0.005) << Key(r);
    }
    EXPECT_EQ(prefill, 12);
}

// llama-3-8b prefill's layer op `name` under BitMoD-lossy on arch (a file):
// cycles, array cycles, DRAM bytes (per layer), its bound and stationary
// operand.
struct OpFig {
    double cycles = 0, compute = 0, dram = 0;
    std::string bound, stationary;
    int seen = 0;
};

OpFig LayerOp(const std::string &arch, const std::string &dir, const std::string &name)
{
    OpFig f;
    const std::string out = dir + "/run.json";
    EXPECT_EQ(testproc::run({LUTSIM_BIN, "run", "--model", "llama-3-8b", "--quant", "BitMoD-lossy",
                             "--phase", "prefill", "--seq", "256", "--quiet", "--json", out,
                             "--arch", arch},
                            "", dir + "/err"),
              0)
        << Slurp(dir + "/err");
    json_t *doc = json_load_file(out.c_str(), 0, nullptr);
    EXPECT_NE(doc, nullptr);
    json_t *ops = json_object_get(json_array_get(json_object_get(doc, "phases"), 0), "ops");
    for (size_t i = 0; i < json_array_size(ops); i++) {
        json_t *o = json_array_get(ops, i);
        if (std::string(json_string_value(json_object_get(o, "name"))) != name)
            continue;
        f.seen++;
        const double rep = json_number_value(json_object_get(o, "repeat"));
        f.cycles = json_number_value(json_object_get(o, "cycles")) / rep;
        f.compute = json_number_value(json_object_get(o, "compute_cycles")) / rep;
        f.dram = json_number_value(json_object_get(o, "dram_bytes")) / rep;
        f.bound = json_string_value(json_object_get(o, "bound"));
        f.stationary = json_string_value(json_object_get(o, "stationary"));
    }
    json_decref(doc);
    return f;
}

// The DRAM traffic BitMoD's buffers force, from the schedule's structure.
// q_proj (256 tokens x K 4096 x N 4096, FP16 activations and outputs,
// 4-bit codes with 10 bits of metadata per 128-group: 4096 / 2 + 32 x 10 / 8
// = 2088 B a weight row): the inputs, 256 x 4096 x 2 = 2 MiB, overflow the
// 512 KiB act buffer, so they stay resident in blocks of 512 KiB / 8 KiB =
// 64 tokens (two of the array's 32 columns; the 64 x 32 FP16 output tile,
// double-buffered, is 8 KiB of the 32 KiB output buffer) while the weights
// stream past once per block: 4 x 4096 x 2088 = 34209792 B, plus the inputs
// once (2097152) and the outputs once (2097152): 38404096 B a layer (the
// reference, at 4.0625 bits: 38273024).  down_proj (K 14336): an input
// block of the array's 32 tokens is 917504 B, over the act buffer; weight
// blocks of 64 rows would read the inputs 64 times (about 500 MB); the
// tile order, its tiles capped by the 32 KiB output buffer, is the
// mapper's pick and DRAM-bound, as in the reference (426901504 B there,
// its weights 14 times; within 10% here).  The same design with the
// ideal base's 256 KB output buffer holding partial sums (the presets
// before) reads the operands about once and stays compute-bound: the
// difference from the reference was that buffer.
TEST_F(TmpDir, BitmodBuffersForceTheReferencesTraffic)
{
    const std::string preset = std::string(SRC_DIR) + "/workloads/arch/bitmod.json";
    const OpFig q = LayerOp(preset, dir_, "layer.q_proj");
    EXPECT_EQ(q.seen, 1);
    EXPECT_EQ(q.stationary, "input");
    EXPECT_DOUBLE_EQ(q.dram, 4.0 * 4096 * 2088 + 2097152 + 2097152);
    EXPECT_EQ(q.bound, "compute");
    const OpFig f = LayerOp(preset, dir_, "layer.down_proj");
    EXPECT_EQ(f.seen, 1);
    EXPECT_EQ(f.bound, "memory");
    EXPECT_GT(f.cycles, 1.5 * f.compute);
    EXPECT_LE(std::fabs(f.dram / 426901504.0 - 1), 0.10) << f.dram;
    json_t *a = json_load_file(preset.c_str(), 0, nullptr);
    ASSERT_NE(a, nullptr);
    json_t *bufs = json_object_get(a, "buffers");
    json_object_set_new(bufs, "output", json_pack("{s:i, s:i, s:i, s:i}", "kib", 256, "banks", 8,
                                                  "width_bits", 256, "ports", 2));
    json_object_set_new(bufs, "partial_sums", json_true());
    const std::string big = dir_ + "/bitmod-psum.json";
    ASSERT_EQ(json_dump_file(a, big.c_str(), 0), 0);
    json_decref(a);
    const OpFig g = LayerOp(big, dir_, "layer.down_proj");
    EXPECT_EQ(g.seen, 1);
    EXPECT_EQ(g.bound, "compute");
    EXPECT_LE(g.cycles, 1.01 * g.compute);
    EXPECT_LT(g.dram, 0.4 * 426901504.0);
    EXPECT_EQ(g.compute, f.compute); // the same array work
}

// The reference model on three operators derived by hand from the rules in
// peer-semantics.md (Llama-2-7B, layer 0).
TEST_F(TmpDir, ReferenceModelMatchesHandDerivations)
{
    const std::string script =
        "import sys\n"
        "sys.path.insert(0, '" + std::string(SRC_DIR) + "/tests')\n"
        "import bitmod_ref as R\n"
        "cfg = R.load_config('" + std::string(SRC_DIR) + "/workloads/models/llama-2-7b.json')\n"
        "def op(design, phase, name):\n"
        "    return [o for o in R.run(cfg, design, phase)['ops'] if o['name'] == name][0]\n"
        // prefill q_proj, BitMoD lossless on 32x32x4: tiles 4096/4 * 4096/32 * 256/32,
        // latency ceil(6/2) = 3; weights ceil(4096*6.0625/8)*4096 = 12713984 B and
        // inputs 4096*2*256 = 2097152 B both over 512 KB: weights re-read
        // ceil(2097152/524288) = 4 times (4*12713984 + 2097152 < 25*2097152 +
        // 12713984); DRAM (4*12713984 + 2097152 + 2097152) * 8 / 256
        "o = op('bitmod', 'prefill', 'layers.0.q_proj')\n"
        "assert o['tiles'] == 1024 * 128 * 8 and o['compute_cycles'] == 3 * 1048576, o\n"
        "assert o['dram_cycles'] == (4 * 12713984 + 2 * 2097152) * 8 // 256 == 1720320, o\n"
        "assert o['cycles'] == 3145728, o\n"
        // the same without the refetch rule (--no-refetch): each operand once,
        // (12713984 + 2 * 2097152) * 8 / 256
        "o = [o for o in R.run(cfg, 'bitmod', 'prefill', refetch=False)['ops']\n"
        "     if o['name'] == 'layers.0.q_proj'][0]\n"
        "assert o['dram_cycles'] == 528384 and o['dram_bytes'] == 16908288, o\n"
        // decode q_proj, FP16 on 64x12x1: 4096 * 64 * 1 tiles, latency 1; DRAM
        // (4096*4096*2 + 8192 + 8192) * 8 / 256
        "o = op('fp16', 'decode', 'layers.0.q_proj')\n"
        "assert o['compute_cycles'] == 262144 and o['cycles'] == 1049088, o\n"
        // decode scores, FP16: 128 * ceil(256/64) * ceil(1/12) * 32 heads tiles;
        // K 128*2*256*32 + Q 256*32 + scores 256*2*32 bytes
        "o = op('fp16', 'decode', 'layers.0.attn_qk')\n"
        "assert o['compute_cycles'] == 16384 and o['dram_bytes'] == 2121728, o\n"
        "assert o['cycles'] == 2121728 * 8 // 256, o\n";
    EXPECT_EQ(testproc::run({kPython, "-c", script}, "", dir_ + "/err"), 0) << Slurp(dir_ + "/err");
}
