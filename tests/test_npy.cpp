// test_npy.cpp - tests for sim/cli/npy.c: round trips, header layout, numpy
// interop (skipped without numpy), malformed inputs and atomic writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern "C" {
#include "printable.h"
}

#include "npy.h"
#include "run_argv.h"

namespace {

const npy_dtype kAllDtypes[] = {NPY_INT8,  NPY_UINT8,   NPY_INT16,   NPY_INT32,
                                NPY_INT64, NPY_FLOAT16, NPY_FLOAT32, NPY_FLOAT64};

std::string ReadFile(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string &path, const std::string &bytes)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), (std::streamsize)bytes.size());
    ASSERT_TRUE(f.good()) << path;
}

bool Exists(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

// A .npy file from a dict literal, padded the way numpy pads it.
std::string MakeNpy(const std::string &dict, const std::string &data, int major = 1)
{
    size_t pre = major == 1 ? 10 : 12;
    size_t total = (pre + dict.size() + 1 + 63) / 64 * 64;
    size_t hlen = total - pre;
    std::string s("\x93NUMPY", 6);
    s += (char)major;
    s += (char)0;
    s += (char)(hlen & 0xff);
    s += (char)((hlen >> 8) & 0xff);
    if (major != 1) {
        s += (char)((hlen >> 16) & 0xff);
        s += (char)((hlen >> 24) & 0xff);
    }
    s += dict;
    s += std::string(total - pre - dict.size() - 1, ' ');
    s += '\n';
    return s + data;
}

bool HaveNumpy()
{
    return testproc::run({"/usr/bin/python3", "-c", "import numpy"}) == 0;
}

class NpyTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/test_npy.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override
    {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::string P(const std::string &name) const { return dir_ + "/" + name; }

    // Files in the temp dir, for checking that no temporaries are left.
    std::vector<std::string> Listing() const
    {
        std::vector<std::string> names;
        for (const auto &e : std::filesystem::directory_iterator(dir_))
            names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    // Reads path expecting failure; checks the one-line "PATH: ..." form and
    // that the message contains keyword.
    void ExpectReadError(const std::string &path, const std::string &keyword)
    {
        npy_array a;
        char err[512];
        std::memset(err, 0, sizeof(err));
        EXPECT_EQ(npy_read(path.c_str(), &a, err, sizeof(err)), -1) << path;
        EXPECT_EQ(a.data, nullptr);
        std::string msg(err);
        EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
        EXPECT_NE(msg.find(keyword), std::string::npos)
            << "message '" << msg << "' lacks '" << keyword << "'";
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
        npy_free(&a);
    }

    int RunPython(const std::string &script)
    {
        std::string py = P("check.py");
        WriteFile(py, script);
        return testproc::run({"/usr/bin/python3", py, dir_}, "-", "-");
    }

    std::string dir_;
};

void FillPattern(npy_array *a)
{
    unsigned char *p = static_cast<unsigned char *>(a->data);
    for (size_t i = 0; i < a->nbytes; i++)
        p[i] = (unsigned char)(i * 37 + 11);
}

// ---------------------------------------------------------------------------
// basics

TEST(NpyBasics, DtypeSizesAndNames)
{
    EXPECT_EQ(npy_dtype_size(NPY_INT8), 1u);
    EXPECT_EQ(npy_dtype_size(NPY_UINT8), 1u);
    EXPECT_EQ(npy_dtype_size(NPY_INT16), 2u);
    EXPECT_EQ(npy_dtype_size(NPY_INT32), 4u);
    EXPECT_EQ(npy_dtype_size(NPY_INT64), 8u);
    EXPECT_EQ(npy_dtype_size(NPY_FLOAT16), 2u);
    EXPECT_EQ(npy_dtype_size(NPY_FLOAT32), 4u);
    EXPECT_EQ(npy_dtype_size(NPY_FLOAT64), 8u);
    EXPECT_STREQ(npy_dtype_name(NPY_INT8), "int8");
    EXPECT_STREQ(npy_dtype_name(NPY_UINT8), "uint8");
    EXPECT_STREQ(npy_dtype_name(NPY_INT32), "int32");
    EXPECT_STREQ(npy_dtype_name(NPY_FLOAT16), "float16");
    EXPECT_STREQ(npy_dtype_name(NPY_FLOAT64), "float64");
}

TEST(NpyBasics, AllocCountFree)
{
    npy_array a;
    const int64_t shape[] = {3, 4, 5};
    ASSERT_EQ(npy_alloc(&a, NPY_INT16, 3, shape), 0);
    EXPECT_EQ(npy_count(&a), 60);
    EXPECT_EQ(a.nbytes, 120u);
    ASSERT_NE(a.data, nullptr);
    for (size_t i = 0; i < a.nbytes; i++)
        EXPECT_EQ(static_cast<unsigned char *>(a.data)[i], 0);
    npy_free(&a);
    EXPECT_EQ(a.data, nullptr);

    ASSERT_EQ(npy_alloc(&a, NPY_INT32, 0, nullptr), 0);
    EXPECT_EQ(npy_count(&a), 1);
    EXPECT_EQ(a.nbytes, 4u);
    npy_free(&a);

    const int64_t empty[] = {0, 5};
    ASSERT_EQ(npy_alloc(&a, NPY_FLOAT32, 2, empty), 0);
    EXPECT_EQ(npy_count(&a), 0);
    EXPECT_EQ(a.nbytes, 0u);
    npy_free(&a);

    const int64_t neg[] = {-1, 4};
    EXPECT_EQ(npy_alloc(&a, NPY_INT8, 2, neg), -1);
    const int64_t negneg[] = {-2, -3};
    EXPECT_EQ(npy_alloc(&a, NPY_INT8, 2, negneg), -1);
    npy_array c{};
    c.ndim = 2;
    c.shape[0] = -2;
    c.shape[1] = -3;
    EXPECT_EQ(npy_count(&c), -1);
    const int64_t huge[] = {INT64_MAX, 2};
    EXPECT_EQ(npy_alloc(&a, NPY_INT8, 2, huge), -1);
    const int64_t nine[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    EXPECT_EQ(npy_alloc(&a, NPY_INT8, 9, nine), -1);
}

// ---------------------------------------------------------------------------
// round trips and header layout

TEST_F(NpyTest, RoundTripEveryDtypeAndShape)
{
    const std::vector<std::vector<int64_t>> shapes = {
        {}, {5}, {3, 4}, {2, 3, 4}, {0, 5}, {4, 0}, {1}, {2, 1, 2, 1, 2, 1, 2, 1}};
    for (npy_dtype d : kAllDtypes) {
        for (const auto &shape : shapes) {
            SCOPED_TRACE(std::string(npy_dtype_name(d)) + " ndim " +
                         std::to_string(shape.size()));
            npy_array a, b;
            ASSERT_EQ(npy_alloc(&a, d, (int)shape.size(), shape.data()), 0);
            FillPattern(&a);
            std::string path = P("rt.npy");
            char err[256] = "";
            ASSERT_EQ(npy_write(path.c_str(), &a, err, sizeof(err)), 0) << err;
            ASSERT_EQ(npy_read(path.c_str(), &b, err, sizeof(err)), 0) << err;
            EXPECT_EQ(b.dtype, d);
            ASSERT_EQ(b.ndim, (int)shape.size());
            for (size_t i = 0; i < shape.size(); i++)
                EXPECT_EQ(b.shape[i], shape[i]);
            ASSERT_EQ(b.nbytes, a.nbytes);
            EXPECT_EQ(std::memcmp(a.data, b.data, a.nbytes), 0);
            npy_free(&a);
            npy_free(&b);
        }
    }
    EXPECT_EQ(Listing(), std::vector<std::string>{"rt.npy"});
}

TEST_F(NpyTest, HeaderIsVersion1AndAligned)
{
    struct Case {
        npy_dtype d;
        std::vector<int64_t> shape;
        std::string descr, shape_text;
    };
    const Case cases[] = {
        {NPY_INT32, {3, 4}, "'descr': '<i4'", "'shape': (3, 4)"},
        {NPY_INT8, {5}, "'descr': '|i1'", "'shape': (5,)"},
        {NPY_FLOAT64, {}, "'descr': '<f8'", "'shape': ()"},
        {NPY_UINT8, {0, 5}, "'descr': '|u1'", "'shape': (0, 5)"},
        {NPY_FLOAT16, {2, 3, 4}, "'descr': '<f2'", "'shape': (2, 3, 4)"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.shape_text);
        npy_array a;
        ASSERT_EQ(npy_alloc(&a, c.d, (int)c.shape.size(), c.shape.data()), 0);
        std::string path = P("h.npy");
        char err[256] = "";
        ASSERT_EQ(npy_write(path.c_str(), &a, err, sizeof(err)), 0) << err;
        std::string s = ReadFile(path);
        ASSERT_GE(s.size(), 10u);
        EXPECT_EQ(s.substr(0, 6), std::string("\x93NUMPY", 6));
        EXPECT_EQ(s[6], 1);
        EXPECT_EQ(s[7], 0);
        size_t hlen = (unsigned char)s[8] | (size_t)(unsigned char)s[9] << 8;
        EXPECT_EQ((10 + hlen) % 64, 0u);
        ASSERT_EQ(s.size(), 10 + hlen + a.nbytes);
        std::string header = s.substr(10, hlen);
        EXPECT_EQ(header.back(), '\n');
        EXPECT_EQ(header.front(), '{');
        EXPECT_NE(header.find(c.descr), std::string::npos) << header;
        EXPECT_NE(header.find(c.shape_text), std::string::npos) << header;
        EXPECT_NE(header.find("'fortran_order': False"), std::string::npos) << header;
        npy_free(&a);
    }
}

TEST_F(NpyTest, FileModeFollowsUmask)
{
    mode_t old = umask(022);
    npy_array a;
    const int64_t shape[] = {2};
    ASSERT_EQ(npy_alloc(&a, NPY_INT8, 1, shape), 0);
    std::string path = P("m.npy");
    char err[256] = "";
    int rc = npy_write(path.c_str(), &a, err, sizeof(err));
    umask(old);
    ASSERT_EQ(rc, 0) << err;
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
    npy_free(&a);
}

// ---------------------------------------------------------------------------
// reading hand-made headers

TEST_F(NpyTest, ReadsVersion2And3AndLooseHeaders)
{
    std::string data;
    for (int i = 0; i < 6; i++) {
        int32_t v = i * 100 - 250;
        data.append(reinterpret_cast<const char *>(&v), 4);
    }
    struct Case {
        std::string dict;
        int major;
    };
    const Case cases[] = {
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 1},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 2},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 3},
        {"{'shape': (2, 3), 'fortran_order': False, 'descr': '<i4'}", 1},
        {"{ \"descr\" : \"<i4\" ,\n 'fortran_order':False,'shape':(2,3,),}", 1},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (2L, 3L), }", 1},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.dict + " v" + std::to_string(c.major));
        std::string path = P("v.npy");
        WriteFile(path, MakeNpy(c.dict, data, c.major));
        npy_array a;
        char err[256] = "";
        ASSERT_EQ(npy_read(path.c_str(), &a, err, sizeof(err)), 0) << err;
        EXPECT_EQ(a.dtype, NPY_INT32);
        ASSERT_EQ(a.ndim, 2);
        EXPECT_EQ(a.shape[0], 2);
        EXPECT_EQ(a.shape[1], 3);
        ASSERT_EQ(a.nbytes, 24u);
        EXPECT_EQ(static_cast<int32_t *>(a.data)[5], 250);
        npy_free(&a);
    }

    // '<i1', 'i1' and '|u1' spellings of the byte types.
    const std::pair<std::string, npy_dtype> bytes[] = {
        {"<i1", NPY_INT8}, {"i1", NPY_INT8}, {"|u1", NPY_UINT8}, {"<u1", NPY_UINT8}};
    for (const auto &b : bytes) {
        std::string path = P("b.npy");
        WriteFile(path, MakeNpy("{'descr': '" + b.first +
                                    "', 'fortran_order': False, 'shape': (3,), }",
                                "abc"));
        npy_array a;
        char err[256] = "";
        ASSERT_EQ(npy_read(path.c_str(), &a, err, sizeof(err)), 0) << err;
        EXPECT_EQ(a.dtype, b.second) << b.first;
        npy_free(&a);
    }
}

