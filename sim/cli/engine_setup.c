/* engine_setup.c - architecture and energy model for a run. */
#include "engine_setup.h"

#include "arch_json.h"
#include "energy_json.h"

#include <stdio.h>

int engine_setup(const char *arch_path, const char *energy_path, arch_t *arch,
                 energy_model *em, char *err, size_t errlen)
{
    if (arch_path) {
        if (arch_from_json_file(arch_path, arch, err, errlen) != 0)
            return -1;
    } else {
        arch_default(arch);
    }
    energy_table t;
    int rc = energy_path ? energy_table_from_json_file(energy_path, &t, err, errlen)
                         : energy_table_default(&t, err, errlen);
    if (rc != 0)
        return -1;
    char e[512];
    if (energy_model_build(&t, arch, em, e, sizeof e) != 0) {
        snprintf(err, errlen, "%s: %s", energy_path ? energy_path : "embedded energy table", e);
        return -1;
    }
    return 0;
}
