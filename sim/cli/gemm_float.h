/* gemm_float.h - `lutsim gemm --afmt`: float activations (lut_float.h).
 *
 * cmd_gemm.c keeps the run; this module holds what float activations add
 * to it: the option, the activations (a float32 or float16 .npy, or
 * seeded Gaussian ones, rounded to the format), the host engine's call,
 * and the error of the float32 result against a float64 GEMM of the same
 * rounded activations and integer weights (times their scales, 1 here).
 */
#ifndef GEMM_FLOAT_H
#define GEMM_FLOAT_H

#include "lut_gemm.h"
#include "npy.h"

#include <jansson.h>

typedef struct {
    int afmt;        /* lut_afmt; 0: INT8 activations, nothing here applies */
    int tfmt;        /* lut_tfmt the run's tables use */
    uint8_t *act;    /* m x k activations as stored (format's bytes each) */
    int have_error;
    double max_abs;  /* max |C - reference|, in the output's own units */
    double rel_rms;  /* rms(C - reference) / rms(reference) */
} gemm_float;

/* --afmt VALUE: 0, or 2 after a one-line error. */
int gemm_float_parse(const char *s, gemm_float *g);
/* "INT8" or the format's name, for the run's header line. */
const char *gemm_float_label(const gemm_float *g);
/* The activations at path (2-D float32 or float16) rounded to the format:
 * *A gets the rounded values as float32 (m x k), g->act their bytes.
 * 0, or -1 after a one-line error. */
int gemm_float_load(gemm_float *g, const char *path, npy_array *A);
/* m x k seeded Gaussian activations (mean 0, standard deviation 1),
 * rounded; *A as above.  0 or -1. */
int gemm_float_random(gemm_float *g, int m, int k, unsigned seed, npy_array *A);
/* The weight type the program packs (ternary as INT2 codes when the
 * metadata format mfmt stores no zero-point), for a host run that matches
 * the C model's bits. */
lut_wtype gemm_float_pack_type(lut_wtype wt, int mfmt);
/* The host engine: C = A * W^T into c (m x n float32). */
int gemm_float_host(const gemm_float *g, const lut_packed *w, int m, float *c, lut_counts *cnt,
                    char *err, size_t errlen);
/* The error of C (float32 m x n) against the float64 GEMM of A (the
 * rounded activations, float32) and W (int8 n x k); prints it. */
int gemm_float_error(gemm_float *g, const npy_array *C, const npy_array *A, const npy_array *W);
/* Adds afmt, table_format and error.{max_abs,rel_rms} to a stats object. */
void gemm_float_json(json_t *js, const gemm_float *g);
/* The host engine's --stats object: engine "host", its LUT operation
 * counts (lut_counts), host_seconds and m, n, k. */
json_t *gemm_host_stats(int m, int n, int k, const lut_counts *c, double seconds);
void gemm_float_free(gemm_float *g);

#endif
