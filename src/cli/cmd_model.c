/* 'simdgrad model': a static throughput model (llvm-mca) of the kernels' hot loops, read from this
 * build's compiled objects. The work is done by tools/model/simdgrad_model.py (Python: it parses
 * llvm-objdump and llvm-mca output), which this execs with /usr/bin/python3: $SIMDGRAD_MODEL_TOOL,
 * else the copy meson puts next to this binary. The build to model is the one this binary belongs
 * to (--build <its directory>/..) unless the caller names one. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/proc.h"

int sg_cmd_model(int argc, char **argv)
{
    /* The tool validates its own arguments; the CLI fuzzer must never exec it. */
    if (sg_cli_validate_only)
        return SG_EXIT_OK;
    const char *python = "/usr/bin/python3";
    const char *found = sg_find_helper(NULL, "SIMDGRAD_MODEL_TOOL", "simdgrad_model.py", "src");
    if (!found)
        return sg_cli_error("model",
                            "simdgrad_model.py not found next to this program (set SIMDGRAD_MODEL_TOOL "
                            "to tools/model/simdgrad_model.py)");
    char tool[4096];
    snprintf(tool, sizeof tool, "%s", found);
    int has_build = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--build") || !strncmp(argv[i], "--build=", 8))
            has_build = 1;
    char build[4096];
    snprintf(build, sizeof build, "%s/..", sg_exe_dir());
    /* python3 tool [--build DIR] args... */
    const char *lead[] = {python, tool, "--build", build};
    return sg_exec_helper("model", lead, has_build ? 2 : 4, argc, argv);
}
