/* engine_system.c - `--engine systemc`: options, run, report. */
#include "engine_system.h"

#include "commands.h"
#include "report_stats.h"

#include <stdlib.h>
#include <string.h>

void engine_system_defaults(sc_system_cfg *c)
{
    c->accelerators = 0; /* 0: not given (1) */
    c->dram_private = -1;
    c->core = (sc_core_kind)-1;
}

int engine_system_given(const sc_system_cfg *c)
{
    return c->accelerators != 0 || c->dram_private != -1 || (int)c->core != -1;
}

int engine_system_option(int ch, const char *arg, sc_system_cfg *c)
{
    switch (ch) {
    case ENGSYS_OPT_ACCEL:
        return cli_parse_int("--accelerators", arg, 1, SC_MAX_ACCELERATORS, &c->accelerators)
                   ? -1 : 0;
    case ENGSYS_OPT_DRAM:
        if (strcmp(arg, "shared") && strcmp(arg, "private")) {
            cli_error("--dram: expected shared or private, got '%s'", arg);
            return -1;
        }
        c->dram_private = strcmp(arg, "private") == 0;
        return 0;
    case ENGSYS_OPT_CORE:
        if (strcmp(arg, "cmodel") && strcmp(arg, "rtl")) {
            cli_error("--core: expected cmodel or rtl, got '%s'", arg);
            return -1;
        }
        c->core = strcmp(arg, "rtl") == 0 ? SC_CORE_RTL : SC_CORE_CMODEL;
        return 0;
    default:
        return 1;
    }
}

sc_system_cfg engine_system_resolved(const sc_system_cfg *c)
{
    sc_system_cfg k = *c;
    if (k.accelerators == 0)
        k.accelerators = 1;
    if (k.dram_private < 0)
        k.dram_private = 0;
    if ((int)k.core < 0)
        k.core = SC_CORE_CMODEL;
    return k;
}

void engine_system_arb_text(char *buf, size_t n, int measured, uint64_t cycles)
{
    if (measured)
        snprintf(buf, n, "%llu cycles", (unsigned long long)cycles);
    else
        snprintf(buf, n, "not measured (device)");
}

int engine_system_run(const sc_system_cfg *c, const arch_t *arch, const energy_model *em,
                      const program *p, uint8_t *image, size_t image_size, sim_stats *st,
                      sc_system_result **res, char *err, size_t errlen)
{
    sc_system_cfg k = engine_system_resolved(c);
    *res = malloc(sizeof **res);
    if (!*res) {
        snprintf(err, errlen, "out of memory for the system's statistics");
        return -1;
    }
    if (sc_system_run(&k, arch, em, p, image, image_size, *res, err, errlen) != 0)
        return -1;
    *st = (*res)->acc[0];
    return 0;
}

static int count_of(const sc_system_cfg *c) { return c->accelerators ? c->accelerators : 1; }

void engine_system_print(FILE *f, const arch_t *arch, const sc_system_cfg *c,
                         const sc_system_result *r)
{
    const int n = count_of(c);
    fprintf(f, "  system: %d accelerator(s), %llu memor%s (%s, dram.model %s); host load %llu "
               "cycles, run %llu cycles, read-back %llu cycles\n",
            n, (unsigned long long)r->memories, r->memories == 1 ? "y" : "ies",
            c->dram_private > 0 ? "private" : "shared", arch->dram_model,
            (unsigned long long)r->load_cycles, (unsigned long long)r->run_cycles,
            (unsigned long long)r->readback_cycles);
    fprintf(f, "  system DRAM: %llu bytes moved, utilisation %.1f%% of the memories' peak over "
               "the run\n",
            (unsigned long long)r->dram_bytes, 100.0 * r->dram_utilisation);
    for (int i = 0; i < n; i++) {
        char arb[40];
        engine_system_arb_text(arb, sizeof arb, r->arb_measured, r->arb_stall[i]);
        fprintf(f, "  accelerator %d: %llu cycles, DRAM stall %llu cycles, arbitration stall %s, "
                   "image %016llx\n",
                i, (unsigned long long)r->acc[i].cycles,
                (unsigned long long)r->acc[i].unit[UNIT_DMA].stall_dram, arb,
                (unsigned long long)r->digest[i]);
    }
}

void engine_system_json(json_t *js, const arch_t *arch, const energy_model *em,
                        const sc_system_cfg *c, const sc_system_result *r)
{
    const int n = count_of(c);
    json_t *sys = json_object(), *accs = json_array();
    char hex[20];
    uint64_t arb = 0;
    for (int i = 0; i < n; i++) {
        json_t *a = stats_to_json(arch, em, &r->acc[i], "systemc", 1);
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)r->digest[i]);
        json_object_set_new(a, "image_digest", json_string(hex));
        json_object_set_new(a, "arbitration_stall_cycles",
                            r->arb_measured ? json_integer((json_int_t)r->arb_stall[i]) : json_null());
        json_object_set_new(a, "start_cycle", json_integer((json_int_t)r->start_cycle[i]));
        json_object_set_new(a, "end_cycle", json_integer((json_int_t)r->end_cycle[i]));
        json_array_append_new(accs, a);
        arb += r->arb_stall[i];
    }
    json_object_set_new(sys, "accelerators", json_integer(n));
    json_object_set_new(sys, "dram", json_string(c->dram_private > 0 ? "private" : "shared"));
    json_object_set_new(sys, "memories", json_integer((json_int_t)r->memories));
    json_object_set_new(sys, "host_load_cycles", json_integer((json_int_t)r->load_cycles));
    json_object_set_new(sys, "run_cycles", json_integer((json_int_t)r->run_cycles));
    json_object_set_new(sys, "readback_cycles", json_integer((json_int_t)r->readback_cycles));
    json_object_set_new(sys, "dram_bytes", json_integer((json_int_t)r->dram_bytes));
    json_object_set_new(sys, "dram_busy_cycles", json_integer((json_int_t)r->dram_busy_cycles));
    json_object_set_new(sys, "dram_utilisation", json_real(r->dram_utilisation));
    /* null on a device: its controller's queues interleave the requests */
    json_object_set_new(sys, "arbitration_stall_cycles",
                        r->arb_measured ? json_integer((json_int_t)arb) : json_null());
    json_object_set_new(sys, "late_requests", json_integer((json_int_t)r->late_requests));
    json_object_set_new(js, "system", sys);
    json_object_set_new(js, "accelerators", accs);
}
