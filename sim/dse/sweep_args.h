/* sweep_args.h - the option parsing every `lutsim sweep` subcommand shares:
 * long options (and -X for one-letter names), -h/--help, one positional
 * argument. */
#ifndef SWEEP_ARGS_H
#define SWEEP_ARGS_H

typedef struct {
    const char *name;    /* "out" for --out; one letter ("j") for -j */
    const char **value;  /* takes an argument, stored here */
    int *flag;           /* or a switch: set to 1 */
    int required;
} sweep_opt;

/* Parses argv (after argv[0]) of subcommand name ("sweep run") against opts
 * (terminated by a NULL name): the options, then exactly one positional
 * argument (its name in `what`, "SPEC"), stored in *pos.  Returns -1 to go
 * on, 0 after printing usage for --help, or 2 after a one-line error. */
int sweep_args(int argc, char **argv, const char *name, const sweep_opt *opts, const char *usage, const char *what,
               const char **pos);

#endif
