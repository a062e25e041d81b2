/* The masked ReLU gradient from relu_mask's codes instead of h (relu_grad_mask, simdgrad.h), NEON.
 * Zeros and NaNs in h are rare: when the 16 codes of four mask bytes are all NEG or POS (no high
 * bit set) each vector is dy AND "code == POS". Otherwise the POS, ZERO and NAN lanes select dy,
 * g0·dy and y (h's NaN as relu passed it through; loaded only when present). vmulq_f32 is a plain
 * IEEE multiply on AArch64 (no flush-to-zero under Linux), like the reference. */
#include <arm_neon.h>
#include <string.h>

#include "sg_kernels_impl.h"

static const int32_t lane_shift[4] = {0, -2, -4, -6};

/* The four codes of one mask byte as lanes. */
static inline uint32x4_t codes4(uint8_t byte, int32x4_t shifts)
{
    return vandq_u32(vshlq_u32(vdupq_n_u32(byte), shifts), vdupq_n_u32(3));
}

static inline float32x4_t grad4(uint8_t byte, float32x4_t dy, const float *y, float32x4_t g0,
                                int32x4_t shifts)
{
    const uint32x4_t c = codes4(byte, shifts);
    const uint32x4_t pos = vandq_u32(vceqq_u32(c, vdupq_n_u32(SG_MASK_POS)), vreinterpretq_u32_f32(dy));
    const uint32x4_t at0 =
        vandq_u32(vceqq_u32(c, vdupq_n_u32(SG_MASK_ZERO)), vreinterpretq_u32_f32(vmulq_f32(g0, dy)));
    uint32x4_t out = vorrq_u32(pos, at0);
    if (byte & (byte >> 1) & 0x55u)
        out = vorrq_u32(
            out, vandq_u32(vceqq_u32(c, vdupq_n_u32(SG_MASK_NAN)), vreinterpretq_u32_f32(vld1q_f32(y))));
    return vreinterpretq_f32_u32(out);
}

void sg_neon_relu_grad_mask(size_t n, const uint8_t *mask, const float *y, const float *dy, float *dx,
                            float grad_at_zero)
{
    const float32x4_t g0 = vdupq_n_f32(grad_at_zero);
    const int32x4_t shifts = vld1q_s32(lane_shift);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint32_t bytes;
        memcpy(&bytes, mask + i / 4, 4);
        if (!(bytes & 0xAAAAAAAAu)) {
            for (int q = 0; q < 4; q++) {
                const uint32x4_t pos = vceqq_u32(codes4((uint8_t)(bytes >> (8 * q)), shifts), vdupq_n_u32(1));
                vst1q_f32(dx + i + 4 * q, vreinterpretq_f32_u32(vandq_u32(
                                              pos, vreinterpretq_u32_f32(vld1q_f32(dy + i + 4 * q)))));
            }
            continue;
        }
        for (int q = 0; q < 4; q++)
            vst1q_f32(dx + i + 4 * q,
                      grad4(mask[i / 4 + q], vld1q_f32(dy + i + 4 * q), y + i + 4 * q, g0, shifts));
    }
    for (; i + 4 <= n; i += 4)
        vst1q_f32(dx + i, grad4(mask[i / 4], vld1q_f32(dy + i), y + i, g0, shifts));
    for (; i < n; i++) {
        const unsigned code = (mask[i / 4] >> (2 * (i % 4))) & 3u;
        const float g = dy[i];
        dx[i] = code == SG_MASK_POS    ? g
                : code == SG_MASK_ZERO ? grad_at_zero * g
                : code == SG_MASK_NEG  ? 0.0f
                                       : y[i];
    }
}
