/* ci-check's JSON files, read and written with json-c: the instruction-count baseline
 * (results/baseline/icount-<compiler>.json), Google Benchmark runs (time-mode baselines and
 * contenders) and compare.py's difference report. Everything that parses a file lives here and
 * neither prints nor exits (out of memory aside), so the JSON fuzz target (tests/fuzz/fuzz_json.c)
 * can drive it: each function returns 0, or -1 with a one-line reason in err that the caller
 * prefixes with its command's name. */
#ifndef SG_CLI_CI_BASELINE_H
#define SG_CLI_CI_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Larger files are refused before reading: the biggest real one, a full `simdgrad bench` run, is
   about 1.5 MB. */
#define SG_JSON_MAX_BYTES (64u << 20)

/* Parses text[0..len) as exactly one JSON value: json-c in strict mode (no comments, trailing
   commas or garbage), UTF-8 checked, plus NaN/Infinity, which Google Benchmark and Python write.
   NULL with the reason (and the line) in err. Release the result with json_object_put. */
json_object *sg_json_parse(const char *text, size_t len, char *err, size_t err_len);

/* Reads path (a regular file of at most SG_JSON_MAX_BYTES) and parses it; what names the file in
   err ("baseline", "--contender", ...). */
json_object *sg_json_load(const char *path, const char *what, char *err, size_t err_len);

/* The reverse: v as the whole file's text (two-space indent, "/" not escaped, final newline), in
   malloc'ed memory; NULL only when out of memory. */
char *sg_json_text(json_object *v);

/* Instruction counts per call, in file (or measurement) order. */
typedef struct sg_icount_counts {
    size_t n;
    char **names;
    uint64_t *ir;
} sg_icount_counts;

void sg_icount_counts_add(sg_icount_counts *c, const char *name, uint64_t ir);
long sg_icount_counts_find(const sg_icount_counts *c, const char *name); /* -1: absent */
void sg_icount_counts_free(sg_icount_counts *c);

/* A simdgrad-icount-1 baseline: the identity of the build that recorded it and its counts. */
typedef struct sg_icount_baseline {
    char *compiler, *buildtype, *cpu_family; /* malloc'ed */
    uint64_t calls_per_case;
    sg_icount_counts counts;
} sg_icount_baseline;

/* Checks that root is a simdgrad-icount-1 baseline with at least one count, every count a
   non-negative integer that fits uint64 (not a string, fraction, NaN, exponent or object), and
   fills *out (sg_icount_baseline_free it, also after a failure). path only names the file in err. */
int sg_icount_baseline_parse(json_object *root, const char *path, sg_icount_baseline *out, char *err,
                             size_t err_len);
void sg_icount_baseline_free(sg_icount_baseline *b);

/* The baseline file's text, counts sorted by name so that `git diff` of an update shows only what
   changed; NULL only when out of memory. Names may hold any character: json-c escapes them. */
char *sg_icount_baseline_text(const sg_icount_baseline *b);

/* A simdgrad-model/1 file (`simdgrad model --json`, results/baseline/model-llvm-<major>.json): the
   llvm-mca release, the compiler of each architecture's objects, the cores and kernels the run
   selected, and the cycles per loop iteration per "<kernel>@<core>". Cycles are kept as thousandths
   (the tool rounds them to 3 decimals), so the icount gate's integer comparison applies unchanged. */
typedef struct sg_model_baseline {
    char *llvm_mca;                  /* "16.0.6" (malloc'ed) */
    unsigned llvm_major;             /* 16 */
    sg_icount_counts compilers;      /* names: architecture, ir: index into compiler_names */
    char **compiler_names;           /* per entry of compilers */
    sg_icount_counts cores, kernels; /* the selection (ir unused) */
    sg_icount_counts millicycles;    /* "<kernel>@<core>" -> cycles per iteration x 1000 */
} sg_model_baseline;

/* Checks that root is a simdgrad-model/1 file with a version "major.minor.patch" in "llvm_mca",
   string "compilers", "cores" and "kernels" objects, and a non-empty "cycles_per_iteration" object
   whose values are finite numbers in (0, 1e6] named "<kernel>@<core>" of those; fills *out
   (sg_model_baseline_free it, also after a failure). what names the file in err. */
int sg_model_baseline_parse(json_object *root, const char *what, sg_model_baseline *out, char *err,
                            size_t err_len);
void sg_model_baseline_free(sg_model_baseline *b);

/* Checks that root is a Google Benchmark JSON run as compare.py reads it: an object with a
   "context" object and a non-empty "benchmarks" array of objects, each with a non-empty string
   "name", finite non-negative numbers "real_time" and "cpu_time", a "time_unit" of ns/us/ms/s,
   and, where present, a string "run_type"/"aggregate_name"/"label" and integer indices. Anything
   else would make compare.py stop with a Python traceback. */
int sg_gbench_validate(json_object *root, const char *path, char *err, size_t err_len);

/* 0 when the two runs' contexts agree on the fields that make wall-clock times comparable (CPU
   model, core count, caches, ISAs, compiler, build flags); otherwise -1, err naming every field
   that differs and the first one's two values. Fields absent from both runs are not compared. */
int sg_gbench_context_diff(json_object *base, json_object *contender, char *err, size_t err_len);

/* One benchmark of compare.py's difference report (its -d output), as the gate needs it. */
typedef struct sg_time_row {
    const char *name; /* points into the report */
    double change;    /* median change as a fraction (+0.05 = 5% slower); NaN: no _median row */
    double pvalue;    /* U test p-value; NaN: no U test */
} sg_time_row;

/* The per-benchmark rows of compare.py's report (aggregate rows skipped; their _median row gives
   the change), cpu selecting CPU time over real time. *rows is malloc'ed (free it; it points into
   report, so keep report alive). -1 with err when report is not a list of objects with names. */
int sg_compare_report_rows(json_object *report, int cpu, sg_time_row **rows, size_t *n, char *err,
                           size_t err_len);

#endif
