/* cmd_run.c: `skvm run` (one agent run with live progress), `skvm runs list|show`. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "core/agent.h"
#include "core/js.h"
#include "core/runlog.h"
#include "core/store.h"
#include "core/trace.h"
#include "core/variants.h"

#include "app/commands.h"

static const char run_usage[] =
    "Usage: skvm run --model MODEL (--prompt TEXT | --task DIR) [--skill DIR] [options]\n\n"
    "Run a model with a skill through skvm's agent harness in a sandboxed work directory\n"
    "($SKVM_HOME/runs/<run-id>/work). Prints one line per step while it runs, then the final\n"
    "answer, the task's score (with --task) and the totals. Every step is recorded in\n"
    "$SKVM_HOME/skvm.db and the conversation in $SKVM_HOME/runs/<run-id>/conversation.jsonl.\n\n"
    "Options:\n"
    "  --model MODEL        <provider>/<model> (routes in $SKVM_HOME/config.yaml)\n"
    "  --skill DIR|REF      skill folder, or a compiled variant (SKILL:REV as in `skvm\n"
    "                       variants`, e.g. csv-report:bare-agent/qwen--qwen3.5-9b); default\n"
    "                       with --task: the task's own skill, if any\n"
    "  --prompt TEXT        the user prompt\n"
    "  --task DIR           a task folder with task.json (fixtures, evaluation)\n"
    "  --mode inject|discover  inject the whole SKILL.md (default) or only its name and\n"
    "                       description (the model loads it with read_file)\n"
    "  --max-steps N        model calls allowed (default: the task's, else 30)\n"
    "  --timeout S          wall-clock limit in seconds (default: the task's, else 300)\n"
    "  --judge-model M      model for llm-judge criteria (without it they are not run)\n"
    "  --keep-workdir       keep the work directory after the run\n"
    "  --sandbox auto|bwrap|plain  command isolation (default auto: bwrap when available)\n"
    "  --allow-web          offer the web_fetch tool\n"
    "  --replay             answer model calls only from the request cache\n"
    "  --no-cache           neither read nor write the request cache\n"
    "  --json               print the result as JSON (progress goes to stderr)\n"
    "  --quiet              no progress lines\n\n"
    "Exit status: 0 the run ended ok (and, with --task, passed: score >= 0.5 or no score);\n"
    "1 the run ended max-steps, timeout, cancelled or tool-crash, or the task failed;\n"
    "2 bad arguments or an unreadable skill or task; 3 model-error (the model service failed:\n"
    "an infrastructure problem, not a skill failure) or another infrastructure failure.\n";

static const char runs_usage[] =
    "Usage: skvm runs list [--limit N] [--json]\n"
    "       skvm runs show RUN_ID [--json]\n\n"
    "list  the most recent runs (newest first). Runs left 'running' by a process that is\n"
    "      gone are marked 'interrupted' first.\n"
    "show  one run (an unambiguous id prefix is enough): its settings, totals, scores and\n"
    "      the timeline of steps (model calls and tool calls).\n";

static volatile int run_cancel;

static void run_on_sigint(int sig)
{
    (void)sig;
    run_cancel = 1;
}

typedef struct Progress {
    FILE *out;
    bool quiet;
} Progress;

static void run_log_sink(SkLogLevel level, const char *msg, void *ud)
{
    (void)ud;
    if (level >= SK_LOG_WARN)
        fprintf(stderr, "skvm: %s: %s\n", level == SK_LOG_WARN ? "warning" : "error", msg);
}

static void run_progress(const TraceEvent *ev, void *ud)
{
    Progress *p = ud;
    if (p->quiet)
        return;
    const json_t *d = ev->data;
    switch (ev->kind) {
    case TRACE_RUN_START:
        fprintf(p->out, "run %s: %s%s%s (sandbox: %s)\n", ev->run_id, js_str(d, "model", "?"),
                json_is_string(json_object_get(d, "skill")) ? " with skill " : "",
                json_is_string(json_object_get(d, "skill")) ? js_str(d, "skill", "") : "",
                js_str(d, "sandbox", "?"));
        break;
    case TRACE_LLM_END: {
        const json_t *u = json_object_get(d, "usage");
        const json_t *t = json_object_get(d, "timings");
        fprintf(p->out, "[%2d] model %6.1fs", ev->step, (double)js_int(t, "total_ms", 0) / 1000.0);
        if (json_is_object(u))
            fprintf(p->out, "  in %lld out %lld", js_int(u, "input", 0), js_int(u, "output", 0));
        fprintf(p->out, "  %s%s\n", js_str(d, "stop_reason", ""),
                js_bool(d, "cached", false) ? " (cached)" : "");
        break;
    }
    case TRACE_LLM_ERROR:
        fprintf(p->out, "[%2d] model error: %s\n", ev->step, ev->text ? ev->text : "");
        break;
    case TRACE_LLM_RETRY:
        fprintf(p->out, "[%2d] retry: %s\n", ev->step, ev->text ? ev->text : "");
        break;
    case TRACE_TOOL_END: {
        const char *out = js_str(d, "output", "");
        if (sk_str_starts(out, "stdout:\n"))
            out += 8;
        const char *nl = strchr(out, '\n');
        int n = nl ? (int)(nl - out) : (int)strlen(out);
        fprintf(p->out, "[%2d]   %-15s %5lldms  exit %-3lld %6lldB%s%s  %.*s\n", ev->step,
                js_str(d, "name", "?"), js_int(d, "duration_ms", 0), js_int(d, "exit_code", 0),
                js_int(d, "output_bytes", 0), js_bool(d, "truncated", false) ? " (cut)" : "",
                js_bool(d, "sandbox_denied", false) ? " DENIED" : "", n > 60 ? 60 : n, out);
        break;
    }
    default:
        break;
    }
    fflush(p->out);
}

static int run_exit_code(const AgentResult *r)
{
    switch (r->status) {
    case AGENT_OK:
        if (r->evaluated && r->eval.score_known && !r->eval.pass)
            return CLI_EXIT_FOUND;
        return CLI_EXIT_OK;
    case AGENT_MODEL_ERROR:
        return CLI_EXIT_INFRA;
    default:
        return CLI_EXIT_FOUND;
    }
}

static void run_print_result(const AgentResult *r)
{
    printf("\n");
    if (r->final_text[0])
        printf("%s\n\n", r->final_text);
    printf("status: %s (%s)\n", agent_status_name(r->status), r->status_detail);
    if (r->evaluated) {
        const TaskEval *e = &r->eval;
        for (size_t i = 0; i < e->n; i++) {
            const TaskCriterion *c = &e->items[i];
            char w[16] = "";
            if (c->weight >= 0)
                snprintf(w, sizeof w, "w %.2f", c->weight);
            if (c->status == TASK_CRIT_SCORED)
                printf("  %-14s %-13s %-7s %.3f  %s\n", c->id, c->method, w, c->score, c->detail);
            else
                printf("  %-14s %-13s %-7s  --    %s\n", c->id, c->method, w, c->detail);
        }
        if (e->score_known)
            printf("score: %.3f (%s)%s%s\n", e->score, e->pass ? "pass" : "fail",
                   e->note ? "; " : "", e->note ? e->note : "");
        else
            printf("score: none (%s)\n", e->note ? e->note : "no criterion ran");
    }
    printf("totals: %d model calls, %d tool calls", r->steps, r->tool_calls);
    if (r->tokens.known)
        printf(", tokens in %lld out %lld", (long long)r->tokens.input_tokens,
               (long long)r->tokens.output_tokens);
    if (r->cost_known)
        printf(", cost $%.4f", r->cost_usd);
    else
        printf(", cost unknown");
    printf(", %.1fs (model %.1fs, tools %.1fs)\n", (double)r->duration_ms / 1000.0,
           (double)r->llm_ms / 1000.0, (double)r->tool_ms / 1000.0);
    printf("run id: %s\nconversation: %s\n", r->run_id, r->conversation_path);
    if (r->workdir_kept)
        printf("work dir: %s\n", r->workdir);
    printf("sandbox: %s\n", r->sandbox);
    if (r->store_error)
        printf("warning: the store could not record everything: %s\n", r->store_error);
}

/* Resolve a variant REF (SKILL:REV, SKILL, or a commit id) and check its tree out into
 * $SKVM_HOME/variants/.checkouts/<skill>-<commit> (reused: a commit never changes). Fills
 * COMMIT (41 bytes) and *DIR (new string). */
