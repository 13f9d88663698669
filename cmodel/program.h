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

/* What isa_check tests, gathered over many instructions so that a compiler
 * checks a whole program at once, at a fraction of isa_check's cost per
 * instruction.  A field fits its width iff the OR of its values does, and
 * the OR of a field is that field of the OR of the instructions: so each
 * opcode keeps the OR of its instructions, word by word, and for an
 * enumerated field (a buffer, a vector function: not a power-of-two range)
 * the largest value. */
#define PC_WORDS ((sizeof(isa_instr) + 15) / 16 * 2)
typedef struct {
    uint64_t ored[OP_COUNT][PC_WORDS]; /* (padding and unused members: never read) */
    uint32_t enum_max[OP_COUNT][ISA_MAX_FIELDS];
    unsigned short enum_off[OP_COUNT][ISA_MAX_FIELDS];
    unsigned char enum_field[OP_COUNT][ISA_MAX_FIELDS], nenum[OP_COUNT];
    int other; /* an unknown opcode */
} program_checker;

void program_checker_init(program_checker *c);
void program_checker_add(program_checker *c, const isa_instr *in);
/* 1 if isa_check passes every instruction added, else 0. */
int program_checker_ok(const program_checker *c);
/* The first instruction of p from index `from` on that isa_check refuses:
 * -1 with *bad its index and the message, or 0 if none. */
int program_check(const program *p, size_t from, size_t *bad, char *err, size_t errlen);

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
