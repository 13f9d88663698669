/* gemm_quant.h - `lutsim gemm --quant Q` (gemm_quant.c): float weights
 * quantized on the fly and run on the LUT core. */
#ifndef GEMM_QUANT_H
#define GEMM_QUANT_H

/* 1 if argv asks for --quant (cmd_gemm hands the command over). */
int gemm_quant_requested(int argc, char **argv);
/* The command; exit status 0, 1 (bad input, failed check) or 2 (usage). */
int cmd_gemm_quant(int argc, char **argv);
/* "MxNxK", three numbers 1..2^30 (cmd_gemm.c): 0 or -1. */
int parse_dims(const char *s, int *m, int *n, int *k);

#endif
