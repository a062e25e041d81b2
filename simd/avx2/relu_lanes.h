/* The ReLU lane formulas of the AVX2 kernels, one definition for every AVX2 file that computes them
 * (relu.c, relu_mask.c, relu_grad.c and the fused step train_step.c, which must give their bits).
 * Include only from AVX2-compiled files. */
#ifndef SG_AVX2_RELU_LANES_H
#define SG_AVX2_RELU_LANES_H
#include <immintrin.h>

/* Not-less-or-equal, unordered: true for x > 0 and for NaN, so NaN passes and -0.0 -> +0.0. */
static inline __m256 relu8(__m256 v)
{
    return _mm256_and_ps(v, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NLE_UQ));
}

/* The three cases of the masked gradient (h > 0, h == ±0, h NaN) are disjoint lane masks, so the
   result is their OR; h < 0 lanes stay +0.0. */
static inline __m256 relu_grad8(__m256 h, __m256 dy, __m256 g0)
{
    const __m256 zero = _mm256_setzero_ps();
    const __m256 pos = _mm256_and_ps(_mm256_cmp_ps(h, zero, _CMP_GT_OQ), dy);
    const __m256 at0 = _mm256_and_ps(_mm256_cmp_ps(h, zero, _CMP_EQ_OQ), _mm256_mul_ps(g0, dy));
    const __m256 nan = _mm256_and_ps(_mm256_cmp_ps(h, h, _CMP_UNORD_Q), h);
    return _mm256_or_ps(_mm256_or_ps(pos, at0), nan);
}

#endif
