/* profiler.h: run a capability profile of one model (through one harness) over the
 * primitives, levels and seeded instances of probe.h, decide each level, and write the
 * profile (TCP, reference layout) plus per-instance records in the store.
 *
 * Who answers an instance is pluggable (ProfilerAnswerFn): the real one runs the agent
 * loop (profiler_agent_answer); tests drive deterministic ones. An instance passes when all
 * its checkpoints pass; a level passes when every non-skipped instance passes (and at least
 * one was not skipped); the highest passing level is reported as the reference does, and
 * level inversions (a higher level passing while a lower one fails) are flagged in the
 * detail's calibrationNote. Infrastructure failures (the model service failing) are retried
 * and, when they persist, reported: they never count as a capability failure; the profile
 * is then saved as partial.
 *
 * Resume: every decided instance is recorded in profile_instances keyed by (model, harness,
 * primitive, level, instance, seed); a later run with the same base seed reuses those rows
 * and runs only what is missing. --force ignores recorded rows (for the chosen primitives
 * when a list is given). With a primitive list, the saved profile keeps the details of the
 * other primitives from the existing latest.json.
 *
 * Events on the bus (run id = the job id):
 *   run.start     data {model, harness, total, instances, seed}
 *   job.progress  one per decided instance: data {model, primitive, level, instance (0-based),
 *                 seed, status ("pass" | "fail" | "skip" | "infra"), reused, done, total,
 *                 cost_usd (so far), duration_ms, detail? (why it failed / was skipped)}
 *   job.end       data {passed, failed, skipped, infra, reused, inversions, partial, cost_usd}
 * The agent runs publish their own run.* / llm.* / tool.* events. Each decided instance is a
 * profile_instances row whose checkpoints column holds {verdict, checkpoints[{name, score,
 * reason}], skipReason?, summary?, artifact? (kept work dir of a failure), conversation?}. */
#ifndef SKVM_CORE_PROFILER_H
#define SKVM_CORE_PROFILER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/probe.h"
#include "core/tcp.h"
#include "core/trace.h"
#include "core/util.h"

/* What a harness did with one instance. */
typedef struct ProfilerAttempt {
    char *final_text;   /* the model's final text ("" when none); owned */
    char *workdir;      /* where its files are, when not the work dir given; owned, NULL */
    bool infra;         /* infrastructure failure: not the model's fault; retried */
    bool tainted;       /* the run did not finish normally (timeout, max steps): counted as
                         * a failure without evaluation, as the reference does */
    char *status;       /* harness status ("ok", "timeout", "model-error"...); owned */
    char *detail;       /* why, for infra/tainted; owned, may be NULL */
    char *run_id;       /* the agent run id when there is one; owned, may be NULL */
    char *conversation; /* path of the run's conversation log; owned, may be NULL */
    int64_t tokens_in, tokens_out;
    double cost_usd;
    int steps;
} ProfilerAttempt;

void profiler_attempt_done(ProfilerAttempt *a);

/* Answer IN: PROMPT is the rendered prompt, WORKDIR already holds the setup files. Fill
 * OUT (zeroed by the caller). Return SK_OK when OUT describes what happened (including
 * infra/tainted outcomes); another status is treated as an infrastructure failure. Called
 * from worker threads concurrently. */
typedef SkStatus (*ProfilerAnswerFn)(void *ud, const ProbeInstance *in, const char *prompt,
                                     const char *workdir, ProfilerAttempt *out, SkError *err);

typedef struct ProfilerOptions {
    const char *model;            /* required */
    const char *harness;          /* NULL: "bare-agent" */
    const char *home;             /* NULL: sk_home_dir() */
    const char *db_path;          /* NULL: <home>/skvm.db; "": no store (no resume) */
    const char *const *primitives; /* NULL: all, in catalog order */
    size_t nprimitives;
    int instances;                /* per level; 0: 3 */
    int concurrency;              /* worker threads; 0: 1 */
    bool force;
    uint64_t seed;                /* base seed (0 is a valid seed) */
    int infra_retries;            /* extra attempts after an infrastructure failure; <0: 2 */
    int retry_delay_ms;           /* before a retry; 0: 2000 */
    bool save;                    /* write the TCP under <home>/profiles (default true via
                                   * profiler_options_init) */
    ProfilerAnswerFn answer;      /* required */
    void *answer_ud;
    TraceBus *bus;                /* job.progress events; may be NULL */
    const char *job_id;           /* run id on the events; NULL: "profile-<stamp>" */
    volatile int *cancel;         /* non-zero: stop after the instances in flight */
} ProfilerOptions;

void profiler_options_init(ProfilerOptions *o);

typedef struct ProfilerSummary {
    int instances_total;   /* instances in the plan */
    int instances_run;     /* answered in this run */
    int instances_reused;  /* taken from the store (resume) */
    int passed, failed, skipped, infra;
    int inversions;
    double cost_usd;
    int64_t tokens_in, tokens_out;
    bool cancelled;
    bool partial;          /* some instance could not be decided (infra, cancel) */
    char *saved_path;      /* latest.json when saved; owned */
} ProfilerSummary;

void profiler_summary_done(ProfilerSummary *s);

/* Run the profile. *OUT gets the profile (free with tcp_free), also on a partial run.
 * SK_ERR_INVALID for bad options (unknown primitive...), SK_ERR_DB/IO when records cannot
 * be written. Infrastructure failures of the model are not an error here: they show in
 * SUMMARY->infra and make the profile partial. */
SkStatus profiler_run(const ProfilerOptions *opts, Tcp **out, ProfilerSummary *summary,
                      SkError *err);

/* ---- level decision (exposed for tests and the workbench) ---- */

/* Passed when at least one instance was not skipped and every such instance passed. */
bool profiler_level_passed(int pass_count, int total_count, int skip_count);
/* Highest passing level (0..3) of PASSED[0..2] (L1..L3), as the reference reports it (not
 * capped at the first failure). INVERSIONS (may be NULL) gets a note like
 * "L3 passed but L2 failed" (new string, NULL when none). */
int profiler_highest_level(const bool passed[3], const bool decided[3], char **inversions);

/* The seed of instance INDEX of PRIMITIVE at LEVEL under base SEED. */
uint64_t profiler_instance_seed(uint64_t seed, const char *primitive, int level, int index);

/* ---- the agent harness as an answer source ---- */
struct LlmClient;
typedef struct ProfilerAgentSource {
    struct LlmClient *client;   /* required */
    const char *model;          /* required */
    const char *home;           /* NULL: sk_home_dir() */
    const char *db_path;        /* for the agent's run records; NULL: default; "": none */
    TraceBus *bus;
    int max_steps;              /* 0: 25 */
    int64_t timeout_ms;         /* 0: 120000 */
    volatile int *cancel;       /* non-zero: stop the agent run in flight (the instance is
                                   then undecided, never counted against the model) */
} ProfilerAgentSource;

/* ProfilerAnswerFn running the built-in agent loop (UD is a ProfilerAgentSource *). The
 * setup files are staged into the agent's own work dir before its first model call; the
 * work dir is kept for evaluation (OUT->workdir). */
SkStatus profiler_agent_answer(void *ud, const ProbeInstance *in, const char *prompt,
                               const char *workdir, ProfilerAttempt *out, SkError *err);

#endif
