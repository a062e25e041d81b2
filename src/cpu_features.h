/* Internal: what `simdgrad info` reports about the CPU beyond the public sg_cpu_model. */
#ifndef SG_CPU_FEATURES_H
#define SG_CPU_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

/* raw without leading and trailing blanks (x86 brand strings are padded), "unknown" when empty. */
void sg_cpu_model_clean(const char *raw, char *out, size_t len);

/* True when this process runs under an emulator (qemu-user) as far as can be told, with the
   evidence in why: /proc/cpuinfo (the host kernel's view, which qemu-user passes through)
   describing another architecture than this binary's, or (x86) the CPUID brand differing from
   the kernel's model name. A VM is not emulation: its kernel reads the same CPUID. */
bool sg_cpu_emulated(char *why, size_t len);

/* The SVE vector length in bits that the SVE kernels run with (svcntb() from simd/sve, which is
   built with the SVE flags), 0 when SVE is not compiled in or not available. */
size_t sg_cpu_sve_vector_bits(void);

#endif
