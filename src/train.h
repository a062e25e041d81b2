/* The training task: a two-layer ReLU network (x·w1 -> relu -> ·w2, summed squared error),
 * trained by plain gradient descent with every matmul/relu/relu_grad going through one ISA's
 * kernel table, so that runs on different ISAs and ReLU'(0) conventions can be compared bit
 * for bit. Everything that is not a kernel (loss, its gradient, the update) is plain C compiled
 * with -ffp-contract=off, identical for every ISA. */
#ifndef SG_TRAIN_H
#define SG_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simdgrad.h"

/* Limits checked before allocating: one run's buffers plus the kept results of the others, and the
   number of steps. */
#define SG_TRAIN_MAX_BYTES ((size_t)1 << 30)
#define SG_TRAIN_MAX_STEPS ((size_t)10000000)
/* A run whose loss is NaN, ±inf or above this has diverged: it stops at that step. Far beyond any
   loss of a converging run, and well below FLT_MAX, so the overflow to inf is seen coming. */
#define SG_TRAIN_MAX_LOSS 1e30f

/* x is n×d (d counts the bias column when there is one), y n×o, w1 d×h, w2 h×o, row-major. */
typedef struct sg_train_data {
    size_t n, d, h, o;
    float *x, *y, *w1, *w2;
} sg_train_data;

typedef struct sg_train_result {
    size_t steps;
    float *loss;    /* loss of step s's forward pass, before its update */
    float *w1, *w2; /* weights after the last update */
    uint64_t zeros; /* entries of h that were exactly ±0, summed over all steps */
    bool diverged;  /* the loss of step steps-1 (the last one run) was NaN, inf or > SG_TRAIN_MAX_LOSS */
} sg_train_result;

/* 0 when the sizes are non-zero and one run fits SG_TRAIN_MAX_BYTES, else -1 with a reason. */
int sg_train_check_sizes(size_t n, size_t d, size_t h, size_t o, size_t steps, char *err, size_t err_len);
/* The same for `runs` runs whose results (final weights, loss curve) are all kept. */
int sg_train_check_runs(size_t n, size_t d, size_t h, size_t o, size_t steps, size_t runs, char *err,
                        size_t err_len);

/* Allocates the four arrays for the given sizes (after sg_train_check_sizes). */
int sg_train_alloc(sg_train_data *t, size_t n, size_t d, size_t h, size_t o, char *err, size_t err_len);
void sg_train_data_free(sg_train_data *t);

/* Built-in data from sg_rng (rng.h) with the given seed, drawn in the order x, y, w1, w2, each
   row-major; x gets a bias column of ones appended (so d = d_in + 1).
   random: x, y, w1, w2 standard normal. xor: x = the four XOR points, y = XOR; w1, w2 normal. */
int sg_train_random(sg_train_data *t, size_t n, size_t d_in, size_t h, size_t o, uint64_t seed, char *err,
                    size_t err_len);
int sg_train_xor(sg_train_data *t, size_t h, uint64_t seed, char *err, size_t err_len);

/* Trains a copy of t's weights for `steps` steps with learning rate lr and ReLU'(0) = g0, or
   until the loss diverges (r->diverged; r->steps then counts the steps run, the last one being the
   diverged loss). Returns 0, or -1 (out of memory) with a reason. Free the result with sg_train_result_free.
 */
int sg_train_run(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr,
                 sg_train_result *r, char *err, size_t err_len);
/* The same with the stored-mask backward pass: the forward relu_mask records a 2-bit code per
   element and relu_grad_mask reads it (and h_relu) instead of h. Bit-identical to sg_train_run. */
int sg_train_run_masked(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr,
                        sg_train_result *r, char *err, size_t err_len);
void sg_train_result_free(sg_train_result *r);

/* Bit-for-bit comparison (all NaNs equal). sg_train_same_loss gives the first differing step
   in *step (or steps when equal); sg_train_same_weights compares both final weight matrices. */
bool sg_train_same_floats(const float *a, const float *b, size_t n, size_t *first_diff);
bool sg_train_same_loss(const sg_train_result *a, const sg_train_result *b, size_t *step);
bool sg_train_same_weights(const sg_train_data *t, const sg_train_result *a, const sg_train_result *b);

#endif
