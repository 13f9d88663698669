/* area.c - area of an architecture from the fitted logic and SRAM figures. */
#include "area.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const area_part_names[AREA_PART_COUNT] = {
    "lut_array", "precompute", "dequant", "vector", "dma", "scoreboard", "controller",
    "buffer_act", "buffer_weight", "buffer_table", "buffer_output", "instruction_buffer",
    "index_registers", "mma_array", "mma_dequant",
};

const char *const area_unit_names[AREA_UNIT_COUNT] = {
    "lut_array", "precompute", "dequant", "dma", "controller", "scoreboard_ring",
    "pe_mac_int", "pe_systolic", "pe_mac_fp16", "pe_bitmod",
};

/* The parameters each unit's closed form may use, as scripts/area-fit.py
 * names them. */
static const char *const lut_vars[] = { "m", "cols", "k", "entries", "k_npot", NULL };
static const char *const tprec_vars[] = { "k", "entries", "k_npot", NULL };
static const char *const dq_vars[] = { "lanes", NULL };
static const char *const dma_vars[] = { "burst_bytes", "ot", "idw", "pad", NULL };
static const char *const ctrl_vars[] = { "q", "s", "dram_latency", NULL };
static const char *const ring_vars[] = { "depth", "nr", "nw", NULL };
static const char *const pe_vars[] = { "aw", "ww", "accw", NULL };
static const char *const fp16_vars[] = { "mw", NULL };
static const char *const bitmod_vars[] = { "dp", "accw", NULL };

const char *const *area_unit_vars(area_unit u)
{
    static const char *const *const v[AREA_UNIT_COUNT] = {
        lut_vars, tprec_vars, dq_vars, dma_vars, ctrl_vars, ring_vars, pe_vars, pe_vars,
        fp16_vars, bitmod_vars,
    };
    return v[u];
}

/* Read and write ranges each scoreboard ring stores per entry, in ring
 * order (DMA, precompute, LUT, dequant): rtl/lutc_ctrl.v's NR and NW. */
static const int ring_nr[4] = { 1, 1, 3, 4 };
static const int ring_nw[4] = { 1, 2, 1, 1 };

int area_fit_um2(const area_fit *f, const char *const *vars, const double *vals, double *um2,
                 char *err, size_t errlen)
{
    double sum = 0;
    for (int t = 0; t < f->nterms; t++) {
        double p = f->term[t].um2;
        for (int v = 0; v < f->term[t].nvars; v++) {
            int i = 0;
            while (vars[i] && strcmp(vars[i], f->term[t].var[v]) != 0)
                i++;
            if (!vars[i]) {
                snprintf(err, errlen, "area: term %d names parameter '%s', which this unit "
                         "does not have", t, f->term[t].var[v]);
                return -1;
            }
            p *= vals[i];
        }
        sum += p;
    }
    *um2 = sum;
    return 0;
}

/* v at node, linear in the node between the two tabulated nodes around it
 * (the table in any order); -1 outside the table. */
static int node_interp(const area_node_value *v, int n, int node, double *out)
{
    int lo = -1, hi = -1;
    for (int i = 0; i < n; i++) {
        if (v[i].node_nm <= node && (lo < 0 || v[i].node_nm > v[lo].node_nm))
            lo = i;
        if (v[i].node_nm >= node && (hi < 0 || v[i].node_nm < v[hi].node_nm))
            hi = i;
    }
    if (lo < 0 || hi < 0)
        return -1;
    if (v[lo].node_nm == v[hi].node_nm) {
        *out = v[lo].value;
        return 0;
    }
    const double x = (double)(node - v[lo].node_nm) / (double)(v[hi].node_nm - v[lo].node_nm);
    *out = v[lo].value + x * (v[hi].value - v[lo].value);
    return 0;
}

int area_logic_factor(const area_table *t, int node_nm, double *factor, char *err, size_t errlen)
{
    if (node_interp(t->scale, t->nscale, node_nm, factor) != 0) {
        snprintf(err, errlen, "area: tech_nm %d is outside the logic scaling table's nodes",
                 node_nm);
        return -1;
    }
    return 0;
}

