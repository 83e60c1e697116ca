/* llm_cache.c: request cache in SQLite through the store's statement API. */
#include "core/llm_cache.h"

#include <pthread.h>
#include <string.h>

#include "core/js.h"
#include "core/store.h"

struct LlmCache {
    char *db_path;
    pthread_mutex_t mu;
    Store **idle; /* connections not in use */
    size_t n_idle, cap_idle;
};

LlmCache *llm_cache_new(const char *db_path)
{
    LlmCache *c = sk_calloc(1, sizeof *c);
    c->db_path = db_path ? sk_strdup(db_path) : NULL;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void llm_cache_free(LlmCache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_idle; i++)
        store_close(c->idle[i]);
    free(c->idle);
    free(c->db_path);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static SkStatus llm_cache_take(LlmCache *c, Store **out, SkError *err)
{
    pthread_mutex_lock(&c->mu);
    if (c->n_idle) {
        *out = c->idle[--c->n_idle];
        pthread_mutex_unlock(&c->mu);
        return SK_OK;
    }
    pthread_mutex_unlock(&c->mu);
    SkStatus rc = store_open(c->db_path, out, err);
    if (rc != SK_OK)
        sk_error_prefix(err, "request cache");
    return rc;
}

static void llm_cache_give(LlmCache *c, Store *st)
{
    pthread_mutex_lock(&c->mu);
    if (c->n_idle == c->cap_idle) {
        c->cap_idle = c->cap_idle ? c->cap_idle * 2 : 4;
        c->idle = sk_realloc(c->idle, c->cap_idle * sizeof *c->idle);
    }
    c->idle[c->n_idle++] = st;
    pthread_mutex_unlock(&c->mu);
}

static json_t *llm_cache_normalize(const LlmRequest *req)
{
    json_t *j = llm_request_to_json(req);
    json_object_del(j, "no_stream");
    return j;
}

void llm_cache_key(const LlmRequest *req, char out[65])
{
    json_t *j = llm_cache_normalize(req);
    char *canon = js_dump_canonical(j);
    sk_sha256_hex(canon, strlen(canon), out);
    free(canon);
    json_decref(j);
}

SkStatus llm_cache_get(LlmCache *c, const char *key, LlmResponse *resp, SkError *err)
{
    llm_response_init(resp);
    Store *st = NULL;
    SkStatus rc = llm_cache_take(c, &st, err);
    if (rc != SK_OK)
        return rc;
    StoreStmt *s = NULL;
    rc = store_prepare(st, "SELECT response FROM llm_cache WHERE key = ?1", &s, err);
    char *text = NULL;
    if (rc == SK_OK) {
        store_bind_text(s, 1, key);
        StoreStep step = store_step(s, err);
        if (step == STORE_ROW) {
            const char *t = store_col_text(s, 0);
            text = t ? sk_strdup(t) : NULL;
        } else if (step == STORE_ERROR) {
            rc = err ? err->code : SK_ERR_DB;
        }
        store_finalize(s);
    }
    if (rc == SK_OK && !text)
        rc = sk_error_set(err, SK_ERR_NOT_FOUND, "no cached response for this request");
    if (rc == SK_OK) {
        json_t *j = NULL;
        rc = js_parse(text, strlen(text), &j, err);
        if (rc == SK_OK) {
            rc = llm_response_from_json(j, resp, err);
            json_decref(j);
        }
        if (rc != SK_OK) {
            char why[SK_ERROR_MSG_MAX];
            snprintf(why, sizeof why, "%s", err ? err->msg : "");
            rc = sk_error_set(err, SK_ERR_DB, "cached response is unreadable: %s", why);
        } else {
            resp->cached = true;
            if (store_prepare(st,
                              "UPDATE llm_cache SET hits = hits + 1, last_used = ?2 "
                              "WHERE key = ?1",
                              &s, NULL) == SK_OK) {
                store_bind_text(s, 1, key);
                store_bind_int(s, 2, sk_wall_ms());
                store_step(s, NULL);
                store_finalize(s);
            }
        }
    }
    free(text);
    llm_cache_give(c, st);
    return rc;
}

SkStatus llm_cache_put(LlmCache *c, const char *key, const LlmRequest *req,
                       const LlmResponse *resp, SkError *err)
{
    Store *st = NULL;
    SkStatus rc = llm_cache_take(c, &st, err);
    if (rc != SK_OK)
        return rc;
    json_t *rq = llm_cache_normalize(req);
    json_t *rs = llm_response_to_json(resp);
    json_object_set_new(rs, "cached", json_false());
    char *rqs = js_dump_compact(rq);
    char *rss = js_dump_compact(rs);
    json_decref(rq);
    json_decref(rs);
    StoreStmt *s = NULL;
    rc = store_prepare(st,
                       "INSERT OR REPLACE INTO llm_cache(key, model, created_at, last_used, hits, "
                       "request, response, bytes) VALUES (?1, ?2, ?3, ?3, 0, ?4, ?5, ?6)",
                       &s, err);
    if (rc == SK_OK) {
        int64_t now = sk_wall_ms();
        store_bind_text(s, 1, key);
        store_bind_text(s, 2, req->model);
        store_bind_int(s, 3, now);
        store_bind_text(s, 4, rqs);
        store_bind_text(s, 5, rss);
        store_bind_int(s, 6, (int64_t)(strlen(rqs) + strlen(rss)));
        if (store_step(s, err) == STORE_ERROR)
            rc = err ? err->code : SK_ERR_DB;
        store_finalize(s);
    }
    free(rqs);
    free(rss);
    llm_cache_give(c, st);
    return rc;
}

/* ---- maintenance ---- */

static json_t *llm_cache_time(int64_t ms, bool null)
{
    if (null)
        return json_null();
    char buf[40];
    sk_iso8601(ms, buf, sizeof buf);
    return json_string(buf);
}

SkStatus llm_cache_stats(const char *db_path, json_t **out, SkError *err)
{
    *out = NULL;
    Store *st = NULL;
    SkStatus rc = store_open(db_path, &st, err);
    if (rc != SK_OK)
        return rc;
    StoreStmt *s = NULL;
    json_t *o = json_object();
    rc = store_prepare(st,
                       "SELECT COUNT(*), COALESCE(SUM(bytes),0), COALESCE(SUM(hits),0), "
                       "MIN(created_at), MAX(last_used) FROM llm_cache",
                       &s, err);
    if (rc == SK_OK && store_step(s, err) == STORE_ROW) {
        json_object_set_new(o, "entries", json_integer(store_col_int(s, 0)));
        json_object_set_new(o, "bytes", json_integer(store_col_int(s, 1)));
        json_object_set_new(o, "hits", json_integer(store_col_int(s, 2)));
        json_object_set_new(o, "oldest", llm_cache_time(store_col_int(s, 3), store_col_is_null(s, 3)));
        json_object_set_new(o, "last_used",
                            llm_cache_time(store_col_int(s, 4), store_col_is_null(s, 4)));
    }
    store_finalize(s);
    s = NULL;
    json_t *models = json_array();
    if (rc == SK_OK)
        rc = store_prepare(st,
                           "SELECT model, COUNT(*), COALESCE(SUM(bytes),0), COALESCE(SUM(hits),0) "
                           "FROM llm_cache GROUP BY model ORDER BY COUNT(*) DESC, model",
                           &s, err);
    while (rc == SK_OK && store_step(s, err) == STORE_ROW) {
        json_t *m = json_object();
        const char *name = store_col_text(s, 0);
        json_object_set_new(m, "model", name ? json_string(name) : json_null());
        json_object_set_new(m, "entries", json_integer(store_col_int(s, 1)));
        json_object_set_new(m, "bytes", json_integer(store_col_int(s, 2)));
        json_object_set_new(m, "hits", json_integer(store_col_int(s, 3)));
        json_array_append_new(models, m);
    }
    store_finalize(s);
    json_object_set_new(o, "models", models);
    json_object_set_new(o, "database", json_string(store_path(st)));
    store_close(st);
    if (rc != SK_OK) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return SK_OK;
}

static SkStatus llm_cache_delete(const char *db_path, const char *sql, int64_t before,
                                 int64_t *removed, SkError *err)
{
    Store *st = NULL;
    SkStatus rc = store_open(db_path, &st, err);
    if (rc != SK_OK)
        return rc;
    StoreStmt *s = NULL;
    rc = store_prepare(st, sql, &s, err);
    if (rc == SK_OK) {
        if (before >= 0)
            store_bind_int(s, 1, before);
        if (store_step(s, err) == STORE_ERROR)
            rc = err ? err->code : SK_ERR_DB;
        store_finalize(s);
    }
    if (removed)
        *removed = rc == SK_OK ? store_changes(st) : 0;
    store_close(st);
    return rc;
}

SkStatus llm_cache_clear(const char *db_path, int64_t *removed, SkError *err)
{
    return llm_cache_delete(db_path, "DELETE FROM llm_cache", -1, removed, err);
}

SkStatus llm_cache_prune(const char *db_path, int64_t before_ms, int64_t *removed, SkError *err)
{
    return llm_cache_delete(db_path, "DELETE FROM llm_cache WHERE COALESCE(last_used, created_at, 0) < ?1",
                            before_ms, removed, err);
}
