/* randgen.c - reproducible random inputs. */
#include "randgen.h"

static uint32_t next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

uint32_t rand_seed_state(unsigned seed) { return seed * 2654435761u + 1u; }

void rand_acts(int8_t *a, size_t n, uint32_t *state)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (int8_t)(next(state) & 0xff);
}

void rand_weights(int8_t *w, size_t n, lut_wtype wt, uint32_t *state)
{
    int lo, hi;
    lut_wtype_range(wt, &lo, &hi);
    for (size_t i = 0; i < n; i++) {
        int v;
        do
            v = lo + (int)(next(state) % (uint32_t)(hi - lo + 1));
        while (!lut_wtype_admits(wt, v));
        w[i] = (int8_t)v;
    }
}

void rand_zero_points(int32_t *z2, size_t n, lut_wtype wt, uint32_t *state)
{
    for (size_t i = 0; i < n; i++)
        z2[i] = 2 * (int32_t)(next(state) % (1u << wt.bits));
}
