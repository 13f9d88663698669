/* engine_setup.h - what every simulating command loads first: the
 * architecture (a file, or the embedded default) and the energy model
 * (a table file, or the embedded default, built for that architecture). */
#ifndef ENGINE_SETUP_H
#define ENGINE_SETUP_H

#include "arch.h"
#include "energy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Either path may be NULL.  Returns 0, or -1 with a one-line message. */
int engine_setup(const char *arch_path, const char *energy_path, arch_t *arch,
                 energy_model *em, char *err, size_t errlen);

/* energy_model_build for a, its logic leakage priced on a's logic area
 * (area_of_arch: the embedded area tables).  0, or -1 with a message. */
int energy_model_for_arch(const energy_table *t, const arch_t *a, energy_model *em, char *err,
                          size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
