/* lut_kernel_avx2.c - the AVX2 look-up kernel (T-MAC style byte shuffles).
 *
 * Same integers as lut_kernel_portable; only the order of the (exact) integer
 * additions differs.  A table of at most 16 int16 entries (tk <= 5) is looked
 * up for 32 weight columns at once with vpshufb:
 *
 *  - tk <= 4 (at most 8 entries): one 16-byte table holds the low bytes of the
 *    entries in bytes 0..7 and the high bytes in bytes 8..15.  The index bytes
 *    are widened to 16-bit lanes (e, e | 8), so one vpshufb yields the whole
 *    int16 entry of 16 columns.
 *  - tk == 5 (16 entries): a low-byte and a high-byte table, two vpshufb, and
 *    the bytes are interleaved back into int16 lanes.
 *
 * The negate bit becomes a vpsignw operand (1 | idx << 8: negative exactly
 * when bit 7 is set, never zero).  Bit-planes 0..P-1 use tables pre-shifted
 * by the plane and accumulate in int16 registers for up to F chunks, P and F
 * chosen from the largest table magnitude of the call so the int16 sums can
 * never overflow; they are then widened into int32.  Higher planes (only for
 * wide weights) are widened per look-up and shifted in int32.
 *
 * Loop order: for each block of 32 columns, all chunks and planes of the
 * call and all R rows, with the int16 accumulators (2 per row) in registers;
 * each index vector is loaded once and shared by the R rows.  Columns past
 * the last multiple of 32 take a scalar tail with the portable arithmetic.
 */
#include "lut_kernel.h"

#ifdef LUT_HAVE_AVX2_KERNEL
#include <immintrin.h>
#include <string.h>

enum {
    VBLK = 32,     /* the vector columns are a multiple of this */
    CB_MAX = 32,   /* chunks whose tables are prepared at once */
    MAX_R = 4,     /* rows per call (the driver's ROW_BLOCK) */
    MAX_TABS = MAX_R * CB_MAX * LUT_MAX_WBITS * 2
};

#ifndef PF_DIST
#define PF_DIST 128
#endif
#ifndef PF_HINT
#define PF_HINT _MM_HINT_T0
#endif
#ifndef CS_MAX
#define CS_MAX 32
#endif
#ifndef NH_SMALL
#define NH_SMALL 2
#endif
#define AVX2_FN static __attribute__((target("avx2")))
#define AVX2_INLINE static inline __attribute__((target("avx2"), always_inline))

/* Index vectors of one (chunk, plane) for 16 columns, shared by all rows:
 * 16-bit lane k belongs to column k.  d = the index byte in both halves. */
typedef struct {
    __m256i elo; /* tk <= 4: (e, e | 8); tk == 5: (e, 0x80) */
    __m256i ehi; /* tk == 5 only: (0x80, e) */
    __m256i s;   /* sign operand: (1, idx) */
} idx_prep;

AVX2_INLINE void prep_idx(const uint8_t *p, int wideE, __m256i dup, idx_prep *x)
{
    const __m256i d = _mm256_shuffle_epi8(
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p)), dup);
    if (wideE) {
        __m256i e = _mm256_and_si256(d, _mm256_set1_epi16(0x0F0F));
        x->elo = _mm256_or_si256(e, _mm256_set1_epi16((short)0x8000));
        x->ehi = _mm256_or_si256(e, _mm256_set1_epi16(0x0080));
    } else {
        __m256i e = _mm256_and_si256(d, _mm256_set1_epi16(0x0707));
        x->elo = _mm256_or_si256(e, _mm256_set1_epi16(0x0800));
        x->ehi = x->elo;
    }
    x->s = _mm256_or_si256(d, _mm256_set1_epi16(1));
}

/* Signed int16 entries for the 16 columns; t points at this (row, chunk,
 * plane)'s table(s). */
AVX2_INLINE __m256i lookup(const __m128i *t, int wideE, const idx_prep *x)
{
    __m256i v;
    if (wideE) {
        __m256i tl = _mm256_broadcastsi128_si256(_mm_load_si128(t));
        __m256i th = _mm256_broadcastsi128_si256(_mm_load_si128(t + 1));
        v = _mm256_or_si256(_mm256_shuffle_epi8(tl, x->elo), _mm256_shuffle_epi8(th, x->ehi));
    } else {
        __m256i tb = _mm256_broadcastsi128_si256(_mm_load_si128(t));
        v = _mm256_shuffle_epi8(tb, x->elo);
    }
    return _mm256_sign_epi16(v, x->s);
}

/* Adds (or, if first, stores) one row's int16 sums plus its int32
 * wide-plane sums into out[0..15]. */
