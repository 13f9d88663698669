/* arch.c - the default architecture, derived figures and consistency checks.
 *
 * Default: an 8-core LUT array of M2 N64 K4 tiles (the design point the
 * LUT Tensor Core sweep picked, ISCA'25) at 1 GHz in 28 nm.  Buffer widths
 * are chosen so that no unit starves on its buffer in steady state:
 *
 *  weight  The array is bit-serial: each cycle every core consumes one
 *          bit-plane of its N x K weight block, i.e. one K-bit table index
 *          ((K-1) select bits + 1 negate bit) per column:
 *              tile_n * tile_k bits per core per cycle = 64 * 4 = 256,
 *          and lut_cores * 256 = 2048 bits for the array.  A W-bit weight
 *          takes W such cycles (W bit-planes), so the width does not grow
 *          with W.  8 banks x 256 bits = 2048 bits: exactly enough.
 *  act     The precompute unit reads tile_m * tile_k INT8 activations per
 *          table set (8 bytes); 8 banks x 128 bits = 128 bytes per cycle,
 *          also enough for the DMA to fill it at the DRAM rate (64 B/cycle).
 *  table   One core's tile_m tables of 2^(K-1) 16-bit entries are
 *          2 * 8 * 16 = 256 bits, loaded into the array's table registers in
 *          one row (tables are broadcast to all cores, which work on adjacent
 *          column blocks of the same rows).  2 banks x 256 bits.
 *  output  32-bit accumulators; the dequantization unit reads 64 lanes x
 *          32 bits = 2048 bits per cycle: 8 banks x 256 bits, 2 ports (the
 *          array writes while dequantization reads).
 */
#include "arch.h"
#include "fp_arith.h"
#include "lut_float.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void arch_ideal(arch_t *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", "ideal");
    a->clock_ghz = 1.0;
    a->tech_nm = 28;
    a->compute_kind = COMPUTE_LUT;
    /* A systolic array of the LUT core's 1024 MACs a cycle (8 x 2 x 64). */
    a->sys_rows = 32;
    a->sys_cols = 32;
    a->sys_dataflow = SYS_OS;
    /* A100's tensor core tile (8 x 4 x 16 per cycle: NVIDIA A100 whitepaper,
     * 256 FP16 FMA per tensor core per clock). */
    a->mac_m = 8;
    a->mac_n = 4;
    a->mac_k = 16;
    a->mac_dtype = MAC_INT8;
    a->mac_latency = 4;   /* assumption: a 4-stage multiply, adder tree, accumulate pipeline */
    a->mac_dq_lanes = 64; /* assumption: as many weights a cycle as the LUT core's dequant lanes */
    /* BitMoD's prefill array (HPCA'25, its simulator's test scripts): 32 x 32
     * PEs of a 4-way dot product, 2 weight bits a cycle. */
    a->bs_rows = 32;
    a->bs_cols = 32;
    a->bs_dp = 4;
    a->bs_bits_per_cycle = 2;
    a->lut_cores = 8;
    a->tile_m = 2;
    a->tile_n = 64;
    a->tile_k = 4;
    a->table_entry_bits = 16;
    a->wbits_min = 1;
    a->wbits_max = 8;
    a->act_bits = 8;
    a->lmma_latency = 4;
    a->lut_partition = 0;
    a->buf[BUF_ACT] = (arch_buffer){ .kib = 256, .banks = 8, .width_bits = 128, .ports = 1 };
    a->buf[BUF_WGT] = (arch_buffer){ .kib = 512, .banks = 8, .width_bits = 256, .ports = 1 };
    a->buf[BUF_TBL] = (arch_buffer){ .kib = 16, .banks = 2, .width_bits = 256, .ports = 1 };
    a->buf[BUF_OUT] = (arch_buffer){ .kib = 256, .banks = 8, .width_bits = 256, .ports = 2 };
    a->sram_ideal = 1;
    a->out_psum = 1;
    a->lut_double_acc = 0;
    a->lut_index_kib = 0;
    snprintf(a->dram_model, sizeof a->dram_model, "%s", "ideal");
    a->dram_channels = 0;
    a->dram_gbps = 64.0;
    a->dram_latency = 100;
    a->dram_burst = 64;
    /* assumption: a 16 GiB LPDDR5 package set, the size of phones and edge
     * boards built on 64 GB/s of LPDDR5 (e.g. 16 GB LPDDR5X parts) */
    a->dram_capacity_gib = 16.0;
    a->dma_engines = 1;
    a->dma_max_outstanding = 0;
    a->tprec_tables_per_cycle = 1;
    a->tprec_latency = 2;
    a->tprec_fused = 0;
    a->attn_fused = 1;
    a->dequant_lanes = 64;
    a->dequant_latency = 4;
    a->vector_lanes = 64;
    a->vector_latency = 8;
    a->vector_dtype = FP_F16;
    a->vec_fused = 0;
    a->queue_depth = 4;
    a->ibuf_entries = 0;
}

