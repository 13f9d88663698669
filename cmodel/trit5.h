/* trit5.h - ternary weights at 1.6 bits: 5 trits per byte.
 *
 * A byte holds five trits t0..t4 in {0, 1, 2} as b = t0 + 3 t1 + 9 t2 +
 * 27 t3 + 81 t4 (0..242; 243..255 are not codes).  Trit t is the ternary
 * weight t - 1, i.e. the INT2 code t + 1 (offset binary, weight + 2,
 * lut_wtype_code) of the planes the LUT array reads; code 0, the weight
 * -2, has no trit.
 *
 * A trit5 row is one chunk of a weight tile: the two bit-planes of the
 * weight buffer, rb bytes each (plane 0 first, fields of tk bits LSB
 * first, lut_arith.h), hold floor(8 rb / tk) fields, i.e.
 * floor(8 rb / tk) * tk weights; trit i of the packed row is weight
 * (column i / tk, activation i % tk).  The packed row has
 * ceil(weights / 5) bytes, the last byte's spare trits 1 (weight 0).
 */
#ifndef TRIT5_H
#define TRIT5_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRIT5_CODES 243

uint8_t trit5_pack(const uint8_t t[5]);
/* 0, or -1 when b is not a code (>= 243). */
int trit5_unpack(uint8_t b, uint8_t t[5]);

/* Packed bytes of one row whose planes are rb bytes each. */
uint64_t trit5_row_bytes(uint64_t rb, int tk);

/* Expands one packed row into the two planes (2 rb bytes) of folded
 * fields; 0, or -1 with the offending byte's index in *bad. */
int trit5_decode_row(const uint8_t *packed, uint64_t rb, int tk, uint8_t *planes,
                     uint64_t *bad);
/* Packs two planes into trit5_row_bytes(rb, tk) bytes; 0, or -1 when a
 * weight is -2 (no trit), its index in *bad.  Positions k >= kvalid of a
 * field lie past the reduction (their activations are zero, so any
 * weight gives the same sums) and are stored as weight 0. */
int trit5_encode_row(const uint8_t *planes, uint64_t rb, int tk, int kvalid, uint8_t *packed,
                     uint64_t *bad);

#ifdef __cplusplus
}
#endif
#endif
