/* simdgrad ci-check's modes, one file each (ci_icount.c, ci_model.c, ci_time.c); cmd_ci_check.c parses
 * the flags and calls one of them. Each returns an SG_EXIT_* code and reports problems as
 * "simdgrad ci-check: ..." on stderr. What the deterministic modes share: ci_gate.h. */
#ifndef SG_CLI_CI_CHECK_H
#define SG_CLI_CI_CHECK_H

/* The subcommand's name in every message. */
#define SG_CI_CMD "ci-check"

/* Instruction counts under callgrind against baseline_opt (NULL: results/baseline/icount-<compiler>.json),
   or with update, measure and atomically replace that baseline. */
int sg_ci_icount_mode(const char *baseline_opt, double threshold, int update, const char *driver,
                      unsigned reps);

/* llvm-mca cycles per loop iteration of each kernel x core (tools/model/simdgrad_model.py) against
   baseline_opt (NULL: results/baseline/model-llvm-<major of the llvm-mca used>.json), or with update,
   run the model for every core and kernel and atomically replace that baseline. cpus / kernel_rx
   (NULL: all) narrow the cores and kernels compared; they are refused with update. */
int sg_ci_model_mode(const char *baseline_opt, double threshold, int update, const char *cpus,
                     const char *kernel_rx);

/* Checks that --update-baseline can write path (creates and removes a temporary file beside it);
   -1 after an error line naming the flag. */
int sg_ci_probe_output(const char *path);

/* Wall clock: runs simdgrad-bench (or takes contender_opt) and gates compare.py's output on the median
   change AND the U test; with update, the run atomically replaces baseline. The benchmark's progress
   line is shown on our stderr when it is a terminal, unless quiet. */
int sg_ci_time_mode(const char *baseline, double threshold, double alpha, int update, const char *bench,
                    const char *contender_opt, const char *filter, unsigned repetitions,
                    const char *compare_opt, int use_cpu, int quiet);

#endif
