/* cmd_profile_run.c: `skvm profile selftest` (prove every evaluator on known answers) and
 * `skvm profile run MODEL` (profile a model through the agent loop). Registered in the
 * subcommand table of app/cmd_profile.c. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "core/catalog.h"
#include "core/js.h"
#include "core/llm.h"
#include "core/probe.h"
#include "core/profiler.h"
#include "core/tcp.h"
#include "core/trace.h"

int cmd_profile_selftest(int argc, char **argv);
int cmd_profile_run(int argc, char **argv);

/* Split "a,b , c" into a vector of new strings. */
static void split_list(const char *s, SkVec *out)
{
    sk_vec_init(out, free);
    char *copy = sk_strdup(s);
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *x = sk_str_trim(t);
        if (*x)
            sk_vec_push(out, sk_strdup(x));
    }
    free(copy);
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return false;
    *out = v;
    return true;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

/* Check the list against the catalog; prints the error. */
static bool check_primitives(const SkVec *v)
{
    for (size_t i = 0; i < v->len; i++) {
        const char *id = sk_vec_get(v, i);
        if (!probe_known(id)) {
            cli_error("unknown primitive '%s' (see 'skvm profile selftest' for the list)", id);
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ selftest */

typedef struct SelftestJob {
    const char **ids;
    size_t nids;
    uint64_t seed;
    const char *tmp;
    ProbeSelftestCell *cells; /* nids * 3 */
    size_t next;
    pthread_mutex_t mu;
} SelftestJob;

static void *selftest_worker(void *arg)
{
    SelftestJob *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        size_t k = j->next < j->nids * 3 ? j->next++ : (size_t)-1;
        pthread_mutex_unlock(&j->mu);
        if (k == (size_t)-1)
            return NULL;
        probe_selftest_cell(j->ids[k / 3], (int)(k % 3) + 1, j->seed, j->tmp, &j->cells[k]);
    }
}

static void selftest_usage(FILE *out)
{
    fprintf(out,
            "Usage: skvm profile selftest [--seed S] [--primitives LIST] [--jobs N] [--json]\n\n"
            "Prove every profiler evaluator: for each primitive and level L1-L3, generate the\n"
            "instance of seed S (default 1), check that a correct answer passes and that at\n"
            "least two plausible wrong answers fail. Prints the 26x3 table (ok / FAIL with the\n"
            "reason / skip with the reason when a needed tool such as node is missing).\n"
            "Exit status: 0 no cell failed, 1 some cell failed, 2 usage.\n");
}

int cmd_profile_selftest(int argc, char **argv)
{
    bool json = false;
    const char *prims = NULL, *seed_s = NULL, *jobs_s = NULL;
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--help") || cli_opt_flag(&o, "-h")) {
            selftest_usage(stdout);
            return CLI_EXIT_OK;
        } else if (cli_opt_flag(&o, "--json")) {
            json = true;
        } else if (cli_opt_value(&o, "--primitives", &prims) || cli_opt_value(&o, "--seed", &seed_s) ||
                   cli_opt_value(&o, "--jobs", &jobs_s)) {
        } else if (o.positional) {
            return cli_error("profile selftest: unexpected argument '%s' (see --help)", o.arg);
        } else {
            return cli_opts_unknown(&o);
        }
    }
    if (o.failed)
        return CLI_EXIT_USAGE;
    uint64_t seed = 1;
    if (seed_s && !parse_u64(seed_s, &seed))
        return cli_error("--seed needs a non-negative integer, not '%s'", seed_s);
    int jobs = 2;
    if (jobs_s && !parse_int(jobs_s, 1, 64, &jobs))
        return cli_error("--jobs needs a number from 1 to 64, not '%s'", jobs_s);
    SkVec list;
    sk_vec_init(&list, free);
    if (prims) {
        sk_vec_done(&list);
        split_list(prims, &list);
        if (!check_primitives(&list)) {
            sk_vec_done(&list);
            return CLI_EXIT_USAGE;
        }
    } else {
        for (size_t i = 0; i < probe_primitive_count(); i++)
            sk_vec_push(&list, sk_strdup(probe_primitive_id(i)));
    }
    SelftestJob j = {0};
    j.ids = (const char **)list.items;
    j.nids = list.len;
    j.seed = seed;
    j.cells = sk_calloc(list.len * 3 + 1, sizeof *j.cells);
    pthread_mutex_init(&j.mu, NULL);
    pthread_t th[64];
    int started = 0;
    for (int i = 0; i < jobs; i++)
        if (pthread_create(&th[started], NULL, selftest_worker, &j) == 0)
            started++;
    if (!started)
        selftest_worker(&j);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&j.mu);

    int ok = 0, fail = 0, skip = 0;
    for (size_t k = 0; k < list.len * 3; k++) {
        ok += j.cells[k].verdict == PROBE_PASS;
        fail += j.cells[k].verdict == PROBE_FAIL;
        skip += j.cells[k].verdict == PROBE_SKIP;
    }
    if (json) {
        json_t *rows = json_array();
        for (size_t i = 0; i < list.len; i++) {
            json_t *row = json_pack("{s:s}", "primitive", j.ids[i]);
            for (int l = 0; l < 3; l++) {
                const ProbeSelftestCell *c = &j.cells[i * 3 + (size_t)l];
                json_t *cell = json_pack("{s:s,s:i}", "status",
                                         c->verdict == PROBE_PASS ? "ok"
                                         : c->verdict == PROBE_SKIP ? "skip" : "fail",
                                         "answers", c->answers);
                if (c->reason)
                    json_object_set_new(cell, "reason", json_string(c->reason));
                char key[4] = {'L', (char)('1' + l), 0, 0};
                json_object_set_new(row, key, cell);
            }
            json_array_append_new(rows, row);
        }
        json_t *top = json_pack("{s:I,s:i,s:i,s:i,s:o}", "seed", (json_int_t)seed, "ok", ok, "fail",
                                fail, "skip", skip, "cells", rows);
        cli_print_json(top);
        json_decref(top);
    } else {
        printf("%-22s %-6s %-6s %-6s\n", "primitive", "L1", "L2", "L3");
        for (size_t i = 0; i < list.len; i++) {
            printf("%-22s", j.ids[i]);
            for (int l = 0; l < 3; l++) {
                const ProbeSelftestCell *c = &j.cells[i * 3 + (size_t)l];
                printf(" %-6s", c->verdict == PROBE_PASS ? "ok" : c->verdict == PROBE_SKIP ? "skip" : "FAIL");
            }
            printf("\n");
        }
        for (size_t k = 0; k < list.len * 3; k++)
            if (j.cells[k].verdict != PROBE_PASS)
                printf("%s L%d %s: %s\n", j.ids[k / 3], (int)(k % 3) + 1,
                       j.cells[k].verdict == PROBE_SKIP ? "skipped" : "FAILED",
                       j.cells[k].reason ? j.cells[k].reason : "?");
        printf("%d ok, %d failed, %d skipped (seed %llu)\n", ok, fail, skip, (unsigned long long)seed);
    }
    for (size_t k = 0; k < list.len * 3; k++)
        probe_selftest_cell_done(&j.cells[k]);
    free(j.cells);
    sk_vec_done(&list);
    return fail ? CLI_EXIT_FOUND : CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ run */

