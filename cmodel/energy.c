/* energy.c - node scaling, SRAM interpolation and the per-event model. */
#include "energy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double energy_scale(double e, int from_nm, int to_nm)
{
    return e * (double)to_nm / (double)from_nm;
}

double energy_entry_at(const energy_entry *e, int to_nm)
{
    return e->scales_with_node ? energy_scale(e->value, e->node_nm, to_nm) : e->value;
}

double energy_sram_read_pj_per_byte(const energy_table *t, double kib)
{
    const int n = t->sram_points, node = t->target_node_nm;
    if (n == 1)
        return energy_entry_at(&t->sram_read[0], node);
    int i = 0; /* segment [i, i+1] */
    while (i < n - 2 && kib > t->sram_kib[i + 1])
        i++;
    double x0 = log(t->sram_kib[i]), x1 = log(t->sram_kib[i + 1]);
    double y0 = log(energy_entry_at(&t->sram_read[i], node));
    double y1 = log(energy_entry_at(&t->sram_read[i + 1], node));
    double x = log(kib);
    return exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0));
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

static int check_entry(const energy_entry *e, const char *name, char *err, size_t errlen)
{
    if (!(e->value >= 0) || !isfinite(e->value))
        FAIL("%s: energy must be a finite non-negative number, got %g", name, e->value);
    if (e->node_nm < 1)
        FAIL("%s: node_nm must be positive, got %d", name, e->node_nm);
    return 0;
}

int energy_table_check(const energy_table *t, char *err, size_t errlen)
{
    if (t->target_node_nm < 1)
        FAIL("target_node_nm: must be positive, got %d", t->target_node_nm);
    if (t->sram_points < 1 || t->sram_points > ENERGY_MAX_SRAM_POINTS)
        FAIL("entries.sram_read.points: expected 1..%d points, got %d",
             ENERGY_MAX_SRAM_POINTS, t->sram_points);
    for (int i = 0; i < t->sram_points; i++) {
        char name[64];
        snprintf(name, sizeof name, "entries.sram_read.points[%d]", i);
        if (check_entry(&t->sram_read[i], name, err, errlen))
            return -1;
        if (!(t->sram_read[i].value > 0))
            FAIL("%s.value: must be positive for interpolation, got %g", name,
                 t->sram_read[i].value);
        if (!(t->sram_kib[i] > 0))
            FAIL("%s.kib: must be positive, got %g", name, t->sram_kib[i]);
        if (i > 0 && !(t->sram_kib[i] > t->sram_kib[i - 1]))
            FAIL("%s.kib: capacities must be strictly ascending (%g after %g)", name,
                 t->sram_kib[i], t->sram_kib[i - 1]);
    }
    if (!(t->sram_write_ratio > 0) || !isfinite(t->sram_write_ratio))
        FAIL("entries.sram_write_ratio.value: must be positive, got %g", t->sram_write_ratio);
    const struct { const energy_entry *e; const char *n; } es[] = {
        { &t->dram_byte, "entries.dram" },
        { &t->precompute_add, "entries.precompute_add" },
        { &t->table_read, "entries.table_read" },
        { &t->accum_add, "entries.accumulate_add" },
        { &t->table_bcast, "entries.table_broadcast" },
        { &t->lookup_shift, "entries.lookup_shift" },
        { &t->acc_register, "entries.acc_register" },
        { &t->dequant_mul, "entries.dequant_mul" },
        { &t->vector_op, "entries.vector_op" },
        { &t->fp32_add, "entries.fp32_add" },
        { &t->fp32_mul, "entries.fp32_mul" },
        { &t->leak_sram_uw_per_kib, "entries.leakage_sram" },
        { &t->leak_logic_uw_per_mm2, "entries.leakage_logic" },
    };
    for (size_t i = 0; i < sizeof es / sizeof es[0]; i++)
        if (check_entry(es[i].e, es[i].n, err, errlen))
            return -1;
    return 0;
}