static SkStatus run_checkout_variant(const char *ref, char commit[41], char **dir, SkError *err)
{
    char *home = sk_home_dir();
    char *skill = NULL, *rev = NULL;
    VariantInfo *vi = NULL;
    SkStatus st = variants_parse_ref(home, ref, &skill, &rev, err);
    if (st == SK_OK)
        st = variants_get(home, skill, rev, &vi, err);
    if (st == SK_OK) {
        memcpy(commit, vi->commit, 41);
        char *name = sk_asprintf("variants/.checkouts/%s-%.12s", skill, vi->commit);
        *dir = sk_path_join(home, name);
        free(name);
        if (!sk_is_dir(*dir)) {
            char *tmp = sk_asprintf("%s.tmp%ld", *dir, (long)getpid());
            sk_rm_rf(tmp, NULL);
            st = variants_checkout(home, skill, rev, tmp, err);
            if (st == SK_OK && rename(tmp, *dir) != 0 && !sk_is_dir(*dir))
                st = sk_error_set(err, SK_ERR_IO, "cannot place the checkout at %s", *dir);
            sk_rm_rf(tmp, NULL);
            free(tmp);
        }
        if (st != SK_OK) {
            free(*dir);
            *dir = NULL;
        }
    }
    variants_info_free(vi);
    free(skill);
    free(rev);
    free(home);
    return st;
}

