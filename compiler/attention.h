/* attention.h - one decoder layer's attention as a few large programs.
 *
 * The work is cut into units: one unit is a block of query rows of one
 * sequence that share one KV head, the query heads of a GQA group stacked as
 * the M rows (row r = position r / gh, head r % gh).  Each unit streams the
 * K and V blocks of its KV head once for all its rows:
 *   Q rows -> tables (once per unit);
 *   per key block of nk keys: lmma Q x K^T, dq -> S (int32, on chip);
 *     attn_softmax per row (online softmax, unit_vec.c) -> P (int8) + state;
 *     per sub-chunk of pk keys: tables of P built just in time, lmma P x V,
 *     dq -> PV (int32); attn_acc folds PV into O with the block's rescale;
 *   attn_norm divides O by the softmax sum; O (float32) goes to DRAM.
 * Scores of the next key block are issued before the softmax and context of
 * this one (software pipelining), and every buffer region is double-buffered
 * by unit or block parity, but K and V: three slots where the weight
 * buffer holds them, loaded two blocks ahead (fused), across units too.
 * With core groups (cgroups, lut.partition grid or auto) the context runs
 * cgroups table chunks at once on as many groups of cores (lmmag).  K and V sit in DRAM in the array's packed
 * bit-plane layout, block by block (the k/v projection's epilogue writes
 * them so), at the KV-cache precision of the quantization preset (INT8 or
 * INT4 on the array's bit-serial path), with today's 8-byte per-column
 * metadata (int32 zero-point factor, float32 scale).
 *
 * Causal prefill: a row at query position p sees keys <= p + kv_len - q_len;
 * key blocks past a unit's last visible key are skipped, the diagonal
 * block's invisible keys are masked (as are a block's padding keys).
 *
 * The plan: every fitting (heads per unit, key block, query block) that
 * fills whole row passes is costed (array passes, K/V transfer, table
 * precompute per block, over the causal blocks) and the cheapest kept.
 *
 * Units with the same number of key blocks and rows form a class: one
 * program per class, whose units differ only in addresses and masks, so it
 * is periodic and is fast-forwarded (4 and 6 units, periodic.h).
 *
 * Stages: ATTN_FUSED is the kernel above.  The unfused path runs the same
 * algorithm as three programs per class that meet in DRAM: ATTN_SCORE
 * stores S (int32), ATTN_SOFTMAX loads S and stores P (int8) and each
 * block's row states, ATTN_CONTEXT loads P and the states and computes O.
 * Both paths give bit-identical O.
 */
#ifndef ATTENTION_H
#define ATTENTION_H

#include "arch.h"
#include "program.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { ATTN_FUSED = 0, ATTN_SCORE, ATTN_SOFTMAX, ATTN_CONTEXT } attn_stage;

typedef struct {
    int kv_bits;                   /* K and V: signed INT of 8 or 4 bits */
    int heads, kv_heads, head_dim; /* heads a multiple of kv_heads */
    int batch;                     /* sequences */
    int q_len, kv_len;             /* query positions and keys per sequence */
    int shift;                     /* scores scaled by 2^-shift before exp2 */
    /* V and O dimensions per head, at most head_dim (0: head_dim).  Less
     * serves MLA: V is the first v_dim values of each key (the latent
     * without its rope part in decode, d_v beside d_n + d_r in prefill) */
    int v_dim;
    /* Sliding window W (0: none): a row sees at most its last W keys.  Each
     * unit skips the key blocks wholly below its first row's window; the
     * keys below it in its first block are not masked, so windowed shapes
     * are timing-only (attn_fill refuses them): the timed work is the
     * window's, rounded out to whole key blocks per unit */
    int window;
} attn_shape;

/* s's V and O dimensions per head (v_dim, or head_dim where it is 0). */
int attn_v_dim(const attn_shape *s);

