/* gemm_int.h - pieces of the GEMM lowering shared inside compiler/ (the
 * legacy emitter in gemm.c, the blocked emitter in gemm_blocked.c and the
 * mapper in mapper.c).  Not a public interface.
 */
#ifndef GEMM_INT_H
#define GEMM_INT_H

#include "gemm.h"
#include "isa.h"
#include "lut_meta.h"

/* Metadata bytes of a tile of ncols columns for one group (s->mfmt). */
static inline uint64_t gemm_meta_bytes(const gemm_shape *s, uint64_t ncols)
{
    return lut_meta_tile_bytes(s->mfmt, ncols);
}
#define GEMM_ALIGN 64

/* Bytes of n activations as DRAM and the act buffer store them (act_bits
 * each, packed: A4 two per byte) and of one table entry (arch.h). */
static inline uint64_t gemm_act_bytes(const arch_t *a, uint64_t n)
{
    return lut_act_bytes(n, a->act_bits);
}
static inline uint64_t gemm_entry_bytes(const arch_t *a) { return (uint64_t)arch_entry_bytes(a); }

static inline uint64_t gemm_align(uint64_t v) { return (v + GEMM_ALIGN - 1) / GEMM_ALIGN * GEMM_ALIGN; }
static inline uint64_t gemm_cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* The code type the weights are packed as: ternary as INT2 codes when the
 * metadata stores no zero-point factor (lut_meta.h), else s->wtype. */
static inline lut_wtype gemm_pack_type(const gemm_shape *s)
{
    lut_wtype t = s->wtype;
    if (s->mfmt != LUT_META_LEGACY && t.fmt == LUT_WFMT_TERNARY)
        t.fmt = LUT_WFMT_INT;
    return t;
}

/* The largest value of an instruction field, from the ISA table. */
uint64_t gemm_field_max(isa_op op, const char *name);
/* The scale group as the program runs it (long groups split, gemm.c). */
int gemm_sub_group(const arch_t *a, const gemm_shape *s);
/* Per-group values (n x ceil(kd / G), size bytes each) repeated for each
 * sub-group of the split shape x (malloc'ed; NULL when out of memory). */
void *gemm_per_sub_group(const gemm_shape *s, const gemm_shape *x, const void *v, size_t size);
/* Length of group g (the last one may be shorter). */
int gemm_group_len(const gemm_shape *s, int g);
/* Table layout (table_pad.c): the tpad of tprec and lmma for tables of
 * klen activations per row (0 on ideal buffers), for an lmma whose cores
 * split columns (it reads tile_m rows at once). */
int gemm_table_pad(const arch_t *a, uint64_t klen);
/* The pads of s's two group lengths (a full group and the last), worked
 * out once per shape: the search behind a pad is the costly part, and a
 * lowering asks for it at every tprec and lmma. */
typedef struct {
    uint64_t klen[2]; /* a full group's length, the last group's */
    int pad[2];       /* the pad of each */
    int rows;         /* rows an lmma step reads: tile_m, or tile_m x cores (part 1) */
} gemm_tpads;
/* The pads for s's schedule (s->sched.part decides the rows read at once). */
void gemm_tpads_of(const arch_t *a, const gemm_shape *s, gemm_tpads *t);
/* The pad of tables of klen activations, from t when klen is one of its lengths. */
int gemm_tpad_for(const arch_t *a, const gemm_tpads *t, uint64_t klen);
/* Table-buffer cycles of one chunk step of a full group under t's layout,
 * averaged over a period of chunks (0 on ideal buffers): what a pass's
 * tables cost beside its weight bit-planes (the mapper's estimate). */
double gemm_table_step_cycles(const arch_t *a, const gemm_tpads *t);
/* The table-buffer bytes of rows rows' tables of any group of s, with
 * s's pads t (tables loaded from DRAM stay dense). */
uint64_t gemm_table_span(const arch_t *a, const gemm_shape *s, const gemm_tpads *t,
                         uint64_t rows);
/* Lowers s (its own schedule) and times it on the C model without data;
 * *lay gets the layout. */
int gemm_run_timing(const arch_t *arch, const energy_model *em, const gemm_shape *s,
                    sim_stats *st, gemm_layout *lay, char *err, size_t errlen);
/* Encodes and appends; 0 or -1 with a message. */
int gemm_emit(program *p, const isa_instr *in, char *err, size_t errlen);
/* One scale group's product and its fold into the outputs: lmma over the
 * tables at tbl and the weight tile at wgt into the accumulators at acc,
 * then dq with the group's activation sums and metadata into dst
 * (accumulating onto dst after the first group). */
