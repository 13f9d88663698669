/* lutsim_version.c - the version string (`lutsim version`, sweep databases). */
#include "lutsim_version.h"

#include <stdio.h>

#include "version.h" /* LUTSIM_GIT_DESCRIBE, written by the Makefile */

#define LUTSIM_VERSION "0.1.0"

const char *lutsim_version(void)
{
    static char v[160];
    if (LUTSIM_GIT_DESCRIBE[0])
        snprintf(v, sizeof v, "%s (git %s)", LUTSIM_VERSION, LUTSIM_GIT_DESCRIBE);
    else
        snprintf(v, sizeof v, "%s", LUTSIM_VERSION);
    return v;
}
