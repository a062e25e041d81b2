/* Masked ReLU gradient, AVX-512: opmask compares select dy, g0·dy, h (NaN) or +0.0 per lane. */
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/avx512/intrin.h"

static inline __m512 relu_grad16(__m512 h, __m512 dy, __m512 g0)
{
    const __m512 zero = _mm512_setzero_ps();
    const __mmask16 pos = _mm512_cmp_ps_mask(h, zero, _CMP_GT_OQ);
    const __mmask16 at0 = _mm512_cmp_ps_mask(h, zero, _CMP_EQ_OQ);
    const __mmask16 nan = _mm512_cmp_ps_mask(h, h, _CMP_UNORD_Q);
    __m512 r = _mm512_maskz_mov_ps(pos, dy);
    r = _mm512_mask_mul_ps(r, at0, g0, dy);
    return _mm512_mask_mov_ps(r, nan, h);
}

void sg_avx512_relu_grad(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    const __m512 g0 = _mm512_set1_ps(grad_at_zero);
    size_t i = 0;
    if (n >= 256) {
        /* Peel up to 15 elements so the main loop's stores are 64-byte aligned (see relu.c). Lanes are
           independent, so the head is just a masked vector; in-place (dx == dy) stays safe. */
        const size_t head = ((64 - ((uintptr_t)dx & 63)) & 63) / sizeof(float);
        if (head) {
            const __mmask16 m = (__mmask16)((1u << head) - 1);
            _mm512_mask_storeu_ps(dx, m,
                                  relu_grad16(_mm512_maskz_loadu_ps(m, h), _mm512_maskz_loadu_ps(m, dy), g0));
            i = head;
        }
    }
    for (; i + 32 <= n; i += 32) {
        const __m512 r0 = relu_grad16(_mm512_loadu_ps(h + i), _mm512_loadu_ps(dy + i), g0);
        const __m512 r1 = relu_grad16(_mm512_loadu_ps(h + i + 16), _mm512_loadu_ps(dy + i + 16), g0);
        _mm512_storeu_ps(dx + i, r0);
        _mm512_storeu_ps(dx + i + 16, r1);
    }
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dx + i, relu_grad16(_mm512_loadu_ps(h + i), _mm512_loadu_ps(dy + i), g0));
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        const __m512 r = relu_grad16(_mm512_maskz_loadu_ps(m, h + i), _mm512_maskz_loadu_ps(m, dy + i), g0);
        _mm512_mask_storeu_ps(dx + i, m, r);
    }
}
