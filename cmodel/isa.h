/* isa.h - the instruction set of the LUT accelerator.
 *
 * Every instruction is 128 bits (two little-endian 64-bit words).  The one
 * definition of opcodes, fields and bit positions is the table in
 * isa_table.c; the encoder, decoder, assembler and disassembler here are
 * driven by it, and the RTL's decode include (build/gen/isa.vh) is printed
 * from it by the build.  Nothing else may know a bit position.
 *
 * Assembly: one instruction per line, mnemonic then `field=value` pairs in
 * any order, `#` comments; every field of the instruction must be given.
 *     lmma tbl=0x0 wgt=0x400 acc=0x0 m=2 n=64 klen=128 wbits=2 accum=0
 * The disassembler prints fields in table order, so
 * asm -> binary -> disasm -> asm reproduces the binary exactly.
 */
#ifndef ISA_H
#define ISA_H

#include <stddef.h>
#include <stdint.h>

#include "fp_arith.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    OP_HALT = 0,  /* end of program: wait for every unit, then stop */
    OP_LOAD,      /* DMA: DRAM -> buffer, 2-D (rows x bytes, DRAM stride) */
    OP_STORE,     /* DMA: buffer -> DRAM */
    OP_TPREC,     /* table precompute: activations -> tables + sums */
    OP_LMMA,      /* LUT matrix-multiply on a tile, bit-serial over planes */
    OP_DQ,        /* zero-point correction and dequantization of a group */
    OP_VOP,       /* vector unit: element-wise and row operations */
    OP_BARRIER,   /* wait until every earlier instruction has completed */
    OP_LMMAG,     /* grouped lmma: `groups` lmmas side by side on groups of cores */
    OP_MMA,       /* matrix multiply-accumulate on a systolic or MAC array (compute.kind) */
    OP_LOADT,     /* DMA: DRAM -> buffer with the trit5 decoder (5 ternary weights per byte) */
    OP_COUNT
} isa_op;

/* The units that execute instructions, concurrently with each other. */
typedef enum {
    UNIT_CTRL = 0, UNIT_DMA, UNIT_TPREC, UNIT_LUT, UNIT_DQ, UNIT_VEC, UNIT_COUNT
} isa_unit;

