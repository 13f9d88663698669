// `lutsim gemm` as a user runs it: exact results, and clear failures that
// leave no output behind.
#include <gtest/gtest.h>

#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
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

struct CmdResult {
    int status;
    std::string err;
};

class CliGemm : public ::testing::Test {
protected:
    std::string dir;
    void SetUp() override
    {
        char tmpl[] = "/tmp/lutsim-cli-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override { testproc::remove_tree(dir); }
    std::string p(const std::string &name) const { return dir + "/" + name; }

    CmdResult lutsim(const std::string &args) const
    {
        int st = testproc::lutsim(args, "", dir + "/stderr");
        return {st, testproc::slurp(dir + "/stderr")};
    }

    void save(const std::string &name, npy_dtype dt, std::vector<int64_t> shape, const void *data)
    {
        npy_array a;
        ASSERT_EQ(npy_alloc(&a, dt, (int)shape.size(), shape.data()), 0);
        memcpy(a.data, data, a.nbytes);
        char err[512];
        ASSERT_EQ(npy_write(p(name).c_str(), &a, err, sizeof err), 0) << err;
        npy_free(&a);
    }

    bool exists(const std::string &name) const { return access(p(name).c_str(), F_OK) == 0; }

    // Expects a failure with one line on stderr mentioning `mention`, and
    // no output file.
    void expect_rejected(const std::string &args, const std::string &mention)
    {
        CmdResult r = lutsim(args);
        EXPECT_NE(r.status, 0) << args;
        EXPECT_NE(r.err.find(mention), std::string::npos) << "stderr: " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
        EXPECT_FALSE(exists("C.npy")) << args;
        EXPECT_FALSE(exists("S.json")) << args;
        // No temporaries left in the folder either.
        std::string ls = testproc::list_dir(dir);
        EXPECT_EQ(ls.find(".tmp-"), std::string::npos) << args << "\nleft: " << ls;
    }

    void write_valid(int m, int n, int k)
    {
        std::vector<int8_t> a((size_t)m * k, 1), w((size_t)n * k, 1);
        save("A.npy", NPY_INT8, {m, k}, a.data());
        save("W.npy", NPY_INT8, {n, k}, w.data());
    }
};

const char *fmt_name(lut_wfmt f) { return lut_wfmt_name(f); }

} // namespace

TEST_F(CliGemm, ExactOnRandomShapesAndFormats)
{
    std::mt19937 rng(424242);
    for (int trial = 0; trial < 24; trial++) {
        lut_wtype wt;
        switch (trial % 3) {
        case 0: wt = {LUT_WFMT_INT, 2 + (int)(rng() % 7)}; break;
        case 1: wt = {LUT_WFMT_TERNARY, 2}; break;
        default: wt = {LUT_WFMT_BINARY, 1}; break;
        }
        int m = 1 + rng() % 9, n = 1 + rng() % 70, k = 1 + rng() % 300;
        int tk = 2 + rng() % 7;
        std::vector<int8_t> a((size_t)m * k), w((size_t)n * k);
        for (auto &x : a) x = (int8_t)(rng() & 0xff);
        int lo, hi;
        lut_wtype_range(wt, &lo, &hi);
        for (auto &x : w) {
            do x = (int8_t)(lo + (int)(rng() % (unsigned)(hi - lo + 1)));
            while (!lut_wtype_admits(wt, x));
        }
        save("A.npy", NPY_INT8, {m, k}, a.data());
        save("W.npy", NPY_INT8, {n, k}, w.data());
        int group = (int)(1 + rng() % 200);
        // The C model takes K from the architecture; the host engine from --tk.
        std::ofstream(p("arch.json")) << "{\"lut\": {\"tile\": {\"k\": " << tk << "}}}";
        bool host = trial % 4 == 3;
        std::string args = "gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                           " --wfmt " + fmt_name(wt.fmt) + " --wbits " + std::to_string(wt.bits) +
                           " --group " + std::to_string(group) +
                           (host ? " --engine host --tk " + std::to_string(tk)
                                 : " --arch " + p("arch.json")) +
                           " --out " + p("C.npy") + " --stats " + p("S.json");
        CmdResult r = lutsim(args);
        ASSERT_EQ(r.status, 0) << args << "\n" << r.err;
        npy_array c;
        char err[512];
        ASSERT_EQ(npy_read(p("C.npy").c_str(), &c, err, sizeof err), 0) << err;
        ASSERT_EQ(c.dtype, NPY_INT32);
        ASSERT_EQ(c.ndim, 2);
        ASSERT_EQ(c.shape[0], m);
        ASSERT_EQ(c.shape[1], n);
        std::vector<int64_t> ref((size_t)m * n);
        ref_gemm_i64(wt, a.data(), w.data(), nullptr, 128, m, n, k, ref.data());
        const int32_t *got = (const int32_t *)c.data;
        for (size_t i = 0; i < ref.size(); i++)
            ASSERT_EQ((int64_t)got[i], ref[i]) << args << " at " << i;
        npy_free(&c);
        json_error_t je;
        json_t *s = json_load_file(p("S.json").c_str(), 0, &je);
        ASSERT_NE(s, nullptr) << je.text;
        EXPECT_EQ(json_integer_value(json_object_get(s, "macs")), (json_int_t)m * n * k);
        json_decref(s);
    }
}

TEST_F(CliGemm, HelpExplainsTheOptions)
{
    std::string out = dir + "/help";
    ASSERT_EQ(testproc::lutsim("gemm --help", out), 0);
    std::ifstream f(out);
    std::stringstream ss;
    ss << f.rdbuf();
    for (const char *opt : {"--act", "--weight", "--wbits", "--wfmt", "--out", "--stats", "ternary"})
        EXPECT_NE(ss.str().find(opt), std::string::npos) << opt;
}

