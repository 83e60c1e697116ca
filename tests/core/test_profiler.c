/* test_profiler.c: profile runs driven by scripted answer sources (the real generators and
 * evaluators, a real SQLite store, real worker threads): level decisions, inversions,
 * infrastructure failures, resume, --force, concurrency, progress events and the TCP. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "core/profiler.h"
#include "core/tcp.h"
#include "core/trace.h"
#include "tests/testlib.h"

typedef struct Script {
    const char *good[16];   /* "primitive:L" answered correctly; the rest wrongly */
    int infra_first;        /* this many first attempts per instance fail with infra */
    bool infra_always;      /* every attempt fails with infra for INFRA_PRIM */
    const char *infra_prim;
    bool taint;             /* report a timeout (tainted) for every instance */
    int calls;
    pthread_mutex_t mu;
    json_t *attempts;       /* "primitive:L:seed" -> attempts so far */
    volatile int *cancel_after_flag; /* set *flag = 1 once CALLS reaches CANCEL_AFTER */
    int cancel_after;
} Script;

static bool script_good(const Script *s, const char *prim, int level)
{
    char key[96];
    snprintf(key, sizeof key, "%s:%d", prim, level);
    for (size_t i = 0; i < 16 && s->good[i]; i++)
        if (!strcmp(s->good[i], key))
            return true;
    return false;
}

static SkStatus script_answer(void *ud, const ProbeInstance *in, const char *prompt,
                              const char *workdir, ProfilerAttempt *out, SkError *err)
{
    Script *s = ud;
    ck_assert_ptr_null(strstr(prompt, "{{PORT}}"));
    pthread_mutex_lock(&s->mu);
    s->calls++;
    char key[128];
    snprintf(key, sizeof key, "%s:%d:%llu", in->primitive, in->level, (unsigned long long)in->seed);
    int n = (int)json_integer_value(json_object_get(s->attempts, key));
    json_object_set_new(s->attempts, key, json_integer(n + 1));
    if (s->cancel_after_flag && s->calls >= s->cancel_after)
        *s->cancel_after_flag = 1;
    pthread_mutex_unlock(&s->mu);
    out->status = sk_strdup("ok");
    out->tokens_in = 100;
    out->tokens_out = 10;
    out->cost_usd = 0.001;
    if (n < s->infra_first || (s->infra_always && !strcmp(in->primitive, s->infra_prim))) {
        out->infra = true;
        out->detail = sk_strdup("rate limited (429)");
        return SK_OK;
    }
    if (s->taint) {
        out->tainted = true;
        out->detail = sk_strdup("timeout after 120 s");
    }
    const ProbeAnswer *a = in->answers.items[script_good(s, in->primitive, in->level) ? 0 : 1];
    /* the planted files are there even when tainted: they must not count */
    ck_assert_int_eq(probe_apply_answer(a, workdir, err), SK_OK);
    out->final_text = sk_strdup(a->response ? a->response : "");
    return SK_OK;
}

static void script_init(Script *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->attempts = json_object();
}

static void script_done(Script *s)
{
    json_decref(s->attempts);
    pthread_mutex_destroy(&s->mu);
}

static const char *const fast[] = {"reason.arithmetic", "follow.format", "tool.file.read", "gen.regex",
                                   "tool.web"};

static void opts_for(ProfilerOptions *o, Script *s, const char *home, const char *model)
{
    profiler_options_init(o);
    o->model = model;
    o->home = home;
    o->primitives = fast;
    o->nprimitives = SK_ARRAY_LEN(fast);
    o->instances = 2;
    o->seed = 7;
    o->answer = script_answer;
    o->answer_ud = s;
    o->retry_delay_ms = 1;
}

