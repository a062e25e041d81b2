/* simdgrad: the command-line front end (sg_cli_main). Each subcommand is one cmd_*.c file;
 * the process entry point is entry.c, so the fuzz target can drive the whole CLI in-process. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int sg_cli_error(const char *cmd, const char *fmt, ...)
{
    /* The message often echoes argv or file contents: escape control characters so that it stays
       one line whatever the input was. */
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "simdgrad %s: ", cmd);
    else
        fputs("simdgrad: ", stderr);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputc('\n', stderr);
    return SG_EXIT_USAGE;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"train", sg_cmd_train, "train the two-layer ReLU network with each ISA and ReLU'(0) convention"},
    {"info", sg_cmd_info, "CPU, ISAs compiled in / available / selected, hwloc topology"},
    {"bench", sg_cmd_bench, "per-kernel throughput vs scalar, auto-vectorized, ceilings and peers"},
    {"ci-check", sg_cmd_ci_check, "performance-regression gate (instruction counts or wall clock)"},
    {"model", sg_cmd_model, "static throughput model of the kernels' loops per core (llvm-mca)"},
    {"report", sg_cmd_report, "charts (PNG, SVG) and report.md from saved runs, or two runs compared"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: simdgrad <command> [options]   (simdgrad <command> --help for details)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nSIMDGRAD_ISA=<scalar|avx2|avx512|neon|sve> forces the kernels' ISA.\n");
}

bool sg_cli_validate_only;

int sg_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SG_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return SG_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("simdgrad %s\n", sg_version());
        return SG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    return sg_cli_error(NULL, "unknown command '%s' (commands: train, info, bench, ci-check, model, report)",
                        argv[1]);
}
