/* gemm.h - lower one mixed-precision GEMM, C = A * W^T, to a program.
 *
 * The schedule is output-stationary over an M-tile: the tile's activation
 * rows are loaded once; for each scale group the tables are precomputed
 * once and reused by every column tile; each (group, column tile) loads its
 * weight indices and metadata, runs lmma and folds the group result into
 * the resident output rows with dq.  Activations, tables, weights and the
 * lmma accumulators are double-buffered, so the scoreboard lets loads of
 * the next tile overlap compute on this one.  Tile sizes are the largest
 * that fit the architecture's buffers.
 *
 * No I/O: gemm_lower gives the program and the memory layout; gemm_fill
 * writes A and the packed weights into a memory image; the caller reads C
 * back from layout.c_addr.
 */
#ifndef GEMM_H
#define GEMM_H

#include "arch.h"
#include "lut_gemm.h"
#include "program.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A blocked schedule (compiler/mapper.c chooses one; gemm_blocked.c emits it).
 * The GEMM is cut into blocks of mb rows x nb columns (nb a multiple of the
 * column tile nt); blocks run column-block-major (order 0: every row block
 * of a column block, then the next column block) or row-block-major
 * (order 1).  Inside a block:
 *   GEMM_LOOP_K     for each scale group: the group's weights for the block
 *                   are loaded once, then for each row sub-tile of mt rows
 *                   its tables are built just in time and every column tile
 *                   runs lmma + dq into int32 partial sums that stay in the
 *                   output buffer (mb x nb) across all groups;
 *   GEMM_LOOP_ROWS  for each row sub-tile: every group, every column tile
 *                   (the sub-tile's mt x nb outputs stay resident).
 * Residency: GEMM_RES_WGT keeps the block's weights (nb columns, all of K)
 * in the weight buffer while every row block streams past (order 0 only);
 * GEMM_RES_ACT keeps the row block's activations (mb rows, all of K) while
 * every column block streams past (order 1 only); GEMM_RES_NONE streams
 * both.  loop 0 (GEMM_LOOP_LEGACY) is the single-M-tile schedule of
 * gemm_lower described above. */
typedef enum { GEMM_LOOP_LEGACY = 0, GEMM_LOOP_ROWS, GEMM_LOOP_K } gemm_loop;
typedef enum { GEMM_RES_NONE = 0, GEMM_RES_ACT, GEMM_RES_WGT } gemm_res;
typedef enum { GEMM_PART_COLUMNS = 0, GEMM_PART_ROWS } gemm_part;

typedef struct {
    int loop;     /* gemm_loop */
    int order;    /* 0: column blocks outer, 1: row blocks outer */
    int res;      /* gemm_res */
    int part;     /* gemm_part: how the LUT cores share an lmma (lmma.part) */
    uint64_t mb;  /* rows per block (mt .. m) */
} gemm_sched;

/* A fused epilogue (arch vector.fused, compiler/fusion.h): vector work
 * on each finished output tile while it is still in the output buffer,
 * before its store.  The tile (float32 from dq, so float_out must be 1)
 * is converted to vector.dtype in place, fn runs on it (a two-source fn
 * reads its second operand from DRAM at vector.dtype, layout.e_addr,
 * m x n row-major), quant makes it the INT8 input of the next linear
 * layer; the store writes the result (vector.dtype, or INT8) at c_addr,
 * m x n row-major.  on = 0: no epilogue (int32 or float32 stored).
 * stat (with quant 0: the next operation is an rmsnorm of these rows):
 * the epilogue also sums the squares of each output row at vector.dtype,
 * column tile by column tile in column order (rms_stat's partial mode),
 * in a float32 slot per row kept in the output buffer, and stores each
 * finished row's sum once, m float32 at layout.r_addr (compiler/fusion.h). */
typedef struct {
    int on;
    int fn;    /* isa_vfn base (float32 form: VFN_ADD_F32, ...) or VFN_COPY for none */
    int quant; /* 1: quantize to INT8 */
    int stat;  /* 1: also the rows' sums of squares (above) */
} gemm_epilogue;

/* gemm_shape.in_quant: how A arrives (0: INT8 as the schedule loads it). */
typedef enum { GEMM_INQ_NONE = 0, GEMM_INQ_QUANT = 1, GEMM_INQ_NORM = 2 } gemm_inq;

typedef struct {
    lut_wtype wtype;
    int group_size; /* scale group; one longer than an lmma may reduce over
                       (the klen field, or the 32-bit accumulators:
                       lut_gemm_group_max) runs as equal sub-groups that share
                       its zero-point and scale (int32 results stay exact) */
    uint64_t m;     /* rows: tokens, which can pass 2^32 (batch x sequence) */
    int n, kd;
    int float_out; /* 1: dequantize with per-group scales into float32 C */
    int force_mt;  /* 0: choose the M-tile; else use this many rows (if it fits) */
    int force_nt;  /* 0: one column pass of the array per lmma; else this many columns */
    int force_nb;  /* 0: output rows resident for all N columns; else column blocks of
                      this many (activations reloaded and tables rebuilt per block) */
    int tables_in_dram; /* fused precompute: the producer of A wrote tables and
                           activation sums to DRAM; the program loads them */
    int mfmt;           /* metadata format of every tile (lut_meta.h; 0: int32 factor +
                           f32 scale, 8 B per column and group) */
    gemm_sched sched;   /* loop GEMM_LOOP_LEGACY (0): the schedule above; else a
                           blocked schedule with force_mt / force_nt / force_nb
                           as its sub-tile, column tile and column block */
    gemm_epilogue epi;  /* fused vector work on the output tiles (on = 0: none) */
    int in_quant;       /* fused prologue (gemm_inq): A arrives at vector.dtype (layout.q_addr,
                           m x kd row-major) and every activation load is quantized to INT8
                           into the act buffer on chip (compiler/fusion.h); GEMM_INQ_NORM:
                           an rmsnorm's final scaling too, from each row's sum of squares
                           (m float32 at layout.n_addr, rms_apply over the tile's K span) */
    int trit5;          /* ternary weights cross DRAM at 5 per byte (cmodel/trit5.h) and
                           loadt expands them to the two bit-planes; needs a metadata
                           format without the zero-point factor (INT2 codes) */
    uint64_t batch;     /* mma arrays (gemm_mma.h) only: this many independent GEMMs of
                           the shape (attention heads, each its own A, W and C, laid one
                           after another in DRAM) in one program, so the loads of one
                           overlap the mma of the previous; 0 or 1: one GEMM */
    int mma_meta_bits;  /* mma arrays only: bits of group metadata (scale, zero-point)
                           per mma_meta_group weights along K per output row, loaded
                           with each weight chunk for the dequantizer (timing: the mma
                           itself reads the weight codes); 0: none */
    int mma_meta_group;
} gemm_shape;

typedef struct {
    uint64_t a_addr, w_addr, c_addr, image_bytes; /* DRAM layout */
    uint64_t t_addr, s_addr, t_row_bytes;          /* tables_in_dram: tables, sums */
    uint64_t e_addr;       /* epilogue's second operand (two-source epi.fn), else 0 */
    uint64_t q_addr;       /* in_quant: A at vector.dtype, else 0 */
    uint64_t r_addr;       /* epi.stat: the m rows' sums of squares (float32), else 0 */
    uint64_t n_addr;       /* in_quant GEMM_INQ_NORM: A's m rows' sums of squares (float32) */
    uint64_t weight_bytes; /* packed weight indices, all tiles */
    uint64_t meta_bytes;   /* zero-point factors and scales */
    int mt, nt, nb;        /* tile sizes chosen: rows, columns per lmma, columns per block */
    uint64_t mb;           /* rows per block (blocked schedules; legacy: m) */
    int ngroups;           /* groups as the program runs them (sub-groups) */
} gemm_layout;

/* Builds the program for s on arch (tk = arch->tile_k); with p NULL only
 * the layout (tile sizes, DRAM addresses) is computed.  Returns 0 or -1
 * with a message saying which buffer is too small or which size is out of
 * range (the memory image must stay below 2^63 bytes; a program's DRAM
 * addresses must fit the ISA's 40 bits, which only the layout-only call
 * for a huge M may exceed). */
int gemm_lower(const arch_t *arch, const gemm_shape *s, program *p, gemm_layout *lay,
               char *err, size_t errlen);

/* Writes A (m x kd activations as stored: arch->act_bits each, packed as
 * lut_act_put does, i.e. plain int8 at A8) and W (n x kd stored values) into image (of
 * lay->image_bytes bytes) as the program expects.  z2 / scales may be NULL
 * (defaults: the format's zero-point, unit scales); else they hold
 * n x ceil(kd / s->group_size) values, one per column and scale group of
 * s (not per sub-group).  Returns 0 or -1 with a message (e.g. a weight
 * outside the format). */
int gemm_fill(const arch_t *arch, const gemm_shape *s, const gemm_layout *lay,
              const int8_t *a, const int8_t *w, const int32_t *z2, const float *scales,
              uint8_t *image, char *err, size_t errlen);

/* gemm_fill for BitMoD weights (s->mfmt LUT_META_BITMOD, wtype signed
 * INT4 for FP3 / INT6 for FP4): grid holds the n x kd grid values
 * (bitmod_value: FP3 in units of 1, FP4 in halves), scale_codes the n x
 * ceil(kd / group_size) INT8 group scale codes, row_scales the n FP16 row
 * scales (rounded to fp16 when stored); w = grid x code x row. */
int gemm_fill_bitmod(const arch_t *arch, const gemm_shape *s, const gemm_layout *lay,
                     const int8_t *a, const int8_t *grid, const uint8_t *scale_codes,
                     const float *row_scales, uint8_t *image, char *err, size_t errlen);

/* The host engine's operands for the program of s (lut_gemm.h): w (n x kd
 * stored values) packed as gemm_fill packs it (the run's sub-groups,
 * gemm_pack_type, the architecture's tile_k) into *pk, with pk->corr and
 * *scx (malloc'ed, n x pk->ngroups) the zero-point factor and scale of
 * every column and run group as the dq unit reads them from the metadata
 * gemm_fill writes (lut_meta_put then lut_meta_get: scales rounded to the
 * format, int8 zero-points, BitMoD's code x fp16 row scale; 1 without
 * float_out).  z2 and scales as gemm_fill; BitMoD (s->mfmt 8): scale_codes
 * and row_scales as gemm_fill_bitmod, scales NULL.  0, or -1 with a
 * message (nothing to free then). */
int gemm_host_operands(const arch_t *arch, const gemm_shape *s, const int8_t *w,
                       const int32_t *z2, const float *scales, const uint8_t *scale_codes,
                       const float *row_scales, lut_packed *pk, float **scx, char *err,
                       size_t errlen);
/* The host engine on those operands: out (m x n float32) = what the C
 * model's program computes, bit for bit: lut_gemm_fact on the
 * architecture's act_fmt and table_fmt (act: m x kd as stored), or
 * lut_gemm_f32 on INT8 activations.  0, or -1 with a message. */
int gemm_host_run(const arch_t *arch, const lut_packed *pk, const float *scx, const void *act,
                  int m, float *out, lut_counts *counts, char *err, size_t errlen);

/* Cycle-approximate timing of the GEMM on the C model without data.
 * Programs with many M-tiles are periodic after the first few (the same
 * instructions on alternating buffer halves), so long ones are fast-forwarded:
 * two short programs with the real tile size and last tile, of 4 and 6
 * M-tiles, are simulated, and every statistic is extended linearly by the
 * difference per M-tile.  *sampled says whether that happened; tests hold
 * the result to a full simulation. */
int gemm_timing(const arch_t *arch, const energy_model *em, const gemm_shape *s,
                sim_stats *st, int *sampled, char *err, size_t errlen);

/* gemm_timing through mm (NULL: none; timing_memo.h): a blocked
 * schedule's sample programs are keyed by the architecture but its
 * buffers' kib, the shape and the buffer plan the capacities gave it (the
 * kib too when a fused epilogue or prologue places its slots by them), so
 * machines that differ only in buffer sizes share the simulations of the
 * programs their plans make alike.  The same bits as gemm_timing. */
struct timing_memo;
struct timing_memo *gemm_memo_new(void); /* its memo (timing_memo_free); NULL: no memory */
int gemm_timing_memo(struct timing_memo *mm, const arch_t *arch, const energy_model *em,
                     const gemm_shape *s, sim_stats *st, int *sampled, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