/* Vector functions (field fn of vop). */
typedef enum {
    VFN_COPY = 0,    /* dst[i] = src[i] (bytes) */
    VFN_ADD_I32,     /* dst[i] = src[i] + src2[i], int32, wrapping */
    VFN_MUL_I32,     /* dst[i] = (src[i] * src2[i]) >> imm, int32 */
    VFN_REQUANT_I8,  /* int8 dst[i] = sat8(round(src[i] / 2^imm)), src int32 */
    VFN_ADD_F32,     /* float dst[i] = src[i] + src2[i] */
    VFN_MUL_F32,     /* float dst[i] = src[i] * src2[i] */
    VFN_SILU_F32,    /* float dst[i] = x / (1 + exp(-x)) */
    VFN_GELU_F32,    /* float, tanh approximation */
    VFN_RMSNORM_F32, /* float row of len: x / sqrt(mean(x^2) + 1e-6) */
    VFN_SOFTMAX_F32, /* float row of len */
    VFN_QUANT_F32,   /* int8 dst[i] = sat8(round(src[i] * 2^imm)) */
    /* The float functions again on FP16 and BF16 elements (fp_arith.h):
     * computed in binary32, rounded once to the element type. */
    VFN_ADD_F16, VFN_MUL_F16, VFN_SILU_F16, VFN_GELU_F16, VFN_RMSNORM_F16,
    VFN_SOFTMAX_F16, VFN_QUANT_F16,
    VFN_ADD_BF16, VFN_MUL_BF16, VFN_SILU_BF16, VFN_GELU_BF16, VFN_RMSNORM_BF16,
    VFN_SOFTMAX_BF16, VFN_QUANT_BF16,
    /* Online softmax of fused attention (unit_vec.c says exactly what they
     * compute).  src2 points at a row's 16-byte state {max, sum, alpha} in
     * sbuf; attn_softmax's len carries the row length n in bits [11:0]
     * and the masked tail of the row in bits [23:12]. */
    VFN_ATTN_SOFTMAX, /* int8 P = round(127 exp2(S 2^-imm - max)), state updated */
    VFN_ATTN_ACC,     /* float O = O * alpha + PV (imm 1: O = PV), PV int32 */
    VFN_ATTN_NORM,    /* float dst = O / sum (0 if the sum is 0) */
    /* float32 -> the element type, rounded to nearest even: a GEMM's
     * float32 output tile becomes vector.dtype on chip (fused epilogues,
     * compiler/fusion.h); dst may be src (elements are read before the
     * narrower results overwrite them). */
    VFN_CVT_F16,
    VFN_CVT_BF16,
    /* RMSNorm split (fp_arith.h: fp_rms_inv, fp_rms_apply), the element
     * type in imm[1:0] (fp_type): rms_stat writes the row's statistic
     * (one float32 at dst); rms_apply is the final scaling and the
     * quantize step, int8 dst[i] = quant(x[i] * inv rounded to the type),
     * inv the float32 at src2 in sbuf.
     * Partial sums (a row that arrives in segments: a fused GEMM epilogue's
     * column tiles, compiler/fusion.h), rms_stat's imm[3:2] (isa_rms_mode):
     * RMS_PART_FIRST writes the segment's sum of squares ss (float32, not
     * inv) at dst, RMS_PART_MORE adds the segment's squares to the ss at
     * dst, one at a time in index order (fp_sumsq), so segments in column
     * order give the whole row's ss bit for bit; in both, src2 (0: one
     * row) cuts len into rows of src2 elements, row k's sum at dst + 4k,
     * each row ceil(src2 / lanes) cycles.  rms_apply with imm[2]
     * (RMS_APPLY_SS) reads ss at src2 and takes inv = fp_rms_inv_of(ss,
     * len): len is then the whole row.  Rows in spans (a consumer GEMM's
     * prologue scales the K span of each row its activation tile covers:
     * compiler/fusion.h): rms_stat's imm[3:2] RMS_INV turns len float32
     * sums at src into len inv = fp_rms_inv_of(ss, src2) at dst (src2: the
     * whole rows' length; in place allowed), one pass; rms_apply's field
     * row > 0 (imm[2] clear) cuts len into rows of `row` elements, row k's
     * inv at src2 + 4k, each row ceil(row / lanes) cycles. */
    VFN_RMS_STAT,
    VFN_RMS_APPLY,
    VFN_COUNT
} isa_vfn;

/* rms_stat's mode in imm[3:2] (isa_vfn: RMSNorm split). */
typedef enum { RMS_WHOLE = 0, RMS_PART_FIRST = 1, RMS_PART_MORE = 2, RMS_INV = 3 } isa_rms_mode;
#define RMS_MODE_SHIFT 2
/* rms_apply's imm[2]: src2 holds the row's sum of squares, not inv. */
#define RMS_APPLY_SS 4

/* A decoded instruction: every field of every instruction has a member;
 * an instruction uses the ones its table entry lists, the rest are 0. */
typedef struct {
    isa_op op;
    uint32_t buf;   /* load/store: buffer (buf_id) */
    uint32_t sram;  /* load/store: buffer byte address */
    uint64_t dram;  /* load/store: DRAM byte address */
    uint32_t rows;  /* load/store: rows; tprec: activation rows */
    uint32_t bytes; /* load/store: bytes per row */
    uint32_t stride;/* load/store: DRAM bytes between rows; tprec: act row stride */
    uint32_t src;   /* tprec: act address; vop: source address; mma: act tile */
    uint32_t src2;  /* vop: second source address */
    uint32_t sbuf;  /* vop: source buffer */
    uint32_t dbuf;  /* vop: destination buffer */
    uint32_t dst;   /* tprec: table address; dq, vop: destination address */
    uint32_t sum;   /* tprec, dq: activation-sum address (table buffer) */
    uint32_t tbl;   /* lmma: table address */
    uint32_t wgt;   /* lmma: weight-index address; mma: weight tile (n rows of klen) */
    uint32_t acc;   /* lmma: accumulator address; dq: its input */
    uint32_t meta;  /* dq: per-column zero-point factor and scale (weight buffer) */
    uint32_t m, n;  /* lmma, dq: rows and columns of the tile */
    uint32_t klen;  /* tprec, lmma: activations along the reduction */
    uint32_t wbits; /* lmma: weight bit-planes */
    uint32_t accum; /* lmma, dq: 1 = add to the destination, 0 = overwrite */
    uint32_t part;  /* lmma: how the cores share it: 0 = column blocks, 1 = row blocks */
    uint32_t groups;/* lmmag: independent lmmas, one per group of cores / groups cores */
    uint32_t tpad;  /* tprec, lmma: unused table slots after each row's tables (the
                       table row stride is chunks + tpad tables: rows in other banks) */
    uint32_t fmode; /* dq: 0 = int32 result, 1 = float32 dequantized */
    uint32_t shift; /* dq: final right shift (1, or 0 for binary weights) */
    uint32_t mfmt;  /* dq: metadata format (lut_meta.h; 0 = int32 factor + f32 scale) */
    uint32_t fn;    /* vop: isa_vfn */
    uint32_t len;   /* vop: elements */
    uint32_t imm;   /* vop: shift amount */
    uint32_t row;   /* vop rms_apply from inv: len is rows of `row` elements, row k's inv
                       at src2 + 4k (0: one row) */
    uint32_t chain; /* mma: continues the previous mma's output-stationary fold (its
                       accumulators still in the PEs, the K stream goes on): no fill */
    uint32_t swap;  /* mma on the mac array: the weight rows go on its mac.m side and the
                       activation rows on its mac.n side (C^T = W A^T, written back as C) */
} isa_instr;

