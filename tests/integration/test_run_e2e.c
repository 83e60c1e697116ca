/* test_run_e2e.c: end-to-end runs against the loopback model server:
 *  - the reference tasks evaluated with scripted good and bad runs (the python-grade tasks'
 *    REFERENCE solution output written by the scripted model scores 1.0; junit tasks report
 *    "bun not installed" instead of a zero);
 *  - every sandbox escape attempt by a scripted model (path traversal, symlink, absolute
 *    path, reading an API key from the environment, a fork bomb, an endless loop, a flood
 *    of output) is contained and reported;
 *  - `skvm run` killed with SIGKILL is marked interrupted at the next start and nothing
 *    else in the store is damaged. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/js.h"
#include "core/store.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

typedef struct Env {
    Msrv *m;
    char *home;
    char *db;
    LlmClient *c;
} Env;

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
    LlmClientOptions lo;
    llm_client_options_init(&lo);
    lo.home = e->home;
    lo.cache_mode = LLM_CACHE_OFF;
    lo.max_retries = 0;
    e->c = llm_client_new(&lo);
    ck_assert_ptr_nonnull(e->c);
    return true;
}

static void env_stop(Env *e)
{
    llm_client_free(e->c);
    msrv_stop(e->m);
    free(e->home);
    free(e->db);
}

static void env_opts(Env *e, AgentOptions *o)
{
    agent_options_init(o);
    o->model = "test/scripted";
    o->client = e->c;
    o->home = e->home;
    o->db_path = e->db;
    o->timeout_ms = 60000;
}

/* Files (relative path -> content) that REFERENCE/run.sh produces in a workspace prepared
 * from the task's fixtures. New object. */
static json_t *reference_outputs(const Task *t)
{
    char *ws = sk_mkdtemp("skvm-ref-");
    ck_assert_ptr_nonnull(ws);
    SandboxOptions so;
    sandbox_options_init(&so, ws);
    ck_assert_int_eq(task_prepare(t, ws, &so, NULL, NULL), SK_OK);
    char *before = NULL;
    char *cmd = sk_asprintf("cd %s && find . -type f | sort", ws);
    tl_run(cmd, false, &before);
    free(cmd);
    const char *ro[] = {t->dir, NULL};
    so.ro_paths = ro;
    char *run = sk_asprintf("bash %s/REFERENCE/run.sh", t->dir);
    SandboxResult r;
    ck_assert_int_eq(sandbox_run_shell(run, &so, &r, NULL), SK_OK);
    ck_assert_msg(r.exit_code == 0, "%s: %s", t->id, r.err);
    sandbox_result_done(&r);
    free(run);
    char *after = NULL;
    cmd = sk_asprintf("cd %s && find . -type f | sort", ws);
    tl_run(cmd, false, &after);
    free(cmd);
    json_t *files = json_object();
    for (char *line = strtok(after, "\n"); line; line = strtok(NULL, "\n")) {
        char *needle = sk_asprintf("%s\n", line);
        bool existed = strstr(before, needle) != NULL;
        free(needle);
        if (existed)
            continue;
        char *full = sk_path_join(ws, line + 2);
        char *text = NULL;
        ck_assert_int_eq(sk_read_file(full, 0, &text, NULL, NULL), SK_OK);
        json_object_set_new(files, line + 2, json_string(text));
        free(text);
        free(full);
    }
    free(before);
    free(after);
    sk_rm_rf(ws, NULL);
    free(ws);
    return files;
}

/* A program scenario: one turn writing FILES, then a final answer. */
static char *write_program(const json_t *files)
{
    json_t *calls = json_array();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)files, k, v)
        json_array_append_new(calls, json_pack("{s:s, s:{s:s, s:O}}", "name", "write_file",
                                               "arguments", "path", k, "content", v));
    json_t *sc = json_pack("{s:[{s:s, s:o}, {s:s}]}", "program", "text", "Writing the files.",
                           "tool_calls", calls, "text", "Done.");
    char *s = js_dump_compact(sc);
    json_decref(sc);
    return s;
}

