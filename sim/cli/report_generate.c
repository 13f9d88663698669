/* report_generate.c - the summary of a whole request (run_generate.h). */
#include "run_generate.h"

#include "units.h"

#define SI(buf, v, unit) units_si((buf), sizeof(buf), (double)(v), (unit))

void gen_print(FILE *f, const arch_t *a, const model_cfg *m, const quant_preset *q,
               const gen_result *g)
{
    char b[8][UNITS_LEN];
    fprintf(f, "\n%s %s, generate: batch %d, prompt %d, %d new tokens (decode contexts %d..%d "
               "keys, %d steps simulated%s), on '%s' (%.2f GHz)\n", m->name, q->name, g->batch,
            g->prompt, g->new_tokens, g->prompt + 1, g->prompt + g->new_tokens,
            g->steps_simulated, g->every_step ? ": every step" : ", the rest by bisection",
            a->name, a->clock_ghz);
    fprintf(f, "  time to first token   %s (prefill: %s)\n", SI(b[0], g->ttft_s, "s"),
            SI(b[1], g->prefill_cycles, " cycles"));
    fprintf(f, "  time per output token %s mean, %s first, %s last\n",
            SI(b[0], g->tpot_mean_s, "s"),
            SI(b[1], (double)g->first_cycles / (a->clock_ghz * 1e9), "s"),
            SI(b[2], g->tpot_last_s, "s"));
    fprintf(f, "  end-to-end            %s, %s (%d x %d tokens)\n", SI(b[0], g->e2e_s, "s"),
            SI(b[1], g->tokens_per_s, " tokens/s"), g->batch, g->new_tokens);
    fprintf(f, "  energy                %s per generated token (prefill %s, decode %s)\n",
            SI(b[0], g->energy_per_token_pj * 1e-12, "J"),
            SI(b[1], g->prefill_energy_pj * 1e-12, "J"), SI(b[2], g->decode_energy_pj * 1e-12, "J"));
    fprintf(f, "  DRAM                  decode steps moved %s; KV cache peak %s + weights %s "
               "of %s (dram.capacity_gib %g)\n", SI(b[0], g->decode_dram_bytes, "B"),
            SI(b[1], g->kv_peak_bytes, "B"), SI(b[2], g->weight_bytes, "B"),
            SI(b[3], g->capacity_bytes, "B"), a->dram_capacity_gib);
    fprintf(f, "  (%s host)\n", SI(b[0], g->host_seconds, "s"));
}

static json_t *u64(uint64_t v) { return json_integer((json_int_t)v); }

json_t *gen_to_json(const gen_result *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "prompt", json_integer(g->prompt));
    json_object_set_new(o, "new_tokens", json_integer(g->new_tokens));
    json_object_set_new(o, "batch", json_integer(g->batch));
    json_object_set_new(o, "method", json_string(g->every_step ? "every step" : "bisection"));
    json_object_set_new(o, "steps_simulated", json_integer(g->steps_simulated));
    json_object_set_new(o, "prefill_cycles", u64(g->prefill_cycles));
    json_object_set_new(o, "decode_cycles", u64(g->decode_cycles));
    json_object_set_new(o, "first_step_cycles", u64(g->first_cycles));
    json_object_set_new(o, "last_step_cycles", u64(g->last_cycles));
    json_object_set_new(o, "ttft_s", json_real(g->ttft_s));
    json_object_set_new(o, "tpot_mean_s", json_real(g->tpot_mean_s));
    json_object_set_new(o, "tpot_last_s", json_real(g->tpot_last_s));
    json_object_set_new(o, "e2e_s", json_real(g->e2e_s));
    json_object_set_new(o, "tokens_per_s", json_real(g->tokens_per_s));
    json_object_set_new(o, "energy_per_token_pj", json_real(g->energy_per_token_pj));
    json_object_set_new(o, "prefill_energy_pj", json_real(g->prefill_energy_pj));
    json_object_set_new(o, "decode_energy_pj", json_real(g->decode_energy_pj));
    json_object_set_new(o, "decode_dram_bytes", u64(g->decode_dram_bytes));
    json_object_set_new(o, "kv_cache_peak_bytes", u64(g->kv_peak_bytes));
    json_object_set_new(o, "weight_bytes", u64(g->weight_bytes));
    json_object_set_new(o, "dram_capacity_bytes", json_real(g->capacity_bytes));
    json_object_set_new(o, "host_seconds", json_real(g->host_seconds));
    return o;
}
