/* trace_pane.c: chat with the target model and watch skill runs live; browse past runs.
 *
 * Chat (`:chat TEXT`, or c / C to type a prompt): the prompt goes to the target model on a
 * background job through the LLM layer; the reply streams in from llm.delta events with
 * tokens, time to first token, tokens per second and cost. Runs (`:run PROMPT`,
 * `:run-task DIR`, or r): agent_run on a job with the current skill; the timeline of model
 * and tool calls, the streaming text, the selected step's detail (Enter) and the task's
 * evaluation come from trace events. Esc or x cancels. Past runs (`:runs`, or p) come from
 * the store (runs, steps and scores tables) and the run's conversation.jsonl.
 *
 * Times shown live are differences of event timestamps (the wall clock, which SKVM_TEST_NOW
 * pins in tests); past runs show the durations stored in their steps rows. This file holds
 * no engine logic: it submits jobs and lays out what events and the store say. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/jobs.h"
#include "core/js.h"
#include "core/llm.h"
#include "core/runlog.h"
#include "core/skill.h"
#include "core/store.h"
#include "core/task.h"
#include "ui/draw.h"
#include "ui/panes.h"
#include "ui/workbench.h"

#define TP_CONFIG_HINT "'skvm config show' lists the routes"

/* ---- the model of the pane (UI thread only) ---- */

typedef enum TpRowKind { TP_LLM, TP_TOOL } TpRowKind;

typedef struct TpRow {
    TpRowKind kind;
    int step;                        /* model call number (1-based) */
    char *name;                      /* model id or tool name */
    char *id;                        /* tool call id */
    char *prompt;                    /* chat: the prompt of this exchange */
    int64_t t_start, t_first, t_end; /* event clock (ms); -1 unknown */
    int64_t dur_ms, ttft_ms;         /* stored values (past runs); -1: use the clock */
    int64_t tok_in, tok_out;         /* -1 unknown */
    int deltas;
    bool cost_known;
    double cost;
    char *status; /* NULL while in progress */
    SkBuf text;   /* reply text or tool output */
    char *args;   /* tool arguments (JSON text) */
    int exit_code;
} TpRow;

typedef struct TpSession {
    bool is_run, past;
    char *key;     /* run_id on the events: the job id (chat) or the agent's run id */
    char *job_key; /* the job's id (job.end) */
    Job *job;      /* owned by the pool; NULL for past runs */
    bool release_on_token;
    char *model, *skill, *title, *run_id;
    char *status; /* "running", "ok", "cancelled", "failed", a run status... */
    char *error;
    char *note;     /* retries and the like */
    SkVec rows;     /* TpRow * */
    json_t *result; /* run.end data (or the same shape for a past run) */
    char *conversation;
} TpSession;

typedef enum TpView { TP_VIEW_LIVE, TP_VIEW_DETAIL, TP_VIEW_RUNS } TpView;
typedef enum TpInput { TP_INPUT_NONE, TP_INPUT_CHAT, TP_INPUT_RUN } TpInput;

typedef struct TracePane {
    Pane super;
    TpSession *cur;
    TpView view;
    PaneList rows; /* timeline cursor */
    bool follow;   /* keep the newest step selected */
    PaneList detail;
    SkVec detail_lines; /* char *, wrapped */
    int detail_row;     /* the row the detail shows */
    int detail_width;
    PaneList runs;
    json_t *runs_list; /* rows of the runs query */
    TpInput input;
    SkBuf line;
} TracePane;

static void tp_row_free(void *p)
{
    TpRow *r = p;
    free(r->name);
    free(r->id);
    free(r->prompt);
    free(r->status);
    free(r->args);
    sk_buf_done(&r->text);
    free(r);
}

static TpRow *tp_row_new(TpRowKind kind, int step, const char *name)
{
    TpRow *r = sk_calloc(1, sizeof *r);
    r->kind = kind;
    r->step = step;
    r->name = sk_strdup(name ? name : "");
    r->t_start = r->t_first = r->t_end = -1;
    r->dur_ms = r->ttft_ms = -1;
    r->tok_in = r->tok_out = -1;
    r->exit_code = -1;
    sk_buf_init(&r->text);
    return r;
}

static void tp_session_free(TpSession *s)
{
    if (!s)
        return;
    free(s->key);
    free(s->job_key);
    free(s->model);
    free(s->skill);
    free(s->title);
    free(s->run_id);
    free(s->status);
    free(s->error);
    free(s->note);
    sk_vec_done(&s->rows);
    if (s->result)
        json_decref(s->result);
    free(s->conversation);
    free(s);
}

static TpSession *tp_session_new(bool is_run)
{
    TpSession *s = sk_calloc(1, sizeof *s);
    s->is_run = is_run;
    sk_vec_init(&s->rows, tp_row_free);
    s->status = sk_strdup("queued");
    return s;
}

static void tp_set(char **slot, const char *v)
{
    free(*slot);
    *slot = v ? sk_strdup(v) : NULL;
}

/* Set an error shown in the pane: the home folder is written as $SKVM_HOME (shorter). */
static void tp_set_error(TpSession *s, const char *msg)
{
    free(s->error);
    s->error = NULL;
    if (!msg)
        return;
    char *home = sk_home_dir();
    size_t hl = strlen(home);
    SkBuf b;
    sk_buf_init(&b);
    for (const char *p = msg; *p;) {
        if (hl && !strncmp(p, home, hl)) {
            sk_buf_puts(&b, "$SKVM_HOME");
            p += hl;
        } else {
            sk_buf_putc(&b, *p++);
        }
    }
    free(home);
    s->error = sk_buf_steal(&b);
}

static bool tp_running(const TpSession *s)
{
    return s && s->job && (job_state(s->job) == JOB_QUEUED || job_state(s->job) == JOB_RUNNING);
}

/* ---- jobs (worker threads) ---- */

typedef struct ChatJob {
    char *model;
    char *prompt;
    SkVec history; /* char *: prompt, reply, prompt, reply... */
} ChatJob;

static void chat_job_free(void *p)
{
    ChatJob *c = p;
    free(c->model);
    free(c->prompt);
    sk_vec_done(&c->history);
    free(c);
}

static LlmClient *tp_client(Job *job, SkError *err)
{
    LlmClientOptions lo;
    llm_client_options_init(&lo);
    lo.bus = job_bus(job);
    LlmClient *cl = llm_client_new(&lo);
    if (!cl)
        sk_error_set(err, SK_ERR_INTERNAL, "cannot start the model client");
    return cl;
}

static SkStatus chat_job_run(Job *job, void *ud, SkError *err)
{
    ChatJob *c = ud;
    LlmClient *cl = tp_client(job, err);
    if (!cl)
        return SK_ERR_INTERNAL;
    LlmRequest req;
    llm_request_init(&req, c->model);
    for (size_t i = 0; i + 1 < c->history.len; i += 2) {
        llm_request_add_user_text(&req, sk_vec_get(&c->history, i));
        llm_request_add_assistant(&req, sk_vec_get(&c->history, i + 1), NULL, 0);
    }
    llm_request_add_user_text(&req, c->prompt);
    LlmCallOptions co;
    llm_call_options_init(&co);
    co.run_id = job_id(job);
    co.step = 1;
    co.cancel = job_cancel_flag(job);
    LlmResponse resp;
    SkStatus rc = llm_complete(cl, &req, &resp, &co, err);
    if (rc == SK_ERR_CONFIG && err) {
        char *msg = sk_strdup(err->msg);
        sk_error_set(err, rc, "%.900s (" TP_CONFIG_HINT ")", msg);
        free(msg);
    }
    llm_response_done(&resp);
    llm_request_done(&req);
    llm_client_free(cl);
    return rc;
}

typedef struct RunJob {
    char *model, *skill_dir, *prompt, *task_dir, *run_id;
} RunJob;

static void run_job_free(void *p)
{
    RunJob *r = p;
    free(r->model);
    free(r->skill_dir);
    free(r->prompt);
    free(r->task_dir);
    free(r->run_id);
    free(r);
}

