/* area.h - silicon area of any architecture: the cost layer (no I/O).
 *
 * The figures are data: workloads/area/default.json (cited cell areas,
 * SRAM bitcells and array efficiencies, node scaling) and
 * workloads/area/logic_fit.json (per RTL unit, a closed form fitted to
 * yosys synthesis by `make area-fit`); the front end parses both into an
 * area_table (sim/cli/area_json.c).  area_eval prices a design point in
 * microseconds:
 *
 *   logic unit  = sum over its terms of um2 x product of the term's
 *                 parameters (tile m, columns = tile_n x cores, table
 *                 entries, lanes, queue depth, ring entries, ...), at the
 *                 fit's node (45 nm, NanGate45 cells), times the logic
 *                 scaling factor to the architecture's tech_nm;
 *   SRAM buffer = banks x (bank bits x bitcell(node) x ports
 *                 / efficiency(node, width_bits));
 *   vector unit = lanes x a cited per-lane FP16 add + multiply area (the
 *                 RTL has no vector unit), scaled like logic;
 *   mma array   = compute.kind systolic: R x C fitted pe_systolic (8 x 8
 *                 bits into 32); mac INT8: tile m x n x k fitted pe_mac_int;
 *                 mac FP16: tile m x n x k fitted pe_mac_fp16 (FP32
 *                 accumulator, mw 23); the mac's dequant stage is the
 *                 fitted dequant unit at mac.dequant_lanes lanes;
 *                 bitserial: rows x cols PEs, pe bitmod the fitted
 *                 pe_bitmod (dp = bitserial.dp, 64-bit accumulator), pe
 *                 fp16 dp fitted pe_mac_fp16 lanes, pe ant and olive
 *                 BitMoD's published per-PE figures (no RTL of them).
 * Every kind's PEs are thus priced from synthesis of rtl/pe/ by the same
 * method (ANT's and OliVe's excepted).
 * Node figures between two tabulated nodes are linear in the node; a node
 * outside the tables is an error.  Nothing here is placed or routed: the
 * figures are cell area (logic) and macro area (SRAM).
 */
#ifndef AREA_H
#define AREA_H

#include <stddef.h>

#include "arch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The parts of the breakdown (area_breakdown_mm2 keys, area_part_names). */
typedef enum {
    AREA_LUT_ARRAY = 0, AREA_PRECOMPUTE, AREA_DEQUANT, AREA_VECTOR, AREA_DMA,
    AREA_SCOREBOARD, AREA_CONTROLLER,
    AREA_BUF_ACT, AREA_BUF_WEIGHT, AREA_BUF_TABLE, AREA_BUF_OUTPUT, /* BUF_ACT + buf_id */
    AREA_IBUF,
    AREA_INDEX_REGS, /* lut.index_kib per core, priced as an SRAM (unit_lut.c) */
    /* compute.kind systolic and mac: the array and the mac's dequant stage
     * (0 for lut, whose array is lut_array; precompute and dequant are the
     * LUT path's and 0 for the other kinds) */
    AREA_MMA_ARRAY, AREA_MMA_DEQUANT,
    AREA_PART_COUNT
} area_part;
extern const char *const area_part_names[AREA_PART_COUNT];

/* The fitted RTL units (logic_fit.json "units" keys, area_unit_names). */
typedef enum {
    AREA_U_LUT = 0, AREA_U_TPREC, AREA_U_DQ, AREA_U_DMA, AREA_U_CTRL, AREA_U_RING,
    AREA_U_PE_MAC, AREA_U_PE_SYS, /* rtl/pe/: the baseline arrays' PEs (aw, ww, accw bits) */
    AREA_U_PE_FP16,               /* rtl/pe/pe_mac_fp16.v (mw: accumulator fraction bits) */
    AREA_U_PE_BITMOD,             /* rtl/pe/pe_bitmod.v (dp lanes, accw accumulator bits) */
    AREA_UNIT_COUNT
} area_unit;

/* The design points the kinds price their FP16 and BitMoD PEs at: an FP32
 * accumulator (23 fraction bits) and pe_bitmod's full-range 64-bit one. */
#define AREA_FP16_MW 23
#define AREA_BITMOD_ACCW 64
extern const char *const area_unit_names[AREA_UNIT_COUNT];

#define AREA_MAX_TERMS 8
#define AREA_MAX_TERM_VARS 4
#define AREA_MAX_POINTS 16
#define AREA_VAR_LEN 16

typedef struct {
    int nvars;
    char var[AREA_MAX_TERM_VARS][AREA_VAR_LEN];
    double um2;
} area_term;

typedef struct {
    int nterms;
    area_term term[AREA_MAX_TERMS];
} area_fit;

typedef struct { int node_nm; double value; } area_node_value;

typedef struct {
    area_fit unit[AREA_UNIT_COUNT]; /* um^2 at fit_node_nm */
    int fit_node_nm;
    int nscale;                     /* logic area factor from fit_node_nm, by node */
    area_node_value scale[AREA_MAX_POINTS];
    int nbitcell;                   /* 6T bitcell, um^2, by node */
    area_node_value bitcell[AREA_MAX_POINTS];
    int neff;                       /* array efficiency by node and width */
    int eff_node[AREA_MAX_POINTS], eff_width[AREA_MAX_POINTS];
    double eff[AREA_MAX_POINTS];
    double port_factor;             /* extra bitcell area per port beyond the first */
    double vector_lane_um2;         /* at fit_node_nm */
    double double_acc_bit_um2;      /* at fit_node_nm */
    double bitserial_pe_um2[BS_PE_COUNT]; /* at fit_node_nm: BitMoD's published per-PE figures,
                                           * scaled (ant and olive price their PEs; bitmod and
                                           * fp16 are kept for comparison, see area_eval) */
} area_table;

typedef struct {
    int node_nm;
    double total_mm2;
    double part_mm2[AREA_PART_COUNT];
} area_report;

/* Names of the parameters a unit's terms may use (NULL-terminated), so a
 * parser can refuse a term naming anything else. */
const char *const *area_unit_vars(area_unit u);

/* One unit's closed form at the named values (vars[i] has value vals[i]);
 * -1 with a message if a term names a parameter not among them. */
int area_fit_um2(const area_fit *f, const char *const *vars, const double *vals, double *um2,
                 char *err, size_t errlen);

/* Logic area factor from the fit's node to node_nm; -1 if outside the table. */
int area_logic_factor(const area_table *t, int node_nm, double *factor, char *err, size_t errlen);

/* One SRAM buffer of banks banks, each bank_bits bits wide width_bits with
 * ports ports, at node_nm, in mm^2. */
int area_sram_mm2(const area_table *t, int node_nm, double bank_bits, int width_bits, int ports,
                  int banks, double *mm2, char *err, size_t errlen);

/* Sanity of a parsed table (positive figures, ascending nodes); 0 or -1. */
int area_table_check(const area_table *t, char *err, size_t errlen);

/* The area of architecture a at a->tech_nm: every part and the total (the
 * parts sum to it).  0, or -1 with a message naming what is missing. */
int area_eval(const area_table *t, const arch_t *a, area_report *r, char *err, size_t errlen);

/* The logic of a report (every part but the SRAM buffers, the instruction
 * buffer and the index registers): what leaks as logic, energy.h. */
double area_logic_mm2(const area_report *r);

#ifdef __cplusplus
}
#endif
#endif
