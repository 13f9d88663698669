/* outfiles.c - staged outputs, renamed into place only when a run succeeds. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "outfiles.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The signal handler needs to find the staged files: one process-wide
 * registry, the only global of the command line. */
static outfiles *g_active;

/* Every signal whose default action ends the process and that a handler
 * can catch.  A signal that is ignored (nohup) or already has a handler (a
 * sanitizer's SIGSEGV) is left alone. */
static const int fatal_signals[] = {
    SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGPIPE, SIGALRM,   SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ,
    SIGVTALRM, SIGPROF, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGSYS, SIGTRAP,
};
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])

/* Only async-signal-safe calls: this runs inside the handler too. */
static void remove_staged(outfiles *o)
{
    pid_t c = o->child;
    if (c > 0) {
        kill(c, SIGKILL); /* it may be writing a staged file */
        waitpid(c, NULL, 0);
        o->child = 0;
    }
    for (int i = 0; i < o->n; i++)
        unlink(o->tmp[i]);
    for (int i = o->ndirs - 1; i >= 0; i--)
        rmdir(o->dirs[i]); /* fails, as it should, if something else is inside */
}

static void on_signal(int sig)
{
    outfiles *o = g_active;
    if (o && o->owner == getpid()) /* not in a child between fork and exec */
        remove_staged(o);
    signal(sig, SIG_DFL);
    raise(sig); /* delivered when the handler returns: the usual exit status */
}

void out_init(outfiles *o)
{
    memset(o, 0, sizeof *o);
    o->owner = getpid();
    g_active = o;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NFATAL; i++)
        sigaddset(&sa.sa_mask, fatal_signals[i]); /* one cleanup at a time */
    for (size_t i = 0; i < NFATAL; i++) {
        struct sigaction old;
        if (sigaction(fatal_signals[i], NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO))
            continue;
        if (old.sa_handler == SIG_DFL || old.sa_handler == on_signal)
            sigaction(fatal_signals[i], &sa, NULL);
    }
}

void out_input(outfiles *o, const char *path, const char *what)
{
    struct stat sb;
    if (!path || o->nin >= OUT_MAX_INPUTS || stat(path, &sb) != 0)
        return;
    o->in_dev[o->nin] = sb.st_dev;
    o->in_ino[o->nin] = sb.st_ino;
    o->in_what[o->nin] = what;
    o->nin++;
}

int out_dir(outfiles *o, const char *dir, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
            snprintf(err, errlen, "%s: exists and is not a folder", dir);
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT || o->ndirs >= OUT_MAX_DIRS) {
        snprintf(err, errlen, "%s: cannot use as a folder: %s", dir,
                 errno != ENOENT ? strerror(errno) : "too many folders");
        return -1;
    }
    char *copy = strdup(dir);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    /* Registered before it exists, so a signal in between removes it. */
    o->dirs[o->ndirs] = copy;
    atomic_signal_fence(memory_order_seq_cst);
    o->ndirs++;
    if (mkdir(dir, 0777) != 0) {
        int e = errno;
        o->ndirs--;
        free(copy);
        snprintf(err, errlen, "%s: cannot create the folder: %s", dir, strerror(e));
        return -1;
    }
    return 0;
}

/* The last name of path, and its folder as a malloc'ed string ("." if none). */
static char *split_path(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    if (!slash)
        return strdup(".");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *folder = malloc(len + 1);
    if (folder) {
        memcpy(folder, path, len);
        folder[len] = '\0';
    }
    return folder;
}

/* Removes BASE.tmp-PID files in folder left by a process that is gone
 * (SIGKILL, a power cut).  A live PID's file may be another run's. */
static void remove_stale(const char *folder, const char *base)
{
    DIR *d = opendir(folder);
    if (!d)
        return;
    size_t bl = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (strncmp(nm, base, bl) != 0 || strncmp(nm + bl, ".tmp-", 5) != 0)
            continue;
        const char *digits = nm + bl + 5;
        char *end;
        errno = 0;
        long pid = strtol(digits, &end, 10);
        if (!isdigit((unsigned char)*digits) || *end || errno || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        size_t len = strlen(folder) + strlen(nm) + 2;
        char *p = malloc(len);
        if (p) {
            snprintf(p, len, "%s/%s", folder, nm);
            unlink(p);
            free(p);
        }
    }
    closedir(d);
}

