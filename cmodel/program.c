/* program.c - program container, binary and text forms. */
#include "program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void program_init(program *p) { memset(p, 0, sizeof *p); }

void program_free(program *p)
{
    free(p->ins);
    memset(p, 0, sizeof *p);
}

int program_push(program *p, const isa_instr *in)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        isa_instr *ni = realloc(p->ins, cap * sizeof *ni);
        if (!ni)
            return -1;
        p->ins = ni;
        p->cap = cap;
    }
    p->ins[p->n++] = *in;
    return 0;
}

_Static_assert(sizeof(isa_instr) % 16 == 0, "program_checker_add ORs 16 bytes a step");

void program_checker_init(program_checker *c)
{
    memset(c, 0, sizeof *c);
    for (int op = 0; op < OP_COUNT; op++) {
        const isa_opdef *d = isa_def((isa_op)op);
        for (int j = 0; d && j < d->nfields; j++) {
            const isa_field *f = &d->fields[j];
            if (f->kind == FK_BUF || f->kind == FK_VFN) {
                c->enum_off[op][c->nenum[op]] = (unsigned short)f->offset;
                c->enum_field[op][c->nenum[op]++] = (unsigned char)j;
            }
        }
    }
}

void program_checker_add(program_checker *c, const isa_instr *in)
{
    const unsigned op = (unsigned)in->op;
    if (op >= OP_COUNT) {
        c->other = 1;
        return;
    }
    const unsigned char *b = (const unsigned char *)in;
    uint64_t *acc = c->ored[op];
    /* two words a step (one vector operation where there are 16-byte ones) */
    for (size_t k = 0; k < sizeof *in / 8; k += 2) {
        uint64_t v[2];
        memcpy(v, b + 8 * k, 16);
        acc[k] |= v[0];
        acc[k + 1] |= v[1];
    }
    for (int j = 0; j < c->nenum[op]; j++) { /* (enumerated fields are 4-byte members) */
        uint32_t v;
        memcpy(&v, b + c->enum_off[op][j], 4);
        if (v > c->enum_max[op][j])
            c->enum_max[op][j] = v;
    }
}

int program_checker_ok(const program_checker *c)
{
    if (c->other)
        return 0;
    for (int op = 0; op < OP_COUNT; op++) {
        const isa_opdef *d = isa_def((isa_op)op);
        const unsigned char *ored = (const unsigned char *)c->ored[op];
        for (int j = 0; d && j < d->nfields; j++) {
            const isa_field *f = &d->fields[j];
            uint64_t v = 0;
            if (f->size == 8) {
                memcpy(&v, ored + f->offset, 8);
            } else {
                uint32_t v4;
                memcpy(&v4, ored + f->offset, 4);
                v = v4;
            }
            if (f->width < 64 && v >> f->width)
                return 0;
        }
        for (int j = 0; d && j < c->nenum[op]; j++) {
            const isa_field *f = &d->fields[c->enum_field[op][j]];
            const uint64_t lim = f->kind == FK_BUF ? sizeof isa_buf_names / sizeof isa_buf_names[0]
                                                   : VFN_COUNT;
            if (c->enum_max[op][j] >= lim)
                return 0;
        }
    }
    return 1;
}

int program_check(const program *p, size_t from, size_t *bad, char *err, size_t errlen)
{
    for (size_t i = from; i < p->n; i++)
        if (isa_check(&p->ins[i], err, errlen) != 0) {
            *bad = i;
            return -1;
        }
    return 0;
}

int program_to_bytes(const program *p, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    size_t total = PROGRAM_HEADER_BYTES + p->n * ISA_BYTES;
    uint8_t *buf = calloc(1, total);
    if (!buf) {
        snprintf(err, errlen, "out of memory for a %zu-instruction program", p->n);
        return -1;
    }
    memcpy(buf, PROGRAM_MAGIC, 8);
    for (int i = 0; i < 4; i++)
        buf[8 + i] = (uint8_t)((uint32_t)p->n >> (8 * i));
    for (size_t i = 0; i < p->n; i++) {
        isa_word w;
        char e[256];
        if (isa_encode(&p->ins[i], &w, e, sizeof e) != 0) {
            snprintf(err, errlen, "instruction %zu: %s", i, e);
            free(buf);
            return -1;
        }
        isa_word_to_bytes(&w, buf + PROGRAM_HEADER_BYTES + i * ISA_BYTES);
    }
    *out = buf;
    *len = total;
    return 0;
}

int program_from_bytes(const uint8_t *buf, size_t len, program *p, char *err, size_t errlen)
{
    program_init(p);
    if (len < PROGRAM_HEADER_BYTES || memcmp(buf, PROGRAM_MAGIC, 8) != 0) {
        snprintf(err, errlen, "not a lutsim program (no %s header)", PROGRAM_MAGIC);
        return -1;
    }
    uint32_t n = 0;
    for (int i = 0; i < 4; i++)
        n |= (uint32_t)buf[8 + i] << (8 * i);
    for (int i = 12; i < PROGRAM_HEADER_BYTES; i++) {
        if (buf[i] != 0) {
            snprintf(err, errlen, "header byte %d is 0x%02x: bytes 12..15 are reserved and "
                     "must be zero", i, buf[i]);
            return -1;
        }
    }
    size_t want = PROGRAM_HEADER_BYTES + (size_t)n * ISA_BYTES;
    if (len != want) {
        snprintf(err, errlen, "header says %u instructions (%zu bytes) but the file has %zu bytes",
                 n, want, len);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        isa_word w;
        isa_instr in;
        char e[256];
        isa_word_from_bytes(buf + PROGRAM_HEADER_BYTES + i * ISA_BYTES, &w);
        if (isa_decode(&w, &in, e, sizeof e) != 0) {
            snprintf(err, errlen, "instruction %zu: %s", i, e);
            program_free(p);
            return -1;
        }
        if (program_push(p, &in) != 0) {
            snprintf(err, errlen, "out of memory");
            program_free(p);
            return -1;
        }
    }
    return 0;
}

int program_from_asm_n(const char *text, size_t n, program *p, char *err, size_t errlen)
{
    program_init(p);
    int lineno = 0;
    size_t at = 0;
    while (at < n) {
        const char *s = text + at;
        const char *nl = memchr(s, '\n', n - at);
        size_t len = nl ? (size_t)(nl - s) : n - at;
        at += len + (nl ? 1 : 0);
        lineno++;
        if (len && s[len - 1] == '\r')
            len--; /* CRLF line ends */
        const char *bad = memchr(s, '\0', len) ? "a NUL byte (not a text file)"
                          : memchr(s, '\r', len) ? "a carriage return inside the line"
                                                 : NULL;
        char line[1024];
        if (!bad && len >= sizeof line)
            bad = "too long";
        if (bad) {
            snprintf(err, errlen, "line %d: %s", lineno, bad);
            program_free(p);
            return -1;
        }
        memcpy(line, s, len);
        line[len] = '\0';
        isa_instr in;
        char e[256];
        int rc = isa_asm_line(line, &in, e, sizeof e);
        if (rc < 0) {
            snprintf(err, errlen, "line %d: %s", lineno, e);
            program_free(p);
            return -1;
        }
        if (rc > 0 && program_push(p, &in) != 0) {
            snprintf(err, errlen, "out of memory");
            program_free(p);
            return -1;
        }
    }
    return 0;
}

int program_from_asm(const char *text, program *p, char *err, size_t errlen)
{
    return program_from_asm_n(text, strlen(text), p, err, errlen);
}
