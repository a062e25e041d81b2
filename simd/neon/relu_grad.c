/* Masked ReLU gradient, NEON. The cases h > 0, h == ±0 and h NaN are disjoint lane masks, so the
 * result is the OR of each mask ANDed with its value; h < 0 lanes stay +0.0. vmulq_f32 is a plain
 * IEEE multiply on AArch64 (FPCR-controlled, no flush-to-zero under Linux), like the reference. */
#include <arm_neon.h>

#include "sg_kernels_impl.h"

static inline float32x4_t relu_grad4(float32x4_t h, float32x4_t dy, float32x4_t g0)
{
    const uint32x4_t pos = vandq_u32(vcgtzq_f32(h), vreinterpretq_u32_f32(dy));
    const uint32x4_t at0 = vandq_u32(vceqzq_f32(h), vreinterpretq_u32_f32(vmulq_f32(g0, dy)));
    /* h != h only for NaN: vceqq is false there, so BIC keeps h's bits exactly for NaN lanes. */
    const uint32x4_t nan = vbicq_u32(vreinterpretq_u32_f32(h), vceqq_f32(h, h));
    return vreinterpretq_f32_u32(vorrq_u32(vorrq_u32(pos, at0), nan));
}

void sg_neon_relu_grad(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    const float32x4_t g0 = vdupq_n_f32(grad_at_zero);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float32x4_t r0 = relu_grad4(vld1q_f32(h + i), vld1q_f32(dy + i), g0);
        const float32x4_t r1 = relu_grad4(vld1q_f32(h + i + 4), vld1q_f32(dy + i + 4), g0);
        vst1q_f32(dx + i, r0);
        vst1q_f32(dx + i + 4, r1);
    }
    for (; i + 4 <= n; i += 4)
        vst1q_f32(dx + i, relu_grad4(vld1q_f32(h + i), vld1q_f32(dy + i), g0));
    for (; i < n; i++) {
        const float hv = h[i], g = dy[i];
        dx[i] = hv > 0.0f ? g : hv == 0.0f ? grad_at_zero * g : hv < 0.0f ? 0.0f : hv;
    }
}
