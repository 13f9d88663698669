/* trace_json.c - streaming writer of the Chrome trace-event format. */
#include "trace_json.h"

int trace_open(trace_writer *t, const char *path, const arch_t *arch)
{
    t->f = fopen(path, "w");
    if (!t->f)
        return -1;
    t->us_per_cycle = 1.0 / (arch->clock_ghz * 1e3);
    t->first = 1;
    t->failed = 0;
    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", t->f);
    for (int u = 0; u < UNIT_COUNT; u++) {
        fprintf(t->f,
                "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
                "\"args\":{\"name\":\"%s\"}}",
                t->first ? "" : ",\n", u, isa_unit_names[u]);
        t->first = 0;
    }
    return 0;
}

void trace_event(void *ctx, size_t index, const isa_instr *in, isa_unit unit,
                 uint64_t start, uint64_t busy_end, uint64_t complete)
{
    trace_writer *t = ctx;
    char text[256];
    isa_disasm(in, text, sizeof text);
    /* Slices show busy time; the latency tail is in args. */
    fprintf(t->f,
            ",\n{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%.6f,\"dur\":%.6f,"
            "\"args\":{\"index\":%zu,\"start_cycle\":%llu,\"busy_cycles\":%llu,"
            "\"complete_cycle\":%llu,\"asm\":\"%s\"}}",
            isa_def(in->op)->mnemonic, (int)unit, (double)start * t->us_per_cycle,
            (double)(busy_end - start) * t->us_per_cycle, index, (unsigned long long)start,
            (unsigned long long)(busy_end - start), (unsigned long long)complete, text);
}

int trace_close(trace_writer *t)
{
    fputs("\n]}\n", t->f);
    if (ferror(t->f))
        t->failed = 1;
    if (fclose(t->f) != 0)
        t->failed = 1;
    return t->failed ? -1 : 0;
}
