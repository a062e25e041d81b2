/* The elementwise families: each one's contract as a rule on bit patterns (written here, not copied
 * from the reference), run by the generic tester (tests/common/eltwise_tester.h) over the scalar
 * table and every available vector ISA. A new elementwise family is a rule function plus one line in
 * `families` below; tests/kernels/meson.build gives every family without its own test_<family>.c a
 * test named after it (`test_eltwise <family>`).
 *
 * `test_eltwise --self-test` checks the harness itself: every family with a descriptor has a rule,
 * and a deliberately wrong reference for each family listed in `broken` must fail the tester. */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eltwise_tester.h"

#define F32_NEG_ZERO 0x80000000u
#define F32_QNAN     0x7fc00000u
#define F32_INF      0x7f800000u
#define F32_NEG_INF  0xff800000u
#define F32_ONE      0x3f800000u
#define F32_THREE    0x40400000u
#define F32_NEG_3    0xc0400000u

static bool f32_nan(uint32_t u) { return (u & 0x7fffffffu) > 0x7f800000u; }

/* ---- relu ---- */

/* NaN stays NaN; a positive non-zero (sign clear, not +0) stays; all else (-0.0, -inf, negative
   subnormals) becomes +0.0 = 0x00000000. */
static void rule_relu(const uint32_t *in, const float *params, uint32_t *out)
{
    (void)params;
    const uint32_t u = in[0];
    out[0] = f32_nan(u) || (!(u >> 31) && u != 0) ? u : 0;
}

static const sgt_elt_case relu_cases[] = {
    {"-0.0 -> +0.0", {F32_NEG_ZERO}, {0}, {0}},
    {"+0.0 -> +0.0", {0}, {0}, {0}},
    {"-inf -> +0.0", {F32_NEG_INF}, {0}, {0}},
    {"+inf stays", {F32_INF}, {0}, {F32_INF}},
    {"-NaN -> NaN", {0xffc00000u}, {0}, {F32_QNAN}},
    {"NaN with payload -> NaN", {0x7fc12345u}, {0}, {F32_QNAN}},
    {"sNaN pattern -> NaN", {0x7f800001u}, {0}, {F32_QNAN}},
    {"smallest subnormal stays", {1}, {0}, {1}},
    {"negative subnormal -> +0.0", {0x80000001u}, {0}, {0}},
    {"-1 -> +0.0", {0xbf800000u}, {0}, {0}},
    {"1 stays", {F32_ONE}, {0}, {F32_ONE}},
};

/* ---- relu_grad (inputs h, dy; parameter g0 = grad_at_zero) ---- */

/* Classified on h's bits: NaN -> NaN; ±0 -> g0·dy (exactly one float multiply); negative (sign set,
   non-zero, not NaN, -inf included) -> +0.0 whatever dy is; positive -> dy unchanged. */
static void rule_relu_grad(const uint32_t *in, const float *params, uint32_t *out)
{
    const uint32_t h = in[0], dy = in[1];
    if (f32_nan(h)) {
        out[0] = h;
    } else if ((h & 0x7fffffffu) == 0) {
        volatile float prod = params[0] * sgt_f32(dy); /* one rounding, never fused or reordered */
        out[0] = sgt_bits(prod);
    } else if (h >> 31) {
        out[0] = 0;
    } else {
        out[0] = dy;
    }
}

