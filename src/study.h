/* The study behind `simdgrad study`: does ReLU'(0) change training? For every seed and precision the
 * built-in task is trained from one start with ReLU'(0) = 1, 0 and 0.5 (sg_train_run_opts), and the
 * runs' facts and differences are recorded; a summary per precision says how often the conventions
 * diverge. Seeds are split across worker threads, each result goes to its seed's slot, so the results
 * (and the CSV) are the same for any thread count; the kernels' contract makes them the same on every
 * ISA. Built with -ffp-contract=off like train.c: the gaps and the summary round identically
 * everywhere. */
#ifndef SG_STUDY_H
#define SG_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "train.h"

#define SG_STUDY_CONV 3 /* ReLU'(0) = 1 (the reference), 0, 0.5 */
/* Every seed's results are kept (about 800 bytes per seed at three precisions) and the JSON is built in
   memory: 100,000 seeds stay well under a few hundred MB. */
#define SG_STUDY_MAX_SEEDS   ((size_t)100000)
#define SG_STUDY_MAX_THREADS 256
/* The built-in task's sizes (train's defaults): random N=4, 2 inputs (+bias), H=30, 1 output; xor H=30. */
#define SG_STUDY_N      4
#define SG_STUDY_D_IN   2
#define SG_STUDY_HIDDEN 30

extern const float sg_study_g0[SG_STUDY_CONV];

typedef struct sg_study_cfg {
    uint64_t seed0; /* seeds seed0 .. seed0 + n_seeds - 1 */
    size_t n_seeds, steps;
    bool xor ; /* --data xor, else random */
    float lr;
    sg_precision prec[SG_PREC_COUNT];
    int n_prec;
    const sg_kernels *k;
    unsigned threads;
    bool pin; /* pin worker i to core i (hwloc) */
    /* Called on the caller's thread (never a worker's) about every 10 ms while the workers run, with
       the seeds finished so far; NULL for none. The study's own work is unaffected. */
    void (*progress)(void *user, size_t seeds_done, size_t seeds);
    void *progress_user;
} sg_study_cfg;

/* One run (seed × precision × convention). */
typedef struct sg_study_facts {
    uint64_t zeros, effective_zeros;
    size_t first_zero, first_effective; /* SG_TRAIN_NEVER when none */
    size_t steps_run;                   /* steps, or fewer when it diverged numerically */
    float final_loss;                   /* the last step's loss */
    sg_train_blowup blowup;
    double loss_gap, weight_dist; /* against ReLU'(0) = 1 on the same seed and precision */
} sg_study_facts;

/* One seed at one precision: its three runs and how they compare. */
typedef struct sg_study_cell {
    sg_study_facts run[SG_STUDY_CONV];
    bool identical;    /* loss curves, final weights and every update bit-identical */
    size_t first_diff; /* first step whose update differs between any two conventions; SG_TRAIN_NEVER */
    double max_loss_gap, max_weight_dist, max_dloss; /* over the three pairs; max_dloss = |Δ final loss| */
    bool numerical;                                  /* some run diverged numerically (NaN/inf, loss bound) */
} sg_study_cell;

typedef struct sg_study {
    sg_study_cfg cfg;
    sg_study_cell *cells; /* [seed index * n_prec + precision index] */
    double seconds;       /* wall time of the runs */
    char pinning[160];    /* "cores 0, 1 (hwloc)" or why not */
} sg_study;

/* Validates cfg (seeds, steps, threads, memory) without running: 0, or -1 with a reason. */
int sg_study_check(const sg_study_cfg *cfg, char *err, size_t err_len);
/* Runs the study. 0, or -1 (out of memory, thread creation) with a reason. Free with sg_study_free. */
int sg_study_run(sg_study *s, const sg_study_cfg *cfg, char *err, size_t err_len);
void sg_study_free(sg_study *s);

/* The summary of one precision (index p into cfg.prec). */
typedef struct sg_study_summary {
    size_t seeds, diverging, numerical, effective_seeds;
    double fraction, ci_lo, ci_hi; /* diverging / seeds, Wilson score interval at 95% */
    size_t q[5];                   /* first-divergence step: min, Q1, median, Q3, max (nearest rank) */
    double mean_dloss, max_dloss;  /* |Δ final loss| over the diverging seeds without numerical divergence */
    double median_rel_dloss;       /* median of |Δ final loss| / the largest final loss, same seeds */
    double max_loss_gap;           /* largest relative loss gap of any seed (any step) */
} sg_study_summary;
void sg_study_summarize(const sg_study *s, int p, sg_study_summary *out);
/* Wilson score interval for k successes in n trials at z (1.959964 for 95%). */
void sg_study_wilson(size_t k, size_t n, double z, double *lo, double *hi);

/* The per-run CSV (one row per seed × precision × convention, header first) and the table. The CSV
   holds results only (no timing, ISA or thread count), so it is byte-identical wherever it is made. */
void sg_study_write_csv(FILE *fp, const sg_study *s);
void sg_study_write_table(FILE *fp, const sg_study *s);

#endif
