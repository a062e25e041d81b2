/* The NEON fused training step (fused_4x3x30x1 below) for the training task's shape (n = 4 samples, d = 3
 * with the bias, h = 30 hidden, o = 1 output) in one pass whose 4×30 activations never go through the scratch
 * or a kernel call (they are 30 vectors; with the chain and the operands that is more than 32 registers, so
 * gcc parks part of them on the stack until the backward pass); any other shape, and any step whose h holds a
 * ±0 or whose loss is NaN (as a NaN in h makes it), runs the unfused sequence with the including ISA's
 * kernels (src/train_step_seq.h). docs/training-step.md has the instruction counts. Shared by the NEON and
 * the SVE train_step (simd/neon/train_step.c, simd/sve/train_step.c); include only from those two files.
 *
 * Bit-identical to that sequence. Every product is the chain the matmul contract spells (acc = +0;
 * acc = fma(a_p, b_p, acc), p in order), relu and relu_grad give the neon kernels' bits, the loss adds in
 * row-major order and the update rounds the product, then the difference.
 *
 * Which multiplicand FMLA takes first decides the payload only when both are NaN (FPProcessNaNs3: addend,
 * then op1, then op2), and sg_neon_matmul does not use one order throughout (its 8-wide tiles take op(B)
 * first, its column path op(A)). The fused path keeps a step only when no h is ±0 and the loss is not
 * NaN, so no h is NaN, and it checks that before it writes anything. Then no product has two NaN
 * multiplicands: a NaN in x or w1 would make an h NaN; h_relu is not NaN; g is not NaN since the loss is
 * not. So the order of the multiplicands is free there, while every accumulation order is the kernels'.
 * The same condition makes relu max(h, +0) and relu_grad "grad_h_relu where h_relu != 0".
 *
 * Layout: a row of 30 is seven vectors (columns 0-27) and a pair (28, 29); the pairs of two samples
 * share a vector ([i][28], [i][29], [i+1][28], [i+1][29]), so the 4×30 activations are 30 vectors.
 * Every row of w1 and w2 is loaded in the pieces it is stored in (seven 16-byte, one 8-byte), so the next
 * step's loads are forwarded from this step's stores, and nothing is read past a row of 30.
 *
 * The critical path is y_pred = h_relu·w2: 30 dependent FMAs, one 4-lane chain (a lane per sample) over
 * the columns of h_relu, transposed 4×4 in registers. The other products are short chains beside it. */
#ifndef SG_NEON_TRAIN_STEP_FUSED_H
#define SG_NEON_TRAIN_STEP_FUSED_H

#include <arm_neon.h>
#include <stdint.h>

#include "sg_kernels_impl.h"

#define TN 4
#define TD 3
#define TH 30
#define TV 7 /* full vectors in a row of TH */

#define SG_INLINE static inline __attribute__((always_inline))

/* acc + a·b[lane], the lane a constant once the loops over it are unrolled (FMLA by element needs one). */
SG_INLINE float32x4_t fma_lane(float32x4_t acc, float32x4_t a, float32x4_t b, int lane)
{
    switch (lane) {
    case 0: return vfmaq_laneq_f32(acc, a, b, 0);
    case 1: return vfmaq_laneq_f32(acc, a, b, 1);
    case 2: return vfmaq_laneq_f32(acc, a, b, 2);
    default: return vfmaq_laneq_f32(acc, a, b, 3);
    }
}
SG_INLINE float32x4_t mul_lane(float32x4_t a, float32x4_t b, int lane)
{
    switch (lane) {
    case 0: return vmulq_laneq_f32(a, b, 0);
    case 1: return vmulq_laneq_f32(a, b, 1);
    case 2: return vmulq_laneq_f32(a, b, 2);
    default: return vmulq_laneq_f32(a, b, 3);
    }
}
SG_INLINE float32x2_t fma2_lane(float32x2_t acc, float32x2_t a, float32x4_t b, int lane)
{
    switch (lane) {
    case 0: return vfma_laneq_f32(acc, a, b, 0);
    case 1: return vfma_laneq_f32(acc, a, b, 1);
    case 2: return vfma_laneq_f32(acc, a, b, 2);
    default: return vfma_laneq_f32(acc, a, b, 3);
    }
}
/* One half of a pair vector: sample 2q + s's columns 28 and 29. */
SG_INLINE float32x2_t half(float32x4_t pair, int s) { return s ? vget_high_f32(pair) : vget_low_f32(pair); }

