/* clock.c - cli_now_seconds (commands.h), in the library rather than main.c
 * so that the tests that simulate through run_eval.c link without main. */
#include "commands.h"

#include <time.h>

double cli_now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
