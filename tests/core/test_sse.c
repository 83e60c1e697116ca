/* test_sse.c: the incremental server-sent-events parser, fed whole, byte by byte and split
 * at every possible boundary. */
#include <stdlib.h>
#include <string.h>

#include "core/sse.h"
#include "tests/testlib.h"

/* Collects events as "event|data|id\n" lines. */
typedef struct Got {
    SkBuf log;
    int stop_after; /* 0: never */
    int n;
} Got;

static bool got_event(const SseEvent *ev, void *ud)
{
    Got *g = ud;
    sk_buf_printf(&g->log, "%s|%s|%s\n", ev->event, ev->data, ev->id);
    ck_assert_uint_eq(strlen(ev->data), ev->data_len);
    g->n++;
    return !(g->stop_after && g->n >= g->stop_after);
}

/* Parse TEXT split at the given cut points (sorted offsets); returns the log. */
static char *parse_split(const char *text, size_t n, const size_t *cuts, size_t ncuts, bool *partial)
{
    Got g = {SK_BUF_INIT, 0, 0};
    SseParser p;
    sse_parser_init(&p, got_event, &g);
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : n;
        SkError err = {0};
        ck_assert_int_eq(sse_parser_feed(&p, text + at, end - at, &err), SK_OK);
        at = end;
    }
    bool part = sse_parser_finish(&p);
    if (partial)
        *partial = part;
    sse_parser_done(&p);
    char *s = sk_buf_steal(&g.log);
    return s;
}

/* Every single cut point and also byte by byte must give the same events as one feed. */
static void check_all_splits(const char *text, const char *expect)
{
    size_t n = strlen(text);
    char *whole = parse_split(text, n, NULL, 0, NULL);
    ck_assert_str_eq(whole, expect);
    free(whole);
    for (size_t cut = 0; cut <= n; cut++) {
        char *s = parse_split(text, n, &cut, 1, NULL);
        ck_assert_msg(strcmp(s, expect) == 0, "split at %zu: got\n%s\nexpected\n%s", cut, s,
                      expect);
        free(s);
    }
    for (size_t a = 0; a <= n; a += 3) {
        for (size_t b = a; b <= n; b += 5) {
            size_t cuts[2] = {a, b};
            char *s = parse_split(text, n, cuts, 2, NULL);
            ck_assert_msg(strcmp(s, expect) == 0, "split at %zu,%zu", a, b);
            free(s);
        }
    }
    size_t *all = malloc((n + 1) * sizeof *all);
    for (size_t i = 0; i < n; i++)
        all[i] = i + 1;
    char *bytes = parse_split(text, n, all, n ? n - 1 : 0, NULL);
    ck_assert_str_eq(bytes, expect);
    free(bytes);
    free(all);
}

START_TEST(test_basic_lf)
{
    check_all_splits("data: hello\n\ndata: world\n\n", "message|hello|\nmessage|world|\n");
}
END_TEST

START_TEST(test_crlf_and_cr)
{
    check_all_splits("data: a\r\n\r\ndata: b\r\rdata: c\n\n",
                     "message|a|\nmessage|b|\nmessage|c|\n");
    /* "\r\n" split across two feeds must not produce an extra blank line */
    check_all_splits("event: x\r\ndata: 1\r\ndata: 2\r\n\r\n", "x|1\n2|\n");
}
END_TEST

START_TEST(test_comments_and_fields)
{
    check_all_splits(": OPENROUTER PROCESSING\n\n: ping\ndata: {\"a\":1}\n\n",
                     "message|{\"a\":1}|\n");
    /* no space after the colon, a field with no colon, unknown fields, retry, id */
    check_all_splits("data:x\nretry: 100\nfoo: bar\nid: 7\ndata\n\n", "message|x\n|7\n");
    /* an event with no data is not dispatched; event name resets after dispatch */
    check_all_splits("event: ping\n\nevent: a\ndata: 1\n\ndata: 2\n\n", "a|1|\nmessage|2|\n");
    /* only one leading space is stripped */
    check_all_splits("data:  two\n\n", "message| two|\n");
}
END_TEST

