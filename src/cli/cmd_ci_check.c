/* simdgrad ci-check: the performance-regression gate. This file parses the flags; the modes live in
 * ci_icount.c (--mode icount, the default: exact instruction counts under callgrind against
 * results/baseline/icount-<compiler>.json), ci_model.c (--mode model: llvm-mca cycles per iteration
 * of the kernels' inner loops against results/baseline/model-llvm-<major>.json) and ci_time.c
 * (--mode time: Google Benchmark repetitions gated on the median change AND compare.py's U test).
 * Exit codes: 0 no regression, 1 regression, 2 cannot compare (usage, missing tools/baseline,
 * baseline from another compiler/build type or machine, damaged files). Usage and gates: README.md,
 * "Performance regressions in CI"; which file does what: docs/ci-check-code.md. */
#include <math.h>
#include <string.h>

#include "cli/args.h"
#include "cli/ci_check.h"
#include "cli/cli.h"
#include "sg_config.h"

#define CMD SG_CI_CMD

#if !SIMDGRAD_HAVE_JSONC
/* Cross builds without a target json-c (meson.build): the flags are still parsed (and fuzzed), but
   neither mode can run, and the one line says what there is instead. */
static int no_ci_check(void)
{
    return sg_cli_error(CMD, "not available in this build (configured without json-c, as cross builds are): "
                             "the gate runs on a native build; for emulated ARM instruction counts use "
                             "cross/qemu-icount.sh");
}
int sg_ci_icount_mode(const char *baseline_opt, double threshold, int update, const char *driver,
                      unsigned reps)
{
    (void)baseline_opt, (void)threshold, (void)update, (void)driver, (void)reps;
    return no_ci_check();
}
int sg_ci_model_mode(const char *baseline_opt, double threshold, int update, const char *cpus,
                     const char *kernel_rx)
{
    (void)baseline_opt, (void)threshold, (void)update, (void)cpus, (void)kernel_rx;
    return no_ci_check();
}
int sg_ci_time_mode(const char *baseline, double threshold, double alpha, int update, const char *bench,
                    const char *contender_opt, const char *filter, unsigned repetitions,
                    const char *compare_opt, int use_cpu, int quiet)
{
    (void)baseline, (void)threshold, (void)alpha, (void)update, (void)bench, (void)contender_opt;
    (void)filter, (void)repetitions, (void)compare_opt, (void)use_cpu, (void)quiet;
    return no_ci_check();
}
#endif

/* The measuring modes refuse a build whose kernels stand in for another ISA's (-Davx512_emulation):
   its counts and times are SIMDe's, and a baseline updated from them would gate the wrong code. */
static int refuse_emulated(void)
{
    for (int i = 0; i < SG_ISA_COUNT; i++)
        if (sg_isa_emulated((sg_isa)i))
            return sg_cli_error(CMD, "not in this build: %s is %s", sg_isa_name((sg_isa)i),
                                sg_isa_emulated((sg_isa)i));
    return SG_EXIT_OK;
}

static int check_range(const char *flag, double v, double lo, double hi, bool whole)
{
    if (!(v >= lo && v <= hi) || (whole && v != floor(v)))
        return sg_cli_error(CMD, "%s wants a %s in [%g, %g], got %g", flag, whole ? "whole number" : "number",
                            lo, hi, v),
               -1;
    return 0;
}