static volatile int profile_cancel;

static void profile_on_sigint(int sig)
{
    (void)sig;
    profile_cancel = 1;
}

typedef struct RunProgress {
    bool json, quiet;
    pthread_mutex_t mu;
} RunProgress;

static void run_progress(const TraceEvent *ev, void *ud)
{
    RunProgress *p = ud;
    if (p->quiet || (ev->kind != TRACE_JOB_PROGRESS && ev->kind != TRACE_LLM_RETRY))
        return;
    pthread_mutex_lock(&p->mu);
    if (p->json) {
        char *line = js_dump_compact(ev->data);
        fprintf(stderr, "{\"event\":\"%s\",\"data\":%s}\n", trace_kind_name(ev->kind), line);
        free(line);
    } else if (ev->kind == TRACE_LLM_RETRY) {
        fprintf(stderr, "  retrying the model call: %s\n", ev->text ? ev->text : "");
    } else {
        const json_t *d = ev->data;
        const char *detail = js_str(d, "detail", NULL);
        fprintf(stderr, "[%lld/%lld] %-20s L%lld #%lld %-5s%s $%.4f%s%.*s\n", js_int(d, "done", 0),
                js_int(d, "total", 0), js_str(d, "primitive", "?"), js_int(d, "level", 0),
                js_int(d, "instance", 0) + 1, js_str(d, "status", "?"),
                js_bool(d, "reused", false) ? " (recorded)" : "", js_num(d, "cost_usd", 0),
                detail ? "  " : "", detail ? 100 : 0, detail ? detail : "");
    }
    pthread_mutex_unlock(&p->mu);
}

