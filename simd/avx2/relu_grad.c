/* Masked ReLU gradient, AVX2. The three cases (h > 0, h == ±0, h NaN) are disjoint lane masks,
 * so the result is their OR; h < 0 lanes stay +0.0.
 *
 * Exact zeros and NaNs in h are rare, so the main loop first asks whether a block of 32 has any:
 * per vector h > 0 and h < 0 (two compares, both ordered, so a zero or NaN lane is false in both).
 * When every lane is one or the other, dx = (h > 0) & dy, the same bits the full formula gives
 * there; else the block takes the full formula (three compares and a multiply per vector).
 * Calls larger than the LLC stream dx (src/nt_threshold.h). */
#include <immintrin.h>
#include <stdint.h>

#include "nt_threshold.h"
#include "sg_kernels_impl.h"
#include "simd/avx2/relu_lanes.h"
#include "simd/avx2/tail_mask.h"

/* Lanes are independent and every dy vector is loaded before its dx store, so in-place (dx == dy)
   stays safe. Predicates below 8 (LT_OS with swapped operands for >): valgrind 3.19 gets those right. */
/* Keeps v in a register: h is compared twice, and gcc 12 otherwise folds the load into both compares,
   12 loads per 32 elements instead of 8 (llvm-mca znver3: 7.5 cycles a round instead of 6). */
#define SG_NO_FOLD(v) __asm__("" : "+x"(v))

#define RELU_GRAD_MAIN_LOOP(STORE)                                                                           \
    while (i + 32 <= n) {                                                                                    \
        for (; i + 32 <= n; i += 32) { /* the fast rounds, left at the first block with a zero or NaN */     \
            __m256 h0 = _mm256_loadu_ps(h + i), h1 = _mm256_loadu_ps(h + i + 8);                             \
            __m256 h2 = _mm256_loadu_ps(h + i + 16), h3 = _mm256_loadu_ps(h + i + 24);                       \
            SG_NO_FOLD(h0);                                                                                  \
            SG_NO_FOLD(h1);                                                                                  \
            SG_NO_FOLD(h2);                                                                                  \
            SG_NO_FOLD(h3);                                                                                  \
            const __m256 p0 = _mm256_cmp_ps(zero, h0, _CMP_LT_OS), p1 = _mm256_cmp_ps(zero, h1, _CMP_LT_OS); \
            const __m256 p2 = _mm256_cmp_ps(zero, h2, _CMP_LT_OS), p3 = _mm256_cmp_ps(zero, h3, _CMP_LT_OS); \
            const __m256 n01 = _mm256_and_ps(_mm256_or_ps(p0, _mm256_cmp_ps(h0, zero, _CMP_LT_OS)),          \
                                             _mm256_or_ps(p1, _mm256_cmp_ps(h1, zero, _CMP_LT_OS)));         \
            const __m256 n23 = _mm256_and_ps(_mm256_or_ps(p2, _mm256_cmp_ps(h2, zero, _CMP_LT_OS)),          \
                                             _mm256_or_ps(p3, _mm256_cmp_ps(h3, zero, _CMP_LT_OS)));         \
            if (_mm256_movemask_ps(_mm256_and_ps(n01, n23)) != 0xFF)                                         \
                break;                                                                                       \
            STORE(dx + i, _mm256_and_ps(p0, _mm256_loadu_ps(dy + i)));                                       \
            STORE(dx + i + 8, _mm256_and_ps(p1, _mm256_loadu_ps(dy + i + 8)));                               \
            STORE(dx + i + 16, _mm256_and_ps(p2, _mm256_loadu_ps(dy + i + 16)));                             \
            STORE(dx + i + 24, _mm256_and_ps(p3, _mm256_loadu_ps(dy + i + 24)));                             \
        }                                                                                                    \
        /* A block with a zero or NaN: this and the next 7 take the full formula without asking, so          \
           data dense in zeros (a ReLU's own output) pays the failed check once per 256 elements. */         \
        for (size_t stop = i + 256; i + 32 <= n && i < stop; i += 32)                                        \
            for (size_t q = 0; q < 32; q += 8)                                                               \
                STORE(dx + i + q, relu_grad8(_mm256_loadu_ps(h + i + q), _mm256_loadu_ps(dy + i + q), g0));  \
    }

static inline __attribute__((always_inline)) void relu_grad_body(size_t n, const float *h, const float *dy,
                                                                 float *dx, float grad_at_zero, int large)
{
    const __m256 g0 = _mm256_set1_ps(grad_at_zero), zero = _mm256_setzero_ps();
    size_t i = 0;
    if (large) {
        /* Peel up to 7 elements so the main loop's stores are 32-byte aligned (see relu.c). */
        const size_t head = ((32 - ((uintptr_t)dx & 31)) & 31) / sizeof(float);
        if (head) {
            sg_avx2_store_partial(
                dx, head, relu_grad8(sg_avx2_load_partial(h, head), sg_avx2_load_partial(dy, head), g0));
            i = head;
        }
        if (sg_nt_use(n * 3 * sizeof(float))) {
            RELU_GRAD_MAIN_LOOP(_mm256_stream_ps)
            _mm_sfence(); /* streaming stores are weakly ordered: visible before we return */
        }
    }
    RELU_GRAD_MAIN_LOOP(_mm256_storeu_ps)
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dx + i, relu_grad8(_mm256_loadu_ps(h + i), _mm256_loadu_ps(dy + i), g0));
    if (i < n) {
        const size_t r = n - i;
        sg_avx2_store_partial(
            dx + i, r, relu_grad8(sg_avx2_load_partial(h + i, r), sg_avx2_load_partial(dy + i, r), g0));
    }
}

/* Calls of n >= 256 (the alignment peel, the streaming-store decision and its getenv/sysconf on first
   use) go through an out-of-line copy, so the small-n path stays a leaf without a stack frame. */
static __attribute__((noinline)) void relu_grad_large(size_t n, const float *h, const float *dy, float *dx,
                                                      float grad_at_zero)
{
    relu_grad_body(n, h, dy, dx, grad_at_zero, 1);
}

void sg_avx2_relu_grad(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    if (n >= 256)
        relu_grad_large(n, h, dy, dx, grad_at_zero);
    else
        relu_grad_body(n, h, dy, dx, grad_at_zero, 0);
}