/* The realistic design point (README, "The default architecture"): the
 * same core on five LPDDR5-6400 x16 channels (64 GB/s, the ideal model's
 * bandwidth), a DMA with separate load and store queues and 320 bursts of
 * 32 B in flight each (Little's law: 64 B/cycle x about 150 cycles of
 * loaded latency = 300 bursts, plus headroom), an 8 KB instruction
 * buffer, and banked buffers with two ports a bank (one read, one write:
 * the 1R1W macros BitMoD sizes its buffers with) and double-buffered
 * accumulators. */
void arch_default(arch_t *a)
{
    arch_ideal(a);
    snprintf(a->name, sizeof a->name, "%s", "default");
    for (int b = 0; b < BUF_COUNT; b++)
        a->buf[b].ports = 2;
    a->sram_ideal = 0;
    a->lut_double_acc = 1;
    snprintf(a->dram_model, sizeof a->dram_model, "%s", "lpddr5-6400");
    a->dram_channels = 5;
    a->dram_gbps = 64.0;
    a->dram_burst = 32;
    a->dram_latency = 80;
    a->dma_engines = 2;
    a->dma_max_outstanding = 320;
    a->ibuf_entries = 512;
    /* attention's context (N = head_dim) on groups of cores (lmmag) */
    a->lut_partition = 3;
}

int arch_may_group(const arch_t *a) { return a->lut_partition == 2 || a->lut_partition == 3; }

double arch_dram_bytes_per_cycle(const arch_t *a)
{
    /* GB/s over G cycles/s. */
    return a->dram_gbps / a->clock_ghz;
}

size_t arch_buf_bytes(const arch_t *a, buf_id b)
{
    return (size_t)a->buf[b].kib * 1024u;
}

int arch_index_regs_hold(const arch_t *a, uint64_t klen, int wbits)
{
    const uint64_t tk = (uint64_t)a->tile_k, chunks = (klen + tk - 1) / tk;
    const uint64_t pass_bytes = ((uint64_t)a->tile_n * tk + 7) / 8;
    return a->lut_index_kib > 0 &&
           chunks * (uint64_t)wbits * pass_bytes <= (uint64_t)a->lut_index_kib * 1024u;
}

const char *arch_buf_name(buf_id b)
{
    static const char *const names[BUF_COUNT] = { "act", "weight", "table", "output" };
    return (unsigned)b < BUF_COUNT ? names[b] : "?";
}

int arch_table_bits(const arch_t *a)
{
    if (a->act_fmt)
        return a->tile_m * (int)arch_table_bytes(a) * 8;
    return a->tile_m * (1 << (a->tile_k - 1)) * a->table_entry_bits;
}

int arch_weight_bits_per_cycle(const arch_t *a)
{
    return a->lut_cores * a->tile_n * a->tile_k;
}

/* Smallest signed width that holds every table entry exactly: |entry| is
 * at most K * 2^(act_bits-1) (all activations -2^(act_bits-1), all signs -1). */
