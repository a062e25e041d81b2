/* Why the scalar baseline's relu is 5-7x slower per element at L2 sizes than at L1 sizes (issue 12):
 * the reference compiles to a data-dependent branch on the sign (vcomiss + ja), and the benchmark
 * calls it on the same data again and again. The branch predictor memorizes a pattern of a few
 * thousand branches, so at n = 2048 it predicts almost all of them; at 32768 it cannot.
 * This times the bench's scalar baseline (libsgb_scalarfma.a) on the same data every call, on a
 * fresh window of data every call, and on all-positive data.
 *   gcc -O2 tools/experiments/scalar_relu_branches.c build/bench/libsgb_scalarfma.a -o /tmp/bp
 *   taskset -c 1 /tmp/bp
 * Figures: docs/scalar-baseline.md. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void sgb_scalarfma_relu(size_t n, const float *x, float *y);
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}
int main(void)
{
    size_t sizes[] = {512, 2048, 8192, 32768};
    for (int s = 0; s < 4; s++) {
        size_t n = sizes[s];
        size_t pool = 1 << 22;
        float *x = malloc(4 * pool), *y = malloc(4 * n);
        for (size_t i = 0; i < pool; i++)
            x[i] = (rand() & 1) ? 1.0f : -1.0f;
        for (int mode = 0; mode < 3; mode++) {
            /* mode 0: same n elements every call; 1: a different window each call (fresh pattern, same cache
             * footprint roughly); 2: all positive */
            if (mode == 2)
                for (size_t i = 0; i < n; i++)
                    x[i] = 1.0f;
            long calls = 200000000 / n;
            double t0 = now();
            for (long c = 0; c < calls; c++) {
                size_t off = mode == 1 ? ((size_t)c * n * 7) % (pool - n) : 0;
                sgb_scalarfma_relu(n, x + off, y);
            }
            double t = now() - t0;
            printf("n=%zu %s: %.2f ns/elem\n", n,
                   mode == 0   ? "same data each call"
                   : mode == 1 ? "fresh data each call"
                               : "all positive",
                   t / calls / n * 1e9);
        }
        free(x);
        free(y);
    }
}
