/* http.c: libcurl multi-handle transfer engine (the only file that includes curl.h). */
#include "core/http.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define HTTP_WAIT_SLICE_MS 20
#define HTTP_POLL_MAX_MS 50
#define HTTP_IDLE_POLL_MS 1000

typedef enum HttpXferState { XFER_QUEUED, XFER_ACTIVE, XFER_DONE } HttpXferState;

typedef struct HttpChunkMark {
    size_t len;
    int64_t t_ms;
} HttpChunkMark;

typedef struct HttpPool {
    char *name;
    int active;
} HttpPool;

typedef struct HttpXfer {
    struct HttpEngine *engine;
    const HttpRequest *req;
    CURL *easy;
    struct curl_slist *hdrs;
    HttpXferState state;
    HttpPool *pool;
    pthread_cond_t cv;
    /* response head (built by the engine thread) */
    int status;
    json_t *headers;
    bool in_interim; /* inside a 1xx head */
    bool head_ready;
    bool head_taken;
    /* body inbox */
    SkBuf inbox;
    HttpChunkMark *marks;
    size_t n_marks, cap_marks;
    size_t bytes, chunks;
    /* timing */
    int64_t t_queued, t_start, t_first, t_last;
    /* outcome */
    bool cancel_req;   /* the caller wants it stopped */
    bool stop_req;     /* a callback returned false */
    SkStatus fail;     /* set by the engine for timeouts / cancel */
    char fail_msg[256];
    CURLcode result;
    char errbuf[CURL_ERROR_SIZE];
    long num_connects;
    struct HttpXfer *next; /* queue link */
} HttpXfer;

struct HttpEngine {
    pthread_mutex_t mu;
    pthread_t thread;
    CURLM *multi;
    bool stop;
    HttpXfer *queue_head, *queue_tail; /* waiting to start */
    HttpXfer **active;
    size_t n_active, cap_active;
    HttpPool **pools;
    size_t n_pools, cap_pools;
    HttpStats stats;
};

static pthread_once_t http_global_once = PTHREAD_ONCE_INIT;
static CURLcode http_global_rc;

static void http_global_init(void)
{
    http_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- results ---- */

void http_result_init(HttpResult *res)
{
    memset(res, 0, sizeof *res);
    sk_buf_init(&res->body);
    res->ttfb_ms = -1;
}

void http_result_done(HttpResult *res)
{
    free(res->content_type);
    if (res->headers)
        json_decref(res->headers);
    sk_buf_done(&res->body);
    memset(res, 0, sizeof *res);
}

/* ---- engine-thread callbacks (called inside curl_multi_perform, lock not held) ---- */

static size_t http_header_cb(char *p, size_t size, size_t nmemb, void *ud)
{
    HttpXfer *x = ud;
    size_t n = size * nmemb;
    HttpEngine *e = x->engine;
    int64_t now = sk_now_ms();
    pthread_mutex_lock(&e->mu);
    if (x->t_first < 0)
        x->t_first = now;
    x->t_last = now;
    if (x->cancel_req || x->stop_req) {
        pthread_mutex_unlock(&e->mu);
        return 0;
    }
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* status line: a new head starts (after 1xx or a redirect) */
        const char *sp = memchr(p, ' ', n);
        int status = sp ? atoi(sp + 1) : 0;
        x->status = status;
        x->in_interim = status >= 100 && status < 200;
        json_object_clear(x->headers);
    } else if (n <= 2 && (n == 0 || p[0] == '\r' || p[0] == '\n')) {
        if (!x->in_interim && x->status >= 200) {
            x->head_ready = true;
            pthread_cond_signal(&x->cv);
        }
    } else {
        const char *colon = memchr(p, ':', n);
        if (colon && !x->in_interim) {
            size_t nl = (size_t)(colon - p);
            char *name = sk_strndup(p, nl);
            for (char *c = name; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            const char *v = colon + 1;
            size_t vl = n - nl - 1;
            while (vl && (*v == ' ' || *v == '\t')) {
                v++;
                vl--;
            }
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
                vl--;
            json_object_set_new(x->headers, sk_str_trim(name), json_stringn(v, vl));
            free(name);
        }
    }
    pthread_mutex_unlock(&e->mu);
    return n;
}

static size_t http_write_cb(char *p, size_t size, size_t nmemb, void *ud)
{
    HttpXfer *x = ud;
    size_t n = size * nmemb;
    HttpEngine *e = x->engine;
    int64_t now = sk_now_ms();
    pthread_mutex_lock(&e->mu);
    if (x->cancel_req || x->stop_req) {
        pthread_mutex_unlock(&e->mu);
        return 0;
    }
    if (x->t_first < 0)
        x->t_first = now;
    x->t_last = now;
    if (!x->head_ready) {
        /* Some servers send no header terminator we saw (HTTP/0.9-ish): treat as ready. */
        x->head_ready = true;
    }
    sk_buf_append(&x->inbox, p, n);
    if (x->n_marks == x->cap_marks) {
        x->cap_marks = x->cap_marks ? x->cap_marks * 2 : 16;
        x->marks = sk_realloc(x->marks, x->cap_marks * sizeof *x->marks);
    }
    x->marks[x->n_marks++] = (HttpChunkMark){n, now - x->t_start};
    x->bytes += n;
    x->chunks++;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&e->mu);
    return n;
}

