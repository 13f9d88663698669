/* run_inputs.c - the inputs of `lutsim run`, loaded and guarded. */
#include "run_inputs.h"

#include "engine_setup.h"
#include "model_json.h"
#include "workload_embed.h"

int run_inputs_load(const run_inputs *in, arch_t *a, energy_model *em, model_cfg *m,
                    quant_preset *q, char *err, size_t errlen)
{
    if (engine_setup(in->arch, in->energy, a, em, err, errlen) != 0 ||
        model_from_hf_config(in->model, m, err, errlen) != 0 ||
        quant_from_name_or_file(in->quant, q, err, errlen) != 0)
        return -1;
    m->moe_routing = in->routing;
    m->moe_zipf_s = in->zipf_s;
    m->moe_route_seed = in->route_seed;
    return 0;
}

void run_inputs_guard(outfiles *of, const run_inputs *in)
{
    if (!workload_model_text(in->model))
        out_input(of, in->model, "--model");
    if (!workload_quant_text(in->quant))
        out_input(of, in->quant, "--quant");
    out_input(of, in->arch, "--arch");
    out_input(of, in->energy, "--energy");
}
