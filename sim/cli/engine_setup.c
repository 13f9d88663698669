/* engine_setup.c - architecture and energy model for a run. */
#include "engine_setup.h"

#include "arch_json.h"
#include "area_json.h"
#include "energy_json.h"

#include <stdio.h>

int energy_model_for_arch(const energy_table *t, const arch_t *a, energy_model *em, char *err,
                          size_t errlen)
{
    area_report r;
    char e[400];
    if (area_of_arch(a, &r, e, sizeof e) != 0) {
        snprintf(err, errlen, "leakage needs the architecture's logic area: %s", e);
        return -1;
    }
    return energy_model_build(t, a, area_logic_mm2(&r), em, err, errlen);
}

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
    if (energy_model_for_arch(&t, arch, em, e, sizeof e) != 0) {
        snprintf(err, errlen, "%s: %s", energy_path ? energy_path : "embedded energy table", e);
        return -1;
    }
    return 0;
}
