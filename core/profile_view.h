/* profile_view.h: what the workbench's profile pane shows beyond the TCP itself: the failed
 * instances of one primitive at one level (prompt, the model's conversation, checkpoints),
 * whether a model can be profiled from here (its route), and the background job that runs
 * the profiler for the workbench.
 *
 * Failed instances come, in this order of preference, from
 *   1. the store's profile_instances rows of the model and harness (our own profiler runs):
 *      the prompt is regenerated from the recorded seed, the checkpoints come from the row,
 *      the conversation from the agent run's conversation.jsonl;
 *   2. failure-reports.json beside the profile file (the reference's shipped reports):
 *      evalDetails "name: score (reason); ..." become checkpoints, steps the conversation;
 *   3. the profile's failureDetails strings (one entry per string, no conversation). */
#ifndef SKVM_CORE_PROFILE_VIEW_H
#define SKVM_CORE_PROFILE_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/jobs.h"
#include "core/tcp.h"
#include "core/util.h"

typedef struct ProfileViewCheckpoint {
    char *name;
    double score; /* 0..1; < 0 when unknown */
    char *reason; /* may be NULL */
    bool failed;
} ProfileViewCheckpoint;

typedef struct ProfileViewMessage {
    char *role; /* "user", "assistant", "tool call", "tool result", "error", "final" */
    char *text;
} ProfileViewMessage;

typedef enum ProfileViewSource {
    PROFILE_VIEW_STORE,
    PROFILE_VIEW_REPORTS,
    PROFILE_VIEW_DETAILS,
} ProfileViewSource;

typedef struct ProfileViewInstance {
    ProfileViewSource source;
    int instance;            /* 0-based; -1 when unknown */
    uint64_t seed;           /* store rows only */
    char *status;            /* "fail", "infra", "skip" */
    char *prompt;            /* NULL when not recorded */
    char *summary;           /* one-line reason (failureDetails string, summary, evalDetails) */
    SkVec checkpoints;       /* ProfileViewCheckpoint *, owned */
    SkVec conversation;      /* ProfileViewMessage *, owned */
    char *conversation_path; /* NULL when none */
    char *run_id;            /* NULL when none */
    char *artifact;          /* kept work dir of the failed attempt; NULL when none */
    double cost_usd, duration_ms;
} ProfileViewInstance;

void profile_view_instance_free(ProfileViewInstance *in);
const char *profile_view_source_name(ProfileViewSource s); /* "store", ... */

/* Failed (not passed) instances of PRIMITIVE at LEVEL (1..3) for the model and harness of
 * T, appended to OUT (a vector freeing with profile_view_instance_free). DB_PATH: NULL for
 * $SKVM_HOME/skvm.db, "" for no store. Never fails: unreadable sources are skipped. */
void profile_view_failures(const Tcp *t, const char *primitive, int level, const char *db_path,
                           SkVec *out);

/* Parse a conversation.jsonl (runlog.h) into messages appended to OUT. */
SkStatus profile_view_conversation(const char *path, SkVec *out, SkError *err);

/* Can MODEL be profiled from here? SK_OK when config.yaml (or a built-in route) routes it
 * and its key is available; else SK_ERR_CONFIG with a message saying how to add a route.
 * HOME NULL: sk_home_dir(). */
SkStatus profile_view_check_route(const char *model, const char *home, SkError *err);

/* A profiling run for jobs_submit(): the options are copied by profile_view_run_new. */
typedef struct ProfileViewRun ProfileViewRun;
ProfileViewRun *profile_view_run_new(const char *model, const char *harness,
                                     const char *const *primitives, size_t nprimitives,
                                     int instances, uint64_t seed);
void profile_view_run_free(void *run); /* free_ud of jobs_submit */
/* JobFn: runs profiler_run through the agent loop, publishing on job_bus(JOB), cancelled
 * by job_cancel(). */
SkStatus profile_view_run_job(Job *job, void *ud, SkError *err);

#endif