// ---------------------------------------------------------------------------
// malformed input

TEST_F(NpyTest, RejectsBadMagic)
{
    std::string good = MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                               std::string(8, '\0'));
    std::string bad = good;
    bad[1] = 'X';
    WriteFile(P("a.npy"), bad);
    ExpectReadError(P("a.npy"), "bad magic");
    WriteFile(P("empty.npy"), "");
    ExpectReadError(P("empty.npy"), "bad magic");
    WriteFile(P("text.npy"), "hello world, this is not numpy\n");
    ExpectReadError(P("text.npy"), "bad magic");
}

TEST_F(NpyTest, RejectsTruncatedHeader)
{
    std::string good = MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                               std::string(8, '\0'));
    for (size_t cut : {7u, 8u, 9u, 10u, 30u, 63u}) {
        SCOPED_TRACE(cut);
        WriteFile(P("h.npy"), good.substr(0, cut));
        ExpectReadError(P("h.npy"), "truncated header");
    }
    // Header length field far beyond the end of the file.
    std::string big = good;
    big[8] = (char)0x60;
    big[9] = (char)0xea;
    WriteFile(P("big.npy"), big);
    ExpectReadError(P("big.npy"), "truncated header");
    // Version 2.0 with a 4 GiB header length.
    std::string v2 = MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                             std::string(8, '\0'), 2);
    v2[11] = (char)0xff;
    WriteFile(P("v2.npy"), v2);
    ExpectReadError(P("v2.npy"), "truncated header");
}

