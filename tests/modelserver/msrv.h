/* msrv.h: drive the loopback model server (tests/modelserver/modelserver.py) from C tests.
 *
 * A Msrv is one running server process (python3) on 127.0.0.1 and a free port. It dies with
 * the test: msrv_stop() kills and reaps it, and the server also exits on its own when the
 * test process goes away (stdin lifeline + parent watch). The scenario format is documented
 * in tests/modelserver/README.md. The control HTTP is done over a plain socket (no libcurl).
 *
 *   Msrv *m = NULL;
 *   MSRV_START_OR_SKIP(m, "{\"rules\":[{\"reply\":{\"text\":\"hi\"}}]}");
 *   ... point a route at msrv_base_url(m, "openai") ...
 *   json_t *reqs = msrv_requests(m);   // what the client sent
 *   msrv_stop(m);
 */
#ifndef SKVM_TESTS_MODELSERVER_MSRV_H
#define SKVM_TESTS_MODELSERVER_MSRV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"
#include "tests/testlib.h"

typedef struct Msrv Msrv;

/* True when a python3 interpreter is on PATH (or $SKVM_PYTHON names an executable). */
bool msrv_available(void);

/* Start the server. SCENARIO is NULL or "" (no rules yet), a JSON text (starts with '{' or
 * '['), or the path of a scenario file. Waits until the port is known (up to 20 s).
 * Returns NULL and fills ERR (SK_ERR_UNSUPPORTED when python3 is missing, SK_ERR_INVALID
 * for a rejected scenario, with the server's message, SK_ERR_IO otherwise). */
Msrv *msrv_start(const char *scenario, SkError *err);

/* The listening port. */
int msrv_port(const Msrv *m);

/* Base URL for a client route: "openai" -> "http://127.0.0.1:PORT/v1",
 * "anthropic" (or anything else) -> "http://127.0.0.1:PORT". Borrowed, valid until stop. */
const char *msrv_base_url(const Msrv *m, const char *protocol);
/* Write HOME/config.yaml with one openai-compatible route: models matching the glob MATCH
 * (for example "test-prefix/" followed by a star) go to this server. */
void msrv_write_route(const Msrv *m, const char *home, const char *match);

/* Replace the scenario (POST /_script); also resets the rule counters. SK_OK on success;
 * otherwise the reason is in msrv_last_error(). */
SkStatus msrv_set_script(Msrv *m, const char *json_text);

/* Forget the recorded requests and the rule counters (POST /_reset). */
SkStatus msrv_reset(Msrv *m);

/* The recorded requests (GET /_requests): a new JSON array reference (json_decref it), or
 * NULL on failure. Each item has seq, method, path, protocol, headers (secrets redacted),
 * body, model, stream, rule, fault, status, auth. */
json_t *msrv_requests(Msrv *m);

/* One HTTP/1.1 request to the server over a fresh socket ("Connection: close").
 * EXTRA_HEADERS is NULL or "Name: value\r\n..." lines; BODY may be NULL (no body) and is
 * sent with Content-Type: application/json. On success *STATUS is the HTTP status (0 when
 * the server closed or reset without answering) and *RESPONSE (when non-NULL) the body,
 * de-chunked, NUL-terminated (free() it). Fails only when the socket cannot be used. */
SkStatus msrv_http(Msrv *m, const char *method, const char *path, const char *extra_headers,
                   const char *body, int *status, char **response, SkError *err);

/* Message of the last failed call on M ("" when none). Borrowed. */
const char *msrv_last_error(const Msrv *m);

/* Stop the server (lifeline close + SIGTERM, SIGKILL after 5 s), reap it, free M.
 * NULL is fine. */
void msrv_stop(Msrv *m);

/* In a Check test: start a server into VAR (a Msrv * declared by the caller), skip the test
 * cleanly when python3 is missing, fail it when the server does not start. */
#define MSRV_START_OR_SKIP(var, scenario)                                                          \
    do {                                                                                           \
        if (!msrv_available())                                                                     \
            TL_SKIP("python3 is not installed");                                                   \
        SkError msrv_err_;                                                                         \
        sk_error_clear(&msrv_err_);                                                                \
        (var) = msrv_start((scenario), &msrv_err_);                                                \
        ck_assert_msg((var) != NULL, "msrv_start: %s", msrv_err_.msg);                             \
    } while (0)

#endif
