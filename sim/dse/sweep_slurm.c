/* sweep_slurm.c - `lutsim sweep slurm`: write the sbatch scripts of a sweep. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep_slurm.h"

#include "commands.h"
#include "outfiles.h"
#include "sweep_args.h"
#include "sweep_cmds.h"
#include "sweep_point.h"
#include "sweep_spec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Real clusters cap arrays: MaxArraySize defaults to 1001 (indices 0..1000). */
#define SLURM_MAX_TASKS 1000
#define SLURM_DEFAULT_CPUS 4
#define SLURM_DEFAULT_THROTTLE 64
#define SLURM_DEFAULT_TIME "01:00:00"
#define SLURM_DEFAULT_MIN_SECONDS 120
/* Points timed when --point-ms is not given. */
#define SLURM_TIMED_POINTS 4

static const char slurm_usage[] =
    "usage: lutsim sweep slurm SPEC --out DIR --tasks N [--cpus C] [--time T]\n"
    "                          [--partition P] [--throttle K] [--min-task-seconds S]\n"
    "                          [--point-ms MS]\n"
    "\n"
    "Writes (does not submit) a Slurm job array for the sweep SPEC: task I of N\n"
    "runs `lutsim sweep run SPEC --out DIR --shard I/N -j C`, and a merge job,\n"
    "dependent on the array (afterany), runs `lutsim sweep merge DIR`.  The\n"
    "scripts are DIR/slurm/array.sbatch and DIR/slurm/merge.sbatch, task logs go\n"
    "to DIR/slurm/logs/; the line that submits both is printed.\n"
    "\n"
    "  --out DIR              the sweep folder (created); letters, digits and\n"
    "                         ._+,=@/- only (it appears on #SBATCH lines)\n"
    "  --tasks N              array tasks, 1..1000 (MaxArraySize defaults to 1001)\n"
    "  --cpus C               CPUs per task and sweep workers, 1..1024 (default 4)\n"
    "  --time T               time limit per task, Slurm's format: MM, MM:SS,\n"
    "                         HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (default 01:00:00)\n"
    "  --partition P          partition (default: the cluster's)\n"
    "  --throttle K           tasks running at once, the %K of --array (default\n"
    "                         64, at most N)\n"
    "  --min-task-seconds S   fewer tasks are used when a shard would hold under S\n"
    "                         seconds of work (a task costs about 1 s of\n"
    "                         scheduling); default 120, 0 keeps N\n"
    "  --point-ms MS          host milliseconds one point takes on one CPU, for the\n"
    "                         shard sizes, 1..3600000 (default: measured here, the\n"
    "                         CPU time of 4 points spread over the spec, printed)\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 on success, 1 on a bad spec or an unwritable DIR, 2 on bad usage.\n";

int slurm_tasks_for(long points, int asked, int cpus, double min_seconds, double point_seconds)
{
    int tasks = asked;
    if (points < tasks)
        tasks = points > 0 ? (int)points : 1;
    double work = (double)points * point_seconds / cpus; /* seconds, all shards */
    if (min_seconds > 0 && work / tasks < min_seconds) {
        long fit = (long)(work / min_seconds);
        tasks = fit < 1 ? 1 : fit < tasks ? (int)fit : tasks;
    }
    return tasks;
}

/* s single-quoted for the shell: a ' becomes '\''; nothing inside expands. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

int slurm_check_sbatch_word(const char *what, const char *s, const char *punct, char *err,
                            size_t errlen)
{
    if (!*s) {
        snprintf(err, errlen, "%s: empty", what);
        return -1;
    }
    for (const char *c = s; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr(punct, *c))
            continue;
        snprintf(err, errlen,
                 "%s: '%s' holds '%c', which an #SBATCH line cannot carry safely "
                 "(use letters, digits and %s)",
                 what, s, *c, punct);
        return -1;
    }
    return 0;
}

/* No control characters: a path is written into comments and quoted words. */
static int check_text(const char *what, const char *s, char *err, size_t errlen)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            snprintf(err, errlen, "%s: '%s' holds a control character", what, s);
            return -1;
        }
    }
    return 0;
}

