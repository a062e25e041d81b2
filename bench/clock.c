/* The core clock of the run, so rates can also be given per cycle and compared across clock speeds.
 * A chain of dependent integer adds retires one add per cycle on every x86-64 and AArch64 core
 * (1-cycle ALU latency), so adds per thread-CPU second = cycles per second: the same loop as
 * tools/model/clock.c. The FMA-chain ceiling is not used for this: it needs the core's FMA ports and
 * latency to turn into a clock, and on the Zen 3 it read ~13% low (docs/model.md). Thread CPU time,
 * not wall time: on a shared machine the thread is descheduled, and CPU time stops with it. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <time.h>

#include "sgb.h"

#if defined(__x86_64__)
#define SGB_ADD8(x)                                                                                          \
    __asm__ volatile("add $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\t"                                  \
                     "add $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0"                                      \
                     : "+r"(x))
#elif defined(__aarch64__)
#define SGB_ADD8(x)                                                                                          \
    __asm__ volatile("add %0,%0,#1\n\tadd %0,%0,#1\n\tadd %0,%0,#1\n\tadd %0,%0,#1\n\t"                      \
                     "add %0,%0,#1\n\tadd %0,%0,#1\n\tadd %0,%0,#1\n\tadd %0,%0,#1"                          \
                     : "+r"(x))
#endif

static double clock_hz;

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

double sgb_clock_measure(void)
{
#ifdef SGB_ADD8
    /* 5 x 1M x 64 adds, ~20 ms each at 3 GHz; the best run is the least disturbed (an interrupt
       or a migration only ever adds time). */
    const uint64_t loops = 1000 * 1000;
    uint64_t x = 0;
    double best = 0;
    for (int run = 0; run < 5; run++) {
        const double t0 = cpu_seconds();
        for (uint64_t i = 0; i < loops; i++) {
            SGB_ADD8(x);
            SGB_ADD8(x);
            SGB_ADD8(x);
            SGB_ADD8(x);
            SGB_ADD8(x);
            SGB_ADD8(x);
            SGB_ADD8(x);
            SGB_ADD8(x);
        }
        const double dt = cpu_seconds() - t0;
        if (dt > 0 && (double)loops * 64 / dt > best)
            best = (double)loops * 64 / dt;
    }
    clock_hz = x == loops * 64 * 5 ? best : 0; /* always true; keeps the chain's result live */
#endif
    return clock_hz;
}

double sgb_clock_hz(void) { return clock_hz; }
