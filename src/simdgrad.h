/* simdgrad — hand-vectorized kernels for a two-layer ReLU network.
 *
 * The kernel table (sg_kernels) is the single seam between runtime dispatch,
 * the correctness harness, the benchmarks and the training task. Every
 * implementation is bit-identical to the scalar reference (src/scalar/), which
 * is the specification; see README.md, "Kernel contract". */
#ifndef SIMDGRAD_H
#define SIMDGRAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIMDGRAD_VERSION "0.1.0"

/* ---- The ISA list: one line per ISA, the only place an ISA is declared ----
 * X(ID, name, rank, probe, cpuinfo):
 *   ID     enum suffix (SG_ISA_<ID>) and build flag (SIMDGRAD_HAVE_<ID>, set by simd/<name>/meson.build);
 *   name   what users type (--isa, SIMDGRAD_ISA) and the folder simd/<name>/ holding its kernels;
 *   rank   dispatch priority: the available ISA with the highest rank is the default;
 *   probe  bool probe(void) in src/cpu_features.c: the CPU and OS run this ISA;
 *   cpuinfo the /proc/cpuinfo flags ("flags" on x86, "Features" on AArch64) that must all be present
 *          exactly when the probe is true: the dispatch tests check the probe against them.
 * The enum order is the order of this list (it is ABI: append, never reorder). meson.build reads the
 * names from here, so a new ISA is this line, its probe and its folder. */
#define SG_ISA_LIST(X)                                                                                       \
    X(SCALAR, scalar, 0, sg_cpu_runs_scalar, "")                                                             \
    X(AVX2, avx2, 2, sg_cpu_has_avx2_fma, "avx2 fma f16c")                                                   \
    X(AVX512, avx512, 4, sg_cpu_has_avx512_fbwdqvl, "avx2 fma f16c avx512f avx512bw avx512dq avx512vl")      \
    X(NEON, neon, 1, sg_cpu_has_neon, "asimd")                                                               \
    X(SVE, sve, 3, sg_cpu_has_sve, "sve")

typedef enum sg_isa {
#define SG_ISA_ENUM_(id, name, rank, probe, cpuinfo) SG_ISA_##id,
    SG_ISA_LIST(SG_ISA_ENUM_)
#undef SG_ISA_ENUM_
        SG_ISA_COUNT
} sg_isa;
typedef enum sg_trans { SG_NO_TRANS, SG_TRANS } sg_trans;

