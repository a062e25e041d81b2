/* The implementations timed side by side: the baselines ("scalar", "auto_<isa>") are the
 * reference source compiled again (bench/meson.build, top-level meson.build), the rest are
 * simdgrad's own tables. Both lists follow SG_ISA_LIST. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "baselines.h"
#include "sgb.h"

/* The one ISA whose own kernels are timed (SIMDGRAD_ISA), or -1 for every available one. */
static int only = -1;
static char selection[64] = "all available";

int sgb_impls_select(char *msg, size_t msg_len)
{
    const char *env = getenv("SIMDGRAD_ISA");
    if (!env || !*env)
        return 0;
    sg_isa isa;
    const char *why;
    /* Unknown or unavailable: an error naming the available ISAs, never a silent fallback. */
    if (sg_isa_select(&isa, msg, msg_len, &why) != 0)
        return -1;
    only = (int)isa;
    snprintf(selection, sizeof selection, "SIMDGRAD_ISA=%s%s", sg_isa_name(isa),
             isa == SG_ISA_SCALAR ? " (none of its own: scalar is the baseline)" : "");
    return 0;
}

const char *sgb_impls_selection(void) { return selection; }

size_t sgb_impls(const sgb_impl **out)
{
    static sgb_impl list[2 * SG_ISA_COUNT];
    static size_t count;
    if (count) {
        *out = list;
        return count;
    }
#if SGB_HAVE_SCALAR_FMA
    /* On x86 the library's reference calls libm's fmaf (no -mfma); timing that would flatter
       every vector kernel, so the scalar baseline is the same source with fmaf as one
       vfmadd231ss (needs FMA, which AVX2 implies here). */
    if (sg_isa_available(SG_ISA_AVX2))
        list[count++] = (sgb_impl){"scalar", "scalar", "reference.c -O2 " SGB_SCALAR_FMA_FLAGS, false,
                                   sgb_scalarfma_table};
    else
#endif
        list[count++] = (sgb_impl){"scalar", "scalar", "reference.c as in libsimdgrad (no FMA instruction)",
                                   false, *sg_kernels_get(SG_ISA_SCALAR)};
        /* auto_<isa> where that ISA runs here (SVE's vector length is the CPU's). */
#define SGB_AUTO_IMPL_(id, name, rank, probe, cpuinfo)                                                       \
    if (sgb_auto_table(SG_ISA_##id) && sg_isa_available(SG_ISA_##id))                                        \
        list[count++] = (sgb_impl){"auto_" #name, #name, "reference.c " SIMDGRAD_AUTO_##id##_FLAGS, false,   \
                                   *sgb_auto_table(SG_ISA_##id)};
    SG_ISA_LIST(SGB_AUTO_IMPL_)
#undef SGB_AUTO_IMPL_
    for (int i = 0; i < SG_ISA_COUNT; i++) {
        const sg_kernels *k =
            i == SG_ISA_SCALAR || (only >= 0 && i != only) ? NULL : sg_kernels_get((sg_isa)i);
        if (k)
            list[count++] =
                (sgb_impl){sg_isa_name((sg_isa)i), sg_isa_name((sg_isa)i), "simdgrad kernels", true, *k};
    }
    *out = list;
    return count;
}
