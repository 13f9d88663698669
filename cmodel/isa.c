/* isa.c - encoder, decoder, assembler and disassembler, all driven by the
 * one table in isa_table.c. */
#include "isa.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t get_member(const isa_instr *in, const isa_field *f)
{
    const char *p = (const char *)in + f->offset;
    if (f->size == 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void set_member(isa_instr *in, const isa_field *f, uint64_t v)
{
    char *p = (char *)in + f->offset;
    if (f->size == 8) {
        memcpy(p, &v, 8);
    } else {
        uint32_t v32 = (uint32_t)v;
        memcpy(p, &v32, 4);
    }
}

static uint64_t field_max(int width)
{
    return width >= 64 ? UINT64_MAX : ((uint64_t)1 << width) - 1;
}

/* Inserts / extracts width bits at lsb of the 128-bit word (fields may
 * straddle the two 64-bit halves).  v must fit in width bits. */
static void put_bits(isa_word *w, int lsb, int width, uint64_t v)
{
    int lo = lsb % 64, word = lsb / 64;
    w->w[word] |= v << lo;
    if (lo + width > 64)
        w->w[word + 1] |= v >> (64 - lo);
}

static uint64_t get_bits(const isa_word *w, int lsb, int width)
{
    int lo = lsb % 64, word = lsb / 64;
    uint64_t v = w->w[word] >> lo;
    if (lo + width > 64)
        v |= w->w[word + 1] << (64 - lo);
    return width >= 64 ? v : v & (((uint64_t)1 << width) - 1);
}

static int enum_limit(isa_field_kind k)
{
    switch (k) {
    case FK_BUF: return 4;
    case FK_VFN: return VFN_COUNT;
    default: return -1;
    }
}

int isa_encode(const isa_instr *in, isa_word *out, char *err, size_t errlen)
{
    const isa_opdef *d = isa_def(in->op);
    if (!d) {
        snprintf(err, errlen, "unknown opcode %d", (int)in->op);
        return -1;
    }
    out->w[0] = out->w[1] = 0;
    put_bits(out, 0, ISA_OPCODE_BITS, (uint64_t)in->op);
    for (int i = 0; i < d->nfields; i++) {
        const isa_field *f = &d->fields[i];
        uint64_t v = get_member(in, f);
        if (v > field_max(f->width)) {
            snprintf(err, errlen, "%s: field %s = %llu does not fit in %d bits (max %llu)",
                     d->mnemonic, f->name, (unsigned long long)v, f->width,
                     (unsigned long long)field_max(f->width));
            return -1;
        }
        int lim = enum_limit(f->kind);
        if (lim >= 0 && v >= (uint64_t)lim) {
            snprintf(err, errlen, "%s: field %s = %llu is not a valid %s", d->mnemonic, f->name,
                     (unsigned long long)v, f->kind == FK_BUF ? "buffer" : "vector function");
            return -1;
        }
        put_bits(out, f->lsb, f->width, v);
    }
    return 0;
}

int isa_check(const isa_instr *in, char *err, size_t errlen)
{
    const isa_opdef *d = isa_def(in->op);
    isa_word w;
    if (!d)
        return isa_encode(in, &w, err, errlen);
    /* the fields' overflow bits ORed: one test at the end (the rare
     * failure is found again by isa_encode, with its message) */
    uint64_t over = 0;
    for (int i = 0; i < d->nfields; i++) {
        const isa_field *f = &d->fields[i];
        uint64_t v = get_member(in, f);
        if (f->width < 64)
            over |= v >> f->width;
        if (f->kind >= FK_BUF)
            over |= v >= (uint64_t)enum_limit(f->kind);
    }
    return over ? isa_encode(in, &w, err, errlen) : 0;
}

int isa_decode(const isa_word *w, isa_instr *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    uint64_t op = get_bits(w, 0, ISA_OPCODE_BITS);
    const isa_opdef *d = isa_def((isa_op)op);
    if (!d) {
        snprintf(err, errlen, "illegal opcode %llu", (unsigned long long)op);
        return -1;
    }
    out->op = (isa_op)op;
    isa_word used = { { 0, 0 } };
    put_bits(&used, 0, ISA_OPCODE_BITS, field_max(ISA_OPCODE_BITS));
    for (int i = 0; i < d->nfields; i++) {
        const isa_field *f = &d->fields[i];
        uint64_t v = get_bits(w, f->lsb, f->width);
        int lim = enum_limit(f->kind);
        if (lim >= 0 && v >= (uint64_t)lim) {
            snprintf(err, errlen, "%s: field %s = %llu is not a valid %s", d->mnemonic, f->name,
                     (unsigned long long)v, f->kind == FK_BUF ? "buffer" : "vector function");
            return -1;
        }
        set_member(out, f, v);
        put_bits(&used, f->lsb, f->width, field_max(f->width));
    }
    if ((w->w[0] & ~used.w[0]) || (w->w[1] & ~used.w[1])) {
        snprintf(err, errlen, "%s: reserved bits set (word %016llx%016llx)", d->mnemonic,
                 (unsigned long long)w->w[1], (unsigned long long)w->w[0]);
        return -1;
    }
    return 0;
}

static int lookup_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int isa_asm_line(const char *line, isa_instr *out, char *err, size_t errlen)
{
    char buf[1024];
    size_t len = strcspn(line, "#\n\r");
    if (len >= sizeof buf) {
        snprintf(err, errlen, "line too long");
        return -1;
    }
    /* "\r\n" ends a line; a carriage return inside one would hide the rest */
    if (line[len] == '\r' && line[len + 1] != '\0' && line[len + 1] != '\n') {
        snprintf(err, errlen, "carriage return inside the line");
        return -1;
    }
    memcpy(buf, line, len);
    buf[len] = '\0';
    char *save = NULL;
    char *tok = strtok_r(buf, " \t", &save);
    if (!tok)
        return 0;
    memset(out, 0, sizeof *out);
    const isa_opdef *d = NULL;
    for (int op = 0; op < OP_COUNT; op++)
        if (strcmp(isa_ops[op].mnemonic, tok) == 0)
            d = &isa_ops[op];
    if (!d) {
        snprintf(err, errlen, "unknown mnemonic '%s'", tok);
        return -1;
    }
    out->op = d->op;
    unsigned seen = 0;
    while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            snprintf(err, errlen, "%s: expected field=value, got '%s'", d->mnemonic,
                     tok);
            return -1;
        }
        *eq = '\0';
        const char *val = eq + 1;
        int fi = -1;
        for (int i = 0; i < d->nfields; i++)
            if (strcmp(d->fields[i].name, tok) == 0)
                fi = i;
        if (fi < 0) {
            snprintf(err, errlen, "%s: no field named '%s'", d->mnemonic,
                     tok);
            return -1;
        }
        if (seen & (1u << fi)) {
            snprintf(err, errlen, "%s: field %s given twice", d->mnemonic, tok);
            return -1;
        }
        seen |= 1u << fi;
        const isa_field *f = &d->fields[fi];
        uint64_t v = 0;
        int e = -1;
        if (f->kind == FK_BUF)
            e = lookup_name(isa_buf_names, 4, val);
        else if (f->kind == FK_VFN)
            e = lookup_name(isa_vfn_names, VFN_COUNT, val);
        if (e >= 0) {
            v = (uint64_t)e;
        } else {
            char *end = NULL;
            errno = 0;
            if (isdigit((unsigned char)val[0]))
                v = strtoull(val, &end, 0);
            if (!end || errno || *end != '\0') {
                snprintf(err, errlen, "%s: field %s: bad value '%s'", d->mnemonic, f->name,
                         val);
                return -1;
            }
        }
        if (v > field_max(f->width)) {
            snprintf(err, errlen, "%s: field %s = %s does not fit in %d bits", d->mnemonic,
                     f->name, val, f->width);
            return -1;
        }
        set_member(out, f, v);
    }
    for (int i = 0; i < d->nfields; i++) {
        if (!(seen & (1u << i)) && !d->fields[i].optional) {
            snprintf(err, errlen, "%s: field %s is missing", d->mnemonic, d->fields[i].name);
            return -1;
        }
    }
    isa_word w;
    if (isa_encode(out, &w, err, errlen) != 0)
        return -1;
    return 1;
}

