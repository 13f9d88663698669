/* outfiles.c - staged outputs, renamed into place only when a run succeeds. */
#include "outfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The interrupt handler needs to find the staged files: one process-wide
 * registry, the only global of the command line. */
static outfiles *g_active;

static void on_signal(int sig)
{
    outfiles *o = g_active;
    if (o) {
        for (int i = 0; i < o->n; i++)
            if (o->tmp[i])
                unlink(o->tmp[i]); /* async-signal-safe */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void out_init(outfiles *o)
{
    memset(o, 0, sizeof *o);
    g_active = o;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
}

const char *out_stage(outfiles *o, const char *final_path, char *err, size_t errlen)
{
    if (o->n >= OUT_MAX) {
        snprintf(err, errlen, "%s: too many output files", final_path);
        return NULL;
    }
    size_t len = strlen(final_path) + 32;
    char *tmp = malloc(len);
    char *fin = strdup(final_path);
    if (!tmp || !fin) {
        free(tmp);
        free(fin);
        snprintf(err, errlen, "%s: out of memory", final_path);
        return NULL;
    }
    snprintf(tmp, len, "%s.tmp-%ld", final_path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot write: %s", final_path, strerror(errno));
        free(tmp);
        free(fin);
        return NULL;
    }
    close(fd);
    o->final[o->n] = fin;
    o->tmp[o->n] = tmp;
    o->n++;
    return tmp;
}

static void release(outfiles *o)
{
    for (int i = 0; i < o->n; i++) {
        free(o->final[i]);
        free(o->tmp[i]);
    }
    o->n = 0;
    if (g_active == o)
        g_active = NULL;
}

int out_commit(outfiles *o, char *err, size_t errlen)
{
    for (int i = 0; i < o->n; i++) {
        if (rename(o->tmp[i], o->final[i]) != 0) {
            snprintf(err, errlen, "%s: cannot rename into place: %s", o->final[i], strerror(errno));
            for (int j = i; j < o->n; j++)
                unlink(o->tmp[j]);
            release(o);
            return -1;
        }
    }
    release(o);
    return 0;
}

void out_abort(outfiles *o)
{
    for (int i = 0; i < o->n; i++)
        unlink(o->tmp[i]);
    release(o);
}