START_TEST(test_reference_tasks_good_and_bad)
{
    TL_REQUIRE_REFERENCE();
    if (!msrv_available())
        TL_SKIP("python3 not installed");
    /* two of the six python-grade tasks end to end (tests/core/test_task.c grades all the
     * reference solutions it can run) */
    const char *names[] = {"calendar_task_01", "schema-markup-generator_task_01"};
    Env e;
    ck_assert(env_start(&e, NULL));
    for (size_t i = 0; i < SK_ARRAY_LEN(names); i++) {
        char *rel = sk_asprintf("tasks/%s", names[i]);
        char *dir = tl_reference_path(rel);
        free(rel);
        if (!sk_is_dir(dir)) {
            free(dir);
            continue;
        }
        Task *t = NULL;
        ck_assert_int_eq(task_load(dir, &t, NULL), SK_OK);
        json_t *files = reference_outputs(t);
        ck_assert_int_gt(json_object_size(files), 0);
        /* good run: the scripted model writes the reference solution's output */
        char *prog = write_program(files);
        ck_assert_int_eq(msrv_set_script(e.m, prog), SK_OK);
        free(prog);
        AgentOptions o;
        env_opts(&e, &o);
        o.task = t;
        AgentResult *r = NULL;
        ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
        ck_assert_msg(r->status == AGENT_OK, "%s: %s", names[i], r->status_detail);
        ck_assert(r->evaluated);
        ck_assert_msg(r->eval.score_known && r->eval.score > 0.999, "%s good: %g (%s)", names[i],
                      r->eval.score, r->eval.items[0].detail);
        /* the llm-judge is reported as not run, not as a zero */
        bool judge_not_run = false;
        for (size_t k = 0; k < r->eval.n; k++)
            if (!strcmp(r->eval.items[k].method, "llm-judge"))
                judge_not_run = r->eval.items[k].status == TASK_CRIT_NOT_RUN;
        ck_assert(judge_not_run);
        agent_result_free(r);
        /* bad run: the model gives up at once */
        ck_assert_int_eq(msrv_set_script(e.m, "{\"program\":[{\"text\":\"I cannot do this.\"}]}"),
                         SK_OK);
        ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
        ck_assert_int_eq(r->status, AGENT_OK);
        ck_assert_msg(r->eval.score_known && r->eval.score < 0.5, "%s bad: %g", names[i],
                      r->eval.score);
        ck_assert(!r->eval.pass);
        agent_result_free(r);
        json_decref(files);
        task_free(t);
        free(dir);
    }
    env_stop(&e);
}
END_TEST

START_TEST(test_junit_task_without_bun)
{
    TL_REQUIRE_REFERENCE();
    char *dir = tl_reference_path("tasks/file-operations_task_01");
    if (!sk_is_dir(dir)) {
        free(dir);
        TL_SKIP("task not present");
    }
    Env e;
    if (!env_start(&e, "{\"program\":[{\"text\":\"done\"}]}")) {
        free(dir);
        TL_SKIP("python3 not installed");
    }
    setenv("SKVM_BUN", "/nonexistent/bun", 1);
    Task *t = NULL;
    ck_assert_int_eq(task_load(dir, &t, NULL), SK_OK);
    AgentOptions o;
    env_opts(&e, &o);
    o.task = t;
    o.keep_workdir = true;
    AgentResult *r = NULL;
    ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
    unsetenv("SKVM_BUN");
    ck_assert(r->evaluated);
    /* the fixtures (the bun test file) were staged */
    char *staged = sk_path_join(r->workdir, "file-operations_task_01.test.ts");
    ck_assert(sk_is_file(staged));
    free(staged);
    for (size_t k = 0; k < r->eval.n; k++)
        ck_assert_int_eq(r->eval.items[k].status, TASK_CRIT_NOT_RUN);
    ck_assert(!r->eval.score_known);
    ck_assert(strstr(r->eval.note, "no score"));
    json_t *j = agent_result_to_json(r);
    ck_assert(json_is_null(json_object_get(json_object_get(j, "evaluation"), "score")));
    json_decref(j);
    agent_result_free(r);
    task_free(t);
    free(dir);
    env_stop(&e);
}
END_TEST

