/* profile_view.c: failed instances, conversations, route check and the profiling job of
 * the workbench's profile pane (see profile_view.h). */
#include "core/profile_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/js.h"
#include "core/llm.h"
#include "core/probe.h"
#include "core/profiler.h"
#include "core/store.h"

/* Cap of the text kept per conversation message (the pane wraps and scrolls it). */
#define PV_TEXT_CAP 4000

static void pv_checkpoint_free(void *p)
{
    ProfileViewCheckpoint *c = p;
    if (!c)
        return;
    free(c->name);
    free(c->reason);
    free(c);
}

static void pv_message_free(void *p)
{
    ProfileViewMessage *m = p;
    if (!m)
        return;
    free(m->role);
    free(m->text);
    free(m);
}

const char *profile_view_source_name(ProfileViewSource s)
{
    switch (s) {
    case PROFILE_VIEW_STORE:
        return "store";
    case PROFILE_VIEW_REPORTS:
        return "failure-reports.json";
    case PROFILE_VIEW_DETAILS:
        return "profile failureDetails";
    }
    return "?";
}

static ProfileViewInstance *pv_instance_new(ProfileViewSource src)
{
    ProfileViewInstance *in = sk_calloc(1, sizeof *in);
    in->source = src;
    in->instance = -1;
    sk_vec_init(&in->checkpoints, pv_checkpoint_free);
    sk_vec_init(&in->conversation, pv_message_free);
    return in;
}

void profile_view_instance_free(ProfileViewInstance *in)
{
    if (!in)
        return;
    free(in->status);
    free(in->prompt);
    free(in->summary);
    sk_vec_done(&in->checkpoints);
    sk_vec_done(&in->conversation);
    free(in->conversation_path);
    free(in->run_id);
    free(in->artifact);
    free(in);
}

static void pv_add_message(SkVec *out, const char *role, const char *text)
{
    ProfileViewMessage *m = sk_calloc(1, sizeof *m);
    m->role = sk_strdup(role);
    size_t n = text ? strlen(text) : 0;
    if (n > PV_TEXT_CAP) {
        char *cut = sk_strndup(text, PV_TEXT_CAP);
        m->text = sk_asprintf("%s… (%zu more bytes)", cut, n - PV_TEXT_CAP);
        free(cut);
    } else {
        m->text = sk_strdup(text ? text : "");
    }
    sk_vec_push(out, m);
}

static void pv_add_checkpoint(ProfileViewInstance *in, const char *name, double score,
                              const char *reason, bool failed)
{
    ProfileViewCheckpoint *c = sk_calloc(1, sizeof *c);
    c->name = sk_strdup(name ? name : "?");
    c->score = score;
    c->reason = reason && *reason ? sk_strdup(reason) : NULL;
    c->failed = failed;
    sk_vec_push(&in->checkpoints, c);
}

/* "name" + compact arguments of one tool call. */
static char *pv_tool_call_text(const json_t *call, const char *args_key)
{
    const json_t *args = json_object_get(call, args_key);
    char *a =
        args ? (json_is_string(args) ? sk_strdup(json_string_value(args)) : js_dump_compact(args))
             : sk_strdup("");
    char *s = sk_asprintf("%s %s", js_str(call, "name", "?"), a);
    free(a);
    return s;
}

SkStatus profile_view_conversation(const char *path, SkVec *out, SkError *err)
{
    char *text = NULL;
    size_t len = 0;
    SkStatus st = sk_read_file(path, 64u << 20, &text, &len, err);
    if (st != SK_OK)
        return st;
    bool first = true;
    int lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        json_t *rec = NULL;
        if (js_parse(line, strlen(line), &rec, NULL) != SK_OK || !json_is_object(rec)) {
            char *msg = sk_asprintf("line %d of the log is not a JSON record", lineno);
            pv_add_message(out, "error", msg);
            free(msg);
            json_decref(rec);
            continue;
        }
        const char *type = js_str(rec, "type", "");
        if (!strcmp(type, "request")) {
            if (first) {
                json_t *msgs = js_arr(rec, "messages");
                size_t i;
                json_t *m;
                json_array_foreach(msgs, i, m)
                {
                    if (!strcmp(js_str(m, "role", ""), "user"))
                        pv_add_message(out, "user", js_str(m, "text", ""));
                }
                first = false;
            }
            json_t *trs = js_arr(rec, "toolResults");
            size_t i;
            json_t *r;
            json_array_foreach(trs, i, r)
            {
                pv_add_message(out, js_bool(r, "isError", false) ? "tool error" : "tool result",
                               js_str(r, "content", ""));
            }
        } else if (!strcmp(type, "response")) {
            const char *t = js_str(rec, "text", "");
            json_t *calls = js_arr(rec, "toolCalls");
            if (*t || !json_array_size(calls))
                pv_add_message(out, "assistant", t);
            size_t i;
            json_t *c;
            json_array_foreach(calls, i, c)
            {
                char *s = pv_tool_call_text(c, "arguments");
                pv_add_message(out, "tool call", s);
                free(s);
            }
        } else if (!strcmp(type, "error")) {
            char *s = sk_asprintf("%s: %s", js_str(rec, "status", "?"), js_str(rec, "message", ""));
            pv_add_message(out, "error", s);
            free(s);
        }
        json_decref(rec);
    }
    free(text);
    return SK_OK;
}

