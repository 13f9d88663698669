/* sweep_pareto.h - the exact non-dominated set of points.
 *
 * Point a dominates b when a is no worse in every objective and strictly
 * better in one (min: smaller, max: larger).  Points sorted by their
 * objectives can only be dominated by points before them, so each is
 * checked against the front found so far: exact, and fast while the
 * front is small.
 */
#ifndef SWEEP_PARETO_H
#define SWEEP_PARETO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* v holds n points of k objectives (row-major, v[i*k + j]); max[j] 1 to
 * maximise objective j.  Sets front[i] = 1 for the non-dominated points;
 * returns their number, or -1 if out of memory. */
long sweep_pareto_front(const double *v, size_t n, int k, const int *max, unsigned char *front);

#ifdef __cplusplus
}
#endif
#endif