TEST_F(CliGemm, RejectsWrongDtype)
{
    std::vector<int32_t> a(12, 1);
    std::vector<int8_t> w(12, 1);
    save("A.npy", NPY_INT32, {3, 4}, a.data());
    save("W.npy", NPY_INT8, {3, 4}, w.data());
    expect_rejected("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                    " --wfmt int --wbits 2 --out " + p("C.npy"), "A.npy: activations must be a 2-D int8");
}

TEST_F(CliGemm, RejectsWrongRank)
{
    std::vector<int8_t> a(24, 1);
    save("A.npy", NPY_INT8, {2, 3, 4}, a.data());
    save("W.npy", NPY_INT8, {24}, a.data());
    expect_rejected("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                    " --wfmt int --wbits 2 --out " + p("C.npy"), "A.npy: activations must be a 2-D");
    write_valid(2, 2, 12);
    save("W.npy", NPY_INT8, {24}, a.data());
    expect_rejected("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                    " --wfmt int --wbits 2 --out " + p("C.npy"), "W.npy: weights must be a 2-D");
}

TEST_F(CliGemm, RejectsShapeMismatch)
{
    std::vector<int8_t> a(40, 1);
    save("A.npy", NPY_INT8, {4, 10}, a.data());
    save("W.npy", NPY_INT8, {5, 8}, a.data());
    expect_rejected("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                    " --wfmt int --wbits 2 --out " + p("C.npy") + " --stats " + p("S.json"),
                    "must match");
}

TEST_F(CliGemm, RejectsWeightOutsideFormat)
{
    write_valid(2, 3, 8);
    std::vector<int8_t> w(24, 1);
    w[13] = 2; // row 1, column 5
    save("W.npy", NPY_INT8, {3, 8}, w.data());
    expect_rejected("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                    " --wfmt int --wbits 2 --out " + p("C.npy"), "W.npy: weight [1][5] = 2");
    expect_rejected("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                    " --wfmt ternary --out " + p("C.npy"), "W.npy: weight [1][5] = 2");
    w[13] = 0;
    save("W.npy", NPY_INT8, {3, 8}, w.data());
    expect_rejected("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                    " --wfmt binary --out " + p("C.npy"), "W.npy: weight [1][5] = 0");
}

TEST_F(CliGemm, RejectsTruncatedFile)
{
    write_valid(4, 4, 64);
    for (long cut : {10L, 70L, 200L}) {
        ASSERT_EQ(truncate(p("W.npy").c_str(), cut), 0);
        expect_rejected("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                        " --wfmt int --wbits 4 --out " + p("C.npy"), "W.npy");
    }
}

TEST_F(CliGemm, RejectsNonNpyAndMissingFiles)
{
    write_valid(2, 2, 4);
    std::ofstream(p("X.npy")) << "hello, this is not numpy\n";
    expect_rejected("gemm --act " + p("X.npy") + " --weight " + p("W.npy") +
                    " --wfmt int --wbits 4 --out " + p("C.npy"), "X.npy");
    expect_rejected("gemm --act " + p("nope.npy") + " --weight " + p("W.npy") +
                    " --wfmt int --wbits 4 --out " + p("C.npy"), "nope.npy");
}

TEST_F(CliGemm, RejectsUnwritableOutput)
{
    write_valid(2, 2, 4);
    CmdResult r = lutsim("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                   " --wfmt int --wbits 4 --out " + p("no/such/dir/C.npy"));
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("no/such/dir/C.npy"), std::string::npos) << r.err;
    expect_rejected("gemm --act " + p("A.npy") + " --weight " + p("W.npy") + " --wfmt int --wbits 4 --out " +
                    p("C.npy") + " --stats " + p("missing/S.json"), "missing/S.json");
}

TEST_F(CliGemm, FailedRunKeepsTheUsersExistingOutput)
{
    write_valid(2, 2, 4);
    std::ofstream(p("C.npy")) << "precious";
    std::vector<int8_t> w(8, 7);
    save("W.npy", NPY_INT8, {2, 4}, w.data());
    CmdResult r = lutsim("gemm --act " + p("A.npy") + " --weight " + p("W.npy") +
                   " --wfmt int --wbits 2 --out " + p("C.npy"));
    EXPECT_NE(r.status, 0);
    std::ifstream f(p("C.npy"));
    std::string s;
    f >> s;
    EXPECT_EQ(s, "precious");
}

TEST_F(CliGemm, RejectsBadUsage)
{
    write_valid(2, 2, 4);
    const std::string io = " --act " + p("A.npy") + " --weight " + p("W.npy") + " --out " + p("C.npy");
    EXPECT_EQ(lutsim("gemm" + io + " --wfmt int").status, 2);          // no --wbits
    EXPECT_EQ(lutsim("gemm" + io + " --wfmt float --wbits 4").status, 2);
    EXPECT_EQ(lutsim("gemm" + io + " --wfmt int --wbits 9").status, 2);
    EXPECT_EQ(lutsim("gemm" + io + " --wfmt ternary --wbits 3").status, 2);
    EXPECT_EQ(lutsim("gemm" + io + " --wfmt int --wbits 4 --tk 1").status, 2);
    EXPECT_EQ(lutsim("gemm" + io + " --wfmt int --wbits 4 --bogus").status, 2);
    EXPECT_EQ(lutsim("gemm --act " + p("A.npy")).status, 2);
    EXPECT_FALSE(exists("C.npy"));
}
