/* The AVX2 ReLU families at L1 and L2 sizes on h with no exact zeros (what a matmul produces, and what
 * the fast paths of relu_grad / relu_grad_mask are for) and with every 8th value ±0 (the bench's
 * sgb_fill): simdgrad-bench only times the latter, so the fast paths never show there (issue 10).
 * Best of 40 runs, thread CPU time; before/after by linking two libraries:
 *   gcc -O2 -std=c11 -Isrc -Ibuild/src tools/experiments/relu_zero_density.c build/src/libsimdgrad.a -lm -o
 * /tmp/zd taskset -c 1 /tmp/zd new Figures: results/amd-epyc_avx2_4049c22c/relu-issue10.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "simdgrad.h"
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}
static void fill(float *p, size_t n, unsigned s, int zeros)
{
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        float v = (float)(s >> 8) / (float)(1u << 24) * 2.f - 1.f;
        if (zeros && (s & 7) == 0)
            v = (s & 8) ? 0.f : -0.f;
        if (v == 0.f && !zeros)
            v = 0.5f;
        p[i] = v;
    }
}
int main(int argc, char **argv)
{
    const sg_kernels *k = sg_kernels_get(SG_ISA_AVX2);
    size_t sizes[] = {1360, 21840};
    for (int z = 0; z < 2; z++)
        for (int si = 0; si < 2; si++) {
            size_t n = sizes[si];
            float *h = aligned_alloc(64, n * 4 + 64), *dy = aligned_alloc(64, n * 4 + 64),
                  *dx = aligned_alloc(64, n * 4 + 64), *x = aligned_alloc(64, n * 4 + 64);
            unsigned char *m = aligned_alloc(64, n / 4 + 64);
            fill(h, n, 11, z);
            fill(dy, n, 12, 0);
            fill(x, n, 13, z);
            k->relu_mask(n, h, x, m);
            double best[4] = {1e9, 1e9, 1e9, 1e9};
            for (int rep = 0; rep < 40; rep++) {
                size_t it = (size_t)(2e7 / n);
                double t;
                t = now();
                for (size_t r = 0; r < it; r++) {
                    k->relu_grad(n, h, dy, dx, 0.5f);
                    __asm__ volatile("" ::"r"(dx) : "memory");
                }
                t = (now() - t) / it;
                if (t < best[0])
                    best[0] = t;
                t = now();
                for (size_t r = 0; r < it; r++) {
                    k->relu_grad_mask(n, m, x, dy, dx, 0.5f);
                    __asm__ volatile("" ::"r"(dx) : "memory");
                }
                t = (now() - t) / it;
                if (t < best[1])
                    best[1] = t;
                t = now();
                for (size_t r = 0; r < it; r++) {
                    k->relu(n, h, dx);
                    __asm__ volatile("" ::"r"(dx) : "memory");
                }
                t = (now() - t) / it;
                if (t < best[2])
                    best[2] = t;
                t = now();
                for (size_t r = 0; r < it; r++) {
                    k->relu_mask(n, h, dx, m);
                    __asm__ volatile("" ::"r"(dx) : "memory");
                }
                t = (now() - t) / it;
                if (t < best[3])
                    best[3] = t;
            }
            printf("%s n=%zu zeros=%s relu_grad %.1f GB/s relu_grad_mask %.1f GB/s relu %.1f GB/s relu_mask "
                   "%.1f GB/s\n",
                   argv[1], n, z ? "1/8" : "none", 12.0 * n / best[0] / 1e9,
                   (8.0 * n + n / 4.0) / best[1] / 1e9, 8.0 * n / best[2] / 1e9,
                   (8.0 * n + n / 4.0) / best[3] / 1e9);
        }
    return 0;
}
