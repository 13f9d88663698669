/* gen_seeds.c - small seed inputs for the fuzz targets, made at build time
 * (nothing binary is committed): `gen_seeds DIR` writes DIR/npy/,
 * DIR/safetensors/,
 * DIR/asm/, DIR/prog/ and DIR/sim/.  The JSON targets take their seeds
 * from workloads/ as they are.
 *   npy   arrays of every dtype and rank lutsim reads, written by npy_write,
 *         and one version 2.0 header;
 *   asm   a compiled GEMM program as text, and each instruction alone;
 *   prog  the same as binaries;
 *   sim   choice bytes (fuzz_sim.c) from a fixed xorshift stream;
 *   safetensors  a file of three tensors (F16, BF16, I64) and an empty one.
 */
#include "arch.h"
#include "gemm.h"
#include "npy.h"
#include "program.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *root;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "gen_seeds: %s: %s\n", what, why);
    exit(1);
}

static void make_dir(const char *sub)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, sub);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        die(path, strerror(errno));
}

static void write_seed(const char *sub, const char *name, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", root, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
        die(path, "cannot write");
}

static void npy_seeds(void)
{
    static const struct { npy_dtype d; int ndim; int64_t shape[3]; } arrays[] = {
        { NPY_INT8, 2, { 2, 3 } }, { NPY_UINT8, 1, { 5 } },     { NPY_INT16, 2, { 2, 2 } },
        { NPY_INT32, 2, { 3, 4 } }, { NPY_INT64, 1, { 1 } },    { NPY_FLOAT16, 1, { 2 } },
        { NPY_FLOAT32, 0, { 0 } }, { NPY_FLOAT64, 2, { 0, 3 } }, { NPY_INT8, 3, { 2, 1, 2 } },
    };
    make_dir("npy");
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        npy_array a;
        char path[1024], err[512];
        if (npy_alloc(&a, arrays[i].d, arrays[i].ndim, arrays[i].shape) != 0)
            die("npy", "out of memory");
        for (size_t b = 0; b < a.nbytes; b++)
            ((uint8_t *)a.data)[b] = (uint8_t)(b * 37 + 1);
        snprintf(path, sizeof path, "%s/npy/%s-%zu.npy", root, npy_dtype_name(a.dtype), i);
        if (npy_write(path, &a, err, sizeof err) != 0)
            die("npy", err);
        npy_free(&a);
    }
    /* version 2.0: a 4-byte header length */
    static const char dict[] = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
    uint8_t v2[128] = "\x93NUMPY\x02\x00";
    size_t hlen = 64 - 12;
    memset(v2 + 12, ' ', hlen);
    memcpy(v2 + 12, dict, sizeof dict - 1);
    v2[12 + hlen - 1] = '\n';
    v2[8] = (uint8_t)hlen;
    memset(v2 + 64, 7, 8);
    write_seed("npy", "v2.npy", v2, 72);
}

static void program_seed(const program *p, const char *name)
{
    uint8_t *bin;
    size_t len;
    char err[512], file[256];
    if (program_to_bytes(p, &bin, &len, err, sizeof err) != 0)
        die(name, err);
    snprintf(file, sizeof file, "%s.bin", name);
    write_seed("prog", file, bin, len);
    free(bin);
    size_t cap = p->n * 512 + 1, used = 0;
    char *text = malloc(cap);
    if (!text)
        die(name, "out of memory");
    for (size_t i = 0; i < p->n; i++) {
        used += (size_t)isa_disasm(&p->ins[i], text + used, cap - used - 1);
        text[used++] = '\n';
    }
    snprintf(file, sizeof file, "%s.s", name);
    write_seed("asm", file, text, used);
    free(text);
}

static void program_seeds(void)
{
    make_dir("asm");
    make_dir("prog");
    arch_t a;
    arch_ideal(&a);
    gemm_shape s;
    memset(&s, 0, sizeof s);
    s.wtype.fmt = LUT_WFMT_INT;
    s.wtype.bits = 2;
    s.group_size = 128;
    s.m = 4;
    s.n = 64;
    s.kd = 256;
    program p;
    gemm_layout lay;
    char err[512];
    if (gemm_lower(&a, &s, &p, &lay, err, sizeof err) != 0)
        die("gemm", err);
    program_seed(&p, "gemm-4x64x256-int2");
    program_free(&p);
    /* each instruction with small field values, then halt */
    for (int op = 1; op < OP_COUNT; op++) {
        program_init(&p);
        isa_instr in;
        memset(&in, 0, sizeof in);
        in.op = (isa_op)op;
        const isa_opdef *d = isa_def(in.op);
        for (int k = 0; k < d->nfields; k++) {
            uint32_t v = d->fields[k].kind == FK_UINT ? 1 : 0;
            memcpy((char *)&in + d->fields[k].offset, &v, 4);
        }
        isa_instr halt;
        memset(&halt, 0, sizeof halt);
        halt.op = OP_HALT;
        if (program_push(&p, &in) != 0 || program_push(&p, &halt) != 0)
            die("program", "out of memory");
        program_seed(&p, d->mnemonic);
        program_free(&p);
    }
}

static void sim_seeds(void)
{
    make_dir("sim");
    uint32_t x = 12345;
    static const size_t lengths[] = { 16, 64, 256, 1024 };
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        uint8_t buf[1024];
        for (size_t k = 0; k < lengths[i]; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[k] = (uint8_t)x;
        }
        char name[32];
        snprintf(name, sizeof name, "random-%zu", lengths[i]);
        write_seed("sim", name, buf, lengths[i]);
    }
}

/* Safetensors files: two tensors (F16, BF16), one skipped dtype, metadata. */
static void safetensors_seeds(void)
{
    make_dir("safetensors");
    static const char hdr[] =
        "{\"__metadata__\":{\"format\":\"pt\"},"
        "\"l.q_proj.weight\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
        "\"l.k_proj.weight\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[8,12]},"
        "\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[12,20]}}";
    uint8_t buf[8 + sizeof hdr - 1 + 20] = { 0 };
    const uint64_t n = sizeof hdr - 1;
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)(n >> (8 * i));
    memcpy(buf + 8, hdr, n);
    buf[8 + n + 1] = 0x3c; /* 1.0 in F16 */
    write_seed("safetensors", "three.safetensors", buf, sizeof buf);
    write_seed("safetensors", "empty.safetensors", "\x02\0\0\0\0\0\0\0{}", 10);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_seeds DIR\n");
        return 2;
    }
    root = argv[1];
    if (mkdir(root, 0777) != 0 && errno != EEXIST)
        die(root, strerror(errno));
    npy_seeds();
    program_seeds();
    sim_seeds();
    safetensors_seeds();
    return 0;
}
