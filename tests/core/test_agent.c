/* test_agent.c: the agent loop against the loopback model server: a scripted model that
 * writes files, runs commands (concurrently), fails, tries to escape, loops, hits limits
 * and finishes; records (conversation.jsonl, runs/steps rows), hooks, trace events. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/js.h"
#include "core/runlog.h"
#include "core/store.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

typedef struct Env {
    Msrv *m;
    char *home;
    char *db;
    LlmClient *c;
    TraceBus *bus;
    pthread_mutex_t mu;
    SkVec events;
} Env;

static void env_listener(const TraceEvent *ev, void *ud)
{
    Env *e = ud;
    pthread_mutex_lock(&e->mu);
    sk_vec_push(&e->events, trace_event_new(ev->kind, ev->run_id, ev->step, ev->text,
                                            ev->data ? json_deep_copy(ev->data) : NULL));
    pthread_mutex_unlock(&e->mu);
}

static bool env_start(Env *e, const char *scenario)
{
    memset(e, 0, sizeof *e);
    if (!msrv_available())
        return false;
    SkError err;
    e->m = msrv_start(scenario, &err);
    ck_assert_msg(e->m != NULL, "msrv_start: %s", err.msg);
    e->home = sk_strdup(tl_tmpdir());
    e->db = sk_path_join(e->home, "skvm.db");
    msrv_write_route(e->m, e->home, "test/*");
    e->bus = trace_bus_new();
    pthread_mutex_init(&e->mu, NULL);
    sk_vec_init(&e->events, (SkFreeFn)trace_event_free);
    trace_bus_add_listener(e->bus, env_listener, e);
    LlmClientOptions lo;
    llm_client_options_init(&lo);
    lo.home = e->home;
    lo.bus = e->bus;
    lo.cache_mode = LLM_CACHE_OFF;
    lo.max_retries = 0;
    lo.total_timeout_ms = 10000;
    e->c = llm_client_new(&lo);
    ck_assert_ptr_nonnull(e->c);
    return true;
}

static void env_stop(Env *e)
{
    llm_client_free(e->c);
    trace_bus_free(e->bus);
    sk_vec_done(&e->events);
    pthread_mutex_destroy(&e->mu);
    msrv_stop(e->m);
    free(e->home);
    free(e->db);
}

static void env_opts(Env *e, AgentOptions *o, const char *prompt)
{
    agent_options_init(o);
    o->model = "test/scripted";
    o->client = e->c;
    o->bus = e->bus;
    o->home = e->home;
    o->db_path = e->db;
    o->prompt = prompt;
    o->keep_workdir = true;
    o->timeout_ms = 30000;
}

static size_t env_count(Env *e, TraceKind k)
{
    size_t n = 0;
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->events.len; i++)
        n += ((TraceEvent *)e->events.items[i])->kind == k;
    pthread_mutex_unlock(&e->mu);
    return n;
}

static json_t *query(Env *e, const char *sql, const char *run_id)
{
    Store *st = NULL;
    ck_assert_int_eq(store_open(e->db, &st, NULL), SK_OK);
    json_t *rows = NULL;
    json_t *params = json_pack("[s]", run_id);
    SkError err;
    ck_assert_msg(store_query_json(st, sql, params, 0, &rows, NULL, &err) == SK_OK, "%s", err.msg);
    json_decref(params);
    store_close(st);
    return rows;
}

#define SCRIPT_MAIN                                                                                \
    "{\"program\":["                                                                               \
    "{\"text\":\"Writing and listing.\",\"usage\":{\"input\":100,\"output\":10},\"tool_calls\":["  \
    "{\"name\":\"write_file\",\"arguments\":{\"path\":\"notes/a.txt\",\"content\":\"hello\\n\"}}," \
    "{\"name\":\"execute_command\",\"arguments\":{\"command\":\"sleep 0.3; echo slow\"}},"          \
    "{\"name\":\"execute_command\",\"arguments\":{\"command\":\"sleep 0.3; echo also-slow\"}}]},"   \
    "{\"text\":\"\",\"usage\":{\"input\":150,\"output\":12},\"tool_calls\":["                      \
    "{\"name\":\"execute_command\",\"arguments\":{\"command\":\"cat notes/a.txt; exit 3\"}}]},"    \
    "{\"usage\":{\"input\":200,\"output\":5},\"tool_calls\":["                                     \
    "{\"name\":\"read_file\",\"arguments\":{\"path\":\"../../../../etc/passwd\"}},"                \
    "{\"name\":\"read_file\",\"arguments\":\"{broken json\"}]},"                                   \
    "{\"text\":\"All done: notes/a.txt holds hello.\",\"usage\":{\"input\":250,\"output\":9}}]}"

START_TEST(test_scripted_run)
{
    Env e;
    if (!env_start(&e, SCRIPT_MAIN))
        TL_SKIP("python3 not installed");
    AgentOptions o;
    env_opts(&e, &o, "Write notes/a.txt and check it.");
    AgentResult *r = NULL;
    SkError err;
    ck_assert_msg(agent_run(&o, &r, &err) == SK_OK, "%s", err.msg);
    ck_assert_msg(r->status == AGENT_OK, "%s: %s", agent_status_name(r->status),
                  r->status_detail);
    ck_assert_str_eq(r->final_text, "All done: notes/a.txt holds hello.");
    ck_assert_int_eq(r->steps, 4);
    ck_assert_int_eq(r->tool_calls, 6);
    ck_assert(r->tokens.known);
    ck_assert_int_eq(r->tokens.input_tokens, 700);
    ck_assert_int_eq(r->tokens.output_tokens, 36);
    ck_assert_ptr_null(r->store_error);
    /* the two slow commands ran concurrently */
    ck_assert_int_lt(r->tool_ms, 2000);
    char *txt = NULL;
    char *notes = sk_path_join(r->workdir, "notes/a.txt");
    ck_assert_int_eq(sk_read_file(notes, 0, &txt, NULL, NULL), SK_OK);
    free(notes);
    ck_assert_str_eq(txt, "hello\n");
    free(txt);

    /* what the model received: full native history, results in call order */
    json_t *reqs = msrv_requests(e.m);
    ck_assert_uint_eq(json_array_size(reqs), 4);
    json_t *last = json_object_get(json_array_get(reqs, 3), "body");
    json_t *msgs = json_object_get(last, "messages");
    /* system, user, asst(3 calls), 3 tool, asst, tool, asst, 2 tool = 11 */
    ck_assert_uint_eq(json_array_size(msgs), 11);
    ck_assert_str_eq(js_str(json_array_get(msgs, 3), "role", ""), "tool");
    ck_assert_str_eq(js_str(json_array_get(msgs, 3), "content", ""), "File written: notes/a.txt");
    ck_assert(strstr(js_str(json_array_get(msgs, 4), "content", ""), "slow"));
    ck_assert(!strstr(js_str(json_array_get(msgs, 4), "content", ""), "also-slow"));
    ck_assert(strstr(js_str(json_array_get(msgs, 5), "content", ""), "also-slow"));
    ck_assert(strstr(js_str(json_array_get(msgs, 7), "content", ""), "exit code: 3"));
    ck_assert(strstr(js_str(json_array_get(msgs, 9), "content", ""), "access denied"));
    ck_assert(strstr(js_str(json_array_get(msgs, 10), "content", ""), "invalid arguments"));
    json_decref(reqs);

    /* conversation.jsonl: request/response records */
    char *log = NULL;
    ck_assert_int_eq(sk_read_file(r->conversation_path, 0, &log, NULL, NULL), SK_OK);
    int nreq = 0, nresp = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        ck_assert_ptr_nonnull(j);
        const char *type = js_str(j, "type", "");
        if (!strcmp(type, "request")) {
            nreq++;
            ck_assert_str_eq(js_str(j, "method", ""), nreq == 1 ? "complete"
                                                                : "completeWithToolResults");
            ck_assert_uint_eq(json_array_size(json_object_get(j, "tools")), 4);
        } else if (!strcmp(type, "response")) {
            nresp++;
            ck_assert_ptr_nonnull(json_object_get(j, "tokens"));
            if (nresp == 1)
                ck_assert_str_eq(js_str(json_array_get(json_object_get(j, "toolCalls"), 0),
                                        "name", ""),
                                 "write_file");
        }
        json_decref(j);
    }
    ck_assert_int_eq(nreq, 4);
    ck_assert_int_eq(nresp, 4);
    free(log);

    /* store rows */
    json_t *rows = query(&e, "SELECT status, tokens_in, final_text, pid FROM runs WHERE id=?1",
                         r->run_id);
    ck_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 0), 0)), "ok");
    ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(rows, 0), 1)), 700);
    json_decref(rows);
    rows = query(&e,
                 "SELECT kind, name, exit_code, status FROM steps WHERE run_id=?1 ORDER BY idx",
                 r->run_id);
    ck_assert_uint_eq(json_array_size(rows), 10);
    ck_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 0), 0)), "llm");
    ck_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 1), 1)), "write_file");
    ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(rows, 5), 2)), 3);
    ck_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 7), 3)), "denied");
    json_decref(rows);

    /* trace events */
    ck_assert_uint_eq(env_count(&e, TRACE_RUN_START), 1);
    ck_assert_uint_eq(env_count(&e, TRACE_RUN_END), 1);
    ck_assert_uint_eq(env_count(&e, TRACE_TOOL_START), 6);
    ck_assert_uint_eq(env_count(&e, TRACE_TOOL_END), 6);
    ck_assert_uint_ge(env_count(&e, TRACE_LLM_END), 4);
    agent_result_free(r);
    env_stop(&e);
}
END_TEST

