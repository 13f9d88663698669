/* arch.h - every parameter of the modelled accelerator, in one struct.
 *
 * The defaults are embedded here (arch_default) and printed by
 * `lutsim arch --show`; the files in workloads/arch/ are presets.  A JSON
 * document overrides any subset of the defaults; unknown keys, wrong types and
 * out-of-range values are errors that name the key's path
 * (e.g. "buffers.weight.kib: expected an integer 1..65536, got 0").
 * The parser lives with the front end's JSON handling (arch_json.c); this
 * header is the model's view and has no I/O.
 */
#ifndef ARCH_H
#define ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "dram_dev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The four on-chip buffers, in the order the ISA's buffer field uses. */
typedef enum { BUF_ACT = 0, BUF_WGT, BUF_TBL, BUF_OUT, BUF_COUNT } buf_id;

typedef struct {
    int kib;        /* capacity in KiB */
    int banks;
    int width_bits; /* read/write width per bank per cycle */
    int ports;      /* read/write ports */
} arch_buffer;

/* compute.kind: the array that runs the GEMMs.  Everything else (DMA,
 * buffers, DRAM, vector unit, energy, compiler, reports) is shared. */
typedef enum { COMPUTE_LUT = 0, COMPUTE_SYSTOLIC, COMPUTE_MAC, COMPUTE_BITSERIAL, COMPUTE_KIND_COUNT } compute_kind;
/* systolic.dataflow: which operand stays in the PEs (unit_systolic.c). */
typedef enum { SYS_OS = 0, SYS_WS, SYS_IS } sys_dataflow;
/* bitserial.pe: whose PE the bitserial array is built of (BitMoD, HPCA'25,
 * publishes the figures of each): its energy and area entries. */
typedef enum { BS_PE_BITMOD = 0, BS_PE_FP16, BS_PE_ANT, BS_PE_OLIVE, BS_PE_COUNT } bs_pe;
/* "bitserial_pe", "bitserial_pe_fp16", ...: the energy and area keys. */
extern const char *const arch_bs_pe_keys[BS_PE_COUNT];
/* mac.dtype: the operand type of the dot-product tensor core. */
typedef enum { MAC_INT8 = 0, MAC_FP16 } mac_dtype;

