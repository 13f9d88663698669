// npy_cli.h - the fixture of the suites that drive `lutsim` on .npy files:
// a scratch folder, the command run in it (stdout kept in `out`), and
// .npy files written and read back.  A failed write or read is a test
// failure.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "npy.h"
#include "run_argv.h"

namespace testproc {

class NpyCli : public ::testing::Test {
protected:
    TmpDir t;
    std::string out; // stdout of the last lutsim call
    std::string p(const std::string &name) const { return t.p(name); }
    int lutsim(const std::string &args, std::string *err = nullptr)
    {
        const CliResult r = testproc::lutsim(t, args);
        if (err)
            *err = r.err;
        out = r.out;
        return r.status;
    }
    void save(const std::string &name, npy_dtype dt, std::vector<int64_t> shape, const void *data)
    {
        npy_array a;
        ASSERT_EQ(npy_alloc(&a, dt, (int)shape.size(), shape.data()), 0);
        std::memcpy(a.data, data, a.nbytes);
        char err[512];
        ASSERT_EQ(npy_write(p(name).c_str(), &a, err, sizeof err), 0) << err;
        npy_free(&a);
    }
    // A float32 .npy's values; m, n >= 0: its shape must be m x n.
    std::vector<float> load_f32(const std::string &name, int64_t m = -1, int64_t n = -1)
    {
        npy_array a;
        char err[512];
        if (npy_read(p(name).c_str(), &a, err, sizeof err) != 0) {
            ADD_FAILURE() << err;
            return {};
        }
        EXPECT_EQ(a.dtype, NPY_FLOAT32);
        if (m >= 0) {
            EXPECT_EQ(a.ndim, 2);
            EXPECT_EQ(a.shape[0], m);
            EXPECT_EQ(a.shape[1], n);
        }
        std::vector<float> v((const float *)a.data, (const float *)a.data + npy_count(&a));
        npy_free(&a);
        return v;
    }
};

} // namespace testproc
