/* ReLU forward, NEON. One compare and one bit-clear per vector: lanes with x <= 0 (this includes
 * -0.0, and excludes NaN because the compare is ordered) are cleared to +0.0, everything else
 * keeps its bits. FMAX would not do: it turns max(-0.0, +0.0) and NaN inputs by its own rules. */
#include <arm_neon.h>

#include "sg_kernels_impl.h"

static inline float32x4_t relu4(float32x4_t v)
{
    const uint32x4_t le0 = vclezq_f32(v);
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(v), le0));
}

void sg_neon_relu(size_t n, const float *x, float *y)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const float32x4_t a = vld1q_f32(x + i), b = vld1q_f32(x + i + 4);
        const float32x4_t c = vld1q_f32(x + i + 8), d = vld1q_f32(x + i + 12);
        vst1q_f32(y + i, relu4(a));
        vst1q_f32(y + i + 4, relu4(b));
        vst1q_f32(y + i + 8, relu4(c));
        vst1q_f32(y + i + 12, relu4(d));
    }
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, relu4(vld1q_f32(x + i)));
    /* Scalar tail: NEON has no masked load/store, and reading past x[n-1] is forbidden. */
    for (; i < n; i++) {
        const float v = x[i];
        y[i] = (v > 0.0f || v != v) ? v : 0.0f;
    }
}
