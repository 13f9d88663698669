/* cmd_generate.c - `lutsim run --phase generate`: one whole request. */
#include "commands.h"
#include "outfiles.h"
#include "run_generate.h"
#include "run_inputs.h"

#include <jansson.h>
#include <stdio.h>

int run_generate_cmd(const run_inputs *in, const char *json, int objective, int prompt,
                     int new_tokens, int batch, int every_step, int others)
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
    if (run_inputs_load(in, &a, &em, &m, &q, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    gen_result g;
    if (run_generate_check(&a, &m, in->model, &q, prompt, new_tokens, batch, &g, err, sizeof err)) {
        cli_error("%s", err);
        return 1;
    }
    outfiles of;
    out_init(&of);
    run_inputs_guard(&of, in);
    const char *tj = NULL;
    static op_result ops[MODEL_MAX_OPS];
    int status = 1;
    if ((json && !(tj = out_stage(&of, json, err, sizeof err))) ||
        run_generate(&a, &em, &m, in->model, &q, objective, prompt, new_tokens, batch,
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
