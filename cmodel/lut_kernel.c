/* lut_kernel.c - the portable look-up kernel and kernel selection. */
#include "lut_kernel.h"

#include <string.h>

void lut_kernel_portable(const lut_packed *w, int c0, int c1,
                         const lut_entry_t *tabs, int R, int32_t *acc2)
{
    const int n = w->n, bits = w->cfg.wtype.bits;
    const int E = lut_table_entries(w->cfg.tk), nchunks = w->nchunks;
    memset(acc2, 0, sizeof(int32_t) * (size_t)R * n);
    for (int c = c0; c < c1; c++) {
        for (int i = 0; i < bits; i++) {
            const uint8_t *idx = w->idx + ((size_t)c * bits + i) * n;
            for (int r = 0; r < R; r++) {
                const lut_entry_t *t = tabs + ((size_t)r * nchunks + c) * E;
                int32_t *acc = acc2 + (size_t)r * n;
                for (int col = 0; col < n; col++)
                    acc[col] = lut_shift_acc(acc[col], lut_lookup(t, idx[col]), i);
            }
        }
    }
}

lut_kernel_fn lut_kernel_select(const lut_packed *w)
{
#ifdef LUT_HAVE_AVX2_KERNEL
    /* The SIMD kernel keeps a whole table in one 16-byte shuffle: tk <= 5. */
    if (!w->cfg.portable && w->cfg.tk <= 5 && __builtin_cpu_supports("avx2"))
        return lut_kernel_avx2;
#endif
    (void)w;
    return lut_kernel_portable;
}