/* Output of tool call K (0-based over the whole run) from the transcript. */
static const char *tool_output(const AgentResult *r, int k)
{
    size_t i;
    json_t *s;
    json_array_foreach(r->transcript, i, s)
    {
        if (strcmp(js_str(s, "role", ""), "tool"))
            continue;
        json_t *calls = json_object_get(s, "toolCalls");
        if ((size_t)k < json_array_size(calls))
            return js_str(json_array_get(calls, (size_t)k), "output", "");
        k -= (int)json_array_size(calls);
    }
    return NULL;
}

START_TEST(test_escape_attempts_contained)
{
    if (!msrv_available())
        TL_SKIP("python3 not installed");
    const char *home = tl_tmpdir();
    tl_write(home, "outside/secret.txt", "TOP-SECRET-FILE");
    char *outside = sk_path_join(home, "outside");
    char *secret = sk_path_join(outside, "secret.txt");
    json_t *turns = json_array();
#define TURN(...) json_array_append_new(turns, json_pack(__VA_ARGS__))
    /* 0 path traversal */
    TURN("{s:[{s:s, s:{s:s}}]}", "tool_calls", "name", "read_file", "arguments", "path",
         "../../../outside/secret.txt");
    /* 1 absolute path (read), 2 absolute path (write) */
    TURN("{s:[{s:s, s:{s:s}}, {s:s, s:{s:s, s:s}}]}", "tool_calls", "name", "read_file",
         "arguments", "path", secret, "name", "write_file", "arguments", "path", secret,
         "content", "overwritten");
    /* 3 a symlink made by a command, 4 read through it */
    char *ln = sk_asprintf("ln -s %s link && echo linked", outside);
    TURN("{s:[{s:s, s:{s:s}}]}", "tool_calls", "name", "execute_command", "arguments", "command",
         ln);
    TURN("{s:[{s:s, s:{s:s}}]}", "tool_calls", "name", "read_file", "arguments", "path",
         "link/secret.txt");
    /* 5 reading an API key from the environment (own and the parent's) */
    TURN("{s:[{s:s, s:{s:s}}]}", "tool_calls", "name", "execute_command", "arguments", "command",
         "env; cat /proc/$PPID/environ 2>/dev/null | tr '\\0' '\\n'; echo end");
    /* 6 a fork bomb */
    TURN("{s:[{s:s, s:{s:s}}]}", "tool_calls", "name", "execute_command", "arguments", "command",
         "b() { b | b & }; b; sleep 5; echo survived");
    /* 7 an endless loop */
    TURN("{s:[{s:s, s:{s:s}}]}", "tool_calls", "name", "execute_command", "arguments", "command",
         "while :; do :; done");
    /* 8 a flood of output */
    TURN("{s:[{s:s, s:{s:s}}]}", "tool_calls", "name", "execute_command", "arguments", "command",
         "yes 'flood flood flood' | head -c 50000000; echo tail-marker");
    /* 9 writing outside through the shell */
    char *wr = sk_asprintf("echo pwned > %s/pwned.txt; echo rc=$?", outside);
    TURN("{s:[{s:s, s:{s:s}}]}", "tool_calls", "name", "execute_command", "arguments", "command",
         wr);
    TURN("{s:s}", "text", "I tried everything.");
#undef TURN
    json_t *sc = json_pack("{s:o}", "program", turns);
    char *scs = js_dump_compact(sc);
    json_decref(sc);
    Env e;
    ck_assert(env_start(&e, scs));
    free(scs);
    setenv("OPENAI_API_KEY", "sk-live-DO-NOT-LEAK", 1);
    setenv("SKVM_TOKEN", "skvm-DO-NOT-LEAK", 1);
    AgentOptions o;
    env_opts(&e, &o);
    o.prompt = "escape";
    o.limits.timeout_ms = 2000;
    o.limits.max_procs = 32;
    o.max_tool_output = 4000;
    o.max_steps = 20;
    AgentResult *r = NULL;
    int64_t t0 = sk_now_ms();
    ck_assert_int_eq(agent_run(&o, &r, NULL), SK_OK);
    unsetenv("OPENAI_API_KEY");
    unsetenv("SKVM_TOKEN");
    ck_assert_msg(r->status == AGENT_OK, "%s", r->status_detail);
    ck_assert_int_lt(sk_now_ms() - t0, 60000);
    ck_assert(strstr(tool_output(r, 0), "access denied"));
    ck_assert(strstr(tool_output(r, 1), "access denied"));
    ck_assert(strstr(tool_output(r, 2), "access denied"));
    ck_assert(strstr(tool_output(r, 3), "linked"));
    ck_assert(strstr(tool_output(r, 4), "symbolic link"));
    ck_assert(!strstr(tool_output(r, 5), "DO-NOT-LEAK"));
    ck_assert(strstr(tool_output(r, 5), "end"));
    ck_assert(strstr(tool_output(r, 7), "timed out"));
    ck_assert(strstr(tool_output(r, 8), "bytes omitted"));
    ck_assert(strstr(tool_output(r, 8), "tail-marker"));
    ck_assert_uint_lt(strlen(tool_output(r, 8)), 4400);
    for (int k = 0; k < 10; k++)
        ck_assert(!strstr(tool_output(r, k), "TOP-SECRET"));
    /* the secret file is intact; nothing was written outside (with bwrap) */
    char *txt = NULL;
    ck_assert_int_eq(sk_read_file(secret, 0, &txt, NULL, NULL), SK_OK);
    ck_assert_str_eq(txt, "TOP-SECRET-FILE");
    free(txt);
    if (sandbox_bwrap_available()) {
        char *pwned = sk_path_join(outside, "pwned.txt");
        ck_assert(!sk_is_file(pwned));
        free(pwned);
    }
    /* the machine still forks after the bomb */
    ck_assert_int_eq(system("true"), 0);
    /* the refusals are recorded as steps */
    Store *st = NULL;
    ck_assert_int_eq(store_open(e.db, &st, NULL), SK_OK);
    json_t *rows = NULL;
    json_t *params = json_pack("[s]", r->run_id);
    ck_assert_int_eq(store_query_json(st,
                                      "SELECT COUNT(*) FROM steps WHERE run_id=?1 AND "
                                      "status='denied'",
                                      params, 0, &rows, NULL, NULL),
                     SK_OK);
    ck_assert_int_ge(json_integer_value(json_array_get(json_array_get(rows, 0), 0)), 4);
    json_decref(rows);
    json_decref(params);
    store_close(st);
    agent_result_free(r);
    free(ln);
    free(wr);
    free(secret);
    free(outside);
    env_stop(&e);
}
END_TEST

