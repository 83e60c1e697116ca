/* test_http.c: the libcurl transfer engine against the loopback model server: bodies and
 * heads, streaming callbacks, timeouts, cancellation, per-pool limits, connection reuse. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/http.h"
#include "core/js.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

static Msrv *g_msrv;
static char g_url[256];

static void setup(void)
{
    if (!msrv_available())
        return;
    SkError err = {0};
    g_msrv = msrv_start("{\"rules\":[{\"match\":{\"last_user\":\"slow\"},\"reply\":{\"text\":"
                        "\"slow reply\",\"ttft_ms\":1500}},"
                        "{\"match\":{\"last_user\":\"drip\"},\"reply\":{\"text\":\"one two "
                        "three four five six\",\"chunk_ms\":150}},"
                        "{\"match\":{\"last_user\":\"wait\"},\"reply\":{\"text\":\"ok\","
                        "\"ttft_ms\":300}},"
                        "{\"reply\":{\"text\":\"quick answer\"}}]}",
                        &err);
    if (!g_msrv)
        fprintf(stderr, "msrv_start: %s\n", err.msg);
    else
        snprintf(g_url, sizeof g_url, "%s/chat/completions", msrv_base_url(g_msrv, "openai"));
}

static void teardown(void)
{
    msrv_stop(g_msrv);
    g_msrv = NULL;
}

#define NEED_SERVER()                                                                              \
    do {                                                                                           \
        if (!msrv_available())                                                                     \
            TL_SKIP("python3 is not installed");                                                   \
        ck_assert_msg(g_msrv != NULL, "the model server did not start");                           \
    } while (0)

static char *chat_body(const char *prompt, bool stream)
{
    return sk_asprintf("{\"model\":\"m\",\"stream\":%s,\"messages\":[{\"role\":\"user\","
                       "\"content\":\"%s\"}]}",
                       stream ? "true" : "false", prompt);
}

static const char *const JSON_HEADERS[] = {"Content-Type: application/json"};

static void req_init(HttpRequest *r, const char *body)
{
    memset(r, 0, sizeof *r);
    r->url = g_url;
    r->headers = JSON_HEADERS;
    r->n_headers = 1;
    r->body = body;
    r->body_len = strlen(body);
    r->connect_timeout_ms = 2000;
    r->total_timeout_ms = 10000;
}

START_TEST(test_collect_body)
{
    NEED_SERVER();
    HttpEngine *e = http_engine_new(NULL);
    ck_assert_ptr_nonnull(e);
    char *body = chat_body("hi", false);
    HttpRequest r;
    req_init(&r, body);
    HttpResult res;
    http_result_init(&res);
    SkError err = {0};
    ck_assert_msg(http_perform(e, &r, &res, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(res.status, 200);
    ck_assert_ptr_nonnull(strstr(res.content_type, "application/json"));
    ck_assert_ptr_nonnull(strstr(sk_buf_cstr(&res.body), "quick answer"));
    ck_assert_ptr_nonnull(json_object_get(res.headers, "content-type"));
    ck_assert(res.ttfb_ms >= 0);
    http_result_done(&res);
    /* a second request on the same engine reuses the connection */
    http_result_init(&res);
    ck_assert_int_eq(http_perform(e, &r, &res, &err), SK_OK);
    ck_assert(res.reused);
    http_result_done(&res);
    HttpStats st;
    http_engine_stats(e, &st);
    ck_assert_uint_eq(st.transfers, 2);
    ck_assert_uint_ge(st.reused, 1);
    free(body);
    http_engine_free(e);
}
END_TEST

typedef struct Stream {
    SkBuf data;
    int chunks;
    int heads;
    int stop_after;
    int64_t last_t;
    bool monotonic;
} Stream;

static bool on_head(const HttpHead *h, void *ud)
{
    Stream *s = ud;
    s->heads++;
    ck_assert_int_eq(h->status, 200);
    ck_assert_ptr_nonnull(strstr(h->content_type, "text/event-stream"));
    return true;
}

