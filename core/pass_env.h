/* pass_env.h: compiler pass 2, environment binding.
 *
 * A static scan finds what the skill needs installed: Python imports (mapped to their
 * distribution names: PIL -> pillow, yaml -> pyyaml, ...; the standard library excluded),
 * Node requires/imports (built-ins excluded), shell commands from a table of known tools,
 * and packages named in install lines ("pip install x", "npm install -g y", "apt-get
 * install z"). Each dependency is checked on this machine (command -v, or one python3 /
 * node probe with a timeout). The pass writes an idempotent env-setup.sh (check before each
 * install, count failures, exit non-zero on any; SKVM_ENV_CHECK_ONLY=1 only checks) and
 * validates it with `bash -n` and shellcheck (when installed). With verify_env the script
 * runs twice in the sandbox (core/sandbox.h) and the second run must change nothing.
 * Nothing is installed on this machine by the compiler. */
#ifndef SKVM_CORE_PASS_ENV_H
#define SKVM_CORE_PASS_ENV_H

#include <jansson.h>
#include <stdbool.h>

#include "core/compile.h"
#include "core/skill.h"
#include "core/util.h"

SkStatus pass_env_run(CompileCtx *ctx, SkError *err);

/* Distribution name of a Python top-level module ("PIL" -> "pillow", "yaml" -> "pyyaml");
 * NULL for the standard library. Static or the module itself (borrowed). */
const char *pass_env_python_package(const char *module);
bool pass_env_python_stdlib(const char *module);
bool pass_env_node_builtin(const char *module);

/* Scan SKILL_TEXT (the current SKILL.md) and the text files of SKILL into an array of
 * dependencies: {name, type: pip|npm|system, module?, command?, check, install, source,
 * evidence: [{file, line, text}]}, sorted by type then name. New ref. */
json_t *pass_env_scan(const Skill *skill, const char *skill_text);
/* Fill "present": true/false on each dependency by checking this machine (timeouts apply).
 * Returns how many are missing. */
int pass_env_check_presence(json_t *deps);
/* The env-setup.sh text for DEPS (skill NAME in the header). New string. */
char *pass_env_script(const char *name, const json_t *deps);
/* Run `bash -n` and shellcheck (when installed) on SCRIPT: {bash_n: "ok"|message,
 * shellcheck: "ok"|"not installed"|message, ok: bool}. New ref. */
json_t *pass_env_validate(const char *script);

#endif
