/* rtl_cache.h - a Verilated model for any architecture, built once.
 *
 * The RTL's parameters are its generated includes (rtl_params.h).  For an
 * architecture whose arch_params.vh equals the built-in model's (librtl.a,
 * build/rtl/vobj: arch_ideal() or the Makefile's RTL_ARCH) the built-in
 * model runs.  For any other, the model is a shared library in the cache
 * directory:
 *
 *   $LUTSIM_RTL_CACHE, else $XDG_CACHE_HOME/lutsim/rtl, else
 *   $HOME/.cache/lutsim/rtl;  one directory per model, named by the
 *   16-hex-digit FNV-1a hash of isa.vh + arch_params.vh + the sources'
 *   checksum (rtl/, sim/rtl/, cmodel/) + the build directory, holding
 *   lutc_rtl.so.
 *
 * A missing model is built by running make on sim/rtl/model.mk (no shell:
 * spawn.h) from the source and build trees this program was built from:
 * Verilator and the compiler with -j2, about a minute, one progress line
 * on stderr.  The library is renamed into place when complete, so a crash
 * leaves none, and two processes building the same model at once each
 * build in their own directory and rename the same bytes.  The public API
 * (rtl_engine.h: rtl_run_ex, rtl_arch_supported_mem) calls this; it is
 * thread-safe.
 */
#ifndef RTL_CACHE_H
#define RTL_CACHE_H

#include "rtl_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The model for arch on memory mem (NULL: ideal): the built-in one, or a
 * cached one, loaded (and built first if missing).  NULL with a one-line
 * error when it cannot be built or loaded. */
const rtl_model_entry *rtl_cache_model(const arch_t *arch, const rtl_memory *mem, char *err,
                                       size_t errlen);

/* The cache directory (see above) into buf. */
const char *rtl_cache_dir(char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
