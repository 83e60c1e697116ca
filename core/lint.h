/* lint.h: strict check of a loaded skill against the open Agent Skills specification
 * (name rules, description length, allowed frontmatter keys, body size advice, references
 * to bundle files that do not exist), plus the loader's own diagnostics. */
#ifndef SKVM_CORE_LINT_H
#define SKVM_CORE_LINT_H

#include <stdbool.h>

#include "core/skill.h"
#include "core/util.h"

typedef struct LintOptions {
    bool strict; /* client-specific keys (Claude Code) become errors instead of warnings */
} LintOptions;

/* Check S. Appends SkillDiag * (owned by OUT, which must have been initialised with a
 * free function or be freed with lint_diags_done) sorted by file then line. The loader's
 * diagnostics come first in that order too. */
void lint_run(const Skill *s, const LintOptions *opt, SkVec *out);
/* Initialise a vector that owns SkillDiag items. */
void lint_diags_init(SkVec *v);
/* Count diagnostics of LEVEL in V. */
size_t lint_count(const SkVec *v, SkillDiagLevel level);

#define LINT_NAME_MAX 64
#define LINT_DESCRIPTION_MAX 1024
#define LINT_COMPATIBILITY_MAX 500
#define LINT_BODY_LINES_ADVICE 500
#define LINT_BODY_TOKENS_ADVICE 5000

#endif