/* ---- engine thread (lock held unless noted) ---- */

static HttpPool *http_pool_get(HttpEngine *e, const char *name)
{
    for (size_t i = 0; i < e->n_pools; i++)
        if (strcmp(e->pools[i]->name, name) == 0)
            return e->pools[i];
    if (e->n_pools == e->cap_pools) {
        e->cap_pools = e->cap_pools ? e->cap_pools * 2 : 4;
        e->pools = sk_realloc(e->pools, e->cap_pools * sizeof *e->pools);
    }
    HttpPool *p = sk_calloc(1, sizeof *p);
    p->name = sk_strdup(name);
    e->pools[e->n_pools++] = p;
    return p;
}

static void http_finish(HttpEngine *e, HttpXfer *x, SkStatus fail, const char *msg)
{
    if (x->state == XFER_ACTIVE) {
        curl_multi_remove_handle(e->multi, x->easy);
        for (size_t i = 0; i < e->n_active; i++) {
            if (e->active[i] == x) {
                e->active[i] = e->active[--e->n_active];
                break;
            }
        }
        if (x->pool)
            x->pool->active--;
        e->stats.transfers++;
        long nc = 0;
        curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nc);
        x->num_connects = nc;
        if (nc == 0 && x->t_first >= 0)
            e->stats.reused++;
    }
    if (fail != SK_OK && x->fail == SK_OK) {
        x->fail = fail;
        snprintf(x->fail_msg, sizeof x->fail_msg, "%s", msg);
    }
    x->state = XFER_DONE;
    pthread_cond_signal(&x->cv);
}

static void http_start_queued(HttpEngine *e)
{
    HttpXfer **pp = &e->queue_head;
    HttpXfer *prev = NULL;
    while (*pp) {
        HttpXfer *x = *pp;
        if (x->cancel_req) {
            *pp = x->next;
            if (e->queue_tail == x)
                e->queue_tail = prev;
            http_finish(e, x, SK_ERR_CANCELLED, "cancelled before it started");
            continue;
        }
        const HttpRequest *r = x->req;
        HttpPool *pool = NULL;
        if (r->pool && r->pool_limit > 0) {
            pool = http_pool_get(e, r->pool);
            if (pool->active >= r->pool_limit) {
                prev = x;
                pp = &x->next;
                continue;
            }
        }
        /* start it */
        *pp = x->next;
        if (e->queue_tail == x)
            e->queue_tail = prev;
        x->next = NULL;
        x->pool = pool;
        if (pool)
            pool->active++;
        x->t_start = sk_now_ms();
        x->state = XFER_ACTIVE;
        if (e->n_active == e->cap_active) {
            e->cap_active = e->cap_active ? e->cap_active * 2 : 16;
            e->active = sk_realloc(e->active, e->cap_active * sizeof *e->active);
        }
        e->active[e->n_active++] = x;
        if (e->n_active > e->stats.max_active)
            e->stats.max_active = e->n_active;
        CURLMcode mc = curl_multi_add_handle(e->multi, x->easy);
        if (mc != CURLM_OK) {
            char msg[160];
            snprintf(msg, sizeof msg, "cannot start the transfer: %s", curl_multi_strerror(mc));
            http_finish(e, x, SK_ERR_INTERNAL, msg);
        }
    }
}

