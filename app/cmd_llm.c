/* cmd_llm.c: `skvm llm chat|ping`, `skvm config show|doctor`, `skvm cache stats|clear|prune`. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "core/config.h"
#include "core/js.h"
#include "core/llm.h"
#include "core/llm_cache.h"
#include "core/trace.h"

#include "app/commands.h"

static volatile int llm_cmd_cancel;

static void llm_cmd_on_sigint(int sig)
{
    (void)sig;
    llm_cmd_cancel = 1;
}

static void llm_cmd_log_sink(SkLogLevel level, const char *msg, void *ud)
{
    (void)ud;
    if (level >= SK_LOG_WARN)
        fprintf(stderr, "skvm: %s: %s\n", level == SK_LOG_WARN ? "warning" : "error", msg);
}

static char *llm_cmd_read_stdin(void)
{
    SkBuf b;
    sk_buf_init(&b);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        sk_buf_append(&b, buf, n);
    return sk_buf_steal(&b);
}

/* Exit code of a model call: 2 configuration, 1 refused/cancelled/replay miss, 3 other
 * infrastructure failures (bad requests included: the client or the service is at fault,
 * not the prompt's content). */
static int llm_cmd_exit(SkStatus st)
{
    switch (st) {
    case SK_OK:
        return CLI_EXIT_OK;
    case SK_ERR_CONFIG:
    case SK_ERR_INVALID:
        return CLI_EXIT_USAGE;
    case SK_ERR_REFUSED:
    case SK_ERR_CANCELLED:
    case SK_ERR_CACHE_MISS:
        return CLI_EXIT_FOUND;
    default:
        return CLI_EXIT_INFRA;
    }
}

/* ---- llm chat ---- */

typedef struct ChatOut {
    bool print;
    bool any;
    bool ends_nl;
} ChatOut;

static void llm_cmd_on_delta(const LlmDelta *d, bool restarted, void *ud)
{
    ChatOut *o = ud;
    if (!o->print)
        return;
    if (restarted && o->any) {
        fputs("\n", stdout);
        fflush(stdout);
        fputs("skvm: the stream restarted after a retry; the reply follows again\n", stderr);
    }
    if (d->kind == LLM_DELTA_TEXT && d->len) {
        fwrite(d->text, 1, d->len, stdout);
        fflush(stdout);
        o->any = true;
        o->ends_nl = d->text[d->len - 1] == '\n';
    }
}

static void llm_cmd_usage_line(const LlmResponse *r, FILE *out)
{
    SkBuf b;
    sk_buf_init(&b);
    if (r->usage.known)
        sk_buf_printf(&b, "tokens in %lld out %lld cache read %lld write %lld",
                      (long long)r->usage.input_tokens, (long long)r->usage.output_tokens,
                      (long long)r->usage.cache_read_tokens, (long long)r->usage.cache_write_tokens);
    else
        sk_buf_puts(&b, "tokens unknown");
    if (r->cost_known)
        sk_buf_printf(&b, " | cost $%.6f (%s)", r->cost_usd, r->cost_source);
    else
        sk_buf_puts(&b, " | cost unknown");
    if (r->ttft_ms >= 0)
        sk_buf_printf(&b, " | ttft %lld ms", (long long)r->ttft_ms);
    sk_buf_printf(&b, " | total %lld ms", (long long)r->total_ms);
    int64_t gen = r->total_ms - (r->ttft_ms > 0 ? r->ttft_ms : 0);
    if (r->usage.known && r->usage.output_tokens > 0 && gen > 0 && !r->cached)
        sk_buf_printf(&b, " | %.1f tok/s", (double)r->usage.output_tokens * 1000.0 / (double)gen);
    if (r->attempts > 1)
        sk_buf_printf(&b, " | %d attempts", r->attempts);
    if (r->cached)
        sk_buf_puts(&b, " | cached");
    fprintf(out, "-- %s\n", sk_buf_cstr(&b));
    sk_buf_done(&b);
}

