/* unit_mac.c - a dot-product tensor core and its dequant stage (mma_array.h). */
#include "mma_array.h"

#include "machine.h"

#include <string.h>


void mac_time(const arch_t *a, uint64_t m, uint64_t n, uint64_t k, int wbits, mac_timing *t)
{
    memset(t, 0, sizeof *t);
    t->passes = ceil_div(m, (uint64_t)a->mac_m) * ceil_div(n, (uint64_t)a->mac_n) *
                ceil_div(k, (uint64_t)a->mac_k);
    /* INT8 operands take 8-bit weights as they are, FP16 operands 16-bit
     * (FP16) weights; anything narrower is converted first.  The stage feeds
     * the weights once per tile of n x k (the array reuses them across m). */
    const int native = (a->mac_dtype == MAC_INT8 && wbits == 8) ||
                       (a->mac_dtype == MAC_FP16 && wbits == 16); /* FP16 weights as they are */
    if (!native) {
        t->dq_weights = n * k;
        t->dq_cycles = ceil_div(t->dq_weights, (uint64_t)a->mac_dq_lanes);
    }
    t->cycles = t->passes > t->dq_cycles ? t->passes : t->dq_cycles;
}
