// test_errors.cpp - every error of the command line is one line that names
// the file, whatever the file holds.
//
// Hostile text (newlines, carriage returns, terminal escapes, NUL bytes, C1
// controls, U+2028, bytes that are not UTF-8) in JSON keys and values, in
// assembly lines, in .npy headers and in file names; the checks that must
// name the file (head_dim derived from hidden_size / num_attention_heads,
// the program header's reserved bytes); and a seeded mutation run over
// every reader.  Each failure must: exit with status 1 or 2 (never a
// signal), print exactly one line on stderr that starts "lutsim: " and
// names the file (as printable() spells it), and leave no output file or
// temporary behind.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "printable.h"
}

namespace {

struct Result {
    int status; // exit status, or -signal
    std::string out, err;
};

std::string slurp(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string esc(const std::string &s)
{
    std::vector<char> buf(s.size() * 6 + 1);
    return printable(s.c_str(), buf.data(), buf.size());
}

std::string src_file(const std::string &rel) { return slurp(std::string(SRC_DIR) + "/" + rel); }

class Errors : public ::testing::Test {
protected:
    std::string dir;
    void SetUp() override
    {
        char tmpl[] = "/tmp/lutsim-errors-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        write("P.s", "load buf=act sram=0x0 rows=1 bytes=64 dram=0x0 stride=64\nhalt\n");
    }
    void TearDown() override
    {
        std::vector<std::string> names = ls();
        for (const std::string &n : names)
            unlink((dir + "/" + n).c_str());
        rmdir(dir.c_str());
    }
    std::string p(const std::string &name) const { return dir + "/" + name; }
    bool exists(const std::string &name) const { return access(p(name).c_str(), F_OK) == 0; }
    void write(const std::string &name, const std::string &data) const
    {
        std::ofstream f(p(name), std::ios::binary);
        f << data;
    }
    std::vector<std::string> ls() const
    {
        std::vector<std::string> v;
        if (DIR *d = opendir(dir.c_str())) {
            while (struct dirent *e = readdir(d))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                    v.push_back(e->d_name);
            closedir(d);
        }
        return v;
    }

    // Runs lutsim in dir with exactly these arguments (no shell), 30 s at most.
    Result lutsim(const std::vector<std::string> &args) const
    {
        pid_t pid = fork();
        if (pid == 0) {
            if (chdir(dir.c_str()) != 0)
                _exit(127);
            int o = open(".stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int e = open(".stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int n = open("/dev/null", O_RDONLY);
            if (o < 0 || e < 0 || n < 0)
                _exit(127);
            dup2(o, 1);
            dup2(e, 2);
            dup2(n, 0);
            std::vector<char *> av;
            av.push_back(const_cast<char *>(LUTSIM_BIN));
            for (const std::string &a : args)
                av.push_back(const_cast<char *>(a.c_str()));
            av.push_back(nullptr);
            alarm(30);
            execv(LUTSIM_BIN, av.data());
            _exit(127);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        Result r{ WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st), slurp(p(".stdout")),
                  slurp(p(".stderr")) };
        unlink(p(".stdout").c_str());
        unlink(p(".stderr").c_str());
        return r;
    }

    // The contract of a failure; `file` must be named, `mention` (if any)
    // must appear, `outputs` must not exist afterwards.
    void expect_error(const std::vector<std::string> &args, const std::string &file,
                      const std::string &mention, const std::vector<std::string> &outputs)
    {
        check_error(args, lutsim(args), file, mention, outputs);
    }
    void check_error(const std::vector<std::string> &args, const Result &r,
                     const std::string &file, const std::string &mention,
                     const std::vector<std::string> &outputs)
    {
        std::string what;
        for (const std::string &a : args)
            what += esc(a) + " ";
        EXPECT_TRUE(r.status == 1 || r.status == 2) << what << "-> status " << r.status;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << "stderr: " << r.err;
        EXPECT_EQ(r.err.back(), '\n') << what;
        EXPECT_EQ(r.err.rfind("lutsim: ", 0), 0u) << what << "stderr: " << r.err;
        EXPECT_NE(r.err.find(esc(file)), std::string::npos)
            << what << "names no file '" << esc(file) << "': " << r.err;
        if (!mention.empty()) {
            EXPECT_NE(r.err.find(mention), std::string::npos)
                << what << "lacks '" << mention << "': " << r.err;
        }
        for (unsigned char c : r.err.substr(0, r.err.size() - 1))
            EXPECT_TRUE(c >= 0x20 && c != 0x7F) << what << "control character in: " << r.err;
        for (const std::string &o : outputs)
            EXPECT_FALSE(exists(o)) << o << " left after " << what;
        for (const std::string &n : ls())
            EXPECT_EQ(n.find("tmp"), std::string::npos) << n << " left after " << what;
    }
};

// A runner per reader: the command that reads `file`, and what it writes.
struct Reader {
    const char *kind;
    std::vector<std::string> (*args)(const std::string &file);
    std::vector<std::string> outputs;
};

const Reader kReaders[] = {
    { "arch", [](const std::string &f) {
          return std::vector<std::string>{ "exec", "P.s", "--arch", f, "--stats", "out.json" };
      }, { "out.json" } },
    { "energy", [](const std::string &f) {
          return std::vector<std::string>{ "exec", "P.s", "--energy", f, "--stats", "out.json" };
      }, { "out.json" } },
    { "model", [](const std::string &f) {
          return std::vector<std::string>{ "run", "--model", f, "--quant", "W2A8", "--phase",
                                           "decode", "--json", "out.json" };
      }, { "out.json" } },
    { "quant", [](const std::string &f) {
          return std::vector<std::string>{ "run", "--model", "tiny", "--quant", f, "--phase",
                                           "decode", "--json", "out.json" };
      }, { "out.json" } },
    { "asm", [](const std::string &f) {
          return std::vector<std::string>{ "asm", f, "-o", "out.bin" };
      }, { "out.bin" } },
    { "program", [](const std::string &f) {
          return std::vector<std::string>{ "exec", f, "--stats", "out.json" };
      }, { "out.json" } },
    { "npy", [](const std::string &f) {
          return std::vector<std::string>{ "gemm", "--act", f, "--weight", "W.npy", "--wfmt",
                                           "int", "--wbits", "2", "--out", "C.npy" };
      }, { "C.npy" } },
};

const Reader &reader(const std::string &kind)
{
    for (const Reader &r : kReaders)
        if (kind == r.kind)
            return r;
    abort();
}

std::string npy_i8(int rows, int cols, int lo, int hi, uint32_t seed,
                   const std::string &descr = "|i1")
{
    std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" +
                    std::to_string(rows) + ", " + std::to_string(cols) + "), }";
    while ((10 + h.size() + 1) % 64)
        h += ' ';
    h += '\n';
    std::string s = std::string("\x93NUMPY\x01\x00", 8);
    s += (char)(h.size() & 0xFF);
    s += (char)(h.size() >> 8);
    s += h;
    std::mt19937 rng(seed);
    for (int i = 0; i < rows * cols; i++)
        s += (char)(lo + (int)(rng() % (uint32_t)(hi - lo + 1)));
    return s;
}

// Control characters and friends that must never reach the terminal raw.
const char *const kHostile[] = { "\n", "\r", "\x1b[31m", "\x7f", "\xc2\x85", "\xe2\x80\xa8",
                                 "\xff", "\t", "\x01" };

} // namespace

TEST(Printable, EscapesControlsAndInvalidUtf8OnlyAndCutsAtAWholeEscape)
{
    EXPECT_EQ(esc("plain ascii: a.json"), "plain ascii: a.json");
    EXPECT_EQ(esc("a\nb\rc\td\\e"), "a\\nb\\rc\\td\\\\e");
    EXPECT_EQ(esc("\x1b[2J\x7f\x01"), "\\x1B[2J\\x7F\\x01");
    EXPECT_EQ(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    EXPECT_EQ(esc("\xc2\x85|\xc2\x9b|\xe2\x80\xa8|\xe2\x80\xa9"), "\\u0085|\\u009B|\\u2028|\\u2029");
    // not UTF-8: a lone continuation byte, an overlong '/', a surrogate, a cut sequence
    EXPECT_EQ(esc("\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82"), "\\x80|\\xC0\\xAF|\\xED\\xA0\\x80|\\xE2\\x82");
    char small[8];
    EXPECT_STREQ(printable("ab\ncdef", small, sizeof small), "ab\\ncde");
    EXPECT_STREQ(printable("abcd\x1b", small, sizeof small), "abcd"); // \x1B does not fit whole
    EXPECT_STREQ(printable("x", small, 1), "");
}

TEST_F(Errors, ControlCharactersInJsonKeysAreEscapedOnOneLine)
{
    struct { const char *kind, *seed; } docs[] = {
        { "arch", "workloads/arch/lut-small.json" },
        { "energy", "workloads/energy/default.json" },
        { "quant", "workloads/quant/W2A8.json" },
    };
    for (const auto &d : docs) {
        for (const char *h : kHostile) {
            std::string text = src_file(d.seed);
            std::string key = std::string("bad") + h + "key";
            // JSON escapes for the control characters; raw bytes for the rest
            std::string jkey;
            for (unsigned char c : key) {
                char b[8];
                if (c < 0x20) {
                    snprintf(b, sizeof b, "\\u%04x", c);
                    jkey += b;
                } else {
                    jkey += (char)c;
                }
            }
            text.insert(text.find('{') + 1, "\"" + jkey + "\": 1,");
            write("in.json", text);
            std::string mention = strcmp(h, "\xff") == 0 ? "" : esc(key) + ": unknown key";
            expect_error(reader(d.kind).args("in.json"), "in.json", mention,
                         reader(d.kind).outputs);
        }
    }
}

TEST_F(Errors, ControlCharactersInJsonValuesAreEscapedOnOneLine)
{
    // model_type (model), wfmt (quant), a unit (energy), a raw newline in a
    // string (a syntax error), a terminal escape in an arch value
    std::string tiny = src_file("workloads/models/tiny.json");
    std::string m = tiny;
    m.replace(m.find("\"llama\""), 7, "\"lla\\nma\\u001b[2J\"");
    write("m.json", m);
    expect_error(reader("model").args("m.json"), "m.json", "lla\\nma\\x1B[2J", { "out.json" });

    write("q.json", "{\"wfmt\": \"in\\r\\nt\", \"wbits\": 2}");
    expect_error(reader("quant").args("q.json"), "q.json", "in\\r\\nt", { "out.json" });

    std::string e = src_file("workloads/energy/default.json");
    e.replace(e.find("\"pJ/64bit\""), 10, "\"pJ\\u2028/bit\"");
    write("e.json", e);
    expect_error(reader("energy").args("e.json"), "e.json", "pJ\\u2028/bit", { "out.json" });

    write("raw.json", "{\"name\": \"two\nlines\"}");
    expect_error(reader("arch").args("raw.json"), "raw.json", "line 1", { "out.json" });

    write("a.json", "{\"lut\": {\"cores\": \"\\u001b]0;pwned\\u0007\"}}");
    expect_error(reader("arch").args("a.json"), "a.json", "lut.cores", { "out.json" });
}

TEST_F(Errors, HostileFileNamesAreEscaped)
{
    std::string names[] = { "we\nird.json", "tab\there.json", "esc\x1b[1m.json",
                            "q\"uote$(touch pwned).json", "bs\\n.json" };
    for (const std::string &n : names) {
        // missing, then present but invalid
        for (const Reader &r : kReaders) {
            unlink(p(n).c_str());
            expect_error(r.args(n), n, "", r.outputs);
            write(n, "{\"bad\": ");
            expect_error(r.args(n), n, "", r.outputs);
            unlink(p(n).c_str());
        }
    }
    EXPECT_FALSE(exists("pwned"));
}

TEST_F(Errors, HeadDimDerivedOutOfRangeNamesTheFileAndItsKeys)
{
    write("hd.json", "{\"model_type\": \"llama\", \"hidden_size\": 1048576, "
                     "\"intermediate_size\": 64, \"num_attention_heads\": 2, "
                     "\"num_hidden_layers\": 1, \"vocab_size\": 64}");
    expect_error(reader("model").args("hd.json"), "hd.json",
                 "hidden_size / num_attention_heads: 1048576 / 2 gives head_dim 524288",
                 { "out.json" });
    Result r = lutsim(reader("model").args("hd.json"));
    EXPECT_EQ(r.err.find("head_dim: expected"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("prefill"), std::string::npos) << r.err; // found at read time

    // at the limit it is accepted
    write("ok.json", "{\"model_type\": \"llama\", \"hidden_size\": 4096, "
                     "\"intermediate_size\": 64, \"num_attention_heads\": 1, "
                     "\"num_hidden_layers\": 1, \"vocab_size\": 64}");
    r = lutsim(reader("model").args("ok.json"));
    EXPECT_EQ(r.status, 0) << r.err;
    unlink(p("out.json").c_str());

    // OPT's learned positions come from max_position_embeddings: named as such
    std::string opt = src_file("workloads/models/opt-6.7b.json");
    size_t at = opt.find("\"max_position_embeddings\"");
    ASSERT_NE(at, std::string::npos);
    size_t colon = opt.find(':', at), end = opt.find_first_of(",}", colon);
    opt.replace(colon + 1, end - colon - 1, " 16777216");
    write("opt.json", opt);
    expect_error(reader("model").args("opt.json"), "opt.json", "max_position_embeddings",
                 { "out.json" });
}

TEST_F(Errors, ProgramHeaderReservedBytesMustBeZero)
{
    Result a = lutsim({ "asm", "P.s", "-o", "p.bin" });
    ASSERT_EQ(a.status, 0) << a.err;
    std::string bin = slurp(p("p.bin"));
    ASSERT_GE(bin.size(), 16u);
    for (int byte = 12; byte < 16; byte++) {
        std::string b = bin;
        b[byte] = (char)(0x10 + byte);
        write("r.bin", b);
        char want[64];
        snprintf(want, sizeof want, "header byte %d is 0x%02x", byte, 0x10 + byte);
        expect_error(reader("program").args("r.bin"), "r.bin", want, { "out.json" });
        expect_error({ "disasm", "r.bin", "-o", "out.s" }, "r.bin", want, { "out.s" });
    }
    write("r.bin", bin); // zero reserved bytes: accepted
    EXPECT_EQ(lutsim(reader("program").args("r.bin")).status, 0);
}

TEST_F(Errors, AssemblyLinesWithControlCharactersNameTheLine)
{
    write("nul.s", std::string("halt\0junk\n", 10));
    expect_error(reader("asm").args("nul.s"), "nul.s", "line 1: a NUL byte", { "out.bin" });
    write("cr.s", "load buf=act sram=0x0 rows=1 bytes=64 dram=0x0 stride=64\rhalt\n");
    expect_error(reader("asm").args("cr.s"), "cr.s", "line 1: a carriage return", { "out.bin" });
    write("esc.s", "barrier\nha\x1b[2Jlt\n");
    expect_error(reader("asm").args("esc.s"), "esc.s", "line 2: unknown mnemonic 'ha\\x1B[2Jlt'",
                 { "out.bin" });
    write("esc.s", "halt\n");
    expect_error(reader("program").args("esc.s\n"), "esc.s\n", "cannot open", { "out.json" });
    // CRLF line ends are fine; so is exec of the same text
    write("crlf.s", "load buf=act sram=0x0 rows=1 bytes=64 dram=0x0 stride=64\r\nhalt\r\n");
    Result r = lutsim(reader("asm").args("crlf.s"));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lutsim(reader("program").args("crlf.s")).status, 0);
    unlink(p("out.json").c_str());
    // a file of zeros is no program, binary or text
    write("z.bin", std::string(64, '\0'));
    expect_error(reader("program").args("z.bin"), "z.bin", "not a lutsim program", { "out.json" });
}

TEST_F(Errors, NpyHeadersWithControlCharactersStayOnOneLine)
{
    write("W.npy", npy_i8(8, 64, -2, 1, 2));
    write("A.npy", npy_i8(4, 64, -128, 127, 1, "|i\n1"));
    expect_error(reader("npy").args("A.npy"), "A.npy", "malformed header", { "C.npy" });
    write("A.npy", npy_i8(4, 64, -128, 127, 1, "\x1b[2J"));
    expect_error(reader("npy").args("A.npy"), "A.npy", "\\x1B[2J", { "C.npy" });
}

// Seeded mutations of a valid input per reader: bytes inserted (control
// characters, quotes, invalid UTF-8), replaced, removed, or the file cut.
// Whatever lutsim makes of it, a failure keeps the contract.
TEST_F(Errors, MutatedInputsOfEveryReaderFailCleanly)
{
    write("W.npy", npy_i8(8, 64, -2, 1, 2));
    Result a = lutsim({ "asm", "P.s", "-o", "P.bin" });
    ASSERT_EQ(a.status, 0) << a.err;
    const struct { const char *kind; std::string seed; } seeds[] = {
        { "arch", src_file("workloads/arch/lut-small.json") },
        { "energy", src_file("workloads/energy/default.json") },
        { "model", src_file("workloads/models/tiny.json") },
        { "quant", src_file("workloads/quant/W2A8.json") },
        { "asm", slurp(p("P.s")) + "barrier\ntprec src=0 dst=0 sum=512 rows=2 klen=16 stride=16\nhalt\n" },
        { "program", slurp(p("P.bin")) },
        { "npy", npy_i8(4, 64, -128, 127, 1) },
    };
    const std::string inserts[] = { "\n", "\r", "\x1b[2J", std::string("\0", 1), "\xc2\x85",
                                    "\xe2\x80\xa8", "\xff", "\"", "\\", "}", "{\"k\n\":1}" };
    const std::string names[] = { "in.dat", "new\nline.dat", "q\"uote$(touch pwned).dat" };
    std::mt19937 rng(20261201);
    int failures = 0, runs = 0;
    for (const auto &s : seeds) {
        for (int i = 0; i < 14; i++) {
            std::string m = s.seed;
            int edits = 1 + (int)(rng() % 3);
            for (int e = 0; e < edits; e++) {
                size_t at = m.empty() ? 0 : rng() % m.size();
                switch (rng() % 4) {
                case 0: m.insert(at, inserts[rng() % (sizeof inserts / sizeof inserts[0])]); break;
                case 1: if (!m.empty()) m[at] = (char)(rng() % 256); break;
                case 2: m.erase(at, 1 + rng() % 8); break;
                default: m.resize(at); break;
                }
            }
            const std::string &name = names[rng() % 3];
            write(name, m);
            const Reader &r = reader(s.kind);
            Result res = lutsim(r.args(name));
            runs++;
            ASSERT_GE(res.status, 0) << s.kind << " mutant " << i << " died of signal "
                                     << -res.status;
            if (res.status != 0) {
                failures++;
                check_error(r.args(name), res, name, "", r.outputs);
            }
            for (const std::string &o : r.outputs)
                unlink(p(o).c_str());
            unlink(p(name).c_str());
        }
    }
    EXPECT_FALSE(exists("pwned"));
    // the mutations must mostly break the inputs, or the test tests little
    EXPECT_GT(failures, runs / 2) << failures << " of " << runs << " mutants failed";
}
