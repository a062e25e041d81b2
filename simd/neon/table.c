/* The neon kernel table: the scalar reference, overridden by every family neon implements. */
#include "sg_kernels_impl.h"

SG_DEFINE_TABLE(neon, NEON, .matmul = sg_neon_matmul, .relu = sg_neon_relu, .relu_grad = sg_neon_relu_grad,
                .relu_mask = sg_neon_relu_mask, .relu_grad_mask = sg_neon_relu_grad_mask,
                .round_bf16 = sg_neon_round_bf16, .round_fp16 = sg_neon_round_fp16,
                .train_step = sg_neon_train_step);
