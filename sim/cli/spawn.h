/* spawn.h - run a helper program (gnuplot) from an argument vector.
 *
 * Never through a shell: argv[0] is looked up on PATH and every argument
 * reaches the program as one string, whatever characters it holds.  The
 * child reads /dev/null, its stdout is discarded and the start of its
 * stderr is kept for the caller's error message.
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <stddef.h>
#include <sys/types.h>

typedef struct {
    int exec_errno;  /* the program could not be started: errno of execvp (ENOENT: not installed) */
    int exited;      /* 1 if it exited normally, status in exit_status */
    int exit_status;
    int term_signal; /* the signal that ended it, or 0 */
    char errout[2048]; /* the first bytes of its stderr, NUL-terminated */
} spawn_result;

/* Runs argv[0] with argv (NULL-terminated) and waits for it.  While it
 * runs its pid is stored in *running (if not NULL) so that a signal
 * handler can stop it; 0 again afterwards.  Returns 0 when the outcome is
 * in r (including a failed exec), -1 with errno if no child could be made. */
int spawn_run(char *const argv[], volatile pid_t *running, spawn_result *r);

#endif
