/* simdgrad-bench internals shared by the C files in bench/. */
#ifndef SGB_H
#define SGB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shim.h"
#include "simdgrad.h"

/* ---- Working-set levels (bench/sizes.c) ---- */
enum { SGB_L1, SGB_L2, SGB_L3, SGB_DRAM, SGB_LEVELS };
extern const char *const sgb_level_names[SGB_LEVELS]; /* "L1", "L2", "L3", "DRAM" */

typedef struct sgb_topo {
    const char *source; /* "hwloc, API ..." or "sysconf" */
    size_t l1d, l2, l3; /* bytes of one instance; l3 as the system reported it */
    size_t l3_used;     /* after the clamp or an override */
    const char *l3_why; /* "as reported", "clamped", "--l3-bytes", "SIMDGRAD_L3_BYTES", ... */
    unsigned packages, cores, pus;
} sgb_topo;

/* Cache sizes from src/topology.c (hwloc honours HWLOC_SYNTHETIC); l3_override is a
   "<digits>[K|M|G]" string or NULL. It and SIMDGRAD_L3_BYTES must lie in 64K..1024G (bench/sizes.c
   says why). 0, or -1 with a one-line message. */
int sgb_topo_read(sgb_topo *t, const char *l3_override, char *msg, size_t msg_len);
/* Working-set bytes per level: L1d/2, L2/2, L3/2, 4*L3 (L3 = l3_used). */
void sgb_working_sets(const sgb_topo *t, size_t ws[SGB_LEVELS]);
/* Elements per array when `arrays` float arrays share ws bytes; a multiple of 16, >= 16. */
size_t sgb_elems_for(size_t ws, unsigned arrays);
/* The same for the arrays of an elementwise family: one call reads and writes about ws bytes. */
struct sg_eltwise_desc;
size_t sgb_eltwise_elems(const struct sg_eltwise_desc *d, size_t ws);
/* The cache level a footprint of `bytes` fits in (thresholds: whole L1d, L2, L3). */
int sgb_level_of(const sgb_topo *t, size_t bytes);

/* ---- The core clock (bench/clock.c) ---- */
/* Measures this thread's core clock in Hz (dependent integer adds per thread-CPU second, best of 5
   runs of ~20 ms) and keeps it for sgb_clock_hz; 0 where there is no such loop (not x86-64 or
   AArch64), and the per-cycle counters are then left out. */
double sgb_clock_measure(void);
double sgb_clock_hz(void); /* the last measured value; 0 before */

/* ---- Roofline arithmetic (bench/roofline.c, pure) ---- */
/* The shortest time the machine allows: max(flops/peak, bytes/bandwidth), in seconds. */
double sgb_roofline_seconds(double flops, double bytes, double peak_flops, double bandwidth);
/* Attained fraction of the roofline: roofline seconds / measured seconds (0 when unknown). */
double sgb_roofline_fraction(double flops, double bytes, double peak_flops, double bandwidth, double seconds);
/* The roofline as a rate: min(peak, (flops/bytes) * bandwidth); bandwidth-only kernels
   (flops == 0) give the bandwidth itself, in bytes/s. */
double sgb_roofline_rate(double flops, double bytes, double peak_flops, double bandwidth);

/* ---- Ceilings (bench/ceilings*.c) ---- */
enum { SGB_BW_READ, SGB_BW_COPY, SGB_BW_ADD, SGB_BW_PATTERNS };
extern const char *const sgb_bw_names[SGB_BW_PATTERNS]; /* "read", "copy", "add" */
/* FMA chains: runs `iters` rounds and returns the flops done. */
typedef double (*sgb_fma_fn)(int64_t iters);
typedef struct sgb_ceiling_isa {
    const char *name; /* "scalar", "avx2", "avx512" */
    sgb_fma_fn fma;
    float (*read)(size_t n, const float *a);
    void (*copy)(size_t n, const float *a, float *b);
    void (*add)(size_t n, const float *a, const float *b, float *c);
    bool far_only; /* non-temporal-store loops: L3 and DRAM only, read is NULL */
} sgb_ceiling_isa;
/* The FMA peaks, and the bandwidths at the levels in level_mask (bit l: level l; sgb_plan_levels). */
void sgb_register_ceilings(const sgb_topo *t, bool quick, unsigned level_mask);
/* The FMA timings a matmul's latency bound is made of, measured once on first call (best of several
   short runs, a few ms in all) with the widest vector FMA this file times: latency_s, the seconds of
   one FMA in a dependent chain; vec_per_s, independent vector FMAs per second (the peak); lanes, floats
   per vector. latency_s is 0 when this CPU has none of them. */
