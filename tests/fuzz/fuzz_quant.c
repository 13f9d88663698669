/* fuzz_quant.c - quantization presets (sim/cli/model_json.c) as
 * `lutsim run --quant FILE` reads them.  An accepted preset passes
 * quant_check and has a name. */
#include "fuzz_common.h"
#include "model_json.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".json");
    char err[1024] = "", prefix[600];
    snprintf(prefix, sizeof prefix, "%s: ", path);
    quant_preset q;
    if (quant_from_name_or_file(path, &q, err, sizeof err) != 0) {
        fuzz_check_error("quant", err, prefix);
        return 0;
    }
    if (memchr(q.name, '\0', sizeof q.name) == NULL || !q.name[0])
        fuzz_fail("quant", "accepted preset has no name");
    if (quant_check(&q, err, sizeof err) != 0)
        fuzz_fail("quant", "accepted preset fails quant_check: %s", err);
    return 0;
}