START_TEST(test_levels_match_script)
{
    const char *home = tl_fresh_home();
    Script s;
    script_init(&s);
    const char *good[] = {"reason.arithmetic:1", "reason.arithmetic:2", "reason.arithmetic:3",
                          "follow.format:1", "tool.file.read:1", "tool.file.read:2",
                          "gen.regex:2", "gen.regex:3", /* L1 fails: an inversion */
                          "tool.web:1", "tool.web:2", NULL};
    memcpy(s.good, good, sizeof good);
    ProfilerOptions o;
    opts_for(&o, &s, home, "scripted/model:v1");
    o.concurrency = 3;
    Tcp *t = NULL;
    ProfilerSummary sum;
    SkError err = {0};
    ck_assert_int_eq(profiler_run(&o, &t, &sum, &err), SK_OK);
    ck_assert_int_eq(s.calls, 5 * 3 * 2);
    ck_assert_int_eq(sum.instances_run, 30);
    ck_assert_int_eq(sum.passed, 20);
    ck_assert_int_eq(sum.failed, 10);
    ck_assert(!sum.partial);
    ck_assert_int_eq(tcp_level(t, "reason.arithmetic"), 3);
    ck_assert_int_eq(tcp_level(t, "follow.format"), 1);
    ck_assert_int_eq(tcp_level(t, "tool.file.read"), 2);
    ck_assert_int_eq(tcp_level(t, "gen.regex"), 3); /* highest passing, as the reference */
    ck_assert_int_eq(tcp_level(t, "tool.web"), 2);
    ck_assert_int_eq(sum.inversions, 1);
    const TcpDetail *d = tcp_detail(t, "gen.regex");
    ck_assert_ptr_nonnull(d->calibration_note);
    ck_assert_ptr_nonnull(strstr(d->calibration_note, "L2 passed but L1 failed"));
    ck_assert(!d->levels[0].passed);
    ck_assert_int_eq(d->levels[0].total_count, 2);
    ck_assert_uint_eq(d->levels[0].failure_details.len, 2);
    ck_assert_ptr_nonnull(strstr(sk_vec_get(&d->levels[0].failure_details, 0), "seed"));
    ck_assert(d->levels[0].failure_artifacts != NULL);
    ck_assert_str_ne(d->levels[0].test_description, "");
    /* the TCP on disk loads back identically and in catalog order */
    ck_assert_ptr_nonnull(sum.saved_path);
    Tcp *back = NULL;
    ck_assert_int_eq(tcp_load_file(sum.saved_path, &back, &err), SK_OK);
    ck_assert_str_eq(back->model, "scripted/model:v1");
    ck_assert_int_eq(tcp_level(back, "tool.file.read"), 2);
    ck_assert_str_eq(((TcpDetail *)sk_vec_get(&back->details, 0))->primitive_id, "gen.regex");
    ck_assert(!back->is_partial);
    ck_assert_ptr_nonnull(strstr(sum.saved_path, "profiles/bare-agent/scripted--model_v1/latest.json"));
    tcp_free(back);
    tcp_free(t);
    profiler_summary_done(&sum);
    script_done(&s);
}
END_TEST

START_TEST(test_resume_and_force)
{
    const char *home = tl_fresh_home();
    Script s;
    script_init(&s);
    s.good[0] = "follow.format:1";
    s.good[1] = "follow.format:2";
    ProfilerOptions o;
    opts_for(&o, &s, home, "m/resume");
    Tcp *t = NULL;
    ProfilerSummary sum;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert_int_eq(s.calls, 30);
    tcp_free(t);
    profiler_summary_done(&sum);
    /* the same run again: everything comes from the store */
    s.calls = 0;
    s.good[2] = "follow.format:3"; /* would change the result if it were re-run */
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert_int_eq(s.calls, 0);
    ck_assert_int_eq(sum.instances_reused, 30);
    ck_assert_int_eq(tcp_level(t, "follow.format"), 2);
    tcp_free(t);
    profiler_summary_done(&sum);
    /* another seed is another set of instances */
    o.seed = 8;
    o.primitives = (const char *[]){"follow.format"};
    o.nprimitives = 1;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert_int_eq(s.calls, 6);
    ck_assert_int_eq(tcp_level(t, "follow.format"), 3);
    /* only follow.format was re-run: the other primitives stay in the saved profile */
    ck_assert_int_eq(tcp_level(t, "reason.arithmetic"), 0);
    ck_assert_ptr_nonnull(tcp_detail(t, "tool.web"));
    ck_assert_uint_eq(t->details.len, 5);
    tcp_free(t);
    profiler_summary_done(&sum);
    /* --force with a list redoes only those */
    o.seed = 7;
    o.force = true;
    s.calls = 0;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert_int_eq(s.calls, 6);
    ck_assert_int_eq(sum.instances_reused, 0);
    ck_assert_int_eq(tcp_level(t, "follow.format"), 3);
    tcp_free(t);
    profiler_summary_done(&sum);
    script_done(&s);
}
END_TEST