/* ---- The kernel families: one line per family, the only place a family is declared ----
 * X(ctx, name, params, args, work), ctx passed through from SG_FAMILY_ROWS:
 *   name    the sg_kernels field, the reference sg_scalar_<name> and each ISA's sg_<isa>_<name>;
 *   params  the signature (the semantics are the scalar reference, src/scalar/reference.c):
 *     matmul     C[m×n] = op(A)·op(B); row-major; op(A) is m×k, op(B) is k×n; lda/ldb/ldc are row
 *                strides of the matrices as stored (in elements). Every C element is
 *                acc = +0; for p = 0..k-1: acc = fmaf(op(A)[i][p], op(B)[p][j], acc).
 *                C must not overlap A or B.
 *     relu       y = x > 0 ? x : +0, NaN passes through. y may equal x.
 *     relu_grad  dx = dy where h > 0, grad_at_zero·dy where h == ±0, +0 where h < 0, NaN where h is
 *                NaN. dx may equal dy.
 *     relu_mask  y = relu(x), and mask gets a 2-bit code per element (sg_mask_code; element i in bits
 *                2·(i%4)..2·(i%4)+1 of mask[i/4], unused high bits of the last byte 0): the forward
 *                pass's record for relu_grad_mask. y may equal x; mask holds (n+3)/4 bytes.
 *     relu_grad_mask  relu_grad from the mask instead of h: dx = dy (POS), grad_at_zero·dy (ZERO),
 *                +0 (NEG), y (NAN: relu passed h's NaN through, so y holds it bit for bit; y is read
 *                only there). Bit-identical to relu_grad(h, dy) when mask and y come from
 *                relu_mask(h); 8.25 instead of 12 bytes per element. dx may equal dy.
 *     round_bf16 y = x rounded to bfloat16 (8 significant bits, float's exponent range), as a float:
 *                to nearest, ties to even; subnormals round like any value (never flushed);
 *                NaN keeps its sign and top 7 payload bits and becomes quiet. y may equal x.
 *     round_fp16 y = x rounded to IEEE binary16, as a float: to nearest, ties to even; below 2^-14
 *                to the binary16 subnormal grid (multiples of 2^-24, 2^-25 and less to ±0);
 *                |x| >= 65520 to ±inf; NaN keeps its sign and top 10 payload bits and becomes
 *                quiet. y may equal x.
 *     train_step one gradient-descent step of the training task (src/train.h), the seven kernel calls
 *                and the update as one call: x n×d, y n×o, w1 d×h, w2 h×o (row-major, contiguous);
 *                h = x·w1, hr = relu(h), yp = hr·w2 (matmul NN); *loss = the sum over i in row-major
 *                order of (yp[i]−y[i])² (loss = loss + diff·diff, from +0, two roundings each);
 *                counts[0] = entries of h equal to ±0. When !(loss <= max_loss) it stops there
 *                (counts[1] = 0, weights untouched). Else g = 2·(yp−y), grad_w2 = hrᵀ·g (TN),
 *                grad_hr = g·w2ᵀ (NT), counts[1] = entries with h == ±0 and grad_hr != 0 (NaN
 *                included), grad_h = relu_grad(h, grad_hr, grad_at_zero), grad_w1 = xᵀ·grad_h (TN), then
 *                w1 = w1 − lr·grad_w1 and w2 = w2 − lr·grad_w2 (product rounded, then difference).
 *                work holds SG_TRAIN_STEP_WORK(n, d, h, o) floats (scratch; a fused path for a
 *                shape that fits in registers may not touch it). x, y, w1, w2, work do not overlap.
 *   args    the parameter names in order (generic wrappers forward a call with them);
 *   work    elementary operations of one call, an expression of the parameters (CI's injected
 *           slowdown scales with it).
 * Appending a line appends a field to sg_kernels; every ISA's table starts as the scalar one, so a
 * family may land scalar-only and be vectorized one ISA at a time. */
/* clang-format off */
#define SG_FAMILY_ROWS(X, ctx)                                                                               \
    X(ctx, matmul,                                                                                           \
      (sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,   \
       size_t ldb, float *c, size_t ldc),                                                                    \
      (ta, tb, m, n, k, a, lda, b, ldb, c, ldc), m * n + k)                                                   \
    X(ctx, relu, (size_t n, const float *x, float *y), (n, x, y), n)                                         \
    X(ctx, relu_grad, (size_t n, const float *h, const float *dy, float *dx, float grad_at_zero),            \
      (n, h, dy, dx, grad_at_zero), n)                                                                   \
    X(ctx, relu_mask, (size_t n, const float *x, float *y, uint8_t *mask), (n, x, y, mask), n)                \
    X(ctx, relu_grad_mask,                                                                                   \
      (size_t n, const uint8_t *mask, const float *y, const float *dy, float *dx, float grad_at_zero),       \
      (n, mask, y, dy, dx, grad_at_zero), n)                                                             \
    X(ctx, round_bf16, (size_t n, const float *x, float *y), (n, x, y), n)                                   \
    X(ctx, round_fp16, (size_t n, const float *x, float *y), (n, x, y), n)                                   \
    X(ctx, train_step,                                                                                       \
      (size_t n, size_t d, size_t h, size_t o, const float *x, const float *y, float *w1, float *w2,         \
       float lr, float grad_at_zero, float max_loss, float *work, float *loss, uint64_t *counts),             \
      (n, d, h, o, x, y, w1, w2, lr, grad_at_zero, max_loss, work, loss, counts), n * h * (2 * d + 3 * o + 3))
