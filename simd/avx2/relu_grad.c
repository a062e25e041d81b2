/* Masked ReLU gradient, AVX2. The three cases (h > 0, h == ±0, h NaN) are disjoint lane masks,
 * so the result is their OR; h < 0 lanes stay +0.0. */
#include <immintrin.h>
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/avx2/tail_mask.h"

static inline __m256 relu_grad8(__m256 h, __m256 dy, __m256 g0)
{
    const __m256 zero = _mm256_setzero_ps();
    const __m256 pos = _mm256_and_ps(_mm256_cmp_ps(h, zero, _CMP_GT_OQ), dy);
    const __m256 at0 = _mm256_and_ps(_mm256_cmp_ps(h, zero, _CMP_EQ_OQ), _mm256_mul_ps(g0, dy));
    const __m256 nan = _mm256_and_ps(_mm256_cmp_ps(h, h, _CMP_UNORD_Q), h);
    return _mm256_or_ps(_mm256_or_ps(pos, at0), nan);
}

void sg_avx2_relu_grad(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    const __m256 g0 = _mm256_set1_ps(grad_at_zero);
    size_t i = 0;
    if (n >= 256) {
        /* Peel up to 7 elements so the main loop's stores are 32-byte aligned (see relu.c). Lanes are
           independent, so in-place (dx == dy) stays safe. */
        const size_t head = ((32 - ((uintptr_t)dx & 31)) & 31) / sizeof(float);
        if (head) {
            sg_avx2_store_partial(
                dx, head, relu_grad8(sg_avx2_load_partial(h, head), sg_avx2_load_partial(dy, head), g0));
            i = head;
        }
    }
    for (; i + 16 <= n; i += 16) {
        const __m256 r0 = relu_grad8(_mm256_loadu_ps(h + i), _mm256_loadu_ps(dy + i), g0);
        const __m256 r1 = relu_grad8(_mm256_loadu_ps(h + i + 8), _mm256_loadu_ps(dy + i + 8), g0);
        _mm256_storeu_ps(dx + i, r0);
        _mm256_storeu_ps(dx + i + 8, r1);
    }
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dx + i, relu_grad8(_mm256_loadu_ps(h + i), _mm256_loadu_ps(dy + i), g0));
    if (i < n) {
        const size_t r = n - i;
        sg_avx2_store_partial(
            dx + i, r, relu_grad8(sg_avx2_load_partial(h + i, r), sg_avx2_load_partial(dy + i, r), g0));
    }
}
