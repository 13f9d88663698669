/* report_stats.c - statistics JSON and the one-screen summary. */
#include "report_stats.h"

#include "units.h"

#include <stdio.h>

static json_t *u64(uint64_t v) { return json_integer((json_int_t)v); }

json_t *stats_to_json(const arch_t *arch, const energy_model *em, const sim_stats *st,
                      const char *engine, int functional)
{
    json_t *o = json_object();
    json_object_set_new(o, "engine", json_string(engine));
    json_object_set_new(o, "mode", json_string(functional ? "functional" : "timing"));
    json_object_set_new(o, "arch", json_string(arch->name));
    json_object_set_new(o, "clock_ghz", json_real(arch->clock_ghz));
    json_object_set_new(o, "cycles", u64(st->cycles));
    stats_compute_json(o, arch, st);
    json_object_set_new(o, "seconds", json_real((double)st->cycles / (arch->clock_ghz * 1e9)));
    json_object_set_new(o, "instructions", u64(st->instructions));
    json_object_set_new(o, "macs", u64(st->ev.macs));
    json_object_set_new(o, "dram_bytes", u64(st->ev.dram_read_bytes + st->ev.dram_write_bytes));
    json_object_set_new(o, "dram_read_bytes", u64(st->ev.dram_read_bytes));
    json_object_set_new(o, "dram_write_bytes", u64(st->ev.dram_write_bytes));
    json_object_set_new(o, "ifetch_bytes", u64(st->ev.ifetch_bytes));
    /* DRAM device model figures ("ideal": efficiency null, counters 0) */
    json_object_set_new(o, "dram_model", json_string(arch->dram_model));
    json_object_set_new(o, "dram_peak_gbps", json_real(arch->dram_gbps));
    double eff = sim_dram_efficiency(arch, st);
    json_object_set_new(o, "dram_efficiency", eff < 0 ? json_null() : json_real(eff));
    json_object_set_new(o, "dram_busy_cycles", u64(st->ev.dram_busy_cycles));
    json_object_set_new(o, "dram_row_hits", u64(st->ev.dram_row_hits));
    json_object_set_new(o, "dram_row_misses", u64(st->ev.dram_row_misses));
    json_object_set_new(o, "dram_row_conflicts", u64(st->ev.dram_row_conflicts));
    json_object_set_new(o, "dram_refreshes", u64(st->ev.dram_refreshes));
    json_object_set_new(o, "dram_refresh_cycles", u64(st->ev.dram_refresh_cycles));
    json_object_set_new(o, "dram_refresh_share", json_real(sim_dram_refresh_share(arch, st)));
    json_object_set_new(o, "energy_pj", json_real(st->energy_pj));
    json_object_set_new(o, "energy_node_nm", json_integer(em ? em->node_nm : 0));
    json_t *eb = json_object();
    for (int i = 0; i < EN_COUNT; i++)
        json_object_set_new(eb, sim_energy_names[i], json_real(st->energy_pj_part[i]));
    json_object_set_new(o, "energy_breakdown_pj", eb);
    json_object_set_new(o, "array_energy_pj", json_real(sim_array_energy_pj(st)));

    json_t *units = json_object();
    uint64_t dep = 0, dram = 0, outst = 0, bank = 0, port = 0, ifetch = 0;
    for (int u = 0; u < UNIT_COUNT; u++) {
        const sim_unit_stats *s = &st->unit[u];
        json_t *uo = json_object();
        json_object_set_new(uo, "instructions", u64(s->instructions));
        json_object_set_new(uo, "busy_cycles", u64(s->busy_cycles));
        json_object_set_new(uo, "utilization",
                            json_real(st->cycles ? (double)s->busy_cycles / (double)st->cycles : 0.0));
        json_object_set_new(uo, "stall_dependency_cycles", u64(s->stall_dependency));
        json_object_set_new(uo, "stall_dram_cycles", u64(s->stall_dram));
        json_t *why = json_object(); /* stall cycles by reason */
        json_object_set_new(why, "dependency", u64(s->stall_dependency));
        json_object_set_new(why, "dram_bandwidth", u64(s->stall_dram));
        json_object_set_new(why, "dram_latency", u64(s->stall_outstanding));
        json_object_set_new(why, "bank_conflict", u64(s->stall_bank_conflict));
        json_object_set_new(why, "port_limit", u64(s->stall_port_limit));
        json_object_set_new(why, "instruction_fetch", u64(s->stall_ifetch));
        json_object_set_new(uo, "stall_cycles", why);
        json_object_set_new(units, isa_unit_names[u], uo);
        dep += s->stall_dependency;
        dram += s->stall_dram;
        outst += s->stall_outstanding;
        bank += s->stall_bank_conflict;
        port += s->stall_port_limit;
        ifetch += s->stall_ifetch;
    }
    json_object_set_new(o, "units", units);
    json_t *stalls = json_object();
    json_object_set_new(stalls, "dependency", u64(dep));
    json_object_set_new(stalls, "dram_bandwidth", u64(dram));
    json_object_set_new(stalls, "queue_full", u64(st->stall_queue_full));
    json_object_set_new(stalls, "dram_latency", u64(outst));
    json_object_set_new(stalls, "bank_conflict", u64(bank));
    json_object_set_new(stalls, "port_limit", u64(port));
    json_object_set_new(stalls, "instruction_fetch", u64(ifetch));
    json_object_set_new(o, "stalls", stalls);

    const sim_events *ev = &st->ev;
    json_t *e = json_object();
    json_object_set_new(e, "precompute_adds", u64(ev->precompute_adds));
    json_object_set_new(e, "table_reads", u64(ev->table_reads));
    json_object_set_new(e, "table_bcast_bytes", u64(ev->table_bcast_bytes));
    json_object_set_new(e, "index_reg_write_bytes", u64(ev->index_reg_write_bytes));
    json_object_set_new(e, "index_reg_read_bytes", u64(ev->index_reg_read_bytes));
    json_object_set_new(e, "accumulate_adds", u64(ev->accum_adds));
    json_object_set_new(e, "precompute_float_adds", u64(ev->precompute_fadds));
    json_object_set_new(e, "precompute_float_divs", u64(ev->precompute_fdivs));
    json_object_set_new(e, "accumulate_float_adds", u64(ev->accum_fadds));
    json_object_set_new(e, "lookup_float_muls", u64(ev->lookup_fmuls));
    json_object_set_new(e, "zero_point_macs", u64(ev->zp_macs));
    json_object_set_new(e, "dequant_muls", u64(ev->dequant_muls));
    json_object_set_new(e, "vector_ops", u64(ev->vector_ops));
    for (int b = 0; b < BUF_COUNT; b++) {
        char k[64];
        snprintf(k, sizeof k, "buffer_%s_read_bytes", arch_buf_name((buf_id)b));
        json_object_set_new(e, k, u64(ev->buf_read_bytes[b]));
        snprintf(k, sizeof k, "buffer_%s_write_bytes", arch_buf_name((buf_id)b));
        json_object_set_new(e, k, u64(ev->buf_write_bytes[b]));
    }
    json_object_set_new(o, "events", e);
    return o;
}