int sg_cmd_ci_check(int argc, char **argv)
{
    const char *mode = "icount", *baseline = NULL, *driver = NULL, *bench = NULL, *contender = NULL,
               *filter = NULL, *compare = NULL, *metric = "real", *cpus = NULL, *kernel = NULL;
    double threshold = -1, alpha = 0.05, reps = 3, repetitions = 10;
    bool update = false, quiet = false;
    sg_arg args[] = {
        {"--mode", SG_ARG_STRING, &mode,
         "icount|model|time  instruction counts (default), llvm-mca cycle estimates or wall clock", false},
        {"--baseline", SG_ARG_STRING, &baseline,
         "FILE  baseline to compare against / to write (default for icount: "
         "results/baseline/icount-<compiler>-<version>.json; model: "
         "results/baseline/model-llvm-<major>.json; "
         "time: required)",
         false},
        {"--threshold", SG_ARG_DOUBLE, &threshold,
         "PCT  allowed growth (default 2 for icount and model, 5 for time)", false},
        {"--update-baseline", SG_ARG_FLAG, &update, "measure and atomically replace the baseline", false},
        {"--reps", SG_ARG_DOUBLE, &reps, "N  icount: calls per case (default 3; counts are per call)", false},
        {"--driver", SG_ARG_STRING, &driver,
         "PATH  icount: simdgrad-icount (default: beside simdgrad or ../perf)", false},
        {"--contender", SG_ARG_STRING, &contender, "FILE  time: compare this saved run instead of running",
         false},
        {"--bench", SG_ARG_STRING, &bench,
         "PATH  time: simdgrad-bench (default: beside simdgrad or ../bench)", false},
        {"--filter", SG_ARG_STRING, &filter, "REGEX  time: --benchmark_filter for the run", false},
        {"--repetitions", SG_ARG_DOUBLE, &repetitions, "N  time: repetitions per benchmark (default 10)",
         false},
        {"--alpha", SG_ARG_DOUBLE, &alpha, "P  time: U-test significance level (default 0.05)", false},
        {"--metric", SG_ARG_STRING, &metric, "real|cpu  time: gate on real (default) or CPU time", false},
        {"--cpu", SG_ARG_STRING, &cpus, "NAME,...  model: the cores to compare (default: the baseline's)",
         false},
        {"--kernel", SG_ARG_STRING, &kernel, "REGEX  model: the kernels to compare (default: all)", false},
        {"--compare-py", SG_ARG_STRING, &compare,
         "PATH  time: Google Benchmark's compare.py (default /usr/share/benchmark/compare.py)", false},
        {"--quiet", SG_ARG_FLAG, &quiet,
         "time: no progress line for the benchmark run (shown only when stderr is a terminal)", false},
    };
    const int pr =
        sg_args_parse(CMD, argc, argv, args, sizeof args / sizeof args[0],
                      "Performance-regression gate: instruction counts under callgrind (scalar, auto_avx2,\n"
                      "avx2; valgrind hides AVX-512), llvm-mca cycle estimates of the kernels' inner loops\n"
                      "(AVX-512, AVX2, NEON, SVE) or wall clock with compare.py's U test.\n"
                      "Exit: 0 no regression, 1 regression, 2 cannot compare (usage, tools, baseline).");
    if (pr == SG_ARGS_HELP)
        return SG_EXIT_OK;
    if (pr != SG_ARGS_OK)
        return SG_EXIT_USAGE;
    if (args[2].seen && check_range("--threshold", threshold, 0, 1e6, false))
        return SG_EXIT_USAGE;
    if (check_range("--alpha", alpha, 1e-12, 1, false) || check_range("--reps", reps, 1, 1000, true) ||
        check_range("--repetitions", repetitions, 1, 10000, true))
        return SG_EXIT_USAGE;
    const bool time_flags = contender || bench || filter || compare || strcmp(metric, "real");
    if (strcmp(mode, "model") && (cpus || kernel))
        return sg_cli_error(CMD, "--cpu/--kernel are for --mode model");
    if (!strcmp(mode, "model")) {
        if (time_flags)
            return sg_cli_error(CMD,
                                "--contender/--bench/--filter/--compare-py/--metric are for --mode time");
        if (driver || args[4].seen)
            return sg_cli_error(CMD, "--driver/--reps are for --mode icount");
        if (sg_cli_validate_only)
            return SG_EXIT_OK;
        return sg_ci_model_mode(baseline, threshold < 0 ? 2.0 : threshold, update, cpus, kernel);
    }
    if (!strcmp(mode, "icount")) {
        if (time_flags)
            return sg_cli_error(CMD,
                                "--contender/--bench/--filter/--compare-py/--metric are for --mode time");
        if (sg_cli_validate_only)
            return SG_EXIT_OK;
        if (refuse_emulated() != SG_EXIT_OK)
            return SG_EXIT_USAGE;
        return sg_ci_icount_mode(baseline, threshold < 0 ? 2.0 : threshold, update, driver, (unsigned)reps);
    }
    if (!strcmp(mode, "time")) {
        if (driver)
            return sg_cli_error(CMD, "--driver is for --mode icount");
        if (strcmp(metric, "real") && strcmp(metric, "cpu"))
            return sg_cli_error(CMD, "--metric must be real or cpu, got '%s'", metric);
        if (sg_cli_validate_only)
            return SG_EXIT_OK;
        if (refuse_emulated() != SG_EXIT_OK)
            return SG_EXIT_USAGE;
        return sg_ci_time_mode(baseline, threshold < 0 ? 5.0 : threshold, alpha, update, bench, contender,
                               filter, (unsigned)repetitions, compare, !strcmp(metric, "cpu"), quiet);
    }
    return sg_cli_error(CMD, "--mode must be icount, model or time, got '%s'", mode);
}
