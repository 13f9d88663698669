/* fuzz_common.c - findings, scratch files and the error-line check. */
#include "fuzz_common.h"

#include "printable.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char fuzz_scratch_dir[256];
static pid_t scratch_owner;
static char scratch_made[256]; /* the folder this process made, to remove */
static char last_file[512];

static void remove_scratch(void);

void fuzz_fail(const char *target, const char *fmt, ...)
{
    remove_scratch(); /* abort() skips atexit */
    va_list ap;
    fprintf(stderr, "fuzz %s: finding: ", target);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static void remove_scratch(void)
{
    if (!scratch_made[0] || getpid() != scratch_owner)
        return;
    if (last_file[0])
        unlink(last_file);
    rmdir(scratch_made);
}

static void make_scratch(void)
{
    /* scripts/fuzz.sh names one folder per target and removes it after the
     * run, so a process killed by a sanitizer leaves nothing behind */
    const char *given = getenv("LUTSIM_FUZZ_SCRATCH");
    if (given && *given) {
        snprintf(fuzz_scratch_dir, sizeof fuzz_scratch_dir, "%s", given);
        if (mkdir(fuzz_scratch_dir, 0777) != 0 && errno != EEXIST) {
            perror(fuzz_scratch_dir);
            abort();
        }
        return;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_scratch_dir, sizeof fuzz_scratch_dir, "%s/lutsim-fuzz-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fuzz_scratch_dir)) {
        perror("fuzz: cannot make a scratch folder");
        abort();
    }
    snprintf(scratch_made, sizeof scratch_made, "%s", fuzz_scratch_dir);
    scratch_owner = getpid();
    atexit(remove_scratch);
}

const char *fuzz_input_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[512];
    if (!fuzz_scratch_dir[0])
        make_scratch();
    /* one file per process, so forked replays do not share it */
    snprintf(path, sizeof path, "%s/input-%ld%s", fuzz_scratch_dir, (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    if (getpid() == scratch_owner)
        snprintf(last_file, sizeof last_file, "%s", path);
    return path;
}

/* err with control characters spelled out, so the finding itself is one line */
static const char *escaped(const char *err)
{
    static char out[8192];
    return printable(err, out, sizeof out);
}

/* The readers return raw messages (they quote the input); the command line
 * prints them through printable() (cli_error).  So the check is on what a
 * user sees: that form is one line with no control character, it starts
 * with the prefix (the file) and says something after it. */
void fuzz_check_error(const char *target, const char *raw, const char *prefix)
{
    const char *err = escaped(raw);
    if (strchr(err, '\n') || strchr(err, '\r'))
        fuzz_fail(target, "error message spans lines: \"%s\"", err);
    /* other control characters (an escape sequence) rewrite the terminal */
    for (const unsigned char *p = (const unsigned char *)err; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            fuzz_fail(target, "control character 0x%02x in error: \"%s\"", *p, err);
    size_t n = strlen(prefix);
    if (strncmp(err, prefix, n) != 0)
        fuzz_fail(target, "error does not start with \"%s\": \"%s\"", prefix, err);
    if (err[n] == '\0')
        fuzz_fail(target, "error says nothing after \"%s\"", prefix);
}

void fuzz_check_instruction_error(const char *target, const char *err, size_t n)
{
    size_t index = 0;
    int used = 0;
    if (sscanf(err, "instruction %zu%n", &index, &used) != 1 || used == 0)
        fuzz_fail(target, "rejection does not name the instruction: \"%s\"", escaped(err));
    if (index > n)
        fuzz_fail(target, "rejection names instruction %zu of %zu", index, n);
    char prefix[48];
    snprintf(prefix, sizeof prefix, "%.*s", used, err);
    fuzz_check_error(target, err, prefix);
}
