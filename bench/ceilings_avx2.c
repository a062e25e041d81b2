/* AVX2 ceilings, compiled with -mavx2 -mfma only: peak FMA throughput with enough independent
 * chains to cover latency × ports (12 chains ≥ 4-cycle latency × 2 ports + slack), for ymm and
 * for scalar vfmadd231ss (the scalar ceiling needs FMA, hence it lives here), and streaming
 * loops for read / copy (1R:1W) / add (2R:1W). */
#include <immintrin.h>

#include "sgb.h"

/* The multiplier and addend keep every chain near 1.0 (no overflow, no denormals) yet moving by
   more than an ulp per round, so tests/bench/test_fma_ceiling.c sees a chain that is skipped. */
#define SGB_MUL 0.999f
#define SGB_ADD 0.001f

float sgb_avx2_sink;

/* One vfmadd213ss per chain, spelled in asm: compilers otherwise pack these scalar chains
   into ymm registers (SLP vectorization), which is not what the scalar ceiling means. */
#define SGB_FMA_SS(c) __asm__("vfmadd213ss %[a], %[m], %[acc]" : [acc] "+x"(c) : [m] "x"(m), [a] "x"(a))

double sgb_avx2_fma_scalar(int64_t iters)
{
    const float m = SGB_MUL, a = SGB_ADD;
    /* Distinct starting values 1 + j/1024 (checked by tests/bench/test_fma_ceiling.c): identical
       chains would be merged into one by the compiler. */
#define SGB_START(j) (1.0f + (float)(j)*0x1p-10f)
    float c0 = SGB_START(0), c1 = SGB_START(1), c2 = SGB_START(2), c3 = SGB_START(3), c4 = SGB_START(4);
    float c5 = SGB_START(5), c6 = SGB_START(6), c7 = SGB_START(7), c8 = SGB_START(8), c9 = SGB_START(9);
    float c10 = SGB_START(10), c11 = SGB_START(11);
#undef SGB_START
    for (int64_t i = 0; i < iters; i++) {
        SGB_FMA_SS(c0);
        SGB_FMA_SS(c1);
        SGB_FMA_SS(c2);
        SGB_FMA_SS(c3);
        SGB_FMA_SS(c4);
        SGB_FMA_SS(c5);
        SGB_FMA_SS(c6);
        SGB_FMA_SS(c7);
        SGB_FMA_SS(c8);
        SGB_FMA_SS(c9);
        SGB_FMA_SS(c10);
        SGB_FMA_SS(c11);
    }
    sgb_avx2_sink = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    return 2.0 * 12 * (double)iters;
}

