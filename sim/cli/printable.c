/* printable.c - escapes control characters and invalid UTF-8 (printable.h). */
#include "printable.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), its code point in *cp;
 * 0 if s does not start one (overlong forms and surrogates are invalid). */
static int utf8_seq(const unsigned char *s, unsigned *cp)
{
    int n;
    unsigned c = s[0], min;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, c &= 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, c &= 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, c &= 0x07, min = 0x10000;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

char *printable(const char *s, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    if (outlen == 0)
        return out;
    while (*p) {
        char esc[8];
        const char *piece = esc;
        size_t len;
        unsigned cp;
        int n = 1;
        if (*p == '\n' || *p == '\r' || *p == '\t' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : *p == '\t' ? 't' : '\\';
            len = 2;
        } else if (*p < 0x20 || *p == 0x7F) {
            len = (size_t)snprintf(esc, sizeof esc, "\\x%02X", *p);
        } else if (*p < 0x80) {
            piece = (const char *)p;
            len = 1;
        } else if ((n = utf8_seq(p, &cp)) == 0) {
            n = 1;
            len = (size_t)snprintf(esc, sizeof esc, "\\x%02X", *p);
        } else if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029) {
            len = (size_t)snprintf(esc, sizeof esc, "\\u%04X", cp);
        } else {
            piece = (const char *)p;
            len = (size_t)n;
        }
        if (o + len >= outlen)
            break;
        memcpy(out + o, piece, len);
        o += len;
        p += n;
    }
    out[o] = '\0';
    return out;
}
