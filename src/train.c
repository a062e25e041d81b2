/* See train.h. Built with -ffp-contract=off (src/meson.build): the loss, its gradient and the
 * weight update must round the same way whatever the target, so no multiply-add may be fused
 * here; only the kernels (which the contract pins down) decide about fusion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "rng.h"
#include "train.h"

/* a*b into *out unless it overflows size_t. */
static bool mul_ok(size_t a, size_t b, size_t *out)
{
    if (a && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

static bool add_ok(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return false;
    *out = a + b;
    return true;
}

int sg_train_check_runs(size_t n, size_t d, size_t h, size_t o, size_t steps, size_t runs, char *err,
                        size_t err_len)
{
    if (!n || !d || !h || !o)
        SG_FAIL("sizes must be at least 1 (N=%zu, D=%zu, H=%zu, O=%zu)", n, d, h, o);
    if (steps < 1 || steps > SG_TRAIN_MAX_STEPS)
        SG_FAIL("steps must be between 1 and %zu", SG_TRAIN_MAX_STEPS);
    /* One run holds: inputs x, y, w1, w2; h, relu(h), grad_h_relu (n×h each); y_pred and g (n×o each);
       grad_w1, grad_w2 and the lr·grad scratch; the result's weights and loss curve. Runs are
       sequential, but each earlier run's result (weights and loss curve) is kept for comparison. */
    size_t nd = 0, no = 0, dh = 0, ho = 0, nh = 0, total = 0, kept = 0, others = 0;
    bool ok =
        mul_ok(n, d, &nd) && mul_ok(n, o, &no) && mul_ok(d, h, &dh) && mul_ok(h, o, &ho) && mul_ok(n, h, &nh);
    size_t parts[] = {nd, no, dh, ho, nh, nh, nh, no, no, dh, ho, dh > ho ? dh : ho, dh, ho, steps};
    for (size_t i = 0; ok && i < sizeof parts / sizeof parts[0]; i++)
        ok = add_ok(total, parts[i], &total);
    ok = ok && add_ok(dh, ho, &kept) && add_ok(kept, steps, &kept) &&
         mul_ok(kept, runs ? runs - 1 : 0, &others) && add_ok(total, others, &total);
    if (!ok || total > SG_TRAIN_MAX_BYTES / sizeof(float))
        SG_FAIL("sizes N=%zu D=%zu H=%zu O=%zu steps=%zu (%zu run%s) need more than the limit of %zu MiB", n,
                d, h, o, steps, runs, runs == 1 ? "" : "s", SG_TRAIN_MAX_BYTES >> 20);
    return 0;
}

int sg_train_check_sizes(size_t n, size_t d, size_t h, size_t o, size_t steps, char *err, size_t err_len)
{
    return sg_train_check_runs(n, d, h, o, steps, 1, err, err_len);
}

int sg_train_alloc(sg_train_data *t, size_t n, size_t d, size_t h, size_t o, char *err, size_t err_len)
{
    memset(t, 0, sizeof *t);
    if (sg_train_check_sizes(n, d, h, o, 1, err, err_len) != 0)
        return -1;
    t->n = n, t->d = d, t->h = h, t->o = o;
    t->x = malloc(n * d * sizeof(float));
    t->y = malloc(n * o * sizeof(float));
    t->w1 = malloc(d * h * sizeof(float));
    t->w2 = malloc(h * o * sizeof(float));
    if (!t->x || !t->y || !t->w1 || !t->w2) {
        sg_train_data_free(t);
        SG_FAIL("out of memory");
    }
    return 0;
}

void sg_train_data_free(sg_train_data *t)
{
    free(t->x);
    free(t->y);
    free(t->w1);
    free(t->w2);
    memset(t, 0, sizeof *t);
}

/* Rows of x from n×d_in values in src, each followed by a bias 1. */
static void append_bias(float *x, const float *src, size_t n, size_t d_in)
{
    for (size_t i = 0; i < n; i++) {
        memcpy(x + i * (d_in + 1), src + i * d_in, d_in * sizeof(float));
        x[i * (d_in + 1) + d_in] = 1.0f;
    }
}

int sg_train_random(sg_train_data *t, size_t n, size_t d_in, size_t h, size_t o, uint64_t seed, char *err,
                    size_t err_len)
{
    if (d_in == SIZE_MAX)
        SG_FAIL("d-in too large");
    if (sg_train_alloc(t, n, d_in + 1, h, o, err, err_len) != 0)
        return -1;
    sg_rng r;
    sg_rng_seed(&r, seed);
    float *raw = malloc((n * d_in + 1) * sizeof(float)); /* +1: never malloc(0) */
    if (!raw) {
        sg_train_data_free(t);
        SG_FAIL("out of memory");
    }
    sg_rng_fill_normal(&r, raw, n * d_in);
    append_bias(t->x, raw, n, d_in);
    free(raw);
    sg_rng_fill_normal(&r, t->y, n * o);
    sg_rng_fill_normal(&r, t->w1, t->d * h);
    sg_rng_fill_normal(&r, t->w2, h * o);
    return 0;
}

int sg_train_xor(sg_train_data *t, size_t h, uint64_t seed, char *err, size_t err_len)
{
    static const float pts[8] = {0, 0, 0, 1, 1, 0, 1, 1}, labels[4] = {0, 1, 1, 0};
    if (sg_train_alloc(t, 4, 3, h, 1, err, err_len) != 0)
        return -1;
    append_bias(t->x, pts, 4, 2);
    memcpy(t->y, labels, sizeof labels);
    sg_rng r;
    sg_rng_seed(&r, seed);
    sg_rng_fill_normal(&r, t->w1, 3 * h);
    sg_rng_fill_normal(&r, t->w2, h);
    return 0;
}

/* w -= lr*grad as two roundings: the product first, then the difference. */
static void sgd_update(float *w, const float *grad, float *scratch, size_t n, float lr)
{
    for (size_t i = 0; i < n; i++)
        scratch[i] = lr * grad[i];
    for (size_t i = 0; i < n; i++)
        w[i] = w[i] - scratch[i];
}

static int run(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr, bool masked,
               sg_train_result *r, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    if (sg_train_check_sizes(t->n, t->d, t->h, t->o, steps, err, err_len) != 0)
        return -1;
    const size_t n = t->n, d = t->d, hd = t->h, o = t->o;
    const size_t nh = n * hd, no = n * o, dh = d * hd, ho = hd * o;
    float *h = malloc(nh * sizeof(float)), *hr = malloc(nh * sizeof(float)),
          *ghr = malloc(nh * sizeof(float));
    uint8_t *mask = malloc((nh + 3) / 4 + 1);
    float *yp = malloc(no * sizeof(float)), *g = malloc(no * sizeof(float));
    float *gw1 = malloc(dh * sizeof(float)), *gw2 = malloc(ho * sizeof(float));
    float *scratch = malloc((dh > ho ? dh : ho) * sizeof(float));
    r->loss = malloc(steps * sizeof(float));
    r->w1 = malloc(dh * sizeof(float));
    r->w2 = malloc(ho * sizeof(float));
    int rc = 0;
    if (!h || !hr || !ghr || !mask || !yp || !g || !gw1 || !gw2 || !scratch || !r->loss || !r->w1 || !r->w2) {
        sg_train_result_free(r);
        snprintf(err, err_len, "out of memory");
        rc = -1;
        goto out;
    }
    r->steps = steps;
    float *w1 = r->w1, *w2 = r->w2;
    memcpy(w1, t->w1, dh * sizeof(float));
    memcpy(w2, t->w2, ho * sizeof(float));
    for (size_t s = 0; s < steps; s++) {
        /* Forward: h = x·w1, h_relu = relu(h), y_pred = h_relu·w2. */
        k->matmul(SG_NO_TRANS, SG_NO_TRANS, n, hd, d, t->x, d, w1, hd, h, hd);
        if (masked)
            k->relu_mask(nh, h, hr, mask);
        else
            k->relu(nh, h, hr);
        k->matmul(SG_NO_TRANS, SG_NO_TRANS, n, o, hd, hr, hd, w2, o, yp, o);
        for (size_t i = 0; i < nh; i++)
            r->zeros += h[i] == 0.0f;
        /* Summed squared error in row-major order; g = 2·(y_pred − y) is exact given the difference. */
        float loss = 0.0f;
        for (size_t i = 0; i < no; i++) {
            const float diff = yp[i] - t->y[i];
            const float sq = diff * diff;
            loss = loss + sq;
            g[i] = 2.0f * diff;
        }
        r->loss[s] = loss;
        /* !(loss <= max) is also true for NaN. Going on would only compare NaN with NaN (which the
           comparison counts as equal) and report agreement about nothing. */
        if (!(loss <= SG_TRAIN_MAX_LOSS)) {
            r->diverged = true;
            r->steps = s + 1;
            break;
        }
        /* Backward: grad_w2 = h_reluᵀ·g, grad_h_relu = g·w2ᵀ, grad_h = relu'(h)·grad_h_relu,
           grad_w1 = xᵀ·grad_h. grad_h overwrites grad_h_relu (the kernel allows dx == dy). */
        k->matmul(SG_TRANS, SG_NO_TRANS, hd, o, n, hr, hd, g, o, gw2, o);
        k->matmul(SG_NO_TRANS, SG_TRANS, n, hd, o, g, o, w2, o, ghr, hd);
        if (masked)
            k->relu_grad_mask(nh, mask, hr, ghr, ghr, g0);
        else
            k->relu_grad(nh, h, ghr, ghr, g0);
        k->matmul(SG_TRANS, SG_NO_TRANS, d, hd, n, t->x, d, ghr, hd, gw1, hd);
        sgd_update(w1, gw1, scratch, dh, lr);
        sgd_update(w2, gw2, scratch, ho, lr);
    }
out:
    free(h);
    free(hr);
    free(ghr);
    free(mask);
    free(yp);
    free(g);
    free(gw1);
    free(gw2);
    free(scratch);
    return rc;
}

int sg_train_run(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr,
                 sg_train_result *r, char *err, size_t err_len)
{
    return run(k, t, g0, steps, lr, false, r, err, err_len);
}

int sg_train_run_masked(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr,
                        sg_train_result *r, char *err, size_t err_len)
{
    return run(k, t, g0, steps, lr, true, r, err, err_len);
}

void sg_train_result_free(sg_train_result *r)
{
    free(r->loss);
    free(r->w1);
    free(r->w2);
    memset(r, 0, sizeof *r);
}

bool sg_train_same_floats(const float *a, const float *b, size_t n, size_t *first_diff)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t ua, ub;
        memcpy(&ua, &a[i], 4);
        memcpy(&ub, &b[i], 4);
        const bool nan_a = a[i] != a[i], nan_b = b[i] != b[i];
        if (nan_a != nan_b || (!nan_a && ua != ub)) {
            if (first_diff)
                *first_diff = i;
            return false;
        }
    }
    if (first_diff)
        *first_diff = n;
    return true;
}

bool sg_train_same_loss(const sg_train_result *a, const sg_train_result *b, size_t *step)
{
    const size_t n = a->steps < b->steps ? a->steps : b->steps;
    size_t first;
    const bool same = sg_train_same_floats(a->loss, b->loss, n, &first) && a->steps == b->steps;
    if (step)
        *step = first;
    return same;
}

bool sg_train_same_weights(const sg_train_data *t, const sg_train_result *a, const sg_train_result *b)
{
    return sg_train_same_floats(a->w1, b->w1, t->d * t->h, NULL) &&
           sg_train_same_floats(a->w2, b->w2, t->h * t->o, NULL);
}
