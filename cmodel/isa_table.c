/* isa_table.c - THE instruction table: opcodes, fields, bit positions.
 *
 * Buffer addresses are 22 bits (buffers up to 4 MiB), DRAM addresses 40
 * bits.  Bits [5:0] are the opcode; bits outside every field must be zero.
 */
#include "isa.h"

#include <string.h>

#include <stddef.h>

#define F(name, member, lsb, width, kind) \
    { name, offsetof(isa_instr, member), sizeof(((isa_instr *)0)->member), lsb, width, kind, 0 }
/* an optional field (isa.h) */
#define FO(name, member, lsb, width, kind) \
    { name, offsetof(isa_instr, member), sizeof(((isa_instr *)0)->member), lsb, width, kind, 1 }

/* load and store share one layout: only the direction differs. */
#define DMA_FIELDS \
    F("buf", buf, 6, 2, FK_BUF), F("sram", sram, 8, 22, FK_ADDR), \
    F("rows", rows, 30, 16, FK_UINT), F("bytes", bytes, 46, 18, FK_UINT), \
    F("dram", dram, 64, 40, FK_ADDR), F("stride", stride, 104, 24, FK_UINT)

/* The operands and shape of an lmma, shared by lmmag (its groups follow). */
#define LMMA_FIELDS \
    F("tbl", tbl, 6, 22, FK_ADDR), F("wgt", wgt, 28, 22, FK_ADDR), \
    F("acc", acc, 50, 22, FK_ADDR), F("m", m, 72, 12, FK_UINT), \
    F("n", n, 84, 16, FK_UINT), F("klen", klen, 100, 18, FK_UINT), \
    F("wbits", wbits, 118, 4, FK_UINT), F("accum", accum, 122, 1, FK_UINT)

const char *const isa_unit_names[UNIT_COUNT] = {
    "ctrl", "dma", "precompute", "lut", "dequant", "vector"
};

const char *const isa_vfn_names[VFN_COUNT] = {
    "copy", "add_i32", "mul_i32", "requant_i8", "add_f32", "mul_f32",
    "silu_f32", "gelu_f32", "rmsnorm_f32", "softmax_f32", "quant_f32",
    "add_f16", "mul_f16", "silu_f16", "gelu_f16", "rmsnorm_f16", "softmax_f16", "quant_f16",
    "add_bf16", "mul_bf16", "silu_bf16", "gelu_bf16", "rmsnorm_bf16", "softmax_bf16",
    "quant_bf16",
    "attn_softmax", "attn_acc", "attn_norm", "cvt_f16", "cvt_bf16",
    "rms_stat", "rms_apply"
};

/* The float functions: one row of FLOAT_FNS per element type, each row in
 * the order of isa_vfn (add, mul, silu, gelu, rmsnorm, softmax, quant), so
 * the slot and the type of one are arithmetic (vector units ask per
 * instruction). */
#define FLOAT_FNS 7
_Static_assert(VFN_QUANT_F32 == VFN_ADD_F32 + FLOAT_FNS - 1 &&
               VFN_ADD_F16 == VFN_ADD_F32 + FLOAT_FNS * FP_F16 &&
               VFN_ADD_BF16 == VFN_ADD_F32 + FLOAT_FNS * FP_BF16 &&
               VFN_QUANT_BF16 == VFN_ADD_F32 + FLOAT_FNS * FP_COUNT - 1,
               "float functions: one row of 7 per element type");

static isa_vfn float_fn(fp_type t, int i)
{
    return (isa_vfn)(VFN_ADD_F32 + FLOAT_FNS * (int)t + i);
}

static int float_slot(isa_vfn f, int *t)
{
    int k = (int)f - VFN_ADD_F32;
    if (k < 0 || k >= FLOAT_FNS * FP_COUNT)
        return -1;
    *t = k / FLOAT_FNS;
    return k % FLOAT_FNS;
}

isa_vfn isa_vfn_base(isa_vfn f)
{
    int t, i = float_slot(f, &t);
    return i < 0 ? f : float_fn(FP_F32, i);
}

fp_type isa_vfn_type(isa_vfn f)
{
    int t = FP_F32;
    float_slot(f, &t);
    return (fp_type)t;
}

int isa_vfn_at(isa_vfn base, fp_type t)
{
    int t0, i = float_slot(base, &t0);
    if ((unsigned)t >= FP_COUNT)
        return -1;
    if (i < 0)
        return t == FP_F32 ? (int)base : -1;
    return (int)float_fn(t, i);
}

const char *const isa_buf_names[4] = { "act", "weight", "table", "output" };