START_TEST(test_multiline_and_empty)
{
    check_all_splits("data: line1\ndata: line2\ndata:\n\n", "message|line1\nline2\n|\n");
    check_all_splits("data:\n\n", "message||\n");
}
END_TEST

START_TEST(test_bom)
{
    check_all_splits("\xEF\xBB\xBF" "data: x\n\n", "message|x|\n");
    /* a partial BOM-like prefix that is not a BOM stays content */
    check_all_splits("\xEF" "data: x\n\n", "");
}
END_TEST

START_TEST(test_finish_partial)
{
    const char *t = "data: complete\n\ndata: last\n";
    bool partial = true;
    char *s = parse_split(t, strlen(t), NULL, 0, &partial);
    /* the final event whose blank line never came is still dispatched */
    ck_assert_str_eq(s, "message|complete|\nmessage|last|\n");
    ck_assert(!partial);
    free(s);
    t = "data: complete\n\ndata: cut in the mid";
    s = parse_split(t, strlen(t), NULL, 0, &partial);
    ck_assert_str_eq(s, "message|complete|\n");
    ck_assert(partial);
    free(s);
}
END_TEST

START_TEST(test_stop_and_limits)
{
    Got g = {SK_BUF_INIT, 1, 0};
    SseParser p;
    sse_parser_init(&p, got_event, &g);
    SkError err = {0};
    ck_assert_int_eq(sse_parser_feed(&p, "data: 1\n\ndata: 2\n\n", 18, &err), SK_ERR_CANCELLED);
    ck_assert_int_eq(g.n, 1);
    sse_parser_done(&p);
    sk_buf_done(&g.log);

    Got h = {SK_BUF_INIT, 0, 0};
    sse_parser_init(&p, got_event, &h);
    p.max_line = 16;
    ck_assert_int_eq(sse_parser_feed(&p, "data: 0123456789abcdef", 22, &err), SK_ERR_TOO_LARGE);
    sse_parser_done(&p);
    sk_buf_done(&h.log);
}
END_TEST

START_TEST(test_many_events)
{
    SkBuf b = SK_BUF_INIT;
    SkBuf expect = SK_BUF_INIT;
    for (int i = 0; i < 2000; i++) {
        sk_buf_printf(&b, "event: e%d\r\ndata: {\"i\":%d}\r\n\r\n", i % 3, i);
        sk_buf_printf(&expect, "e%d|{\"i\":%d}|\n", i % 3, i);
    }
    /* feed in odd-sized pieces */
    Got g = {SK_BUF_INIT, 0, 0};
    SseParser p;
    sse_parser_init(&p, got_event, &g);
    size_t at = 0, step = 1;
    while (at < b.len) {
        size_t k = step < b.len - at ? step : b.len - at;
        ck_assert_int_eq(sse_parser_feed(&p, b.data + at, k, NULL), SK_OK);
        at += k;
        step = step * 7 % 97 + 1;
    }
    sse_parser_finish(&p);
    ck_assert_str_eq(sk_buf_cstr(&g.log), sk_buf_cstr(&expect));
    ck_assert_uint_eq(p.events, 2000);
    sse_parser_done(&p);
    sk_buf_done(&g.log);
    sk_buf_done(&b);
    sk_buf_done(&expect);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sse");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_basic_lf);
    tcase_add_test(tc, test_crlf_and_cr);
    tcase_add_test(tc, test_comments_and_fields);
    tcase_add_test(tc, test_multiline_and_empty);
    tcase_add_test(tc, test_bom);
    tcase_add_test(tc, test_finish_partial);
    tcase_add_test(tc, test_stop_and_limits);
    tcase_add_test(tc, test_many_events);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