static void run_usage(FILE *out)
{
    fprintf(out,
            "Usage: skvm profile run MODEL [--harness bare-agent] [--primitives LIST]\n"
            "       [--instances N] [--concurrency N] [--force] [--seed S] [--max-steps N]\n"
            "       [--timeout SECONDS] [--retries N] [--replay] [--no-cache] [--quiet] [--json]\n\n"
            "Profile MODEL (\"<provider>/<model>\", routed by config.yaml) on the 26 primitives\n"
            "at L1-L3: N seeded instances per level (default 3) are answered by the agent loop\n"
            "and checked by the evaluators. A level passes when all its non-skipped instances\n"
            "pass; the highest passing level is reported and level inversions are noted. The\n"
            "profile goes to $SKVM_HOME/profiles/<harness>/<model-slug>/ (latest.json and a\n"
            "dated copy), every instance to the store. An interrupted run resumes from the\n"
            "recorded instances of the same model, harness and seed; --force re-runs them\n"
            "(only the listed ones with --primitives). Model-service failures are retried (the\n"
            "model call itself, then the whole instance up to --retries times, default 2) and\n"
            "never counted against the model.\n"
            "Exit status: 0 profile complete; 1 records could not be written; 2 usage;\n"
            "3 infrastructure (some instances undecided: the profile is saved as partial).\n");
}

