/* bench_systemc.c - the SystemC system model's cost (issue 14).
 *
 * 1. Overhead: the same GEMM program (64 x 2048 x 2048, INT2 weights) on the
 *    plain C model (`--engine cmodel`) and inside the SystemC system with one
 *    accelerator (`--engine systemc`), on ideal.json and on the realistic
 *    default (LPDDR5 device, bounded DMA).  Time: the engine's host_seconds
 *    from --stats (the run itself, not compiling the GEMM), the best of 5
 *    runs, the two engines alternating (the machine may be shared).
 * 2. System throughput: simulated accelerator-cycles (summed over the
 *    accelerators) per host second, for 1, 4 and 8 accelerators sharing one
 *    memory, on ideal.json.
 * 3. The RTL inside (`--core rtl`): the same GEMM (legacy scales, the RTL's
 *    layout) on the Verilated RTL alone (`--engine rtl`) and inside the
 *    system, clocked from SystemC, its bursts bridged to the DRAM target.
 * Each run is its own `lutsim` process (SystemC elaborates once per process).
 */
#include "spawn.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef LUTSIM_BIN
#define LUTSIM_BIN "build/lutsim"
#endif
#ifndef SRC_DIR
#define SRC_DIR "."
#endif

enum { REPEATS = 5 };

/* One run; *secs its host_seconds, *acc_cycles the cycles summed over the
 * accelerators (the one accelerator's for the C model). */
static int run_once(const char *arch, const char *engine, int n, const char *stats, double *secs,
                    double *acc_cycles)
{
    char archp[512], ns[16];
    snprintf(archp, sizeof archp, "%s/workloads/arch/%s", SRC_DIR, arch);
    snprintf(ns, sizeof ns, "%d", n);
    char *argv[24];
    int k = 0;
    char *base[] = { LUTSIM_BIN, "gemm", "--random", "64x2048x2048", "--wfmt", "int", "--wbits",
                     "2", "--arch", archp, "--engine", (char *)engine, "--stats", (char *)stats,
                     "--quiet" };
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        argv[k++] = base[i];
    const int rtl_inside = strcmp(engine, "systemc-rtl") == 0;
    if (rtl_inside)
        argv[11] = "systemc";
    if (strcmp(engine, "systemc") == 0 || rtl_inside) {
        argv[k++] = "--accelerators";
        argv[k++] = ns;
    }
    if (rtl_inside) {
        argv[k++] = "--core";
        argv[k++] = "rtl";
    }
    if (rtl_inside || strcmp(engine, "rtl") == 0) {
        argv[k++] = "--scale";
        argv[k++] = "legacy";
    }
    argv[k] = NULL;
    spawn_result r;
    if (spawn_run(argv, NULL, &r) != 0 || !r.exited || r.exit_status != 0) {
        fprintf(stderr, "bench_systemc: lutsim gemm --engine %s failed: %s\n", engine, r.errout);
        return -1;
    }
    json_error_t je;
    json_t *j = json_load_file(stats, 0, &je);
    if (!j)
        return -1;
    *secs = json_real_value(json_object_get(j, "host_seconds"));
    json_t *accs = json_object_get(j, "accelerators");
    *acc_cycles = 0;
    if (accs) {
        for (size_t i = 0; i < json_array_size(accs); i++)
            *acc_cycles += (double)json_integer_value(json_object_get(json_array_get(accs, i), "cycles"));
    } else {
        *acc_cycles = (double)json_integer_value(json_object_get(j, "cycles"));
    }
    json_decref(j);
    return 0;
}

static int best_of(const char *arch, const char *engine, int n, const char *stats, double *secs,
                   double *cyc)
{
    *secs = 1e30;
    for (int i = 0; i < REPEATS; i++) {
        double s, c;
        if (run_once(arch, engine, n, stats, &s, &c) != 0)
            return -1;
        if (s < *secs)
            *secs = s;
        *cyc = c;
    }
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/bench-systemc-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char stats[600];
    snprintf(stats, sizeof stats, "%s/s.json", dir);
    int rc = 0;
    printf("SystemC overhead over the plain C model, gemm 64x2048x2048 INT2 (best of %d)\n",
           REPEATS);
    printf("  %-14s %12s %14s %14s %10s\n", "arch", "cycles", "C model (s)", "SystemC (s)",
           "overhead");
    const char *archs[] = { "ideal.json", "default.json" };
    for (int a = 0; a < 2 && rc == 0; a++) {
        double sc = 1e30, cc = 0, ss = 1e30, scyc = 0;
        for (int i = 0; i < REPEATS && rc == 0; i++) { /* alternating: drift hits both */
            double s1, s2;
            if (run_once(archs[a], "cmodel", 1, stats, &s1, &cc) != 0 ||
                run_once(archs[a], "systemc", 1, stats, &s2, &scyc) != 0)
                rc = 1;
            sc = s1 < sc ? s1 : sc;
            ss = s2 < ss ? s2 : ss;
        }
        if (rc != 0)
            break;
        if (scyc != cc) {
            fprintf(stderr, "bench_systemc: %s: SystemC %.0f cycles, C model %.0f\n", archs[a],
                    scyc, cc);
            rc = 1;
            break;
        }
        printf("  %-14s %12.0f %14.4f %14.4f %9.1f%%\n", archs[a], cc, sc, ss,
               100.0 * (ss - sc) / sc);
    }
    printf("system throughput, ideal.json, one shared memory (best of %d)\n", REPEATS);
    printf("  %-12s %18s %12s %24s\n", "accelerators", "accelerator-cycles", "host (s)",
           "accelerator-cycles/s");
    const int ns[] = { 1, 4, 8 };
    for (int i = 0; i < 3 && rc == 0; i++) {
        double s, c;
        if (best_of("ideal.json", "systemc", ns[i], stats, &s, &c) != 0) {
            rc = 1;
            break;
        }
        printf("  %-12d %18.0f %12.4f %24.3e\n", ns[i], c, s, c / s);
    }
    if (rc == 0) {
        double s1 = 1e30, s2 = 1e30, c1 = 0, c2 = 0;
        for (int i = 0; i < 3 && rc == 0; i++) {
            double a, b;
            if (run_once("ideal.json", "rtl", 1, stats, &a, &c1) != 0 ||
                run_once("ideal.json", "systemc-rtl", 1, stats, &b, &c2) != 0)
                rc = 1;
            s1 = a < s1 ? a : s1;
            s2 = b < s2 ? b : s2;
        }
        if (rc == 0) {
            printf("the RTL inside the SystemC system, --core rtl: ideal.json, legacy scales (best of 3)\n");
            printf("  %-14s %12s %14s %14s %10s\n", "", "cycles", "RTL (s)", "SystemC (s)",
                   "overhead");
            printf("  %-14s %5.0f/%6.0f %14.4f %14.4f %9.1f%%   (%.3e RTL cycles/s inside)\n",
                   "rtl / inside", c1, c2, s1, s2, 100.0 * (s2 - s1) / s1, c2 / s2);
        }
    }
    unlink(stats);
    rmdir(dir);
    return rc;
}
