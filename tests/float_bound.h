// float_bound.h - the error bound of one float-activation output of the LUT
// core against the exact sum, derived from the formats alone, shared by the
// tests of integer weights (test_float_act) and of quantized float weights
// (test_quant_float).
//
// The core computes, per scale group g of L activations (chunks c of K =
// tk activations each, W bit-planes, table entries T = sums of K
// activations), out = sum_g s_g * (sum_i 2^i sum_c T_c,i + corr_g A_g) * h
// (h = 1/2 for formats with a post-shift).  With u = 2^-24 (binary32's
// unit roundoff) and gamma_n = n u / (1 - n u) bounding a chain of n
// rounded additions relative to the sum of magnitudes:
//   table entry of chunk c (S_c = sum |a| over the chunk):
//     summation (K-1) u S_c, then the table format: fp16 2^-11 |s| + 2^-25
//     (half fp16's smallest subnormal), fp32 nothing, int8 with scale
//     sc <= S_c (1 + K u) / 127 (1 + u): |q sc - s| <= sc (1/2 + 127 u) and
//     the look-up product u |q sc| <= 128 u sc;
//   the plane sum of a group: each entry error weighs sum_i 2^i = P =
//     2^W - 1; its n = chunks x W rounded additions gamma_n P sum(S_c + e_c);
//   the activation sum gamma_L A (A = sum |a| over the group), times
//     |corr|, the zero-point product and the group sum u each on bounds of
//     their magnitudes (B = P sum(S_c + e_c) + |corr| A); halving is exact;
//   dequant: the scale product u |s g| and the G groups' chain gamma_G
//     sum |s g|.
// Second-order terms (u times an error already of order u) are covered by
// taking 2u for the last roundings.  A float64 reference of k products adds
// at most k 2^-53 of its sum of magnitudes, doubled for its own products:
// reference_bound.
#ifndef FLOAT_BOUND_H
#define FLOAT_BOUND_H

#include <algorithm>
#include <cmath>

#include "lut_float.h"
#include "lut_gemm.h"

namespace floattest {

// |computed - exact| for output column col of activation row a_row (kd
// values), sc the column's pk.ngroups group scales, tf the table format.
inline double core_bound(const lut_packed &pk, lut_tfmt tf, const float *a_row, const float *sc,
                         int col)
{
    const double u = std::ldexp(1.0, -24), K = pk.cfg.tk;
    const int W = pk.cfg.wtype.bits, G = pk.ngroups;
    const double P = std::ldexp(1.0, W) - 1;
    const double half = lut_post_shift(pk.cfg.wtype.fmt) ? 0.5 : 1.0;
    auto gamma = [&](double n) { return n * u / (1 - n * u); };
    double total = 0, mag = 0;
    for (int g = 0; g < G; g++) {
        double A = 0, esum = 0, ssum = 0;
        const int c0 = pk.group_c0[g], c1 = pk.group_c0[g + 1];
        for (int c = c0; c < c1; c++) {
            double S = 0;
            for (int k = pk.chunk_k0[c]; k < pk.chunk_k0[c] + pk.chunk_len[c]; k++)
                S += std::fabs(a_row[k]);
            double e = (K - 1) * u * S;
            if (tf == LUT_TFMT_FP16)
                e += std::ldexp(1.0, -11) * S * (1 + K * u) + std::ldexp(1.0, -25);
            if (tf == LUT_TFMT_INT8) {
                const double t = S * (1 + K * u) / 127 * (1 + u);
                e += t * (0.5 + 127 * u) + 128 * u * t;
            }
            esum += e;
            ssum += S + e;
            A += S;
        }
        const int L = pk.chunk_k0[c1 - 1] + pk.chunk_len[c1 - 1] - pk.chunk_k0[c0];
        const double corr = std::fabs((double)pk.corr[(size_t)col * G + g]);
        const double n = (c1 - c0) * (double)W;
        const double B = P * ssum * (1 + gamma(n)) + corr * A * (1 + gamma(L));
        const double twice = P * esum + gamma(n) * P * ssum + corr * (gamma(L) + 2 * u) * A +
                             2 * u * B;
        const double s = std::fabs(sc[g]);
        total += s * (twice * half + 2 * u * B * half);
        mag += s * B * half;
    }
    return total + gamma(G) * mag * (1 + 2 * u);
}

// What a float64 reference of k products of magnitude sum mag may be off.
inline double reference_bound(int k, double mag)
{
    return 2.0 * k * std::ldexp(1.0, -53) * mag;
}

} // namespace floattest

#endif
