// bench_rtl.cpp - simulation speed of the Verilated RTL (default core: 8
// cores x 64 columns, M2 K4) against the C model on the same program: a
// W2A8 GEMM 64 x 1024 x 512 (group 128) lowered by gemm_lower.  Reports
// simulated cycles per host second for both engines (best of a few runs of
// the C model; one RTL run) and the ratio; the two must agree on output
// and cycles, else exit status 1.  rtl_run first runs the C model on a copy
// of the image (its legality checks: data-dependent accumulator overflow,
// DRAM bounds), so the Verilated core's own rate is also given with that
// run's time (the C model's best time on the same program) taken out.
#include "rtl_compare.h"
#include "rtl_engine.h"

#include <chrono>
#include <cstdio>

static double now_s()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int main()
{
    arch_t a;
    arch_ideal(&a);
    GemmCase g;
    const int M = 64, N = 1024, K = 512;
    if (!rtl_make_gemm(&a, LUT_WFMT_INT, 2, M, N, K, 128, 3, &g)) {
        fprintf(stderr, "bench_rtl: %s\n", g.err.c_str());
        return 1;
    }
    char err[512];
    sim_stats cs{}, rs{};
    double c_best = 1e30;
    std::vector<uint8_t> cimg;
    for (int rep = 0; rep < 5; rep++) {
        cimg = g.image;
        sim_opts o{};
        o.dram = cimg.data();
        o.dram_size = cimg.size();
        double t0 = now_s();
        if (sim_run(&a, nullptr, &g.prog, &o, &cs, err, sizeof err) != 0) {
            fprintf(stderr, "bench_rtl: C model: %s\n", err);
            return 1;
        }
        double dt = now_s() - t0;
        if (dt < c_best)
            c_best = dt;
    }
    std::vector<uint8_t> rimg = g.image;
    double t0 = now_s();
    if (rtl_run(&a, &g.prog, rimg.data(), rimg.size(), nullptr, &rs, err, sizeof err) != 0) {
        fprintf(stderr, "bench_rtl: RTL: %s\n", err);
        return 1;
    }
    double r_s = now_s() - t0;
    bool same = cimg == rimg && cs.cycles == rs.cycles;
    double c_rate = (double)cs.cycles / c_best, r_rate = (double)rs.cycles / r_s;
    printf("W2A8 GEMM %dx%dx%d, %zu instructions, %llu simulated cycles\n", M, N, K, g.prog.n,
           (unsigned long long)cs.cycles);
    printf("  %-28s %12.0f cycles/s  (%.4f s)\n", "C model (functional)", c_rate, c_best);
    printf("  %-28s %12.0f cycles/s  (%.4f s)\n", "Verilated RTL (1 thread)", r_rate, r_s);
    const double core_s = r_s - c_best;
    if (core_s > 0)
        printf("  %-28s %12.0f cycles/s  (%.4f s: rtl_run less one C-model run)\n",
               "  its Verilated core alone", (double)rs.cycles / core_s, core_s);
    printf("  RTL / C model speed ratio: %.2e (C model %.0fx faster)\n", r_rate / c_rate,
           c_rate / r_rate);
    printf("  outputs and cycles %s\n", same ? "equal" : "DIFFER");
    program_free(&g.prog);
    return same ? 0 : 1;
}
