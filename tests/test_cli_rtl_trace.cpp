// `--engine rtl` outputs through the command line: the timeline has one
// slice per instruction from the RTL's own schedule (equal to the C model's,
// which the RTL matches cycle for cycle), and the VCD waveform runs in the
// core's real time, with a cycle window and a scope filter that shrink it.
#include <gtest/gtest.h>

#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include "run_argv.h"

namespace {

std::string slurp(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

long file_size(const std::string &path)
{
    struct stat sb;
    return stat(path.c_str(), &sb) == 0 ? (long)sb.st_size : -1;
}

// A few hundred cycles: loads (DRAM latency 100), precompute, an lmma, a
// dequantization, a barrier and a store.
const char kProgram[] =
    "load buf=act sram=0x0 rows=2 bytes=16 dram=0x0 stride=32\n"
    "load buf=weight sram=0x40 rows=1 bytes=64 dram=0x100 stride=64\n"
    "tprec src=0x0 dst=0x0 sum=0x200 rows=2 klen=16 stride=16\n"
    "lmma tbl=0x0 wgt=0x40 acc=0x0 m=2 n=16 klen=16 wbits=2 accum=0\n"
    "dq acc=0x0 sum=0x200 meta=0x400 dst=0x1000 m=2 n=16 accum=0 fmode=0 shift=1\n"
    "barrier\n"
    "store buf=output sram=0x1000 rows=1 bytes=128 dram=0x800 stride=128\n"
    "halt\n";

class RtlOut : public ::testing::Test {
protected:
    std::string dir;
    void SetUp() override
    {
        char t[] = "/tmp/lutsim-rtlout-XXXXXX";
        ASSERT_NE(mkdtemp(t), nullptr);
        dir = t;
        std::ofstream(p("p.s")) << kProgram;
        std::string img(4096, '\0');
        for (size_t i = 0; i < img.size(); i++)
            img[i] = (char)(i * 37 + 11);
        std::ofstream(p("img.bin"), std::ios::binary) << img;
    }
    void TearDown() override { testproc::remove_tree(dir); }
    std::string p(const std::string &n) const { return dir + "/" + n; }
    int run(const std::string &args, std::string *out = nullptr, std::string *err = nullptr) const
    {
        int st = testproc::lutsim(args, p(".o"), p(".e"), dir);
        if (out)
            *out = slurp(p(".o"));
        if (err)
            *err = slurp(p(".e"));
        return st < 0 ? -1 : st;
    }
    std::string exec_rtl(const std::string &extra) const
    {
        return "exec p.s --mem img.bin --engine rtl " + extra;
    }
};

struct Slice {
    std::string name;
    long long tid, index, start, busy, complete;
    double ts, dur;
    bool operator==(const Slice &o) const
    {
        return name == o.name && tid == o.tid && index == o.index && start == o.start &&
               busy == o.busy && complete == o.complete && ts == o.ts && dur == o.dur;
    }
};

std::vector<Slice> slices(const std::string &path)
{
    json_error_t e;
    json_t *doc = json_load_file(path.c_str(), 0, &e);
    EXPECT_NE(doc, nullptr) << path << ": " << e.text;
    std::vector<Slice> v;
    if (!doc)
        return v;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(doc, "traceEvents"), i, ev) {
        if (strcmp(json_string_value(json_object_get(ev, "ph")), "X") != 0)
            continue;
        json_t *a = json_object_get(ev, "args");
        v.push_back({ json_string_value(json_object_get(ev, "name")),
                      json_integer_value(json_object_get(ev, "tid")),
                      json_integer_value(json_object_get(a, "index")),
                      json_integer_value(json_object_get(a, "start_cycle")),
                      json_integer_value(json_object_get(a, "busy_cycles")),
                      json_integer_value(json_object_get(a, "complete_cycle")),
                      json_number_value(json_object_get(ev, "ts")),
                      json_number_value(json_object_get(ev, "dur")) });
    }
    json_decref(doc);
    return v;
}

// The parts of a VCD the tests look at.
struct Vcd {
    std::string timescale;
    std::map<std::string, std::string> id_of;     // full dotted path -> id
    std::vector<uint64_t> times;                   // every #T, in order
    std::vector<std::pair<uint64_t, uint64_t>> now; // (T, value of lutc.now) changes
    std::vector<std::pair<uint64_t, int>> clk;      // (T, lutc.clk) changes
};

Vcd parse_vcd(const std::string &path)
{
    Vcd v;
    std::istringstream in(slurp(path));
    std::string line;
    std::vector<std::string> scope;
    bool defs = true;
    uint64_t t = 0;
    std::string now_id, clk_id;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string w;
        ls >> w;
        if (defs) {
            if (w == "$timescale") {
                ls >> v.timescale;
            } else if (w == "$scope") {
                std::string kind, name;
                ls >> kind >> name;
                scope.push_back(name);
            } else if (w == "$upscope") {
                scope.pop_back();
            } else if (w == "$var") {
                std::string type, width, id, name, path;
                ls >> type >> width >> id >> name;
                for (const std::string &s : scope)
                    path += s + ".";
                v.id_of[path + name] = id;
            } else if (w == "$enddefinitions") {
                defs = false;
                if (v.id_of.count("lutc.now"))
                    now_id = v.id_of["lutc.now"];
                if (v.id_of.count("lutc.clk"))
                    clk_id = v.id_of["lutc.clk"];
            }
            continue;
        }
        if (w.empty())
            continue;
        if (w[0] == '#') {
            t = std::stoull(w.substr(1));
            v.times.push_back(t);
        } else if (w[0] == 'b') {
            std::string id;
            ls >> id;
            if (id == now_id)
                v.now.push_back({ t, std::stoull(w.substr(1), nullptr, 2) });
        } else if ((w[0] == '0' || w[0] == '1') && w.substr(1) == clk_id) {
            v.clk.push_back({ t, w[0] - '0' });
        }
    }
    return v;
}

} // namespace

