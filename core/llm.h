/* llm.h: provider-neutral model access.
 *
 * A request holds the full native conversation (system prompt, user/assistant messages with
 * text and tool calls, tool results as structured messages) plus tool definitions and
 * sampling parameters; each backend (OpenAI-compatible /chat/completions, Anthropic
 * /v1/messages) renders it in its own wire format. The client routes "<provider>/<model>"
 * ids through $SKVM_HOME/config.yaml (core/config.h), streams by default (server-sent
 * events), retries transient failures, prices the call, consults the request cache
 * (core/llm_cache.h) and publishes trace events (core/trace.h):
 *
 *   llm.start        data {model, route, kind, stream, attempt, messages, tools}
 *                    (a cache hit: {model, cached:true, stream, attempt:0})
 *   llm.first_token  data {model, ttft_ms, attempt}      (once per attempt)
 *   llm.delta        text = the text fragment
 *   llm.tool_delta   text = argument fragment, data {index, id?, name?}
 *   llm.retry        text = redacted reason, data {attempt, wait_ms, status, http_status,
 *                    retry_after (bool: the server said how long)}
 *   llm.end          data {model, provider_model, id, stop_reason, stop_reason_raw,
 *                    usage {input, output, cache_read, cache_write} | null, cost_usd | null,
 *                    cost_source, attempts, http_status, cached, ttft_ms, total_ms, chunks,
 *                    n_tool_calls, text_bytes, tokens_per_second | null}
 *   llm.error        text = redacted message, data {status, http_status, attempts, model,
 *                    infra (bool: never score it as a skill failure)}
 *
 * Retries: 408, 409, 425, 429, 5xx, 529, errors streamed after HTTP 200 of those kinds,
 * network errors (refused, reset, a stream cut mid-way); honouring retry-after-ms, then
 * retry-after (seconds or HTTP date), capped at retry_cap_ms, else capped exponential
 * backoff with jitter; x-should-retry overrides. Never retried: auth, quota (402, 429
 * insufficient_quota / spend limit), bad request, bad response, timeouts, cancel.
 *
 * Thread-safety: one LlmClient is shared by every worker thread; llm_complete() is
 * blocking and thread-safe. Requests and responses are plain values owned by the caller.
 *
 * API keys never appear in any message, event, or cache row this module produces. */
#ifndef SKVM_CORE_LLM_H
#define SKVM_CORE_LLM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/trace.h"
#include "core/util.h"

typedef struct LlmResponse LlmResponse;
struct SkConfig;

/* ---- messages ---- */

typedef enum LlmRole {
    LLM_ROLE_SYSTEM,    /* extra system text (the main one is LlmRequest.system) */
    LLM_ROLE_USER,      /* text */
    LLM_ROLE_ASSISTANT, /* text and/or tool calls */
    LLM_ROLE_TOOL       /* a tool result: tool_call_id, text (content), is_error */
} LlmRole;

typedef struct LlmToolCall {
    char *id;        /* provider's call id ("call_..", "toolu_.."); never NULL once complete */
    char *name;      /* tool name */
    char *arguments; /* JSON text of the arguments exactly as the model produced it */
} LlmToolCall;

typedef struct LlmMessage {
    LlmRole role;
    char *text; /* may be NULL (assistant with only tool calls) */
    LlmToolCall *tool_calls; /* assistant only */
    size_t n_tool_calls;
    char *tool_call_id; /* LLM_ROLE_TOOL only */
    bool is_error;      /* LLM_ROLE_TOOL only */
} LlmMessage;

typedef struct LlmTool {
    char *name;
    char *description;
    json_t *schema; /* JSON Schema of the input object (owned reference) */
} LlmTool;

typedef enum LlmToolChoice {
    LLM_TOOL_CHOICE_AUTO,     /* default: the model decides */
    LLM_TOOL_CHOICE_NONE,     /* no tool calls */
    LLM_TOOL_CHOICE_REQUIRED, /* some tool must be called */
    LLM_TOOL_CHOICE_NAMED     /* tool_choice_name must be called */
} LlmToolChoice;

typedef struct LlmRequest {
    char *model;  /* full id "<provider>/<model>" */
    char *system; /* may be NULL */
    LlmMessage *messages;
    size_t n_messages, cap_messages;
    LlmTool *tools;
    size_t n_tools, cap_tools;
    LlmToolChoice tool_choice;
    char *tool_choice_name; /* LLM_TOOL_CHOICE_NAMED */
    int max_tokens;         /* 0: backend default (Anthropic requires one: 4096 is sent) */
    double temperature;     /* < 0: not sent */
    char **stop;            /* stop sequences */
    size_t n_stop;
    bool no_stream; /* true: ask for a non-streaming response */
} LlmRequest;

