/* cmd_generate.c - `lutsim run --phase generate`: one whole request. */
#include "commands.h"
#include "engine_setup.h"
#include "model_json.h"
#include "outfiles.h"
#include "run_generate.h"
#include "workload_embed.h"

#include <jansson.h>
#include <stdio.h>

int run_generate_cmd(const char *model, const char *quant, const char *arch_path,
                     const char *energy, const char *json, int objective, int routing,
                     double zipf_s, uint32_t route_seed, int prompt, int new_tokens, int batch,
                     int every_step, int others)
{
    if (others) {
        cli_error("--phase generate takes --prompt, --new, --every-step, --batch, --routing, --route-seed, "
                  "--arch, --energy, --objective and --json only (not --csv, --trace, --plot, "
                  "--functional, --seq or --context)");
        return 2;
    }
    char err[1024];
    arch_t a;
    energy_model em;
    model_cfg m;
    quant_preset q;
    if (engine_setup(arch_path, energy, &a, &em, err, sizeof err) != 0 ||
        model_from_hf_config(model, &m, err, sizeof err) != 0 ||
        quant_from_name_or_file(quant, &q, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    m.moe_routing = routing;
    m.moe_zipf_s = zipf_s;
    m.moe_route_seed = route_seed;
    gen_result g;
    if (run_generate_check(&a, &m, model, &q, prompt, new_tokens, batch, &g, err, sizeof err)) {
        cli_error("%s", err);
        return 1;
    }
    outfiles of;
    out_init(&of);
    if (!workload_model_text(model))
        out_input(&of, model, "--model");
    if (!workload_quant_text(quant))
        out_input(&of, quant, "--quant");
    out_input(&of, arch_path, "--arch");
    out_input(&of, energy, "--energy");
    const char *tj = NULL;
    static op_result ops[MODEL_MAX_OPS];
    int status = 1;
    if ((json && !(tj = out_stage(&of, json, err, sizeof err))) ||
        run_generate(&a, &em, &m, model, &q, objective, prompt, new_tokens, batch,
                     every_step, ops,
                     &g, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    gen_print(stdout, &a, &m, &q, &g);
    if (tj) {
        json_t *r = json_object();
        json_object_set_new(r, "model", json_string(m.name));
        json_object_set_new(r, "quant", json_string(q.name));
        json_object_set_new(r, "arch", json_string(a.name));
        json_object_set_new(r, "generate", gen_to_json(&g));
        int bad = json_dump_file(r, tj, JSON_INDENT(2));
        json_decref(r);
        if (bad) {
            cli_error("%s: cannot write", json);
            goto done;
        }
    }
    if (out_commit(&of, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    status = 0;
done:
    if (status)
        out_abort(&of);
    return status;
}