int arch_min_entry_bits(const arch_t *a)
{
    long long maxabs = (long long)a->tile_k << (a->act_bits - 1);
    int bits = 1;
    while (bits < 62 && maxabs > (1LL << (bits - 1)) - 1)
        bits++;
    return bits;
}

int arch_entry_bytes(const arch_t *a)
{
    if (a->act_fmt)
        return lut_tfmt_entry_bytes((lut_tfmt)a->table_fmt);
    return (a->table_entry_bits + 7) / 8;
}

uint64_t arch_table_bytes(const arch_t *a)
{
    const int e = 1 << (a->tile_k - 1);
    if (a->act_fmt)
        return lut_tfmt_table_bytes((lut_tfmt)a->table_fmt, e);
    return (uint64_t)e * (uint64_t)arch_entry_bytes(a);
}

void arch_set_act_fmt(arch_t *a, int f)
{
    if (f <= LUT_AFMT_INT || f >= LUT_AFMT_COUNT)
        return;
    a->act_fmt = f;
    a->act_bits = 8 * lut_afmt_bytes((lut_afmt)f);
}

void arch_set_act_bits(arch_t *a, int bits)
{
    if (a->act_bits == bits)
        return;
    a->act_bits = bits;
    a->table_entry_bits = arch_min_entry_bits(a);
}

const char *const arch_bs_pe_keys[BS_PE_COUNT] = {
    "bitserial_pe", "bitserial_pe_fp16", "bitserial_pe_ant", "bitserial_pe_olive",
};

const char *arch_kind_name(int kind)
{
    static const char *const n[COMPUTE_KIND_COUNT] = { "lut", "systolic", "mac", "bitserial" };
    return (unsigned)kind < COMPUTE_KIND_COUNT ? n[kind] : "?";
}

int arch_attention_kind(const arch_t *a)
{
    return a->attn_kind ? a->attn_kind : a->compute_kind;
}

void arch_for_attention(const arch_t *a, arch_t *out)
{
    *out = *a;
    if (!a->attn_kind)
        return;
    out->compute_kind = a->attn_kind;
    out->attn_kind = 0;
    out->vec_fused = 0;
}