static const sgt_elt_case relu_grad_cases[] = {
    {"h<0, dy NaN -> +0.0", {0xbf800000u, F32_QNAN}, {1.0f}, {0}},
    {"h<0, dy inf -> +0.0", {0xbf800000u, F32_INF}, {1.0f}, {0}},
    {"h=-inf -> +0.0", {F32_NEG_INF, F32_NEG_3}, {1.0f}, {0}},
    {"h negative subnormal -> +0.0", {0x80000001u, F32_THREE}, {1.0f}, {0}},
    {"h=-0 uses g0", {F32_NEG_ZERO, F32_THREE}, {0.5f}, {0x3fc00000u}},
    {"h=-0.0, g0=1 gives dy", {F32_NEG_ZERO, 0x3f800001u}, {1.0f}, {0x3f800001u}},
    {"h=-0.0, g0=0, dy=3 -> +0.0", {F32_NEG_ZERO, F32_THREE}, {0.0f}, {0}},
    {"h=+0, g0=0, dy<0 -> -0.0 (0*-3)", {0, F32_NEG_3}, {0.0f}, {F32_NEG_ZERO}},
    {"h=+0, g0=0, dy=inf -> NaN (0*inf)", {0, F32_INF}, {0.0f}, {F32_QNAN}},
    {"h=+0, g0=-0, dy=3 -> -0.0", {0, F32_THREE}, {-0.0f}, {F32_NEG_ZERO}},
    {"h NaN -> NaN", {F32_QNAN, 0x40000000u}, {1.0f}, {F32_QNAN}},
    {"h>0 passes -0.0 dy", {1, F32_NEG_ZERO}, {1.0f}, {F32_NEG_ZERO}},
    {"h>0 passes a NaN dy", {F32_ONE, 0x7fc12345u}, {0.0f}, {F32_QNAN}},
    {"h=+inf passes dy", {F32_INF, F32_NEG_3}, {0.5f}, {F32_NEG_3}},
};

/* ---- relu_mask (output y, mask) and relu_grad_mask (inputs mask, y, dy; parameter g0) ---- */

/* y as relu; the mask code classifies x's bits (sg_mask_code). */
static void rule_relu_mask(const uint32_t *in, const float *params, uint32_t *out)
{
    rule_relu(in, params, out);
    const uint32_t u = in[0];
    out[1] = f32_nan(u)               ? SG_MASK_NAN
             : (u & 0x7fffffffu) == 0 ? SG_MASK_ZERO
             : u >> 31                ? SG_MASK_NEG
                                      : SG_MASK_POS;
}

static const sgt_elt_case relu_mask_cases[] = {
    {"-0.0 -> +0.0, ZERO", {F32_NEG_ZERO}, {0}, {0, SG_MASK_ZERO}},
    {"+0.0 -> +0.0, ZERO", {0}, {0}, {0, SG_MASK_ZERO}},
    {"-inf -> +0.0, NEG", {F32_NEG_INF}, {0}, {0, SG_MASK_NEG}},
    {"negative subnormal -> +0.0, NEG", {0x80000001u}, {0}, {0, SG_MASK_NEG}},
    {"smallest subnormal stays, POS", {1}, {0}, {1, SG_MASK_POS}},
    {"-NaN -> NaN, NAN", {0xffc00000u}, {0}, {F32_QNAN, SG_MASK_NAN}},
    {"sNaN pattern -> NaN, NAN", {0x7f800001u}, {0}, {F32_QNAN, SG_MASK_NAN}},
};

/* Classified on the code: POS -> dy, ZERO -> g0·dy (one multiply), NEG -> +0.0 whatever dy is,
   NAN -> y (which holds h's NaN). */
static void rule_relu_grad_mask(const uint32_t *in, const float *params, uint32_t *out)
{
    const uint32_t code = in[0], y = in[1], dy = in[2];
    if (code == SG_MASK_ZERO) {
        volatile float prod = params[0] * sgt_f32(dy);
        out[0] = sgt_bits(prod);
    } else {
        out[0] = code == SG_MASK_POS ? dy : code == SG_MASK_NAN ? y : 0;
    }
}

static const sgt_elt_case relu_grad_mask_cases[] = {
    {"NEG, dy NaN -> +0.0", {SG_MASK_NEG, F32_ONE, F32_QNAN}, {1.0f}, {0}},
    {"ZERO uses g0", {SG_MASK_ZERO, 0, F32_THREE}, {0.5f}, {0x3fc00000u}},
    {"ZERO, g0=0, dy<0 -> -0.0", {SG_MASK_ZERO, 0, F32_NEG_3}, {0.0f}, {F32_NEG_ZERO}},
    {"POS passes -0.0 dy", {SG_MASK_POS, F32_ONE, F32_NEG_ZERO}, {1.0f}, {F32_NEG_ZERO}},
    {"NAN takes y, not dy", {SG_MASK_NAN, 0x7fc12345u, F32_ONE}, {1.0f}, {F32_QNAN}},
};

