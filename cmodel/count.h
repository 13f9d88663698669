/* count.h - checked 64-bit counts: the one place lutsim multiplies and adds
 * sizes, cycles, MACs, bytes and events that could overflow.
 *
 * Every count lutsim reports is a uint64_t that must also fit a SIGNED
 * 64-bit integer: JSON integers are read as int64 (jansson's json_int_t,
 * and most tools), so anything above 2^63 - 1 would print as a negative
 * number.  COUNT_MAX = 2^63 - 1 is therefore the most lutsim can count.
 *
 * The functions take a sticky flag: on overflow they set *ovf and return
 * COUNT_MAX, so a chain of products and sums is written plainly and checked
 * once at its end.  Nothing here wraps.
 */
#ifndef COUNT_H
#define COUNT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define COUNT_MAX ((uint64_t)INT64_MAX)

/* a + b */
uint64_t count_add(uint64_t a, uint64_t b, int *ovf);
/* a * b */
uint64_t count_mul(uint64_t a, uint64_t b, int *ovf);
/* a * b * c */
uint64_t count_mul3(uint64_t a, uint64_t b, uint64_t c, int *ovf);
/* a + b * c */
uint64_t count_addmul(uint64_t a, uint64_t b, uint64_t c, int *ovf);

#ifdef __cplusplus
}
#endif
#endif
