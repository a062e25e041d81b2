/* relu, relu_grad and matmul timed for every implementation (bench/impls.c) at the
 * cache-derived sizes and the training task's exact shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgb.h"

typedef enum { K_RELU, K_RELU_GRAD, K_MATMUL } kind;

typedef struct kctx {
    const sgb_meta *meta;
    const sgb_impl *impl;
    kind what;
    size_t n; /* relu, relu_grad */
    float g0; /* relu_grad */
    sg_trans ta, tb;
    size_t m, nn, k; /* matmul */
} kctx;

/* Per iteration the roofline time; as a rate that is the attained fraction of the roofline. */
static void roofline_counter(sgb_state *st, const kctx *c)
{
    const double r = sgb_roofline_seconds_of(c->meta, c->impl->peak);
    if (r > 0)
        sgb_counter_rate(st, "roofline", r);
}

static void run_elementwise(sgb_state *st, void *p)
{
    const kctx *c = p;
    float *arr[3];
    float *block = sgb_alloc_set(c->n, 3, arr);
    float *h = arr[0], *dy = arr[1], *out = arr[2];
    sgb_fill(h, c->n, 11, true);
    sgb_fill(dy, c->n, 12, false);
    sgb_fill(out, c->n, 13, false);
    const int64_t batch = sgb_batch_for((double)c->n);
    if (c->what == K_RELU) {
        while (sgb_keep_running_batch(st, batch))
            for (int64_t r = 0; r < batch; r++)
                c->impl->k.relu(c->n, h, out);
    } else {
        while (sgb_keep_running_batch(st, batch))
            for (int64_t r = 0; r < batch; r++)
                c->impl->k.relu_grad(c->n, h, dy, out, c->g0);
    }
    sgb_counter_rate(st, "bytes/s", c->meta->bytes);
    sgb_counter_rate(st, "elements/s", (double)c->n);
    roofline_counter(st, c);
    free(block);
}

static void run_matmul(sgb_state *st, void *p)
{
    const kctx *c = p;
    const size_t m = c->m, n = c->nn, k = c->k;
    const size_t lda = c->ta == SG_NO_TRANS ? k : m, ldb = c->tb == SG_NO_TRANS ? n : k;
    float *a = sgb_alloc(m * k), *b = sgb_alloc(k * n), *out = sgb_alloc(m * n);
    sgb_fill(a, m * k, 21, false);
    sgb_fill(b, k * n, 22, false);
    const int64_t batch = sgb_batch_for((double)m * (double)n * (double)k);
    while (sgb_keep_running_batch(st, batch))
        for (int64_t r = 0; r < batch; r++)
            c->impl->k.matmul(c->ta, c->tb, m, n, k, a, lda, b, ldb, out, n);
    sgb_counter_rate(st, "FLOP/s", c->meta->flops);
    sgb_counter_rate(st, "bytes/s", c->meta->bytes);
    sgb_counter_rate(st, "elements/s", (double)(m * n));
    roofline_counter(st, c);
    free(a);
    free(b);
    free(out);
}

static const char *form_name(sg_trans ta, sg_trans tb)
{
    static const char *const names[2][2] = {{"matmul_nn", "matmul_nt"}, {"matmul_tn", "matmul_tt"}};
    return names[ta][tb];
}

void sgb_add_matmul(const sgb_topo *t, const sgb_impl *impl, sg_trans ta, sg_trans tb, size_t m, size_t n,
                    size_t k)
{
    kctx *c = sgb_ctx_alloc(sizeof *c);
    char args[64];
    snprintf(args, sizeof args, "m:%zu/n:%zu/k:%zu", m, n, k);
    double bytes = 4.0 * ((double)m * k + (double)k * n + (double)m * n);
    c->meta = sgb_meta_add(form_name(ta, tb), impl->name, args, 2.0 * m * n * k, bytes,
                           sgb_level_of(t, (size_t)bytes), SGB_BW_ADD);
    c->impl = impl;
    c->what = K_MATMUL;
    c->ta = ta;
    c->tb = tb;
    c->m = m;
    c->nn = n;
    c->k = k;
    const char *names[] = {"m", "n", "k"};
    const int64_t values[] = {(int64_t)m, (int64_t)n, (int64_t)k};
    sgb_register_meta(c->meta, run_matmul, c, 3, names, values);
}

