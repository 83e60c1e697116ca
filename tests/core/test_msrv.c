/* test_msrv.c: the C driver of the loopback model server (tests/modelserver/msrv.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/js.h"
#include "core/util.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

static const char *SCENARIO =
    "{\"require_key\": \"sk-msrv-SECRET\","
    " \"rules\": ["
    "  {\"name\": \"hello\", \"match\": {\"last_user\": \"hello\"},"
    "   \"reply\": {\"text\": \"Hi from the loopback server\", \"usage\": {\"input\": 7, \"output\": 5}}},"
    "  {\"name\": \"flaky\", \"match\": {\"last_user\": \"flaky\"},"
    "   \"fault\": {\"type\": \"rate_limit\", \"retry_after\": 1, \"fail_times\": 1},"
    "   \"reply\": {\"text\": \"recovered\"}}]}";

/* Send one raw HTTP request over our own socket and return everything read (free it). */
static char *raw_request(int port, const char *req)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    size_t n = strlen(req);
    ck_assert_int_eq(send(fd, req, n, MSG_NOSIGNAL), (ssize_t)n);
    SkBuf b = SK_BUF_INIT;
    char tmp[4096];
    ssize_t k;
    while ((k = recv(fd, tmp, sizeof tmp, 0)) > 0)
        sk_buf_append(&b, tmp, (size_t)k);
    close(fd);
    return sk_buf_steal(&b);
}

static char *chat_request(const char *key, const char *user, bool stream)
{
    char *body = sk_asprintf("{\"model\":\"test-model\",\"stream\":%s,"
                             "\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}",
                             stream ? "true" : "false", user);
    char *req = sk_asprintf("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                            "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                            key, strlen(body), body);
    free(body);
    return req;
}

START_TEST(test_start_request_record_stop)
{
    Msrv *m = NULL;
    MSRV_START_OR_SKIP(m, SCENARIO);
    int port = msrv_port(m);
    ck_assert_int_gt(port, 0);
    char *want = sk_asprintf("http://127.0.0.1:%d/v1", port);
    ck_assert_str_eq(msrv_base_url(m, "openai"), want);
    free(want);
    want = sk_asprintf("http://127.0.0.1:%d", port);
    ck_assert_str_eq(msrv_base_url(m, "anthropic"), want);
    free(want);

    /* A raw request over our own socket, right key. */
    char *req = chat_request("sk-msrv-SECRET", "hello there", false);
    char *resp = raw_request(port, req);
    free(req);
    ck_assert_msg(sk_str_starts(resp, "HTTP/1.1 200"), "%s", resp);
    const char *body = strstr(resp, "\r\n\r\n");
    ck_assert_ptr_nonnull(body);
    json_t *o = NULL;
    ck_assert_int_eq(js_parse(body + 4, strlen(body + 4), &o, NULL), SK_OK);
    json_t *msg = json_object_get(json_array_get(json_object_get(o, "choices"), 0), "message");
    ck_assert_str_eq(js_str(msg, "content", ""), "Hi from the loopback server");
    ck_assert_int_eq(js_int(js_obj(o, "usage"), "completion_tokens", -1), 5);
    json_decref(o);
    free(resp);

    /* Wrong key: 401 in the OpenAI error shape. */
    req = chat_request("sk-wrong", "hello", false);
    resp = raw_request(port, req);
    free(req);
    ck_assert_msg(sk_str_starts(resp, "HTTP/1.1 401"), "%s", resp);
    ck_assert_ptr_nonnull(strstr(resp, "invalid_api_key"));
    free(resp);

    /* Streaming through msrv_http: SSE de-chunked, ends with [DONE]. */
    int status = 0;
    char *out = NULL;
    SkError err;
    sk_error_clear(&err);
    ck_assert_int_eq(msrv_http(m, "POST", "/v1/chat/completions",
                               "Authorization: Bearer sk-msrv-SECRET\r\n",
                               "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                               "\"content\":\"hello\"}]}",
                               &status, &out, &err),
                     SK_OK);
    ck_assert_int_eq(status, 200);
    ck_assert(sk_str_ends(out, "data: [DONE]\n\n"));
    ck_assert_ptr_nonnull(strstr(out, "\"role\": \"assistant\""));
    free(out);

    /* fail_times: the first request gets 429, the retry succeeds. */
    ck_assert_int_eq(msrv_http(m, "POST", "/v1/chat/completions",
                               "Authorization: Bearer sk-msrv-SECRET\r\n",
                               "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"flaky\"}]}",
                               &status, &out, &err),
                     SK_OK);
    ck_assert_int_eq(status, 429);
    free(out);
    ck_assert_int_eq(msrv_http(m, "POST", "/v1/chat/completions",
                               "Authorization: Bearer sk-msrv-SECRET\r\n",
                               "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"flaky\"}]}",
                               &status, &out, &err),
                     SK_OK);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(strstr(out, "recovered"));
    free(out);

    /* The record: 5 requests, in order, with the key redacted everywhere. */
    json_t *reqs = msrv_requests(m);
    ck_assert_msg(reqs != NULL, "%s", msrv_last_error(m));
    ck_assert_uint_eq(json_array_size(reqs), 5);
    json_t *first = json_array_get(reqs, 0);
    ck_assert_str_eq(js_str(first, "rule", ""), "hello");
    ck_assert_str_eq(js_str(first, "auth", ""), "present");
    ck_assert_str_eq(js_str(js_obj(first, "headers"), "authorization", ""), "[REDACTED]");
    ck_assert_str_eq(js_str(json_array_get(reqs, 1), "auth", ""), "wrong");
    ck_assert_str_eq(js_str(json_array_get(reqs, 3), "fault", ""), "rate_limit");
    json_t *body0 = js_obj(first, "body");
    ck_assert_str_eq(js_str(body0, "model", ""), "test-model");
    char *dump = js_dump_compact(reqs);
    ck_assert_ptr_null(strstr(dump, "sk-msrv-SECRET"));
    free(dump);
    json_decref(reqs);

    /* Reset forgets the record. */
    ck_assert_int_eq(msrv_reset(m), SK_OK);
    reqs = msrv_requests(m);
    ck_assert_ptr_nonnull(reqs);
    ck_assert_uint_eq(json_array_size(reqs), 0);
    json_decref(reqs);

    msrv_stop(m);
    /* The port is closed once stopped. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_ne(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
}
END_TEST

START_TEST(test_set_script)
{
    Msrv *m = NULL;
    MSRV_START_OR_SKIP(m, NULL);
    int status = 0;
    char *out = NULL;
    const char *anth = "anthropic-version: 2023-06-01\r\n";
    const char *body = "{\"model\":\"claude-x\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
                       "\"content\":\"ping\"}]}";
    /* No rules yet: a loud 400 in the Anthropic error shape. */
    ck_assert_int_eq(msrv_http(m, "POST", "/v1/messages", anth, body, &status, &out, NULL), SK_OK);
    ck_assert_int_eq(status, 400);
    ck_assert_ptr_nonnull(strstr(out, "no scripted reply"));
    ck_assert_ptr_nonnull(strstr(out, "invalid_request_error"));
    free(out);

    ck_assert_int_eq(msrv_set_script(m, "{\"rules\":[{\"match\":{\"model\":\"claude-*\"},"
                                        "\"reply\":{\"text\":\"pong\"}}]}"),
                     SK_OK);
    ck_assert_int_eq(msrv_http(m, "POST", "/v1/messages", anth, body, &status, &out, NULL), SK_OK);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(strstr(out, "\"text\": \"pong\""));
    free(out);

    /* A bad script is refused with a reason and the old one stays. */
    ck_assert_int_ne(msrv_set_script(m, "{\"rules\":[{\"reply\":{\"txet\":\"typo\"}}]}"), SK_OK);
    ck_assert_ptr_nonnull(strstr(msrv_last_error(m), "txet"));
    ck_assert_int_eq(msrv_http(m, "POST", "/v1/messages", anth, body, &status, &out, NULL), SK_OK);
    ck_assert_int_eq(status, 200);
    free(out);

    /* A connection reset shows as status 0, not as a failure of the driver. */
    ck_assert_int_eq(msrv_http(m, "POST", "/v1/messages", "anthropic-version: 1\r\nX-Fault: reset\r\n",
                               body, &status, &out, NULL),
                     SK_OK);
    ck_assert_int_eq(status, 0);
    free(out);
    msrv_stop(m);
}
END_TEST

