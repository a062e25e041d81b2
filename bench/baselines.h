/* The timed baselines: src/scalar/reference.c compiled again under other names. "scalar" is the
 * scalar-FMA rebuild (bench/meson.build), "auto_<isa>" the -O3 auto-vectorized rebuild with each
 * ISA's flags (top-level meson.build: sg_auto_<isa>_table, built where SIMDGRAD_HAVE_AUTO_<ID>). */
#ifndef SGB_BASELINES_H
#define SGB_BASELINES_H

#include "sg_config.h"
#include "sg_kernels_impl.h"
#include "sgb_build.h"

#if SGB_HAVE_SCALAR_FMA
SG_DECLARE_ISA_KERNELS(sgb_scalarfma_);
#endif

/* The auto-vectorized table of each ISA built here, NULL elsewhere (and for scalar). */
const sg_kernels *sgb_auto_table(sg_isa isa);

#endif
