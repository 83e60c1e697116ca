/* cmd_workbench.c: `skvm workbench [SKILL_DIR]`, the terminal workbench. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "app/commands.h"
#include "ui/workbench.h"

static void workbench_usage(FILE *out)
{
    fprintf(out, "Usage: skvm workbench [options] [SKILL_DIR]\n\n"
                 "Open the terminal workbench on a skill folder (default: the current folder when\n"
                 "it holds a SKILL.md, else a picker of skill folders and bundled examples).\n"
                 "Press ? inside for every key and command.\n\n"
                 "Options:\n"
                 "  --theme NAME     dark (default), light, mono, or a path to a theme .yaml\n"
                 "  --model ID       initial target model (default: the first known profile)\n"
                 "  --no-color       monochrome (NO_COLOR does the same)\n"
                 "  --no-mouse       do not capture the mouse\n"
                 "  --script FILE    feed keys and :commands from FILE (also $SKVM_SCRIPT)\n"
                 "  --headless       run on an invisible screen (also $SKVM_HEADLESS=1); ends\n"
                 "                   when the script does\n"
                 "  --size WxH       headless screen size (default 80x24; also $SKVM_SIZE)\n"
                 "  --screen-dir DIR where :save-screen and :save-state write (default .)\n"
                 "  --help           this help\n");
}

int cmd_workbench(int argc, char **argv)
{
    WorkbenchOptions o = {0};
    CliOpts op;
    const char *v;
    cli_opts_init(&op, argc, argv);
    while (cli_opts_next(&op)) {
        if (cli_opt_flag(&op, "--help") || cli_opt_flag(&op, "-h")) {
            workbench_usage(stdout);
            return CLI_EXIT_OK;
        } else if (cli_opt_value(&op, "--theme", &v)) {
            o.theme = v;
        } else if (cli_opt_value(&op, "--model", &v)) {
            o.model = v;
        } else if (cli_opt_value(&op, "--script", &v)) {
            o.script = v;
        } else if (cli_opt_value(&op, "--screen-dir", &v)) {
            o.screen_dir = v;
        } else if (cli_opt_value(&op, "--size", &v)) {
            if (sscanf(v, "%dx%d", &o.cols, &o.rows) != 2 || o.cols < 10 || o.rows < 4)
                return cli_error("--size needs WxH, e.g. 120x40");
        } else if (cli_opt_flag(&op, "--headless")) {
            o.headless = true;
        } else if (cli_opt_flag(&op, "--no-color")) {
            o.mono = true;
        } else if (cli_opt_flag(&op, "--no-mouse")) {
            o.no_mouse = true;
        } else if (op.positional) {
            if (o.skill_dir)
                return cli_error("workbench takes one SKILL_DIR");
            o.skill_dir = op.arg;
        } else {
            return cli_opts_unknown(&op);
        }
    }
    if (op.failed)
        return CLI_EXIT_USAGE;
    return workbench_run(&o);
}