TEST_F(RtlOut, TraceHasTheSlicesOfEveryInstructionFromTheRtl)
{
    std::string out, err;
    ASSERT_EQ(run(exec_rtl("--trace rtl.json"), &out, &err), 0) << err;
    ASSERT_EQ(run("exec p.s --mem img.bin --trace c.json"), 0);
    std::vector<Slice> r = slices(p("rtl.json")), c = slices(p("c.json"));
    ASSERT_EQ(r.size(), 8u) << "one slice per instruction";
    EXPECT_TRUE(r == c) << "the RTL's schedule differs from the C model's";
    for (const Slice &s : r) {
        EXPECT_GE(s.complete, s.start + s.busy) << s.name;
        EXPECT_NEAR(s.ts, (double)s.start * 1e-3, 1e-9) << s.name; // microseconds at 1 GHz
    }
    EXPECT_GT(r[1].complete, 100) << "a load completes after the DRAM latency";

    // gemm: the compiled program, same slices from both engines
    ASSERT_EQ(run("gemm --random 4x64x256 --wfmt int --wbits 2 --engine rtl --trace gr.json",
                  &out, &err), 0) << err;
    // (the RTL reads the legacy metadata layout only: the same program)
    ASSERT_EQ(run("gemm --random 4x64x256 --wfmt int --wbits 2 --scale legacy --trace gc.json"),
              0);
    std::vector<Slice> gr = slices(p("gr.json")), gc = slices(p("gc.json"));
    EXPECT_GT(gr.size(), 5u);
    EXPECT_TRUE(gr == gc);
}

TEST_F(RtlOut, VcdRunsInTheCoresRealTime)
{
    std::string out, err;
    ASSERT_EQ(run(exec_rtl("--vcd w.vcd"), &out, &err), 0) << err;
    Vcd v = parse_vcd(p("w.vcd"));
    EXPECT_EQ(v.timescale, "1ps");
    ASSERT_FALSE(v.times.empty());
    ASSERT_FALSE(v.now.empty()) << "no lutc.now in the waveform";
    ASSERT_FALSE(v.clk.empty()) << "no lutc.clk in the waveform";
    // 1 GHz: the cycle counter steps at whole nanoseconds, the clock falls
    // half-way and rises at each nanosecond
    for (const auto &c : v.now)
        EXPECT_EQ(c.first / 1000, c.second) << "now=" << c.second << " at " << c.first << " ps";
    for (const auto &c : v.clk)
        EXPECT_EQ(c.first % 1000, c.second ? 0u : 500u) << "clk=" << c.second << " at " << c.first;
    EXPECT_EQ(v.times.front(), 500u);
    // the run's cycles, as reported, end inside the waveform
    size_t at = out.find("RTL (ideal, 1.00 GHz): ");
    ASSERT_NE(at, std::string::npos) << out;
    uint64_t cycles = std::stoull(out.substr(at + 23));
    EXPECT_GE(v.times.back(), cycles * 1000);
    EXPECT_LE(v.times.back(), (cycles + 2) * 1000);
}