static void http_check_deadlines(HttpEngine *e, int64_t now)
{
    for (size_t i = 0; i < e->n_active;) {
        HttpXfer *x = e->active[i];
        const HttpRequest *r = x->req;
        char msg[160];
        SkStatus fail = SK_OK;
        if (x->cancel_req) {
            fail = SK_ERR_CANCELLED;
            snprintf(msg, sizeof msg, "cancelled");
        } else if (x->stop_req) {
            fail = SK_ERR_CANCELLED;
            snprintf(msg, sizeof msg, "stopped");
        } else if (x->t_first < 0 && r->ttfb_timeout_ms > 0 &&
                   now - x->t_start > r->ttfb_timeout_ms) {
            fail = SK_ERR_TIMEOUT;
            snprintf(msg, sizeof msg, "no response within %d ms (time-to-first-byte timeout)",
                     r->ttfb_timeout_ms);
        } else if (x->t_first >= 0 && r->idle_timeout_ms > 0 &&
                   now - x->t_last > r->idle_timeout_ms) {
            fail = SK_ERR_TIMEOUT;
            snprintf(msg, sizeof msg, "no data for %d ms (idle timeout)", r->idle_timeout_ms);
        }
        if (fail != SK_OK) {
            http_finish(e, x, fail, msg); /* removes it from active[i] */
            continue;
        }
        i++;
    }
}