static bool on_data(const char *p, size_t n, int64_t t, void *ud)
{
    Stream *s = ud;
    sk_buf_append(&s->data, p, n);
    s->chunks++;
    if (t < s->last_t)
        s->monotonic = false;
    s->last_t = t;
    return !(s->stop_after && s->chunks >= s->stop_after);
}

START_TEST(test_streaming_callbacks)
{
    NEED_SERVER();
    HttpEngine *e = http_engine_new(NULL);
    char *body = chat_body("drip", true);
    HttpRequest r;
    req_init(&r, body);
    Stream s = {SK_BUF_INIT, 0, 0, 0, 0, true};
    r.on_head = on_head;
    r.on_data = on_data;
    r.ud = &s;
    HttpResult res;
    http_result_init(&res);
    SkError err = {0};
    ck_assert_msg(http_perform(e, &r, &res, &err) == SK_OK, "%s", err.msg);
    ck_assert_int_eq(s.heads, 1);
    ck_assert_int_ge(s.chunks, 4); /* paced chunks arrive separately */
    ck_assert(s.monotonic);
    ck_assert_ptr_nonnull(strstr(sk_buf_cstr(&s.data), "[DONE]"));
    ck_assert_uint_eq(res.body.len, 0);
    ck_assert_uint_eq(res.bytes, s.data.len);
    http_result_done(&res);
    /* a callback stopping the transfer */
    sk_buf_reset(&s.data);
    s.chunks = 0;
    s.heads = 0;
    s.stop_after = 2;
    http_result_init(&res);
    int64_t t0 = sk_now_ms();
    ck_assert_int_eq(http_perform(e, &r, &res, &err), SK_OK);
    ck_assert(res.stopped);
    ck_assert_int_eq(s.chunks, 2);
    ck_assert(sk_now_ms() - t0 < 700);
    http_result_done(&res);
    sk_buf_done(&s.data);
    free(body);
    http_engine_free(e);
}
END_TEST

START_TEST(test_timeouts)
{
    NEED_SERVER();
    HttpEngine *e = http_engine_new(NULL);
    /* time to first byte: the server waits 1.5 s before it answers */
    char *body = chat_body("slow", false);
    HttpRequest r;
    req_init(&r, body);
    r.ttfb_timeout_ms = 300;
    HttpResult res;
    http_result_init(&res);
    SkError err = {0};
    int64_t t0 = sk_now_ms();
    ck_assert_int_eq(http_perform(e, &r, &res, &err), SK_ERR_TIMEOUT);
    int64_t dt = sk_now_ms() - t0;
    ck_assert_ptr_nonnull(strstr(err.msg, "first-byte"));
    ck_assert_msg(dt >= 280 && dt < 1450, "took %lld ms", (long long)dt);
    http_result_done(&res);
    free(body);
    /* idle: chunks every 150 ms with a 60 ms idle limit */
    body = chat_body("drip", true);
    req_init(&r, body);
    r.idle_timeout_ms = 60;
    http_result_init(&res);
    ck_assert_int_eq(http_perform(e, &r, &res, &err), SK_ERR_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "idle"));
    http_result_done(&res);
    /* total */
    req_init(&r, body);
    r.total_timeout_ms = 250;
    http_result_init(&res);
    t0 = sk_now_ms();
    ck_assert_int_eq(http_perform(e, &r, &res, &err), SK_ERR_TIMEOUT);
    ck_assert(sk_now_ms() - t0 < 900);
    http_result_done(&res);
    free(body);
    http_engine_free(e);
}
END_TEST

START_TEST(test_network_errors)
{
    HttpEngine *e = http_engine_new(NULL);
    HttpRequest r;
    memset(&r, 0, sizeof r);
    r.url = "http://127.0.0.1:9/nothing"; /* discard port: nobody listens */
    r.connect_timeout_ms = 2000;
    HttpResult res;
    http_result_init(&res);
    SkError err = {0};
    ck_assert_int_eq(http_perform(e, &r, &res, &err), SK_ERR_NETWORK);
    ck_assert(err.msg[0]);
    http_result_done(&res);
    r.url = "ftp://127.0.0.1/x";
    http_result_init(&res);
    ck_assert_int_eq(http_perform(e, &r, &res, &err), SK_ERR_CONFIG);
    http_result_done(&res);
    r.url = "http://exa mple/";
    http_result_init(&res);
    SkStatus rc = http_perform(e, &r, &res, &err);
    ck_assert(rc == SK_ERR_CONFIG || rc == SK_ERR_NETWORK);
    http_result_done(&res);
    http_engine_free(e);
}
END_TEST

