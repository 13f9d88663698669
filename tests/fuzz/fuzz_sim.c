/* fuzz_sim.c - random well-formed programs on the C model (cmodel/sim.c
 * and the units).  The input is not a program but the choices that build
 * one: an architecture variant, a memory image seed, then up to
 * MAX_INSTRUCTIONS instructions whose every field is a legal encoding,
 * either usually legal for the machine too (pick_legal) or anything the
 * field holds (a small number, a byte, a power of two, the field's
 * maximum, an address near a buffer's end, ...), ended by halt.  So every program encodes and
 * decodes, and the run is what is under test:
 *   - no crash or sanitizer report, and no input runs over 1 s (libFuzzer's
 *     -timeout; buffers bound the work of every instruction);
 *   - a rejection is one line naming the instruction;
 *   - the schedule is causal (start <= busy_end <= complete, in order);
 *   - a functional run and a timing-only run of the same program agree on
 *     every cycle and event count (one timing code for both).
 */
#include "energy.h"
#include "energy_json.h"
#include "engine_setup.h"
#include "fuzz_common.h"
#include "program.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INSTRUCTIONS 32
#define DRAM_BYTES (64 * 1024)

typedef struct {
    const uint8_t *p;
    size_t n;
} choices;

/* The next nbytes of input, little-endian; zeros once it runs out. */
static uint64_t take(choices *c, int nbytes)
{
    uint64_t v = 0;
    for (int i = 0; i < nbytes; i++) {
        uint64_t b = 0;
        if (c->n) {
            b = *c->p++;
            c->n--;
        }
        v |= b << (8 * i);
    }
    return v;
}

/* Variants chosen by one byte: presets, and the parameters that change
 * the schedule most (latencies, queue depth, rates, table geometry). */
static int make_arch(choices *c, arch_t *a)
{
    unsigned v = (unsigned)take(c, 2);
    arch_ideal(a);
    switch (v & 3) {
    case 1: /* one core, small buffers (workloads/arch/lut-small.json) */
        a->lut_cores = 1;
        a->buf[BUF_ACT] = (arch_buffer){ 64, 2, 128, 1 };
        a->buf[BUF_WGT] = (arch_buffer){ 64, 1, 256, 1 };
        a->buf[BUF_TBL] = (arch_buffer){ 4, 1, 256, 1 };
        a->buf[BUF_OUT] = (arch_buffer){ 64, 1, 256, 2 };
        a->dequant_lanes = a->vector_lanes = 8;
        a->dram_gbps = 8.0;
        break;
    case 2: /* another table geometry */
        a->tile_k = 2 + (int)((v >> 2) % 7);
        a->tile_m = 1 + (int)((v >> 5) & 7);
        a->tile_n = 16;
        break;
    case 3: /* tiny buffers: bounds are hit often */
        for (int b = 0; b < BUF_COUNT; b++)
            a->buf[b] = (arch_buffer){ 1 + (int)((v >> (2 + b)) & 1), 1, 64, 1 };
        a->tile_m = 1;
        break;
    }
    static const int latencies[4] = { 0, 1, 100, 1000000 };
    a->dram_latency = latencies[(v >> 8) & 3];
    a->queue_depth = (v >> 10) & 1 ? 1 : 4;
    a->dram_burst = (v >> 11) & 1 ? 1 : 64;
    a->lmma_latency = 1 + (int)((v >> 12) & 3) * 300;
    a->tprec_tables_per_cycle = (v >> 14) & 1 ? 3 : 1;
    a->wbits_min = (v >> 15) & 1 ? 2 : 1;
    char err[400];
    return arch_check(a, err, sizeof err);
}

static uint64_t field_max(int width)
{
    return width >= 64 ? UINT64_MAX : ((uint64_t)1 << width) - 1;
}

static uint64_t pick_value(choices *c, const isa_field *f, const arch_t *a)
{
    const uint64_t max = field_max(f->width);
    if (f->kind == FK_BUF)
        return take(c, 1) % 4;
    if (f->kind == FK_VFN)
        return take(c, 1) % VFN_COUNT;
    uint64_t v, end = arch_buf_bytes(a, (buf_id)(take(c, 1) % BUF_COUNT));
    switch (take(c, 1) % 8) {
    case 0: v = take(c, 1) % 16; break;
    case 1: v = take(c, 1); break;
    case 2: v = take(c, 2); break;
    case 3: v = take(c, 8); break;
    case 4: v = max; break;
    case 5: v = end - take(c, 1) % (end + 1); break; /* at or near a buffer's end */
    case 6: v = (uint64_t)1 << (take(c, 1) % f->width); break;
    default: v = take(c, 2) * 64 % end; break; /* aligned, inside a buffer */
    }
    return v & max;
}

/* A value that is usually legal, by the field's role (its name in the
 * table): small sizes, 64-byte aligned addresses in the first 4 KiB (so
 * instructions overlap and the scoreboard has hazards to find), a stride
 * at least the row already chosen, wbits in the array's range. */
static uint64_t pick_legal(choices *c, const isa_field *f, const arch_t *a, const isa_instr *in)
{
    const char *n = f->name;
    unsigned b = (unsigned)take(c, 1);
    if (f->kind == FK_BUF)
        return b % 4;
    if (f->kind == FK_VFN)
        return b % VFN_COUNT;
    if (!strcmp(n, "rows") || !strcmp(n, "bytes") || !strcmp(n, "m") || !strcmp(n, "n") ||
        !strcmp(n, "klen") || !strcmp(n, "len"))
        return 1 + b % 64;
    if (!strcmp(n, "stride"))
        return (in->op == OP_TPREC ? in->klen : in->bytes) + b % 3 * 16;
    if (!strcmp(n, "wbits"))
        return (uint64_t)a->wbits_min + b % (uint64_t)(a->wbits_max - a->wbits_min + 1);
    if (!strcmp(n, "imm"))
        return b % 32;
    if (!strcmp(n, "tpad"))
        return b % 16;
    if (!strcmp(n, "groups")) /* lmmag: 1..8, mostly dividing the cores */
        return 1 + b % 8;
    if (f->width <= 3) /* a flag or a small code (dq mfmt) */
        return b & field_max(f->width);
    return (uint64_t)(b % 64) * 64; /* an address: sram, dram, src, dst, acc, ... */
}

