// `lutsim asm`, `disasm` and `exec` as a user runs them, plus the
// statistics of `lutsim gemm --stats`.
#include <gtest/gtest.h>

#include <jansson.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "isa.h"
#include "run_argv.h"

namespace {

struct CmdResult {
    int status;
    std::string out, err;
};

std::string slurp(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

class CliExec : public ::testing::Test {
protected:
    std::string dir;
    void SetUp() override
    {
        char tmpl[] = "/tmp/lutsim-exec-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override { testproc::remove_tree(dir); }
    std::string p(const std::string &name) const { return dir + "/" + name; }
    bool exists(const std::string &name) const { return access(p(name).c_str(), F_OK) == 0; }

    CmdResult lutsim(const std::string &args) const
    {
        int st = testproc::lutsim(args, dir + "/stdout", dir + "/stderr", dir);
        return {st, slurp(dir + "/stdout"), slurp(dir + "/stderr")};
    }

    void write(const std::string &name, const std::string &data) const
    {
        std::ofstream f(p(name), std::ios::binary);
        f << data;
    }

    // Expects exit status 1, one line on stderr containing `mention`, and
    // none of `outputs` (nor temporaries) left behind.
    void expect_failure(const std::string &args, const std::string &mention,
                        const std::vector<std::string> &outputs)
    {
        CmdResult r = lutsim(args);
        EXPECT_EQ(r.status, 1) << args << "\n" << r.err;
        EXPECT_NE(r.err.find(mention), std::string::npos) << "stderr: " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
        for (const std::string &o : outputs)
            EXPECT_FALSE(exists(o)) << o << " after: " << args;
        std::string ls = slurp_ls();
        EXPECT_EQ(ls.find("tmp"), std::string::npos) << "left in the folder: " << ls;
    }

    std::string slurp_ls() const { return testproc::list_dir(dir); }
};

json_t *load_json(const std::string &path)
{
    json_error_t e;
    json_t *j = json_load_file(path.c_str(), 0, &e);
    EXPECT_NE(j, nullptr) << path << ": " << e.text << " at line " << e.line;
    return j;
}

double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    EXPECT_NE(v, nullptr) << "missing key " << key;
    EXPECT_TRUE(v && json_is_number(v)) << key;
    return v ? json_number_value(v) : -1;
}

// The invariants every stats file keeps.
void check_stats(json_t *s)
{
    ASSERT_TRUE(json_is_object(s));
    for (const char *k : {"cycles", "instructions", "macs", "dram_bytes", "energy_pj"})
        EXPECT_TRUE(json_is_number(json_object_get(s, k))) << k;
    const double cycles = num(s, "cycles");
    EXPECT_GT(cycles, 0);
    json_t *eb = json_object_get(s, "energy_breakdown_pj");
    ASSERT_TRUE(json_is_object(eb));
    EXPECT_GE(json_object_size(eb), 10u);
    double sum = 0;
    const char *k;
    json_t *v;
    json_object_foreach(eb, k, v) {
        ASSERT_TRUE(json_is_number(v)) << k;
        EXPECT_GE(json_number_value(v), 0.0) << k;
        sum += json_number_value(v);
    }
    const double e = num(s, "energy_pj");
    EXPECT_GT(e, 0);
    EXPECT_NEAR(sum, e, 1e-9 * e);
    json_t *units = json_object_get(s, "units");
    ASSERT_TRUE(json_is_object(units));
    for (int u = 1; u < UNIT_COUNT; u++) {
        json_t *uo = json_object_get(units, isa_unit_names[u]);
        ASSERT_TRUE(json_is_object(uo)) << isa_unit_names[u];
        EXPECT_LE(num(uo, "busy_cycles"), cycles) << isa_unit_names[u];
        EXPECT_GE(num(uo, "busy_cycles"), 0) << isa_unit_names[u];
    }
    json_t *stalls = json_object_get(s, "stalls");
    ASSERT_TRUE(json_is_object(stalls));
    for (const char *key : {"dependency", "dram_bandwidth", "queue_full"})
        EXPECT_TRUE(json_is_number(json_object_get(stalls, key))) << key;
}

// A program with every instruction (fields in any order; comments).
const char kEveryInstruction[] =
    "# every instruction once\n"
    "load buf=act sram=0x0 rows=2 bytes=16 dram=0x0 stride=32\n"
    "load dram=0x100 buf=weight sram=0x40 rows=1 bytes=64 stride=64   # fields in any order\n"
    "loadt buf=weight sram=0x800 rows=2 bytes=8 dram=0x200 stride=16\n"
    "tprec src=0x0 dst=0x0 sum=0x200 rows=2 klen=16 stride=16\n"
    "\n"
    "lmma tbl=0x0 wgt=0x40 acc=0x0 m=2 n=16 klen=16 wbits=2 accum=0\n"
    "lmmag tbl=0x0 wgt=0x40 acc=0x3000 m=2 n=16 klen=8 wbits=2 accum=0 groups=2\n"
    "dq acc=0x0 sum=0x200 meta=0x400 dst=0x1000 m=2 n=16 accum=1 fmode=1 shift=1\n"
    "barrier\n"
    "vop fn=gelu_f32 sbuf=output src=0x1000 src2=0x0 dbuf=output dst=0x2000 len=32 imm=0\n"
    "vop fn=quant_f32 sbuf=output src=0x2000 src2=0x0 dbuf=act dst=0x800 len=32 imm=3\n"
    "store buf=act sram=0x800 rows=4 bytes=8 dram=0x3000 stride=100\n"
    "halt\n";

} // namespace

TEST_F(CliExec, AsmDisasmAsmIsByteIdentical)
{
    write("p.s", kEveryInstruction);
    CmdResult a = lutsim("asm p.s -o p.bin");
    ASSERT_EQ(a.status, 0) << a.err;
    std::string bin = slurp(p("p.bin"));
    // header + 12 instructions of 16 bytes
    EXPECT_EQ(bin.size(), 16u + 12 * 16);
    EXPECT_EQ(bin.substr(0, 8), "LUTPROG1");
    CmdResult d = lutsim("disasm p.bin -o q.s");
    ASSERT_EQ(d.status, 0) << d.err;
    std::string text = slurp(p("q.s"));
    // Every mnemonic appears in the disassembly.
    for (int op = 0; op < OP_COUNT; op++)
        EXPECT_NE(text.find(isa_ops[op].mnemonic), std::string::npos) << isa_ops[op].mnemonic;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 12);
    CmdResult a2 = lutsim("asm q.s -o q.bin");
    ASSERT_EQ(a2.status, 0) << a2.err;
    EXPECT_EQ(slurp(p("q.bin")), bin);
    // disasm to stdout gives the same text, and disassembling again is stable.
    CmdResult d2 = lutsim("disasm q.bin");
    ASSERT_EQ(d2.status, 0);
    EXPECT_EQ(d2.out, text);
    // The program runs (timing-only: no memory image needed).
    CmdResult x = lutsim("exec p.bin --stats s.json");
    ASSERT_EQ(x.status, 0) << x.err;
    json_t *s = load_json(p("s.json"));
    ASSERT_NE(s, nullptr);
    check_stats(s);
    EXPECT_EQ(num(s, "instructions"), 12);
    EXPECT_EQ(num(s, "macs"), 2 * 16 * 16 + 2 * (2 * 16 * 8)); // lmma, lmmag of 2 groups
    json_decref(s);
}