START_TEST(test_loop_detected)
{
    Env e;
    if (!env_start(&e, "{\"rules\":[{\"turns\":[{\"tool_calls\":[{\"name\":\"list_directory\","
                       "\"arguments\":{\"path\":\".\"}}]}],\"repeat_last\":true}]}"))
        TL_SKIP("python3 not installed");
    AgentOptions o;
    env_opts(&e, &o, "loop");
    AgentResult *r = NULL;
    ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
    ck_assert_int_eq(r->status, AGENT_OK);
    ck_assert(r->loop_detected);
    ck_assert_int_eq(r->steps, 3);
    ck_assert(strstr(r->status_detail, "same tool calls"));
    agent_result_free(r);
    env_stop(&e);
}
END_TEST

START_TEST(test_max_steps)
{
    Env e;
    if (!env_start(&e, "{\"rules\":[{\"turns\":[{\"tool_calls\":[{\"name\":\"list_directory\","
                       "\"arguments\":{}}]}],\"repeat_last\":true}]}"))
        TL_SKIP("python3 not installed");
    AgentOptions o;
    env_opts(&e, &o, "steps");
    o.max_steps = 2;
    AgentResult *r = NULL;
    ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
    ck_assert_int_eq(r->status, AGENT_MAX_STEPS);
    ck_assert_int_eq(r->steps, 2);
    ck_assert_str_eq(r->final_text, "");
    agent_result_free(r);
    env_stop(&e);
}
END_TEST