typedef struct Job {
    HttpEngine *e;
    const char *body;
    volatile int *cancel;
    const char *pool;
    int limit;
    SkStatus rc;
    int64_t done_at;
} Job;

static void *job_main(void *p)
{
    Job *j = p;
    HttpRequest r;
    req_init(&r, j->body);
    r.cancel = j->cancel;
    r.pool = j->pool;
    r.pool_limit = j->limit;
    HttpResult res;
    http_result_init(&res);
    j->rc = http_perform(j->e, &r, &res, NULL);
    j->done_at = sk_now_ms();
    http_result_done(&res);
    return NULL;
}

START_TEST(test_cancel_from_another_thread)
{
    NEED_SERVER();
    HttpEngine *e = http_engine_new(NULL);
    char *body = chat_body("slow", true);
    volatile int cancel = 0;
    Job j = {e, body, &cancel, NULL, 0, SK_OK, 0};
    pthread_t th;
    pthread_create(&th, NULL, job_main, &j);
    usleep(200 * 1000);
    int64_t at = sk_now_ms();
    cancel = 1;
    pthread_join(th, NULL);
    ck_assert_int_eq(j.rc, SK_ERR_CANCELLED);
    ck_assert_msg(j.done_at - at < 300, "returned %lld ms after the cancel",
                  (long long)(j.done_at - at));
    /* cancelled while still queued behind a pool limit */
    volatile int c2 = 0, c3 = 0;
    Job a = {e, body, &c2, "p", 1, SK_OK, 0};
    Job b = {e, body, &c3, "p", 1, SK_OK, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, job_main, &a);
    usleep(100 * 1000);
    pthread_create(&tb, NULL, job_main, &b);
    usleep(100 * 1000);
    at = sk_now_ms();
    c3 = 1;
    pthread_join(tb, NULL);
    ck_assert_int_eq(b.rc, SK_ERR_CANCELLED);
    ck_assert(b.done_at - at < 300);
    c2 = 1;
    pthread_join(ta, NULL);
    free(body);
    http_engine_free(e);
}
END_TEST

START_TEST(test_pool_limit)
{
    NEED_SERVER();
    HttpEngine *e = http_engine_new(NULL);
    char *body = chat_body("wait", false); /* 300 ms each */
    Job jobs[8];
    pthread_t th[8];
    int64_t t0 = sk_now_ms();
    for (int i = 0; i < 8; i++) {
        jobs[i] = (Job){e, body, NULL, "route-a", 2, SK_OK, 0};
        pthread_create(&th[i], NULL, job_main, &jobs[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(jobs[i].rc, SK_OK);
    }
    int64_t dt = sk_now_ms() - t0;
    HttpStats st;
    http_engine_stats(e, &st);
    ck_assert_uint_eq(st.max_active, 2);
    ck_assert_msg(dt >= 4 * 300 - 50, "8 requests of 300 ms, 2 at a time, took %lld ms",
                  (long long)dt);
    /* without a limit they overlap */
    HttpEngine *e2 = http_engine_new(NULL);
    t0 = sk_now_ms();
    for (int i = 0; i < 8; i++) {
        jobs[i] = (Job){e2, body, NULL, NULL, 0, SK_OK, 0};
        pthread_create(&th[i], NULL, job_main, &jobs[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    http_engine_stats(e2, &st);
    ck_assert_uint_gt(st.max_active, 2);
    free(body);
    http_engine_free(e2);
    http_engine_free(e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("engine");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_collect_body);
    tcase_add_test(tc, test_streaming_callbacks);
    tcase_add_test(tc, test_timeouts);
    tcase_add_test(tc, test_network_errors);
    tcase_add_test(tc, test_cancel_from_another_thread);
    tcase_add_test(tc, test_pool_limit);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
