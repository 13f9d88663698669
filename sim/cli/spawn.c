/* spawn.c - fork and execvp with captured stderr; no shell anywhere. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child, between fork and exec: signal handlers inherited from
 * lutsim (outfiles.c removes staged files) must not run here, so they go
 * back to the default before signals are unblocked.  Ignored signals stay
 * ignored, as a shell would leave them. */
static void child(char *const argv[], int errfd, int execfd, const sigset_t *mask)
{
    for (int s = 1; s <= 64; s++) { /* every Linux signal number */
        struct sigaction sa;
        if (s == SIGKILL || s == SIGSTOP || sigaction(s, NULL, &sa) != 0)
            continue;
        if (!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_IGN)
            continue;
        sa.sa_handler = SIG_DFL;
        sa.sa_flags = 0;
        sigemptyset(&sa.sa_mask);
        sigaction(s, &sa, NULL);
    }
    sigprocmask(SIG_SETMASK, mask, NULL);
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errfd, 2) < 0) {
        int e = errno;
        (void)!write(execfd, &e, sizeof e);
        _exit(127);
    }
    execvp(argv[0], argv);
    int e = errno; /* reported through the close-on-exec pipe */
    (void)!write(execfd, &e, sizeof e);
    _exit(127);
}

/* Reads fd to its end, keeping the first len-1 bytes in buf. */
static void drain(int fd, char *buf, size_t len)
{
    size_t n = 0;
    char scratch[512];
    for (;;) {
        char *dst = n + 1 < len ? buf + n : scratch;
        size_t room = n + 1 < len ? len - 1 - n : sizeof scratch;
        ssize_t got = read(fd, dst, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (dst == buf + n)
            n += (size_t)got;
    }
    buf[n] = '\0';
}

int spawn_run(char *const argv[], volatile pid_t *running, spawn_result *r)
{
    memset(r, 0, sizeof *r);
    int errp[2], execp[2];
    if (pipe(errp) != 0)
        return -1;
    if (pipe(execp) != 0) {
        int e = errno;
        close(errp[0]);
        close(errp[1]);
        errno = e;
        return -1;
    }
    fcntl(errp[0], F_SETFD, FD_CLOEXEC);
    fcntl(execp[0], F_SETFD, FD_CLOEXEC);
    fcntl(execp[1], F_SETFD, FD_CLOEXEC);
    /* Signals wait until *running names the child, so a handler that
     * arrives now can always stop it. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0)
        child(argv, errp[1], execp[1], &old);
    int fork_errno = errno;
    if (pid > 0 && running)
        *running = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(errp[1]);
    close(execp[1]);
    if (pid < 0) {
        close(errp[0]);
        close(execp[0]);
        errno = fork_errno;
        return -1;
    }
    drain(errp[0], r->errout, sizeof r->errout);
    close(errp[0]);
    int e = 0;
    ssize_t got;
    while ((got = read(execp[0], &e, sizeof e)) < 0 && errno == EINTR)
        ;
    close(execp[0]);
    if (got == (ssize_t)sizeof e)
        r->exec_errno = e;
    int st;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (running)
        *running = 0;
    if (w == pid && WIFEXITED(st)) {
        r->exited = 1;
        r->exit_status = WEXITSTATUS(st);
    } else if (w == pid && WIFSIGNALED(st)) {
        r->term_signal = WTERMSIG(st);
    }
    return 0;
}
