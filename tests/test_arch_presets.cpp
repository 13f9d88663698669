// The realistic architecture presets of workloads/arch/ (DDR4 edge, LPDDR5
// mobile, HBM datacenter): each is documented, loads, and runs `gemm` (a
// functional GEMM checked against the reference) and `run`.
#include <gtest/gtest.h>

#include <jansson.h>

#include <string>

#include "arch.h"
#include "arch_json.h"
#include "run_argv.h"

using namespace testproc;

namespace {
const char *const kPresets[] = {"ddr4-edge", "lpddr5-mobile", "hbm-datacenter"};
const char *const kModels[] = {"ddr4-3200", "lpddr5-6400", "hbm3"};

std::string path_of(const std::string &name)
{
    return std::string(SRC_DIR) + "/workloads/arch/" + name + ".json";
}
} // namespace

TEST(ArchPresets, DocumentedAndRealistic)
{
    const std::string readme = slurp(std::string(SRC_DIR) + "/README.md");
    for (int i = 0; i < 3; i++) {
        json_error_t je;
        json_t *j = json_load_file(path_of(kPresets[i]).c_str(), 0, &je);
        ASSERT_TRUE(j) << kPresets[i] << ": " << je.text;
        const char *desc = json_string_value(json_object_get(j, "description"));
        ASSERT_TRUE(desc) << kPresets[i];
        EXPECT_GT(std::string(desc).size(), 80u) << kPresets[i];
        json_decref(j);
        EXPECT_NE(readme.find(std::string("`") + kPresets[i] + ".json`"), std::string::npos)
            << kPresets[i] << " has no README paragraph";
        arch_t a;
        char err[512];
        ASSERT_EQ(arch_from_json_file(path_of(kPresets[i]).c_str(), &a, err, sizeof err), 0) << err;
        EXPECT_STREQ(a.dram_model, kModels[i]);
        EXPECT_GT(a.dma_max_outstanding, 0) << kPresets[i];
        EXPECT_GT(a.ibuf_entries, 0) << kPresets[i];
        // The window covers the bandwidth-latency product of the device
        // alone (Little's law: O x B >= bytes per cycle x latency).
        EXPECT_GE((double)a.dma_max_outstanding * a.dram_burst,
                  arch_dram_bytes_per_cycle(&a) * a.dram_latency) << kPresets[i];
    }
}

TEST(ArchPresets, GemmAndRunWork)
{
    for (const char *p : kPresets) {
        std::string out = ::testing::TempDir() + "/preset_out.txt";
        EXPECT_EQ(lutsim("gemm --random 3x256x384 --wfmt int --wbits 2 --quiet --arch " + path_of(p),
                         out, out), 0) << p << ": " << slurp(out);
        EXPECT_NE(slurp(out).find("result check: exact"), std::string::npos) << p << ": " << slurp(out);
        EXPECT_EQ(lutsim("run --model tiny --quant W2A8 --quiet --arch " + path_of(p), out, out), 0)
            << p << ": " << slurp(out);
    }
}