typedef struct {
    int gh, bq, rows;     /* heads and positions per unit, rows = gh * bq */
    int nk, pk;           /* keys per block, keys per context table chunk */
    int qk;               /* head_dim: Q tables resident for the unit; less: Q
                             tables rebuilt per key block, qk dimensions at a time */
    int head_groups;      /* units per (sequence, query block): heads / gh */
    int qblocks;          /* query blocks per sequence */
    int kv_blocks;        /* key blocks per (sequence, KV head) in DRAM */
    int nb_max;           /* key blocks of the longest unit */
    /* How the cores split the score and the context lmma (the lmma part
     * bit): 0 columns, 1 rows.  With lut.partition columns both are 0;
     * rows makes both 1; auto takes per lmma the split with fewer array
     * passes (the context's N = head_dim fills head_dim of the
     * tile_n x cores lockstep columns, rows fill the columns of one core) */
    int part_score, part_ctx;
    /* Core groups of the context (lmmag, lut.partition grid or auto): 1 is
     * one lmma of every core per table chunk; g > 1 runs g chunks of pk
     * keys at once, each on cores / g cores (tile_n x cores / g columns,
     * head_dim fills them), their partial sums added by the dq that
     * follows each, as the chunks of one lmma unit are today */
    int cgroups;
    /* buffer regions: [2] halves, byte offsets in their buffer */
    uint64_t act_q[2], act_p[2];
    uint64_t tbl_q[2], tbl_qsum[2], tbl_p[2], tbl_psum[2];
    /* K and V: kv_slots (3 where the weight buffer holds them, else 2)
     * slots in turn, so the DMA can run a block further ahead of the array */
    int kv_slots;
    uint64_t wgt_k[3], wgt_v[3];
    uint64_t out_s[2], out_sacc[2], out_acc[2], out_pv[2], out_o[2], out_st[4];
    uint64_t k_idx, v_idx;         /* index bytes of a K / V block (metadata follows) */
    uint64_t k_tile, v_tile;       /* bytes of one packed K / V block */
    /* DRAM layout.  A layer whose image passes the ISA's 40-bit DRAM
     * addresses (timing-only sweeps of huge batches) lays out addr_batch
     * sequences and maps sequence b onto b % addr_batch: the timing does
     * not depend on addresses, and attn_fill refuses such a plan. */
    int addr_batch;
    uint64_t q_addr, k_addr, v_addr, s_addr, p_addr, st_addr, o_addr, image_bytes;
} attn_plan;

/* Chooses the unit and block sizes (most rows per unit first: K/V reuse)
 * and lays out buffers and DRAM.  0, or -1 with a message naming the
 * buffer that is too small or the field that overflows. */
int attn_plan_make(const arch_t *arch, const attn_shape *s, attn_plan *pl, char *err,
                   size_t errlen);

/* A class of units: nb key blocks, npos query positions, and the context
 * table chunks of the last block that hold a visible key (rounded up to a
 * half of the block: the diagonal and padding chunks past it are
 * skipped), `units` of them over all sequences and head groups. */
typedef struct {
    int nb, npos, last_subs;
    uint64_t units;
} attn_class;

/* How well the array's passes are filled by stage st's lmmas (fused: the
 * score and the context weighted by their passes; the unfused score or
 * context alone): the fraction of the
 * lanes of a pass that hold work, in (0, 1]; what is the part that limits
 * it, e.g. "columns:128/512" (N = head_dim on tile_n x cores lockstep
 * columns) or "rows:8/16" (row partition, 8 rows for tile_m x cores). */
double attn_occupancy(const arch_t *arch, const attn_shape *s, const attn_plan *pl,
                      attn_stage st, char *what, size_t whatlen);

/* At most this many classes. */
int attn_class_cap(const attn_plan *pl);

/* Fills out[0..]; returns the number of classes (-1 past cap). */
int attn_classes(const attn_shape *s, const attn_plan *pl, attn_class *out, int cap);

/* The program of class c for stage st; limit > 0 keeps its first limit
 * units only (fast-forwarding). */
int attn_lower(const arch_t *arch, const attn_shape *s, const attn_plan *pl, attn_stage st,
               int c, uint64_t limit, program *p, char *err, size_t errlen);

/* Writes Q ([b][pos][head][d] int8), K ([b][kv head][key][d]) and V
 * ([b][kv head][key][v_dim]) int8 values of kv_bits into image (pl->image_bytes, zeroed first) in the
 * layout the programs read.  0 or -1 with a message (a value outside the
 * format). */
int attn_fill(const arch_t *arch, const attn_shape *s, const attn_plan *pl, const int8_t *q,
              const int8_t *k, const int8_t *v, uint8_t *image, char *err, size_t errlen);

/* O of the layer after the programs ran: [b][pos][head][v_dim] float32. */
void attn_output(const attn_shape *s, const attn_plan *pl, const uint8_t *image, float *o);

/* Timing-only statistics of the layer's attention at stage st (every
 * class, fast-forwarded where a class has more than 8 units); *programs
 * (may be NULL) counts the programs simulated. */
int attn_timing(const arch_t *arch, const energy_model *em, const attn_shape *s,
                attn_stage st, sim_stats *stats, int *sampled, int *programs, char *err,
                size_t errlen);
/* attn_timing under pl, the plan attn_plan_make chose for s (a caller that
 * made it already need not choose it again). */
int attn_timing_plan(const arch_t *arch, const energy_model *em, const attn_shape *s,
                     const attn_plan *pl, attn_stage st, sim_stats *stats, int *sampled,
                     int *programs, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
