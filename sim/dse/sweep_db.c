/* sweep_db.c - SQLite storage of sweep results (sweep_db.h). */
#include "sweep_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tables[2] = { "points", "ops" };

void sweep_db_path(const char *dir, int shard, int nshards, char *out, size_t n)
{
    if (nshards > 0)
        snprintf(out, n, "%s/shard-%d-of-%d.sqlite", dir, shard, nshards);
    else
        snprintf(out, n, "%s/results.sqlite", dir);
}

void sweep_db_quote(const char *name, char *out, size_t n)
{
    size_t o = 0;
    if (n < 3)
        return;
    out[o++] = '"';
    for (const char *p = name; *p && o + 3 < n; p++) {
        if (*p == '"')
            out[o++] = '"';
        out[o++] = *p;
    }
    out[o++] = '"';
    out[o] = '\0';
}

static int exec(sweep_db *d, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", d->path, msg ? msg : sqlite3_errmsg(d->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Loads the column names of both tables (if they exist). */
static void load_columns(sweep_db *d)
{
    for (int t = 0; t < 2; t++) {
        json_object_clear(d->cols[t]);
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", tables[t]);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
            continue;
        while (sqlite3_step(st) == SQLITE_ROW)
            json_object_set_new(d->cols[t], (const char *)sqlite3_column_text(st, 1), json_true());
        sqlite3_finalize(st);
    }
}

int sweep_db_open(sweep_db *d, const char *path, int create, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", path);
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &d->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", path,
                 d->db ? sqlite3_errmsg(d->db) : "out of memory");
        sqlite3_close(d->db);
        d->db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(d->db, 10000);
    d->cols[0] = json_object();
    d->cols[1] = json_object();
    /* WAL: a reader (sqlite3 in another terminal) never blocks the sweep,
     * and a commit is one append; NORMAL sync keeps every commit across a
     * killed process (a power cut may lose the last few). */
    if (exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err, errlen) != 0) {
        sweep_db_close(d);
        return -1;
    }
    load_columns(d);
    return 0;
}

void sweep_db_close(sweep_db *d)
{
    if (d->db)
        sqlite3_close(d->db);
    d->db = NULL;
    json_decref(d->cols[0]);
    json_decref(d->cols[1]);
    d->cols[0] = d->cols[1] = NULL;
}

int sweep_db_meta_get(sweep_db *d, const char *key, char *out, size_t n)
{
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_prepare_v2(d->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

int sweep_db_meta_set(sweep_db *d, const char *key, const char *value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

int sweep_db_create(sweep_db *d, char *err, size_t errlen)
{
    int rc = exec(d, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
                     "CREATE TABLE IF NOT EXISTS points(id INTEGER PRIMARY KEY, status TEXT, reason TEXT);"
                     "CREATE TABLE IF NOT EXISTS ops(point_id INTEGER, phase TEXT, seq INTEGER,"
                     " PRIMARY KEY(point_id, phase, seq));", err, errlen);
    load_columns(d);
    return rc;
}

int sweep_db_init(sweep_db *d, const sweep_spec *s, const char *version, int shard,
                  int nshards, uint64_t first, uint64_t last, char *err, size_t errlen)
{
    if (exec(d, "BEGIN", err, errlen) != 0 || sweep_db_create(d, err, errlen) != 0)
        return -1;
    char buf[64], range[64], *spec = json_dumps(s->doc, JSON_COMPACT | JSON_SORT_KEYS |
                                                        JSON_REAL_PRECISION(17));
    json_t *params = json_array();
    for (int i = 0; i < s->np; i++)
        if (sweep_param_first(s, i))
            json_array_append_new(params, json_string(s->p[i].key));
    char *ptext = json_dumps(params, JSON_COMPACT);
    json_decref(params);
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)s->hash);
    snprintf(range, sizeof range, "%d/%d", shard, nshards);
    int bad = !spec || !ptext || sweep_db_meta_set(d, "spec_hash", buf) ||
              sweep_db_meta_set(d, "version", version) || sweep_db_meta_set(d, "spec", spec) ||
              sweep_db_meta_set(d, "params", ptext) || sweep_db_meta_set(d, "shard", range);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)s->npoints);
    bad = bad || sweep_db_meta_set(d, "npoints", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)first);
    bad = bad || sweep_db_meta_set(d, "first", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)last);
    bad = bad || sweep_db_meta_set(d, "last", buf);
    free(spec);
    free(ptext);
    if (bad) {
        snprintf(err, errlen, "%s: cannot write: %s", d->path, sqlite3_errmsg(d->db));
        exec(d, "ROLLBACK", err, 0);
        return -1;
    }
    if (exec(d, "COMMIT", err, errlen) != 0)
        return -1;
    load_columns(d);
    return 0;
}

