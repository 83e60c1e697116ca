/* test_jobs.c: the background job pool (real threads, the real trace bus). */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/jobs.h"
#include "tests/testlib.h"

/* A listener collecting job events (runs on worker threads). */
typedef struct Rec {
    pthread_mutex_t mu;
    int progress, ends;
    char last_end_state[32];
    char last_end_error[256];
    char last_progress[256];
    double last_fraction;
    bool end_before_progress; /* a progress event of a job arrived after its end */
    char ended[64][16];
    int n_ended;
} Rec;

static void rec_listener(const TraceEvent *ev, void *ud)
{
    Rec *r = ud;
    pthread_mutex_lock(&r->mu);
    if (ev->kind == TRACE_JOB_PROGRESS) {
        r->progress++;
        snprintf(r->last_progress, sizeof r->last_progress, "%s", ev->text ? ev->text : "");
        r->last_fraction = json_real_value(json_object_get(ev->data, "fraction"));
        for (int i = 0; i < r->n_ended; i++)
            if (ev->run_id && strcmp(r->ended[i], ev->run_id) == 0)
                r->end_before_progress = true;
    } else if (ev->kind == TRACE_JOB_END) {
        r->ends++;
        snprintf(r->last_end_state, sizeof r->last_end_state, "%s",
                 json_string_value(json_object_get(ev->data, "state")));
        const char *e = json_string_value(json_object_get(ev->data, "error"));
        snprintf(r->last_end_error, sizeof r->last_end_error, "%s", e ? e : "");
        if (r->n_ended < 64 && ev->run_id)
            snprintf(r->ended[r->n_ended++], 16, "%s", ev->run_id);
    }
    pthread_mutex_unlock(&r->mu);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static SkStatus job_steps(Job *job, void *ud, SkError *err)
{
    (void)err;
    int *n = ud;
    for (int i = 0; i < *n; i++)
        job_progress(job, (double)(i + 1) / *n, "step %d of %d", i + 1, *n);
    return SK_OK;
}

START_TEST(test_submit_progress_end)
{
    TraceBus *bus = trace_bus_new();
    trace_bus_enable_queue(bus, true);
    Rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    trace_bus_add_listener(bus, rec_listener, &r);
    Jobs *jobs = jobs_new(2, bus);
    int n = 3;
    Job *j = jobs_submit(jobs, "run", "three steps", job_steps, &n, NULL);
    ck_assert_str_eq(job_id(j), "job-1");
    ck_assert_str_eq(job_kind(j), "run");
    ck_assert_str_eq(job_label(j), "three steps");
    ck_assert_ptr_eq(job_bus(j), bus);
    ck_assert(jobs_wait_idle(jobs, 5000));
    ck_assert_int_eq(jobs_active(jobs), 0);
    ck_assert_int_eq(job_state(j), JOB_DONE);
    ck_assert_str_eq(job_state_name(job_state(j)), "done");
    ck_assert_str_eq(job_error(j), "");
    ck_assert_int_eq(r.progress, 3);
    ck_assert_str_eq(r.last_progress, "step 3 of 3");
    ck_assert(r.last_fraction > 0.99 && r.last_fraction <= 1.0);
    ck_assert_int_eq(r.ends, 1);
    ck_assert_str_eq(r.last_end_state, "done");

    /* The UI queue got the same events, in order, and the descriptor woke up. */
    SkVec evs;
    sk_vec_init(&evs, (SkFreeFn)trace_event_free);
    ck_assert_uint_eq(trace_bus_drain(bus, &evs), 4);
    for (size_t i = 0; i < 3; i++) {
        TraceEvent *ev = evs.items[i];
        ck_assert_int_eq(ev->kind, TRACE_JOB_PROGRESS);
        ck_assert_str_eq(ev->run_id, "job-1");
        ck_assert_str_eq(json_string_value(json_object_get(ev->data, "kind")), "run");
    }
    ck_assert_int_eq(((TraceEvent *)evs.items[3])->kind, TRACE_JOB_END);
    sk_vec_done(&evs);
    jobs_free(jobs);
    trace_bus_free(bus);
}
END_TEST

static SkStatus job_fail(Job *job, void *ud, SkError *err)
{
    (void)job;
    (void)ud;
    return sk_error_set(err, SK_ERR_CONFIG, "no model is configured for role target");
}

static SkStatus job_fail_silent(Job *job, void *ud, SkError *err)
{
    (void)job;
    (void)ud;
    (void)err;
    return SK_ERR_NETWORK;
}

static atomic_int freed;
static void count_free(void *p)
{
    (void)p;
    atomic_fetch_add(&freed, 1);
}

START_TEST(test_failure_message)
{
    TraceBus *bus = trace_bus_new();
    Rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    trace_bus_add_listener(bus, rec_listener, &r);
    Jobs *jobs = jobs_new(1, bus);
    atomic_store(&freed, 0);
    Job *a = jobs_submit(jobs, "chat", "hello", job_fail, NULL, count_free);
    ck_assert(jobs_wait_idle(jobs, 5000));
    ck_assert_int_eq(job_state(a), JOB_FAILED);
    ck_assert_str_eq(job_error(a), "no model is configured for role target");
    ck_assert_str_eq(r.last_end_state, "failed");
    ck_assert_str_eq(r.last_end_error, "no model is configured for role target");
    ck_assert_int_eq(atomic_load(&freed), 1);

    /* No message in ERR: the status's own message. */
    Job *b = jobs_submit(jobs, "chat", "x", job_fail_silent, NULL, NULL);
    ck_assert(jobs_wait_idle(jobs, 5000));
    ck_assert_int_eq(job_state(b), JOB_FAILED);
    ck_assert_str_eq(job_error(b), sk_status_message(SK_ERR_NETWORK));
    ck_assert_str_eq(job_id(b), "job-2");
    jobs_free(jobs);
    trace_bus_free(bus);
}
END_TEST

/* Spins until cancelled, polling the flag the LLM layer would poll. */
typedef struct Spin {
    atomic_int started;
    atomic_int iterations;
} Spin;

static SkStatus job_spin(Job *job, void *ud, SkError *err)
{
    Spin *s = ud;
    atomic_store(&s->started, 1);
    volatile int *flag = job_cancel_flag(job);
    for (int i = 0; i < 20000; i++) {
        if (*flag)
            return sk_error_set(err, SK_ERR_CANCELLED, "stopped at %d", i);
        atomic_fetch_add(&s->iterations, 1);
        sleep_ms(1);
    }
    return SK_OK;
}

START_TEST(test_cancel_running_and_queued)
{
    TraceBus *bus = trace_bus_new();
    Rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    trace_bus_add_listener(bus, rec_listener, &r);
    Jobs *jobs = jobs_new(1, bus);
    Spin s1 = {0}, s2 = {0};
    atomic_store(&freed, 0);
    Job *a = jobs_submit(jobs, "run", "spinner", job_spin, &s1, count_free);
    Job *b = jobs_submit(jobs, "run", "waiting", job_spin, &s2, count_free);
    for (int i = 0; i < 2000 && !atomic_load(&s1.started); i++)
        sleep_ms(1);
    ck_assert(atomic_load(&s1.started));
    ck_assert_int_eq(job_state(a), JOB_RUNNING);
    ck_assert_int_eq(job_state(b), JOB_QUEUED); /* one worker: b waits behind a */
    ck_assert_int_eq(jobs_active(jobs), 2);
    ck_assert(!jobs_wait_idle(jobs, 50)); /* times out while a spins */

    job_cancel(b); /* cancelled before it ever runs */
    ck_assert(job_cancelled(b));
    job_cancel(a);
    ck_assert(jobs_wait_idle(jobs, 5000));
    ck_assert_int_eq(job_state(a), JOB_CANCELLED);
    ck_assert_int_eq(job_state(b), JOB_CANCELLED);
    ck_assert_str_eq(job_error(a), ""); /* cancelling is not a failure */
    ck_assert_int_eq(atomic_load(&s2.started), 0);
    ck_assert(atomic_load(&s1.iterations) < 20000);
    ck_assert_int_eq(atomic_load(&freed), 2);
    ck_assert_int_eq(r.ends, 2);
    ck_assert_str_eq(r.last_end_state, "cancelled");
    jobs_free(jobs);
    trace_bus_free(bus);
}
END_TEST

START_TEST(test_free_cancels_running)
{
    TraceBus *bus = trace_bus_new();
    Jobs *jobs = jobs_new(2, bus);
    Spin s = {0};
    atomic_store(&freed, 0);
    jobs_submit(jobs, "run", "spinner", job_spin, &s, count_free);
    for (int i = 0; i < 2000 && !atomic_load(&s.started); i++)
        sleep_ms(1);
    int64_t t0 = sk_wall_ms();
    jobs_free(jobs); /* must not wait the 20 s the job would take */
    ck_assert(sk_wall_ms() - t0 < 3000);
    ck_assert_int_eq(atomic_load(&freed), 1);
    trace_bus_free(bus);
    jobs_free(NULL);
}
END_TEST

static SkStatus job_count(Job *job, void *ud, SkError *err)
{
    (void)err;
    atomic_int *c = ud;
    job_progress(job, -1, "working");
    sleep_ms(1);
    atomic_fetch_add(c, 1);
    return SK_OK;
}

START_TEST(test_many_jobs)
{
    TraceBus *bus = trace_bus_new();
    Rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    trace_bus_add_listener(bus, rec_listener, &r);
    Jobs *jobs = jobs_new(4, bus);
    atomic_int count = 0;
    Job *js[200];
    for (int i = 0; i < 200; i++) {
        char label[32];
        snprintf(label, sizeof label, "n%d", i);
        js[i] = jobs_submit(jobs, "compile", label, job_count, &count, NULL);
    }
    ck_assert(jobs_wait_idle(jobs, 20000));
    ck_assert_int_eq(atomic_load(&count), 200);
    ck_assert_int_eq(r.progress, 200);
    ck_assert_int_eq(r.ends, 200);
    ck_assert(!r.end_before_progress);
    ck_assert(r.last_fraction < 0);
    for (int i = 0; i < 200; i++) {
        ck_assert_int_eq(job_state(js[i]), JOB_DONE);
        char id[32];
        snprintf(id, sizeof id, "job-%d", i + 1);
        ck_assert_str_eq(job_id(js[i]), id);
    }
    jobs_free(jobs);
    trace_bus_free(bus);
}
END_TEST

/* Without a bus, a job still runs and progress is a no-op. */
START_TEST(test_no_bus)
{
    Jobs *jobs = jobs_new(0, NULL); /* clamped to one worker */
    int n = 2;
    Job *j = jobs_submit(jobs, "profile", NULL, job_steps, &n, NULL);
    ck_assert(jobs_wait_idle(jobs, 5000));
    ck_assert_int_eq(job_state(j), JOB_DONE);
    ck_assert_str_eq(job_label(j), "");
    ck_assert_ptr_null(job_bus(j));
    ck_assert(jobs_wait_idle(jobs, -1));
    jobs_free(jobs);
}
END_TEST

/* The end event is published before the pool reports idle (the workbench relies on it). */
typedef struct EndCheck {
    Jobs *jobs;
    atomic_int idle_at_end;
} EndCheck;

static void check_active_listener(const TraceEvent *ev, void *ud)
{
    EndCheck *c = ud;
    if (ev->kind == TRACE_JOB_END && jobs_active(c->jobs) == 0)
        atomic_store(&c->idle_at_end, 1);
}

START_TEST(test_end_before_idle)
{
    TraceBus *bus = trace_bus_new();
    EndCheck c = {0};
    c.jobs = jobs_new(2, bus);
    trace_bus_add_listener(bus, check_active_listener, &c);
    int n = 1;
    for (int i = 0; i < 20; i++) {
        jobs_submit(c.jobs, "chat", "x", job_steps, &n, NULL);
        ck_assert(jobs_wait_idle(c.jobs, 5000));
    }
    ck_assert_int_eq(atomic_load(&c.idle_at_end), 0);
    jobs_free(c.jobs);
    trace_bus_free(bus);
}
END_TEST

START_TEST(test_release_script)
{
    Jobs *jobs = jobs_new(1, NULL);
    Spin s1 = {0};
    int n = 1;
    Job *a = jobs_submit(jobs, "chat", "stream", job_spin, &s1, NULL);
    Job *b = jobs_submit(jobs, "chat", "next", job_steps, &n, NULL);
    for (int i = 0; i < 2000 && !atomic_load(&s1.started); i++)
        sleep_ms(1);
    ck_assert_uint_eq(jobs_holding_script(jobs), 2);
    job_release_script(a);
    job_release_script(a);                           /* counted once */
    ck_assert_uint_eq(jobs_holding_script(jobs), 1); /* b still holds */
    ck_assert_uint_eq(jobs_active(jobs), 2);
    job_cancel(a); /* holds again until it stopped */
    ck_assert(jobs_holding_script(jobs) >= 1);
    ck_assert(jobs_wait_idle(jobs, 5000));
    ck_assert_uint_eq(jobs_holding_script(jobs), 0);
    ck_assert_int_eq(job_state(b), JOB_DONE);
    job_release_script(b); /* ended: no effect */
    ck_assert_uint_eq(jobs_holding_script(jobs), 0);
    ck_assert_uint_eq(jobs_holding_script(NULL), 0);
    jobs_free(jobs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jobs");
    TCase *tc = tcase_create("jobs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_submit_progress_end);
    tcase_add_test(tc, test_failure_message);
    tcase_add_test(tc, test_cancel_running_and_queued);
    tcase_add_test(tc, test_free_cancels_running);
    tcase_add_test(tc, test_many_jobs);
    tcase_add_test(tc, test_no_bus);
    tcase_add_test(tc, test_end_before_idle);
    tcase_add_test(tc, test_release_script);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
