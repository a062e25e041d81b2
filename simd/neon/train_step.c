/* train_step, NEON: the training task's shape runs the fused step of simd/neon/train_step_fused.h; any
 * other shape, and a step the fused path hands back (an h holding ±0, a NaN loss), the unfused sequence
 * with the NEON kernels (src/train_step_seq.h). */
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/neon/train_step_fused.h"
#include "train_step_seq.h"

SG_TRAIN_STEP_ENTRY(sg_neon_, if (fused_4x3x30x1(x, y, w1, w2, lr, max_loss, loss, counts)) return;)
