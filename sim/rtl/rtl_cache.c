/* rtl_cache.c - the per-architecture model cache (rtl_cache.h) and the
 * public RTL entry points that pick a model (rtl_engine.h). */
#include "rtl_cache.h"

#include "rtl_params.h"
#include "spawn.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rtl_src_sum.h" /* LUTSIM_RTL_SRC_SUM, LUTSIM_SRC_DIR, LUTSIM_BUILD_DIR */

#define MAX_LOADED 64

/* A model looked up in this process: loaded, or (model NULL) failed to
 * build or load, with its error, so that a failed build runs once only. */
typedef struct {
    uint64_t key;
    const rtl_model_entry *model;
    char err[512];
} loaded_model;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static loaded_model loaded[MAX_LOADED];
static int nloaded;

const char *rtl_cache_dir(char *buf, size_t len)
{
    const char *env = getenv("LUTSIM_RTL_CACHE");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (env && *env)
        snprintf(buf, len, "%s", env);
    else if (xdg && *xdg)
        snprintf(buf, len, "%s/lutsim/rtl", xdg);
    else
        snprintf(buf, len, "%s/.cache/lutsim/rtl", home && *home ? home : "/tmp");
    return buf;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* The cache key: everything the library's bytes depend on. */
static uint64_t model_key(const char *isa, const char *params)
{
    char abi[32];
    snprintf(abi, sizeof abi, "abi %d\n", RTL_MODEL_ABI);
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(h, isa);
    h = fnv1a(h, params);
    h = fnv1a(h, LUTSIM_RTL_SRC_SUM);
    h = fnv1a(h, LUTSIM_BUILD_DIR);
    return fnv1a(h, abi);
}

/* mkdir -p: 0, or -1 with errno. */
static int make_dirs(const char *path)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                return -1;
            *s = c;
            if (!c)
                return 0;
        }
    }
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* The first line of s into buf (a make failure's message). */
static const char *first_line(const char *s, char *buf, size_t len)
{
    size_t n = strcspn(s, "\n");
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return buf;
}

/* Builds DIR/lutc_rtl.so for the includes isa + params (model.mk). */
static int build_model(const arch_t *arch, const char *dir, const char *lib, uint64_t key,
                       const char *isa, const char *params, char *err, size_t errlen)
{
    char work[1200], gen[1300], f[1400];
    snprintf(work, sizeof work, "%s/build.%ld", dir, (long)getpid());
    snprintf(gen, sizeof gen, "%s/gen", work);
    if (make_dirs(gen) != 0) {
        snprintf(err, errlen, "RTL model cache: cannot create %s: %s (set LUTSIM_RTL_CACHE to "
                 "a writable directory)", gen, strerror(errno));
        return -1;
    }
    snprintf(f, sizeof f, "%s/isa.vh", gen);
    int bad = write_text(f, isa);
    snprintf(f, sizeof f, "%s/arch_params.vh", gen);
    bad = bad || write_text(f, params);
    if (bad) {
        snprintf(err, errlen, "RTL model cache: cannot write %s: %s", f, strerror(errno));
        return -1;
    }
    fprintf(stderr, "building the RTL for architecture \"%s\" (model %016llx), about a minute; "
            "cached in %s\n", arch->name, (unsigned long long)key, dir);
    char mk[1400], a_src[1400], a_build[1400], a_work[1400], a_out[1400];
    snprintf(mk, sizeof mk, "%s/sim/rtl/model.mk", LUTSIM_SRC_DIR);
    snprintf(a_src, sizeof a_src, "SRC=%s", LUTSIM_SRC_DIR);
    snprintf(a_build, sizeof a_build, "BUILD=%s", LUTSIM_BUILD_DIR);
    snprintf(a_work, sizeof a_work, "WORK=%s", work);
    snprintf(a_out, sizeof a_out, "OUT=%s", lib);
    char *argv[] = { "make", "-j2", "-s", "--no-print-directory", "-f", mk, a_src, a_build,
                     a_work, a_out, NULL };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    spawn_result r;
    if (spawn_run(argv, NULL, &r) != 0 || r.exec_errno) {
        snprintf(err, errlen, "cannot build the RTL for arch \"%s\": make %s", arch->name,
                 r.exec_errno == ENOENT ? "is not installed" : "could not be started");
        return -1;
    }
    if (!r.exited || r.exit_status != 0) {
        char line[512];
        snprintf(err, errlen, "cannot build the RTL for arch \"%s\": %s", arch->name,
                 r.errout[0] ? first_line(r.errout, line, sizeof line) : "make failed");
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "built the RTL model %016llx in %.0f s\n", (unsigned long long)key,
            (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    return 0;
}

/* dlopen and check a cached library. */
static const rtl_model_entry *load_model(const char *lib, const char *params, char *err,
                                         size_t errlen)
{
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "RTL model cache: cannot load %s: %s (delete it to rebuild)", lib,
                 dlerror());
        return NULL;
    }
    const rtl_model_entry *m = (const rtl_model_entry *)dlsym(h, "rtl_model_entry_table");
    if (!m || m->abi != RTL_MODEL_ABI || m->arch_t_size != sizeof(arch_t) ||
        m->stats_size != sizeof(sim_stats) || strcmp(m->params, params) != 0) {
        dlclose(h);
        snprintf(err, errlen, "RTL model cache: %s is not the model of this architecture and "
                 "build (delete it to rebuild)", lib);
        return NULL;
    }
    return m; /* never closed: the model stays for the process */
}

static const rtl_model_entry *cached_model(const arch_t *arch, const char *params, char *err,
                                           size_t errlen)
{
    char *isa = rtl_params_isa_text();
    if (!isa) {
        snprintf(err, errlen, "out of memory for the RTL's includes");
        return NULL;
    }
    uint64_t key = model_key(isa, params);
    for (int i = 0; i < nloaded; i++) {
        if (loaded[i].key == key) {
            free(isa);
            if (!loaded[i].model)
                snprintf(err, errlen, "%s", loaded[i].err);
            return loaded[i].model;
        }
    }
    const rtl_model_entry *m = NULL;
    char root[1024], dir[1100], lib[1200];
    snprintf(dir, sizeof dir, "%s/%016llx", rtl_cache_dir(root, sizeof root),
             (unsigned long long)key);
    snprintf(lib, sizeof lib, "%s/lutc_rtl.so", dir);
    if (access(lib, R_OK) == 0 || build_model(arch, dir, lib, key, isa, params, err, errlen) == 0)
        m = load_model(lib, params, err, errlen);
    free(isa);
    if (nloaded < MAX_LOADED) {
        loaded[nloaded].key = key;
        loaded[nloaded].model = m;
        snprintf(loaded[nloaded].err, sizeof loaded[nloaded].err, "%s", m ? "" : err);
        nloaded++;
    }
    return m;
}

const rtl_model_entry *rtl_cache_model(const arch_t *arch, const rtl_memory *mem, char *err,
                                       size_t errlen)
{
    int device = mem && (mem->kind == RTL_MEM_DRAM || mem->kind == RTL_MEM_PORT);
    char *params = rtl_params_arch_text(arch, device);
    if (!params) {
        snprintf(err, errlen, "out of memory for the RTL's includes");
        return NULL;
    }
    const rtl_model_entry *m = &rtl_model_entry_table;
    if (strcmp(params, m->params) != 0) {
        pthread_mutex_lock(&lock);
        m = cached_model(arch, params, err, errlen);
        pthread_mutex_unlock(&lock);
    }
    free(params);
    return m;
}

/* The public API (rtl_engine.h): refusals first, then the model. */

int rtl_arch_supported_mem(const arch_t *arch, const rtl_memory *mem, char *err, size_t errlen)
{
    if (rtl_model_entry_table.supported(arch, mem, err, errlen) != 0)
        return -1;
    return rtl_cache_model(arch, mem, err, errlen) ? 0 : -1;
}

int rtl_arch_supported(const arch_t *arch, char *err, size_t errlen)
{
    return rtl_arch_supported_mem(arch, NULL, err, errlen);
}

int rtl_run_ex(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
               const rtl_memory *mem, const rtl_vcd *vcd, sim_stats *st, rtl_sched *sched,
               char *err, size_t errlen)
{
    if (rtl_model_entry_table.supported(arch, mem, err, errlen) != 0)
        return -1;
    const rtl_model_entry *m = rtl_cache_model(arch, mem, err, errlen);
    return m ? m->run(arch, p, dram, dram_size, mem, vcd, st, sched, err, errlen) : -1;
}

int rtl_run(const arch_t *arch, const program *p, uint8_t *dram, size_t dram_size,
            const char *vcd_path, sim_stats *st, char *err, size_t errlen)
{
    rtl_vcd v = { vcd_path, 0, 0, NULL };
    return rtl_run_ex(arch, p, dram, dram_size, NULL, vcd_path ? &v : NULL, st, NULL, err,
                      errlen);
}