AVX2_INLINE void flush_row(int32_t *out, __m256i a, const __m256i *wide,
                           int have_wide, int first)
{
    __m256i v0 = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(a));
    __m256i v1 = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(a, 1));
    if (have_wide) {
        v0 = _mm256_add_epi32(v0, wide[0]);
        v1 = _mm256_add_epi32(v1, wide[1]);
    }
    if (!first) {
        v0 = _mm256_add_epi32(v0, _mm256_loadu_si256((const __m256i *)out));
        v1 = _mm256_add_epi32(v1, _mm256_loadu_si256((const __m256i *)(out + 8)));
    }
    _mm256_storeu_si256((__m256i *)out, v0);
    _mm256_storeu_si256((__m256i *)(out + 8), v1);
}

/* Int32 wide-plane accumulation: acc[0..1] += widen(v) << plane. */
AVX2_INLINE void wide_add(__m256i *acc, __m256i v, __m128i sh)
{
    acc[0] = _mm256_add_epi32(acc[0], _mm256_sll_epi32(
        _mm256_cvtepi16_epi32(_mm256_castsi256_si128(v)), sh));
    acc[1] = _mm256_add_epi32(acc[1], _mm256_sll_epi32(
        _mm256_cvtepi16_epi32(_mm256_extracti128_si256(v, 1)), sh));
}

/* One chunk block [cb, cb+nc) over the vector columns [0, nv), NH blocks of
 * 16 columns at a time.  Tables are laid out [chunk][plane s < P][row][k]
 * with k = 1 or 2 vectors.  R, NH and wideE are compile-time constants at
 * every call site. */
AVX2_INLINE void run_block(const lut_packed *w, int cb, int nc, int P,
                           const __m128i *tv, int R, int NH, int wideE, int first,
                           int32_t *acc2, int nv)
{
    const size_t n = (size_t)w->n;
    const int bits = w->cfg.wtype.bits;
    const int K = wideE ? 2 : 1;
    const int have_wide = P < bits;
    const __m256i dup = _mm256_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
                                         8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    for (int col0 = 0; col0 < nv; col0 += 16 * NH) {
        __m256i acc[2][MAX_R];
        __m256i wide[2][MAX_R][2];
#pragma GCC unroll 2
        for (int h = 0; h < NH; h++)
#pragma GCC unroll 4
            for (int r = 0; r < R; r++)
                acc[h][r] = _mm256_setzero_si256();
        if (have_wide)
            memset(wide, 0, sizeof wide);
        const uint8_t *ip = w->idx + (size_t)cb * bits * n + (size_t)col0;
        const __m128i *t = tv;
        for (int c = 0; c < nc; c++) {
            const __m128i *tc = t; /* plane-0 (unshifted) tables of this chunk */
            for (int i = 0; i < P; i++, ip += n, t += R * K) {
                _mm_prefetch((const char *)ip + PF_DIST, PF_HINT);
                idx_prep x[2];
#pragma GCC unroll 2
                for (int h = 0; h < NH; h++)
                    prep_idx(ip + 16 * h, wideE, dup, &x[h]);
#pragma GCC unroll 4
                for (int r = 0; r < R; r++)
#pragma GCC unroll 2
                    for (int h = 0; h < NH; h++)
                        acc[h][r] = _mm256_add_epi16(acc[h][r], lookup(t + r * K, wideE, &x[h]));
            }
            for (int i = P; i < bits; i++, ip += n) {
                const __m128i sh = _mm_cvtsi32_si128(i);
                for (int h = 0; h < NH; h++) {
                    idx_prep x;
                    prep_idx(ip + 16 * h, wideE, dup, &x);
                    for (int r = 0; r < R; r++)
                        wide_add(wide[h][r], lookup(tc + r * K, wideE, &x), sh);
                }
            }
        }
#pragma GCC unroll 4
        for (int r = 0; r < R; r++)
#pragma GCC unroll 2
            for (int h = 0; h < NH; h++)
                flush_row(acc2 + r * n + col0 + 16 * h, acc[h][r], wide[h][r], have_wide, first);
    }
}

/* Scalar columns [col_lo, n) over all chunks, exactly as the portable kernel. */
static void tail_cols(const lut_packed *w, int c0, int c1, const lut_entry_t *tabs,
                      int R, int32_t *acc2, int col_lo)
{
    const int n = w->n, bits = w->cfg.wtype.bits;
    const int E = lut_table_entries(w->cfg.tk), nchunks = w->nchunks;
    for (int r = 0; r < R; r++)
        for (int col = col_lo; col < n; col++)
            acc2[(size_t)r * n + col] = 0;
    for (int c = c0; c < c1; c++) {
        for (int i = 0; i < bits; i++) {
            const uint8_t *idx = w->idx + ((size_t)c * bits + i) * n;
            for (int r = 0; r < R; r++) {
                const lut_entry_t *t = tabs + ((size_t)r * nchunks + c) * E;
                int32_t *acc = acc2 + (size_t)r * n;
                for (int col = col_lo; col < n; col++)
                    acc[col] = lut_shift_acc(acc[col], lut_lookup(t, idx[col]), i);
            }
        }
    }
}