/* ---- 1. the store ---- */

static char *pv_db_path(const char *db_path)
{
    if (db_path)
        return sk_strdup(db_path);
    char *home = sk_home_dir();
    char *p = sk_path_join(home, "skvm.db");
    free(home);
    return p;
}

static bool pv_from_store(const Tcp *t, const char *primitive, int level, const char *db_path,
                          SkVec *out)
{
    char *path = pv_db_path(db_path);
    if (!*path || !sk_is_file(path)) {
        free(path);
        return false;
    }
    Store *st = NULL;
    if (store_open_raw(path, true, &st, NULL) != SK_OK) {
        free(path);
        return false;
    }
    free(path);
    StoreStmt *s = NULL;
    size_t before = out->len;
    /* The newest record of each instance number (reruns replace older seeds' rows only by
     * being newer). */
    if (store_prepare(st,
                      "SELECT instance, seed, status, checkpoints, cost_usd, duration_ms, run_id "
                      "FROM profile_instances p WHERE model = ?1 AND harness = ?2 AND "
                      "primitive = ?3 AND level = ?4 AND created_at = (SELECT MAX(created_at) "
                      "FROM profile_instances q WHERE q.model = p.model AND q.harness = "
                      "p.harness AND q.primitive = p.primitive AND q.level = p.level AND "
                      "q.instance = p.instance) AND status != 'pass' ORDER BY instance",
                      &s, NULL) == SK_OK) {
        store_bind_text(s, 1, t->model);
        store_bind_text(s, 2, t->harness ? t->harness : TCP_DEFAULT_HARNESS);
        store_bind_text(s, 3, primitive);
        store_bind_int(s, 4, level);
        while (store_step(s, NULL) == STORE_ROW) {
            ProfileViewInstance *in = pv_instance_new(PROFILE_VIEW_STORE);
            in->instance = (int)store_col_int(s, 0);
            in->seed = (uint64_t)store_col_int(s, 1);
            in->status = sk_strdup(store_col_text(s, 2) ? store_col_text(s, 2) : "fail");
            in->cost_usd = store_col_double(s, 4);
            in->duration_ms = store_col_double(s, 5);
            const char *rid = store_col_text(s, 6);
            in->run_id = rid && *rid ? sk_strdup(rid) : NULL;
            json_t *j = NULL;
            const char *cps = store_col_text(s, 3);
            if (cps && js_parse(cps, strlen(cps), &j, NULL) == SK_OK) {
                size_t i;
                json_t *c;
                json_array_foreach(js_arr(j, "checkpoints"), i, c)
                {
                    double score = js_num(c, "score", -1);
                    pv_add_checkpoint(in, js_str(c, "name", "?"), score, js_str(c, "reason", NULL),
                                      score >= 0 && score < 0.5);
                }
                const char *sum = js_str(j, "summary", NULL);
                if (!sum)
                    sum = js_str(j, "skipReason", NULL);
                in->summary = sum ? sk_strdup(sum) : NULL;
                const char *conv = js_str(j, "conversation", NULL);
                in->conversation_path = conv ? sk_strdup(conv) : NULL;
                const char *art = js_str(j, "artifact", NULL);
                in->artifact = art ? sk_strdup(art) : NULL;
                json_decref(j);
            }
            ProbeInstance *pi = NULL;
            if (probe_generate(primitive, level, in->seed, &pi, NULL) == SK_OK) {
                in->prompt = probe_render_prompt(pi, 0);
                probe_instance_free(pi);
            }
            if (!in->conversation_path && in->run_id) {
                /* The agent's log by its run id (runlog.h layout). */
                char *home = sk_home_dir();
                char *rel = sk_asprintf("runs/%s/conversation.jsonl", in->run_id);
                char *p = sk_path_join(home, rel);
                if (sk_is_file(p))
                    in->conversation_path = p;
                else
                    free(p);
                free(rel);
                free(home);
            }
            if (in->conversation_path) {
                SkError e = {0};
                if (profile_view_conversation(in->conversation_path, &in->conversation, &e) !=
                    SK_OK) {
                    char *msg = sk_asprintf("conversation log unreadable: %s", e.msg);
                    pv_add_message(&in->conversation, "error", msg);
                    free(msg);
                }
            }
            sk_vec_push(out, in);
        }
        store_finalize(s);
    }
    store_close(st);
    return out->len > before;
}