/* ---- round_bf16, round_fp16 (x -> y): rounding kept as float ---- */

/* bfloat16: round to nearest, ties to even, at bit 16 of the pattern (a carry into the exponent is
   the next binade, or inf above the largest finite value); NaN keeps its sign and top 7 payload
   bits and becomes quiet. */
static void rule_round_bf16(const uint32_t *in, const float *params, uint32_t *out)
{
    (void)params;
    const uint32_t b = in[0], lo = b & 0xffff0000u, rem = b & 0xffffu;
    if (f32_nan(b))
        out[0] = lo | 0x00400000u;
    else
        out[0] = rem > 0x8000u || (rem == 0x8000u && (lo & 0x10000u)) ? lo + 0x10000u : lo;
}

static const sgt_elt_case round_bf16_cases[] = {
    {"1 + 2^-8 ties to 1 (even)", {0x3f808000u}, {0}, {F32_ONE}},
    {"tie rounds up to even", {0x3f818000u}, {0}, {0x3f820000u}},
    {"above the tie rounds up", {0x3f808001u}, {0}, {0x3f810000u}},
    {"FLT_MAX -> inf", {0x7f7fffffu}, {0}, {F32_INF}},
    {"-inf stays", {F32_NEG_INF}, {0}, {F32_NEG_INF}},
    {"subnormal tie to 0 (even)", {0x00008000u}, {0}, {0}},
    {"-0.0 stays", {F32_NEG_ZERO}, {0}, {F32_NEG_ZERO}},
};

/* binary16: to nearest, ties to even; 2^-14 and above on binary16's normal grid (13 low pattern
   bits dropped; >= 65520 carries to 2^16, i.e. inf), below it on the subnormal grid of 2^-24
   (computed on the integer significand); NaN keeps its sign and top 10 payload bits, quiet. */
static void rule_round_fp16(const uint32_t *in, const float *params, uint32_t *out)
{
    (void)params;
    const uint32_t b = in[0], sign = b & 0x80000000u, a = b & 0x7fffffffu;
    if (f32_nan(b)) {
        out[0] = sign | 0x7fc00000u | (a & 0x007fe000u);
    } else if (a >= 0x38800000u) { /* |x| >= 2^-14, or inf */
        const uint32_t lo = a & ~0x1fffu, rem = a & 0x1fffu;
        uint32_t r = rem > 0x1000u || (rem == 0x1000u && (lo & 0x2000u)) ? lo + 0x2000u : lo;
        if (r >= 0x47800000u) /* 2^16 and above: binary16 overflow */
            r = 0x7f800000u;
        out[0] = sign | r;
    } else { /* |x| = m·2^(e-150) = m·2^(e-126) units of 2^-24 */
        const uint32_t e = a >> 23, m = e ? (a & 0x7fffffu) | 0x800000u : a;
        const uint32_t shift = 126 - (e ? e : 1);
        uint32_t q = 0;
        if (shift < 25) {
            const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
            q = m >> shift;
            q += rem > half || (rem == half && (q & 1));
        }
        volatile float v = (float)q * 0x1p-24f; /* q <= 1024: exact */
        out[0] = sign | sgt_bits(v);
    }
}

static const sgt_elt_case round_fp16_cases[] = {
    {"65504 (max) stays", {0x477fe000u}, {0}, {0x477fe000u}},
    {"65519 -> 65504", {0x477fefffu}, {0}, {0x477fe000u}},
    {"65520 -> inf", {0x477ff000u}, {0}, {F32_INF}},
    {"1 + 2^-11 ties to 1 (even)", {0x3f801000u}, {0}, {F32_ONE}},
    {"1 + 3·2^-11 ties up to even", {0x3f803000u}, {0}, {0x3f804000u}},
    {"2^-25 ties to +0", {0x33000000u}, {0}, {0}},
    {"-2^-25 ties to -0", {0xb3000000u}, {0}, {F32_NEG_ZERO}},
    {"1.5·2^-25 -> 2^-24", {0x33400000u}, {0}, {0x33800000u}},
    {"2^-14 - 2^-25 (tie) -> 2^-14 (even)", {0x387fe000u}, {0}, {0x38800000u}},
    {"2^-14 - 2^-24 (subnormal grid) stays", {0x387fc000u}, {0}, {0x387fc000u}},
    {"NaN stays NaN", {0xffc00001u}, {0}, {F32_QNAN}},
};

