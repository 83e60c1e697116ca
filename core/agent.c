/* agent.c: the agent loop (native history, concurrent tool calls, limits, loop detection,
 * hooks), skill staging, task evaluation and the run records. */
#include "core/agent.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/http.h"
#include "core/js.h"
#include "core/runlog.h"
#include "core/store.h"

#define AGENT_DEFAULT_STEPS 30
#define AGENT_DEFAULT_TIMEOUT_MS 300000
#define AGENT_DEFAULT_MAX_TOKENS 16384
#define AGENT_LOOP_REPEATS 3
#define AGENT_EVENT_OUTPUT 4096
#define AGENT_MAX_PARALLEL 8

static const char *const agent_status_names[] = {
#define AGENT_STATUS_NAME(id, name) name,
    AGENT_STATUS_INFO(AGENT_STATUS_NAME)
#undef AGENT_STATUS_NAME
};

const char *agent_status_name(AgentStatus s)
{
    return (unsigned)s < AGENT_STATUS_COUNT ? agent_status_names[s] : "unknown";
}

bool agent_status_parse(const char *name, AgentStatus *out)
{
    for (int i = 0; i < AGENT_STATUS_COUNT; i++)
        if (name && !strcmp(name, agent_status_names[i])) {
            *out = (AgentStatus)i;
            return true;
        }
    return false;
}

void agent_options_init(AgentOptions *o)
{
    memset(o, 0, sizeof *o);
}

char *agent_new_run_id(void)
{
    char stamp[32];
    sk_stamp(sk_wall_ms(), stamp, sizeof stamp);
    unsigned char rnd[3] = {0, 0, 0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd) {
        int64_t t = sk_now_ms() ^ (int64_t)getpid();
        rnd[0] = (unsigned char)t;
        rnd[1] = (unsigned char)(t >> 8);
        rnd[2] = (unsigned char)(t >> 16);
    }
    if (fd >= 0)
        close(fd);
    static unsigned seq;
    rnd[2] ^= (unsigned char)__atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
    char hex[7];
    sk_hex(rnd, 3, hex);
    return sk_asprintf("%s-%s", stamp, hex);
}

