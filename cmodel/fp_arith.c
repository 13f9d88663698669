/* fp_arith.c - binary32 <-> binary16 / bfloat16, round-to-nearest-even,
 * by integer operations on the bit patterns (no dependence on the host's
 * rounding mode or its half-precision support). */
#include "fp_arith.h"

#include <math.h>
#include <string.h>

const char *const fp_type_names[FP_COUNT] = { "fp32", "fp16", "bf16" };

int fp_bytes(fp_type t) { return t == FP_F32 ? 4 : 2; }

static uint32_t bits_of(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

static float float_of(uint32_t u)
{
    float x;
    memcpy(&x, &u, 4);
    return x;
}

/* u >> sh, rounded to nearest, ties to even (sh 1..31). */
static uint32_t shift_rne(uint32_t u, unsigned sh)
{
    uint32_t q = u >> sh, rem = u & ((1u << sh) - 1), half = 1u << (sh - 1);
    return q + (rem > half || (rem == half && (q & 1)));
}

uint16_t fp_f32_to_f16(float x)
{
    const uint32_t u = bits_of(x);
    const uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    const uint32_t exp = (u >> 23) & 0xFFu, man = u & 0x7FFFFFu;
    if (exp == 0xFF) /* infinity, or NaN made quiet */
        return (uint16_t)(sign | 0x7C00u | (man ? 0x200u | (man >> 13) : 0));
    const int e = (int)exp - 127 + 15; /* binary16 biased exponent */
    if (e >= 31)
        return (uint16_t)(sign | 0x7C00u);
    if (e >= 1) {
        /* Normal: the carry out of the mantissa bumps the exponent, and
         * from e = 30 reaches infinity (0x7C00), as it should. */
        uint32_t r = shift_rne(((uint32_t)e << 23) | man, 13);
        return (uint16_t)(sign | r);
    }
    if (e < -10) /* below half the smallest subnormal: rounds to zero */
        return sign;
    /* Subnormal: the implicit bit joins the mantissa; a carry into bit 10
     * gives the smallest normal, correctly. */
    uint32_t full = man | 0x800000u;
    return (uint16_t)(sign | shift_rne(full, (unsigned)(14 - e)));
}

float fp_f16_to_f32(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu, man = h & 0x3FFu;
    if (exp == 0x1F)
        return float_of(sign | 0x7F800000u | (man << 13));
    if (exp == 0) {
        if (man == 0)
            return float_of(sign);
        /* subnormal: normalise */
        int e = -1;
        do {
            man <<= 1;
            e++;
        } while (!(man & 0x400u));
        return float_of(sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3FFu) << 13));
    }
    return float_of(sign | ((exp + 127 - 15) << 23) | (man << 13));
}

uint16_t fp_f32_to_bf16(float x)
{
    const uint32_t u = bits_of(x);
    if ((u & 0x7F800000u) == 0x7F800000u && (u & 0x7FFFFFu))
        return (uint16_t)((u >> 16) | 0x40u); /* NaN made quiet */
    /* Rounding the whole pattern carries into the exponent and, from the
     * largest finite value, on to infinity: exactly binary arithmetic. */
    return (uint16_t)shift_rne(u, 16);
}

float fp_bf16_to_f32(uint16_t h) { return float_of((uint32_t)h << 16); }

/* binary32 -> an 8-bit float of mb mantissa bits and exponent bias `bias`
 * (exponent field 8 - 1 - mb bits), rounded to nearest even; `top` is the
 * largest finite magnitude code, `over` what an overflow gives (top for
 * E4M3's saturation, the infinity code for E5M2). */
