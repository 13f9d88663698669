/* unit_mac.c - a dot-product tensor core and its dequant stage (mma_array.h). */
#include "mma_array.h"

#include "machine.h"

#include <string.h>


void mac_time(const arch_t *a, uint64_t m, uint64_t n, uint64_t k, int wbits, int swap,
              mac_timing *t)
{
    memset(t, 0, sizeof *t);
    const uint64_t rows = swap ? n : m, cols = swap ? m : n; /* on tm, on tn */
    t->passes = ceil_div(rows, (uint64_t)a->mac_m) * ceil_div(cols, (uint64_t)a->mac_n) *
                ceil_div(k, (uint64_t)a->mac_k);
    /* INT8 operands take 8-bit weights as they are, FP16 operands 16-bit
     * (FP16) weights; anything narrower is converted first.  The stage feeds
     * the weights once per tile of n x k (the array reuses them across m). */
    const int native = (a->mac_dtype == MAC_INT8 && wbits == 8) ||
                       (a->mac_dtype == MAC_FP16 && wbits == 16); /* FP16 weights as they are */
    if (!native) {
        /* (swapped, the weights stream past the held activations once per
         * tile of them, through the stage each time) */
        t->dq_weights = n * k * (swap ? ceil_div(m, (uint64_t)a->mac_n) : 1);
        t->dq_cycles = ceil_div(t->dq_weights, (uint64_t)a->mac_dq_lanes);
    }
    t->cycles = t->passes > t->dq_cycles ? t->passes : t->dq_cycles;
}