/* Zero the request and set defaults (temperature -1, no tools). MODEL may be NULL. */
void llm_request_init(LlmRequest *req, const char *model);
/* Free everything the request owns; it may be re-initialized afterwards. */
void llm_request_done(LlmRequest *req);
void llm_request_set_model(LlmRequest *req, const char *model);
void llm_request_set_system(LlmRequest *req, const char *system); /* copied; NULL clears */
void llm_request_add_user_text(LlmRequest *req, const char *text);
/* Assistant turn: TEXT may be NULL; CALLS (N of them) are deep-copied. */
void llm_request_add_assistant(LlmRequest *req, const char *text, const LlmToolCall *calls,
                               size_t n);
/* Append the assistant turn of RESP (its text and tool calls) to the conversation. */
void llm_request_add_response(LlmRequest *req, const LlmResponse *resp);
void llm_request_add_tool_result(LlmRequest *req, const char *tool_call_id, const char *content,
                                 bool is_error);
/* SCHEMA is borrowed (the request takes its own reference); NULL means {"type":"object"}. */
void llm_request_add_tool(LlmRequest *req, const char *name, const char *description,
                          json_t *schema);
void llm_request_add_stop(LlmRequest *req, const char *stop);
/* Deep copy. */
void llm_request_copy(LlmRequest *dst, const LlmRequest *src);
/* Provider-neutral JSON form (also the cache key's input: keys sorted when hashed). New ref. */
json_t *llm_request_to_json(const LlmRequest *req);
/* Inverse of llm_request_to_json (REQ gets initialized). SK_ERR_INVALID on a bad shape. */
SkStatus llm_request_from_json(const json_t *j, LlmRequest *req, SkError *err);

/* ---- responses ---- */

typedef enum LlmStopReason {
    LLM_STOP_UNKNOWN,       /* stream ended without a reason */
    LLM_STOP_END,           /* natural end of turn ("stop", "end_turn") */
    LLM_STOP_MAX_TOKENS,    /* "length", "max_tokens" */
    LLM_STOP_TOOL_USE,      /* "tool_calls", "tool_use" */
    LLM_STOP_STOP_SEQUENCE, /* "stop_sequence" */
    LLM_STOP_REFUSAL,       /* "refusal" */
    LLM_STOP_CONTENT_FILTER /* "content_filter" */
} LlmStopReason;

const char *llm_stop_reason_name(LlmStopReason r); /* "end", "max_tokens", "tool_use"... */

/* Normalized usage: input_tokens are the fresh (uncached) prompt tokens on both wires
 * (OpenAI's cached_tokens are subtracted from prompt_tokens; Anthropic's input_tokens
 * already exclude cache reads and writes). */
typedef struct LlmUsage {
    bool known; /* false when the provider reported no usage */
    int64_t input_tokens;
    int64_t output_tokens;
    int64_t cache_read_tokens;
    int64_t cache_write_tokens;
} LlmUsage;

struct LlmResponse {
    char *model;       /* the full id that was requested */
    char *provider_model; /* the model name the provider reported; may be NULL */
    char *id;          /* provider's response id; may be NULL */
    char *request_id;  /* the request-id / x-request-id response header; may be NULL */
    char *text;        /* concatenated assistant text; never NULL after success ("" if none) */
    LlmToolCall *tool_calls;
    size_t n_tool_calls;
    LlmStopReason stop_reason;
    char *stop_reason_raw; /* as the provider spelled it; may be NULL */
    LlmUsage usage;
    bool cost_known;   /* false: unknown price (never silently 0) */
    double cost_usd;
    const char *cost_source; /* "provider", "price-table" or NULL (static string) */
    int64_t ttft_ms;   /* request start (of the successful attempt) to first content; -1 */
    int64_t total_ms;  /* whole call including retries */
    int64_t *chunk_ms; /* arrival of each body chunk, ms after the attempt started */
    size_t n_chunks;
    int attempts;      /* 1 + retries */
    int http_status;   /* of the last attempt; 0 when none / from cache */
    bool cached;       /* answered from the request cache */
};

void llm_response_init(LlmResponse *resp);
void llm_response_done(LlmResponse *resp);
/* {model, provider_model, id, request_id, text, tool_calls:[{id,name,arguments}], stop_reason,
 *  stop_reason_raw, usage:{input,output,cache_read,cache_write}|null, cost_usd|null,
 *  cost_source, timings:{ttft_ms,total_ms,chunks}, attempts, http_status, cached}. New ref. */
json_t *llm_response_to_json(const LlmResponse *resp);
/* Inverse (used by the cache). RESP gets initialized. */
SkStatus llm_response_from_json(const json_t *j, LlmResponse *resp, SkError *err);

/* ---- errors ---- */

/* True when STATUS from llm_complete() is an infrastructure failure (auth, rate limit,
 * quota, server, network, timeout, bad response, bad request, config, cancelled, cache miss)
 * that must never be scored as a skill failure. False for SK_OK and SK_ERR_REFUSED (the
 * model itself declined). */
bool llm_status_is_infra(SkStatus status);

/* ---- the client ---- */

