/* cli.c: shared helpers for the headless commands. */
#include "app/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/js.h"

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("skvm: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("skvm: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_exit_for(SkStatus s)
{
    switch (s) {
    case SK_OK:
        return CLI_EXIT_OK;
    case SK_ERR_NOT_FOUND:
    case SK_ERR_INVALID:
    case SK_ERR_TOO_LARGE:
    case SK_ERR_PARSE:
    case SK_ERR_CONFIG:
    case SK_ERR_IO:
        return CLI_EXIT_USAGE;
    case SK_ERR_AUTH:
    case SK_ERR_RATE_LIMIT:
    case SK_ERR_QUOTA:
    case SK_ERR_SERVER:
    case SK_ERR_NETWORK:
    case SK_ERR_TIMEOUT:
    case SK_ERR_BAD_RESPONSE:
    case SK_ERR_DB:
    case SK_ERR_BUSY:
        return CLI_EXIT_INFRA;
    default:
        return CLI_EXIT_FOUND;
    }
}

void cli_print_json(const json_t *v)
{
    char *s = js_dump_pretty(v);
    fputs(s, stdout);
    free(s);
}

bool cli_stdout_tty(void)
{
    return isatty(STDOUT_FILENO);
}

void cli_opts_init(CliOpts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->argc = argc;
    o->argv = argv;
    o->i = 0; /* argv[0] is the command word */
}

bool cli_opts_next(CliOpts *o)
{
    if (o->failed)
        return false;
    o->i++;
    if (o->i >= o->argc)
        return false;
    o->arg = o->argv[o->i];
    if (!o->no_more_opts && !strcmp(o->arg, "--")) {
        o->no_more_opts = true;
        return cli_opts_next(o);
    }
    o->positional = o->no_more_opts || o->arg[0] != '-' || !strcmp(o->arg, "-");
    return true;
}

bool cli_opt_flag(CliOpts *o, const char *name)
{
    return !o->positional && !strcmp(o->arg, name);
}

bool cli_opt_value(CliOpts *o, const char *name, const char **value)
{
    if (o->positional)
        return false;
    size_t n = strlen(name);
    if (strncmp(o->arg, name, n) != 0)
        return false;
    if (o->arg[n] == '=') {
        *value = o->arg + n + 1;
        return true;
    }
    if (o->arg[n] != '\0')
        return false;
    if (o->i + 1 >= o->argc) {
        cli_error("%s needs a value", name);
        o->failed = true;
        *value = NULL;
        return true;
    }
    *value = o->argv[++o->i];
    return true;
}

int cli_parse_arg_json(int argc, char **argv, const char *usage, bool *json, const char **arg)
{
    *json = false;
    *arg = NULL;
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--json"))
            *json = true;
        else if (cli_opt_flag(&o, "--help")) {
            fputs(usage, stdout);
            return CLI_EXIT_OK;
        } else if (o.positional && !*arg)
            *arg = o.arg;
        else
            return cli_opts_unknown(&o);
    }
    return o.failed ? CLI_EXIT_USAGE : -1;
}

int cli_opts_unknown(CliOpts *o)
{
    o->failed = true;
    if (o->positional)
        return cli_error("unexpected argument '%s' (see --help)", o->arg);
    return cli_error("unknown option '%s' (see --help)", o->arg);
}