/* ---- the family table: one line per elementwise family ---- */

/* {.family, .rule} plus, optionally, SGT_CASES(named cases). Designated, so that a line without
   cases needs nothing more (-Wmissing-field-initializers). */
static const sgt_elt_family families[] = {
    {.family = SG_FAMILY_relu, .rule = rule_relu, SGT_CASES(relu_cases)},
    {.family = SG_FAMILY_relu_grad, .rule = rule_relu_grad, SGT_CASES(relu_grad_cases)},
    {.family = SG_FAMILY_relu_mask, .rule = rule_relu_mask, SGT_CASES(relu_mask_cases)},
    {.family = SG_FAMILY_relu_grad_mask, .rule = rule_relu_grad_mask, SGT_CASES(relu_grad_mask_cases)},
    {.family = SG_FAMILY_round_bf16, .rule = rule_round_bf16, SGT_CASES(round_bf16_cases)},
    {.family = SG_FAMILY_round_fp16, .rule = rule_round_fp16, SGT_CASES(round_fp16_cases)},
};
#define N_FAMILIES (sizeof families / sizeof families[0])

static const sgt_elt_family *find_line(sg_family f)
{
    for (size_t i = 0; i < N_FAMILIES; i++)
        if (families[i].family == f)
            return &families[i];
    return NULL;
}

/* ---- self-test: wrong references the tester must reject ---- */

/* -0.0 passes through (the mistake of `>=` instead of `>`): only the sign of zero differs. Spelled on
   the bits: clang for AArch64 turns `x >= 0 ? x : 0` into FMAXNM, which yields +0.0 for -0.0 and
   would make this spoiled kernel right by accident. */
static void broken_relu(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++) {
        const float v = x[i];
        uint32_t b;
        memcpy(&b, &v, sizeof b);
        y[i] = (b == 0x80000000u || v > 0.0f || v != v) ? v : 0.0f;
    }
}
static void spoil_relu(sg_kernels *k) { k->relu = broken_relu; }

/* grad_at_zero ignored (always 1): right for the default convention only. */
static void broken_relu_grad(size_t n, const float *h, const float *dy, float *dx, float grad_at_zero)
{
    (void)grad_at_zero;
    sg_kernels_get(SG_ISA_SCALAR)->relu_grad(n, h, dy, dx, 1.0f);
}
static void spoil_relu_grad(sg_kernels *k) { k->relu_grad = broken_relu_grad; }

/* Memory-safety mistakes of a vector kernel, made by an otherwise right relu: each must be caught by
   the placements (guard pages, canaries, garbage-filled outputs, in-place calls). */
static void good_relu(size_t n, const float *x, float *y) { sg_kernels_get(SG_ISA_SCALAR)->relu(n, x, y); }
static void overread_relu(size_t n, const float *x, float *y)
{
    volatile float past = x[n]; /* a full-vector load over the tail */
    (void)past;
    good_relu(n, x, y);
}
static void overwrite_relu(size_t n, const float *x, float *y)
{
    good_relu(n, x, y);
    y[n] = 0.0f; /* a full-vector store over the tail */
}
static void underwrite_relu(size_t n, const float *x, float *y)
{
    good_relu(n, x, y);
    if (n)
        y[-1] = y[0]; /* an aligned store started before the first element */
}
static void short_relu(size_t n, const float *x, float *y) { good_relu(n & ~(size_t)7, x, y); }
/* Right out of place; in place the first pass has already replaced x's NaNs by the time the second
   reads them. */
