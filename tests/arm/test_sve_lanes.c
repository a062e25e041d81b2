/* Catches a test setup that silently did not apply: under qemu the CPU (and SVE vector length)
 * come from QEMU_CPU, and a typo there would quietly test the default CPU instead. Each setup
 * sets SIMDGRAD_EXPECT_SVE_LANES (0 = no SVE, only NEON) and this test asserts it, plus that
 * dispatch picks SVE exactly when it is there with vectors of 256 bits or more (NEON at 128). Without the
 * variable it only reports. */
#include <stdio.h>
#include <stdlib.h>

#include "simdgrad.h"

size_t arm_sve_lanes(void);

int main(void)
{
    const bool sve = sg_isa_available(SG_ISA_SVE);
    const size_t lanes = sve ? arm_sve_lanes() : 0;
    int bad = 0;
    printf("SVE %s, svcntw() = %zu (%zu-bit vectors), best ISA = %s, neon available = %d\n",
           sve ? "available" : "not available", lanes, lanes * 32, sg_isa_name(sg_isa_best()),
           (int)sg_isa_available(SG_ISA_NEON));
    if (!sg_isa_available(SG_ISA_NEON)) {
        printf("FAIL: NEON must always be available on AArch64\n");
        bad = 1;
    }
    /* At 128-bit vectors NEON is dispatched (docs/model.md, "NEON vs SVE at 128 bits"); SVE from 256. */
    const bool sve_best = sve && lanes > 4;
    if (sg_isa_best() != (sve_best ? SG_ISA_SVE : SG_ISA_NEON)) {
        printf("FAIL: best ISA should be %s\n", sve_best ? "sve" : "neon");
        bad = 1;
    }
    const char *passed_over = sg_isa_not_preferred(SG_ISA_SVE);
    printf("sve not preferred: %s\n", passed_over ? passed_over : "(no)");
    if ((passed_over != NULL) != (sve && lanes == 4) || sg_isa_not_preferred(SG_ISA_NEON)) {
        printf("FAIL: sg_isa_not_preferred(sve) must say why exactly at 128-bit SVE, never for neon\n");
        bad = 1;
    }
    /* Passed over is not unavailable: SIMDGRAD_ISA=sve and --isa sve still reach the SVE kernels. */
    if (sve && sg_kernels_get(SG_ISA_SVE) == NULL) {
        printf("FAIL: SVE available but sg_kernels_get(sve) is NULL\n");
        bad = 1;
    }
    const char *want = getenv("SIMDGRAD_EXPECT_SVE_LANES");
    if (want && *want) {
        char *end;
        const unsigned long expect = strtoul(want, &end, 10);
        if (*end || expect != lanes) {
            printf("FAIL: SIMDGRAD_EXPECT_SVE_LANES=%s but svcntw() = %zu (did QEMU_CPU apply?)\n", want,
                   lanes);
            bad = 1;
        }
    } else {
        printf("SIMDGRAD_EXPECT_SVE_LANES not set: reporting only\n");
    }
    return bad;
}
