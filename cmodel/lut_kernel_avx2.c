/* lut_kernel_avx2.c - placeholder until the SIMD kernel lands: portable. */
#include "lut_kernel.h"

#ifdef LUT_HAVE_AVX2_KERNEL
void lut_kernel_avx2(const lut_packed *w, int c0, int c1,
                     const lut_entry_t *tabs, int R, int32_t *acc2)
{
    lut_kernel_portable(w, c0, c1, tabs, R, acc2);
}
#endif
