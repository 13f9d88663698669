/* npy.c - numpy .npy files, format version 1.0 (and reading 2.0/3.0).
 *
 * File layout (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 *
 *   "\x93NUMPY"  major  minor  header-length  header  data
 *
 * header-length is a little-endian uint16 in version 1.0 and a uint32 in 2.0
 * and 3.0.  The header is a Python dict literal such as
 *
 *   {'descr': '<i4', 'fortran_order': False, 'shape': (3, 4), }
 *
 * padded with spaces and ended by '\n' so that the data starts at a multiple
 * of 64 bytes.  The data follows in C order.
 *
 * Byte order: only little-endian data ('<' or '|') is accepted and the data is
 * copied as is, so this file assumes a little-endian host (x86_64, AArch64).
 * The check below turns that assumption into a build error elsewhere.  The
 * header length fields are assembled byte by byte and do not depend on it.
 */
#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c assumes a little-endian host"
#endif

#define NPY_MAGIC     "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN     64

/* ------------------------------------------------------------------------ */
/* dtypes                                                                    */
/* ------------------------------------------------------------------------ */

static const struct {
    npy_dtype dtype;
    const char *code; /* kind and size, without the byte-order character */
    const char *descr; /* what we write */
    const char *name;
    size_t size;
} dtype_table[] = {
    { NPY_INT8,    "i1", "|i1", "int8",    1 },
    { NPY_UINT8,   "u1", "|u1", "uint8",   1 },
    { NPY_INT16,   "i2", "<i2", "int16",   2 },
    { NPY_INT32,   "i4", "<i4", "int32",   4 },
    { NPY_INT64,   "i8", "<i8", "int64",   8 },
    { NPY_FLOAT16, "f2", "<f2", "float16", 2 },
    { NPY_FLOAT32, "f4", "<f4", "float32", 4 },
    { NPY_FLOAT64, "f8", "<f8", "float64", 8 },
};
#define DTYPE_COUNT (sizeof(dtype_table) / sizeof(dtype_table[0]))

static int dtype_valid(npy_dtype d)
{
    return (int)d >= 0 && (size_t)d < DTYPE_COUNT;
}

size_t npy_dtype_size(npy_dtype d)
{
    return dtype_valid(d) ? dtype_table[d].size : 0;
}

const char *npy_dtype_name(npy_dtype d)
{
    return dtype_valid(d) ? dtype_table[d].name : "invalid";
}

/* Number of elements, or -1 if the shape is invalid (negative dimension, too
 * many dimensions) or the product does not fit in int64_t. */
int64_t npy_count(const npy_array *a)
{
    if (a->ndim < 0 || a->ndim > NPY_MAX_DIMS)
        return -1;
    int64_t n = 1;
    for (int i = 0; i < a->ndim; i++) {
        int64_t d = a->shape[i];
        if (d < 0)
            return -1;
        if (d != 0 && n > INT64_MAX / d)
            return -1;
        n *= d;
    }
    return n;
}

/* Byte size of ndim/shape/dtype into *nbytes, or -1 if it overflows size_t
 * (or int64_t) or the shape is invalid. */
static int array_nbytes(npy_dtype d, int ndim, const int64_t *shape,
                        size_t *nbytes)
{
    npy_array tmp;
    if (!dtype_valid(d) || ndim < 0 || ndim > NPY_MAX_DIMS)
        return -1;
    tmp.ndim = ndim;
    for (int i = 0; i < ndim; i++)
        tmp.shape[i] = shape[i];
    int64_t n = npy_count(&tmp);
    if (n < 0)
        return -1;
    size_t size = dtype_table[d].size;
    if ((uint64_t)n > SIZE_MAX / size || (uint64_t)n > (uint64_t)INT64_MAX / size)
        return -1;
    *nbytes = (size_t)n * size;
    return 0;
}

int npy_alloc(npy_array *a, npy_dtype d, int ndim, const int64_t *shape)
{
    size_t nbytes;
    memset(a, 0, sizeof(*a));
    if (array_nbytes(d, ndim, shape, &nbytes) != 0)
        return -1;
    /* Allocate at least one byte so that data != NULL means success. */
    void *p = calloc(nbytes ? nbytes : 1, 1);
    if (p == NULL)
        return -1;
    a->dtype = d;
    a->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        a->shape[i] = shape[i];
    a->data = p;
    a->nbytes = nbytes;
    return 0;
}

void npy_free(npy_array *a)
{
    if (a == NULL)
        return;
    free(a->data);
    a->data = NULL;
    a->nbytes = 0;
}

