/* PLACEHOLDER: replaced by the full implementation of 'simdgrad info'. */
#include "cli/cli.h"

int sg_cmd_info(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sg_cli_error("info", "not implemented in this build yet");
}