START_TEST(test_model_error_is_infra)
{
    Env e;
    if (!env_start(&e, "{\"rules\":[{\"fault\":\"server_error\"}]}"))
        TL_SKIP("python3 not installed");
    AgentOptions o;
    env_opts(&e, &o, "fail");
    AgentResult *r = NULL;
    ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
    ck_assert_int_eq(r->status, AGENT_MODEL_ERROR);
    ck_assert(strstr(r->status_detail, "model call 1 failed"));
    json_t *rows = query(&e, "SELECT status, score FROM runs WHERE id=?1", r->run_id);
    ck_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 0), 0)),
                     "model-error");
    ck_assert(json_is_null(json_array_get(json_array_get(rows, 0), 1)));
    json_decref(rows);
    agent_result_free(r);
    env_stop(&e);
}
END_TEST

START_TEST(test_timeout)
{
    Env e;
    if (!env_start(&e, "{\"rules\":[{\"turns\":[{\"tool_calls\":[{\"name\":\"execute_command\","
                       "\"arguments\":{\"command\":\"sleep 10\"}}]}],\"repeat_last\":true}]}"))
        TL_SKIP("python3 not installed");
    AgentOptions o;
    env_opts(&e, &o, "slow");
    o.timeout_ms = 1500;
    AgentResult *r = NULL;
    int64_t t0 = sk_now_ms();
    ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
    ck_assert_int_eq(r->status, AGENT_TIMEOUT);
    ck_assert_int_lt(sk_now_ms() - t0, 6000);
    agent_result_free(r);
    env_stop(&e);
}
END_TEST

