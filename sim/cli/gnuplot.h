/* gnuplot.h - strings for gnuplot scripts and a gnuplot run, without a shell.
 *
 * gnuplot substitutes `command` even inside double-quoted strings, so no
 * name from an input file is ever pasted into a script as it is: gp_quote
 * writes every byte that is not plainly safe as an octal escape, and the
 * string reaches gnuplot as data.
 */
#ifndef GNUPLOT_H
#define GNUPLOT_H

#include <stddef.h>
#include <sys/types.h>

/* The bytes needed by gp_quote for a string of len bytes (with the NUL). */
#define GP_QUOTED_SIZE(len) (4 * (len) + 3)

/* Writes s as a gnuplot double-quoted string literal that stands for
 * exactly the bytes of s (out has GP_QUOTED_SIZE(strlen(s)) bytes). */
void gp_quote(const char *s, char *out);

/* Copies s for display in one line: control characters become \n, \t,
 * \r or \xNN, and bytes that are not UTF-8 \xNN; truncated to fit. */
void gp_visible(const char *s, char *out, size_t outlen);

/* Runs `gnuplot -e DEFS SCRIPT` (no shell) and waits; *child holds its pid
 * meanwhile (outfiles.h).  0, or -1 with a one-line message: "gnuplot is
 * not installed" only when it cannot be found, else gnuplot's first error
 * line. */
int gp_run(const char *defs, const char *script, volatile pid_t *child, char *err, size_t errlen);

#endif
