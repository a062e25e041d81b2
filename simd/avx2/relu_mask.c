/* ReLU forward that also records each element's 2-bit code (relu_mask, simdgrad.h), AVX2.
 * 32 elements a round: four relu vectors, and their codes as one 64-bit store.
 *
 * Packing: each lane becomes a 32-bit word whose bit 7 is the code's low bit and bit 15 its high bit;
 * packs_epi32 narrows two vectors to 16-bit words without changing them (-32640..128 all fit), so
 * after the lane fix-up (vpermq) pmovmskb reads 16 elements' codes, low bit then high bit, in order.
 * That is five vector ops per 8 elements where the scalar bit interleave (mask_bits.h) took ~30 ALU
 * ops per 32 elements in one dependency chain.
 *
 * The peel that aligns y for the main loop (and for streaming stores past the LLC,
 * src/nt_threshold.h) must be a multiple of 4 elements to keep code bytes whole: it is taken only
 * when y is 16-byte aligned (0 or 4 elements), else the loop runs unaligned with normal stores. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "nt_threshold.h"
#include "sg_kernels_impl.h"
#include "simd/avx2/mask_bits.h"
#include "simd/avx2/relu_lanes.h"
#include "simd/avx2/tail_mask.h"

/* Bit 7 = x > 0 or NaN, bit 15 (and up) = x == ±0 or NaN; the high bit as NLT & NGT (mask_bits.h). */
static inline __m256i code_word8(__m256 v, __m256 lo)
{
    const __m256 z = _mm256_setzero_ps();
    const __m256 hi = _mm256_and_ps(_mm256_cmp_ps(v, z, _CMP_NLT_UQ), _mm256_cmp_ps(v, z, _CMP_NGT_UQ));
    return _mm256_or_si256(_mm256_and_si256(_mm256_castps_si256(lo), _mm256_set1_epi32(0x80)),
                           _mm256_and_si256(_mm256_castps_si256(hi), _mm256_set1_epi32((int)0xFFFF8000u)));
}

/* The 32 code bits of 16 elements from their two code-word vectors. */
static inline uint32_t codes16(__m256i wa, __m256i wb)
{
    return (uint32_t)_mm256_movemask_epi8(_mm256_permute4x64_epi64(_mm256_packs_epi32(wa, wb), 0xD8));
}

#define RELU_MASK_MAIN_LOOP(STORE, STORE_CODES)                                                              \
    for (; i + 32 <= n; i += 32) {                                                                           \
        const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);                           \
        const __m256 v2 = _mm256_loadu_ps(x + i + 16), v3 = _mm256_loadu_ps(x + i + 24);                     \
        const __m256 z = _mm256_setzero_ps();                                                                \
        const __m256 l0 = _mm256_cmp_ps(v0, z, _CMP_NLE_UQ), l1 = _mm256_cmp_ps(v1, z, _CMP_NLE_UQ);         \
        const __m256 l2 = _mm256_cmp_ps(v2, z, _CMP_NLE_UQ), l3 = _mm256_cmp_ps(v3, z, _CMP_NLE_UQ);         \
        STORE(y + i, _mm256_and_ps(v0, l0));                                                                 \
        STORE(y + i + 8, _mm256_and_ps(v1, l1));                                                             \
        STORE(y + i + 16, _mm256_and_ps(v2, l2));                                                            \
        STORE(y + i + 24, _mm256_and_ps(v3, l3));                                                            \
        const uint64_t bits = (uint64_t)codes16(code_word8(v0, l0), code_word8(v1, l1)) |                    \
                              (uint64_t)codes16(code_word8(v2, l2), code_word8(v3, l3)) << 32;               \
        STORE_CODES(mask + i / 4, bits);                                                                     \
    }

static inline void store_codes(uint8_t *p, uint64_t bits) { memcpy(p, &bits, 8); }
static inline void stream_codes(uint8_t *p, uint64_t bits)
{
    _mm_stream_si64((long long *)(void *)p, (long long)bits);
}

/* r <= 8 elements from x + i (i a multiple of 4): y and exactly the (r+3)/4 code bytes. */
static inline void relu_mask_partial(const float *x, float *y, uint8_t *mask, size_t r)
{
    const __m256 v = sg_avx2_load_partial(x, r);
    /* The zero-filled lanes above r would read as ZERO: keep only the 2r bits of real elements. */
    const uint32_t bits =
        (uint32_t)(sg_avx2_spread32(sg_avx2_code_lo8(v)) | sg_avx2_spread32(sg_avx2_code_hi8(v)) << 1) &
        ((1u << (2 * r)) - 1);
    sg_avx2_store_partial(y, r, relu8(v));
    mask[0] = (uint8_t)bits;
    if (r > 4)
        mask[1] = (uint8_t)(bits >> 8);
}

static inline __attribute__((always_inline)) void relu_mask_body(size_t n, const float *x, float *y,
                                                                 uint8_t *mask, int large)
{
    size_t i = 0;
    if (large && !((uintptr_t)y & 15)) {
        if ((uintptr_t)y & 31) {
            relu_mask_partial(x, y, mask, 4);
            i = 4;
        }
        if (sg_nt_use(n * 2 * sizeof(float) + n / 4)) {
            RELU_MASK_MAIN_LOOP(_mm256_stream_ps, stream_codes)
            _mm_sfence(); /* streaming stores are weakly ordered: visible before we return */
        }
    }
    RELU_MASK_MAIN_LOOP(_mm256_storeu_ps, store_codes)
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 l = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NLE_UQ);
        const __m256i w = code_word8(v, l);
        const uint16_t bits = (uint16_t)codes16(w, w);
        _mm256_storeu_ps(y + i, _mm256_and_ps(v, l));
        memcpy(mask + i / 4, &bits, 2);
    }
    if (i < n)
        relu_mask_partial(x + i, y + i, mask + i / 4, n - i);
}

/* Calls of n >= 256 (the alignment peel, the streaming-store decision and its getenv/sysconf on first
   use) go through an out-of-line copy, so the small-n path stays a leaf without a stack frame. */
static __attribute__((noinline)) void relu_mask_large(size_t n, const float *x, float *y, uint8_t *mask)
{
    relu_mask_body(n, x, y, mask, 1);
}

void sg_avx2_relu_mask(size_t n, const float *x, float *y, uint8_t *mask)
{
    if (n >= 256)
        relu_mask_large(n, x, y, mask);
    else
        relu_mask_body(n, x, y, mask, 0);
}