static void aliasing_relu(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    for (size_t i = 0; i < n; i++)
        if (x[i] != x[i])
            y[i] = x[i];
}
static void scribbling_relu(size_t n, const float *x, float *y)
{
    good_relu(n, x, y);
    if (n && x != y)
        ((float *)(void *)(uintptr_t)x)[n - 1] = 1.0f; /* uses its input as scratch */
}
static void spoil_overread(sg_kernels *k) { k->relu = overread_relu; }
static void spoil_overwrite(sg_kernels *k) { k->relu = overwrite_relu; }
static void spoil_underwrite(sg_kernels *k) { k->relu = underwrite_relu; }
static void spoil_short(sg_kernels *k) { k->relu = short_relu; }
static void spoil_aliasing(sg_kernels *k) { k->relu = aliasing_relu; }
static void spoil_scribbling(sg_kernels *k) { k->relu = scribbling_relu; }

/* ---- self-test: packed 2-bit arrays, which no family uses yet ----
 * A forward pass that also stores each element's class as a 2-bit code (0: negative, 1: ±0,
 * 2: positive, 3: NaN), and a backward pass that reads it, as a relu_mask family would. Their
 * descriptors are local; the kernels ignore the table they are given. */

static uint32_t f32_class(uint32_t u)
{
    return f32_nan(u) ? 3u : (u & 0x7fffffffu) == 0 ? 1u : u >> 31 ? 0u : 2u;
}

static void rule_mask_fwd(const uint32_t *in, const float *params, uint32_t *out)
{
    rule_relu(in, params, out);
    out[1] = f32_class(in[0]);
}

static void rule_mask_bwd(const uint32_t *in, const float *params, uint32_t *out)
{
    const uint32_t code = in[0], dy = in[1];
    if (code == 1) {
        volatile float prod = params[0] * sgt_f32(dy);
        out[0] = sgt_bits(prod);
    } else {
        out[0] = code == 2 ? dy : code == 3 ? F32_QNAN : 0;
    }
}

/* The kernels, written on floats and bytes rather than on the rules' bit classes. */
static void mask_fwd(size_t n, const float *x, float *y, unsigned char *m)
{
    for (size_t i = 0; i < n; i++) {
        const float v = x[i];
        const unsigned c = v != v ? 3u : v == 0.0f ? 1u : v < 0.0f ? 0u : 2u;
        y[i] = (v > 0.0f || v != v) ? v : 0.0f;
        if (i % 4 == 0)
            m[i / 4] = 0;
        m[i / 4] = (unsigned char)(m[i / 4] | c << (2 * (i % 4)));
    }
}
static void mask_fwd_dirty_pad(size_t n, const float *x, float *y, unsigned char *m)
{
    mask_fwd(n, x, y, m);
    if (n % 4)
        m[n / 4] |= 0xc0; /* the last byte written whole, garbage in the unused codes */
}
static void mask_fwd_overwrite(size_t n, const float *x, float *y, unsigned char *m)
{
    mask_fwd(n, x, y, m);
    m[(n + 3) / 4] = 0; /* one byte too many */
}
static void mask_bwd_with(size_t n, const unsigned char *m, const float *dy, float *dx, float g0,
                          bool msb_first)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned shift = msb_first ? 6 - 2 * (unsigned)(i % 4) : 2 * (unsigned)(i % 4);
        const unsigned c = (m[i / 4] >> shift) & 3u;
        dx[i] = c == 2 ? dy[i] : c == 1 ? g0 * dy[i] : c == 3 ? sgt_f32(F32_QNAN) : 0.0f;
    }
}
static void mask_bwd(size_t n, const unsigned char *m, const float *dy, float *dx, float g0)
{
    mask_bwd_with(n, m, dy, dx, g0, false);
}
static void mask_bwd_msb_first(size_t n, const unsigned char *m, const float *dy, float *dx, float g0)
{
    mask_bwd_with(n, m, dy, dx, g0, true);
}

