/* unit_mma.c - mma on the array compute.kind selects (systolic, mac or bitserial).
 *
 * Operands in the buffers: the activation tile is m rows of klen int8 at
 * act (klen 2-byte values with 16-bit activations, timing-only), the weight tile n rows of klen weights at wgt (the GEMM's W, n x K),
 * each row ceil(klen x B / 8) bytes of B-bit weights packed from bit 0 up
 * (B = wbits, 0 meaning 8: two's complement, except B = 1: bit 1 is +1,
 * bit 0 is -1), the result m x n int32 row-major at acc, added to when
 * accum is set.  Unpacking is sign extension, wiring in front of a
 * systolic array; the mac array's dequant stage converts them to its
 * operand type (mma_array.h).
 * The products are exact (int8 x int8 summed in 32 bits; klen < 2^17
 * keeps |sum| < 2^31).  The array's timing is mma_array.h's; this file
 * counts the buffer traffic each array's structure implies.
 */
#include "machine.h"
#include "mma_array.h"

#include <stdio.h>

/* wbits=0: 8-bit weights, or 16-bit (FP16) ones on the FP16 datapath. */
static int wbits_of(const arch_t *a, const isa_instr *in)
{
    return in->wbits ? (int)in->wbits : a->mma_fp16 ? 16 : 8;
}

/* Bytes of an activation (INT8, or 16-bit: INT16 or FP16) and of an output
 * (int32, or FP16 on the FP16 datapath). */
static uint64_t act_bytes(const arch_t *a) { return a->act_bits == 16 ? 2 : 1; }
static uint64_t out_bytes(const arch_t *a) { return a->mma_fp16 ? 2 : 4; }

/* Bytes of one packed weight row of the tile. */
static uint64_t mma_wrow_bytes(const arch_t *a, const isa_instr *in)
{
    return ((uint64_t)in->klen * (uint64_t)wbits_of(a, in) + 7) / 8;
}

/* Weight k of a packed row. */
static int32_t weight_at(const uint8_t *row, uint32_t k, int b)
{
    if (b == 8)
        return (int8_t)row[k];
    const uint64_t bit = (uint64_t)k * (uint64_t)b;
    uint32_t v = row[bit / 8];
    if (bit % 8 + (uint64_t)b > 8) /* it spans into the next byte */
        v |= (uint32_t)row[bit / 8 + 1] << 8;
    v = (v >> (bit % 8)) & ((1u << b) - 1);
    if (b == 1)
        return v ? 1 : -1;
    return (int32_t)(v ^ (1u << (b - 1))) - (int32_t)(1u << (b - 1)); /* sign extension */
}

static int mma_footprint(const machine *m, const isa_instr *in, footprint *fp, char *err,
                         size_t errlen)
{
    const arch_t *a = m->arch;
    if (a->compute_kind == COMPUTE_LUT) {
        snprintf(err, errlen, "mma needs a systolic, mac or bitserial array (compute.kind is lut)");
        return -1;
    }
    if (in->m == 0 || in->n == 0 || in->klen == 0) {
        snprintf(err, errlen, "empty tile (m=%u n=%u klen=%u)", in->m, in->n, in->klen);
        return -1;
    }
    if (in->wbits > 8) {
        snprintf(err, errlen, "wbits=%u: weights are 1..8 bits (0 means 8)", in->wbits);
        return -1;
    }
    if (in->swap && a->compute_kind != COMPUTE_MAC) {
        snprintf(err, errlen, "swap=1 trades the operands' sides of the mac array: it needs "
                 "compute.kind mac");
        return -1;
    }
    if (in->chain && (a->compute_kind != COMPUTE_SYSTOLIC || a->sys_dataflow != SYS_OS ||
                      in->m > (uint32_t)a->sys_rows || in->n > (uint32_t)a->sys_cols || !in->accum)) {
        snprintf(err, errlen, "chain=1 continues one output-stationary fold: it needs a "
                 "systolic os array, m <= rows, n <= cols and accum=1");
        return -1;
    }
    fp->nr = 2;
    fp->r[0] = (mem_range){ BUF_ACT, in->src,
                            in->src + (uint64_t)in->m * in->klen * act_bytes(a) };
    fp->r[1] = (mem_range){ BUF_WGT, in->wgt, in->wgt + (uint64_t)in->n * mma_wrow_bytes(a, in) };
    fp->nw = 0;
    const mem_range acc = { BUF_OUT, in->acc, in->acc + (uint64_t)in->m * in->n * out_bytes(a) };
    if (in->accum)
        fp->r[fp->nr++] = acc;
    fp->w[fp->nw++] = acc;
    return 0;
}

/* Buffer reads of the systolic array: the stationary operand is read once,
 * the streamed one once per fold along the other stationary dimension;
 * ws and is reduce K over the row folds, so each row fold after the first
 * reads back the partial sums it adds to. */