/* The training task's five products (forward H = X·W1, out = A·W2; backward dW2 = Aᵀ·dOut,
   dA = dOut·W2ᵀ, dW1 = Xᵀ·dH), then squares in the three forms the task uses. */
const sgb_shape sgb_train_shapes[] = {
    {SG_NO_TRANS, SG_NO_TRANS, 4, 30, 3}, {SG_NO_TRANS, SG_NO_TRANS, 4, 1, 30},
    {SG_TRANS, SG_NO_TRANS, 30, 1, 4},    {SG_NO_TRANS, SG_TRANS, 4, 30, 1},
    {SG_TRANS, SG_NO_TRANS, 3, 30, 4},
};
const size_t sgb_train_shape_count = sizeof sgb_train_shapes / sizeof sgb_train_shapes[0];

size_t sgb_matmul_shapes(bool quick, sgb_shape *out, size_t cap)
{
    size_t count = 0;
    for (size_t i = 0; i < sgb_train_shape_count && count < cap; i++)
        out[count++] = sgb_train_shapes[i];
    const size_t top = quick ? 128 : 1024;
    static const sg_trans forms[3][2] = {
        {SG_NO_TRANS, SG_NO_TRANS}, {SG_TRANS, SG_NO_TRANS}, {SG_NO_TRANS, SG_TRANS}};
    for (size_t s = 16; s <= top; s *= 2)
        for (int f = 0; f < 3 && count < cap; f++)
            out[count++] = (sgb_shape){forms[f][0], forms[f][1], s, s, s};
    return count;
}

void sgb_register_kernels(const sgb_topo *t, bool quick)
{
    const sgb_impl *impls;
    const size_t ni = sgb_impls(&impls);
    size_t ws[SGB_LEVELS];
    sgb_working_sets(t, ws);
    static const float g0s[] = {1.0f, 0.0f, 0.5f};
    static const char *const g0_names[] = {"1", "0", "0.5"};
    const int levels = quick ? SGB_L2 + 1 : SGB_LEVELS;

    for (int l = 0; l < levels; l++)
        for (size_t i = 0; i < ni; i++) {
            kctx *c = sgb_ctx_alloc(sizeof *c);
            char args[32];
            c->impl = &impls[i];
            c->what = K_RELU;
            c->n = sgb_elems_for(ws[l], 2);
            snprintf(args, sizeof args, "n:%zu", c->n);
            c->meta = sgb_meta_add("relu", impls[i].name, args, 0, 8.0 * c->n, l, SGB_BW_COPY);
            const char *names[] = {"n"};
            const int64_t values[] = {(int64_t)c->n};
            sgb_register_meta(c->meta, run_elementwise, c, 1, names, values);
        }
    for (int g = 0; g < 3; g++)
        for (int l = 0; l < levels; l++)
            for (size_t i = 0; i < ni; i++) {
                kctx *c = sgb_ctx_alloc(sizeof *c);
                char impl[48], args[32];
                c->impl = &impls[i];
                c->what = K_RELU_GRAD;
                c->g0 = g0s[g];
                c->n = sgb_elems_for(ws[l], 3);
                /* g0 is not an integer, so it belongs to the family name: relu_grad/avx2/g0:0.5/n:… */
                snprintf(impl, sizeof impl, "%s/g0:%s", impls[i].name, g0_names[g]);
                snprintf(args, sizeof args, "n:%zu", c->n);
                sgb_meta *m = sgb_meta_add("relu_grad", impl, args, 0, 12.0 * c->n, l, SGB_BW_ADD);
                /* Group by g0 and size; the implementation alone is the column. */
                snprintf(m->impl, sizeof m->impl, "%s", impls[i].name);
                snprintf(m->group, sizeof m->group, "relu_grad/g0:%s/%s", g0_names[g], args);
                c->meta = m;
                const char *names[] = {"n"};
                const int64_t values[] = {(int64_t)c->n};
                sgb_register_meta(c->meta, run_elementwise, c, 1, names, values);
            }
    sgb_shape shapes[64];
    const size_t ns = sgb_matmul_shapes(quick, shapes, 64);
    for (size_t s = 0; s < ns; s++)
        for (size_t i = 0; i < ni; i++)
            sgb_add_matmul(t, &impls[i], shapes[s].ta, shapes[s].tb, shapes[s].m, shapes[s].n, shapes[s].k);
}
