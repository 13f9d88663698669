/* area_json.h - the area figures (workloads/area/default.json and the
 * generated workloads/area/logic_fit.json, both embedded in the binary)
 * into an area_table (cmodel/area.h), and an area report as JSON.
 *
 * Every figure of default.json carries a non-empty "source"; a term of
 * logic_fit.json may name only its unit's parameters.  Errors are one
 * line, "LABEL: PATH: problem".
 */
#ifndef AREA_JSON_H
#define AREA_JSON_H

#include "area.h"

#include <jansson.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* figures: default.json's text; fit: logic_fit.json's text. */
int area_table_from_json_strings(const char *figures, const char *figures_label, const char *fit,
                                 const char *fit_label, area_table *out, char *err, size_t errlen);
/* The embedded tables. */
int area_table_default(area_table *out, char *err, size_t errlen);
/* Their texts, exactly the workloads/area files at build time. */
const char *area_default_text(void);
const char *area_fit_text(void);

/* area_eval on the embedded tables. */
int area_of_arch(const arch_t *a, area_report *r, char *err, size_t errlen);

/* Sets "area_mm2", "area_breakdown_mm2" (every part) and "area_node_nm"
 * in obj; 0, or -1 if out of memory. */
int area_report_to_json(const area_report *r, json_t *obj);

#ifdef __cplusplus
}
#endif
#endif
