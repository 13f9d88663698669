/* lut_meta.c - per-group metadata formats (lut_meta.h). */
#include "lut_meta.h"

#include "fp_arith.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const scale_names[LUT_SCALE_COUNT] = { "fp16", "bf16", "fp32", "int8_exp",
                                                          "none" };
static const int scale_bytes[LUT_SCALE_COUNT] = { 2, 2, 4, 1, 0 };

/* codes 1..7: scale type and zero-point bits */
static const struct { lut_scale_type t; int zp; } codes[LUT_META_CODES] = {
    { LUT_SCALE_FP32, 32 }, { LUT_SCALE_FP16, 0 }, { LUT_SCALE_BF16, 0 }, { LUT_SCALE_FP32, 0 },
    { LUT_SCALE_E8, 0 },    { LUT_SCALE_NONE, 0 }, { LUT_SCALE_FP16, 8 }, { LUT_SCALE_NONE, 8 },
};

const char *lut_scale_name(lut_scale_type t)
{
    return (unsigned)t < LUT_SCALE_COUNT ? scale_names[t] : "?";
}

int lut_scale_parse(const char *s, lut_scale_type *out)
{
    for (int i = 0; i < LUT_SCALE_COUNT; i++)
        if (strcmp(s, scale_names[i]) == 0) {
            *out = (lut_scale_type)i;
            return 0;
        }
    return -1;
}

int lut_scale_bytes(lut_scale_type t) { return (unsigned)t < LUT_SCALE_COUNT ? scale_bytes[t] : 0; }

int lut_meta_code(lut_scale_type t, int zp_bits)
{
    for (int c = 0; c < LUT_META_CODES; c++)
        if (codes[c].t == t && codes[c].zp == zp_bits)
            return c;
    return -1;
}

void lut_meta_fmt(int code, lut_scale_type *t, int *zp_bits)
{
    if (code < 0 || code >= LUT_META_CODES)
        code = LUT_META_LEGACY;
    *t = codes[code].t;
    *zp_bits = codes[code].zp;
}

int lut_meta_is_bitmod(int code) { return code == LUT_META_BITMOD; }

uint64_t lut_meta_tile_bytes(int code, uint64_t n)
{
    if (lut_meta_is_bitmod(code))
        return 3 * n;
    if (code == LUT_META_LEGACY || code < 0 || code >= LUT_META_CODES)
        return 8 * n;
    return n * (uint64_t)(scale_bytes[codes[code].t] + codes[code].zp / 8);
}

/* e of the power of two nearest s (log domain: 2^(e-1/2) is the boundary) */
static int nearest_exp(float s)
{
    int ex;
    double m = frexp((double)s, &ex); /* s = m 2^ex, m in [0.5, 1) */
    int e = m * m >= 0.5 ? ex : ex - 1;
    return e < -126 ? -126 : e > 127 ? 127 : e;
}

float lut_scale_round(lut_scale_type t, float s)
{
    switch (t) {
    case LUT_SCALE_FP16:
        return fp_f16_to_f32(fp_f32_to_f16(s));
    case LUT_SCALE_BF16:
        return fp_bf16_to_f32(fp_f32_to_bf16(s));
    case LUT_SCALE_FP32:
        return s;
    case LUT_SCALE_E8:
        return s > 0.0f && isfinite(s) ? ldexpf(1.0f, nearest_exp(s)) : 0.0f;
    case LUT_SCALE_NONE:
    case LUT_SCALE_COUNT:
        break;
    }
    return 1.0f;
}