TEST_F(RtlOut, VcdWindowAndScopeShrinkTheFileToWhatWasAsked)
{
    ASSERT_EQ(run(exec_rtl("--vcd full.vcd")), 0);
    std::string out, err;
    ASSERT_EQ(run(exec_rtl("--vcd win.vcd --vcd-window 40:90"), &out, &err), 0) << err;
    Vcd w = parse_vcd(p("win.vcd"));
    EXPECT_LT(file_size(p("win.vcd")), file_size(p("full.vcd")));
    ASSERT_FALSE(w.times.empty());
    for (uint64_t t : w.times) {
        EXPECT_GE(t, 40u * 1000 + 500);
        EXPECT_LE(t, 90u * 1000);
    }
    ASSERT_FALSE(w.now.empty());
    EXPECT_EQ(w.now.front().second, 40u) << "the window starts with the state of cycle 40";
    EXPECT_EQ(w.now.back().second, 90u);

    ASSERT_EQ(run(exec_rtl("--vcd dma.vcd --vcd-scope lutc.lutc_top.dma"), &out, &err), 0) << err;
    Vcd d = parse_vcd(p("dma.vcd"));
    EXPECT_LT(file_size(p("dma.vcd")) * 5, file_size(p("full.vcd")));
    ASSERT_FALSE(d.id_of.empty());
    for (const auto &kv : d.id_of)
        EXPECT_EQ(kv.first.rfind("lutc.lutc_top.dma.", 0), 0u) << kv.first << " is outside the scope";

    // both at once, and through gemm
    ASSERT_EQ(run("gemm --random 4x64x256 --wfmt int --wbits 2 --engine rtl --vcd g.vcd "
                  "--vcd-scope lutc.lutc_top.ctrl --vcd-window 10:20", &out, &err), 0) << err;
    Vcd g = parse_vcd(p("g.vcd"));
    for (const auto &kv : g.id_of)
        EXPECT_EQ(kv.first.rfind("lutc.lutc_top.ctrl.", 0), 0u) << kv.first;
    for (uint64_t t : g.times) {
        EXPECT_GE(t, 10500u);
        EXPECT_LE(t, 20000u);
    }
}

TEST_F(RtlOut, BadVcdOptionsAreRefusedWithNoFileLeft)
{
    std::string out, err;
    EXPECT_EQ(run(exec_rtl("--vcd w.vcd --vcd-scope lutc.nowhere"), &out, &err), 1);
    EXPECT_NE(err.find("--vcd-scope lutc.nowhere: no signal"), std::string::npos) << err;
    EXPECT_EQ(file_size(p("w.vcd")), -1);
    EXPECT_EQ(run(exec_rtl("--vcd w.vcd --vcd-window 100000:"), &out, &err), 1);
    EXPECT_NE(err.find("--vcd-window"), std::string::npos) << err;
    EXPECT_EQ(file_size(p("w.vcd")), -1);
    const char *bad[] = { "5:5", "9:3", "x:4", "4", "-1:3", ":0", "" };
    for (const char *b : bad) {
        EXPECT_EQ(run(exec_rtl(std::string("--vcd w.vcd --vcd-window '") + b + "'"), &out, &err), 2) << b;
        EXPECT_NE(err.find("--vcd-window: expected START:END"), std::string::npos) << b << ": " << err;
    }
    EXPECT_EQ(run(exec_rtl("--vcd-window 1:2"), &out, &err), 2);
    EXPECT_NE(err.find("need --vcd"), std::string::npos) << err;
    EXPECT_EQ(run("gemm --random 2x8x8 --wfmt int --wbits 2 --engine rtl --vcd-scope lutc", &out, &err), 2);
    EXPECT_EQ(file_size(p("w.vcd")), -1);
    std::string ls;
    ASSERT_EQ(run("exec --help >/dev/null; ls -a", &ls), 0);
    EXPECT_EQ(ls.find("tmp"), std::string::npos) << ls;
}