typedef enum LlmCacheMode {
    LLM_CACHE_DEFAULT = 0, /* in LlmCallOptions: use the client's mode */
    LLM_CACHE_NORMAL,      /* read and write the cache */
    LLM_CACHE_OFF,         /* --no-cache: neither read nor write */
    LLM_CACHE_REPLAY       /* --replay: answer only from the cache; miss -> SK_ERR_CACHE_MISS */
} LlmCacheMode;

typedef struct LlmClientOptions {
    const char *home;        /* SKVM_HOME; NULL: sk_home_dir() */
    const char *config_path; /* NULL: <home>/config.yaml (missing file = built-in routes) */
    const char *store_path;  /* cache database; NULL: <home>/skvm.db */
    TraceBus *bus;           /* may be NULL */
    LlmCacheMode cache_mode; /* DEFAULT means NORMAL */
    int connect_timeout_ms;  /* 0: 10000 */
    int ttfb_timeout_ms;     /* time to first byte; 0: 120000 */
    int idle_timeout_ms;     /* between chunks; 0: 60000 */
    int total_timeout_ms;    /* whole attempt; 0: 600000 */
    int max_retries;         /* < 0: 4 */
    int retry_base_ms;       /* 0: 500 (first backoff) */
    int retry_cap_ms;        /* 0: 30000 (cap for backoff and Retry-After) */
} LlmClientOptions;

/* Zero OPTS and fill the defaults (max_retries -1, everything else 0/NULL). */
void llm_client_options_init(LlmClientOptions *opts);

typedef struct LlmClient LlmClient;

/* Create a client: loads the config (bad lines are reported through sk_log and skipped;
 * see llm_client_config_diagnostics) and starts the transfer engine. The cache database
 * is opened lazily, per thread. Returns NULL only when the engine cannot start. */
LlmClient *llm_client_new(const LlmClientOptions *opts);
/* NULL is a no-op. No call may be in flight. */
void llm_client_free(LlmClient *c);
/* The loaded configuration (core/config.h SkConfig), borrowed. */
const struct SkConfig *llm_client_config(const LlmClient *c);

typedef enum LlmDeltaKind { LLM_DELTA_TEXT, LLM_DELTA_TOOL } LlmDeltaKind;

typedef struct LlmDelta {
    LlmDeltaKind kind;
    const char *text; /* fragment (text or tool arguments), NUL-terminated, borrowed */
    size_t len;
    int tool_index;        /* LLM_DELTA_TOOL: index of the call in the response */
    const char *tool_id;   /* set on the first fragment of a call; else NULL */
    const char *tool_name; /* likewise */
} LlmDelta;

/* Called on the calling thread of llm_complete() as content arrives. After a retry the
 * stream restarts; RESTARTED is true on the first delta of a later attempt (discard what
 * was printed). Cached responses deliver one text delta with the whole text. */
typedef void (*LlmDeltaFn)(const LlmDelta *delta, bool restarted, void *ud);

typedef struct LlmCallOptions {
    const char *run_id;    /* for trace events; may be NULL */
    int step;              /* -1 when none */
    volatile int *cancel;  /* set non-zero from any thread to cancel; may be NULL */
    LlmDeltaFn on_delta;   /* may be NULL */
    void *ud;
    LlmCacheMode cache_mode; /* DEFAULT: the client's */
    int max_retries;       /* < 0: the client's */
    int total_timeout_ms;  /* 0: the client's */
} LlmCallOptions;

void llm_call_options_init(LlmCallOptions *opt); /* step -1, max_retries -1, rest 0 */

/* Send REQ and wait for the whole answer. RESP gets initialized by the call (do not
 * pre-initialize; always call llm_response_done() afterwards, also on failure). OPT may
 * be NULL. On failure RESP still has model, attempts, http_status, total_ms and the
 * partial text of the last attempt (e.g. a stream cut mid-way). On failure ERR carries the classified status and a redacted message:
 *   SK_ERR_CONFIG (no route / missing key), SK_ERR_AUTH (401/403), SK_ERR_RATE_LIMIT (429
 *   after retries), SK_ERR_QUOTA (insufficient quota / 402), SK_ERR_SERVER (5xx/529 after
 *   retries), SK_ERR_NETWORK, SK_ERR_TIMEOUT, SK_ERR_BAD_RESPONSE (malformed body, wrong
 *   content type, stream cut), SK_ERR_BAD_REQUEST (400/404/413/422), SK_ERR_REFUSED,
 *   SK_ERR_CANCELLED, SK_ERR_CACHE_MISS (replay mode). */
SkStatus llm_complete(LlmClient *c, const LlmRequest *req, LlmResponse *resp,
                      const LlmCallOptions *opt, SkError *err);

/* TEXT with every known API key (from the routes and their environment variables)
 * replaced by "[REDACTED]". New string. */
char *llm_client_redact(const LlmClient *c, const char *text); /* new string */

#endif
