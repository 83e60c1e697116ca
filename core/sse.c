/* sse.c: incremental server-sent-events parser. */
#include "core/sse.h"

#include <string.h>

#define SSE_DEFAULT_MAX (64u << 20)

void sse_parser_init(SseParser *p, SseEventFn fn, void *ud)
{
    memset(p, 0, sizeof *p);
    p->fn = fn;
    p->ud = ud;
    p->max_line = SSE_DEFAULT_MAX;
    sk_buf_init(&p->line);
    sk_buf_init(&p->data);
    sk_buf_init(&p->event);
    sk_buf_init(&p->id);
}

void sse_parser_done(SseParser *p)
{
    sk_buf_done(&p->line);
    sk_buf_done(&p->data);
    sk_buf_done(&p->event);
    sk_buf_done(&p->id);
}

static bool sse_dispatch(SseParser *p)
{
    bool keep = true;
    if (p->has_data) {
        SseEvent ev = {
            .event = p->event.len ? sk_buf_cstr(&p->event) : "message",
            .data = sk_buf_cstr(&p->data),
            .data_len = p->data.len,
            .id = sk_buf_cstr(&p->id),
        };
        p->events++;
        keep = p->fn(&ev, p->ud);
    }
    sk_buf_reset(&p->data);
    sk_buf_reset(&p->event);
    p->has_data = false;
    return keep;
}

/* One complete line (without its terminator). Returns false to stop. */
static bool sse_line(SseParser *p, const char *s, size_t n)
{
    if (n == 0)
        return sse_dispatch(p);
    if (s[0] == ':')
        return true; /* comment / keep-alive */
    const char *colon = memchr(s, ':', n);
    size_t flen = colon ? (size_t)(colon - s) : n;
    const char *v = colon ? colon + 1 : s + n;
    size_t vlen = colon ? n - flen - 1 : 0;
    if (vlen > 0 && v[0] == ' ') {
        v++;
        vlen--;
    }
    if (flen == 4 && memcmp(s, "data", 4) == 0) {
        if (p->has_data)
            sk_buf_putc(&p->data, '\n');
        sk_buf_append(&p->data, v, vlen);
        p->has_data = true;
    } else if (flen == 5 && memcmp(s, "event", 5) == 0) {
        sk_buf_reset(&p->event);
        sk_buf_append(&p->event, v, vlen);
    } else if (flen == 2 && memcmp(s, "id", 2) == 0) {
        if (!memchr(v, '\0', vlen)) {
            sk_buf_reset(&p->id);
            sk_buf_append(&p->id, v, vlen);
        }
    }
    /* "retry" and unknown fields are ignored. */
    return true;
}

SkStatus sse_parser_feed(SseParser *p, const char *data, size_t n, SkError *err)
{
    if (p->stopped)
        return sk_error_set(err, SK_ERR_CANCELLED, "event stream parsing was stopped");
    size_t i = 0;
    if (!p->started) {
        /* Skip a UTF-8 BOM, possibly split across feeds (kept in p->line meanwhile). */
        static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
        while (i < n && p->line.len < 3 && data[i] == bom[p->line.len])
            sk_buf_putc(&p->line, data[i++]);
        if (p->line.len == 3) {
            sk_buf_reset(&p->line);
            p->started = true;
        } else if (i < n) {
            p->started = true; /* not a BOM: keep the bytes as line content */
        } else {
            return SK_OK;
        }
    }
    if (p->skip_lf && i < n) {
        if (data[i] == '\n')
            i++;
        p->skip_lf = false;
    }
    while (i < n) {
        const char *s = data + i;
        size_t rest = n - i;
        size_t k = 0;
        while (k < rest && s[k] != '\n' && s[k] != '\r')
            k++;
        if (k == rest) {
            /* No terminator: keep the partial line. */
            if (p->line.len + rest > p->max_line)
                return sk_error_set(err, SK_ERR_TOO_LARGE,
                                    "event stream line longer than %zu bytes", p->max_line);
            sk_buf_append(&p->line, s, rest);
            return SK_OK;
        }
        bool keep;
        if (p->line.len) {
            if (p->line.len + k > p->max_line)
                return sk_error_set(err, SK_ERR_TOO_LARGE,
                                    "event stream line longer than %zu bytes", p->max_line);
            sk_buf_append(&p->line, s, k);
            keep = sse_line(p, p->line.data, p->line.len);
            sk_buf_reset(&p->line);
        } else {
            keep = sse_line(p, s, k);
        }
        i += k + 1;
        if (s[k] == '\r') {
            if (i < n) {
                if (data[i] == '\n')
                    i++;
            } else {
                p->skip_lf = true;
            }
        }
        if (p->data.len > p->max_line)
            return sk_error_set(err, SK_ERR_TOO_LARGE, "event stream event larger than %zu bytes",
                                p->max_line);
        if (!keep) {
            p->stopped = true;
            return sk_error_set(err, SK_ERR_CANCELLED, "event stream parsing was stopped");
        }
    }
    return SK_OK;
}

bool sse_parser_finish(SseParser *p)
{
    bool partial = p->line.len > 0;
    sk_buf_reset(&p->line);
    if (!p->stopped && p->has_data)
        sse_dispatch(p);
    return partial;
}
