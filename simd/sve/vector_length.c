/* The vector length the SVE kernels see, for `simdgrad info`. Lives here because only this
 * library is compiled with the SVE flags; baseline code calls it only after sg_cpu_has_sve(). */
#include <arm_sve.h>
#include <stddef.h>

size_t sg_sve_vector_bytes(void);
size_t sg_sve_vector_bytes(void) { return svcntb(); }
