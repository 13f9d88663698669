/* fuzz_arch.c - arch.json (sim/cli/arch_json.c) as `--arch FILE` loads it:
 * engine_setup() reads the file, checks it and builds the energy model for
 * it.  An accepted description, printed as `lutsim arch --show` prints it
 * and read again, must give the same description. */
#include "arch_json.h"
#include "engine_setup.h"
#include "fuzz_common.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *show(const arch_t *a)
{
    json_t *j = arch_to_json(a);
    char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    if (!s)
        fuzz_fail("arch", "arch_to_json failed");
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".json");
    char err[1024] = "", prefix[600];
    snprintf(prefix, sizeof prefix, "%s: ", path);
    arch_t a;
    energy_model em;
    if (engine_setup(path, NULL, &a, &em, err, sizeof err) != 0) {
        /* an energy-model error for this arch names the (embedded) table */
        if (strncmp(err, "embedded energy table: ", 23) == 0)
            fuzz_check_error("arch", err, "embedded energy table: ");
        else
            fuzz_check_error("arch", err, prefix);
        return 0;
    }
    char *text = show(&a);
    arch_t b;
    if (arch_from_json_string(text, "<shown>", &b, err, sizeof err) != 0)
        fuzz_fail("arch", "its own --show output is rejected: %s", err);
    char *again = show(&b);
    if (strcmp(text, again) != 0)
        fuzz_fail("arch", "--show output read back differs");
    free(text);
    free(again);
    return 0;
}
