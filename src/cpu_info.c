/* See cpu_info.h. Internal (sg_util), so libsimdgrad exports nothing new. */
#include <stdio.h>
#include <string.h>

#include "cpu_info.h"
#include "sg_config.h"
#include "simdgrad.h"

bool sg_cpu_emulated(char *why, size_t len)
{
    char host[128];
#if defined(__x86_64__) || defined(__i386__)
    /* qemu-user on an ARM host passes the host's /proc/cpuinfo through. */
    if (sg_cpuinfo_field("CPU implementer", host, sizeof host) ||
        sg_cpuinfo_field("CPU architecture", host, sizeof host)) {
        snprintf(why, len, "/proc/cpuinfo describes an ARM host");
        return true;
    }
    /* qemu-user on x86 (qemu-x86_64 -cpu Haswell): CPUID is the emulated CPU, the kernel's model
       name the host's. In a VM both come from the same CPUID. */
    if (sg_cpuinfo_field("model name", host, sizeof host) && strcmp(host, sg_cpu_model()) != 0) {
        snprintf(why, len, "CPUID says '%s', the kernel's /proc/cpuinfo '%s'", sg_cpu_model(), host);
        return true;
    }
    return false;
#else
    if (!sg_cpuinfo_is_x86(host, sizeof host))
        return false;
    snprintf(why, len, "/proc/cpuinfo describes the x86 host '%s'", host);
    return true;
#endif
}

#if SIMDGRAD_HAVE_SVE
size_t sg_sve_vector_bytes(void); /* src/sve_vector_length.c, built with the SVE flags */
#endif

size_t sg_cpu_sve_vector_bits(void)
{
#if SIMDGRAD_HAVE_SVE
    if (sg_isa_available(SG_ISA_SVE))
        return 8 * sg_sve_vector_bytes();
#endif
    return 0;
}
