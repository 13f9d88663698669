/* bench_model.c - whole-model timing-only speed of `lutsim run`.
 *
 * Design points: Llama-2-70B W2A8 prefill (batch 1, S = 2048) and one
 * decode step (batch 1, C = 4096), on the ideal memory and on DRAM device
 * presets (the default architecture's other figures), and the default as
 * shipped (its LPDDR5 device, 5 channels).  Goal: under 50 ms
 * for prefill and decode together, so that a 1000-point sweep takes
 * minutes.  Baseline, measured in the same run: a full (not fast-forwarded)
 * simulation of just one of the model's GEMMs, the 2048 x 8192 x 8192
 * q_proj of prefill; on the ideal memory its cycle count must be within 1%
 * of the fast-forwarded one (exit status 1 otherwise).  On a device model
 * the fast-forward's difference is printed: refresh phase and open rows
 * differ between the short sample programs and the full one.
 * Host time is this process's CPU time (a shared machine's load would
 * count in wall time).
 */
#include "engine_setup.h"
#include "energy_json.h"
#include "gemm.h"
#include "lower.h"
#include "mapper.h"
#include "model_json.h"

#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double best_of(int reps, const arch_t *a, const energy_model *em, const model_cfg *m,
                      const quant_preset *q, const model_phase *ph, uint64_t *cycles)
{
    static op_result ops[MODEL_MAX_OPS];
    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        lower_info info;
        char err[512];
        double t0 = now();
        int n = lower_model(a, em, m, q, ph, ops, MODEL_MAX_OPS, &info, err, sizeof err);
        double dt = now() - t0;
        if (n < 0) {
            fprintf(stderr, "bench_model: %s\n", err);
            return -1;
        }
        *cycles = 0;
        for (int i = 0; i < n; i++)
            *cycles += ops[i].st.cycles;
        if (dt < best)
            best = dt;
    }
    return best;
}

/* The design point on one memory; returns its host time (s) or -1. */
static double design_point(const arch_t *a, const energy_model *em, const model_cfg *m,
                           const quant_preset *q, const char *label)
{
    model_phase pre = { MODEL_PREFILL, 1, 2048, 0 }, dec = { MODEL_DECODE, 1, 0, 4096 };
    uint64_t cp, cd;
    double tp = best_of(5, a, em, m, q, &pre, &cp);
    double td = best_of(5, a, em, m, q, &dec, &cd);
    if (tp < 0 || td < 0)
        return -1;
    printf("  %s:\n", label);
    printf("    Llama-2-70B W2A8 prefill S=2048:  %8.1f ms host for %.3f s simulated (%llu cycles)\n",
           tp * 1e3, (double)cp / (a->clock_ghz * 1e9), (unsigned long long)cp);
    printf("    Llama-2-70B W2A8 decode C=4096:   %8.1f ms host for %.3f ms simulated (%llu cycles)\n",
           td * 1e3, (double)cd / (a->clock_ghz * 1e6), (unsigned long long)cd);
    printf("    goal < 50 ms for the design point (prefill + decode): %.1f ms, %s; a 1000-point "
           "sweep: %.0f s\n", (tp + td) * 1e3, tp + td < 0.05 ? "met" : "NOT met", 1000 * (tp + td));
    return tp;
}

/* One q_proj GEMM fast-forwarded (the mapper's schedule) and in full; the
 * difference in percent of the full cycles, or a value > 100 on error. */
