/* outfiles.h - all-or-nothing output files.
 *
 * A command stages every output it will write: each gets a temporary name
 * in the target's folder (created at once, so an unwritable path fails
 * before any work is done).  Commit renames them all into place; abort, an
 * error or an interrupt (SIGINT, SIGTERM) removes them.  A user's existing
 * file is replaced only on success.
 */
#ifndef OUTFILES_H
#define OUTFILES_H

#include <stddef.h>

#define OUT_MAX 8

typedef struct {
    int n;
    char *final[OUT_MAX];
    char *tmp[OUT_MAX];
} outfiles;

void out_init(outfiles *o);
/* Stages final_path; returns the temporary path to write to, or NULL with
 * "PATH: problem" in err. */
const char *out_stage(outfiles *o, const char *final_path, char *err, size_t errlen);
/* Renames all staged files into place; returns 0 or -1 with a message. */
int out_commit(outfiles *o, char *err, size_t errlen);
/* Removes every staged temporary file. */
void out_abort(outfiles *o);

#endif
