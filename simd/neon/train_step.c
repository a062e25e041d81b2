/* train_step, NEON: the training task's shape runs the fused step of simd/neon/train_step_fused.h; any
 * other shape, and a step the fused path hands back (an h holding ±0, a NaN loss), the unfused sequence
 * with the NEON kernels (src/train_step_seq.h). */
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/neon/train_step_fused.h"
#include "train_step_seq.h"

/* Any other shape, or a step whose h holds a ±0 or whose loss is NaN: the unfused sequence, out of line
   so that the fused path keeps its registers. */
static __attribute__((noinline)) void unfused(size_t n, size_t d, size_t h, size_t o, const float *x,
                                              const float *y, float *w1, float *w2, float lr,
                                              float grad_at_zero, float max_loss, float *work, float *loss,
                                              uint64_t *counts)
{
    sg_train_step_seq(sg_neon_matmul, sg_neon_relu, sg_neon_relu_grad, n, d, h, o, x, y, w1, w2, lr,
                      grad_at_zero, max_loss, work, loss, counts);
}

void sg_neon_train_step(size_t n, size_t d, size_t h, size_t o, const float *x, const float *y, float *w1,
                        float *w2, float lr, float grad_at_zero, float max_loss, float *work, float *loss,
                        uint64_t *counts)
{
    if (n == TN && d == TD && h == TH && o == 1 && fused_4x3x30x1(x, y, w1, w2, lr, max_loss, loss, counts))
        return;
    unfused(n, d, h, o, x, y, w1, w2, lr, grad_at_zero, max_loss, work, loss, counts);
}