const isa_opdef isa_ops[OP_COUNT] = {
    [OP_HALT] = { OP_HALT, "halt", UNIT_CTRL, 0, { { 0 } },
                  "end of program once every unit is idle" },
    [OP_LOAD] = { OP_LOAD, "load", UNIT_DMA, 6, {
                      DMA_FIELDS },
                  "DRAM[dram + r*stride ..+bytes] -> buf[sram + r*bytes ..], r < rows" },
    [OP_STORE] = { OP_STORE, "store", UNIT_DMA, 6, {
                      DMA_FIELDS },
                  "buf[sram + r*bytes ..+bytes] -> DRAM[dram + r*stride ..], r < rows" },
    [OP_TPREC] = { OP_TPREC, "tprec", UNIT_TPREC, 7, {
                      F("src", src, 6, 22, FK_ADDR),
                      F("dst", dst, 28, 22, FK_ADDR),
                      F("sum", sum, 50, 22, FK_ADDR),
                      F("rows", rows, 72, 12, FK_UINT),
                      F("klen", klen, 84, 18, FK_UINT),
                      F("stride", stride, 102, 22, FK_UINT),
                      FO("tpad", tpad, 124, 4, FK_UINT) },
                  "tables of act[src + r*stride ..+klen] -> table[dst] (row r at "
                  "r*(chunks+tpad) tables), sums -> table[sum]" },
    [OP_LMMA] = { OP_LMMA, "lmma", UNIT_LUT, 10, {
                      LMMA_FIELDS,
                      FO("part", part, 123, 1, FK_UINT),
                      FO("tpad", tpad, 124, 4, FK_UINT) },
                  "output[acc] (+)= doubled bit-plane sums of m x n over klen" },
    [OP_DQ] = { OP_DQ, "dq", UNIT_DQ, 10, {
                      F("acc", acc, 6, 22, FK_ADDR),
                      F("sum", sum, 28, 22, FK_ADDR),
                      F("meta", meta, 50, 22, FK_ADDR),
                      F("dst", dst, 72, 22, FK_ADDR),
                      F("m", m, 94, 12, FK_UINT),
                      F("n", n, 106, 15, FK_UINT),
                      F("accum", accum, 121, 1, FK_UINT),
                      F("fmode", fmode, 122, 1, FK_UINT),
                      F("shift", shift, 123, 1, FK_UINT),
                      FO("mfmt", mfmt, 124, 4, FK_UINT) },
                  "output[dst] (+)= (acc + corr*sum) >> shift, times scale if fmode" },
    [OP_VOP] = { OP_VOP, "vop", UNIT_VEC, 9, {
                      F("fn", fn, 6, 5, FK_VFN),
                      F("sbuf", sbuf, 11, 2, FK_BUF),
                      F("src", src, 13, 22, FK_ADDR),
                      F("src2", src2, 35, 22, FK_ADDR),
                      F("dbuf", dbuf, 57, 2, FK_BUF),
                      F("dst", dst, 59, 22, FK_ADDR),
                      F("len", len, 81, 24, FK_UINT),
                      F("imm", imm, 105, 6, FK_UINT),
                      /* rms_apply: len in rows of `row` elements, an
                       * inv each (isa.h) */
                      FO("row", row, 111, 17, FK_UINT) },
                  "dbuf[dst] = fn(sbuf[src], sbuf[src2]) over len elements" },
    [OP_BARRIER] = { OP_BARRIER, "barrier", UNIT_CTRL, 0, { { 0 } },
                     "wait until every earlier instruction has completed" },
    /* The cores in `groups` groups (lut.partition grid), each group a
     * column split of its cores: group i runs the m x n x klen lmma whose
     * operands follow group i - 1's (tables one table set of m rows on,
     * weights one klen x n weight block on, outputs m x n int32 on), so a
     * reduction split into chunks, or several heads, run side by side. */
    [OP_LMMAG] = { OP_LMMAG, "lmmag", UNIT_LUT, 9, {
                      LMMA_FIELDS,
                      F("groups", groups, 123, 4, FK_UINT) },
                  "groups x { output[acc + g*m*n*4] (+)= lmma of table[tbl + g*T] and "
                  "weight[wgt + g*W] } (T, W: one group's table and weight spans)" },
    [OP_MMA] = { OP_MMA, "mma", UNIT_LUT, 10, {
                      F("act", src, 6, 22, FK_ADDR),
                      F("wgt", wgt, 28, 22, FK_ADDR),
                      F("acc", acc, 50, 22, FK_ADDR),
                      F("m", m, 72, 12, FK_UINT),
                      F("n", n, 84, 16, FK_UINT),
                      F("klen", klen, 100, 18, FK_UINT),
                      F("accum", accum, 118, 1, FK_UINT),
                      FO("wbits", wbits, 119, 4, FK_UINT),
                      FO("chain", chain, 123, 1, FK_UINT),
                      FO("swap", swap, 124, 1, FK_UINT) },
                  "output[acc] (+)= act[m x klen] x weight[n x klen]^T, int8 activations, "
                  "wbits-bit packed weights (0: 8; 16 on the FP16 datapath), int32 sums, on the "
                  "compute.kind array; swap=1 (mac only): the weight rows on the array's m "
                  "side, the activation rows on its n side" },
    /* load through the trit5 decoder (trit5.h): a row is one chunk of
     * ternary weights, bytes = one bit-plane row of the buffer. */
    [OP_LOADT] = { OP_LOADT, "loadt", UNIT_DMA, 6, {
                      DMA_FIELDS },
                  "trit5(DRAM[dram + r*stride ..+ceil(8*bytes/tk*tk/5)]) -> "
                  "buf[sram + r*2*bytes ..+2*bytes] (2 bit-planes), r < rows" },
};

const isa_opdef *isa_def(isa_op op)
{
    return ((unsigned)op < OP_COUNT) ? &isa_ops[op] : NULL;
}

uint64_t isa_field_max(isa_op op, const char *name)
{
    const isa_opdef *d = isa_def(op);
    for (int i = 0; d && i < d->nfields; i++)
        if (strcmp(d->fields[i].name, name) == 0)
            return d->fields[i].width >= 64 ? UINT64_MAX
                                            : (UINT64_C(1) << d->fields[i].width) - 1;
    return 0;
}
