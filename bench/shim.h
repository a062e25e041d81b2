/* A C face for Google Benchmark (bench/shim.cc is the only C++ in the project).
 *
 * The benchmarks themselves are C: they register a callback with a context pointer and
 * integer arguments, run the timed loop in batches, and publish per-iteration amounts that
 * the framework turns into rates. sgb_run() also hands every finished run back to C so the
 * summary can be computed from the very same measurements that land in the JSON. */
#ifndef SGB_SHIM_H
#define SGB_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgb_state sgb_state; /* benchmark::State */
typedef struct sgb_bench sgb_bench; /* benchmark::internal::Benchmark */
typedef void (*sgb_fn)(sgb_state *st, void *ctx);

/* Registration (before sgb_run). The name is the
   family name, e.g. "relu/avx2"; integer arguments append "/<name>:<value>" exactly as Google Benchmark
   spells them. */
sgb_bench *sgb_register(const char *name, sgb_fn fn, void *ctx);
void sgb_args(sgb_bench *b, int count, const char *const *names, const int64_t *values);
void sgb_use_manual_time(sgb_bench *b);
void sgb_repetitions(sgb_bench *b, int n); /* overrides --benchmark_repetitions for b */

/* Inside a callback. */
int64_t sgb_range(sgb_state *st, int index);
bool sgb_keep_running_batch(sgb_state *st, int64_t n);
void sgb_pause(sgb_state *st);
void sgb_resume(sgb_state *st);
void sgb_set_iteration_time(sgb_state *st, double seconds); /* with sgb_use_manual_time */
/* A counter reported as amount-per-iteration × iterations / seconds (e.g. "FLOP/s"). */
void sgb_counter_rate(sgb_state *st, const char *name, double per_iteration);
/* A counter computed like a rate (per_iteration × iterations / seconds) but reported as that rate ×
   scale, a plain number: Google Benchmark would print a rate with "/s" and SI prefixes
   (roofline=8.49891m/s). For FLOP/cycle (per_iteration = FLOPs / clock Hz) and roofline_%
   (per_iteration = roofline seconds, scale 100). A name keeps the scale it was first given. */
void sgb_counter_rate_value(sgb_state *st, const char *name, double per_iteration, double scale);
/* A counter reported as seconds per iteration / per_iteration: the time against a bound of per_iteration
   seconds (e.g. "x_bound": 1.0 at the bound, 2.0 at twice it). */
void sgb_counter_ratio(sgb_state *st, const char *name, double per_iteration);
/* A plain counter, reported as is (e.g. a flag or a size). */
void sgb_counter(sgb_state *st, const char *name, double value);
/* Google Benchmark's standard bytes_per_second / items_per_second, from per-iteration amounts; call
   after the timed loop (they need the iteration count). */
void sgb_bytes_processed(sgb_state *st, double per_iteration);
void sgb_items_processed(sgb_state *st, double per_iteration);
/* The run's label (the JSON's "label", the end of the console line). */
void sgb_label(sgb_state *st, const char *label);
void sgb_skip(sgb_state *st, const char *message);

/* Process-wide. */
void sgb_context(const char *key, const char *value); /* lands in the JSON "context" */
/* Parses and removes the --benchmark_* flags it knows. What Google Benchmark says about a flag it
   cannot parse (e.g. a non-numeric --benchmark_min_time) is kept, first line only, in msg instead of
   reaching stderr; unknown flags stay in argv. */
void sgb_initialize(int *argc, char **argv, char *msg, size_t msg_len);
/* Selects without running: how many benchmarks --benchmark_filter matches, and whether Google
   Benchmark would only list them (--benchmark_list_tests, also from BENCHMARK_LIST_TESTS). Opens no
   file. On 0, msg receives the reason (an invalid regex, or nothing matched) and filter the regex. */
size_t sgb_select(bool *list_only, char *msg, size_t msg_len, char *filter, size_t filter_len);

typedef struct sgb_result {
    const char *name;    /* "relu/avx2/n:4096" */
    double seconds;      /* what the rates use, per iteration: the thread's CPU time (Google
                            Benchmark's default), or the manual time of manual-time benchmarks */
    double real_seconds; /* wall-clock (or manual) seconds per iteration */
    int64_t iterations;
    bool error;
    const char *error_message;
    size_t counters;
    const char *const *counter_names;
    const double *counter_values; /* already divided by time for rate counters */
} sgb_result;
typedef void (*sgb_result_fn)(const sgb_result *r, void *user);

/* Runs the benchmarks selected by --benchmark_filter. The display reporter follows
   --benchmark_format; when json_path is non-NULL the JSON report is written there
   (overriding --benchmark_out). on_result, when non-NULL, sees every non-aggregate run.
   Returns the number of benchmarks run. */
size_t sgb_run(const char *json_path, sgb_result_fn on_result, void *user);
void sgb_shutdown(void);

/* For a progress display. Inside a callback: the iteration count Google Benchmark asked for in this
   call (the first repetition grows it from call to call; every later repetition repeats the last). */
int64_t sgb_max_iterations(sgb_state *st);
/* The names sgb_run would run (after --benchmark_filter), in order, to fn; returns how many. Call
   after sgb_select, only when it found benchmarks and no listing was asked for. */
size_t sgb_list_selected(void (*fn)(const char *name, void *user), void *user);
/* With a hook set, sgb_run calls fn(user, NULL) before the display reporter writes anything (the
   console table or JSON on stdout) and fn(user, name) after it reported benchmark `name` (all its
   repetitions). NULL: no hook. */
typedef void (*sgb_report_hook)(void *user, const char *name);
void sgb_set_report_hook(sgb_report_hook fn, void *user);

#ifdef __cplusplus
}
#endif
#endif