/* Slurm's time formats: [D-]H[:M[:S]] after a day, else M[:S] or H:M:S;
 * one to four digits a field, at most three fields. */
static int check_time(const char *s)
{
    const char *c = s;
    int fields = 0, digits = 0, days = 0;
    for (;; c++) {
        if (*c >= '0' && *c <= '9') {
            if (++digits > 4)
                return -1;
            continue;
        }
        if (digits == 0)
            return -1;
        fields++;
        digits = 0;
        if (*c == '\0')
            break;
        if (*c == '-' && fields == 1 && !days) {
            days = 1;
            fields = 0;
        } else if (*c != ':') {
            return -1;
        }
    }
    return fields <= 3 ? 0 : -1;
}

static void put_header(FILE *f, const slurm_plan *p, const char *what)
{
    fprintf(f, "#!/bin/bash\n");
    fprintf(f, "# Written by `lutsim sweep slurm`: %s.\n", what);
    fprintf(f, "# spec: %s (%ld points)\n", p->spec, p->points);
    fprintf(f, "# Submit both jobs with:\n#   ");
    slurm_write_submit(f, p);
}

static void put_common(FILE *f, const slurm_plan *p)
{
    fprintf(f, "#SBATCH --ntasks=1\n");
    fprintf(f, "#SBATCH --time=%s\n", p->time);
    if (p->partition)
        fprintf(f, "#SBATCH --partition=%s\n", p->partition);
    /* A requeued task appends to its log instead of truncating it. */
    fprintf(f, "#SBATCH --open-mode=append\n");
}

/* Tasks start where sbatch ran; the spec's relative names (an arch file)
 * mean what they meant where `sweep slurm` ran. */
static void put_cd(FILE *f, const slurm_plan *p)
{
    fprintf(f, "cd ");
    put_quoted(f, p->cwd);
    fputc('\n', f);
}

void slurm_write_array(FILE *f, const slurm_plan *p)
{
    long per = (p->points + p->tasks - 1) / p->tasks;
    put_header(f, p, "one shard of the sweep per array task");
    fprintf(f, "# %d shards of at most %ld points, %d running at once, %d CPU(s) each\n",
            p->tasks, per, p->throttle, p->cpus);
    fprintf(f, "#SBATCH --job-name=lutsim-sweep\n");
    fprintf(f, "#SBATCH --array=0-%d%%%d\n", p->tasks - 1, p->throttle);
    fprintf(f, "#SBATCH --cpus-per-task=%d\n", p->cpus);
    fprintf(f, "#SBATCH --output=%s/slurm/logs/shard-%%a.out\n", p->dir);
    /* A task whose node fails is run again; a rerun writes the same rows. */
    fprintf(f, "#SBATCH --requeue\n");
    put_common(f, p);
    fprintf(f, "set -eu\n");
    put_cd(f, p);
    fprintf(f, "echo \"shard $SLURM_ARRAY_TASK_ID/%d: job $SLURM_JOB_ID, restart "
               "${SLURM_RESTART_COUNT:-0}, host $(hostname), $(date -u +%%FT%%TZ)\"\n",
            p->tasks);
    fprintf(f, "exec ");
    put_quoted(f, p->lutsim);
    fprintf(f, " sweep run ");
    put_quoted(f, p->spec);
    fprintf(f, " --out ");
    put_quoted(f, p->dir);
    fprintf(f, " --shard \"$SLURM_ARRAY_TASK_ID/%d\" -j \"${SLURM_CPUS_PER_TASK:-%d}\"\n",
            p->tasks, p->cpus);
}

