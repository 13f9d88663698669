/* randgen.h - seeded random activations and weights for functional runs
 * (xorshift32: the same values on every host and C library). */
#ifndef RANDGEN_H
#define RANDGEN_H

#include <stddef.h>
#include <stdint.h>

#include "lut_types.h"

uint32_t rand_seed_state(unsigned seed);
void rand_acts(int8_t *a, size_t n, uint32_t *state);
/* Values the weight format admits (binary: -1/+1). */
void rand_weights(int8_t *w, size_t n, lut_wtype wt, uint32_t *state);
/* Doubled integer zero-points 2z, z uniform over the codes of wt (UINT). */
void rand_zero_points(int32_t *z2, size_t n, lut_wtype wt, uint32_t *state);

#endif
