/* ref_gemm.c - naive reference GEMM over dequantized integer weights. */
#include "ref_gemm.h"

#include <stddef.h>

/* The reference's inner products, compiled for the host's widest vectors
 * (an AVX2 clone chosen at load time on x86-64): plain loops, exact. */
#if defined(__x86_64__)
#define REF_VECTORISED __attribute__((optimize("O3"), target_clones("avx2", "default")))
#else
#define REF_VECTORISED __attribute__((optimize("O3")))
#endif

int ref_weight_value2(lut_wtype t, int v, int z2)
{
    switch (t.fmt) {
    case LUT_WFMT_INT:
    case LUT_WFMT_TERNARY:
    case LUT_WFMT_BINARY:
        return 2 * v;
    case LUT_WFMT_UINT:
        return 2 * v - z2;
    }
    return 0;
}

/* a . w over [k0, k1) for INT8 activations and a format whose weight is
 * its stored byte (int, ternary, binary): int32 partial sums over blocks
 * too short to overflow (|a w| <= 2^14, 2^16 terms), a loop plain enough
 * for the compiler to vectorise (`run --functional` checks every layer). */
REF_VECTORISED static int64_t dot_i8(const int8_t *a, const int8_t *w, int k0,
                                                      int k1)
{
    int64_t s = 0;
    for (int b = k0; b < k1; b += 1 << 16) {
        const int e = k1 - b > (1 << 16) ? b + (1 << 16) : k1;
        int32_t p = 0;
        for (int k = b; k < e; k++)
            p += (int32_t)a[k] * (int32_t)w[k];
        s += p;
    }
    return s;
}

/* The same with wider activations (int32 holding at most 16-bit values,
 * act_bits <= 16): |a w| <= 2^22, so int32 partial sums over blocks of
 * 2^8 terms. */
REF_VECTORISED static int64_t dot_i32(const int32_t *a, const int8_t *w, int k0,
                                                       int k1)
{
    int64_t s = 0;
    for (int b = k0; b < k1; b += 1 << 8) {
        const int e = k1 - b > (1 << 8) ? b + (1 << 8) : k1;
        int32_t p = 0;
        for (int k = b; k < e; k++)
            p += a[k] * (int32_t)w[k];
        s += p;
    }
    return s;
}

/* Dot product of one group, as an exact integer; the activations are
 * INT8 (a8) or wider (a32, when not NULL). */
static int64_t group_dot(lut_wtype t, const int8_t *a8, const int32_t *a32, const int8_t *w,
                         int z2, int k0, int k1)
{
    if (t.fmt != LUT_WFMT_UINT) /* weight value = 2 x stored byte / 2 */
        return a32 ? dot_i32(a32, w, k0, k1) : dot_i8(a8, w, k0, k1);
    int64_t s2 = 0;
    for (int k = k0; k < k1; k++)
        s2 += (int64_t)(a32 ? a32[k] : a8[k]) *
              ref_weight_value2(t, lut_wtype_stored(t, w[k]), z2);
    return s2 / 2;
}

static void gemm_i64(lut_wtype t, const int8_t *a8, const int32_t *a32, const int8_t *w,
                     const int32_t *z2, int group_size, int m, int n, int kd, int64_t *c)
{
    int ngroups = (kd + group_size - 1) / group_size;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            int64_t s = 0;
            for (int g = 0; g < ngroups; g++) {
                int k0 = g * group_size, k1 = k0 + group_size > kd ? kd : k0 + group_size;
                int zz = z2 ? z2[(size_t)j * ngroups + g] : 0;
                s += group_dot(t, a8 ? a8 + (size_t)i * kd : NULL,
                               a32 ? a32 + (size_t)i * kd : NULL, w + (size_t)j * kd, zz, k0, k1);
            }
            c[(size_t)i * n + j] = s;
        }
    }
}

void ref_gemm_i64(lut_wtype t, const int8_t *a, const int8_t *w,
                  const int32_t *z2, int group_size, int m, int n, int kd,
                  int64_t *c)
{
    gemm_i64(t, a, NULL, w, z2, group_size, m, n, kd, c);
}

void ref_gemm_i64_wide(lut_wtype t, const int32_t *a, const int8_t *w, const int32_t *z2,
                       int group_size, int m, int n, int kd, int64_t *c)
{
    gemm_i64(t, NULL, a, w, z2, group_size, m, n, kd, c);
}

static void gemm_f32(lut_wtype t, const int8_t *a, const int8_t *w, const int32_t *z2,
                     const float *scales, int round, lut_scale_type st, int group_size,
                     int m, int n, int kd, float *out)
{
    int ngroups = (kd + group_size - 1) / group_size;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float o = 0.0f;
            for (int g = 0; g < ngroups; g++) {
                int k0 = g * group_size, k1 = k0 + group_size > kd ? kd : k0 + group_size;
                int zz = z2 ? z2[(size_t)j * ngroups + g] : 0;
                int64_t d = group_dot(t, a + (size_t)i * kd, NULL, w + (size_t)j * kd, zz, k0, k1);
                float sc = scales ? scales[(size_t)j * ngroups + g] : 1.0f;
                float prod = (round ? lut_scale_round(st, sc) : sc) * (float)d;
                o = o + prod;
            }
            out[(size_t)i * n + j] = o;
        }
    }
}

void ref_gemm_f32(lut_wtype t, const int8_t *a, const int8_t *w,
                  const int32_t *z2, const float *scales, int group_size,
                  int m, int n, int kd, float *out)
{
    gemm_f32(t, a, w, z2, scales, 0, LUT_SCALE_FP32, group_size, m, n, kd, out);
}

void ref_gemm_f32_stored(lut_wtype t, const int8_t *a, const int8_t *w, const int32_t *z2,
                         const float *scales, lut_scale_type st, int group_size, int m, int n,
                         int kd, float *out)
{
    gemm_f32(t, a, w, z2, scales, 1, st, group_size, m, n, kd, out);
}
