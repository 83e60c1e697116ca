/* sse.h: incremental server-sent-events parser (WHATWG event-stream rules).
 *
 * Feed bytes as they arrive, in pieces of any size; complete events are handed to a
 * callback. Handles "\n", "\r\n" and "\r" line endings (also a "\r\n" split across two
 * feeds), comment lines (":" ...), one optional space after the colon, multi-line data
 * (joined with "\n"), "event:" and "id:" fields, unknown fields (ignored), and a UTF-8
 * byte-order mark at the very start. An event is dispatched at a blank line; events with
 * no data line are dropped, as the standard says. */
#ifndef SKVM_CORE_SSE_H
#define SKVM_CORE_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

typedef struct SseEvent {
    const char *event; /* "message" when the stream named none; borrowed */
    const char *data;  /* joined data lines, NUL-terminated; borrowed */
    size_t data_len;
    const char *id;    /* last event id seen; "" when none */
} SseEvent;

/* Return false to stop parsing (sse_parser_feed then returns SK_ERR_CANCELLED). */
typedef bool (*SseEventFn)(const SseEvent *ev, void *ud);

typedef struct SseParser {
    SseEventFn fn;
    void *ud;
    SkBuf line;  /* current incomplete line */
    SkBuf data;  /* data of the event being built */
    SkBuf event; /* event name of the event being built */
    SkBuf id;
    bool has_data;
    bool skip_lf;   /* previous feed ended with '\r' */
    bool started;   /* past the optional BOM */
    bool stopped;
    size_t max_line; /* longest accepted line/event (bytes); default 64 MiB */
    size_t events;   /* events dispatched so far */
} SseParser;

void sse_parser_init(SseParser *p, SseEventFn fn, void *ud);
void sse_parser_done(SseParser *p);
/* Parse N more bytes. SK_ERR_TOO_LARGE when a line or an event exceeds max_line,
 * SK_ERR_CANCELLED when the callback asked to stop. */
SkStatus sse_parser_feed(SseParser *p, const char *data, size_t n, SkError *err);
/* End of stream: dispatches a final event whose blank line never came (its last line
 * must be complete). Returns true when there was an unterminated partial line (a stream
 * cut mid-line). */
bool sse_parser_finish(SseParser *p);

#endif