TEST_F(CliExec, DisasmIsaListsEveryMnemonic)
{
    CmdResult r = lutsim("disasm --isa");
    ASSERT_EQ(r.status, 0) << r.err;
    for (int op = 0; op < OP_COUNT; op++) {
        const isa_opdef &d = isa_ops[op];
        EXPECT_NE(r.out.find(std::string("\n") + d.mnemonic + " "), std::string::npos) << d.mnemonic;
        for (int i = 0; i < d.nfields; i++)
            EXPECT_NE(r.out.find(d.fields[i].name), std::string::npos) << d.mnemonic << "." << d.fields[i].name;
    }
    for (int f = 0; f < VFN_COUNT; f++)
        EXPECT_NE(r.out.find(isa_vfn_names[f]), std::string::npos) << isa_vfn_names[f];
}

TEST_F(CliExec, FunctionalRunProducesTheExpectedImageStatsAndTrace)
{
    // DRAM: a[16] int32 at 0, b[16] int32 at 64; c = requant(a + b, >> 2)
    // stored as int8 at 0x100, every other byte as it was.
    std::string img(512, '\0');
    for (size_t i = 0; i < img.size(); i++)
        img[i] = (char)(i * 7 + 3);
    int32_t a[16], b[16];
    for (int i = 0; i < 16; i++) {
        a[i] = 37 * i - 300;
        b[i] = (i % 2 ? -1 : 1) * (i * i + 2);
        std::memcpy(&img[4 * i], &a[i], 4); // little-endian host
        std::memcpy(&img[64 + 4 * i], &b[i], 4);
    }
    write("img.bin", img);
    write("prog.s",
          "load buf=act sram=0x0 rows=1 bytes=128 dram=0x0 stride=128\n"
          "vop fn=add_i32 sbuf=act src=0x0 src2=0x40 dbuf=output dst=0x0 len=16 imm=0\n"
          "vop fn=requant_i8 sbuf=output src=0x0 src2=0x0 dbuf=act dst=0x100 len=16 imm=2\n"
          "store buf=act sram=0x100 rows=2 bytes=8 dram=0x100 stride=8\n"
          "halt\n");
    CmdResult r = lutsim("exec prog.s --mem img.bin --dump-mem out.bin --stats s.json --trace t.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("functional"), std::string::npos) << r.out;
    std::string out = slurp(p("out.bin"));
    ASSERT_EQ(out.size(), img.size());
    std::string want = img;
    for (int i = 0; i < 16; i++) {
        int32_t s = a[i] + b[i];
        int32_t q = s >= 0 ? (s + 2) >> 2 : -((-s + 2) >> 2); // half away from zero
        q = q > 127 ? 127 : q < -128 ? -128 : q;
        want[0x100 + i] = (char)(int8_t)q;
    }
    EXPECT_EQ(out, want);
    EXPECT_NE(out, img); // the program did change something
    // The input image is not modified in place.
    EXPECT_EQ(slurp(p("img.bin")), img);

    json_t *s = load_json(p("s.json"));
    ASSERT_NE(s, nullptr);
    check_stats(s);
    EXPECT_EQ(num(s, "instructions"), 5);
    EXPECT_EQ(num(s, "macs"), 0);
    EXPECT_EQ(num(s, "dram_bytes"), 128 + 64); // 128 read; 16 bytes written, one 64-byte burst
    json_t *units = json_object_get(s, "units");
    EXPECT_EQ(num(json_object_get(units, "dma"), "instructions"), 2);
    EXPECT_EQ(num(json_object_get(units, "vector"), "instructions"), 2);
    EXPECT_EQ(num(json_object_get(units, "lut"), "busy_cycles"), 0);
    json_decref(s);

    // Trace: valid JSON; thread names for the units; one complete ("X")
    // event per non-control instruction, on its unit's thread.
    json_t *t = load_json(p("t.json"));
    ASSERT_NE(t, nullptr);
    json_t *ev = json_object_get(t, "traceEvents");
    ASSERT_TRUE(json_is_array(ev));
    std::map<int, std::string> thread;
    std::map<int, int> per_index;
    std::vector<std::pair<int, std::string>> xs; // (tid, name) of non-control events
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e) {
        std::string ph = json_string_value(json_object_get(e, "ph"));
        if (ph == "M") {
            EXPECT_STREQ(json_string_value(json_object_get(e, "name")), "thread_name");
            thread[(int)json_integer_value(json_object_get(e, "tid"))] =
                json_string_value(json_object_get(json_object_get(e, "args"), "name"));
        } else if (ph == "X") {
            int tid = (int)json_integer_value(json_object_get(e, "tid"));
            std::string name = json_string_value(json_object_get(e, "name"));
            EXPECT_TRUE(json_is_number(json_object_get(e, "ts")));
            EXPECT_GE(json_number_value(json_object_get(e, "dur")), 0.0);
            if (name == "halt" || name == "barrier")
                continue;
            xs.push_back({tid, name});
            per_index[(int)json_integer_value(json_object_get(json_object_get(e, "args"), "index"))]++;
        }
    }
    ASSERT_EQ(xs.size(), 4u);
    const char *units_of[] = {"dma", "vector", "vector", "dma"};
    const char *names_of[] = {"load", "vop", "vop", "store"};
    for (int k = 0; k < 4; k++) {
        ASSERT_TRUE(thread.count(xs[k].first)) << "tid " << xs[k].first << " has no thread_name";
        EXPECT_EQ(thread[xs[k].first], units_of[k]) << k;
        EXPECT_EQ(xs[k].second, names_of[k]) << k;
        EXPECT_EQ(per_index[k], 1) << "instruction " << k;
    }
    for (int u = 0; u < UNIT_COUNT; u++)
        EXPECT_EQ(thread[u], isa_unit_names[u]);
    json_decref(t);
}