static json_t *db_rows(const char *db, const char *sql)
{
    Store *st = NULL;
    SkError err;
    ck_assert_msg(store_open(db, &st, &err) == SK_OK, "%s", err.msg);
    json_t *rows = NULL;
    ck_assert_msg(store_query_json(st, sql, NULL, 0, &rows, NULL, &err) == SK_OK, "%s", err.msg);
    store_close(st);
    return rows;
}

START_TEST(test_sigkill_marks_interrupted)
{
    if (!msrv_available())
        TL_SKIP("python3 not installed");
    if (access(tl_skvm_bin(), X_OK) != 0)
        TL_SKIP("skvm binary not built");
    /* the first request answers at once, later ones take 30 s */
    Env e;
    ck_assert(env_start(&e, "{\"rules\":[{\"match\":{\"last_user\":\"quick\"},\"reply\":{"
                            "\"text\":\"quick answer\"}},{\"reply\":{\"text\":\"slow\","
                            "\"ttft_ms\":30000}}]}"));
    setenv("SKVM_HOME", e.home, 1);
    char *cmd = sk_asprintf("%s run --model test/m --prompt quick --quiet --json --no-cache "
                            ">/dev/null 2>&1",
                            tl_skvm_bin());
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    json_t *before = db_rows(e.db, "SELECT id, status, final_text, tokens_in FROM runs");
    ck_assert_uint_eq(json_array_size(before), 1);
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        dup2(nul, 2);
        execl(tl_skvm_bin(), "skvm", "run", "--model", "test/m", "--prompt", "slow one",
              "--no-cache", (char *)NULL);
        _exit(127);
    }
    /* wait until the run is recorded as running */
    bool running = false;
    for (int i = 0; i < 200 && !running; i++) {
        json_t *rows = db_rows(e.db, "SELECT COUNT(*) FROM runs WHERE status='running'");
        running = json_integer_value(json_array_get(json_array_get(rows, 0), 0)) == 1;
        json_decref(rows);
        if (!running)
            usleep(50000);
    }
    ck_assert(running);
    usleep(300000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFSIGNALED(status));
    /* the conversation log of the killed run exists and has its request record */
    json_t *rr = db_rows(e.db, "SELECT id, work_dir FROM runs WHERE status='running'");
    const char *kid = json_string_value(json_array_get(json_array_get(rr, 0), 0));
    char *conv = sk_asprintf("%s/runs/%s/conversation.jsonl", e.home, kid);
    char *log = NULL;
    ck_assert_int_eq(sk_read_file(conv, 0, &log, NULL, NULL), SK_OK);
    ck_assert(strstr(log, "\"type\":\"request\""));
    free(log);
    free(conv);
    /* next start: `skvm runs list` marks it interrupted */
    char *out = NULL;
    cmd = sk_asprintf("%s runs list", tl_skvm_bin());
    ck_assert_int_eq(tl_run(cmd, true, &out), 0);
    free(cmd);
    ck_assert_msg(strstr(out, "interrupted"), "%s", out);
    free(out);
    json_t *after = db_rows(e.db, "SELECT id, status, final_text, tokens_in FROM runs WHERE "
                                  "status != 'interrupted'");
    ck_assert(json_equal(before, after));
    json_t *ir = db_rows(e.db, "SELECT status, error FROM runs WHERE status='interrupted'");
    ck_assert_uint_eq(json_array_size(ir), 1);
    ck_assert(strstr(json_string_value(json_array_get(json_array_get(ir, 0), 1)), "unfinished"));
    json_t *ic = db_rows(e.db, "PRAGMA integrity_check");
    ck_assert_str_eq(json_string_value(json_array_get(json_array_get(ic, 0), 0)), "ok");
    json_decref(ic);
    json_decref(ir);
    json_decref(after);
    json_decref(before);
    /* `skvm runs show` of the interrupted run */
    cmd = sk_asprintf("%s runs show %s --json", tl_skvm_bin(), kid);
    ck_assert_int_eq(tl_run(cmd, false, &out), 0);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_str_eq(js_str(j, "status", ""), "interrupted");
    json_decref(j);
    free(out);
    free(cmd);
    json_decref(rr);
    env_stop(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("run_e2e");
    TCase *tc = tcase_create("integration");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_escape_attempts_contained);
    tcase_add_test(tc, test_reference_tasks_good_and_bad);
    tcase_add_test(tc, test_junit_task_without_bun);
    tcase_add_test(tc, test_sigkill_marks_interrupted);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
