/* CI self-test only (meson -Dinject_slowdown=<family>/<isa>, docs/ci-check-code.md): a kernel's hot
 * loop calls SG_INJECT_HOT(<family>, chain) once per iteration, with SG_INJECT_CHAIN_VAR(chain)
 * declared before the loop. In every normal build that is nothing. In the library of the injected ISA, built
 * with SG_INJECT_HOT_FAMILY=<family>, the named family's loop gets four dependent integer multiplies
 * on chain, carried from one iteration to the next: at least 12 cycles per iteration on any core,
 * against 4-6 for the loops that have the hook. The table wrapper in src/kernels.c adds work after
 * the call, which callgrind counts but which is outside the loop the static model reads
 * (ci-check --mode model); this is inside it, and slows the real loop the same way. The chain is a
 * register nothing reads, so the kernel's results stay bit-identical. */
#ifndef SG_INJECT_HOT_H
#define SG_INJECT_HOT_H

#include <stddef.h>

#ifdef SG_INJECT_HOT_FAMILY
#define SG_INJECT_STR_(x)  #x
#define SG_INJECT_XSTR_(x) SG_INJECT_STR_(x)
#if defined(__x86_64__)
/* One fixed register for the whole loop: when gcc carried the chain through a register copy, LLVM 16's
   Zen 3/4 models lost the dependency at the eliminated move (4.1 instead of 12 cycles per iteration),
   so that gate could not see the chain there. */
#define SG_INJECT_CHAIN_VAR(c) register size_t c __asm__("r11") = 0
#define SG_INJECT_CHAIN_(c)                                                                                  \
    __asm__ volatile("imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\timul %0, %0" : "+r"(c))
#elif defined(__aarch64__)
#define SG_INJECT_CHAIN_VAR(c) register size_t c __asm__("x17") = 0
#define SG_INJECT_CHAIN_(c)                                                                                  \
    __asm__ volatile("mul %0, %0, %0\n\tmul %0, %0, %0\n\tmul %0, %0, %0\n\tmul %0, %0, %0" : "+r"(c))
#else
#error "inject_slowdown: no hot-loop chain for this architecture"
#endif
/* The family names are compared as string literals, which the compiler folds to a constant. */
#define SG_INJECT_HOT(family, chain)                                                                         \
    do {                                                                                                     \
        if (!__builtin_strcmp(SG_INJECT_XSTR_(SG_INJECT_HOT_FAMILY), #family))                               \
            SG_INJECT_CHAIN_(chain);                                                                         \
    } while (0)
#else
#define SG_INJECT_CHAIN_VAR(c)       size_t c = 0
#define SG_INJECT_HOT(family, chain) ((void)(chain))
#endif

#endif
