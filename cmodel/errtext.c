/* errtext.c - user text made safe for one-line error messages. */
#include "errtext.h"

#include <stdio.h>

char *err_text(char *dst, size_t n, const char *src, size_t maxlen)
{
    if (n == 0)
        return dst;
    size_t o = 0, i = 0;
    for (; src[i] && (maxlen == 0 || i < maxlen); i++) {
        unsigned char c = (unsigned char)src[i];
        int bad = c < 0x20 || c == 0x7f;
        if (o + (bad ? 4 : 1) >= n)
            break;
        if (bad)
            o += (size_t)snprintf(dst + o, n - o, "\\x%02x", c);
        else
            dst[o++] = (char)c;
    }
    if (src[i] && o + 3 < n) /* cut: say so */
        o += (size_t)snprintf(dst + o, n - o, "...");
    dst[o] = '\0';
    return dst;
}
