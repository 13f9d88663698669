/* sweep_run.c - `lutsim sweep run` (sweep_run.h). */
#include "sweep_run.h"

#include "commands.h"
#include "lutsim_version.h"
#include "progress.h"
#include "sweep_args.h"
#include "sweep_db.h"
#include "sweep_point.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char run_usage[] =
    "usage: lutsim sweep run SPEC --out DIR [-j N] [--shard I/N] [--force] [--ops] [--quiet]\n"
    "\n"
    "Evaluates every point of the sweep spec SPEC (JSON; README \"Design-space\n"
    "sweeps\") into DIR/results.sqlite, one row per point.\n"
    "\n"
    "  --out DIR      the sweep's folder (created if needed)\n"
    "  -j N           worker processes, 1..1024 (default: SLURM_CPUS_PER_TASK, else\n"
    "                 the machine's cores)\n"
    "  --shard I/N    only the I-th (from 0) of N contiguous blocks of points, into\n"
    "                 DIR/shard-I-of-N.sqlite (`lutsim sweep merge DIR` combines them)\n"
    "  --force        DIR holds results of another spec or lutsim version: discard\n"
    "                 them and start over (without it the run refuses)\n"
    "  --ops          also one row per operation of each point (table ops)\n"
    "  --quiet        no progress line on stderr\n"
    "\n"
    "Run the same command again after an interruption (Ctrl-C, SIGTERM, a kill, a\n"
    "crash): the stored points are kept and only the others are evaluated.\n";

uint64_t sweep_shard_first(uint64_t npoints, int i, int n)
{
    return npoints / (uint64_t)n * (uint64_t)i + npoints % (uint64_t)n * (uint64_t)i / (uint64_t)n;
}

