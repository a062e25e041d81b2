/* Internal: the entry points each ISA's library provides and the CPU probes, both generated from
 * the lists in simdgrad.h. Only declarations live here so that baseline code never sees intrinsics. */
#ifndef SG_KERNELS_IMPL_H
#define SG_KERNELS_IMPL_H

#include "simdgrad.h"

/* SG_WHEN(SIMDGRAD_HAVE_<ID>, x): x when the flag (0 or 1, from meson) is 1, else NULL. An X-macro
   expansion cannot contain #if; this is the same choice made by the preprocessor. */
#define SG_CAT_(a, b)    a##b
#define SG_CAT(a, b)     SG_CAT_(a, b)
#define SG_WHEN_0(x)     NULL
#define SG_WHEN_1(x)     x
#define SG_WHEN(flag, x) SG_CAT(SG_WHEN_, flag)(x)

/* prefix<family> for every family: SG_DECLARE_ISA_KERNELS(sg_avx2_) declares sg_avx2_matmul, ...
   An ISA defines only the families it implements (its table, simd/<isa>/table.c, names them);
   the reference (src/scalar/reference.c, also rebuilt under other prefixes) defines all. */
#define SG_DECLARE_KERNEL_(prefix, name, params, args, work) sg_##name##_fn prefix##name;
#define SG_DECLARE_ISA_KERNELS(prefix)                                                                       \
    SG_FAMILY_ROWS(SG_DECLARE_KERNEL_, prefix) extern const sg_kernels prefix##table

/* sg_auto_<isa>_*: the reference rebuilt -O3 with that ISA's flags (the benchmarks' and the icount
   gate's "auto-vectorized" baseline), where SIMDGRAD_HAVE_AUTO_<ID> is 1. */
#define SG_DECLARE_ISA_(id, name, rank, probe, cpuinfo)                                                      \
    SG_DECLARE_ISA_KERNELS(sg_##name##_);                                                                    \
    SG_DECLARE_ISA_KERNELS(sg_auto_##name##_);
SG_ISA_LIST(SG_DECLARE_ISA_)
#undef SG_DECLARE_ISA_

/* CPU feature probes (src/cpu_features.c): what the CPU *and* OS can run, one per ISA line. */
#define SG_DECLARE_PROBE_(id, name, rank, probe, cpuinfo) bool probe(void);
SG_ISA_LIST(SG_DECLARE_PROBE_)
#undef SG_DECLARE_PROBE_

/* Each ISA's table is sg_<isa>_table (simd/<isa>/table.c; scalar: src/scalar/reference.c), declared
   above and referenced only for ISAs whose SIMDGRAD_HAVE_<ID> is 1. */

/* An ISA's table: starts as the scalar one, then the given overrides (designated initializers,
   ".relu = sg_avx2_relu, ..."), so a family the ISA does not implement falls back to the
   reference. -Woverride-init is exactly what this relies on (C11 6.7.9p19), so it is off here. */
#define SG_SCALAR_ENTRY_(name, params, args, work) .name = sg_scalar_##name,
#define SG_DEFINE_TABLE(isa_name, id, ...)                                                                   \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Woverride-init\"")                     \
        const sg_kernels sg_##isa_name##_table = {.isa = SG_ISA_##id,                                        \
                                                  SG_FAMILY_LIST(SG_SCALAR_ENTRY_) __VA_ARGS__};             \
    _Pragma("GCC diagnostic pop")

#endif