START_TEST(test_infra_never_a_capability_failure)
{
    const char *home = tl_fresh_home();
    Script s;
    script_init(&s);
    s.good[0] = "tool.file.read:1";
    s.good[1] = "tool.file.read:2";
    s.good[2] = "tool.file.read:3";
    s.infra_first = 1; /* every instance: first attempt rate-limited, retry works */
    ProfilerOptions o;
    opts_for(&o, &s, home, "m/infra");
    o.primitives = (const char *[]){"tool.file.read", "reason.arithmetic"};
    o.nprimitives = 2;
    s.good[3] = "reason.arithmetic:1";
    Tcp *t = NULL;
    ProfilerSummary sum;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert_int_eq(s.calls, 24);
    ck_assert_int_eq(sum.infra, 0);
    ck_assert_int_eq(tcp_level(t, "tool.file.read"), 3);
    ck_assert_int_eq(tcp_level(t, "reason.arithmetic"), 1);
    tcp_free(t);
    profiler_summary_done(&sum);
    /* persistent infrastructure failure: reported, level undecided, profile partial */
    s.infra_first = 0;
    s.infra_always = true;
    s.infra_prim = "tool.file.read";
    o.force = true;
    o.infra_retries = 1;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert_int_eq(sum.infra, 6);
    ck_assert_int_eq(sum.failed, 4); /* arithmetic L2, L3 only */
    ck_assert(sum.partial);
    ck_assert(t->is_partial);
    const TcpDetail *d = tcp_detail(t, "tool.file.read");
    ck_assert_int_eq(d->levels[0].total_count, 0);
    ck_assert(!d->levels[0].passed);
    ck_assert_ptr_nonnull(strstr(sk_vec_get(&d->levels[0].failure_details, 0), "not decided"));
    tcp_free(t);
    profiler_summary_done(&sum);
    /* infra rows are not reused: a later run retries them */
    s.infra_always = false;
    o.force = false;
    s.calls = 0;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert_int_eq(s.calls, 6);
    ck_assert_int_eq(tcp_level(t, "tool.file.read"), 3);
    ck_assert(!t->is_partial);
    tcp_free(t);
    profiler_summary_done(&sum);
    script_done(&s);
}
END_TEST

START_TEST(test_cancel_then_resume)
{
    const char *home = tl_fresh_home();
    Script s;
    script_init(&s);
    s.good[0] = "tool.file.read:1";
    volatile int cancel = 0;
    s.cancel_after_flag = &cancel;
    s.cancel_after = 5;
    ProfilerOptions o;
    opts_for(&o, &s, home, "m/cancel");
    o.cancel = &cancel;
    o.concurrency = 2;
    Tcp *t = NULL;
    ProfilerSummary sum;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert(sum.cancelled);
    ck_assert(sum.partial);
    ck_assert(t->is_partial);
    int first = sum.instances_run;
    ck_assert_int_ge(first, 5);
    ck_assert_int_le(first, 7);
    tcp_free(t);
    profiler_summary_done(&sum);
    /* the same command again finishes the rest */
    cancel = 0;
    s.cancel_after_flag = NULL;
    s.calls = 0;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert(!sum.partial);
    ck_assert_int_eq(sum.instances_reused, first);
    ck_assert_int_eq(s.calls, 30 - first);
    ck_assert_int_eq(tcp_level(t, "tool.file.read"), 1);
    tcp_free(t);
    profiler_summary_done(&sum);
    script_done(&s);
}
END_TEST

START_TEST(test_tainted_runs_fail)
{
    const char *home = tl_fresh_home();
    Script s;
    script_init(&s);
    s.good[0] = "tool.file.read:1";
    s.taint = true;
    ProfilerOptions o;
    opts_for(&o, &s, home, "m/taint");
    o.primitives = (const char *[]){"tool.file.read"};
    o.nprimitives = 1;
    o.instances = 1;
    o.db_path = ""; /* no store */
    Tcp *t = NULL;
    ProfilerSummary sum;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, NULL), SK_OK);
    ck_assert_int_eq(tcp_level(t, "tool.file.read"), 0);
    const TcpDetail *d = tcp_detail(t, "tool.file.read");
    ck_assert_ptr_nonnull(strstr(sk_vec_get(&d->levels[0].failure_details, 0), "tainted"));
    tcp_free(t);
    profiler_summary_done(&sum);
    script_done(&s);
}
END_TEST

typedef struct Progress {
    pthread_mutex_t mu;
    int progress, end;
    double last_cost;
} Progress;

static void on_event(const TraceEvent *ev, void *ud)
{
    Progress *p = ud;
    pthread_mutex_lock(&p->mu);
    if (ev->kind == TRACE_JOB_PROGRESS) {
        p->progress++;
        ck_assert_ptr_nonnull(json_object_get(ev->data, "primitive"));
        ck_assert_ptr_nonnull(json_object_get(ev->data, "level"));
        ck_assert_ptr_nonnull(json_object_get(ev->data, "status"));
        p->last_cost = js_num(ev->data, "cost_usd", -1);
    } else if (ev->kind == TRACE_JOB_END) {
        p->end++;
    }
    pthread_mutex_unlock(&p->mu);
}

