/* quant_layout.c - a preset's stored bytes (quant_layout.h). */
#include "quant_layout.h"

#include "bitmod_types.h"
#include "lut_float.h"
#include "lut_meta.h"

#include <stdio.h>

int quant_group_len(const quant_preset *q, uint64_t k)
{
    if (q->per_tensor || q->group_size <= 0 || (uint64_t)q->group_size > k)
        return (int)k;
    return q->group_size;
}

int quant_meta_code(const quant_preset *q)
{
    const lut_scale_type t = q->per_tensor ? LUT_SCALE_NONE : (lut_scale_type)q->scale;
    int c = lut_meta_code(t, q->zp_bits);
    return c < 0 ? LUT_META_LEGACY : c;
}

void quant_matrix_bytes(const quant_preset *q, uint64_t n, uint64_t k, quant_bytes *b)
{
    if (q->packing == QUANT_PACK_TRIT5)
        b->weight_bytes = (n * k + 4) / 5;
    else
        b->weight_bytes = (n * k * (uint64_t)q->w.bits + 7) / 8;
    const uint64_t g = (uint64_t)quant_group_len(q, k);
    if (q->mixture == QUANT_MIX_BITMOD) {
        /* per group an INT8 scale code and the 2-bit variant, per row the
         * FP16 scale of the codes (bitmod_types.h) */
        b->groups = q->per_tensor ? 1 : n * ((k + g - 1) / g);
        b->meta_bytes = (b->groups * QUANT_BITMOD_GROUP_BITS + 7) / 8 + 2 * n;
        return;
    }
    if (q->per_tensor) {
        /* one scale for the matrix, applied outside the LUT array */
        b->groups = 1;
        b->meta_bytes = (uint64_t)lut_scale_bytes((lut_scale_type)q->scale) +
                        lut_meta_tile_bytes(quant_meta_code(q), n);
        return;
    }
    b->groups = n * ((k + g - 1) / g);
    b->meta_bytes = lut_meta_tile_bytes(quant_meta_code(q), b->groups);
}

void quant_matrix_bytes_on(const quant_preset *q, int lut, uint64_t n, uint64_t k,
                           quant_bytes *b)
{
    quant_matrix_bytes(q, n, k, b);
    if (!lut || q->mixture != QUANT_MIX_BITMOD)
        return;
    b->weight_bytes = (n * k * (uint64_t)quant_lut_planes(q) + 7) / 8;
    b->meta_bytes = lut_meta_tile_bytes(LUT_META_BITMOD, b->groups);
}

void quant_gemm_fields(const quant_preset *q, gemm_shape *g)
{
    g->wtype = q->w;
    g->group_size = quant_group_len(q, (uint64_t)g->kd);
    g->mfmt = quant_meta_code(q);
    g->trit5 = q->packing == QUANT_PACK_TRIT5;
    /* Per-tensor: no per-group scale or zero-point, so the reduction may
     * be cut anywhere without changing a bit of the int32 result or a byte
     * of metadata; chunks of the default group keep the tables in the
     * table buffer however long K is. */
    if (q->per_tensor && g->group_size > LUT_DEFAULT_GROUP)
        g->group_size = LUT_DEFAULT_GROUP;
}

int quant_lut_planes(const quant_preset *q)
{
    if (q->mixture != QUANT_MIX_BITMOD)
        return q->w.bits;
    return q->w.bits == 3 ? BITMOD_FP3_PLANES : BITMOD_FP4_PLANES;
}

void quant_lut_fields(const quant_preset *q, gemm_shape *g)
{
    quant_gemm_fields(q, g);
    if (q->mixture != QUANT_MIX_BITMOD)
        return;
    /* the grid values as signed INT planes; the scale code and row scale
     * in the dequant unit's BitMoD format (lut_meta.h) */
    g->wtype.fmt = LUT_WFMT_INT;
    g->wtype.bits = quant_lut_planes(q);
    g->mfmt = LUT_META_BITMOD;
}

void quant_mma_meta(const quant_preset *q, uint64_t k, gemm_shape *g)
{
    g->mma_meta_bits = 0;
    g->mma_meta_group = quant_group_len(q, k);
    if (q->per_tensor || q->wfp16)
        return;
    if (q->mixture == QUANT_MIX_BITMOD)
        g->mma_meta_bits = QUANT_BITMOD_GROUP_BITS;
    else
        g->mma_meta_bits = 8 * lut_scale_bytes((lut_scale_type)q->scale) + q->zp_bits;
}

