/* The vector length SVE code runs with, for `simdgrad info`: svcntb(), the count the SVE kernels'
 * loops step by. Built with the SVE flags in its own internal library (src/meson.build), so it is
 * neither baseline code nor a symbol of the installed libsimdgrad; called only after
 * sg_isa_available(SG_ISA_SVE). */
#include <arm_sve.h>
#include <stddef.h>

size_t sg_sve_vector_bytes(void);
size_t sg_sve_vector_bytes(void) { return svcntb(); }
