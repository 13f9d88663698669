/* units.c - SI-prefixed console figures (see units.h). */
#include "units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* prefixes[i] scales by 1000^(i - ZERO) */
static const char *const prefixes[] = {
    "q", "r", "y", "z", "a", "f", "p", "n", "u", "m", "",
    "k", "M", "G", "T", "P", "E", "Z", "Y", "R", "Q",
};
#define ZERO 10
#define NPREFIX ((int)(sizeof prefixes / sizeof prefixes[0]))

/* The mantissa of |v| at prefix i, with 4 significant digits (9.9996
 * rounds to "10.00", not "10.000"). */
static void mantissa(char *out, size_t len, double a, int i)
{
    double m = a / pow(1000.0, i - ZERO);
    int decimals = m >= 100 ? 1 : m >= 10 ? 2 : 3;
    snprintf(out, len, "%.*f", decimals, m);
    double r = strtod(out, NULL);
    if ((decimals == 3 && r >= 10) || (decimals == 2 && r >= 100))
        snprintf(out, len, "%.*f", decimals - 1, m);
}

char *units_si(char *buf, size_t len, double v, const char *unit)
{
    const char *word = unit[0] == ' ' ? unit + 1 : unit; /* unit without its space */
    const char *sign = v < 0 ? "-" : "";
    double a = fabs(v);
    if (isnan(v) || isinf(v)) {
        snprintf(buf, len, "%s %s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf", word);
        return buf;
    }
    if (a < 1000 && a == floor(a)) { /* 0 and exact small counts */
        snprintf(buf, len, "%s%.0f%s%s", sign, a, *word ? " " : "", word);
        return buf;
    }
    int i = ZERO + (int)floor(log10(a) / 3.0);
    char num[64];
    if (i >= 0 && i < NPREFIX) {
        /* log10 may be off by one ulp at a power of 1000; then settle */
        if (a / pow(1000.0, i - ZERO) < 1.0 && i > 0)
            i--;
        mantissa(num, sizeof num, a, i);
        if (strtod(num, NULL) >= 1000.0 && i + 1 < NPREFIX) /* 999.95 -> 1.000 k */
            mantissa(num, sizeof num, a, ++i);
    }
    if (i < 0 || i >= NPREFIX || strtod(num, NULL) >= 1000.0) {
        snprintf(buf, len, "%s%.3e%s%s", sign, a, *word ? " " : "", word);
        return buf;
    }
    const char *p = prefixes[i];
    if (*p == '\0')
        snprintf(buf, len, "%s%s%s%s", sign, num, *word ? " " : "", word);
    else
        snprintf(buf, len, "%s%s %s%s", sign, num, p, unit);
    return buf;
}

char *units_duration(char *buf, size_t len, double seconds)
{
    if (!(seconds >= 0) || seconds > 1e9) { /* NaN, negative, or nonsense */
        snprintf(buf, len, "?");
        return buf;
    }
    unsigned long long s = (unsigned long long)(seconds + 0.5);
    if (s < 60)
        snprintf(buf, len, "%llu s", s);
    else if (s < 3600)
        snprintf(buf, len, "%llu min %02llu s", s / 60, s % 60);
    else
        snprintf(buf, len, "%llu h %02llu min", s / 3600, s % 3600 / 60);
    return buf;
}