static void llm_cmd_chat_help(FILE *out)
{
    fputs("usage: skvm llm chat MODEL [PROMPT...] [options]\n"
          "Send one prompt to MODEL (<provider>/<model>, routed by $SKVM_HOME/config.yaml),\n"
          "stream the reply to standard output and end with one line of usage, cost and\n"
          "timings. Without PROMPT the prompt is read from standard input.\n"
          "  --system TEXT        system prompt\n"
          "  --max-tokens N       maximum output tokens\n"
          "  --temperature T      sampling temperature (0-2)\n"
          "  --no-stream          ask for a non-streaming response\n"
          "  --no-cache           neither read nor write the request cache\n"
          "  --replay             answer only from the cache (offline); a miss fails\n"
          "  --timeout-ms N       total time limit of one attempt\n"
          "  --max-retries N      retries of transient failures (default 4)\n"
          "  --json               print the response object as JSON instead\n"
          "Exit status: 0 ok, 1 refused/cache miss, 2 usage or configuration, 3 infrastructure\n"
          "(auth, rate limit, quota, server, network, timeout, bad response).\n",
          out);
}

typedef struct LlmCmdCtx {
    TraceBus *bus;
    TraceStoreSink *sink;
    LlmClient *client;
} LlmCmdCtx;

static int llm_cmd_ctx_open(LlmCmdCtx *x, LlmCacheMode mode, bool persist)
{
    memset(x, 0, sizeof *x);
    sk_log_set_sink(llm_cmd_log_sink, NULL);
    x->bus = trace_bus_new();
    if (persist) {
        SkError e = {0};
        if (trace_store_sink_new(x->bus, NULL, &x->sink, &e) != SK_OK)
            cli_warn("trace events will not be stored: %s", e.msg);
    }
    LlmClientOptions co;
    llm_client_options_init(&co);
    co.bus = x->bus;
    co.cache_mode = mode;
    x->client = llm_client_new(&co);
    if (!x->client) {
        cli_error("cannot start the HTTP engine");
        return CLI_EXIT_INFRA;
    }
    return CLI_EXIT_OK;
}

static void llm_cmd_ctx_close(LlmCmdCtx *x)
{
    llm_client_free(x->client);
    trace_store_sink_free(x->sink);
    trace_bus_free(x->bus);
}