/* Array efficiency: the points of the node nearest node_nm; linear in
 * log2(width) through that node's two nearest widths, extended beyond
 * them, clamped to [0.3, 1]. */
static double sram_efficiency(const area_table *t, int node_nm, int width_bits)
{
    int best = t->eff_node[0];
    for (int i = 1; i < t->neff; i++)
        if (abs(t->eff_node[i] - node_nm) < abs(best - node_nm))
            best = t->eff_node[i];
    int a = -1, b = -1; /* the two points of node best nearest in log2 width */
    const double lw = log2((double)width_bits);
    for (int i = 0; i < t->neff; i++) {
        if (t->eff_node[i] != best)
            continue;
        const double d = fabs(log2((double)t->eff_width[i]) - lw);
        if (a < 0 || d < fabs(log2((double)t->eff_width[a]) - lw)) {
            b = a;
            a = i;
        } else if (b < 0 || d < fabs(log2((double)t->eff_width[b]) - lw)) {
            b = i;
        }
    }
    double e = t->eff[a];
    if (b >= 0 && t->eff_width[a] != t->eff_width[b]) {
        const double xa = log2((double)t->eff_width[a]), xb = log2((double)t->eff_width[b]);
        e = t->eff[a] + (lw - xa) * (t->eff[b] - t->eff[a]) / (xb - xa);
    }
    return e < 0.3 ? 0.3 : e > 1.0 ? 1.0 : e;
}

int area_sram_mm2(const area_table *t, int node_nm, double bank_bits, int width_bits, int ports,
                  int banks, double *mm2, char *err, size_t errlen)
{
    double cell;
    if (node_interp(t->bitcell, t->nbitcell, node_nm, &cell) != 0) {
        snprintf(err, errlen, "area: tech_nm %d is outside the SRAM bitcell table's nodes",
                 node_nm);
        return -1;
    }
    const double cell_ports = cell * (1.0 + t->port_factor * (double)(ports - 1));
    const double bank_um2 = bank_bits * cell_ports / sram_efficiency(t, node_nm, width_bits);
    *mm2 = (double)banks * bank_um2 * 1e-6;
    return 0;
}

int area_table_check(const area_table *t, char *err, size_t errlen)
{
    if (t->nscale < 1 || t->nbitcell < 1 || t->neff < 1) {
        snprintf(err, errlen, "area: the scaling, bitcell and efficiency tables need a point each");
        return -1;
    }
    for (int u = 0; u < AREA_UNIT_COUNT; u++) {
        if (t->unit[u].nterms < 1) {
            snprintf(err, errlen, "area: unit %s has no terms", area_unit_names[u]);
            return -1;
        }
    }
    if (!(t->port_factor >= 0) || !(t->vector_lane_um2 >= 0) || !(t->double_acc_bit_um2 >= 0)) {
        snprintf(err, errlen, "area: port_factor, vector_lane and double_acc_bit must be >= 0");
        return -1;
    }
    return 0;
}

