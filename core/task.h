/* task.h: benchmark tasks (task.json, compatible with the reference's skvm-bench tasks)
 * and their evaluation.
 *
 * A task folder holds task.json ({id, name?, prompt, category?, timeoutMs?, maxSteps?,
 * eval[], fixtures? {relPath: text}, skill?, origin?, difficulty?, gradingType?}),
 * optionally fixtures/ (copied into the work dir; fixtures/_setup.sh is run with bash in
 * the work dir before the agent, its failure noted but not fatal) and grade.py.
 *
 * Criteria (each with optional id, name, weight):
 *   script        {command, expectedExitCode=0, expectedOutput?}: sh -c in the work dir
 *                 (sandboxed); a last-line JSON {"checkpoints":[{name,score}]} gives the mean,
 *                 {"infraError":..} means "could not run"; else pass/fail on exit code and
 *                 trimmed stdout.
 *   file-check    {path | glob, mode: exact|contains|regex|json-schema, expected}
 *   llm-judge     {rubric (string or {level: text}), maxScore=1}: through the LLM layer with
 *                 the judge model named in the options; without one: not run.
 *   custom python-grade  grade.py's grade(transcript, workspace_path) -> [{id, score,
 *                 weight, description?}] run with python3 in a sandboxed subprocess; the
 *                 weighted sum. No python3: not run.
 *   custom junit-grade   {testFile, criteria:[{id, weight, description, testPattern}]}:
 *                 `bun test --reporter=junit`; each criterion = passed/matched over the test
 *                 cases whose "<describe> > <test>" name matches any top-level '|'
 *                 alternative (case-insensitive); no bun: not run.
 * A criterion that cannot run is reported with status "not-run" and left out of the score;
 * the remaining weights are renormalized (the evaluation says so). */
#ifndef SKVM_CORE_TASK_H
#define SKVM_CORE_TASK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sandbox.h"
#include "core/util.h"

struct LlmClient;

typedef struct Task {
    char *dir;          /* canonical path of the task folder */
    char *id;
    char *name;         /* may be NULL */
    char *prompt;
    char *category;     /* "general" when absent */
    int64_t timeout_ms; /* 120000 when absent */
    int max_steps;      /* 30 when absent */
    char *skill_dir;    /* resolved skill folder (first one when several), NULL when none */
    json_t *json;       /* the whole task.json */
    json_t *eval;       /* borrowed from json: the criteria array */
} Task;

/* Load DIR/task.json (or the file itself). Errors name the file and the field:
 * SK_ERR_NOT_FOUND, SK_ERR_PARSE (bad JSON), SK_ERR_INVALID (missing id/prompt/eval, bad
 * criterion, junit payload weights not summing to 1...). */
SkStatus task_load(const char *dir, Task **out, SkError *err);
void task_free(Task *t);

/* Copy fixtures/ and inline fixtures into WORKDIR (confined), then run fixtures/_setup.sh
 * (if any) with bash under SANDBOX (its workdir is replaced by WORKDIR). *NOTE (may be
 * NULL) gets a description of what happened to _setup.sh or NULL. */
SkStatus task_prepare(const Task *t, const char *workdir, const SandboxOptions *sandbox,
                      char **note, SkError *err);

typedef enum TaskCritStatus {
    TASK_CRIT_SCORED,  /* ran and produced a score in [0,1] */
    TASK_CRIT_NOT_RUN, /* could not run (no judge model, no bun, no python3, infra error) */
} TaskCritStatus;

typedef struct TaskCriterion {
    char *id;          /* given id or "<method>-<index>" */
    char *name;        /* may be NULL */
    char *method;      /* "script", "file-check", "llm-judge", "python-grade", "junit-grade" */
    double weight;     /* given weight; < 0 when absent */
    TaskCritStatus status;
    double score;      /* [0,1] when scored */
    bool pass;         /* score >= 0.5 */
    char *detail;      /* why (never NULL) */
    json_t *checkpoints; /* array of {name, score, weight?, description?} or NULL */
} TaskCriterion;

typedef struct TaskEval {
    TaskCriterion *items;
    size_t n;
    bool score_known;  /* at least one criterion was scored */
    double score;      /* weighted over the scored criteria */
    bool pass;         /* score >= 0.5 */
    double weight_scored; /* sum of weights of the scored criteria (normalized to the total) */
    char *note;        /* e.g. "llm-judge-1 not run; weights renormalized over 0.70"; or NULL */
} TaskEval;

typedef struct TaskEvalOptions {
    const char *workdir;         /* the run's work dir (required) */
    const json_t *steps;         /* agent steps (agent_result steps JSON), may be NULL */
    const char *final_text;      /* the final answer, may be NULL */
    struct LlmClient *judge;     /* for llm-judge; NULL: not run */
    const char *judge_model;     /* NULL: llm-judge not run */
    SandboxOptions sandbox;      /* for script / python / bun (workdir replaced) */
    const char *bun;             /* bun executable; NULL: $SKVM_BUN, $SKVM_HOME/tools/bin/bun,
                                  * then PATH */
    const char *python;          /* NULL: python3 from PATH */
    volatile int *cancel;
} TaskEvalOptions;

void task_eval_options_init(TaskEvalOptions *o, const char *workdir);

/* Evaluate every criterion of T. Never fails because a criterion fails; SK_OK unless the
 * options are unusable. OUT is initialized here (task_eval_done it). */
SkStatus task_evaluate(const Task *t, const TaskEvalOptions *opts, TaskEval *out, SkError *err);
void task_eval_done(TaskEval *e);
/* {score|null, pass, note?, criteria:[{id, name, method, weight, status, score|null, pass,
 *  detail, checkpoints?}]}. New reference. */
json_t *task_eval_to_json(const TaskEval *e);

/* The python-grade transcript of agent STEPS: [{type:"message", message:{role:"assistant",
 * content:[{type:"text",text},{type:"toolCall",name,params}]}} | {type:"message",
 * message:{role:"toolResult", content:[{output}]}}]. New reference. */
json_t *task_grade_transcript(const json_t *steps);

/* JUnit scoring (exposed for tests): score each criterion of CRITERIA (junit payload
 * criteria) against the JUnit XML text. Returns the weighted total; *PER gets a new array
 * of {id, weight, score, matched, passed}. SK_ERR_PARSE when the XML has no testcase. */
SkStatus task_junit_score(const char *xml, const json_t *criteria, double *total, json_t **per,
                          SkError *err);

#endif
