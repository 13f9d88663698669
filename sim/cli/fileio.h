/* fileio.h - whole-file reads and writes for the command line. */
#ifndef FILEIO_H
#define FILEIO_H

#include <stddef.h>
#include <stdint.h>

/* Reads path into a malloc'ed buffer; -1 with "PATH: problem". */
int read_file_bytes(const char *path, uint8_t **out, size_t *len, char *err, size_t errlen);
/* The bytes of a text file (assembly) as a malloc'ed C string; NULL with
 * "LABEL: not a text file (a NUL byte at offset N)" or "LABEL: out of
 * memory", so that a NUL cannot silently end the text early. */
char *text_from_bytes(const uint8_t *data, size_t len, const char *label, char *err,
                      size_t errlen);
/* Writes len bytes to path (a staged temporary, see outfiles.h); -1 with
 * "LABEL: problem" where label names the user's path. */
int write_file_bytes(const char *path, const char *label, const void *buf, size_t len,
                     char *err, size_t errlen);

#endif
