/* Internal: the entry points each ISA's library provides, assembled into kernel tables by
 * src/kernels.c. Only declarations live here so that baseline code never sees intrinsics. */
#ifndef SG_KERNELS_IMPL_H
#define SG_KERNELS_IMPL_H

#include "simdgrad.h"

#define SG_DECLARE_ISA_KERNELS(prefix)                                                                       \
    void prefix##matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,  \
                        const float *b, size_t ldb, float *c, size_t ldc);                                   \
    void prefix##relu(size_t n, const float *x, float *y);                                                   \
    void prefix##relu_grad(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)

SG_DECLARE_ISA_KERNELS(sg_scalar_);
SG_DECLARE_ISA_KERNELS(sg_avx2_);
SG_DECLARE_ISA_KERNELS(sg_avx512_);
SG_DECLARE_ISA_KERNELS(sg_neon_);
SG_DECLARE_ISA_KERNELS(sg_sve_);

/* CPU feature probes (src/cpu_features.c): what the CPU *and* OS can run. */
bool sg_cpu_has_avx2_fma(void);
bool sg_cpu_has_avx512_fbwdqvl(void);
bool sg_cpu_has_sve(void);

#endif
