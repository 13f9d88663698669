/* sweep_shard.c - `lutsim sweep merge` and `lutsim sweep status`: the shard
 * databases of a sweep run as --shard I/N on many machines. */
#include "sweep_cmds.h"

#include "commands.h"
#include "sweep_args.h"
#include "sweep_db.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int present;
    long long first, last, stored;
    char hash[64], version[200];
} shard_info;

typedef struct {
    int n;                  /* N of the shards (shard-I-of-N) */
    shard_info *s;          /* n entries */
    long long npoints;
} shard_set;

static long long meta_ll(sweep_db *d, const char *key)
{
    char v[64];
    return sweep_db_meta_get(d, key, v, sizeof v) == 0 ? atoll(v) : -1;
}

/* Reads DIR's shard files of N (want: 0 = the one N found there). */
static int scan(const char *dir, int want, shard_set *set, char *err, size_t errlen)
{
    memset(set, 0, sizeof *set);
    DIR *dp = opendir(dir);
    if (!dp) {
        snprintf(err, errlen, "%s: cannot open: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int n = want;
    while ((e = readdir(dp))) {
        int i, k, end = 0;
        if (sscanf(e->d_name, "shard-%d-of-%d.sqlite%n", &i, &k, &end) != 2 ||
            e->d_name[end] != '\0' || k < 1 || i < 0 || i >= k)
            continue;
        if (n && k != n) {
            snprintf(err, errlen, "%s: shards of %d and of %d blocks (give --shards N, or remove "
                     "the other sweep's files)", dir, n, k);
            closedir(dp);
            return -1;
        }
        n = k;
    }
    closedir(dp);
    if (!n) {
        snprintf(err, errlen, "%s: no shard databases (shard-I-of-N.sqlite) here", dir);
        return -1;
    }
    set->n = n;
    set->s = calloc((size_t)n, sizeof *set->s);
    if (!set->s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    set->npoints = -1;
    for (int i = 0; i < n; i++) {
        char path[1024], e2[512];
        sweep_db_path(dir, i, n, path, sizeof path);
        sweep_db d;
        if (access(path, F_OK) != 0 || sweep_db_open(&d, path, 0, e2, sizeof e2) != 0)
            continue;
        shard_info *s = &set->s[i];
        s->first = meta_ll(&d, "first");
        s->last = meta_ll(&d, "last");
        long long np = meta_ll(&d, "npoints");
        if (s->first >= 0 && s->last >= s->first && np >= 0 &&
            sweep_db_meta_get(&d, "spec_hash", s->hash, sizeof s->hash) == 0 &&
            sweep_db_meta_get(&d, "version", s->version, sizeof s->version) == 0) {
            s->present = 1;
            s->stored = sweep_db_done(&d, (uint64_t)s->first, (uint64_t)s->last, NULL);
            set->npoints = np;
        }
        sweep_db_close(&d);
    }
    return 0;
}

/* Appends "1-3,5" style runs of the shards that are not complete. */
static void array_list(const shard_set *set, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < set->n; i++) {
        const shard_info *s = &set->s[i];
        if (s->present && s->stored == s->last - s->first)
            continue;
        int j = i;
        while (j + 1 < set->n && !(set->s[j + 1].present &&
                                   set->s[j + 1].stored == set->s[j + 1].last - set->s[j + 1].first))
            j++;
        if (o < n)
            o += (size_t)snprintf(out + o, n - o, j > i ? "%s%d-%d" : "%s%d", o ? "," : "", i, j);
        i = j;
    }
}

static const char status_usage[] =
    "usage: lutsim sweep status DIR [--shards N]\n"
    "\n"
    "Names the shards of DIR (shard-I-of-N.sqlite from `sweep run --shard I/N`)\n"
    "that are missing or partial and prints the --array= list of the Slurm\n"
    "tasks to resubmit.  Exit status 0 when every shard is complete, 3 when\n"
    "some are not, 1 on an error.  --shards N: expect N shards (else the N of\n"
    "the files found).\n";

static const char merge_usage[] =
    "usage: lutsim sweep merge DIR\n"
    "\n"
    "Combines DIR's complete shard databases into DIR/results.sqlite, the same\n"
    "results as one `sweep run` without --shard (its export is byte-identical).\n"
    "Refuses, naming them, while shards are missing or partial, or when they\n"
    "come from different specs or lutsim versions.\n";

int sweep_cmd_status(int argc, char **argv)
{
    const char *shards_text = NULL, *dir = NULL;
    int shards = 0;
    const sweep_opt opts[] = { { "shards", &shards_text, NULL, 0 }, { NULL, NULL, NULL, 0 } };
    int rc = sweep_args(argc, argv, "sweep status", opts, status_usage, "DIR", &dir);
    if (rc >= 0)
        return rc;
    if (shards_text && cli_parse_int("--shards", shards_text, 1, 100000, &shards) != 0)
        return 2;
    char err[2048], list[4096];
    shard_set set;
    if (scan(dir, shards, &set, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    int complete = 0;
    for (int i = 0; i < set.n; i++) {
        shard_info *s = &set.s[i];
        if (!s->present) {
            printf("shard %d of %d: missing\n", i, set.n);
        } else if (s->stored < s->last - s->first) {
            printf("shard %d of %d: partial, %lld of %lld points (ids %lld..%lld)\n", i, set.n,
                   s->stored, s->last - s->first, s->first, s->last - 1);
        } else {
            complete++;
        }
    }
    array_list(&set, list, sizeof list);
    if (complete == set.n)
        printf("all %d shards complete (%lld points): `lutsim sweep merge %s`\n", set.n,
               set.npoints, dir);
    else
        printf("%d of %d shards complete; resubmit: --array=%s\n", complete, set.n, list);
    free(set.s);
    return complete == set.n ? 0 : 3;
}

/* The merged file's meta: the shards' (the same spec), as one whole run's. */
static int merged_meta(sweep_db *out, const char *first_shard, long long npoints, char *err,
                       size_t errlen)
{
    sweep_db s;
    if (sweep_db_open(&s, first_shard, 0, err, errlen) != 0)
        return -1;
    static const char *const keys[] = { "spec_hash", "version", "spec", "params", "npoints" };
    int bad = 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0] && !bad; k++) {
        static char v[1 << 20];
        bad = sweep_db_meta_get(&s, keys[k], v, sizeof v) != 0 ||
              sweep_db_meta_set(out, keys[k], v) != 0;
    }
    sweep_db_close(&s);
    char n[32];
    snprintf(n, sizeof n, "%lld", npoints);
    bad = bad || sweep_db_meta_set(out, "shard", "0/0") || sweep_db_meta_set(out, "first", "0") ||
          sweep_db_meta_set(out, "last", n);
    if (bad)
        snprintf(err, errlen, "%s: cannot write the meta table", out->path);
    return bad ? -1 : 0;
}

int sweep_cmd_merge(int argc, char **argv)
{
    const char *dir = NULL;
    const sweep_opt opts[] = { { NULL, NULL, NULL, 0 } };
    int rc = sweep_args(argc, argv, "sweep merge", opts, merge_usage, "DIR", &dir);
    if (rc >= 0)
        return rc;
    char err[2048], list[4096];
    shard_set set;
    if (scan(dir, 0, &set, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    array_list(&set, list, sizeof list);
    int status = 1;
    if (list[0]) {
        cli_error("%s: shards %s of %d are missing or partial (see `lutsim sweep status %s`)",
                  dir, list, set.n, dir);
        goto end;
    }
    for (int i = 1; i < set.n; i++) {
        if (strcmp(set.s[i].hash, set.s[0].hash) || strcmp(set.s[i].version, set.s[0].version)) {
            cli_error("%s: shard %d of %d comes from another spec or lutsim version than shard 0",
                      dir, i, set.n);
            goto end;
        }
    }
    char final[1024], tmp[1100], side[1200], first[1024];
    sweep_db_path(dir, 0, 0, final, sizeof final);
    snprintf(tmp, sizeof tmp, "%s.merge-%ld", final, (long)getpid());
    sweep_db_path(dir, 0, set.n, first, sizeof first);
    unlink(tmp);
    sweep_db out;
    if (sweep_db_open(&out, tmp, 1, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto end;
    }
    int bad = sweep_db_create(&out, err, sizeof err) ||
              merged_meta(&out, first, set.npoints, err, sizeof err);
    for (int i = 0; i < set.n && !bad; i++) {
        char path[1024];
        sweep_db_path(dir, i, set.n, path, sizeof path);
        bad = sweep_db_absorb(&out, path, err, sizeof err);
    }
    long long stored = bad ? 0 : sweep_db_done(&out, 0, (uint64_t)set.npoints, NULL);
    sweep_db_close(&out);
    if (!bad && stored != set.npoints) {
        snprintf(err, sizeof err, "%s: the shards hold %lld of %lld points", dir, stored,
                 set.npoints);
        bad = 1;
    }
    /* results.sqlite replaced as a whole: its old journal files go first */
    snprintf(side, sizeof side, "%s-wal", final);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", final);
    unlink(side);
    if (!bad && rename(tmp, final) != 0) {
        snprintf(err, sizeof err, "%s: cannot rename into place: %s", final, strerror(errno));
        bad = 1;
    }
    if (bad) {
        cli_error("%s", err);
        unlink(tmp);
        snprintf(side, sizeof side, "%s-wal", tmp);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", tmp);
        unlink(side);
        goto end;
    }
    printf("merged %d shards (%lld points) into %s\n", set.n, stored, final);
    status = 0;
end:
    free(set.s);
    return status;
}
