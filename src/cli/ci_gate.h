/* What ci-check's deterministic modes share (ci_gate.c): --mode icount (instructions per call) and
 * --mode model (llvm-mca cycles per loop iteration) keep their baselines under results/baseline/,
 * write them atomically, refuse a measured case the baseline lacks, and flag growth above the
 * threshold with the same report, so the two gates cannot drift apart. */
#ifndef SG_CLI_CI_GATE_H
#define SG_CLI_CI_GATE_H

#include "cli/ci_baseline.h"

/* How a mode names itself and its values in the report. */
typedef struct sg_ci_gate {
    const char *mode;         /* "icount", "model": the prefix of every progress line */
    const char *unit;         /* the value columns: "Ir", "cycles" */
    int thousandths;          /* values are thousandths, printed with 3 decimals */
    const char *update_flags; /* how to record a new baseline: "--update-baseline" */
} sg_ci_gate;

/* results/baseline/<file>, from the working directory or the source tree above the build; with
   for_writing, in the first of those directories that exists. A static buffer. */
const char *sg_ci_default_baseline(const char *file, int for_writing);

/* Replaces path with text atomically (a temporary beside it, renamed); -1 after an error line. */
int sg_ci_write_baseline(const char *path, const char *text);

/* -1 after an error line when a measured case has no baseline value (a truncated baseline must not
   switch the gate off). */
int sg_ci_check_coverage(const sg_ci_gate *g, const char *baseline, const sg_icount_counts *base,
                         const sg_icount_counts *now);

/* Prints every change against the baseline, then the summary line; SG_EXIT_FAIL when a case grew by
   more than threshold %, else SG_EXIT_OK. */
int sg_ci_report(const sg_ci_gate *g, const char *baseline, const char *id, double threshold,
                 const sg_icount_counts *base, const sg_icount_counts *now);

#endif
