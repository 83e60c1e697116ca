/* test_profile_view.c: failed instances from the store, failure-reports.json and
 * failureDetails; conversation logs; the route check; the profiling job (events, cancel)
 * against the loopback model server. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jobs.h"
#include "core/js.h"
#include "core/probe.h"
#include "core/profile_view.h"
#include "core/profiler.h"
#include "core/store.h"
#include "core/tcp.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

static const char *PROFILE_JSON =
    "{\"version\":\"1.0\",\"model\":\"loop/m\",\"harness\":\"bare-agent\","
    "\"profiledAt\":\"2026-04-08T13:37:07.083Z\",\"capabilities\":{\"reason.arithmetic\":\"L2\"},"
    "\"details\":[{\"primitiveId\":\"reason.arithmetic\",\"highestLevel\":\"L2\",\"levelResults\":["
    "{\"level\":\"L1\",\"passed\":false,\"passCount\":2,\"totalCount\":3,"
    "\"failureDetails\":[\"Exit code: 1 (expected 0), output mismatch: got \\\"no number\\\" | 1 "
    "steps, 0 calls\"]},"
    "{\"level\":\"L2\",\"passed\":true,\"passCount\":3,\"totalCount\":3,\"failureDetails\":[]}]}]}";

static Tcp *load_profile(const char *dir)
{
    tl_write(dir, "latest.json", PROFILE_JSON);
    char *path = sk_path_join(dir, "latest.json");
    Tcp *t = NULL;
    SkError e;
    ck_assert_msg(tcp_load_file(path, &t, &e) == SK_OK, "%s", e.msg);
    free(path);
    return t;
}

static void failures_free(SkVec *v)
{
    sk_vec_done(v);
}

START_TEST(test_failure_details)
{
    char *dir = sk_path_join(tl_tmpdir(), "details");
    Tcp *t = load_profile(dir);
    SkVec v;
    sk_vec_init(&v, (SkFreeFn)profile_view_instance_free);
    profile_view_failures(t, "reason.arithmetic", 1, "", &v);
    ck_assert_uint_eq(v.len, 1);
    const ProfileViewInstance *in = sk_vec_get(&v, 0);
    ck_assert_int_eq(in->source, PROFILE_VIEW_DETAILS);
    ck_assert_uint_eq(in->checkpoints.len, 1);
    const ProfileViewCheckpoint *c = sk_vec_get(&in->checkpoints, 0);
    ck_assert(c->failed);
    ck_assert_ptr_nonnull(strstr(c->reason, "no number"));
    ck_assert_ptr_null(strstr(c->reason, "1 steps")); /* the run summary is not the reason */
    failures_free(&v);
    /* A passed level has no failures; an unknown primitive or level neither. */
    sk_vec_init(&v, (SkFreeFn)profile_view_instance_free);
    profile_view_failures(t, "reason.arithmetic", 2, "", &v);
    profile_view_failures(t, "reason.logic", 1, "", &v);
    profile_view_failures(t, "reason.arithmetic", 4, "", &v);
    ck_assert_uint_eq(v.len, 0);
    failures_free(&v);
    tcp_free(t);
    free(dir);
}
END_TEST

START_TEST(test_failure_reports)
{
    char *dir = sk_path_join(tl_tmpdir(), "reports");
    Tcp *t = load_profile(dir);
    tl_write(
        dir, "failure-reports.json",
        "{\"reports\":{\"reason.arithmetic/L1\":[{\"instance\":2,"
        "\"evalDetails\":\"number_found: 1.00; value_correct: 0.00 (expected 5087, got "
        "6087.0)\",\"agentText\":\"6087\",\"steps\":[{\"index\":0,\"role\":\"assistant\","
        "\"text\":\"6087\",\"toolCalls\":[{\"name\":\"bash\",\"input\":{\"command\":\"ls\"}}]}],"
        "\"durationMs\":3224.1}]}}");
    SkVec v;
    sk_vec_init(&v, (SkFreeFn)profile_view_instance_free);
    profile_view_failures(t, "reason.arithmetic", 1, "", &v);
    ck_assert_uint_eq(v.len, 1); /* the report wins over failureDetails */
    const ProfileViewInstance *in = sk_vec_get(&v, 0);
    ck_assert_int_eq(in->source, PROFILE_VIEW_REPORTS);
    ck_assert_int_eq(in->instance, 2);
    ck_assert_uint_eq(in->checkpoints.len, 2);
    const ProfileViewCheckpoint *c0 = sk_vec_get(&in->checkpoints, 0);
    const ProfileViewCheckpoint *c1 = sk_vec_get(&in->checkpoints, 1);
    ck_assert_str_eq(c0->name, "number_found");
    ck_assert(!c0->failed);
    ck_assert_str_eq(c1->name, "value_correct");
    ck_assert(c1->failed);
    ck_assert_str_eq(c1->reason, "expected 5087, got 6087.0");
    ck_assert_uint_eq(in->conversation.len, 2);
    const ProfileViewMessage *m0 = sk_vec_get(&in->conversation, 0);
    const ProfileViewMessage *m1 = sk_vec_get(&in->conversation, 1);
    ck_assert_str_eq(m0->role, "assistant");
    ck_assert_str_eq(m0->text, "6087");
    ck_assert_str_eq(m1->role, "tool call");
    ck_assert_str_eq(m1->text, "bash {\"command\":\"ls\"}");
    failures_free(&v);
    /* A broken report file falls back to failureDetails. */
    tl_write(dir, "failure-reports.json", "{\"reports\": [");
    sk_vec_init(&v, (SkFreeFn)profile_view_instance_free);
    profile_view_failures(t, "reason.arithmetic", 1, "", &v);
    ck_assert_uint_eq(v.len, 1);
    ck_assert_int_eq(((ProfileViewInstance *)sk_vec_get(&v, 0))->source, PROFILE_VIEW_DETAILS);
    failures_free(&v);
    tcp_free(t);
    free(dir);
}
END_TEST

