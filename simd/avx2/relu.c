/* ReLU forward, AVX2. The tail uses exact-width partial moves (tail_mask.h), so nothing past x[n-1] /
 * y[n-1] is touched. Calls larger than the LLC stream their output (src/nt_threshold.h). */
#include <immintrin.h>
#include <stdint.h>

#include "nt_threshold.h"
#include "sg_kernels_impl.h"
#include "simd/inject_hot.h"
#include "simd/avx2/relu_lanes.h"
#include "simd/avx2/tail_mask.h"

/* 32 elements a round from a 32-byte aligned y + i: one compare and one AND per vector, so the store
   port (one 32-byte store a cycle on Zen 3) is the bound, as for a copy. */
#define RELU_MAIN_LOOP(STORE)                                                                                \
    for (; i + 32 <= n; i += 32) {                                                                           \
        SG_INJECT_HOT(relu, chain); /* CI self-test hook only, see simd/inject_hot.h */                      \
        const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);                             \
        const __m256 c = _mm256_loadu_ps(x + i + 16), d = _mm256_loadu_ps(x + i + 24);                       \
        STORE(y + i, relu8(a));                                                                              \
        STORE(y + i + 8, relu8(b));                                                                          \
        STORE(y + i + 16, relu8(c));                                                                         \
        STORE(y + i + 24, relu8(d));                                                                         \
    }

static inline __attribute__((always_inline)) void relu_body(size_t n, const float *x, float *y, int large)
{
    size_t i = 0;
    SG_INJECT_CHAIN_VAR(chain); /* CI self-test hook only, see simd/inject_hot.h */
    if (large) {
        /* Peel up to 7 elements so the main loop's stores are 32-byte aligned: a misaligned ymm store
           crosses a cache line every other time (measured +15-30% in L1 for y not 32-byte aligned),
           and a streaming store needs the alignment. */
        const size_t head = ((32 - ((uintptr_t)y & 31)) & 31) / sizeof(float);
        if (head) {
            sg_avx2_store_partial(y, head, relu8(sg_avx2_load_partial(x, head)));
            i = head;
        }
        if (sg_nt_use(n * 2 * sizeof(float))) {
            RELU_MAIN_LOOP(_mm256_stream_ps)
            _mm_sfence(); /* streaming stores are weakly ordered: visible before we return */
        }
    }
    RELU_MAIN_LOOP(_mm256_storeu_ps)
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, relu8(_mm256_loadu_ps(x + i)));
    if (i < n) {
        sg_avx2_store_partial(y + i, n - i, relu8(sg_avx2_load_partial(x + i, n - i)));
    }
}

/* Calls of n >= 256 (the alignment peel, the streaming-store decision and its getenv/sysconf on first
   use) go through an out-of-line copy, so the small-n path stays a leaf without a stack frame. */
static __attribute__((noinline)) void relu_large(size_t n, const float *x, float *y)
{
    relu_body(n, x, y, 1);
}

void sg_avx2_relu(size_t n, const float *x, float *y)
{
    if (n >= 256)
        relu_large(n, x, y);
    else
        relu_body(n, x, y, 0);
}