static int llm_cmd_chat(int argc, char **argv)
{
    bool json = false, no_cache = false, replay = false, no_stream = false;
    const char *system = NULL, *max_tokens = NULL, *temperature = NULL, *timeout = NULL;
    const char *retries = NULL;
    SkVec pos;
    sk_vec_init(&pos, NULL);
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--help") || cli_opt_flag(&o, "-h")) {
            llm_cmd_chat_help(stdout);
            sk_vec_done(&pos);
            return CLI_EXIT_OK;
        } else if (cli_opt_flag(&o, "--json")) {
            json = true;
        } else if (cli_opt_flag(&o, "--no-cache")) {
            no_cache = true;
        } else if (cli_opt_flag(&o, "--replay")) {
            replay = true;
        } else if (cli_opt_flag(&o, "--no-stream")) {
            no_stream = true;
        } else if (cli_opt_value(&o, "--system", &system) ||
                   cli_opt_value(&o, "--max-tokens", &max_tokens) ||
                   cli_opt_value(&o, "--temperature", &temperature) ||
                   cli_opt_value(&o, "--timeout-ms", &timeout) ||
                   cli_opt_value(&o, "--max-retries", &retries)) {
            continue;
        } else if (o.positional) {
            sk_vec_push(&pos, (void *)o.arg);
        } else {
            sk_vec_done(&pos);
            return cli_opts_unknown(&o);
        }
    }
    if (o.failed) {
        sk_vec_done(&pos);
        return CLI_EXIT_USAGE;
    }
    if (pos.len < 1) {
        sk_vec_done(&pos);
        llm_cmd_chat_help(stderr);
        return cli_error("llm chat: missing MODEL (e.g. openai/gpt-4o)");
    }
    if (no_cache && replay) {
        sk_vec_done(&pos);
        return cli_error("llm chat: --no-cache and --replay exclude each other");
    }
    LlmRequest req;
    llm_request_init(&req, pos.items[0]);
    if (system)
        llm_request_set_system(&req, system);
    if (max_tokens) {
        char *end;
        long v = strtol(max_tokens, &end, 10);
        if (*end || v <= 0 || v > 10000000) {
            llm_request_done(&req);
            sk_vec_done(&pos);
            return cli_error("llm chat: --max-tokens needs a positive integer, not '%s'",
                             max_tokens);
        }
        req.max_tokens = (int)v;
    }
    if (temperature) {
        char *end;
        double v = strtod(temperature, &end);
        if (*end || v < 0 || v > 2) {
            llm_request_done(&req);
            sk_vec_done(&pos);
            return cli_error("llm chat: --temperature needs a number from 0 to 2, not '%s'",
                             temperature);
        }
        req.temperature = v;
    }
    int timeout_ms = 0;
    if (timeout) {
        char *end;
        long v = strtol(timeout, &end, 10);
        if (*end || v <= 0) {
            llm_request_done(&req);
            sk_vec_done(&pos);
            return cli_error("llm chat: --timeout-ms needs a positive integer");
        }
        timeout_ms = (int)v;
    }
    int max_retries = -1;
    if (retries) {
        char *end;
        long v = strtol(retries, &end, 10);
        if (*end || v < 0 || v > 20) {
            llm_request_done(&req);
            sk_vec_done(&pos);
            return cli_error("llm chat: --max-retries needs an integer from 0 to 20");
        }
        max_retries = (int)v;
    }
    req.no_stream = no_stream;
    char *prompt;
    if (pos.len > 1) {
        SkBuf b;
        sk_buf_init(&b);
        for (size_t i = 1; i < pos.len; i++) {
            if (i > 1)
                sk_buf_putc(&b, ' ');
            sk_buf_puts(&b, pos.items[i]);
        }
        prompt = sk_buf_steal(&b);
    } else {
        if (isatty(STDIN_FILENO))
            fputs("(reading the prompt from standard input; end with Ctrl-D)\n", stderr);
        prompt = llm_cmd_read_stdin();
    }
    sk_vec_done(&pos);
    if (!*sk_str_trim(prompt)) {
        free(prompt);
        llm_request_done(&req);
        return cli_error("llm chat: the prompt is empty");
    }
    if (!sk_utf8_valid(prompt, strlen(prompt), NULL)) {
        free(prompt);
        llm_request_done(&req);
        return cli_error("llm chat: the prompt is not valid UTF-8");
    }
    llm_request_add_user_text(&req, prompt);
    free(prompt);

    LlmCmdCtx x;
    int rc = llm_cmd_ctx_open(&x, replay ? LLM_CACHE_REPLAY
                                         : (no_cache ? LLM_CACHE_OFF : LLM_CACHE_NORMAL),
                              true);
    if (rc != CLI_EXIT_OK) {
        llm_request_done(&req);
        llm_cmd_ctx_close(&x);
        return rc;
    }
    signal(SIGINT, llm_cmd_on_sigint);
    ChatOut out = {.print = !json};
    LlmCallOptions opt;
    llm_call_options_init(&opt);
    char run_id[64];
    char stamp[32];
    sk_stamp(sk_wall_ms(), stamp, sizeof stamp);
    snprintf(run_id, sizeof run_id, "chat-%s-%d", stamp, (int)getpid());
    opt.run_id = run_id;
    opt.cancel = &llm_cmd_cancel;
    opt.on_delta = llm_cmd_on_delta;
    opt.ud = &out;
    opt.total_timeout_ms = timeout_ms;
    opt.max_retries = max_retries;
    LlmResponse resp;
    SkError err = {0};
    SkStatus st = llm_complete(x.client, &req, &resp, &opt, &err);
    signal(SIGINT, SIG_DFL);
    if (json) {
        json_t *j = llm_response_to_json(&resp);
        if (st != SK_OK) {
            json_t *e = json_object();
            json_object_set_new(e, "status", json_string(sk_status_name(st)));
            json_object_set_new(e, "message", json_string(err.msg));
            json_object_set_new(e, "infra", json_boolean(llm_status_is_infra(st)));
            json_object_set_new(j, "error", e);
        }
        cli_print_json(j);
        json_decref(j);
    } else if (st == SK_OK || st == SK_ERR_REFUSED) {
        if (out.any && !out.ends_nl)
            fputc('\n', stdout);
        for (size_t i = 0; i < resp.n_tool_calls; i++)
            printf("[tool call %s %s(%s)]\n", resp.tool_calls[i].id, resp.tool_calls[i].name,
                   resp.tool_calls[i].arguments);
        llm_cmd_usage_line(&resp, stdout);
    } else if (out.any && !out.ends_nl) {
        fputc('\n', stdout);
    }
    fflush(stdout);
    if (st != SK_OK)
        cli_error("%s", err.msg);
    llm_response_done(&resp);
    llm_request_done(&req);
    llm_cmd_ctx_close(&x);
    return llm_cmd_exit(st);
}

/* ---- llm ping ---- */

