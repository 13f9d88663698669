/* fuzz_prog.c - binary programs (cmodel/program.c, isa.c) as `lutsim
 * disasm` and `lutsim exec prog.bin` read them.  A rejection is one line
 * naming the header or the instruction; an accepted program re-encodes to
 * exactly its input, and runs (timing-only, the default architecture) to
 * the end or stops naming an instruction. */
#include "arch.h"
#include "fileio.h"
#include "fuzz_common.h"
#include "program.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_load_error(const char *err)
{
    if (strncmp(err, "instruction ", 12) == 0) {
        fuzz_check_instruction_error("prog", err, SIZE_MAX);
        return;
    }
    if (strncmp(err, "not a lutsim program", 20) != 0 && strncmp(err, "header ", 7) != 0)
        fuzz_fail("prog", "rejection names neither the header nor an instruction: \"%.200s\"",
                  err);
    fuzz_check_error("prog", err, "");
}

static void check_identity(const program *p, const uint8_t *data, size_t size)
{
    uint8_t *bin = NULL;
    size_t len = 0;
    char err[512];
    if (program_to_bytes(p, &bin, &len, err, sizeof err) != 0)
        fuzz_fail("prog", "a decoded program does not encode: %s", err);
    if (len != size || memcmp(bin, data, size) != 0) {
        size_t i = 0;
        while (i < len && i < size && bin[i] == data[i])
            i++;
        fuzz_fail("prog", "accepted bytes do not re-encode to themselves (first difference "
                  "at byte %zu)", i);
    }
    free(bin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".bin");
    uint8_t *bytes;
    size_t len;
    char err[512] = "";
    if (read_file_bytes(path, &bytes, &len, err, sizeof err) != 0)
        fuzz_fail("prog", "cannot read the input back: %s", err);
    program p;
    if (program_from_bytes(bytes, len, &p, err, sizeof err) != 0) {
        check_load_error(err);
    } else {
        check_identity(&p, data, size);
        arch_t a;
        arch_ideal(&a);
        sim_stats st;
        if (sim_run(&a, NULL, &p, NULL, &st, err, sizeof err) != 0)
            fuzz_check_instruction_error("prog", err, p.n);
    }
    program_free(&p);
    free(bytes);
    return 0;
}