static const char *CONV =
    "{\"type\":\"request\",\"method\":\"complete\",\"messages\":[{\"role\":\"user\",\"text\":"
    "\"What is 2+2?\"}]}\n"
    "{\"type\":\"response\",\"text\":\"\",\"toolCalls\":[{\"id\":\"c1\",\"name\":\"write_file\","
    "\"arguments\":{\"path\":\"a.txt\"}}]}\n"
    "not json\n"
    "{\"type\":\"request\",\"method\":\"completeWithToolResults\",\"messages\":[{\"role\":\"user\","
    "\"text\":\"What is 2+2?\"}],\"toolResults\":[{\"toolCallId\":\"c1\",\"content\":\"wrote 0 "
    "bytes\"}]}\n"
    "{\"type\":\"response\",\"text\":\"5\",\"toolCalls\":[]}\n"
    "{\"type\":\"error\",\"status\":\"network\",\"message\":\"connection reset\"}\n";

START_TEST(test_conversation)
{
    const char *tmp = tl_tmpdir();
    tl_write(tmp, "conv/conversation.jsonl", CONV);
    char *path = sk_path_join(tmp, "conv/conversation.jsonl");
    SkVec v;
    sk_vec_init(&v, NULL);
    SkError e;
    ck_assert_msg(profile_view_conversation(path, &v, &e) == SK_OK, "%s", e.msg);
    const char *want[][2] = {{"user", "What is 2+2?"},
                             {"tool call", "write_file {\"path\":\"a.txt\"}"},
                             {"error", "line 3 of the log is not a JSON record"},
                             {"tool result", "wrote 0 bytes"},
                             {"assistant", "5"},
                             {"error", "network: connection reset"}};
    ck_assert_uint_eq(v.len, SK_ARRAY_LEN(want));
    for (size_t i = 0; i < v.len; i++) {
        ProfileViewMessage *m = sk_vec_get(&v, i);
        ck_assert_str_eq(m->role, want[i][0]);
        ck_assert_str_eq(m->text, want[i][1]);
        free(m->role);
        free(m->text);
        free(m);
    }
    sk_vec_done(&v);
    sk_vec_init(&v, NULL);
    char *missing = sk_path_join(tmp, "conv/none.jsonl");
    ck_assert(profile_view_conversation(missing, &v, &e) != SK_OK);
    ck_assert_uint_eq(v.len, 0);
    sk_vec_done(&v);
    free(missing);
    free(path);
}
END_TEST

static void insert_row(Store *st, int instance, uint64_t seed, const char *status, const char *cps,
                       int64_t created)
{
    StoreStmt *s = NULL;
    SkError e;
    ck_assert_msg(store_prepare(st,
                                "INSERT INTO profile_instances (profile_run, model, harness, "
                                "primitive, level, instance, seed, status, checkpoints, "
                                "duration_ms, tokens_in, tokens_out, cost_usd, run_id, "
                                "created_at) VALUES ('job-1', 'loop/m', 'bare-agent', "
                                "'reason.arithmetic', 1, ?1, ?2, ?3, ?4, 10, 1, 1, 0.25, 'r1', ?5)",
                                &s, &e) == SK_OK,
                  "%s", e.msg);
    store_bind_int(s, 1, instance);
    store_bind_int(s, 2, (int64_t)seed);
    store_bind_text(s, 3, status);
    store_bind_text(s, 4, cps);
    store_bind_int(s, 5, created);
    ck_assert(store_step(s, &e) == STORE_DONE);
    store_finalize(s);
}

