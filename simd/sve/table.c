/* The sve kernel table: the scalar reference, overridden by every family sve implements. */
#include "sg_kernels_impl.h"

SG_DEFINE_TABLE(sve, SVE, .matmul = sg_sve_matmul, .relu = sg_sve_relu, .relu_grad = sg_sve_relu_grad,
                .relu_mask = sg_sve_relu_mask, .relu_grad_mask = sg_sve_relu_grad_mask,
                .round_bf16 = sg_sve_round_bf16, .round_fp16 = sg_sve_round_fp16,
                .train_step = sg_sve_train_step);