int isa_disasm(const isa_instr *in, char *buf, size_t buflen)
{
    const isa_opdef *d = isa_def(in->op);
    if (!d)
        return snprintf(buf, buflen, "<illegal %d>", (int)in->op);
    size_t n = (size_t)snprintf(buf, buflen, "%s", d->mnemonic);
    for (int i = 0; i < d->nfields && n < buflen; i++) {
        const isa_field *f = &d->fields[i];
        uint64_t v = get_member(in, f);
        if (f->optional && v == 0)
            continue;
        if (f->kind == FK_BUF && v < 4)
            n += (size_t)snprintf(buf + n, buflen - n, " %s=%s", f->name, isa_buf_names[v]);
        else if (f->kind == FK_VFN && v < VFN_COUNT)
            n += (size_t)snprintf(buf + n, buflen - n, " %s=%s", f->name, isa_vfn_names[v]);
        else if (f->kind == FK_ADDR)
            n += (size_t)snprintf(buf + n, buflen - n, " %s=0x%llx", f->name, (unsigned long long)v);
        else
            n += (size_t)snprintf(buf + n, buflen - n, " %s=%llu", f->name, (unsigned long long)v);
    }
    return (int)n;
}

void isa_word_to_bytes(const isa_word *w, uint8_t out[ISA_BYTES])
{
    for (int i = 0; i < ISA_BYTES; i++)
        out[i] = (uint8_t)(w->w[i / 8] >> (8 * (i % 8)));
}

void isa_word_from_bytes(const uint8_t in[ISA_BYTES], isa_word *w)
{
    w->w[0] = w->w[1] = 0;
    for (int i = 0; i < ISA_BYTES; i++)
        w->w[i / 8] |= (uint64_t)in[i] << (8 * (i % 8));
}
