/* CPU + OS feature probes. Baseline code: no ISA flags, no intrinsics beyond CPUID/XGETBV. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cpu_info.h"
#include "sg_config.h"
#include "sg_kernels_impl.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* XGETBV spelled as an instruction: the intrinsic needs -mxsave, which baseline code must not use. */
static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static bool os_saves(uint64_t mask)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) /* OSXSAVE */
        return false;
    return (read_xcr0() & mask) == mask;
}

static bool leaf7_ebx(unsigned *ebx)
{
    unsigned a, c, d;
    if ((unsigned)__get_cpuid_max(0, NULL) < 7u)
        return false;
    __cpuid_count(7, 0, a, *ebx, c, d);
    return true;
}

bool sg_cpu_has_avx2_fma(void)
{
    unsigned a, b, c, d, ebx7;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    /* F16C too: the AVX2 library converts to binary16 with it (simd/avx2/round.c). Every AVX2 CPU
       has it, but the AVX2 bit does not promise it. */
    const bool avx = c & (1u << 28), fma = c & (1u << 12), f16c = c & (1u << 29);
    if (!avx || !fma || !f16c || !leaf7_ebx(&ebx7) || !(ebx7 & (1u << 5)))
        return false;
    return os_saves(0x6); /* XMM | YMM state */
}

bool sg_cpu_has_avx512_fbwdqvl(void)
{
#if SIMDGRAD_AVX512_EMULATED
    /* The avx512 library was built for AVX2+FMA+F16C on SIMDe (simd/avx512/intrin.h). */
    return sg_cpu_has_avx2_fma();
#endif
    unsigned ebx7;
    if (!sg_cpu_has_avx2_fma() || !leaf7_ebx(&ebx7))
        return false;
    const unsigned need = (1u << 16) /*F*/ | (1u << 17) /*DQ*/ | (1u << 30) /*BW*/ | (1u << 31) /*VL*/;
    if ((ebx7 & need) != need)
        return false;
    return os_saves(0xE6); /* XMM | YMM | opmask | ZMM_Hi256 | Hi16_ZMM */
}

bool sg_cpu_has_sve(void) { return false; }
bool sg_cpu_has_neon(void) { return false; }

static void cpu_model_probe(char *buf, size_t len)
{
    unsigned regs[12];
    if ((unsigned)__get_cpuid_max(0x80000000, NULL) < 0x80000004u) {
        snprintf(buf, len, "unknown");
        return;
    }
    for (unsigned leaf = 0; leaf < 3; leaf++)
        __get_cpuid(0x80000002 + leaf, &regs[4 * leaf], &regs[4 * leaf + 1], &regs[4 * leaf + 2],
                    &regs[4 * leaf + 3]);
    char raw[49];
    memcpy(raw, regs, 48);
    raw[48] = '\0';
    sg_cpu_model_clean(raw, buf, len); /* Intel pads the brand string with blanks */
}

#else /* not x86 */

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#include <sys/prctl.h>
#ifndef HWCAP_SVE
#define HWCAP_SVE (1 << 22)
#endif
#ifndef PR_SVE_GET_VL
#define PR_SVE_GET_VL 51
#endif
#ifndef PR_SVE_VL_LEN_MASK
#define PR_SVE_VL_LEN_MASK 0xffff
#endif
bool sg_cpu_has_sve(void) { return (getauxval(AT_HWCAP) & HWCAP_SVE) != 0; }

/* The thread's SVE vector length in bytes, from the kernel rather than from RDVL/svcntb(): baseline
   code must not contain SVE instructions. 0 when the kernel does not say. Not cached: a process may
   change its length with PR_SVE_SET_VL, and the SVE kernels follow it (they step by svcntb()). */
static unsigned sve_vl_bytes(void)
{
    const int r = prctl(PR_SVE_GET_VL, 0, 0, 0, 0);
    return r < 0 ? 0 : (unsigned)r & PR_SVE_VL_LEN_MASK;
}
#define SG_HAVE_SVE_VL_PRCTL 1
#else
bool sg_cpu_has_sve(void) { return false; }
#endif
/* Advanced SIMD is mandatory on AArch64 (the NEON library is built only there). */
bool sg_cpu_has_neon(void) { return true; }
bool sg_cpu_has_avx2_fma(void) { return false; }
bool sg_cpu_has_avx512_fbwdqvl(void) { return false; }

/* /proc/cpuinfo names the model differently per architecture; take the first field that does. */
static void cpu_model_probe(char *buf, size_t len)
{
    char host[128];
    if (sg_cpuinfo_is_x86(host, sizeof host)) {
        /* Under qemu-user that is the host's CPU, not the one running this code. */
        snprintf(buf, len, "unknown (emulated)");
        return;
    }
    static const char *const keys[] = {"model name", "Hardware", "CPU part", "cpu model", NULL};
    for (const char *const *key = keys; *key; key++)
        if (sg_cpuinfo_field(*key, buf, len))
            return;
    snprintf(buf, len, "unknown");
}
#endif

bool sg_cpu_runs_scalar(void) { return true; }

/* The vector-length rule of dispatch (docs/model.md, "NEON vs SVE at 128 bits"): at 128-bit SVE the
   NEON kernels are as fast or faster on every modelled core (the 4x8 matmul tile 1.37x on the
   Neoverse-N2 model, where gcc's SVE tile is latency-bound by movprfx copies; relu and relu_grad
   equal), so SVE only wins from 256 bits on. Forcing SVE (SIMDGRAD_ISA, --isa) is unaffected. */
#define SG_AVX512_EMULATION_NOTE                                                                             \
    "emulated with SIMDe on AVX2+FMA, build option avx512_emulation: bit-exactness tests only, its speed "   \
    "means nothing"

const char *sg_isa_emulated(sg_isa isa)
{
    (void)isa;
#if SIMDGRAD_AVX512_EMULATED
    if (isa == SG_ISA_AVX512)
        return SG_AVX512_EMULATION_NOTE;
#endif
    return NULL;
}

const char *sg_isa_not_preferred(sg_isa isa)
{
    /* An emulated table is only ever chosen by name (SIMDGRAD_ISA, --isa, the tests' ISA loops). */
    if (sg_isa_emulated(isa) && sg_isa_available(isa))
        return "(" SG_AVX512_EMULATION_NOTE ")";
#ifdef SG_HAVE_SVE_VL_PRCTL
    if (isa == SG_ISA_SVE && sg_isa_available(SG_ISA_SVE) && sg_isa_available(SG_ISA_NEON) &&
        sve_vl_bytes() == 16)
        return "at 128-bit vectors: NEON is dispatched there (its matmul tile models 1.37x faster), "
               "see docs/model.md";
#endif
    (void)isa;
    return NULL;
}

const char *sg_cpu_model(void)
{
    static char model[128];
    if (!model[0])
        cpu_model_probe(model, sizeof model);
    return model;
}