TEST_F(NpyTest, RejectsTruncatedData)
{
    npy_array a;
    const int64_t shape[] = {3, 4};
    ASSERT_EQ(npy_alloc(&a, NPY_INT32, 2, shape), 0);
    char err[256] = "";
    ASSERT_EQ(npy_write(P("full.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);
    std::string s = ReadFile(P("full.npy"));
    // numpy, and we, put this header in 128 bytes: 10 + 60 + '\n' > 64.
    ASSERT_EQ(s.size(), 128u + 48u);
    for (size_t keep : {0u, 1u, 20u, 47u}) {
        SCOPED_TRACE(keep);
        WriteFile(P("a.npy"), s.substr(0, 128 + keep));
        ExpectReadError(P("a.npy"), "truncated: header says 3x4 int32 (48 bytes of data) "
                                    "but only " +
                                        std::to_string(keep) + " bytes follow");
    }
}

TEST_F(NpyTest, RejectsTrailingData)
{
    std::string s = MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                            std::string(8 + 4, '\0'));
    WriteFile(P("a.npy"), s);
    ExpectReadError(P("a.npy"), "4 bytes of trailing data after the array");
}

TEST_F(NpyTest, RejectsFortranOrderAndBigEndian)
{
    WriteFile(P("f.npy"),
              MakeNpy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2), }",
                      std::string(16, '\0')));
    ExpectReadError(P("f.npy"), "fortran_order");
    WriteFile(P("be.npy"),
              MakeNpy("{'descr': '>i4', 'fortran_order': False, 'shape': (2, 2), }",
                      std::string(16, '\0')));
    ExpectReadError(P("be.npy"), "big-endian");
    WriteFile(P("bef.npy"),
              MakeNpy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }",
                      std::string(8, '\0')));
    ExpectReadError(P("bef.npy"), "big-endian");
}

