/* train_step, SVE: the training task's shape runs the NEON fused step of simd/neon/train_step_fused.h
 * (Advanced SIMD is part of every AArch64 core with SVE); any other shape, and a step the fused path hands
 * back (an h holding ±0, a NaN loss), the unfused sequence with the SVE kernels (src/train_step_seq.h).
 * Not SVE vectors: the step is bound by y_pred's chain of 30 dependent FMAs per sample, which a wider
 * vector does not shorten, and its four samples are exactly one 128-bit vector; a vector-length-agnostic
 * version would add predication and transposes for every length from 128 to 2048 bits for no shorter
 * chain. */
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/neon/train_step_fused.h"
#include "train_step_seq.h"

SG_TRAIN_STEP_ENTRY(sg_sve_, if (fused_4x3x30x1(x, y, w1, w2, lr, max_loss, loss, counts)) return;)
