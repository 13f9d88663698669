/* npy.h - numpy .npy files, format version 1.0 (and reading 2.0/3.0).
 *
 * Reads and writes C-order little-endian arrays of the dtypes lutsim uses.
 * Errors come back as "PATH: problem" (quoted file text is raw: print them
 * through cli_error or printable(), which keep them on one line); a write
 * goes to a temporary file in the same folder and is renamed into place, so a
 * failed write never leaves a partial file behind.
 */
#ifndef NPY_H
#define NPY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NPY_INT8 = 0, /* '|i1' */
    NPY_UINT8,    /* '|u1' */
    NPY_INT16,    /* '<i2' */
    NPY_INT32,    /* '<i4' */
    NPY_INT64,    /* '<i8' */
    NPY_FLOAT16,  /* '<f2' (raw bits) */
    NPY_FLOAT32,  /* '<f4' */
    NPY_FLOAT64   /* '<f8' */
} npy_dtype;

#define NPY_MAX_DIMS 8

typedef struct {
    npy_dtype dtype;
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
    void *data;    /* C order, host (little-endian) byte order */
    size_t nbytes;
} npy_array;

size_t npy_dtype_size(npy_dtype d);
const char *npy_dtype_name(npy_dtype d); /* numpy's name: "int8", ... */
int64_t npy_count(const npy_array *a);   /* number of elements */

/* Reads path.  Rejects: missing/unreadable file, bad magic, truncated header
 * or data, Fortran order, unsupported dtype, trailing bytes.  Returns 0 or -1
 * with "PATH: problem" in err. */
int npy_read(const char *path, npy_array *out, char *err, size_t errlen);

/* Writes a (version 1.0 header, 64-byte aligned) atomically.  Returns 0 or -1
 * with "PATH: problem" in err; on failure no file is left at path. */
int npy_write(const char *path, const npy_array *a, char *err, size_t errlen);

/* Writes n (ndim 1) or n x k (ndim 2) values of dtype d from the caller's
 * buffer, without copying it; as npy_write. */
int npy_write_buffer(const char *path, npy_dtype d, int ndim, uint64_t n, uint64_t k,
                     const void *data, char *err, size_t errlen);

/* Allocates a zeroed array; returns 0 or -1 on allocation failure. */
int npy_alloc(npy_array *a, npy_dtype d, int ndim, const int64_t *shape);
void npy_free(npy_array *a);

#ifdef __cplusplus
}
#endif
#endif
