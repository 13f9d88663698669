/* units.h - numbers for people: SI prefixes on every console figure.
 *
 * units_si() prints a value with 4 significant digits and the SI prefix
 * that puts the mantissa in 1..999.9 (q .. Q, 1e-30 .. 1e30):
 *
 *   units_si(b, n, 13.81e12, " MAC")    "13.81 T MAC"
 *   units_si(b, n, 55.23e9, " cycles")  "55.23 G cycles"
 *   units_si(b, n, 0.0435, "s")         "43.50 ms"
 *   units_si(b, n, 2.68e9, "B")         "2.680 GB"
 *   units_si(b, n, 999.95, "B")         "1.000 kB"  (rounding moves the prefix)
 *   units_si(b, n, 47, " MAC")          "47 MAC"    (integers below 1000 exactly)
 *   units_si(b, n, 0, " MAC")           "0 MAC"
 *
 * A unit that is a symbol ("s", "B", "J", "OPS") takes the prefix directly;
 * a unit written with a leading space (" MAC", " cycles") is a word, and the
 * prefix stands alone before it.  An empty unit gives the prefix alone
 * ("1.100 T").  Beyond the prefixes (|v| >= 1e33 or < 1e-30) the mantissa
 * is printed in e-notation ("1.000e+40 MAC"); infinities and NaN as "inf"
 * and "nan".  Decimal (SI) prefixes throughout: 1 kB = 1000 B.
 *
 * units_duration() prints a span of seconds for an ETA: "45 s", "3 min 05 s",
 * "2 h 07 min".
 *
 * Both write at most len bytes (truncating, always NUL-terminated) and
 * return buf, so they can be used inside a printf argument list.
 */
#ifndef UNITS_H
#define UNITS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UNITS_LEN 48 /* enough for any value with a unit of up to 24 characters */

char *units_si(char *buf, size_t len, double v, const char *unit);
char *units_duration(char *buf, size_t len, double seconds);

#ifdef __cplusplus
}
#endif
#endif
