/* The auto-vectorized baseline tables, by ISA (bench/baselines.h). */
#include <stddef.h>

#include "baselines.h"

const sg_kernels *sgb_auto_table(sg_isa isa)
{
    static const sg_kernels *const tables[SG_ISA_COUNT] = {
#define SGB_AUTO_(id, name, rank, probe, cpuinfo)                                                            \
    [SG_ISA_##id] = SG_WHEN(SIMDGRAD_HAVE_AUTO_##id, &sg_auto_##name##_table),
        SG_ISA_LIST(SGB_AUTO_)
#undef SGB_AUTO_
    };
    return isa == SG_ISA_SCALAR || (unsigned)isa >= SG_ISA_COUNT ? NULL : tables[isa];
}