static SkStatus run_job_run(Job *job, void *ud, SkError *err)
{
    RunJob *r = ud;
    Task *task = NULL;
    Skill *skill = NULL;
    SkStatus rc = SK_OK;
    if (r->task_dir && (rc = task_load(r->task_dir, &task, err)) != SK_OK)
        return rc;
    const char *sd = r->skill_dir                                            ? r->skill_dir
                     : task && task->skill_dir && sk_is_dir(task->skill_dir) ? task->skill_dir
                                                                             : NULL;
    if (sd && (rc = skill_load(sd, &skill, err)) != SK_OK) {
        sk_error_prefix(err, "skill %s", sd);
        task_free(task);
        return rc;
    }
    LlmClient *cl = tp_client(job, err);
    if (!cl) {
        skill_free(skill);
        task_free(task);
        return SK_ERR_INTERNAL;
    }
    AgentOptions ao;
    agent_options_init(&ao);
    ao.model = r->model;
    ao.client = cl;
    ao.bus = job_bus(job);
    ao.run_id = r->run_id;
    ao.skill = skill;
    ao.prompt = r->prompt;
    ao.task = task;
    ao.cancel = job_cancel_flag(job);
    AgentResult *res = NULL;
    rc = agent_run(&ao, &res, err);
    if (rc == SK_OK && res->status == AGENT_CANCELLED)
        rc = sk_error_set(err, SK_ERR_CANCELLED, "cancelled");
    agent_result_free(res);
    llm_client_free(cl);
    skill_free(skill);
    task_free(task);
    return rc;
}

/* ---- formatting ---- */

static void tp_fmt_ms(char *out, size_t n, int64_t ms)
{
    if (ms < 0)
        snprintf(out, n, "–");
    else if (ms < 1000)
        snprintf(out, n, "%lld ms", (long long)ms);
    else
        snprintf(out, n, "%.1f s", (double)ms / 1000.0);
}

static int64_t tp_row_duration(const TpRow *r)
{
    if (r->dur_ms >= 0)
        return r->dur_ms;
    if (r->t_start < 0)
        return -1;
    int64_t end = r->t_end >= 0 ? r->t_end : sk_wall_ms();
    return end >= r->t_start ? end - r->t_start : 0;
}

static int64_t tp_row_ttft(const TpRow *r)
{
    if (r->ttft_ms >= 0)
        return r->ttft_ms;
    if (r->t_first < 0 || r->t_start < 0)
        return -1;
    return r->t_first - r->t_start;
}

/* Output tokens per second after the first token; < 0 when it cannot be told. */
static double tp_row_tps(const TpRow *r)
{
    int64_t toks = r->tok_out >= 0 ? r->tok_out : r->deltas;
    int64_t span;
    if (r->dur_ms >= 0) {
        span = r->dur_ms - (r->ttft_ms > 0 ? r->ttft_ms : 0);
    } else {
        if (r->t_first < 0)
            return -1;
        int64_t end = r->t_end >= 0 ? r->t_end : sk_wall_ms();
        span = end - r->t_first;
    }
    if (span <= 0 || toks <= 0)
        return -1;
    return (double)toks * 1000.0 / (double)span;
}

static void tp_fmt_tokens(SkBuf *b, const TpRow *r)
{
    if (r->tok_in >= 0 || r->tok_out >= 0)
        sk_buf_printf(b, "%lld→%lld tok", (long long)(r->tok_in >= 0 ? r->tok_in : 0),
                      (long long)(r->tok_out >= 0 ? r->tok_out : 0));
    else if (r->deltas)
        sk_buf_printf(b, "~%d tok", r->deltas);
    else
        sk_buf_puts(b, "");
}

static void tp_fmt_cost(SkBuf *b, bool known, double cost)
{
    if (known)
        sk_buf_printf(b, "$%.4f", cost);
    else
        sk_buf_puts(b, "$?");
}

/* Word-wrap TEXT into display lines of at most WIDTH columns, appended to OUT (new strings). */
static void tp_wrap(const char *text, int width, const char *indent, SkVec *out)
{
    if (width < 4)
        width = 4;
    int iw = (int)sk_utf8_width(indent, strlen(indent));
    const char *p = text ? text : "";
    bool first = true;
    size_t total = strlen(p);
    char *trimmed = NULL;
    if (total > 0 && p[total - 1] == '\n') { /* a final newline ends the text, no empty row */
        trimmed = sk_strndup(p, total - 1);
        p = trimmed;
    }
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        /* one paragraph */
        size_t pos = 0;
        do {
            int avail = width - (first ? 0 : iw);
            size_t end = pos, last_space = 0;
            int w = 0;
            while (end < len) {
                size_t cl = 1;
                unsigned char c = (unsigned char)p[end];
                if (c >= 0xf0)
                    cl = 4;
                else if (c >= 0xe0)
                    cl = 3;
                else if (c >= 0xc0)
                    cl = 2;
                if (end + cl > len)
                    cl = len - end;
                int cw = (int)sk_utf8_width(p + end, cl);
                if (w + cw > avail)
                    break;
                if (p[end] == ' ')
                    last_space = end;
                w += cw;
                end += cl;
            }
            if (end < len && last_space > pos)
                end = last_space + 1;
            if (end == pos && pos < len)
                end = pos + 1; /* a single column wider than the line */
            char *s = sk_asprintf("%s%.*s", first ? "" : indent, (int)(end - pos), p + pos);
            sk_vec_push(out, s);
            first = false;
            pos = end;
        } while (pos < len);
        if (!nl)
            break;
        p = nl + 1;
    }
    free(trimmed);
}

/* ---- events ---- */

static TpRow *tp_find_llm(TpSession *s, int step)
{
    for (size_t i = s->rows.len; i-- > 0;) {
        TpRow *r = sk_vec_get(&s->rows, i);
        if (r->kind == TP_LLM && r->step == step)
            return r;
    }
    return NULL;
}

static TpRow *tp_find_tool(TpSession *s, const char *id, int step)
{
    for (size_t i = s->rows.len; i-- > 0;) {
        TpRow *r = sk_vec_get(&s->rows, i);
        if (r->kind == TP_TOOL && r->step == step && sk_str_eq(r->id, id))
            return r;
    }
    return NULL;
}

/* The model-call row an llm.* event belongs to (chat: the newest exchange). */
static TpRow *tp_llm_row(TpSession *s, const TraceEvent *ev)
{
    if (!s->is_run)
        return s->rows.len ? sk_vec_get(&s->rows, s->rows.len - 1) : NULL;
    TpRow *r = tp_find_llm(s, ev->step);
    if (!r) {
        r = tp_row_new(TP_LLM, ev->step, s->model);
        sk_vec_push(&s->rows, r);
    }
    return r;
}

static void tp_apply(TracePane *tp, TpSession *s, const TraceEvent *ev)
{
    const json_t *d = ev->data;
    TpRow *r;
    switch (ev->kind) {
    case TRACE_RUN_START:
        tp_set(&s->conversation, js_str(d, "conversation", NULL));
        tp_set(&s->status, "running");
        break;
    case TRACE_LLM_START:
        if ((r = tp_llm_row(s, ev)) && r->t_start < 0)
            r->t_start = ev->ts_ms;
        if (!s->is_run)
            tp_set(&s->status, "running");
        break;
    case TRACE_LLM_FIRST_TOKEN:
        if ((r = tp_llm_row(s, ev)) && r->t_first < 0)
            r->t_first = ev->ts_ms;
        break;
    case TRACE_LLM_DELTA:
        if ((r = tp_llm_row(s, ev))) {
            if (r->t_first < 0)
                r->t_first = ev->ts_ms;
            sk_buf_puts(&r->text, ev->text ? ev->text : "");
            r->deltas++;
        }
        if (s->release_on_token && s->job) {
            job_release_script(s->job);
            s->release_on_token = false;
        }
        break;
    case TRACE_LLM_RETRY:
        free(s->note);
        s->note = sk_asprintf("retry %lld: %s", (long long)js_int(d, "attempt", 0),
                              ev->text ? ev->text : "");
        if ((r = tp_llm_row(s, ev))) {
            sk_buf_reset(&r->text); /* the stream restarts */
            r->deltas = 0;
            r->t_first = -1;
        }
        break;
    case TRACE_LLM_END:
        if ((r = tp_llm_row(s, ev))) {
            r->t_end = ev->ts_ms;
            const json_t *u = js_obj(d, "usage");
            if (u) {
                r->tok_in = js_int(u, "input", 0) + js_int(u, "cache_read", 0) +
                            js_int(u, "cache_write", 0);
                r->tok_out = js_int(u, "output", 0);
            }
            const json_t *c = json_object_get(d, "cost_usd");
            r->cost_known = json_is_number(c);
            r->cost = r->cost_known ? json_number_value(c) : 0;
            tp_set(&r->status, js_bool(d, "cached", false) ? "cached" : "ok");
        }
        break;
    case TRACE_LLM_ERROR:
        if ((r = tp_llm_row(s, ev))) {
            r->t_end = ev->ts_ms;
            char *st = sk_strdup(js_str(d, "status", "error"));
            for (char *c = st; *c; c++)
                *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
            free(r->status);
            r->status = st;
            if (strcmp(st, "cancelled"))
                tp_set_error(s, ev->text);
        }
        break;
    case TRACE_TOOL_START:
        r = tp_row_new(TP_TOOL, ev->step, js_str(d, "name", "?"));
        r->id = sk_strdup(js_str(d, "id", ""));
        r->args = sk_strdup(js_str(d, "args", ""));
        r->t_start = ev->ts_ms;
        sk_vec_push(&s->rows, r);
        break;
    case TRACE_TOOL_END:
        if ((r = tp_find_tool(s, js_str(d, "id", ""), ev->step))) {
            r->t_end = ev->ts_ms;
            r->exit_code = (int)js_int(d, "exit_code", -1);
            sk_buf_reset(&r->text);
            sk_buf_puts(&r->text, js_str(d, "output", ""));
            tp_set(&r->status, js_bool(d, "sandbox_denied", false) ? "denied"
                               : js_bool(d, "is_error", false)     ? "error"
                                                                   : "ok");
        }
        break;
    case TRACE_RUN_END:
        if (s->result)
            json_decref(s->result);
        s->result = d ? json_deep_copy(d) : NULL;
        tp_set(&s->status, js_str(d, "status", "ended"));
        break;
    case TRACE_JOB_END: {
        const char *st = js_str(d, "state", "done");
        if (!s->is_run || strcmp(st, "done"))
            tp_set(&s->status, !strcmp(st, "done") ? "ok" : st);
        if (!strcmp(st, "failed"))
            tp_set_error(s, js_str(d, "error", ev->text));
        /* A row still streaming when the job ended was cut short. */
        for (size_t i = 0; i < s->rows.len; i++) {
            TpRow *x = sk_vec_get(&s->rows, i);
            if (!x->status) {
                tp_set(&x->status, !strcmp(st, "done") ? "ok" : st);
                if (x->t_end < 0)
                    x->t_end = ev->ts_ms;
            }
        }
        s->release_on_token = false;
        break;
    }
    default:
        break;
    }
    (void)tp;
}