int sweep_parse_shard(const char *s, int *i, int *n)
{
    char a[32], b[32];
    const char *slash = strchr(s, '/');
    if (!slash || (size_t)(slash - s) >= sizeof a || strlen(slash + 1) >= sizeof b) {
        cli_error("--shard: expected I/N (e.g. 0/4), got '%s'", s);
        return -1;
    }
    memcpy(a, s, (size_t)(slash - s));
    a[slash - s] = '\0';
    snprintf(b, sizeof b, "%s", slash + 1);
    if (cli_parse_int("--shard N", b, 1, 100000, n) != 0 ||
        cli_parse_int("--shard I", a, 0, *n - 1, i) != 0)
        return -1;
    return 0;
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

typedef struct {
    pid_t pid;
    int cmd, res;          /* pipe ends: ids to the worker, rows from it */
    int inflight;
    uint64_t ids[SWEEP_IN_FLIGHT];
    char *buf;             /* bytes of rows not yet complete */
    size_t len, cap;
} worker;

/* The worker process: reads ids, writes one row (JSON line) per id. */
static void worker_main(const sweep_spec *s, int in, int out, int want_ops)
{
    signal(SIGINT, SIG_IGN); /* the parent stops the workers itself */
    signal(SIGTERM, SIG_DFL);
    FILE *fi = fdopen(in, "r"), *fo = fdopen(out, "w");
    sweep_ctx *c = malloc(sizeof *c);
    if (!fi || !fo || !c || sweep_ctx_init(c, s) != 0)
        _exit(3);
    char line[64], err[1024];
    while (fgets(line, sizeof line, fi)) {
        uint64_t id = strtoull(line, NULL, 10);
        json_t *row = sweep_eval(c, id, want_ops, err, sizeof err);
        if (!row) {
            row = json_pack("{s:s}", "error", err);
        }
        char *text = row ? json_dumps(row, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
        json_decref(row);
        if (!text || fprintf(fo, "%s\n", text) < 0 || fflush(fo) != 0)
            _exit(3);
        free(text);
    }
    /* last, what the cache saved (the summary's, never a row's) */
    uint64_t ah, am;
    lower_cache_attn_counts(c->shapes, &ah, &am);
    fprintf(fo, "{\"stats\": {\"reused\": %llu, \"simulated\": %llu, \"attn_reused\": %llu, "
            "\"attn_simulated\": %llu}}\n", (unsigned long long)c->cache_hits,
            (unsigned long long)c->cache_misses, (unsigned long long)ah, (unsigned long long)am);
    fflush(fo);
    _exit(0);
}

static int start_worker(worker *w, const sweep_spec *s, int want_ops, worker *all, int nall)
{
    int a[2], b[2];
    if (pipe(a) != 0)
        return -1;
    if (pipe(b) != 0) {
        close(a[0]);
        close(a[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        for (int i = 0; i < nall; i++) { /* the other workers' pipes are not this one's */
            if (all[i].pid > 0) {
                close(all[i].cmd);
                close(all[i].res);
            }
        }
        close(a[1]);
        close(b[0]);
        worker_main(s, a[0], b[1], want_ops);
    }
    close(a[0]);
    close(b[1]);
    memset(w, 0, sizeof *w);
    w->pid = pid;
    w->cmd = a[1];
    w->res = b[0];
    return 0;
}

static void stop_workers(worker *w, int n)
{
    for (int i = 0; i < n; i++)
        if (w[i].pid > 0)
            kill(w[i].pid, SIGTERM);
    for (int i = 0; i < n; i++) {
        if (w[i].pid > 0) {
            close(w[i].cmd);
            close(w[i].res);
            waitpid(w[i].pid, NULL, 0);
            w[i].pid = 0;
        }
        free(w[i].buf);
        w[i].buf = NULL;
    }
}

static int default_workers(void)
{
    const char *e = getenv("SLURM_CPUS_PER_TASK");
    int n;
    if (e && *e) {
        char *end;
        long v = strtol(e, &end, 10);
        if (*end == '\0' && v >= 1 && v <= 1024)
            return (int)v;
    }
    n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? n : 1;
}

typedef struct {
    const sweep_spec *s;
    sweep_db db;
    uint64_t first, last;
    unsigned char *done;        /* done[id - first]: stored before this run (1), sent in it (2) */
    uint64_t ntodo, sent, stored;
    /* Each point is its affinity's worker's (sweep_point_affinity: the
     * affinity mod the workers), so the points that share simulations meet
     * one worker's memos, not every worker's.  Worker q sends its own points
     * in order from cursor[q] - first on; one that has run out takes the
     * last point not yet sent, from back down, and adopts its affinity:
     * it takes that affinity's next points itself (from tback[q] down), so
     * what they share is simulated by two workers, not by one per point.
     * done[] marks sent points 2. */
    uint64_t *cursor, back, *tback, *adopt;
    unsigned char *adopted;
    uint64_t reused, simulated; /* phases: from the workers' caches, and simulated */
    uint64_t attn_reused, attn_simulated; /* attention timings (attn_memo.h) likewise */
    int want_ops, quiet, nworkers;
    uint64_t *retry;            /* ids sent to a worker that died before doing them */
    int nretry, crashes;
    worker *w;                  /* all the workers (a restarted one closes the others' pipes) */
} run_state;

/* A worker dies this often before the sweep gives up (a bug, not a point). */
#define SWEEP_MAX_CRASHES 32

/* The next point for worker q (one is left: sent < ntodo). */
static uint64_t next_point(run_state *r, int q)
{
    const uint64_t range = r->last - r->first;
    uint64_t *c = &r->cursor[q];
    while (*c < range &&
           (r->done[*c] || sweep_point_affinity(r->s, r->first + *c) % (uint64_t)r->nworkers != (uint64_t)q))
        ++*c;
    uint64_t i = *c;
    if (i == range && r->adopted[q]) { /* the adopted affinity's next, if its owner left one */
        const uint64_t a = r->adopt[q], stop = r->cursor[a % (uint64_t)r->nworkers];
        uint64_t *b = &r->tback[q];
        while (*b > stop && (r->done[*b - 1] || sweep_point_affinity(r->s, r->first + *b - 1) != a))
            --*b;
        if (*b > stop)
            i = --*b;
    }
    if (i == range) { /* its own are all sent: the last point of another's */
        while (r->done[r->back - 1])
            r->back--;
        i = --r->back;
        r->adopt[q] = sweep_point_affinity(r->s, r->first + i);
        r->adopted[q] = 1;
        r->tback[q] = i;
    }
    r->done[i] = 2;
    r->sent++;
    return r->first + i;
}

/* Sends ids to w until it has SWEEP_IN_FLIGHT or none are left. */
static int feed(run_state *r, worker *w)
{
    while (w->inflight < SWEEP_IN_FLIGHT && (r->nretry > 0 || r->sent < r->ntodo)) {
        uint64_t id;
        if (r->nretry > 0)
            id = r->retry[--r->nretry];
        else
            id = next_point(r, (int)(w - r->w));
        char line[32];
        int n = snprintf(line, sizeof line, "%llu\n", (unsigned long long)id);
        if (write(w->cmd, line, (size_t)n) != n)
            return -1;
        w->ids[w->inflight++] = id;
    }
    if (r->sent >= r->ntodo && r->nretry == 0 && w->cmd >= 0 && w->inflight == 0) {
        close(w->cmd); /* nothing more for it: it ends */
        w->cmd = -1;
    }
    return 0;
}

/* Stores the complete rows in w's buffer; -1 on an error that stops the sweep. */
static int take_rows(run_state *r, worker *w, char *err, size_t errlen)
{
    char *nl;
    size_t used = 0;
    while ((nl = memchr(w->buf + used, '\n', w->len - used))) {
        *nl = '\0';
        json_error_t je;
        json_t *row = json_loads(w->buf + used, 0, &je);
        used = (size_t)(nl - w->buf) + 1;
        json_t *e = json_object_get(row, "error"), *stats = json_object_get(row, "stats");
        if (stats) {
            r->reused += (uint64_t)json_integer_value(json_object_get(stats, "reused"));
            r->simulated += (uint64_t)json_integer_value(json_object_get(stats, "simulated"));
            r->attn_reused += (uint64_t)json_integer_value(json_object_get(stats, "attn_reused"));
            r->attn_simulated +=
                (uint64_t)json_integer_value(json_object_get(stats, "attn_simulated"));
            json_decref(row);
            continue;
        }
        if (!row || e) {
            snprintf(err, errlen, "%s", e ? json_string_value(e) : "a worker sent a broken row");
            json_decref(row);
            return -1;
        }
        int rc = sweep_db_put(&r->db, row, err, errlen);
        json_decref(row);
        if (rc != 0)
            return -1;
        memmove(w->ids, w->ids + 1, sizeof w->ids[0] * (SWEEP_IN_FLIGHT - 1));
        w->inflight--;
        r->stored++;
    }
    memmove(w->buf, w->buf + used, w->len - used);
    w->len -= used;
    return 0;
}

/* The worker w died with points in flight: the one it was evaluating gets
 * a row with status "error" (a rerun retries it), the others go to the
 * next worker, and a new worker takes w's place.  0, or -1 to give up. */
static int worker_died(run_state *r, worker *w, int st, char *err, size_t errlen)
{
    uint64_t id = w->ids[0];
    for (int i = 1; i < w->inflight; i++)
        r->retry[r->nretry++] = w->ids[i];
    char reason[160];
    if (WIFSIGNALED(st))
        snprintf(reason, sizeof reason, "the worker evaluating it was killed by signal %d (a "
                 "rerun retries it)", WTERMSIG(st));
    else
        snprintf(reason, sizeof reason, "the worker evaluating it exited with status %d (a "
                 "rerun retries it)", WEXITSTATUS(st));
    if (++r->crashes > SWEEP_MAX_CRASHES) {
        snprintf(err, errlen, "workers died %d times, the last at point %llu: %s", r->crashes,
                 (unsigned long long)id, reason);
        return -1;
    }
    json_t *vals[r->s->np > 0 ? r->s->np : 1];
    json_t *row = json_object(), *cols = json_object();
    json_object_set_new(row, "cols", cols);
    json_object_set_new(cols, "id", json_integer((json_int_t)id));
    if (sweep_point_values(r->s, id, vals) == 0) {
        for (int j = 0; j < r->s->np; j++)
            if (sweep_param_first(r->s, j))
                json_object_set_new(cols, r->s->p[j].key, vals[j]);
            else
                json_decref(vals[j]);
    }
    json_object_set_new(cols, "status", json_string("error"));
    json_object_set_new(cols, "reason", json_string(reason));
    int rc = sweep_db_put(&r->db, row, err, errlen);
    json_decref(row);
    free(w->buf);
    if (rc != 0 || start_worker(w, r->s, r->want_ops, r->w, r->nworkers) != 0 || feed(r, w) != 0) {
        if (rc == 0)
            snprintf(err, errlen, "cannot restart a worker: %s", strerror(errno));
        return -1;
    }
    r->stored++;
    return 0;
}

static int read_worker(run_state *r, worker *w, char *err, size_t errlen)
{
    if (w->cap - w->len < 65536) {
        char *g = realloc(w->buf, w->cap + 65536 * 2);
        if (!g) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        w->buf = g;
        w->cap += 65536 * 2;
    }
    ssize_t n = read(w->res, w->buf + w->len, w->cap - w->len);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    if (n == 0) { /* the worker ended */
        int st = 0;
        waitpid(w->pid, &st, 0);
        w->pid = 0;
        close(w->res);
        if (w->cmd >= 0)
            close(w->cmd);
        if (w->inflight == 0)
            return 1;
        return worker_died(r, w, st, err, errlen);
    }
    w->len += (size_t)n;
    return take_rows(r, w, err, errlen);
}

/* The dispatch loop; 0 finished, 1 stopped by a signal, -1 error. */
static int run_workers(run_state *r, char *err, size_t errlen)
{
    int n = r->nworkers;
    worker *w = calloc((size_t)n, sizeof *w);
    struct pollfd *pf = calloc((size_t)n, sizeof *pf);
    if (!w || !pf) {
        free(w);
        free(pf);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->w = w;
    r->retry = malloc(sizeof *r->retry * (size_t)n * SWEEP_IN_FLIGHT);
    r->cursor = calloc((size_t)n * 3, sizeof *r->cursor);
    r->tback = r->cursor + n;
    r->adopt = r->tback + n;
    r->adopted = calloc((size_t)n, 1);
    r->back = r->last - r->first;
    int rc = 0, alive = 0;
    if (!r->retry || !r->cursor || !r->adopted) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        if (start_worker(&w[i], r->s, r->want_ops, w, i) != 0 || feed(r, &w[i]) != 0) {
            snprintf(err, errlen, "cannot start a worker: %s", strerror(errno));
            rc = -1;
        }
        alive += rc == 0;
    }
    progress pr;
    progress_init(&pr, "sweep", "points", r->ntodo, r->quiet);
    while (rc == 0 && alive > 0) {
        if (stop_signal) {
            rc = 1;
            break;
        }
        int np = 0;
        for (int i = 0; i < n; i++)
            if (w[i].pid > 0)
                pf[np++] = (struct pollfd){ .fd = w[i].res, .events = POLLIN };
        if (poll(pf, (nfds_t)np, 250) < 0 && errno != EINTR) {
            snprintf(err, errlen, "poll: %s", strerror(errno));
            rc = -1;
            break;
        }
        for (int i = 0, k = 0; i < n && rc == 0; i++) {
            if (w[i].pid <= 0)
                continue;
            if (pf[k++].revents == 0)
                continue;
            int got = read_worker(r, &w[i], err, errlen);
            if (got < 0)
                rc = -1;
            else if (got == 1)
                alive--;
            else if (feed(r, &w[i]) != 0) {
                snprintf(err, errlen, "a worker stopped reading: %s", strerror(errno));
                rc = -1;
            }
        }
        progress_update(&pr, r->stored);
    }
    progress_end(&pr);
    stop_workers(w, n);
    free(w);
    free(pf);
    free(r->retry);
    r->retry = NULL;
    free(r->cursor);
    free(r->adopted);
    r->cursor = NULL;
    r->adopted = NULL;
    return rc;
}

/* Opens DIR's database, refusing another spec's or version's results
 * unless force (then they are removed). */
static int open_db(run_state *r, const char *path, int shard, int nshards, int force, char *err,
                   size_t errlen)
{
    if (sweep_db_open(&r->db, path, 1, err, errlen) != 0)
        return -1;
    char hash[64], version[200], want[64];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)r->s->hash);
    int has = sweep_db_meta_get(&r->db, "spec_hash", hash, sizeof hash) == 0;
    int vok = sweep_db_meta_get(&r->db, "version", version, sizeof version) == 0 &&
              !strcmp(version, lutsim_version());
    if (has && (strcmp(hash, want) != 0 || !vok)) {
        if (!force) {
            snprintf(err, errlen, "%s: holds results of %s (spec hash %s, this spec %s; lutsim %s, "
                     "this one %s): use --force to discard them and start over, or another --out",
                     path, strcmp(hash, want) ? "another spec" : "another lutsim version", hash,
                     want, vok ? lutsim_version() : version, lutsim_version());
            sweep_db_close(&r->db);
            return -1;
        }
        sweep_db_close(&r->db);
        char side[1100];
        unlink(path);
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
        if (sweep_db_open(&r->db, path, 1, err, errlen) != 0)
            return -1;
    }
    return sweep_db_init(&r->db, r->s, lutsim_version(), shard, nshards, r->first, r->last, err,
                         errlen);
}

static void print_summary(run_state *r, double seconds)
{
    sqlite3_stmt *st;
    printf("sweep: %llu points stored of %llu in %s",
           (unsigned long long)sweep_db_done(&r->db, r->first, r->last, NULL),
           (unsigned long long)(r->last - r->first), r->db.path);
    if (sqlite3_prepare_v2(r->db.db, "SELECT status, count(*) FROM points GROUP BY status ORDER BY status",
                           -1, &st, NULL) == SQLITE_OK) {
        const char *sep = " (";
        while (sqlite3_step(st) == SQLITE_ROW) {
            printf("%s%lld %s", sep, (long long)sqlite3_column_int64(st, 1),
                   (const char *)sqlite3_column_text(st, 0));
            sep = ", ";
        }
        printf("%s", strcmp(sep, ", ") ? "" : ")");
        sqlite3_finalize(st);
    }
    printf("\n       %llu evaluated now in %.3f s (%.1f points/s on %d workers); %llu phases "
           "simulated, %llu reused from earlier points; attention timings %llu simulated, "
           "%llu reused\n",
           (unsigned long long)r->stored, seconds, seconds > 0 ? (double)r->stored / seconds : 0.0,
           r->nworkers, (unsigned long long)r->simulated, (unsigned long long)r->reused,
           (unsigned long long)r->attn_simulated, (unsigned long long)r->attn_reused);
}

int sweep_cmd_run(int argc, char **argv)
{
    const char *out = NULL, *jobs_text = NULL, *shard_text = NULL, *spec = NULL;
    int jobs = 0, shard = 0, nshards = 0, force = 0, want_ops = 0, quiet = 0;
    const sweep_opt opts[] = {
        { "out", &out, NULL, 1 },      { "j", &jobs_text, NULL, 0 }, { "shard", &shard_text, NULL, 0 },
        { "force", NULL, &force, 0 },  { "ops", NULL, &want_ops, 0 }, { "quiet", NULL, &quiet, 0 },
        { NULL, NULL, NULL, 0 },
    };
    int rc = sweep_args(argc, argv, "sweep run", opts, run_usage, "SPEC", &spec);
    if (rc >= 0)
        return rc;
    if ((jobs_text && cli_parse_int("-j", jobs_text, 1, 1024, &jobs)) ||
        (shard_text && sweep_parse_shard(shard_text, &shard, &nshards)))
        return 2;
    char err[2048];
    sweep_spec s;
    if (sweep_spec_load_checked(spec, &s, err, sizeof err) != 0) {
        cli_error("%s", err);
        return 1;
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        cli_error("%s: cannot create: %s", out, strerror(errno));
        sweep_spec_free(&s);
        return 1;
    }
    run_state r = { .s = &s, .want_ops = want_ops, .quiet = quiet };
    r.first = nshards ? sweep_shard_first(s.npoints, shard, nshards) : 0;
    r.last = nshards ? sweep_shard_first(s.npoints, shard + 1, nshards) : s.npoints;
    char path[1024];
    sweep_db_path(out, shard, nshards, path, sizeof path);
    int status = 1;
    unsigned char *done = NULL;
    if (open_db(&r, path, shard, nshards, force, err, sizeof err) != 0) {
        cli_error("%s", err);
        sweep_spec_free(&s);
        return 1;
    }
    uint64_t range = r.last - r.first;
    done = calloc(range + 1, 1);
    r.done = done;
    if (!done) {
        cli_error("out of memory for %llu points", (unsigned long long)range);
        goto end;
    }
    sweep_db_done(&r.db, r.first, r.last, done);
    for (uint64_t i = 0; i < range; i++)
        if (!done[i])
            r.ntodo++;
    r.nworkers = jobs ? jobs : default_workers();
    if ((uint64_t)r.nworkers > r.ntodo)
        r.nworkers = r.ntodo ? (int)r.ntodo : 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns at once */
    sigemptyset(&sa.sa_mask);
    struct sigaction old_int, old_term;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    signal(SIGPIPE, SIG_IGN);
    double t0 = cli_now_seconds();
    rc = r.ntodo ? run_workers(&r, err, sizeof err) : 0;
    double t = cli_now_seconds() - t0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc < 0) {
        cli_error("%s", err);
    } else if (rc == 1) {
        cli_error("sweep stopped by %s: %llu of %llu points kept in %s; run the same command "
                  "again to continue", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
                  (unsigned long long)sweep_db_done(&r.db, r.first, r.last, NULL),
                  (unsigned long long)range, path);
        status = 128 + stop_signal;
    } else {
        print_summary(&r, t);
        status = 0;
        if (r.crashes > 0) {
            cli_error("%d point%s failed (the worker evaluating it died): run the same command "
                      "again to retry", r.crashes, r.crashes > 1 ? "s" : "");
            status = 1;
        }
    }
end:
    free(done);
    sweep_db_close(&r.db);
    sweep_spec_free(&s);
    return status;
}