/* Byte tables of chunks [cb, cb+nc), planes s < P, rows r < R. */
static void prep_tables(const lut_packed *w, int cb, int nc, int P, const lut_entry_t *tabs,
                        int R, int wideE, __m128i *tv)
{
    const int E = lut_table_entries(w->cfg.tk), nchunks = w->nchunks;
    for (int c = 0; c < nc; c++)
        for (int s = 0; s < P; s++)
            for (int r = 0; r < R; r++) {
                const lut_entry_t *t = tabs + ((size_t)r * nchunks + cb + c) * E;
                uint8_t b[32] = { 0 };
                for (int j = 0; j < E; j++) {
                    /* |t| << s fits int16 by the choice of P. */
                    uint16_t v = (uint16_t)((uint32_t)(int32_t)t[j] << s);
                    if (wideE) {
                        b[j] = (uint8_t)v;
                        b[16 + j] = (uint8_t)(v >> 8);
                    } else {
                        b[j] = (uint8_t)v;
                        b[8 + j] = (uint8_t)(v >> 8);
                    }
                }
                memcpy(tv, b, 16);
                tv++;
                if (wideE) {
                    memcpy(tv, b + 16, 16);
                    tv++;
                }
            }
}

AVX2_FN void run_block_dispatch(const lut_packed *w, int cb, int nc, int P,
                                const __m128i *tv, int R, int wideE, int first,
                                int32_t *acc2, int nv)
{
#define RB(RR, NHH, WE) run_block(w, cb, nc, P, tv, RR, NHH, WE, first, acc2, nv)
    if (wideE) {
        switch (R) {
        case 1: RB(1, NH_SMALL, 1); break;
        case 2: RB(2, NH_SMALL, 1); break;
        case 3: RB(3, 1, 1); break;
        default: RB(4, 1, 1); break;
        }
    } else {
        switch (R) {
        case 1: RB(1, NH_SMALL, 0); break;
        case 2: RB(2, NH_SMALL, 0); break;
        case 3: RB(3, 1, 0); break;
        default: RB(4, 1, 0); break;
        }
    }
#undef RB
}

__attribute__((target("avx2")))
void lut_kernel_avx2(const lut_packed *w, int c0, int c1,
                     const lut_entry_t *tabs, int R, int32_t *acc2)
{
    const int n = w->n, bits = w->cfg.wtype.bits, tk = w->cfg.tk;
    const int E = lut_table_entries(tk), nchunks = w->nchunks;
    if (tk > 5 || R < 1 || R > MAX_R || c1 <= c0) {
        lut_kernel_portable(w, c0, c1, tabs, R, acc2);
        return;
    }
    /* Largest table magnitude of this call decides the int16 plan. */
    int32_t vmax = 0;
    for (int r = 0; r < R; r++)
        for (int c = c0; c < c1; c++) {
            const lut_entry_t *t = tabs + ((size_t)r * nchunks + c) * E;
            for (int j = 0; j < E; j++) {
                int32_t a = t[j] < 0 ? -(int32_t)t[j] : t[j];
                if (a > vmax)
                    vmax = a;
            }
        }
    if (vmax > INT16_MAX) { /* -32768 cannot be negated in int16 */
        lut_kernel_portable(w, c0, c1, tabs, R, acc2);
        return;
    }
    /* P: planes whose shifted entries sum in int16 within one chunk;
     * F: chunks such a sum may span. */
    int P = 1;
    while (P < bits && (int64_t)((1 << (P + 1)) - 1) * vmax <= INT16_MAX)
        P++;
    int64_t per_chunk = (int64_t)((1 << P) - 1) * vmax;
    int F = per_chunk ? (int)(INT16_MAX / per_chunk) : CB_MAX;
    if (F > CB_MAX)
        F = CB_MAX;
    const int wideE = E > 8;
    const int nv = n - n % VBLK;

    _Alignas(32) __m128i tv[MAX_TABS];
    const int total = c1 - c0;
    const int nblocks = (total + F - 1) / F;
    int per = (total + nblocks - 1) / nblocks; /* balanced block size */
    if (per > CS_MAX) per = CS_MAX;
    if (nv > 0) {
        for (int cb = c0; cb < c1; cb += per) {
            int nc = (c1 - cb < per) ? c1 - cb : per;
            prep_tables(w, cb, nc, P, tabs, R, wideE, tv);
            run_block_dispatch(w, cb, nc, P, tv, R, wideE, cb == c0, acc2, nv);
        }
    }
    if (nv < n)
        tail_cols(w, c0, c1, tabs, R, acc2, nv);
}
#endif
