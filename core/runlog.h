/* runlog.h: the records of one agent run.
 *
 * - $SKVM_HOME/runs/<run-id>/conversation.jsonl in the reference's record shape, written
 *   and flushed record by record (a killed run leaves its log up to the last record):
 *     {"type":"request","ts","method":"complete"|"completeWithToolResults","system",
 *      "messages":[...],"tools":[{name,description}],"maxTokens","temperature",
 *      "toolResults"?:[{toolCallId,content,isError}]}
 *     {"type":"response","ts","text","toolCalls":[{id,name,arguments}],"tokens":{input,
 *      output,cacheRead,cacheWrite},"durationMs","stopReason"}
 *   (messages are in the provider-neutral native form of llm_request_to_json).
 * - rows in the store (core/store.h): the runs row (status 'running' with our pid while it
 *   runs, then the final status and totals), one steps row per model call (kind 'llm':
 *   tokens, cost, ttft, latency) and per tool call (kind 'tool': arguments, exit status,
 *   duration, output size and a capped copy of the output), and the scores of a task.
 * Store failures never stop a run: they are reported through sk_log and counted. */
#ifndef SKVM_CORE_RUNLOG_H
#define SKVM_CORE_RUNLOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

struct LlmRequest;
struct LlmResponse;
struct Store;

typedef struct RunLog RunLog;

typedef struct RunLogInfo {
    const char *run_id;    /* required */
    const char *kind;      /* "run" when NULL */
    const char *skill;     /* skill name, may be NULL */
    const char *skill_hash;
    const char *model;
    const char *harness;   /* "skvm-agent" when NULL */
    const char *task;      /* task id, may be NULL */
    const char *prompt;
    const char *work_dir;
    json_t *meta;          /* borrowed; stored as JSON text */
    const char *variant;   /* commit id of a compiled variant being run, may be NULL */
} RunLogInfo;

/* Open the log: create RUN_DIR/conversation.jsonl (RUN_DIR = <home>/runs/<id>), and, unless
 * DB_PATH is "" (no store), open the store (NULL: $SKVM_HOME/skvm.db) and insert the runs row
 * with status 'running'. SK_ERR_IO when the JSONL file cannot be created; a store that cannot
 * be opened is reported by runlog_store_error() and the log goes on without it. */
SkStatus runlog_open(const char *run_dir, const char *db_path, const RunLogInfo *info,
                     RunLog **out, SkError *err);
/* Path of conversation.jsonl (borrowed). */
const char *runlog_conversation_path(const RunLog *l);
/* NULL when the store works, else the first store error message (borrowed). */
const char *runlog_store_error(const RunLog *l);

/* JSONL records. FOLLOWUP: the request carries tool results (method
 * "completeWithToolResults", toolResults = the tool messages after the last assistant one). */
void runlog_request(RunLog *l, const struct LlmRequest *req, bool followup);
void runlog_response(RunLog *l, const struct LlmResponse *resp, int64_t duration_ms);
/* A failed model call (record type "error"). */
void runlog_error(RunLog *l, const char *status, const char *message);

/* Step rows. Returns the row index used (sequential per run). */
int runlog_step_llm(RunLog *l, int64_t started_at, const struct LlmResponse *resp,
                    const char *status);
int runlog_step_tool(RunLog *l, int64_t started_at, const char *name, const char *args,
                     const char *output, int exit_code, int64_t duration_ms,
                     size_t output_bytes, const char *status);

/* Totals at the end. COST < 0: unknown. SCORE: NULL when none. META replaces the stored meta
 * (borrowed, may be NULL). EVAL (borrowed, may be NULL): task_eval_to_json() output; its
 * criteria go into the scores table, and the total under criterion "total". */
void runlog_finish(RunLog *l, const char *status, const char *final_text, const char *error,
                   int64_t tokens_in, int64_t tokens_out, int64_t cache_read,
                   int64_t cache_write, double cost, const double *score, const json_t *meta,
                   const json_t *eval);
/* Close files and the store connection. NULL is a no-op. */
void runlog_close(RunLog *l);

/* Mark every runs row still 'running' whose process is gone as 'interrupted' (ended_at =
 * now, error "found unfinished at the next start"). Only that column set is touched, in one
 * transaction. *COUNT (may be NULL) gets the number of rows marked. */
SkStatus runlog_mark_interrupted(struct Store *st, int *count, SkError *err);

#endif
