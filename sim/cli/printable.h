/* printable.h - text from input files made safe to print on one line.
 *
 * Errors quote what they read (file names, JSON keys and values, assembly
 * lines), and that text may hold a newline, a terminal escape or bytes that
 * are not UTF-8.  printable() spells such characters out, so an error stays
 * one line and the terminal shows exactly what was in the file:
 *   \n \r \t \\         newline, carriage return, tab, backslash
 *   \xHH                other C0 control characters, DEL, and bytes that
 *                       are not part of valid UTF-8
 *   \u0085 \u2028 ...   C1 control characters and the Unicode line and
 *                       paragraph separators (valid UTF-8, but line breaks
 *                       or controls on some terminals)
 * Everything else, including other UTF-8, is copied as it is.
 */
#ifndef PRINTABLE_H
#define PRINTABLE_H

#include <stddef.h>

/* Writes the printable form of s into out (always NUL-terminated when
 * outlen > 0; cut at a whole escape if it does not fit).  Returns out. */
char *printable(const char *s, char *out, size_t outlen);

#endif