typedef struct {
    uint64_t w[2];
} isa_word;

#define ISA_BYTES 16

/* Field kinds: how the assembler reads and the disassembler prints them. */
typedef enum { FK_UINT = 0, FK_ADDR, FK_BUF, FK_VFN } isa_field_kind;

typedef struct {
    const char *name;
    size_t offset;  /* offsetof(isa_instr, member) */
    size_t size;    /* sizeof the member: 4 or 8 */
    int lsb;        /* bit position in the 128-bit word */
    int width;
    isa_field_kind kind;
    int optional;   /* 1: may be left out in assembly (then 0); the disassembler
                       prints it only when nonzero (a field added later, so
                       older programs' text stays valid and byte-identical) */
} isa_field;

#define ISA_MAX_FIELDS 10
#define ISA_OPCODE_BITS 6

typedef struct {
    isa_op op;
    const char *mnemonic;
    isa_unit unit;
    int nfields;
    isa_field fields[ISA_MAX_FIELDS];
    const char *summary;
} isa_opdef;

/* The table (isa_table.c). */
extern const isa_opdef isa_ops[OP_COUNT];
extern const char *const isa_unit_names[UNIT_COUNT];
extern const char *const isa_vfn_names[VFN_COUNT];
extern const char *const isa_buf_names[4];

const isa_opdef *isa_def(isa_op op); /* NULL if op is out of range */
/* The largest value field `name` of op holds (0 if op has no such field):
 * what a compiler may emit, read from the table rather than restated. */
uint64_t isa_field_max(isa_op op, const char *name);

/* A float vector function's fp32 form and element type (integer functions
 * and copy are their own base, FP_F32); isa_vfn_at gives the function of
 * base at type t, or -1 if base has no such form. */
isa_vfn isa_vfn_base(isa_vfn f);
fp_type isa_vfn_type(isa_vfn f);
int isa_vfn_at(isa_vfn base, fp_type t);

/* Encodes; -1 with a message if a field does not fit or op is unknown. */
int isa_encode(const isa_instr *in, isa_word *out, char *err, size_t errlen);
/* Whether isa_encode would succeed, without building the word (a compiler
 * checks every instruction it emits): 0, or -1 with isa_encode's message. */
int isa_check(const isa_instr *in, char *err, size_t errlen);
/* Decodes; -1 with a message for an unknown opcode, bits set outside every
 * field, or an enum field out of range. */
int isa_decode(const isa_word *w, isa_instr *out, char *err, size_t errlen);

/* Assembles one line; returns 1 for an instruction, 0 for a blank or
 * comment line, -1 with a message (naming the field) on error. */
int isa_asm_line(const char *line, isa_instr *out, char *err, size_t errlen);
/* Disassembles into buf (no newline); returns the length. */
int isa_disasm(const isa_instr *in, char *buf, size_t buflen);

/* Byte order of a word in files and memory images. */
void isa_word_to_bytes(const isa_word *w, uint8_t out[ISA_BYTES]);
void isa_word_from_bytes(const uint8_t in[ISA_BYTES], isa_word *w);

#ifdef __cplusplus
}
#endif
#endif
