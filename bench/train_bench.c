/* The training task itself (src/train.c) per ISA: one whole step (forward, backward, update)
 * and the 200-step run `simdgrad train` does, on its default data (random, N=4, D=2+bias,
 * H=30, O=1, seed 0, lr 0.002). sg_train_run allocates its buffers per call, so the one-step
 * figure includes those few mallocs; the 200-step run amortises them. */
#include <stdio.h>
#include <stdlib.h>

#include "sgb.h"
#include "train.h"

typedef struct tctx {
    const sgb_meta *meta;
    const sgb_impl *impl;
    size_t steps;
} tctx;

static sg_train_data data;
static bool data_ok;

static void run_train(sgb_state *st, void *p)
{
    const tctx *c = p;
    if (!data_ok) {
        sgb_skip(st, "training data could not be built");
        return;
    }
    sg_train_result r;
    char err[128];
    while (sgb_keep_running_batch(st, 1)) {
        if (sg_train_run(&c->impl->k, &data, 1.0f, c->steps, 0.002f, &r, err, sizeof err) != 0) {
            sgb_skip(st, err);
            return;
        }
        sg_train_result_free(&r);
    }
    sgb_counters(st, c->meta, (double)c->steps);
    sgb_counter_roofline(st, c->meta, c->impl->peak);
}

void sgb_register_train(void)
{
    char err[128];
    data_ok = sg_train_random(&data, 4, 2, 30, 1, 0, err, sizeof err) == 0;
    if (!data_ok)
        fprintf(stderr, "simdgrad bench: training data: %s\n", err);
    /* Matmul FLOPs of one step: the five products of sgb_train_shapes. */
    double step_flops = 0;
    for (size_t i = 0; i < sgb_train_shape_count; i++)
        step_flops += 2.0 * sgb_train_shapes[i].m * sgb_train_shapes[i].n * sgb_train_shapes[i].k;
    const sgb_impl *impls;
    const size_t ni = sgb_impls(&impls);
    static const size_t steps[] = {1, 200};
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < ni; i++) {
            tctx *c = sgb_ctx_alloc(sizeof *c);
            char args[32];
            c->impl = &impls[i];
            c->steps = steps[s];
            snprintf(args, sizeof args, "steps:%zu", c->steps);
            c->meta =
                sgb_meta_add("train", impls[i].name, args, step_flops * (double)c->steps, 0, -1, SGB_BW_ADD);
            const char *names[] = {"steps"};
            const int64_t values[] = {(int64_t)c->steps};
            sgb_register_meta(c->meta, run_train, c, 1, names, values);
        }
    }
}
