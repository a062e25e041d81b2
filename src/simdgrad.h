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

#ifdef __cplusplus
extern "C" {
#endif

#define SIMDGRAD_VERSION "0.1.0"

typedef enum sg_isa {
    SG_ISA_SCALAR,
    SG_ISA_AVX2,
    SG_ISA_AVX512,
    SG_ISA_NEON,
    SG_ISA_SVE,
    SG_ISA_COUNT
} sg_isa;
typedef enum sg_trans { SG_NO_TRANS, SG_TRANS } sg_trans;

typedef struct sg_kernels {
    sg_isa isa;
    /* C[m×n] = op(A)·op(B); row-major; op(A) is m×k, op(B) is k×n; lda/ldb/ldc are row strides
       of the matrices as stored (in elements). Every C element is
       acc = +0; for p = 0..k-1: acc = fmaf(op(A)[i][p], op(B)[p][j], acc).
       C must not overlap A or B. */
    void (*matmul)(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                   const float *b, size_t ldb, float *c, size_t ldc);
    /* y = x > 0 ? x : +0, NaN passes through. y may equal x. */
    void (*relu)(size_t n, const float *x, float *y);
    /* dx = dy where h > 0, grad_at_zero·dy where h == ±0, +0 where h < 0, NaN where h is NaN.
       dx may equal dy. */
    void (*relu_grad)(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero);
} sg_kernels;

const char *sg_isa_name(sg_isa isa);             /* "scalar","avx2","avx512","neon","sve" */
int sg_isa_parse(const char *name, sg_isa *out); /* 0 on success, -1 unknown name */
bool sg_isa_available(sg_isa isa);               /* compiled in AND this CPU+OS run it */
sg_isa sg_isa_best(void);                        /* widest available ISA */
const sg_kernels *sg_kernels_get(sg_isa isa);    /* NULL when not available */

/* ---- Extensions beyond the core contract ---- */

/* Library version string, SIMDGRAD_VERSION of the build. */
const char *sg_version(void);

/* True when this build contains kernels for isa (whether or not the CPU runs them). */
bool sg_isa_compiled(sg_isa isa);

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

/* CPU brand string (x86 CPUID leaf 0x80000002..4, /proc/cpuinfo elsewhere), or "unknown". */
const char *sg_cpu_model(void);

#ifdef __cplusplus
}
#endif
#endif
