/* sweep_read.c - `lutsim sweep export` and `lutsim sweep best`. */
#include "sweep_cmds.h"

#include "commands.h"
#include "outfiles.h"
#include "sweep_args.h"
#include "sweep_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char export_usage[] =
    "usage: lutsim sweep export DIR --csv F\n"
    "\n"
    "Writes every point of DIR/results.sqlite (or of the database file DIR) as CSV:\n"
    "id, the swept parameters, status, reason, then the figures by name; rows by\n"
    "point id, reals with 17 significant digits (an interrupted and resumed sweep\n"
    "exports byte-identical to an uninterrupted one).  F \"-\" is stdout.\n";

static const char best_usage[] =
    "usage: lutsim sweep best DIR --by KEY[:min|max] [--where EXPR]\n"
    "\n"
    "Prints the point with the least (min, the default) or greatest KEY among\n"
    "the points with status ok that satisfy EXPR (the constraint language of\n"
    "sweep specs, over the columns of `sweep export`); ties go to the lower id.\n";

int sweep_table_each(sweep_table *t, const sx_expr *where, int ok_only,
                     int (*cb)(sweep_table *, void *), void *ctx, char *err, size_t errlen)
{
    int rc, sc = sweep_table_col(t, "status");
    while ((rc = sweep_table_next(t)) == 1) {
        if (ok_only && strcmp((const char *)sqlite3_column_text(t->st, sc), "ok") != 0)
            continue;
        int truth = 1;
        char why[256];
        if (where && sx_eval(where, sweep_table_lookup, t, NULL, &truth, why, sizeof why) != 0) {
            snprintf(err, errlen, "--where: %s (at point %lld)", why,
                     (long long)sqlite3_column_int64(t->st, 0));
            return -1;
        }
        if (truth && cb(t, ctx) != 0)
            return -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "%s: read failed: %s", t->db.path, sqlite3_errmsg(t->db.db));
    return rc;
}

static int csv_row(sweep_table *t, void *f)
{
    sweep_table_csv_row(t, f);
    return 0;
}

int sweep_cmd_export(int argc, char **argv)
{
    const char *csv = NULL, *dir = NULL;
    const sweep_opt opts[] = { { "csv", &csv, NULL, 1 }, { NULL, NULL, NULL, 0 } };
    int rc = sweep_args(argc, argv, "sweep export", opts, export_usage, "DIR", &dir);
    if (rc >= 0)
        return rc;
    char err[2048];
    sweep_table t;
    if (sweep_table_open(&t, dir, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    outfiles of;
    out_init(&of);
    const char *tmp = NULL;
    FILE *f = stdout;
    int status = 1;
    if (strcmp(csv, "-") != 0) {
        if (!(tmp = out_stage(&of, csv, err, sizeof err)) || !(f = fopen(tmp, "w"))) {
            cli_error("%s", tmp ? "cannot write the CSV" : err);
            goto done;
        }
    }
    sweep_table_csv_header(&t, f);
    if (sweep_table_each(&t, NULL, 0, csv_row, f, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    if (tmp) {
        int bad = ferror(f);
        bad |= fclose(f) != 0;
        f = NULL;
        if (bad || out_commit(&of, err, sizeof err) != 0) {
            cli_error("%s", bad ? "cannot write the CSV" : err);
            goto done;
        }
    }
    status = 0;
done:
    if (f && f != stdout)
        fclose(f);
    if (status)
        out_abort(&of);
    sweep_table_close(&t);
    return status;
}

typedef struct {
    int col, max;
    double best;
    long long id;
    char **vals;      /* the best row's fields as text */
    int ncols;
} best_state;

static int consider(sweep_table *t, void *ctx)
{
    best_state *b = ctx;
    if (sqlite3_column_type(t->st, b->col) == SQLITE_NULL)
        return 0;
    double v = sqlite3_column_double(t->st, b->col);
    if (b->id >= 0 && (b->max ? v <= b->best : v >= b->best))
        return 0;
    b->best = v;
    b->id = sqlite3_column_int64(t->st, 0);
    for (int c = 0; c < b->ncols; c++) {
        free(b->vals[c]);
        int ty = sqlite3_column_type(t->st, c);
        char buf[64];
        if (ty == SQLITE_FLOAT)
            snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(t->st, c));
        b->vals[c] = strdup(ty == SQLITE_FLOAT ? buf : ty == SQLITE_NULL ? ""
                            : (const char *)sqlite3_column_text(t->st, c));
    }
    return 0;
}

int sweep_parse_objective(const char *s, char *key, size_t n, int *max)
{
    const char *colon = strrchr(s, ':');
    size_t l = colon ? (size_t)(colon - s) : strlen(s);
    *max = 0;
    if (colon && strcmp(colon + 1, "min") && strcmp(colon + 1, "max")) {
        cli_error("'%s': expected KEY:min or KEY:max", s);
        return -1;
    }
    if (colon)
        *max = !strcmp(colon + 1, "max");
    if (l == 0 || l >= n) {
        cli_error("'%s': expected a key before ':min' or ':max'", s);
        return -1;
    }
    memcpy(key, s, l);
    key[l] = '\0';
    return 0;
}

int sweep_cmd_best(int argc, char **argv)
{
    const char *by = NULL, *where = NULL, *dir = NULL;
    const sweep_opt opts[] = {
        { "by", &by, NULL, 1 }, { "where", &where, NULL, 0 }, { NULL, NULL, NULL, 0 },
    };
    int rc = sweep_args(argc, argv, "sweep best", opts, best_usage, "DIR", &dir);
    if (rc >= 0)
        return rc;
    char key[256], err[2048];
    best_state b = { .id = -1 };
    if (sweep_parse_objective(by, key, sizeof key, &b.max) != 0)
        return 2;
    sx_expr *w;
    sweep_table t;
    if ((rc = sweep_table_open_where(&t, dir, where, &w)) != 0)
        return rc;
    int status = 1;
    b.col = sweep_table_col(&t, key);
    b.ncols = (int)json_array_size(t.cols);
    b.vals = calloc((size_t)b.ncols, sizeof *b.vals);
    if (b.col < 0)
        cli_error("--by: %s is not a column of %s", key, t.db.path);
    else if (!b.vals)
        cli_error("out of memory");
    else if (sweep_table_each(&t, w, 1, consider, &b, err, sizeof err) != 0)
        cli_error("%s", err);
    else if (b.id < 0)
        cli_error("no point with status ok%s has %s", w ? " and --where true" : "", key);
    else {
        printf("best by %s (%s): point %lld\n", key, b.max ? "max" : "min", b.id);
        for (int c = 0; c < b.ncols; c++)
            printf("  %s = %s\n", json_string_value(json_array_get(t.cols, (size_t)c)), b.vals[c]);
        status = 0;
    }
    for (int c = 0; b.vals && c < b.ncols; c++)
        free(b.vals[c]);
    free(b.vals);
    sweep_table_close(&t);
    sx_free(w);
    return status;
}
