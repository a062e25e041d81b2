/* Unit test of the progress line's text (src/progress.c): the percentage, the durations and the
 * estimate, which is the pace so far applied to what remains. No terminal, no clock. */
#include <stdio.h>
#include <string.h>

#include "progress.h"

static int failures;

static void expect(const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        printf("FAIL: got '%s'\n      want '%s'\n", got, want);
        failures++;
    }
}

int main(void)
{
    char b[256];
    expect(sg_progress_duration(b, sizeof b, 0), "0:00");
    expect(sg_progress_duration(b, sizeof b, 59.4), "0:59");
    expect(sg_progress_duration(b, sizeof b, 59.6), "1:00");
    expect(sg_progress_duration(b, sizeof b, 3599), "59:59");
    expect(sg_progress_duration(b, sizeof b, 3600), "1:00:00");
    expect(sg_progress_duration(b, sizeof b, 36000 + 62), "10:01:02");
    expect(sg_progress_duration(b, sizeof b, -5), "0:00");
    /* A quarter done in 30 s: three quarters left at the same pace, 90 s. */
    expect(sg_progress_format(b, sizeof b, "simdgrad bench", "family 2 of 14 (relu), 50 of 200 runs", 50, 200,
                              30),
           "simdgrad bench: 25%, 0:30 elapsed, ~1:30 left; family 2 of 14 (relu), 50 of 200 runs");
    /* Nothing finished: no estimate rather than a made-up one. */
    expect(sg_progress_format(b, sizeof b, "simdgrad train", "run 1 of 3", 0, 600, 2),
           "simdgrad train: 0%, 0:02 elapsed, estimating; run 1 of 3");
    /* Percent rounds down (100% only when done); no stage, no separator. */
    expect(sg_progress_format(b, sizeof b, "x", NULL, 999, 1000, 999), "x: 99%, 16:39 elapsed, ~0:01 left");
    expect(sg_progress_format(b, sizeof b, "x", "", 1000, 1000, 61), "x: 100%, 1:01 elapsed, ~0:00 left");
    /* More done than the total (a miscount) never gives a negative estimate. */
    expect(sg_progress_format(b, sizeof b, "x", "", 12, 10, 5), "x: 100%, 0:05 elapsed, estimating");
    /* Disabled when quiet, and when stderr is not a terminal (as under meson test). */
    sg_progress p;
    sg_progress_start(&p, "x", true);
    if (sg_progress_on(&p))
        printf("FAIL: quiet progress is on\n"), failures++;
    sg_progress_end(&p);
    if (failures)
        return 1;
    printf("progress text: all checks passed\n");
    return 0;
}
