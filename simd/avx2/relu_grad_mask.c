/* The masked ReLU gradient from relu_mask's codes instead of h (relu_grad_mask, simdgrad.h), AVX2.
 * Zeros and NaNs in h are rare: a round of 32 elements whose codes are all NEG or POS (no high bit
 * set) is one blend per vector, dx = POS ? dy : +0. Otherwise each group of 8 blends dy, g0·dy and,
 * only if a NaN code is present, y (h's NaN as relu passed it through).
 *
 * Calls larger than the LLC stream dx (src/nt_threshold.h) from a 32-byte aligned dx + i; the peel
 * must keep i a multiple of 4 (whole code bytes), so it is taken only when dx is 16-byte aligned. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "nt_threshold.h"
#include "sg_kernels_impl.h"
#include "simd/avx2/mask_bits.h"
#include "simd/avx2/tail_mask.h"

/* dx for one group of 8 codes (16 bits); y is read only when a code is NAN and only y[0..r-1]. */
static inline __m256 grad8(uint32_t bits, __m256 dy, const float *y, size_t r, __m256 g0)
{
    const __m256i b = _mm256_set1_epi32((int)bits);
    const __m256 lo = _mm256_castsi256_ps(_mm256_sllv_epi32(b, sg_avx2_code_lo_shifts()));
    const __m256 hi = _mm256_castsi256_ps(_mm256_sllv_epi32(b, sg_avx2_code_hi_shifts()));
    /* Only the sign bits matter to blendv: POS = lo & ~hi, ZERO = hi & ~lo, NAN = lo & hi. */
    __m256 out = _mm256_blendv_ps(_mm256_setzero_ps(), dy, _mm256_andnot_ps(hi, lo));
    out = _mm256_blendv_ps(out, _mm256_mul_ps(g0, dy), _mm256_andnot_ps(lo, hi));
    if (bits & (bits >> 1) & 0x5555u)
        out = _mm256_blendv_ps(out, r == 8 ? _mm256_loadu_ps(y) : sg_avx2_load_partial(y, r),
                               _mm256_and_ps(lo, hi));
    return out;
}

/* The fast round: the 64 code bits broadcast once, then per vector a byte shuffle brings its 16 bits
   to every 32-bit lane and one variable shift puts lane j's low code bit in its sign. */
#define RELU_GRAD_MASK_MAIN_LOOP(STORE)                                                                      \
    while (i + 32 <= n) {                                                                                    \
        for (; i + 32 <= n; i += 32) { /* the fast rounds, left at the first ZERO or NAN code */             \
            uint64_t bits;                                                                                   \
            memcpy(&bits, mask + i / 4, 8);                                                                  \
            if (bits & 0xAAAAAAAAAAAAAAAAull)                                                                \
                break;                                                                                       \
            const __m256i b = _mm256_set1_epi64x((long long)bits);                                           \
            for (int q = 0; q < 4; q++) {                                                                    \
                const __m256i w = _mm256_shuffle_epi8(b, _mm256_set1_epi16((short)(0x0100 + 0x0202 * q)));   \
                const __m256 pos = _mm256_castsi256_ps(_mm256_sllv_epi32(w, lo_shifts));                     \
                STORE(dx + i + 8 * q,                                                                        \
                      _mm256_blendv_ps(_mm256_setzero_ps(), _mm256_loadu_ps(dy + i + 8 * q), pos));          \
            }                                                                                                \
        }                                                                                                    \
        if (i + 32 > n)                                                                                      \
            break;                                                                                           \
        /* A ZERO or NAN code: this block and the next 7 go group by group without the round's check,        \
           so codes dense in ZERO (the bench: every 8th h is ±0) do not leave the fast loop every block. */ \
        for (size_t stop = i + 256; i + 32 <= n && i < stop; i += 32) {                                      \
            uint64_t bits;                                                                                   \
            memcpy(&bits, mask + i / 4, 8);                                                                  \
            for (int q = 0; q < 4; q++) {                                                                    \
                const size_t at = i + 8 * (size_t)q;                                                         \
                const __m256 d = _mm256_loadu_ps(dy + at);                                                   \
                STORE(dx + at, grad8((uint32_t)(bits >> (16 * q)) & 0xFFFFu, d, y + at, 8, g0));             \
            }                                                                                                \
        }                                                                                                    \
    }

static inline __attribute__((always_inline)) void relu_grad_mask_body(size_t n, const uint8_t *mask,
                                                                      const float *y, const float *dy,
                                                                      float *dx, float grad_at_zero,
                                                                      int large)
{
    const __m256 g0 = _mm256_set1_ps(grad_at_zero);
    const __m256i lo_shifts = sg_avx2_code_lo_shifts();
    size_t i = 0;
    if (large && !((uintptr_t)dx & 15)) {
        if ((uintptr_t)dx & 31) {
            sg_avx2_store_partial(dx, 4, grad8(mask[0], sg_avx2_load_partial(dy, 4), y, 4, g0));
            i = 4;
        }
        if (sg_nt_use(n * 3 * sizeof(float) + n / 4)) {
            RELU_GRAD_MASK_MAIN_LOOP(_mm256_stream_ps)
            _mm_sfence(); /* streaming stores are weakly ordered: visible before we return */
        }
    }
    RELU_GRAD_MASK_MAIN_LOOP(_mm256_storeu_ps)
    for (; i + 8 <= n; i += 8) {
        uint16_t bits;
        memcpy(&bits, mask + i / 4, 2);
        _mm256_storeu_ps(dx + i, grad8(bits, _mm256_loadu_ps(dy + i), y + i, 8, g0));
    }
    if (i < n) {
        const size_t r = n - i;
        const uint32_t bits = sg_avx2_load_codes_partial(mask + i / 4, r) & ((1u << (2 * r)) - 1);
        sg_avx2_store_partial(dx + i, r, grad8(bits, sg_avx2_load_partial(dy + i, r), y + i, r, g0));
    }
}

/* Calls of n >= 256 (the alignment peel, the streaming-store decision and its getenv/sysconf on first
   use) go through an out-of-line copy, so the small-n path stays a leaf without a stack frame. */
static __attribute__((noinline)) void relu_grad_mask_large(size_t n, const uint8_t *mask, const float *y,
                                                           const float *dy, float *dx, float grad_at_zero)
{
    relu_grad_mask_body(n, mask, y, dy, dx, grad_at_zero, 1);
}

void sg_avx2_relu_grad_mask(size_t n, const uint8_t *mask, const float *y, const float *dy, float *dx,
                            float grad_at_zero)
{
    if (n >= 256)
        relu_grad_mask_large(n, mask, y, dy, dx, grad_at_zero);
    else
        relu_grad_mask_body(n, mask, y, dy, dx, grad_at_zero, 0);
}
