/* arch_json.h - the architecture description as JSON (arch.json).
 *
 * A document starts from arch_default() and overrides any subset of keys;
 * the schema is in README.md ("Architecture description (arch.json)").
 * Unknown keys, wrong types and out-of-range values are errors, one line:
 *   "FILE: KEY.PATH: problem"   e.g. "a.json: lut.tile.q: unknown key"
 *   "FILE: line L, column C: jansson's message"   for syntax errors.
 * After the keys, arch_check()'s cross-field checks run (same style).
 */
#ifndef ARCH_JSON_H
#define ARCH_JSON_H

#include "arch.h"

#include <jansson.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* label names the document in errors (NULL: "<arch>"). */
int arch_from_json(const json_t *doc, const char *label, arch_t *out, char *err,
                   size_t errlen);
int arch_from_json_string(const char *text, const char *label, arch_t *out, char *err,
                          size_t errlen);
int arch_from_json_file(const char *path, arch_t *out, char *err, size_t errlen);

/* Every key (no "description"); a new reference, NULL only if out of memory. */
json_t *arch_to_json(const arch_t *a);

/* Shared by the JSON readers of the front end: "object", "array", "string",
 * "integer", "number", "boolean", "null". */
const char *cfg_json_kind(const json_t *v);
/* Parses JSON text (duplicate keys rejected); NULL with
 * "LABEL: line L, column C: problem" in err. */
json_t *cfg_parse(const char *text, const char *label, char *err, size_t errlen);
/* Reads a whole file; returns a malloc'd NUL-terminated string or NULL with
 * "PATH: cannot read: reason" in err. */
char *cfg_read_text_file(const char *path, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