static int llm_cmd_ping(int argc, char **argv)
{
    bool json = false;
    const char *model = NULL;
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--help") || cli_opt_flag(&o, "-h")) {
            fputs("usage: skvm llm ping MODEL [--json]\n"
                  "Check a route end to end: send a tiny request (no cache) and report the\n"
                  "route, time to first token and total time, or the classified error.\n",
                  stdout);
            return CLI_EXIT_OK;
        } else if (cli_opt_flag(&o, "--json")) {
            json = true;
        } else if (o.positional && !model) {
            model = o.arg;
        } else {
            return cli_opts_unknown(&o);
        }
    }
    if (o.failed)
        return CLI_EXIT_USAGE;
    if (!model)
        return cli_error("llm ping: missing MODEL (e.g. ollama/qwen3)");
    LlmCmdCtx x;
    int rc = llm_cmd_ctx_open(&x, LLM_CACHE_OFF, false);
    if (rc != CLI_EXIT_OK) {
        llm_cmd_ctx_close(&x);
        return rc;
    }
    const SkConfig *cfg = llm_client_config(x.client);
    const ConfigRoute *route = NULL;
    SkError err = {0};
    if (config_route_for(cfg, model, &route, &err) != SK_OK) {
        llm_cmd_ctx_close(&x);
        return cli_error("%s", err.msg);
    }
    LlmRequest req;
    llm_request_init(&req, model);
    llm_request_add_user_text(&req, "Reply with the single word: pong");
    req.max_tokens = 16;
    req.temperature = 0;
    LlmCallOptions opt;
    llm_call_options_init(&opt);
    opt.max_retries = 1;
    signal(SIGINT, llm_cmd_on_sigint);
    opt.cancel = &llm_cmd_cancel;
    LlmResponse resp;
    SkStatus st = llm_complete(x.client, &req, &resp, &opt, &err);
    signal(SIGINT, SIG_DFL);
    if (json) {
        json_t *j = json_object();
        json_object_set_new(j, "model", json_string(model));
        json_object_set_new(j, "route", json_string(route->match));
        json_object_set_new(j, "kind", json_string(config_kind_name(route->kind)));
        json_object_set_new(j, "base_url", json_string(route->base_url));
        json_object_set_new(j, "ok", json_boolean(st == SK_OK));
        json_object_set_new(j, "status", json_string(sk_status_name(st)));
        if (st != SK_OK)
            json_object_set_new(j, "message", json_string(err.msg));
        json_object_set_new(j, "response", llm_response_to_json(&resp));
        cli_print_json(j);
        json_decref(j);
    } else if (st == SK_OK) {
        char *ex = sk_strndup(resp.text, 40);
        for (char *p = ex; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        printf("ok %s via %s (%s, %s): ttft %lld ms, total %lld ms, reply \"%s\"\n", model,
               route->match, config_kind_name(route->kind), route->base_url,
               (long long)resp.ttft_ms, (long long)resp.total_ms, ex);
        free(ex);
    } else {
        printf("failed %s via %s (%s, %s): %s: %s\n", model, route->match,
               config_kind_name(route->kind), route->base_url, sk_status_name(st), err.msg);
    }
    llm_response_done(&resp);
    llm_request_done(&req);
    llm_cmd_ctx_close(&x);
    return llm_cmd_exit(st);
}

int cmd_llm(int argc, char **argv)
{
    if (argc < 2 || sk_str_eq(argv[1], "--help") || sk_str_eq(argv[1], "-h")) {
        FILE *out = argc < 2 ? stderr : stdout;
        fputs("usage: skvm llm chat MODEL [PROMPT] [options]   stream one reply\n"
              "       skvm llm ping MODEL [--json]               check a route end to end\n"
              "Run `skvm llm chat --help` for the options.\n",
              out);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (sk_str_eq(argv[1], "chat"))
        return llm_cmd_chat(argc - 1, argv + 1);
    if (sk_str_eq(argv[1], "ping"))
        return llm_cmd_ping(argc - 1, argv + 1);
    return cli_error("llm: unknown subcommand '%s' (chat, ping)", argv[1]);
}

/* ---- config show / doctor ---- */

static void config_cmd_print_routes(const SkConfig *cfg)
{
    printf("config: %s%s\n", cfg->path, cfg->file_found ? "" : " (not found: built-in routes only)");
    printf("routes (first match wins):\n");
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const ConfigRoute *r = &cfg->routes[i];
        char *ks = config_route_key_status(r);
        printf("  %-20s %-17s %-34s key: %-28s max %d  [%s]\n", r->match,
               config_kind_name(r->kind), r->base_url, ks, r->max_concurrency, r->origin);
        free(ks);
        const char *hk;
        json_t *hv;
        json_object_foreach(r->headers, hk, hv)
        {
            bool secret = sk_str_casestr(hk, "auth") || sk_str_casestr(hk, "key") ||
                          sk_str_casestr(hk, "token") || sk_str_casestr(hk, "secret");
            printf("      header %s: %s\n", hk, secret ? "[REDACTED]" : json_string_value(hv));
        }
    }
    if (cfg->n_prices) {
        printf("prices (USD per million tokens: input / output / cache read / cache write):\n");
        for (size_t i = 0; i < cfg->n_prices; i++) {
            const ConfigPrice *p = &cfg->prices[i];
            printf("  %-28s %g / %g / ", p->match, p->input, p->output);
            if (p->has_cache_read)
                printf("%g / ", p->cache_read);
            else
                printf("(input) / ");
            if (p->has_cache_write)
                printf("%g", p->cache_write);
            else
                printf("(input)");
            printf("  [%s]\n", p->origin);
        }
    } else {
        printf("prices: none configured (cost is unknown unless the provider reports it)\n");
    }
}

