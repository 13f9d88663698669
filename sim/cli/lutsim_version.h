/* version.h is the Makefile's (build/gen); this is lutsim's own version. */
#ifndef LUTSIM_VERSION_STRING_H
#define LUTSIM_VERSION_STRING_H
#include <stddef.h>
/* "0.1.0", or "0.1.0 (git DESCRIBE)" in a git checkout's build. */
const char *lutsim_version(void);
#endif
