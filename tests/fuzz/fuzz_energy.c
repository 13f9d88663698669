/* fuzz_energy.c - the energy table (sim/cli/energy_json.c) as
 * `--energy FILE` loads it: engine_setup() reads it and builds the model
 * for the default architecture.  Every figure of an accepted table must be
 * a finite, non-negative energy. */
#include "engine_setup.h"
#include "fuzz_common.h"

#include <math.h>
#include <stdio.h>

static void check_figure(const char *what, double v)
{
    if (!isfinite(v) || v < 0)
        fuzz_fail("energy", "accepted table gives %s = %g", what, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".json");
    char err[1024] = "", prefix[600];
    snprintf(prefix, sizeof prefix, "%s: ", path);
    arch_t a;
    energy_model em;
    if (engine_setup(NULL, path, &a, &em, err, sizeof err) != 0) {
        fuzz_check_error("energy", err, prefix);
        return 0;
    }
    check_figure("dram_pj_per_byte", em.dram_pj_per_byte);
    for (int b = 0; b < BUF_COUNT; b++) {
        check_figure("buf_read_pj_per_byte", em.buf_read_pj_per_byte[b]);
        check_figure("buf_write_pj_per_byte", em.buf_write_pj_per_byte[b]);
    }
    check_figure("precompute_add_pj", em.precompute_add_pj);
    check_figure("table_read_pj", em.table_read_pj);
    check_figure("accum_add_pj", em.accum_add_pj);
    check_figure("dequant_mul_pj", em.dequant_mul_pj);
    check_figure("vector_op_pj", em.vector_op_pj);
    check_figure("leakage_pj_per_cycle", em.leakage_pj_per_cycle);
    return 0;
}
