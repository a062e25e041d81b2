/* Unit test of the roofline arithmetic (bench/roofline.c): exact cases chosen so every
 * quotient is representable, so the checks can be equalities. */
#include <stdio.h>

#include "sgb.h"

static int failures;

static void check(const char *what, double got, double want)
{
    if (got != want) {
        printf("FAIL %s: got %.17g, want %.17g\n", what, got, want);
        failures++;
    }
}

int main(void)
{
    /* Bandwidth-bound: 1e9 FLOPs at 1e11 FLOP/s = 0.01 s; 1e9 bytes at 1e10 B/s = 0.1 s. */
    check("seconds, bandwidth-bound", sgb_roofline_seconds(1e9, 1e9, 1e11, 1e10), 0.1);
    /* Compute-bound: 4e9 FLOPs at 1e9 FLOP/s = 4 s; 2e9 bytes at 1e9 B/s = 2 s. */
    check("seconds, compute-bound", sgb_roofline_seconds(4e9, 2e9, 1e9, 1e9), 4.0);
    check("fraction, half", sgb_roofline_fraction(1e9, 1e9, 1e11, 1e10, 0.2), 0.5);
    check("fraction, at the roof", sgb_roofline_fraction(4e9, 2e9, 1e9, 1e9, 4.0), 1.0);
    check("fraction, unknown time", sgb_roofline_fraction(1, 1, 1, 1, 0.0), 0.0);
    /* Pure streaming (relu): no FLOPs, the roof is the bandwidth. */
    check("seconds, no flops", sgb_roofline_seconds(0, 8e6, 1e11, 4e9), 0.002);
    check("fraction, no flops", sgb_roofline_fraction(0, 8e6, 1e11, 4e9, 0.004), 0.5);
    check("rate, no flops", sgb_roofline_rate(0, 8e6, 1e11, 4e9), 4e9);
    /* min(peak, AI × BW): AI 0.25 FLOP/B × 8e9 B/s = 2e9 < 1e11; AI 100 × 8e9 = 8e11 > 1e11. */
    check("rate, bandwidth side", sgb_roofline_rate(2e6, 8e6, 1e11, 8e9), 2e9);
    check("rate, peak side", sgb_roofline_rate(8e8, 8e6, 1e11, 8e9), 1e11);
    /* A missing ceiling (0) must not divide by zero: the other side decides. */
    check("seconds, no bandwidth measured", sgb_roofline_seconds(1e9, 1e9, 1e9, 0), 1.0);
    if (failures)
        return 1;
    printf("roofline arithmetic: all checks passed\n");
    return 0;
}