void slurm_write_merge(FILE *f, const slurm_plan *p)
{
    put_header(f, p, "merge the shards once the array has ended (afterany)");
    fprintf(f, "#SBATCH --job-name=lutsim-merge\n");
    fprintf(f, "#SBATCH --cpus-per-task=1\n");
    fprintf(f, "#SBATCH --output=%s/slurm/logs/merge.out\n", p->dir);
    put_common(f, p);
    fprintf(f, "set -u\n");
    put_cd(f, p);
    fprintf(f, "if ! ");
    put_quoted(f, p->lutsim);
    fprintf(f, " sweep merge ");
    put_quoted(f, p->dir);
    fprintf(f, "; then\n");
    fprintf(f, "    # names the missing or partial shards and the --array= list to resubmit\n    ");
    put_quoted(f, p->lutsim);
    fprintf(f, " sweep status ");
    put_quoted(f, p->dir);
    fprintf(f, "\n    exit 1\nfi\n");
}

void slurm_write_submit(FILE *f, const slurm_plan *p)
{
    /* --parsable prints "JOBID" or "JOBID;CLUSTER". */
    fprintf(f, "jid=$(sbatch --parsable %s/slurm/array.sbatch) && "
               "sbatch --dependency=afterany:\"${jid%%%%;*}\" %s/slurm/merge.sbatch\n",
            p->dir, p->dir);
}

typedef struct {
    const char *spec, *out, *time, *partition;
    int tasks, cpus, throttle, min_seconds;
    int point_ms; /* --point-ms, 0: measure */
} slurm_args;

/* Parses and checks the options; -1 to go on, else the exit status (0
 * after --help, 2 after a one-line error). */
static int parse_args(int argc, char **argv, slurm_args *a)
{
    const char *tasks = NULL, *cpus = NULL, *throttle = NULL, *min_seconds = NULL,
               *point_ms = NULL;
    *a = (slurm_args){ .time = SLURM_DEFAULT_TIME, .cpus = SLURM_DEFAULT_CPUS,
                       .min_seconds = SLURM_DEFAULT_MIN_SECONDS };
    const sweep_opt opts[] = {
        { "out", &a->out, NULL, 1 },         { "tasks", &tasks, NULL, 1 },
        { "cpus", &cpus, NULL, 0 },          { "time", &a->time, NULL, 0 },
        { "partition", &a->partition, NULL, 0 }, { "throttle", &throttle, NULL, 0 },
        { "min-task-seconds", &min_seconds, NULL, 0 }, { "point-ms", &point_ms, NULL, 0 },
        { NULL, NULL, NULL, 0 },
    };
    int rc = sweep_args(argc, argv, "sweep slurm", opts, slurm_usage, "SPEC", &a->spec);
    if (rc >= 0)
        return rc;
    if (cli_parse_int("--tasks", tasks, 1, SLURM_MAX_TASKS, &a->tasks) != 0 ||
        (cpus && cli_parse_int("--cpus", cpus, 1, 1024, &a->cpus) != 0) ||
        (throttle && cli_parse_int("--throttle", throttle, 1, SLURM_MAX_TASKS, &a->throttle) != 0) ||
        (min_seconds && cli_parse_int("--min-task-seconds", min_seconds, 0, 86400, &a->min_seconds) != 0) ||
        (point_ms && cli_parse_int("--point-ms", point_ms, 1, 3600000, &a->point_ms) != 0))
        return 2;
    if (check_time(a->time) != 0) {
        cli_error("sweep slurm: --time: expected MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or "
                  "D-HH:MM:SS, got '%s'", a->time);
        return 2;
    }
    char err[512];
    if (a->partition &&
        slurm_check_sbatch_word("--partition", a->partition, SLURM_NAME_PUNCT, err, sizeof err) != 0) {
        cli_error("sweep slurm: %s", err);
        return 2;
    }
    return -1;
}

/* The sweep folder with DIR/slurm/logs made, as an absolute path checked
 * for #SBATCH lines; NULL after an error line. */