int cmd_profile_run(int argc, char **argv)
{
    bool json = false, force = false, replay = false, no_cache = false, quiet = false;
    const char *model = NULL, *harness = TCP_DEFAULT_HARNESS, *prims = NULL, *inst_s = NULL,
               *conc_s = NULL, *seed_s = NULL, *steps_s = NULL, *timeout_s = NULL,
               *retries_s = NULL;
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--help") || cli_opt_flag(&o, "-h")) {
            run_usage(stdout);
            return CLI_EXIT_OK;
        } else if (cli_opt_flag(&o, "--json")) {
            json = true;
        } else if (cli_opt_flag(&o, "--force")) {
            force = true;
        } else if (cli_opt_flag(&o, "--replay")) {
            replay = true;
        } else if (cli_opt_flag(&o, "--no-cache")) {
            no_cache = true;
        } else if (cli_opt_flag(&o, "--quiet")) {
            quiet = true;
        } else if (cli_opt_value(&o, "--harness", &harness) ||
                   cli_opt_value(&o, "--primitives", &prims) ||
                   cli_opt_value(&o, "--instances", &inst_s) ||
                   cli_opt_value(&o, "--concurrency", &conc_s) ||
                   cli_opt_value(&o, "--seed", &seed_s) ||
                   cli_opt_value(&o, "--max-steps", &steps_s) ||
                   cli_opt_value(&o, "--timeout", &timeout_s) ||
                   cli_opt_value(&o, "--retries", &retries_s)) {
        } else if (o.positional && !model) {
            model = o.arg;
        } else if (o.positional) {
            return cli_error("profile run: unexpected argument '%s' (see --help)", o.arg);
        } else {
            return cli_opts_unknown(&o);
        }
    }
    if (o.failed)
        return CLI_EXIT_USAGE;
    if (!model)
        return cli_error("profile run: which model? (skvm profile run MODEL; see --help)");
    if (strcmp(harness, TCP_DEFAULT_HARNESS) != 0)
        return cli_error("profile run: harness '%s' is not available (this build profiles "
                         "through '%s', the built-in agent loop)", harness, TCP_DEFAULT_HARNESS);
    int instances = 3, conc = 1, steps = 25, timeout = 120, retries = 2;
    uint64_t seed = 1;
    if (inst_s && !parse_int(inst_s, 1, 100, &instances))
        return cli_error("--instances needs a number from 1 to 100, not '%s'", inst_s);
    if (conc_s && !parse_int(conc_s, 1, 64, &conc))
        return cli_error("--concurrency needs a number from 1 to 64, not '%s'", conc_s);
    if (seed_s && !parse_u64(seed_s, &seed))
        return cli_error("--seed needs a non-negative integer, not '%s'", seed_s);
    if (steps_s && !parse_int(steps_s, 1, 1000, &steps))
        return cli_error("--max-steps needs a number from 1 to 1000, not '%s'", steps_s);
    if (timeout_s && !parse_int(timeout_s, 1, 86400, &timeout))
        return cli_error("--timeout needs seconds from 1 to 86400, not '%s'", timeout_s);
    if (retries_s && !parse_int(retries_s, 0, 20, &retries))
        return cli_error("--retries needs a number from 0 to 20, not '%s'", retries_s);
    if (replay && no_cache)
        return cli_error("--replay and --no-cache exclude each other");
    SkVec list;
    sk_vec_init(&list, free);
    if (prims) {
        sk_vec_done(&list);
        split_list(prims, &list);
        if (!list.len || !check_primitives(&list)) {
            if (!list.len)
                cli_error("--primitives needs a comma-separated list of primitive ids");
            sk_vec_done(&list);
            return CLI_EXIT_USAGE;
        }
    }

    TraceBus *bus = trace_bus_new();
    TraceStoreSink *sink = NULL;
    SkError e = {0};
    if (trace_store_sink_new(bus, NULL, &sink, &e) != SK_OK)
        cli_warn("trace events will not be stored: %s", e.msg);
    RunProgress prog = {json, quiet, PTHREAD_MUTEX_INITIALIZER};
    trace_bus_add_listener(bus, run_progress, &prog);
    LlmClientOptions lo;
    llm_client_options_init(&lo);
    lo.bus = bus;
    lo.cache_mode = replay ? LLM_CACHE_REPLAY : no_cache ? LLM_CACHE_OFF : LLM_CACHE_NORMAL;
    LlmClient *client = llm_client_new(&lo);
    if (!client) {
        trace_store_sink_free(sink);
        trace_bus_free(bus);
        sk_vec_done(&list);
        cli_error("cannot start the model client");
        return CLI_EXIT_INFRA;
    }
    ProfilerAgentSource src = {0};
    src.client = client;
    src.model = model;
    src.bus = bus;
    src.max_steps = steps;
    src.timeout_ms = (int64_t)timeout * 1000;
    ProfilerOptions po;
    profiler_options_init(&po);
    po.model = model;
    po.harness = harness;
    po.primitives = prims ? (const char *const *)list.items : NULL;
    po.nprimitives = list.len;
    po.instances = instances;
    po.concurrency = conc;
    po.force = force;
    po.infra_retries = retries;
    po.seed = seed;
    po.answer = profiler_agent_answer;
    po.answer_ud = &src;
    po.bus = bus;
    po.cancel = &profile_cancel;
    src.cancel = &profile_cancel;
    signal(SIGINT, profile_on_sigint);
    Tcp *t = NULL;
    ProfilerSummary sum;
    SkStatus st = profiler_run(&po, &t, &sum, &e);
    signal(SIGINT, SIG_DFL);
    int rc = CLI_EXIT_OK;
    if (st != SK_OK && !t) {
        cli_error("%s", e.msg);
        rc = cli_exit_for(st);
    } else {
        if (st != SK_OK) {
            cli_error("%s", e.msg);
            rc = cli_exit_for(st);
        } else if (sum.partial) {
            rc = CLI_EXIT_INFRA;
        }
        if (json) {
            json_t *j = tcp_to_json(t);
            json_t *top = json_pack("{s:o,s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:b,s:b,s:f,s:I,s:I}}",
                                    "profile", j, "summary", "instances", sum.instances_total,
                                    "run", sum.instances_run, "reused", sum.instances_reused,
                                    "passed", sum.passed, "failed", sum.failed, "skipped",
                                    sum.skipped, "infra", sum.infra, "inversions", sum.inversions,
                                    "partial", sum.partial, "cancelled", sum.cancelled, "cost_usd",
                                    sum.cost_usd, "tokens_in", (json_int_t)sum.tokens_in,
                                    "tokens_out", (json_int_t)sum.tokens_out);
            if (sum.saved_path)
                json_object_set_new(json_object_get(top, "summary"), "saved",
                                    json_string(sum.saved_path));
            cli_print_json(top);
            json_decref(top);
        } else {
            size_t n = 0;
            const Primitive *all = catalog_all(&n);
            printf("%s (%s)%s\n", model, harness, sum.partial ? "  [partial]" : "");
            for (size_t i = 0; i < n; i++) {
                const TcpDetail *d = tcp_detail(t, all[i].id);
                if (!d)
                    continue;
                if (d->calibration_note)
                    printf("  %-22s %s  (%s)\n", all[i].id, tcp_level_name(d->highest),
                           d->calibration_note);
                else
                    printf("  %-22s %s\n", all[i].id, tcp_level_name(d->highest));
            }
            printf("%d passed, %d failed, %d skipped, %d undecided (infrastructure); %d recorded "
                   "instances reused; cost $%.4f\n",
                   sum.passed, sum.failed, sum.skipped, sum.infra, sum.instances_reused, sum.cost_usd);
            if (sum.saved_path)
                printf("saved %s\n", sum.saved_path);
            if (sum.cancelled)
                printf("interrupted: run the same command again to resume from the recorded "
                       "instances\n");
            else if (sum.infra)
                printf("some instances could not be decided (model service failures): run the "
                       "same command again to retry only those\n");
        }
        tcp_free(t);
        profiler_summary_done(&sum);
    }
    llm_client_free(client);
    trace_store_sink_free(sink);
    trace_bus_free(bus);
    sk_vec_done(&list);
    return rc;
}