typedef struct sgb_fma_timing {
    double latency_s, vec_per_s;
    int lanes;
    const char *isa;
} sgb_fma_timing;
const sgb_fma_timing *sgb_fma_timing_get(void);
/* The shortest time the contract allows one m×n×k matmul: each of the m·n outputs is a chain of k
   dependent FMAs (latency_s·k), and they need at least ceil(m·n/lanes)·k vector FMAs (at vec_per_s);
   the larger of the two. 0 without a timing. */
double sgb_matmul_bound_seconds(size_t m, size_t n, size_t k);
/* The L2, L3 and DRAM bandwidth ceilings once more (names end in /rerun:1), registered last: the
   summary keeps the best of both passes, so a burst of load from the other tenants at one moment
   does not set the ceiling. Only the levels in level_mask; nothing in quick runs. */
void sgb_register_ceilings_rerun(const sgb_topo *t, bool quick, unsigned level_mask);

/* ---- Kernel implementations under test (bench/impls.c) ---- */
typedef struct sgb_impl {
    const char *name;   /* "scalar", "auto_avx2", "avx2", ... */
    const char *peak;   /* which FMA ceiling bounds it: "scalar", "avx2", "avx512" */
    const char *detail; /* what exactly was compiled, for the summary */
    bool hand;          /* simdgrad's own kernels (candidates for "best ISA") */
    sg_kernels k;
} sgb_impl;
size_t sgb_impls(const sgb_impl **out);
/* Honours SIMDGRAD_ISA: when set, only that ISA's own kernels are timed (the scalar and auto-vectorized
   baselines always are). Call before sgb_impls(). 0, or -1 with a one-line message in msg (an unknown
   or unavailable name). */
int sgb_impls_select(char *msg, size_t msg_len);
/* "all available" or "SIMDGRAD_ISA=avx2": what the own kernels are, for the summary and the JSON. */
const char *sgb_impls_selection(void);

/* ---- Benchmarks ---- */
typedef struct sgb_shape {
    sg_trans ta, tb;
    size_t m, n, k;
} sgb_shape;
extern const sgb_shape sgb_train_shapes[];
extern const size_t sgb_train_shape_count;
/* The training task's shapes, then squares 16..2048 (16..128 when quick) in NN, TN, NT; the scalar and
   auto-vectorized baselines only up to SGB_BASELINE_MAX_SQUARE. */
#define SGB_BASELINE_MAX_SQUARE 1024
size_t sgb_matmul_shapes(bool quick, sgb_shape *out, size_t cap);
void sgb_add_matmul(const sgb_topo *t, const sgb_impl *impl, sg_trans ta, sg_trans tb, size_t m, size_t n,
                    size_t k);
void sgb_register_kernels(const sgb_topo *t, bool quick);
void sgb_register_train(void); /* the same in quick and full runs */
void sgb_register_peers(const sgb_topo *t, bool quick);
/* Peer notes for the summary ("openblas: core Prescott", "onednn: not built"). */
const char *sgb_peer_notes(void);
int sgb_openblas_server_main(void); /* the child re-exec'd with OPENBLAS_CORETYPE set */

/* ---- Ad-hoc runs: --matmul and --elementwise (bench/adhoc.c) ---- */
/* One --elementwise size: an element count, or a working set in bytes (B; kB = KB = 1000, MB, GB
   powers of 1000; KiB, MiB, GiB powers of 1024) that each family turns into elements. */
