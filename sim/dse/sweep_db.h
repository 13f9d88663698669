/* sweep_db.h - a sweep's results in SQLite (libsqlite3).
 *
 * One file per run or shard: DIR/results.sqlite, or
 * DIR/shard-I-of-N.sqlite for `--shard I/N` (I from 0; no SQLite file is
 * shared between machines).  Tables:
 *   meta(key, value)  spec_hash, version, npoints, shard, first, last,
 *                     params (JSON array of the swept key paths), spec;
 *   points            one row per point: id, the parameters by key path,
 *                     status, reason, the report's figures (sweep_point.h);
 *   ops               with --ops: point_id, phase, seq and the operation's
 *                     fields, one row per operation.
 * Columns appear as figures first appear (a build that reports area_mm2
 * gets that column); readers order them canonically (sweep_db_columns).
 * The journal is WAL and each point is committed alone, so a killed run
 * loses only the points in flight.
 */
#ifndef SWEEP_DB_H
#define SWEEP_DB_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "sweep_spec.h"

typedef struct {
    sqlite3 *db;
    char path[1024];
    json_t *cols[2];   /* known columns of points and ops (a set: name -> true) */
} sweep_db;

/* The file of a run (nshards 0) or of shard i of n, in dir. */
void sweep_db_path(const char *dir, int shard, int nshards, char *out, size_t n);

/* Opens path (create: make it if missing).  0, or -1 with err. */
int sweep_db_open(sweep_db *d, const char *path, int create, char *err, size_t errlen);
void sweep_db_close(sweep_db *d);

/* meta: value of key into out (0), or -1 if absent. */
int sweep_db_meta_get(sweep_db *d, const char *key, char *out, size_t n);
int sweep_db_meta_set(sweep_db *d, const char *key, const char *value);

/* Creates the (empty) tables if missing.  0, or -1 with err. */
int sweep_db_create(sweep_db *d, char *err, size_t errlen);

/* Creates the tables and records the spec (hash, version, range). */
int sweep_db_init(sweep_db *d, const sweep_spec *s, const char *version, int shard,
                  int nshards, uint64_t first, uint64_t last, char *err, size_t errlen);

/* The number of points stored in first..last-1; with done (not NULL),
 * done[id - first] = 1 for each, except those of status "error" (their
 * worker died: a rerun evaluates them again), and only those are counted. */
int64_t sweep_db_done(sweep_db *d, uint64_t first, uint64_t last, unsigned char *done);

/* Stores a row (sweep_point.h) in one transaction, replacing the point's
 * earlier row and operations.  0, or -1 with err. */
int sweep_db_put(sweep_db *d, json_t *row, char *err, size_t errlen);

/* The columns of table ("points" or "ops") in canonical order: id, the
 * parameters in spec order, status, reason, then the rest by name (for
 * ops: point_id, phase, seq, then by name).  A new JSON array of strings. */
json_t *sweep_db_columns(sweep_db *d, const char *table);

/* Copies every row of the database file src into d (merge).  0 or -1. */
int sweep_db_absorb(sweep_db *d, const char *src, char *err, size_t errlen);

/* The quoted, comma-separated names of a JSON array of strings or of an
 * object's keys, in order, only those in the set present (NULL: all); a
 * malloc'd string, NULL if out of memory. */
char *sweep_db_column_list(json_t *names, json_t *present);

/* Quotes an identifier for SQL ("a.b" -> "\"a.b\""), into out. */
void sweep_db_quote(const char *name, char *out, size_t n);

#endif