TEST_F(NpyTest, RejectsUnsupportedDtypes)
{
    for (const char *descr : {"<c8", "|b1", "<u4", "<f16", "|S3", "<U2", "|O", "|i4", "<M8[ns]"}) {
        SCOPED_TRACE(descr);
        WriteFile(P("d.npy"), MakeNpy(std::string("{'descr': '") + descr +
                                          "', 'fortran_order': False, 'shape': (1,), }",
                                      std::string(16, '\0')));
        ExpectReadError(P("d.npy"), std::string("unsupported dtype '") + descr + "'");
    }
    WriteFile(P("s.npy"),
              MakeNpy("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }",
                      std::string(4, '\0')));
    ExpectReadError(P("s.npy"), "unsupported dtype");
}

TEST_F(NpyTest, RejectsBadShapesAndHeaders)
{
    struct Case {
        std::string dict, keyword;
    };
    const Case cases[] = {
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (-1, 4), }", "negative"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (9223372036854775807, 2), }",
         "too large"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
         "too large"},
        {"{'descr': '|i1', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
         "too large"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }",
         "9 dimensions"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (1), }", "tuple"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': [1], }", "tuple"},
        {"{'descr': '<i4', 'fortran_order': False, }", "missing key 'shape'"},
        {"{'descr': '<i4', 'shape': (1,), }", "missing key 'fortran_order'"},
        {"{'fortran_order': False, 'shape': (1,), }", "missing key 'descr'"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (1,), 'x': 1}", "unexpected key"},
        {"{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (1,)}",
         "duplicate"},
        {"{'descr': '<i4', 'fortran_order': 0, 'shape': (1,), }", "True or False"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (1,) ", "malformed header"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (1,), } junk", "malformed header"},
        {"'descr': '<i4'", "malformed header"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.dict);
        WriteFile(P("s.npy"), MakeNpy(c.dict, std::string(4, '\0')));
        ExpectReadError(P("s.npy"), c.keyword);
    }

    // Unknown format version.
    std::string v = MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }",
                            std::string(4, '\0'));
    v[6] = 4;
    WriteFile(P("v.npy"), v);
    ExpectReadError(P("v.npy"), "version 4.0");
}

