/* pass_caps.h: compiler pass 1, capabilities: requirements, gaps against the target
 * profile, the rewrite, and the guard that accepts or rejects a compiled SKILL.md.
 *
 * Offline the requirements come from the rule-based analyzer (core/analyzer.h) and the
 * rewrite appends one clearly marked section with concrete guidance per gap, built from the
 * catalog's degradation texts and pointed at the skill's own evidence lines.
 *
 * Sections the compiler adds to SKILL.md are wrapped in marker comments
 *   <!-- skvm:begin NAME --> ... <!-- skvm:end NAME -->
 * so a reader (and the guard) can tell them from the author's text. */
#ifndef SKVM_CORE_PASS_CAPS_H
#define SKVM_CORE_PASS_CAPS_H

#include <jansson.h>

#include "core/compile.h"
#include "core/util.h"

/* The pass function registered as pass 1. Produces "requirements" and "gaps" and rewrites
 * SKILL.md when there are gaps. */
SkStatus pass_caps_run(CompileCtx *ctx, SkError *err);

/* BODY wrapped in the skvm markers for section NAME, with a blank line before. New string. */
char *pass_caps_section(const char *name, const char *body);
/* TEXT without any skvm-marked sections (what the author wrote). New string. */
char *pass_caps_strip_sections(const char *text);

/* The guard. Checks FINAL against ORIG:
 *   - frontmatter: byte for byte the same;
 *   - every fenced code block of ORIG (``` or ~~~, any info string) still present verbatim;
 *   - headings: the author's headings (outside fences) unchanged, in order; new headings only
 *     inside skvm sections;
 *   - length: at most BUDGET lines added;
 *   - scope: each requirement's SKILL.md evidence line is still present, or its primitive is
 *     addressed in a skvm section (REQUIREMENTS: the requirements array, may be NULL);
 *   - skvm markers balanced.
 * Returns {passed, violations: [text...], added_lines, budget}. New ref. */
json_t *pass_caps_guard(const char *orig, const char *final, const json_t *requirements,
                        int budget);

#endif
