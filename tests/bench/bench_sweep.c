/* bench_sweep.c - `lutsim sweep` throughput against a loop over `lutsim run`.
 *
 * A 1000-point Llama-2-7B W2A8 sweep (prefill S = 2048 and decode C = 2048)
 * on a pinned ideal architecture: a zip of 5 tile shapes at constant work
 * (m x n = 256) x 5 weight-buffer sizes x 4 table-buffer sizes x 10 DRAM
 * bandwidths, run as `lutsim sweep run -j 2`.  Beside it, what a user's
 * shell loop does: one `lutsim run` process per point (fork/exec, no
 * shell), on every 53rd point (19 points; the rate is per point, so the
 * sample scales), each point's architecture written beforehand by
 * `lutsim sweep point --arch-out` (not timed).  Both are timed by wall clock
 * and by the CPU time of the processes (getrusage of the children), since
 * the machine may be shared: points per CPU-second is points per second per
 * core.  Goals (issue 12): >= 100 points/s per core, >= 10x the loop.
 */
#include "spawn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifndef LUTSIM_BIN
#define LUTSIM_BIN "build/lutsim"
#endif

/* a prime stride: the sample meets every digit of the mixed-radix grid */
enum { POINTS = 1000, SAMPLE_EVERY = 53 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double child_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static int run(char *const argv[])
{
    spawn_result r;
    if (spawn_run(argv, NULL, &r) != 0 || !r.exited || r.exit_status != 0) {
        fprintf(stderr, "bench_sweep: %s %s failed: %s\n", argv[0], argv[1], r.errout);
        return -1;
    }
    return 0;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

int main(void)
{
    char dir[] = "/tmp/lutsim-bench-sweep-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char arch[128], spec[128], out[128], text[2048];
    snprintf(arch, sizeof arch, "%s/ideal.json", dir);
    snprintf(spec, sizeof spec, "%s/spec.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    int rc = 1;
    /* every key the realistic default sets otherwise is given */
    if (write_file(arch, "{\"name\": \"bench-ideal\", \"clock_ghz\": 1.0,"
                         " \"lut\": {\"cores\": 8, \"tile\": {\"m\": 2, \"n\": 64, \"k\": 4}},"
                         " \"buffers\": {\"ideal\": true},"
                         " \"dram\": {\"model\": \"ideal\", \"channels\": 0, \"bandwidth_gbps\": 64,"
                         " \"latency_cycles\": 100, \"burst_bytes\": 64},"
                         " \"dma\": {\"max_outstanding\": 0}, \"issue\": {\"ibuf_entries\": 0}}\n") != 0)
        goto done;
    snprintf(text, sizeof text,
             "{\"base\": {\"model\": \"llama-2-7b\", \"quant\": \"W2A8\", \"phase\": \"both\","
             " \"seq\": 2048, \"context\": 2048, \"arch\": \"%s\"},"
             " \"zip\": [{\"arch.lut.tile.m\": [1, 2, 4, 8, 16], \"arch.lut.tile.n\": [256, 128, 64, 32, 16]}],"
             " \"grid\": {\"arch.buffers.weight.kib\": [128, 256, 512, 1024, 2048],"
             " \"arch.buffers.table.kib\": [8, 16, 32, 64],"
             " \"arch.dram.bandwidth_gbps\": [16, 32, 48, 64, 96, 128, 192, 256, 384, 512]}}\n", arch);
    if (write_file(spec, text) != 0)
        goto done;

    char *sweep[] = { LUTSIM_BIN, "sweep", "run", spec, "--out", out, "-j", "2", "--quiet", NULL };
    double c0 = child_cpu_s(), t0 = now_s();
    if (run(sweep) != 0)
        goto done;
    double sweep_wall = now_s() - t0, sweep_cpu = child_cpu_s() - c0;

    /* the loop: each sampled point's architecture first (untimed) */
    int n = 0;
    double loop_wall = 0, loop_cpu = 0;
    for (int id = 0; id < POINTS; id += SAMPLE_EVERY, n++) {
        char ids[16], a[160];
        snprintf(ids, sizeof ids, "%d", id);
        snprintf(a, sizeof a, "%s/point-%d.json", dir, id);
        char *point[] = { LUTSIM_BIN, "sweep", "point", spec, "--id", ids, "--arch-out", a, NULL };
        char *one[] = { LUTSIM_BIN, "run", "--model", "llama-2-7b", "--quant", "W2A8", "--phase", "both",
                        "--seq", "2048", "--context", "2048", "--arch", a, "--quiet", NULL };
        if (run(point) != 0)
            goto done;
        c0 = child_cpu_s();
        t0 = now_s();
        if (run(one) != 0)
            goto done;
        loop_wall += now_s() - t0;
        loop_cpu += child_cpu_s() - c0;
        unlink(a);
    }
    double sweep_rate = POINTS / sweep_wall, loop_rate = n / loop_wall;
    double sweep_core = POINTS / sweep_cpu, loop_core = n / loop_cpu;
    printf("sweep: %d points of Llama-2-7B W2A8 (prefill S=2048 + decode C=2048), ideal arch\n", POINTS);
    printf("  %-34s %10s %10s %14s %16s\n", "", "points", "wall s", "points/s", "points/CPU-s");
    printf("  %-34s %10d %10.2f %14.1f %16.1f\n", "lutsim sweep run -j 2", POINTS, sweep_wall,
           sweep_rate, sweep_core);
    printf("  %-34s %10d %10.2f %14.1f %16.1f\n", "loop: one `lutsim run` per point", n, loop_wall,
           loop_rate, loop_core);
    printf("  sweep / loop: %.2fx by wall clock (2 workers against 1 process), %.2fx per core\n",
           sweep_rate / loop_rate, sweep_core / loop_core);
    printf("  goals: >= 100 points/s per core: %s (%.1f); >= 10x the loop: %s (%.2fx)\n",
           sweep_core >= 100 ? "met" : "NOT met", sweep_core,
           sweep_rate / loop_rate >= 10 ? "met" : "NOT met", sweep_rate / loop_rate);
    /* the machine's load: another job on the cores slows the wall clock */
    FILE *la = fopen("/proc/loadavg", "r");
    char load[64] = "unknown";
    if (la) {
        if (!fgets(load, sizeof load, la))
            snprintf(load, sizeof load, "unknown");
        fclose(la);
    }
    load[strcspn(load, "\n")] = '\0';
    printf("  (/proc/loadavg at the end: %s; %ld cores)\n", load, sysconf(_SC_NPROCESSORS_ONLN));
    rc = 0;
done:;
    char p[200];
    static const char *const files[] = { "out/results.sqlite", "out/results.sqlite-wal",
                                         "out/results.sqlite-shm", "spec.json", "ideal.json" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/out", dir);
    rmdir(p);
    rmdir(dir);
    return rc;
}
