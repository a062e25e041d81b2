/* simdgrad ci-check's two modes, one file each (ci_icount.c, ci_time.c); cmd_ci_check.c parses the
 * flags and calls one of them. Both return an SG_EXIT_* code and report problems as
 * "simdgrad ci-check: ..." on stderr. */
#ifndef SG_CLI_CI_CHECK_H
#define SG_CLI_CI_CHECK_H

/* The subcommand's name in every message. */
#define SG_CI_CMD "ci-check"

/* Instruction counts under callgrind against baseline_opt (NULL: results/baseline/icount-<compiler>.json),
   or with update, measure and atomically replace that baseline. */
int sg_ci_icount_mode(const char *baseline_opt, double threshold, int update, const char *driver,
                      unsigned reps);

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
