/* safetensors.h - reading HuggingFace's safetensors weight files.
 *
 * A file is an 8-byte little-endian header length N, N bytes of JSON
 * {"NAME": {"dtype": D, "shape": [...], "data_offsets": [BEGIN, END]}, ...,
 * "__metadata__": {...}}, then the data; offsets count from the data's
 * start.  st_open parses the header with jansson and checks every tensor
 * (known dtype, shape of non-negative integers, BEGIN <= END <= the data's
 * length, END - BEGIN = elements x dtype size); data is read only when asked
 * for, tensor by tensor.  A sharded model's model.safetensors.index.json
 * ({"weight_map": {"NAME": "SHARD", ...}}) names the shards, each beside
 * the index; every tensor it maps must be in its shard.  Errors are one
 * line: "PATH: problem" or "PATH: tensor \"NAME\": problem".
 */
#ifndef SAFETENSORS_H
#define SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8

typedef enum { ST_F32 = 0, ST_F16, ST_BF16, ST_OTHER } st_dtype; /* OTHER: known, not float */

typedef struct {
    char *name;
    st_dtype dtype;
    char dtype_name[12]; /* as in the header: "F16", "I64", ... */
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    uint64_t begin, end; /* byte offsets in the data section */
} st_tensor;

typedef struct {
    char *path;
    uint64_t data_start; /* 8 + N */
    uint64_t data_len;
    int n;
    st_tensor *t; /* in the header's key order */
} st_file;

int st_open(const char *path, st_file *f, char *err, size_t errlen);
void st_close(st_file *f);
/* The tensor called name, or NULL. */
const st_tensor *st_find(const st_file *f, const char *name);
/* Reads an F32, F16 or BF16 tensor widened to binary32 into out (elements
 * of t).  0 or -1 with a message. */
int st_read_float(const st_file *f, const st_tensor *t, float *out, char *err, size_t errlen);

/* Opens the shards of a sharded model's index (sorted by file name, each
 * once) into *files (*n of them, st_close each and free the array).  0 or
 * -1 with a message naming the index or the shard. */
int st_open_index(const char *index_path, st_file **files, int *n, char *err, size_t errlen);

#endif
