/* The core clock of this machine, for comparing llvm-mca's cycles with simdgrad-bench's seconds.
 * A chain of dependent integer adds retires one add per cycle on every x86-64 and AArch64 core the
 * model knows (1-cycle ALU latency), so adds / thread CPU second = cycles per second. Thread CPU
 * time, not wall time: on a shared machine the thread is descheduled, and CPU time stops with it.
 * Prints the best (highest) of 7 runs in GHz; used by `simdgrad model --measure-clock`. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#if defined(__x86_64__)
#define ADD8(x)                                                                                              \
    __asm__ volatile("add $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\t"                                  \
                     "add $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0"                                      \
                     : "+r"(x))
#elif defined(__aarch64__)
#define ADD8(x)                                                                                              \
    __asm__ volatile("add %0,%0,#1\n\tadd %0,%0,#1\n\tadd %0,%0,#1\n\tadd %0,%0,#1\n\t"                      \
                     "add %0,%0,#1\n\tadd %0,%0,#1\n\tadd %0,%0,#1\n\tadd %0,%0,#1"                          \
                     : "+r"(x))
#else
#error "clock.c: x86-64 or AArch64 only"
#endif

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    const uint64_t loops = 20 * 1000 * 1000; /* 20 M x 64 adds: ~0.4 s at 3 GHz */
    double best = 0;
    uint64_t x = 0;
    for (int run = 0; run < 7; run++) {
        const double t0 = now();
        for (uint64_t i = 0; i < loops; i++) {
            ADD8(x);
            ADD8(x);
            ADD8(x);
            ADD8(x);
            ADD8(x);
            ADD8(x);
            ADD8(x);
            ADD8(x);
        }
        const double ghz = (double)loops * 64 / (now() - t0) / 1e9;
        if (ghz > best)
            best = ghz;
    }
    printf("%.3f %llu\n", best, (unsigned long long)(x & 1)); /* x printed so the chain is live */
    return 0;
}
