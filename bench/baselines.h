/* The timed baselines: src/scalar/reference.c compiled again under other names (bench/meson.build).
 * "scalar" is the scalar-FMA rebuild, "auto_<isa>" the -O3 auto-vectorized ones. */
#ifndef SGB_BASELINES_H
#define SGB_BASELINES_H

#include "sg_config.h"
#include "sg_kernels_impl.h"
#include "sgb_build.h"

#if SGB_HAVE_SCALAR_FMA
SG_DECLARE_ISA_KERNELS(sgb_scalarfma_);
#endif
#if SIMDGRAD_HAVE_AVX2
SG_DECLARE_ISA_KERNELS(sgb_auto_avx2_);
#endif
#if SIMDGRAD_HAVE_AVX512
SG_DECLARE_ISA_KERNELS(sgb_auto_avx512_);
#endif
#if SIMDGRAD_HAVE_NEON
SG_DECLARE_ISA_KERNELS(sgb_auto_neon_);
#endif

#endif
