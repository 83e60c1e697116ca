/* compile.h: the ahead-of-time compiler: pass registry, orchestrator and result.
 *
 * (core/compiler.h already holds the project's attribute macros, so the compiler module is
 * core/compile.[ch] with the prefix compile_.)
 *
 * A pass is a value: id, number (stable, append-only), description, the artifacts it
 * consumes and produces, whether it needs the target's capability profile, and a run
 * function. The orchestrator (compile_run):
 *   1. resolves the selected passes ("1,2,3", ids, or a mix), checks the registry and that
 *      every consumed artifact comes from the source or an earlier selected pass, and loads
 *      the target profile when a selected pass needs one, all before any side effect;
 *   2. computes the input key (source hash, passes, target, harness, compiler model, profile
 *      version and content, compiler version); when the variant store already has a variant
 *      with that key the compile is skipped (unless force);
 *   3. copies the skill into a scratch folder and runs the passes in order, each recording
 *      its artifacts and a log entry; the first failing pass stops the compile with a
 *      report;
 *   4. runs the guard (core/pass_caps.h) on the final SKILL.md against the original; a
 *      rejected variant is not committed (it is kept under $SKVM_HOME/variants/.rejected/
 *      for inspection);
 *   5. writes _artifacts/ and commits the folder through the variant store (variants.h).
 *
 * Pass numbers and ids: 1 capabilities (alias rewrite-skill), 2 environment (bind-env),
 * 3 plan (extract-parallelism). */
#ifndef SKVM_CORE_COMPILE_H
#define SKVM_CORE_COMPILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/skill.h"
#include "core/tcp.h"
#include "core/util.h"

#define COMPILE_VERSION "skvm-compile/1" /* part of the input key: bump when output changes */
#define COMPILE_MAX_PASSES 16

/* Artifact keys (bit mask). SKILL and BUNDLE are the skill itself: every pass may read them
 * and the source provides them. */
typedef enum CompileArtifact {
    COMPILE_ART_SKILL = 1u << 0,        /* SKILL.md text */
    COMPILE_ART_BUNDLE = 1u << 1,       /* the other files of the skill */
    COMPILE_ART_REQUIREMENTS = 1u << 2, /* _artifacts/requirements.json */
    COMPILE_ART_GAPS = 1u << 3,         /* _artifacts/gaps.json */
    COMPILE_ART_DEPENDENCIES = 1u << 4, /* _artifacts/dependencies.json */
    COMPILE_ART_ENV_SCRIPT = 1u << 5,   /* _artifacts/env-setup.sh */
    COMPILE_ART_PLAN = 1u << 6,         /* _artifacts/plan.json */
} CompileArtifact;

/* "skill,bundle,requirements,..." for a mask. New string. */
char *compile_artifact_names(unsigned mask);

typedef struct CompileCtx CompileCtx;
typedef SkStatus (*CompilePassFn)(CompileCtx *ctx, SkError *err);

typedef struct CompilePass {
    const char *id;          /* "capabilities" */
    const char *alias;       /* the reference's id ("rewrite-skill"); may be NULL */
    int number;              /* 1 */
    const char *description; /* one line */
    unsigned consumes;       /* CompileArtifact mask */
    unsigned produces;
    bool needs_profile;
    CompilePassFn run;
} CompilePass;

/* The registry in number order. */
const CompilePass *compile_passes(size_t *count);
const CompilePass *compile_pass_find(const char *token); /* number, id or alias; NULL */
/* Check the registry (positive unique numbers, unique ids, consumes satisfiable); every
 * problem is listed in ERR. */
SkStatus compile_registry_check(SkError *err);
/* Resolve "1,2,3" / "capabilities,plan" / "1,plan" (NULL or "" or "all": all passes) into
 * pass numbers, deduplicated and sorted. Unknown tokens fail with SK_ERR_INVALID naming
 * them. Also checks that what the selection consumes is available. */
SkStatus compile_resolve_passes(const char *tokens, int *numbers, size_t *n, SkError *err);

/* Progress callback: one line per event ("pass 1 capabilities: ok (3 gaps)"). */
typedef void (*CompileProgressFn)(const char *line, void *ud);