/* A 4×4 block of rows as its four columns. */
SG_INLINE void transpose4(const float32x4_t r[4], float32x4_t c[4])
{
    const float32x4_t t0 = vtrn1q_f32(r[0], r[1]), t1 = vtrn2q_f32(r[0], r[1]);
    const float32x4_t t2 = vtrn1q_f32(r[2], r[3]), t3 = vtrn2q_f32(r[2], r[3]);
#define SG_TRN64(f, a, b) vreinterpretq_f32_f64(f(vreinterpretq_f64_f32(a), vreinterpretq_f64_f32(b)))
    c[0] = SG_TRN64(vtrn1q_f64, t0, t2);
    c[1] = SG_TRN64(vtrn1q_f64, t1, t3);
    c[2] = SG_TRN64(vtrn2q_f64, t0, t2);
    c[3] = SG_TRN64(vtrn2q_f64, t1, t3);
#undef SG_TRN64
}

/* Returns 0 when h has a ±0, or the loss is NaN (which a NaN in h makes it): nothing written, the caller
   runs the unfused sequence. */
static int fused_4x3x30x1(const float *x, const float *y, float *w1, float *w2, float lr, float max_loss,
                          float *loss_out, uint64_t *counts)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    /* Columns of x: xc[p] lane i = x[i][p]. */
    const float32x4x3_t xv = vld3q_f32(x);
    const float32x4_t xc[TD] = {xv.val[0], xv.val[1], xv.val[2]};

    /* Forward, one block of four columns at a time, so that y_pred's chain starts after the first block:
       h = x·w1 (NN 4×30×3), h_relu, and y_pred = h_relu·w2 (NN 4×1×30), one chain from +0 in column order
       over the block's 4×4 transpose, lane i = sample i. The first step of h is a product, not an FMA from
       +0: the two differ only in the sign of a zero, which survives the chain only into an h of ±0 (the
       unfused path). An exact zero in h is one compare per vector; a NaN in h makes the loss NaN, which
       is checked instead. */
    float32x4_t hr[TN][TV], hrp[2];
    uint32x4_t zeros = vdupq_n_u32(0);
    float32x4_t yp = zero;
    /* Unrolled (as a loop: 1054 instructions a step instead of 1019, cross/qemu-icount.sh). */
#pragma GCC unroll 7
    for (int v = 0; v < TV; v++) {
        const float32x4_t w0 = vld1q_f32(w1 + 4 * v), w1v = vld1q_f32(w1 + TH + 4 * v),
                          w2v = vld1q_f32(w1 + 2 * TH + 4 * v);
        for (int i = 0; i < TN; i++) {
            const float32x4_t h = fma_lane(fma_lane(mul_lane(w0, xc[0], i), w1v, xc[1], i), w2v, xc[2], i);
            zeros = vorrq_u32(zeros, vceqzq_f32(h));
            hr[i][v] = vmaxq_f32(h, zero);
        }
        const float32x4_t rows[TN] = {hr[0][v], hr[1][v], hr[2][v], hr[3][v]};
        float32x4_t col[4];
        transpose4(rows, col);
        const float32x4_t wv = vld1q_f32(w2 + 4 * v);
        for (int c = 0; c < 4; c++)
            yp = fma_lane(yp, col[c], wv, c);
    }
    for (int q = 0; q < 2; q++) { /* columns 28 and 29 of samples 2q and 2q + 1 */
        float32x4_t h = zero;
        for (int p = 0; p < TD; p++) {
            const float32x2_t wt = vld1_f32(w1 + p * TH + 4 * TV);
            const float32x4_t xp = q ? vzip2q_f32(xc[p], xc[p]) : vzip1q_f32(xc[p], xc[p]);
            h = p ? vfmaq_f32(h, vcombine_f32(wt, wt), xp) : vmulq_f32(vcombine_f32(wt, wt), xp);
        }
        zeros = vorrq_u32(zeros, vceqzq_f32(h));
        hrp[q] = vmaxq_f32(h, zero);
    }
    const float32x2_t w2t = vld1_f32(w2 + 4 * TV);
    yp = vfmaq_lane_f32(yp, vuzp1q_f32(hrp[0], hrp[1]), w2t, 0);
    yp = vfmaq_lane_f32(yp, vuzp2q_f32(hrp[0], hrp[1]), w2t, 1);

    /* The loss in row-major order, one rounding per operation; g = 2·diff. */
    const float32x4_t diff = vsubq_f32(yp, vld1q_f32(y));
    const float32x4_t sq = vmulq_f32(diff, diff);
    float loss = 0.0f;
    loss = loss + vgetq_lane_f32(sq, 0);
    loss = loss + vgetq_lane_f32(sq, 1);
    loss = loss + vgetq_lane_f32(sq, 2);
    loss = loss + vgetq_lane_f32(sq, 3);
    if (vmaxvq_u32(zeros) != 0 || loss != loss)
        return 0;
    *loss_out = loss;
    counts[0] = 0;
    counts[1] = 0;
    if (!(loss <= max_loss))
        return 1;
    const float32x4_t g = vmulq_f32(vdupq_n_f32(2.0f), diff);
    const float32x4_t lrv = vdupq_n_f32(lr);

    /* Backward, one block of four columns at a time (the blocks are independent):
       grad_h_relu = g·w2ᵀ (NT 4×30×1, one FMA from +0), grad_h = grad_h_relu where h_relu != 0, else +0
       (relu_grad when h has no ±0 and no NaN), grad_w2 = h_reluᵀ·g (TN 30×1×4), grad_w1 = xᵀ·grad_h
       (TN 3×30×4), each chain over the samples in order; then w -= lr·grad. A loop, reading h_relu back
       from the stack: 30 vectors of it, the chain and the forward's operands do not fit in 32 registers,
       and with this loop unrolled too gcc spilled more (1073 instructions a step instead of 1019). */