typedef struct sgb_eltsize {
    uint64_t value;
    bool bytes;
    char text[40]; /* as given, "32kB" */
} sgb_eltsize;
/* s[0..len): digits with an optional unit; 0, or -1 when malformed, zero or out of range. */
int sgb_parse_eltsize(const char *s, size_t len, sgb_eltsize *out);
/* "SIZE[,SIZE...]" into out[0..*count) (repeats dropped); 0, or -1 with a one-line message. */
int sgb_parse_elementwise(const char *s, sgb_eltsize *out, size_t cap, size_t *count, char *msg,
                          size_t msg_len);
/* "MxNxK[,FORM...][,MxNxK[,FORM...]]...": a form (NN, TN, NT, TT, either case) applies to the shape
   before it; a shape with none is NN. Repeats dropped; 0, or -1 with a one-line message. */
int sgb_parse_matmul(const char *s, sgb_shape *out, size_t cap, size_t *count, char *msg, size_t msg_len);
/* Elements of family d for e: the count as given, or the most elements whose arrays (every input
   and output, sg_eltwise_traffic) fit in e->value bytes (0 when not even one does). */
size_t sgb_eltsize_elems(const struct sg_eltwise_desc *d, const sgb_eltsize *e);
/* Makes this an ad-hoc run: only these shapes and sizes (either list may be empty). The arrays must
   outlive the registration. */
void sgb_plan_adhoc(const sgb_shape *shapes, size_t nshapes, const sgb_eltsize *sizes, size_t nsizes);
bool sgb_plan_is_adhoc(void);
/* The working-set levels whose bandwidth bounds what this run times, as a mask (bit l: level l):
   L1 and L2 when quick, all four in a full run, those of the ad-hoc sizes and shapes. */
unsigned sgb_plan_levels(const sgb_topo *t, bool quick);
/* The matmul shapes to time: the ad-hoc ones, else sgb_matmul_shapes(quick). */
size_t sgb_plan_shapes(bool quick, sgb_shape *out, size_t cap);
/* The element counts (and their working-set levels) to time for arrays of per4 bytes per 4
   elements (d: an elementwise family, NULL: a peer's float arrays): one per cache level (multiples of
   16), or the ad-hoc sizes (exact, repeats dropped). Returns how many. */
size_t sgb_plan_eltwise(const sgb_topo *t, bool quick, const struct sg_eltwise_desc *d, double per4,
                        size_t *n, int *level, size_t cap);

/* ---- What each benchmark does per iteration, for the summary ---- */
typedef struct sgb_meta {
    char name[96];   /* full benchmark name, as Google Benchmark prints it */
    char family[64]; /* kernel/impl: what is registered; the args follow */
    char group[96];  /* the name without the implementation component */
    char impl[24];   /* "avx2", "scalar", "openblas", ... */
    double flops, bytes;
    char table[64]; /* the per-kernel table it belongs to: "relu", "relu_grad/g0:0.5", "matmul_nn" */
    char size[48];  /* its row there: the args, "n:2048" or "m:4/n:30/k:3" */
    int level;      /* working-set level the footprint fits in; -1: not sized by a cache (train, FMA peak) */
    int pattern;    /* SGB_BW_* used for the roofline */
} sgb_meta;
/* Records metadata; returns a stable pointer (benchmarks may use it as context). */
sgb_meta *sgb_meta_add(const char *kernel, const char *impl, const char *args, double flops, double bytes,
                       int level, int pattern);
const sgb_meta *sgb_meta_find(const char *name);
/* Registers m->family with integer args named like "n" or "m","n","k"; their "name:value"
   rendering must equal the args string given to sgb_meta_add. */
sgb_bench *sgb_register_meta(const sgb_meta *m, sgb_fn fn, void *ctx, int nargs, const char *const *names,
                             const int64_t *values);

