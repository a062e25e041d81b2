/* Shared CLI plumbing: each subcommand lives in its own cmd_*.c file. */
#ifndef SG_CLI_H
#define SG_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "atomic_file.h"
#include "simdgrad.h"

/* Exit codes: 0 ok, 1 a check failed (e.g. ci-check regression, train disagreement), 2 bad usage/input,
   3 training diverged (the loss became NaN/inf or exceeded SG_TRAIN_MAX_LOSS). */
enum { SG_EXIT_OK = 0, SG_EXIT_FAIL = 1, SG_EXIT_USAGE = 2, SG_EXIT_DIVERGED = 3 };

/* Prints "simdgrad <cmd>: <message>" (cmd NULL: "simdgrad: <message>") to stderr as one line, control
   characters escaped, and returns SG_EXIT_USAGE. */
int sg_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Echoed user text (argv, paths, environment values) is cut to SG_SHOWN_MAX characters plus "..."
   so the reason after it always fits in the message. buf: char[SG_CLI_SHOWN]. */
#define SG_CLI_SHOWN (SG_SHOWN_MAX + 4)
#define sg_cli_shown sg_shown

/* Flushes stdout; on a write error (full disk, closed pipe) prints one error line and returns
   SG_EXIT_USAGE, else SG_EXIT_OK. */
int sg_cli_check_stdout(const char *cmd);

/* The whole CLI: argv[0] is the program name, argv[1] the subcommand. */
int sg_cli_main(int argc, char **argv);

/* Set only by the CLI fuzz target: each subcommand returns SG_EXIT_OK right after validating
   its arguments, before loading data, running or writing anything. */
extern bool sg_cli_validate_only;

/* Subcommands: argv[0] is the subcommand name. */
int sg_cmd_train(int argc, char **argv);
int sg_cmd_study(int argc, char **argv);
int sg_cmd_info(int argc, char **argv);
int sg_cmd_bench(int argc, char **argv);
int sg_cmd_ci_check(int argc, char **argv);
int sg_cmd_model(int argc, char **argv);
int sg_cmd_report(int argc, char **argv);

#endif
