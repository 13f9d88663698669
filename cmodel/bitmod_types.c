/* bitmod_types.c - BitMoD's FP3/FP4 variants and group choice (bitmod_types.h). */
#include "bitmod_types.h"

#include "fp_arith.h"

#include <math.h>

/* Magnitudes by index (the -0 slot excepted), and the special value's. */
static const int fp3_mag[4] = { 0, 1, 2, 4 };
static const int fp4_mag[8] = { 0, 1, 2, 3, 4, 6, 8, 12 }; /* E2M1 in halves */
static const int fp3_special[2] = { 3, 6 };                /* ER, EA */
static const int fp4_special[2] = { 10, 16 };

int bitmod_bits_ok(int bits)
{
    return bits == 3 || bits == 4;
}

int bitmod_value(int bits, bitmod_variant v, unsigned code)
{
    const unsigned half = 1u << (bits - 1);
    const unsigned idx = code & (half - 1);
    const int neg = (code & half) != 0;
    if (neg && idx == 0) {
        int sp = bits == 3 ? fp3_special[v >= BITMOD_EA_POS] : fp4_special[v >= BITMOD_EA_POS];
        return (v == BITMOD_ER_NEG || v == BITMOD_EA_NEG) ? -sp : sp;
    }
    int m = bits == 3 ? fp3_mag[idx] : fp4_mag[idx];
    return neg ? -m : m;
}

int bitmod_vmax(int bits, bitmod_variant v)
{
    int top = bits == 3 ? fp3_mag[3] : fp4_mag[7];
    int sp = bits == 3 ? fp3_special[v >= BITMOD_EA_POS] : fp4_special[v >= BITMOD_EA_POS];
    return sp > top ? sp : top;
}

/* A variant's values in ascending order with their codes: the nearest
 * value is then a binary search, not a scan of every code. */
typedef struct {
    int n;
    float val[16];
    uint8_t code[16];
} sorted_grid;

static void grid_of(int bits, bitmod_variant v, sorted_grid *g)
{
    g->n = 1 << bits;
    for (int c = 0; c < g->n; c++) {
        const float x = (float)bitmod_value(bits, v, (unsigned)c);
        int i = c;
        for (; i > 0 && g->val[i - 1] > x; i--) {
            g->val[i] = g->val[i - 1];
            g->code[i] = g->code[i - 1];
        }
        g->val[i] = x;
        g->code[i] = (uint8_t)c;
    }
}

/* The index in g of the value nearest x. */
static int nearest_index(const sorted_grid *g, float x)
{
    if (x <= g->val[0])
        return 0;
    if (x >= g->val[g->n - 1])
        return g->n - 1;
    int lo = 0, hi = g->n - 1; /* val[lo] <= x < val[hi] */
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (g->val[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    const float dl = x - g->val[lo], dh = g->val[hi] - x;
    if (dl != dh)
        return dl < dh ? lo : hi;
    return fabsf(g->val[lo]) <= fabsf(g->val[hi]) ? lo : hi;
}

static unsigned nearest(const sorted_grid *g, float x)
{
    return g->code[nearest_index(g, x)];
}

unsigned bitmod_encode(int bits, bitmod_variant v, float x)
{
    sorted_grid g;
    grid_of(bits, v, &g);
    return nearest(&g, x);
}

float bitmod_row_scale(int bits, float absmax)
{
    if (!(absmax > 0.0f))
        return 0.0f;
    const float s = absmax / (float)(bitmod_vmax(bits, BITMOD_ER_POS) * 255);
    uint16_t h = fp_f32_to_f16(s);
    /* rounded up, so that code 255 always reaches the row's largest weight */
    if (fp_f16_to_f32(h) < s && (h & 0x7c00u) != 0x7c00u)
        h++;
    return fp_f16_to_f32(h);
}

float bitmod_dequant(int bits, bitmod_variant v, unsigned code, uint8_t scale_code,
                     float row_scale)
{
    const float s = (float)scale_code * row_scale;
    return (float)bitmod_value(bits, v, code) * s;
}

/* The scale code of a group whose largest |w| is absmax under variant v. */
static uint8_t scale_code_of(int bits, bitmod_variant v, float absmax, float row_scale)
{
    if (!(row_scale > 0.0f) || !(absmax > 0.0f))
        return 0;
    float c = nearbyintf(absmax / ((float)bitmod_vmax(bits, v) * row_scale));
    return c < 1.0f ? 1 : c > 255.0f ? 255 : (uint8_t)c;
}

void bitmod_quant_group(int bits, const float *w, int n, float row_scale, bitmod_group *g,
                        uint8_t *codes, float *deq)
{
    float absmax = 0.0f;
    for (int i = 0; i < n; i++)
        absmax = fmaxf(absmax, fabsf(w[i]));
    g->variant = BITMOD_ER_POS;
    g->scale_code = 0;
    g->sse = INFINITY;
    sorted_grid grids[BITMOD_VARIANTS];
    for (int v = 0; v < BITMOD_VARIANTS; v++) {
        grid_of(bits, (bitmod_variant)v, &grids[v]);
        const uint8_t sc = scale_code_of(bits, (bitmod_variant)v, absmax, row_scale);
        const float s = (float)sc * row_scale;
        double sse = 0.0;
        for (int i = 0; i < n; i++) {
            /* the grid value times s is bitmod_dequant's product */
            const float d = s > 0.0f ? grids[v].val[nearest_index(&grids[v], w[i] / s)] * s : 0.0f;
            double e = (double)d - w[i];
            sse += e * e;
        }
        if (sse < g->sse) {
            g->variant = (bitmod_variant)v;
            g->scale_code = sc;
            g->sse = sse;
        }
    }
    const float s = (float)g->scale_code * row_scale;
    for (int i = 0; i < n; i++) {
        unsigned c = s > 0.0f ? nearest(&grids[g->variant], w[i] / s) : 0;
        if (codes)
            codes[i] = (uint8_t)c;
        if (deq)
            deq[i] = bitmod_dequant(bits, g->variant, c, g->scale_code, row_scale);
    }
}
