/* engine_setup.h - what every simulating command loads first: the
 * architecture (a file, or the embedded default) and the energy model
 * (a table file, or the embedded default, built for that architecture). */
#ifndef ENGINE_SETUP_H
#define ENGINE_SETUP_H

#include "arch.h"
#include "energy.h"

/* Either path may be NULL.  Returns 0, or -1 with a one-line message. */
int engine_setup(const char *arch_path, const char *energy_path, arch_t *arch,
                 energy_model *em, char *err, size_t errlen);

#endif
