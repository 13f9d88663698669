/* quant_report.h - what `lutsim quantize` reports, per tensor and overall.
 *
 * JSON: {"quant": PRESET, "tensors": [{"name", "shape": [n, k], "dtype",
 * "mse", "sqnr_db", "bits_per_weight", "stored_bytes"}, ...], "total":
 * {"tensors", "weights", "mse", "sqnr_db", "bits_per_weight",
 * "stored_bytes"}}; sqnr_db is null when the error is 0 (infinite SQNR).
 * The total pools the sums: mse = sum sse / sum weights, sqnr_db = 10
 * log10(sum ssw / sum sse), bits = 8 sum stored_bytes / sum weights.
 * CSV: name,rows,cols,dtype,mse,sqnr_db,bits_per_weight,stored_bytes, one
 * row per tensor and a last row "total" (rows and cols 0; reals with 17
 * digits).
 */
#ifndef QUANT_REPORT_H
#define QUANT_REPORT_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *name, *dtype;
    uint64_t n, k;
    double sse, ssw;
    uint64_t stored_bytes;
} qrep_row;

typedef struct {
    const char *quant;
    int n;
    qrep_row *rows;
} qrep;

/* Appends a row (name and dtype are not copied).  0 or -1 (memory). */
int qrep_add(qrep *r, const qrep_row *row);
void qrep_free(qrep *r);
/* The pooled row "total". */
void qrep_total(const qrep *r, qrep_row *t);

void qrep_print(FILE *f, const qrep *r);
/* 0 or -1 with a message. */
int qrep_write_json(const char *path, const char *label, const qrep *r, char *err, size_t errlen);
int qrep_write_csv(const char *path, const char *label, const qrep *r, char *err, size_t errlen);

#endif