int cmd_config(int argc, char **argv)
{
    if (argc < 2 || sk_str_eq(argv[1], "--help") || sk_str_eq(argv[1], "-h")) {
        FILE *out = argc < 2 ? stderr : stdout;
        fputs("usage: skvm config show [--json]     resolved routes, keys (redacted), prices\n"
              "       skvm config doctor [--json]   check the configuration; exit 1 on problems\n"
              "The file is $SKVM_HOME/config.yaml (default ~/.skvm/config.yaml).\n",
              out);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const char *sub = argv[1];
    if (!sk_str_eq(sub, "show") && !sk_str_eq(sub, "doctor"))
        return cli_error("config: unknown subcommand '%s' (show, doctor)", sub);
    bool json = false;
    CliOpts o;
    cli_opts_init(&o, argc - 1, argv + 1);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--json"))
            json = true;
        else if (cli_opt_flag(&o, "--help") || cli_opt_flag(&o, "-h")) {
            printf("usage: skvm config %s [--json]\n", sub);
            return CLI_EXIT_OK;
        } else
            return cli_opts_unknown(&o);
    }
    if (o.failed)
        return CLI_EXIT_USAGE;
    SkConfig *cfg = NULL;
    SkError err = {0};
    SkStatus st = config_load(NULL, &cfg, &err);
    if (sk_str_eq(sub, "show")) {
        if (json) {
            json_t *j = config_to_json(cfg);
            cli_print_json(j);
            json_decref(j);
        } else {
            config_cmd_print_routes(cfg);
            for (size_t i = 0; i < cfg->diagnostics.len; i++)
                printf("problem: %s\n", (const char *)cfg->diagnostics.items[i]);
        }
        config_free(cfg);
        return st == SK_OK ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    /* doctor */
    json_t *problems = json_array();
    json_t *notes = json_array();
    for (size_t i = 0; i < cfg->diagnostics.len; i++)
        json_array_append_new(problems, json_string(cfg->diagnostics.items[i]));
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const ConfigRoute *r = &cfg->routes[i];
        char *key = config_route_key(r);
        if (!key && (r->api_key_env || r->api_key)) {
            char *m = sk_asprintf("route %s (%s): no API key: $%s is not set", r->match,
                                  r->origin, r->api_key_env ? r->api_key_env : "?");
            json_array_append_new(r->builtin ? notes : problems, json_string(m));
            free(m);
        }
        if (r->api_key) {
            char *m = sk_asprintf("route %s (%s): the key is written in the config file; prefer "
                                  "api_key_env",
                                  r->match, r->origin);
            json_array_append_new(notes, json_string(m));
            free(m);
        }
        if (sk_str_starts(r->base_url, "http://") && !strstr(r->base_url, "://127.0.0.1") &&
            !strstr(r->base_url, "://localhost") && !strstr(r->base_url, "://[::1]") && key) {
            char *m = sk_asprintf("route %s: key sent over plain http to %s", r->match,
                                  r->base_url);
            json_array_append_new(problems, json_string(m));
            free(m);
        }
        free(key);
        for (size_t k = 0; k < i; k++) {
            if (sk_glob_match(cfg->routes[k].match, r->match) && !r->builtin) {
                char *m = sk_asprintf("route %s (%s) is shadowed by %s (%s), which matches first",
                                      r->match, r->origin, cfg->routes[k].match,
                                      cfg->routes[k].origin);
                json_array_append_new(notes, json_string(m));
                free(m);
                break;
            }
        }
    }
    if (json) {
        json_t *j = config_to_json(cfg);
        json_object_set(j, "problems", problems);
        json_object_set(j, "notes", notes);
        json_object_set_new(j, "ok", json_boolean(json_array_size(problems) == 0));
        cli_print_json(j);
        json_decref(j);
    } else {
        config_cmd_print_routes(cfg);
        for (size_t i = 0; i < json_array_size(notes); i++)
            printf("note: %s\n", json_string_value(json_array_get(notes, i)));
        for (size_t i = 0; i < json_array_size(problems); i++)
            printf("problem: %s\n", json_string_value(json_array_get(problems, i)));
        printf("%s\n", json_array_size(problems) ? "config doctor: problems found"
                                                : "config doctor: ok");
    }
    int code = json_array_size(problems) ? CLI_EXIT_FOUND : CLI_EXIT_OK;
    json_decref(problems);
    json_decref(notes);
    config_free(cfg);
    return code;
}

