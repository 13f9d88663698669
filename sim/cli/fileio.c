/* fileio.c - whole-file reads and writes with one-line errors. */
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int read_file_bytes(const char *path, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)sb.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory (%zu bytes)", path, n);
        fclose(f);
        return -1;
    }
    if (n && fread(buf, 1, n, f) != n) {
        snprintf(err, errlen, "%s: read failed", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *out = buf;
    *len = n;
    return 0;
}

char *text_from_bytes(const uint8_t *data, size_t len, const char *label, char *err,
                      size_t errlen)
{
    const uint8_t *nul = memchr(data, '\0', len);
    if (nul) {
        snprintf(err, errlen, "%s: not a text file (a NUL byte at offset %zu)", label,
                 (size_t)(nul - data));
        return NULL;
    }
    char *text = malloc(len + 1);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", label);
        return NULL;
    }
    memcpy(text, data, len);
    text[len] = '\0';
    return text;
}

int write_file_bytes(const char *path, const char *label, const void *buf, size_t len,
                     char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", label, strerror(errno));
        return -1;
    }
    int bad = len && fwrite(buf, 1, len, f) != len;
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        snprintf(err, errlen, "%s: write failed (disk full?)", label);
        return -1;
    }
    return 0;
}