typedef struct HookLog {
    int before, after, tools, end;
} HookLog;

static void hook_before(const AgentHookCtx *c, void *ud)
{
    ((HookLog *)ud)->before++;
    ck_assert_ptr_nonnull(c->request);
}
static void hook_after(const AgentHookCtx *c, void *ud)
{
    ((HookLog *)ud)->after++;
    ck_assert_ptr_nonnull(c->response);
}
static void hook_tool(const AgentHookCtx *c, void *ud)
{
    ((HookLog *)ud)->tools++;
    ck_assert_ptr_nonnull(c->tool_result);
}
static void hook_end(const AgentHookCtx *c, void *ud)
{
    ((HookLog *)ud)->end++;
    ck_assert_ptr_nonnull(c->result);
}

START_TEST(test_hooks_and_discover)
{
    Env e;
    if (!env_start(&e, "{\"program\":[{\"tool_calls\":[{\"name\":\"read_file\",\"arguments\":{"
                       "\"path\":\"skills/demo-skill/SKILL.md\"}},{\"name\":\"list_directory\","
                       "\"arguments\":{\"path\":\"skills/demo-skill\"}}]},{\"text\":\"ok\"}]}"))
        TL_SKIP("python3 not installed");
    const char *sd = tl_tmpdir();
    tl_write(sd, "SKILL.md", "---\nname: demo-skill\ndescription: Demo for tests.\n---\n# Demo\n"
                             "Run scripts/x.sh.\n");
    tl_write(sd, "scripts/x.sh", "echo x\n");
    Skill *sk = NULL;
    ck_assert_int_eq(skill_load(sd, &sk, NULL), SK_OK);
    AgentOptions o;
    env_opts(&e, &o, "use the skill");
    o.skill = sk;
    o.mode = AGENT_SKILL_DISCOVER;
    HookLog hl = {0, 0, 0, 0};
    o.hooks.before_llm = hook_before;
    o.hooks.after_llm = hook_after;
    o.hooks.after_tool = hook_tool;
    o.hooks.at_end = hook_end;
    o.hooks.ud = &hl;
    AgentResult *r = NULL;
    ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
    ck_assert_int_eq(r->status, AGENT_OK);
    ck_assert(r->skill_loaded);
    ck_assert_int_eq(hl.before, 2);
    ck_assert_int_eq(hl.after, 2);
    ck_assert_int_eq(hl.tools, 2);
    ck_assert_int_eq(hl.end, 1);
    char *script = sk_path_join(r->workdir, "skills/demo-skill/scripts/x.sh");
    ck_assert(sk_is_file(script));
    free(script);
    json_t *reqs = msrv_requests(e.m);
    json_t *msgs = json_object_get(json_object_get(json_array_get(reqs, 0), "body"), "messages");
    const char *sys = js_str(json_array_get(msgs, 0), "content", "");
    ck_assert(strstr(sys, "**demo-skill**: Demo for tests."));
    ck_assert(!strstr(sys, "Run scripts/x.sh"));
    json_t *m2 = json_object_get(json_object_get(json_array_get(reqs, 1), "body"), "messages");
    ck_assert(strstr(js_str(json_array_get(m2, 3), "content", ""), "Run scripts/x.sh"));
    ck_assert(strstr(js_str(json_array_get(m2, 4), "content", ""), "[dir] scripts"));
    json_decref(reqs);
    agent_result_free(r);
    /* inject mode: the whole SKILL.md in <skill> tags, bundle under skill/ */
    char *p = agent_system_prompt(sk, AGENT_SKILL_INJECT);
    ck_assert(strstr(p, "<skill>\n---\nname: demo-skill"));
    ck_assert(strstr(p, "skill/"));
    free(p);
    skill_free(sk);
    env_stop(&e);
}
END_TEST

