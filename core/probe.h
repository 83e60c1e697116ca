/* probe.h: the profiler's test instances. For each of the 26 primitives and each level
 * L1-L3, a generator builds an instance from a seed (prompt, setup files, expected result
 * kept in memory) and an evaluator checks what a model answered (its final text and the
 * files it left in the work dir), returning named checkpoints with scores and reasons.
 *
 * Every instance also carries known answers built from its expected data: answers[0] is a
 * correct one, the others are plausible mistakes. `skvm profile selftest` and the unit
 * tests prove every evaluator on them.
 *
 * Evaluators read text, JSON, YAML, SQL (on a scratch SQLite db) and regexes in C; they run
 * a subprocess (python3, node, bash) only when the primitive is about producing that code,
 * with a timeout, a process-group kill, capped output and a scrubbed environment. A check
 * that cannot run on this machine marks the instance skipped with the reason. */
#ifndef SKVM_CORE_PROBE_H
#define SKVM_CORE_PROBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

typedef struct ProbeFile {
    char *path;    /* relative to the work dir */
    char *content;
} ProbeFile;

typedef struct ProbeCheckpoint {
    char *name;
    double score;  /* 0..1; passes at >= 0.5 */
    char *reason;  /* why it failed (NULL when it passed) */
} ProbeCheckpoint;

typedef enum ProbeVerdict { PROBE_PASS, PROBE_FAIL, PROBE_SKIP } ProbeVerdict;

typedef struct ProbeResult {
    ProbeVerdict verdict;
    SkVec checkpoints;  /* ProbeCheckpoint *, owned */
    char *skip_reason;  /* set when verdict == PROBE_SKIP */
} ProbeResult;

typedef struct ProbeAnswer {
    char *label;        /* "correct", "off by one", "missing result.txt"... */
    bool should_pass;
    char *response;     /* the model's final text (may be NULL) */
    SkVec files;        /* ProbeFile *, owned: files the model would leave */
} ProbeAnswer;

typedef struct ProbeInstance {
    char *primitive;    /* catalog id */
    int level;          /* 1..3 */
    uint64_t seed;
    char *prompt;       /* may contain {{PORT}} when needs_server */
    SkVec setup;        /* ProbeFile *, owned: written into the work dir before the run */
    json_t *expect;     /* expected data, computed at generation time; never written out */
    SkVec answers;      /* ProbeAnswer *, owned: [0] correct, the rest plausible mistakes */
    bool needs_server;  /* tool.web: a loopback HTTP server must run during the attempt */
    const char *needs_tool; /* "python3", "node", "bash"... when the evaluator runs code */
} ProbeInstance;

/* Number of probed primitives (== CATALOG_COUNT) and their ids in catalog order. */
size_t probe_primitive_count(void);
const char *probe_primitive_id(size_t i);
/* Is there a generator for ID? */
bool probe_known(const char *primitive);
/* One sentence saying what PRIMITIVE at LEVEL tests (the TCP's testDescription). Static. */
const char *probe_description(const char *primitive, int level);

/* Build the instance for PRIMITIVE at LEVEL (1..3) from SEED. The same seed always gives
 * the same instance. SK_ERR_NOT_FOUND for an unknown primitive, SK_ERR_INVALID for a bad
 * level. Free with probe_instance_free(). */
SkStatus probe_generate(const char *primitive, int level, uint64_t seed, ProbeInstance **out,
                        SkError *err);
void probe_instance_free(ProbeInstance *in);
/* The prompt with {{PORT}} replaced (PORT <= 0 leaves it as is). New string. */
char *probe_render_prompt(const ProbeInstance *in, int port);

/* Write the setup files into WORKDIR (which must exist). */
SkStatus probe_setup(const ProbeInstance *in, const char *workdir, SkError *err);
/* Write the files of a known answer into WORKDIR. */
SkStatus probe_apply_answer(const ProbeAnswer *a, const char *workdir, SkError *err);

void probe_result_init(ProbeResult *r);
void probe_result_done(ProbeResult *r);
/* Evaluate the attempt: RESPONSE is the model's final text (NULL = none), WORKDIR holds
 * the files it left. Never fails: problems become failing checkpoints. An evaluation that
 * produced no checkpoint is a failure ("no checkpoints"), never a pass. */
void probe_evaluate(const ProbeInstance *in, const char *workdir, const char *response,
                    ProbeResult *out);
/* "name: reason; name: reason" of the failing checkpoints (or the skip reason). New. */
char *probe_result_summary(const ProbeResult *r);
/* {"verdict", "checkpoints":[{name,score,reason}], "skipReason"?}. New reference. */
json_t *probe_result_to_json(const ProbeResult *r);
const char *probe_verdict_name(ProbeVerdict v); /* "pass" | "fail" | "skip" */

/* ---- loopback HTTP server (tool.web) ---- */
typedef struct ProbeServer ProbeServer;
/* Serve IN's routes on 127.0.0.1 (ephemeral port) from a background thread. */
SkStatus probe_server_start(const ProbeInstance *in, ProbeServer **out, SkError *err);
int probe_server_port(const ProbeServer *s);
/* Requests served so far. */
int probe_server_hits(const ProbeServer *s);
void probe_server_stop(ProbeServer *s); /* NULL is a no-op */

/* ---- selftest ---- */
typedef struct ProbeSelftestCell {
    ProbeVerdict verdict;   /* PASS = ok (good passed, every bad failed) */
    char *reason;           /* what went wrong / why skipped; NULL when ok */
    int answers;            /* answers tried */
} ProbeSelftestCell;

/* Generate PRIMITIVE/LEVEL from SEED, then evaluate each known answer in a fresh work dir
 * under TMPROOT (NULL: $TMPDIR). OK when the correct answer passes and every mistake
 * fails; SKIP when a needed tool is missing. */
void probe_selftest_cell(const char *primitive, int level, uint64_t seed, const char *tmproot,
                         ProbeSelftestCell *out);
void probe_selftest_cell_done(ProbeSelftestCell *c);

/* ---- subprocess runner for the model's own code ---- */
typedef struct ProbeExecResult {
    int exit_code;      /* -1 when killed by a signal or the timeout */
    bool timed_out;
    char *output;       /* stdout and stderr merged, capped; owned */
    bool truncated;
} ProbeExecResult;

/* Run ARGV (argv[0] looked up in PATH) in WORKDIR with stdin from /dev/null, a scrubbed
 * environment (PATH, HOME=workdir, LANG, TMPDIR), in its own process group; kill the group
 * after TIMEOUT_MS. Output is capped at CAP bytes. SK_ERR_NOT_FOUND when the program is
 * not installed. */
SkStatus probe_exec(const char *workdir, const char *const *argv, int timeout_ms, size_t cap,
                    ProbeExecResult *out, SkError *err);
void probe_exec_result_done(ProbeExecResult *r);
/* Time limit for running the model's own code in evaluators (default 20000 ms; values
 * < 100 restore the default). Process-wide; meant for tests and the CLI. */
void probe_set_code_timeout_ms(int ms);
int probe_code_timeout_ms(void);
/* Is PROGRAM runnable (found in PATH)? */
bool probe_have_tool(const char *program);

#endif
