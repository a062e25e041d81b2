/* The training step as its seven kernel calls plus the loss and the update (simdgrad.h, train_step):
 * the scalar reference of train_step (src/scalar/reference.c) with the reference kernels, and each ISA's
 * train_step for shapes its fused path does not cover, with that ISA's kernels. One copy of the
 * arithmetic between the kernels, so that those two and src/train.c's loop cannot drift apart.
 *
 * The loss and the update are written one IEEE operation per statement: this header is compiled into
 * the reference (-ffp-contract=off) and into ISA libraries (c11: gcc does not contract there, and clang
 * contracts only within one expression), so no statement has a product feeding a sum. */
#ifndef SG_TRAIN_STEP_SEQ_H
#define SG_TRAIN_STEP_SEQ_H

#include "simdgrad.h"

static inline __attribute__((always_inline)) void
sg_train_step_seq(sg_matmul_fn *matmul, sg_relu_fn *relu, sg_relu_grad_fn *relu_grad, size_t n, size_t d,
                  size_t hd, size_t o, const float *x, const float *y, float *w1, float *w2, float lr,
                  float g0, float max_loss, float *work, float *loss_out, uint64_t *counts)
{
    const size_t nh = n * hd, no = n * o, dh = d * hd, ho = hd * o;
    float *h = work, *hr = h + nh, *ghr = hr + nh, *yp = ghr + nh, *g = yp + no, *gw1 = g + no,
          *gw2 = gw1 + dh, *scratch = gw2 + ho;
    matmul(SG_NO_TRANS, SG_NO_TRANS, n, hd, d, x, d, w1, hd, h, hd);
    relu(nh, h, hr);
    matmul(SG_NO_TRANS, SG_NO_TRANS, n, o, hd, hr, hd, w2, o, yp, o);
    uint64_t zeros = 0;
    for (size_t i = 0; i < nh; i++)
        zeros += h[i] == 0.0f;
    float loss = 0.0f;
    for (size_t i = 0; i < no; i++) {
        const float diff = yp[i] - y[i];
        const float sq = diff * diff;
        loss = loss + sq;
        g[i] = 2.0f * diff;
    }
    *loss_out = loss;
    counts[0] = zeros;
    counts[1] = 0;
    if (!(loss <= max_loss))
        return;
    matmul(SG_TRANS, SG_NO_TRANS, hd, o, n, hr, hd, g, o, gw2, o);
    matmul(SG_NO_TRANS, SG_TRANS, n, hd, o, g, o, w2, o, ghr, hd);
    uint64_t effective = 0;
    for (size_t i = 0; zeros && i < nh; i++)
        effective += h[i] == 0.0f && ghr[i] != 0.0f;
    counts[1] = effective;
    relu_grad(nh, h, ghr, ghr, g0);
    matmul(SG_TRANS, SG_NO_TRANS, d, hd, n, x, d, ghr, hd, gw1, hd);
    for (size_t i = 0; i < dh; i++)
        scratch[i] = lr * gw1[i];
    for (size_t i = 0; i < dh; i++)
        w1[i] = w1[i] - scratch[i];
    for (size_t i = 0; i < ho; i++)
        scratch[i] = lr * gw2[i];
    for (size_t i = 0; i < ho; i++)
        w2[i] = w2[i] - scratch[i];
}

/* An ISA's train_step, prefix##train_step (prefix sg_avx2_, ...): for the training task's shape (n = 4,
   d = 3, h = 30, o = 1) the statements FUSED run first, written in the entry's parameter names; they return
   when they did the step ("{ fused(...); return; }", or "if (fused(...)) return;" for a fused path that can
   hand a step back untouched). Any other shape, or a step handed back, runs the sequence above with the
   ISA's own matmul, relu and relu_grad (prefix##matmul, ...), out of line so that the task's shape reaches
   the fused path through a wrapper with no stack frame of its own. For simd/<isa>/train_step.c. */
#define SG_TRAIN_STEP_ENTRY(prefix, FUSED)                                                                   \
    static __attribute__((noinline)) void prefix##train_step_unfused(                                        \
        size_t n, size_t d, size_t h, size_t o, const float *x, const float *y, float *w1, float *w2,        \
        float lr, float grad_at_zero, float max_loss, float *work, float *loss, uint64_t *counts)            \
    {                                                                                                        \
        sg_train_step_seq(prefix##matmul, prefix##relu, prefix##relu_grad, n, d, h, o, x, y, w1, w2, lr,     \
                          grad_at_zero, max_loss, work, loss, counts);                                       \
    }                                                                                                        \
    void prefix##train_step(size_t n, size_t d, size_t h, size_t o, const float *x, const float *y,          \
                            float *w1, float *w2, float lr, float grad_at_zero, float max_loss, float *work, \
                            float *loss, uint64_t *counts)                                                   \
    {                                                                                                        \
        if (n == 4 && d == 3 && h == 30 && o == 1) {                                                         \
            FUSED                                                                                            \
        }                                                                                                    \
        prefix##train_step_unfused(n, d, h, o, x, y, w1, w2, lr, grad_at_zero, max_loss, work, loss,         \
                                   counts);                                                                  \
    }

#endif
