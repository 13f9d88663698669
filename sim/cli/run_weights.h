/* run_weights.h - `lutsim run --functional --weights DIR`: a user's
 * quantized weights (the DIR `lutsim quantize --out DIR` wrote) in place of
 * the seeded random ones.
 *
 * DIR/manifest.json names the preset and, per tensor, its shape and files
 * (NAME.codes.npy, .scales.npy, .zeros.npy for uint, .variants.npy,
 * .scale_codes.npy and .row_scales.npy for BitMoD).  A linear operation
 * "layer.X" of decoder layer L takes the tensor whose name has the
 * component "layers.L" and ends in ".X.weight" (or ".X"), HuggingFace's
 * model.layers.L.self_attn.q_proj.weight; any other operation (lm_head)
 * the tensor named "X.weight" or "X".  Operations with no such tensor keep
 * seeded random weights.
 *
 * A user layer runs its timed schedule with float32 outputs (dq's float
 * mode, no fused epilogue) on seeded INT8 activations and must equal the
 * dq unit's reference (quant_gemm.h) bit for bit; a line per layer gives
 * the output's FNV-1a checksum, so a changed weight shows.
 */
#ifndef RUN_WEIGHTS_H
#define RUN_WEIGHTS_H

#include "gemm.h"
#include "model.h"
#include "sim.h"

#include <jansson.h>
#include <stddef.h>

typedef struct {
    const char *dir;
    json_t *doc;     /* the manifest */
    json_t *tensors; /* its "tensors" array */
} run_weights;

/* Reads DIR/manifest.json and checks it was written for q (its name,
 * wbits, group_size).  0, or -1 with "DIR/manifest.json: ...". */
int run_weights_open(const char *dir, const quant_preset *q, run_weights *w, char *err,
                     size_t errlen);
void run_weights_close(run_weights *w);

/* The manifest entry of operation op (layer `layer`) into *entry: 1 found
 * (shape n x k checked), 0 none, -1 with a message naming the manifest and
 * tensor (a shape that is not n x k). */
int run_weights_find(const run_weights *w, const char *op, uint64_t layer, uint64_t n,
                     uint64_t k, const json_t **entry, char *err, size_t errlen);

/* Runs the user's tensor entry as operation op's GEMM g (the timed tiling)
 * on a with seeded activations (state *st), checks it and prints its line.
 * 0, or -1 with the message printed. */
int run_weights_layer(const arch_t *a, const energy_model *em, const quant_preset *q,
                      const run_weights *w, const json_t *entry, const char *op, uint64_t layer,
                      const gemm_shape *g, uint32_t *st);

#endif