/* The logic units at the fit's node, um^2. */
static int logic_um2(const area_table *t, const arch_t *a, double um2[AREA_PART_COUNT], char *err,
                     size_t errlen)
{
    const double cols = (double)a->tile_n * a->lut_cores, entries = ldexp(1.0, a->tile_k - 1);
    /* a tile_k that is not a power of two makes the RTL's divisions by it dividers */
    const double npot = (a->tile_k & (a->tile_k - 1)) != 0;
    const double lut_v[] = { a->tile_m, cols, a->tile_k, entries, npot };
    const double tprec_v[] = { a->tile_k, entries, npot };
    const double dq_v[] = { a->dequant_lanes };
    /* the DMA's outstanding-transaction table: ot slots, idw-bit IDs (as
     * gen_rtl_includes prints ARCH_DMA_OT / ARCH_DMA_IDW) */
    const int ot = arch_dma_ot(a);
    const double idw = ot > 1 ? ceil(log2((double)ot)) : 1;
    const double dma_v[] = { a->dram_burst, ot, idw, ldexp(1.0, (int)idw) - ot };
    double s = 0;
    for (int r = 0; r < 4; r++)
        s += arch_sb_ring_depth(a, r);
    const double ctrl_v[] = { a->queue_depth, s, a->dram_latency };
    if (area_fit_um2(&t->unit[AREA_U_LUT], lut_vars, lut_v, &um2[AREA_LUT_ARRAY], err, errlen) ||
        area_fit_um2(&t->unit[AREA_U_TPREC], tprec_vars, tprec_v, &um2[AREA_PRECOMPUTE], err,
                     errlen) ||
        area_fit_um2(&t->unit[AREA_U_DQ], dq_vars, dq_v, &um2[AREA_DEQUANT], err, errlen) ||
        area_fit_um2(&t->unit[AREA_U_DMA], dma_vars, dma_v, &um2[AREA_DMA], err, errlen) ||
        area_fit_um2(&t->unit[AREA_U_CTRL], ctrl_vars, ctrl_v, &um2[AREA_CONTROLLER], err, errlen))
        return -1;
    um2[AREA_SCOREBOARD] = 0;
    for (int r = 0; r < 4; r++) {
        const double ring_v[] = { arch_sb_ring_depth(a, r), ring_nr[r], ring_nw[r] };
        double x;
        if (area_fit_um2(&t->unit[AREA_U_RING], ring_vars, ring_v, &x, err, errlen))
            return -1;
        um2[AREA_SCOREBOARD] += x;
    }
    /* Not in the RTL, priced from cited figures (default.json): a second
     * accumulator set, replicated precompute units and DMA engines. */
    if (a->lut_double_acc)
        um2[AREA_LUT_ARRAY] += (double)a->tile_m * cols * 32.0 * t->double_acc_bit_um2;
    um2[AREA_PRECOMPUTE] *= a->tprec_tables_per_cycle;
    um2[AREA_DMA] *= a->dma_engines;
    um2[AREA_VECTOR] = (double)a->vector_lanes * t->vector_lane_um2;
    return 0;
}

/* One bitserial PE at the fit's node: BitMoD's and the FP16 baseline's
 * from their synthesised RTL (pe_bitmod at bs_dp lanes; the FP16 PE as
 * bs_dp FP16 MAC lanes, an assumption for bs_dp > 1), ANT's and OliVe's
 * from BitMoD's published figures (no RTL of them). */
static int bitserial_pe_um2(const area_table *t, const arch_t *a, double *pe, char *err,
                            size_t errlen)
{
    if (a->bs_pe == BS_PE_BITMOD) {
        const double v[] = { a->bs_dp, AREA_BITMOD_ACCW };
        return area_fit_um2(&t->unit[AREA_U_PE_BITMOD], bitmod_vars, v, pe, err, errlen);
    }
    if (a->bs_pe == BS_PE_FP16) {
        const double v[] = { AREA_FP16_MW };
        if (area_fit_um2(&t->unit[AREA_U_PE_FP16], fp16_vars, v, pe, err, errlen))
            return -1;
        *pe *= a->bs_dp;
        return 0;
    }
    *pe = t->bitserial_pe_um2[a->bs_pe];
    return 0;
}

/* A systolic, mac or bitserial array in place of the LUT path's array,
 * precompute and dequant unit (they are not built): um2 at the fit's node. */