/* ---- cache ---- */

int cmd_cache(int argc, char **argv)
{
    if (argc < 2 || sk_str_eq(argv[1], "--help") || sk_str_eq(argv[1], "-h")) {
        FILE *out = argc < 2 ? stderr : stdout;
        fputs("usage: skvm cache stats [--json]               entries, size, hits per model\n"
              "       skvm cache clear                        remove every cached response\n"
              "       skvm cache prune --older-than DAYS      remove entries unused for DAYS\n",
              out);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const char *sub = argv[1];
    bool json = false;
    const char *older = NULL;
    CliOpts o;
    cli_opts_init(&o, argc - 1, argv + 1);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--json"))
            json = true;
        else if (cli_opt_value(&o, "--older-than", &older))
            continue;
        else if (cli_opt_flag(&o, "--help") || cli_opt_flag(&o, "-h")) {
            printf("usage: skvm cache %s\n", sub);
            return CLI_EXIT_OK;
        } else
            return cli_opts_unknown(&o);
    }
    if (o.failed)
        return CLI_EXIT_USAGE;
    SkError err = {0};
    if (sk_str_eq(sub, "stats")) {
        json_t *st = NULL;
        if (llm_cache_stats(NULL, &st, &err) != SK_OK)
            return cli_error("cache stats: %s", err.msg), cli_exit_for(err.code);
        if (json) {
            cli_print_json(st);
        } else {
            printf("database: %s\n", js_str(st, "database", ""));
            printf("entries: %lld, %lld bytes, %lld hits\n", js_int(st, "entries", 0),
                   js_int(st, "bytes", 0), js_int(st, "hits", 0));
            if (js_str(st, "oldest", NULL))
                printf("oldest: %s, last used: %s\n", js_str(st, "oldest", ""),
                       js_str(st, "last_used", ""));
            json_t *models = js_arr(st, "models");
            for (size_t i = 0; models && i < json_array_size(models); i++) {
                json_t *m = json_array_get(models, i);
                printf("  %-40s %6lld entries %10lld bytes %6lld hits\n", js_str(m, "model", "?"),
                       js_int(m, "entries", 0), js_int(m, "bytes", 0), js_int(m, "hits", 0));
            }
        }
        json_decref(st);
        return CLI_EXIT_OK;
    }
    if (sk_str_eq(sub, "clear")) {
        int64_t n = 0;
        if (llm_cache_clear(NULL, &n, &err) != SK_OK)
            return cli_error("cache clear: %s", err.msg), cli_exit_for(err.code);
        printf("removed %lld cached responses\n", (long long)n);
        return CLI_EXIT_OK;
    }
    if (sk_str_eq(sub, "prune")) {
        if (!older)
            return cli_error("cache prune: --older-than DAYS is required");
        char *end;
        double days = strtod(older, &end);
        if (*end || days < 0)
            return cli_error("cache prune: --older-than needs a number of days, not '%s'", older);
        int64_t n = 0;
        int64_t before = sk_wall_ms() - (int64_t)(days * 86400000.0);
        if (llm_cache_prune(NULL, before, &n, &err) != SK_OK)
            return cli_error("cache prune: %s", err.msg), cli_exit_for(err.code);
        printf("removed %lld cached responses unused for %g days\n", (long long)n, days);
        return CLI_EXIT_OK;
    }
    return cli_error("cache: unknown subcommand '%s' (stats, clear, prune)", sub);
}
