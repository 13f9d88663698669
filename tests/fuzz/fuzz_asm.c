/* fuzz_asm.c - assembly text (cmodel/isa.c, program.c) as `lutsim asm`
 * and `lutsim exec prog.s` read it: the file's bytes, by length
 * (program_from_asm_n: a NUL byte or a lone carriage return is a line error).
 * A rejection names its line; an accepted program survives
 * asm -> binary -> disasm -> asm unchanged (README promises the identity). */
#include "fileio.h"
#include "fuzz_common.h"
#include "program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_line_error(const char *text, size_t n, const char *err)
{
    int line = 0, used = 0;
    if (sscanf(err, "line %d: %n", &line, &used) != 1 || used == 0)
        fuzz_fail("asm", "error does not name its line: \"%.200s\"", err);
    int lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    if (line < 1 || line > lines)
        fuzz_fail("asm", "error names line %d of %d", line, lines);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %d: ", line);
    fuzz_check_error("asm", err, prefix);
}

/* binary -> disasm -> asm -> binary must give the same bytes */
static void round_trip(const program *p)
{
    uint8_t *bin = NULL, *bin2 = NULL;
    size_t len = 0, len2 = 0;
    char err[512];
    program q, r;
    if (program_to_bytes(p, &bin, &len, err, sizeof err) != 0)
        fuzz_fail("asm", "an assembled program does not encode: %s", err);
    if (program_from_bytes(bin, len, &q, err, sizeof err) != 0)
        fuzz_fail("asm", "an assembled program does not decode: %s", err);
    size_t cap = q.n * 512 + 1, used = 0;
    char *text = malloc(cap);
    if (!text)
        abort();
    text[0] = '\0';
    for (size_t i = 0; i < q.n; i++) {
        used += (size_t)isa_disasm(&q.ins[i], text + used, cap - used - 1);
        text[used++] = '\n';
        text[used] = '\0';
    }
    if (program_from_asm(text, &r, err, sizeof err) != 0)
        fuzz_fail("asm", "disassembly does not assemble: %s", err);
    if (program_to_bytes(&r, &bin2, &len2, err, sizeof err) != 0 || len2 != len ||
        memcmp(bin, bin2, len) != 0)
        fuzz_fail("asm", "asm -> binary -> disasm -> asm is not the identity");
    free(text);
    free(bin);
    free(bin2);
    program_free(&q);
    program_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".s");
    uint8_t *bytes;
    size_t len;
    char err[512] = "";
    if (read_file_bytes(path, &bytes, &len, err, sizeof err) != 0)
        fuzz_fail("asm", "cannot read the input back: %s", err);
    program p;
    if (program_from_asm_n((const char *)bytes, len, &p, err, sizeof err) != 0)
        check_line_error((const char *)bytes, len, err);
    else
        round_trip(&p);
    program_free(&p);
    free(bytes);
    return 0;
}
