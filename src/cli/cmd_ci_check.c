/* PLACEHOLDER: replaced by the full implementation of 'simdgrad ci-check'. */
#include "cli/cli.h"

int sg_cmd_ci_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sg_cli_error("ci-check", "not implemented in this build yet");
}