TEST_F(CliExec, TimingOnlyRunMatchesFunctionalCycles)
{
    write("img.bin", std::string(512, '\1'));
    write("prog.s", "load buf=act sram=0x0 rows=1 bytes=128 dram=0x0 stride=128\n"
                    "vop fn=add_i32 sbuf=act src=0x0 src2=0x40 dbuf=output dst=0x0 len=16 imm=0\n"
                    "store buf=output sram=0x0 rows=1 bytes=64 dram=0x100 stride=64\nhalt\n");
    ASSERT_EQ(lutsim("exec prog.s --mem img.bin --stats f.json").status, 0);
    CmdResult r = lutsim("exec prog.s --stats t.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("timing-only"), std::string::npos);
    json_t *f = load_json(p("f.json")), *t = load_json(p("t.json"));
    ASSERT_TRUE(f && t);
    EXPECT_EQ(num(f, "cycles"), num(t, "cycles"));
    EXPECT_EQ(num(f, "energy_pj"), num(t, "energy_pj"));
    EXPECT_STREQ(json_string_value(json_object_get(t, "mode")), "timing");
    json_decref(f);
    json_decref(t);
}

TEST_F(CliExec, BadProgramsFailWithTheirInstructionOrLine)
{
    write("img.bin", std::string(1024, '\0'));
    // Out of bounds in the table buffer (16 KiB) at instruction 2.
    write("oob.s", "load buf=act sram=0x0 rows=1 bytes=64 dram=0x0 stride=64\n"
                   "barrier\n"
                   "load buf=table sram=0x3fc0 rows=1 bytes=128 dram=0x0 stride=128\n"
                   "halt\n");
    expect_failure("exec oob.s --mem img.bin --dump-mem out.bin --stats s.json --trace t.json",
                   "instruction 2", {"out.bin", "s.json", "t.json"});
    // Same in timing-only mode.
    expect_failure("exec oob.s --stats s.json --trace t.json", "instruction 2", {"s.json", "t.json"});
    // DRAM beyond the image (functional only): instruction 1.
    write("far.s", "load buf=act sram=0x0 rows=1 bytes=64 dram=0x0 stride=64\n"
                   "store buf=act sram=0x0 rows=1 bytes=64 dram=0x3e0 stride=64\n"
                   "halt\n");
    expect_failure("exec far.s --mem img.bin --dump-mem out.bin --stats s.json", "instruction 1",
                   {"out.bin", "s.json"});
    // No halt.
    write("nohalt.s", "load buf=act sram=0x0 rows=1 bytes=64 dram=0x0 stride=64\n");
    expect_failure("exec nohalt.s --stats s.json --trace t.json", "without halt", {"s.json", "t.json"});
    // Existing output files are left alone by a failed run.
    write("s.json", "old");
    expect_failure("exec oob.s --stats s.json", "instruction 2", {});
    EXPECT_EQ(slurp(p("s.json")), "old");
    ::unlink(p("s.json").c_str());

    // Assembly errors name the line (comments and blank lines count).
    write("bad1.s", "# comment\n\nload buf=act sram=0x0 rows=1 bytes=64 dram=0x0 stride=64\n"
                    "lmma tbl=0x0 wgt=0x0 acc=0x0 m=2 n=16 klen=16 wbits=2\n"
                    "halt\n");
    expect_failure("asm bad1.s -o b.bin", "line 4", {"b.bin"});
    write("bad2.s", "halt\nfrobnicate x=1\n");
    expect_failure("asm bad2.s -o b.bin", "line 2", {"b.bin"});
    write("bad3.s", "halt\nhalt\nvop fn=nosuch sbuf=act src=0x0 src2=0x0 dbuf=act dst=0x0 len=1 imm=0\n");
    expect_failure("asm bad3.s -o b.bin", "line 3", {"b.bin"});
    write("bad4.s", "load buf=act sram=0x400000 rows=1 bytes=64 dram=0x0 stride=64\n"); // 22-bit field
    expect_failure("asm bad4.s -o b.bin", "line 1", {"b.bin"});
    // exec of bad assembly, too.
    expect_failure("exec bad2.s --stats s.json", "line 2", {"s.json"});
    // A NUL byte does not end the text silently (everything after it would
    // be dropped): the file is not assembly.
    write("nul.s", std::string("halt\n\0frobnicate\n", 16));
    expect_failure("asm nul.s -o b.bin", "nul.s: line 2: a NUL byte", {"b.bin"});
    expect_failure("exec nul.s --stats s.json", "nul.s: not a lutsim program", {"s.json"});
}

TEST_F(CliExec, GemmStatsAreConsistent)
{
    const int M = 6, N = 300, K = 512;
    CmdResult r = lutsim("gemm --random " + std::to_string(M) + "x" + std::to_string(N) + "x" +
                         std::to_string(K) + " --wfmt int --wbits 2 --stats g.json --trace gt.json");
    ASSERT_EQ(r.status, 0) << r.err;
    json_t *s = load_json(p("g.json"));
    ASSERT_NE(s, nullptr);
    check_stats(s);
    EXPECT_EQ(num(s, "macs"), (double)M * N * K);
    EXPECT_GE(num(s, "dram_bytes"), (double)N * K * 2 / 8 + (double)M * K);
    EXPECT_GT(num(json_object_get(json_object_get(s, "units"), "lut"), "busy_cycles"), 0);
    json_decref(s);
    json_t *t = load_json(p("gt.json"));
    ASSERT_NE(t, nullptr);
    EXPECT_GT(json_array_size(json_object_get(t, "traceEvents")), (size_t)UNIT_COUNT);
    json_decref(t);
    // Timing-only of the same GEMM: same cycles.
    CmdResult r2 = lutsim("gemm --random " + std::to_string(M) + "x" + std::to_string(N) + "x" +
                          std::to_string(K) + " --wfmt int --wbits 2 --timing-only --stats g2.json");
    ASSERT_EQ(r2.status, 0) << r2.err;
    json_t *s2 = load_json(p("g2.json"));
    ASSERT_NE(s2, nullptr);
    check_stats(s2);
    json_t *s1 = load_json(p("g.json"));
    EXPECT_EQ(num(s1, "cycles"), num(s2, "cycles"));
    json_decref(s1);
    json_decref(s2);
}
