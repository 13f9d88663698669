/* quant_report.c - table, JSON and CSV of a quantization (quant_report.h). */
#include "quant_report.h"

#include "quantize.h"
#include "report_run.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int qrep_add(qrep *r, const qrep_row *row)
{
    qrep_row *rows = realloc(r->rows, (size_t)(r->n + 1) * sizeof *rows);
    if (!rows)
        return -1;
    r->rows = rows;
    rows[r->n++] = *row;
    return 0;
}

void qrep_free(qrep *r)
{
    free(r->rows);
    r->rows = NULL;
    r->n = 0;
}

void qrep_total(const qrep *r, qrep_row *t)
{
    memset(t, 0, sizeof *t);
    t->name = "total";
    t->dtype = "";
    for (int i = 0; i < r->n; i++) {
        t->n += r->rows[i].n * r->rows[i].k; /* weights, as one row */
        t->sse += r->rows[i].sse;
        t->ssw += r->rows[i].ssw;
        t->stored_bytes += r->rows[i].stored_bytes;
    }
    t->k = 1;
}

static void print_row(FILE *f, const qrep_row *w, const char *shape)
{
    const uint64_t c = w->n * w->k;
    fprintf(f, "%-44s %-13s %12.4e %12.2f %12.3f\n", w->name, shape, quant_mse(w->sse, c),
            quant_sqnr_db(w->sse, w->ssw), quant_bits_per_weight(w->stored_bytes, c));
}

void qrep_print(FILE *f, const qrep *r)
{
    fprintf(f, "quantized to %s: %d tensors\n", r->quant, r->n);
    fprintf(f, "%-44s %-13s %12s %12s %12s\n", "tensor", "shape", "mse (w^2)", "sqnr (dB)",
            "bits/weight");
    char shape[48];
    for (int i = 0; i < r->n; i++) {
        snprintf(shape, sizeof shape, "%llux%llu", (unsigned long long)r->rows[i].n,
                 (unsigned long long)r->rows[i].k);
        print_row(f, &r->rows[i], shape);
    }
    qrep_row t;
    qrep_total(r, &t);
    snprintf(shape, sizeof shape, "%llu weights", (unsigned long long)t.n);
    print_row(f, &t, shape);
}

/* mse, sqnr_db (null when infinite), bits_per_weight, stored_bytes. */
static json_t *figures(const qrep_row *w)
{
    const uint64_t c = w->n * w->k;
    const double sq = quant_sqnr_db(w->sse, w->ssw);
    return json_pack("{s:f, s:o, s:f, s:I}", "mse", quant_mse(w->sse, c), "sqnr_db",
                     isfinite(sq) ? json_real(sq) : json_null(), "bits_per_weight",
                     quant_bits_per_weight(w->stored_bytes, c), "stored_bytes",
                     (json_int_t)w->stored_bytes);
}

int qrep_write_json(const char *path, const char *label, const qrep *r, char *err, size_t errlen)
{
    json_t *tensors = json_array();
    for (int i = 0; i < r->n; i++) {
        json_t *o = figures(&r->rows[i]);
        json_object_set_new(o, "name", json_string(r->rows[i].name));
        json_object_set_new(o, "dtype", json_string(r->rows[i].dtype));
        json_object_set_new(o, "shape", json_pack("[I, I]", (json_int_t)r->rows[i].n,
                                                  (json_int_t)r->rows[i].k));
        json_array_append_new(tensors, o);
    }
    qrep_row t;
    qrep_total(r, &t);
    json_t *total = figures(&t);
    json_object_set_new(total, "tensors", json_integer(r->n));
    json_object_set_new(total, "weights", json_integer((json_int_t)t.n));
    json_t *doc = json_pack("{s:s, s:o, s:o}", "quant", r->quant, "tensors", tensors, "total",
                            total);
    int rc = doc ? json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
    json_decref(doc);
    if (rc != 0)
        snprintf(err, errlen, "%s: cannot write the report", label);
    return rc;
}

static void csv_row(FILE *f, const qrep_row *w, uint64_t rows, uint64_t cols)
{
    const uint64_t c = w->n * w->k;
    csv_string(f, w->name);
    fprintf(f, ",%llu,%llu,", (unsigned long long)rows, (unsigned long long)cols);
    csv_string(f, w->dtype);
    fprintf(f, ",%.17g,%.17g,%.17g,%llu\n", quant_mse(w->sse, c), quant_sqnr_db(w->sse, w->ssw),
            quant_bits_per_weight(w->stored_bytes, c), (unsigned long long)w->stored_bytes);
}

int qrep_write_csv(const char *path, const char *label, const qrep *r, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", label, strerror(errno));
        return -1;
    }
    fprintf(f, "name,rows,cols,dtype,mse,sqnr_db,bits_per_weight,stored_bytes\n");
    for (int i = 0; i < r->n; i++)
        csv_row(f, &r->rows[i], r->rows[i].n, r->rows[i].k);
    qrep_row t;
    qrep_total(r, &t);
    csv_row(f, &t, 0, 0);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", label, strerror(errno));
        return -1;
    }
    return 0;
}
