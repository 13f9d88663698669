/* routing.c - distinct experts touched per MoE layer: uniform in closed
 * form, Zipf-skewed by seeded sampling. */
#include "routing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double moe_expected_touched(int E, int k, uint64_t T)
{
    if (E <= 0 || k <= 0 || T == 0)
        return 0;
    /* (1 - k/E)^T as exp(T log1p(-k/E)): exact enough for T up to 2^36 */
    double miss = k >= E ? 0.0 : exp((double)T * log1p(-(double)k / E));
    return E * (1.0 - miss);
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s) { return (double)(splitmix64(s) >> 11) * 0x1.0p-53; }

/* Draws of one layer, the work they may take in all: beyond it the run is
 * refused rather than left to run for minutes. */
#define ZIPF_BUDGET 4000000000.0

/* Experts touched by T tokens of one layer under Zipf weights w[0..E-1];
 * stops early once every expert is touched. */
static int zipf_layer(const double *w, int E, int k, uint64_t T, uint64_t seed,
                      unsigned char *hit, double *picked, double *work)
{
    memset(hit, 0, (size_t)E);
    int touched = 0;
    for (uint64_t t = 0; t < T && touched < E; t++) {
        double left = 0;
        for (int i = 0; i < E; i++) {
            picked[i] = 0;
            left += w[i];
        }
        for (int j = 0; j < k; j++) {
            double u = unit(&seed) * left;
            int pick = -1;
            for (int i = 0; i < E; i++) {
                if (picked[i] != 0)
                    continue;
                pick = i;
                if ((u -= w[i]) < 0)
                    break;
            }
            picked[pick] = 1;
            left -= w[pick];
            if (!hit[pick]) {
                hit[pick] = 1;
                touched++;
            }
        }
        *work += (double)k * E;
        if (*work > ZIPF_BUDGET)
            return -1;
    }
    return touched;
}

int moe_route(const model_cfg *m, const model_phase *ph, int *touched, int nmoe, char *err,
              size_t errlen)
{
    const int E = m->moe_experts, k = m->moe_top_k;
    const uint64_t T = model_phase_tokens(ph);
    if (nmoe <= 0)
        return 0;
    if (E < 1 || k < 1 || k > E) {
        snprintf(err, errlen, "--routing: the model has no valid experts (E %d, top-k %d)", E, k);
        return -1;
    }
    if (m->moe_routing == MOE_ROUTE_UNIFORM) {
        const double d = moe_expected_touched(E, k, T);
        long long sum = llround(d * nmoe);
        const long long lo = (long long)k * nmoe, hi = (long long)E * nmoe;
        sum = sum < lo ? lo : sum > hi ? hi : sum;
        for (int i = 0; i < nmoe; i++)
            touched[i] = (int)(sum / nmoe + (i < sum % nmoe));
        return 0;
    }
    if (m->moe_routing != MOE_ROUTE_ZIPF || !(m->moe_zipf_s >= 0 && m->moe_zipf_s <= 8)) {
        snprintf(err, errlen, "--routing: expected uniform or zipf:S with S in 0..8");
        return -1;
    }
    double *w = malloc(sizeof *w * (size_t)E * 2);
    unsigned char *hit = malloc((size_t)E);
    if (!w || !hit) {
        free(w);
        free(hit);
        snprintf(err, errlen, "--routing: out of memory");
        return -1;
    }
    for (int i = 0; i < E; i++)
        w[i] = pow(i + 1.0, -m->moe_zipf_s);
    double work = 0;
    int rc = 0;
    for (int l = 0; l < nmoe && rc == 0; l++) {
        uint64_t seed = ((uint64_t)m->moe_route_seed << 32) ^ (uint64_t)l * 0x100000001b3ull;
        touched[l] = zipf_layer(w, E, k, T, seed, hit, w + E, &work);
        if (touched[l] < 0) {
            snprintf(err, errlen, "--routing zipf: %llu tokens x %d MoE layers are too many "
                     "to sample (more than %.0e draws); use --routing uniform",
                     (unsigned long long)T, nmoe, ZIPF_BUDGET);
            rc = -1;
        }
    }
    free(w);
    free(hit);
    return rc;
}
