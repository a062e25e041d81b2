/* A small table-driven flag parser for the subcommands: "--name value" or "--name=value",
 * every flag at most once, no positional arguments, "--help"/"-h" prints the table.
 * Errors are reported as one line "simdgrad <cmd>: ..." on stderr. */
#ifndef SG_CLI_ARGS_H
#define SG_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sg_arg_kind {
    SG_ARG_FLAG,   /* no value; *(bool *)out = true */
    SG_ARG_STRING, /* *(const char **)out = the value (points into argv) */
    SG_ARG_SIZE,   /* *(size_t *)out: decimal digits only, no sign */
    SG_ARG_U64,    /* *(uint64_t *)out: decimal digits only, no sign */
    SG_ARG_DOUBLE, /* *(double *)out: a finite number */
} sg_arg_kind;

typedef struct sg_arg {
    const char *name; /* with the dashes: "--steps" */
    sg_arg_kind kind;
    void *out;
    const char *help; /* one line for --help, e.g. "N  training steps (default 200)" */
    bool seen;        /* set by the parser */
} sg_arg;

enum { SG_ARGS_OK = 0, SG_ARGS_HELP = 1, SG_ARGS_ERROR = -1 };

/* Parses argv[1..argc-1] (argv[0] is the subcommand name). SG_ARGS_HELP after printing usage to
   stdout, SG_ARGS_ERROR after printing one error line. */
int sg_args_parse(const char *cmd, int argc, char **argv, sg_arg *args, size_t n_args, const char *summary);

/* Value parsers shared with callers that take numbers from elsewhere (0 ok, -1 malformed). */
int sg_args_parse_size(const char *s, size_t *out);
int sg_args_parse_u64(const char *s, uint64_t *out);
int sg_args_parse_double(const char *s, double *out);

#endif
