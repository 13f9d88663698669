/* gnuplot.c - quoting for gnuplot and running it through spawn.c. */
#include "gnuplot.h"

#include "spawn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void gp_quote(const char *s, char *out)
{
    /* Letters, digits and a few punctuation marks that mean nothing to
     * gnuplot inside a string; everything else, quotes, backslashes,
     * backquotes, newlines and UTF-8 bytes included, as \ooo. */
    static const char plain[] = " ,.:_+-=/()[]";
    char *o = out;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(plain, *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '\\';
            *o++ = (char)('0' + (*p >> 6));
            *o++ = (char)('0' + ((*p >> 3) & 7));
            *o++ = (char)('0' + (*p & 7));
        }
    }
    *o++ = '"';
    *o = '\0';
}

/* Length of the valid UTF-8 sequence of two or more bytes at p, or 0. */
static int utf8_seq(const unsigned char *p)
{
    int n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
            : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range (no overlong, no surrogate) */
    if (p[0] == 0xe0) lo = 0xa0;
    if (p[0] == 0xed) hi = 0x9f;
    if (p[0] == 0xf0) lo = 0x90;
    if (p[0] == 0xf4) hi = 0x8f;
    if (n && (p[1] < lo || p[1] > hi))
        return 0;
    for (int i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

void gp_visible(const char *s, char *out, size_t outlen)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 1 < outlen;) {
        char piece[8];
        int take = 1, len;
        if (*p >= 0x20 && *p < 0x7f) {
            piece[0] = (char)*p;
            len = 1;
        } else if (*p >= 0x80 && (take = utf8_seq(p)) > 0) {
            memcpy(piece, p, (size_t)take);
            len = take;
        } else {
            take = 1;
            len = *p == '\n' ? snprintf(piece, sizeof piece, "\\n")
                  : *p == '\t' ? snprintf(piece, sizeof piece, "\\t")
                  : *p == '\r' ? snprintf(piece, sizeof piece, "\\r")
                  : snprintf(piece, sizeof piece, "\\x%02x", *p);
        }
        if (n + (size_t)len + 1 > outlen)
            break;
        memcpy(out + n, piece, (size_t)len);
        n += (size_t)len;
        p += take;
    }
    if (outlen)
        out[n] = '\0';
}

static const char *next_line(const char *l)
{
    const char *end = strchr(l, '\n');
    return end ? end + 1 : l + strlen(l);
}

/* gnuplot's first error line: the first "... line N: ..." line (it may
 * follow an echo of the failing command and a caret), else the first
 * line that is not blank. */
static void first_error(const char *text, char *out, size_t outlen)
{
    const char *pick = NULL;
    for (const char *l = text; *l && !pick; l = next_line(l)) {
        const char *end = strchr(l, '\n');
        const char *hit = strstr(l, " line ");
        if (hit && (!end || hit < end))
            pick = l;
    }
    for (const char *l = text; *l && !pick; l = next_line(l)) {
        const char *q = l;
        while (*q == ' ' || *q == '\t' || *q == '^' || *q == '\r')
            q++;
        if (*q && *q != '\n')
            pick = l;
    }
    char line[512] = "";
    if (pick) {
        size_t len = strcspn(pick, "\n");
        if (len >= sizeof line)
            len = sizeof line - 1;
        memcpy(line, pick, len);
        line[len] = '\0';
    }
    gp_visible(line, out, outlen);
}

int gp_run(const char *defs, const char *script, volatile pid_t *child, char *err, size_t errlen)
{
    char *argv[] = { "gnuplot", "-e", (char *)defs, (char *)script, NULL };
    spawn_result r;
    if (spawn_run(argv, child, &r) != 0) {
        snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno));
        return -1;
    }
    if (r.exec_errno == ENOENT) {
        snprintf(err, errlen, "gnuplot is not installed (not found on PATH; "
                              "scripts/install-deps.sh installs gnuplot-nox)");
        return -1;
    }
    if (r.exec_errno) {
        snprintf(err, errlen, "cannot run gnuplot: %s", strerror(r.exec_errno));
        return -1;
    }
    if (r.exited && r.exit_status == 0)
        return 0;
    char line[300];
    first_error(r.errout, line, sizeof line);
    if (r.term_signal)
        snprintf(err, errlen, "gnuplot was stopped by signal %d%s%s", r.term_signal,
                 line[0] ? ": " : "", line);
    else
        snprintf(err, errlen, "gnuplot failed (exit status %d)%s%s", r.exit_status,
                 line[0] ? ": " : "", line);
    return -1;
}