/* ---- 2. failure-reports.json ---- */

/* "number_found: 1.00; value_correct: 0.00 (expected 5087, got 6087.0)" -> checkpoints. */
static void pv_parse_eval_details(ProfileViewInstance *in, const char *details)
{
    char *copy = sk_strdup(details);
    char *save = NULL;
    for (char *part = strtok_r(copy, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
        char *p = sk_str_trim(part);
        char *colon = strchr(p, ':');
        if (!colon) {
            if (*p)
                pv_add_checkpoint(in, p, -1, NULL, false);
            continue;
        }
        *colon = '\0';
        char *rest = sk_str_trim(colon + 1);
        char *end = NULL;
        double score = strtod(rest, &end);
        if (end == rest) {
            pv_add_checkpoint(in, sk_str_trim(p), -1, rest, true);
            continue;
        }
        char *reason = sk_str_trim(end);
        size_t rl = strlen(reason);
        if (rl >= 2 && reason[0] == '(' && reason[rl - 1] == ')') {
            reason[rl - 1] = '\0';
            reason++;
        }
        pv_add_checkpoint(in, sk_str_trim(p), score, reason, score < 0.5);
    }
    free(copy);
}

static bool pv_from_reports(const Tcp *t, const char *primitive, int level, SkVec *out)
{
    if (!t->source_path)
        return false;
    char *dir = sk_path_dir(t->source_path);
    char *path = sk_path_join(dir, "failure-reports.json");
    free(dir);
    json_t *j = NULL;
    bool ok = sk_is_file(path) && js_load_file(path, 64u << 20, &j, NULL) == SK_OK;
    free(path);
    if (!ok)
        return false;
    char *key = sk_asprintf("%s/L%d", primitive, level);
    json_t *arr = js_arr(js_obj(j, "reports"), key);
    free(key);
    size_t before = out->len;
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r)
    {
        ProfileViewInstance *in = pv_instance_new(PROFILE_VIEW_REPORTS);
        in->instance = (int)js_int(r, "instance", -1);
        in->status = sk_strdup("fail");
        in->duration_ms = js_num(r, "durationMs", 0);
        const char *ed = js_str(r, "evalDetails", NULL);
        if (ed) {
            in->summary = sk_strdup(ed);
            pv_parse_eval_details(in, ed);
        }
        const char *prompt = js_str(r, "prompt", NULL);
        in->prompt = prompt ? sk_strdup(prompt) : NULL;
        size_t k;
        json_t *step;
        json_array_foreach(js_arr(r, "steps"), k, step)
        {
            const char *role = js_str(step, "role", "assistant");
            const char *txt = js_str(step, "text", "");
            json_t *calls = js_arr(step, "toolCalls");
            if (*txt || !json_array_size(calls))
                pv_add_message(&in->conversation, role, txt);
            size_t c;
            json_t *call;
            json_array_foreach(calls, c, call)
            {
                char *s =
                    pv_tool_call_text(call, json_object_get(call, "input") ? "input" : "arguments");
                pv_add_message(&in->conversation, "tool call", s);
                free(s);
            }
        }
        const char *final = js_str(r, "agentText", NULL);
        if (final && !json_array_size(js_arr(r, "steps")))
            pv_add_message(&in->conversation, "final", final);
        sk_vec_push(out, in);
    }
    json_decref(j);
    return out->len > before;
}

/* ---- 3. failureDetails ---- */

static bool pv_from_details(const Tcp *t, const char *primitive, int level, SkVec *out)
{
    const TcpDetail *d = tcp_detail(t, primitive);
    if (!d)
        return false;
    size_t before = out->len;
    for (int i = 0; i < d->nlevels; i++) {
        const TcpLevelResult *lr = &d->levels[i];
        if (lr->level != level)
            continue;
        for (size_t k = 0; k < lr->failure_details.len; k++) {
            const char *s = sk_vec_get(&lr->failure_details, k);
            ProfileViewInstance *in = pv_instance_new(PROFILE_VIEW_DETAILS);
            in->status = sk_strdup("fail");
            in->summary = sk_strdup(s);
            /* "Exit code: 1 (expected 0), output mismatch: got \"...\" | 3 steps, ..." */
            const char *bar = strstr(s, " | ");
            char *head = bar ? sk_strndup(s, (size_t)(bar - s)) : sk_strdup(s);
            pv_add_checkpoint(in, "evaluation", 0, head, true);
            free(head);
            sk_vec_push(out, in);
        }
    }
    return out->len > before;
}

