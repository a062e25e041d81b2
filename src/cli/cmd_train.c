/* PLACEHOLDER: replaced by the full implementation of 'simdgrad train'. */
#include "cli/cli.h"

int sg_cmd_train(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sg_cli_error("train", "not implemented in this build yet");
}
