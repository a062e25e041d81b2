/* Fuzz target for the command line: NUL-separated tokens become argv for the real CLI entry
 * (sg_cli_main), with sg_cli_validate_only set so a subcommand stops after validating its
 * arguments instead of training or benchmarking. Whatever argv it is fed, the CLI must return
 * 0 (valid, or --help), or 2 (bad usage) — never crash, hang or return anything else. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum { MAX_ARGS = 24 };

/* The first byte picks the subcommand, so every subcommand gets coverage from the start. */
static const char *const subcommands[] = {"train", "info",     "bench",  "help", "--version",
                                          "bogus", "ci-check", "report", "study"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *copy = malloc(size + 1);
    if (!copy)
        abort();
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    char *argv[MAX_ARGS + 3] = {"simdgrad",
                                (char *)subcommands[data[0] % (sizeof subcommands / sizeof *subcommands)]};
    int argc = 2;
    for (char *p = copy; p < copy + size - 1 && argc < MAX_ARGS + 2; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    sg_cli_validate_only = true;
    const int rc = sg_cli_main(argc, argv);
    if (rc != SG_EXIT_OK && rc != SG_EXIT_USAGE) {
        fprintf(stderr, "simdgrad %s returned %d for a validate-only run\n", argv[1], rc);
        abort();
    }
    free(copy);
    return 0;
}