int64_t sweep_db_done(sweep_db *d, uint64_t first, uint64_t last, unsigned char *done)
{
    sqlite3_stmt *st;
    int64_t n = 0;
    /* a point whose worker died has a row, but is evaluated again */
    const char *sql = done ? "SELECT id FROM points WHERE id >= ? AND id < ? AND status != 'error'"
                           : "SELECT id FROM points WHERE id >= ? AND id < ?";
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (done)
            done[(uint64_t)sqlite3_column_int64(st, 0) - first] = 1;
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

/* Adds the columns of obj that table t lacks. */
static int add_columns(sweep_db *d, int t, json_t *obj, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (json_object_get(d->cols[t], k))
            continue;
        char q[512], sql[600];
        sweep_db_quote(k, q, sizeof q);
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s", tables[t], q);
        if (exec(d, sql, err, errlen) != 0)
            return -1;
        json_object_set_new(d->cols[t], k, json_true());
    }
    return 0;
}

static void bind_json(sqlite3_stmt *st, int i, json_t *v)
{
    if (json_is_integer(v))
        sqlite3_bind_int64(st, i, (sqlite3_int64)json_integer_value(v));
    else if (json_is_real(v))
        sqlite3_bind_double(st, i, json_real_value(v));
    else if (json_is_string(v))
        sqlite3_bind_text(st, i, json_string_value(v), -1, SQLITE_TRANSIENT);
    else if (json_is_boolean(v))
        sqlite3_bind_int(st, i, json_is_true(v));
    else
        sqlite3_bind_null(st, i);
}

char *sweep_db_column_list(json_t *names, json_t *present)
{
    size_t cap = 256, len = 0, i = 0;
    char *list = calloc(1, cap);
    void *it = json_is_object(names) ? json_object_iter(names) : NULL;
    for (;; i++) {
        const char *name = it ? json_object_iter_key(it)
                              : json_string_value(json_array_get(names, i));
        if (!name || !list)
            break;
        if (it)
            it = json_object_iter_next(names, it);
        if (present && !json_object_get(present, name))
            continue;
        char q[512];
        sweep_db_quote(name, q, sizeof q);
        while (list && len + strlen(q) + 2 > cap) {
            char *g = realloc(list, cap *= 2);
            if (!g)
                free(list);
            list = g;
        }
        if (list)
            len += (size_t)snprintf(list + len, cap - len, "%s%s", len ? "," : "", q);
    }
    return list;
}

/* INSERT OR REPLACE of one flat object into table t. */
static int insert(sweep_db *d, int t, json_t *obj, char *err, size_t errlen)
{
    size_t n = json_object_size(obj);
    char *list = sweep_db_column_list(obj, NULL);
    size_t cap = (list ? strlen(list) : 0) + 2 * n + 64;
    char *sql = list ? malloc(cap) : NULL;
    if (!sql) {
        free(list);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t len = (size_t)snprintf(sql, cap, "INSERT OR REPLACE INTO %s(%s) VALUES(", tables[t], list);
    free(list);
    for (size_t j = 0; j < n; j++)
        len += (size_t)snprintf(sql + len, cap - len, "%s?", j ? "," : "");
    snprintf(sql + len, cap - len, ")");
    const char *k;
    json_t *v;
    int i;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
    free(sql);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", d->path, sqlite3_errmsg(d->db));
        return -1;
    }
    i = 1;
    json_object_foreach(obj, k, v)
        bind_json(st, i++, v);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: cannot write: %s", d->path, sqlite3_errmsg(d->db));
        return -1;
    }
    return 0;
}