/* A folder name for the skill: its name when safe, else the folder's id. */
static const char *agent_skill_dirname(const Skill *s)
{
    const char *n = s->name;
    bool ok = n && *n && n[0] != '.' && strlen(n) < 100;
    for (const char *p = n; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             *p == '-' || *p == '_' || *p == '.';
    return ok ? n : s->id;
}

char *agent_system_prompt(const Skill *skill, AgentSkillMode mode)
{
    SkBuf b = SK_BUF_INIT;
    sk_buf_puts(&b, "You are a helpful assistant that completes tasks using the tools provided. "
                    "You work inside a working directory: use paths relative to it. When the "
                    "task is done, reply with a short summary and no tool calls.");
    if (skill) {
        if (mode == AGENT_SKILL_INJECT) {
            sk_buf_printf(&b, "\n\n<skill>\n%s\n</skill>", skill->content);
            if (skill->files.len > 0)
                sk_buf_puts(&b, "\n\nThe skill's bundle files are in the folder skill/ of the "
                                "working directory; paths in the skill are relative to that "
                                "folder.");
        } else {
            const char *dn = agent_skill_dirname(skill);
            sk_buf_printf(&b,
                          "\n\n## Available Skills\n- **%s**: %s\n\nTo use a skill, first read "
                          "its instructions with read_file on skills/%s/SKILL.md; its other "
                          "files are in the same folder.",
                          skill->name, skill->description[0] ? skill->description : "(no "
                                                                                    "description)",
                          dn);
        }
    }
    return sk_buf_steal(&b);
}

/* ---- tool execution ---- */

typedef struct ToolJob {
    const ToolsConfig *cfg;
    const LlmToolCall *call;
    ToolResult res;
    TraceBus *bus;
    const char *run_id;
    int step;
    int seq;
    int index;
    int64_t started_at;
    pthread_t th;
    bool threaded;
} ToolJob;

static void agent_publish(TraceBus *bus, TraceKind kind, const char *run_id, int step,
                          json_t *data)
{
    if (bus)
        trace_bus_publish(bus, trace_event_new(kind, run_id, step, NULL, data));
    else
        json_decref(data);
}

static void *agent_tool_thread(void *arg)
{
    ToolJob *j = arg;
    j->started_at = sk_wall_ms();
    tools_execute(j->cfg, j->call->name, j->call->arguments, &j->res);
    if (j->bus) {
        size_t n = strlen(j->res.output);
        char *out = n > AGENT_EVENT_OUTPUT ? sandbox_cap_text(j->res.output, n, AGENT_EVENT_OUTPUT)
                                           : sk_strdup(j->res.output);
        json_t *d = json_pack("{s:i, s:i, s:s, s:s, s:i, s:I, s:I, s:b, s:b, s:b, s:s}", "seq",
                              j->seq, "index", j->index, "id", j->call->id ? j->call->id : "",
                              "name", j->call->name ? j->call->name : "", "exit_code",
                              j->res.exit_code, "duration_ms", (json_int_t)j->res.duration_ms,
                              "output_bytes", (json_int_t)j->res.output_bytes, "truncated",
                              j->res.truncated, "is_error", j->res.is_error, "sandbox_denied",
                              j->res.sandbox_denied, "output", out);
        free(out);
        agent_publish(j->bus, TRACE_TOOL_END, j->run_id, j->step, d);
    }
    return NULL;
}

static int agent_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted "name(args)" joined with '|'. */
static char *agent_call_signature(const LlmResponse *resp)
{
    char **parts = sk_calloc(resp->n_tool_calls, sizeof *parts);
    for (size_t i = 0; i < resp->n_tool_calls; i++) {
        json_t *a = json_loads(resp->tool_calls[i].arguments ? resp->tool_calls[i].arguments : "",
                               0, NULL);
        char *canon = a ? js_dump_canonical(a) : sk_strdup(resp->tool_calls[i].arguments
                                                               ? resp->tool_calls[i].arguments
                                                               : "");
        json_decref(a);
        parts[i] = sk_asprintf("%s(%s)", resp->tool_calls[i].name ? resp->tool_calls[i].name : "",
                               canon);
        free(canon);
    }
    qsort(parts, resp->n_tool_calls, sizeof *parts, agent_cmp_str);
    SkBuf b = SK_BUF_INIT;
    for (size_t i = 0; i < resp->n_tool_calls; i++) {
        sk_buf_printf(&b, "%s%s", i ? "|" : "", parts[i]);
        free(parts[i]);
    }
    free(parts);
    if (!b.data)
        sk_buf_puts(&b, "");
    return sk_buf_steal(&b);
}

static json_t *agent_args_json(const char *args)
{
    json_t *j = args ? json_loads(args, 0, NULL) : NULL;
    if (!j)
        j = args ? json_string(args) : json_object();
    return j;
}

static void agent_set_status(AgentResult *r, AgentStatus st, const char *fmt, ...)
    ATTR_FORMAT(3, 4);
static void agent_set_status(AgentResult *r, AgentStatus st, const char *fmt, ...)
{
    r->status = st;
    free(r->status_detail);
    va_list ap;
    va_start(ap, fmt);
    r->status_detail = sk_vasprintf(fmt, ap);
    va_end(ap);
}

static void agent_add_usage(AgentResult *r, const LlmResponse *resp, bool *all_cost)
{
    if (resp->usage.known) {
        r->tokens.known = true;
        r->tokens.input_tokens += resp->usage.input_tokens;
        r->tokens.output_tokens += resp->usage.output_tokens;
        r->tokens.cache_read_tokens += resp->usage.cache_read_tokens;
        r->tokens.cache_write_tokens += resp->usage.cache_write_tokens;
    }
    if (resp->cost_known)
        r->cost_usd += resp->cost_usd;
    else
        *all_cost = false;
}

/* Is this read_file call loading the discover-mode skill? */
static bool agent_reads_skill(const char *workdir, const LlmToolCall *c, const char *dn)
{
    if (!c->name || strcmp(c->name, "read_file") != 0)
        return false;
    json_t *a = json_loads(c->arguments ? c->arguments : "", 0, NULL);
    const char *p = js_str(a, "path", NULL);
    char *rel = NULL;
    bool hit = false;
    if (p && sandbox_rel_path(workdir, p, &rel, NULL) == SK_OK) {
        char *want = sk_asprintf("skills/%s/SKILL.md", dn);
        hit = strcmp(rel, want) == 0;
        free(want);
    }
    free(rel);
    json_decref(a);
    return hit;
}

static json_t *agent_tokens_json(const LlmUsage *u)
{
    if (!u->known)
        return json_null();
    return json_pack("{s:I, s:I, s:I, s:I}", "input", (json_int_t)u->input_tokens, "output",
                     (json_int_t)u->output_tokens, "cache_read",
                     (json_int_t)u->cache_read_tokens, "cache_write",
                     (json_int_t)u->cache_write_tokens);
}

json_t *agent_result_to_json(const AgentResult *r)
{
    json_t *j = json_object();
    json_object_set_new(j, "run_id", json_string(r->run_id));
    json_object_set_new(j, "status", json_string(agent_status_name(r->status)));
    json_object_set_new(j, "status_detail", json_string(r->status_detail ? r->status_detail : ""));
    json_object_set_new(j, "final_text", json_string(r->final_text ? r->final_text : ""));
    json_object_set_new(j, "steps", json_integer(r->steps));
    json_object_set_new(j, "tool_calls", json_integer(r->tool_calls));
    json_object_set_new(j, "tokens", agent_tokens_json(&r->tokens));
    json_object_set_new(j, "cost_usd", r->cost_known ? json_real(r->cost_usd) : json_null());
    json_object_set_new(j, "duration_ms", json_integer(r->duration_ms));
    json_object_set_new(j, "llm_ms", json_integer(r->llm_ms));
    json_object_set_new(j, "tool_ms", json_integer(r->tool_ms));
    json_object_set_new(j, "workdir", json_string(r->workdir ? r->workdir : ""));
    json_object_set_new(j, "workdir_kept", json_boolean(r->workdir_kept));
    json_object_set_new(j, "conversation",
                        json_string(r->conversation_path ? r->conversation_path : ""));
    json_object_set_new(j, "sandbox", json_string(r->sandbox ? r->sandbox : ""));
    json_object_set_new(j, "skill_loaded", json_boolean(r->skill_loaded));
    json_object_set_new(j, "loop_detected", json_boolean(r->loop_detected));
    if (r->store_error)
        json_object_set_new(j, "store_error", json_string(r->store_error));
    if (r->eval_json)
        json_object_set(j, "evaluation", r->eval_json);
    return j;
}

void agent_result_free(AgentResult *r)
{
    if (!r)
        return;
    free(r->run_id);
    free(r->status_detail);
    free(r->final_text);
    free(r->workdir);
    free(r->run_dir);
    free(r->conversation_path);
    free(r->store_error);
    json_decref(r->transcript);
    task_eval_done(&r->eval);
    json_decref(r->eval_json);
    free(r);
}

/* ---- the run ---- */

static void agent_hook(AgentHookFn fn, const AgentHookCtx *ctx, void *ud)
{
    if (fn)
        fn(ctx, ud);
}

SkStatus agent_run(const AgentOptions *o, AgentResult **res, SkError *err)
{
    *res = NULL;
    if (!o || !o->model || !*o->model || !o->client)
        return sk_error_set(err, SK_ERR_INVALID, "agent: a model and an LLM client are needed");
    const char *prompt = o->prompt ? o->prompt : o->task ? o->task->prompt : NULL;
    if (!prompt || !*prompt)
        return sk_error_set(err, SK_ERR_INVALID, "agent: no prompt (give a prompt or a task)");
    char *home = o->home ? sk_strdup(o->home) : sk_home_dir();
    char *run_id = o->run_id ? sk_strdup(o->run_id) : agent_new_run_id();
    char *db_path = o->db_path ? sk_strdup(o->db_path) : sk_path_join(home, "skvm.db");
    char *workdir = NULL;
    SkStatus st = sandbox_workdir_create(home, run_id, &workdir, err);
    if (st != SK_OK) {
        free(home);
        free(run_id);
        free(db_path);
        return st;
    }
    AgentResult *r = sk_calloc(1, sizeof *r);
    r->run_id = run_id;
    r->workdir = workdir;
    r->run_dir = sk_path_dir(workdir);
    r->final_text = sk_strdup("");
    r->status_detail = sk_strdup("");
    r->transcript = json_array();
    r->sandbox = sandbox_describe(o->sandbox_mode);
    int64_t t_run = sk_now_ms();

    /* runs found unfinished from an earlier process */
    if (*db_path) {
        Store *s = NULL;
        if (store_open(db_path, &s, NULL) == SK_OK) {
            runlog_mark_interrupted(s, NULL, NULL);
            store_close(s);
        }
    }

    /* stage the skill and the task */
    SkError e;
    const char *dn = o->skill ? agent_skill_dirname(o->skill) : NULL;
    if (o->skill) {
        char *dest = o->mode == AGENT_SKILL_INJECT ? sk_path_join(workdir, "skill")
                                                   : sk_asprintf("%s/skills/%s", workdir, dn);
        if (sk_copy_tree(o->skill->dir, dest, &e) != SK_OK)
            sk_log(SK_LOG_WARN, "run %s: cannot stage the skill: %s", run_id, e.msg);
        free(dest);
        r->skill_loaded = o->mode == AGENT_SKILL_INJECT;
    }
    ToolsConfig tc;
    tools_config_init(&tc, workdir);
    tc.sandbox.mode = o->sandbox_mode;
    if (o->limits.timeout_ms || o->limits.cpu_seconds || o->limits.mem_bytes ||
        o->limits.file_bytes || o->limits.max_procs || o->limits.max_output) {
        int keep = tc.sandbox.limits.timeout_ms;
        tc.sandbox.limits = o->limits;
        if (!tc.sandbox.limits.timeout_ms)
            tc.sandbox.limits.timeout_ms = keep;
    }
    tc.sandbox.cancel = o->cancel;
    tc.allow_web = o->allow_web;
    HttpEngine *http = NULL;
    if (o->allow_web) {
        http = http_engine_new(&e);
        if (!http)
            sk_log(SK_LOG_WARN, "run %s: web_fetch unavailable: %s", run_id, e.msg);
        tc.http = http;
    }
    tc.max_output = o->max_tool_output;
    char *setup_note = NULL;
    if (o->task) {
        st = task_prepare(o->task, workdir, &tc.sandbox, &setup_note, &e);
        if (st != SK_OK) {
            sk_error_set(err, st, "task %s: %s", o->task->id, e.msg);
            if (!o->keep_workdir)
                sk_rm_rf(r->run_dir, NULL); /* nothing was recorded yet */
            http_engine_free(http);
            free(home);
            free(db_path);
            agent_result_free(r);
            return st;
        }
    }
    int max_steps = o->max_steps > 0 ? o->max_steps
                    : o->task        ? o->task->max_steps
                                     : AGENT_DEFAULT_STEPS;
    int64_t timeout_ms = o->timeout_ms != 0 ? o->timeout_ms
                         : o->task          ? o->task->timeout_ms
                                            : AGENT_DEFAULT_TIMEOUT_MS;

    /* records */
    json_t *meta = json_pack("{s:s, s:s, s:i, s:I, s:s}", "mode",
                             o->mode == AGENT_SKILL_INJECT ? "inject" : "discover", "sandbox",
                             r->sandbox, "max_steps", max_steps, "timeout_ms",
                             (json_int_t)timeout_ms, "harness", "skvm-agent");
    if (o->skill)
        json_object_set_new(meta, "skill_dir", json_string(o->skill->dir));
    if (o->task)
        json_object_set_new(meta, "task_dir", json_string(o->task->dir));
    if (setup_note)
        json_object_set_new(meta, "setup", json_string(setup_note));
    RunLogInfo info;
    memset(&info, 0, sizeof info);
    info.run_id = run_id;
    info.skill = o->skill ? o->skill->name : NULL;
    info.skill_hash = o->skill ? o->skill->hash : NULL;
    info.variant = o->variant;
    info.model = o->model;
    info.task = o->task ? o->task->id : NULL;
    info.prompt = prompt;
    info.work_dir = workdir;
    info.meta = meta;
    RunLog *log = NULL;
    st = runlog_open(r->run_dir, db_path, &info, &log, err);
    if (st != SK_OK) {
        http_engine_free(http);
        json_decref(meta);
        free(setup_note);
        free(home);
        free(db_path);
        agent_result_free(r);
        return st;
    }
    r->conversation_path = sk_strdup(runlog_conversation_path(log));
    json_t *start = json_deep_copy(meta);
    json_object_set_new(start, "run_id", json_string(run_id));
    json_object_set_new(start, "model", json_string(o->model));
    json_object_set_new(start, "skill", o->skill ? json_string(o->skill->name) : json_null());
    json_object_set_new(start, "task", o->task ? json_string(o->task->id) : json_null());
    json_object_set_new(start, "prompt", json_string(prompt));
    json_object_set_new(start, "workdir", json_string(workdir));
    json_object_set_new(start, "conversation", json_string(r->conversation_path));
    agent_publish(o->bus, TRACE_RUN_START, run_id, -1, start);

    /* the conversation */
    LlmRequest req;
    llm_request_init(&req, o->model);
    char *system = agent_system_prompt(o->skill, o->mode);
    llm_request_set_system(&req, system);
    free(system);
    llm_request_add_user_text(&req, prompt);
    json_t *defs = tools_definitions(&tc);
    size_t di;
    json_t *def;
    json_array_foreach(defs, di, def)
        llm_request_add_tool(&req, js_str(def, "name", ""), js_str(def, "description", ""),
                             json_object_get(def, "input_schema"));
    json_decref(defs);
    req.max_tokens = o->max_tokens > 0 ? o->max_tokens : AGENT_DEFAULT_MAX_TOKENS;

    int64_t deadline = timeout_ms > 0 ? sk_now_ms() + timeout_ms : INT64_MAX;
    bool all_cost = true;
    int answered = 0;
    char *prev_sig = NULL;
    int same = 0;
    bool finished = false;
    AgentHookCtx hc;
    for (int iter = 1;; iter++) {
        if (o->cancel && *o->cancel) {
            agent_set_status(r, AGENT_CANCELLED, "cancelled after %d model calls", r->steps);
            break;
        }
        if (sk_now_ms() >= deadline) {
            agent_set_status(r, AGENT_TIMEOUT, "exceeded %lld ms after %d model calls",
                             (long long)timeout_ms, r->steps);
            break;
        }
        if (iter > max_steps) {
            agent_set_status(r, AGENT_MAX_STEPS, "reached the limit of %d model calls",
                             max_steps);
            break;
        }
        memset(&hc, 0, sizeof hc);
        hc.run_id = run_id;
        hc.workdir = workdir;
        hc.step = iter;
        hc.request = &req;
        agent_hook(o->hooks.before_llm, &hc, o->hooks.ud);
        runlog_request(log, &req, iter > 1);
        LlmCallOptions co;
        llm_call_options_init(&co);
        co.run_id = run_id;
        co.step = iter;
        co.cancel = o->cancel;
        co.cache_mode = o->cache_mode;
        if (timeout_ms > 0) {
            int64_t left = deadline - sk_now_ms();
            co.total_timeout_ms = (int)SK_MAX(1, SK_MIN(left, (int64_t)600000));
        }
        LlmResponse resp;
        int64_t t_llm = sk_wall_ms();
        int64_t m0 = sk_now_ms();
        SkStatus ls = llm_complete(o->client, &req, &resp, &co, &e);
        r->llm_ms += sk_now_ms() - m0;
        r->steps++;
        if (ls != SK_OK) {
            runlog_error(log, sk_status_name(ls), e.msg);
            runlog_step_llm(log, t_llm, NULL, sk_status_name(ls));
            if (ls == SK_ERR_CANCELLED || (o->cancel && *o->cancel))
                agent_set_status(r, AGENT_CANCELLED, "cancelled during model call %d", iter);
            else if (ls == SK_ERR_TIMEOUT && sk_now_ms() >= deadline - 50)
                agent_set_status(r, AGENT_TIMEOUT, "exceeded %lld ms during model call %d",
                                 (long long)timeout_ms, iter);
            else if (ls == SK_ERR_REFUSED) {
                agent_set_status(r, AGENT_OK, "the model refused: %s", e.msg);
                finished = true;
            } else
                agent_set_status(r, AGENT_MODEL_ERROR, "model call %d failed (%s): %s", iter,
                                 sk_status_name(ls), e.msg);
            llm_response_done(&resp);
            break;
        }
        agent_add_usage(r, &resp, &all_cost);
        answered++;
        runlog_response(log, &resp, resp.total_ms);
        int llm_idx = runlog_step_llm(log, t_llm, &resp, "ok");
        json_t *acalls = json_array();
        for (size_t i = 0; i < resp.n_tool_calls; i++)
            json_array_append_new(acalls,
                                  json_pack("{s:s, s:s, s:o}", "id",
                                            resp.tool_calls[i].id ? resp.tool_calls[i].id : "",
                                            "name",
                                            resp.tool_calls[i].name ? resp.tool_calls[i].name : "",
                                            "input", agent_args_json(resp.tool_calls[i].arguments)));
        json_array_append_new(r->transcript, json_pack("{s:s, s:s, s:o, s:I}", "role", "assistant",
                                                  "text", resp.text ? resp.text : "", "toolCalls",
                                                  acalls, "timestamp", (json_int_t)sk_wall_ms()));
        hc.request = NULL;
        hc.response = &resp;
        agent_hook(o->hooks.after_llm, &hc, o->hooks.ud);
        if (resp.n_tool_calls == 0) {
            free(r->final_text);
            r->final_text = sk_strdup(resp.text ? resp.text : "");
            agent_set_status(r, AGENT_OK, "finished after %d model calls", r->steps);
            finished = true;
            llm_response_done(&resp);
            break;
        }
        llm_request_add_response(&req, &resp);

        /* tools: concurrently when several */
        size_t n = resp.n_tool_calls;
        ToolJob *jobs = sk_calloc(n, sizeof *jobs);
        ToolsConfig call_cfg = tc;
        if (timeout_ms > 0) {
            int64_t left = deadline - sk_now_ms();
            int lim = call_cfg.sandbox.limits.timeout_ms;
            if (lim <= 0 || left < lim)
                call_cfg.sandbox.limits.timeout_ms = (int)SK_MAX(1, left);
        }
        int64_t t0 = sk_now_ms();
        for (size_t i = 0; i < n; i++) {
            jobs[i].cfg = &call_cfg;
            jobs[i].call = &resp.tool_calls[i];
            jobs[i].bus = o->bus;
            jobs[i].run_id = run_id;
            jobs[i].step = iter;
            jobs[i].seq = llm_idx + 1 + (int)i;
            jobs[i].index = (int)i;
            json_t *d = json_pack("{s:i, s:i, s:s, s:s, s:s}", "seq", jobs[i].seq, "index",
                                  (int)i, "id", jobs[i].call->id ? jobs[i].call->id : "", "name",
                                  jobs[i].call->name ? jobs[i].call->name : "", "args",
                                  jobs[i].call->arguments ? jobs[i].call->arguments : "");
            agent_publish(o->bus, TRACE_TOOL_START, run_id, iter, d);
        }
        bool parallel = n > 1 && !o->sequential_tools;
        /* at most AGENT_MAX_PARALLEL calls at once (a reply may hold dozens) */
        for (size_t w = 0; w < n; w += AGENT_MAX_PARALLEL) {
            size_t end = SK_MIN(n, w + AGENT_MAX_PARALLEL);
            for (size_t i = w; i < end; i++) {
                if (parallel &&
                    pthread_create(&jobs[i].th, NULL, agent_tool_thread, &jobs[i]) == 0)
                    jobs[i].threaded = true;
                else
                    agent_tool_thread(&jobs[i]);
            }
            for (size_t i = w; i < end; i++)
                if (jobs[i].threaded)
                    pthread_join(jobs[i].th, NULL);
        }
        r->tool_ms += sk_now_ms() - t0;
        bool crashed = false;
        const char *crash_name = NULL;
        json_t *tcalls = json_array();
        for (size_t i = 0; i < n; i++) {
            ToolJob *j = &jobs[i];
            r->tool_calls++;
            runlog_step_tool(log, j->started_at, j->call->name, j->call->arguments, j->res.output,
                             j->res.exit_code, j->res.duration_ms, j->res.output_bytes,
                             j->res.crashed          ? "crash"
                             : j->res.sandbox_denied ? "denied"
                             : j->res.is_error       ? "error"
                             : j->res.exit_code > 0  ? "failed"
                                                     : "ok");
            llm_request_add_tool_result(&req, j->call->id ? j->call->id : "", j->res.output,
                                        j->res.is_error);
            json_array_append_new(
                tcalls, json_pack("{s:s, s:s, s:o, s:s, s:I, s:i}", "id",
                                  j->call->id ? j->call->id : "", "name",
                                  j->call->name ? j->call->name : "", "input",
                                  agent_args_json(j->call->arguments), "output", j->res.output,
                                  "durationMs", (json_int_t)j->res.duration_ms, "exitCode",
                                  j->res.exit_code));
            if (o->skill && o->mode == AGENT_SKILL_DISCOVER && !j->res.is_error &&
                agent_reads_skill(workdir, j->call, dn))
                r->skill_loaded = true;
            memset(&hc, 0, sizeof hc);
            hc.run_id = run_id;
            hc.workdir = workdir;
            hc.step = iter;
            hc.tool_name = j->call->name;
            hc.tool_args = j->call->arguments;
            hc.tool_result = &j->res;
            agent_hook(o->hooks.after_tool, &hc, o->hooks.ud);
            if (j->res.crashed && !crashed) {
                crashed = true;
                crash_name = j->call->name;
            }
        }
        json_array_append_new(r->transcript, json_pack("{s:s, s:o, s:I}", "role", "tool", "toolCalls",
                                                  tcalls, "timestamp", (json_int_t)sk_wall_ms()));
        char *crash_msg = crashed ? sk_strdup(crash_name ? crash_name : "?") : NULL;
        for (size_t i = 0; i < n; i++)
            tool_result_done(&jobs[i].res);
        free(jobs);
        if (crashed) {
            agent_set_status(r, AGENT_TOOL_CRASH, "tool %s could not run", crash_msg);
            free(crash_msg);
            llm_response_done(&resp);
            break;
        }
        /* a model repeating itself */
        char *sig = agent_call_signature(&resp);
        if (prev_sig && !strcmp(sig, prev_sig))
            same++;
        else
            same = 1;
        free(prev_sig);
        prev_sig = sig;
        if (same >= AGENT_LOOP_REPEATS) {
            r->loop_detected = true;
            free(r->final_text);
            r->final_text = sk_strdup(resp.text ? resp.text : "");
            agent_set_status(r, AGENT_OK,
                             "stopped: the model made the same tool calls %d turns in a row",
                             same);
            llm_response_done(&resp);
            break;
        }
        llm_response_done(&resp);
    }
    (void)finished;
    free(prev_sig);
    llm_request_done(&req);
    http_engine_free(http);
    r->cost_known = all_cost && answered > 0;

    /* evaluation */
    if (o->task && (r->status == AGENT_OK || r->status == AGENT_MAX_STEPS ||
                    r->status == AGENT_TIMEOUT)) {
        TaskEvalOptions eo;
        task_eval_options_init(&eo, workdir);
        eo.steps = r->transcript;
        eo.final_text = r->final_text;
        eo.judge = o->judge_client ? o->judge_client : o->client;
        eo.judge_model = o->judge_model;
        eo.sandbox.mode = o->sandbox_mode;
        eo.cancel = o->cancel;
        if (task_evaluate(o->task, &eo, &r->eval, &e) == SK_OK) {
            r->evaluated = true;
            r->eval_json = task_eval_to_json(&r->eval);
        }
    }
    if (!o->keep_workdir) {
        sk_rm_rf(workdir, NULL);
        char *tmp = sk_path_join(r->run_dir, "tmp");
        sk_rm_rf(tmp, NULL);
        free(tmp);
    }
    r->workdir_kept = o->keep_workdir;
    r->duration_ms = sk_now_ms() - t_run;
    memset(&hc, 0, sizeof hc);
    hc.run_id = run_id;
    hc.workdir = workdir;
    hc.step = r->steps;
    hc.result = r;
    agent_hook(o->hooks.at_end, &hc, o->hooks.ud);

    json_object_set_new(meta, "status_detail", json_string(r->status_detail));
    json_object_set_new(meta, "loop_detected", json_boolean(r->loop_detected));
    json_object_set_new(meta, "skill_loaded", json_boolean(r->skill_loaded));
    json_object_set_new(meta, "steps", json_integer(r->steps));
    json_object_set_new(meta, "tool_calls", json_integer(r->tool_calls));
    json_object_set_new(meta, "duration_ms", json_integer(r->duration_ms));
    json_object_set_new(meta, "conversation", json_string(r->conversation_path));
    json_object_set_new(meta, "workdir_kept", json_boolean(r->workdir_kept));
    double score = r->evaluated && r->eval.score_known ? r->eval.score : 0;
    bool ok_status = r->status == AGENT_OK;
    runlog_finish(log, agent_status_name(r->status), r->final_text,
                  ok_status ? NULL : r->status_detail, r->tokens.input_tokens,
                  r->tokens.output_tokens, r->tokens.cache_read_tokens,
                  r->tokens.cache_write_tokens, r->cost_known ? r->cost_usd : -1,
                  r->evaluated && r->eval.score_known ? &score : NULL, meta, r->eval_json);
    if (runlog_store_error(log))
        r->store_error = sk_strdup(runlog_store_error(log));
    runlog_close(log);
    json_decref(meta);
    free(setup_note);
    agent_publish(o->bus, TRACE_RUN_END, run_id, r->steps, agent_result_to_json(r));
    free(home);
    free(db_path);
    *res = r;
    return SK_OK;
}