/* ------------------------------------------------------------------------ */
/* errors                                                                    */
/* ------------------------------------------------------------------------ */

/* Writes "PATH: message" into err and returns -1. */
static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return -1;
    int n = snprintf(err, errlen, "%s: ", path);
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* Raw: the command line makes it printable (cli_error, printable.h). */
    return -1;
}

/* "3x4", "5", or "scalar" for a 0-d array. */
static void format_shape(char *buf, size_t len, int ndim, const int64_t *shape)
{
    size_t used = 0;
    if (ndim == 0) {
        snprintf(buf, len, "scalar");
        return;
    }
    buf[0] = '\0';
    for (int i = 0; i < ndim && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%lld", i ? "x" : "",
                         (long long)shape[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* ------------------------------------------------------------------------ */
/* header parsing                                                            */
/* ------------------------------------------------------------------------ */

/* A tiny parser for the one dict literal numpy writes.  It accepts keys in
 * any order, single or double quotes, arbitrary whitespace and trailing
 * commas, and Python 2 style "3L" dimensions. */
typedef struct {
    const char *p;
    const char *end;
    char msg[160]; /* set on error */
} hparser;

typedef struct {
    int have_descr, have_fortran, have_shape;
    char descr[32];
    int fortran;
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
} header_info;

static int hp_error(hparser *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->msg, sizeof(h->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static void hp_skip_ws(hparser *h)
{
    while (h->p < h->end &&
           (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
        h->p++;
}

/* Consumes c (after whitespace) if it is next; returns 1 if it was. */
static int hp_accept(hparser *h, char c)
{
    hp_skip_ws(h);
    if (h->p < h->end && *h->p == c) {
        h->p++;
        return 1;
    }
    return 0;
}

static int hp_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses a quoted string without escapes into buf. */
static int hp_string(hparser *h, char *buf, size_t len, const char *what)
{
    hp_skip_ws(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"'))
        return hp_error(h, "malformed header: expected a quoted %s", what);
    char quote = *h->p++;
    size_t n = 0;
    while (h->p < h->end && *h->p != quote) {
        if (*h->p == '\\' || *h->p == '\n')
            return hp_error(h, "malformed header: unexpected character in %s",
                            what);
        if (n + 1 >= len)
            return hp_error(h, "malformed header: %s is too long", what);
        buf[n++] = *h->p++;
    }
    if (h->p >= h->end)
        return hp_error(h, "malformed header: unterminated %s", what);
    h->p++;
    buf[n] = '\0';
    return 0;
}

static int hp_word(hparser *h, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(h->end - h->p) < n || memcmp(h->p, w, n) != 0)
        return 0;
    /* Do not match a prefix of a longer identifier ("Falsey"). */
    if ((size_t)(h->end - h->p) > n) {
        char c = h->p[n];
        if (c == '_' || hp_is_digit(c) || (c >= 'a' && c <= 'z') ||
            (c >= 'A' && c <= 'Z'))
            return 0;
    }
    h->p += n;
    return 1;
}

static int hp_bool(hparser *h, int *out)
{
    hp_skip_ws(h);
    if (hp_word(h, "True"))
        *out = 1;
    else if (hp_word(h, "False"))
        *out = 0;
    else
        return hp_error(h, "malformed header: 'fortran_order' must be True or False");
    return 0;
}

/* Parses "()", "(5,)", "(3, 4)", "(3, 4,)". */
static int hp_shape(hparser *h, header_info *hi)
{
    if (!hp_accept(h, '('))
        return hp_error(h, "malformed header: 'shape' must be a tuple");
    hi->ndim = 0;
    int count = 0;
    int need_comma = 0; /* "(5)" is an int in Python, not a tuple */
    for (;;) {
        hp_skip_ws(h);
        if (h->p < h->end && *h->p == ')') {
            h->p++;
            break;
        }
        if (h->p < h->end && *h->p == '-')
            return hp_error(h, "negative dimension in shape");
        if (h->p >= h->end || !hp_is_digit(*h->p))
            return hp_error(h, "malformed header: bad 'shape' tuple");
        int64_t v = 0;
        while (h->p < h->end && hp_is_digit(*h->p)) {
            int digit = *h->p++ - '0';
            if (v > (INT64_MAX - digit) / 10)
                return hp_error(h, "dimension in shape is too large");
            v = v * 10 + digit;
        }
        if (h->p < h->end && (*h->p == 'L' || *h->p == 'l'))
            h->p++; /* Python 2 long */
        if (count < NPY_MAX_DIMS)
            hi->shape[count] = v;
        count++;
        if (hp_accept(h, ',')) {
            need_comma = 0;
            continue;
        }
        need_comma = (count == 1);
        if (!hp_accept(h, ')'))
            return hp_error(h, "malformed header: bad 'shape' tuple");
        break;
    }
    if (need_comma)
        return hp_error(h, "malformed header: 'shape' must be a tuple, like (5,)");
    if (count > NPY_MAX_DIMS)
        return hp_error(h, "shape has %d dimensions; at most %d are supported",
                        count, NPY_MAX_DIMS);
    hi->ndim = count;
    return 0;
}

static int parse_header(hparser *h, header_info *hi)
{
    memset(hi, 0, sizeof(*hi));
    if (!hp_accept(h, '{'))
        return hp_error(h, "malformed header: expected '{'");
    for (;;) {
        if (hp_accept(h, '}'))
            break;
        char key[32];
        if (hp_string(h, key, sizeof(key), "key") != 0)
            return -1;
        if (!hp_accept(h, ':'))
            return hp_error(h, "malformed header: expected ':' after '%s'", key);
        if (strcmp(key, "descr") == 0) {
            if (hi->have_descr)
                return hp_error(h, "malformed header: duplicate key 'descr'");
            hp_skip_ws(h);
            if (h->p < h->end && (*h->p == '[' || *h->p == '{'))
                return hp_error(h, "unsupported dtype (structured arrays are not supported)");
            if (hp_string(h, hi->descr, sizeof(hi->descr), "'descr'") != 0)
                return -1;
            hi->have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (hi->have_fortran)
                return hp_error(h, "malformed header: duplicate key 'fortran_order'");
            if (hp_bool(h, &hi->fortran) != 0)
                return -1;
            hi->have_fortran = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (hi->have_shape)
                return hp_error(h, "malformed header: duplicate key 'shape'");
            if (hp_shape(h, hi) != 0)
                return -1;
            hi->have_shape = 1;
        } else {
            return hp_error(h, "malformed header: unexpected key '%s'", key);
        }
        if (hp_accept(h, ','))
            continue;
        if (hp_accept(h, '}'))
            break;
        return hp_error(h, "malformed header: expected ',' or '}'");
    }
    hp_skip_ws(h);
    if (h->p != h->end)
        return hp_error(h, "malformed header: unexpected text after the dict");
    if (!hi->have_descr)
        return hp_error(h, "malformed header: missing key 'descr'");
    if (!hi->have_fortran)
        return hp_error(h, "malformed header: missing key 'fortran_order'");
    if (!hi->have_shape)
        return hp_error(h, "malformed header: missing key 'shape'");
    return 0;
}

/* Maps a descr string to a dtype, or sets msg and returns -1. */
static int parse_descr(const char *descr, npy_dtype *out, char *msg, size_t len)
{
    char order = '|';
    const char *code = descr;
    if (*code == '<' || *code == '>' || *code == '|' || *code == '=') {
        order = *code;
        code++;
    }
    for (size_t i = 0; i < DTYPE_COUNT; i++) {
        if (strcmp(code, dtype_table[i].code) != 0)
            continue;
        if (dtype_table[i].size > 1) {
            if (order == '>') {
                snprintf(msg, len, "big-endian dtype '%s' is not supported; "
                         "save with a.astype('<%s')", descr, code);
                return -1;
            }
            if (order == '|')
                break; /* '|i4' is meaningless; report it as unsupported */
        }
        *out = dtype_table[i].dtype;
        return 0;
    }
    snprintf(msg, len, "unsupported dtype '%s'", descr);
    return -1;
}

/* ------------------------------------------------------------------------ */
/* reading                                                                   */
/* ------------------------------------------------------------------------ */

/* Reads exactly n bytes; returns 0, or -1 with errno set (0 at end of file). */
static int read_full(FILE *f, void *buf, size_t n)
{
    if (n == 0)
        return 0;
    if (fread(buf, 1, n, f) == n)
        return 0;
    if (!ferror(f))
        errno = 0;
    return -1;
}

int npy_read(const char *path, npy_array *out, char *err, size_t errlen)
{
    FILE *f = NULL;
    char *header = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));

    f = fopen(path, "rb");
    if (f == NULL)
        return fail(err, errlen, path, "cannot open: %s", strerror(errno));

    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fail(err, errlen, path, "cannot stat: %s", strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        fail(err, errlen, path, "cannot read: %s", strerror(EISDIR));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(err, errlen, path, "cannot read: not a regular file");
        goto done;
    }
    long long fsize = (long long)st.st_size;

    /* Magic and version. */
    unsigned char pre[12];
    if (fsize < NPY_MAGIC_LEN + 2) {
        if (fsize < NPY_MAGIC_LEN ||
            read_full(f, pre, (size_t)fsize) != 0 ||
            memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
            fail(err, errlen, path, "not a .npy file (bad magic)");
        else
            fail(err, errlen, path, "truncated header: file is only %lld bytes",
                 fsize);
        goto done;
    }
    if (read_full(f, pre, NPY_MAGIC_LEN + 2) != 0) {
        fail(err, errlen, path, "read error: %s",
             errno ? strerror(errno) : "unexpected end of file");
        goto done;
    }
    if (memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        fail(err, errlen, path, "not a .npy file (bad magic)");
        goto done;
    }
    int major = pre[6], minor = pre[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        fail(err, errlen, path, "unsupported .npy format version %d.%d",
             major, minor);
        goto done;
    }

    /* Header length: uint16 in 1.0, uint32 in 2.0 and 3.0, little-endian. */
    long long lenbytes = major == 1 ? 2 : 4;
    long long prefix = NPY_MAGIC_LEN + 2 + lenbytes;
    if (fsize < prefix) {
        fail(err, errlen, path, "truncated header: file is only %lld bytes",
             fsize);
        goto done;
    }
    if (read_full(f, pre + 8, (size_t)lenbytes) != 0) {
        fail(err, errlen, path, "read error: %s",
             errno ? strerror(errno) : "unexpected end of file");
        goto done;
    }
    unsigned long hlen = (unsigned long)pre[8] | (unsigned long)pre[9] << 8;
    if (major != 1)
        hlen |= (unsigned long)pre[10] << 16 | (unsigned long)pre[11] << 24;
    if ((long long)hlen > fsize - prefix) {
        fail(err, errlen, path,
             "truncated header: header length is %lu bytes but only %lld follow",
             hlen, fsize - prefix);
        goto done;
    }

    /* The header itself; hlen <= file size, so this allocation is bounded. */
    header = malloc(hlen + 1);
    if (header == NULL) {
        fail(err, errlen, path, "out of memory reading the header");
        goto done;
    }
    if (read_full(f, header, hlen) != 0) {
        fail(err, errlen, path, "read error: %s",
             errno ? strerror(errno) : "unexpected end of file");
        goto done;
    }
    header[hlen] = '\0';
    if (memchr(header, '\0', hlen) != NULL) {
        fail(err, errlen, path, "malformed header: contains a NUL byte");
        goto done;
    }

    hparser h = { header, header + hlen, "" };
    header_info hi;
    if (parse_header(&h, &hi) != 0) {
        fail(err, errlen, path, "%s", h.msg);
        goto done;
    }
    char msg[256];
    npy_dtype dtype;
    if (parse_descr(hi.descr, &dtype, msg, sizeof(msg)) != 0) {
        fail(err, errlen, path, "%s", msg);
        goto done;
    }
    if (hi.fortran) {
        fail(err, errlen, path, "fortran_order arrays are not supported; "
             "save with np.ascontiguousarray");
        goto done;
    }
    size_t nbytes;
    if (array_nbytes(dtype, hi.ndim, hi.shape, &nbytes) != 0) {
        fail(err, errlen, path, "shape is too large");
        goto done;
    }

    /* The data must fill the rest of the file exactly. */
    long long avail = fsize - prefix - (long long)hlen;
    if ((unsigned long long)avail != (unsigned long long)nbytes) {
        if ((unsigned long long)avail < (unsigned long long)nbytes) {
            char shape[NPY_MAX_DIMS * 21 + 8];
            format_shape(shape, sizeof(shape), hi.ndim, hi.shape);
            fail(err, errlen, path,
                 "truncated: header says %s %s (%llu bytes of data) "
                 "but only %lld bytes follow",
                 shape, dtype_table[dtype].name,
                 (unsigned long long)nbytes, avail);
        } else {
            fail(err, errlen, path, "%llu bytes of trailing data after the array",
                 (unsigned long long)avail - (unsigned long long)nbytes);
        }
        goto done;
    }

    if (npy_alloc(out, dtype, hi.ndim, hi.shape) != 0) {
        fail(err, errlen, path, "out of memory (%llu bytes of data)",
             (unsigned long long)nbytes);
        goto done;
    }
    if (read_full(f, out->data, nbytes) != 0) {
        fail(err, errlen, path, "read error: %s",
             errno ? strerror(errno) : "file shrank while reading");
        npy_free(out);
        memset(out, 0, sizeof(*out));
        goto done;
    }
    rc = 0;

done:
    free(header);
    if (f != NULL)
        fclose(f);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* writing                                                                   */
/* ------------------------------------------------------------------------ */

/* Writes all of buf to fd; returns 0, or -1 with errno set. */
static int write_full(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Builds the complete preamble (magic, version, length, padded dict) into buf
 * and returns its length, a multiple of NPY_ALIGN. */
static size_t build_header(const npy_array *a, char *buf, size_t len)
{
    char dict[64 + NPY_MAX_DIMS * 22];
    int n = snprintf(dict, sizeof(dict),
                     "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     dtype_table[a->dtype].descr);
    for (int i = 0; i < a->ndim; i++)
        n += snprintf(dict + n, sizeof(dict) - (size_t)n, "%s%lld",
                      i ? ", " : "", (long long)a->shape[i]);
    n += snprintf(dict + n, sizeof(dict) - (size_t)n, "%s), }",
                  a->ndim == 1 ? "," : "");

    /* 10 bytes of preamble + dict + at least one '\n', rounded up. */
    size_t total = (10 + (size_t)n + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    if (total > len)
        return 0; /* cannot happen with the sizes above */
    size_t hlen = total - 10;
    memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
    buf[6] = 1;
    buf[7] = 0;
    buf[8] = (char)(hlen & 0xff);
    buf[9] = (char)(hlen >> 8);
    memcpy(buf + 10, dict, (size_t)n);
    memset(buf + 10 + n, ' ', total - 10 - (size_t)n - 1);
    buf[total - 1] = '\n';
    return total;
}

int npy_write(const char *path, const npy_array *a, char *err, size_t errlen)
{
    size_t nbytes;
    if (array_nbytes(a->dtype, a->ndim, a->shape, &nbytes) != 0)
        return fail(err, errlen, path, "cannot write: invalid dtype or shape");
    if (nbytes != a->nbytes)
        return fail(err, errlen, path,
                    "cannot write: nbytes is %llu but the shape needs %llu",
                    (unsigned long long)a->nbytes, (unsigned long long)nbytes);
    if (nbytes > 0 && a->data == NULL)
        return fail(err, errlen, path, "cannot write: no data");

    char header[256 + NPY_MAX_DIMS * 22];
    size_t hsize = build_header(a, header, sizeof(header));
    if (hsize == 0)
        return fail(err, errlen, path, "cannot write: header too long");

    /* The temporary file lives next to path so that rename() is atomic.  We
     * create it with O_EXCL and mode 0666 rather than with mkstemp(), so the
     * umask gives it the usual permissions without having to read the umask
     * (which cannot be done without briefly changing it). */
    size_t tlen = strlen(path) + 48;
    char *tmp = malloc(tlen);
    if (tmp == NULL)
        return fail(err, errlen, path, "out of memory");
    static unsigned counter;
    int fd = -1;
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(tmp, tlen, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        fail(err, errlen, path, "cannot create: %s", strerror(errno));
        free(tmp);
        return -1;
    }

    if (write_full(fd, header, hsize) != 0 ||
        write_full(fd, a->data, nbytes) != 0) {
        fail(err, errlen, path, "write failed: %s", strerror(errno));
        close(fd);
        goto fail_unlink;
    }
    if (close(fd) != 0) {
        fail(err, errlen, path, "write failed: %s", strerror(errno));
        goto fail_unlink;
    }
    if (rename(tmp, path) != 0) {
        fail(err, errlen, path, "cannot replace: %s", strerror(errno));
        goto fail_unlink;
    }
    free(tmp);
    return 0;

fail_unlink:
    unlink(tmp);
    free(tmp);
    return -1;
}

int npy_write_buffer(const char *path, npy_dtype d, int ndim, uint64_t n, uint64_t k,
                     const void *data, char *err, size_t errlen)
{
    npy_array a;
    memset(&a, 0, sizeof a);
    a.dtype = d;
    a.ndim = ndim;
    a.shape[0] = (int64_t)n;
    a.shape[1] = (int64_t)k;
    a.data = (void *)data;
    a.nbytes = (size_t)(n * (ndim > 1 ? k : 1) * npy_dtype_size(d));
    return npy_write(path, &a, err, errlen);
}
