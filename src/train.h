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

/* Emulated precision of the matmul operands: with bf16/fp16 both operands of every matmul (weights and
   activations, forward and backward) go through the ISA's round_bf16/round_fp16 kernel before the
   product; accumulation, the loss, the gradients' other arithmetic and the weights themselves stay f32
   (master weights), so every ISA still computes bit-identical runs. */
typedef enum sg_precision { SG_PREC_F32, SG_PREC_BF16, SG_PREC_FP16, SG_PREC_COUNT } sg_precision;
const char *sg_precision_name(sg_precision p);               /* "f32", "bf16", "fp16" */
int sg_precision_parse(const char *name, sg_precision *out); /* 0, or -1 for an unknown name */

/* How a run diverged numerically (the loss is checked every step, the weights after every update). */
typedef enum sg_train_blowup {
    SG_BLOWUP_NONE,
    SG_BLOWUP_NAN,   /* the loss or a weight became NaN */
    SG_BLOWUP_INF,   /* the loss or a weight became ±inf */
    SG_BLOWUP_BOUND, /* the loss exceeded SG_TRAIN_MAX_LOSS while still finite */
} sg_train_blowup;
const char *sg_train_blowup_name(sg_train_blowup b); /* "ok", "nan", "inf", "bound" */

/* A step that never happened (first_zero, first_effective when there was none). */
#define SG_TRAIN_NEVER SIZE_MAX

typedef struct sg_train_result {
    size_t steps;
    float *loss;    /* loss of step s's forward pass, before its update */
    float *w1, *w2; /* weights after the last update */
    uint64_t zeros; /* entries of h that were exactly ±0, summed over all steps */
    bool diverged;  /* the run diverged numerically at step steps-1 (the last one run): see blowup */
    /* The facts the study reports, observed during the run (identical on every ISA): */
    uint64_t effective_zeros;           /* of those zeros, the ones whose upstream gradient (grad_h_relu) was
                                           non-zero: only there does ReLU'(0) change grad_h, hence the update */
    size_t first_zero, first_effective; /* the first step with such an entry, or SG_TRAIN_NEVER */
    sg_train_blowup blowup;             /* SG_BLOWUP_NONE unless diverged */
    /* updates[s] (s < n_updates): a 64-bit digest of w1 and w2 after step s's update, so that two runs
       from the same start locate the first update at which they differ (sg_train_first_update_diff). */
    uint64_t *updates;
    size_t n_updates;
} sg_train_result;

/* How to train: the four knobs of a run. */
typedef struct sg_train_opts {
    float g0; /* ReLU'(0) */
    size_t steps;
    float lr;
    bool masked;            /* the stored-mask backward pass (relu_mask / relu_grad_mask) */
    sg_precision precision; /* operand rounding of the matmuls */
    /* Called every 64 steps with the steps done, for a progress line; it must not touch the run.
       NULL: none. */
    void (*progress)(void *user, size_t steps_done);
    void *progress_user;
    bool unfused; /* the seven kernel calls per step even where the table has its own train_step */
    /* No per-step update digests (updates/n_updates stay empty, sg_train_first_update_diff has nothing
       to compare): for timing the step itself (bench), where the digest (~650 instructions a step)
       would cost as much as a fused step. Weights that become inf or NaN are still detected. */
    bool no_digests;
} sg_train_opts;

/* 0 when the sizes are non-zero and one run fits SG_TRAIN_MAX_BYTES, else -1 with a reason. */
int sg_train_check_sizes(size_t n, size_t d, size_t h, size_t o, size_t steps, char *err, size_t err_len);
/* The same for `runs` runs whose results (final weights, loss curve) are all kept. */
int sg_train_check_runs(size_t n, size_t d, size_t h, size_t o, size_t steps, size_t runs, char *err,
                        size_t err_len);

/* The same, where rounded says whether the runs use reduced precision (sg_train_opts.precision not
   f32), which needs a rounded copy of every matmul operand. */
int sg_train_check_plan(size_t n, size_t d, size_t h, size_t o, size_t steps, size_t runs, bool rounded,
                        char *err, size_t err_len);

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
/* sg_train_run hands each step to the table's own train_step (one call: the seven kernel calls and the
   update, fused for the task's shape on ISAs that have a fused path) when the table has one and the step
   is small (its scratch, SG_TRAIN_STEP_WORK, at most SG_TRAIN_FUSED_MAX_WORK floats) and the run is plain
   f32, else makes the seven calls itself; sg_train_run_unfused (sg_train_opts.unfused) always makes the
   calls. The results, facts included, are bit-identical. */
#define SG_TRAIN_FUSED_MAX_WORK 16384 /* floats of train_step scratch (64 KiB) up to which runs use it */
/* Steps per weight check of a fused run without digests (sg_train_opts.no_digests); divides 64, the
   progress period, so a progress report always follows a passed check. */
#define SG_TRAIN_CHECK_EVERY 32
int sg_train_run_unfused(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr,
                         sg_train_result *r, char *err, size_t err_len);
/* The same with the stored-mask backward pass (always the separate calls): the forward relu_mask records a
   2-bit code per element and relu_grad_mask reads it (and h_relu) instead of h. Bit-identical to
   sg_train_run. */
int sg_train_run_masked(const sg_kernels *k, const sg_train_data *t, float g0, size_t steps, float lr,
                        sg_train_result *r, char *err, size_t err_len);
/* The general form: both of the above are this with precision f32. */
int sg_train_run_opts(const sg_kernels *k, const sg_train_data *t, const sg_train_opts *o, sg_train_result *r,
                      char *err, size_t err_len);
void sg_train_result_free(sg_train_result *r);

/* Bit-for-bit comparison (all NaNs equal). sg_train_same_loss gives the first differing step
   in *step (or steps when equal); sg_train_same_weights compares both final weight matrices. */
bool sg_train_same_floats(const float *a, const float *b, size_t n, size_t *first_diff);
bool sg_train_same_loss(const sg_train_result *a, const sg_train_result *b, size_t *step);
bool sg_train_same_weights(const sg_train_data *t, const sg_train_result *a, const sg_train_result *b);
/* The first step whose update differs between two runs from the same start (their weight digests
   differ), or SG_TRAIN_NEVER when every common update agrees. */
size_t sg_train_first_update_diff(const sg_train_result *a, const sg_train_result *b);
/* Size of the difference between two runs: the largest |La-Lb| / max(|La|,|Lb|) over their common
   steps (0 where both are 0; NaN-free runs only make sense here), and the Euclidean distance between
   the final weights (w1 and w2 as one vector), both in double. */
double sg_train_max_rel_loss_gap(const sg_train_result *a, const sg_train_result *b);
double sg_train_weight_distance(const sg_train_data *t, const sg_train_result *a, const sg_train_result *b);

#endif
