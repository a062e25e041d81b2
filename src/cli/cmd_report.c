/* 'simdgrad report': charts and report.md from saved benchmark runs. The renderer is Python
 * (matplotlib, tools/report/); this only finds its entry script and execs the system Python with
 * the same arguments, as 'simdgrad bench' does for simdgrad-bench. The script is looked up as
 * $SIMDGRAD_REPORT, else in the build tree (meson copies it to <build>/tools/report/), else where
 * 'meson install' puts it (<prefix>/share/simdgrad/report/). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/proc.h"

int sg_cmd_report(int argc, char **argv)
{
    /* The script validates its own arguments; the CLI fuzzer must never exec it. */
    if (sg_cli_validate_only)
        return SG_EXIT_OK;
    const char *script = sg_find_helper(NULL, "SIMDGRAD_REPORT", "simdgrad_report.py", "tools/report");
    if (!script)
        script = sg_find_helper(NULL, "SIMDGRAD_REPORT", "simdgrad_report.py", "share/simdgrad/report");
    if (!script)
        return sg_cli_error("report", "tools/report/simdgrad_report.py not found in the build tree or in "
                                      "../share/simdgrad/report/ (set SIMDGRAD_REPORT to its path)");
    /* Debian's python3 is where python3-matplotlib installs; SIMDGRAD_PYTHON overrides it. */
    const char *python = getenv("SIMDGRAD_PYTHON");
    if (!python || !*python)
        python = "/usr/bin/python3";
    const char *lead[] = {python, script};
    return sg_exec_helper("report", lead, 2, argc, argv);
}
