/* The training task itself (src/train.c) per ISA: one whole step (forward, backward, update)
 * and the 200-step run `simdgrad train` does, on its default data (random, N=4, D=2+bias,
 * H=30, O=1, seed 0, lr 0.002). sg_train_run allocates its buffers per call, so the one-step
 * figure includes those few mallocs; the 200-step run amortises them (counter ns_per_step).
 * train/ runs each step through the table's own train_step where it has one (fused for this shape on
 * AVX2 and AVX-512), train_unfused/ makes the seven kernel calls, train_kernel/ calls the table's train_step
 * 200 times without sg_train_run around it; train_gemms/ times the five products of a step
 * alone, chained, against the sum of their contract bounds (x_bound, bench/ceilings.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgb.h"
#include "train.h"

typedef struct tctx {
    const sgb_meta *meta;
    const sgb_impl *impl;
    size_t steps;
    bool unfused; /* sg_train_run_unfused: the seven calls even where the table has its own train_step */
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
        /* The step alone: no per-step update digests (train.h), which only comparisons of runs need. */
        const sg_train_opts o = {
            .g0 = 1.0f, .steps = c->steps, .lr = 0.002f, .unfused = c->unfused, .no_digests = true};
        if (sg_train_run_opts(&c->impl->k, &data, &o, &r, err, sizeof err) != 0) {
            sgb_skip(st, err);
            return;
        }
        sg_train_result_free(&r);
    }
    sgb_counters(st, c->meta, (double)c->steps);
    sgb_counter_roofline(st, c->meta, c->impl->peak);
    sgb_counter_ratio(st, "ns_per_step", 1e-9 * (double)c->steps);
}

/* The table's train_step alone, 200 steps in a row from the default start (weights restored before each
   run), without sg_train_run's allocations and per-step bookkeeping: what the step kernel itself costs,
   against chain_ns, the 30 dependent FMAs of y_pred (latency measured at start-up) that no step can
   beat under the contract (docs/training-step.md). */
static void run_step(sgb_state *st, void *p)
{
    const tctx *c = p;
    if (!data_ok) {
        sgb_skip(st, "training data could not be built");
        return;
    }
    const sg_kernels *k = &c->impl->k;
    float w1[3 * 30], w2[30], loss, work[SG_TRAIN_STEP_WORK(4, 3, 30, 1)];
    uint64_t counts[2];
    while (sgb_keep_running_batch(st, 1)) {
        memcpy(w1, data.w1, sizeof w1);
        memcpy(w2, data.w2, sizeof w2);
        for (size_t s = 0; s < c->steps; s++)
            k->train_step(4, 3, 30, 1, data.x, data.y, w1, w2, 0.002f, 1.0f, SG_TRAIN_MAX_LOSS, work, &loss,
                          counts);
    }
    sgb_counters(st, c->meta, (double)c->steps);
    sgb_counter_roofline(st, c->meta, c->impl->peak);
    sgb_counter_ratio(st, "ns_per_step", 1e-9 * (double)c->steps);
    sgb_counter(st, "chain_ns", 30.0 * sgb_fma_timing_get()->latency_s * 1e9);
}

/* The five products of one step (sgb_train_shapes), each fed by the one before as in training (h stands
   for h_relu, y_pred for g, grad_h_relu for grad_h), and the next round's first product waits for this
   round's last: x[0] = x0 + grad_w1[0]·0 is x0 again, but only once grad_w1[0] exists. So rounds do not
   overlap, and the time per round is the chain of the five calls, against the sum of their bounds. */
static void run_gemms(sgb_state *st, void *p)
{
    const tctx *c = p;
    if (!data_ok) {
        sgb_skip(st, "training data could not be built");
        return;
    }
    const sg_kernels *k = &c->impl->k;
    float x[4 * 3], h[4 * 30], yp[4], gw2[30], ghr[4 * 30], gw1[3 * 30];
    for (size_t i = 0; i < 12; i++)
        x[i] = data.x[i];
    const float x0 = x[0];
    double bound = 0;
    for (size_t i = 0; i < sgb_train_shape_count; i++)
        bound +=
            sgb_matmul_bound_seconds(sgb_train_shapes[i].m, sgb_train_shapes[i].n, sgb_train_shapes[i].k);
    while (sgb_keep_running_batch(st, 64))
        for (int r = 0; r < 64; r++) {
            k->matmul(SG_NO_TRANS, SG_NO_TRANS, 4, 30, 3, x, 3, data.w1, 30, h, 30);
            k->matmul(SG_NO_TRANS, SG_NO_TRANS, 4, 1, 30, h, 30, data.w2, 1, yp, 1);
            k->matmul(SG_TRANS, SG_NO_TRANS, 30, 1, 4, h, 30, yp, 1, gw2, 1);
            k->matmul(SG_NO_TRANS, SG_TRANS, 4, 30, 1, yp, 1, data.w2, 1, ghr, 30);
            k->matmul(SG_TRANS, SG_NO_TRANS, 3, 30, 4, x, 3, ghr, 30, gw1, 30);
            x[0] = x0 + gw1[0] * 0.0f;
        }
    sgb_counters(st, c->meta, 0);
    if (bound > 0)
        sgb_counter_ratio(st, "x_bound", bound);
    sgb_counter(st, "bound_ns", bound * 1e9);
    sgb_counter(st, "fma_latency_ns", sgb_fma_timing_get()->latency_s * 1e9);
    sgb_counter(st, "fma_vec_per_ns", sgb_fma_timing_get()->vec_per_s * 1e-9);
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
    for (size_t i = 0; i < ni; i++) {
        tctx *c = sgb_ctx_alloc(sizeof *c);
        c->impl = &impls[i];
        c->meta = sgb_meta_add("train_gemms", impls[i].name, "", step_flops, 0, -1, SGB_BW_ADD);
        sgb_register_meta(c->meta, run_gemms, c, 0, NULL, NULL);
    }
    /* The step as seven calls, where train/ uses the table's own train_step (the fused one on ISAs that
       have it): the same run, so the two compare within one bench run. */
    for (size_t i = 0; i < ni; i++) {
        tctx *c = sgb_ctx_alloc(sizeof *c);
        c->impl = &impls[i];
        c->steps = 200;
        c->unfused = true;
        c->meta =
            sgb_meta_add("train_unfused", impls[i].name, "steps:200", step_flops * 200.0, 0, -1, SGB_BW_ADD);
        const char *names[] = {"steps"};
        const int64_t values[] = {200};
        sgb_register_meta(c->meta, run_train, c, 1, names, values);
    }
    for (size_t i = 0; i < ni; i++) {
        tctx *c = sgb_ctx_alloc(sizeof *c);
        c->impl = &impls[i];
        c->steps = 200;
        c->meta =
            sgb_meta_add("train_kernel", impls[i].name, "steps:200", step_flops * 200.0, 0, -1, SGB_BW_ADD);
        const char *names[] = {"steps"};
        const int64_t values[] = {200};
        sgb_register_meta(c->meta, run_step, c, 1, names, values);
    }
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