static PaneResult tp_on_event(Pane *p, const TraceEvent *ev)
{
    TracePane *tp = (TracePane *)p;
    TpSession *s = tp->cur;
    if (!s || s->past || !ev->run_id)
        return PANE_IGNORED;
    bool mine = sk_str_eq(ev->run_id, s->key) ||
                (ev->kind == TRACE_JOB_END && sk_str_eq(ev->run_id, s->job_key));
    if (!mine)
        return PANE_IGNORED;
    tp_apply(tp, s, ev);
    if (tp->view == TP_VIEW_DETAIL)
        tp->detail_width = -1; /* rebuilt with what arrived */
    if (tp->follow && s->rows.len)
        tp->rows.cursor = (int)s->rows.len - 1;
    return PANE_REDRAW;
}

/* ---- starting jobs ---- */

static void tp_show(TracePane *tp)
{
    Workbench *wb = tp->super.wb;
    if (!tp->super.shown || wb->focus != &tp->super || !tp->super.visible) {
        wb->zoom = true;
        workbench_focus(wb, &tp->super);
        workbench_relayout(wb);
    }
}

static const char *tp_model(TracePane *tp)
{
    const Tcp *t = workbench_target(tp->super.wb);
    if (!t) {
        workbench_message(tp->super.wb, SK_LOG_ERROR,
                          "no target model: add model profiles (skvm profile) and pick one with "
                          "m; the model also needs a route in $SKVM_HOME/config.yaml "
                          "('skvm config show' lists the routes)");
        return NULL;
    }
    return t->model;
}

static bool tp_busy(TracePane *tp)
{
    if (tp_running(tp->cur)) {
        workbench_message(tp->super.wb, SK_LOG_WARN,
                          "a %s is in progress: wait for it or cancel it (x or Esc)",
                          tp->cur->is_run ? "run" : "chat");
        return true;
    }
    return false;
}

static void tp_start_chat(TracePane *tp, const char *prompt, bool release)
{
    const char *model = tp_model(tp);
    if (!model || tp_busy(tp))
        return;
    ChatJob *c = sk_calloc(1, sizeof *c);
    c->model = sk_strdup(model);
    c->prompt = sk_strdup(prompt);
    sk_vec_init(&c->history, free);
    TpSession *s = tp->cur;
    if (!s || s->is_run || s->past || !sk_str_eq(s->model, model)) {
        tp_session_free(tp->cur);
        s = tp->cur = tp_session_new(false);
        s->model = sk_strdup(model);
    }
    for (size_t i = 0; i < s->rows.len; i++) {
        const TpRow *r = sk_vec_get(&s->rows, i);
        if (sk_str_eq(r->status, "ok") || sk_str_eq(r->status, "cached")) {
            sk_vec_push(&c->history, sk_strdup(r->prompt ? r->prompt : ""));
            sk_vec_push(&c->history, sk_strdup(sk_buf_cstr(&r->text)));
        }
    }
    TpRow *r = tp_row_new(TP_LLM, (int)s->rows.len + 1, model);
    r->prompt = sk_strdup(prompt);
    sk_vec_push(&s->rows, r);
    Job *job = jobs_submit(tp->super.wb->jobs, "chat", prompt, chat_job_run, c, chat_job_free);
    s->job = job;
    tp_set(&s->key, job_id(job));
    tp_set(&s->job_key, job_id(job));
    tp_set(&s->status, "queued");
    tp_set_error(s, NULL);
    tp_set(&s->note, NULL);
    s->release_on_token = release;
    tp->view = TP_VIEW_LIVE;
    tp->follow = true;
    tp->rows.cursor = (int)s->rows.len - 1;
    tp_show(tp);
}

static void tp_start_run(TracePane *tp, const char *prompt, const char *task_dir, bool release)
{
    Workbench *wb = tp->super.wb;
    const char *model = tp_model(tp);
    if (!model || tp_busy(tp))
        return;
    if (!wb->skill && !task_dir) {
        workbench_message(wb, SK_LOG_ERROR,
                          "open a skill first (o), or run a task with :run-task DIR");
        return;
    }
    RunJob *rj = sk_calloc(1, sizeof *rj);
    rj->model = sk_strdup(model);
    rj->skill_dir = wb->skill ? sk_strdup(wb->skill->dir) : NULL;
    rj->prompt = prompt ? sk_strdup(prompt) : NULL;
    rj->task_dir = task_dir ? sk_strdup(task_dir) : NULL;
    rj->run_id = agent_new_run_id();
    tp_session_free(tp->cur);
    TpSession *s = tp->cur = tp_session_new(true);
    s->model = sk_strdup(model);
    s->skill = wb->skill ? sk_strdup(wb->skill->name) : NULL;
    s->title = task_dir ? sk_asprintf("task %s", task_dir) : sk_strdup(prompt);
    s->key = sk_strdup(rj->run_id);
    s->run_id = sk_strdup(rj->run_id);
    char *label = sk_strdup(s->title);
    Job *job = jobs_submit(wb->jobs, "run", label, run_job_run, rj, run_job_free);
    free(label);
    s->job = job;
    s->job_key = sk_strdup(job_id(job));
    s->release_on_token = release;
    tp->view = TP_VIEW_LIVE;
    tp->follow = true;
    tp->rows = (PaneList){0};
    tp_show(tp);
}

static void tp_cancel(TracePane *tp)
{
    if (tp_running(tp->cur)) {
        job_cancel(tp->cur->job);
        tp_set(&tp->cur->status, "cancelling");
    }
}

/* ---- past runs ---- */

static Store *tp_store(TracePane *tp)
{
    Store *st = NULL;
    SkError err;
    if (store_open(NULL, &st, &err) != SK_OK) {
        workbench_message(tp->super.wb, SK_LOG_ERROR, "runs: %s", err.msg);
        return NULL;
    }
    return st;
}

static void tp_load_runs(TracePane *tp)
{
    Store *st = tp_store(tp);
    if (!st)
        return;
    SkError err;
    int n = 0;
    if (runlog_mark_interrupted(st, &n, &err) != SK_OK)
        workbench_message(tp->super.wb, SK_LOG_WARN, "runs: %s", err.msg);
    json_t *rows = NULL;
    if (store_query_json(st,
                         "SELECT id, started_at, status, model, skill, task, prompt, tokens_in, "
                         "tokens_out, cost_usd, score, (SELECT COUNT(*) FROM steps WHERE "
                         "run_id = runs.id) FROM runs WHERE kind = 'run' "
                         "ORDER BY started_at DESC, id DESC LIMIT 500",
                         NULL, 0, &rows, NULL, &err) != SK_OK) {
        workbench_message(tp->super.wb, SK_LOG_ERROR, "runs: %s", err.msg);
        rows = NULL;
    }
    store_close(st);
    if (tp->runs_list)
        json_decref(tp->runs_list);
    tp->runs_list = rows ? rows : json_array();
    tp->runs = (PaneList){.count = (int)json_array_size(tp->runs_list)};
    tp->view = TP_VIEW_RUNS;
}

