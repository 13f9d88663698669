/* fuzz_safetensors.c - safetensors files (sim/cli/safetensors.c) as
 * `lutsim quantize --in FILE` reads them.  An error is one line naming the
 * file; an accepted header's tensors lie inside the data with the size
 * their shape needs, and every float tensor reads. */
#include "fuzz_common.h"
#include "safetensors.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".safetensors");
    char err[1024] = "", prefix[600];
    snprintf(prefix, sizeof prefix, "%s: ", path);
    st_file f;
    if (st_open(path, &f, err, sizeof err) != 0) {
        fuzz_check_error("safetensors", err, prefix);
        return 0;
    }
    if (f.data_start + f.data_len != size)
        fuzz_fail("safetensors", "header and data are %llu bytes, the file %zu",
                  (unsigned long long)(f.data_start + f.data_len), size);
    for (int i = 0; i < f.n; i++) {
        const st_tensor *t = &f.t[i];
        if (t->begin > t->end || t->end > f.data_len)
            fuzz_fail("safetensors", "tensor %d lies outside the data", i);
        if (t->dtype == ST_OTHER)
            continue;
        const uint64_t count = (t->end - t->begin) / (t->dtype == ST_F32 ? 4 : 2);
        float *w = malloc(count ? count * sizeof *w : 1);
        if (!w)
            fuzz_fail("safetensors", "out of memory for %llu floats", (unsigned long long)count);
        if (st_read_float(&f, t, w, err, sizeof err) != 0)
            fuzz_fail("safetensors", "accepted tensor does not read: %s", err);
        free(w);
    }
    st_close(&f);
    return 0;
}
