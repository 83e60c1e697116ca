/* variants.h: the variant store, one git repository per skill.
 *
 *   $SKVM_HOME/variants/<skill>/        bare git repository (core/gitrepo.h)
 *     main                              the original skill as the user wrote it
 *     <harness>/<model-slug>            one commit per compiled variant: the whole compiled
 *                                       skill folder with _artifacts/ (requirements.json,
 *                                       gaps.json, dependencies.json, env-setup.sh,
 *                                       plan.json, pass-log.json)
 *     tag accepted/<harness>/<model-slug>  the accepted variant for that target
 *   $SKVM_HOME/variants/<skill>.lock    held (pid inside) while a commit is being made
 *
 * Every variant commit message is a readable summary plus git trailers, e.g.
 *
 *   compile pdf for qwen/qwen3.5-9b (bare-agent): 4 gaps addressed, guard pass
 *
 *   Passes 1,2,3 (capabilities, environment, plan) ...
 *
 *   Skvm-Source-Hash: 3fa1...
 *   Skvm-Passes: 1,2,3
 *   Skvm-Target-Model: qwen/qwen3.5-9b
 *   Skvm-Harness: bare-agent
 *   Skvm-Compiler-Model: offline
 *   Skvm-Profile-Version: 2026-04-06T10:00:00.000Z
 *   Skvm-Guard: pass
 *   Skvm-Input: <sha256 of everything that determines the result>
 *
 * so `git log` in the repository reads well. Variants are also recorded in the store's
 * `variants` table (commit id -> skill, branch, model, harness, time, provenance JSON). */
#ifndef SKVM_CORE_VARIANTS_H
#define SKVM_CORE_VARIANTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

#define VARIANTS_LOCK_TIMEOUT_MS 30000

typedef struct VariantProvenance {
    char *source_hash;    /* Skill.hash of the original folder */
    char *passes;         /* "1,2,3" */
    char *model;          /* target model id */
    char *harness;        /* target harness */
    char *compiler_model; /* "offline" when no model was used */
    char *profile_version; /* the profile's profiledAt ("" when none) */
    char *guard;          /* "pass" / "fail" */
    char *input;          /* input key (see variants_input_key) */
    char *skvm_version;
} VariantProvenance;

typedef struct VariantInfo {
    char commit[41];
    char *skill;
    char *branch;         /* "main" for the original */
    char *summary;        /* first message line */
    char *message;        /* full message */
    int64_t time_ms;
    bool original;        /* on main */
    bool accepted;        /* an accepted/... tag points at it */
    VariantProvenance prov; /* empty strings for the original */
} VariantInfo;

void variants_info_free(VariantInfo *v); /* NULL ok */
void variants_provenance_done(VariantProvenance *p);
/* Provenance as a JSON object (new reference); the inverse reads the trailers of MESSAGE. */
json_t *variants_provenance_to_json(const VariantProvenance *p);
void variants_provenance_from_message(const char *message, VariantProvenance *out);
/* {commit, skill, branch, summary, time, original, accepted, provenance{...}}. New ref. */
json_t *variants_info_to_json(const VariantInfo *v);

/* $HOME/variants/<skill> (HOME NULL: sk_home_dir()). New string. */
char *variants_repo_dir(const char *home, const char *skill);
/* "<harness>/<model-slug>". New string. */
char *variants_branch(const char *harness, const char *model);
/* A skill name usable as a folder and branch component ([A-Za-z0-9._-], not starting with
 * '.'); false otherwise. */
bool variants_valid_skill_name(const char *skill);

typedef struct VariantCommit {
    const char *home;         /* NULL: sk_home_dir() */
    const char *skill;        /* skill name (folder of the store) */
    const char *source_dir;   /* the original skill folder (committed to main if changed) */
    const char *compiled_dir; /* the compiled skill folder (with _artifacts/) */
    const VariantProvenance *prov;
    const char *summary;      /* first message line */
    const char *body;         /* free text before the trailers (may be NULL) */
    int lock_timeout_ms;      /* 0: VARIANTS_LOCK_TIMEOUT_MS */
} VariantCommit;

typedef struct VariantCommitResult {
    char commit[41];      /* the variant commit (the existing one when unchanged) */
    char original[41];    /* main's tip */
    bool created;         /* false: an identical variant was already there */
    char *branch;         /* owned */
} VariantCommitResult;

void variants_commit_result_done(VariantCommitResult *r);

/* Record a compiled variant: under the lock, create the repository if needed, commit the
 * original to main when it changed, then commit COMPILED_DIR on <harness>/<model-slug>
 * unless the branch tip already has the same input key and the same tree (then
 * created = false). Also records the variant in the store (a store failure is reported in
 * ERR but the commit stays). */
SkStatus variants_commit(const VariantCommit *c, VariantCommitResult *out, SkError *err);

/* The commit of the newest variant on <harness>/<model-slug> whose input key is INPUT
 * (OUT gets its id); SK_ERR_NOT_FOUND when none. */
SkStatus variants_find_input(const char *home, const char *skill, const char *harness,
                             const char *model, const char *input, char out[41], SkError *err);

/* Every variant of SKILL: the original's commits on main then each branch's commits, newest
 * first per branch (VariantInfo *, owned; OUT initialized here). */
SkStatus variants_list(const char *home, const char *skill, SkVec *out, SkError *err);
/* Skills that have a variant store, sorted (char *, owned). */
SkStatus variants_skills(const char *home, SkVec *out, SkError *err);

/* Split a user REF into skill and revision: "SKILL:REV", "SKILL" (= main), or a commit id
 * (prefix of 7+ hex digits) found in some store. *SKILL and *REV are new strings. */
SkStatus variants_parse_ref(const char *home, const char *ref, char **skill, char **rev,
                            SkError *err);
/* Details of one variant (REV: anything git understands). */
SkStatus variants_get(const char *home, const char *skill, const char *rev, VariantInfo **out,
                      SkError *err);
/* {variant, files[], artifacts{name: parsed JSON or text}} of one variant. New ref. */
SkStatus variants_show(const char *home, const char *skill, const char *rev, json_t **out,
                       SkError *err);
/* Read one file of a variant (free() *OUT). */
SkStatus variants_read_file(const char *home, const char *skill, const char *rev,
                            const char *path, char **out, SkError *err);
/* Write the variant's tree into DIR (a runnable skill folder). */
SkStatus variants_checkout(const char *home, const char *skill, const char *rev,
                           const char *dir, SkError *err);

/* Compare two variants:
 *   {a, b: variant JSON, files: [{path, status}], skill_md: {unified, lines: [[origin,
 *    old_no, new_no, text]...]}, artifacts: {gaps: {only_a, only_b}, requirements: {...},
 *    dependencies: {...}, plan: {steps_a, steps_b, groups_a, groups_b, speedup_a,
 *    speedup_b}}, runs: {a: {runs, score, tokens, latency_ms}, b: {...}, delta: {...}}}
 * Run figures come from the store's runs table (variant column = commit id); null when
 * there are none. New ref. */
SkStatus variants_diff(const char *home, const char *skill, const char *rev_a,
                       const char *rev_b, json_t **out, SkError *err);

/* Accept the variant REV: move tag accepted/<harness>/<model-slug> to it. TAG_OUT (may be
 * NULL) gets the tag name (new string). The original (main) cannot be accepted. */
SkStatus variants_accept(const char *home, const char *skill, const char *rev, char **tag_out,
                         SkError *err);

#endif