static void (*mask_fwd_impl)(size_t n, const float *x, float *y, unsigned char *m) = mask_fwd;
static void (*mask_bwd_impl)(size_t n, const unsigned char *m, const float *dy, float *dx,
                             float g0) = mask_bwd;

static void call_mask_fwd(const sg_kernels *k, size_t n, const void *const *in, void *const *out,
                          const float *p)
{
    (void)k, (void)p;
    mask_fwd_impl(n, in[0], out[0], out[1]);
}
static void call_mask_bwd(const sg_kernels *k, size_t n, const void *const *in, void *const *out,
                          const float *p)
{
    (void)k;
    mask_bwd_impl(n, in[0], in[1], out[0], p[0]);
}

static const sg_eltwise_desc mask_fwd_desc = {.family = SG_FAMILY_COUNT,
                                              .n_in = 1,
                                              .n_out = 2,
                                              .in = {SG_ELT_F32},
                                              .out = {SG_ELT_F32, SG_ELT_MASK2},
                                              .in_names = {"x"},
                                              .out_names = {"y", "m"},
                                              .alias_in = 0,
                                              .call = call_mask_fwd};
static const sg_eltwise_desc mask_bwd_desc = {.family = SG_FAMILY_COUNT,
                                              .n_in = 2,
                                              .n_out = 1,
                                              .in = {SG_ELT_MASK2, SG_ELT_F32},
                                              .out = {SG_ELT_F32},
                                              .in_names = {"m", "dy"},
                                              .out_names = {"dx"},
                                              .alias_in = 1,
                                              .n_params = 1,
                                              .param_name = "g0",
                                              .n_sweep = 3,
                                              .sweep = {1.0f, 0.0f, 0.5f},
                                              .call = call_mask_bwd};
static const sgt_elt_family mask_fwd_line = {
    .family = SG_FAMILY_COUNT, .rule = rule_mask_fwd, .desc = &mask_fwd_desc};
static const sgt_elt_family mask_bwd_line = {
    .family = SG_FAMILY_COUNT, .rule = rule_mask_bwd, .desc = &mask_bwd_desc};

static void spoil_mask_pad(sg_kernels *k)
{
    (void)k;
    mask_fwd_impl = mask_fwd_dirty_pad;
}
static void spoil_mask_overwrite(sg_kernels *k)
{
    (void)k;
    mask_fwd_impl = mask_fwd_overwrite;
}
static void spoil_mask_order(sg_kernels *k)
{
    (void)k;
    mask_bwd_impl = mask_bwd_msb_first;
}

static const struct {
    sg_family family;
    const sgt_elt_family *line; /* NULL: the family's line in `families` */
    const char *what;
    void (*spoil)(sg_kernels *k);
    bool needs_guard_pages; /* an over-read is only seen by a PROT_NONE page */
} broken[] = {
    {SG_FAMILY_relu, NULL, "a relu that passes -0.0 through", spoil_relu, false},
    {SG_FAMILY_relu_grad, NULL, "a relu_grad that ignores grad_at_zero", spoil_relu_grad, false},
    {SG_FAMILY_relu, NULL, "a relu that reads one element past the end", spoil_overread, true},
    {SG_FAMILY_relu, NULL, "a relu that writes one element past the end", spoil_overwrite, false},
    {SG_FAMILY_relu, NULL, "a relu that writes one element before the start", spoil_underwrite, false},
    {SG_FAMILY_relu, NULL, "a relu that skips the tail", spoil_short, false},
    {SG_FAMILY_relu, NULL, "a relu that is wrong in place only", spoil_aliasing, false},
    {SG_FAMILY_relu, NULL, "a relu that writes its input", spoil_scribbling, false},
    {SG_FAMILY_COUNT, &mask_fwd_line, "a packed-mask output with garbage in its padding bits", spoil_mask_pad,
     false},
    {SG_FAMILY_COUNT, &mask_fwd_line, "a packed-mask output written one byte too far", spoil_mask_overwrite,
     false},
    {SG_FAMILY_COUNT, &mask_bwd_line, "a packed-mask input read in the wrong bit order", spoil_mask_order,
     false},
};