static char *make_dirs(outfiles *o, const char *out)
{
    char err[PATH_MAX + 256], sub[PATH_MAX + 32];
    if (check_text("--out", out, err, sizeof err) != 0 || out_dir(o, out, err, sizeof err) != 0) {
        cli_error("sweep slurm: %s", err);
        return NULL;
    }
    char *dir = realpath(out, NULL);
    if (!dir) {
        cli_error("sweep slurm: --out %s: cannot resolve the folder", out);
        return NULL;
    }
    int ok = slurm_check_sbatch_word("--out", dir, SLURM_PATH_PUNCT, err, sizeof err) == 0;
    snprintf(sub, sizeof sub, "%s/slurm", dir);
    ok = ok && out_dir(o, sub, err, sizeof err) == 0;
    snprintf(sub, sizeof sub, "%s/slurm/logs", dir);
    ok = ok && out_dir(o, sub, err, sizeof err) == 0;
    if (!ok) {
        cli_error("sweep slurm: %s", err);
        free(dir);
        return NULL;
    }
    return dir;
}

/* Writes one script through a staged temporary; 0 or -1 after an error line. */
static int write_script(outfiles *o, const slurm_plan *p, const char *name,
                        void (*write)(FILE *, const slurm_plan *))
{
    char path[PATH_MAX + 64], err[PATH_MAX + 256];
    snprintf(path, sizeof path, "%s/slurm/%s", p->dir, name);
    const char *tmp = out_stage(o, path, err, sizeof err);
    FILE *f = tmp ? fopen(tmp, "w") : NULL;
    if (!f) {
        cli_error("sweep slurm: %s", tmp ? path : err);
        return -1;
    }
    write(f, p);
    if (ferror(f) | (fclose(f) != 0)) {
        cli_error("sweep slurm: %s: cannot write", path);
        return -1;
    }
    return 0;
}

/* The CPU seconds of one point of s on this host: the mean of up to
 * SLURM_TIMED_POINTS points spread over the spec, each evaluated as a
 * sweep worker does, from a fresh context (a shard's later points reuse
 * sub-results, so this errs towards longer shards).  -1 after an error line. */
static double time_points(const sweep_spec *s, int *timed)
{
    sweep_ctx *c = malloc(sizeof *c);
    if (!c || sweep_ctx_init(c, s) != 0) {
        free(c);
        cli_error("sweep slurm: out of memory");
        return -1;
    }
    uint64_t k = s->npoints < SLURM_TIMED_POINTS ? s->npoints : SLURM_TIMED_POINTS;
    double cpu = 0;
    char err[1024];
    for (uint64_t i = 0; i < k; i++) {
        /* golden-ratio steps: spread over every digit of a mixed-radix grid */
        double at = (double)i * 0.6180339887498949;
        uint64_t id = (uint64_t)((at - (double)(uint64_t)at) * (double)s->npoints);
        if (id >= s->npoints)
            id = s->npoints - 1;
        clock_t t0 = clock();
        json_t *row = sweep_eval(c, id, 0, err, sizeof err);
        cpu += (double)(clock() - t0) / CLOCKS_PER_SEC;
        if (!row) {
            cli_error("sweep slurm: timing point %llu: %s", (unsigned long long)id, err);
            k = 0;
            break;
        }
        json_decref(row);
    }
    sweep_ctx_free(c);
    free(c);
    *timed = (int)k;
    return k ? cpu / (double)k : -1;
}

