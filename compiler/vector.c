/* vector.c - tiling of vector-unit work: load, vop, store per tile. */
#include "vector.h"

#include "count.h"
#include "periodic.h"

#include <stdio.h>
#include <string.h>

static int two_sources(isa_vfn f)
{
    return f == VFN_ADD_I32 || f == VFN_MUL_I32 || f == VFN_ADD_F32 || f == VFN_MUL_F32;
}

static int row_op(isa_vfn f) { return f == VFN_RMSNORM_F32 || f == VFN_SOFTMAX_F32; }

static int push(program *p, const isa_instr *in, char *err, size_t errlen)
{
    if (program_push(p, in) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int vec_lower(const arch_t *a, const vec_shape *v, uint64_t tiles_limit, program *p,
              uint64_t *tiles_out, char *err, size_t errlen)
{
    program_init(p);
    if (v->rows == 0 || v->cols == 0) {
        snprintf(err, errlen, "empty vector operation");
        return -1;
    }
    const int srcs = two_sources(v->fn) ? 2 : 1;
    const uint64_t esz = 4; /* float32 or int32 */
    const uint64_t half = arch_buf_bytes(a, BUF_OUT) / 2;
    /* Per tile: srcs inputs and one output, all in one half. */
    uint64_t per_elem = esz * (uint64_t)(srcs + 1);
    uint64_t cap = half / per_elem;
    int ovf = 0;
    uint64_t total = count_mul(v->rows, v->cols, &ovf);
    uint64_t span; /* elements per tile */
    if (row_op(v->fn) || v->tables_group > 0) {
        if (v->cols > cap) {
            snprintf(err, errlen, "a row of %llu elements does not fit half the output buffer",
                     (unsigned long long)v->cols);
            return -1;
        }
        span = cap / v->cols * v->cols;
    } else {
        span = cap;
    }
    if (span > (1u << 23))
        span = 1u << 23; /* vop len field */
    /* Fused precompute: a tile's rows of tables must fit half the table
     * buffer, its INT8 rows half the activation buffer. */
    const int tk = a->tile_k, E = 1 << (tk - 1);
    const uint64_t G = v->tables_group > 0 ? (uint64_t)v->tables_group : 1;
    const uint64_t ngroups = (v->cols + G - 1) / G;
    const uint64_t gch = (G + (uint64_t)tk - 1) / (uint64_t)tk;
    const uint64_t tbl_half = arch_buf_bytes(a, BUF_TBL) / 2, act_half = arch_buf_bytes(a, BUF_ACT) / 2;
    const uint64_t sum_off = (tbl_half / 2) / 64 * 64;
    uint64_t t_row_bytes = 0;
    if (v->tables_group > 0) {
        uint64_t last = v->cols - (ngroups - 1) * G;
        t_row_bytes = ((ngroups - 1) * gch + (last + tk - 1) / tk) * E * 2;
        uint64_t rows_fit = sum_off / (gch * E * 2);
        if (rows_fit > (tbl_half - sum_off) / 4)
            rows_fit = (tbl_half - sum_off) / 4;
        if (rows_fit * v->cols > act_half)
            rows_fit = act_half / v->cols;
        if (rows_fit == 0) {
            snprintf(err, errlen, "fused precompute: one row's tables (%llu B per group) or "
                     "activations do not fit half the table or act buffer",
                     (unsigned long long)(gch * E * 2));
            return -1;
        }
        if (span > rows_fit * v->cols)
            span = rows_fit * v->cols;
    }
    const uint64_t tiles = total / span + (total % span != 0);
    *tiles_out = tiles;
    /* DRAM: the inputs, the output, then (fused) tables and sums */
    const uint64_t dram_in = 0, dram_in2 = count_mul(total, esz, &ovf);
    const uint64_t dram_out = count_mul3(total, esz, (uint64_t)srcs, &ovf);
    const uint64_t dram_tables = count_addmul(dram_out, total, esz, &ovf);
    const uint64_t dram_sums = count_addmul(dram_tables, v->rows, t_row_bytes, &ovf);
    count_addmul(dram_sums, ngroups * 4, v->rows, &ovf);
    if (ovf) {
        snprintf(err, errlen, "a vector operation of %llu x %llu elements exceeds 2^63 bytes of DRAM",
                 (unsigned long long)v->rows, (unsigned long long)v->cols);
        return -1;
    }
    uint64_t gi = 0; /* groups so far: table halves alternate */
    for (uint64_t t = 0; t < tiles; t++) {
        if (tiles_limit && t + 1 >= tiles_limit && t != tiles - 1)
            continue; /* fast-forward: keep the first tiles and the last */
        const uint64_t e0 = t * span, n = total - e0 < span ? total - e0 : span;
        const uint64_t base = (t % 2) * half;
        isa_instr in;
        memset(&in, 0, sizeof in);
        in.op = OP_LOAD;
        in.buf = BUF_OUT;
        in.sram = (uint32_t)base;
        in.dram = dram_in + e0 * esz;
        in.rows = 1;
        in.bytes = (uint32_t)(n * esz);
        in.stride = in.bytes;
        /* Transfers are split into rows of at most 64 KiB (field width). */
        while (in.bytes > 65536 && in.bytes % 2 == 0 && in.rows < 32768) {
            in.rows *= 2;
            in.bytes /= 2;
            in.stride = in.bytes;
        }
        if (push(p, &in, err, errlen))
            return -1;
        isa_instr ld2 = in;
        if (srcs == 2) {
            ld2.sram = (uint32_t)(base + n * esz);
            ld2.dram = dram_in2 + e0 * esz;
            if (push(p, &ld2, err, errlen))
                return -1;
        }
        const uint64_t dst = base + n * esz * (uint64_t)srcs;
        const uint64_t per = row_op(v->fn) ? v->cols : n;
        for (uint64_t r = 0; r < n / per; r++) {
            isa_instr vo;
            memset(&vo, 0, sizeof vo);
            vo.op = OP_VOP;
            vo.fn = (uint32_t)v->fn;
            vo.sbuf = vo.dbuf = BUF_OUT;
            vo.src = (uint32_t)(base + r * per * esz);
            vo.src2 = (uint32_t)(base + n * esz + r * per * esz);
            vo.dst = (uint32_t)(dst + r * per * esz);
            vo.len = (uint32_t)per;
            if (push(p, &vo, err, errlen))
                return -1;
        }
        if (v->tables_group > 0) {
            /* INT8 activations into the act buffer, then per group: tables
             * and sums on the precompute unit, stored for the next GEMM. */
            const uint64_t r0 = e0 / v->cols, rows = n / v->cols;
            const uint64_t abase = (t % 2) * act_half;
            isa_instr q;
            memset(&q, 0, sizeof q);
            q.op = OP_VOP;
            q.fn = VFN_QUANT_F32;
            q.sbuf = BUF_OUT;
            q.src = (uint32_t)dst;
            q.dbuf = BUF_ACT;
            q.dst = (uint32_t)abase;
            q.len = (uint32_t)n;
            if (push(p, &q, err, errlen))
                return -1;
            for (uint64_t g = 0; g < ngroups; g++, gi++) {
                const uint64_t klen = v->cols - g * G < G ? v->cols - g * G : G;
                const uint64_t tbase = (gi % 2) * tbl_half;
                isa_instr tp;
                memset(&tp, 0, sizeof tp);
                tp.op = OP_TPREC;
                tp.src = (uint32_t)(abase + g * G);
                tp.dst = (uint32_t)tbase;
                tp.sum = (uint32_t)(tbase + sum_off);
                tp.rows = (uint32_t)rows;
                tp.klen = (uint32_t)klen;
                tp.stride = (uint32_t)v->cols;
                if (push(p, &tp, err, errlen))
                    return -1;
                isa_instr so;
                memset(&so, 0, sizeof so);
                so.op = OP_STORE;
                so.buf = BUF_TBL;
                so.sram = (uint32_t)tbase;
                so.dram = dram_tables + r0 * t_row_bytes + g * gch * E * 2;
                so.rows = (uint32_t)rows;
                so.bytes = (uint32_t)(((klen + tk - 1) / tk) * E * 2);
                so.stride = (uint32_t)t_row_bytes;
                if (push(p, &so, err, errlen))
                    return -1;
                so.sram = (uint32_t)(tbase + sum_off);
                so.dram = dram_sums + (g * v->rows + r0) * 4;
                so.rows = 1;
                so.bytes = (uint32_t)(rows * 4);
                so.stride = so.bytes;
                if (push(p, &so, err, errlen))
                    return -1;
            }
            continue; /* the tables replace the float32 output */
        }
        isa_instr st = in;
        st.op = OP_STORE;
        st.sram = (uint32_t)dst;
        st.dram = dram_out + e0 * esz;
        if (push(p, &st, err, errlen))
            return -1;
    }
    isa_instr h;
    memset(&h, 0, sizeof h);
    h.op = OP_HALT;
    return push(p, &h, err, errlen);
}

static int run(const arch_t *a, const energy_model *em, const vec_shape *v, uint64_t limit,
               sim_stats *st, uint64_t *tiles, char *err, size_t errlen)
{
    program p;
    if (vec_lower(a, v, limit, &p, tiles, err, errlen) != 0) {
        program_free(&p);
        return -1;
    }
    int rc = sim_run(a, em, &p, NULL, st, err, errlen);
    program_free(&p);
    return rc;
}

int vec_timing(const arch_t *a, const energy_model *em, const vec_shape *v, sim_stats *st,
               int *sampled, char *err, size_t errlen)
{
    uint64_t tiles;
    *sampled = 0;
    /* 3 tiles + the last, then 5 + the last: the shapes periodic_extend wants. */
    if (run(a, em, v, 4, st, &tiles, err, errlen) != 0)
        return -1;
    if (tiles <= 8) /* short: simulate it whole */
        return tiles <= 4 ? 0 : run(a, em, v, 0, st, &tiles, err, errlen);
    sim_stats b;
    if (run(a, em, v, 6, &b, &tiles, err, errlen) != 0)
        return -1;
    if (periodic_extend(st, &b, tiles) != 0) {
        snprintf(err, errlen, "a vector operation of %llu x %llu elements: its cycles or events "
                 "exceed 2^63 - 1, the most lutsim can count",
                 (unsigned long long)v->rows, (unsigned long long)v->cols);
        return -1;
    }
    if (em)
        sim_energy(em, st);
    *sampled = 1;
    return 0;
}