/* Checks an existing output: a regular file that is not an input.  The
 * resolved name (symbolic links followed) goes to *resolved. */
static int check_existing(const outfiles *o, const char *path, const struct stat *sb,
                          char **resolved, char *err, size_t errlen)
{
    if (S_ISDIR(sb->st_mode)) {
        snprintf(err, errlen, "%s: is a folder, not a file", path);
        return -1;
    }
    if (!S_ISREG(sb->st_mode)) {
        snprintf(err, errlen, "%s: not a regular file (outputs are written aside and renamed "
                              "into place)", path);
        return -1;
    }
    for (int i = 0; i < o->nin; i++) {
        if (o->in_dev[i] == sb->st_dev && o->in_ino[i] == sb->st_ino) {
            snprintf(err, errlen, "%s: is also the input %s; refusing to overwrite an input", path,
                     o->in_what[i]);
            return -1;
        }
    }
    *resolved = realpath(path, NULL);
    if (!*resolved) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Resolves final_path and checks it against the inputs and the other
 * outputs; fills its folder's identity. */
static char *resolve_output(const outfiles *o, const char *final_path, dev_t *dev, ino_t *ino,
                            char *err, size_t errlen)
{
    size_t fl = strlen(final_path);
    if (fl == 0 || final_path[fl - 1] == '/') {
        snprintf(err, errlen, "%s: names a folder, not a file", final_path);
        return NULL;
    }
    struct stat sb;
    char *resolved = NULL;
    if (stat(final_path, &sb) == 0) {
        if (check_existing(o, final_path, &sb, &resolved, err, errlen) != 0)
            return NULL;
    } else if (!(resolved = strdup(final_path))) {
        snprintf(err, errlen, "%s: out of memory", final_path);
        return NULL;
    }
    const char *base;
    char *folder = split_path(resolved, &base);
    struct stat db;
    const char *why = !folder ? "out of memory"
                      : stat(folder, &db) != 0 ? strerror(errno)
                      : !S_ISDIR(db.st_mode) ? "its folder is not a folder" : NULL;
    if (why) {
        snprintf(err, errlen, "%s: cannot write: %s", final_path, why);
        goto fail;
    }
    for (int j = 0; j < o->n; j++) {
        const char *other;
        free(split_path(o->final[j], &other));
        if (o->dir_dev[j] == db.st_dev && o->dir_ino[j] == db.st_ino && strcmp(other, base) == 0) {
            snprintf(err, errlen, "%s: given as two outputs", final_path);
            goto fail;
        }
    }
    remove_stale(folder, base);
    free(folder);
    *dev = db.st_dev;
    *ino = db.st_ino;
    return resolved;
fail:
    free(folder);
    free(resolved);
    return NULL;
}

const char *out_stage(outfiles *o, const char *final_path, char *err, size_t errlen)
{
    if (o->n >= OUT_MAX) {
        snprintf(err, errlen, "%s: too many output files", final_path);
        return NULL;
    }
    dev_t dev;
    ino_t ino;
    char *fin = resolve_output(o, final_path, &dev, &ino, err, errlen);
    if (!fin)
        return NULL;
    size_t len = strlen(fin) + 32;
    char *tmp = malloc(len);
    if (!tmp) {
        free(fin);
        snprintf(err, errlen, "%s: out of memory", final_path);
        return NULL;
    }
    snprintf(tmp, len, "%s.tmp-%ld", fin, (long)getpid());
    /* Registered before it exists, so a signal in between removes it. */
    o->final[o->n] = fin;
    o->tmp[o->n] = tmp;
    o->dir_dev[o->n] = dev;
    o->dir_ino[o->n] = ino;
    atomic_signal_fence(memory_order_seq_cst);
    o->n++;
    unlink(tmp); /* a leftover of an earlier process with our PID */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666);
    if (fd < 0) {
        int e = errno;
        o->n--;
        free(tmp);
        free(fin);
        snprintf(err, errlen, "%s: cannot write: %s", final_path, strerror(e));
        return NULL;
    }
    close(fd);
    return tmp;
}

static void release(outfiles *o)
{
    if (g_active == o)
        g_active = NULL;
    for (int i = 0; i < o->n; i++) {
        free(o->final[i]);
        free(o->tmp[i]);
    }
    for (int i = 0; i < o->ndirs; i++)
        free(o->dirs[i]);
    o->n = o->ndirs = o->nin = 0;
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
    remove_staged(o);
    release(o);
}
