/* energy_json.h - the energy table file (workloads/energy/default.json,
 * embedded in the binary) into an energy_table.
 *
 * The file is a complete table (every entry required, each with value, unit,
 * node_nm and a non-empty source); the schema is in README.md ("Energy
 * table").  Errors are one line, "FILE: KEY.PATH: problem", as for arch.json.
 */
#ifndef ENERGY_JSON_H
#define ENERGY_JSON_H

#include "energy.h"

#include <jansson.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

int energy_table_from_json(const json_t *doc, const char *label, energy_table *out,
                           char *err, size_t errlen);
int energy_table_from_json_string(const char *text, const char *label, energy_table *out,
                                  char *err, size_t errlen);
int energy_table_from_json_file(const char *path, energy_table *out, char *err,
                                size_t errlen);
/* The embedded default table (label "<embedded energy table>"). */
int energy_table_default(energy_table *out, char *err, size_t errlen);
/* Its text, exactly workloads/energy/default.json at build time. */
const char *energy_default_text(void);

#ifdef __cplusplus
}
#endif
#endif
