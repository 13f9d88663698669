/* table_pad.c - where the compiler puts each row's tables in the table
 * buffer (tprec and lmma field tpad, cmodel/machine.h's layout): rows are
 * spaced so that the rows an lmma reads at once (tile_m; tile_m x cores
 * when the cores split rows, part 1) fall in different banks of a banked
 * table buffer, as a real compiler would interleave them.  On ideal buffers addresses cost nothing, so the layout stays
 * dense there (and every figure of the dense layout is kept). */
#include "gemm_int.h"
#include "sram.h"

#define PAD_MAX 15 /* the 4-bit tpad field */

/* Table rows one step of an lmma reads: a pass's rows (at most 64). */
static int step_rows(const arch_t *a, int part)
{
    const int rows = part ? a->tile_m * a->lut_cores : a->tile_m;
    return rows < 64 ? rows : 64;
}

/* Table-buffer cycles of the chunk steps of two consecutive row passes of
 * `rows` rows, stride bytes apart (one period of chunks, base 0). */
static uint64_t steps_cost(const sram_geom *g, int rows, uint64_t chunks, uint64_t tbytes,
                           uint64_t stride)
{
    uint64_t period = sram_period(tbytes, g->width * g->banks);
    uint64_t n = period < chunks ? period : chunks, cost = 0;
    for (uint64_t row0 = 0; row0 <= (uint64_t)rows; row0 += (uint64_t)rows)
        for (uint64_t j = 0; j < n; j++) {
            uint64_t lo[64];
            for (int r = 0; r < rows; r++)
                lo[r] = (row0 + (uint64_t)r) * stride + j * tbytes;
            cost += sram_cycles(g, sram_step_words(g, lo, rows, tbytes, NULL));
        }
    return cost;
}

/* A cost no pad can beat: every step reads rows disjoint tables (a row's
 * stride is at least one table), so at least ceil(rows x tbytes / width)
 * distinct words, of which the busiest bank serves at least a 1 / banks
 * share; 2 x min(period, chunks) steps whatever the stride. */
static uint64_t cost_floor(const sram_geom *g, int nrows, uint64_t chunks, uint64_t tbytes)
{
    const uint64_t rows = (uint64_t)nrows;
    const uint64_t period = sram_period(tbytes, g->width * g->banks);
    const uint64_t n = period < chunks ? period : chunks;
    const uint64_t words = gemm_cdiv(rows * tbytes, g->width);
    return 2 * n * sram_cycles(g, gemm_cdiv(words, g->banks));
}

static int pad_for_rows(const arch_t *a, uint64_t klen, int rows)
{
    if (a->sram_ideal || klen == 0)
        return 0;
    sram_geom g;
    sram_geom_of(a, BUF_TBL, &g);
    const uint64_t tbytes = arch_table_bytes(a);
    const uint64_t chunks = gemm_cdiv(klen, (uint64_t)a->tile_k);
    const uint64_t least = cost_floor(&g, rows, chunks, tbytes);
    int best = 0;
    uint64_t best_cost = steps_cost(&g, rows, chunks, tbytes, chunks * tbytes);
    /* Once a pad costs the floor no larger pad is cheaper: stop there (the
     * least pad among the cheapest, as the full search would pick). */
    for (int pad = 1; pad <= PAD_MAX && best_cost > least; pad++) {
        uint64_t c = steps_cost(&g, rows, chunks, tbytes, (chunks + (uint64_t)pad) * tbytes);
        if (c < best_cost) {
            best_cost = c;
            best = pad;
        }
    }
    return best;
}

int gemm_table_pad(const arch_t *a, uint64_t klen) { return pad_for_rows(a, klen, step_rows(a, 0)); }

void gemm_tpads_of(const arch_t *a, const gemm_shape *s, gemm_tpads *t)
{
    t->rows = step_rows(a, s->sched.part);
    t->klen[0] = (uint64_t)(s->group_size < s->kd ? s->group_size : s->kd);
    t->klen[1] = (uint64_t)gemm_group_len(s, (s->kd + s->group_size - 1) / s->group_size - 1);
    t->pad[0] = pad_for_rows(a, t->klen[0], t->rows);
    t->pad[1] = t->klen[1] == t->klen[0] ? t->pad[0] : pad_for_rows(a, t->klen[1], t->rows);
}

int gemm_tpad_for(const arch_t *a, const gemm_tpads *t, uint64_t klen)
{
    for (int i = 0; i < 2; i++)
        if (t->klen[i] == klen)
            return t->pad[i];
    return pad_for_rows(a, klen, t->rows);
}

double gemm_table_step_cycles(const arch_t *a, const gemm_tpads *t)
{
    if (a->sram_ideal)
        return 0.0;
    sram_geom g;
    sram_geom_of(a, BUF_TBL, &g);
    const uint64_t tbytes = arch_table_bytes(a);
    const uint64_t chunks = gemm_cdiv(t->klen[0], (uint64_t)a->tile_k);
    const uint64_t period = sram_period(tbytes, g.width * g.banks);
    const uint64_t n = period < chunks ? period : chunks;
    const uint64_t c = steps_cost(&g, t->rows, chunks, tbytes, (chunks + (uint64_t)t->pad[0]) * tbytes);
    return (double)c / (double)(2 * n);
}

/* Bytes of rows rows' tables for a group of klen activations. */
static uint64_t span_of(const arch_t *a, uint64_t rows, uint64_t klen, int pad)
{
    const uint64_t tbytes = arch_table_bytes(a);
    const uint64_t chunks = gemm_cdiv(klen, (uint64_t)a->tile_k);
    return rows == 0 ? 0 : (rows - 1) * (chunks + (uint64_t)pad) * tbytes + chunks * tbytes;
}

uint64_t gemm_table_span(const arch_t *a, const gemm_shape *s, const gemm_tpads *t,
                         uint64_t rows)
{
    const int pg = s->tables_in_dram ? 0 : t->pad[0];
    const int pl = s->tables_in_dram ? 0 : t->pad[1];
    uint64_t full = span_of(a, rows, t->klen[0], pg), tail = span_of(a, rows, t->klen[1], pl);
    return full > tail ? full : tail;
}