/* clang-format on */
/* The rows above carry a context argument (ctx) for generators that need one, such as a symbol
   prefix; SG_FAMILY_LIST(X) is the same list for X(name, params, args, work). */
#define SG_FAMILY_LIST(X)                              SG_FAMILY_ROWS(SG_FAMILY_NO_CTX_, X)
#define SG_FAMILY_NO_CTX_(X, name, params, args, work) X(name, params, args, work)

/* Scratch floats train_step needs: h, relu(h), grad_h (n×h each), y_pred and g (n×o each), grad_w1,
   grad_w2 and the lr·grad product (d×h + h×o, twice). */
#define SG_TRAIN_STEP_WORK(n, d, h, o) (3 * (n) * (h) + 2 * (n) * (o) + 2 * ((d) * (h) + (h) * (o)))

/* relu_mask's per-element codes: NEG is 0 so an all-zero mask means "every h < 0". */
typedef enum sg_mask_code {
    SG_MASK_NEG = 0,
    SG_MASK_POS = 1,
    SG_MASK_ZERO = 2,
    SG_MASK_NAN = 3
} sg_mask_code;

/* sg_<name>_fn: the function type of each family. */
#define SG_FAMILY_FN_TYPE_(name, params, args, work) typedef void sg_##name##_fn params;
SG_FAMILY_LIST(SG_FAMILY_FN_TYPE_)
#undef SG_FAMILY_FN_TYPE_

typedef enum sg_family {
#define SG_FAMILY_ENUM_(name, params, args, work) SG_FAMILY_##name,
    SG_FAMILY_LIST(SG_FAMILY_ENUM_)
#undef SG_FAMILY_ENUM_
        SG_FAMILY_COUNT
} sg_family;

typedef struct sg_kernels {
    sg_isa isa;
#define SG_FAMILY_FIELD_(name, params, args, work) sg_##name##_fn *name;
    SG_FAMILY_LIST(SG_FAMILY_FIELD_)
#undef SG_FAMILY_FIELD_
} sg_kernels;

const char *sg_isa_name(sg_isa isa);             /* the list's name; "unknown" out of range */
int sg_isa_parse(const char *name, sg_isa *out); /* 0 on success, -1 unknown name */
bool sg_isa_available(sg_isa isa);               /* compiled in AND this CPU+OS run it */
sg_isa sg_isa_best(void);                        /* preferred available ISA of the highest rank */
const sg_kernels *sg_kernels_get(sg_isa isa);    /* NULL when not available */

/* ---- Extensions beyond the core contract ---- */

/* Library version string, SIMDGRAD_VERSION of the build. */
const char *sg_version(void);

/* True when this build contains kernels for isa (whether or not the CPU runs them). */
bool sg_isa_compiled(sg_isa isa);

/* Why sg_isa_best() passes over isa although it is available, or NULL when isa competes on rank.
   Dispatch is by feature and vector length: today the one such case is SVE with 128-bit vectors
   where NEON is available ("at 128-bit vectors: NEON is dispatched there ..."). A passed-over ISA
   can still be chosen by name (SIMDGRAD_ISA, sg_kernels_get). */
const char *sg_isa_not_preferred(sg_isa isa);

/* Why isa's kernels are not this ISA's native instructions in this build, or NULL (the normal case).
   Only the CI build -Davx512_emulation=true has one: avx512 then runs SIMDe's AVX-512 on AVX2+FMA,
   is available wherever AVX2+FMA is, bit-exact but not fast, and never preferred by sg_isa_best()
   (sg_isa_not_preferred says so). */
const char *sg_isa_emulated(sg_isa isa);

/* The ISA to use: SIMDGRAD_ISA when set and non-empty, else sg_isa_best().
   Returns 0 and stores the ISA in *out; on an unknown or unavailable name returns -1 and
   writes a one-line message naming the available ISAs into msg (never falls back silently).
   When why is non-NULL it receives a short reason ("SIMDGRAD_ISA=avx2", "widest available"). */
