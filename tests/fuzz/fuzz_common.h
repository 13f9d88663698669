/* fuzz_common.h - what every fuzz target in tests/fuzz/ shares.
 *
 * Each target is one file defining LLVMFuzzerTestOneInput.  `make fuzz`
 * links it with libFuzzer (clang); the corpus replay test in `make test`
 * compiles the same file with the C compiler, renaming the entry point to
 * fuzz_NAME_one_input (tests/test_fuzz_corpus.cpp).
 *
 * A finding (a broken promise of a reader: a multi-line error, an error
 * that names nothing, a round trip that does not reproduce its input) is
 * reported with fuzz_fail(), which prints one line and aborts, so that
 * libFuzzer saves the input and the replay test sees the child die.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void fuzz_fail(const char *target, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Writes the input to this process's scratch file with the given suffix
 * (".npy", ".json", ...) and returns its path; the readers under test take
 * paths, as the command line passes them.  Aborts if the file cannot be
 * written (that is the machine, not a finding). */
const char *fuzz_input_file(const uint8_t *data, size_t size, const char *suffix);

/* The scratch folder: $LUTSIM_FUZZ_SCRATCH if set (scripts/fuzz.sh sets
 * it), else made on first use and removed at exit or on a finding; unless
 * the caller set one first (the replay test does, before forking). */
extern char fuzz_scratch_dir[256];

/* An error message must be exactly one line (no '\n' or '\r', and no
 * other control character but tab), start with prefix (the file,
 * "line N: ", "instruction N"), and say something after it. */
void fuzz_check_error(const char *target, const char *err, const char *prefix);

/* A run-time rejection of an n-instruction program must be one line
 * starting "instruction I" with I <= n (n: fell off the end). */
void fuzz_check_instruction_error(const char *target, const char *err, size_t n);

#ifdef __cplusplus
}
#endif
#endif
