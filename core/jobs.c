/* jobs.c: background jobs on a small pool of worker threads.
 *
 * One mutex guards the pool: the FIFO of queued jobs, every job's state and error, and the
 * count of active (queued or running) jobs. A job's cancel flag is a plain volatile int the
 * LLM and agent layers poll without the lock. The active count drops only after the job's
 * TRACE_JOB_END event is published, so a UI that waits for "no active job and no pending
 * event" never misses the end of a job. */
#include "core/jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

struct Job {
    Jobs *pool;
    char id[32];
    char *kind;
    char *label;
    JobFn fn;
    void *ud;
    void (*free_ud)(void *);
    JobState state;
    char *error;
    volatile int cancel;
    bool released; /* no longer holds scripted input */
    Job *next_queued;
};

struct Jobs {
    TraceBus *bus;
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* a job was queued or the pool stops */
    pthread_cond_t idle_cv; /* active dropped to 0 */
    Job *head, *tail;       /* queued jobs, FIFO */
    SkVec all;              /* Job *, every job ever submitted (owned) */
    size_t active;          /* queued + running */
    size_t released;        /* active jobs that called job_release_script */
    unsigned next_id;
    bool stop;
    pthread_t *threads;
    int n_threads;
};

static void job_free(void *p)
{
    Job *job = p;
    if (!job)
        return;
    free(job->kind);
    free(job->label);
    free(job->error);
    free(job);
}

static void jobs_publish_end(Jobs *jobs, Job *job, JobState st, const char *error)
{
    if (!jobs->bus)
        return;
    json_t *d = json_pack("{s:s,s:s,s:s,s:s}", "job", job->id, "kind", job->kind, "label",
                          job->label, "state", job_state_name(st));
    if (error && *error)
        json_object_set_new(d, "error", json_string(error));
    trace_bus_publish(jobs->bus, trace_event_new(TRACE_JOB_END, job->id, -1,
                                                 error && *error ? error : job_state_name(st), d));
}

/* Mark JOB ended (lock held by nobody), publish its end, then drop the active count. */
static void jobs_finish(Jobs *jobs, Job *job, JobState st, const char *error)
{
    if (job->free_ud) {
        job->free_ud(job->ud);
        job->free_ud = NULL;
    }
    job->ud = NULL;
    pthread_mutex_lock(&jobs->mu);
    job->state = st;
    free(job->error);
    job->error = sk_strdup(error ? error : "");
    pthread_mutex_unlock(&jobs->mu);

    jobs_publish_end(jobs, job, st, error);

    pthread_mutex_lock(&jobs->mu);
    if (jobs->active > 0)
        jobs->active--;
    if (job->released && jobs->released > 0)
        jobs->released--;
    job->released = false;
    if (jobs->active == 0)
        pthread_cond_broadcast(&jobs->idle_cv);
    pthread_mutex_unlock(&jobs->mu);
}

static void *jobs_worker(void *arg)
{
    Jobs *jobs = arg;
    for (;;) {
        pthread_mutex_lock(&jobs->mu);
        while (!jobs->stop && !jobs->head)
            pthread_cond_wait(&jobs->work_cv, &jobs->mu);
        if (!jobs->head) { /* stopping and nothing queued */
            pthread_mutex_unlock(&jobs->mu);
            return NULL;
        }
        Job *job = jobs->head;
        jobs->head = job->next_queued;
        if (!jobs->head)
            jobs->tail = NULL;
        job->next_queued = NULL;
        bool skip = job->cancel || jobs->stop;
        if (!skip)
            job->state = JOB_RUNNING;
        pthread_mutex_unlock(&jobs->mu);

        if (skip) {
            jobs_finish(jobs, job, JOB_CANCELLED, NULL);
            continue;
        }
        SkError err = {0};
        SkStatus rc = job->fn(job, job->ud, &err);
        if (rc == SK_OK) {
            jobs_finish(jobs, job, JOB_DONE, NULL);
        } else if (rc == SK_ERR_CANCELLED || (job->cancel && rc != SK_OK)) {
            jobs_finish(jobs, job, JOB_CANCELLED, NULL);
        } else {
            const char *msg = err.msg[0] ? err.msg : sk_status_message(rc);
            jobs_finish(jobs, job, JOB_FAILED, msg);
        }
    }
}

Jobs *jobs_new(int workers, TraceBus *bus)
{
    if (workers < 1)
        workers = 1;
    Jobs *jobs = sk_calloc(1, sizeof *jobs);
    jobs->bus = bus;
    pthread_mutex_init(&jobs->mu, NULL);
    pthread_cond_init(&jobs->work_cv, NULL);
    pthread_cond_init(&jobs->idle_cv, NULL);
    sk_vec_init(&jobs->all, job_free);
    jobs->threads = sk_calloc((size_t)workers, sizeof *jobs->threads);
    for (int i = 0; i < workers; i++) {
        int rc = pthread_create(&jobs->threads[i], NULL, jobs_worker, jobs);
        if (rc != 0) {
            if (i == 0)
                sk_die("jobs: cannot start a worker thread: %s", strerror(rc));
            sk_log(SK_LOG_WARN, "jobs: started %d of %d workers: %s", i, workers, strerror(rc));
            break;
        }
        jobs->n_threads++;
    }
    return jobs;
}

