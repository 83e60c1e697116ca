/* agent.h: the built-in agent harness ("skvm-agent"): one run of a model with a skill on a
 * prompt or a task, in a sandboxed work directory, with full records.
 *
 * The loop: system prompt (+ the skill: inject = the whole SKILL.md in <skill> tags;
 * discover = name and description, loaded when the model reads skills/<name>/SKILL.md),
 * the user prompt, then model call -> tool calls (several from one reply run concurrently,
 * results returned in call order) -> model call ... The whole history is kept in native
 * tool-calling form (unlike the reference, which flattens older turns). A reply without
 * tool calls ends the run (tool calls are executed even when the stop reason says
 * end_turn). Limits: model calls (max_steps, default 30) and wall time; a model making the
 * same set of calls three turns in a row is stopped (loop_detected).
 *
 * The skill folder is copied to <work>/skill/ (inject) or <work>/skills/<name>/ (discover),
 * so bundle files have a stable path. With a task, its fixtures are staged first and its
 * criteria evaluated at the end (task.h).
 *
 * Records: conversation.jsonl and store rows through runlog.h; trace events on the bus:
 *   run.start  data {run_id, model, skill, mode, task, prompt, workdir, max_steps,
 *                    timeout_ms, sandbox, conversation}
 *   llm.*      published by the LLM layer with step = model call number (1-based)
 *   tool.start step = model call, data {seq, index, id, name, args}
 *   tool.end   step = model call, data {seq, index, id, name, exit_code, duration_ms,
 *                    output_bytes, truncated, is_error, sandbox_denied, output (<= 4 KiB)}
 *   run.end    data agent_result_to_json() (status, totals, final text, evaluation)
 *
 * Statuses: ok, max-steps, timeout, cancelled, model-error (an infrastructure failure of
 * the model service: never a skill failure), tool-crash (a tool could not run at all),
 * interrupted (set by runlog_mark_interrupted on a run found unfinished). */
#ifndef SKVM_CORE_AGENT_H
#define SKVM_CORE_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/llm.h"
#include "core/sandbox.h"
#include "core/skill.h"
#include "core/task.h"
#include "core/tools.h"
#include "core/trace.h"
#include "core/util.h"

#define AGENT_STATUS_INFO(_)                                                                       \
    _(AGENT_OK, "ok")                                                                              \
    _(AGENT_MAX_STEPS, "max-steps")                                                                \
    _(AGENT_TIMEOUT, "timeout")                                                                    \
    _(AGENT_CANCELLED, "cancelled")                                                                \
    _(AGENT_MODEL_ERROR, "model-error")                                                            \
    _(AGENT_TOOL_CRASH, "tool-crash")                                                              \
    _(AGENT_INTERRUPTED, "interrupted")

typedef enum AgentStatus {
#define AGENT_STATUS_ENUM(id, name) id,
    AGENT_STATUS_INFO(AGENT_STATUS_ENUM)
#undef AGENT_STATUS_ENUM
        AGENT_STATUS_COUNT
} AgentStatus;

const char *agent_status_name(AgentStatus s); /* "max-steps" */
/* Inverse; false when NAME is unknown. */
bool agent_status_parse(const char *name, AgentStatus *out);

typedef enum AgentSkillMode { AGENT_SKILL_INJECT, AGENT_SKILL_DISCOVER } AgentSkillMode;

typedef struct AgentResult AgentResult;

/* What a hook sees. Pointers are borrowed for the duration of the call. */
typedef struct AgentHookCtx {
    const char *run_id;
    const char *workdir;
    int step;                    /* model call number, 1-based */
    LlmRequest *request;         /* before_llm: may be modified (e.g. extra context) */
    const LlmResponse *response; /* after_llm */
    const char *tool_name;       /* after_tool */
    const char *tool_args;
    const ToolResult *tool_result;
    const AgentResult *result;   /* at_end */
} AgentHookCtx;

typedef void (*AgentHookFn)(const AgentHookCtx *ctx, void *ud);

