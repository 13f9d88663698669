/* unit_vec.c - the vector unit: the element-wise and row work of a layer
 * (residual adds, activation functions, norms, softmax, requantization).
 * lanes elements per cycle per pass; functions that need several passes
 * over the data (softmax: max, exp, sum, scale) cost that many.
 *
 * Fused attention's online softmax (compiler/attention.c) uses three row
 * functions that keep a 16-byte state per query row {max, sum, alpha}
 * (float32) at src2 in sbuf:
 *   attn_softmax  S int32 (n = len[11:0]; the last len[23:12] entries are
 *                 masked: causal or padding keys), shift = imm[4:0],
 *                 first block = imm[5].  t = float(S) * 2^-shift (the
 *                 compiler folds 1/sqrt(d), log2(e) and the Q and K scales
 *                 into a power of two); max' = max(max, t over the row);
 *                 alpha = exp2(max - max'); int8 P = round(127 exp2(t - max'))
 *                 (0 where masked); sum' = sum * alpha + sum of P.
 *   attn_acc      float O = O * alpha + float(PV) (imm 1: O = float(PV)).
 *   attn_norm     float dst = O / sum (0 when sum is 0).
 * The first block starts from max = -inf, sum = 0. */
#include "fp_arith.h"
#include "machine.h"
#include "sram.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    int in_bytes, out_bytes, two_sources, passes;
    int state; /* 1: src2 is a row's 16-byte attention state (read) */
} vfn_shape;

#define ATTN_STATE_BYTES 16

/* The shape of every function, the FP16 and BF16 forms of the float
 * functions derived from their fp32 form by HALF: the same passes on
 * 2-byte elements (the lanes are built for the element type:
 * vector.lanes elements per cycle whatever it is).  A constant table,
 * since every vop asks (twice: footprint and cost). */