int cmd_run(int argc, char **argv)
{
    const char *model = NULL, *skill_dir = NULL, *prompt = NULL, *task_dir = NULL;
    const char *mode = "inject", *judge = NULL, *sandbox = "auto", *v = NULL;
    int max_steps = 0;
    double timeout_s = 0;
    bool keep = false, json = false, replay = false, no_cache = false, web = false, quiet = false;
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--help")) {
            fputs(run_usage, stdout);
            return CLI_EXIT_OK;
        } else if (cli_opt_value(&o, "--model", &model) || cli_opt_value(&o, "--skill", &skill_dir) ||
                   cli_opt_value(&o, "--prompt", &prompt) ||
                   cli_opt_value(&o, "--task", &task_dir) || cli_opt_value(&o, "--mode", &mode) ||
                   cli_opt_value(&o, "--judge-model", &judge) ||
                   cli_opt_value(&o, "--sandbox", &sandbox)) {
        } else if (cli_opt_value(&o, "--max-steps", &v)) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n <= 0 || n > 10000)
                return cli_error("--max-steps needs a positive number, not '%s'", v);
            max_steps = (int)n;
        } else if (cli_opt_value(&o, "--timeout", &v)) {
            char *end;
            timeout_s = strtod(v, &end);
            if (*end || timeout_s <= 0)
                return cli_error("--timeout needs a positive number of seconds, not '%s'", v);
        } else if (cli_opt_flag(&o, "--keep-workdir"))
            keep = true;
        else if (cli_opt_flag(&o, "--json"))
            json = true;
        else if (cli_opt_flag(&o, "--replay"))
            replay = true;
        else if (cli_opt_flag(&o, "--no-cache"))
            no_cache = true;
        else if (cli_opt_flag(&o, "--allow-web"))
            web = true;
        else if (cli_opt_flag(&o, "--quiet"))
            quiet = true;
        else
            return cli_opts_unknown(&o);
    }
    if (o.failed)
        return CLI_EXIT_USAGE;
    if (!model)
        return cli_error("--model is required (see skvm run --help)");
    if (!!prompt == !!task_dir)
        return cli_error("give exactly one of --prompt TEXT or --task DIR");
    if (strcmp(mode, "inject") && strcmp(mode, "discover"))
        return cli_error("--mode must be inject or discover, not '%s'", mode);
    if (replay && no_cache)
        return cli_error("--replay and --no-cache exclude each other");
    SandboxMode smode = SANDBOX_AUTO;
    if (!strcmp(sandbox, "bwrap"))
        smode = SANDBOX_BWRAP;
    else if (!strcmp(sandbox, "plain"))
        smode = SANDBOX_PLAIN;
    else if (strcmp(sandbox, "auto"))
        return cli_error("--sandbox must be auto, bwrap or plain, not '%s'", sandbox);
    if (smode == SANDBOX_BWRAP && !sandbox_bwrap_available())
        return cli_error("--sandbox bwrap: bubblewrap (bwrap) is not installed or does not work "
                         "here");

    SkError e;
    Task *task = NULL;
    if (task_dir && task_load(task_dir, &task, &e) != SK_OK)
        return cli_error("%s", e.msg);
    Skill *skill = NULL;
    char variant[41] = "";
    char *variant_dir = NULL;
    if (skill_dir && !sk_is_dir(skill_dir) && !sk_is_file(skill_dir)) {
        if (run_checkout_variant(skill_dir, variant, &variant_dir, &e) != SK_OK) {
            task_free(task);
            return cli_error("--skill %s: not a folder, and not a variant: %s", skill_dir, e.msg);
        }
        skill_dir = variant_dir;
    }
    const char *sd = skill_dir ? skill_dir : task && task->skill_dir && sk_is_dir(task->skill_dir)
                                                 ? task->skill_dir
                                                 : NULL;
    if (sd && skill_load(sd, &skill, &e) != SK_OK) {
        task_free(task);
        free(variant_dir);
        return cli_error("skill %s: %s", sd, e.msg);
    }
    if (!sd && !json && !quiet)
        fprintf(stderr, "skvm: note: running without a skill%s\n",
                task && task->skill_dir ? " (the task's skill folder is not available)" : "");

    sk_log_set_sink(run_log_sink, NULL);
    TraceBus *bus = trace_bus_new();
    TraceStoreSink *sink = NULL;
    if (trace_store_sink_new(bus, NULL, &sink, &e) != SK_OK)
        fprintf(stderr, "skvm: warning: trace events will not be stored: %s\n", e.msg);
    Progress prog = {json ? stderr : stdout, quiet};
    trace_bus_add_listener(bus, run_progress, &prog);
    LlmClientOptions lo;
    llm_client_options_init(&lo);
    lo.bus = bus;
    lo.cache_mode = replay ? LLM_CACHE_REPLAY : no_cache ? LLM_CACHE_OFF : LLM_CACHE_NORMAL;
    LlmClient *client = llm_client_new(&lo);
    if (!client) {
        trace_store_sink_free(sink);
        trace_bus_free(bus);
        skill_free(skill);
        free(variant_dir);
        task_free(task);
        cli_error("cannot start the model client");
        return CLI_EXIT_INFRA;
    }
    AgentOptions ao;
    agent_options_init(&ao);
    ao.model = model;
    ao.client = client;
    ao.bus = bus;
    ao.skill = skill;
    ao.variant = variant[0] ? variant : NULL;
    ao.mode = !strcmp(mode, "inject") ? AGENT_SKILL_INJECT : AGENT_SKILL_DISCOVER;
    ao.prompt = prompt;
    ao.task = task;
    ao.max_steps = max_steps;
    ao.timeout_ms = (int64_t)(timeout_s * 1000);
    ao.keep_workdir = keep;
    ao.allow_web = web;
    ao.sandbox_mode = smode;
    ao.judge_model = judge;
    ao.cancel = &run_cancel;
    signal(SIGINT, run_on_sigint);
    AgentResult *r = NULL;
    SkStatus st = agent_run(&ao, &r, &e);
    signal(SIGINT, SIG_DFL);
    int rc;
    if (st != SK_OK) {
        cli_error("%s", e.msg);
        rc = st == SK_ERR_INVALID ? CLI_EXIT_USAGE : CLI_EXIT_INFRA;
    } else {
        if (json) {
            json_t *j = agent_result_to_json(r);
            cli_print_json(j);
            json_decref(j);
        } else {
            run_print_result(r);
        }
        rc = run_exit_code(r);
    }
    agent_result_free(r);
    llm_client_free(client);
    trace_store_sink_free(sink);
    trace_bus_free(bus);
    skill_free(skill);
    free(variant_dir);
    task_free(task);
    return rc;
}