static uint8_t f32_to_fp8(float x, int mb, int bias, uint32_t top, uint32_t over, uint32_t nan)
{
    const uint32_t u = bits_of(x);
    const uint8_t sign = (uint8_t)((u >> 24) & 0x80u);
    const uint32_t exp = (u >> 23) & 0xFFu, man = u & 0x7FFFFFu;
    if (exp == 0xFF)
        return (uint8_t)(sign | (man ? nan : over));
    const int e = (int)exp - 127 + bias; /* the target's biased exponent */
    uint32_t r;
    if (e >= 1) {
        if (e > 32) /* far beyond the range */
            return (uint8_t)(sign | over);
        /* normal: a carry out of the mantissa bumps the exponent */
        r = shift_rne(((uint32_t)e << 23) | man, (unsigned)(23 - mb));
    } else {
        const int sh = 23 - mb + 1 - e; /* the implicit bit joins the mantissa */
        if (sh >= 26) /* below half the smallest subnormal */
            return sign;
        r = shift_rne(man | 0x800000u, (unsigned)sh);
    }
    return (uint8_t)(sign | (r > top ? over : r));
}

/* 8-bit float (mb mantissa bits, bias) -> binary32, exactly; codes at or
 * above inf_code (magnitude) are infinity (== inf_code) or NaN. */
static float fp8_to_f32(uint8_t b, int mb, int bias, uint32_t inf_code, uint32_t nan_code)
{
    const uint32_t mag = b & 0x7Fu;
    const float s = (b & 0x80u) ? -1.0f : 1.0f;
    if (mag >= nan_code || (mag > inf_code && inf_code))
        return s * NAN;
    if (inf_code && mag == inf_code)
        return s * INFINITY;
    const int e = (int)(mag >> mb);
    const uint32_t m = mag & ((1u << mb) - 1u);
    if (e == 0)
        return s * ldexpf((float)m, 1 - bias - mb);
    return s * ldexpf((float)((1u << mb) | m), e - bias - mb);
}

uint8_t fp_f32_to_e4m3(float x) { return f32_to_fp8(x, 3, 7, 0x7Eu, 0x7Eu, 0x7Fu); }
float fp_e4m3_to_f32(uint8_t b) { return fp8_to_f32(b, 3, 7, 0, 0x7Fu); }
uint8_t fp_f32_to_e5m2(float x) { return f32_to_fp8(x, 2, 15, 0x7Bu, 0x7Cu, 0x7Eu); }
float fp_e5m2_to_f32(uint8_t b) { return fp8_to_f32(b, 2, 15, 0x7Cu, 0x7Du); }

float fp_load(const uint8_t *p, fp_type t, uint64_t i)
{
    if (t == FP_F32) {
        const uint8_t *q = p + 4 * i;
        return float_of((uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                        (uint32_t)q[3] << 24);
    }
    const uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
    return t == FP_F16 ? fp_f16_to_f32(h) : fp_bf16_to_f32(h);
}

void fp_store(uint8_t *p, fp_type t, uint64_t i, float v)
{
    if (t == FP_F32) {
        uint32_t u = bits_of(v);
        uint8_t *q = p + 4 * i;
        q[0] = (uint8_t)u; q[1] = (uint8_t)(u >> 8); q[2] = (uint8_t)(u >> 16); q[3] = (uint8_t)(u >> 24);
        return;
    }
    const uint16_t h = t == FP_F16 ? fp_f32_to_f16(v) : fp_f32_to_bf16(v);
    p[2 * i] = (uint8_t)h;
    p[2 * i + 1] = (uint8_t)(h >> 8);
}

float fp_sumsq(float acc, const uint8_t *p, fp_type t, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const float x = fp_load(p, t, i);
        acc += x * x;
    }
    return acc;
}

float fp_rms_inv_of(float ss, uint32_t n)
{
    return 1.0f / sqrtf(ss / (float)n + 1e-6f);
}

float fp_rms_inv(const uint8_t *p, fp_type t, uint32_t n)
{
    return fp_rms_inv_of(fp_sumsq(0.0f, p, t, n), n);
}

float fp_rms_apply(float x, float inv, fp_type t)
{
    uint8_t r[4];
    fp_store(r, t, 0, x * inv);
    return fp_load(r, t, 0);
}