#define SHAPE_(ib, ob, two, passes, state) { ib, ob, two, passes, state }
#define HALF_(ib, ob, two, passes, state) { 2, (ob) == 4 ? 2 : (ob), two, passes, state }
#define F32(...) SHAPE_(__VA_ARGS__)
#define HALF(...) HALF_(__VA_ARGS__)
/* in bytes, out bytes, two sources, passes, state */
#define S_ADD 4, 4, 1, 1, 0
#define S_MUL 4, 4, 1, 1, 0
#define S_SILU 4, 4, 0, 4, 0
#define S_GELU 4, 4, 0, 4, 0
#define S_RMSNORM 4, 4, 0, 3, 0
#define S_SOFTMAX 4, 4, 0, 4, 0
#define S_QUANT 4, 1, 0, 1, 0
#define FLOAT_FORMS(T, FORM) \
    [VFN_ADD_##T] = FORM(S_ADD), [VFN_MUL_##T] = FORM(S_MUL), [VFN_SILU_##T] = FORM(S_SILU), \
    [VFN_GELU_##T] = FORM(S_GELU), [VFN_RMSNORM_##T] = FORM(S_RMSNORM), \
    [VFN_SOFTMAX_##T] = FORM(S_SOFTMAX), [VFN_QUANT_##T] = FORM(S_QUANT)

static const vfn_shape shapes[VFN_COUNT] = {
    [VFN_COPY] = { 1, 1, 0, 1, 0 },
    [VFN_ADD_I32] = { 4, 4, 1, 1, 0 },
    [VFN_MUL_I32] = { 4, 4, 1, 1, 0 },
    [VFN_REQUANT_I8] = { 4, 1, 0, 1, 0 },
    FLOAT_FORMS(F32, F32),
    FLOAT_FORMS(F16, HALF),
    FLOAT_FORMS(BF16, HALF),
    /* max, exp and quantize, sum */
    [VFN_ATTN_SOFTMAX] = { 4, 1, 0, 3, 1 },
    [VFN_ATTN_ACC] = { 4, 4, 0, 1, 1 },
    [VFN_ATTN_NORM] = { 4, 4, 0, 1, 1 },
    [VFN_CVT_F16] = { 4, 2, 0, 1, 0 },
    [VFN_CVT_BF16] = { 4, 2, 0, 1, 0 },
    /* one pass each: the sum of squares; the multiply, rounding and
     * quantize (in_bytes at the type in imm: shape_of_instr) */
    [VFN_RMS_STAT] = { 4, 0, 0, 1, 0 },
    [VFN_RMS_APPLY] = { 4, 1, 0, 1, 0 },
};
#undef FLOAT_FORMS
#undef S_ADD
#undef S_MUL
#undef S_SILU
#undef S_GELU
#undef S_RMSNORM
#undef S_SOFTMAX
#undef S_QUANT
#undef HALF
#undef F32
#undef HALF_
#undef SHAPE_

_Static_assert(VFN_COUNT <= 32, "vop's fn field is 5 bits");

/* The rms functions' statistic: one float32 (rms_stat writes it,
 * rms_apply reads it at src2). */
#define RMS_STAT_BYTES 4

static int is_rms(uint32_t fn) { return fn == VFN_RMS_STAT || fn == VFN_RMS_APPLY; }

/* rms_stat's isa_rms_mode; RMS_PART_MORE also reads the sum at dst. */
static uint32_t rms_mode(const isa_instr *in) { return (in->imm >> RMS_MODE_SHIFT) & 3; }
static int rms_reads_dst(const isa_instr *in)
{
    return in->fn == VFN_RMS_STAT && rms_mode(in) == RMS_PART_MORE;
}

/* Rows of an rms function: rms_stat's partial modes cut len into rows of
 * src2 elements (0: one row), one float32 sum each; rms_apply's field row
 * cuts it into rows of `row` elements, one float32 inv each; the other
 * forms (and the inv mode, a pass over len float32) are one row. */
static uint64_t rms_rows(const isa_instr *in)
{
    if (in->fn == VFN_RMS_APPLY && in->row)
        return in->len / in->row;
    if (in->fn != VFN_RMS_STAT || rms_mode(in) == RMS_WHOLE || rms_mode(in) == RMS_INV ||
        in->src2 == 0)
        return 1;
    return in->len / in->src2;
}

/* Bytes of float32 statistics an rms function writes (rms_stat) or reads
 * at src2 (rms_apply): one a row, or (the inv mode) one an element. */
static uint64_t rms_stat_bytes(const isa_instr *in)
{
    if (in->fn == VFN_RMS_STAT && rms_mode(in) == RMS_INV)
        return RMS_STAT_BYTES * (uint64_t)in->len;
    return RMS_STAT_BYTES * rms_rows(in);
}

static uint64_t rms_row_len(const isa_instr *in) { return in->len / rms_rows(in); }

/* The shape of an instruction's function: the rms functions take their
 * element type from imm[1:0]. */
static inline vfn_shape shape_of_instr(const isa_instr *in)
{
    vfn_shape s = shapes[in->fn];
    if (is_rms(in->fn))
        s.in_bytes = in->fn == VFN_RMS_STAT && rms_mode(in) == RMS_INV
                         ? RMS_STAT_BYTES /* the sums */
                         : fp_bytes((fp_type)(in->imm & 3));
    return s;
}

/* Elements of the row: attn_softmax keeps its masked tail in len[23:12]. */
static uint32_t vec_len(const isa_instr *in)
{
    return in->fn == VFN_ATTN_SOFTMAX ? (in->len & 0xfff) : in->len;
}

/* The rms functions' own field rules: 0, or 1 with the reason. */
static int rms_refused(const isa_instr *in, char *err, size_t errlen)
{
    if ((in->imm & 3) >= FP_COUNT) {
        snprintf(err, errlen, "%s: element type %u in imm[1:0] is not 0..%d",
                 isa_vfn_names[in->fn], in->imm & 3, FP_COUNT - 1);
        return 1;
    }
    if (in->fn == VFN_RMS_STAT && rms_mode(in) == RMS_INV && in->src2 == 0) {
        snprintf(err, errlen, "rms_stat: mode 3 (inv) needs the rows' length in src2");
        return 1;
    }
    if (in->fn == VFN_RMS_STAT && rms_mode(in) != RMS_WHOLE && rms_mode(in) != RMS_INV &&
        in->src2 && in->len % in->src2 != 0) {
        snprintf(err, errlen, "rms_stat: rows of %u elements (src2) do not divide len %u",
                 in->src2, in->len);
        return 1;
    }
    if (in->fn == VFN_RMS_APPLY && (in->imm & ~(uint32_t)(3 | RMS_APPLY_SS))) {
        snprintf(err, errlen, "rms_apply: imm %u sets bits other than the type and ss (2)",
                 in->imm);
        return 1;
    }
    return 0;
}

static int vec_footprint(const machine *m, const isa_instr *in, footprint *fp,
                         char *err, size_t errlen)
{
    (void)m;
    /* The decoder guarantees these for binaries; programs built in memory
     * are checked here before any table is indexed with them. */
    if (in->fn >= VFN_COUNT || in->sbuf >= BUF_COUNT || in->dbuf >= BUF_COUNT) {
        snprintf(err, errlen, "illegal field value (fn=%u sbuf=%u dbuf=%u)", in->fn, in->sbuf,
                 in->dbuf);
        return -1;
    }
    const uint32_t n = vec_len(in);
    if (n == 0) {
        snprintf(err, errlen, "empty vector operation");
        return -1;
    }
    if (in->fn == VFN_ATTN_SOFTMAX && (in->len >> 12) > n) {
        snprintf(err, errlen, "attn_softmax: masked tail %u is longer than the row of %u",
                 in->len >> 12, n);
        return -1;
    }
    if (is_rms(in->fn) && rms_refused(in, err, errlen))
        return -1;
    if (in->row && (in->fn != VFN_RMS_APPLY || (in->imm & RMS_APPLY_SS))) {
        snprintf(err, errlen, "%s: row %u is only rms_apply's from inv (imm[2] clear)",
                 isa_vfn_names[in->fn], in->row);
        return -1;
    }
    if (in->row && n % in->row != 0) {
        snprintf(err, errlen, "rms_apply: rows of %u elements (row) do not divide len %u",
                 in->row, n);
        return -1;
    }
    const vfn_shape shape = shape_of_instr(in), *s = &shape;
    uint64_t ib = (uint64_t)n * s->in_bytes, ob = (uint64_t)n * s->out_bytes;
    if (in->fn == VFN_RMS_STAT)
        ob = rms_stat_bytes(in);
    const mem_range dst = { (int)in->dbuf, in->dst, in->dst + ob };
    fp->nr = 1;
    fp->r[0] = (mem_range){ (int)in->sbuf, in->src, in->src + ib };
    if (s->two_sources)
        fp->r[fp->nr++] = (mem_range){ (int)in->sbuf, in->src2, in->src2 + ib };
    if (s->state)
        fp->r[fp->nr++] = (mem_range){ (int)in->sbuf, in->src2, in->src2 + ATTN_STATE_BYTES };
    if (in->fn == VFN_RMS_APPLY)
        fp->r[fp->nr++] = (mem_range){ (int)in->sbuf, in->src2, in->src2 + rms_stat_bytes(in) };
    if ((in->fn == VFN_ATTN_ACC && !(in->imm & 1)) || rms_reads_dst(in))
        fp->r[fp->nr++] = dst;
    fp->nw = 1;
    fp->w[0] = dst;
    if (in->fn == VFN_ATTN_SOFTMAX) /* the state is updated in place */
        fp->w[fp->nw++] = fp->r[1];
    return 0;
}

/* Banked buffers: the sources stream in and the result out once (a
 * multi-pass function keeps its row in the unit), through the ports of
 * their buffers; the unit runs no faster than the busiest one. */
static void vec_banked(const machine *m, const isa_instr *in, const vfn_shape *s, unit_cost *c)
{
    sram_geom gs, gd;
    sram_geom_of(m->arch, (buf_id)in->sbuf, &gs);
    sram_geom_of(m->arch, (buf_id)in->dbuf, &gd);
    /* vec_len: attn_softmax's len field also carries the masked tail */
    uint64_t ib = vec_len(in) * s->in_bytes, ob = vec_len(in) * s->out_bytes;
    if (in->fn == VFN_RMS_STAT)
        ob = rms_stat_bytes(in);
    else if (in->fn == VFN_RMS_APPLY)
        c->port_words[in->sbuf] += sram_range_words(&gs, in->src2, rms_stat_bytes(in));
    if (rms_reads_dst(in)) /* the partial sums it continues */
        c->port_words[in->dbuf] += sram_range_words(&gd, in->dst, ob);
    c->port_words[in->sbuf] += sram_range_words(&gs, in->src, ib);
    if (s->two_sources)
        c->port_words[in->sbuf] += sram_range_words(&gs, in->src2, ib);
    c->port_words[in->dbuf] += sram_range_words(&gd, in->dst, ob);
    for (int b = 0; b < BUF_COUNT; b++) {
        sram_geom g;
        sram_geom_of(m->arch, (buf_id)b, &g);
        sram_raise(c, sram_cycles(&g, c->port_words[b]));
    }
}

static void vec_cost(const machine *m, const isa_instr *in, unit_cost *c, sim_events *ev)
{
    const vfn_shape shape = shape_of_instr(in), *s = &shape;
    const uint64_t n = vec_len(in);
    /* rms_stat's rows each start a fresh lane group (one sum a row) */
    const uint64_t rows = rms_rows(in), per = rows > 1 ? rms_row_len(in) : n;
    c->occupancy = rows * ceil_div(per, (uint64_t)m->arch->vector_lanes) * (uint64_t)s->passes;
    if (!m->arch->sram_ideal)
        vec_banked(m, in, s, c);
    c->latency = (uint64_t)m->arch->vector_latency;
    c->dram_cycles = 0;
    ev->vector_ops += n * s->passes;
    ev->buf_read_bytes[in->sbuf] += n * s->in_bytes * (s->two_sources ? 2 : 1) +
                                    (s->state ? ATTN_STATE_BYTES : 0);
    ev->buf_write_bytes[in->dbuf] += in->fn == VFN_RMS_STAT ? rms_stat_bytes(in)
                                                             : n * s->out_bytes;
    if (in->fn == VFN_RMS_APPLY)
        ev->buf_read_bytes[in->sbuf] += rms_stat_bytes(in);
    if (rms_reads_dst(in))
        ev->buf_read_bytes[in->dbuf] += RMS_STAT_BYTES * rms_rows(in);
    if (in->fn == VFN_ATTN_SOFTMAX)
        ev->buf_write_bytes[in->sbuf] += ATTN_STATE_BYTES;
    else if (in->fn == VFN_ATTN_ACC && !(in->imm & 1))
        ev->buf_read_bytes[in->dbuf] += n * 4;
}

static int8_t sat8(int64_t v) { return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v)); }

/* Round half away from zero after dividing by 2^sh. */
static int64_t round_shift(int64_t v, unsigned sh)
{
    if (sh == 0)
        return v;
    int64_t half = (int64_t)1 << (sh - 1);
    return v >= 0 ? (v + half) >> sh : -((-v + half) >> sh);
}

/* float -> int8: round half away from zero (like requant_i8, and unlike
 * lrintf, whose result depends on the rounding mode and is undefined beyond
 * the range of long), then saturate; NaN gives 0. */
static int8_t quant8(float x)
{
    if (x != x)
        return 0;
    if (x >= 127.0f)
        return 127;
    if (x <= -128.0f)
        return -128;
    return (int8_t)roundf(x);
}

/* The float functions at any element type: binary32 arithmetic on the
 * widened elements, one rounding to the type per stored result. */
static void float_exec(machine *m, const isa_instr *in)
{
    const fp_type t = isa_vfn_type((isa_vfn)in->fn);
    const uint8_t *a = m->buf[in->sbuf] + in->src, *b = m->buf[in->sbuf] + in->src2;
    uint8_t *d = m->buf[in->dbuf] + in->dst;
    const uint32_t n = in->len;
    switch (isa_vfn_base((isa_vfn)in->fn)) {
    case VFN_ADD_F32:
        for (uint32_t i = 0; i < n; i++)
            fp_store(d, t, i, fp_load(a, t, i) + fp_load(b, t, i));
        break;
    case VFN_MUL_F32:
        for (uint32_t i = 0; i < n; i++)
            fp_store(d, t, i, fp_load(a, t, i) * fp_load(b, t, i));
        break;
    case VFN_SILU_F32:
        for (uint32_t i = 0; i < n; i++) {
            float x = fp_load(a, t, i);
            fp_store(d, t, i, x / (1.0f + expf(-x)));
        }
        break;
    case VFN_GELU_F32:
        for (uint32_t i = 0; i < n; i++) {
            float x = fp_load(a, t, i);
            float th = tanhf(0.7978845608f * (x + 0.044715f * x * x * x));
            fp_store(d, t, i, 0.5f * x * (1.0f + th));
        }
        break;
    case VFN_RMSNORM_F32: {
        const float inv = fp_rms_inv(a, t, n);
        for (uint32_t i = 0; i < n; i++)
            fp_store(d, t, i, fp_rms_apply(fp_load(a, t, i), inv, t));
        break;
    }
    case VFN_SOFTMAX_F32: {
        /* max, sum of exponentials, then each exponential over the sum
         * (recomputed, bit for bit the value the sum added) */
        float mx = -INFINITY, sum = 0.0f;
        for (uint32_t i = 0; i < n; i++)
            mx = fmaxf(mx, fp_load(a, t, i));
        for (uint32_t i = 0; i < n; i++)
            sum += expf(fp_load(a, t, i) - mx);
        for (uint32_t i = 0; i < n; i++)
            fp_store(d, t, i, expf(fp_load(a, t, i) - mx) / sum);
        break;
    }
    case VFN_QUANT_F32:
        for (uint32_t i = 0; i < n; i++)
            d[i] = (uint8_t)quant8(fp_load(a, t, i) * ldexpf(1.0f, (int)in->imm));
        break;
    default:
        break;
    }
}

/* The online-softmax step of one row (the header says what it computes). */
static void attn_softmax(const uint8_t *s, uint8_t *state, uint8_t *p, uint32_t n,
                         uint32_t masked, uint32_t imm)
{
    const uint32_t v = n - masked;
    const float scale = ldexpf(1.0f, -(int)(imm & 31));
    const int first = (imm >> 5) & 1;
    const float mold = first ? -INFINITY : ld_f32(state), lold = first ? 0.0f : ld_f32(state + 4);
    float mx = mold;
    for (uint32_t i = 0; i < v; i++)
        mx = fmaxf(mx, (float)ld_i32(s + 4 * i) * scale);
    const float alpha = mx == -INFINITY ? 1.0f : exp2f(mold - mx);
    int64_t sum = 0;
    for (uint32_t i = 0; i < v; i++) {
        float e = exp2f((float)ld_i32(s + 4 * i) * scale - mx);
        int q = (int)roundf(e * 127.0f);
        p[i] = (uint8_t)q;
        sum += q;
    }
    memset(p + v, 0, masked);
    float lsc = lold * alpha;
    st_f32(state, mx);
    st_f32(state + 4, lsc + (float)sum);
    st_f32(state + 8, alpha);
}

static int vec_exec(machine *m, const isa_instr *in, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    const uint8_t *a = m->buf[in->sbuf] + in->src, *b = m->buf[in->sbuf] + in->src2;
    uint8_t *d = m->buf[in->dbuf] + in->dst;
    const uint32_t n = in->len;
    switch ((isa_vfn)in->fn) {
    case VFN_COPY:
        memmove(d, a, n);
        break;
    case VFN_ADD_I32:
        for (uint32_t i = 0; i < n; i++)
            st_i32(d + 4 * i, (int32_t)((uint32_t)ld_i32(a + 4 * i) + (uint32_t)ld_i32(b + 4 * i)));
        break;
    case VFN_MUL_I32:
        for (uint32_t i = 0; i < n; i++)
            st_i32(d + 4 * i, (int32_t)(((int64_t)ld_i32(a + 4 * i) * ld_i32(b + 4 * i)) >> in->imm));
        break;
    case VFN_REQUANT_I8:
        for (uint32_t i = 0; i < n; i++)
            d[i] = (uint8_t)sat8(round_shift(ld_i32(a + 4 * i), in->imm));
        break;
    default:
        float_exec(m, in);
        break;
    case VFN_ATTN_SOFTMAX:
        attn_softmax(a, m->buf[in->sbuf] + in->src2, d, n & 0xfff, n >> 12, in->imm);
        break;
    case VFN_ATTN_ACC: {
        const float alpha = ld_f32(b + 8);
        for (uint32_t i = 0; i < n; i++) {
            float pv = (float)ld_i32(a + 4 * i);
            if (in->imm & 1) {
                st_f32(d + 4 * i, pv);
            } else {
                float o = ld_f32(d + 4 * i) * alpha;
                st_f32(d + 4 * i, o + pv);
            }
        }
        break;
    }
    case VFN_ATTN_NORM: {
        const float l = ld_f32(b + 4);
        for (uint32_t i = 0; i < n; i++)
            st_f32(d + 4 * i, l > 0.0f ? ld_f32(a + 4 * i) / l : 0.0f);
        break;
    }
    case VFN_CVT_F16:
    case VFN_CVT_BF16: {
        const fp_type t = in->fn == VFN_CVT_F16 ? FP_F16 : FP_BF16;
        for (uint32_t i = 0; i < n; i++) /* in place: element i is read before 2i is written */
            fp_store(d, t, i, ld_f32(a + 4 * i));
        break;
    }
    case VFN_RMS_STAT: {
        const fp_type t = (fp_type)(in->imm & 3);
        if (rms_mode(in) == RMS_WHOLE) {
            st_f32(d, fp_rms_inv(a, t, n));
            break;
        }
        if (rms_mode(in) == RMS_INV) { /* sums -> inv, rows of src2 (in place allowed) */
            for (uint32_t i = 0; i < n; i++)
                st_f32(d + 4 * i, fp_rms_inv_of(ld_f32(a + 4 * i), in->src2));
            break;
        }
        /* each row's segment of squares, carried on from its sum at dst */
        const uint64_t r = rms_row_len(in), esz = (uint64_t)fp_bytes(t);
        for (uint64_t k = 0; k < rms_rows(in); k++) {
            uint8_t *dk = d + 4 * k;
            const float acc = rms_mode(in) == RMS_PART_MORE ? ld_f32(dk) : 0.0f;
            st_f32(dk, fp_sumsq(acc, a + k * r * esz, t, (uint32_t)r));
        }
        break;
    }
    case VFN_RMS_APPLY: {
        const fp_type t = (fp_type)(in->imm & 3);
        /* rows of `row` elements (0: one row of len), row k's inv at src2 + 4k */
        const uint64_t rows = rms_rows(in), per = n / rows;
        for (uint64_t k = 0; k < rows; k++) {
            const float inv = in->imm & RMS_APPLY_SS ? fp_rms_inv_of(ld_f32(b), n)
                                                     : ld_f32(b + 4 * k);
            for (uint64_t i = k * per; i < (k + 1) * per; i++)
                d[i] = (uint8_t)quant8(fp_rms_apply(fp_load(a, t, (uint32_t)i), inv, t));
        }
        break;
    }
    case VFN_COUNT:
        break;
    }
    return 0;
}

const unit_ops unit_vec_ops = { vec_footprint, vec_cost, vec_exec };