/* ---- runs list / show ---- */

static Store *runs_open(void)
{
    Store *st = NULL;
    SkError e;
    if (store_open(NULL, &st, &e) != SK_OK) {
        cli_error("%s", e.msg);
        return NULL;
    }
    int n = 0;
    if (runlog_mark_interrupted(st, &n, &e) != SK_OK)
        cli_warn("cannot mark interrupted runs: %s", e.msg);
    return st;
}

static const char *runs_cell(const json_t *row, size_t i)
{
    const json_t *v = json_array_get(row, i);
    return json_is_string(v) ? json_string_value(v) : "";
}

static void runs_time(int64_t ms, char *out, size_t n)
{
    if (ms <= 0) {
        snprintf(out, n, "-");
        return;
    }
    char iso[40];
    sk_iso8601(ms, iso, sizeof iso);
    snprintf(out, n, "%.10s %.8s", iso, iso + 11);
}

static int runs_list(int argc, char **argv)
{
    bool json = false;
    long limit = 20;
    const char *v;
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--json"))
            json = true;
        else if (cli_opt_flag(&o, "--help")) {
            fputs(runs_usage, stdout);
            return CLI_EXIT_OK;
        } else if (cli_opt_value(&o, "--limit", &v)) {
            limit = strtol(v, NULL, 10);
            if (limit <= 0)
                return cli_error("--limit needs a positive number");
        } else
            return cli_opts_unknown(&o);
    }
    if (o.failed)
        return CLI_EXIT_USAGE;
    Store *st = runs_open();
    if (!st)
        return CLI_EXIT_INFRA;
    json_t *rows = NULL, *cols = NULL;
    json_t *params = json_pack("[I]", (json_int_t)limit);
    SkError e;
    SkStatus s = store_query_json(
        st,
        "SELECT id, status, model, skill, task, started_at, ended_at, tokens_in, tokens_out, "
        "cost_usd, score, (SELECT COUNT(*) FROM steps WHERE run_id = runs.id AND kind = 'llm') "
        "AS steps FROM runs WHERE kind = 'run' ORDER BY started_at DESC, id DESC LIMIT ?1",
        params, 0, &rows, &cols, &e);
    json_decref(params);
    store_close(st);
    if (s != SK_OK)
        return cli_error("%s", e.msg), CLI_EXIT_INFRA;
    if (json) {
        json_t *arr = json_array();
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            json_t *obj = json_object();
            for (size_t k = 0; k < json_array_size(cols); k++)
                json_object_set(obj, json_string_value(json_array_get(cols, k)),
                                json_array_get(row, k));
            json_array_append_new(arr, obj);
        }
        cli_print_json(arr);
        json_decref(arr);
    } else if (json_array_size(rows) == 0) {
        printf("no runs yet (start one with: skvm run --model M --prompt TEXT)\n");
    } else {
        printf("%-23s  %-11s  %-19s  %5s  %6s  %s\n", "RUN", "STATUS", "STARTED", "STEPS",
               "SCORE", "MODEL / SKILL / TASK");
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            char t[32];
            runs_time(json_integer_value(json_array_get(row, 5)), t, sizeof t);
            char score[16] = "-";
            if (json_is_number(json_array_get(row, 10)))
                snprintf(score, sizeof score, "%.3f", json_number_value(json_array_get(row, 10)));
            printf("%-23s  %-11s  %-19s  %5lld  %6s  %s%s%s%s%s\n", runs_cell(row, 0),
                   runs_cell(row, 1), t, (long long)json_integer_value(json_array_get(row, 11)),
                   score, runs_cell(row, 2), runs_cell(row, 3)[0] ? " / " : "", runs_cell(row, 3),
                   runs_cell(row, 4)[0] ? " / " : "", runs_cell(row, 4));
        }
    }
    json_decref(rows);
    json_decref(cols);
    return CLI_EXIT_OK;
}

