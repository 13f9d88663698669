/* engines.c - the C model, the RTL, or both compared. */
#include "engines.h"

#include "rtl_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "cmodel", "rtl", "both", "systemc" };

int engine_parse(const char *s, engine_kind *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (engine_kind)i;
            return 0;
        }
    }
    return -1;
}

const char *engine_name(engine_kind e) { return names[e]; }

/* A cycle number: digits only, below 2^63; empty gives dflt. */
static int parse_cycle(const char *s, size_t len, uint64_t dflt, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0) {
        *out = dflt;
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX / 2 - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int engine_parse_vcd_window(const char *s, rtl_vcd *w, char *err, size_t errlen)
{
    const char *colon = strchr(s, ':');
    uint64_t from, to;
    if (!colon || parse_cycle(s, (size_t)(colon - s), 0, &from) != 0 ||
        parse_cycle(colon + 1, strlen(colon + 1), 0, &to) != 0 ||
        (colon[1] && to <= from)) {
        snprintf(err, errlen, "--vcd-window: expected START:END in cycles with START < END "
                 "(either may be left out), got '%s'", s);
        return -1;
    }
    w->from = from;
    w->to = to;
    return 0;
}

/* The RTL alone; its schedule replayed into the trace callback, in
 * program order, as the C model reports it.  keep: NULL, or where the
 * schedule is handed to the caller (to free). */
static int run_rtl(const arch_t *arch, const program *p, uint8_t *image, size_t image_size,
                   const sim_opts *trace, const rtl_vcd *vcd, const rtl_memory *mem,
                   sim_stats *st, rtl_sched **keep, char *err, size_t errlen)
{
    rtl_sched *s = NULL;
    if (((trace && trace->trace) || keep) && !(s = calloc(p->n ? p->n : 1, sizeof *s))) {
        snprintf(err, errlen, "out of memory for the schedule of %zu instructions", p->n);
        return -1;
    }
    int rc = rtl_run_ex(arch, p, image, image_size, mem, vcd, st, s, err, errlen);
    for (size_t i = 0; rc == 0 && s && trace && trace->trace && i < p->n; i++)
        if (s[i].ran)
            trace->trace(trace->trace_ctx, i, &p->ins[i], (isa_unit)s[i].unit, s[i].start,
                         s[i].busy_end, s[i].complete);
    if (keep && rc == 0)
        *keep = s;
    else
        free(s);
    return rc;
}

/* Each DMA transfer's busy and completion cycles as the RTL ran them. */
static sim_dma_time *replay_of(const program *p, const rtl_sched *s)
{
    sim_dma_time *r = calloc(p->n ? p->n : 1, sizeof *r);
    for (size_t i = 0; r && i < p->n; i++)
        if (s[i].ran && s[i].unit == UNIT_DMA) {
            r[i].occupancy = s[i].busy_end - s[i].start;
            r[i].latency = s[i].complete - s[i].busy_end;
        }
    return r;
}

int engine_run(engine_kind e, const arch_t *arch, const energy_model *em, const program *p,
               uint8_t *image, size_t image_size, const sim_opts *trace, const rtl_vcd *vcd,
               const rtl_memory *mem, sim_stats *st, engine_compare *cmp, char *err,
               size_t errlen)
{
    sim_opts so = { .dram = image, .dram_size = image_size,
                    .trace = trace ? trace->trace : NULL,
                    .trace_ctx = trace ? trace->trace_ctx : NULL };
    const int replay = mem && mem->kind != RTL_MEM_IDEAL;
    char e1[512];
    if (cmp) {
        cmp->cmodel_cycles = cmp->rtl_cycles = 0;
        cmp->first_diff = -1;
        cmp->replayed = 0;
    }
    if (e == ENGINE_SYSTEMC) {
        snprintf(err, errlen, "--engine systemc runs through engine_system_run (gemm, exec)");
        return -1;
    }
    if (e != ENGINE_CMODEL && !image) {
        snprintf(err, errlen, "the RTL engine runs with data only (no timing-only mode)");
        return -1;
    }
    if (e != ENGINE_CMODEL && rtl_arch_supported_mem(arch, mem, e1, sizeof e1) != 0) {
        snprintf(err, errlen, "%s", e1);
        return -1;
    }
    if (e == ENGINE_CMODEL)
        return sim_run(arch, em, p, &so, st, err, errlen);
    if (e == ENGINE_RTL) {
        if (run_rtl(arch, p, image, image_size, trace, vcd, mem, st, NULL, err, errlen) != 0)
            return -1;
        if (em)
            sim_energy(em, st);
        return 0;
    }
    /* both: each engine on its own copy of the image; the C model checks
     * the program first (both refuse the same programs, with its message) */
    uint8_t *copy = malloc(image_size ? image_size : 1);
    if (!copy) {
        snprintf(err, errlen, "out of memory for a second %zu-byte memory image", image_size);
        return -1;
    }
    memcpy(copy, image, image_size);
    sim_stats rst;
    rtl_sched *sched = NULL;
    sim_dma_time *rp = NULL;
    int rc = -1;
    if (replay) { /* the RTL first: its memory responses are the C model's */
        if (run_rtl(arch, p, copy, image_size, NULL, vcd, mem, &rst, &sched, e1,
                    sizeof e1) != 0) {
            snprintf(err, errlen, "RTL: %s", e1);
            goto out;
        }
        if (!(rp = replay_of(p, sched))) {
            snprintf(err, errlen, "out of memory for the replay of %zu instructions", p->n);
            goto out;
        }
        so.dma_replay = rp;
    }
    if (sim_run(arch, em, p, &so, st, err, errlen) != 0)
        goto out;
    if (!replay &&
        run_rtl(arch, p, copy, image_size, NULL, vcd, mem, &rst, NULL, e1, sizeof e1) != 0) {
        snprintf(err, errlen, "RTL: %s", e1);
        goto out;
    }
    if (cmp) {
        cmp->cmodel_cycles = st->cycles;
        cmp->rtl_cycles = rst.cycles;
        cmp->replayed = replay;
    }
    for (size_t i = 0; i < image_size; i++) {
        if (image[i] != copy[i]) {
            if (cmp)
                cmp->first_diff = (int64_t)i;
            snprintf(err, errlen, "engines disagree: DRAM byte 0x%zx is 0x%02x on the C model, 0x%02x on the RTL",
                     i, image[i], copy[i]);
            goto out;
        }
    }
    /* (streamed programs, issue.ibuf_entries > 0: the replay carries the
     * DMA's responses, not the instruction fetches', so the cycles are
     * reported, not judged: sim/rtl/rtl_compare.h) */
    if (replay && arch->ibuf_entries == 0) {
        double d = st->cycles ? ((double)rst.cycles - (double)st->cycles) / (double)st->cycles
                              : 0.0;
        if (d > ENGINE_REPLAY_TOLERANCE || d < -ENGINE_REPLAY_TOLERANCE) {
            snprintf(err, errlen, "engines disagree: RTL %llu cycles, C model given the RTL's "
                     "memory responses %llu (%+.3f%%, more than %.0f%%)",
                     (unsigned long long)rst.cycles, (unsigned long long)st->cycles, 100 * d,
                     100 * ENGINE_REPLAY_TOLERANCE);
            goto out;
        }
    }
    rc = 0;
out:
    free(rp);
    free(sched);
    free(copy);
    return rc;
}
