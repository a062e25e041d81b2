/* ReLU forward, AVX-512: one masked move per vector; head and tail are opmask loads/stores. */
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/avx512/intrin.h"
#include "simd/inject_hot.h"

/* Lanes that are > 0 or NaN keep x; the rest become +0.0 (so -0.0 -> +0.0). */
static inline __m512 relu16(__m512 v)
{
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NLE_UQ), v);
}

void sg_avx512_relu(size_t n, const float *x, float *y)
{
    size_t i = 0;
    if (n >= 256) {
        /* Peel up to 15 elements so the main loop's stores are 64-byte aligned: a misaligned zmm store
           splits across two cache lines every time (measured +20% in L1 for y not 64-byte aligned). */
        const size_t head = ((64 - ((uintptr_t)y & 63)) & 63) / sizeof(float);
        if (head) {
            const __mmask16 m = (__mmask16)((1u << head) - 1);
            _mm512_mask_storeu_ps(y, m, relu16(_mm512_maskz_loadu_ps(m, x)));
            i = head;
        }
    }
    SG_INJECT_CHAIN_VAR(chain); /* CI self-test hook only, see simd/inject_hot.h */
    for (; i + 64 <= n; i += 64) {
        SG_INJECT_HOT(relu, chain);
        const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
        const __m512 c = _mm512_loadu_ps(x + i + 32), d = _mm512_loadu_ps(x + i + 48);
        _mm512_storeu_ps(y + i, relu16(a));
        _mm512_storeu_ps(y + i + 16, relu16(b));
        _mm512_storeu_ps(y + i + 32, relu16(c));
        _mm512_storeu_ps(y + i + 48, relu16(d));
    }
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, relu16(_mm512_loadu_ps(x + i)));
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, relu16(_mm512_maskz_loadu_ps(m, x + i)));
    }
}
