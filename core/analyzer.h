/* analyzer.h: offline (rule-based) capability requirements of a skill, and gap analysis
 * against target profiles. Every requirement carries evidence: file, line and text. */
#ifndef SKVM_CORE_ANALYZER_H
#define SKVM_CORE_ANALYZER_H

#include <jansson.h>

#include "core/skill.h"
#include "core/tcp.h"
#include "core/util.h"

typedef struct Evidence {
    char *file;   /* "SKILL.md" or a bundle path */
    int line;     /* 1-based */
    char *text;   /* the line's text (trimmed, at most 200 bytes) */
} Evidence;

typedef struct Requirement {
    const char *primitive; /* catalog id (static) */
    int level;             /* 1..3 */
    char *why;             /* one line */
    SkVec evidence;        /* Evidence *, owned, at least one */
} Requirement;

typedef struct Analysis {
    char *skill_name;
    SkVec reqs;            /* Requirement *, one per primitive, in catalog order */
} Analysis;

typedef enum GapKind { GAP_MISSING, GAP_WEAK } GapKind;

typedef struct Gap {
    const char *primitive; /* catalog id */
    int required, have;
    GapKind kind;          /* missing when have == 0 */
    char *guidance;        /* the degradation guidance that applies (may be multi-step) */
} Gap;

SkStatus analyzer_run(const Skill *s, Analysis **out, SkError *err);
void analyzer_free(Analysis *a);
/* Requirement for PRIMITIVE, NULL when the skill does not need it. Borrowed. */
const Requirement *analyzer_find(const Analysis *a, const char *primitive);

/* Gaps of A against T, one per primitive (deduplicated), catalog order. Vector of Gap *,
 * owned by the caller: sk_vec_done() frees them (free_item is set). */
void analyzer_gaps(const Analysis *a, const Tcp *t, SkVec *out);
/* {"skill", "requirements": [...], "targets": [...]} as documented for `skvm analyze
 * --json`; TARGETS is an array of const Tcp * (may be empty). New reference. */
/* The degradation guidance for a requirement of REQUIRED against a target at HAVE: the
 * catalog's L3->L2 text when required >= 3 > have, its L2->L1 text when required >= 2 > have
 * (both, in that order, when both apply), or a sentence saying why none applies. New string. */
char *analyzer_guidance(const char *primitive, int required, int have);
json_t *analyzer_to_json(const Analysis *a, const Tcp *const *targets, size_t ntargets);

#endif