typedef struct {
    uint64_t tbl, wgt, acc, sum, meta, dst;
    int rows, ncols, klen, accum, part, tpad;
} gemm_group_op;
int gemm_emit_group(program *p, const gemm_shape *s, const gemm_group_op *g, char *err,
                    size_t errlen);
/* A 2-D DMA, issued row by row when the stride does not fit its field. */
int gemm_emit_dma(program *p, isa_instr in, uint64_t stride, char *err, size_t errlen);
/* Index bytes of one weight tile in the weight buffer (ch chunks x planes
 * x rows of ncols tk-bit fields); DRAM holds the same, or trit5-packed. */
static inline uint64_t gemm_tile_idx_sram(const gemm_shape *s, int tk, uint64_t ch, int ncols)
{
    return ch * (uint64_t)s->wtype.bits * (((uint64_t)ncols * (uint64_t)tk + 7) / 8);
}
/* Loads weight tile (ib index, tb total DRAM bytes of ncols columns, its
 * chunks from the tile's ib) from DRAM at dram into the weight buffer at
 * sram: load, or loadt for trit5, then the metadata at the aligned end
 * of the buffer's index rows. */
int gemm_emit_wtile(program *p, const gemm_shape *s, int tk, int ncols, uint64_t ib, uint64_t tb,
                    uint64_t sram, uint64_t dram, char *err, size_t errlen);
/* Bytes of one weight tile in DRAM (index rows of ch chunks, then metadata). */
uint64_t gemm_tile_bytes(const gemm_shape *s, int tk, uint64_t ch, int ncols, uint64_t *idx_bytes);
/* DRAM offset and size of weight tile (group g, column tile b of nt). */
uint64_t gemm_tile_offset(const gemm_shape *s, int tk, int nt, int g, int b, uint64_t *idx_bytes,
                          uint64_t *tile_size);
/* DRAM layout of A, the weight tiles (of lay->nt columns), C, and fused
 * tables; fills lay's addresses and byte counts. */
int gemm_layout_dram(const arch_t *a, const gemm_shape *s, gemm_layout *lay, char *err,
                     size_t errlen);

/* Buffer plan of a blocked schedule (s already split into sub-groups). */
typedef struct {
    int tk, E, G;           /* activations per table, entries, (sub-)group length */
    uint64_t act_slot;      /* one act slot: a streamed mt x G tile, or a resident block */
    int act_slots;          /* streamed: 2..8 (Little's law); resident: 2 or 1 */
    gemm_tpads tpads;       /* table pads of the group lengths */
    uint64_t tbl_half;      /* one table slot (tables only) */
    int tbl_slots;          /* 3 when they fit, else 2 */
    uint64_t sum_base, sum_slot; /* activation sums: a ring of 4 slots after the tables,
                               so dq reading sums never holds back the next tprec */
    uint64_t wgt_slot;      /* a streamed tile, a group's slab, or a resident block */
    int wgt_slots;
    uint64_t acc_half;      /* lmma results, two halves at the start of the output buffer */
    uint64_t psum;          /* resident partial sums (mb or mt rows x nb columns) */
    int psum_slots;
    buf_id short_buf;       /* on failure: the buffer that is too small */
    uint64_t need;          /* ... and the bytes it would need */
} gemm_blk_plan;

/* Whether the blocked schedule of s (mt = force_mt, nt = force_nt,
 * nb = force_nb, s->sched) fits every buffer: 0 and the plan, or -1 with
 * pl->short_buf / pl->need naming the first buffer that is too small. */
int gemm_blk_fits(const arch_t *a, const gemm_shape *s, gemm_blk_plan *pl);

/* Emits the blocked schedule (called by gemm_lower once s is split and
 * checked; lay has nt set).  p NULL: layout only. */
int gemm_blk_lower(const arch_t *a, const gemm_shape *s, program *p, gemm_layout *lay, char *err,
                   size_t errlen);

/* Timing of a blocked schedule, fast-forwarded over row blocks (or
 * sub-tiles), column blocks (or column tiles) and groups. */
struct timing_memo;
int gemm_blk_timing(struct timing_memo *mm, const arch_t *a, const energy_model *em,
                    const gemm_shape *s, sim_stats *st, int *sampled, char *err,
                    size_t errlen);

#endif
