/* The CPU model string `info` prints: blanks around it are trimmed (Intel pads its CPUID brand
 * string), an empty one reads "unknown". Issue 13, item 25. */
#include <stdio.h>
#include <string.h>

#include "cpu_info.h"
#include "sgtest.h"
#include "simdgrad.h"

static void expect(const char *raw, const char *want)
{
    char out[64];
    sg_cpu_model_clean(raw, out, sizeof out);
    SGT_CHECK(!strcmp(out, want), "clean('%s') = '%s', want '%s'", raw, out, want);
}

int main(void)
{
    expect("       Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz   ",
           "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz");
    expect("AMD EPYC 7B13 64-Core Processor                ", "AMD EPYC 7B13 64-Core Processor");
    expect("\tNeoverse-N1 \n", "Neoverse-N1");
    expect("", "unknown");
    expect("      ", "unknown");
    const char *m = sg_cpu_model();
    const size_t n = strlen(m);
    SGT_CHECK(n > 0 && m[0] != ' ' && m[n - 1] != ' ' && m[n - 1] != '\t', "sg_cpu_model '%s' is trimmed", m);
    printf("cpu model: '%s'\n", m);
    printf("test_cpu_model: %lu failure(s)\n", sgt_failures());
    return sgt_failures() ? 1 : 0;
}
