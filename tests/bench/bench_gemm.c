/* bench_gemm.c - host throughput of the LUT GEMM against two baselines.
 *
 * W2A8 (signed INT2 weights, INT8 activations, tk = 4, scale group 128) on
 *   (a) a 4096 x 4096 GEMV (M = 1) and
 *   (b) a 128 x 4096 x 4096 GEMM,
 * each for three implementations measured in the same run, single-threaded:
 *   - LUT:  lut_gemm_i32 on weights packed beforehand (packing is not timed;
 *           the table precompute is, since it is per activation);
 *   - int8 baseline: the obvious triple loop with a contiguous int8 x int8 ->
 *           int32 dot product, auto-vectorized by gcc for AVX2;
 *   - naive: ref_gemm_i64, the reference the tests use (timed on a slice of
 *           rows of the GEMM, it is too slow for all 128).
 * 1 MAC = one int8 x weight multiply-accumulate of the logical GEMM, so every
 * implementation is credited M * N * Kd MACs.  Each measurement is the best
 * of a few runs (CLOCK_MONOTONIC).  The LUT result must equal the int8
 * baseline bit for bit, and the naive slice too; otherwise exit status 1.
 * Last, the C model's functional mode on the same GEMM (the compiled
 * program on the ideal architecture, its int32 outputs, the host's look-up
 * kernel inside its LUT unit): its MAC rate against lut_gemm_i32's, and its
 * outputs equal to the int8 baseline's.
 */
