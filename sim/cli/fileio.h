/* fileio.h - whole-file reads and writes for the command line. */
#ifndef FILEIO_H
#define FILEIO_H

#include <stddef.h>
#include <stdint.h>

/* Reads path into a malloc'ed buffer; -1 with "PATH: problem". */
int read_file_bytes(const char *path, uint8_t **out, size_t *len, char *err, size_t errlen);
/* Writes len bytes to path (a staged temporary, see outfiles.h); -1 with
 * "LABEL: problem" where label names the user's path. */
int write_file_bytes(const char *path, const char *label, const void *buf, size_t len,
                     char *err, size_t errlen);

#endif
