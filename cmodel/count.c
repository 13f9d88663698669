/* count.c - checked 64-bit counts (see count.h). */
#include "count.h"

static uint64_t bad(int *ovf)
{
    *ovf = 1;
    return COUNT_MAX;
}

uint64_t count_add(uint64_t a, uint64_t b, int *ovf)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r) || r > COUNT_MAX)
        return bad(ovf);
    return r;
}

uint64_t count_mul(uint64_t a, uint64_t b, int *ovf)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r) || r > COUNT_MAX)
        return bad(ovf);
    return r;
}

uint64_t count_mul3(uint64_t a, uint64_t b, uint64_t c, int *ovf)
{
    if (a == 0 || b == 0 || c == 0)
        return 0; /* even if a partial product would overflow */
    int o = 0;
    uint64_t r = count_mul(count_mul(a, b, &o), c, &o);
    return o ? bad(ovf) : r;
}

uint64_t count_addmul(uint64_t a, uint64_t b, uint64_t c, int *ovf)
{
    int o = 0;
    uint64_t r = count_add(a, count_mul(b, c, &o), &o);
    return o ? bad(ovf) : r;
}