static void set_field(isa_instr *in, const isa_field *f, uint64_t v)
{
    char *p = (char *)in + f->offset;
    if (f->size == 8) {
        memcpy(p, &v, 8);
    } else {
        uint32_t v32 = (uint32_t)v;
        memcpy(p, &v32, 4);
    }
}

static void make_program(choices *c, const arch_t *a, program *p)
{
    program_init(p);
    int n = (int)(take(c, 1) % MAX_INSTRUCTIONS);
    for (int i = 0; i < n && c->n; i++) {
        isa_instr in;
        memset(&in, 0, sizeof in);
        unsigned op = (unsigned)take(c, 1);
        in.op = (isa_op)(1 + (op & 127) % (OP_COUNT - 1)); /* halt only at the end */
        const isa_opdef *d = isa_def(in.op);
        for (int k = 0; k < d->nfields; k++) {
            const isa_field *f = &d->fields[k];
            set_field(&in, f, op & 128 ? pick_value(c, f, a) : pick_legal(c, f, a, &in));
        }
        if (program_push(p, &in) != 0)
            abort();
    }
    isa_instr halt;
    memset(&halt, 0, sizeof halt);
    halt.op = OP_HALT;
    if (program_push(p, &halt) != 0)
        abort();
}

/* Well-formed: the program encodes, and decodes to itself. */
static void check_encoding(const program *p)
{
    uint8_t *bin = NULL;
    size_t len = 0;
    char err[512];
    program q;
    if (program_to_bytes(p, &bin, &len, err, sizeof err) != 0)
        fuzz_fail("sim", "generated program does not encode: %s", err);
    if (program_from_bytes(bin, len, &q, err, sizeof err) != 0)
        fuzz_fail("sim", "generated program does not decode: %s", err);
    if (q.n != p->n || memcmp(q.ins, p->ins, p->n * sizeof *p->ins) != 0)
        fuzz_fail("sim", "decode(encode(program)) differs from the program");
    free(bin);
    program_free(&q);
}

typedef struct {
    size_t next;
} trace_state;

static void on_trace(void *ctx, size_t index, const isa_instr *in, isa_unit unit,
                     uint64_t start, uint64_t busy_end, uint64_t complete)
{
    trace_state *t = ctx;
    (void)in;
    if (index != t->next)
        fuzz_fail("sim", "trace of instruction %zu came after %zu", index, t->next);
    t->next = index + 1;
    if (unit >= UNIT_COUNT || start > busy_end || busy_end > complete)
        fuzz_fail("sim", "instruction %zu: schedule start %llu, busy_end %llu, complete %llu",
                  index, (unsigned long long)start, (unsigned long long)busy_end,
                  (unsigned long long)complete);
}

static int run(const arch_t *a, const energy_model *em, const program *p, uint8_t *dram,
               sim_stats *st, char *err, size_t errlen)
{
    trace_state t = { 0 };
    sim_opts o = { .dram = dram, .dram_size = dram ? DRAM_BYTES : 0, .trace = on_trace,
                   .trace_ctx = &t };
    int rc = sim_run(a, em, p, &o, st, err, errlen);
    if (rc != 0)
        fuzz_check_instruction_error("sim", err, p->n);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    choices c = { data, size };
    arch_t a;
    if (make_arch(&c, &a) != 0)
        return 0;
    energy_table t;
    energy_model em;
    char err[512];
    if (energy_table_default(&t, err, sizeof err) != 0 ||
        energy_model_for_arch(&t, &a, &em, err, sizeof err) != 0)
        fuzz_fail("sim", "no energy model for a valid architecture: %s", err);
    unsigned mode = (unsigned)take(&c, 1);
    int functional = (int)(mode & 1);
    uint32_t x = (uint32_t)take(&c, 4) | 1u;
    program p;
    make_program(&c, &a, &p);
    check_encoding(&p);

    uint8_t *dram = NULL;
    if (functional) {
        dram = malloc(DRAM_BYTES);
        if (!dram)
            abort();
        /* random bytes, or only the extremes of int8 / int16 / int32 */
        static const uint8_t extremes[4] = { 0x00, 0x7f, 0x80, 0xff };
        for (size_t i = 0; i < DRAM_BYTES; i++) { /* xorshift32 */
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            dram[i] = mode & 2 ? extremes[x & 3] : (uint8_t)x;
        }
    }
    sim_stats st, st2;
    if (run(&a, &em, &p, dram, &st, err, sizeof err) == 0 && functional) {
        /* the same program timing-only: the same schedule and events */
        if (run(&a, &em, &p, NULL, &st2, err, sizeof err) != 0)
            fuzz_fail("sim", "timing-only rejects what functional ran: %s", err);
        if (st.cycles != st2.cycles || memcmp(&st.ev, &st2.ev, sizeof st.ev) != 0 ||
            memcmp(st.unit, st2.unit, sizeof st.unit) != 0)
            fuzz_fail("sim", "functional and timing-only runs differ (%llu vs %llu cycles)",
                      (unsigned long long)st.cycles, (unsigned long long)st2.cycles);
    }
    free(dram);
    program_free(&p);
    return 0;
}
