/* train_step, AVX-512: the training task's shape runs the fused step of simd/avx2/train_step_fused.h in ymm,
 * whose 4×30 activations never leave registers (or the stack slots gcc spills them to), without the seven
 * calls' dispatch, argument checks and scratch round trips; any other shape runs the unfused sequence with
 * this ISA's kernels (src/train_step_seq.h). Not zmm: the step is latency-bound (30 dependent FMAs per
 * sample) and a row of 30 would be 16 + 14 lanes, so wider vectors add masking and transposes for no
 * shorter chain; what this file gains over the AVX2 one is AVX-512VL's 32 vector registers. */
#include <stdint.h>

#include "sg_kernels_impl.h"
#include "simd/avx2/train_step_fused.h"
#include "train_step_seq.h"

SG_TRAIN_STEP_ENTRY(sg_avx512_, {
    fused_4x3x30x1(x, y, w1, w2, lr, grad_at_zero, max_loss, loss, counts);
    return;
})
