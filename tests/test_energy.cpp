// The energy table: the embedded default, node scaling, SRAM interpolation
// and the parser's errors.
#include <gtest/gtest.h>

#include <jansson.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "arch.h"
#include "energy.h"
#include "energy_json.h"
#include "engine_setup.h"
#include "area_json.h"

namespace {

const std::string kDefaultPath = std::string(SRC_DIR) + "/workloads/energy/default.json";

std::string slurp(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

energy_table default_table()
{
    energy_table t;
    char err[512];
    EXPECT_EQ(energy_table_default(&t, err, sizeof err), 0) << err;
    return t;
}

// Applies edit to the default file's JSON and parses the result as "e.json".
template <class F> std::string table_error(F edit)
{
    json_t *doc = json_load_file(kDefaultPath.c_str(), 0, nullptr);
    EXPECT_NE(doc, nullptr);
    edit(doc);
    energy_table t;
    char err[512] = "";
    int rc = energy_table_from_json(doc, "e.json", &t, err, sizeof err);
    json_decref(doc);
    return rc == 0 ? "(accepted)" : err;
}

json_t *entry(json_t *doc, const char *key) { return json_object_get(json_object_get(doc, "entries"), key); }

} // namespace

TEST(Energy, EmbeddedTableIsTheFileAndParses)
{
    EXPECT_EQ(std::string(energy_default_text()), slurp(kDefaultPath));
    energy_table t = default_table();
    EXPECT_EQ(t.target_node_nm, 28);
    EXPECT_EQ(t.sram_points, 3);
    energy_table f;
    char err[512];
    ASSERT_EQ(energy_table_from_json_file(kDefaultPath.c_str(), &f, err, sizeof err), 0) << err;
    EXPECT_EQ(f.dram_byte.value, t.dram_byte.value);
}

TEST(Energy, EveryEntryHasASourceUnitAndNode)
{
    json_t *doc = json_load_file(kDefaultPath.c_str(), 0, nullptr);
    ASSERT_NE(doc, nullptr);
    const char *key;
    json_t *e;
    int n = 0;
    json_object_foreach(json_object_get(doc, "entries"), key, e) {
        json_t *pts = json_object_get(e, "points");
        auto check = [&](json_t *x) {
            const char *src = json_string_value(json_object_get(x, "source"));
            ASSERT_NE(src, nullptr) << key;
            EXPECT_GT(strlen(src), 10u) << key;
            EXPECT_NE(json_string_value(json_object_get(x, "unit")), nullptr) << key;
            if (strcmp(key, "sram_write_ratio") != 0) {
                EXPECT_TRUE(json_is_integer(json_object_get(x, "node_nm"))) << key;
            }
            n++;
        };
        if (pts) {
            size_t i;
            json_t *p;
            json_array_foreach(pts, i, p) check(p);
        } else {
            check(e);
        }
    }
    EXPECT_EQ(n, 25); // 9 entries and 3 SRAM points, then table_broadcast, lookup_shift, acc_register,
                    // the float datapath's fp32_add and fp32_mul, then the mma arrays'
                    // mac_int8, mac_fp16, systolic_pe, mac_dequant, and bitserial_pe, _fp16,
                    // _ant, _olive
    json_decref(doc);
}

TEST(Energy, LinearNodeScaling)
{
    EXPECT_DOUBLE_EQ(energy_scale(10.0, 45, 28), 10.0 * 28 / 45);
    energy_entry e = {1.0, 45, 1};
    EXPECT_DOUBLE_EQ(energy_entry_at(&e, 45), 1.0);
    EXPECT_DOUBLE_EQ(energy_entry_at(&e, 90), 2.0);
    e.scales_with_node = 0;
    EXPECT_DOUBLE_EQ(energy_entry_at(&e, 90), 1.0);
}

TEST(Energy, SramInterpolationHitsHorowitzPointsAndIsMonotone)
{
    energy_table t = default_table();
    const double s = 28.0 / 45.0; // Horowitz figures are 45 nm; target 28 nm
    // 64-bit reads: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ -> per byte / 8.
    EXPECT_NEAR(energy_sram_read_pj_per_byte(&t, 8), 10.0 / 8 * s, 1e-12);
    EXPECT_NEAR(energy_sram_read_pj_per_byte(&t, 32), 20.0 / 8 * s, 1e-12);
    EXPECT_NEAR(energy_sram_read_pj_per_byte(&t, 1024), 100.0 / 8 * s, 1e-12);
    // Log-log: halfway in log capacity is the geometric mean of the energies.
    EXPECT_NEAR(energy_sram_read_pj_per_byte(&t, 16), std::sqrt(10.0 * 20.0) / 8 * s, 1e-12);
    double prev = 0;
    for (double kib = 0.5; kib <= 16384; kib *= 1.25) {
        double e = energy_sram_read_pj_per_byte(&t, kib);
        EXPECT_GT(e, prev) << kib;
        EXPECT_TRUE(std::isfinite(e));
        prev = e;
    }
}

TEST(Energy, ModelForTheDefaultArch)
{
    energy_table t = default_table();
    arch_t a;
    arch_ideal(&a);
    energy_model m;
    char err[512];
    ASSERT_EQ(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0) << err;
    const double s = 28.0 / 45.0;
    EXPECT_EQ(m.node_nm, 28);
    EXPECT_DOUBLE_EQ(m.dram_pj_per_byte, 1200.0 / 8); // 28 nm figure, not scaled
    EXPECT_DOUBLE_EQ(m.precompute_add_pj, 0.05 * s);
    EXPECT_DOUBLE_EQ(m.table_read_pj, 0.05 * s);
    EXPECT_DOUBLE_EQ(m.accum_add_pj, 0.1 * s);
    EXPECT_DOUBLE_EQ(m.dequant_mul_pj, 1.1 * s);
    EXPECT_DOUBLE_EQ(m.vector_op_pj, 1.5 * s);
    for (int b = 0; b < BUF_COUNT; b++) {
        EXPECT_DOUBLE_EQ(m.buf_read_pj_per_byte[b],
                         energy_sram_read_pj_per_byte(&t, a.buf[b].kib)) << b;
        EXPECT_DOUBLE_EQ(m.buf_write_pj_per_byte[b], m.buf_read_pj_per_byte[b] * t.sram_write_ratio);
    }
    // Bigger buffer, dearer byte: weight (512 KiB) > act (256) > table (16).
    EXPECT_GT(m.buf_read_pj_per_byte[BUF_WGT], m.buf_read_pj_per_byte[BUF_ACT]);
    EXPECT_GT(m.buf_read_pj_per_byte[BUF_ACT], m.buf_read_pj_per_byte[BUF_TBL]);
    // Leakage: 1040 KiB x 2 uW + the logic's mm^2 x 2000 uW, at 1 GHz.
    area_report r;
    ASSERT_EQ(area_of_arch(&a, &r, err, sizeof err), 0) << err;
    const double logic = r.part_mm2[AREA_LUT_ARRAY] + r.part_mm2[AREA_PRECOMPUTE] +
                         r.part_mm2[AREA_DEQUANT] + r.part_mm2[AREA_VECTOR] +
                         r.part_mm2[AREA_DMA] + r.part_mm2[AREA_SCOREBOARD] +
                         r.part_mm2[AREA_CONTROLLER];
    EXPECT_GT(logic, 0.5);
    EXPECT_LT(logic, 3.0);
    EXPECT_NEAR(m.leakage_pj_per_cycle, (1040 * 2.0 + logic * 2000.0) * 1e-3, 1e-9);
    ASSERT_EQ(energy_model_build(&t, &a, 0.0, &m, err, sizeof err), 0) << err;
    EXPECT_NEAR(m.leakage_pj_per_cycle, 1040 * 2.0 * 1e-3, 1e-9); // SRAM alone
    EXPECT_NE(energy_model_build(&t, &a, -1.0, &m, err, sizeof err), 0);
    a.clock_ghz = 2.0;
    ASSERT_EQ(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0) << err;
    EXPECT_NEAR(m.leakage_pj_per_cycle, (1040 * 2.0 + logic * 2000.0) * 0.5e-3, 1e-9);
}

TEST(Energy, NodeMismatchIsAnError)
{
    energy_table t = default_table();
    arch_t a;
    arch_ideal(&a);
    a.tech_nm = 45;
    energy_model m;
    char err[512];
    EXPECT_NE(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("28 nm"), std::string::npos) << err;
    t.target_node_nm = 45; // retargeting the table scales the 45 nm figures by 1
    ASSERT_EQ(energy_model_for_arch(&t, &a, &m, err, sizeof err), 0) << err;
    EXPECT_DOUBLE_EQ(m.accum_add_pj, 0.1);
    EXPECT_NEAR(energy_sram_read_pj_per_byte(&t, 32), 20.0 / 8, 1e-12);
}

TEST(Energy, BadTablesNameTheKey)
{
    EXPECT_EQ(table_error([](json_t *) {}), "(accepted)");
    EXPECT_EQ(table_error([](json_t *d) { json_object_del(entry(d, "table_read"), "source"); }),
              "e.json: entries.table_read: missing key \"source\"");
    EXPECT_EQ(table_error([](json_t *d) {
                  json_object_set_new(entry(d, "table_read"), "source", json_string(""));
              }),
              "e.json: entries.table_read.source: expected a non-empty string, got \"\"");
    EXPECT_EQ(table_error([](json_t *d) { json_object_del(json_object_get(d, "entries"), "vector_op"); }),
              "e.json: entries: missing key \"vector_op\"");
    // the old per-LUT-core leakage key: named, with what to give instead
    const std::string old_key = table_error([](json_t *d) {
        json_t *en = json_object_get(d, "entries");
        json_object_set(en, "leakage_core", json_object_get(en, "leakage_logic"));
        json_object_del(en, "leakage_logic");
    });
    EXPECT_EQ(old_key.rfind("e.json: entries.leakage_core: ", 0), 0u) << old_key;
    EXPECT_NE(old_key.find("entries.leakage_logic in uW/mm^2"), std::string::npos) << old_key;
    EXPECT_EQ(table_error([](json_t *d) {
                  json_object_set_new(entry(d, "leakage_logic"), "unit", json_string("uW/core"));
              }),
              "e.json: entries.leakage_logic.unit: expected one of uW/mm^2, mW/mm^2, got \"uW/core\"");
    EXPECT_EQ(table_error([](json_t *d) {
                  json_object_set_new(entry(d, "dram"), "colour", json_string("red"));
              }),
              "e.json: entries.dram.colour: unknown key");
    EXPECT_EQ(table_error([](json_t *d) {
                  json_object_set_new(entry(d, "accumulate_add"), "value", json_string("0.1"));
              }),
              "e.json: entries.accumulate_add.value: expected a number, got string");
    EXPECT_EQ(table_error([](json_t *d) {
                  json_object_set_new(entry(d, "accumulate_add"), "unit", json_string("nJ"));
              }),
              "e.json: entries.accumulate_add.unit: expected one of pJ, got \"nJ\"");
    EXPECT_EQ(table_error([](json_t *d) {
                  json_object_set_new(entry(d, "dequant_mul"), "node_nm", json_integer(0));
              }),
              "e.json: entries.dequant_mul.node_nm: expected an integer 1..1000, got 0");
    EXPECT_EQ(table_error([](json_t *d) {
                  json_t *p = json_array_get(json_object_get(entry(d, "sram_read"), "points"), 2);
                  json_object_set_new(p, "kib", json_integer(16));
              }),
              "e.json: entries.sram_read.points[2].kib: capacities must be strictly ascending "
              "(16 after 32)");
    EXPECT_EQ(table_error([](json_t *d) {
                  json_object_set_new(json_object_get(d, "scaling"), "rule", json_string("cubic"));
              }).rfind("e.json: scaling.rule: expected \"linear\"", 0),
              0u);
    EXPECT_EQ(table_error([](json_t *d) { json_object_set_new(d, "target_node_nm", json_real(7.5)); }),
              "e.json: target_node_nm: expected an integer 1..1000, got 7.5");
    EXPECT_EQ(table_error([](json_t *d) { json_object_set_new(d, "extra", json_true()); }),
              "e.json: extra: unknown key");
}

TEST(Energy, SyntaxErrorsAndMissingFiles)
{
    energy_table t;
    char err[512];
    EXPECT_NE(energy_table_from_json_string("{\n\"target_node_nm\": 28,,\n}", "e.json", &t, err,
                                            sizeof err), 0);
    EXPECT_EQ(std::string(err).rfind("e.json: line 2, column", 0), 0u) << err;
    EXPECT_NE(energy_table_from_json_file("/nonexistent/e.json", &t, err, sizeof err), 0);
    EXPECT_EQ(std::string(err), "/nonexistent/e.json: cannot read: No such file or directory");
}
