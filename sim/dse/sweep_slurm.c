/* sweep_slurm.c - `lutsim sweep slurm`: the sbatch job-array writer.
 * (A placeholder: the Slurm part of issue 12 replaces this file.) */
#include "sweep_cmds.h"

#include "commands.h"

int sweep_cmd_slurm(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("sweep slurm: not in this build yet");
    return 1;
}