/* ---- The counters of a timed benchmark (bench/common.c) ---- */
/* After the timed loop: Google Benchmark's standard bytes_per_second (m->bytes per call) and
   items_per_second (`items` per call: elements, C elements, steps), the custom FLOP/s (m->flops per
   call), FLOP/cycle and bytes/cycle at the run's measured clock (sgb_clock_hz), and the label: the
   cache level of the working set (L1, L2, L3, DRAM) when m->level >= 0, so rows of machines with
   other cache sizes (relu/avx2/n:2048 here, n:3072 there) can be matched. A zero amount, or no
   clock, leaves its counters out. */
void sgb_counters(sgb_state *st, const sgb_meta *m, double items);
/* roofline_%: the attained percentage of the roofline (sgb_roofline_seconds_of with the FMA peak of
   isa; NULL: the widest measured), left out when a ceiling it needs was not measured in this run. */
void sgb_counter_roofline(sgb_state *st, const sgb_meta *m, const char *isa);

/* ---- Progress on a terminal (bench/progress_bench.c) ---- */
/* After sgb_select found benchmarks to run (not a listing): shows the progress line on stderr when it
   is a terminal and not quiet (src/progress.h); reps: repetitions of a benchmark that sets none;
   min_time: --benchmark_min_time in seconds. */
void sgb_progress_begin(bool quiet, int reps, double min_time);
/* Each finished run (sgb_run's on_result): its seconds per call as Google Benchmark times them (CPU,
   like --benchmark_min_time), for the estimate. */
void sgb_progress_result(const char *name, double call_seconds);
/* From every benchmark callback, after it returned: key is its sgb_meta name, *slot a zeroed int it
   keeps, iterations sgb_max_iterations() of the call. */
void sgb_progress_call(const char *key, int *slot, int64_t iterations);
/* Erases the line (before the summary) and releases everything. */
void sgb_progress_finish(void);

/* ---- Results and summary (bench/summary.c) ---- */
void sgb_results_add(const char *name, double seconds, bool error, double flops_rate, double bytes_rate);
/* The roofline time of one call of m (seconds) from the ceilings measured so far in this run,
   with the FMA peak of isa (NULL: the widest measured); 0 when a needed ceiling is missing.
   Published as roofline_% (sgb_counter_roofline). */
double sgb_roofline_seconds_of(const sgb_meta *m, const char *isa);
/* Writes the Markdown summary of everything recorded so far to f after the given header; 0, or -1
   on a write error. */
int sgb_summary_write(FILE *f, const char *header);

/* ---- Saving without replacing (bench/publish.c) ---- */
/* Creates "<path>.tmp.XXXXXX" (mkstemp, mode 0644) and returns its descriptor, or -1 with err. */
int sgb_tmp_create(const char *path, char *tmp, size_t tmp_len, char *err, size_t err_len);
/* fsync(2) of a file or directory by name; 0 or -1. */
int sgb_sync_path(const char *path);
/* Gives each finished temporary tmps[i] the name finals[i] (link + unlink), never replacing a file:
   0 done; 1 one of the names exists (nothing changed); -1 an error (in err; nothing changed). */
int sgb_publish(const char *const *tmps, const char *const *finals, int count, char *err, size_t err_len);

/* Calls per timed batch for `work` elementary operations per call: ~2^18 operations per batch,
   so the framework's per-batch bookkeeping is noise. */
int64_t sgb_batch_for(double work);

/* A peer's matmul result is plausible: sampled elements match a double-precision product. */
bool sgb_check_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                      const float *b, size_t ldb, const float *c, size_t ldc);

/* ---- Aligned scratch with deterministic contents ---- */
float *sgb_alloc(size_t n);
/* Zeroed benchmark context, freed by sgb_ctx_free_all() after the run. */
void *sgb_ctx_alloc(size_t bytes);
void sgb_ctx_free_all(void);
/* count arrays of n floats, staggered against 4K aliasing; free() the returned block. */
float *sgb_alloc_set(size_t n, int count, float **arrays);
void sgb_fill(float *p, size_t n, uint32_t seed, bool zeros); /* mixed signs (and some ±0) */

#endif