const char *arch_dataflow_name(int df)
{
    static const char *const n[3] = { "os", "ws", "is" };
    return (unsigned)df < 3 ? n[df] : "?";
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int arch_dram_spec(const arch_t *a, dram_spec *s, char *err, size_t errlen)
{
    if (strcmp(a->dram_model, "ideal") == 0)
        return 0;
    char why[300];
    if (dram_preset_spec(a->dram_model, s, why, sizeof why) != 0)
        FAIL("dram.model: %s (or \"ideal\")", why);
    if (a->dram_channels > 0)
        s->channels = a->dram_channels;
    if (dram_spec_check(s, why, sizeof why) != 0)
        FAIL("dram.channels: %s", why);
    return 1;
}

int arch_set_dram_model(arch_t *a, const char *model, int channels, char *err, size_t errlen)
{
    if (strlen(model) >= sizeof a->dram_model)
        FAIL("dram.model: \"%s\" is too long", model);
    snprintf(a->dram_model, sizeof a->dram_model, "%s", model);
    a->dram_channels = channels;
    dram_spec s;
    int rc = arch_dram_spec(a, &s, err, errlen);
    if (rc == 1) {
        a->dram_gbps = dram_peak_gbps(&s);
        a->dram_burst = s.burst_bytes;
    }
    return rc < 0 ? -1 : 0;
}

int arch_check(const arch_t *a, char *err, size_t errlen)
{
    if (!(a->clock_ghz > 0))
        FAIL("clock_ghz: must be positive, got %g", a->clock_ghz);
    if (!(a->dram_gbps > 0))
        FAIL("dram.bandwidth_gbps: must be positive, got %g", a->dram_gbps);
    if (a->tile_k < ARCH_MIN_TK || a->tile_k > ARCH_MAX_TK)
        FAIL("lut.tile.k: activations per table must be %d..%d, got %d", ARCH_MIN_TK,
             ARCH_MAX_TK, a->tile_k);
    if (a->tile_m < 1 || a->tile_n < 1 || a->lut_cores < 1)
        FAIL("lut.tile: cores, m and n must be positive, got %d cores, m %d, n %d",
             a->lut_cores, a->tile_m, a->tile_n);
    if (a->wbits_min < 1 || a->wbits_max > 8)
        FAIL("lut.wbits_min: weight bit-widths must lie in 1..8, got %d..%d", a->wbits_min,
             a->wbits_max);
    if (a->wbits_min > a->wbits_max)
        FAIL("lut.wbits_min: %d exceeds lut.wbits_max %d", a->wbits_min, a->wbits_max);
    if (a->act_bits != 4 && a->act_bits != 8 && a->act_bits != 16)
        FAIL("act_bits: the datapath reads 4-, 8- or 16-bit activations, got %d", a->act_bits);
    if (a->act_fmt < 0 || a->act_fmt >= LUT_AFMT_COUNT || a->table_fmt < 0 ||
        a->table_fmt >= LUT_TFMT_COUNT)
        FAIL("lut.table_format: expected fp16, fp32 or int8");
    if (a->act_fmt && a->compute_kind != COMPUTE_LUT)
        FAIL("compute.kind: %s activations run on the LUT array only, got %s",
             lut_afmt_name((lut_afmt)a->act_fmt), arch_kind_name(a->compute_kind));
    int need = arch_min_entry_bits(a);
    if (!a->act_fmt && a->table_entry_bits < need)
        FAIL("lut.table_entry_bits: %d bits cannot hold exact sums of %d %d-bit activations "
             "(need %d)", a->table_entry_bits, a->tile_k, a->act_bits, need);
    if (a->compute_kind < 0 || a->compute_kind >= COMPUTE_KIND_COUNT)
        FAIL("compute.kind: expected lut, systolic, mac or bitserial, got %d", a->compute_kind);
    if (a->attn_kind < 0 || a->attn_kind >= COMPUTE_KIND_COUNT)
        FAIL("compute.attention: expected same, systolic, mac or bitserial, got %d", a->attn_kind);
    if (a->attn_kind && a->compute_kind != COMPUTE_LUT)
        FAIL("compute.attention: a second array for attention sits beside the LUT array; "
             "compute.kind %s runs attention itself (set compute.attention \"same\")",
             arch_kind_name(a->compute_kind));
    if (a->sys_rows < 1 || a->sys_cols < 1 || a->sys_dataflow < SYS_OS || a->sys_dataflow > SYS_IS)
        FAIL("systolic: rows and cols must be positive, dataflow os, ws or is");
    if (a->mac_m < 1 || a->mac_n < 1 || a->mac_k < 1 || a->mac_dq_lanes < 1 || a->mac_latency < 0)
        FAIL("mac.tile: m, n, k and mac.dequant_lanes must be positive");
    if (a->bs_rows < 1 || a->bs_cols < 1 || a->bs_dp < 1 || a->bs_bits_per_cycle < 1 ||
        a->bs_pe < 0 || a->bs_pe >= BS_PE_COUNT)
        FAIL("bitserial: rows, cols, dp and bits_per_cycle must be positive, pe bitmod, fp16, "
             "ant or olive");
    if (a->compute_kind != COMPUTE_LUT && a->vec_fused)
        FAIL("vector.fused: GEMM epilogues are on the LUT core's dequant path; compute.kind %s "
             "runs element-wise work as separate vector programs (set it false)",
             arch_kind_name(a->compute_kind));
    if (a->queue_depth < 1)
        FAIL("issue.queue_depth: must be at least 1, got %d", a->queue_depth);
    if (a->tprec_tables_per_cycle < 1 || a->dequant_lanes < 1 || a->vector_lanes < 1)
        FAIL("precompute.tables_per_cycle, dequant.lanes, vector.lanes: must be positive");
    if (a->dma_engines < 1 || a->dma_engines > 2)
        FAIL("dma.engines: must be 1 or 2, got %d", a->dma_engines);
    if (a->dma_max_outstanding < 0 || a->dma_max_outstanding > ARCH_MAX_OUTSTANDING)
        FAIL("dma.max_outstanding: must be 0..%d, got %d", ARCH_MAX_OUTSTANDING,
             a->dma_max_outstanding);
    if (a->ibuf_entries < 0 || a->ibuf_entries > ARCH_MAX_IBUF)
        FAIL("issue.ibuf_entries: must be 0..%d, got %d", ARCH_MAX_IBUF, a->ibuf_entries);
    if (a->vector_dtype < 0 || a->vector_dtype >= FP_COUNT)
        FAIL("vector.dtype: must be fp16, bf16 or fp32");
    if (a->dram_burst < 1 || (a->dram_burst & (a->dram_burst - 1)))
        FAIL("dram.burst_bytes: must be a power of two, got %d", a->dram_burst);
    dram_spec ds;
    int dev = arch_dram_spec(a, &ds, err, errlen);
    if (dev < 0)
        return -1;
    if (!dev && a->dram_channels != 0)
        FAIL("dram.channels: only a device dram.model has channels (\"ideal\" has "
             "bandwidth_gbps), got %d", a->dram_channels);
    if (dev && fabs(a->dram_gbps - dram_peak_gbps(&ds)) > 1e-9 * dram_peak_gbps(&ds))
        FAIL("dram.bandwidth_gbps: %g GB/s, but dram.model %s with %d channels peaks at %g "
             "GB/s (leave it out, or make them equal)", a->dram_gbps, a->dram_model,
             ds.channels, dram_peak_gbps(&ds));
    if (dev && a->dram_burst != ds.burst_bytes)
        FAIL("dram.burst_bytes: %d, but dram.model %s moves %d-byte bursts (leave it out, or "
             "make them equal)", a->dram_burst, a->dram_model, ds.burst_bytes);
    for (int b = 0; b < BUF_COUNT; b++) {
        const arch_buffer *f = &a->buf[b];
        const char *n = arch_buf_name((buf_id)b);
        if (f->kib < 1 || f->banks < 1 || f->width_bits < 8 || f->ports < 1)
            FAIL("buffers.%s: kib, banks, ports must be positive and width_bits at least 8", n);
        if (f->width_bits % 8)
            FAIL("buffers.%s.width_bits: must be a whole number of bytes, got %d", n,
                 f->width_bits);
        long long row = (long long)f->banks * (f->width_bits / 8);
        if (((long long)f->kib * 1024) % row)
            FAIL("buffers.%s.banks: %d KiB does not split into %d banks of %d-bit rows", n,
                 f->kib, f->banks, f->width_bits);
    }
    long long tbits = arch_table_bits(a);
    if (tbits > (long long)a->buf[BUF_TBL].kib * 8192)
        FAIL("buffers.table.kib: %d KiB cannot hold one table set (%d tables x %d entries x "
             "%d bits = %lld bytes)", a->buf[BUF_TBL].kib, a->tile_m, 1 << (a->tile_k - 1),
             a->act_fmt ? 8 * arch_entry_bytes(a) : a->table_entry_bits, tbits / 8);
    /* the LUT core's blocked schedules and a systolic array's folds keep
     * their partial sums in the output buffer: only mac and bitserial
     * arrays have a schedule without (compiler/gemm_mma.h) */
    if (!a->out_psum && a->compute_kind != COMPUTE_MAC && a->compute_kind != COMPUTE_BITSERIAL)
        FAIL("buffers.partial_sums: false needs compute.kind mac or bitserial (got %s)",
             arch_kind_name(a->compute_kind));
    return 0;
}

int arch_sb_ring_depth(const arch_t *a, int ring)
{
    const int lat[4] = { a->dram_latency, a->tprec_latency, a->lmma_latency, a->dequant_latency };
    return a->queue_depth + lat[ring] + 2;
}

int arch_dma_ot(const arch_t *a)
{
    return a->dma_max_outstanding > 0 ? a->dma_max_outstanding
           : (a->dram_latency > 1 ? a->dram_latency : 1);
}