static void *http_engine_main(void *arg)
{
    HttpEngine *e = arg;
    pthread_mutex_lock(&e->mu);
    while (!e->stop) {
        http_start_queued(e);
        http_check_deadlines(e, sk_now_ms());
        bool busy = e->n_active > 0;
        pthread_mutex_unlock(&e->mu);

        int running = 0;
        curl_multi_perform(e->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(e->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            HttpXfer *x = NULL;
            /* find the transfer owning this easy handle */
            pthread_mutex_lock(&e->mu);
            for (size_t i = 0; i < e->n_active; i++) {
                if (e->active[i]->easy == m->easy_handle) {
                    x = e->active[i];
                    break;
                }
            }
            if (x) {
                x->result = m->data.result;
                http_finish(e, x, SK_OK, "");
            }
            pthread_mutex_unlock(&e->mu);
        }
        long curl_to = -1;
        curl_multi_timeout(e->multi, &curl_to);
        /* Deadlines are checked at least every HTTP_POLL_MAX_MS while transfers run; an
         * idle engine sleeps until curl_multi_wakeup() (new transfer, cancel, stop). */
        int wait = busy ? HTTP_POLL_MAX_MS : HTTP_IDLE_POLL_MS;
        if (curl_to >= 0 && curl_to < wait)
            wait = (int)curl_to;
        curl_multi_poll(e->multi, NULL, 0, wait, NULL);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

HttpEngine *http_engine_new(SkError *err)
{
    pthread_once(&http_global_once, http_global_init);
    if (http_global_rc != CURLE_OK) {
        sk_error_set(err, SK_ERR_INTERNAL, "cannot initialize libcurl: %s",
                     curl_easy_strerror(http_global_rc));
        return NULL;
    }
    HttpEngine *e = sk_calloc(1, sizeof *e);
    e->multi = curl_multi_init();
    if (!e->multi) {
        free(e);
        sk_error_set(err, SK_ERR_INTERNAL, "cannot create a libcurl multi handle");
        return NULL;
    }
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, 64L);
    pthread_mutex_init(&e->mu, NULL);
    if (pthread_create(&e->thread, NULL, http_engine_main, e) != 0) {
        curl_multi_cleanup(e->multi);
        pthread_mutex_destroy(&e->mu);
        free(e);
        sk_error_set(err, SK_ERR_INTERNAL, "cannot start the HTTP engine thread");
        return NULL;
    }
    return e;
}

void http_engine_free(HttpEngine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    e->stop = true;
    pthread_mutex_unlock(&e->mu);
    curl_multi_wakeup(e->multi);
    pthread_join(e->thread, NULL);
    curl_multi_cleanup(e->multi);
    for (size_t i = 0; i < e->n_pools; i++) {
        free(e->pools[i]->name);
        free(e->pools[i]);
    }
    free(e->pools);
    free(e->active);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

void http_engine_stats(HttpEngine *e, HttpStats *out)
{
    pthread_mutex_lock(&e->mu);
    *out = e->stats;
    pthread_mutex_unlock(&e->mu);
}

/* ---- caller side ---- */

static SkStatus http_classify_curl(CURLcode rc, const char *errbuf, HttpXfer *x, SkError *err)
{
    const char *detail = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        if (x->t_first < 0 && x->status == 0)
            return sk_error_set(err, SK_ERR_TIMEOUT, "timed out (connect or total timeout): %s",
                                detail);
        return sk_error_set(err, SK_ERR_TIMEOUT, "total timeout reached: %s", detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return sk_error_set(err, SK_ERR_CONFIG, "bad URL: %s", detail);
    default:
        return sk_error_set(err, SK_ERR_NETWORK, "%s", detail);
    }
}

static void http_copy_head(HttpXfer *x, HttpResult *res)
{
    res->status = x->status;
    if (res->headers)
        json_decref(res->headers);
    res->headers = json_deep_copy(x->headers);
    free(res->content_type);
    const char *ct = json_string_value(json_object_get(x->headers, "content-type"));
    res->content_type = sk_strdup(ct ? ct : "");
}

SkStatus http_perform(HttpEngine *e, const HttpRequest *req, HttpResult *res, SkError *err)
{
    HttpXfer *x = sk_calloc(1, sizeof *x);
    x->engine = e;
    x->req = req;
    x->t_first = -1;
    x->headers = json_object();
    sk_buf_init(&x->inbox);
    pthread_cond_init(&x->cv, NULL);
    x->easy = curl_easy_init();
    if (!x->easy) {
        json_decref(x->headers);
        pthread_cond_destroy(&x->cv);
        free(x);
        return sk_error_set(err, SK_ERR_INTERNAL, "cannot create a libcurl handle");
    }
    CURL *h = x->easy;
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* whatever libcurl can decode */
    curl_easy_setopt(h, CURLOPT_USERAGENT, "skvm/" SKVM_VERSION);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (req->connect_timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms);
    if (req->total_timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)req->total_timeout_ms);
    for (size_t i = 0; i < req->n_headers; i++)
        x->hdrs = curl_slist_append(x->hdrs, req->headers[i]);
    x->hdrs = curl_slist_append(x->hdrs, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
    const char *method = req->method ? req->method : (req->body ? "POST" : "GET");
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
    }
    if (strcmp(method, "GET") == 0 && !req->body)
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    else if (strcmp(method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);

    /* queue it */
    pthread_mutex_lock(&e->mu);
    x->t_queued = sk_now_ms();
    x->state = XFER_QUEUED;
    if (e->queue_tail)
        e->queue_tail->next = x;
    else
        e->queue_head = x;
    e->queue_tail = x;
    pthread_mutex_unlock(&e->mu);
    curl_multi_wakeup(e->multi);

    SkBuf local;
    sk_buf_init(&local);
    HttpChunkMark *marks = NULL;
    size_t cap_marks = 0;
    bool head_delivered = false;

    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (x->state != XFER_DONE && x->inbox.len == 0 && !(x->head_ready && !x->head_taken)) {
            if (req->cancel && *req->cancel && !x->cancel_req) {
                x->cancel_req = true;
                pthread_mutex_unlock(&e->mu);
                curl_multi_wakeup(e->multi);
                pthread_mutex_lock(&e->mu);
                continue;
            }
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += HTTP_WAIT_SLICE_MS * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&x->cv, &e->mu, &ts);
        }
        if (req->cancel && *req->cancel && !x->cancel_req) {
            x->cancel_req = true;
            curl_multi_wakeup(e->multi);
        }
        bool stop = x->cancel_req || x->stop_req;
        if (x->head_ready && !x->head_taken) {
            x->head_taken = true;
            http_copy_head(x, res);
            pthread_mutex_unlock(&e->mu);
            if (!stop && req->on_head) {
                HttpHead hd = {res->status, res->content_type, res->headers};
                if (!req->on_head(&hd, req->ud))
                    stop = true;
            }
            head_delivered = true;
            pthread_mutex_lock(&e->mu);
            if (stop && !x->cancel_req && !x->stop_req) {
                x->stop_req = true;
                curl_multi_wakeup(e->multi);
            }
            continue;
        }
        if (x->inbox.len) {
            /* take the inbox */
            SkBuf tmp = local;
            local = x->inbox;
            x->inbox = tmp;
            sk_buf_reset(&x->inbox);
            size_t nm = x->n_marks;
            if (nm > cap_marks) {
                cap_marks = x->cap_marks;
                marks = sk_realloc(marks, cap_marks * sizeof *marks);
            }
            memcpy(marks, x->marks, nm * sizeof *marks);
            x->n_marks = 0;
            pthread_mutex_unlock(&e->mu);
            if (!head_delivered) {
                /* body before a head we recognised: still deliver */
                head_delivered = true;
            }
            size_t off = 0;
            for (size_t i = 0; i < nm && !stop; i++) {
                if (req->on_data) {
                    if (!req->on_data(local.data + off, marks[i].len, marks[i].t_ms, req->ud))
                        stop = true;
                } else {
                    sk_buf_append(&res->body, local.data + off, marks[i].len);
                }
                off += marks[i].len;
            }
            sk_buf_reset(&local);
            pthread_mutex_lock(&e->mu);
            if (stop && !x->cancel_req && !x->stop_req) {
                x->stop_req = true;
                curl_multi_wakeup(e->multi);
            }
            continue;
        }
        if (x->state == XFER_DONE)
            break;
    }
    /* done: the engine no longer touches X */
    if (!x->head_taken && (x->head_ready || x->status))
        http_copy_head(x, res);
    res->bytes = x->bytes;
    res->chunks = x->chunks;
    res->queued_ms = (x->t_start ? x->t_start : sk_now_ms()) - x->t_queued;
    res->ttfb_ms = x->t_first >= 0 ? x->t_first - x->t_start : -1;
    res->total_ms = x->t_start ? sk_now_ms() - x->t_start : 0;
    res->reused = x->num_connects == 0 && x->t_first >= 0;
    pthread_mutex_unlock(&e->mu);

    SkStatus rc = SK_OK;
    if (x->stop_req && !x->cancel_req) {
        res->stopped = true;
    } else if (x->fail != SK_OK) {
        rc = sk_error_set(err, x->fail, "%s", x->fail_msg);
    } else if (x->result != CURLE_OK) {
        rc = http_classify_curl(x->result, x->errbuf, x, err);
    }
    if (!res->content_type)
        res->content_type = sk_strdup("");
    if (!res->headers)
        res->headers = json_object();

    free(marks);
    sk_buf_done(&local);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    json_decref(x->headers);
    sk_buf_done(&x->inbox);
    free(x->marks);
    pthread_cond_destroy(&x->cv);
    free(x);
    return rc;
}