START_TEST(test_concurrency_and_progress)
{
    const char *home = tl_fresh_home();
    Script s;
    script_init(&s);
    s.good[0] = "gen.regex:1";
    s.good[1] = "tool.web:3";
    TraceBus *bus = trace_bus_new();
    Progress p = {.progress = 0};
    pthread_mutex_init(&p.mu, NULL);
    trace_bus_add_listener(bus, on_event, &p);
    ProfilerOptions o;
    opts_for(&o, &s, home, "m/conc");
    o.concurrency = 8;
    o.bus = bus;
    o.db_path = "";
    Tcp *a = NULL, *b = NULL;
    ProfilerSummary sa, sb;
    ck_assert_int_eq(profiler_run(&o, &a, &sa, NULL), SK_OK);
    ck_assert_int_eq(p.progress, 30);
    ck_assert_int_eq(p.end, 1);
    ck_assert(p.last_cost > 0.02);
    o.concurrency = 1;
    o.bus = NULL;
    ck_assert_int_eq(profiler_run(&o, &b, &sb, NULL), SK_OK);
    for (size_t i = 0; i < SK_ARRAY_LEN(fast); i++)
        ck_assert_int_eq(tcp_level(a, fast[i]), tcp_level(b, fast[i]));
    ck_assert_int_eq(tcp_level(a, "gen.regex"), 1);
    ck_assert_int_eq(tcp_level(a, "tool.web"), 3);
    tcp_free(a);
    tcp_free(b);
    profiler_summary_done(&sa);
    profiler_summary_done(&sb);
    trace_bus_free(bus);
    pthread_mutex_destroy(&p.mu);
    script_done(&s);
}
END_TEST

START_TEST(test_decision_rules_and_errors)
{
    ck_assert(profiler_level_passed(3, 3, 0));
    ck_assert(!profiler_level_passed(2, 3, 0));
    ck_assert(profiler_level_passed(2, 3, 1));
    ck_assert(!profiler_level_passed(0, 3, 3)); /* all skipped: not passed */
    ck_assert(!profiler_level_passed(0, 0, 0));
    bool p1[3] = {true, false, true}, dec[3] = {true, true, true};
    char *inv = NULL;
    ck_assert_int_eq(profiler_highest_level(p1, dec, &inv), 3);
    ck_assert_str_eq(inv, "L3 passed but L2 failed");
    free(inv);
    bool p2[3] = {false, false, false};
    ck_assert_int_eq(profiler_highest_level(p2, dec, &inv), 0);
    ck_assert_ptr_null(inv);
    bool p3[3] = {true, true, false}, dec3[3] = {true, false, true};
    ck_assert_int_eq(profiler_highest_level(p3, dec3, &inv), 1);
    ck_assert_ptr_null(inv);
    ck_assert(profiler_instance_seed(1, "gen.regex", 1, 0) != profiler_instance_seed(1, "gen.regex", 1, 1));
    ck_assert(profiler_instance_seed(1, "gen.regex", 1, 0) < (1ULL << 53));

    Script s;
    script_init(&s);
    ProfilerOptions o;
    opts_for(&o, &s, tl_fresh_home(), "m/err");
    o.primitives = (const char *[]){"gen.nope"};
    o.nprimitives = 1;
    Tcp *t = NULL;
    ProfilerSummary sum;
    SkError err = {0};
    ck_assert_int_eq(profiler_run(&o, &t, &sum, &err), SK_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "gen.nope"));
    o.primitives = (const char *[]){"gen.regex", "gen.regex"};
    o.nprimitives = 2;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, &err), SK_ERR_INVALID);
    o.model = NULL;
    ck_assert_int_eq(profiler_run(&o, &t, &sum, &err), SK_ERR_INVALID);
    script_done(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("profiler");
    TCase *tc = tcase_create("profiler");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_decision_rules_and_errors);
    tcase_add_test(tc, test_levels_match_script);
    tcase_add_test(tc, test_resume_and_force);
    tcase_add_test(tc, test_infra_never_a_capability_failure);
    tcase_add_test(tc, test_tainted_runs_fail);
    tcase_add_test(tc, test_cancel_then_resume);
    tcase_add_test(tc, test_concurrency_and_progress);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