START_TEST(test_store_records)
{
    char *dir = sk_path_join(tl_tmpdir(), "store");
    Tcp *t = load_profile(dir);
    char *db = sk_path_join(dir, "skvm.db");
    Store *st = NULL;
    SkError e;
    ck_assert_msg(store_open(db, &st, &e) == SK_OK, "%s", e.msg);
    tl_write(dir, "runs/r1/conversation.jsonl", CONV);
    char *conv = sk_path_join(dir, "runs/r1/conversation.jsonl");
    char *cps = sk_asprintf("{\"verdict\":\"fail\",\"checkpoints\":[{\"name\":\"number_found\","
                            "\"score\":1},{\"name\":\"value_correct\",\"score\":0,\"reason\":"
                            "\"expected 4, got 5\"}],\"summary\":\"value_correct: expected 4, "
                            "got 5\",\"conversation\":\"%s\"}",
                            conv);
    uint64_t s0 = profiler_instance_seed(1, "reason.arithmetic", 1, 0);
    uint64_t s1 = profiler_instance_seed(1, "reason.arithmetic", 1, 1);
    insert_row(st, 0, s0, "fail", cps, 100);
    /* instance 1 failed once, then passed in a newer run: not a failure any more */
    insert_row(st, 1, s1, "fail", cps, 100);
    insert_row(st, 1, s1 + 1, "pass", "{\"verdict\":\"pass\",\"checkpoints\":[]}", 200);
    store_close(st);

    SkVec v;
    sk_vec_init(&v, (SkFreeFn)profile_view_instance_free);
    profile_view_failures(t, "reason.arithmetic", 1, db, &v);
    ck_assert_uint_eq(v.len, 1);
    const ProfileViewInstance *in = sk_vec_get(&v, 0);
    ck_assert_int_eq(in->source, PROFILE_VIEW_STORE);
    ck_assert_int_eq(in->instance, 0);
    ck_assert_str_eq(in->status, "fail");
    ck_assert_str_eq(in->run_id, "r1");
    ck_assert(in->cost_usd > 0.24 && in->cost_usd < 0.26);
    /* the prompt is the one the seed generates */
    ProbeInstance *pi = NULL;
    ck_assert(probe_generate("reason.arithmetic", 1, s0, &pi, NULL) == SK_OK);
    ck_assert_ptr_nonnull(in->prompt);
    ck_assert_str_eq(in->prompt, pi->prompt);
    probe_instance_free(pi);
    ck_assert_uint_eq(in->checkpoints.len, 2);
    ck_assert(((ProfileViewCheckpoint *)sk_vec_get(&in->checkpoints, 1))->failed);
    ck_assert(!((ProfileViewCheckpoint *)sk_vec_get(&in->checkpoints, 0))->failed);
    ck_assert_uint_eq(in->conversation.len, 6);
    failures_free(&v);
    /* Other models' rows are not this profile's. */
    Tcp *other = tcp_new("loop/other", NULL);
    sk_vec_init(&v, (SkFreeFn)profile_view_instance_free);
    profile_view_failures(other, "reason.arithmetic", 1, db, &v);
    ck_assert_uint_eq(v.len, 0);
    failures_free(&v);
    tcp_free(other);
    free(cps);
    free(conv);
    free(db);
    tcp_free(t);
    free(dir);
}
END_TEST

START_TEST(test_check_route)
{
    const char *home = tl_fresh_home();
    SkError e;
    ck_assert(profile_view_check_route("qwen/qwen3.5-9b", home, &e) == SK_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(e.msg, "providers.routes"));
    ck_assert_ptr_nonnull(strstr(e.msg, "qwen/qwen3.5-9b"));
    tl_write(home, "config.yaml",
             "providers:\n  routes:\n    - match: \"loop/*\"\n      kind: openai-compatible\n"
             "      base_url: http://127.0.0.1:9/v1\n    - match: \"keyed/*\"\n"
             "      kind: openai-compatible\n      base_url: http://127.0.0.1:9/v1\n"
             "      api_key_env: SKVM_TEST_PV_KEY_UNSET\n");
    unsetenv("SKVM_TEST_PV_KEY_UNSET");
    ck_assert(profile_view_check_route("loop/m", home, &e) == SK_OK);
    ck_assert(profile_view_check_route("keyed/m", home, &e) == SK_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(e.msg, "SKVM_TEST_PV_KEY_UNSET"));
    setenv("SKVM_TEST_PV_KEY_UNSET", "k", 1);
    ck_assert(profile_view_check_route("keyed/m", home, &e) == SK_OK);
    unsetenv("SKVM_TEST_PV_KEY_UNSET");
}
END_TEST

/* ---- the job ---- */