double sgb_avx2_fma_ymm(int64_t iters)
{
    const __m256 m = _mm256_set1_ps(SGB_MUL), a = _mm256_set1_ps(SGB_ADD);
    /* Distinct starting values: identical chains would be merged into one by the compiler. */
#define SGB_START(i) _mm256_set1_ps(1.0f + (float)(i)*0x1p-10f)
    __m256 c0 = SGB_START(0), c1 = SGB_START(1), c2 = SGB_START(2), c3 = SGB_START(3), c4 = SGB_START(4);
    __m256 c5 = SGB_START(5), c6 = SGB_START(6), c7 = SGB_START(7), c8 = SGB_START(8), c9 = SGB_START(9);
    __m256 c10 = SGB_START(10), c11 = SGB_START(11);
#undef SGB_START
    for (int64_t i = 0; i < iters; i++) {
        c0 = _mm256_fmadd_ps(c0, m, a);
        c1 = _mm256_fmadd_ps(c1, m, a);
        c2 = _mm256_fmadd_ps(c2, m, a);
        c3 = _mm256_fmadd_ps(c3, m, a);
        c4 = _mm256_fmadd_ps(c4, m, a);
        c5 = _mm256_fmadd_ps(c5, m, a);
        c6 = _mm256_fmadd_ps(c6, m, a);
        c7 = _mm256_fmadd_ps(c7, m, a);
        c8 = _mm256_fmadd_ps(c8, m, a);
        c9 = _mm256_fmadd_ps(c9, m, a);
        c10 = _mm256_fmadd_ps(c10, m, a);
        c11 = _mm256_fmadd_ps(c11, m, a);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                             _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
    sgb_avx2_sink = _mm256_cvtss_f32(s);
    return 2.0 * 12 * 8 * (double)iters;
}

/* FMA latency: ONE chain of dependent ymm FMAs (the shape of every matmul output under the contract),
   eight per round in asm so neither loop overhead nor the compiler can shorten it. Returns the FMAs done. */
#define SGB_FMA_PS(c) __asm__("vfmadd213ps %[a], %[m], %[acc]" : [acc] "+x"(c) : [m] "x"(m), [a] "x"(a))
double sgb_avx2_fma_latency(int64_t iters)
{
    const __m256 m = _mm256_set1_ps(SGB_MUL), a = _mm256_set1_ps(SGB_ADD);
    __m256 c = _mm256_set1_ps(1.0f);
    for (int64_t i = 0; i < iters; i++) {
        SGB_FMA_PS(c);
        SGB_FMA_PS(c);
        SGB_FMA_PS(c);
        SGB_FMA_PS(c);
        SGB_FMA_PS(c);
        SGB_FMA_PS(c);
        SGB_FMA_PS(c);
        SGB_FMA_PS(c);
    }
    sgb_avx2_sink = _mm256_cvtss_f32(c);
    return 8.0 * (double)iters;
}

/* Streaming loops, unrolled to 64 bytes x 2 per iteration so the loop is never the limit:
   n is a multiple of 16 (sgb_elems_for); a 16-float remainder is handled once. */
float sgb_avx2_read(size_t n, const float *a)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(a + i));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(a + i + 8));
        s2 = _mm256_add_ps(s2, _mm256_loadu_ps(a + i + 16));
        s3 = _mm256_add_ps(s3, _mm256_loadu_ps(a + i + 24));
    }
    for (; i < n; i += 16) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(a + i));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(a + i + 8));
    }
    return _mm256_cvtss_f32(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

void sgb_avx2_copy(size_t n, const float *a, float *b)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 x0 = _mm256_loadu_ps(a + i), x1 = _mm256_loadu_ps(a + i + 8);
        __m256 x2 = _mm256_loadu_ps(a + i + 16), x3 = _mm256_loadu_ps(a + i + 24);
        _mm256_storeu_ps(b + i, x0);
        _mm256_storeu_ps(b + i + 8, x1);
        _mm256_storeu_ps(b + i + 16, x2);
        _mm256_storeu_ps(b + i + 24, x3);
    }
    for (; i < n; i += 16) {
        _mm256_storeu_ps(b + i, _mm256_loadu_ps(a + i));
        _mm256_storeu_ps(b + i + 8, _mm256_loadu_ps(a + i + 8));
    }
}

void sgb_avx2_add(size_t n, const float *a, const float *b, float *c)
{
    /* All loads of an iteration before its stores, like the kernels (relu_grad): interleaving
       load-add-store per vector measured ~10% slower in L2 (95-97 vs ~113 GB/s for relu_grad). */
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256 x0 = _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        const __m256 x1 = _mm256_add_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        const __m256 x2 = _mm256_add_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
        const __m256 x3 = _mm256_add_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
        _mm256_storeu_ps(c + i, x0);
        _mm256_storeu_ps(c + i + 8, x1);
        _mm256_storeu_ps(c + i + 16, x2);
        _mm256_storeu_ps(c + i + 24, x3);
    }
    for (; i < n; i += 16) {
        const __m256 x0 = _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        const __m256 x1 = _mm256_add_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        _mm256_storeu_ps(c + i, x0);
        _mm256_storeu_ps(c + i + 8, x1);
    }
}

/* Non-temporal variants (vmovntps) for the L3 and DRAM levels: they skip the read-for-ownership
   that a normal store does on a miss, so in DRAM they move only the bytes the kernels are credited
   with (copy 8, add 12 per element) instead of 12 / 16. The kernels use normal stores and cannot
   beat these; normal-store loops cannot claim that. b / c must be 32-byte aligned
   (sgb_alloc_set gives 64). */
void sgb_avx2_copy_nt(size_t n, const float *a, float *b)
{
    for (size_t i = 0; i < n; i += 16) {
        const __m256 x0 = _mm256_loadu_ps(a + i), x1 = _mm256_loadu_ps(a + i + 8);
        _mm256_stream_ps(b + i, x0);
        _mm256_stream_ps(b + i + 8, x1);
    }
    _mm_sfence();
}

void sgb_avx2_add_nt(size_t n, const float *a, const float *b, float *c)
{
    for (size_t i = 0; i < n; i += 16) {
        _mm256_stream_ps(c + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
        _mm256_stream_ps(c + i + 8, _mm256_add_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8)));
    }
    _mm_sfence();
}