int sg_isa_select(sg_isa *out, char *msg, size_t msg_len, const char **why);

/* Checks a user-supplied ISA name ("--isa", SIMDGRAD_ISA): 0 when it names an available ISA,
   else -1 with a message "<origin>: unknown ISA 'x' (...)" or "... not available ..." in msg. */
int sg_isa_check_name(const char *origin, const char *name, sg_isa *out, char *msg, size_t msg_len);

/* Writes the available ISAs as "scalar, avx2, ..." into buf. */
void sg_isa_list_available(char *buf, size_t len);

/* Family names and per-family dispatch. sg_family_name: "matmul", ...; NULL when out of range.
   sg_family_parse: 0 and *out on a known name, else -1. sg_family_impl: whose code the table of an
   available isa runs for family f: isa itself, or SG_ISA_SCALAR where that ISA has no kernel of its
   own for f (the scalar fallback); SG_ISA_COUNT when isa is not available or f is out of range. */
const char *sg_family_name(sg_family f);
int sg_family_parse(const char *name, sg_family *out);
sg_isa sg_family_impl(sg_isa isa, sg_family f);

/* CPU brand string (x86 CPUID leaf 0x80000002..4, /proc/cpuinfo elsewhere), or "unknown". */
const char *sg_cpu_model(void);

/* ---- Cache sizes and the matmul blocking derived from them ----
 * The packed matmul of the x86 ISAs blocks for the caches of the machine it runs on (docs/matmul.md).
 * Sizes in bytes: l1d and l2 of one core, l3 of one instance (shared by the cores of a package or CCX). */
typedef struct sg_cache_sizes {
    size_t l1d, l2, l3;
} sg_cache_sizes;

/* The sizes in use: those given to sg_cache_sizes_set, else the library's own detection (sysconf, then
   Linux sysfs /sys/devices/system/cpu/cpu0/cache, done once; an L3 above 64 MiB, as some VMs report, is
   clamped to 64 MiB; SIMDGRAD_L3_BYTES=<bytes>[K|M|G] overrides the L3), else 32 KiB / 512 KiB / 8 MiB
   for a level neither knows. Thread-safe. */
void sg_cache_sizes_get(sg_cache_sizes *out);

/* Sets the sizes the blocking derives from (e.g. from hwloc): a zero field keeps the detected value,
   NULL returns to detection. Values are clamped to 4 KiB..4 MiB (l1d), 16 KiB..64 MiB (l2),
   0 or 64 KiB..1 GiB (l3). Thread-safe; matmuls running meanwhile finish with either blocking, and
   every blocking gives the same bits (the contract fixes the order of every FMA chain). */
void sg_cache_sizes_set(const sg_cache_sizes *sizes);

/* The packed matmul's blocking of an ISA for the current cache sizes: an mr x nr register tile, kc
   (k per block: a kc x nr panel of op(B) plus a kc x mr sliver of op(A) fit part of L1d), mc (rows of
   op(A) per block: mc x kc in part of L2), nc (columns of op(B) per block: kc x nc in part of L3), and
   the packed path runs when m >= min_m, n >= nr/2 and op(A) (4·m·k bytes) exceeds pack_min_a_bytes (B
   not transposed: NN, TN) or pack_min_a_bytes_bt (NT, TT); smaller products run unpacked. Returns 0, or -1
   (all zeros) when isa has no packed matmul (scalar, neon, sve) or is out of range. */
typedef struct sg_matmul_blocking {
    size_t mr, nr, kc, mc, nc;
    size_t min_m, pack_min_a_bytes, pack_min_a_bytes_bt;
} sg_matmul_blocking;
int sg_matmul_blocking_get(sg_isa isa, sg_matmul_blocking *out);

#ifdef __cplusplus
}
#endif
#endif
