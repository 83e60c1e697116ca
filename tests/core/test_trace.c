/* test_trace.c: the event bus (listeners, queue, wake-up fd, threads) and the persister. */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "core/store.h"
#include "core/trace.h"
#include "tests/testlib.h"

START_TEST(test_event_json)
{
    json_t *d = json_object();
    json_object_set_new(d, "ttft_ms", json_integer(42));
    TraceEvent *ev = trace_event_new(TRACE_LLM_FIRST_TOKEN, "run-1", 3, "hi", d);
    ck_assert_str_eq(trace_kind_name(ev->kind), "llm.first_token");
    json_t *j = trace_event_to_json(ev);
    ck_assert_str_eq(js_str(j, "kind", ""), "llm.first_token");
    ck_assert_str_eq(js_str(j, "run", ""), "run-1");
    ck_assert_int_eq(js_int(j, "step", 0), 3);
    ck_assert_str_eq(js_str(j, "text", ""), "hi");
    ck_assert_int_eq(js_int(js_obj(j, "data"), "ttft_ms", 0), 42);
    json_decref(j);
    TraceEvent *c = trace_event_copy(ev);
    ck_assert_str_eq(c->text, "hi");
    ck_assert_ptr_ne(c->data, ev->data);
    TraceKind k;
    ck_assert(trace_kind_from_name("llm.retry", &k));
    ck_assert_int_eq(k, TRACE_LLM_RETRY);
    ck_assert(!trace_kind_from_name("nope", &k));
    ck_assert_str_eq(trace_kind_name((TraceKind)999), "unknown");
    trace_event_free(c);
    trace_event_free(ev);
    trace_event_free(NULL);
}
END_TEST

typedef struct Counter {
    pthread_mutex_t mu;
    int n;
} Counter;

static void count_listener(const TraceEvent *ev, void *ud)
{
    (void)ev;
    Counter *c = ud;
    pthread_mutex_lock(&c->mu);
    c->n++;
    pthread_mutex_unlock(&c->mu);
}

static void *publisher(void *p)
{
    TraceBus *bus = p;
    for (int i = 0; i < 500; i++)
        trace_bus_publish(bus, trace_event_new(TRACE_LLM_DELTA, "r", i, "tok", NULL));
    return NULL;
}

START_TEST(test_bus_threads_queue_fd)
{
    TraceBus *bus = trace_bus_new();
    Counter c = {PTHREAD_MUTEX_INITIALIZER, 0};
    trace_bus_add_listener(bus, count_listener, &c);
    /* without the queue nothing accumulates and the fd stays quiet */
    trace_bus_publish(bus, trace_event_new(TRACE_LOG, NULL, -1, "x", NULL));
    struct pollfd pfd = {trace_bus_fd(bus), POLLIN, 0};
    ck_assert_int_eq(poll(&pfd, 1, 0), 0);
    trace_bus_enable_queue(bus, true);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, publisher, bus);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(c.n, 2001);
    ck_assert_int_eq(poll(&pfd, 1, 0), 1);
    SkVec out;
    sk_vec_init(&out, (SkFreeFn)trace_event_free);
    ck_assert_uint_eq(trace_bus_drain(bus, &out), 2000);
    ck_assert_uint_eq(out.len, 2000);
    ck_assert_int_eq(poll(&pfd, 1, 0), 0); /* wake-up cleared */
    ck_assert_uint_eq(trace_bus_drain(bus, &out), 0);
    sk_vec_done(&out);
    trace_bus_remove_listener(bus, count_listener, &c);
    trace_bus_publish(bus, trace_event_new(TRACE_LOG, NULL, -1, "y", NULL));
    ck_assert_int_eq(c.n, 2001);
    ck_assert_int_eq(poll(&pfd, 1, 0), 1);
    trace_bus_free(bus);
    trace_bus_publish(NULL, trace_event_new(TRACE_LOG, NULL, -1, "z", NULL)); /* freed */
}
END_TEST

START_TEST(test_store_sink)
{
    const char *home = tl_fresh_home();
    char *db = sk_path_join(home, "skvm.db");
    TraceBus *bus = trace_bus_new();
    TraceStoreSink *sink = NULL;
    SkError err = {0};
    ck_assert_msg(trace_store_sink_new(bus, db, &sink, &err) == SK_OK, "%s", err.msg);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, publisher, bus);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    json_t *d = json_object();
    json_object_set_new(d, "usage", json_integer(7));
    trace_bus_publish(bus, trace_event_new(TRACE_LLM_END, "run-x", 2, NULL, d));
    trace_store_sink_flush(sink);
    ck_assert_uint_eq(trace_store_sink_written(sink), 1501);
    trace_store_sink_free(sink);
    trace_bus_free(bus);

    Store *st = NULL;
    ck_assert_int_eq(store_open(db, &st, NULL), SK_OK);
    json_t *rows = NULL;
    ck_assert_int_eq(store_query_json(st, "SELECT COUNT(*) FROM events WHERE kind = 'llm.delta'",
                                      NULL, 0, &rows, NULL, NULL),
                     SK_OK);
    ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(rows, 0), 0)), 1500);
    json_decref(rows);
    ck_assert_int_eq(store_query_json(st, "SELECT run_id, step, data FROM events WHERE kind = "
                                          "'llm.end'",
                                      NULL, 0, &rows, NULL, NULL),
                     SK_OK);
    json_t *row = json_array_get(rows, 0);
    ck_assert_str_eq(json_string_value(json_array_get(row, 0)), "run-x");
    ck_assert_int_eq(json_integer_value(json_array_get(row, 1)), 2);
    ck_assert_str_eq(json_string_value(json_array_get(row, 2)), "{\"usage\":7}");
    json_decref(rows);
    store_close(st);
    free(db);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_event_json);
    tcase_add_test(tc, test_bus_threads_queue_fd);
    tcase_add_test(tc, test_store_sink);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