void profile_view_failures(const Tcp *t, const char *primitive, int level, const char *db_path,
                           SkVec *out)
{
    if (!t || !primitive || level < 1 || level > 3)
        return;
    if (pv_from_store(t, primitive, level, db_path, out))
        return;
    if (pv_from_reports(t, primitive, level, out))
        return;
    pv_from_details(t, primitive, level, out);
}

/* ---- route ---- */

SkStatus profile_view_check_route(const char *model, const char *home, SkError *err)
{
    char *h = home ? sk_strdup(home) : sk_home_dir();
    char *path = sk_path_join(h, "config.yaml");
    free(h);
    SkConfig *cfg = NULL;
    SkError e = {0};
    SkStatus st = config_load(path, &cfg, &e);
    free(path);
    if (st != SK_OK) {
        config_free(cfg);
        return sk_error_set(err, SK_ERR_CONFIG, "cannot read $SKVM_HOME/config.yaml: %s", e.msg);
    }
    const ConfigRoute *r = NULL;
    st = config_route_for(cfg, model, &r, NULL);
    if (st != SK_OK) {
        config_free(cfg);
        return sk_error_set(err, SK_ERR_CONFIG,
                            "no model route for \"%s\": add one under providers.routes in "
                            "$SKVM_HOME/config.yaml (match, kind, base_url, api_key_env); "
                            "built-in prefixes: openai/, anthropic/, openrouter/, ollama/",
                            model ? model : "");
    }
    char *key = config_route_key(r);
    bool need_key = r->api_key_env || r->api_key;
    if (need_key && (!key || !*key)) {
        st = sk_error_set(err, SK_ERR_CONFIG,
                          "route %s for \"%s\" has no API key: set the environment variable %s "
                          "before starting the workbench",
                          r->origin ? r->origin : r->match, model,
                          r->api_key_env ? r->api_key_env : "of the route");
    }
    free(key);
    config_free(cfg);
    return st;
}

/* ---- the job ---- */

struct ProfileViewRun {
    char *model, *harness;
    SkVec primitives; /* char * */
    int instances;
    uint64_t seed;
};

ProfileViewRun *profile_view_run_new(const char *model, const char *harness,
                                     const char *const *primitives, size_t nprimitives,
                                     int instances, uint64_t seed)
{
    ProfileViewRun *r = sk_calloc(1, sizeof *r);
    r->model = sk_strdup(model);
    r->harness = sk_strdup(harness ? harness : TCP_DEFAULT_HARNESS);
    sk_vec_init(&r->primitives, free);
    for (size_t i = 0; i < nprimitives; i++)
        sk_vec_push(&r->primitives, sk_strdup(primitives[i]));
    r->instances = instances;
    r->seed = seed;
    return r;
}

void profile_view_run_free(void *p)
{
    ProfileViewRun *r = p;
    if (!r)
        return;
    free(r->model);
    free(r->harness);
    sk_vec_done(&r->primitives);
    free(r);
}

SkStatus profile_view_run_job(Job *job, void *ud, SkError *err)
{
    ProfileViewRun *r = ud;
    LlmClientOptions lo;
    llm_client_options_init(&lo);
    lo.bus = job_bus(job);
    LlmClient *client = llm_client_new(&lo);
    if (!client)
        return sk_error_set(err, SK_ERR_INTERNAL, "cannot start the model client");
    ProfilerAgentSource src = {0};
    src.client = client;
    src.model = r->model;
    src.bus = job_bus(job);
    ProfilerOptions po;
    profiler_options_init(&po);
    po.model = r->model;
    po.harness = r->harness;
    po.primitives = r->primitives.len ? (const char *const *)r->primitives.items : NULL;
    po.nprimitives = r->primitives.len;
    po.instances = r->instances;
    po.seed = r->seed;
    po.answer = profiler_agent_answer;
    po.answer_ud = &src;
    po.bus = job_bus(job);
    po.job_id = job_id(job);
    po.cancel = job_cancel_flag(job);
    src.cancel = po.cancel;
    Tcp *t = NULL;
    ProfilerSummary sum;
    memset(&sum, 0, sizeof sum);
    SkStatus st = profiler_run(&po, &t, &sum, err);
    bool cancelled = sum.cancelled || job_cancelled(job);
    tcp_free(t);
    profiler_summary_done(&sum);
    llm_client_free(client);
    if (st == SK_OK && cancelled)
        return sk_error_set(err, SK_ERR_CANCELLED, "cancelled");
    return st;
}
