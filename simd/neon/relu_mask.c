/* ReLU forward that also records each element's 2-bit code (relu_mask, simdgrad.h), NEON.
 * Four lanes make one mask byte: lane j's code shifted left by 2j, summed across the vector. */
#include <arm_neon.h>

#include "sg_kernels_impl.h"

static const uint32_t lane_shift[4] = {0, 2, 4, 6};

/* y = relu(v) and the mask byte of its four lanes. */
static inline uint8_t relu_mask4(float32x4_t v, float *y, int32x4_t shifts)
{
    const uint32x4_t pos_or_nan = vmvnq_u32(vclezq_f32(v)); /* !(v <= 0): v > 0 or NaN */
    const uint32x4_t zero_or_nan = vmvnq_u32(vorrq_u32(vcltzq_f32(v), vcgtzq_f32(v)));
    vst1q_f32(y, vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), pos_or_nan)));
    const uint32x4_t code =
        vorrq_u32(vandq_u32(pos_or_nan, vdupq_n_u32(1)), vandq_u32(zero_or_nan, vdupq_n_u32(2)));
    return (uint8_t)vaddvq_u32(vshlq_u32(code, shifts));
}

void sg_neon_relu_mask(size_t n, const float *x, float *y, uint8_t *mask)
{
    const int32x4_t shifts = vreinterpretq_s32_u32(vld1q_u32(lane_shift));
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float32x4_t a = vld1q_f32(x + i), b = vld1q_f32(x + i + 4);
        mask[i / 4] = relu_mask4(a, y + i, shifts);
        mask[i / 4 + 1] = relu_mask4(b, y + i + 4, shifts);
    }
    for (; i + 4 <= n; i += 4)
        mask[i / 4] = relu_mask4(vld1q_f32(x + i), y + i, shifts);
    if (i < n) {
        /* The last 1..3 elements: the reference's comparisons, one byte with the unused bits 0. */
        unsigned byte = 0;
        for (size_t j = 0; i + j < n; j++) {
            const float v = x[i + j];
            const unsigned code = v > 0.0f    ? SG_MASK_POS
                                  : v == 0.0f ? SG_MASK_ZERO
                                  : v < 0.0f  ? SG_MASK_NEG
                                              : SG_MASK_NAN;
            byte |= code << (2 * j);
            y[i + j] = (v > 0.0f || v != v) ? v : 0.0f;
        }
        mask[i / 4] = (uint8_t)byte;
    }
}
