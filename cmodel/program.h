/* program.h - a program: decoded instructions, and its binary form.
 *
 * The binary form is what every engine loads: a 16-byte header
 * ("LUTPROG1", u32 instruction count, 4 reserved bytes that must be zero)
 * followed by 16-byte
 * instruction words (isa.h).  No I/O here: callers read and write bytes.
 */
#ifndef PROGRAM_H
#define PROGRAM_H

#include "isa.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PROGRAM_MAGIC "LUTPROG1"
#define PROGRAM_HEADER_BYTES 16

typedef struct {
    isa_instr *ins;
    size_t n, cap;
} program;

void program_init(program *p);
void program_free(program *p);
/* Appends; returns 0, or -1 if out of memory. */
int program_push(program *p, const isa_instr *in);

/* Serializes to a malloc'ed buffer; -1 with a message naming the
 * instruction index if one cannot be encoded. */
int program_to_bytes(const program *p, uint8_t **out, size_t *len, char *err, size_t errlen);
/* Parses a binary; -1 with a message (bad header, truncated, or
 * "instruction N: illegal ..."). */
int program_from_bytes(const uint8_t *buf, size_t len, program *p, char *err, size_t errlen);
/* Assembles text; -1 with "line N: ..." on error. */
int program_from_asm(const char *text, program *p, char *err, size_t errlen);
/* The same for n bytes of a file: lines end in LF or CRLF; a NUL byte or
 * a carriage return inside a line is an error naming the line. */
int program_from_asm_n(const char *text, size_t n, program *p, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
