/* commands.h - the subcommands of the lutsim command line.
 *
 * Each takes the arguments after its name (argv[0] is the subcommand) and
 * returns the process exit status: 0 on success, 1 on a run-time error, 2 on
 * a usage error.  Errors are printed as one line on stderr.
 */
#ifndef COMMANDS_H
#define COMMANDS_H

int cmd_gemm(int argc, char **argv);
int cmd_arch(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_sweep(int argc, char **argv); /* sim/dse/cmd_sweep.c */

/* Parses an integer option value in lo..hi; on error prints
 * "OPT: expected an integer LO..HI, got 'S'" and returns -1. */
int cli_parse_int(const char *opt, const char *s, int lo, int hi, int *out);

/* Monotonic wall-clock seconds, for host timings. */
double cli_now_seconds(void);

/* Prints "lutsim: " + message + newline to stderr, the message made
 * printable (printable.h): one line whatever input text it quotes. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "lutsim: warning: " + message + newline to stderr; the run goes on. */
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
