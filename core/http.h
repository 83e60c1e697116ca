/* http.h: the HTTP transfer engine, the only module that uses libcurl.
 *
 * One engine thread drives a curl multi handle (shared connection pool, so connections to
 * the same host are reused across requests). Any thread may call http_perform(): the
 * transfer is queued to the engine, and the calling thread waits, receiving the response
 * head and the body chunks as they arrive and running the callbacks itself (so parsing
 * and everything built on it happen on the caller's thread, never on the engine's).
 *
 * Timeouts: connect, time to first byte (any response byte), idle time between received
 * bytes, and total time of the transfer (queue wait excluded). Cancellation: set
 * *req->cancel from any thread; http_perform() returns SK_ERR_CANCELLED within ~25 ms.
 * Per-pool concurrency: transfers that share a pool name run at most pool_limit at a time;
 * the others wait in FIFO order. */
#ifndef SKVM_CORE_HTTP_H
#define SKVM_CORE_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

typedef struct HttpEngine HttpEngine;

/* Start an engine (its thread and multi handle). NULL with ERR filled on failure. */
HttpEngine *http_engine_new(SkError *err);
/* Stop the thread and free. No transfer may be in flight. NULL is a no-op. */
void http_engine_free(HttpEngine *e);

typedef struct HttpHead {
    int status;               /* final status code (interim 1xx heads are skipped) */
    const char *content_type; /* "" when absent; borrowed */
    const json_t *headers;    /* object: lower-case name -> value (last one wins); borrowed */
} HttpHead;

/* Callbacks run on the thread that called http_perform(). Return false to stop the
 * transfer early (http_perform then returns SK_OK with res->stopped set). */
typedef bool (*HttpHeadFn)(const HttpHead *head, void *ud);
/* T_MS: arrival time of the chunk in ms after the transfer started. */
typedef bool (*HttpDataFn)(const char *data, size_t n, int64_t t_ms, void *ud);

typedef struct HttpRequest {
    const char *method;          /* NULL: POST when a body is given, else GET */
    const char *url;
    const char *const *headers;  /* "Name: value" lines */
    size_t n_headers;
    const char *body;            /* may be NULL */
    size_t body_len;
    const char *pool;            /* concurrency pool name; NULL: unlimited */
    int pool_limit;              /* <= 0: unlimited */
    int connect_timeout_ms;      /* 0: none */
    int ttfb_timeout_ms;         /* 0: none */
    int idle_timeout_ms;         /* 0: none */
    int total_timeout_ms;        /* 0: none */
    volatile int *cancel;        /* may be NULL */
    HttpHeadFn on_head;          /* may be NULL */
    HttpDataFn on_data;          /* NULL: the body is collected in HttpResult.body */
    void *ud;
} HttpRequest;

typedef struct HttpResult {
    int status;        /* 0 when no response head arrived */
    char *content_type; /* "" when absent */
    json_t *headers;   /* lower-case name -> value */
    SkBuf body;        /* only when on_data is NULL */
    size_t bytes;      /* body bytes received */
    size_t chunks;     /* body chunks received */
    int64_t queued_ms; /* time waiting for a pool slot */
    int64_t ttfb_ms;   /* transfer start to first response byte; -1 when none */
    int64_t total_ms;  /* transfer start to end */
    bool stopped;      /* a callback returned false */
    bool reused;       /* the connection was reused from the pool */
} HttpResult;

void http_result_init(HttpResult *res);
void http_result_done(HttpResult *res);

/* Run one transfer and wait for it. SK_OK once a complete response arrived (any HTTP
 * status: the caller classifies it). Failures: SK_ERR_TIMEOUT (message names which
 * timeout), SK_ERR_NETWORK (refused, reset, DNS, TLS, truncated transfer),
 * SK_ERR_CANCELLED, SK_ERR_CONFIG (malformed or unsupported URL). RES is filled as far as
 * the transfer got (init it first; done it afterwards). Thread-safe. */
SkStatus http_perform(HttpEngine *e, const HttpRequest *req, HttpResult *res, SkError *err);

/* Counters for tests and benchmarks. */
typedef struct HttpStats {
    uint64_t transfers;    /* completed transfers */
    uint64_t reused;       /* transfers that reused a connection */
    uint64_t max_active;   /* most transfers active at once */
} HttpStats;
void http_engine_stats(HttpEngine *e, HttpStats *out);

#endif