#pragma GCC unroll 1
    for (int v = 0; v < TV; v++) {
        const float32x4_t wv = vld1q_f32(w2 + 4 * v);
        float32x4_t gh[TN], gw2 = zero;
        for (int i = 0; i < TN; i++) {
            gw2 = fma_lane(gw2, hr[i][v], g, i);
            gh[i] = vreinterpretq_f32_u32(
                vandq_u32(vreinterpretq_u32_f32(fma_lane(zero, wv, g, i)), vcgtzq_f32(hr[i][v])));
        }
        for (int p = 0; p < TD; p++) {
            float32x4_t gw1 = zero;
            for (int i = 0; i < TN; i++)
                gw1 = fma_lane(gw1, gh[i], xc[p], i);
            float *row = w1 + p * TH + 4 * v;
            vst1q_f32(row, vsubq_f32(vld1q_f32(row), vmulq_f32(lrv, gw1)));
        }
        vst1q_f32(w2 + 4 * v, vsubq_f32(wv, vmulq_f32(lrv, gw2)));
    }
    /* Columns 28 and 29, pair vectors as in the forward pass; the chains over samples run over their halves.
     */
    const float32x2_t zero2 = vdup_n_f32(0.0f);
    float32x4_t ghp[2];
    float32x2_t gw2t = zero2;
    for (int q = 0; q < 2; q++) {
        const float32x4_t gq = q ? vzip2q_f32(g, g) : vzip1q_f32(g, g);
        ghp[q] = vreinterpretq_f32_u32(vandq_u32(
            vreinterpretq_u32_f32(vfmaq_f32(zero, vcombine_f32(w2t, w2t), gq)), vcgtzq_f32(hrp[q])));
        for (int s = 0; s < 2; s++)
            gw2t = fma2_lane(gw2t, half(hrp[q], s), g, 2 * q + s);
    }
    const float32x2_t lr2 = vdup_n_f32(lr);
    for (int p = 0; p < TD; p++) {
        float32x2_t gw1t = zero2;
        for (int i = 0; i < TN; i++)
            gw1t = fma2_lane(gw1t, half(ghp[i / 2], i % 2), xc[p], i);
        float *pair = w1 + p * TH + 4 * TV;
        vst1_f32(pair, vsub_f32(vld1_f32(pair), vmul_f32(lr2, gw1t)));
    }
    vst1_f32(w2 + 4 * TV, vsub_f32(w2t, vmul_f32(lr2, gw2t)));
    return 1;
}

#endif
