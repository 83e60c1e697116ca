/* commands.h: the list of top-level commands. One X-macro entry per command:
 *   _(word, function, one-line help)
 * Each function lives in app/cmd_<area>.c and takes (argc, argv) with argv[0] = word. */
#ifndef SKVM_APP_COMMANDS_H
#define SKVM_APP_COMMANDS_H

#define APP_COMMANDS(_)                                                                            \
    _("skill", cmd_skill, "lint and show a skill folder")                                         \
    _("analyze", cmd_analyze, "find the capabilities a skill needs and model gaps")               \
    _("primitives", cmd_primitives, "list the 26 primitive capabilities and their levels")       \
    _("profile", cmd_profile, "list, show and compare model capability profiles")            \
    _("workbench", cmd_workbench, "open the terminal workbench on a skill")                      \
    _("llm", cmd_llm, "chat with a model (streaming) and check routes")                          \
    _("config", cmd_config, "show and check model routes, keys (redacted) and prices")           \
    _("cache", cmd_cache, "request cache: stats, clear, prune")                                  \
    _("compile", cmd_compile, "compile a skill for a target model into a git-versioned variant") \
    _("variants", cmd_variants, "list, show, diff and accept compiled skill variants")         \
    _("run", cmd_run, "run a model with a skill on a prompt or a task (sandboxed, traced)")     \
    _("runs", cmd_runs, "list past runs and show one with its step timeline")                   \
    _("version", cmd_version, "print the version")

#define APP_COMMAND_DECL(word, fn, help) int fn(int argc, char **argv);
APP_COMMANDS(APP_COMMAND_DECL)
#undef APP_COMMAND_DECL

#endif
