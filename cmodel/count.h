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
 * once at its end.  Nothing here wraps.  (Inline: the C model's run loop
 * uses them per instruction.)
 */
#ifndef COUNT_H
#define COUNT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define COUNT_MAX ((uint64_t)INT64_MAX)

static inline uint64_t count_overflow_(int *ovf)
{
    *ovf = 1;
    return COUNT_MAX;
}

/* a + b */
static inline uint64_t count_add(uint64_t a, uint64_t b, int *ovf)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r) || r > COUNT_MAX)
        return count_overflow_(ovf);
    return r;
}

/* a * b */
static inline uint64_t count_mul(uint64_t a, uint64_t b, int *ovf)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r) || r > COUNT_MAX)
        return count_overflow_(ovf);
    return r;
}

/* a * b * c (0 if any factor is 0, even when the other two overflow) */
static inline uint64_t count_mul3(uint64_t a, uint64_t b, uint64_t c, int *ovf)
{
    if (a == 0 || b == 0 || c == 0)
        return 0;
    int o = 0;
    uint64_t r = count_mul(count_mul(a, b, &o), c, &o);
    return o ? count_overflow_(ovf) : r;
}

/* a + b * c */
static inline uint64_t count_addmul(uint64_t a, uint64_t b, uint64_t c, int *ovf)
{
    int o = 0;
    uint64_t r = count_add(a, count_mul(b, c, &o), &o);
    return o ? count_overflow_(ovf) : r;
}

#ifdef __cplusplus
}
#endif
#endif