typedef struct AgentHooks {
    AgentHookFn before_llm; /* before each model call */
    AgentHookFn after_llm;  /* after each successful model call */
    AgentHookFn after_tool; /* after each tool call, in call order */
    AgentHookFn at_end;     /* once, after evaluation, before run.end is published */
    void *ud;
} AgentHooks;

typedef struct AgentOptions {
    const char *model;        /* "<provider>/<model>" (required) */
    LlmClient *client;        /* required */
    TraceBus *bus;            /* may be NULL */
    const char *home;         /* NULL: sk_home_dir() */
    const char *db_path;      /* NULL: <home>/skvm.db; "": no store rows */
    const char *run_id;       /* NULL: a new id (agent_new_run_id) */
    const Skill *skill;       /* may be NULL (no skill) */
    const char *variant;      /* commit id when SKILL is a compiled variant (recorded in the
                                 runs row so variants can be compared), may be NULL */
    AgentSkillMode mode;
    const char *prompt;       /* NULL: the task's prompt */
    const Task *task;         /* may be NULL */
    int max_steps;            /* 0: the task's maxSteps, else 30 */
    int64_t timeout_ms;       /* 0: the task's timeoutMs, else 300000; < 0: none */
    int max_tokens;           /* per model call; 0: 16384 */
    bool keep_workdir;        /* false: the work dir is removed after evaluation */
    bool allow_web;
    bool sequential_tools;    /* run the calls of one reply one after another */
    SandboxMode sandbox_mode;
    SandboxLimits limits;     /* per command (timeout default 30 s) */
    size_t max_tool_output;   /* 0: 30000 */
    LlmCacheMode cache_mode;  /* DEFAULT: the client's */
    const char *judge_model;  /* for llm-judge criteria; NULL: not run */
    LlmClient *judge_client;  /* NULL: CLIENT */
    volatile int *cancel;     /* set non-zero from any thread to stop the run */
    AgentHooks hooks;
} AgentOptions;

void agent_options_init(AgentOptions *o);

struct AgentResult {
    char *run_id;
    AgentStatus status;
    char *status_detail;     /* why it ended that way (never NULL) */
    char *final_text;        /* "" unless the model finished */
    int steps;               /* model calls made */
    int tool_calls;
    LlmUsage tokens;         /* summed; known when any call reported usage */
    bool cost_known;         /* all calls had a known cost */
    double cost_usd;
    int64_t duration_ms, llm_ms, tool_ms;
    char *workdir;           /* the work dir path (removed unless keep_workdir) */
    bool workdir_kept;
    char *run_dir;           /* <home>/runs/<id> */
    char *conversation_path;
    const char *sandbox;     /* sandbox_describe() of the mode used (static) */
    bool skill_loaded;
    bool loop_detected;
    char *store_error;       /* NULL when every store write worked */
    json_t *transcript;      /* reference AgentStep array: [{role, text?, toolCalls, timestamp}] */
    bool evaluated;          /* a task was evaluated */
    TaskEval eval;
    json_t *eval_json;       /* task_eval_to_json(eval) or NULL */
};

/* Run. SK_OK whenever a run took place (the outcome is RES->status, including model
 * errors); SK_ERR_INVALID for unusable options, SK_ERR_IO when the work dir or the log
 * cannot be created. *RES is set on SK_OK (free with agent_result_free). */
SkStatus agent_run(const AgentOptions *opts, AgentResult **res, SkError *err);
void agent_result_free(AgentResult *r);
/* {run_id, status, status_detail, final_text, steps, tool_calls, tokens {input, output,
 *  cache_read, cache_write}|null, cost_usd|null, duration_ms, llm_ms, tool_ms, workdir,
 *  workdir_kept, conversation, sandbox, skill_loaded, loop_detected, store_error?,
 *  evaluation?}. New reference. */
json_t *agent_result_to_json(const AgentResult *r);

/* A new run id "YYYYMMDDTHHMMSSZ-xxxxxx" (UTC time + random hex). New string. */
char *agent_new_run_id(void);

/* The system prompt for SKILL in MODE (NULL skill: the bare prompt). New string. */
char *agent_system_prompt(const Skill *skill, AgentSkillMode mode);

#endif