void stats_compute_json(json_t *o, const arch_t *arch, const sim_stats *st)
{
    const uint64_t busy = st->unit[UNIT_LUT].busy_cycles;
    json_object_set_new(o, "compute_kind", json_string(arch_kind_name(arch->compute_kind)));
    json_object_set_new(o, "compute_cycles", u64(busy));
    if (arch->compute_kind == COMPUTE_SYSTOLIC) {
        /* SCALE-Sim reports the index, from 0, of the cycle that serves the
         * last output: one less than the cycles the array is busy */
        json_object_set_new(o, "compute_cycles_scalesim", u64(busy ? busy - 1 : 0));
        json_object_set_new(o, "systolic", json_pack("{s:i, s:i, s:s}", "rows", arch->sys_rows,
                                                     "cols", arch->sys_cols, "dataflow",
                                                     arch_dataflow_name(arch->sys_dataflow)));
    }
}

static void print_compute(FILE *f, const arch_t *arch, const sim_stats *st)
{
    const uint64_t busy = st->unit[UNIT_LUT].busy_cycles;
    char b[UNITS_LEN];
    fprintf(f, "  compute (%s", arch_kind_name(arch->compute_kind));
    if (arch->compute_kind == COMPUTE_SYSTOLIC)
        fprintf(f, " %dx%d %s", arch->sys_rows, arch->sys_cols,
                arch_dataflow_name(arch->sys_dataflow));
    else if (arch->compute_kind == COMPUTE_MAC)
        fprintf(f, " %dx%dx%d %s", arch->mac_m, arch->mac_n, arch->mac_k,
                arch->mac_dtype == MAC_FP16 ? "fp16" : "int8");
    else if (arch->compute_kind == COMPUTE_BITSERIAL)
        fprintf(f, " %dx%d PEs, dp %d, %d weight bits/cycle", arch->bs_rows, arch->bs_cols,
                arch->bs_dp, arch->bs_bits_per_cycle);
    fprintf(f, "): array busy %s", units_si(b, UNITS_LEN, (double)busy, " cycles"));
    if (arch->compute_kind == COMPUTE_SYSTOLIC)
        fprintf(f, " (%llu cycles in SCALE-Sim's convention: last cycle's index from 0)",
                (unsigned long long)(busy ? busy - 1 : 0));
    fputc('\n', f);
}