/* Runs the tester on a copy of the scalar table with one entry spoiled, in a child process (its
   failures must not count here); the child must exit 1, neither pass nor crash. */
static void expect_rejected(const sgt_elt_family *line, const char *what, void (*spoil)(sg_kernels *k))
{
    fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        /* The child's FAIL lines are expected: keep them out of this passing test's log. */
        if (!freopen("/dev/null", "w", stdout))
            _exit(3);
        sg_kernels spoiled = *sg_kernels_get(SG_ISA_SCALAR);
        spoil(&spoiled);
        const sg_kernels *ks[1] = {&spoiled};
        sgt_eltwise_check(line, ks, 1, SGT_ELT_STOP_AT_FAILURE | SGT_ELT_QUICK);
        _exit(sgt_failures() ? 1 : 0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        status = -1;
    const bool rejected = WIFEXITED(status) && WEXITSTATUS(status) == 1;
    SGT_CHECK(rejected, "self-test: %s as the reference was %s", what,
              WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "accepted" : "not cleanly rejected (crash?)");
    if (rejected)
        printf("self-test: %s as the reference is rejected\n", what);
}

static int self_test(void)
{
    for (int f = 0; f < SG_FAMILY_COUNT; f++) {
        const bool elementwise = sg_eltwise_find((sg_family)f) != NULL;
        const bool has_rule = find_line((sg_family)f) != NULL;
        SGT_CHECK(elementwise == has_rule, "%s: %s", sg_family_name((sg_family)f),
                  elementwise ? "elementwise (src/eltwise.c) but no rule in test_eltwise.c"
                              : "a rule in test_eltwise.c but no elementwise descriptor");
    }
    /* Packed arrays through every placement: right kernels pass (in this process: a failure is real). */
    const sg_kernels *scalar[1] = {sg_kernels_get(SG_ISA_SCALAR)};
    sgt_eltwise_check(&mask_fwd_line, scalar, 1, SGT_ELT_QUICK);
    sgt_eltwise_check(&mask_bwd_line, scalar, 1, SGT_ELT_QUICK);
    if (!sgt_failures())
        puts("self-test: right kernels with packed-mask outputs and inputs pass");
    const char *guards = getenv("SIMDGRAD_TEST_GUARD_PAGES");
    const bool guards_on = !(guards && strcmp(guards, "0") == 0);
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        if (broken[i].needs_guard_pages && !guards_on) {
            printf("self-test: not checked without guard pages: %s\n", broken[i].what);
            continue;
        }
        expect_rejected(broken[i].line ? broken[i].line : find_line(broken[i].family), broken[i].what,
                        broken[i].spoil);
    }
    /* About the harness, not the kernels: no vector ISA is involved, so a pass is a real pass
       (sgt_finish would call it a skip). */
    if (sgt_failures())
        return sgt_finish("eltwise tester self-test", 0);
    puts("eltwise tester self-test: ok");
    return 0;
}

int main(int argc, char **argv)
{
    sgt_install_fault_handler();
    if (argc != 2) {
        fprintf(stderr, "usage: %s <family> | --self-test\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "--self-test") == 0)
        return self_test();
    sg_family f;
    if (sg_family_parse(argv[1], &f) != 0) {
        sgt_fail("unknown family '%s'", argv[1]);
        return sgt_finish(argv[1], 0);
    }
    const sgt_elt_family *line = find_line(f);
    if (!line) {
        sgt_fail("%s: no rule in tests/kernels/test_eltwise.c; a family that is not elementwise has its own "
                 "tests/kernels/test_%s.c",
                 argv[1], argv[1]);
        return sgt_finish(argv[1], 0);
    }
    const sg_kernels *all[SG_ISA_COUNT + 1];
    int nall;
    const int nvec = sgt_all_kernels(all, &nall);
    if (!all[0]) {
        sgt_fail("scalar kernels unavailable");
        return sgt_finish(argv[1], 0);
    }
    sgt_eltwise_check(line, all, nall, 0);
    return sgt_finish(argv[1], nvec);
}
