/* sweep_run.h - `lutsim sweep run`: evaluate a spec's points (or one
 * shard's) with N forked workers into DIR's database, resumable.
 *
 * The parent hands point ids to the workers over pipes and stores each
 * row they send back in its own transaction, so a killed sweep loses only
 * the points in flight (at most SWEEP_IN_FLIGHT per worker).  SIGINT and
 * SIGTERM stop the workers at once and keep every stored point; running
 * the same command again evaluates only the points not stored.
 */
#ifndef SWEEP_RUN_H
#define SWEEP_RUN_H

#include <stdint.h>

#define SWEEP_IN_FLIGHT 2

/* --shard I/N: the first point of block i of n over npoints. */
uint64_t sweep_shard_first(uint64_t npoints, int i, int n);

/* Parses "I/N" (0 <= I < N <= 100000); 0, or -1 after printing the error. */
int sweep_parse_shard(const char *s, int *i, int *n);

int sweep_cmd_run(int argc, char **argv);

#endif
