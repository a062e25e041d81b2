/* 'simdgrad bench': the friendly front of simdgrad-bench (bench/), which is C++-linked
 * (Google Benchmark) and therefore a separate program. This execs it with the same arguments:
 * next to this binary when installed, or in the build tree's bench/ directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* Writes dirname(/proc/self/exe) + "/" + rel into out; false when it does not exist. */
static bool candidate(const char *rel, char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return false;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return false;
    *slash = '\0';
    if (snprintf(out, len, "%s/%s", self, rel) >= (int)len)
        return false;
    return access(out, X_OK) == 0;
}

int sg_cmd_bench(int argc, char **argv)
{
    /* simdgrad-bench validates its own arguments; the CLI fuzzer must never exec it. */
    if (sg_cli_validate_only)
        return SG_EXIT_OK;
    char path[PATH_MAX + 32];
    const char *env = getenv("SIMDGRAD_BENCH");
    if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else if (!candidate("simdgrad-bench", path, sizeof path) &&
             !candidate("../bench/simdgrad-bench", path, sizeof path))
        return sg_cli_error(
            "bench", "simdgrad-bench not found next to this program or in ../bench/; it is built when "
                     "Google Benchmark is found (meson setup -Dbench=enabled, Debian: libbenchmark-dev)");
    /* argv[0] is "bench"; the rest is simdgrad-bench's command line. */
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args)
        return sg_cli_error("bench", "out of memory");
    args[0] = path;
    for (int i = 1; i < argc; i++)
        args[i] = argv[i];
    if (sg_cli_validate_only) { /* simdgrad-bench validates its own flags */
        free(args);
        return SG_EXIT_OK;
    }
    fflush(NULL);
    execv(path, args);
    int e = errno;
    free(args);
    return sg_cli_error("bench", "cannot run %s: %s", path, strerror(e));
}
