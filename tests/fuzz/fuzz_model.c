/* fuzz_model.c - HuggingFace config.json (sim/cli/model_json.c) as
 * `lutsim run --model FILE` reads it, then the first things a run does
 * with an accepted config: parameter count and the op totals of a
 * one-token prefill and decode step. */
#include "fuzz_common.h"
#include "model_json.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".json");
    char err[1024] = "", prefix[600];
    snprintf(prefix, sizeof prefix, "%s: ", path);
    model_cfg m;
    if (model_from_hf_config(path, &m, err, sizeof err) != 0) {
        fuzz_check_error("model", err, prefix);
        return 0;
    }
    if (memchr(m.name, '\0', sizeof m.name) == NULL || !m.name[0])
        fuzz_fail("model", "accepted config has no name");
    model_cfg again = m;
    if (model_cfg_finish(&again, err, sizeof err) != 0 || memcmp(&again, &m, sizeof m) != 0)
        fuzz_fail("model", "an accepted config does not pass model_cfg_finish unchanged: %s", err);
    model_params p;
    model_param_count(&m, &p);
    const model_phase phases[2] = { { MODEL_PREFILL, 1, 1, 0 }, { MODEL_DECODE, 1, 1, 1 } };
    for (int i = 0; i < 2; i++) {
        model_totals t;
        if (model_phase_totals(&m, &phases[i], &t, err, sizeof err) != 0)
            fuzz_fail("model", "an accepted config cannot run one token: %s", err);
    }
    return 0;
}
