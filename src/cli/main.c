/* simdgrad: the command-line front end (sg_cli_main). Each subcommand is one cmd_*.c file;
 * the process entry point is entry.c, so the fuzz target can drive the whole CLI in-process. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"train", sg_cmd_train, "train the two-layer ReLU network with each ISA and ReLU'(0) convention"},
    {"study", sg_cmd_study, "does ReLU'(0) matter? conventions x precisions over many seeds, with intervals"},
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
    fprintf(out, "\nSIMDGRAD_ISA=<");
    for (int i = 0; i < SG_ISA_COUNT; i++) /* the ISA list's names (simdgrad.h) */
        fprintf(out, "%s%s", i ? "|" : "", sg_isa_name((sg_isa)i));
    fprintf(out, "> forces the kernels' ISA.\n");
}

bool sg_cli_validate_only;

/* "train, info, ..." from the table, so the error messages cannot fall behind it. */
static const char *command_list(void)
{
    static char list[256];
    size_t used = 0;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0] && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", commands[i].name);
    return list;
}

/* A closed fd 0, 1 or 2 would be handed out by the next open(): the CSV's temporary file would
   become stdout and the results table would end up inside the CSV. Park /dev/null there. */
static void ensure_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            const int got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (got >= 0 && got != fd) /* only when a lower fd was also closed, which the loop fixed */
                close(got);
        }
}

static int run(int argc, char **argv)
{
    if (argc < 2)
        return sg_cli_error(NULL, "no command given (commands: %s; see simdgrad --help)", command_list());
    const bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help");
    if (help || !strcmp(argv[1], "--version")) {
        char shown[SG_CLI_SHOWN];
        if (argc > 2)
            return sg_cli_error(NULL, "%s takes no arguments, got '%s'", argv[1],
                                sg_cli_shown(argv[2], shown));
        if (help)
            usage(stdout);
        else
            printf("simdgrad %s\n", sg_version());
        return SG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    char shown[SG_CLI_SHOWN];
    return sg_cli_error(NULL, "unknown command '%s' (commands: %s)", sg_cli_shown(argv[1], shown),
                        command_list());
}

int sg_cli_check_stdout(const char *cmd)
{
    /* A full disk or a closed pipe behind stdout must not pass as success. */
    if (fflush(stdout) == 0 && !ferror(stdout))
        return SG_EXIT_OK;
    const int e = errno;
    clearerr(stdout);
    return sg_cli_error(cmd, "cannot write to standard output: %s", strerror(e));
}

int sg_cli_main(int argc, char **argv)
{
    ensure_std_fds();
    const int rc = run(argc, argv);
    /* After an error line (exit 2) a second line would break the one-line contract. */
    if (rc == SG_EXIT_USAGE)
        return rc;
    const int out =
        sg_cli_check_stdout(argc >= 2 && argv[1][0] != '-' && strcmp(argv[1], "help") ? argv[1] : NULL);
    return out != SG_EXIT_OK ? out : rc;
}