static double qproj_check(const arch_t *a, const energy_model *em, const quant_preset *q,
                          double tp)
{
    char err[512];
    gemm_shape s = { .wtype = q->w, .group_size = q->group_size, .m = 2048, .n = 8192, .kd = 8192 };
    gemm_shape best;
    sim_stats ff, full;
    int sampled, cands;
    if (mapper_search(a, em, &s, MAP_EDP, &best, &ff, &sampled, &cands, err, sizeof err) != 0) {
        fprintf(stderr, "bench_model: %s\n", err);
        return 1e9;
    }
    program p;
    gemm_layout lay;
    double t0 = now();
    if (gemm_lower(a, &best, &p, &lay, err, sizeof err) != 0 ||
        sim_run(a, em, &p, NULL, &full, err, sizeof err) != 0) {
        fprintf(stderr, "bench_model: %s\n", err);
        return 1e9;
    }
    double tfull = now() - t0;
    double diff = 100.0 * ((double)ff.cycles - (double)full.cycles) / (double)full.cycles;
    printf("    baseline: full simulation of one q_proj GEMM 2048x8192x8192 (%zu instructions): "
           "%.1f ms host\n", p.n, tfull * 1e3);
    printf("    whole 70B prefill is %.1fx faster than fully simulating one of its 560 GEMMs;\n"
           "    fast-forwarded q_proj (the mapper's schedule): %llu cycles vs full %llu (%+.4f%%)\n",
           tfull / tp, (unsigned long long)ff.cycles, (unsigned long long)full.cycles, diff);
    program_free(&p);
    return diff;
}

/* a on dram.model `model` with the embedded energy table built for it. */
static int on_memory(arch_t *a, energy_model *em, const char *model)
{
    char err[512];
    energy_table t;
    if (arch_set_dram_model(a, model, 0, err, sizeof err) != 0 ||
        energy_table_default(&t, err, sizeof err) != 0 ||
        energy_model_for_arch(&t, a, em, err, sizeof err) != 0) {
        fprintf(stderr, "bench_model: %s: %s\n", model, err);
        return -1;
    }
    return 0;
}

int main(void)
{
    arch_t base, a;
    energy_model em;
    model_cfg m;
    quant_preset q;
    char err[512];
    if (engine_setup(NULL, NULL, &base, &em, err, sizeof err) ||
        model_from_hf_config("llama-2-70b", &m, err, sizeof err) ||
        quant_from_name_or_file("W2A8", &q, err, sizeof err)) {
        fprintf(stderr, "bench_model: %s\n", err);
        return 1;
    }
    printf("bench_model: timing-only whole-model runs, host CPU time, best of 5\n");
    /* First the ideal architecture (workloads/arch/ideal.json: ideal DRAM
     * and SRAM, no DMA or fetch limits), the design point the 50 ms goal
     * was set on; then the realistic default on three memories. */
    a = base;
    arch_ideal(&a);
    if (on_memory(&a, &em, "ideal") != 0 ||
        design_point(&a, &em, &m, &q, "architecture ideal.json (ideal DRAM and SRAM)") < 0)
        return 1;
    /* the architecture as shipped (LPDDR5-6400, 5 channels, 64 GB/s) */
    a = base;
    {
        energy_table t;
        char label[128];
        snprintf(label, sizeof label, "default architecture as shipped (%s x %d, %.1f GB/s)",
                 base.dram_model, base.dram_channels, base.dram_gbps);
        if (energy_table_default(&t, err, sizeof err) != 0 ||
            energy_model_for_arch(&t, &a, &em, err, sizeof err) != 0) {
            fprintf(stderr, "bench_model: %s\n", err);
            return 1;
        }
        if (design_point(&a, &em, &m, &q, label) < 0)
            return 1;
    }
    const char *memories[] = { "ideal", "ddr4-3200", "hbm2" };
    int rc = 0;
    for (size_t i = 0; i < sizeof memories / sizeof memories[0]; i++) {
        a = base;
        if (on_memory(&a, &em, memories[i]) != 0)
            return 1;
        char label[96];
        snprintf(label, sizeof label, "default architecture, dram.model %s (%.1f GB/s)", memories[i], a.dram_gbps);
        double tp = design_point(&a, &em, &m, &q, label);
        if (tp < 0)
            return 1;
        double diff = qproj_check(&a, &em, &q, tp);
        if (diff > 100 || (i == 0 && !(diff < 1.0 && diff > -1.0)))
            rc = 1;
    }
    return rc;
}