typedef struct {
    char name[64];
    double clock_ghz;
    int compute_kind;     /* compute_kind; COMPUTE_LUT is today's core */
    /* compute.attention: 0 ("same"): attention runs on the compute.kind
     * array; else the compute_kind of a second array beside the LUT array
     * that runs attention's score and context GEMMs (as LUT Tensor Core
     * keeps attention on FP16 tensor cores), configured by its own keys
     * (mac.*, systolic.*, bitserial.*); only with compute.kind lut. */
    int attn_kind;
    /* systolic: an R x C array of PEs, one MAC a PE a cycle */
    int sys_rows, sys_cols;
    int sys_dataflow;     /* sys_dataflow */
    /* mac: a dot-product tensor core doing one mac_m x mac_n x mac_k tile
     * product a cycle (A100: 8 x 4 x 16), mac_latency cycles of pipeline;
     * weights narrower than the operand type go through a dequant stage of
     * mac_dq_lanes weights a cycle before the array. */
    int mac_m, mac_n, mac_k;
    int mac_dtype;        /* mac_dtype */
    int mac_latency;
    int mac_dq_lanes;
    /* bitserial: a BitMoD-style rows x cols array of PEs, each a dot product
     * of bs_dp weights with bs_dp activations; rows map output channels,
     * columns tokens; weights pass term by term, bs_bits_per_cycle weight
     * bits a cycle (BitMoD: 2). */
    int bs_rows, bs_cols, bs_dp, bs_bits_per_cycle;
    int bs_pe;            /* bs_pe */
    int tech_nm;          /* technology node the energy table is for */
    /* LUT array: cores work in lockstep on adjacent column blocks. */
    int lut_cores;
    int tile_m, tile_n, tile_k; /* tables x columns x activations per table */
    int table_entry_bits; /* stored table entry width */
    int wbits_min, wbits_max; /* weight bit-widths the array steps through */
    int act_bits;         /* activation width the precompute reads: 4, 8 or 16; the mma
                             arrays read 2-byte activations at 16, 1-byte otherwise */
    /* Float activations on the LUT core (lut_float.h): act_fmt is a
     * lut_afmt, 0 the integer datapath (act_bits); otherwise act_bits is
     * the format's storage width (16 or 8) and table_fmt (a lut_tfmt,
     * arch key lut.table_format, default fp16) the table entries'.
     * act_fmt is set by the workload (lutsim gemm --afmt:
     * arch_set_act_fmt), not an arch.json key. */
    int act_fmt;
    int table_fmt;
    int mma_fp16;         /* 1: the mma arrays run BitMoD's FP16 datapath: 2-byte outputs
                             instead of int32, and mma wbits=0 means 16-bit (FP16)
                             weights instead of 8 (set by quant_arch from a preset's
                             "afmt": "fp16"; not an arch.json key) */
    int lmma_latency;     /* pipeline fill of the LUT array, cycles */
    int lut_partition;    /* how the cores split an lmma: 0 columns (lockstep on
                             adjacent column blocks), 1 rows (different rows,
                             same columns), 2 auto (the mapper picks per GEMM,
                             grid included), 3 grid (columns, and the cores
                             may run in groups, each its own lmma: lmmag) */
    arch_buffer buf[BUF_COUNT];
    /* buffers.ideal: 1 = every buffer serves any access pattern in the
     * cycles its unit's own rate allows (banks, widths and ports ignored,
     * the model before SRAM banks); 0 = banks, widths and ports are
     * enforced (sram.h). */
    int sram_ideal;
    /* buffers.partial_sums: 1 = the output buffer holds the partial sums of
     * GEMM output tiles as large as it fits (the mma arrays' tile order
     * reuses each operand across such a tile); 0 = the design has no output
     * buffer for partial sums (BitMoD lists none: its output-stationary PEs
     * finish an output tile over all of K and write it out), so what
     * buffers.output declares only stages finished tiles and the mma
     * compiler keeps a block of A or W resident instead (gemm_mma.h). */
    int out_psum;
    /* lut.double_acc: two accumulator sets per core, so the write-back of
     * one block overlaps the next block's passes (costs area). */
    int lut_double_acc;
    /* lut.index_kib: a register file of this many KiB per core holding the
     * weight indices of an lmma's column pass (every chunk and bit-plane of
     * tile_n columns), written as the first row pass streams them from the
     * weight buffer and read by the later row passes; 0: none, every row
     * pass streams its indices from the weight buffer (unit_lut.c). */
    int lut_index_kib;
    /* DRAM and DMA.  dram_model "ideal": bandwidth dram_gbps at 100%
     * efficiency, every transfer completes dram_latency cycles after its
     * last burst.  Any other value names a device preset (dram_dev.h):
     * banks, row buffers, refresh and an FR-FCFS controller decide the
     * timing, dram_gbps is the device's peak (channels x per channel),
     * dram_latency is added to each transfer's completion (the interconnect
     * and PHY outside the device), and dram_burst is the device's. */
    char dram_model[32];
    int dram_channels;    /* device models: 0 = the preset's, else the count */
    double dram_gbps;     /* bandwidth, GB/s (1e9 bytes per second) */
    int dram_latency;     /* cycles from request to first data */
    int dram_burst;       /* bytes per burst: transfers round up to it */
    double dram_capacity_gib; /* DRAM size, GiB (2^30 B): what the weights and KV cache
                                 must fit (`lutsim run --phase generate`) */
    /* DMA engines: 1 = one in-order queue for loads and stores; 2 = loads
     * and stores on separate in-order queues, which share the DRAM bus. */
    int dma_engines;
    /* Bursts each DMA engine may have in flight (dma_window.h); 0 = no
     * limit (every transfer completes latency cycles after its bus time). */
    int dma_max_outstanding;
    /* Table precompute unit */
    int tprec_tables_per_cycle;
    int tprec_latency;
    /* Operator fusion (LUT Tensor Core): the table precompute of a linear
     * layer's input is done by the element-wise operation before it, which
     * writes tables instead of activations; the GEMM loads the tables. */
    int tprec_fused;
    /* Attention (compiler/attention.h): 1 = score, online softmax and
     * context fused in one program per layer, S and P on chip; 0 = three
     * programs that pass S and P through DRAM. */
    int attn_fused;
    /* Dequantization unit */
    int dequant_lanes;    /* outputs per cycle */
    int dequant_latency;
    /* Vector unit (non-GEMM work of a layer) */
    int vector_lanes;     /* elements per cycle */
    int vector_latency;
    int vector_dtype;     /* fp_type (fp_arith.h): element type in DRAM and buffers */
    /* 1: element-wise work next to a GEMM (rope, residual adds, the
     * activation and gate multiply, their quantize step) runs as the GEMM's
     * epilogue on the output tile in the buffer (compiler/fusion.h). */
    int vec_fused;
    /* Issue: instructions each unit may hold waiting (in-order per unit). */
    int queue_depth;
    /* Instruction buffer entries (16-byte instructions fetched from DRAM
     * ahead of dispatch); 0 = fetch is free, as if the program were on chip. */
    int ibuf_entries;
} arch_t;