START_TEST(test_bad_scenario_and_path)
{
    if (!msrv_available())
        TL_SKIP("python3 is not installed");
    SkError err;
    sk_error_clear(&err);
    Msrv *m = msrv_start("{\"rules\": [{\"fault\": \"meteor\"}]}", &err);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(err.code, SK_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "meteor") != NULL, "%s", err.msg);

    const char *dir = tl_tmpdir();
    tl_write(dir, "s.json", "{\"rules\":[{\"reply\":{\"text\":\"from a file\"}}]}");
    char *path = sk_path_join(dir, "s.json");
    m = msrv_start(path, &err);
    free(path);
    ck_assert_msg(m != NULL, "%s", err.msg);
    int status = 0;
    char *out = NULL;
    ck_assert_int_eq(msrv_http(m, "POST", "/chat/completions", NULL,
                               "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                               &status, &out, NULL),
                     SK_OK);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(strstr(out, "from a file"));
    free(out);
    msrv_stop(m);
    msrv_stop(NULL);
}
END_TEST

START_TEST(test_server_dies_with_owner)
{
    if (!msrv_available())
        TL_SKIP("python3 is not installed");
    /* A child process starts a server and exits without stopping it: the server must go. */
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        Msrv *m = msrv_start(NULL, NULL);
        int port = m ? msrv_port(m) : -1;
        ssize_t w = write(fds[1], &port, sizeof port);
        (void)w;
        _exit(0);
    }
    close(fds[1]);
    int port = -1;
    ck_assert_int_eq(read(fds[0], &port, sizeof port), (ssize_t)sizeof port);
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    ck_assert_int_gt(port, 0);
    bool gone = false;
    for (int i = 0; i < 100 && !gone; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        gone = connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0;
        close(fd);
        if (!gone)
            usleep(50000);
    }
    ck_assert_msg(gone, "model server on port %d outlived its owner", port);
}
END_TEST

static Suite *msrv_suite(void)
{
    Suite *s = suite_create("msrv");
    TCase *tc = tcase_create("msrv");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_start_request_record_stop);
    tcase_add_test(tc, test_set_script);
    tcase_add_test(tc, test_bad_scenario_and_path);
    tcase_add_test(tc, test_server_dies_with_owner);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run_suite(msrv_suite());
}
