/* ReLU forward that also records each element's 2-bit code (relu_mask, simdgrad.h), AVX2.
 * 32 elements a round: four relu vectors, and their codes as one 64-bit store. No alignment peel:
 * a peel of other than a multiple of 4 elements would split the code bytes. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "sg_kernels_impl.h"
#include "simd/avx2/mask_bits.h"
#include "simd/avx2/tail_mask.h"

/* Same lanes as relu: > 0 or NaN keep x; the rest become +0.0. */
static inline __m256 relu8(__m256 v)
{
    return _mm256_and_ps(v, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NLE_UQ));
}

void sg_avx2_relu_mask(size_t n, const float *x, float *y, uint8_t *mask)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint32_t lo = 0, hi = 0;
        for (int q = 0; q < 4; q++) {
            const __m256 v = _mm256_loadu_ps(x + i + 8 * q);
            lo |= sg_avx2_code_lo8(v) << (8 * q);
            hi |= sg_avx2_code_hi8(v) << (8 * q);
            _mm256_storeu_ps(y + i + 8 * q, relu8(v));
        }
        const uint64_t bits = sg_avx2_spread32(lo) | sg_avx2_spread32(hi) << 1;
        memcpy(mask + i / 4, &bits, 8);
    }
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const uint16_t bits =
            (uint16_t)(sg_avx2_spread32(sg_avx2_code_lo8(v)) | sg_avx2_spread32(sg_avx2_code_hi8(v)) << 1);
        _mm256_storeu_ps(y + i, relu8(v));
        memcpy(mask + i / 4, &bits, 2);
    }
    if (i < n) {
        const size_t r = n - i;
        const __m256 v = sg_avx2_load_partial(x + i, r);
        /* The zero-filled lanes above r would read as ZERO: keep only the 2r bits of real elements. */
        const uint32_t bits =
            (uint32_t)(sg_avx2_spread32(sg_avx2_code_lo8(v)) | sg_avx2_spread32(sg_avx2_code_hi8(v)) << 1) &
            ((1u << (2 * r)) - 1);
        sg_avx2_store_partial(y + i, r, relu8(v));
        mask[i / 4] = (uint8_t)bits;
        if (r > 4)
            mask[i / 4 + 1] = (uint8_t)(bits >> 8);
    }
}
