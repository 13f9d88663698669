/* sweep_pareto_front.c - the non-dominated set (sweep_pareto.h). */
#include "sweep_pareto.h"

#include <stdlib.h>

typedef struct {
    const double *v;
    const int *max;
    int k;
} order_ctx;

static order_ctx oc; /* qsort has no context argument */

/* objective j of point i, as a value to minimise */
static double cost(const double *v, int k, const int *max, size_t i, int j)
{
    return max[j] ? -v[i * (size_t)k + (size_t)j] : v[i * (size_t)k + (size_t)j];
}

static int by_objectives(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    for (int j = 0; j < oc.k; j++) {
        double x = cost(oc.v, oc.k, oc.max, a, j), y = cost(oc.v, oc.k, oc.max, b, j);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a < b ? -1 : a > b;
}

static int dominates(const double *v, int k, const int *max, size_t a, size_t b)
{
    int better = 0;
    for (int j = 0; j < k; j++) {
        double x = cost(v, k, max, a, j), y = cost(v, k, max, b, j);
        if (x > y)
            return 0;
        better |= x < y;
    }
    return better;
}

long sweep_pareto_front(const double *v, size_t n, int k, const int *max, unsigned char *front)
{
    size_t *order = malloc(sizeof *order * (n + 1)), *kept = malloc(sizeof *kept * (n + 1));
    if (!order || !kept) {
        free(order);
        free(kept);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        front[i] = 0;
    }
    oc = (order_ctx){ v, max, k };
    qsort(order, n, sizeof *order, by_objectives);
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        size_t p = order[i];
        int dominated = 0;
        for (size_t f = 0; f < nk && !dominated; f++)
            dominated = dominates(v, k, max, kept[f], p);
        if (!dominated) {
            kept[nk++] = p;
            front[p] = 1;
        }
    }
    free(order);
    free(kept);
    return (long)nk;
}
