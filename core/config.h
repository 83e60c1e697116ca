/* config.h: $SKVM_HOME/config.yaml: model routes, API keys, prices.
 *
 *   providers:
 *     routes:                       # first match wins; built-in routes come after these
 *       - match: "local*"           # glob (* and ?) over the full model id, e.g. local/qwen
 *         kind: openai-compatible   # openai-compatible | anthropic | openrouter
 *         base_url: http://127.0.0.1:8080/v1
 *         api_key_env: LOCAL_API_KEY  # or api_key: "..." (discouraged); both optional
 *         max_concurrency: 4        # requests in flight on this route (default 8)
 *         headers: {X-Team: abc}    # extra request headers
 *         anthropic_version: "2023-06-01"   # anthropic kind only
 *   prices:                         # USD per million tokens; first match wins
 *     - match: "openai?gpt-4o*"
 *       input: 2.5
 *       output: 10
 *       cache_read: 1.25
 *       cache_write: 3.125
 *
 * Built-in routes: openai/... (https://api.openai.com/v1, OPENAI_API_KEY), anthropic/...
 * (https://api.anthropic.com, ANTHROPIC_API_KEY), openrouter/... (https://openrouter.ai/api/v1,
 * OPENROUTER_API_KEY), ollama/... (http://127.0.0.1:11434/v1, no key). The backend receives
 * the model id without its first segment ("openai/gpt-4o" -> "gpt-4o").
 *
 * Loading is lenient: a bad entry becomes a "file:line: message" diagnostic and the rest
 * still loads. */
#ifndef SKVM_CORE_CONFIG_H
#define SKVM_CORE_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

typedef enum ConfigKind {
    CONFIG_KIND_OPENAI,     /* "openai-compatible" */
    CONFIG_KIND_ANTHROPIC,  /* "anthropic" */
    CONFIG_KIND_OPENROUTER  /* "openrouter" (OpenAI wire format + provider-reported cost) */
} ConfigKind;

const char *config_kind_name(ConfigKind k);

#define CONFIG_ANTHROPIC_VERSION "2023-06-01"
#define CONFIG_DEFAULT_CONCURRENCY 8

typedef struct ConfigRoute {
    char *match;       /* glob over the full id */
    ConfigKind kind;
    char *base_url;    /* without a trailing slash */
    char *api_key_env; /* may be NULL */
    char *api_key;     /* literal key from the file; may be NULL */
    int max_concurrency;
    json_t *headers;   /* object name -> string value (owned; never NULL) */
    char *anthropic_version;
    bool builtin;
    char *origin;      /* "config.yaml:12" or "built-in" */
} ConfigRoute;

typedef struct ConfigPrice {
    char *match;
    double input, output, cache_read, cache_write; /* USD per million tokens */
    bool has_cache_read, has_cache_write;          /* else input price is used for reads */
    char *origin;
} ConfigPrice;

typedef struct SkConfig {
    char *path; /* the file it came from (may not exist) */
    bool file_found;
    ConfigRoute *routes; /* user routes first, then the built-ins */
    size_t n_routes;
    ConfigPrice *prices;
    size_t n_prices;
    SkVec diagnostics; /* char *, "path:line: message" */
} SkConfig;

/* Load PATH (NULL: $SKVM_HOME/config.yaml). A missing file gives the built-in routes only.
 * Never fails on content (see diagnostics); SK_ERR_IO only when the file exists but cannot
 * be read. *OUT is always set (free with config_free). */
SkStatus config_load(const char *path, SkConfig **out, SkError *err);
/* Same from text; NAME is used in diagnostics. */
SkConfig *config_load_text(const char *text, size_t len, const char *name);
void config_free(SkConfig *cfg);

/* First route matching MODEL_ID; SK_ERR_CONFIG with a helpful message when none does or
 * the id has no "<provider>/" prefix. */
SkStatus config_route_for(const SkConfig *cfg, const char *model_id, const ConfigRoute **out,
                          SkError *err);
/* The model id the backend receives: everything after the first '/'. Borrowed. */
const char *config_backend_model(const char *model_id);
/* The route's key: api_key from the file, else $api_key_env. New string or NULL. */
char *config_route_key(const ConfigRoute *r);
/* Where the key comes from, for display: "env OPENAI_API_KEY (set)", "config file",
 * "env LOCAL_API_KEY (not set)", "none". New string; never contains the key. */
char *config_route_key_status(const ConfigRoute *r);
/* First price matching MODEL_ID; NULL when unknown. */
const ConfigPrice *config_price_for(const SkConfig *cfg, const char *model_id);
/* Cost in USD of the given token counts; false when no price is known. */
bool config_cost(const SkConfig *cfg, const char *model_id, int64_t input, int64_t output,
                 int64_t cache_read, int64_t cache_write, double *usd);
/* The whole resolved configuration as JSON with keys redacted (for `skvm config show`). */
json_t *config_to_json(const SkConfig *cfg);

#endif