/* The embedded default: a realistic design point (a DRAM device, a
 * bounded DMA, banked SRAM with real ports; arch.c says why).  arch_ideal
 * is the same core on ideal memory (dram.model "ideal", no DMA limit,
 * ideal buffers, free instruction fetch): the model before devices, banks
 * and ports, and the architecture the RTL is built for and checked on. */
void arch_default(arch_t *a);
void arch_ideal(arch_t *a);

/* Derived figures, used by timing and reports. */
double arch_dram_bytes_per_cycle(const arch_t *a);
/* Whether lmmag may group the cores (lut.partition grid or auto). */
int arch_may_group(const arch_t *a);
size_t arch_buf_bytes(const arch_t *a, buf_id b);
/* Whether a core's weight-index register file (lut.index_kib) holds a
 * column pass of an lmma of klen activations and wbits planes: every
 * chunk and bit-plane of tile_n columns of tile_k-bit indices. */
int arch_index_regs_hold(const arch_t *a, uint64_t klen, int wbits);
const char *arch_buf_name(buf_id b); /* "act", "weight", "table", "output" */
/* Bits of one table set: tile_m tables x 2^(tile_k-1) entries x entry bits. */
int arch_table_bits(const arch_t *a);
/* Weight-index bits the bit-serial array consumes per cycle (one bit-plane:
 * lut_cores x tile_n x tile_k); the weight buffer's banks x width_bits should
 * be at least this for the array never to starve. */
int arch_weight_bits_per_cycle(const arch_t *a);
/* Smallest signed table-entry width holding every sum of tile_k activations
 * of act_bits exactly (11 for K = 4, INT8). */
int arch_min_entry_bits(const arch_t *a);
/* Entries of the RTL's scoreboard ring of unit ring (0 DMA, 1 precompute,
 * 2 LUT array, 3 dequant): queue + (latency + 1) in flight + 1 being
 * dispatched, the most instructions of one unit that can be dispatched and
 * not yet complete (completion is in order per unit).  The RTL include
 * generator and the area model (area.h) both use it. */
int arch_sb_ring_depth(const arch_t *a, int ring);
/* Slots of the RTL DMA's outstanding-transaction table (its AXI IDs):
 * dma.max_outstanding, or without a bound the DRAM latency, which a bus
 * taking one burst per cycle never fills (a slot is held latency cycles:
 * Little's law).  The RTL include generator and the area model use it. */
int arch_dma_ot(const arch_t *a);
/* Bytes one table entry occupies in the table buffer: ceil(entry bits / 8)
 * (A4 tables of 7-bit entries take 1 byte, INT8 2, A16's 19 bits 3). */
int arch_entry_bytes(const arch_t *a);
/* Bytes of one table (2^(tile_k-1) entries, and int8 float tables' scale). */
uint64_t arch_table_bytes(const arch_t *a);
/* Runs float activations of format f (a lut_afmt; 0: the integer
 * datapath, a unchanged): act_fmt and the activations' storage width. */
void arch_set_act_fmt(arch_t *a, int f);
/* Runs a workload of `bits`-bit activations (4, 8 or 16) on a: act_bits
 * becomes bits and, when that changes it, the table entries become the
 * narrowest that hold every sum exactly (bits + ceil(log2 tk) + 1), so the
 * table buffer holds more (A4) or fewer (A16) tables. */
void arch_set_act_bits(arch_t *a, int bits);

/* "lut", "systolic", "mac", "bitserial"; "os", "ws", "is"; "int8", "fp16". */
const char *arch_kind_name(int kind);
/* The compute_kind of the array that runs attention. */
int arch_attention_kind(const arch_t *a);
/* a as attention's programs see it: compute_kind the attention array's
 * (a itself when it has no second array); vector.fused off on a second
 * array (its epilogues belong to the LUT path). */
void arch_for_attention(const arch_t *a, arch_t *out);
const char *arch_dataflow_name(int df);

/* Range of tile_k (activations per table) the datapath supports. */
#define ARCH_MIN_TK 2
#define ARCH_MAX_TK 8
/* Limits of dma.max_outstanding and issue.ibuf_entries. */
#define ARCH_MAX_OUTSTANDING 4096
#define ARCH_MAX_IBUF 65536

/* The device of a->dram_model with a->dram_channels applied: 1 (s filled),
 * 0 for "ideal", -1 (message naming dram.model) for an unknown name. */
int arch_dram_spec(const arch_t *a, dram_spec *s, char *err, size_t errlen);
/* Selects DRAM model `model` with `channels` (0: the preset's) and sets
 * dram_gbps and dram_burst to the device's; 0 or -1 with a message. */
int arch_set_dram_model(arch_t *a, const char *model, int channels, char *err, size_t errlen);

/* Checks cross-field consistency (ranges are the parser's job); returns 0
 * or -1 with a message naming the key. */
int arch_check(const arch_t *a, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