void jobs_free(Jobs *jobs)
{
    if (!jobs)
        return;
    pthread_mutex_lock(&jobs->mu);
    jobs->stop = true;
    for (size_t i = 0; i < jobs->all.len; i++)
        ((Job *)jobs->all.items[i])->cancel = 1;
    pthread_cond_broadcast(&jobs->work_cv);
    pthread_mutex_unlock(&jobs->mu);
    for (int i = 0; i < jobs->n_threads; i++)
        pthread_join(jobs->threads[i], NULL);
    free(jobs->threads);
    sk_vec_done(&jobs->all);
    pthread_cond_destroy(&jobs->idle_cv);
    pthread_cond_destroy(&jobs->work_cv);
    pthread_mutex_destroy(&jobs->mu);
    free(jobs);
}

Job *jobs_submit(Jobs *jobs, const char *kind, const char *label, JobFn fn, void *ud,
                 void (*free_ud)(void *))
{
    Job *job = sk_calloc(1, sizeof *job);
    job->pool = jobs;
    job->kind = sk_strdup(kind ? kind : "job");
    job->label = sk_strdup(label ? label : "");
    job->fn = fn;
    job->ud = ud;
    job->free_ud = free_ud;
    job->state = JOB_QUEUED;
    job->error = sk_strdup("");
    pthread_mutex_lock(&jobs->mu);
    snprintf(job->id, sizeof job->id, "job-%u", ++jobs->next_id);
    sk_vec_push(&jobs->all, job);
    if (jobs->stop) {
        /* Submitted during shutdown: never runs. */
        job->cancel = 1;
    }
    if (jobs->tail)
        jobs->tail->next_queued = job;
    else
        jobs->head = job;
    jobs->tail = job;
    jobs->active++;
    pthread_cond_signal(&jobs->work_cv);
    pthread_mutex_unlock(&jobs->mu);
    return job;
}

size_t jobs_active(Jobs *jobs)
{
    if (!jobs)
        return 0;
    pthread_mutex_lock(&jobs->mu);
    size_t n = jobs->active;
    pthread_mutex_unlock(&jobs->mu);
    return n;
}

size_t jobs_holding_script(Jobs *jobs)
{
    if (!jobs)
        return 0;
    pthread_mutex_lock(&jobs->mu);
    size_t n = jobs->active - jobs->released;
    pthread_mutex_unlock(&jobs->mu);
    return n;
}

void job_release_script(Job *job)
{
    Jobs *jobs = job->pool;
    pthread_mutex_lock(&jobs->mu);
    if (!job->released && (job->state == JOB_QUEUED || job->state == JOB_RUNNING)) {
        job->released = true;
        jobs->released++;
    }
    pthread_mutex_unlock(&jobs->mu);
}

bool jobs_wait_idle(Jobs *jobs, int timeout_ms)
{
    if (!jobs)
        return true;
    struct timespec deadline;
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&jobs->mu);
    while (jobs->active > 0) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&jobs->idle_cv, &jobs->mu);
        } else if (pthread_cond_timedwait(&jobs->idle_cv, &jobs->mu, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    bool idle = jobs->active == 0;
    pthread_mutex_unlock(&jobs->mu);
    return idle;
}

const char *job_id(const Job *job)
{
    return job->id;
}

const char *job_kind(const Job *job)
{
    return job->kind;
}

const char *job_label(const Job *job)
{
    return job->label;
}

JobState job_state(const Job *job)
{
    pthread_mutex_lock(&job->pool->mu);
    JobState s = job->state;
    pthread_mutex_unlock(&job->pool->mu);
    return s;
}

const char *job_state_name(JobState s)
{
    switch (s) {
    case JOB_QUEUED:
        return "queued";
    case JOB_RUNNING:
        return "running";
    case JOB_DONE:
        return "done";
    case JOB_FAILED:
        return "failed";
    case JOB_CANCELLED:
        return "cancelled";
    }
    return "unknown";
}

const char *job_error(const Job *job)
{
    pthread_mutex_lock(&job->pool->mu);
    const char *e = job->state == JOB_FAILED ? job->error : "";
    pthread_mutex_unlock(&job->pool->mu);
    return e;
}

void job_cancel(Job *job)
{
    if (!job)
        return;
    job->cancel = 1;
    /* A released job holds scripted input again until it has stopped. */
    Jobs *jobs = job->pool;
    pthread_mutex_lock(&jobs->mu);
    if (job->released) {
        job->released = false;
        if (jobs->released > 0)
            jobs->released--;
    }
    pthread_mutex_unlock(&jobs->mu);
}

bool job_cancelled(const Job *job)
{
    return job->cancel != 0;
}

volatile int *job_cancel_flag(Job *job)
{
    return &job->cancel;
}

void job_progress(Job *job, double fraction, const char *fmt, ...)
{
    TraceBus *bus = job->pool->bus;
    if (!bus)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *text = sk_vasprintf(fmt, ap);
    va_end(ap);
    json_t *d = json_pack("{s:s,s:s,s:f,s:s}", "job", job->id, "kind", job->kind, "fraction",
                          fraction > 1.0 ? 1.0 : fraction, "text", text);
    trace_bus_publish(bus, trace_event_new(TRACE_JOB_PROGRESS, job->id, -1, text, d));
    free(text);
}

TraceBus *job_bus(Job *job)
{
    return job->pool->bus;
}