static void systolic_traffic(const arch_t *a, const isa_instr *in, const sys_timing *t,
                             sim_events *ev)
{
    const uint64_t A = (uint64_t)in->m * in->klen * act_bytes(a);
    const uint64_t W = (uint64_t)in->n * mma_wrow_bytes(a, in);
    const uint64_t O = (uint64_t)in->m * in->n * out_bytes(a);
    uint64_t a_reads = A, w_reads = W, o_reads = in->accum ? O : 0, o_writes = O;
    if (t->sr == in->m && t->sc == in->n) { /* os: A per column fold, W per row fold */
        a_reads = A * t->col_folds;
        w_reads = W * t->row_folds;
    } else {
        if (t->sc == in->n) /* ws: W stationary, A streams once per column fold */
            a_reads = A * t->col_folds;
        else                /* is: A stationary, W streams once per column fold */
            w_reads = W * t->col_folds;
        o_reads += O * (t->row_folds - 1);
        o_writes = O * t->row_folds;
    }
    ev->buf_read_bytes[BUF_ACT] += a_reads;
    ev->buf_read_bytes[BUF_WGT] += w_reads;
    ev->buf_read_bytes[BUF_OUT] += o_reads;
    ev->buf_write_bytes[BUF_OUT] += o_writes;
}

/* Output-stationary: each tile reads its dp x rows weights and dp x cols
 * activations, so A is read once per row tile, W once per column tile;
 * the outputs leave once.  Every PE is clocked every cycle (BitMoD gates
 * none), so energy is per PE-cycle. */
static void bitserial_cost(const arch_t *a, const isa_instr *in, unit_cost *c, sim_events *ev)
{
    bs_timing t;
    bitserial_time(a, in->m, in->n, in->klen, wbits_of(a, in), &t);
    const uint64_t O = (uint64_t)in->m * in->n * out_bytes(a);
    ev->buf_read_bytes[BUF_ACT] += (uint64_t)in->m * in->klen * act_bytes(a) * t.row_tiles;
    ev->buf_read_bytes[BUF_WGT] += (uint64_t)in->n * mma_wrow_bytes(a, in) * t.col_tiles;
    ev->buf_read_bytes[BUF_OUT] += in->accum ? O : 0;
    ev->buf_write_bytes[BUF_OUT] += O;
    ev->array_pe_cycles += (uint64_t)a->bs_rows * a->bs_cols * t.cycles;
    c->occupancy = t.cycles;
    c->latency = 0; /* outputs are in the PEs when the last term is in */
}

static void mma_cost(const machine *m, const isa_instr *in, unit_cost *c, sim_events *ev)
{
    const arch_t *a = m->arch;
    const uint64_t macs = (uint64_t)in->m * in->n * in->klen;
    ev->macs += macs;
    if (a->compute_kind != COMPUTE_BITSERIAL) /* it prices PE-cycles instead */
        ev->array_macs += macs;
    if (a->compute_kind == COMPUTE_SYSTOLIC) {
        sys_timing t;
        systolic_time(a, in->m, in->n, in->klen, (int)in->chain, &t);
        systolic_traffic(a, in, &t, ev);
        c->occupancy = t.cycles;
        c->latency = 0; /* the drain is inside the folds' phases */
        return;
    }
    if (a->compute_kind == COMPUTE_BITSERIAL) {
        bitserial_cost(a, in, c, ev);
        return;
    }
    mac_timing t;
    mac_time(a, in->m, in->n, in->klen, wbits_of(a, in), (int)in->swap, &t);
    /* The operand on the tn side (weights; activations when swapped) is
     * read once (weights through the dequant stage) and held while the
     * other's row tiles stream past, once per tile of the held one. */
    const uint64_t A = (uint64_t)in->m * in->klen * act_bytes(a);
    const uint64_t W = (uint64_t)in->n * mma_wrow_bytes(a, in);
    const uint64_t O = (uint64_t)in->m * in->n * out_bytes(a);
    if (in->swap) {
        ev->buf_read_bytes[BUF_ACT] += A;
        ev->buf_read_bytes[BUF_WGT] += W * ceil_div(in->m, (uint64_t)a->mac_n);
    } else {
        ev->buf_read_bytes[BUF_ACT] += A * ceil_div(in->n, (uint64_t)a->mac_n);
        ev->buf_read_bytes[BUF_WGT] += W;
    }
    ev->buf_read_bytes[BUF_OUT] += in->accum ? O : 0;
    ev->buf_write_bytes[BUF_OUT] += O;
    ev->mac_dq_weights += t.dq_weights;
    c->occupancy = t.cycles;
    c->latency = (uint64_t)a->mac_latency;
}

static int mma_exec(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    if (m->arch->mma_fp16 || m->arch->act_bits == 16) {
        /* the byte counts and timing above hold; the values are not computed */
        snprintf(err, errlen, "mma with 16-bit activations or the FP16 datapath is timing-only "
                 "(no functional FP16/INT16 multiply)");
        return -1;
    }
    const int8_t *A = (const int8_t *)m->buf[BUF_ACT] + in->src;
    const uint8_t *W = m->buf[BUF_WGT] + in->wgt;
    const uint64_t wrow = mma_wrow_bytes(m->arch, in);
    const int b = wbits_of(m->arch, in);
    uint8_t *C = m->buf[BUF_OUT] + in->acc;
    for (uint32_t i = 0; i < in->m; i++)
        for (uint32_t j = 0; j < in->n; j++) {
            int32_t s = 0;
            const int8_t *ar = A + (size_t)i * in->klen;
            const uint8_t *wr = W + (size_t)j * wrow;
            for (uint32_t k = 0; k < in->klen; k++)
                s += (int32_t)ar[k] * weight_at(wr, k, b);
            uint8_t *p = C + ((size_t)i * in->n + j) * 4;
            st_i32(p, in->accum ? (int32_t)((uint32_t)ld_i32(p) + (uint32_t)s) : s);
        }
    return 0;
}

const unit_ops unit_mma_ops = { mma_footprint, mma_cost, mma_exec };
