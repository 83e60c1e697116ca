/* trace.c: typed trace events, the in-process event bus and the store persister. */
#include "core/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/js.h"
#include "core/store.h"

/* ---- events ---- */

static const char *const trace_kind_names[] = {
#define TRACE_KIND_NAME(id, name) name,
    TRACE_KIND_INFO(TRACE_KIND_NAME)
#undef TRACE_KIND_NAME
};

const char *trace_kind_name(TraceKind k)
{
    if ((int)k < 0 || k >= TRACE_KIND_COUNT)
        return "unknown";
    return trace_kind_names[k];
}

bool trace_kind_from_name(const char *name, TraceKind *out)
{
    for (int i = 0; i < TRACE_KIND_COUNT; i++) {
        if (name && strcmp(name, trace_kind_names[i]) == 0) {
            if (out)
                *out = (TraceKind)i;
            return true;
        }
    }
    return false;
}

TraceEvent *trace_event_new(TraceKind kind, const char *run_id, int step, const char *text,
                            json_t *data)
{
    TraceEvent *ev = sk_calloc(1, sizeof *ev);
    ev->kind = kind;
    ev->run_id = run_id ? sk_strdup(run_id) : NULL;
    ev->step = step;
    ev->ts_ms = sk_wall_ms();
    ev->text = text ? sk_strdup(text) : NULL;
    ev->data = data;
    return ev;
}

void trace_event_free(TraceEvent *ev)
{
    if (!ev)
        return;
    free(ev->run_id);
    free(ev->text);
    if (ev->data)
        json_decref(ev->data);
    free(ev);
}

TraceEvent *trace_event_copy(const TraceEvent *ev)
{
    TraceEvent *c = trace_event_new(ev->kind, ev->run_id, ev->step, ev->text,
                                    ev->data ? json_deep_copy(ev->data) : NULL);
    c->ts_ms = ev->ts_ms;
    return c;
}

json_t *trace_event_to_json(const TraceEvent *ev)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(trace_kind_name(ev->kind)));
    json_object_set_new(o, "run", ev->run_id ? json_string(ev->run_id) : json_null());
    json_object_set_new(o, "step", json_integer(ev->step));
    json_object_set_new(o, "ts", json_integer(ev->ts_ms));
    if (ev->text)
        json_object_set_new(o, "text", json_string(ev->text));
    if (ev->data)
        json_object_set(o, "data", ev->data);
    return o;
}

/* ---- bus ---- */

typedef struct TraceListenerEntry {
    TraceListener fn;
    void *ud;
} TraceListenerEntry;

struct TraceBus {
    pthread_mutex_t mu;
    TraceListenerEntry *listeners;
    size_t n_listeners, cap_listeners;
    unsigned listeners_gen;
    bool queue_on;
    SkVec queue; /* TraceEvent * */
    int rfd, wfd; /* self-pipe; readable while the queue is non-empty */
    bool signalled;
};

