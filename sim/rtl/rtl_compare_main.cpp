// rtl_compare_main.cpp - `build/rtl/rtl-compare`: C model vs RTL.
//
//   rtl-compare PROGRAM [--mem IMAGE] [--trace OUT.vcd]
//   rtl-compare --gemm MxNxK [--wfmt int|uint|ternary|binary] [--wbits B]
//               [--group G] [--seed S] [--trace OUT.vcd]
//   rtl-compare --random-program SEED [--trace OUT.vcd]   (one regress case)
//   rtl-compare --regress N [--seed S] [--archs A] [--junit OUT.xml]
//                                          (random GEMMs + random programs;
//                                          JUnit XML: one test case per seed;
//                                          --archs: case i on the (i mod A)-th
//                                          of A random architectures)
//   --arch-seed S: any single case on the random architecture of seed S
//                  (rtl_random_arch) instead of the ideal one
//   any of them with --memory ideal|dram|random[:SEED] (default ideal; dram
//   serves the RTL with the lpddr5-6400 device on the ideal arch; regress
//   with random draws a memory seed per case)
//
// Prints one line per case; exit status 0 when everything is equal (on
// ideal memory) or bit-exact and within 1% of the C model given the RTL's
// memory responses (other memories).  Regress ends with the distribution
// of the cycle differences.
#include "rtl_compare.h"
#include "rtl_engine.h"
#include "rtl_junit.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

static bool read_file(const char *path, std::vector<uint8_t> *out)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return false;
    out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    return true;
}

static const char *fmt_name(lut_wfmt f)
{
    return lut_wfmt_name(f);
}

static void print_distribution(std::vector<double> d, const char *what)
{
    if (d.empty())
        return;
    std::sort(d.begin(), d.end());
    size_t exact = 0;
    double sum = 0;
    for (double x : d) {
        exact += x == 0.0;
        sum += std::fabs(x);
    }
    printf("cycle difference RTL vs C model (%s), %zu programs: %zu exact, min "
           "%+.4f%%, median %+.4f%%, max %+.4f%%, mean |d| %.4f%%\n",
           what, d.size(), exact, 100 * d.front(), 100 * d[d.size() / 2], 100 * d.back(),
           100 * sum / (double)d.size());
}

