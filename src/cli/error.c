/* sg_cli_error (cli/cli.h), apart from the command table so that the programs beside the CLI
 * (simdgrad-bench) can use the shared flag parser (cli/args.c) and report errors the same way. */
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"

int sg_cli_error(const char *cmd, const char *fmt, ...)
{
    /* The message often echoes argv or file contents: escape control characters so that it stays
       one line whatever the input was. */
    char msg[2048];
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
