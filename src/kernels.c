/* The kernel tables and the ISA registry: the only place that knows which ISAs were built. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_config.h"
#include "sg_kernels_impl.h"

/* ---- CI self-test only: meson -Dinject_slowdown=<kernel>/<isa> (see docs/ci-check.md) ----------------
 * Exactly that table entry becomes a wrapper: the real kernel, then a volatile loop proportional to the
 * work, so `simdgrad ci-check` has a known regression to catch. Normal builds define none of this. */
#ifdef SIMDGRAD_INJECT_SLOWDOWN
static void sg_inject_burn(size_t work)
{
    volatile size_t sink = 0;
    for (size_t i = 0; i < work; i++)
        sink += i;
    (void)sink; /* a volatile read: clang counts += as "set but not used" */
}
#ifdef SIMDGRAD_INJECT_MATMUL
static void sg_injected_matmul(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a,
                               size_t lda, const float *b, size_t ldb, float *c, size_t ldc)
{
    SIMDGRAD_INJECT_MATMUL(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
    sg_inject_burn(m * n + k);
}
#define SG_PICK_matmul(isa_id, fn) ((isa_id) == SIMDGRAD_INJECT_ISA ? sg_injected_matmul : (fn))
#endif
#ifdef SIMDGRAD_INJECT_RELU
static void sg_injected_relu(size_t n, const float *x, float *y)
{
    SIMDGRAD_INJECT_RELU(n, x, y);
    sg_inject_burn(n);
}
#define SG_PICK_relu(isa_id, fn) ((isa_id) == SIMDGRAD_INJECT_ISA ? sg_injected_relu : (fn))
#endif
#ifdef SIMDGRAD_INJECT_RELU_GRAD
static void sg_injected_relu_grad(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    SIMDGRAD_INJECT_RELU_GRAD(n, h, dy, dx, grad_at_zero);
    sg_inject_burn(n);
}
#define SG_PICK_relu_grad(isa_id, fn) ((isa_id) == SIMDGRAD_INJECT_ISA ? sg_injected_relu_grad : (fn))
#endif
#endif
#ifndef SG_PICK_matmul
#define SG_PICK_matmul(isa_id, fn) fn
#endif
#ifndef SG_PICK_relu
#define SG_PICK_relu(isa_id, fn) fn
#endif
#ifndef SG_PICK_relu_grad
#define SG_PICK_relu_grad(isa_id, fn) fn
#endif
/* ---- end of CI self-test hook ---------------------------------------------------------------------- */

#define SG_TABLE(isa_id, prefix)                                                                             \
    {                                                                                                        \
        isa_id, SG_PICK_matmul(isa_id, prefix##matmul), SG_PICK_relu(isa_id, prefix##relu),                  \
            SG_PICK_relu_grad(isa_id, prefix##relu_grad)                                                     \
    }

static const sg_kernels scalar_table = SG_TABLE(SG_ISA_SCALAR, sg_scalar_);
#if SIMDGRAD_HAVE_AVX2
static const sg_kernels avx2_table = SG_TABLE(SG_ISA_AVX2, sg_avx2_);
#endif
#if SIMDGRAD_HAVE_AVX512
static const sg_kernels avx512_table = SG_TABLE(SG_ISA_AVX512, sg_avx512_);
#endif
#if SIMDGRAD_HAVE_NEON
static const sg_kernels neon_table = SG_TABLE(SG_ISA_NEON, sg_neon_);
#endif
#if SIMDGRAD_HAVE_SVE
static const sg_kernels sve_table = SG_TABLE(SG_ISA_SVE, sg_sve_);
#endif

static const char *const isa_names[SG_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon", "sve"};

/* Compiled-in table for isa, or NULL. */
static const sg_kernels *compiled_table(sg_isa isa)
{
    switch (isa) {
    case SG_ISA_SCALAR: return &scalar_table;
#if SIMDGRAD_HAVE_AVX2
    case SG_ISA_AVX2: return &avx2_table;
#endif
#if SIMDGRAD_HAVE_AVX512
    case SG_ISA_AVX512: return &avx512_table;
#endif
#if SIMDGRAD_HAVE_NEON
    case SG_ISA_NEON: return &neon_table;
#endif
#if SIMDGRAD_HAVE_SVE
    case SG_ISA_SVE: return &sve_table;
#endif
    default: return NULL;
    }
}

static bool cpu_runs(sg_isa isa)
{
    switch (isa) {
    case SG_ISA_SCALAR: return true;
    case SG_ISA_AVX2: return sg_cpu_has_avx2_fma();
    case SG_ISA_AVX512: return sg_cpu_has_avx512_fbwdqvl();
    case SG_ISA_NEON: return true; /* compiled only for aarch64, where Advanced SIMD is mandatory */
    case SG_ISA_SVE: return sg_cpu_has_sve();
    default: return false;
    }
}

const char *sg_version(void) { return SIMDGRAD_VERSION; }

const char *sg_isa_name(sg_isa isa) { return (unsigned)isa < SG_ISA_COUNT ? isa_names[isa] : "unknown"; }

int sg_isa_parse(const char *name, sg_isa *out)
{
    for (int i = 0; name && i < SG_ISA_COUNT; i++) {
        if (strcmp(name, isa_names[i]) == 0) {
            if (out)
                *out = (sg_isa)i;
            return 0;
        }
    }
    return -1;
}

bool sg_isa_compiled(sg_isa isa) { return compiled_table(isa) != NULL; }

bool sg_isa_available(sg_isa isa)
{
    /* CPUID is cheap but not free, and the answer never changes within a process. */
    static signed char cache[SG_ISA_COUNT];
    if ((unsigned)isa >= SG_ISA_COUNT)
        return false;
    if (!cache[isa])
        cache[isa] = (compiled_table(isa) && cpu_runs(isa)) ? 1 : -1;
    return cache[isa] > 0;
}

sg_isa sg_isa_best(void)
{
    /* Widest first; the enum order is not a width order across architectures. */
    static const sg_isa by_width[] = {SG_ISA_AVX512, SG_ISA_SVE, SG_ISA_AVX2, SG_ISA_NEON};
    for (size_t i = 0; i < sizeof by_width / sizeof by_width[0]; i++)
        if (sg_isa_available(by_width[i]))
            return by_width[i];
    return SG_ISA_SCALAR;
}

const sg_kernels *sg_kernels_get(sg_isa isa) { return sg_isa_available(isa) ? compiled_table(isa) : NULL; }

void sg_isa_list_available(char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (int i = 0; i < SG_ISA_COUNT && used < len; i++) {
        if (!sg_isa_available((sg_isa)i))
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", isa_names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int sg_isa_check_name(const char *origin, const char *name, sg_isa *out, char *msg, size_t msg_len)
{
    char avail[64];
    sg_isa isa;
    sg_isa_list_available(avail, sizeof avail);
    if (sg_isa_parse(name, &isa) != 0) {
        snprintf(msg, msg_len,
                 "%s: unknown ISA '%s' (known: scalar, avx2, avx512, neon, sve; available here: %s)", origin,
                 name, avail);
        return -1;
    }
    if (!sg_isa_available(isa)) {
        snprintf(msg, msg_len, "%s: ISA '%s' is not available on this %s (available here: %s)", origin, name,
                 sg_isa_compiled(isa) ? "CPU" : "build", avail);
        return -1;
    }
    *out = isa;
    return 0;
}

int sg_isa_select(sg_isa *out, char *msg, size_t msg_len, const char **why)
{
    const char *forced = getenv("SIMDGRAD_ISA");
    if (forced && *forced) {
        if (sg_isa_check_name("SIMDGRAD_ISA", forced, out, msg, msg_len) != 0)
            return -1;
        if (why)
            *why = "forced by SIMDGRAD_ISA";
        return 0;
    }
    *out = sg_isa_best();
    if (why)
        *why = "widest available on this CPU";
    return 0;
}