static int mma_um2(const area_table *t, const arch_t *a, double um2[AREA_PART_COUNT], char *err,
                   size_t errlen)
{
    static const double int8_pe[] = { 8, 8, 32 };
    static const double fp32_acc[] = { AREA_FP16_MW };
    double pe;
    um2[AREA_LUT_ARRAY] = um2[AREA_PRECOMPUTE] = um2[AREA_DEQUANT] = 0;
    if (a->compute_kind == COMPUTE_BITSERIAL) {
        if (bitserial_pe_um2(t, a, &pe, err, errlen))
            return -1;
        um2[AREA_MMA_ARRAY] = (double)a->bs_rows * a->bs_cols * pe;
        return 0;
    }
    if (a->compute_kind == COMPUTE_SYSTOLIC) {
        if (area_fit_um2(&t->unit[AREA_U_PE_SYS], pe_vars, int8_pe, &pe, err, errlen))
            return -1;
        um2[AREA_MMA_ARRAY] = (double)a->sys_rows * a->sys_cols * pe;
        return 0;
    }
    const double lanes = (double)a->mac_m * a->mac_n * a->mac_k;
    if (a->mac_dtype == MAC_FP16) {
        if (area_fit_um2(&t->unit[AREA_U_PE_FP16], fp16_vars, fp32_acc, &pe, err, errlen))
            return -1;
    } else if (area_fit_um2(&t->unit[AREA_U_PE_MAC], pe_vars, int8_pe, &pe, err, errlen))
        return -1;
    um2[AREA_MMA_ARRAY] = lanes * pe;
    const double dq_v[] = { a->mac_dq_lanes };
    return area_fit_um2(&t->unit[AREA_U_DQ], dq_vars, dq_v, &um2[AREA_MMA_DEQUANT], err, errlen);
}

/* The parts priced as logic (fitted units, scaled by node); the rest are
 * SRAM macros. */
static int is_logic_part(int p) { return p < AREA_BUF_ACT || p >= AREA_MMA_ARRAY; }

int area_eval(const area_table *t, const arch_t *a, area_report *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->node_nm = a->tech_nm;
    double um2[AREA_PART_COUNT] = { 0 }, factor;
    if (logic_um2(t, a, um2, err, errlen) || area_logic_factor(t, a->tech_nm, &factor, err, errlen))
        return -1;
    if (a->compute_kind != COMPUTE_LUT && mma_um2(t, a, um2, err, errlen))
        return -1;
    if (a->attn_kind) { /* a second array for attention beside the LUT path */
        arch_t x;
        double v[AREA_PART_COUNT] = { 0 };
        arch_for_attention(a, &x);
        if (mma_um2(t, &x, v, err, errlen))
            return -1;
        um2[AREA_MMA_ARRAY] = v[AREA_MMA_ARRAY];
        um2[AREA_MMA_DEQUANT] = v[AREA_MMA_DEQUANT];
    }
    for (int p = 0; p < AREA_PART_COUNT; p++)
        if (is_logic_part(p))
            r->part_mm2[p] = um2[p] * factor * 1e-6;
    for (int b = 0; b < BUF_COUNT; b++) {
        const arch_buffer *x = &a->buf[b];
        const double bank_bits = (double)arch_buf_bytes(a, (buf_id)b) * 8.0 / x->banks;
        if (area_sram_mm2(t, a->tech_nm, bank_bits, x->width_bits, x->ports, x->banks,
                          &r->part_mm2[AREA_BUF_ACT + b], err, errlen))
            return -1;
    }
    /* instruction buffer: 16-byte entries, one 128-bit bank, one port */
    if (a->ibuf_entries > 0 &&
        area_sram_mm2(t, a->tech_nm, (double)a->ibuf_entries * 128.0, 128, 1, 1,
                      &r->part_mm2[AREA_IBUF], err, errlen))
        return -1;
    /* each core's weight-index register file: read a pass's indices (tile_n
     * x tile_k bits) at a time, one bank, one port */
    if (a->compute_kind == COMPUTE_LUT && a->lut_index_kib > 0) {
        double one;
        if (area_sram_mm2(t, a->tech_nm, (double)a->lut_index_kib * 8192.0,
                          a->tile_n * a->tile_k, 1, 1, &one, err, errlen))
            return -1;
        r->part_mm2[AREA_INDEX_REGS] = one * a->lut_cores;
    }
    for (int p = 0; p < AREA_PART_COUNT; p++)
        r->total_mm2 += r->part_mm2[p];
    return 0;
}

double area_logic_mm2(const area_report *r)
{
    double mm2 = 0;
    for (int p = 0; p < AREA_PART_COUNT; p++)
        if (is_logic_part(p))
            mm2 += r->part_mm2[p];
    return mm2;
}
