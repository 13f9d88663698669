/* sweep_table.h - reading a finished sweep: DIR's database, its points in
 * canonical column order, row by row, and key lookups for --where. */
#ifndef SWEEP_TABLE_H
#define SWEEP_TABLE_H

#include "sweep_db.h"
#include "sweep_expr.h"

#include <stdio.h>

typedef struct {
    sweep_db db;
    json_t *cols;        /* canonical column names (array) */
    json_t *index;       /* name -> column number in stmt */
    sqlite3_stmt *st;    /* SELECT cols FROM points ORDER BY id */
} sweep_table;

/* sweep_table_open for a command with --where EXPR (may be NULL), parsed
 * into *w: 0, or the exit status after printing the error (2: EXPR, 1: DIR). */
int sweep_table_open_where(sweep_table *t, const char *dir, const char *where, sx_expr **w);

/* Opens DIR/results.sqlite (or the file DIR names) and prepares the rows.
 * 0, or -1 with err ("DIR/results.sqlite: no sweep here: ..."). */
int sweep_table_open(sweep_table *t, const char *dir, char *err, size_t errlen);
/* The next row: 1, 0 at the end, -1 on an error. */
int sweep_table_next(sweep_table *t);
void sweep_table_close(sweep_table *t);

/* The column of name, or -1. */
int sweep_table_col(const sweep_table *t, const char *name);
/* sx_lookup over the current row (ctx: the table): NULL columns are unknown. */
int sweep_table_lookup(void *ctx, const char *name, sx_value *out);

/* Writes the header or the current row as CSV: integers exact, reals %.17g,
 * text quoted as RFC 4180 asks, NULL empty. */
void sweep_table_csv_header(const sweep_table *t, FILE *f);
void sweep_table_csv_row(const sweep_table *t, FILE *f);

/* The points of t in id order (only status ok if ok_only) for which where
 * (may be NULL) holds: cb(t, ctx) for each.  0, or -1 with err. */
int sweep_table_each(sweep_table *t, const sx_expr *where, int ok_only,
                     int (*cb)(sweep_table *, void *), void *ctx, char *err, size_t errlen);

/* Parses "KEY[:min|max]" (min if neither) into key and *max; -1 after
 * printing the error. */
int sweep_parse_objective(const char *s, char *key, size_t n, int *max);

#endif
