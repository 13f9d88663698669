/* progress.h - progress of a long run on stderr.
 *
 * A run reports `done` out of `total` steps as it goes.  Nothing is printed
 * for the first PROGRESS_GRACE_S seconds, so short runs stay silent.  After
 * that, on a terminal one line is redrawn in place (carriage return) at
 * most every PROGRESS_TTY_S seconds and erased when the run ends; on
 * anything else (a pipe, a log file) a full line is printed every
 * PROGRESS_LOG_S seconds, and a last line when the run ends.  Each line:
 *
 *   lutsim: prefill functional: 17/35 layers (48.6%), 1.203 layers/s, ETA 15 s
 *
 * The clock and the stream can be replaced (tests inject a fake clock);
 * progress_init() uses stderr, isatty(2) and the monotonic clock.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PROGRESS_GRACE_S 1.0
#define PROGRESS_TTY_S 0.2
#define PROGRESS_LOG_S 5.0

typedef double (*progress_clock)(void *ctx);

typedef struct {
    const char *label; /* "prefill functional" */
    const char *unit;  /* plural noun of a step: "layers", "instructions" */
    uint64_t total, done;
    FILE *out;
    int tty, quiet;
    progress_clock now;
    void *now_ctx;
    double t0, last;   /* start, and the last time a line was printed */
    int shown;         /* a line was printed */
    uint64_t shown_done; /* the count on the last line printed */
    int width;         /* terminal: length of the line on screen */
} progress;

/* On stderr; quiet: print nothing at all (the --quiet option). */
void progress_init(progress *p, const char *label, const char *unit, uint64_t total, int quiet);
/* The same with an explicit stream, terminal flag and clock (NULL: monotonic). */
void progress_init_ex(progress *p, const char *label, const char *unit, uint64_t total,
                      FILE *out, int tty, progress_clock now, void *now_ctx);
/* Records that `done` steps are complete; prints if a line is due. */
void progress_update(progress *p, uint64_t done);
/* The run ended (finished or failed): erases the terminal line, or prints
 * the final count if a periodic line was printed. */
void progress_end(progress *p);

#ifdef __cplusplus
}
#endif
#endif
