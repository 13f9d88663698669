/* fuzz_npy.c - the .npy reader (sim/cli/npy.c), through a file as the
 * command line reads one.  An accepted array must survive npy_write and a
 * second read unchanged; a rejected one leaves no data and one line that
 * names the file. */
#include "fuzz_common.h"
#include "npy.h"

#include <stdio.h>
#include <string.h>

static void same_array(const npy_array *a, const npy_array *b)
{
    if (a->dtype != b->dtype || a->ndim != b->ndim || a->nbytes != b->nbytes ||
        memcmp(a->shape, b->shape, sizeof(a->shape[0]) * (size_t)a->ndim) != 0 ||
        memcmp(a->data, b->data, a->nbytes) != 0)
        fuzz_fail("npy", "write + read does not reproduce the array");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".npy");
    char err[512] = "", prefix[600];
    snprintf(prefix, sizeof prefix, "%s: ", path);
    npy_array a;
    if (npy_read(path, &a, err, sizeof err) != 0) {
        fuzz_check_error("npy", err, prefix);
        if (a.data != NULL)
            fuzz_fail("npy", "a rejected file left data behind");
        return 0;
    }
    int64_t count = npy_count(&a);
    if (count < 0 || (uint64_t)count * npy_dtype_size(a.dtype) != a.nbytes)
        fuzz_fail("npy", "nbytes %zu does not match the shape", a.nbytes);
    /* write over the input, read it back */
    if (npy_write(path, &a, err, sizeof err) != 0)
        fuzz_fail("npy", "cannot write an array it read: %s", err);
    npy_array b;
    if (npy_read(path, &b, err, sizeof err) != 0)
        fuzz_fail("npy", "cannot read what it wrote: %s", err);
    same_array(&a, &b);
    npy_free(&a);
    npy_free(&b);
    return 0;
}
