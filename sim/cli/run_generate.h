/* run_generate.h - a whole request (`lutsim run --phase generate`): the
 * prefill of P prompt tokens, then T decode steps.
 *
 * Decode step j (j = 0..T-1) runs with the KV cache holding P + j tokens
 * and attends to C_j = P + j + 1 keys (model.h: the new token included), so
 * the cached context grows from P to P + T - 1.  Steps run through
 * run_phase_time with one lower_cache for the request, so the shapes that
 * do not change with the context (every linear layer, norm and element-wise
 * op) are timed once and only attention is re-timed.
 *
 * Which steps are simulated: with every_step (and always for zipf routing,
 * whose step j draws its experts with moe_route_seed + j) all T.  Otherwise
 * the first and the last, and then by bisection: where the two ends of a
 * span of steps cost exactly the same (cycles, DRAM bytes and energy), the
 * steps inside take that cost; else the middle step is simulated and both
 * halves are treated alike.  This is exact when a step's cost is a
 * nondecreasing step function of the context -- attention streams whole key
 * blocks, so it is one, and nothing else in a step depends on the context
 * -- and tests/test_generate.cpp checks it against every step.
 *
 * Figures (batch B sequences, clock f):
 *   time to first token  TTFT = prefill cycles / f (the prefill's LM head
 *                         yields the token the first decode step reads);
 *   time per output token mean = sum of decode cycles / (T f), last = the
 *                         step at C = P + T;
 *   end-to-end           TTFT + sum of decode steps;
 *   tokens per second    B T / end-to-end;
 *   energy per token     (prefill + decode energy) / (B T);
 *   KV cache peak        model_kv_cache_bytes at context P + T, against
 *                         dram.capacity_gib together with the weights
 *                         (model_weight_bytes): a request that does not fit
 *                         is refused before any simulation. */
#ifndef RUN_GENERATE_H
#define RUN_GENERATE_H

#include "lower.h"
#include "report_run.h"
#include "run_inputs.h"

typedef struct {
    int prompt, new_tokens, batch;
    run_phase prefill;              /* its ops in the array given to run_generate */
    uint64_t prefill_cycles, decode_cycles, last_cycles, first_cycles;
    double prefill_energy_pj, decode_energy_pj;
    uint64_t decode_dram_bytes;
    uint64_t kv_peak_bytes, weight_bytes;
    double capacity_bytes;
    double host_seconds;
    int steps_simulated, every_step;
    double ttft_s, tpot_mean_s, tpot_last_s, e2e_s, tokens_per_s, energy_per_token_pj;
} gen_result;

/* Checks that the request fits DRAM (weights + peak KV cache): 0 or -1
 * with "MODEL: generate --prompt P --new T --batch B: ..." */
int run_generate_check(const arch_t *a, const model_cfg *m, const char *label,
                       const quant_preset *q, int prompt, int new_tokens, int batch,
                       gen_result *g, char *err, size_t errlen);

/* Simulates the request (MoE routing as m says: model_cfg.moe_routing);
 * prefill_ops holds MODEL_MAX_OPS results.  0 or -1 with a message. */
int run_generate(const arch_t *a, const energy_model *em, const model_cfg *m, const char *label,
                 const quant_preset *q, int objective, int prompt,
                 int new_tokens, int batch, int every_step, op_result *prefill_ops,
                 gen_result *g, char *err, size_t errlen);

void gen_print(FILE *f, const arch_t *a, const model_cfg *m, const quant_preset *q,
               const gen_result *g);
json_t *gen_to_json(const gen_result *g);



/* `lutsim run --phase generate`: loads the inputs (in), simulates, prints and
 * writes json (staged: nothing is left behind on an error).  others: an
 * option generate does not take was given (--csv, --trace, --plot,
 * --functional, --seq, --context).  Returns the exit status. */
int run_generate_cmd(const run_inputs *in, const char *json, int objective, int prompt,
                     int new_tokens, int batch, int every_step, int others);
#endif