typedef struct CompileOptions {
    const char *skill_dir;      /* the skill folder (or its SKILL.md) */
    const char *model;          /* target model id (required) */
    const char *harness;        /* NULL: "bare-agent" */
    const char *passes;         /* NULL: all */
    const char *compiler_model; /* NULL or "offline": offline compile */
    const char *home;           /* NULL: $SKVM_HOME */
    const Tcp *profile;         /* target profile; NULL: looked up by model and harness */
    const char *profile_path;   /* or a profile file to load */
    bool verify_env;            /* pass 2: run env-setup.sh twice in the sandbox */
    bool force;                 /* compile even when an identical variant exists */
    bool no_commit;             /* do not write to the variant store (result in keep_dir) */
    struct LlmClient *llm;      /* client for the compiler model (borrowed); NULL: one is
                                   made from $SKVM_HOME/config.yaml when a compiler model is
                                   set */
    CompileProgressFn progress;
    void *progress_ud;
    volatile int *cancel;       /* non-zero: stop (checked between passes and passed to the
                                   compiler model's calls); the result is SK_ERR_CANCELLED */
} CompileOptions;

/* What the passes see. Passes change SKILL.md only through compile_ctx_set_text(). */
struct CompileCtx {
    const CompileOptions *opts;
    const Skill *source;     /* the original skill as loaded */
    const Tcp *profile;      /* NULL when no selected pass needs one */
    const char *harness;
    const char *compiler_model; /* NULL offline */
    char *work_dir;          /* scratch copy of the skill (the future variant tree) */
    char *text;              /* current SKILL.md */
    json_t *artifacts;       /* "requirements", "gaps", "dependencies", "plan" -> JSON */
    char *env_script;        /* pass 2's script (NULL before) */
    json_t *messages;        /* the running pass's log lines (array of strings) */
    json_t *summary;         /* the running pass's summary object (counts etc.) */
    int added_budget;        /* lines the guard allows to be added to the original */
    unsigned selected;       /* bit (1 << number) per selected pass */
    struct LlmClient *llm;   /* NULL offline */
    long long tokens_in, tokens_out; /* compiler-model usage so far */
};

/* Check a model's JSON answer: NULL when valid, else what is wrong (new string). */
typedef char *(*CompileValidateFn)(json_t *value, void *ud);

/* Ask the compiler model for structured output: the tool TOOL (with input SCHEMA, borrowed)
 * is forced; the arguments (or, failing a tool call, JSON in the text) are parsed and
 * checked by VALIDATE. On invalid output the model gets one repair turn naming the problem.
 * *OUT gets the value (new ref). SK_ERR_BAD_RESPONSE when it is still invalid, or the
 * model call's own status. */
SkStatus compile_ctx_ask_json(CompileCtx *c, const char *tool, const char *description,
                              json_t *schema, const char *system, const char *user,
                              CompileValidateFn validate, void *ud, json_t **out, SkError *err);

/* Replace the current SKILL.md (in memory and in work_dir). */
SkStatus compile_ctx_set_text(CompileCtx *c, const char *text, SkError *err);
/* Append a line to the running pass's log. */
void compile_ctx_log(CompileCtx *c, const char *fmt, ...) ATTR_FORMAT(2, 3);
/* Lines still available to passes under the guard's length budget (can be negative). */
int compile_ctx_lines_left(const CompileCtx *c);

typedef struct CompileResult {
    bool ok;               /* passes ran, the guard passed and the variant is stored */
    bool up_to_date;       /* skipped: an identical variant already exists (ok is true) */
    bool created;          /* a new commit was made */
    bool rejected;         /* the guard rejected the variant */
    int failed_pass;       /* number of the pass that failed, 0 when none */
    char *error;           /* what went wrong (NULL when ok) */
    char *skill;           /* store name of the skill */
    char *branch;          /* <harness>/<model-slug> */
    char commit[41];       /* the variant commit ("" when none) */
    char *input_key;
    char *keep_dir;        /* rejected or --no-commit output folder (NULL otherwise) */
    json_t *guard;         /* {passed, violations[], added_lines, budget} */
    json_t *passes;        /* [{id, number, status, summary, messages, duration_ms}] */
    json_t *artifacts;     /* the artifacts (object) */
    int64_t duration_ms;
} CompileResult;

/* Run a compile (see the top of this file). Returns SK_OK when it reached a verdict: then
 * R->ok says success, R->rejected a guard rejection. Other statuses: bad options or input
 * (SK_ERR_INVALID, SK_ERR_NOT_FOUND: e.g. no profile for the target), a failing pass (its
 * status; R->failed_pass and R->error say which and why), the store (SK_ERR_GIT,
 * SK_ERR_BUSY). R is always initialized; free with compile_result_done(). */
SkStatus compile_run(const CompileOptions *o, CompileResult *r, SkError *err);
void compile_result_done(CompileResult *r);
/* The result as JSON (what `skvm compile --json` prints). New ref. */
json_t *compile_result_to_json(const CompileResult *r);

/* Lines the guard lets a compile add to an original of ORIG_LINES lines. */
int compile_line_budget(int orig_lines);
/* Number of lines of TEXT (a final line without '\n' counts). */
int compile_count_lines(const char *text);

#endif