static int plan_and_write(const slurm_args *a, slurm_plan *p, outfiles *o)
{
    char err[PATH_MAX + 256];
    sweep_spec s;
    if (sweep_spec_load(a->spec, &s, err, sizeof err) != 0) {
        cli_error("%s", err);
        sweep_spec_free(&s);
        return 1;
    }
    p->points = s.npoints > LONG_MAX ? LONG_MAX : (long)s.npoints;
    int timed = 0;
    double point_s = a->point_ms ? a->point_ms * 1e-3 : time_points(&s, &timed);
    sweep_spec_free(&s);
    if (point_s < 0)
        return 1;
    if (timed)
        printf("sweep slurm: a point takes %.3g ms of CPU here (%d point%s timed; "
               "--point-ms sets it)\n", point_s * 1e3, timed, timed == 1 ? "" : "s");
    out_input(o, a->spec, "SPEC");
    if (!(p->dir = make_dirs(o, a->out)))
        return 1;
    p->tasks = slurm_tasks_for(p->points, a->tasks, a->cpus, a->min_seconds, point_s);
    if (p->tasks < a->tasks && p->tasks == p->points)
        cli_warning("sweep slurm: the spec has %ld points: using %d tasks", p->points, p->tasks);
    else if (p->tasks < a->tasks)
        cli_warning("sweep slurm: --tasks %d would give shards of about %.3g s of work "
                    "(%ld points at %.3g ms a point on %d CPUs, %s) against about 1 s "
                    "of scheduling a task: using %d tasks (--min-task-seconds 0 keeps --tasks)",
                    a->tasks, (double)p->points / a->tasks * point_s / a->cpus, p->points,
                    point_s * 1e3, a->cpus, timed ? "measured" : "--point-ms", p->tasks);
    p->throttle = a->throttle ? a->throttle : SLURM_DEFAULT_THROTTLE;
    if (p->throttle > p->tasks)
        p->throttle = p->tasks;
    if (write_script(o, p, "array.sbatch", slurm_write_array) != 0 ||
        write_script(o, p, "merge.sbatch", slurm_write_merge) != 0)
        return 1;
    if (out_commit(o, err, sizeof err) != 0) {
        cli_error("sweep slurm: %s", err);
        return 1;
    }
    return 0;
}

/* The absolute names a task needs: the spec, this lutsim binary, the folder
 * the spec's relative names start from.  0, or -1 after an error line. */
static int resolve_names(const char *spec, slurm_plan *p)
{
    char err[PATH_MAX + 256];
    if (check_text("SPEC", spec, err, sizeof err) != 0) {
        cli_error("sweep slurm: %s", err);
        return -1;
    }
    if (!(p->spec = realpath(spec, NULL))) {
        cli_error("sweep slurm: %s: %s", spec, strerror(errno));
        return -1;
    }
    if (!(p->lutsim = realpath("/proc/self/exe", NULL)) || !(p->cwd = getcwd(NULL, 0))) {
        cli_error("sweep slurm: cannot find the lutsim binary or this folder: %s", strerror(errno));
        return -1;
    }
    if (check_text("the current folder", p->cwd, err, sizeof err) != 0) {
        cli_error("sweep slurm: %s", err);
        return -1;
    }
    return 0;
}

int sweep_cmd_slurm(int argc, char **argv)
{
    slurm_args a;
    int r = parse_args(argc, argv, &a);
    if (r >= 0)
        return r;
    slurm_plan p = { .time = a.time, .partition = a.partition, .cpus = a.cpus };
    outfiles o;
    out_init(&o);
    r = resolve_names(a.spec, &p) != 0 ? 1 : plan_and_write(&a, &p, &o);
    if (r == 0) {
        printf("sweep slurm: %ld points in %d array task%s (%d at once, %d CPU%s each); "
               "scripts in %s/slurm/\n", p.points, p.tasks, p.tasks == 1 ? "" : "s", p.throttle,
               p.cpus, p.cpus == 1 ? "" : "s", p.dir);
        printf("submit: ");
        slurm_write_submit(stdout, &p);
        fflush(stdout);
    } else {
        out_abort(&o);
    }
    free(p.dir);
    free(p.spec);
    free(p.lutsim);
    free(p.cwd);
    return r;
}