// A header's text quoted in an error cannot break the line or carry a
// terminal escape sequence once printed: the reader quotes it as it is and
// printable() (what cli_error prints) spells the control characters out.
TEST_F(NpyTest, ControlCharactersInHeaderAreEscaped)
{
    WriteFile(P("c.npy"), MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), "
                                  "'x\x1b[2J\ry': 1}",
                                  std::string(4, '\0')));
    npy_array a;
    char err[512], shown[2048];
    EXPECT_NE(npy_read(P("c.npy").c_str(), &a, err, sizeof err), 0);
    printable(err, shown, sizeof shown);
    EXPECT_NE(std::string(shown).find("unexpected key 'x\\x1B[2J\\ry'"), std::string::npos) << shown;
    for (const char *c = shown; *c; c++)
        EXPECT_GE((unsigned char)*c, 0x20) << shown;
}

TEST_F(NpyTest, RejectsMissingFileAndDirectory)
{
    ExpectReadError(P("missing.npy"), "cannot open: No such file or directory");
    ExpectReadError(dir_, "Is a directory");
}

TEST_F(NpyTest, ErrorBufferIsTruncatedSafely)
{
    npy_array a;
    char err[8];
    std::memset(err, 'Z', sizeof(err));
    EXPECT_EQ(npy_read(P("missing.npy").c_str(), &a, err, sizeof(err)), -1);
    EXPECT_EQ(err[7], '\0');
    EXPECT_EQ(npy_read(P("missing.npy").c_str(), &a, nullptr, 0), -1);
}

// ---------------------------------------------------------------------------
// writing

TEST_F(NpyTest, WriteToMissingDirectoryFailsCleanly)
{
    npy_array a;
    const int64_t shape[] = {2, 2};
    ASSERT_EQ(npy_alloc(&a, NPY_INT32, 2, shape), 0);
    std::string path = P("nodir/c.npy");
    char err[256] = "";
    EXPECT_EQ(npy_write(path.c_str(), &a, err, sizeof(err)), -1);
    EXPECT_EQ(std::string(err), path + ": cannot create: No such file or directory");
    EXPECT_FALSE(Exists(path));
    EXPECT_TRUE(Listing().empty());
    npy_free(&a);
}

