/* runlog.c: conversation.jsonl (reference record shape) and the runs/steps/scores rows. */
#include "core/runlog.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/js.h"
#include "core/llm.h"
#include "core/store.h"

#define RUNLOG_OUTPUT_KEEP 16384 /* bytes of tool output kept in the steps row */

struct RunLog {
    char *run_id;
    char *conv_path;
    int fd;
    Store *st;
    char *store_error;
    int next_idx;
};

static void runlog_store_fail(RunLog *l, const SkError *e)
{
    sk_log(SK_LOG_WARN, "run %s: store: %s", l->run_id, e->msg);
    if (!l->store_error)
        l->store_error = sk_strdup(e->msg);
}

static void runlog_line(RunLog *l, json_t *rec)
{
    if (l->fd < 0) {
        json_decref(rec);
        return;
    }
    char *s = js_dump_compact(rec);
    json_decref(rec);
    size_t n = strlen(s);
    s = sk_realloc(s, n + 2);
    s[n++] = '\n';
    const char *p = s;
    while (n > 0) {
        ssize_t w = write(l->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            sk_log(SK_LOG_WARN, "run %s: cannot write %s: %s", l->run_id, l->conv_path,
                   strerror(errno));
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    free(s);
}

static json_t *runlog_ts(void)
{
    char ts[40];
    sk_iso8601(sk_wall_ms(), ts, sizeof ts);
    return json_string(ts);
}

SkStatus runlog_open(const char *run_dir, const char *db_path, const RunLogInfo *info,
                     RunLog **out, SkError *err)
{
    *out = NULL;
    SkStatus st = sk_mkdir_p(run_dir, err);
    if (st != SK_OK)
        return st;
    RunLog *l = sk_calloc(1, sizeof *l);
    l->run_id = sk_strdup(info->run_id);
    l->conv_path = sk_path_join(run_dir, "conversation.jsonl");
    l->fd = open(l->conv_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (l->fd < 0) {
        st = sk_error_set(err, SK_ERR_IO, "%s: %s", l->conv_path, strerror(errno));
        runlog_close(l);
        return st;
    }
    if (!db_path || *db_path) {
        SkError e;
        if (store_open(db_path, &l->st, &e) != SK_OK) {
            runlog_store_fail(l, &e);
            l->st = NULL;
        } else {
            StoreStmt *s = NULL;
            if (store_prepare(l->st,
                              "INSERT INTO runs (id, kind, skill, skill_hash, model, harness, "
                              "task, prompt, status, started_at, pid, work_dir, meta, variant) VALUES "
                              "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', ?9, ?10, ?11, ?12, "
                              "?13)",
                              &s, &e) != SK_OK) {
                runlog_store_fail(l, &e);
            } else {
                char *meta = info->meta ? js_dump_compact(info->meta) : NULL;
                store_bind_text(s, 1, info->run_id);
                store_bind_text(s, 2, info->kind ? info->kind : "run");
                store_bind_text(s, 3, info->skill);
                store_bind_text(s, 4, info->skill_hash);
                store_bind_text(s, 5, info->model);
                store_bind_text(s, 6, info->harness ? info->harness : "skvm-agent");
                store_bind_text(s, 7, info->task);
                store_bind_text(s, 8, info->prompt);
                store_bind_int(s, 9, sk_wall_ms());
                store_bind_int(s, 10, (int64_t)getpid());
                store_bind_text(s, 11, info->work_dir);
                store_bind_text(s, 12, meta);
                store_bind_text(s, 13, info->variant);
                if (store_step(s, &e) == STORE_ERROR)
                    runlog_store_fail(l, &e);
                store_finalize(s);
                free(meta);
            }
        }
    }
    *out = l;
    return SK_OK;
}

const char *runlog_conversation_path(const RunLog *l)
{
    return l->conv_path;
}

const char *runlog_store_error(const RunLog *l)
{
    return l->store_error;
}

void runlog_request(RunLog *l, const LlmRequest *req, bool followup)
{
    json_t *full = llm_request_to_json(req);
    json_t *rec = json_object();
    json_object_set_new(rec, "type", json_string("request"));
    json_object_set_new(rec, "ts", runlog_ts());
    json_object_set_new(rec, "method",
                        json_string(followup ? "completeWithToolResults" : "complete"));
    json_object_set_new(rec, "system", req->system ? json_string(req->system) : json_null());
    json_t *msgs = json_object_get(full, "messages");
    json_object_set(rec, "messages", msgs ? msgs : json_array());
    json_t *tools = json_array();
    for (size_t i = 0; i < req->n_tools; i++)
        json_array_append_new(tools, json_pack("{s:s, s:s}", "name", req->tools[i].name,
                                               "description",
                                               req->tools[i].description
                                                   ? req->tools[i].description
                                                   : ""));
    json_object_set_new(rec, "tools", tools);
    json_object_set_new(rec, "maxTokens", json_integer(req->max_tokens));
    json_object_set_new(rec, "temperature",
                        req->temperature < 0 ? json_null() : json_real(req->temperature));
    if (followup) {
        json_t *tr = json_array();
        size_t start = req->n_messages;
        while (start > 0 && req->messages[start - 1].role == LLM_ROLE_TOOL)
            start--;
        for (size_t i = start; i < req->n_messages; i++) {
            const LlmMessage *m = &req->messages[i];
            json_t *o = json_pack("{s:s, s:s}", "toolCallId", m->tool_call_id ? m->tool_call_id : "",
                                  "content", m->text ? m->text : "");
            if (m->is_error)
                json_object_set_new(o, "isError", json_true());
            json_array_append_new(tr, o);
        }
        json_object_set_new(rec, "toolResults", tr);
    }
    json_decref(full);
    runlog_line(l, rec);
}

void runlog_response(RunLog *l, const LlmResponse *resp, int64_t duration_ms)
{
    json_t *calls = json_array();
    for (size_t i = 0; i < resp->n_tool_calls; i++) {
        const LlmToolCall *c = &resp->tool_calls[i];
        json_t *args = c->arguments ? json_loads(c->arguments, 0, NULL) : json_object();
        if (!args)
            args = json_string(c->arguments);
        json_array_append_new(calls, json_pack("{s:s, s:s, s:o}", "id", c->id ? c->id : "",
                                               "name", c->name ? c->name : "", "arguments",
                                               args));
    }
    json_t *rec = json_pack("{s:s, s:o, s:s, s:o, s:{s:I, s:I, s:I, s:I}, s:I, s:s}", "type",
                            "response", "ts", runlog_ts(), "text", resp->text ? resp->text : "",
                            "toolCalls", calls, "tokens", "input",
                            (json_int_t)resp->usage.input_tokens, "output",
                            (json_int_t)resp->usage.output_tokens, "cacheRead",
                            (json_int_t)resp->usage.cache_read_tokens, "cacheWrite",
                            (json_int_t)resp->usage.cache_write_tokens, "durationMs",
                            (json_int_t)duration_ms, "stopReason",
                            llm_stop_reason_name(resp->stop_reason));
    runlog_line(l, rec);
}

void runlog_error(RunLog *l, const char *status, const char *message)
{
    runlog_line(l, json_pack("{s:s, s:o, s:s, s:s}", "type", "error", "ts", runlog_ts(), "status",
                             status ? status : "", "message", message ? message : ""));
}

static int runlog_step_insert(RunLog *l, const char *kind, const char *name, int64_t started_at,
                              int64_t duration, const LlmResponse *resp, const char *args,
                              const char *output, int exit_code, size_t output_bytes,
                              const char *status)
{
    int idx = l->next_idx++;
    if (!l->st)
        return idx;
    StoreStmt *s = NULL;
    SkError e;
    if (store_prepare(l->st,
                      "INSERT OR REPLACE INTO steps (run_id, idx, kind, name, started_at, "
                      "duration_ms, ttft_ms, tokens_in, tokens_out, tokens_cache_read, "
                      "tokens_cache_write, cost_usd, args, output, exit_code, output_bytes, "
                      "status) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
                      &s, &e) != SK_OK) {
        runlog_store_fail(l, &e);
        return idx;
    }
    store_bind_text(s, 1, l->run_id);
    store_bind_int(s, 2, idx);
    store_bind_text(s, 3, kind);
    store_bind_text(s, 4, name);
    store_bind_int(s, 5, started_at);
    store_bind_int(s, 6, duration);
    if (resp) {
        if (resp->ttft_ms >= 0)
            store_bind_int(s, 7, resp->ttft_ms);
        if (resp->usage.known) {
            store_bind_int(s, 8, resp->usage.input_tokens);
            store_bind_int(s, 9, resp->usage.output_tokens);
            store_bind_int(s, 10, resp->usage.cache_read_tokens);
            store_bind_int(s, 11, resp->usage.cache_write_tokens);
        }
        if (resp->cost_known)
            store_bind_double(s, 12, resp->cost_usd);
        store_bind_int(s, 16, (int64_t)strlen(resp->text ? resp->text : ""));
    } else {
        store_bind_int(s, 15, exit_code);
        store_bind_int(s, 16, (int64_t)output_bytes);
    }
    store_bind_text(s, 13, args);
    if (output) {
        size_t n = strlen(output);
        if (n > RUNLOG_OUTPUT_KEEP) {
            char *cut = sk_strndup(output, RUNLOG_OUTPUT_KEEP);
            store_bind_text(s, 14, cut);
            free(cut);
        } else {
            store_bind_text(s, 14, output);
        }
    }
    store_bind_text(s, 17, status);
    if (store_step(s, &e) == STORE_ERROR)
        runlog_store_fail(l, &e);
    store_finalize(s);
    return idx;
}

int runlog_step_llm(RunLog *l, int64_t started_at, const LlmResponse *resp, const char *status)
{
    json_t *calls = json_array();
    for (size_t i = 0; resp && i < resp->n_tool_calls; i++)
        json_array_append_new(calls, json_string(resp->tool_calls[i].name ? resp->tool_calls[i].name
                                                                           : ""));
    char *names = js_dump_compact(calls);
    json_decref(calls);
    int idx = runlog_step_insert(l, "llm", resp && resp->model ? resp->model : NULL, started_at,
                                 resp ? resp->total_ms : 0, resp, names,
                                 resp ? resp->text : NULL, 0, 0, status);
    free(names);
    return idx;
}

int runlog_step_tool(RunLog *l, int64_t started_at, const char *name, const char *args,
                     const char *output, int exit_code, int64_t duration_ms, size_t output_bytes,
                     const char *status)
{
    return runlog_step_insert(l, "tool", name, started_at, duration_ms, NULL, args, output,
                              exit_code, output_bytes, status);
}

void runlog_finish(RunLog *l, const char *status, const char *final_text, const char *error,
                   int64_t tokens_in, int64_t tokens_out, int64_t cache_read,
                   int64_t cache_write, double cost, const double *score, const json_t *meta,
                   const json_t *eval)
{
    if (!l->st)
        return;
    SkError e;
    if (store_begin(l->st, &e) != SK_OK) {
        runlog_store_fail(l, &e);
        return;
    }
    StoreStmt *s = NULL;
    bool ok = store_prepare(l->st,
                            "UPDATE runs SET status=?2, ended_at=?3, final_text=?4, error=?5, "
                            "tokens_in=?6, tokens_out=?7, tokens_cache_read=?8, "
                            "tokens_cache_write=?9, cost_usd=?10, score=?11, "
                            "meta=COALESCE(?12, meta) WHERE id=?1",
                            &s, &e) == SK_OK;
    if (ok) {
        char *m = meta ? js_dump_compact(meta) : NULL;
        store_bind_text(s, 1, l->run_id);
        store_bind_text(s, 2, status);
        store_bind_int(s, 3, sk_wall_ms());
        store_bind_text(s, 4, final_text);
        store_bind_text(s, 5, error);
        store_bind_int(s, 6, tokens_in);
        store_bind_int(s, 7, tokens_out);
        store_bind_int(s, 8, cache_read);
        store_bind_int(s, 9, cache_write);
        if (cost >= 0)
            store_bind_double(s, 10, cost);
        if (score)
            store_bind_double(s, 11, *score);
        store_bind_text(s, 12, m);
        ok = store_step(s, &e) != STORE_ERROR;
        store_finalize(s);
        s = NULL;
        free(m);
    }
    const json_t *crit = eval ? json_object_get(eval, "criteria") : NULL;
    if (ok && eval) {
        ok = store_prepare(l->st,
                           "INSERT OR REPLACE INTO scores (run_id, criterion, score, weight, "
                           "status, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           &s, &e) == SK_OK;
        size_t i;
        json_t *c;
        json_array_foreach(crit, i, c)
        {
            if (!ok)
                break;
            store_bind_text(s, 1, l->run_id);
            store_bind_text(s, 2, js_str(c, "id", "?"));
            if (json_is_number(json_object_get(c, "score")))
                store_bind_double(s, 3, js_num(c, "score", 0));
            if (json_is_number(json_object_get(c, "weight")))
                store_bind_double(s, 4, js_num(c, "weight", 0));
            store_bind_text(s, 5, js_str(c, "status", ""));
            store_bind_text(s, 6, js_str(c, "detail", ""));
            ok = store_step(s, &e) != STORE_ERROR;
            store_reset(s);
        }
        if (ok) {
            store_bind_text(s, 1, l->run_id);
            store_bind_text(s, 2, "total");
            if (json_is_number(json_object_get(eval, "score")))
                store_bind_double(s, 3, js_num(eval, "score", 0));
            store_bind_double(s, 4, js_num(eval, "weight_scored", 0));
            store_bind_text(s, 5, json_is_number(json_object_get(eval, "score")) ? "scored"
                                                                                 : "not-run");
            store_bind_text(s, 6, js_str(eval, "note", ""));
            ok = store_step(s, &e) != STORE_ERROR;
        }
        if (s)
            store_finalize(s);
    }
    if (!ok) {
        runlog_store_fail(l, &e);
        store_rollback(l->st);
        return;
    }
    if (store_commit(l->st, &e) != SK_OK) {
        runlog_store_fail(l, &e);
        store_rollback(l->st);
    }
}

void runlog_close(RunLog *l)
{
    if (!l)
        return;
    if (l->fd >= 0)
        close(l->fd);
    store_close(l->st);
    free(l->run_id);
    free(l->conv_path);
    free(l->store_error);
    free(l);
}

SkStatus runlog_mark_interrupted(Store *st, int *count, SkError *err)
{
    if (count)
        *count = 0;
    StoreStmt *s = NULL;
    SkStatus rc = store_prepare(st, "SELECT id, pid FROM runs WHERE status = 'running'", &s, err);
    if (rc != SK_OK)
        return rc;
    SkVec dead;
    sk_vec_init(&dead, free);
    StoreStep step;
    while ((step = store_step(s, err)) == STORE_ROW) {
        int64_t pid = store_col_int(s, 1);
        bool gone = store_col_is_null(s, 1) || pid <= 0 ||
                    (kill((pid_t)pid, 0) < 0 && errno == ESRCH);
        if (gone)
            sk_vec_push(&dead, sk_strdup(store_col_text(s, 0)));
    }
    store_finalize(s);
    s = NULL;
    if (step == STORE_ERROR) {
        sk_vec_done(&dead);
        return err ? err->code : SK_ERR_DB;
    }
    if (dead.len == 0) {
        sk_vec_done(&dead);
        return SK_OK;
    }
    rc = store_begin(st, err);
    if (rc == SK_OK)
        rc = store_prepare(st,
                           "UPDATE runs SET status = 'interrupted', ended_at = ?2, "
                           "error = COALESCE(error, 'found unfinished at the next start') "
                           "WHERE id = ?1 AND status = 'running'",
                           &s, err);
    int n = 0;
    for (size_t i = 0; rc == SK_OK && i < dead.len; i++) {
        store_bind_text(s, 1, dead.items[i]);
        store_bind_int(s, 2, sk_wall_ms());
        if (store_step(s, err) == STORE_ERROR)
            rc = err ? err->code : SK_ERR_DB;
        else
            n += store_changes(st);
        store_reset(s);
    }
    if (s)
        store_finalize(s);
    if (rc == SK_OK)
        rc = store_commit(st, err);
    else
        store_rollback(st);
    sk_vec_done(&dead);
    if (count && rc == SK_OK)
        *count = n;
    return rc;
}
