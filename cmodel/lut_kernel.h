/* lut_kernel.h - the look-up inner loop of the LUT GEMM, internal to cmodel.
 *
 * A kernel computes, for R activation rows and every weight column, the
 * doubled bit-plane sum of one scale group:
 *     acc2[r][col] = sum_{c in [c0,c1)} sum_i 2^i * lookup(table[r][c], idx[c][i][col])
 * All kernels return identical integers; they differ only in speed.
 */
#ifndef LUT_KERNEL_H
#define LUT_KERNEL_H

#include "lut_gemm.h"

typedef void (*lut_kernel_fn)(const lut_packed *w, int c0, int c1,
                              const lut_entry_t *tabs, int R, int32_t *acc2);

/* tabs is [R][nchunks][2^(tk-1)]; acc2 is [R][n]. */
void lut_kernel_portable(const lut_packed *w, int c0, int c1,
                         const lut_entry_t *tabs, int R, int32_t *acc2);

/* The fastest kernel this host and packing support. */
lut_kernel_fn lut_kernel_select(const lut_packed *w);

#if defined(__x86_64__) || defined(__i386__)
#define LUT_HAVE_AVX2_KERNEL 1
void lut_kernel_avx2(const lut_packed *w, int c0, int c1,
                     const lut_entry_t *tabs, int R, int32_t *acc2);
#endif

#endif
