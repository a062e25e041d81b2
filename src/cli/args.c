/* See args.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"

int sg_args_parse_u64(const char *s, uint64_t *out)
{
    /* strtoull accepts "-1" (and wraps it) and leading spaces; a size must be plain digits. */
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    const unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v > UINT64_MAX)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int sg_args_parse_size(const char *s, size_t *out)
{
    uint64_t v;
    if (sg_args_parse_u64(s, &v) != 0 || v > SIZE_MAX)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* [+-] digits [. digits] [e [+-] digits], at least one digit before the exponent: strtod alone
   would also take leading spaces, hex ("0x10", "0x1p-9"), "inf", "nan" and "infinity". */
static bool plain_decimal(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

int sg_args_parse_double(const char *s, double *out)
{
    if (!s || !plain_decimal(s))
        return -1;
    errno = 0;
    char *end;
    const double v = strtod(s, &end);
    if (*end != '\0' || end == s || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static void usage(const char *cmd, const sg_arg *args, size_t n_args, const char *summary)
{
    printf("usage: simdgrad %s [options]\n%s\n\noptions:\n", cmd, summary);
    int width = 16;
    for (size_t i = 0; i < n_args; i++)
        if ((int)strlen(args[i].name) > width)
            width = (int)strlen(args[i].name);
    for (size_t i = 0; i < n_args; i++)
        printf("  %-*s %s\n", width, args[i].name, args[i].help);
}

static int store(const char *cmd, sg_arg *a, const char *value)
{
    char shown[SG_CLI_SHOWN];
    const char *echo = value ? sg_cli_shown(value, shown) : ""; /* parsed in full, echoed cut */
    switch (a->kind) {
    case SG_ARG_FLAG: *(bool *)a->out = true; return 0;
    case SG_ARG_STRING:
        if (!*value)
            return sg_cli_error(cmd, "%s: empty value", a->name), -1;
        *(const char **)a->out = value;
        return 0;
    case SG_ARG_SIZE:
        if (sg_args_parse_size(value, a->out) != 0)
            return sg_cli_error(cmd, "%s: expected a non-negative integer, got '%s'", a->name, echo), -1;
        return 0;
    case SG_ARG_U64:
        if (sg_args_parse_u64(value, a->out) != 0)
            return sg_cli_error(cmd, "%s: expected a non-negative integer, got '%s'", a->name, echo), -1;
        return 0;
    case SG_ARG_DOUBLE:
        if (sg_args_parse_double(value, a->out) != 0)
            return sg_cli_error(cmd, "%s: expected a finite number, got '%s'", a->name, echo), -1;
        return 0;
    }
    return -1;
}

int sg_args_parse(const char *cmd, int argc, char **argv, sg_arg *args, size_t n_args, const char *summary)
{
    for (int i = 1; i < argc; i++) {
        const char *tok = argv[i];
        if (!strcmp(tok, "--help") || !strcmp(tok, "-h")) {
            usage(cmd, args, n_args, summary);
            return SG_ARGS_HELP;
        }
        if (strncmp(tok, "--", 2) != 0) {
            char shown[SG_CLI_SHOWN];
            sg_cli_error(cmd, "unexpected argument '%s' (see simdgrad %s --help)", sg_cli_shown(tok, shown),
                         cmd);
            return SG_ARGS_ERROR;
        }
        const char *eq = strchr(tok, '=');
        const size_t name_len = eq ? (size_t)(eq - tok) : strlen(tok);
        sg_arg *a = NULL;
        for (size_t j = 0; j < n_args && !a; j++)
            if (strlen(args[j].name) == name_len && !strncmp(args[j].name, tok, name_len))
                a = &args[j];
        if (!a) {
            sg_cli_error(cmd, "unknown option '%.*s%s' (see simdgrad %s --help)",
                         (int)(name_len < SG_SHOWN_MAX ? name_len : SG_SHOWN_MAX), tok,
                         name_len > SG_SHOWN_MAX ? "..." : "", cmd);
            return SG_ARGS_ERROR;
        }
        if (a->seen) {
            sg_cli_error(cmd, "%s given more than once", a->name);
            return SG_ARGS_ERROR;
        }
        a->seen = true;
        const char *value = NULL;
        if (a->kind == SG_ARG_FLAG) {
            if (eq) {
                sg_cli_error(cmd, "%s takes no value", a->name);
                return SG_ARGS_ERROR;
            }
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
            value = argv[++i]; /* "--steps --lr 1" is a missing value, not a path or number "--lr" */
        } else {
            sg_cli_error(cmd, "%s needs a value", a->name);
            return SG_ARGS_ERROR;
        }
        if (store(cmd, a, value) != 0)
            return SG_ARGS_ERROR;
    }
    return SG_ARGS_OK;
}
