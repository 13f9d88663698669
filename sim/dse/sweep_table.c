/* sweep_table.c - reading a sweep's points (sweep_table.h). */
#include "sweep_table.h"

#include "commands.h"
#include "report_run.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int sweep_table_open(sweep_table *t, const char *dir, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    char path[1024];
    struct stat sb;
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
        sweep_db_path(dir, 0, 0, path, sizeof path);
    else
        snprintf(path, sizeof path, "%s", dir);
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: no sweep results here (run `lutsim sweep run`, or `lutsim "
                 "sweep merge` for shards)", path);
        return -1;
    }
    if (sweep_db_open(&t->db, path, 0, err, errlen) != 0)
        return -1;
    t->cols = sweep_db_columns(&t->db, "points");
    t->index = json_object();
    size_t i;
    json_t *c;
    json_array_foreach(t->cols, i, c)
        json_object_set_new(t->index, json_string_value(c), json_integer((json_int_t)i));
    char *list = sweep_db_column_list(t->cols, NULL), *sql = NULL;
    if (list && (sql = malloc(strlen(list) + 64)))
        sprintf(sql, "SELECT %s FROM points ORDER BY id", list);
    free(list);
    int rc = sql ? sqlite3_prepare_v2(t->db.db, sql, -1, &t->st, NULL) : SQLITE_NOMEM;
    free(sql);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: not a sweep database: %s", path, sqlite3_errmsg(t->db.db));
        sweep_table_close(t);
        return -1;
    }
    return 0;
}

int sweep_table_next(sweep_table *t)
{
    int rc = sqlite3_step(t->st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void sweep_table_close(sweep_table *t)
{
    sqlite3_finalize(t->st);
    t->st = NULL;
    sweep_db_close(&t->db);
    json_decref(t->cols);
    json_decref(t->index);
    t->cols = t->index = NULL;
}

int sweep_table_col(const sweep_table *t, const char *name)
{
    json_t *v = json_object_get(t->index, name);
    return v ? (int)json_integer_value(v) : -1;
}

int sweep_table_lookup(void *ctx, const char *name, sx_value *out)
{
    const sweep_table *t = ctx;
    int c = sweep_table_col(t, name);
    if (c < 0)
        return -1;
    switch (sqlite3_column_type(t->st, c)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        out->is_str = 0;
        out->num = sqlite3_column_double(t->st, c);
        return 0;
    case SQLITE_TEXT:
        out->is_str = 1;
        out->str = (const char *)sqlite3_column_text(t->st, c);
        return 0;
    default:
        return -1;
    }
}

void sweep_table_csv_header(const sweep_table *t, FILE *f)
{
    size_t i;
    json_t *c;
    json_array_foreach(t->cols, i, c) {
        if (i)
            fputc(',', f);
        csv_string(f, json_string_value(c));
    }
    fputc('\n', f);
}

void sweep_table_csv_row(const sweep_table *t, FILE *f)
{
    int n = (int)json_array_size(t->cols);
    for (int c = 0; c < n; c++) {
        if (c)
            fputc(',', f);
        switch (sqlite3_column_type(t->st, c)) {
        case SQLITE_INTEGER: fprintf(f, "%lld", (long long)sqlite3_column_int64(t->st, c)); break;
        case SQLITE_FLOAT: fprintf(f, "%.17g", sqlite3_column_double(t->st, c)); break;
        case SQLITE_TEXT: csv_string(f, (const char *)sqlite3_column_text(t->st, c)); break;
        default: break;
        }
    }
    fputc('\n', f);
}

int sweep_table_open_where(sweep_table *t, const char *dir, const char *where, sx_expr **w)
{
    char err[2048];
    *w = NULL;
    if (where && !(*w = sx_parse(where, err, sizeof err))) {
        cli_error("--where: %s", err);
        return 2;
    }
    if (sweep_table_open(t, dir, err, sizeof err) != 0) {
        cli_error("%s", err);
        sx_free(*w);
        *w = NULL;
        return 1;
    }
    return 0;
}
