// isa_build.h - instruction builders for tests that write programs by hand.
#ifndef TESTS_ISA_BUILD_H
#define TESTS_ISA_BUILD_H

#include <cstdint>
#include <cstring>

#include "isa.h"

// An instruction of op with every field 0.
inline isa_instr blank(isa_op op)
{
    isa_instr in;
    std::memset(&in, 0, sizeof in);
    in.op = op;
    return in;
}

// A 2-D transfer of rows x bytes (DRAM stride), a load unless op says store.
inline isa_instr ld(int buf, uint32_t sram, uint64_t dram, uint32_t rows, uint32_t bytes,
                    uint32_t stride, isa_op op = OP_LOAD)
{
    isa_instr in = blank(op);
    in.buf = (uint32_t)buf;
    in.sram = sram;
    in.dram = dram;
    in.rows = rows;
    in.bytes = bytes;
    in.stride = stride;
    return in;
}

// lmma (groups 0) or lmmag on the LUT array.
inline isa_instr lut_op(isa_op op, uint32_t tbl, uint32_t wgt, uint32_t acc, uint32_t m,
                        uint32_t n, uint32_t klen, uint32_t wbits, uint32_t accum,
                        uint32_t groups)
{
    isa_instr in = blank(op);
    in.tbl = tbl;
    in.wgt = wgt;
    in.acc = acc;
    in.m = m;
    in.n = n;
    in.klen = klen;
    in.wbits = wbits;
    in.accum = accum;
    in.groups = groups;
    return in;
}

// A vector operation.
inline isa_instr vop(isa_vfn fn, int sbuf, uint32_t src, uint32_t src2, int dbuf, uint32_t dst,
                     uint32_t len, uint32_t imm = 0)
{
    isa_instr in = blank(OP_VOP);
    in.fn = (uint32_t)fn;
    in.sbuf = (uint32_t)sbuf;
    in.src = src;
    in.src2 = src2;
    in.dbuf = (uint32_t)dbuf;
    in.dst = dst;
    in.len = len;
    in.imm = imm;
    return in;
}

#endif