START_TEST(test_workdir_removed_and_cancel)
{
    Env e;
    if (!env_start(&e, "{\"program\":[{\"text\":\"hi\"}]}"))
        TL_SKIP("python3 not installed");
    AgentOptions o;
    env_opts(&e, &o, "hi");
    o.keep_workdir = false;
    AgentResult *r = NULL;
    ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
    ck_assert(!sk_is_dir(r->workdir));
    ck_assert(sk_is_file(r->conversation_path));
    agent_result_free(r);
    volatile int cancel = 1;
    o.cancel = &cancel;
    ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
    ck_assert_int_eq(r->status, AGENT_CANCELLED);
    agent_result_free(r);
    env_stop(&e);
}
END_TEST

START_TEST(test_status_names)
{
    AgentStatus s;
    ck_assert_str_eq(agent_status_name(AGENT_MAX_STEPS), "max-steps");
    ck_assert_str_eq(agent_status_name(AGENT_MODEL_ERROR), "model-error");
    ck_assert(agent_status_parse("tool-crash", &s));
    ck_assert_int_eq(s, AGENT_TOOL_CRASH);
    ck_assert(!agent_status_parse("nope", &s));
    char *a = agent_new_run_id(), *b = agent_new_run_id();
    ck_assert_str_ne(a, b);
    ck_assert_uint_eq(strlen(a), 23);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_mark_interrupted)
{
    const char *home = tl_tmpdir();
    char *db = sk_path_join(home, "skvm.db");
    Store *st = NULL;
    ck_assert_int_eq(store_open(db, &st, NULL), SK_OK);
    /* a dead pid: fork a child that exits at once */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    int status;
    waitpid(dead, &status, 0);
    char *sql = sk_asprintf(
        "INSERT INTO runs (id, status, pid, started_at) VALUES ('dead', 'running', %ld, 1),"
        "('alive', 'running', %ld, 2), ('done', 'ok', %ld, 3), ('nopid', 'running', NULL, 4)",
        (long)dead, (long)getpid(), (long)dead);
    ck_assert_int_eq(store_exec(st, sql, NULL), SK_OK);
    free(sql);
    int n = -1;
    ck_assert_int_eq(runlog_mark_interrupted(st, &n, NULL), SK_OK);
    ck_assert_int_eq(n, 2);
    json_t *rows = NULL;
    ck_assert_int_eq(store_query_json(st, "SELECT id, status FROM runs ORDER BY started_at", NULL,
                                      0, &rows, NULL, NULL),
                     SK_OK);
    const char *want[] = {"interrupted", "running", "ok", "interrupted"};
    for (size_t i = 0; i < 4; i++)
        ck_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, i), 1)), want[i]);
    json_decref(rows);
    ck_assert_int_eq(runlog_mark_interrupted(st, &n, NULL), SK_OK);
    ck_assert_int_eq(n, 0);
    store_close(st);
    free(db);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("agent");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_status_names);
    tcase_add_test(tc, test_mark_interrupted);
    tcase_add_test(tc, test_scripted_run);
    tcase_add_test(tc, test_loop_detected);
    tcase_add_test(tc, test_max_steps);
    tcase_add_test(tc, test_model_error_is_infra);
    tcase_add_test(tc, test_timeout);
    tcase_add_test(tc, test_hooks_and_discover);
    tcase_add_test(tc, test_workdir_removed_and_cancel);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