int energy_model_build(const energy_table *t, const arch_t *a, double logic_mm2,
                       energy_model *m, char *err, size_t errlen)
{
    if (energy_table_check(t, err, errlen) != 0)
        return -1;
    const int node = t->target_node_nm;
    if (a->tech_nm != node)
        FAIL("the energy table is for %d nm but the architecture's tech_nm is %d: "
             "set target_node_nm in the energy table or tech_nm in the architecture",
             node, a->tech_nm);
    if (!(a->clock_ghz > 0))
        FAIL("clock_ghz: must be positive, got %g", a->clock_ghz);
    memset(m, 0, sizeof *m);
    m->node_nm = node;
    m->dram_pj_per_byte = energy_entry_at(&t->dram_byte, node);
    dram_spec ds;
    int dev = arch_dram_spec(a, &ds, err, errlen);
    if (dev < 0)
        return -1;
    m->dram_device = dev;
    m->dram_rd_pj_per_byte = dev ? 8.0 * ds.rd_pj_per_bit : m->dram_pj_per_byte;
    m->dram_wr_pj_per_byte = dev ? 8.0 * ds.wr_pj_per_bit : m->dram_pj_per_byte;
    m->dram_act_pj = dev ? ds.act_pj : 0.0;
    m->dram_ref_pj_per_cycle =
        dev ? ds.ref_pj * ds.channels / (ds.tREFI * ds.tck_ns * a->clock_ghz) : 0.0;
    double kib_total = 0;
    for (int b = 0; b < BUF_COUNT; b++) {
        double kib = (double)a->buf[b].kib;
        kib_total += kib;
        /* an access reads one bank: priced at the bank's capacity (the
         * ideal model prices the buffer as one bank, as before banks) */
        double bank_kib = a->sram_ideal ? kib : kib / a->buf[b].banks;
        m->buf_read_pj_per_byte[b] = energy_sram_read_pj_per_byte(t, bank_kib);
        m->buf_write_pj_per_byte[b] = m->buf_read_pj_per_byte[b] * t->sram_write_ratio;
    }
    /* a core's register file is read a row of indices at a time, like a
     * one-bank SRAM of its capacity (the sram_read curve, extrapolated
     * below its smallest point: an assumption, README "Index registers") */
    if (a->compute_kind == COMPUTE_LUT && a->lut_index_kib > 0) {
        m->index_reg_read_pj_per_byte = energy_sram_read_pj_per_byte(t, a->lut_index_kib);
        m->index_reg_write_pj_per_byte = m->index_reg_read_pj_per_byte * t->sram_write_ratio;
        kib_total += (double)a->lut_index_kib * a->lut_cores;
    }
    m->precompute_add_pj = energy_entry_at(&t->precompute_add, node);
    m->table_read_pj = energy_entry_at(&t->table_read, node);
    m->accum_add_pj = energy_entry_at(&t->accum_add, node);
    m->table_bcast_pj_per_byte = energy_entry_at(&t->table_bcast, node);
    m->lookup_shift_pj = energy_entry_at(&t->lookup_shift, node);
    m->acc_register_pj = energy_entry_at(&t->acc_register, node);
    m->dequant_mul_pj = energy_entry_at(&t->dequant_mul, node);
    m->vector_op_pj = energy_entry_at(&t->vector_op, node);
    m->fp32_add_pj = energy_entry_at(&t->fp32_add, node);
    m->fp32_mul_pj = energy_entry_at(&t->fp32_mul, node);
    m->array_mac_pj = m->mac_dq_pj = m->array_pe_cycle_pj = 0; /* the LUT array prices its own */
    /* the array the mma events are priced for: compute.kind's, or the
     * second array beside the LUT array (compute.attention) */
    const int mk = a->compute_kind != COMPUTE_LUT ? a->compute_kind : a->attn_kind;
    if (mk == COMPUTE_BITSERIAL) {
        const energy_entry *pe = &t->bitserial_pe[a->bs_pe];
        if (!(pe->value > 0))
            FAIL("the energy table has no entries.%s, which a bitserial array needs",
                 arch_bs_pe_keys[a->bs_pe]);
        m->array_pe_cycle_pj = energy_entry_at(pe, node);
    } else if (mk != COMPUTE_LUT) {
        const energy_entry *pe = mk == COMPUTE_SYSTOLIC ? &t->systolic_pe
                                 : a->mac_dtype == MAC_FP16          ? &t->mac_fp16
                                                                     : &t->mac_int8;
        const char *name = mk == COMPUTE_SYSTOLIC ? "systolic_pe"
                           : a->mac_dtype == MAC_FP16          ? "mac_fp16"
                                                               : "mac_int8";
        if (!(pe->value > 0))
            FAIL("the energy table has no entries.%s, which a %s array needs", name,
                 arch_kind_name(mk));
        if (mk == COMPUTE_MAC && !(t->mac_dequant.value > 0))
            FAIL("the energy table has no entries.mac_dequant, which a mac array needs");
        m->array_mac_pj = energy_entry_at(pe, node);
        m->mac_dq_pj = mk == COMPUTE_MAC ? energy_entry_at(&t->mac_dequant, node) : 0;
    }
    if (!(logic_mm2 >= 0) || !isfinite(logic_mm2))
        FAIL("the logic area for leakage must be a finite area >= 0 mm^2, got %g", logic_mm2);
    double leak_uw = kib_total * energy_entry_at(&t->leak_sram_uw_per_kib, node) +
                     logic_mm2 * energy_entry_at(&t->leak_logic_uw_per_mm2, node);
    /* 1 uW for 1 ns is 1e-15 J = 1e-3 pJ; a cycle lasts 1 / clock_ghz ns. */
    m->leakage_pj_per_cycle = leak_uw * 1e-3 / a->clock_ghz;
    return 0;
}
