// The report of `lutsim run` in its three forms: the CSV carries every
// per-operation key and value of the JSON (full precision, names quoted as
// RFC 4180 asks), and the console prints the same figures with SI prefixes.
#include <gtest/gtest.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "lower.h"
#include "model_json.h"
#include "units.h"
extern "C" { // C headers of the front end without their own guards
#include "engine_setup.h"
#include "report_run.h"
}
#include "run_argv.h"

namespace {

using Row = std::vector<std::string>;

// RFC 4180: fields separated by commas, records by LF or CRLF; a quoted
// field may hold commas, CR, LF and doubled quotes.  Fails the test on a
// stray quote.
std::vector<Row> parse_csv(const std::string &s)
{
    std::vector<Row> rows;
    Row row;
    std::string f;
    bool quoted = false, was_quoted = false;
    for (size_t i = 0; i < s.size(); i++) {
        char c = s[i];
        if (quoted) {
            if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
                f += '"';
                i++;
            } else if (c == '"') {
                quoted = false;
            } else {
                f += c;
            }
            continue;
        }
        if (c == '"') {
            EXPECT_TRUE(f.empty() && !was_quoted) << "stray quote at byte " << i;
            quoted = was_quoted = true;
        } else if (c == ',') {
            row.push_back(f);
            f.clear();
            was_quoted = false;
        } else if (c == '\n' || (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) {
            if (c == '\r')
                i++;
            row.push_back(f);
            rows.push_back(row);
            row.clear();
            f.clear();
            was_quoted = false;
        } else {
            EXPECT_FALSE(was_quoted) << "text after a closing quote at byte " << i;
            f += c;
        }
    }
    EXPECT_FALSE(quoted) << "unterminated quoted field";
    EXPECT_TRUE(f.empty() && row.empty()) << "last record has no line end";
    return rows;
}

// One CSV cell against one JSON value: exact for integers, bit-equal
// doubles for reals (the CSV must carry full precision).
void expect_same(const std::string &key, const std::string &cell, const json_t *v)
{
    if (json_is_string(v)) {
        EXPECT_EQ(cell, json_string_value(v)) << key;
    } else if (json_is_integer(v)) {
        EXPECT_EQ(cell, std::to_string((long long)json_integer_value(v))) << key;
    } else if (json_is_real(v)) {
        char *end;
        double d = strtod(cell.c_str(), &end);
        EXPECT_TRUE(!cell.empty() && *end == '\0') << key << ": '" << cell << "'";
        EXPECT_EQ(d, json_real_value(v)) << key << ": CSV '" << cell << "'";
    } else if (json_is_boolean(v)) {
        EXPECT_EQ(cell, json_is_true(v) ? "true" : "false") << key;
    } else {
        ADD_FAILURE() << key << ": unexpected JSON type";
    }
}

// The header's keys after model,quant,arch,phase are the op's keys, in the
// JSON's order, a nested object's keys as OBJECT.KEY.
void compare_report(const std::string &csv, json_t *report)
{
    std::vector<Row> rows = parse_csv(csv);
    ASSERT_GE(rows.size(), 2u);
    const Row &head = rows[0];
    ASSERT_GE(head.size(), 5u);
    EXPECT_EQ(Row(head.begin(), head.begin() + 4), (Row{"model", "quant", "arch", "phase"}));
    size_t r = 1, compared = 0;
    size_t pi;
    json_t *ph;
    json_array_foreach(json_object_get(report, "phases"), pi, ph) {
        size_t oi;
        json_t *op;
        json_array_foreach(json_object_get(ph, "ops"), oi, op) {
            ASSERT_LT(r, rows.size()) << "CSV has fewer rows than the JSON has operations";
            const Row &row = rows[r++];
            ASSERT_EQ(row.size(), head.size()) << "row " << r - 1;
            expect_same("model", row[0], json_object_get(report, "model"));
            expect_same("quant", row[1], json_object_get(report, "quant"));
            expect_same("arch", row[2], json_object_get(report, "arch"));
            expect_same("phase", row[3], json_object_get(ph, "phase"));
            size_t col = 4;
            const char *key;
            json_t *v;
            json_object_foreach(op, key, v) {
                if (json_is_object(v)) {
                    const char *sub;
                    json_t *sv;
                    json_object_foreach(v, sub, sv) {
                        ASSERT_LT(col, head.size());
                        EXPECT_EQ(head[col], std::string(key) + "." + sub);
                        expect_same(head[col], row[col], sv);
                        col++;
                        compared++;
                    }
                    continue;
                }
                ASSERT_LT(col, head.size());
                EXPECT_EQ(head[col], key);
                expect_same(key, row[col], v);
                col++;
                compared++;
            }
            EXPECT_EQ(col, head.size()) << "CSV has keys the JSON has not";
        }
    }
    EXPECT_EQ(r, rows.size()) << "CSV has more rows than the JSON has operations";
    EXPECT_GT(compared, 30u * (rows.size() - 1));
}


void expect_csv_equals_json(const arch_t *a, const energy_model *em, const model_cfg *m,
                            const quant_preset *q, const run_phase *ph);

// The library path: names with commas, quotes, CR and LF.
TEST(RunCsv, CarriesEveryJsonKeyAndValueWithQuotedNames)
{
    char err[512];
    arch_t a;
    energy_model em;
    model_cfg m;
    quant_preset q;
    ASSERT_EQ(engine_setup(nullptr, nullptr, &a, &em, err, sizeof err), 0) << err;
    ASSERT_EQ(model_from_hf_config("tiny", &m, err, sizeof err), 0) << err;
    ASSERT_EQ(quant_from_name_or_file("W2A8", &q, err, sizeof err), 0) << err;
    static op_result ops[2][MODEL_MAX_OPS];
    run_phase ph[2] = {};
    for (int k = 0; k < 2; k++) {
        ph[k].phase = k ? "decode" : "prefill";
        ph[k].ph.kind = k ? MODEL_DECODE : MODEL_PREFILL;
        ph[k].ph.batch = 2;
        ph[k].ph.seq_len = 33;
        ph[k].ph.context = 70;
        int n = lower_model(&a, &em, &m, &q, &ph[k].ph, ops[k], MODEL_MAX_OPS, &ph[k].info, err,
                            sizeof err);
        ASSERT_GT(n, 0) << err;
        ph[k].ops = ops[k];
        ph[k].nops = n;
    }
    // each character that needs quoting alone, then all of them
    for (const char *name : {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\rname",
                             "\"$(touch x)\", ,\r\n\"\""}) {
        SCOPED_TRACE(name);
        snprintf(m.name, sizeof m.name, "model %s", name);
        snprintf(q.name, sizeof q.name, "q %s", name);
        snprintf(a.name, sizeof a.name, "%s arch", name);
        expect_csv_equals_json(&a, &em, &m, &q, ph);
    }
}

void expect_csv_equals_json(const arch_t *a, const energy_model *em, const model_cfg *m,
                            const quant_preset *q, const run_phase *ph)
{
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT_EQ(run_to_csv(f, a, m, q, ph, 2), 0);
    fclose(f);
    std::string csv(buf, len);
    free(buf);
    json_t *j = run_to_json(a, em, m, q, ph, 2);
    // through text, as a user reads the file
    char *text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    json_error_t je;
    json_t *back = json_loads(text, 0, &je);
    free(text);
    ASSERT_NE(back, nullptr) << je.text;
    EXPECT_EQ(std::string(json_string_value(json_object_get(back, "model"))), m->name);
    compare_report(csv, back);
    json_decref(back);
}

using Tmp = testproc::TmpDir;
using Cmd = testproc::CliResult;
using testproc::lutsim;

json_t *load(const std::string &path)
{
    json_error_t je;
    json_t *j = json_load_file(path.c_str(), 0, &je);
    EXPECT_NE(j, nullptr) << path << ": " << je.text;
    return j;
}

// The command line: --csv and --json of one run agree key by key.
TEST(RunCsv, CommandLineCsvEqualsItsJson)
{
    Tmp t;
    Cmd r = lutsim(t, "run --model tiny --quant W1.58A8 --batch 3 --seq 40 --context 100 --csv '" +
                          t.p("r.csv") + "' --json '" + t.p("r.json") + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    json_t *j = load(t.p("r.json"));
    ASSERT_NE(j, nullptr);
    compare_report(testproc::slurp(t.p("r.csv")), j);
    json_decref(j);
}

std::string si(double v, const char *unit)
{
    char b[UNITS_LEN];
    return units_si(b, sizeof b, v, unit);
}

double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    EXPECT_NE(v, nullptr) << k;
    return json_number_value(v);
}

// Every decimal number followed by an SI prefix or a unit has a mantissa
// in 1..999.9 (not "0.000 G MAC", not "55234869.622 M cycles").
void expect_mantissas_in_range(const std::string &out, int at_least)
{
    static const std::regex scaled(
        "([0-9]+\\.[0-9]+) (?:[kMGTPEZYRQmunpfazyrq](?:B|s|J|OPS|OPS/W| MAC| cycles| tokens/s| "
        "instructions|MAC/s)?|B|s|J|OPS|OPS/W|MAC|cycles|tokens/s|instructions)(?=[ ,);]|$)");
    int n = 0;
    for (std::sregex_iterator it(out.begin(), out.end(), scaled), end; it != end; ++it, n++) {
        double m = std::stod((*it)[1].str());
        EXPECT_TRUE(m >= 1.0 && m < 1000.0) << "'" << it->str() << "'";
    }
    EXPECT_GE(n, at_least);
}

// The console table and totals are the JSON's figures with SI prefixes, and
// a short run prints nothing on stderr (no progress line).
TEST(RunConsole, FiguresCarryScaledUnits)
{
    Tmp t;
    Cmd r = lutsim(t, "run --model llama-2-7b --quant W2A8 --seq 512 --context 1024 --json '" +
                          t.p("r.json") + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    json_t *j = load(t.p("r.json"));
    ASSERT_NE(j, nullptr);
    size_t pi;
    json_t *ph;
    json_array_foreach(json_object_get(j, "phases"), pi, ph) {
        json_t *tot = json_object_get(ph, "total");
        std::string total = "total: " + si(num(tot, "macs"), " MAC") + " (linear " +
                            si(num(tot, "linear_macs"), " MAC") + ", attention " +
                            si(num(tot, "attention_macs"), " MAC") + "), " +
                            si(num(tot, "cycles"), " cycles") + " = " + si(num(tot, "seconds"), "s") +
                            ", " + si(num(tot, "tokens_per_s"), " tokens/s") + "\n";
        EXPECT_NE(r.out.find(total), std::string::npos) << total << "\nin:\n" << r.out;
        std::string energy = "energy " + si(num(tot, "energy_pj") * 1e-12, "J") + " (" +
                             si(num(tot, "energy_per_token_pj") * 1e-12, "J") + " per token), " +
                             si(num(tot, "tops") * 1e12, "OPS") + ", DRAM " +
                             si(num(tot, "dram_bytes"), "B") + " ... ";
        EXPECT_NE(r.out.find(energy.substr(0, energy.find(", DRAM"))), std::string::npos) << energy;
        EXPECT_NE(r.out.find("DRAM " + si(num(tot, "dram_bytes"), "B") + ", packed weights " +
                             si(num(tot, "weight_bytes"), "B") + " + scales " +
                             si(num(tot, "scale_bytes"), "B")),
                  std::string::npos);
        size_t oi;
        json_t *op;
        json_array_foreach(json_object_get(ph, "ops"), oi, op) {
            std::string name = json_string_value(json_object_get(op, "name"));
            size_t at = r.out.find("\n" + name + " ", pi ? r.out.find("decode:") : 0);
            ASSERT_NE(at, std::string::npos) << name;
            std::string line = r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
            // the cells, in table order, each standing alone
            size_t pos = 0;
            for (const std::string &cell :
                 {si(num(op, "macs"), ""), si(num(op, "dram_bytes"), "B"), si(num(op, "cycles"), ""),
                  si(num(op, "seconds"), "s"), si(num(op, "energy_pj") * 1e-12, "J"),
                  si(num(op, "attainable_ops_per_s"), "OPS"), si(num(op, "achieved_ops_per_s"), "OPS")}) {
                size_t f = line.find(" " + cell, pos);
                while (f != std::string::npos && f + 1 + cell.size() < line.size() &&
                       line[f + 1 + cell.size()] != ' ')
                    f = line.find(" " + cell, f + 1);
                ASSERT_NE(f, std::string::npos) << name << ": '" << cell << "' not in\n" << line;
                pos = f + 1 + cell.size();
            }
        }
    }
    json_decref(j);
    expect_mantissas_in_range(r.out, 200);
}

TEST(GemmConsole, StatisticsCarryScaledUnits)
{
    Tmp t;
    Cmd r = lutsim(t, "gemm --random 16x256x512 --wfmt int --wbits 2 --stats '" + t.p("s.json") + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    json_t *s = load(t.p("s.json"));
    ASSERT_NE(s, nullptr);
    EXPECT_NE(r.out.find(": " + si(num(s, "cycles"), " cycles") + " = " + si(num(s, "seconds"), "s") +
                         ", " + si(num(s, "instructions"), " instructions") + "\n"),
              std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  " + si(num(s, "macs"), " MAC") + " -> "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("DRAM " + si(num(s, "dram_bytes"), "B") + "; energy " +
                         si(num(s, "energy_pj") * 1e-12, "J") + " ("),
              std::string::npos) << r.out;
    json_decref(s);
    expect_mantissas_in_range(r.out, 8);
}

TEST(Quiet, IsAcceptedByEveryLongRunningCommand)
{
    Tmp t;
    EXPECT_EQ(lutsim(t, "run --model tiny --quant W2A8 --phase decode --quiet").status, 0);
    Cmd g = lutsim(t, "gemm --random 8x64x64 --wfmt binary --quiet");
    EXPECT_EQ(g.status, 0) << g.err;
    EXPECT_EQ(g.err, "");
}

} // namespace
