/* energy.h - per-event energies for the C model (no I/O).
 *
 * The figures are data (workloads/energy/default.json, embedded in the
 * binary; parsed by the front end into an energy_table).  Each figure keeps
 * the technology node it was published for; energy_model_build scales every
 * figure to the table's target node and derives each buffer's per-byte
 * energy from the SRAM points by log-log interpolation on capacity.
 *
 * Node scaling rule (a first-order approximation, stated in the data file
 * and README): energy scales linearly with feature size,
 *     E_target = E * target_nm / node_nm,
 * for every figure marked scales_with_node (not DRAM: its energy is set by
 * the DRAM device and interface, not by the accelerator's logic node).
 */
#ifndef ENERGY_H
#define ENERGY_H

#include "arch.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ENERGY_MAX_SRAM_POINTS 8

/* One published (or assumed) figure, in the canonical unit of its use. */
typedef struct {
    double value;
    int node_nm;          /* node the figure is for */
    int scales_with_node; /* 0: used as is at any node */
} energy_entry;

/* The raw table, units normalized by the parser:
 * pJ per byte for data movement, pJ per event for operations, uW per KiB
 * (SRAM) or per mm^2 (logic) for leakage power. */
typedef struct {
    int target_node_nm;
    energy_entry dram_byte;                        /* pJ per byte */
    int sram_points;                               /* 1..ENERGY_MAX_SRAM_POINTS */
    double sram_kib[ENERGY_MAX_SRAM_POINTS];       /* capacity, strictly ascending */
    energy_entry sram_read[ENERGY_MAX_SRAM_POINTS];/* pJ per byte read */
    double sram_write_ratio;                       /* write / read energy, same width */
    energy_entry precompute_add;                   /* pJ per table-precompute add */
    energy_entry table_read;                       /* pJ per table look-up */
    energy_entry accum_add;                        /* pJ per accumulate add */
    energy_entry table_bcast;                      /* pJ per byte of tables broadcast to the cores */
    energy_entry lookup_shift;                     /* pJ per look-up: the bit-plane shift */
    energy_entry acc_register;                     /* pJ per look-up: clocking the accumulator register */
    energy_entry dequant_mul;                      /* pJ per zero-point/dequant multiply */
    energy_entry vector_op;                        /* pJ per vector element op */
    energy_entry fp32_add, fp32_mul;               /* pJ per binary32 add / multiply of the
                                                      float-activation datapath (the
                                                      multiply also prices its divisions) */
    energy_entry leak_sram_uw_per_kib;             /* uW per KiB of on-chip buffer */
    energy_entry leak_logic_uw_per_mm2;            /* uW per mm^2 of logic (area model's logic parts) */
    /* Optional (value 0: absent): pJ per MAC of the mma arrays and per
     * weight of the mac array's dequant stage. */
    energy_entry mac_int8, mac_fp16, systolic_pe, mac_dequant;
    energy_entry bitserial_pe[BS_PE_COUNT]; /* pJ per PE per cycle, by bitserial.pe */
} energy_table;

typedef struct {
    double dram_pj_per_byte;
    /* A DRAM device model prices DRAM from its preset instead: */
    int dram_device;
    double dram_rd_pj_per_byte, dram_wr_pj_per_byte, dram_act_pj;
    double dram_ref_pj_per_cycle; /* refresh of every channel, per accelerator cycle */
    double buf_read_pj_per_byte[BUF_COUNT];
    double buf_write_pj_per_byte[BUF_COUNT];
    double precompute_add_pj;
    double table_read_pj;
    double accum_add_pj;
    double table_bcast_pj_per_byte;
    double lookup_shift_pj, acc_register_pj;
    /* the weight-index register file (lut.index_kib), priced as an SRAM
     * of its capacity; 0 without one */
    double index_reg_read_pj_per_byte, index_reg_write_pj_per_byte;
    double dequant_mul_pj;
    double vector_op_pj;
    double fp32_add_pj, fp32_mul_pj; /* float activations (sim_events' *_f* counts) */
    double array_mac_pj;   /* per MAC of the systolic or mac array (compute.kind; bitserial prices PE-cycles) */
    double mac_dq_pj;      /* per weight through the mac array's dequant stage */
    double array_pe_cycle_pj; /* per PE per cycle of the bitserial array */
    double leakage_pj_per_cycle;
    int node_nm;
} energy_model;

/* E * to_nm / from_nm. */
double energy_scale(double e, int from_nm, int to_nm);
/* An entry at node to_nm (scaled when it scales_with_node). */
double energy_entry_at(const energy_entry *e, int to_nm);
/* SRAM read energy, pJ per byte, at the target node, for a capacity in KiB
 * (energy_model_build takes one bank's: kib / banks, for banked buffers;
 * the whole buffer's with buffers.ideal, a buffer as one bank):
 * piecewise linear in (log capacity, log energy) through the points, the
 * end segments extended beyond them (a single point: constant). */
double energy_sram_read_pj_per_byte(const energy_table *t, double kib);
/* Table sanity (positive values, ascending points); 0 or -1 with a message. */
int energy_table_check(const energy_table *t, char *err, size_t errlen);
/* Fills m for arch a.  Fails (-1, message) if the table's target node is not
 * a->tech_nm: the architecture and the energy figures must agree on the node.
 * DRAM: the table's figure for dram.model "ideal", else the device preset's
 * read and write energy per bit and activation energy per row, and its
 * refresh energy as a power over the whole run (a DRAM refreshes every
 * tREFI whether or not it is busy: channels x ref_pj per tREFI).
 * A systolic, mac or bitserial compute.kind needs its entries (systolic_pe; bitserial_pe*; mac_int8
 * or mac_fp16 and mac_dequant): absent ones are an error naming them.
 * Leakage per cycle = (buffer KiB x leak_sram + logic_mm2 x leak_logic) uW
 * / clock, logic_mm2 being the architecture's logic area (area_logic_mm2 of
 * its area report: every unit and array of whatever compute.kind, so each
 * kind leaks by the silicon it has).  The front end's energy_model_for_arch
 * (sim/cli/engine_setup.h) prices it with the embedded area tables. */
int energy_model_build(const energy_table *t, const arch_t *a, double logic_mm2,
                       energy_model *m, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
