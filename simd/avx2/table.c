/* The avx2 kernel table: the scalar reference, overridden by every family avx2 implements. */
#include "sg_kernels_impl.h"

SG_DEFINE_TABLE(avx2, AVX2, .matmul = sg_avx2_matmul, .relu = sg_avx2_relu, .relu_grad = sg_avx2_relu_grad,
                .relu_mask = sg_avx2_relu_mask, .relu_grad_mask = sg_avx2_relu_grad_mask,
                .round_bf16 = sg_avx2_round_bf16, .round_fp16 = sg_avx2_round_fp16,
                .train_step = sg_avx2_train_step);