TraceBus *trace_bus_new(void)
{
    TraceBus *bus = sk_calloc(1, sizeof *bus);
    pthread_mutex_init(&bus->mu, NULL);
    sk_vec_init(&bus->queue, (SkFreeFn)trace_event_free);
    int fds[2];
    if (pipe(fds) != 0)
        sk_die("trace bus: pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    bus->rfd = fds[0];
    bus->wfd = fds[1];
    return bus;
}

void trace_bus_free(TraceBus *bus)
{
    if (!bus)
        return;
    sk_vec_done(&bus->queue);
    free(bus->listeners);
    close(bus->rfd);
    close(bus->wfd);
    pthread_mutex_destroy(&bus->mu);
    free(bus);
}

void trace_bus_add_listener(TraceBus *bus, TraceListener fn, void *ud)
{
    pthread_mutex_lock(&bus->mu);
    if (bus->n_listeners == bus->cap_listeners) {
        bus->cap_listeners = bus->cap_listeners ? bus->cap_listeners * 2 : 4;
        bus->listeners =
            sk_realloc(bus->listeners, bus->cap_listeners * sizeof *bus->listeners);
    }
    bus->listeners[bus->n_listeners++] = (TraceListenerEntry){fn, ud};
    bus->listeners_gen++;
    pthread_mutex_unlock(&bus->mu);
}

void trace_bus_remove_listener(TraceBus *bus, TraceListener fn, void *ud)
{
    pthread_mutex_lock(&bus->mu);
    for (size_t i = 0; i < bus->n_listeners; i++) {
        if (bus->listeners[i].fn == fn && bus->listeners[i].ud == ud) {
            memmove(&bus->listeners[i], &bus->listeners[i + 1],
                    (bus->n_listeners - i - 1) * sizeof *bus->listeners);
            bus->n_listeners--;
            bus->listeners_gen++;
            break;
        }
    }
    pthread_mutex_unlock(&bus->mu);
}

void trace_bus_enable_queue(TraceBus *bus, bool on)
{
    pthread_mutex_lock(&bus->mu);
    bus->queue_on = on;
    pthread_mutex_unlock(&bus->mu);
}

void trace_bus_publish(TraceBus *bus, TraceEvent *ev)
{
    if (!ev)
        return;
    if (!bus) {
        trace_event_free(ev);
        return;
    }
    /* Snapshot the listeners so they run without the bus lock held. */
    TraceListenerEntry local[16];
    TraceListenerEntry *ls = local;
    pthread_mutex_lock(&bus->mu);
    size_t n = bus->n_listeners;
    if (n > 16)
        ls = sk_malloc(n * sizeof *ls);
    if (n)
        memcpy(ls, bus->listeners, n * sizeof *ls);
    pthread_mutex_unlock(&bus->mu);

    for (size_t i = 0; i < n; i++)
        ls[i].fn(ev, ls[i].ud);
    if (ls != local)
        free(ls);

    pthread_mutex_lock(&bus->mu);
    if (bus->queue_on) {
        sk_vec_push(&bus->queue, ev);
        ev = NULL;
        if (!bus->signalled) {
            char b = 1;
            ssize_t w = write(bus->wfd, &b, 1);
            (void)w;
            bus->signalled = true;
        }
    }
    pthread_mutex_unlock(&bus->mu);
    trace_event_free(ev);
}

int trace_bus_fd(const TraceBus *bus)
{
    return bus->rfd;
}

size_t trace_bus_drain(TraceBus *bus, SkVec *out)
{
    pthread_mutex_lock(&bus->mu);
    size_t n = bus->queue.len;
    for (size_t i = 0; i < n; i++)
        sk_vec_push(out, bus->queue.items[i]);
    bus->queue.len = 0;
    if (bus->signalled) {
        char buf[64];
        while (read(bus->rfd, buf, sizeof buf) > 0) {
        }
        bus->signalled = false;
    }
    pthread_mutex_unlock(&bus->mu);
    return n;
}

/* ---- persister: a listener that writes events into the store's events table ----
 *
 * Listeners run on worker threads and SQLite connections are per thread, so the listener
 * only copies the event into a queue; one writer thread owns its own Store connection and
 * inserts batches in a transaction. */

struct TraceStoreSink {
    TraceBus *bus;
    Store *st;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv, idle_cv;
    SkVec pending; /* TraceEvent * */
    bool stop;
    bool busy;
    uint64_t written, failed;
    SkError last_err;
};

static void trace_sink_listener(const TraceEvent *ev, void *ud)
{
    TraceStoreSink *s = ud;
    TraceEvent *c = trace_event_copy(ev);
    pthread_mutex_lock(&s->mu);
    sk_vec_push(&s->pending, c);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void trace_sink_write(TraceStoreSink *s, SkVec *batch)
{
    SkError err = {0};
    StoreStmt *stmt = NULL;
    bool ok = store_begin(s->st, &err) == SK_OK;
    if (ok)
        ok = store_prepare(s->st,
                           "INSERT INTO events(run_id, ts, kind, step, text, data) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           &stmt, &err) == SK_OK;
    for (size_t i = 0; ok && i < batch->len; i++) {
        const TraceEvent *ev = batch->items[i];
        store_bind_text(stmt, 1, ev->run_id);
        store_bind_int(stmt, 2, ev->ts_ms);
        store_bind_text(stmt, 3, trace_kind_name(ev->kind));
        store_bind_int(stmt, 4, ev->step);
        store_bind_text(stmt, 5, ev->text);
        char *data = ev->data ? js_dump_compact(ev->data) : NULL;
        store_bind_text(stmt, 6, data);
        free(data);
        if (store_step(stmt, &err) == STORE_ERROR)
            ok = false;
        store_reset(stmt);
    }
    store_finalize(stmt);
    if (ok && store_commit(s->st, &err) == SK_OK) {
        s->written += batch->len;
    } else {
        store_rollback(s->st);
        s->failed += batch->len;
        s->last_err = err;
        sk_log(SK_LOG_WARN, "trace: cannot persist %zu events: %s", batch->len, err.msg);
    }
}

static void *trace_sink_main(void *arg)
{
    TraceStoreSink *s = arg;
    SkVec batch;
    sk_vec_init(&batch, (SkFreeFn)trace_event_free);
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->stop && s->pending.len == 0)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->pending.len == 0 && s->stop)
            break;
        SkVec tmp = batch;
        batch = s->pending;
        s->pending = tmp;
        s->busy = true;
        pthread_mutex_unlock(&s->mu);
        trace_sink_write(s, &batch);
        for (size_t i = 0; i < batch.len; i++)
            trace_event_free(batch.items[i]);
        batch.len = 0;
        pthread_mutex_lock(&s->mu);
        s->busy = false;
        pthread_cond_broadcast(&s->idle_cv);
    }
    pthread_mutex_unlock(&s->mu);
    sk_vec_done(&batch);
    return NULL;
}

SkStatus trace_store_sink_new(TraceBus *bus, const char *db_path, TraceStoreSink **out,
                              SkError *err)
{
    *out = NULL;
    Store *st = NULL;
    SkStatus rc = store_open(db_path, &st, err);
    if (rc != SK_OK)
        return rc;
    TraceStoreSink *s = sk_calloc(1, sizeof *s);
    s->bus = bus;
    s->st = st;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_cond_init(&s->idle_cv, NULL);
    sk_vec_init(&s->pending, (SkFreeFn)trace_event_free);
    if (pthread_create(&s->thread, NULL, trace_sink_main, s) != 0) {
        store_close(st);
        sk_vec_done(&s->pending);
        free(s);
        return sk_error_set(err, SK_ERR_INTERNAL, "trace: cannot start the writer thread");
    }
    trace_bus_add_listener(bus, trace_sink_listener, s);
    *out = s;
    return SK_OK;
}

void trace_store_sink_flush(TraceStoreSink *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    while (s->pending.len > 0 || s->busy)
        pthread_cond_wait(&s->idle_cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

uint64_t trace_store_sink_written(TraceStoreSink *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t n = s->written;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void trace_store_sink_free(TraceStoreSink *s)
{
    if (!s)
        return;
    trace_bus_remove_listener(s->bus, trace_sink_listener, s);
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    store_close(s->st);
    sk_vec_done(&s->pending);
    pthread_cond_destroy(&s->cv);
    pthread_cond_destroy(&s->idle_cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
