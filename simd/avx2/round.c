/* Rounding to bfloat16 and binary16, kept as float (round_bf16 / round_fp16, simdgrad.h), AVX2.
 * binary16 is F16C's vcvtps2ph (round to nearest even, subnormals and overflow as IEEE, NaN quieted
 * with its top payload bits: the reference's rule) and back; bfloat16 is the reference's integer
 * rounding, eight lanes at a time. Tails use exact-width moves (tail_mask.h). */
#include <immintrin.h>
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/avx2/tail_mask.h"

static inline __m256 bf16_8(__m256 v)
{
    const __m256i b = _mm256_castps_si256(v), hi = _mm256_set1_epi32((int)0xffff0000u);
    const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
    const __m256i rounded =
        _mm256_and_si256(_mm256_add_epi32(_mm256_add_epi32(b, _mm256_set1_epi32(0x7fff)), odd), hi);
    const __m256i quiet = _mm256_and_si256(_mm256_or_si256(b, _mm256_set1_epi32(0x00400000)), hi);
    return _mm256_blendv_ps(_mm256_castsi256_ps(rounded), _mm256_castsi256_ps(quiet),
                            _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

static inline __m256 fp16_8(__m256 v)
{
    return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

#define SG_AVX2_ROUND_LOOP(fn)                                                                               \
    size_t i = 0;                                                                                            \
    for (; i + 16 <= n; i += 16) {                                                                           \
        const __m256 a = fn(_mm256_loadu_ps(x + i)), b = fn(_mm256_loadu_ps(x + i + 8));                     \
        _mm256_storeu_ps(y + i, a);                                                                          \
        _mm256_storeu_ps(y + i + 8, b);                                                                      \
    }                                                                                                        \
    for (; i + 8 <= n; i += 8)                                                                               \
        _mm256_storeu_ps(y + i, fn(_mm256_loadu_ps(x + i)));                                                 \
    if (i < n)                                                                                               \
        sg_avx2_store_partial(y + i, n - i, fn(sg_avx2_load_partial(x + i, n - i)));

void sg_avx2_round_bf16(size_t n, const float *x, float *y) { SG_AVX2_ROUND_LOOP(bf16_8) }

void sg_avx2_round_fp16(size_t n, const float *x, float *y) { SG_AVX2_ROUND_LOOP(fp16_8) }
