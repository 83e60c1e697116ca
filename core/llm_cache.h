/* llm_cache.h: the request cache (table llm_cache of the store, schema owned by store.c).
 *
 * Key: SHA-256 (hex) of the canonical JSON of the normalized request (model id, system,
 * messages, tools, tool choice, max tokens, temperature, stop sequences; not the
 * streaming flag). Value: the response JSON (llm_response_to_json). Errors are never
 * stored. Connections are opened lazily and pooled; each is used by one thread at a time. */
#ifndef SKVM_CORE_LLM_CACHE_H
#define SKVM_CORE_LLM_CACHE_H

#include <jansson.h>
#include <stdint.h>

#include "core/llm.h"
#include "core/util.h"

typedef struct LlmCache LlmCache;

/* DB_PATH: NULL for $SKVM_HOME/skvm.db. Nothing is opened until first use. */
LlmCache *llm_cache_new(const char *db_path);
void llm_cache_free(LlmCache *c);

/* Hex key of REQ into OUT (65 bytes). */
void llm_cache_key(const LlmRequest *req, char out[65]);

/* Look KEY up: SK_OK with RESP filled (initialized here; resp->cached set), or
 * SK_ERR_NOT_FOUND on a miss, or SK_ERR_DB. Counts a hit. */
SkStatus llm_cache_get(LlmCache *c, const char *key, LlmResponse *resp, SkError *err);
/* Store (replacing) the successful RESP for REQ under KEY. */
SkStatus llm_cache_put(LlmCache *c, const char *key, const LlmRequest *req,
                       const LlmResponse *resp, SkError *err);

/* Maintenance on the database at DB_PATH (NULL: default), for `skvm cache`. */
/* {entries, bytes, hits, oldest, newest (ISO times or null), models:[{model, entries,
 *  bytes, hits}]}. New ref in *OUT. */
SkStatus llm_cache_stats(const char *db_path, json_t **out, SkError *err);
SkStatus llm_cache_clear(const char *db_path, int64_t *removed, SkError *err);
/* Remove entries not used since BEFORE_MS (wall clock ms). */
SkStatus llm_cache_prune(const char *db_path, int64_t before_ms, int64_t *removed, SkError *err);

#endif
