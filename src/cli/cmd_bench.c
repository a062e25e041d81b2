/* 'simdgrad bench': the friendly front of simdgrad-bench (bench/), which is C++-linked
 * (Google Benchmark) and therefore a separate program. This execs it with the same arguments:
 * $SIMDGRAD_BENCH, else next to this binary when installed, else the build tree's bench/. */
#define _GNU_SOURCE
#include <stdio.h>

#include "cli/cli.h"
#include "cli/proc.h"

int sg_cmd_bench(int argc, char **argv)
{
    /* simdgrad-bench validates its own arguments; the CLI fuzzer must never exec it. */
    if (sg_cli_validate_only)
        return SG_EXIT_OK;
    const char *path = sg_find_helper(NULL, "SIMDGRAD_BENCH", "simdgrad-bench", "bench");
    if (!path)
        return sg_cli_error(
            "bench", "simdgrad-bench not found next to this program or in ../bench/; it is built when "
                     "Google Benchmark is found (meson setup -Dbench=enabled, Debian: libbenchmark-dev)");
    const char *lead[] = {path};
    return sg_exec_helper("bench", lead, 1, argc, argv);
}
