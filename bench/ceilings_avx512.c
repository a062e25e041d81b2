/* AVX-512 ceilings, compiled with the avx512 flags only: zmm FMA chains (12 independent
 * accumulators cover 4-cycle latency on two FMA ports) and zmm streaming loops. */
#include <immintrin.h>

#include "sgb.h"

#define SGB_MUL 0.999f
#define SGB_ADD 0.001f

float sgb_avx512_sink;

double sgb_avx512_fma_zmm(int64_t iters)
{
    const __m512 m = _mm512_set1_ps(SGB_MUL), a = _mm512_set1_ps(SGB_ADD);
    /* Distinct starting values: identical chains would be merged into one by the compiler. */
#define SGB_START(i) _mm512_set1_ps(1.0f + (float)(i)*0x1p-10f)
    __m512 c0 = SGB_START(0), c1 = SGB_START(1), c2 = SGB_START(2), c3 = SGB_START(3), c4 = SGB_START(4);
    __m512 c5 = SGB_START(5), c6 = SGB_START(6), c7 = SGB_START(7), c8 = SGB_START(8), c9 = SGB_START(9);
    __m512 c10 = SGB_START(10), c11 = SGB_START(11);
#undef SGB_START
    for (int64_t i = 0; i < iters; i++) {
        c0 = _mm512_fmadd_ps(c0, m, a);
        c1 = _mm512_fmadd_ps(c1, m, a);
        c2 = _mm512_fmadd_ps(c2, m, a);
        c3 = _mm512_fmadd_ps(c3, m, a);
        c4 = _mm512_fmadd_ps(c4, m, a);
        c5 = _mm512_fmadd_ps(c5, m, a);
        c6 = _mm512_fmadd_ps(c6, m, a);
        c7 = _mm512_fmadd_ps(c7, m, a);
        c8 = _mm512_fmadd_ps(c8, m, a);
        c9 = _mm512_fmadd_ps(c9, m, a);
        c10 = _mm512_fmadd_ps(c10, m, a);
        c11 = _mm512_fmadd_ps(c11, m, a);
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                             _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)));
    sgb_avx512_sink = _mm512_reduce_add_ps(s);
    return 2.0 * 12 * 16 * (double)iters;
}

/* Streaming loops, four zmm per iteration; n is a multiple of 16 (sgb_elems_for). */
float sgb_avx512_read(size_t n, const float *a)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(a + i));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(a + i + 16));
        s2 = _mm512_add_ps(s2, _mm512_loadu_ps(a + i + 32));
        s3 = _mm512_add_ps(s3, _mm512_loadu_ps(a + i + 48));
    }
    for (; i < n; i += 16)
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(a + i));
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

void sgb_avx512_copy(size_t n, const float *a, float *b)
{
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 x0 = _mm512_loadu_ps(a + i), x1 = _mm512_loadu_ps(a + i + 16);
        __m512 x2 = _mm512_loadu_ps(a + i + 32), x3 = _mm512_loadu_ps(a + i + 48);
        _mm512_storeu_ps(b + i, x0);
        _mm512_storeu_ps(b + i + 16, x1);
        _mm512_storeu_ps(b + i + 32, x2);
        _mm512_storeu_ps(b + i + 48, x3);
    }
    for (; i < n; i += 16)
        _mm512_storeu_ps(b + i, _mm512_loadu_ps(a + i));
}

void sgb_avx512_add(size_t n, const float *a, const float *b, float *c)
{
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        _mm512_storeu_ps(c + i, _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
        _mm512_storeu_ps(c + i + 16, _mm512_add_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16)));
        _mm512_storeu_ps(c + i + 32, _mm512_add_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32)));
        _mm512_storeu_ps(c + i + 48, _mm512_add_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48)));
    }
    for (; i < n; i += 16)
        _mm512_storeu_ps(c + i, _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
}

/* Non-temporal variants for L3 / DRAM (see ceilings_avx2.c); b / c 64-byte aligned. */
void sgb_avx512_copy_nt(size_t n, const float *a, float *b)
{
    for (size_t i = 0; i < n; i += 16)
        _mm512_stream_ps(b + i, _mm512_loadu_ps(a + i));
    _mm_sfence();
}

void sgb_avx512_add_nt(size_t n, const float *a, const float *b, float *c)
{
    for (size_t i = 0; i < n; i += 16)
        _mm512_stream_ps(c + i, _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
    _mm_sfence();
}