TEST_F(NpyTest, WriteOntoDirectoryFailsAndLeavesNoTemp)
{
    ASSERT_EQ(mkdir(P("sub").c_str(), 0755), 0);
    npy_array a;
    const int64_t shape[] = {2};
    ASSERT_EQ(npy_alloc(&a, NPY_INT8, 1, shape), 0);
    char err[256] = "";
    EXPECT_EQ(npy_write(P("sub").c_str(), &a, err, sizeof(err)), -1);
    EXPECT_EQ(std::string(err).rfind(P("sub") + ": ", 0), 0u) << err;
    EXPECT_EQ(Listing(), std::vector<std::string>{"sub"});
    npy_free(&a);
}

TEST_F(NpyTest, WriteReplacesExistingFile)
{
    std::string path = P("c.npy");
    WriteFile(path, std::string(5000, 'x'));
    npy_array a, b;
    const int64_t shape[] = {3};
    ASSERT_EQ(npy_alloc(&a, NPY_INT16, 1, shape), 0);
    static_cast<int16_t *>(a.data)[0] = -7;
    static_cast<int16_t *>(a.data)[2] = 300;
    char err[256] = "";
    ASSERT_EQ(npy_write(path.c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(ReadFile(path).size(), 128u + 6u);
    ASSERT_EQ(npy_read(path.c_str(), &b, err, sizeof(err)), 0) << err;
    EXPECT_EQ(static_cast<int16_t *>(b.data)[0], -7);
    EXPECT_EQ(static_cast<int16_t *>(b.data)[2], 300);
    EXPECT_EQ(Listing(), std::vector<std::string>{"c.npy"});
    npy_free(&a);
    npy_free(&b);
}

TEST_F(NpyTest, WriteRejectsInconsistentArray)
{
    npy_array a;
    const int64_t shape[] = {3};
    ASSERT_EQ(npy_alloc(&a, NPY_INT32, 1, shape), 0);
    char err[256] = "";
    a.nbytes = 8;
    EXPECT_EQ(npy_write(P("x.npy").c_str(), &a, err, sizeof(err)), -1);
    EXPECT_NE(std::string(err).find(P("x.npy")), std::string::npos);
    a.nbytes = 12;
    a.shape[0] = -3;
    EXPECT_EQ(npy_write(P("x.npy").c_str(), &a, err, sizeof(err)), -1);
    a.shape[0] = 3;
    a.ndim = NPY_MAX_DIMS + 1;
    EXPECT_EQ(npy_write(P("x.npy").c_str(), &a, err, sizeof(err)), -1);
    EXPECT_TRUE(Listing().empty());
    npy_free(&a);
}

// ---------------------------------------------------------------------------
// numpy interop

TEST_F(NpyTest, ReadsFilesWrittenByNumpy)
{
    if (!HaveNumpy())
        GTEST_SKIP() << "numpy not available for /usr/bin/python3";
    const char *script = R"PY(
import sys, numpy as np
d = sys.argv[1]
np.save(d + '/i8.npy', (np.arange(24) - 12).astype(np.int8).reshape(4, 6))
np.save(d + '/u8.npy', np.arange(250, 256, dtype=np.uint8))
np.save(d + '/i16.npy', (np.arange(10, dtype=np.int16) * -3001))
np.save(d + '/i32.npy', (np.arange(-5, 7, dtype=np.int32) * 1000003).reshape(3, 4))
np.save(d + '/i64.npy', np.arange(4, dtype=np.int64) * 10**15 - 7)
np.save(d + '/f16.npy', np.arange(6, dtype=np.float16) / 4)
np.save(d + '/f32.npy', (np.arange(24, dtype=np.float32) / 4 - 1).reshape(2, 3, 4))
np.save(d + '/f64.npy', np.float64(-2.5))
np.save(d + '/empty.npy', np.zeros((0, 5), dtype=np.int32))
np.save(d + '/fortran.npy', np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)))
np.save(d + '/big.npy', np.arange(4, dtype='>i4'))
np.save(d + '/complex.npy', np.zeros(3, dtype=np.complex64))
np.save(d + '/bool.npy', np.zeros(3, dtype=np.bool_))
)PY";
    ASSERT_EQ(RunPython(script), 0);

    char err[256] = "";
    npy_array a;

    ASSERT_EQ(npy_read(P("i8.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(a.dtype, NPY_INT8);
    ASSERT_EQ(a.ndim, 2);
    EXPECT_EQ(a.shape[0], 4);
    EXPECT_EQ(a.shape[1], 6);
    for (int i = 0; i < 24; i++)
        EXPECT_EQ(static_cast<int8_t *>(a.data)[i], i - 12);
    npy_free(&a);

    ASSERT_EQ(npy_read(P("u8.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(a.dtype, NPY_UINT8);
    ASSERT_EQ(a.nbytes, 6u);
    for (int i = 0; i < 6; i++)
        EXPECT_EQ(static_cast<uint8_t *>(a.data)[i], 250 + i);
    npy_free(&a);

    ASSERT_EQ(npy_read(P("i16.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(a.dtype, NPY_INT16);
    ASSERT_EQ(npy_count(&a), 10);
    for (int i = 0; i < 10; i++)
        EXPECT_EQ(static_cast<int16_t *>(a.data)[i], (int16_t)(i * -3001));
    npy_free(&a);

    ASSERT_EQ(npy_read(P("i32.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(a.dtype, NPY_INT32);
    ASSERT_EQ(a.ndim, 2);
    EXPECT_EQ(a.shape[0], 3);
    EXPECT_EQ(a.shape[1], 4);
    for (int i = 0; i < 12; i++)
        EXPECT_EQ(static_cast<int32_t *>(a.data)[i], (i - 5) * 1000003);
    npy_free(&a);

    ASSERT_EQ(npy_read(P("i64.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(a.dtype, NPY_INT64);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(static_cast<int64_t *>(a.data)[i], i * 1000000000000000LL - 7);
    npy_free(&a);

    // float16 raw bits: 0, 0.25, 0.5, 0.75, 1.0, 1.25.
    ASSERT_EQ(npy_read(P("f16.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(a.dtype, NPY_FLOAT16);
    const uint16_t halves[] = {0x0000, 0x3400, 0x3800, 0x3a00, 0x3c00, 0x3d00};
    for (int i = 0; i < 6; i++)
        EXPECT_EQ(static_cast<uint16_t *>(a.data)[i], halves[i]);
    npy_free(&a);

    ASSERT_EQ(npy_read(P("f32.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(a.dtype, NPY_FLOAT32);
    ASSERT_EQ(a.ndim, 3);
    EXPECT_EQ(a.shape[2], 4);
    for (int i = 0; i < 24; i++)
        EXPECT_EQ(static_cast<float *>(a.data)[i], i / 4.0f - 1.0f);
    npy_free(&a);

    ASSERT_EQ(npy_read(P("f64.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(a.dtype, NPY_FLOAT64);
    EXPECT_EQ(a.ndim, 0);
    EXPECT_EQ(*static_cast<double *>(a.data), -2.5);
    npy_free(&a);

    ASSERT_EQ(npy_read(P("empty.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    EXPECT_EQ(a.ndim, 2);
    EXPECT_EQ(a.shape[0], 0);
    EXPECT_EQ(a.shape[1], 5);
    EXPECT_EQ(a.nbytes, 0u);
    npy_free(&a);

    ExpectReadError(P("fortran.npy"), "fortran_order");
    ExpectReadError(P("big.npy"), "big-endian");
    ExpectReadError(P("complex.npy"), "unsupported dtype '<c8'");
    ExpectReadError(P("bool.npy"), "unsupported dtype '|b1'");
}

TEST_F(NpyTest, NumpyReadsFilesWeWrite)
{
    if (!HaveNumpy())
        GTEST_SKIP() << "numpy not available for /usr/bin/python3";
    char err[256] = "";
    npy_array a;

    const int64_t s_i8[] = {4, 6};
    ASSERT_EQ(npy_alloc(&a, NPY_INT8, 2, s_i8), 0);
    for (int i = 0; i < 24; i++)
        static_cast<int8_t *>(a.data)[i] = (int8_t)(i * 11 - 128);
    ASSERT_EQ(npy_write(P("i8.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);

    const int64_t s_u8[] = {5};
    ASSERT_EQ(npy_alloc(&a, NPY_UINT8, 1, s_u8), 0);
    for (int i = 0; i < 5; i++)
        static_cast<uint8_t *>(a.data)[i] = (uint8_t)(255 - i);
    ASSERT_EQ(npy_write(P("u8.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);

    const int64_t s_i16[] = {2, 2};
    ASSERT_EQ(npy_alloc(&a, NPY_INT16, 2, s_i16), 0);
    for (int i = 0; i < 4; i++)
        static_cast<int16_t *>(a.data)[i] = (int16_t)(i * 10000 - 32768);
    ASSERT_EQ(npy_write(P("i16.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);

    const int64_t s_i32[] = {3, 4};
    ASSERT_EQ(npy_alloc(&a, NPY_INT32, 2, s_i32), 0);
    for (int i = 0; i < 12; i++)
        static_cast<int32_t *>(a.data)[i] = (i - 5) * 1000003;
    ASSERT_EQ(npy_write(P("i32.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);

    const int64_t s_i64[] = {2, 1, 2};
    ASSERT_EQ(npy_alloc(&a, NPY_INT64, 3, s_i64), 0);
    for (int i = 0; i < 4; i++)
        static_cast<int64_t *>(a.data)[i] = (int64_t)i * 1000000000000LL - 1;
    ASSERT_EQ(npy_write(P("i64.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);

    const int64_t s_f16[] = {3};
    ASSERT_EQ(npy_alloc(&a, NPY_FLOAT16, 1, s_f16), 0);
    const uint16_t halves[] = {0x3c00, 0xc000, 0x3800}; // 1.0, -2.0, 0.5
    std::memcpy(a.data, halves, sizeof(halves));
    ASSERT_EQ(npy_write(P("f16.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);

    const int64_t s_f32[] = {2, 3, 4};
    ASSERT_EQ(npy_alloc(&a, NPY_FLOAT32, 3, s_f32), 0);
    for (int i = 0; i < 24; i++)
        static_cast<float *>(a.data)[i] = i * 0.5f - 3.0f;
    ASSERT_EQ(npy_write(P("f32.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);

    ASSERT_EQ(npy_alloc(&a, NPY_FLOAT64, 0, nullptr), 0);
    *static_cast<double *>(a.data) = 3.125;
    ASSERT_EQ(npy_write(P("f64.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);

    const int64_t s_empty[] = {0, 5};
    ASSERT_EQ(npy_alloc(&a, NPY_INT32, 2, s_empty), 0);
    ASSERT_EQ(npy_write(P("empty.npy").c_str(), &a, err, sizeof(err)), 0) << err;
    npy_free(&a);

    const char *script = R"PY(
import sys, numpy as np
d = sys.argv[1]
def check(name, expect):
    got = np.load(d + '/' + name, allow_pickle=False)
    ok = (got.dtype == expect.dtype and got.shape == expect.shape
          and got.flags['C_CONTIGUOUS'] and np.array_equal(got, expect))
    if not ok:
        print('MISMATCH', name, got.dtype, got.shape, got, 'expected',
              expect.dtype, expect.shape, expect)
        sys.exit(1)
check('i8.npy', (np.arange(24) * 11 - 128).astype(np.int8).reshape(4, 6))
check('u8.npy', (255 - np.arange(5)).astype(np.uint8))
check('i16.npy', (np.arange(4) * 10000 - 32768).astype(np.int16).reshape(2, 2))
check('i32.npy', ((np.arange(12) - 5) * 1000003).astype(np.int32).reshape(3, 4))
check('i64.npy', (np.arange(4, dtype=np.int64) * 10**12 - 1).reshape(2, 1, 2))
check('f16.npy', np.array([1.0, -2.0, 0.5], dtype=np.float16))
check('f32.npy', (np.arange(24, dtype=np.float32) * 0.5 - 3).reshape(2, 3, 4))
check('f64.npy', np.array(3.125))
check('empty.npy', np.zeros((0, 5), dtype=np.int32))
)PY";
    EXPECT_EQ(RunPython(script), 0);
}

} // namespace
