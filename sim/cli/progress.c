/* progress.c - the progress line on stderr (see progress.h). */
#include "progress.h"

#include "units.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static double monotonic(void *ctx)
{
    (void)ctx;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void progress_init_ex(progress *p, const char *label, const char *unit, uint64_t total,
                      FILE *out, int tty, progress_clock now, void *now_ctx)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->unit = unit;
    p->total = total;
    p->out = out;
    p->tty = tty;
    p->now = now ? now : monotonic;
    p->now_ctx = now_ctx;
    p->t0 = p->now(p->now_ctx);
    p->last = p->t0;
}

void progress_init(progress *p, const char *label, const char *unit, uint64_t total, int quiet)
{
    progress_init_ex(p, label, unit, total, stderr, isatty(2), NULL, NULL);
    p->quiet = quiet;
}

/* "17/35 layers (48.6%), 1.203 layers/s, ETA 15 s" */
static void describe(const progress *p, double elapsed, char *out, size_t len)
{
    char rate[UNITS_LEN], eta[UNITS_LEN], dur[UNITS_LEN], unit[32];
    double r = elapsed > 0 ? (double)p->done / elapsed : 0;
    snprintf(unit, sizeof unit, " %s/s", p->unit);
    if (r >= 1.0)
        units_si(rate, sizeof rate, r, unit);
    else /* "0.962 layers/s": a milli-layer is no unit a reader counts in */
        snprintf(rate, sizeof rate, "%.3g%s", r, unit);
    if (p->done >= p->total)
        snprintf(eta, sizeof eta, "took %s", units_duration(dur, sizeof dur, elapsed));
    else if (r > 0)
        snprintf(eta, sizeof eta, "ETA %s",
                 units_duration(dur, sizeof dur, (double)(p->total - p->done) / r));
    else
        snprintf(eta, sizeof eta, "ETA ?");
    snprintf(out, len, "lutsim: %s: %llu/%llu %s (%.1f%%), %s, %s", p->label,
             (unsigned long long)p->done, (unsigned long long)p->total, p->unit,
             p->total ? 100.0 * (double)p->done / (double)p->total : 100.0, rate, eta);
}

static void show(progress *p, double t)
{
    char line[256];
    describe(p, t - p->t0, line, sizeof line);
    if (p->tty) {
        int n = (int)strlen(line);
        /* pad over the end of a longer previous line */
        fprintf(p->out, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
        p->width = n;
    } else {
        fprintf(p->out, "%s\n", line);
    }
    fflush(p->out);
    p->last = t;
    p->shown = 1;
    p->shown_done = p->done;
}

void progress_update(progress *p, uint64_t done)
{
    p->done = done;
    if (p->quiet)
        return;
    double t = p->now(p->now_ctx);
    if (t - p->t0 < PROGRESS_GRACE_S)
        return;
    double every = p->tty ? PROGRESS_TTY_S : PROGRESS_LOG_S;
    /* the first line comes at the end of the grace period */
    if (!p->shown || t - p->last >= every)
        show(p, t);
}

void progress_end(progress *p)
{
    if (p->quiet || !p->shown)
        return;
    if (p->tty) {
        fprintf(p->out, "\r%*s\r", p->width, "");
        fflush(p->out);
    } else if (p->shown_done != p->done) { /* the final count, unless just printed */
        show(p, p->now(p->now_ctx));
    }
    p->shown = 0;
}
