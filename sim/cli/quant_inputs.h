/* quant_inputs.h - the float weight matrices `lutsim quantize` reads.
 *
 * --in names a .npy file, a .safetensors file, a sharded model's
 * *.index.json, or a folder (its model.safetensors.index.json if there is
 * one, else every *.safetensors and *.npy in it, by name).  The matrices
 * taken are the linear layers' weights:
 *   safetensors: 2-D tensors whose name ends in ".weight" and contains none
 *     of "embed", "lm_head", "norm", "wte", "wpe" (embeddings, the LM head
 *     and norms stay FP16, as model_weight_bytes counts them); F32, F16 or
 *     BF16, else an error naming the tensor; every other tensor is skipped;
 *   .npy: every 2-D float16 or float32 array, named by its file's base name
 *     (other dtypes or ranks are an error naming the file).
 * A matrix is [rows = output features n, columns = input features k], the
 * layout of a linear layer's weight.
 */
#ifndef QUANT_INPUTS_H
#define QUANT_INPUTS_H

#include "npy.h"
#include "safetensors.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *name;
    const char *file;      /* where it is stored, for errors */
    char *own_file;        /* .npy: file's own copy (qin_close frees it) */
    const char *dtype;     /* "F16", "float32", ... */
    uint64_t n, k;
    const st_file *sf;     /* safetensors: the file and the tensor */
    const st_tensor *st;
    npy_array npy;         /* .npy: the array itself */
} qin_matrix;

typedef struct {
    int nfiles;
    st_file *files;
    int n;
    qin_matrix *m;
    int skipped; /* tensors not taken by the rule */
} qin_set;

/* Opens --in and chooses the matrices.  0, or -1 with a one-line message. */
int qin_open(const char *in, qin_set *s, char *err, size_t errlen);
/* Matrix i as binary32 (n x k, malloc'ed), or NULL with a message. */
float *qin_read(const qin_set *s, int i, char *err, size_t errlen);
void qin_close(qin_set *s);

/* 1 if a safetensors tensor name is a linear layer's weight by the rule. */
int qin_is_linear_name(const char *name);

#endif
