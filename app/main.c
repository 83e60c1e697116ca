/* main.c: entry point. Parses the global options and dispatches to a command; no logic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/commands.h"
#include "core/util.h"

typedef struct AppCommand {
    const char *word;
    CliCommandFn fn;
    const char *help;
} AppCommand;

static const AppCommand app_commands[] = {
#define APP_COMMAND_ENTRY(word, fn, help) {word, fn, help},
    APP_COMMANDS(APP_COMMAND_ENTRY)
#undef APP_COMMAND_ENTRY
};

static void print_help(FILE *out)
{
    fprintf(out,
            "skvm %s: see why an LLM agent fails a skill, and fix it for each model.\n\n"
            "Usage: skvm [--home DIR] COMMAND [ARGS...]\n\n"
            "Commands:\n",
            SKVM_VERSION);
    for (size_t i = 0; i < SK_ARRAY_LEN(app_commands); i++)
        fprintf(out, "  %-12s %s\n", app_commands[i].word, app_commands[i].help);
    fprintf(out,
            "\nGlobal options:\n"
            "  --home DIR   use DIR instead of $SKVM_HOME (default ~/.skvm)\n"
            "  --help, -h   this help; COMMAND --help for a command's own\n"
            "  --version    print the version\n"
            "\nExit status: 0 ok; 1 the command found problems or the run failed;\n"
            "2 bad arguments or unreadable input; 3 infrastructure failure (network,\n"
            "model service, database); 70 internal error.\n");
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("skvm %s\n", SKVM_VERSION);
    return CLI_EXIT_OK;
}

static int dispatch(int argc, char **argv)
{
    for (size_t i = 0; i < SK_ARRAY_LEN(app_commands); i++)
        if (!strcmp(argv[0], app_commands[i].word))
            return app_commands[i].fn(argc, argv);
    cli_error("unknown command '%s' (run 'skvm --help' for the list)", argv[0]);
    return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(argv[i], "--version")) {
            return cmd_version(0, NULL);
        } else if (!strcmp(argv[i], "--home")) {
            if (i + 1 >= argc)
                return cli_error("--home needs a folder");
            setenv("SKVM_HOME", argv[i + 1], 1);
            i += 2;
        } else if (!strncmp(argv[i], "--home=", 7)) {
            setenv("SKVM_HOME", argv[i] + 7, 1);
            i++;
        } else {
            break;
        }
    }
    if (i >= argc) {
        if (isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
            char *wb[] = {"workbench", NULL};
            for (size_t k = 0; k < SK_ARRAY_LEN(app_commands); k++)
                if (!strcmp(app_commands[k].word, "workbench"))
                    return app_commands[k].fn(1, wb);
        }
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    return dispatch(argc - i, argv + i);
}
