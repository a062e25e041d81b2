/* PLACEHOLDER (being replaced by the packed microkernel version): plain loops compiled with
 * this ISA's flags so fmaf is one instruction; bit-exact with the reference. */
#include <math.h>

#include "sg_kernels_impl.h"

void sg_avx512_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                    const float *b, size_t ldb, float *c, size_t ldc)
{
    const size_t a_row = ta == SG_NO_TRANS ? lda : 1, a_col = ta == SG_NO_TRANS ? 1 : lda;
    const size_t b_row = tb == SG_NO_TRANS ? ldb : 1, b_col = tb == SG_NO_TRANS ? 1 : ldb;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float acc = 0.0f;
            for (size_t p = 0; p < k; p++)
                acc = fmaf(a[i * a_row + p * a_col], b[p * b_row + j * b_col], acc);
            c[i * ldc + j] = acc;
        }
}