static void put_le(uint8_t *p, uint32_t v, int bytes)
{
    for (int k = 0; k < bytes; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static uint32_t get_le(const uint8_t *p, int bytes)
{
    uint32_t v = 0;
    for (int k = 0; k < bytes; k++)
        v |= (uint32_t)p[k] << (8 * k);
    return v;
}

int lut_meta_put(int code, uint8_t *meta, uint32_t n, uint32_t col, int32_t corr, float scale,
                 int shift, char *err, size_t errlen)
{
    uint32_t su;
    if (code < 0 || code >= LUT_META_CODES) {
        snprintf(err, errlen, "metadata format %d: BitMoD tiles are written with "
                 "lut_meta_put_bitmod (a scale code and a row scale)", code);
        return -1;
    }
    if (code == LUT_META_LEGACY) {
        memcpy(&su, &scale, 4);
        put_le(meta + (uint64_t)col * 8, (uint32_t)corr, 4);
        put_le(meta + (uint64_t)col * 8 + 4, su, 4);
        return 0;
    }
    const lut_scale_type t = codes[code].t;
    const int sb = scale_bytes[t];
    if (codes[code].zp) {
        if (corr < -128 || corr > 127) {
            snprintf(err, errlen, "zero-point factor %d of column %u does not fit the int8 "
                     "zero-point (weights of up to 7 bits)", corr, col);
            return -1;
        }
        meta[(uint64_t)n * sb + col] = (uint8_t)(int8_t)corr;
    } else if (corr != (shift ? -1 : 0)) {
        snprintf(err, errlen, "column %u needs zero-point factor %d, but the metadata format "
                 "stores no zero-point", col, corr);
        return -1;
    }
    uint8_t *p = meta + (uint64_t)col * sb;
    switch (t) {
    case LUT_SCALE_FP16:
        put_le(p, fp_f32_to_f16(scale), 2);
        break;
    case LUT_SCALE_BF16:
        put_le(p, fp_f32_to_bf16(scale), 2);
        break;
    case LUT_SCALE_FP32:
        memcpy(&su, &scale, 4);
        put_le(p, su, 4);
        break;
    case LUT_SCALE_E8:
        if (scale < 0.0f || isnan(scale)) {
            snprintf(err, errlen, "scale %g of column %u: int8_exp scales are powers of two "
                     "(positive)", (double)scale, col);
            return -1;
        }
        *p = (uint8_t)(int8_t)(scale > 0.0f && isfinite(scale) ? nearest_exp(scale) : -128);
        break;
    case LUT_SCALE_NONE:
    case LUT_SCALE_COUNT:
        break;
    }
    return 0;
}

int lut_meta_put_bitmod(int code, uint8_t *meta, uint32_t n, uint32_t col, uint8_t scale_code,
                        float row_scale, char *err, size_t errlen)
{
    if (!lut_meta_is_bitmod(code)) {
        snprintf(err, errlen, "metadata format %d is not the BitMoD format (8)", code);
        return -1;
    }
    if (!(row_scale >= 0.0f) || !isfinite(row_scale)) {
        snprintf(err, errlen, "row scale %g of column %u: BitMoD row scales are finite and "
                 "not negative", (double)row_scale, col);
        return -1;
    }
    meta[col] = scale_code;
    put_le(meta + n + (uint64_t)col * 2, fp_f32_to_f16(row_scale), 2);
    return 0;
}

/* code x row scale, binary32 and exact (as bitmod_dequant forms it) */
static float bitmod_scale(const uint8_t *meta, uint32_t n, uint32_t col)
{
    const float row = fp_f16_to_f32((uint16_t)get_le(meta + n + (uint64_t)col * 2, 2));
    return (float)meta[col] * row;
}

void lut_meta_get(int code, const uint8_t *meta, uint32_t n, uint32_t col, int shift,
                  int32_t *corr, float *scale)
{
    uint32_t su;
    if (lut_meta_is_bitmod(code)) {
        *corr = -1;
        *scale = bitmod_scale(meta, n, col);
        return;
    }
    if (code <= LUT_META_LEGACY || code >= LUT_META_CODES) {
        *corr = (int32_t)get_le(meta + (uint64_t)col * 8, 4);
        su = get_le(meta + (uint64_t)col * 8 + 4, 4);
        memcpy(scale, &su, 4);
        return;
    }
    const lut_scale_type t = codes[code].t;
    const int sb = scale_bytes[t];
    *corr = codes[code].zp ? (int8_t)meta[(uint64_t)n * sb + col] : (shift ? -1 : 0);
    const uint8_t *p = meta + (uint64_t)col * sb;
    switch (t) {
    case LUT_SCALE_FP16:
        *scale = fp_f16_to_f32((uint16_t)get_le(p, 2));
        break;
    case LUT_SCALE_BF16:
        *scale = fp_bf16_to_f32((uint16_t)get_le(p, 2));
        break;
    case LUT_SCALE_FP32:
        su = get_le(p, 4);
        memcpy(scale, &su, 4);
        break;
    case LUT_SCALE_E8: {
        const int e = (int8_t)*p;
        *scale = e == -128 ? 0.0f : ldexpf(1.0f, e);
        break;
    }
    case LUT_SCALE_NONE:
    case LUT_SCALE_COUNT:
        *scale = 1.0f;
        break;
    }
}
