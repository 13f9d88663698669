/* table_pad.c - where the compiler puts each row's tables in the table
 * buffer (tprec and lmma field tpad, cmodel/machine.h's layout): rows are
 * spaced so that the tile_m rows an lmma reads at once fall in different
 * banks of a banked table buffer, as a real compiler would interleave
 * them.  On ideal buffers addresses cost nothing, so the layout stays
 * dense there (and every figure of the dense layout is kept). */
#include "gemm_int.h"
#include "sram.h"

#define PAD_MAX 15 /* the 4-bit tpad field */

/* Table-buffer cycles of the chunk steps of two consecutive row passes
 * with rows stride bytes apart (one period of chunks, base 0). */
static uint64_t steps_cost(const arch_t *a, const sram_geom *g, uint64_t chunks,
                           uint64_t tbytes, uint64_t stride)
{
    const int rows = a->tile_m < 64 ? a->tile_m : 64;
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

int gemm_table_pad(const arch_t *a, uint64_t klen)
{
    if (a->sram_ideal || klen == 0)
        return 0;
    sram_geom g;
    sram_geom_of(a, BUF_TBL, &g);
    const uint64_t tbytes = ((uint64_t)1 << (a->tile_k - 1)) * gemm_entry_bytes(a);
    const uint64_t chunks = gemm_cdiv(klen, (uint64_t)a->tile_k);
    int best = 0;
    uint64_t best_cost = steps_cost(a, &g, chunks, tbytes, chunks * tbytes);
    for (int pad = 1; pad <= PAD_MAX && best_cost > 0; pad++) {
        uint64_t c = steps_cost(a, &g, chunks, tbytes, (chunks + (uint64_t)pad) * tbytes);
        if (c < best_cost) { /* the least pad among the cheapest */
            best_cost = c;
            best = pad;
        }
    }
    return best;
}

/* Bytes of rows rows' tables for a group of klen activations. */
static uint64_t span_of(const arch_t *a, uint64_t rows, uint64_t klen, int pad)
{
    const uint64_t tbytes = ((uint64_t)1 << (a->tile_k - 1)) * gemm_entry_bytes(a);
    const uint64_t chunks = gemm_cdiv(klen, (uint64_t)a->tile_k);
    return rows == 0 ? 0 : (rows - 1) * (chunks + (uint64_t)pad) * tbytes + chunks * tbytes;
}

uint64_t gemm_table_span(const arch_t *a, const gemm_shape *s, uint64_t rows)
{
    const int G = s->group_size < s->kd ? s->group_size : s->kd;
    const int last = gemm_group_len(s, (s->kd + s->group_size - 1) / s->group_size - 1);
    const int pg = s->tables_in_dram ? 0 : gemm_table_pad(a, (uint64_t)G);
    const int pl = s->tables_in_dram ? 0 : gemm_table_pad(a, (uint64_t)last);
    uint64_t full = span_of(a, rows, (uint64_t)G, pg), tail = span_of(a, rows, (uint64_t)last, pl);
    return full > tail ? full : tail;
}