#include "gemm.h"
#include "lut_gemm.h"
#include "lut_kernel.h"
#include "ref_gemm.h"
#include "sim.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { KD = 4096, N = 4096, GEMM_M = 128, NAIVE_ROWS = 2, PORTABLE_ROWS = 8 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng_next(void)
{
    /* xorshift64*: seeded, so every run draws the same data. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* The int8 baseline: C (m x n) = A (m x kd) * W^T, W row-major n x kd. */
#define INT8_GEMM_BODY                                                     \
    for (int i = 0; i < m; i++) {                                          \
        const int8_t *ar = a + (size_t)i * kd;                             \
        for (int j = 0; j < n; j++) {                                      \
            const int8_t *wr = w + (size_t)j * kd;                         \
            int32_t s = 0;                                                 \
            for (int k = 0; k < kd; k++)                                   \
                s += (int32_t)ar[k] * (int32_t)wr[k];                      \
            c[(size_t)i * n + j] = s;                                      \
        }                                                                  \
    }

__attribute__((target("avx2"), optimize("O3"), noinline))
static void int8_gemm_avx2(const int8_t *a, const int8_t *w, int m, int n, int kd, int32_t *c)
{
    INT8_GEMM_BODY
}

__attribute__((optimize("O3"), noinline))
static void int8_gemm_generic(const int8_t *a, const int8_t *w, int m, int n, int kd, int32_t *c)
{
    INT8_GEMM_BODY
}

static int have_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

static void int8_gemm(const int8_t *a, const int8_t *w, int m, int n, int kd, int32_t *c)
{
    if (have_avx2())
        int8_gemm_avx2(a, w, m, n, kd, c);
    else
        int8_gemm_generic(a, w, m, n, kd, c);
}

typedef struct {
    const lut_packed *p;
    const int8_t *a, *w;
    int m;
    int32_t *c32;
    int64_t *c64;
    int failed;
} job;

static void run_lut(job *j)
{
    char err[256];
    if (lut_gemm_i32(j->p, j->a, j->m, j->c32, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "bench_gemm: LUT GEMM failed: %s\n", err);
        j->failed = 1;
    }
}

static void run_int8(job *j) { int8_gemm(j->a, j->w, j->m, N, KD, j->c32); }

static void run_naive(job *j)
{
    lut_wtype wt = { LUT_WFMT_INT, 2 };
    ref_gemm_i64(wt, j->a, j->w, NULL, LUT_DEFAULT_GROUP, j->m, N, KD, j->c64);
}

/* Best wall time of reps runs, in seconds. */
static double best_of(void (*fn)(job *), job *j, int reps)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        fn(j);
        double t = now_s() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

static double gmacs(int m, double secs) { return (double)m * N * KD / secs * 1e-9; }

static int same32(const int32_t *x, const int32_t *y, size_t len, const char *what)
{
    for (size_t i = 0; i < len; i++)
        if (x[i] != y[i]) {
            fprintf(stderr, "bench_gemm: MISMATCH %s at C[%zu][%zu]: %d vs %d\n", what,
                    i / N, i % N, x[i], y[i]);
            return 0;
        }
    return 1;
}

static int same64(const int64_t *x, const int32_t *y, size_t len, const char *what)
{
    for (size_t i = 0; i < len; i++)
        if (x[i] != (int64_t)y[i]) {
            fprintf(stderr, "bench_gemm: MISMATCH %s at C[%zu][%zu]: %lld vs %d\n", what,
                    i / N, i % N, (long long)x[i], y[i]);
            return 0;
        }
    return 1;
}

/* The C model's functional run of the m x N x KD W2 GEMM (outputs int32,
 * unit scales) into c; its host seconds, or -1. */
static double cmodel_functional(const int8_t *a, const int8_t *w, int m, int32_t *c)
{
    arch_t ar;
    arch_ideal(&ar);
    gemm_shape s;
    memset(&s, 0, sizeof s);
    s.wtype = (lut_wtype){ LUT_WFMT_INT, 2 };
    s.group_size = 128;
    s.m = (uint64_t)m;
    s.n = N;
    s.kd = KD;
    program p;
    gemm_layout lay;
    char err[512];
    if (gemm_lower(&ar, &s, &p, &lay, err, sizeof err) != 0) {
        fprintf(stderr, "bench_gemm: %s\n", err);
        return -1;
    }
    uint8_t *img = calloc(1, lay.image_bytes);
    double t = -1;
    sim_stats st;
    if (img && gemm_fill(&ar, &s, &lay, a, w, NULL, NULL, img, err, sizeof err) == 0) {
        sim_opts o;
        memset(&o, 0, sizeof o);
        o.dram = img;
        o.dram_size = lay.image_bytes;
        double t0 = now_s();
        if (sim_run(&ar, NULL, &p, &o, &st, err, sizeof err) == 0) {
            t = now_s() - t0;
            memcpy(c, img + lay.c_addr, sizeof(int32_t) * (size_t)m * N);
        }
    }
    if (t < 0)
        fprintf(stderr, "bench_gemm: C model: %s\n", err);
    free(img);
    program_free(&p);
    return t;
}

int main(void)
{
    const lut_wtype wt = { LUT_WFMT_INT, 2 };
    int8_t *w = malloc((size_t)N * KD);
    int8_t *a = malloc((size_t)GEMM_M * KD);
    int32_t *c_lut = malloc(sizeof(int32_t) * (size_t)GEMM_M * N);
    int32_t *c_int8 = malloc(sizeof(int32_t) * (size_t)GEMM_M * N);
    int32_t *c_port = malloc(sizeof(int32_t) * (size_t)PORTABLE_ROWS * N);
    int64_t *c_naive = malloc(sizeof(int64_t) * (size_t)NAIVE_ROWS * N);
    if (!w || !a || !c_lut || !c_int8 || !c_port || !c_naive) {
        fprintf(stderr, "bench_gemm: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < (size_t)N * KD; i++)
        w[i] = (int8_t)((int)(rng_next() >> 40) % 4 - 2); /* INT2: -2..1 */
    for (size_t i = 0; i < (size_t)GEMM_M * KD; i++)
        a[i] = (int8_t)(rng_next() >> 56);

    lut_gemm_cfg cfg;
    lut_gemm_cfg_default(&cfg, wt);
    cfg.tk = 4;
    cfg.group_size = 128;
    lut_packed p, pp;
    char err[256];
    if (lut_pack(&cfg, w, N, KD, NULL, &p, err, sizeof err) != 0) {
        fprintf(stderr, "bench_gemm: pack failed: %s\n", err);
        return 1;
    }
    cfg.portable = 1;
    if (lut_pack(&cfg, w, N, KD, NULL, &pp, err, sizeof err) != 0) {
        fprintf(stderr, "bench_gemm: pack failed: %s\n", err);
        return 1;
    }
    lut_kernel_fn kern = lut_kernel_select(&p);
    const char *kname = "portable";
#ifdef LUT_HAVE_AVX2_KERNEL
    if (kern == lut_kernel_avx2)
        kname = "avx2";
#endif

    printf("bench_gemm: W2A8 (INT2 weights, INT8 activations, tk=4, group 128), "
           "single thread, best of several runs\n");
    printf("  LUT kernel: %s; int8 baseline: gcc -O3 auto-vectorized (%s); "
           "1 MAC = one int8 x weight multiply-accumulate\n",
           kname, have_avx2() ? "AVX2" : "generic");

    int ok = 1;
    struct {
        const char *label;
        int m, reps, naive_rows, port_rows;
    } shapes[2] = {
        { "GEMV 1x4096x4096", 1, 20, 1, 1 },
        { "GEMM 128x4096x4096", GEMM_M, 4, NAIVE_ROWS, PORTABLE_ROWS },
    };
    printf("  %-20s %-28s %10s %10s\n", "shape", "implementation", "GMAC/s", "ms/run");
    for (int s = 0; s < 2; s++) {
        const int m = shapes[s].m, reps = shapes[s].reps;
        job jl = { .p = &p, .a = a, .w = w, .m = m, .c32 = c_lut };
        job ji = { .a = a, .w = w, .m = m, .c32 = c_int8 };
        job jn = { .a = a, .w = w, .m = shapes[s].naive_rows, .c64 = c_naive };
        job jp = { .p = &pp, .a = a, .w = w, .m = shapes[s].port_rows, .c32 = c_port };
        memset(c_lut, 0, sizeof(int32_t) * (size_t)m * N);
        memset(c_int8, 0xff, sizeof(int32_t) * (size_t)m * N);
        double t_lut = best_of(run_lut, &jl, reps);
        double t_int8 = best_of(run_int8, &ji, reps);
        double t_naive = best_of(run_naive, &jn, m == 1 ? 2 : 1);
        double t_port = best_of(run_lut, &jp, m == 1 ? 3 : 1);
        if (jl.failed || jp.failed)
            return 1;
        ok &= same32(c_lut, c_int8, (size_t)m * N, "LUT vs int8 baseline");
        ok &= same64(c_naive, c_int8, (size_t)jn.m * N, "naive vs int8 baseline");
        ok &= same32(c_port, c_int8, (size_t)jp.m * N, "portable LUT vs int8 baseline");

        double g_lut = gmacs(m, t_lut), g_int8 = gmacs(m, t_int8);
        double g_naive = gmacs(jn.m, t_naive), g_port = gmacs(jp.m, t_port);
        char lbl[64];
        printf("  %-20s %-28s %10.2f %10.3f\n", shapes[s].label, "LUT (lut_gemm_i32)", g_lut,
               t_lut * 1e3);
        printf("  %-20s %-28s %10.2f %10.3f\n", "", "int8 baseline", g_int8, t_int8 * 1e3);
        snprintf(lbl, sizeof lbl, "naive ref_gemm_i64 (%d row%s)", jn.m, jn.m == 1 ? "" : "s");
        printf("  %-20s %-28s %10.2f %10.3f\n", "", lbl, g_naive, t_naive * 1e3);
        snprintf(lbl, sizeof lbl, "LUT portable kernel (%d row%s)", jp.m, jp.m == 1 ? "" : "s");
        printf("  %-20s %-28s %10.2f %10.3f\n", "", lbl, g_port, t_port * 1e3);
        printf("%s W2A8: LUT %.1f GMAC/s, int8 baseline %.1f GMAC/s (LUT is %.2fx), "
               "naive %.2f GMAC/s%s (LUT is %.0fx)\n",
               shapes[s].label, g_lut, g_int8, g_lut / g_int8, g_naive,
               m == 1 ? "" : " on 2 rows", g_lut / g_naive);
    }
    printf("results: LUT == int8 baseline == naive reference: %s\n", ok ? "yes" : "NO");
    {
        /* the last shape's int8 baseline is in c_int8 (GEMM_M rows) */
        double t_lut = best_of(run_lut, &(job){ .p = &p, .a = a, .w = w, .m = GEMM_M, .c32 = c_lut }, 2);
        double t_cm = cmodel_functional(a, w, GEMM_M, c_lut);
        if (t_cm < 0)
            return 1;
        const int same = same32(c_lut, c_int8, (size_t)GEMM_M * N, "C model vs int8 baseline");
        ok &= same;
        printf("C model functional, GEMM %dx%dx%d W2A8 (ideal.json): %.2f GMAC/s (%.3f s), "
               "lut_gemm_i32 %.2f GMAC/s: the C model at %.2fx the host kernel's rate; outputs "
               "%s\n", GEMM_M, N, KD, gmacs(GEMM_M, t_cm), t_cm, gmacs(GEMM_M, t_lut),
               t_lut / t_cm, same ? "equal the int8 baseline" : "DIFFER");
    }

    lut_packed_free(&p);
    lut_packed_free(&pp);
    free(w);
    free(a);
    free(c_lut);
    free(c_int8);
    free(c_port);
    free(c_naive);
    return ok ? 0 : 1;
}