int quant_layout_check(const quant_preset *q, char *err, size_t errlen)
{
    if (q->mixture == QUANT_MIX_BITMOD) {
        if (q->zp_bits || q->per_tensor || q->packing != QUANT_PACK_NONE || q->group_size <= 0) {
            snprintf(err, errlen, "wfmt: BitMoD weights take a group size (\"group_size\": N), "
                     "no zero_point and no packing");
            return -1;
        }
        return 0;
    }
    const lut_scale_type t = (lut_scale_type)q->scale;
    if ((unsigned)q->scale >= LUT_SCALE_NONE) {
        snprintf(err, errlen, "scale: expected \"fp16\", \"bf16\", \"fp32\" or \"int8_exp\"");
        return -1;
    }
    if (q->zp_bits && q->w.fmt != LUT_WFMT_UINT && q->zp_bits != 32) {
        snprintf(err, errlen, "zero_point: %s weights are symmetric and carry none; use wfmt "
                 "\"uint\" for an asymmetric format", lut_wfmt_name(q->w.fmt));
        return -1;
    }
    if (!q->zp_bits && q->w.fmt == LUT_WFMT_UINT) {
        snprintf(err, errlen, "zero_point: uint weights need one (\"int8\")");
        return -1;
    }
    if (q->zp_bits == 8 && q->w.bits > 7) {
        snprintf(err, errlen, "zero_point: an int8 zero-point holds the factor 2^W - 1 - 2z "
                 "of weights up to 7 bits, not %d", q->w.bits);
        return -1;
    }
    if (q->per_tensor && q->zp_bits) {
        snprintf(err, errlen, "zero_point: per-tensor (\"group_size\": \"tensor\") scales "
                 "are symmetric; use \"none\"");
        return -1;
    }
    if (lut_meta_code(q->per_tensor ? LUT_SCALE_NONE : t, q->zp_bits) < 0) {
        snprintf(err, errlen, "zero_point: scale \"%s\" with a %d-bit zero-point is not a "
                 "metadata format the dequant unit reads (fp16 + int8, or fp32 + int32)",
                 lut_scale_name(t), q->zp_bits);
        return -1;
    }
    if (q->packing == QUANT_PACK_TRIT5 && (q->w.fmt != LUT_WFMT_TERNARY || q->zp_bits)) {
        /* loadt decodes trits to the INT2 codes of -1, 0, +1 (trit5.h) */
        snprintf(err, errlen, "packing: \"trit5\" (5 trits per byte, 1.6 bits) holds ternary "
                 "weights with no zero-point (\"wfmt\": \"ternary\", \"zero_point\": \"none\")");
        return -1;
    }
    return 0;
}

int quant_arch(const arch_t *a, const quant_preset *q, arch_t *out, char *err, size_t errlen)
{
    *out = *a;
    const int lut = a->compute_kind == COMPUTE_LUT;
    if (q->wfp16 && lut) {
        snprintf(err, errlen, "wfmt: FP16 weights run on the mma arrays (compute.kind mac, "
                 "bitserial, systolic); the LUT array multiplies integer bit-planes");
        return -1;
    }
    if (q->afp16 && lut && a->tprec_fused) {
        snprintf(err, errlen, "afmt: float activations on the LUT array take their tables from "
                 "the precompute unit (set precompute.fused false)");
        return -1;
    }
    if (q->wfp16 && a->compute_kind == COMPUTE_MAC && a->mac_dtype != MAC_FP16) {
        snprintf(err, errlen, "wfmt: FP16 weights need mac.dtype fp16 (this array's operands "
                 "are INT8)");
        return -1;
    }
    if (q->wfp16 && !q->afp16) {
        snprintf(err, errlen, "wfmt: FP16 weights run on the FP16 datapath (\"afmt\": \"fp16\")");
        return -1;
    }
    /* BitMoD's FP16 activation datapath: 2-byte outputs, wbits=0 is FP16 */
    out->mma_fp16 = !lut && q->afp16;
    if (a->tprec_fused && q->abits != a->act_bits) {
        /* the producer's vector epilogue writes tables of a->act_bits */
        snprintf(err, errlen, "abits: %d-bit activations with precompute.fused need %d-bit "
                 "producers (set precompute.fused false)", q->abits, a->act_bits);
        return -1;
    }
    arch_set_act_bits(out, q->abits);
    if (lut && q->afp16) /* float activations on the LUT core (lut_float.h) */
        arch_set_act_fmt(out, q->afloat ? q->afloat : LUT_AFMT_FP16);
    char why[512];
    if (arch_check(out, why, sizeof why) != 0) {
        snprintf(err, errlen, "abits: %d-bit activations on this architecture: %s", q->abits,
                 why);
        return -1;
    }
    return 0;
}
