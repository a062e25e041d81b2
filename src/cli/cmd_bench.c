/* PLACEHOLDER: replaced by the full implementation of 'simdgrad bench'. */
#include "cli/cli.h"

int sg_cmd_bench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sg_cli_error("bench", "not implemented in this build yet");
}
