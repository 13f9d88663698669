/* lut_types.c - validity and encoding of the weight formats. */
#include "lut_types.h"

#include <stdio.h>
#include <string.h>

static const char *const fmt_names[] = { "int", "uint", "ternary", "binary" };

const char *lut_wfmt_name(lut_wfmt f)
{
    return (unsigned)f < sizeof fmt_names / sizeof fmt_names[0] ? fmt_names[f] : "?";
}

int lut_wfmt_parse(const char *s, lut_wfmt *out)
{
    for (unsigned i = 0; i < sizeof fmt_names / sizeof fmt_names[0]; i++) {
        if (strcmp(s, fmt_names[i]) == 0) {
            *out = (lut_wfmt)i;
            return 0;
        }
    }
    return -1;
}

int lut_wtype_check(lut_wtype t, char *err, size_t errlen)
{
    switch (t.fmt) {
    case LUT_WFMT_INT:
        if (t.bits >= 2 && t.bits <= LUT_MAX_WBITS)
            return 0;
        snprintf(err, errlen, "signed int weights take 2..8 bits, not %d", t.bits);
        return -1;
    case LUT_WFMT_UINT:
        if (t.bits >= 1 && t.bits <= LUT_MAX_WBITS)
            return 0;
        snprintf(err, errlen, "unsigned int weights take 1..8 bits, not %d", t.bits);
        return -1;
    case LUT_WFMT_TERNARY:
        if (t.bits == 2)
            return 0;
        snprintf(err, errlen, "ternary weights are a 2-bit code, not %d bits", t.bits);
        return -1;
    case LUT_WFMT_BINARY:
        if (t.bits == 1)
            return 0;
        snprintf(err, errlen, "binary weights are 1 bit, not %d bits", t.bits);
        return -1;
    }
    snprintf(err, errlen, "unknown weight format %d", (int)t.fmt);
    return -1;
}

void lut_wtype_range(lut_wtype t, int *lo, int *hi)
{
    switch (t.fmt) {
    case LUT_WFMT_INT:
        *lo = -(1 << (t.bits - 1));
        *hi = (1 << (t.bits - 1)) - 1;
        return;
    case LUT_WFMT_UINT:
        *lo = 0;
        *hi = (1 << t.bits) - 1;
        return;
    case LUT_WFMT_TERNARY:
    case LUT_WFMT_BINARY:
        *lo = -1;
        *hi = 1;
        return;
    }
    *lo = 0;
    *hi = -1;
}

int lut_wtype_admits(lut_wtype t, int v)
{
    int lo, hi;
    lut_wtype_range(t, &lo, &hi);
    if (v < lo || v > hi)
        return 0;
    return !(t.fmt == LUT_WFMT_BINARY && v == 0);
}

int lut_wtype_code(lut_wtype t, int v)
{
    switch (t.fmt) {
    case LUT_WFMT_INT:
        return v + (1 << (t.bits - 1));
    case LUT_WFMT_TERNARY:
        return v + 1;
    case LUT_WFMT_BINARY:
        return (v + 1) / 2;
    case LUT_WFMT_UINT:
        break;
    }
    return v;
}

int lut_wtype_z2(lut_wtype t)
{
    switch (t.fmt) {
    case LUT_WFMT_INT:
        return 1 << t.bits; /* 2 * 2^(b-1) */
    case LUT_WFMT_TERNARY:
        return 2;
    case LUT_WFMT_BINARY:
        return 1;           /* z = 1/2: 2^1 - 1 - 1 = 0, no zero-point term */
    case LUT_WFMT_UINT:
        break;
    }
    return 0;
}