typedef struct Seen {
    pthread_mutex_t mu;
    int progress, run_start;
    bool end;
    char state[32];
    Jobs *jobs;
    Job *job;
    bool cancel_on_first;
} Seen;

static void on_event(const TraceEvent *ev, void *ud)
{
    Seen *s = ud;
    pthread_mutex_lock(&s->mu);
    if (ev->kind == TRACE_JOB_PROGRESS && js_str(ev->data, "primitive", NULL)) {
        s->progress++;
        if (s->cancel_on_first && s->job)
            job_cancel(s->job);
    } else if (ev->kind == TRACE_RUN_START && js_int(ev->data, "total", 0) > 0) {
        s->run_start++;
    } else if (ev->kind == TRACE_JOB_END && js_str(ev->data, "state", NULL)) {
        s->end = true;
        snprintf(s->state, sizeof s->state, "%s", js_str(ev->data, "state", ""));
    }
    pthread_mutex_unlock(&s->mu);
}

static void run_job(bool cancel, Seen *seen)
{
    const char *home = tl_fresh_home();
    Msrv *m = NULL;
    SkError me;
    m = msrv_start("{\"default\":{\"reply\":{\"text\":\"I do not know.\",\"ttft_ms\":30}}}", &me);
    ck_assert_msg(m != NULL, "msrv_start: %s", me.msg);
    msrv_write_route(m, home, "loop/*");
    TraceBus *bus = trace_bus_new();
    pthread_mutex_init(&seen->mu, NULL);
    seen->cancel_on_first = cancel;
    trace_bus_add_listener(bus, on_event, seen);
    Jobs *jobs = jobs_new(1, bus);
    const char *prims[] = {"reason.arithmetic", "reason.logic"};
    ProfileViewRun *r = profile_view_run_new("loop/m", NULL, prims, 2, 1, 1);
    pthread_mutex_lock(&seen->mu);
    seen->job =
        jobs_submit(jobs, "profile", "test", profile_view_run_job, r, profile_view_run_free);
    pthread_mutex_unlock(&seen->mu);
    ck_assert(jobs_wait_idle(jobs, 60000));
    jobs_free(jobs);
    trace_bus_free(bus);
    msrv_stop(m);
}

START_TEST(test_job_runs)
{
    if (!msrv_available())
        TL_SKIP("python3 is not installed");
    Seen seen = {0};
    run_job(false, &seen);
    ck_assert_int_eq(seen.run_start, 1);
    ck_assert_int_eq(seen.progress, 6); /* 2 primitives x 3 levels x 1 instance */
    ck_assert_str_eq(seen.state, "done");
    /* the profile was saved under the home and the instances recorded */
    char *p = sk_path_join(getenv("SKVM_HOME"), "profiles/bare-agent/loop--m/latest.json");
    ck_assert_msg(sk_is_file(p), "%s is missing", p);
    free(p);
    Tcp *t = tcp_new("loop/m", NULL);
    SkVec v;
    sk_vec_init(&v, (SkFreeFn)profile_view_instance_free);
    profile_view_failures(t, "reason.logic", 2, NULL, &v);
    ck_assert_uint_eq(v.len, 1);
    const ProfileViewInstance *in = sk_vec_get(&v, 0);
    ck_assert_int_eq(in->source, PROFILE_VIEW_STORE);
    ck_assert_ptr_nonnull(in->prompt);
    ck_assert_uint_ge(in->conversation.len, 2); /* the prompt and "I do not know." */
    const ProfileViewMessage *last = sk_vec_get(&in->conversation, in->conversation.len - 1);
    ck_assert_str_eq(last->text, "I do not know.");
    sk_vec_done(&v);
    tcp_free(t);
}
END_TEST

START_TEST(test_job_cancel)
{
    if (!msrv_available())
        TL_SKIP("python3 is not installed");
    Seen seen = {0};
    run_job(true, &seen);
    ck_assert_str_eq(seen.state, "cancelled");
    ck_assert_int_ge(seen.progress, 1);
    ck_assert_int_lt(seen.progress, 6);
}
END_TEST

static Suite *profile_view_suite(void)
{
    Suite *s = suite_create("profile_view");
    TCase *tc = tcase_create("sources");
    tcase_add_test(tc, test_failure_details);
    tcase_add_test(tc, test_failure_reports);
    tcase_add_test(tc, test_conversation);
    tcase_add_test(tc, test_store_records);
    tcase_add_test(tc, test_check_route);
    suite_add_tcase(s, tc);
    TCase *tj = tcase_create("job");
    tcase_set_timeout(tj, 60);
    tcase_add_test(tj, test_job_runs);
    tcase_add_test(tj, test_job_cancel);
    suite_add_tcase(s, tj);
    return s;
}

int main(void)
{
    return tl_run_suite(profile_view_suite());
}
