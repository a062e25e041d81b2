/* Times variants of the fused AVX2 training step against each other in one process (tools/step_anatomy/
 * run.sh builds them): the step as shipped (A) and the variants V0..V2 with parts removed, to see where its
 * time goes. Each figure is the best of 8 rounds of 1500 runs of 200 steps; the rounds alternate A and the
 * variant, so a slower phase of the shared machine hits both. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "simdgrad.h"
#include "train.h"

typedef void step_fn(size_t n, size_t d, size_t h, size_t o, const float *x, const float *y, float *w1,
                     float *w2, float lr, float g0, float max_loss, float *work, float *loss,
                     uint64_t *counts);
step_fn A_step, V_step;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double run(step_fn *f, const sg_train_data *d)
{
    float w1[90], w2[30], work[SG_TRAIN_STEP_WORK(4, 3, 30, 1)], loss;
    uint64_t counts[2];
    double best = 1e9;
    for (int it = 0; it < 1500; it++) {
        memcpy(w1, d->w1, sizeof w1);
        memcpy(w2, d->w2, sizeof w2);
        const double t0 = now();
        for (int s = 0; s < 200; s++)
            f(4, 3, 30, 1, d->x, d->y, w1, w2, 0.002f, 1.0f, 1e30f, work, &loss, counts);
        const double t = now() - t0;
        if (t < best)
            best = t;
    }
    return best / 200 * 1e9;
}

int main(int argc, char **argv)
{
    sg_train_data d;
    char err[256];
    if (sg_train_random(&d, 4, 2, 30, 1, 0, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double a = 1e9, v = 1e9;
    for (int r = 0; r < 8; r++) {
        const double ta = run(A_step, &d), tv = run(V_step, &d);
        a = ta < a ? ta : a;
        v = tv < v ? tv : v;
    }
    printf("%-44s shipped %6.1f ns/step   variant %6.1f ns/step\n", argc > 1 ? argv[1] : "variant", a, v);
    sg_train_data_free(&d);
    return 0;
}
