/* report_moe.h - the experts a phase touches, per MoE layer, and the
 * weight bytes they stream (compiler/routing.h, compiler/moe.h). */
#ifndef REPORT_MOE_H
#define REPORT_MOE_H

#include "model.h"

#include <jansson.h>
#include <stdio.h>

/* Prints nothing for a dense model.  0, or -1 with a message. */
int moe_print(FILE *f, const model_cfg *m, const quant_preset *q, const model_phase *ph,
              char *err, size_t errlen);
/* {"routing", "zipf_s", "seed", "experts", "top_k", "expected_touched",
 *  "expert_bytes", "layers": [{"layer", "touched", "bytes"}...]}; NULL for a
 * dense model or on error. */
json_t *moe_to_json(const model_cfg *m, const quant_preset *q, const model_phase *ph);

/* "uniform" or "zipf:S" (S decimal, 0..8) as moe_routing and exponent;
 * 0 or -1. */
int moe_parse_routing(const char *s, int *routing, double *zipf_s);

#endif