void stats_print(FILE *f, const arch_t *arch, const sim_stats *st, const char *engine)
{
    double secs = (double)st->cycles / (arch->clock_ghz * 1e9);
    double macs = (double)st->ev.macs, pj = st->energy_pj;
    char b[6][UNITS_LEN];
    fprintf(f, "  %s (%s, %.2f GHz): %s = %s, %s\n", engine, arch->name, arch->clock_ghz,
            units_si(b[0], UNITS_LEN, (double)st->cycles, " cycles"),
            units_si(b[1], UNITS_LEN, secs, "s"),
            units_si(b[2], UNITS_LEN, (double)st->instructions, " instructions"));
    /* energy per MAC only where there are MACs (a load-only program has none) */
    char per_mac[UNITS_LEN + 8] = "";
    if (macs > 0)
        snprintf(per_mac, sizeof per_mac, " (%s/MAC)", units_si(b[4], UNITS_LEN, pj * 1e-12 / macs, "J"));
    fprintf(f, "  %s -> %s achieved; DRAM %s; energy %s%s\n",
            units_si(b[0], UNITS_LEN, macs, " MAC"),
            units_si(b[1], UNITS_LEN, secs > 0 ? 2.0 * macs / secs : 0.0, "OPS"),
            units_si(b[2], UNITS_LEN, (double)(st->ev.dram_read_bytes + st->ev.dram_write_bytes), "B"),
            units_si(b[3], UNITS_LEN, pj * 1e-12, "J"), per_mac);
    double eff = sim_dram_efficiency(arch, st);
    if (eff >= 0)
        fprintf(f, "  DRAM %s: %.1f%% of %.1f GB/s over %s, refresh %.1f%%, "
                "rows %llu hits / %llu misses / %llu conflicts\n", arch->dram_model, 100 * eff,
                arch->dram_gbps, units_si(b[5], UNITS_LEN, (double)st->ev.dram_busy_cycles, " busy cycles"),
                100 * sim_dram_refresh_share(arch, st), (unsigned long long)st->ev.dram_row_hits,
                (unsigned long long)st->ev.dram_row_misses,
                (unsigned long long)st->ev.dram_row_conflicts);
    print_compute(f, arch, st);
    fprintf(f, "  unit busy:");
    for (int u = 1; u < UNIT_COUNT; u++)
        fprintf(f, " %s %.1f%%", isa_unit_names[u],
                st->cycles ? 100.0 * (double)st->unit[u].busy_cycles / (double)st->cycles : 0.0);
    fputc('\n', f);
}
