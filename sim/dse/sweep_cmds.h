/* sweep_cmds.h - the subcommands of `lutsim sweep` (one file each).
 * Each takes the arguments after its name and returns the exit status
 * (0 ok, 1 run-time error, 2 usage error), like commands.h. */
#ifndef SWEEP_CMDS_H
#define SWEEP_CMDS_H

int sweep_cmd_run(int argc, char **argv);    /* sweep_run.c */
int sweep_cmd_export(int argc, char **argv); /* sweep_read.c */
int sweep_cmd_best(int argc, char **argv);   /* sweep_read.c */
int sweep_cmd_pareto(int argc, char **argv); /* sweep_pareto.c */
int sweep_cmd_point(int argc, char **argv);  /* cmd_sweep.c */
int sweep_cmd_merge(int argc, char **argv);  /* sweep_shard.c */
int sweep_cmd_status(int argc, char **argv); /* sweep_shard.c */
int sweep_cmd_slurm(int argc, char **argv);  /* sweep_slurm.c */

#endif
