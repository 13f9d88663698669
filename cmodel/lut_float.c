/* lut_float.c - the float-activation arithmetic (lut_float.h says the
 * order and the rounding of every operation). */
#include "lut_float.h"

#include "fp_arith.h"

#include <math.h>
#include <string.h>

static const char *const afmt_names[LUT_AFMT_COUNT] = { "int8", "fp16", "bf16", "fp8e4m3",
                                                       "fp8e5m2" };
static const char *const tfmt_names[LUT_TFMT_COUNT] = { "fp16", "fp32", "int8" };

/* The index of s among the n names, or -1. */
static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *lut_afmt_name(lut_afmt f)
{
    return (unsigned)f < LUT_AFMT_COUNT ? afmt_names[f] : "?";
}

int lut_afmt_parse(const char *s, lut_afmt *out)
{
    const int i = name_index(afmt_names, LUT_AFMT_COUNT, s);
    if (i >= 0)
        *out = (lut_afmt)i;
    return i < 0 ? -1 : 0;
}

int lut_afmt_bytes(lut_afmt f) { return f == LUT_AFMT_FP16 || f == LUT_AFMT_BF16 ? 2 : 1; }

const char *lut_tfmt_name(lut_tfmt t)
{
    return (unsigned)t < LUT_TFMT_COUNT ? tfmt_names[t] : "?";
}

int lut_tfmt_parse(const char *s, lut_tfmt *out)
{
    const int i = name_index(tfmt_names, LUT_TFMT_COUNT, s);
    if (i >= 0)
        *out = (lut_tfmt)i;
    return i < 0 ? -1 : 0;
}

int lut_tfmt_entry_bytes(lut_tfmt t) { return t == LUT_TFMT_FP32 ? 4 : t == LUT_TFMT_FP16 ? 2 : 1; }

#define INT8_SCALE_BYTES 4

uint64_t lut_tfmt_table_bytes(lut_tfmt t, int entries)
{
    return (uint64_t)entries * (uint64_t)lut_tfmt_entry_bytes(t) +
           (t == LUT_TFMT_INT8 ? INT8_SCALE_BYTES : 0);
}

float lut_afmt_load(const uint8_t *p, lut_afmt f, uint64_t j)
{
    switch (f) {
    case LUT_AFMT_FP16: return fp_load(p, FP_F16, j);
    case LUT_AFMT_BF16: return fp_load(p, FP_BF16, j);
    case LUT_AFMT_FP8E4M3: return fp_e4m3_to_f32(p[j]);
    case LUT_AFMT_FP8E5M2: return fp_e5m2_to_f32(p[j]);
    default: return (float)(int8_t)p[j];
    }
}

void lut_afmt_store(uint8_t *p, lut_afmt f, uint64_t j, float v)
{
    switch (f) {
    case LUT_AFMT_FP16: fp_store(p, FP_F16, j, v); break;
    case LUT_AFMT_BF16: fp_store(p, FP_BF16, j, v); break;
    case LUT_AFMT_FP8E4M3: p[j] = fp_f32_to_e4m3(v); break;
    case LUT_AFMT_FP8E5M2: p[j] = fp_f32_to_e5m2(v); break;
    default: p[j] = (uint8_t)(int8_t)v; break;
    }
}

float lut_afmt_round(lut_afmt f, float v)
{
    uint8_t b[2];
    lut_afmt_store(b, f, 0, v);
    return lut_afmt_load(b, f, 0);
}

/* The integer nearest x, ties to even (|x| <= 2^23 here), by comparison
 * only: no dependence on the host's rounding mode. */
static float round_half_even(float x)
{
    const float fl = floorf(x), d = x - fl; /* exact */
    if (d > 0.5f || (d == 0.5f && fmodf(fl, 2.0f) != 0.0f))
        return fl + 1.0f;
    return fl;
}

static void st_f32le(uint8_t *p, float v)
{
    fp_store(p, FP_F32, 0, v);
}

/* Entries as int8 with one fp32 scale after them (step 1). */
static void quantize_int8(const float *s, int entries, uint8_t *out)
{
    float mx = 0.0f;
    for (int j = 0; j < entries; j++)
        mx = fabsf(s[j]) > mx ? fabsf(s[j]) : mx;
    const float sc = mx / 127.0f;
    for (int j = 0; j < entries; j++) {
        float q = sc > 0.0f ? round_half_even(s[j] / sc) : 0.0f;
        q = q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q;
        out[j] = (uint8_t)(int8_t)q;
    }
    st_f32le(out + entries, sc);
}

int lut_ftable_precompute(const float *a, int tk, lut_tfmt t, uint8_t *out)
{
    const int entries = lut_table_entries(tk);
    float s[1 << (LUT_MAX_TK - 1)];
    for (int j = 0; j < entries; j++) {
        float v = a[0];
        for (int k = 1; k < tk; k++)
            v = (j >> (k - 1)) & 1 ? v + a[k] : v - a[k];
        s[j] = v;
    }
    if (t == LUT_TFMT_INT8)
        quantize_int8(s, entries, out);
    else
        for (int j = 0; j < entries; j++)
            fp_store(out, t == LUT_TFMT_FP32 ? FP_F32 : FP_F16, (uint64_t)j, s[j]);
    return entries * (tk - 1);
}

float lut_ftable_lookup(const uint8_t *table, lut_tfmt t, int entries, uint8_t idx)
{
    const int j = idx & LUT_IDX_MASK;
    float v;
    if (t == LUT_TFMT_INT8)
        v = (float)(int8_t)table[j] * fp_load(table + entries, FP_F32, 0);
    else
        v = fp_load(table, t == LUT_TFMT_FP32 ? FP_F32 : FP_F16, (uint64_t)j);
    return (idx & LUT_IDX_NEG) ? -v : v;
}

float lut_fshift_acc(float acc, float v, int plane)
{
    return acc + ldexpf(v, plane);
}

float lut_fgroup_result(float planesum, int32_t corr, float asum, int post_shift)
{
    const float zp = (float)corr * asum;
    const float twice = planesum + zp;
    return post_shift ? twice * 0.5f : twice;
}

float lut_dequant_f(float out, float scale, float group)
{
    const float prod = scale * group;
    return out + prod;
}