static int regress(const std::vector<arch_t> &archs, int n, uint32_t seed,
                   const rtl_memory *mem0, const char *junit)
{
    JUnitReport rep;
    char mname[48];
    rtl_memory_name(mem0, mname, sizeof mname);
    std::mt19937 rng(seed);
    int passed = 0, failed = 0;
    std::vector<double> diffs, streamed; // streamed: fetch arrivals not replayed
    for (int i = 0; i < n; i++) {
        uint32_t s = rng();
        auto t0 = std::chrono::steady_clock::now();
        auto secs = [&]() {
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        };
        RtlCompare r;
        std::string what, again; // the case, and the command that reruns it
        const arch_t *a = &archs[(size_t)i % archs.size()];
        // a random architecture: named in the case and in its rerun command
        std::string on = archs.size() > 1 || strncmp(a->name, "rand-", 5) == 0
                             ? std::string(" on arch ") + a->name : "";
        std::string again_arch = on.empty() ? "" : std::string(" --arch-seed ") + (a->name + 5);
        rtl_memory mem = *mem0;
        if (mem.kind == RTL_MEM_RANDOM)
            mem.seed = mem0->seed * 1000003u + s; // one memory per case
        if (i % 3 != 2) {
            static const lut_wfmt fmts[] = { LUT_WFMT_INT, LUT_WFMT_UINT, LUT_WFMT_TERNARY,
                                             LUT_WFMT_BINARY };
            lut_wfmt f = fmts[rng() % 4];
            int bits = f == LUT_WFMT_TERNARY ? 2 : f == LUT_WFMT_BINARY ? 1
                       : f == LUT_WFMT_INT ? 2 + (int)(rng() % 7) : 1 + (int)(rng() % 8);
            int m = 1 + (int)(rng() % (rng() % 4 ? 24 : 80));
            int nn = 1 + (int)(rng() % (rng() % 3 ? 200 : 1300));
            int kd = 1 + (int)(rng() % (rng() % 3 ? 160 : 700));
            static const int groups[] = { 32, 64, 128, 4, 100 };
            int g = groups[rng() % 5];
            char b[160];
            snprintf(b, sizeof b, "gemm %dx%dx%d %s W%d group %d seed %u", m, nn, kd,
                     fmt_name(f), bits, g, s);
            what = b + on;
            snprintf(b, sizeof b, "--gemm %dx%dx%d --wfmt %s --wbits %d --group %d --seed %u", m,
                     nn, kd, fmt_name(f), bits, g, s);
            again = b + again_arch;
            GemmCase gc;
            if (!rtl_make_gemm(a, f, bits, m, nn, kd, g, s, &gc)) {
                printf("SKIP %s: %s\n", what.c_str(), gc.err.c_str());
                rep.add(what, secs(), JUnitReport::SKIP, gc.err);
                continue;
            }
            r = rtl_compare_program(a, &gc.prog, gc.image, gc.lay.c_addr,
                                    gc.lay.c_addr + (uint64_t)m * nn * 4, nn, nullptr, &mem);
            program_free(&gc.prog);
        } else {
            program p;
            std::vector<uint8_t> img;
            std::string err;
            what = "random program seed " + std::to_string(s) + on;
            again = "--random-program " + std::to_string(s) + again_arch;
            if (!rtl_make_random_program(a, s, &p, &img, &err)) {
                printf("SKIP %s: %s\n", what.c_str(), err.c_str());
                rep.add(what, secs(), JUnitReport::SKIP, err);
                continue;
            }
            r = rtl_compare_program(a, &p, img, 0, 0, 0, nullptr, &mem);
            if (!r.ran && r.msg.rfind("C model:", 0) == 0) {
                // an illegal random draw (e.g. out of bounds): not a mismatch
                printf("skip %s (%s)\n", what.c_str(), r.msg.c_str());
                rep.add(what, secs(), JUnitReport::SKIP, r.msg);
                program_free(&p);
                continue;
            }
            what += " (" + std::to_string(p.n) + " instructions)";
            program_free(&p);
        }
        if (mem.kind != RTL_MEM_IDEAL) {
            char b[48];
            what += std::string(" memory ") + rtl_memory_name(&mem, b, sizeof b);
            if (r.ran)
                (r.fetch_replayed ? diffs : streamed).push_back(r.rel_diff);
        }
        if (r.ok()) {
            passed++;
            rep.add(what, secs(), JUnitReport::PASS);
            if (r.ideal)
                printf("ok   %s: %llu cycles\n", what.c_str(), (unsigned long long)r.c_cycles);
            else
                printf("ok   %s: RTL %llu cycles, C model replayed %llu (%+.3f%%), on its own "
                       "memory model %llu\n", what.c_str(), (unsigned long long)r.rtl_cycles,
                       (unsigned long long)r.c_cycles, 100 * r.rel_diff,
                       (unsigned long long)r.c_own_cycles);
        } else {
            failed++;
            rep.add(what, secs(), JUnitReport::FAIL, r.msg);
            printf("FAIL %s\n     %s", what.c_str(), r.msg.c_str());
            if (r.msg.empty() || r.msg.back() != '\n')
                printf("\n");
            char b[48];
            printf("     rerun with its waveform: rtl-compare %s --memory %s --trace case.vcd\n",
                   again.c_str(), rtl_memory_name(&mem, b, sizeof b));
        }
        fflush(stdout);
    }
    print_distribution(diffs, "replayed memory");
    print_distribution(streamed, "streamed programs, instruction fetch not replayed: judged "
                                 "on data only");
    printf("%d passed, %d failed\n", passed, failed);
    if (junit && !rep.write(junit, std::string("rtl-regress.") + mname)) {
        fprintf(stderr, "rtl-compare: %s: cannot write the JUnit report\n", junit);
        return 1;
    }
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *prog = nullptr, *memfile = nullptr, *vcd = nullptr, *gemm = nullptr;
    const char *wfmt = "int", *memory = "ideal", *junit = nullptr;
    int wbits = 2, group = 128, nreg = -1, narchs = 0;
    long long rprog = -1, arch_seed = -1;
    uint32_t seed = 1;
    for (int i = 1; i < argc; i++) {
        std::string o = argv[i];
        auto val = [&]() -> const char * {
            if (i + 1 >= argc) {
                fprintf(stderr, "rtl-compare: %s needs a value\n", o.c_str());
                exit(2);
            }
            return argv[++i];
        };
        if (o == "--mem") memfile = val();
        else if (o == "--trace") vcd = val();
        else if (o == "--gemm") gemm = val();
        else if (o == "--wfmt") wfmt = val();
        else if (o == "--wbits") wbits = atoi(val());
        else if (o == "--group") group = atoi(val());
        else if (o == "--seed") seed = (uint32_t)strtoul(val(), nullptr, 0);
        else if (o == "--regress") nreg = atoi(val());
        else if (o == "--memory") memory = val();
        else if (o == "--junit") junit = val();
        else if (o == "--archs") narchs = atoi(val());
        else if (o == "--arch-seed") arch_seed = strtoll(val(), nullptr, 0);
        else if (o == "--random-program") rprog = strtoll(val(), nullptr, 0);
        else if (o == "-h" || o == "--help") {
            puts("usage: rtl-compare PROGRAM [--mem IMAGE] [--trace OUT.vcd]\n"
                 "       rtl-compare --gemm MxNxK [--wfmt int|uint|ternary|binary] [--wbits B]\n"
                 "                   [--group G] [--seed S] [--trace OUT.vcd]\n"
                 "       rtl-compare --random-program SEED [--trace OUT.vcd]\n"
                 "       rtl-compare --regress N [--seed S] [--archs A] [--junit OUT.xml]\n"
                 "       (each with --memory ideal|dram|random[:SEED]; single cases with\n"
                 "       --arch-seed S: on random architecture S, as regress --archs names it)");
            return 0;
        } else if (o[0] != '-' && !prog) prog = argv[i];
        else {
            fprintf(stderr, "rtl-compare: unknown option '%s'\n", o.c_str());
            return 2;
        }
    }
    rtl_memory mem;
    char merr[300];
    if (rtl_memory_parse(memory, &mem, merr, sizeof merr) != 0) {
        fprintf(stderr, "rtl-compare: %s\n", merr);
        return 2;
    }
    if (narchs < 0 || (narchs > 0 && nreg < 0)) {
        fprintf(stderr, "rtl-compare: --archs: expected a count of 0 or more, with --regress\n");
        return 2;
    }
    // the architectures: the ideal one, or random ones (each its own model)
    std::vector<arch_t> archs(narchs > 0 ? (size_t)narchs : 1);
    std::mt19937 arng(seed ^ 0x9e3779b9u);
    for (size_t j = 0; j < archs.size(); j++) {
        if (narchs > 0 || arch_seed >= 0)
            rtl_random_arch(narchs > 0 ? arng() % 1000000u : (uint32_t)arch_seed, &archs[j]);
        else
            arch_ideal(&archs[j]);
        if (mem.kind == RTL_MEM_DRAM &&
            arch_set_dram_model(&archs[j], "lpddr5-6400", 0, merr, sizeof merr) != 0) {
            fprintf(stderr, "rtl-compare: %s\n", merr);
            return 2;
        }
        if (narchs > 0 || arch_seed >= 0)
            printf("arch %s: %s\n", archs[j].name, rtl_arch_summary(&archs[j]).c_str());
    }
    arch_t &a = archs[0];
    if (nreg >= 0)
        return regress(archs, nreg, seed, &mem, junit);
    if (rprog >= 0) {
        program p;
        std::vector<uint8_t> img;
        std::string e;
        if (!rtl_make_random_program(&a, (uint32_t)rprog, &p, &img, &e)) {
            fprintf(stderr, "rtl-compare: %s\n", e.c_str());
            return 1;
        }
        RtlCompare r = rtl_compare_program(&a, &p, img, 0, 0, 0, vcd, &mem);
        printf("%s: %zu instructions, C model %llu cycles, RTL %llu cycles\n%s",
               r.ok() ? "equal" : "MISMATCH", p.n, (unsigned long long)r.c_cycles,
               (unsigned long long)r.rtl_cycles, r.msg.c_str());
        program_free(&p);
        return r.ok() ? 0 : 1;
    }
    if (gemm) {
        int m, n, k;
        lut_wfmt f;
        if (sscanf(gemm, "%dx%dx%d", &m, &n, &k) != 3 || lut_wfmt_parse(wfmt, &f) != 0) {
            fprintf(stderr, "rtl-compare: bad --gemm or --wfmt\n");
            return 2;
        }
        if (f == LUT_WFMT_TERNARY) wbits = 2;
        if (f == LUT_WFMT_BINARY) wbits = 1;
        GemmCase gc;
        if (!rtl_make_gemm(&a, f, wbits, m, n, k, group, seed, &gc)) {
            fprintf(stderr, "rtl-compare: %s\n", gc.err.c_str());
            return 1;
        }
        auto t0 = std::chrono::steady_clock::now();
        RtlCompare r = rtl_compare_program(&a, &gc.prog, gc.image, gc.lay.c_addr,
                                           gc.lay.c_addr + (uint64_t)m * n * 4, n, vcd, &mem);
        double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        printf("%s: %zu instructions, C model %llu cycles, RTL %llu cycles (%.2f s)\n%s",
               r.ok() ? "equal" : "MISMATCH", gc.prog.n, (unsigned long long)r.c_cycles,
               (unsigned long long)r.rtl_cycles, sec, r.msg.c_str());
        program_free(&gc.prog);
        return r.ok() ? 0 : 1;
    }
    if (!prog) {
        fprintf(stderr, "rtl-compare: expected PROGRAM, --gemm or --regress (see --help)\n");
        return 2;
    }
    std::vector<uint8_t> bin, img;
    if (!read_file(prog, &bin)) {
        fprintf(stderr, "rtl-compare: %s: cannot read\n", prog);
        return 1;
    }
    program p;
    program_init(&p);
    char err[512];
    std::string text(bin.begin(), bin.end());
    int rc = bin.size() >= 8 && !memcmp(bin.data(), PROGRAM_MAGIC, 8)
                 ? program_from_bytes(bin.data(), bin.size(), &p, err, sizeof err)
                 : program_from_asm(text.c_str(), &p, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "rtl-compare: %s: %s\n", prog, err);
        return 1;
    }
    if (memfile && !read_file(memfile, &img)) {
        fprintf(stderr, "rtl-compare: %s: cannot read\n", memfile);
        return 1;
    }
    RtlCompare r = rtl_compare_program(&a, &p, img, 0, 0, 0, vcd, &mem);
    printf("%s: C model %llu cycles, RTL %llu cycles\n%s", r.ok() ? "equal" : "MISMATCH",
           (unsigned long long)r.c_cycles, (unsigned long long)r.rtl_cycles, r.msg.c_str());
    program_free(&p);
    return r.ok() ? 0 : 1;
}
