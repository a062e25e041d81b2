/* The implementations timed side by side: the baselines ("scalar", "auto_<isa>") are the
 * reference source compiled again (bench/meson.build), the rest are simdgrad's own tables. */
#include "baselines.h"
#include "sgb.h"

#define SGB_K(isa, prefix)                                                                                   \
    {                                                                                                        \
        isa, prefix##matmul, prefix##relu, prefix##relu_grad                                                 \
    }

size_t sgb_impls(const sgb_impl **out)
{
    static sgb_impl list[12];
    static size_t count;
    if (count) {
        *out = list;
        return count;
    }
#if SGB_HAVE_SCALAR_FMA
    /* On x86 the library's reference calls libm's fmaf (no -mfma); timing that would flatter
       every vector kernel, so the scalar baseline is the same source with fmaf as one
       vfmadd231ss (needs FMA, which AVX2 implies here). */
    if (sg_isa_available(SG_ISA_AVX2))
        list[count++] = (sgb_impl){"scalar", "scalar", "reference.c -O2 " SGB_SCALAR_FMA_FLAGS, false,
                                   SGB_K(SG_ISA_SCALAR, sgb_scalarfma_)};
    else
#endif
        list[count++] = (sgb_impl){"scalar", "scalar", "reference.c as in libsimdgrad (no FMA instruction)",
                                   false, *sg_kernels_get(SG_ISA_SCALAR)};
#if SIMDGRAD_HAVE_AVX2
    if (sg_isa_available(SG_ISA_AVX2))
        list[count++] = (sgb_impl){"auto_avx2", "avx2", "reference.c -O3 " SGB_AUTO_AVX2_FLAGS, false,
                                   SGB_K(SG_ISA_AVX2, sgb_auto_avx2_)};
#endif
#if SIMDGRAD_HAVE_AVX512
    if (sg_isa_available(SG_ISA_AVX512))
        list[count++] = (sgb_impl){"auto_avx512", "avx512", "reference.c -O3 " SGB_AUTO_AVX512_FLAGS, false,
                                   SGB_K(SG_ISA_AVX512, sgb_auto_avx512_)};
#endif
#if SIMDGRAD_HAVE_NEON
    list[count++] = (sgb_impl){"auto_neon", "neon", "reference.c -O3 (NEON is baseline on aarch64)", false,
                               SGB_K(SG_ISA_NEON, sgb_auto_neon_)};
#endif
    static const sg_isa hand[] = {SG_ISA_AVX2, SG_ISA_AVX512, SG_ISA_NEON, SG_ISA_SVE};
    for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++) {
        const sg_kernels *k = sg_kernels_get(hand[i]);
        if (k)
            list[count++] =
                (sgb_impl){sg_isa_name(hand[i]), sg_isa_name(hand[i]), "simdgrad kernels", true, *k};
    }
    *out = list;
    return count;
}
