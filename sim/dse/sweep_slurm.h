/* sweep_slurm.h - `lutsim sweep slurm`: job-array scripts for a sweep on Slurm.
 *
 * The command is sweep_cmd_slurm (sweep_cmds.h).  It writes, never submits,
 * two sbatch scripts into DIR/slurm/:
 *   array.sbatch  `#SBATCH --array=0-(N-1)%T`; task I runs
 *                 `lutsim sweep run SPEC --out DIR --shard I/N -j CPUS`
 *   merge.sbatch  `lutsim sweep merge DIR` (and `sweep status DIR` when a
 *                 shard is missing), submitted with an afterany dependency
 * and prints the line that submits both.  Task logs go to DIR/slurm/logs/.
 *
 * Every path in a script is absolute (tasks start in any folder on any node)
 * and single-quoted for the shell.  The output folder also appears on an
 * #SBATCH line, which sbatch reads without a shell and where '%' is a
 * pattern, so it is limited to letters, digits and ._+,=@/-; a name with
 * anything else (blank, quote, $, %, a control character) is refused with
 * one line, before anything is written.
 *
 * Shards: a Slurm task costs about a second of scheduling (slurm.md) and a
 * point tens of milliseconds, measured when the scripts are written (the
 * CPU time of a few points of the spec) or given by --point-ms; fewer tasks
 * than asked are used when a shard would hold under --min-task-seconds of
 * that work; the command says so.
 */
#ifndef SWEEP_SLURM_H
#define SWEEP_SLURM_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    char *lutsim;          /* absolute path of the lutsim binary */
    char *spec;            /* absolute path of the sweep spec */
    char *dir;             /* absolute path of the sweep folder */
    char *cwd;             /* where `sweep slurm` ran: the spec's relative names */
    const char *time;      /* --time, Slurm's format */
    const char *partition; /* --partition, or NULL for the cluster's default */
    long points;           /* points in the spec */
    int tasks;             /* array tasks = shards */
    int throttle;          /* tasks running at once (the % of --array) */
    int cpus;              /* CPUs per task, and sweep run's -j */
} slurm_plan;

/* The number of tasks to use for `asked` tasks over `points` points of
 * point_seconds each (one CPU) with `cpus` workers a task, so that a shard
 * holds at least min_seconds of work (and no task is empty).  Never more
 * than asked, at least 1. */
int slurm_tasks_for(long points, int asked, int cpus, double min_seconds, double point_seconds);

/* Writes the job-array script, the merge script, the submit line. */
void slurm_write_array(FILE *f, const slurm_plan *p);
void slurm_write_merge(FILE *f, const slurm_plan *p);
void slurm_write_submit(FILE *f, const slurm_plan *p);

/* What may appear on an #SBATCH line besides letters and digits: in a
 * path, and in a name (a partition). */
#define SLURM_PATH_PUNCT "._+,=@/-"
#define SLURM_NAME_PUNCT "._-"

/* 0 if s is not empty and holds only letters, digits and the characters of
 * punct; else -1 with "WHAT: problem" in err. */
int slurm_check_sbatch_word(const char *what, const char *s, const char *punct, char *err,
                            size_t errlen);

#endif
