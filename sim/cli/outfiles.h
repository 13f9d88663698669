/* outfiles.h - all-or-nothing output files.
 *
 * A command registers its input files, then stages every output it will
 * write, before any work: each output gets a temporary name FILE.tmp-PID
 * beside it (created at once, so an unwritable place fails early).  An
 * output is refused if it is a folder or not a regular file, if it is one
 * of the inputs (same file: device and inode, whatever the spelling) or if
 * two outputs name the same file.  A symbolic link is followed: the file it
 * points to is replaced, the link stays.
 *
 * Commit renames them all into place; abort, an error or a catchable
 * signal (SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, ...) removes the
 * temporaries, a folder the command created, and stops a helper process
 * that writes them (its pid in `child`, see spawn.h).  A user's existing file is replaced only
 * on success.  SIGKILL cannot be caught: staging a file first removes
 * leftover FILE.tmp-PID files beside it whose process is gone.
 */
#ifndef OUTFILES_H
#define OUTFILES_H

#include <stddef.h>
#include <sys/types.h>

#define OUT_MAX 2048 /* lutsim quantize: a few files per tensor of a 7B model */
#define OUT_MAX_INPUTS 256 /* lutsim quantize: every shard of a large model */
#define OUT_MAX_DIRS 4

typedef struct {
    int n;
    char *final[OUT_MAX];
    char *tmp[OUT_MAX];
    dev_t dir_dev[OUT_MAX]; /* an output's identity: its folder and name */
    ino_t dir_ino[OUT_MAX];
    int nin;
    dev_t in_dev[OUT_MAX_INPUTS];
    ino_t in_ino[OUT_MAX_INPUTS];
    const char *in_what[OUT_MAX_INPUTS];
    int ndirs;
    char *dirs[OUT_MAX_DIRS];
    pid_t owner;          /* the process whose files these are */
    volatile pid_t child; /* a helper writing staged files, stopped on a signal */
} outfiles;

void out_init(outfiles *o);
/* Registers an input file, named `what` in errors ("--act"); a path that
 * does not exist is skipped (its reader reports it). */
void out_input(outfiles *o, const char *path, const char *what);
/* Makes sure folder dir exists; one that this call creates is removed
 * again unless the command commits.  -1 with "DIR: problem". */
int out_dir(outfiles *o, const char *dir, char *err, size_t errlen);
/* Stages final_path; returns the temporary path to write to, or NULL with
 * "PATH: problem" in err. */
const char *out_stage(outfiles *o, const char *final_path, char *err, size_t errlen);
/* Renames all staged files into place; returns 0 or -1 with a message. */
int out_commit(outfiles *o, char *err, size_t errlen);
/* Removes every staged temporary file and the folders out_dir created. */
void out_abort(outfiles *o);

#endif
