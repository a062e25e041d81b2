/* The avx512 kernel table: the scalar reference, overridden by every family avx512 implements. */
#include "sg_kernels_impl.h"

SG_DEFINE_TABLE(avx512, AVX512, .matmul = sg_avx512_matmul, .relu = sg_avx512_relu,
                .relu_grad = sg_avx512_relu_grad, .relu_mask = sg_avx512_relu_mask,
                .relu_grad_mask = sg_avx512_relu_grad_mask, .train_step = sg_avx512_train_step);