int sweep_db_put(sweep_db *d, json_t *row, char *err, size_t errlen)
{
    json_t *cols = json_object_get(row, "cols"), *ops = json_object_get(row, "ops");
    if (exec(d, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    int bad = add_columns(d, 0, cols, err, errlen) || insert(d, 0, cols, err, errlen);
    if (!bad && ops) {
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM ops WHERE point_id = %lld",
                 (long long)json_integer_value(json_object_get(cols, "id")));
        bad = exec(d, sql, err, errlen);
        size_t i;
        json_t *op;
        json_array_foreach(ops, i, op) {
            if (bad)
                break;
            json_object_set(op, "point_id", json_object_get(cols, "id"));
            bad = add_columns(d, 1, op, err, errlen) || insert(d, 1, op, err, errlen);
        }
    }
    if (bad) {
        char e2[64];
        exec(d, "ROLLBACK", e2, sizeof e2);
        load_columns(d); /* columns added in the rolled-back transaction are gone */
        return -1;
    }
    return exec(d, "COMMIT", err, errlen);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *sweep_db_columns(sweep_db *d, const char *table)
{
    int t = strcmp(table, "ops") == 0;
    json_t *out = json_array(), *seen = json_object();
    static const char *const lead_points[] = { "id", NULL }, *const lead_ops[] = { "point_id", "phase", "seq", NULL };
    const char *const *lead = t ? lead_ops : lead_points;
    for (int i = 0; lead[i]; i++) {
        json_array_append_new(out, json_string(lead[i]));
        json_object_set_new(seen, lead[i], json_true());
    }
    if (!t) {
        char ptext[65536];
        json_t *params = sweep_db_meta_get(d, "params", ptext, sizeof ptext) == 0
                             ? json_loads(ptext, 0, NULL) : NULL;
        size_t i;
        json_t *p;
        json_array_foreach(params, i, p) {
            json_array_append(out, p);
            json_object_set_new(seen, json_string_value(p), json_true());
        }
        json_decref(params);
        json_array_append_new(out, json_string("status"));
        json_array_append_new(out, json_string("reason"));
        json_object_set_new(seen, "status", json_true());
        json_object_set_new(seen, "reason", json_true());
    }
    size_t n = 0, cap = json_object_size(d->cols[t]) + 1;
    const char **rest = malloc(sizeof *rest * cap);
    const char *k;
    json_t *v;
    json_object_foreach(d->cols[t], k, v)
        if (rest && !json_object_get(seen, k))
            rest[n++] = k;
    if (rest) {
        qsort(rest, n, sizeof *rest, by_name);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(out, json_string(rest[i]));
    }
    free(rest);
    json_decref(seen);
    return out;
}

/* ATTACH src AS shard, the file name bound as data. */
static int attach(sweep_db *d, const char *src, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->db, "ATTACH DATABASE ? AS shard", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, src, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot attach %s: %s", d->path, src, sqlite3_errmsg(d->db));
        return -1;
    }
    return 0;
}

int sweep_db_absorb(sweep_db *d, const char *src, char *err, size_t errlen)
{
    sweep_db s;
    if (sweep_db_open(&s, src, 0, err, errlen) != 0)
        return -1;
    int bad = 0;
    char *list[2] = { NULL, NULL };
    for (int t = 0; t < 2 && !bad; t++) {
        /* the shard's columns, added to d in canonical order */
        json_t *cols = sweep_db_columns(&s, tables[t]), *set = json_object();
        size_t i;
        json_t *c;
        json_array_foreach(cols, i, c)
            if (json_object_get(s.cols[t], json_string_value(c)))
                json_object_set_new(set, json_string_value(c), json_true());
        bad = add_columns(d, t, set, err, errlen);
        list[t] = sweep_db_column_list(cols, s.cols[t]);
        json_decref(set);
        json_decref(cols);
        if (!bad && !list[t]) {
            snprintf(err, errlen, "out of memory");
            bad = 1;
        }
    }
    sweep_db_close(&s);
    bad = bad || attach(d, src, err, errlen);
    for (int t = 0; t < 2 && !bad; t++) {
        size_t n = 2 * strlen(list[t]) + 128;
        char *ins = malloc(n);
        if (!ins) {
            snprintf(err, errlen, "out of memory");
            bad = 1;
            break;
        }
        snprintf(ins, n, "INSERT OR REPLACE INTO main.%s(%s) SELECT %s FROM shard.%s", tables[t],
                 list[t], list[t], tables[t]);
        bad = exec(d, ins, err, errlen);
        free(ins);
    }
    char e2[64];
    exec(d, "DETACH DATABASE shard", e2, sizeof e2);
    free(list[0]);
    free(list[1]);
    return bad ? -1 : 0;
}