static const char *tp_cell(const json_t *row, size_t i)
{
    const json_t *v = json_array_get(row, i);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t tp_cell_int(const json_t *row, size_t i, int64_t def)
{
    const json_t *v = json_array_get(row, i);
    return json_is_integer(v) ? (int64_t)json_integer_value(v)
           : json_is_real(v)  ? (int64_t)json_real_value(v)
                              : def;
}

/* Records of TYPE ("request" / "response") from conversation.jsonl (new array). */
static json_t *tp_conversation(const char *path, const char *type)
{
    json_t *out = json_array();
    char *text = NULL;
    size_t len = 0;
    if (!path || sk_read_file(path, 64u << 20, &text, &len, NULL) != SK_OK)
        return out;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        json_t *rec = json_loads(line, 0, NULL);
        if (rec && sk_str_eq(js_str(rec, "type", ""), type))
            json_array_append(out, rec);
        json_decref(rec);
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return out;
}

static bool tp_open_run(TracePane *tp, const char *id)
{
    Workbench *wb = tp->super.wb;
    if (tp_running(tp->cur)) {
        workbench_message(wb, SK_LOG_WARN, "a %s is in progress: cancel it before opening a run",
                          tp->cur->is_run ? "run" : "chat");
        return false;
    }
    Store *st = tp_store(tp);
    if (!st)
        return false;
    SkError err;
    json_t *params = json_pack("[s]", id);
    json_t *run = NULL, *steps = NULL, *scores = NULL;
    SkStatus rc = store_query_json(st,
                                   "SELECT id, status, model, skill, task, prompt, final_text, "
                                   "error, score FROM runs WHERE id = ?1",
                                   params, 1, &run, NULL, &err);
    if (rc == SK_OK)
        rc = store_query_json(st,
                              "SELECT idx, kind, name, duration_ms, ttft_ms, tokens_in, "
                              "tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, args, "
                              "output, exit_code, status FROM steps WHERE run_id = ?1 ORDER BY idx",
                              params, 0, &steps, NULL, &err);
    if (rc == SK_OK)
        rc = store_query_json(st,
                              "SELECT criterion, score, weight, status, detail FROM scores "
                              "WHERE run_id = ?1 AND criterion <> 'total' ORDER BY rowid",
                              params, 0, &scores, NULL, &err);
    json_decref(params);
    store_close(st);
    if (rc != SK_OK || !json_array_size(run)) {
        if (rc != SK_OK)
            workbench_message(wb, SK_LOG_ERROR, "run %s: %s", id, err.msg);
        else
            workbench_message(wb, SK_LOG_ERROR, "no run '%s' in the store", id);
        json_decref(run);
        json_decref(steps);
        json_decref(scores);
        return false;
    }
    const json_t *rr = json_array_get(run, 0);
    TpSession *s = tp_session_new(true);
    s->past = true;
    s->run_id = sk_strdup(id);
    s->key = sk_strdup(id);
    s->model = sk_strdup(tp_cell(rr, 2) ? tp_cell(rr, 2) : "?");
    s->skill = tp_cell(rr, 3) ? sk_strdup(tp_cell(rr, 3)) : NULL;
    s->title = tp_cell(rr, 4)   ? sk_asprintf("task %s", tp_cell(rr, 4))
               : tp_cell(rr, 5) ? sk_strdup(tp_cell(rr, 5))
                                : sk_strdup("");
    tp_set(&s->status, tp_cell(rr, 1) ? tp_cell(rr, 1) : "?");
    tp_set_error(s, tp_cell(rr, 7));
    char *home = sk_home_dir();
    char *rel = sk_asprintf("runs/%s/conversation.jsonl", id);
    s->conversation = sk_path_join(home, rel);
    free(rel);
    free(home);
    json_t *responses = tp_conversation(s->conversation, "response");
    int step = 0;
    size_t i;
    json_t *row;
    json_array_foreach(steps, i, row)
    {
        bool llm = sk_str_eq(tp_cell(row, 1), "llm");
        if (llm)
            step++;
        TpRow *r = tp_row_new(llm ? TP_LLM : TP_TOOL, step > 0 ? step : 1,
                              tp_cell(row, 2) ? tp_cell(row, 2) : (llm ? s->model : "?"));
        r->dur_ms = tp_cell_int(row, 3, 0);
        r->ttft_ms = tp_cell_int(row, 4, -1);
        if (llm) {
            r->tok_in = tp_cell_int(row, 5, -1);
            if (r->tok_in >= 0)
                r->tok_in += tp_cell_int(row, 7, 0) + tp_cell_int(row, 8, 0);
            r->tok_out = tp_cell_int(row, 6, -1);
            const json_t *c = json_array_get(row, 9);
            r->cost_known = json_is_number(c);
            r->cost = r->cost_known ? json_number_value(c) : 0;
            const json_t *resp = json_array_get(responses, (size_t)(step - 1));
            sk_buf_puts(&r->text, js_str(resp, "text", ""));
        } else {
            r->args = sk_strdup(tp_cell(row, 10) ? tp_cell(row, 10) : "");
            sk_buf_puts(&r->text, tp_cell(row, 11) ? tp_cell(row, 11) : "");
            r->exit_code = (int)tp_cell_int(row, 12, -1);
        }
        r->status = sk_strdup(tp_cell(row, 13) ? tp_cell(row, 13) : "?");
        sk_vec_push(&s->rows, r);
    }
    json_decref(responses);
    /* The evaluation in run.end's shape. */
    json_t *res = json_object();
    json_object_set_new(res, "status", json_string(s->status));
    json_object_set_new(res, "final_text", json_string(tp_cell(rr, 6) ? tp_cell(rr, 6) : ""));
    if (json_array_size(scores)) {
        json_t *crit = json_array();
        json_array_foreach(scores, i, row)
        {
            const json_t *sc = json_array_get(row, 1);
            json_t *c = json_pack("{s:s,s:s,s:s}", "id", tp_cell(row, 0) ? tp_cell(row, 0) : "?",
                                  "status", tp_cell(row, 3) ? tp_cell(row, 3) : "scored", "detail",
                                  tp_cell(row, 4) ? tp_cell(row, 4) : "");
            json_object_set_new(
                c, "score", json_is_number(sc) ? json_real(json_number_value(sc)) : json_null());
            json_object_set_new(c, "pass",
                                json_boolean(json_is_number(sc) && json_number_value(sc) >= 0.5));
            json_array_append_new(crit, c);
        }
        const json_t *total = json_array_get(rr, 8);
        json_t *ev = json_object();
        json_object_set_new(
            ev, "score", json_is_number(total) ? json_real(json_number_value(total)) : json_null());
        json_object_set_new(ev, "pass",
                            json_boolean(json_is_number(total) && json_number_value(total) >= 0.5));
        json_object_set_new(ev, "criteria", crit);
        json_object_set_new(res, "evaluation", ev);
    }
    s->result = res;
    json_decref(run);
    json_decref(steps);
    json_decref(scores);
    tp_session_free(tp->cur);
    tp->cur = s;
    tp->view = TP_VIEW_LIVE;
    tp->follow = false;
    tp->rows = (PaneList){.count = (int)s->rows.len};
    tp->rows.cursor = s->rows.len ? (int)s->rows.len - 1 : 0; /* the final reply */
    return true;
}

/* ---- the detail of one step ---- */

static void tp_detail_add(TracePane *tp, const char *text, int width, const char *indent)
{
    tp_wrap(text, width, indent, &tp->detail_lines);
}

static void tp_detail_message(TracePane *tp, const json_t *m, int width)
{
    const char *role = js_str(m, "role", "?");
    const char *text = js_str(m, "text", NULL);
    char *head = sk_asprintf("[%s] %s", role, text ? text : "");
    tp_detail_add(tp, head, width, "  ");
    free(head);
    size_t i;
    const json_t *c;
    json_array_foreach(js_arr(m, "tool_calls"), i, c)
    {
        char *line = sk_asprintf("  → %s %s", js_str(c, "name", "?"), js_str(c, "arguments", ""));
        tp_detail_add(tp, line, width, "    ");
        free(line);
    }
}

static void tp_build_detail(TracePane *tp, int width)
{
    sk_vec_done(&tp->detail_lines);
    sk_vec_init(&tp->detail_lines, free);
    tp->detail_width = width;
    TpSession *s = tp->cur;
    if (!s || tp->detail_row < 0 || (size_t)tp->detail_row >= s->rows.len)
        return;
    const TpRow *r = sk_vec_get(&s->rows, (size_t)tp->detail_row);
    char d[32], t[32];
    tp_fmt_ms(d, sizeof d, tp_row_duration(r));
    tp_fmt_ms(t, sizeof t, tp_row_ttft(r));
    SkBuf b;
    sk_buf_init(&b);
    if (r->kind == TP_LLM) {
        sk_buf_printf(&b, "Model call %d · %s · ", r->step, r->name);
        tp_fmt_tokens(&b, r);
        sk_buf_printf(&b, " · ttft %s · %s · ", t, d);
        tp_fmt_cost(&b, r->cost_known, r->cost);
        sk_buf_printf(&b, " · %s", r->status ? r->status : "streaming");
        tp_detail_add(tp, sk_buf_cstr(&b), width, "  ");
        sk_vec_push(&tp->detail_lines, sk_strdup(""));
        sk_vec_push(&tp->detail_lines, sk_strdup("Request:"));
        if (!s->is_run) {
            json_t *m = json_pack("{s:s,s:s}", "role", "user", "text", r->prompt ? r->prompt : "");
            tp_detail_message(tp, m, width);
            json_decref(m);
        } else {
            json_t *reqs = tp_conversation(s->conversation, "request");
            const json_t *req = json_array_get(reqs, (size_t)(r->step - 1));
            if (!req) {
                sk_vec_push(&tp->detail_lines, sk_strdup("  (not in the conversation log)"));
            } else {
                if (r->step == 1 && js_str(req, "system", NULL)) {
                    char *sys = sk_asprintf("[system] %s", js_str(req, "system", ""));
                    tp_detail_add(tp, sys, width, "  ");
                    free(sys);
                }
                /* Later requests repeat the history: show what is new since the last reply. */
                const json_t *msgs = js_arr(req, "messages");
                size_t n = json_array_size(msgs), from = 0;
                if (r->step > 1)
                    for (size_t k = n; k-- > 0;)
                        if (sk_str_eq(js_str(json_array_get(msgs, k), "role", ""), "assistant")) {
                            from = k + 1;
                            break;
                        }
                for (size_t k = from; k < n; k++)
                    tp_detail_message(tp, json_array_get(msgs, k), width);
            }
            json_decref(reqs);
        }
        sk_vec_push(&tp->detail_lines, sk_strdup(""));
        sk_vec_push(&tp->detail_lines, sk_strdup("Reply:"));
        tp_detail_add(tp, sk_buf_cstr(&r->text), width, "");
        for (size_t i = 0; i < s->rows.len; i++) {
            const TpRow *x = sk_vec_get(&s->rows, i);
            if (x->kind == TP_TOOL && x->step == r->step) {
                char *line = sk_asprintf("  → %s %s", x->name, x->args ? x->args : "");
                tp_detail_add(tp, line, width, "    ");
                free(line);
            }
        }
    } else {
        sk_buf_printf(&b, "Tool call %s (model call %d) · exit %d · %s · %s", r->name, r->step,
                      r->exit_code, d, r->status ? r->status : "running");
        tp_detail_add(tp, sk_buf_cstr(&b), width, "  ");
        sk_vec_push(&tp->detail_lines, sk_strdup(""));
        sk_vec_push(&tp->detail_lines, sk_strdup("Arguments:"));
        json_t *a = r->args ? json_loads(r->args, 0, NULL) : NULL;
        char *pretty = a ? js_dump_pretty(a) : NULL;
        tp_detail_add(tp, pretty ? pretty : (r->args ? r->args : ""), width, "");
        free(pretty);
        json_decref(a);
        sk_vec_push(&tp->detail_lines, sk_strdup(""));
        sk_vec_push(&tp->detail_lines, sk_strdup("Output:"));
        tp_detail_add(tp, sk_buf_cstr(&r->text), width, "");
    }
    sk_buf_done(&b);
    tp->detail.count = (int)tp->detail_lines.len;
}

/* ---- drawing ---- */

static void tp_draw_runs(TracePane *tp, WINDOW *w, int h, int width)
{
    size_t n = json_array_size(tp->runs_list);
    tp->runs.count = (int)n;
    draw_printf(w, 0, 1, width - 1, STYLE_LABEL, "%-16s %-11s %-20s %5s %11s %8s %5s  %s",
                "started", "status", "model", "steps", "tokens", "cost", "score", "prompt / task");
    int lh = h - 1;
    pane_list_clamp(&tp->runs, lh);
    if (!n)
        draw_str(w, 1, 1, width - 1, "No runs in the store yet: start one with r or :run PROMPT.",
                 STYLE_DIM);
    for (int row = 0; row < lh; row++) {
        size_t i = (size_t)(tp->runs.top + row);
        if (i >= n)
            break;
        const json_t *rr = json_array_get(tp->runs_list, i);
        char when[40] = "";
        int64_t started = tp_cell_int(rr, 1, -1);
        if (started >= 0) {
            sk_iso8601(started, when, sizeof when);
            when[16] = '\0';
            when[10] = ' ';
        }
        SkBuf toks;
        sk_buf_init(&toks);
        sk_buf_printf(&toks, "%lld→%lld", (long long)tp_cell_int(rr, 7, 0),
                      (long long)tp_cell_int(rr, 8, 0));
        char cost[16] = "$?", score[16] = "–";
        const json_t *c = json_array_get(rr, 9);
        if (json_is_number(c))
            snprintf(cost, sizeof cost, "$%.4f", json_number_value(c));
        const json_t *sc = json_array_get(rr, 10);
        if (json_is_number(sc))
            snprintf(score, sizeof score, "%.2f", json_number_value(sc));
        const char *what = tp_cell(rr, 5) ? tp_cell(rr, 5) : tp_cell(rr, 6) ? tp_cell(rr, 6) : "";
        const char *status = tp_cell(rr, 2) ? tp_cell(rr, 2) : "?";
        StyleId st = sk_str_eq(status, "ok")        ? STYLE_GAP_OK
                     : sk_str_eq(status, "running") ? STYLE_INFO
                                                    : STYLE_GAP_MISSING;
        int x = 1;
        x += draw_printf(w, row + 1, x, width - x, STYLE_DEFAULT, "%-16s ", when);
        x += draw_printf(w, row + 1, x, width - x, st, "%-11.11s ", status);
        x += draw_printf(w, row + 1, x, width - x, STYLE_DEFAULT, "%-20.20s %5lld %11s %8s %5s  ",
                         tp_cell(rr, 3) ? tp_cell(rr, 3) : "?", (long long)tp_cell_int(rr, 11, 0),
                         sk_buf_cstr(&toks), cost, score);
        if (x < width)
            draw_str_ellipsis(w, row + 1, x, width - x, what, STYLE_DEFAULT);
        sk_buf_done(&toks);
        if ((int)i == tp->runs.cursor)
            draw_restyle(w, row + 1, 0, width,
                         tp->super.focused ? STYLE_SELECTION : STYLE_SELECTION_DIM);
    }
}

static void tp_draw_detail(TracePane *tp, WINDOW *w, int h, int width)
{
    if (tp->detail_width != width - 2)
        tp_build_detail(tp, width - 2);
    pane_list_clamp(&tp->detail, h);
    /* A scrolling view: the cursor is the top row. */
    tp->detail.top = tp->detail.cursor;
    for (int row = 0; row < h; row++) {
        size_t i = (size_t)(tp->detail.top + row);
        if (i >= tp->detail_lines.len)
            break;
        const char *line = sk_vec_get(&tp->detail_lines, i);
        bool head = !strcmp(line, "Request:") || !strcmp(line, "Reply:") ||
                    !strcmp(line, "Arguments:") || !strcmp(line, "Output:") || i == 0;
        draw_str(w, row, 1, width - 2, line, head ? STYLE_LABEL : STYLE_DEFAULT);
    }
}

/* One timeline row. */
static void tp_draw_row(TracePane *tp, WINDOW *w, int y, int width, const TpRow *r, int64_t max_dur,
                        bool selected)
{
    char d[32], t[32];
    tp_fmt_ms(d, sizeof d, tp_row_duration(r));
    SkBuf m;
    sk_buf_init(&m);
    if (r->kind == TP_LLM) {
        tp_fmt_tokens(&m, r);
        while (draw_width(m.data ? m.data : "", m.len) < 14)
            sk_buf_putc(&m, ' ');
        tp_fmt_ms(t, sizeof t, tp_row_ttft(r));
        sk_buf_printf(&m, " ttft %s", t);
    } else if (r->status) {
        sk_buf_printf(&m, "exit %d", r->exit_code);
    }
    const int barw = 10;
    int x = 1;
    x += draw_printf(w, y, x, width - x, STYLE_DIM, "%3d ", r->step);
    x += draw_printf(w, y, x, width - x, r->kind == TP_LLM ? STYLE_INFO : STYLE_LABEL, "%-5s ",
                     r->kind == TP_LLM ? "model" : "tool");
    int right = 30 + 9 + barw;
    int namew = width - x - right - 1;
    if (namew > 4) {
        SkBuf nm;
        sk_buf_init(&nm);
        sk_buf_puts(&nm, r->name);
        if (r->kind == TP_TOOL && r->args)
            sk_buf_printf(&nm, " %s", r->args);
        draw_str_ellipsis(w, y, x, namew, sk_buf_cstr(&nm), STYLE_DEFAULT);
        sk_buf_done(&nm);
        x += namew + 1;
    }
    StyleId st = !r->status                                                     ? STYLE_INFO
                 : sk_str_eq(r->status, "ok") || sk_str_eq(r->status, "cached") ? STYLE_DEFAULT
                                                                                : STYLE_GAP_MISSING;
    while (draw_width(m.data ? m.data : "", m.len) < 29) /* pad by columns, not bytes */
        sk_buf_putc(&m, ' ');
    x += draw_printf(w, y, x, width - x, st, "%s %8s ", sk_buf_cstr(&m), d);
    sk_buf_done(&m);
    int64_t dur = tp_row_duration(r);
    int cells = max_dur > 0 && dur > 0 ? (int)((dur * barw + max_dur - 1) / max_dur) : 0;
    for (int k = 0; k < cells && x < width; k++)
        x += draw_str(w, y, x, 1, "█", r->kind == TP_LLM ? STYLE_LEVEL_2 : STYLE_LEVEL_1);
    if (selected)
        draw_restyle(w, y, 0, width, tp->super.focused ? STYLE_SELECTION : STYLE_SELECTION_DIM);
}

typedef struct TpLine {
    char *text;
    StyleId style;
} TpLine;

static void tp_line_free(void *p)
{
    TpLine *l = p;
    free(l->text);
    free(l);
}

static void tp_add_lines(SkVec *lines, const char *text, int width, const char *indent, StyleId st)
{
    SkVec tmp;
    sk_vec_init(&tmp, NULL);
    tp_wrap(text, width, indent, &tmp);
    for (size_t i = 0; i < tmp.len; i++) {
        TpLine *l = sk_calloc(1, sizeof *l);
        l->text = sk_vec_get(&tmp, i);
        l->style = st;
        sk_vec_push(lines, l);
    }
    sk_vec_done(&tmp);
}

/* Totals over the rows (run) or of the newest exchange (chat). */
static void tp_draw_totals(TracePane *tp, WINDOW *w, int y, int width)
{
    TpSession *s = tp->cur;
    SkBuf b;
    sk_buf_init(&b);
    if (!s->is_run) {
        const TpRow *r = s->rows.len ? sk_vec_get(&s->rows, s->rows.len - 1) : NULL;
        if (r) {
            char t[32], d[32];
            tp_fmt_ms(t, sizeof t, tp_row_ttft(r));
            tp_fmt_ms(d, sizeof d, tp_row_duration(r));
            tp_fmt_tokens(&b, r);
            if (!b.len)
                sk_buf_puts(&b, "0 tok");
            double tps = tp_row_tps(r);
            sk_buf_printf(&b, " · ttft %s · ", t);
            if (tps >= 0)
                sk_buf_printf(&b, "%.1f tok/s", tps);
            else
                sk_buf_puts(&b, "– tok/s");
            sk_buf_puts(&b, " · ");
            tp_fmt_cost(&b, r->cost_known, r->cost);
            sk_buf_printf(&b, " · %s", d);
        }
    } else {
        int64_t in = 0, out = 0, dur = 0;
        int llm = 0, tools = 0;
        bool known = true;
        double cost = 0;
        for (size_t i = 0; i < s->rows.len; i++) {
            const TpRow *r = sk_vec_get(&s->rows, i);
            if (r->kind == TP_LLM) {
                llm++;
                in += r->tok_in > 0 ? r->tok_in : 0;
                out += r->tok_out > 0 ? r->tok_out : (r->tok_out < 0 ? r->deltas : 0);
                known = known && r->cost_known;
                cost += r->cost;
                int64_t dd = tp_row_duration(r);
                dur += dd > 0 ? dd : 0;
            } else {
                tools++;
            }
        }
        char d[32];
        tp_fmt_ms(d, sizeof d, dur);
        sk_buf_printf(&b, "%d model call%s · %d tool call%s · %lld→%lld tok · ", llm,
                      llm == 1 ? "" : "s", tools, tools == 1 ? "" : "s", (long long)in,
                      (long long)out);
        tp_fmt_cost(&b, known && llm > 0, cost);
        sk_buf_printf(&b, " · model time %s", d);
    }
    draw_str_ellipsis(w, y, 1, width - 2, sk_buf_cstr(&b), STYLE_DIM);
    sk_buf_done(&b);
}

static void tp_draw_live(TracePane *tp, WINDOW *w, int h, int width)
{
    TpSession *s = tp->cur;
    if (!s) {
        int y = 0;
        const char *const intro[] = {
            "Chat with the target model, or run the skill and watch every step.",
            "",
            "  c or :chat TEXT        send a prompt; the reply streams in (Esc cancels)",
            "  r or :run PROMPT       run the skill on a prompt with the target model",
            "  :run-task DIR          run a task folder and see its evaluation",
            "  p or :runs             browse past runs from the store",
        };
        for (size_t i = 0; i < SK_ARRAY_LEN(intro) && y < h; i++)
            draw_str(w, y++, 1, width - 2, intro[i], i ? STYLE_DEFAULT : STYLE_LABEL);
        const Tcp *t = workbench_target(tp->super.wb);
        if (y + 1 < h)
            draw_printf(w, y + 1, 1, width - 2, STYLE_DIM, "Target model: %s",
                        t ? t->model : "none (add profiles, then pick one with m)");
        return;
    }
    int y = 0;
    /* header */
    StyleId sst = sk_str_eq(s->status, "ok") ? STYLE_GAP_OK
                  : sk_str_eq(s->status, "running") || sk_str_eq(s->status, "queued") ||
                          sk_str_eq(s->status, "cancelling")
                      ? STYLE_INFO
                      : STYLE_GAP_MISSING;
    int x = 1;
    if (s->is_run) {
        x += draw_printf(w, y, x, width - x - 1, STYLE_LABEL, "%s%s%s on %s · ",
                         s->past ? "Past run " : "Run ", s->skill ? s->skill : "(no skill)", "",
                         s->model);
    } else {
        x += draw_printf(w, y, x, width - x - 1, STYLE_LABEL, "Chat with %s · ", s->model);
    }
    draw_str(w, y, x, width - x - 1, s->status, sst);
    y++;
    if (y < h)
        tp_draw_totals(tp, w, y++, width);
    if (s->is_run && s->title && y < h) {
        int px =
            draw_str(w, y, 1, width - 2, s->is_run && s->past && s->run_id ? "" : "", STYLE_DIM);
        draw_str_ellipsis(w, y++, 1 + px, width - 2 - px, s->title, STYLE_DEFAULT);
    }
    int bottom = h - 1; /* the last row: input line or hints */
    /* timeline (runs) */
    if (s->is_run && y < bottom) {
        int n = (int)s->rows.len;
        int th = n < (bottom - y) / 2 ? n : (bottom - y) / 2;
        if (th < 1)
            th = n ? 1 : 0;
        tp->rows.count = n;
        if (tp->follow && n)
            tp->rows.cursor = n - 1;
        pane_list_clamp(&tp->rows, th);
        int64_t max_dur = 0;
        for (int i = 0; i < n; i++) {
            int64_t dd = tp_row_duration(sk_vec_get(&s->rows, (size_t)i));
            if (dd > max_dur)
                max_dur = dd;
        }
        for (int row = 0; row < th; row++) {
            int i = tp->rows.top + row;
            if (i >= n)
                break;
            tp_draw_row(tp, w, y + row, width, sk_vec_get(&s->rows, (size_t)i), max_dur,
                        i == tp->rows.cursor);
        }
        if (!n)
            draw_str(w, y, 1, width - 2, "waiting for the first model call…", STYLE_DIM);
        y += th > 0 ? th : 1;
        if (y < bottom)
            draw_hline(w, y++, 0, width, STYLE_BORDER);
    }
    /* text area */
    SkVec lines;
    sk_vec_init(&lines, tp_line_free);
    int tw = width - 2;
    if (!s->is_run) {
        for (size_t i = 0; i < s->rows.len; i++) {
            const TpRow *r = sk_vec_get(&s->rows, i);
            char *you = sk_asprintf("you › %s", r->prompt ? r->prompt : "");
            tp_add_lines(&lines, you, tw, "      ", STYLE_LABEL);
            free(you);
            SkBuf reply;
            sk_buf_init(&reply);
            sk_buf_puts(&reply, sk_buf_cstr(&r->text));
            if (!r->status)
                sk_buf_puts(&reply, "▌");
            tp_add_lines(&lines, sk_buf_cstr(&reply), tw, "",
                         !r->status ? STYLE_INFO : STYLE_DEFAULT);
            sk_buf_done(&reply);
        }
    } else if (s->rows.len) {
        int sel = tp->rows.cursor >= 0 && tp->rows.cursor < (int)s->rows.len ? tp->rows.cursor : 0;
        const TpRow *r = sk_vec_get(&s->rows, (size_t)sel);
        char *head = r->kind == TP_LLM ? sk_asprintf("Reply of model call %d%s:", r->step,
                                                     r->status ? "" : " (streaming)")
                                       : sk_asprintf("Output of %s:", r->name);
        tp_add_lines(&lines, head, tw, "", STYLE_LABEL);
        free(head);
        SkBuf t;
        sk_buf_init(&t);
        sk_buf_puts(&t, sk_buf_cstr(&r->text));
        if (!r->status && r->kind == TP_LLM)
            sk_buf_puts(&t, "▌");
        tp_add_lines(&lines, sk_buf_cstr(&t), tw, "", STYLE_DEFAULT);
        sk_buf_done(&t);
    }
    /* evaluation */
    const json_t *ev = js_obj(s->result, "evaluation");
    if (ev) {
        const json_t *sc = json_object_get(ev, "score");
        char *line = json_is_number(sc)
                         ? sk_asprintf("Evaluation: score %.2f · %s", json_number_value(sc),
                                       js_bool(ev, "pass", false) ? "pass" : "fail")
                         : sk_strdup("Evaluation: no criterion could be scored");
        tp_add_lines(&lines, line, tw, "", STYLE_LABEL);
        free(line);
        size_t i;
        const json_t *c;
        json_array_foreach(js_arr(ev, "criteria"), i, c)
        {
            const json_t *cs = json_object_get(c, "score");
            bool notrun = sk_str_eq(js_str(c, "status", ""), "not-run");
            char *cl = sk_asprintf("  %s %-16s %s  %s",
                                   notrun                      ? "–"
                                   : js_bool(c, "pass", false) ? "✓"
                                                               : "✗",
                                   js_str(c, "id", "?"),
                                   notrun               ? "not run"
                                   : json_is_number(cs) ? ""
                                                        : "?",
                                   js_str(c, "detail", ""));
            if (!notrun && json_is_number(cs)) {
                free(cl);
                cl = sk_asprintf("  %s %-16s %.2f  %s", js_bool(c, "pass", false) ? "✓" : "✗",
                                 js_str(c, "id", "?"), json_number_value(cs),
                                 js_str(c, "detail", ""));
            }
            tp_add_lines(&lines, cl, tw, "      ",
                         notrun                      ? STYLE_DIM
                         : js_bool(c, "pass", false) ? STYLE_GAP_OK
                                                     : STYLE_GAP_MISSING);
            free(cl);
        }
        if (js_str(ev, "note", NULL))
            tp_add_lines(&lines, js_str(ev, "note", ""), tw, "  ", STYLE_DIM);
    }
    if (s->is_run && s->result && js_str(s->result, "status_detail", NULL) &&
        !sk_str_eq(s->status, "ok"))
        tp_add_lines(&lines, js_str(s->result, "status_detail", ""), tw, "", STYLE_WARNING);
    if (s->error)
        tp_add_lines(&lines, s->error, tw, "  ", STYLE_ERROR);
    else if (s->note && tp_running(s))
        tp_add_lines(&lines, s->note, tw, "  ", STYLE_WARNING);
    /* Show the tail: the newest text stays in view while it streams. */
    int avail = bottom - y;
    size_t first = lines.len > (size_t)(avail > 0 ? avail : 0) ? lines.len - (size_t)avail : 0;
    for (size_t i = first; i < lines.len && y < bottom; i++) {
        const TpLine *l = sk_vec_get(&lines, i);
        draw_str(w, y++, 1, tw, l->text, l->style);
    }
    sk_vec_done(&lines);
}

static void tp_draw(Pane *p, WINDOW *w, int h, int width)
{
    TracePane *tp = (TracePane *)p;
    if (h < 1 || width < 4)
        return;
    if (tp->view == TP_VIEW_RUNS)
        tp_draw_runs(tp, w, h - 1, width);
    else if (tp->view == TP_VIEW_DETAIL)
        tp_draw_detail(tp, w, h - 1, width);
    else
        tp_draw_live(tp, w, h, width);
    /* bottom row: the input line or hints */
    int y = h - 1;
    if (tp->input) {
        const char *label = tp->input == TP_INPUT_CHAT ? "chat› " : "run› ";
        int x = draw_str(w, y, 1, width - 2, label, STYLE_LABEL);
        const char *text = sk_buf_cstr(&tp->line);
        int tw = draw_width(text, strlen(text));
        int room = width - 3 - x;
        /* Keep the end of a long line (where the cursor is) in view. */
        int skip = tw > room ? tw - room : 0;
        x += draw_text(w, y, 1 + x, room, text, strlen(text), skip, STYLE_DEFAULT);
        draw_fill(w, y, 1 + x, 1, STYLE_SELECTION);
    } else {
        const char *hint = tp->view == TP_VIEW_RUNS     ? "Enter open · q back · j/k move"
                           : tp->view == TP_VIEW_DETAIL ? "q or Esc back · j/k scroll"
                           : tp_running(tp->cur)
                               ? "Esc or x cancel · Enter step detail"
                               : "c chat · r run · p past runs · Enter step detail";
        draw_str_ellipsis(w, y, 1, width - 2, hint, STYLE_DIM);
    }
}

static void tp_title(Pane *p, SkBuf *out)
{
    TracePane *tp = (TracePane *)p;
    if (tp->view == TP_VIEW_RUNS)
        sk_buf_printf(out, "Trace · past runs (%zu)", json_array_size(tp->runs_list));
    else if (tp->view == TP_VIEW_DETAIL)
        sk_buf_printf(out, "Trace · step %d of %zu", tp->detail_row + 1,
                      tp->cur ? tp->cur->rows.len : 0);
    else if (!tp->cur)
        sk_buf_puts(out, "Trace");
    else if (tp->cur->is_run)
        sk_buf_printf(out, "Trace · %s%s · %zu step%s", tp->cur->past ? "past run " : "run",
                      tp->cur->past ? tp->cur->run_id : "", tp->cur->rows.len,
                      tp->cur->rows.len == 1 ? "" : "s");
    else
        sk_buf_printf(out, "Trace · chat · %zu exchange%s", tp->cur->rows.len,
                      tp->cur->rows.len == 1 ? "" : "s");
}

/* ---- input ---- */

static void tp_utf8_put(SkBuf *b, int cp)
{
    char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xc0 | (cp >> 6));
        s[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xe0 | (cp >> 12));
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        s[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        s[0] = (char)(0xf0 | (cp >> 18));
        s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        s[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    sk_buf_append(b, s, n);
}

static void tp_open_input(TracePane *tp, TpInput mode)
{
    tp->input = mode;
    sk_buf_reset(&tp->line);
    tp_show(tp);
}

static PaneResult tp_input_key(TracePane *tp, int key)
{
    if (key == KEYMAP_ESC) {
        tp->input = TP_INPUT_NONE;
    } else if (key == KEYMAP_ENTER) {
        TpInput mode = tp->input;
        char *text = sk_strdup(sk_buf_cstr(&tp->line));
        char *t = sk_str_trim(text);
        tp->input = TP_INPUT_NONE;
        if (*t) {
            if (mode == TP_INPUT_CHAT)
                tp_start_chat(tp, t, false);
            else
                tp_start_run(tp, t, NULL, false);
        }
        free(text);
        return PANE_HANDLED | PANE_REDRAW | PANE_RELAYOUT;
    } else if (key == (KEYMAP_FN | KEY_BACKSPACE)) {
        while (tp->line.len > 0 && ((unsigned char)tp->line.data[tp->line.len - 1] & 0xc0) == 0x80)
            tp->line.len--;
        if (tp->line.len > 0)
            tp->line.len--;
        if (tp->line.data)
            tp->line.data[tp->line.len] = '\0';
    } else if (key == 21) { /* C-u */
        sk_buf_reset(&tp->line);
    } else if (key >= 32 && key < KEYMAP_FN && key != 127) {
        tp_utf8_put(&tp->line, key);
    }
    return PANE_HANDLED | PANE_REDRAW;
}

static void tp_open_detail(TracePane *tp)
{
    if (!tp->cur || !tp->cur->rows.len)
        return;
    int sel = tp->cur->is_run ? tp->rows.cursor : (int)tp->cur->rows.len - 1;
    if (sel < 0 || sel >= (int)tp->cur->rows.len)
        sel = 0;
    tp->detail_row = sel;
    tp->detail_width = -1;
    tp->detail = (PaneList){0};
    tp->view = TP_VIEW_DETAIL;
}

static PaneResult tp_handle_key(Pane *p, const PaneKey *k)
{
    TracePane *tp = (TracePane *)p;
    if (tp->input)
        return tp_input_key(tp, k->key);
    int h = pane_body_height(p) - 1;
    bool handled = false;
    switch (k->action) {
    case ACTION_CHAT:
        tp_open_input(tp, TP_INPUT_CHAT);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_RUN:
        tp_open_input(tp, TP_INPUT_RUN);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_RUNS:
        tp_load_runs(tp);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_CANCEL_JOB:
        tp_cancel(tp);
        return PANE_HANDLED | PANE_REDRAW;
    default:
        break;
    }
    if (tp->view == TP_VIEW_RUNS) {
        if (pane_list_move(&tp->runs, k->action, h - 1, &handled) || handled)
            return PANE_HANDLED | PANE_REDRAW;
        if (k->action == ACTION_ENTER) {
            const json_t *rr = json_array_get(tp->runs_list, (size_t)tp->runs.cursor);
            if (tp_cell(rr, 0))
                tp_open_run(tp, tp_cell(rr, 0));
            return PANE_HANDLED | PANE_REDRAW;
        }
        if (k->action == ACTION_QUIT || k->action == ACTION_CANCEL) {
            tp->view = TP_VIEW_LIVE;
            return PANE_HANDLED | PANE_REDRAW;
        }
        return PANE_IGNORED;
    }
    if (tp->view == TP_VIEW_DETAIL) {
        if (pane_list_move(&tp->detail, k->action, h, &handled) || handled)
            return PANE_HANDLED | PANE_REDRAW;
        if (k->action == ACTION_QUIT || k->action == ACTION_CANCEL) {
            tp->view = TP_VIEW_LIVE;
            return PANE_HANDLED | PANE_REDRAW;
        }
        return PANE_IGNORED;
    }
    if (k->action == ACTION_CANCEL && tp_running(tp->cur)) {
        tp_cancel(tp);
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (tp->cur && tp->cur->is_run) {
        tp->rows.count = (int)tp->cur->rows.len;
        if (pane_list_move(&tp->rows, k->action, h / 2 > 0 ? h / 2 : 1, &handled) || handled) {
            tp->follow = tp->rows.cursor == tp->rows.count - 1 && tp_running(tp->cur);
            return PANE_HANDLED | PANE_REDRAW;
        }
    }
    if (k->action == ACTION_ENTER) {
        tp_open_detail(tp);
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (k->action == ACTION_QUIT) {
        p->shown = false;
        p->wb->zoom = false;
        return PANE_HANDLED | PANE_RELAYOUT;
    }
    return PANE_IGNORED;
}

static PaneResult tp_handle_mouse(Pane *p, const PaneMouse *m)
{
    TracePane *tp = (TracePane *)p;
    PaneList *l = tp->view == TP_VIEW_RUNS     ? &tp->runs
                  : tp->view == TP_VIEW_DETAIL ? &tp->detail
                                               : &tp->rows;
    PaneMouse mm = *m;
    if (tp->view == TP_VIEW_RUNS)
        mm.y -= 1; /* the header row */
    bool ch = pane_list_mouse(l, &mm, pane_body_height(p) - 1);
    if (ch && l == &tp->rows)
        tp->follow = false;
    return ch ? PANE_HANDLED | PANE_REDRAW : PANE_HANDLED;
}

static PaneResult tp_command(Pane *p, const char *cmd, const char *args)
{
    TracePane *tp = (TracePane *)p;
    const PaneResult done = PANE_HANDLED | PANE_REDRAW | PANE_RELAYOUT;
    if (!strcmp(cmd, "chat") || !strcmp(cmd, "chat-bg")) {
        if (!*args)
            tp_open_input(tp, TP_INPUT_CHAT);
        else
            tp_start_chat(tp, args, !strcmp(cmd, "chat-bg"));
        return done;
    }
    if (!strcmp(cmd, "run") || !strcmp(cmd, "run-bg")) {
        if (!*args)
            tp_open_input(tp, TP_INPUT_RUN);
        else
            tp_start_run(tp, args, NULL, !strcmp(cmd, "run-bg"));
        return done;
    }
    if (!strcmp(cmd, "run-task")) {
        if (!*args)
            workbench_message(p->wb, SK_LOG_ERROR, "run-task needs a task folder (with task.json)");
        else
            tp_start_run(tp, NULL, args, false);
        return done;
    }
    if (!strcmp(cmd, "runs")) {
        tp_load_runs(tp);
        tp_show(tp);
        return done;
    }
    if (!strcmp(cmd, "open-run")) {
        if (!*args)
            workbench_message(p->wb, SK_LOG_ERROR, "open-run needs a run id (see :runs)");
        else if (tp_open_run(tp, args))
            tp_show(tp);
        return done;
    }
    if (!strcmp(cmd, "cancel-job")) {
        if (tp_running(tp->cur))
            tp_cancel(tp);
        else
            workbench_message(p->wb, SK_LOG_INFO, "nothing to cancel");
        return done;
    }
    if (!strcmp(cmd, "focus-trace")) {
        tp_show(tp);
        return done;
    }
    if (!strcmp(cmd, "step") && tp->cur) {
        int n = atoi(args);
        if (n >= 1 && n <= (int)tp->cur->rows.len) {
            tp->rows.cursor = n - 1;
            tp->follow = false;
            tp_open_detail(tp);
        } else {
            workbench_message(p->wb, SK_LOG_ERROR, "no step %s", args);
        }
        return done;
    }
    return PANE_IGNORED;
}

static PaneResult tp_on_change(Pane *p, unsigned what)
{
    (void)p;
    return what & PANE_CHANGE_TARGET ? PANE_REDRAW : PANE_IGNORED;
}

static void tp_dump_state(Pane *p, SkBuf *out)
{
    TracePane *tp = (TracePane *)p;
    static const char *const views[] = {"live", "detail", "runs"};
    sk_buf_printf(out, "view %s\n", views[tp->view]);
    if (tp->input)
        sk_buf_printf(out, "input %s %s\n", tp->input == TP_INPUT_CHAT ? "chat" : "run",
                      sk_buf_cstr(&tp->line));
    TpSession *s = tp->cur;
    if (s) {
        sk_buf_printf(out, "session %s%s\nmodel %s\nstatus %s\n", s->past ? "past-" : "",
                      s->is_run ? "run" : "chat", s->model, s->status);
        if (s->error)
            sk_buf_printf(out, "error %s\n", s->error);
        for (size_t i = 0; i < s->rows.len; i++) {
            const TpRow *r = sk_vec_get(&s->rows, i);
            sk_buf_printf(out, "step %zu %s %d %s %s tokens %lld/%lld text-bytes %zu\n", i + 1,
                          r->kind == TP_LLM ? "model" : "tool", r->step, r->name,
                          r->status ? r->status : "-", (long long)r->tok_in, (long long)r->tok_out,
                          r->text.len);
        }
        const json_t *ev = js_obj(s->result, "evaluation");
        if (ev) {
            const json_t *sc = json_object_get(ev, "score");
            sk_buf_printf(out, "score %s\n", json_is_number(sc) ? "scored" : "none");
            size_t i;
            const json_t *c;
            json_array_foreach(js_arr(ev, "criteria"), i, c) sk_buf_printf(
                out, "criterion %s %s %s\n", js_str(c, "id", "?"), js_str(c, "status", "?"),
                js_bool(c, "pass", false) ? "pass" : "fail");
        }
    }
    if (tp->view == TP_VIEW_RUNS)
        sk_buf_printf(out, "runs %zu cursor %d\n", json_array_size(tp->runs_list), tp->runs.cursor);
    if (tp->view == TP_VIEW_DETAIL)
        sk_buf_printf(out, "detail-row %d lines %zu\n", tp->detail_row + 1, tp->detail_lines.len);
}

static void tp_free(Pane *p)
{
    TracePane *tp = (TracePane *)p;
    tp_session_free(tp->cur);
    sk_vec_done(&tp->detail_lines);
    if (tp->runs_list)
        json_decref(tp->runs_list);
    sk_buf_done(&tp->line);
    pane_done(p);
    free(tp);
}

static const PaneClass trace_pane_class = {
    .name = "trace",
    .draw = tp_draw,
    .title = tp_title,
    .handle_key = tp_handle_key,
    .handle_mouse = tp_handle_mouse,
    .on_event = tp_on_event,
    .on_change = tp_on_change,
    .command = tp_command,
    .dump_state = tp_dump_state,
    .free = tp_free,
};

Pane *trace_pane_new(Workbench *wb)
{
    TracePane *tp = sk_calloc(1, sizeof *tp);
    pane_init(&tp->super, &trace_pane_class, wb);
    tp->follow = true;
    tp->detail_row = -1;
    sk_vec_init(&tp->detail_lines, free);
    sk_buf_init(&tp->line);
    return &tp->super;
}
