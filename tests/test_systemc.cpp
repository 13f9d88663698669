// `--engine systemc`: the SystemC system model (sim/sc/) through the command
// line.  SystemC elaborates once per process, so every case is its own
// `lutsim` process (tests/run_argv.h); nothing here links SystemC.
#include <gtest/gtest.h>

#include <jansson.h>

#include <cmath>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "run_argv.h"

namespace {

using testproc::TmpDir;

struct Json {
    json_t *j = nullptr;
    explicit Json(const std::string &path)
    {
        json_error_t e;
        j = json_load_file(path.c_str(), 0, &e);
    }
    Json() = default;
    ~Json() { json_decref(j); }
    void load(const std::string &path)
    {
        json_error_t e;
        json_decref(j);
        j = json_load_file(path.c_str(), 0, &e);
    }
    Json(const Json &) = delete;
    Json &operator=(const Json &) = delete;
};

// keys only the SystemC engine writes, or that differ by nature (wall time)
const std::set<std::string> not_compared = { "engine", "host_seconds", "system", "accelerators",
                                             "image_digest", "arbitration_stall_cycles",
                                             "start_cycle", "end_cycle",
                                             // the command's own (the GEMM), not statistics:
                                             // in the top level only
                                             "m", "n", "k", "wbits", "wfmt", "weight_bytes" };

// Every field of the C model's statistics equals the accelerator's, leaf
// by leaf (reals exactly: both come from the same code on the same counts).
void expect_fields_equal(json_t *c, json_t *s, const std::string &path, int *n)
{
    if (json_is_object(c)) {
        ASSERT_TRUE(json_is_object(s)) << path;
        const char *k;
        json_t *v;
        json_object_foreach(c, k, v) {
            if (path.empty() && not_compared.count(k))
                continue;
            json_t *w = json_object_get(s, k);
            ASSERT_NE(w, nullptr) << path + k << " missing from the SystemC statistics";
            expect_fields_equal(v, w, path + k + ".", n);
        }
        return;
    }
    (*n)++;
    char *a = json_dumps(c, JSON_ENCODE_ANY), *b = json_dumps(s, JSON_ENCODE_ANY);
    EXPECT_TRUE(json_equal(c, s)) << path << ": C model " << a << ", SystemC " << b;
    free(a);
    free(b);
}

std::string gemm_args(const std::string &shape, const std::string &fmt, const std::string &arch)
{
    return "gemm --random " + shape + " " + fmt + " --arch " + std::string(SRC_DIR) +
           "/workloads/arch/" + arch + " --quiet";
}

// The C model, then the system with n accelerators on `dram` memory: each
// accelerator's statistics and image equal the C model's.
void expect_system_equals_cmodel(const std::string &shape, const std::string &fmt,
                                 const std::string &arch, int n, const std::string &dram)
{
    TmpDir t;
    const std::string base = gemm_args(shape, fmt, arch);
    auto r = testproc::lutsim(t, base + " --stats " + t.p("c.json") + " --out " + t.p("c.npy"));
    ASSERT_EQ(r.status, 0) << r.err;
    r = testproc::lutsim(t, base + " --engine systemc --accelerators " + std::to_string(n) +
                                " --dram " + dram + " --stats " + t.p("s.json") + " --out " +
                                t.p("s.npy"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(testproc::slurp(t.p("c.npy")), testproc::slurp(t.p("s.npy")));
    Json c(t.p("c.json")), s(t.p("s.json"));
    ASSERT_TRUE(c.j && s.j);
    json_t *accs = json_object_get(s.j, "accelerators");
    ASSERT_EQ(json_array_size(accs), (size_t)n);
    const char *digest0 = json_string_value(json_object_get(json_array_get(accs, 0), "image_digest"));
    ASSERT_NE(digest0, nullptr);
    for (int i = 0; i < n; i++) {
        SCOPED_TRACE(shape + " " + arch + " accelerator " + std::to_string(i) + " of " +
                     std::to_string(n) + " (" + dram + ")");
        json_t *a = json_array_get(accs, (size_t)i);
        int fields = 0;
        expect_fields_equal(c.j, a, "", &fields);
        EXPECT_GT(fields, 100); // the whole report, not a handful of keys
        // every accelerator's image read back by the host equals accelerator 0's,
        // whose result is the C model's (the .npy above)
        EXPECT_STREQ(json_string_value(json_object_get(a, "image_digest")), digest0);
    }
    // accelerator 0's statistics are the report's top level, as for every engine
    int fields = 0;
    expect_fields_equal(c.j, s.j, "", &fields);
}

int64_t cycles_of(json_t *acc) { return json_integer_value(json_object_get(acc, "cycles")); }

} // namespace

TEST(SystemC, IdealMemoryOneToFourAcceleratorsEqualTheCModel)
{
    for (int n = 1; n <= 4; n++)
        expect_system_equals_cmodel("64x512x256", "--wfmt int --wbits 2", "ideal.json", n,
                                    "private");
    expect_system_equals_cmodel("16x384x640", "--wfmt int --wbits 4", "ideal.json", 3, "private");
    expect_system_equals_cmodel("8x256x512", "--wfmt ternary", "ideal.json", 1, "shared");
}

TEST(SystemC, DeviceMemoryEqualsTheCModel)
{
    // the realistic default: LPDDR5 device model, bounded DMA, banked buffers
    expect_system_equals_cmodel("64x512x256", "--wfmt int --wbits 2", "default.json", 1, "shared");
    expect_system_equals_cmodel("32x256x384", "--wfmt int --wbits 3", "default.json", 2, "private");
}

// A DRAM-bound GEMV (M = 1, 2048 x 2048 INT2 weights) on ideal.json: one
// channel of 64 GB/s at 1 GHz = 64 bytes per cycle.  Bytes each accelerator
// moves, by hand: packed weights 2048 x 2048 x 2 / 8 = 1,048,576; FP16 scales,
// one per column and group of 128 along K, 2048 x 16 x 2 = 65,536;
// activations 2048; outputs 2048 x 4 = 8,192; total 1,124,352 bytes, so
// 17,568 cycles of the channel each.  N accelerators sharing it finish in
// about N x 17,568 cycles; with a channel each, in what one takes alone.
TEST(SystemC, SharedChannelSaturatesPrivateChannelsDoNot)
{
    const int64_t bytes = 1048576 + 65536 + 2048 + 8192;
    const double per_acc = (double)bytes / 64.0;
    int64_t alone = 0, prev_arb = -1;
    for (int n : { 1, 2, 4, 8 }) {
        for (std::string dram : { "shared", "private" }) {
            SCOPED_TRACE(std::to_string(n) + " accelerators, " + dram);
            TmpDir t;
            auto r = testproc::lutsim(t, gemm_args("1x2048x2048", "--wfmt int --wbits 2",
                                                   "ideal.json") +
                                             " --engine systemc --accelerators " +
                                             std::to_string(n) + " --dram " + dram +
                                             " --stats " + t.p("s.json"));
            ASSERT_EQ(r.status, 0) << r.err;
            Json s(t.p("s.json"));
            ASSERT_TRUE(s.j);
            json_t *sys = json_object_get(s.j, "system");
            EXPECT_EQ(json_integer_value(json_object_get(sys, "dram_bytes")), n * bytes);
            json_t *accs = json_object_get(s.j, "accelerators");
            ASSERT_EQ(json_array_size(accs), (size_t)n);
            const int64_t arb = json_integer_value(json_object_get(sys, "arbitration_stall_cycles"));
            for (int i = 0; i < n; i++) {
                const int64_t c = cycles_of(json_array_get(accs, (size_t)i));
                if (n == 1 && dram == "shared")
                    alone = c;
                if (dram == "shared") {
                    const double bound = n * per_acc;
                    EXPECT_GE((double)c, 0.999 * bound) << "faster than the channel allows";
                    EXPECT_LE(std::fabs((double)c - bound), 0.10 * bound) << c << " vs " << bound;
                } else {
                    EXPECT_EQ(c, alone) << "a private channel must not slow down";
                }
            }
            if (dram == "private") {
                EXPECT_EQ(arb, 0);
            } else {
                EXPECT_GT(arb, prev_arb) << "arbitration stalls grow with sharing";
                prev_arb = arb;
            }
        }
    }
}

// The Verilated RTL inside the SystemC system, --core rtl: its AXI bursts go one by
// one through the same DRAM target as the C model's transfers.  The RTL's
// scale layout is the legacy one (rtl_engine.h).
std::string rtl_args(const std::string &shape, const std::string &fmt, const std::string &arch)
{
    return "gemm --random " + shape + " " + fmt + " --scale legacy --arch " + arch + " --quiet";
}

struct Figures {
    int64_t cycles = 0, instructions = 0, rd = 0, wr = 0;
    std::string out;
};

Figures run_gemm(const TmpDir &t, const std::string &args, const std::string &tag)
{
    Figures f;
    auto r = testproc::lutsim(t, args + " --stats " + t.p(tag + ".json") + " --out " +
                                     t.p(tag + ".npy"));
    EXPECT_EQ(r.status, 0) << args << ": " << r.err;
    Json j(t.p(tag + ".json"));
    if (!j.j)
        return f;
    f.cycles = cycles_of(j.j);
    f.instructions = json_integer_value(json_object_get(j.j, "instructions"));
    f.rd = json_integer_value(json_object_get(j.j, "dram_read_bytes"));
    f.wr = json_integer_value(json_object_get(j.j, "dram_write_bytes"));
    f.out = testproc::slurp(t.p(tag + ".npy"));
    return f;
}

TEST(SystemC, RtlInsideEqualsTheCModelInside)
{
    const std::string ideal = std::string(SRC_DIR) + "/workloads/arch/ideal.json";
    for (const auto &[shape, fmt] : std::vector<std::pair<std::string, std::string>>{
             { "64x512x256", "--wfmt int --wbits 2" }, { "16x384x640", "--wfmt int --wbits 4" },
             { "8x256x512", "--wfmt ternary" } }) {
        SCOPED_TRACE(shape + " " + fmt);
        TmpDir t;
        const std::string base = rtl_args(shape, fmt, ideal) + " --engine systemc";
        Figures c = run_gemm(t, base + " --core cmodel", "c");
        Figures r = run_gemm(t, base + " --core rtl", "r");
        ASSERT_FALSE(c.out.empty());
        EXPECT_EQ(r.out, c.out) << "outputs differ";
        EXPECT_EQ(r.instructions, c.instructions);
        EXPECT_EQ(r.rd, c.rd);
        EXPECT_EQ(r.wr, c.wr);
        // the RTL takes each burst's data dram_latency after the memory's
        // completion, the C model a transfer's: at most a cycle per exposed
        // transfer apart (the cross-engine tolerance of README, 1%)
        EXPECT_GE(r.cycles, c.cycles);
        EXPECT_LE((double)(r.cycles - c.cycles), 0.01 * (double)c.cycles)
            << r.cycles << " vs " << c.cycles;
        // two accelerators, a memory each: each runs as alone
        auto q = testproc::lutsim(t, base + " --core rtl --accelerators 2 --dram private --stats " +
                                         t.p("p.json"));
        ASSERT_EQ(q.status, 0) << q.err;
        Json p(t.p("p.json"));
        json_t *accs = json_object_get(p.j, "accelerators");
        ASSERT_EQ(json_array_size(accs), 2u);
        for (size_t i = 0; i < 2; i++)
            EXPECT_EQ(cycles_of(json_array_get(accs, i)), r.cycles);
        // sharing one channel, the RTL waits for the other's bursts
        q = testproc::lutsim(t, base + " --core rtl --accelerators 2 --dram shared --stats " +
                                    t.p("s.json"));
        ASSERT_EQ(q.status, 0) << q.err;
        Json s(t.p("s.json"));
        accs = json_object_get(s.j, "accelerators");
        ASSERT_EQ(json_array_size(accs), 2u);
        EXPECT_GT(std::max(cycles_of(json_array_get(accs, 0)), cycles_of(json_array_get(accs, 1))),
                  r.cycles);
    }
}

// On a DRAM device the bridge adds nothing: the RTL inside the system, on
// its own channel, is the RTL served by the same device in its harness
// (`--engine rtl --memory dram`), cycle for cycle and byte for byte.
TEST(SystemC, RtlInsideOnADeviceEqualsTheRtlOnThatDevice)
{
    TmpDir t;
    {
        std::ofstream a(t.p("dev.json"));
        a << "{\"name\": \"ideal-lpddr5\", \"base\": \"ideal\", "
             "\"dram\": {\"model\": \"lpddr5-6400\", \"channels\": 0}}\n";
    }
    const std::string base = rtl_args("64x512x256", "--wfmt int --wbits 2", t.p("dev.json"));
    Figures h = run_gemm(t, base + " --engine rtl --memory dram", "h");
    Figures r = run_gemm(t, base + " --engine systemc --core rtl", "r");
    Figures c = run_gemm(t, base + " --engine systemc --core cmodel", "c");
    ASSERT_GT(h.cycles, 0);
    EXPECT_EQ(r.cycles, h.cycles);
    EXPECT_EQ(r.rd, h.rd);
    EXPECT_EQ(r.wr, h.wr);
    EXPECT_EQ(r.out, h.out);
    EXPECT_EQ(r.out, c.out);
    EXPECT_EQ(r.rd, c.rd);
}

TEST(SystemC, BadOptionsAreOneLineErrorsWithoutOutput)
{
    TmpDir t;
    const std::string base = gemm_args("8x128x128", "--wfmt int --wbits 2", "ideal.json") +
                             " --stats " + t.p("s.json");
    // (--core rtl: the RTL reads the legacy scale layout only, not fp16)
    for (const std::string extra : { " --engine systemc --core rtl",
                                     " --accelerators 2",
                                     " --engine systemc --accelerators 0",
                                     " --engine systemc --accelerators 65",
                                     " --engine systemc --dram both",
                                     " --engine systemc --timing-only" }) {
        SCOPED_TRACE(extra);
        auto r = testproc::lutsim(t, base + extra);
        EXPECT_NE(r.status, 0);
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_FALSE(std::filesystem::exists(t.p("s.json")));
    }
}

// `lutsim exec`: a program that moves data (loads, then stores to other
// addresses) on 2 accelerators sharing one memory: the image written back
// is the C model's byte for byte, and each accelerator's cycles grow by
// exactly the arbitration stalls derived below.
TEST(SystemC, ExecMovesTheSameBytesAsTheCModel)
{
    TmpDir t;
    {
        std::ofstream s(t.p("p.s"));
        s << "load buf=act sram=0x0 rows=64 bytes=1024 dram=0x0 stride=1024\n"
             "store buf=act sram=0x0 rows=64 bytes=1024 dram=0x10000 stride=1024\n"
             "halt\n";
        std::ofstream m(t.p("mem.bin"), std::ios::binary);
        for (int i = 0; i < 0x20000; i++)
            m.put((char)(i * 131 + 7));
    }
    const std::string base = "exec " + t.p("p.s") + " --mem " + t.p("mem.bin") + " --quiet";
    auto r = testproc::lutsim(t, base + " --dump-mem " + t.p("c.bin") + " --stats " + t.p("c.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    r = testproc::lutsim(t, base + " --engine systemc --accelerators 2 --dump-mem " + t.p("s.bin") +
                                " --stats " + t.p("s.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string c = testproc::slurp(t.p("c.bin")), s = testproc::slurp(t.p("s.bin"));
    ASSERT_EQ(c.size(), (size_t)0x20000);
    EXPECT_TRUE(c == s) << "the images differ";
    EXPECT_EQ(c.substr(0x10000, 0x10000), c.substr(0, 0x10000)); // the store landed
    Json cj(t.p("c.json")), sj(t.p("s.json"));
    ASSERT_TRUE(cj.j && sj.j);
    const int64_t alone = json_integer_value(json_object_get(cj.j, "cycles"));
    json_t *accs = json_object_get(sj.j, "accelerators");
    ASSERT_EQ(json_array_size(accs), 2u);
    // By hand, 64 KiB each way at 64 B/cycle: 1,024 bus cycles a transfer,
    // results 100 cycles (dram.latency_cycles) later.  Both loads arrive at
    // 0: accelerator 0's holds the bus [0, 1024), 1's waits 1,024 and holds
    // [1024, 2048).  0's store arrives at 1,124 and waits 924 for it; 1's
    // store arrives at 2,148, the bus is free at 2,048 + 1,024 = 3,072:
    // another 924.  So 924 and 1,948 cycles of arbitration stalls.
    const int64_t want[2] = { 924, 1024 + 924 };
    for (size_t i = 0; i < 2; i++) {
        json_t *a = json_array_get(accs, i);
        const int64_t arb = json_integer_value(json_object_get(a, "arbitration_stall_cycles"));
        EXPECT_EQ(arb, want[i]) << "accelerator " << i;
        EXPECT_EQ(cycles_of(a), alone + arb) << "accelerator " << i;
    }
}

namespace {

// `lutsim run --engine systemc` on a DRAM-bound decode step: a Llama-style
// model of 2 layers, hidden 2048, intermediate 5632, vocabulary 4096, W2A8
// (group 128, FP16 scales) on ideal.json (one 64 GB/s channel at 1 GHz = 64
// bytes per cycle).  Weights by hand: per layer q, k, v, o 4 x 2048 x 2048
// and gate, up, down 3 x 5632 x 2048 = 51,380,224; two layers and the LM
// head 4096 x 2048: 111,149,056 weights, 2 bits each = 27,787,264 bytes, and
// 111,149,056 / 128 scales x 2 bytes = 1,736,704: W = 29,523,968 bytes.
// One accelerator: its linear layers take at least W / 64 = 461,312 cycles.
// Private DRAM, N accelerators: each streams W / N over its own channel, at
// least W / (64 N); a DRAM-bound step is within 10% of that.  Shared: the
// one channel still carries all of W, so at least W / 64 whatever N.
struct RunSystem {
    TmpDir t;
    std::string model;
    RunSystem()
    {
        model = t.p("m.json");
        std::ofstream m(model);
        m << "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_act\": \"silu\","
             " \"hidden_size\": 2048, \"intermediate_size\": 5632,"
             " \"max_position_embeddings\": 256, \"model_type\": \"llama\","
             " \"num_attention_heads\": 16, \"num_hidden_layers\": 2,"
             " \"num_key_value_heads\": 16, \"rms_norm_eps\": 1e-05,"
             " \"tie_word_embeddings\": false, \"vocab_size\": 4096}\n";
    }
    // the "systemc" entry of the decode phase, and the plain phase total
    json_t *run(Json &out, int n, const std::string &dram, int64_t *plain_total)
    {
        const std::string js = t.p("r" + std::to_string(n) + dram + ".json");
        auto r = testproc::lutsim(t, "run --model " + model + " --quant W2A8 --phase decode"
                                     " --context 64 --arch " + std::string(SRC_DIR) +
                                     "/workloads/arch/ideal.json --quiet --engine systemc"
                                     " --accelerators " + std::to_string(n) + " --dram " + dram +
                                     " --json " + js);
        EXPECT_EQ(r.status, 0) << r.err;
        out.load(js);
        if (!out.j)
            return nullptr;
        *plain_total = json_integer_value(json_object_get(
            json_object_get(json_array_get(json_object_get(out.j, "phases"), 0), "total"),
            "cycles"));
        return json_array_get(json_object_get(out.j, "systemc"), 0);
    }
};

int64_t key(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

} // namespace

TEST(SystemC, RunOneAcceleratorEqualsPlainRun)
{
    RunSystem rs;
    Json out;
    int64_t plain = 0;
    json_t *s = rs.run(out, 1, "shared", &plain);
    ASSERT_NE(s, nullptr);
    // ideal memory, one accelerator: the system is the C model
    EXPECT_EQ(key(s, "linear_cycles"), key(s, "linear_alone_cycles"));
    EXPECT_EQ(key(s, "linear_cycles"), key(s, "linear_run_cycles"));
    EXPECT_EQ(key(s, "cycles"), plain);
    EXPECT_EQ(key(s, "run_cycles"), plain);
    EXPECT_EQ(json_array_size(json_object_get(s, "per_accelerator")), 1u);
    const double bound = 29523968.0 / 64.0;
    EXPECT_GE((double)key(s, "linear_cycles"), bound);
    EXPECT_LE((double)key(s, "linear_cycles"), 1.1 * bound) << "not DRAM-bound";
}

TEST(SystemC, RunPrivateDramSpeedsUpNSharedDoesNot)
{
    RunSystem rs;
    const double w = 29523968.0;
    for (int n : { 2, 4 }) {
        SCOPED_TRACE(std::to_string(n) + " accelerators");
        Json po, so;
        int64_t plain = 0;
        json_t *p = rs.run(po, n, "private", &plain), *s = rs.run(so, n, "shared", &plain);
        ASSERT_TRUE(p && s);
        EXPECT_EQ(json_array_size(json_object_get(p, "per_accelerator")), (size_t)n);
        const double one = (double)key(p, "linear_run_cycles");
        EXPECT_GE((double)key(p, "linear_cycles"), w / (64.0 * n));
        EXPECT_LE((double)key(p, "linear_cycles"), 1.1 * w / (64.0 * n));
        EXPECT_GE(one / (double)key(p, "linear_cycles"), 0.9 * n);
        // the shared channel carries all the weights: no faster than W / 64
        EXPECT_GE((double)key(s, "linear_cycles"), w / 64.0);
        EXPECT_LT(one / (double)key(s, "linear_cycles"), 1.1);
    }
}