static json_t *runs_objects(json_t *rows, json_t *cols)
{
    json_t *arr = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *obj = json_object();
        for (size_t k = 0; k < json_array_size(cols); k++)
            json_object_set(obj, json_string_value(json_array_get(cols, k)),
                            json_array_get(row, k));
        json_array_append_new(arr, obj);
    }
    return arr;
}

static int runs_show(int argc, char **argv)
{
    bool json;
    const char *id;
    int rc_args = cli_parse_arg_json(argc, argv, runs_usage, &json, &id);
    if (rc_args >= 0)
        return rc_args;
    if (!id || !*id)
        return cli_error("runs show needs a RUN_ID (see skvm runs list)");
    Store *st = runs_open();
    if (!st)
        return CLI_EXIT_INFRA;
    SkError e;
    json_t *rows = NULL, *cols = NULL;
    char *like = sk_asprintf("%s%%", id);
    json_t *params = json_pack("[s,s]", id, like);
    free(like);
    SkStatus s = store_query_json(st,
                                  "SELECT * FROM runs WHERE id = ?1 OR (id LIKE ?2 AND NOT EXISTS "
                                  "(SELECT 1 FROM runs WHERE id = ?1)) LIMIT 3",
                                  params, 0, &rows, &cols, &e);
    json_decref(params);
    if (s != SK_OK) {
        store_close(st);
        return cli_error("%s", e.msg), CLI_EXIT_INFRA;
    }
    if (json_array_size(rows) != 1) {
        bool none = json_array_size(rows) == 0;
        json_decref(rows);
        json_decref(cols);
        store_close(st);
        return cli_error(none ? "no run '%s'" : "'%s' matches several runs; give more of the id",
                         id);
    }
    json_t *objs = runs_objects(rows, cols);
    json_t *run = json_incref(json_array_get(objs, 0));
    json_decref(objs);
    json_decref(rows);
    json_decref(cols);
    const char *rid = js_str(run, "id", "");
    params = json_pack("[s]", rid);
    json_t *srows = NULL, *scols = NULL, *crows = NULL, *ccols = NULL;
    s = store_query_json(st,
                         "SELECT idx, kind, name, started_at, duration_ms, ttft_ms, tokens_in, "
                         "tokens_out, cost_usd, args, exit_code, output_bytes, status, output "
                         "FROM steps WHERE run_id = ?1 ORDER BY idx",
                         params, 0, &srows, &scols, &e);
    if (s == SK_OK)
        s = store_query_json(st,
                             "SELECT criterion, score, weight, status, detail FROM scores WHERE "
                             "run_id = ?1 ORDER BY criterion = 'total', rowid",
                             params, 0, &crows, &ccols, &e);
    json_decref(params);
    store_close(st);
    if (s != SK_OK) {
        json_decref(run);
        return cli_error("%s", e.msg), CLI_EXIT_INFRA;
    }
    json_t *steps = runs_objects(srows, scols), *scores = runs_objects(crows, ccols);
    json_decref(srows);
    json_decref(scols);
    json_decref(crows);
    json_decref(ccols);
    if (json) {
        const char *meta = js_str(run, "meta", NULL);
        if (meta) {
            json_t *m = json_loads(meta, 0, NULL);
            if (m)
                json_object_set_new(run, "meta", m);
        }
        json_object_set(run, "steps", steps);
        json_object_set(run, "scores", scores);
        cli_print_json(run);
    } else {
        char t0[32], t1[32];
        runs_time(js_int(run, "started_at", 0), t0, sizeof t0);
        runs_time(js_int(run, "ended_at", 0), t1, sizeof t1);
        printf("run %s: %s\n", rid, js_str(run, "status", "?"));
        printf("model: %s   skill: %s   task: %s\n", js_str(run, "model", "-"),
               js_str(run, "skill", "-"), js_str(run, "task", "-"));
        printf("started: %s   ended: %s\n", t0, t1);
        json_t *m = json_loads(js_str(run, "meta", "{}"), 0, NULL);
        if (js_str(m, "status_detail", NULL))
            printf("detail: %s\n", js_str(m, "status_detail", ""));
        if (js_str(m, "sandbox", NULL))
            printf("sandbox: %s\n", js_str(m, "sandbox", ""));
        if (js_str(m, "conversation", NULL))
            printf("conversation: %s\n", js_str(m, "conversation", ""));
        json_decref(m);
        if (js_str(run, "error", NULL))
            printf("error: %s\n", js_str(run, "error", ""));
        printf("prompt: %.200s\n", js_str(run, "prompt", ""));
        printf("tokens: in %lld out %lld", js_int(run, "tokens_in", 0),
               js_int(run, "tokens_out", 0));
        if (json_is_number(json_object_get(run, "cost_usd")))
            printf("   cost: $%.4f", js_num(run, "cost_usd", 0));
        printf("\n\nSTEP KIND NAME             START    DURATION  TOKENS      EXIT  BYTES  "
               "STATUS\n");
        int64_t base = js_int(run, "started_at", 0);
        int64_t maxd = 1;
        size_t i;
        json_t *stp;
        json_array_foreach(steps, i, stp) maxd = SK_MAX(maxd, js_int(stp, "duration_ms", 0));
        json_array_foreach(steps, i, stp)
        {
            bool llm = !strcmp(js_str(stp, "kind", ""), "llm");
            char tok[24] = "";
            if (llm && json_is_integer(json_object_get(stp, "tokens_in")))
                snprintf(tok, sizeof tok, "%lld/%lld", js_int(stp, "tokens_in", 0),
                         js_int(stp, "tokens_out", 0));
            char ex[8] = "";
            if (!llm)
                snprintf(ex, sizeof ex, "%lld", js_int(stp, "exit_code", 0));
            int64_t d = js_int(stp, "duration_ms", 0);
            int bar = (int)(d * 20 / maxd);
            char bars[24];
            memset(bars, '#', (size_t)bar);
            bars[bar] = '\0';
            printf("%4lld %-4s %-16.16s %6.1fs %8lldms  %-10s %4s %6lld  %-6s %s\n",
                   js_int(stp, "idx", 0), llm ? "llm" : "tool",
                   llm ? "model" : js_str(stp, "name", "?"),
                   (double)(js_int(stp, "started_at", base) - base) / 1000.0, (long long)d, tok,
                   ex, js_int(stp, "output_bytes", 0), js_str(stp, "status", ""), bars);
            if (!llm) {
                const char *args = js_str(stp, "args", "");
                printf("          %.100s\n", args);
            }
        }
        if (json_array_size(scores) > 0) {
            printf("\nCRITERION        SCORE  WEIGHT  STATUS   DETAIL\n");
            json_t *sc;
            json_array_foreach(scores, i, sc)
            {
                char sv[16] = "  -  ";
                if (json_is_number(json_object_get(sc, "score")))
                    snprintf(sv, sizeof sv, "%.3f", js_num(sc, "score", 0));
                printf("%-16.16s %5s  %6.2f  %-8s %.80s\n", js_str(sc, "criterion", ""), sv,
                       js_num(sc, "weight", 0), js_str(sc, "status", ""),
                       js_str(sc, "detail", ""));
            }
        }
        if (js_str(run, "final_text", NULL) && *js_str(run, "final_text", ""))
            printf("\nfinal answer:\n%s\n", js_str(run, "final_text", ""));
    }
    json_decref(steps);
    json_decref(scores);
    json_decref(run);
    return CLI_EXIT_OK;
}

int cmd_runs(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(runs_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "list"))
        return runs_list(argc - 1, argv + 1);
    if (!strcmp(argv[1], "show"))
        return runs_show(argc - 1, argv + 1);
    return cli_error("unknown runs subcommand '%s' (list, show)", argv[1]);
}
