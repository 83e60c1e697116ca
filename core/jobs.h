/* jobs.h: background jobs (an agent run, a chat request, a profile run, a compile) on a
 * small pool of worker threads. A job is plain sequential code; it reports through the
 * trace bus (TRACE_JOB_PROGRESS while it works, TRACE_JOB_END when it ends) and checks its
 * cancel flag between steps (pass job_cancel_flag() to the LLM and agent layers).
 * The UI never blocks on a job; it polls the bus's descriptor. */
#ifndef SKVM_CORE_JOBS_H
#define SKVM_CORE_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/trace.h"
#include "core/util.h"

typedef struct Jobs Jobs;
typedef struct Job Job;

typedef enum JobState {
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_DONE,
    JOB_FAILED,
    JOB_CANCELLED,
} JobState;

/* The work. Runs on a worker thread. Return SK_OK or an error (ERR filled); return
 * SK_ERR_CANCELLED when it stopped because job_cancelled() became true. */
typedef SkStatus (*JobFn)(Job *job, void *ud, SkError *err);

/* A pool of WORKERS threads (>= 1) publishing on BUS (borrowed; may be NULL). */
Jobs *jobs_new(int workers, TraceBus *bus);
/* Cancel every job, wait for the workers, free everything (NULL is a no-op). */
void jobs_free(Jobs *jobs);
/* Queue FN(job, UD). KIND ("run", "chat", "profile", "compile") and LABEL are copied;
 * FREE_UD (may be NULL) is called on UD after the job ends. The returned handle is owned by
 * the pool and valid until jobs_free(). */
Job *jobs_submit(Jobs *jobs, const char *kind, const char *label, JobFn fn, void *ud,
                 void (*free_ud)(void *));
/* Jobs queued or running (the workbench waits for 0 before consuming scripted input). */
size_t jobs_active(Jobs *jobs);
/* Jobs queued or running that hold scripted input (all of them unless a job called
 * job_release_script). The workbench consumes scripted steps only when this is 0. */
size_t jobs_holding_script(Jobs *jobs);
/* Block until no job is queued or running, or TIMEOUT_MS passes (-1: forever). Returns
 * true when idle. For tests and headless commands. */
bool jobs_wait_idle(Jobs *jobs, int timeout_ms);

const char *job_id(const Job *job);   /* "job-<n>" */
const char *job_kind(const Job *job);
const char *job_label(const Job *job);
JobState job_state(const Job *job);
const char *job_state_name(JobState s); /* "queued", "running", ... */
/* The error message of a failed job ("" otherwise). Borrowed; valid once the job ended. */
const char *job_error(const Job *job);
/* Ask the job to stop (it sees job_cancelled() become true). */
void job_cancel(Job *job);
bool job_cancelled(const Job *job);
/* The flag the LLM and agent layers poll (volatile int *; non-zero = cancel). */
volatile int *job_cancel_flag(Job *job);
/* Publish TRACE_JOB_PROGRESS {job, kind, fraction 0..1 (negative = unknown), text}. */
void job_progress(Job *job, double fraction, const char *fmt, ...) ATTR_FORMAT(3, 4);
/* Let scripted input through while this job goes on (a streaming chat started with
 * `:chat-bg` or a run started with `:run-bg` once the reply starts, so a test script can
 * press Esc mid-stream). Thread-safe.
 * job_cancel() makes the job hold scripted input again until it has stopped. */
void job_release_script(Job *job);
/* The bus the job publishes on (may be NULL). */
TraceBus *job_bus(Job *job);

#endif
