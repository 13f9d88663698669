/* errtext.h - quoting a user's text inside a one-line error message.
 *
 * A key, a mnemonic or a file header quoted in an error may hold any byte.
 * err_text copies it so that the message stays one readable line: control
 * characters and DEL become \xNN (a newline cannot split the message, an
 * escape sequence cannot rewrite the terminal), and text longer than
 * maxlen bytes is cut and ends in "...".
 */
#ifndef ERRTEXT_H
#define ERRTEXT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the quoted form of src into dst (n bytes, always terminated when
 * n > 0); maxlen 0 means no limit.  Returns dst. */
char *err_text(char *dst, size_t n, const char *src, size_t maxlen);

#ifdef __cplusplus
}
#endif
#endif
