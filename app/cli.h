/* cli.h: shared helpers for the headless commands (options, errors, exit codes). */
#ifndef SKVM_APP_CLI_H
#define SKVM_APP_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "core/compiler.h"
#include "core/util.h"

/* Exit codes of every command (documented in `skvm --help`). */
enum {
    CLI_EXIT_OK = 0,       /* success; for lint/analyze: nothing found */
    CLI_EXIT_FOUND = 1,    /* the command ran and found problems / the run failed */
    CLI_EXIT_USAGE = 2,    /* bad arguments or input that cannot be read */
    CLI_EXIT_INFRA = 3,    /* infrastructure failure (network, model service, database) */
    CLI_EXIT_INTERNAL = 70,
};

/* A command: argv[0] is the command word itself. */
typedef int (*CliCommandFn)(int argc, char **argv);

/* Print "skvm: error: ..." to stderr. Returns CLI_EXIT_USAGE for convenience. */
int cli_error(const char *fmt, ...) ATTR_FORMAT(1, 2);
/* Print "skvm: warning: ..." to stderr. */
void cli_warn(const char *fmt, ...) ATTR_FORMAT(1, 2);
/* Map a core status to an exit code (not found/invalid -> 2, network etc -> 3, else 1). */
int cli_exit_for(SkStatus s);
/* Print V as pretty JSON on stdout. */
void cli_print_json(const json_t *v);
/* Is stdout a terminal (colours and widths allowed)? */
bool cli_stdout_tty(void);

/* Minimal option scanner. Usage:
 *   CliOpts o; cli_opts_init(&o, argc, argv);
 *   while (cli_opts_next(&o)) {
 *       if (cli_opt_flag(&o, "--json")) json = true;
 *       else if (cli_opt_value(&o, "--model", &val)) ...;
 *       else if (o.positional) push(o.arg);
 *       else return cli_opts_unknown(&o);
 *   }
 *   if (o.failed) return CLI_EXIT_USAGE;
 * Accepts "--opt value" and "--opt=value"; "--" ends options. */
typedef struct CliOpts {
    int argc;
    char **argv;
    int i;
    const char *arg;   /* the current argument */
    bool positional;   /* the current argument is not an option */
    bool no_more_opts;
    bool failed;       /* a value was missing; an error was printed */
} CliOpts;

/* The common shape "CMD [ARG] [--json] [--help]": parse it into *JSON and *ARG (NULL when
 * absent). Returns -1 to go on, or the exit code to return (help printed from USAGE, or a
 * usage error reported). */
int cli_parse_arg_json(int argc, char **argv, const char *usage, bool *json, const char **arg);

void cli_opts_init(CliOpts *o, int argc, char **argv);
bool cli_opts_next(CliOpts *o);
bool cli_opt_flag(CliOpts *o, const char *name);
bool cli_opt_value(CliOpts *o, const char *name, const char **value);
int cli_opts_unknown(CliOpts *o);

#endif
