/* trace.h: typed trace events and the in-process event bus.
 *
 * Workers publish events (model calls, streamed tokens, tool calls, job progress, log
 * lines). The bus calls its listeners synchronously on the publishing thread (used to
 * persist events and to print CLI progress) and also queues each event for the UI thread,
 * waking it through a file descriptor that poll() can wait on. */
#ifndef SKVM_CORE_TRACE_H
#define SKVM_CORE_TRACE_H

#include <jansson.h>
#include <stdint.h>

#include "core/util.h"

#define TRACE_KIND_INFO(_)                                                                         \
    _(TRACE_RUN_START, "run.start")                                                                \
    _(TRACE_RUN_END, "run.end")                                                                    \
    _(TRACE_LLM_START, "llm.start")                                                                \
    _(TRACE_LLM_FIRST_TOKEN, "llm.first_token")                                                    \
    _(TRACE_LLM_DELTA, "llm.delta")                                                                \
    _(TRACE_LLM_TOOL_DELTA, "llm.tool_delta")                                                      \
    _(TRACE_LLM_RETRY, "llm.retry")                                                                \
    _(TRACE_LLM_END, "llm.end")                                                                    \
    _(TRACE_LLM_ERROR, "llm.error")                                                                \
    _(TRACE_TOOL_START, "tool.start")                                                              \
    _(TRACE_TOOL_END, "tool.end")                                                                  \
    _(TRACE_JOB_PROGRESS, "job.progress")                                                          \
    _(TRACE_JOB_END, "job.end")                                                                    \
    _(TRACE_LOG, "log")

typedef enum TraceKind {
#define TRACE_KIND_ENUM(id, name) id,
    TRACE_KIND_INFO(TRACE_KIND_ENUM)
#undef TRACE_KIND_ENUM
        TRACE_KIND_COUNT
} TraceKind;

typedef struct TraceEvent {
    TraceKind kind;
    char *run_id;     /* owning run or job id; may be NULL */
    int step;         /* step index within the run, -1 when none */
    int64_t ts_ms;    /* sk_wall_ms() at publish time */
    char *text;       /* delta text, log line, error message...; may be NULL */
    json_t *data;     /* kind-specific fields (tokens, durations, tool name...); may be NULL */
} TraceEvent;

/* New event; TEXT is copied, DATA is taken (may be NULL). */
TraceEvent *trace_event_new(TraceKind kind, const char *run_id, int step, const char *text,
                            json_t *data);
void trace_event_free(TraceEvent *ev);
const char *trace_kind_name(TraceKind k); /* "llm.delta" */
/* Inverse of trace_kind_name; false when NAME is unknown. */
bool trace_kind_from_name(const char *name, TraceKind *out);
/* Deep copy (data deep-copied). */
TraceEvent *trace_event_copy(const TraceEvent *ev);
/* The event as one JSON object {kind, run, step, ts, text?, data?}. New reference. */
json_t *trace_event_to_json(const TraceEvent *ev);

typedef struct TraceBus TraceBus;
typedef void (*TraceListener)(const TraceEvent *ev, void *ud);

TraceBus *trace_bus_new(void);
void trace_bus_free(TraceBus *bus);
/* Listeners run on the publishing thread, under no lock of the bus; keep them short. */
void trace_bus_add_listener(TraceBus *bus, TraceListener fn, void *ud);
void trace_bus_remove_listener(TraceBus *bus, TraceListener fn, void *ud);
/* Enable the UI queue (off by default so headless runs do not accumulate events). */
void trace_bus_enable_queue(TraceBus *bus, bool on);
/* Publish (takes EV). Thread-safe. */
void trace_bus_publish(TraceBus *bus, TraceEvent *ev);
/* Readable while queued events are pending. */
int trace_bus_fd(const TraceBus *bus);
/* Move every queued event into OUT (TraceEvent *, caller frees) and clear the wake-up. */
size_t trace_bus_drain(TraceBus *bus, SkVec *out);

/* Persister: a listener that writes every published event into the store's events table
 * (run_id, ts, kind, step, text, data JSON). Events are copied on the publishing thread
 * and written in batches by a writer thread with its own connection to DB_PATH (NULL:
 * $SKVM_HOME/skvm.db). Write failures are reported through sk_log, never to the publisher. */
typedef struct TraceStoreSink TraceStoreSink;
SkStatus trace_store_sink_new(TraceBus *bus, const char *db_path, TraceStoreSink **out,
                              SkError *err);
/* Wait until every event published so far is written. */
void trace_store_sink_flush(TraceStoreSink *s);
uint64_t trace_store_sink_written(TraceStoreSink *s);
/* Flush, detach from the bus and close. NULL is a no-op. Free before the bus. */
void trace_store_sink_free(TraceStoreSink *s);

#endif
