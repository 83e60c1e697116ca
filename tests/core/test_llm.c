/* test_llm.c: request rendering, the stream decoders on canned byte streams (split at every
 * byte boundary), and the client end to end against the loopback model server: both wire
 * protocols, every fault, retries with Retry-After, cancellation, cache and replay,
 * concurrency, traces. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/js.h"
#include "core/llm.h"
#include "core/llm_backend.h"
#include "core/llm_cache.h"
#include "core/trace.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

/* ====================================================================================
 * canned streams
 * ==================================================================================== */

typedef struct Deltas {
    SkBuf text;
    SkBuf tools;
    int first_calls;
} Deltas;

static void deltas_emit(LlmDecoder *d, const LlmDelta *delta, void *ud)
{
    (void)d;
    Deltas *x = ud;
    if (delta->kind == LLM_DELTA_TEXT) {
        sk_buf_append(&x->text, delta->text, delta->len);
    } else {
        if (delta->tool_name)
            sk_buf_printf(&x->tools, "<%d:%s:%s>", delta->tool_index, delta->tool_name,
                          delta->tool_id ? delta->tool_id : "");
        sk_buf_append(&x->tools, delta->text, delta->len);
    }
}

/* Decode TEXT as a stream of KIND with one cut at CUT (or none when CUT > len). */
static SkStatus decode(ConfigKind kind, const char *text, size_t cut, LlmResponse *resp,
                       Deltas *dx, SkError *err)
{
    llm_response_init(resp);
    LlmDecoder d;
    llm_decoder_init(&d, kind, resp, dx ? deltas_emit : NULL, dx);
    size_t n = strlen(text);
    SkStatus rc = SK_OK;
    if (cut <= n) {
        rc = llm_decoder_feed(&d, text, cut, err);
        if (rc == SK_OK)
            rc = llm_decoder_feed(&d, text + cut, n - cut, err);
    } else {
        rc = llm_decoder_feed(&d, text, n, err);
    }
    if (rc == SK_OK)
        rc = llm_decoder_finish(&d, err);
    llm_decoder_done(&d);
    return rc;
}

static const char *OPENAI_STREAM =
    ": OPENROUTER PROCESSING\r\n\r\n"
    "data: {\"id\":\"c1\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
    "\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\r\n\r\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"
    ": keep-alive\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo \\u00e9\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
    "\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\","
    "\"type\":\"function\",\"function\":{\"name\":\"write\",\"arguments\":\"{\\\"p\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
    "{\"arguments\":\"{\\\"path\\\":\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":"
    "{\"arguments\":\"\\\":1}\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
    "{\"arguments\":\"\\\"a.txt\\\"}\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
    "data: {\"choices\":null,\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,"
    "\"prompt_tokens_details\":{\"cached_tokens\":30},\"cost\":0.5}}\n\n"
    "data: [DONE]\n\n";

static void check_openai_resp(const LlmResponse *r)
{
    ck_assert_str_eq(r->text, "Hello \xC3\xA9");
    ck_assert_uint_eq(r->n_tool_calls, 2);
    ck_assert_str_eq(r->tool_calls[0].id, "call_a");
    ck_assert_str_eq(r->tool_calls[0].name, "read");
    ck_assert_str_eq(r->tool_calls[0].arguments, "{\"path\":\"a.txt\"}");
    ck_assert_str_eq(r->tool_calls[1].name, "write");
    ck_assert_str_eq(r->tool_calls[1].arguments, "{\"p\":1}");
    ck_assert_int_eq(r->stop_reason, LLM_STOP_TOOL_USE);
    ck_assert(r->usage.known);
    ck_assert_int_eq(r->usage.input_tokens, 70); /* cached tokens are a subset */
    ck_assert_int_eq(r->usage.cache_read_tokens, 30);
    ck_assert_int_eq(r->usage.output_tokens, 20);
    ck_assert(r->cost_known);
    ck_assert_double_eq(r->cost_usd, 0.5);
    ck_assert_str_eq(r->provider_model, "gpt-x");
    ck_assert_str_eq(r->id, "c1");
}

START_TEST(test_openai_stream_every_split)
{
    size_t n = strlen(OPENAI_STREAM);
    for (size_t cut = 0; cut <= n + 1; cut++) {
        LlmResponse r;
        Deltas dx = {SK_BUF_INIT, SK_BUF_INIT, 0};
        SkError err = {0};
        SkStatus rc = decode(CONFIG_KIND_OPENAI, OPENAI_STREAM, cut, &r, &dx, &err);
        ck_assert_msg(rc == SK_OK, "cut %zu: %s", cut, err.msg);
        check_openai_resp(&r);
        ck_assert_str_eq(sk_buf_cstr(&dx.text), "Hello \xC3\xA9");
        ck_assert_str_eq(sk_buf_cstr(&dx.tools),
                         "<0:read:call_a><1:write:call_b>{\"p{\"path\":\":1}\"a.txt\"}");
        llm_response_done(&r);
        sk_buf_done(&dx.text);
        sk_buf_done(&dx.tools);
    }
}
END_TEST

static const char *ANTHROPIC_STREAM =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\","
    "\"content\":[],\"usage\":{\"input_tokens\":50,\"cache_read_input_tokens\":10,"
    "\"cache_creation_input_tokens\":5,\"output_tokens\":1}}}\n\n"
    "event: ping\ndata: {\"type\":\"ping\"}\n\n"
    "event: content_block_start\r\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
    "\"thinking\",\"thinking\":\"\"}}\r\n\r\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
    "\"thinking\":\"hmm\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\","
    "\"text\":\"\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\","
    "\"text\":\"Sure\"}}\n\n"
    "event: future_event\ndata: {\"type\":\"future_event\",\"x\":1}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\","
    "\"text\":\", writing.\"}}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":"
    "\"tool_use\",\"id\":\"toolu_1\",\"name\":\"write_file\",\"input\":{}}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":"
    "\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \"}}\n\n"
    ": comment\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":"
    "\"input_json_delta\",\"partial_json\":\"\\\"x\\\"}\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":"
    "{\"output_tokens\":10}}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":17}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

START_TEST(test_anthropic_stream_every_split)
{
    size_t n = strlen(ANTHROPIC_STREAM);
    for (size_t cut = 0; cut <= n + 1; cut++) {
        LlmResponse r;
        Deltas dx = {SK_BUF_INIT, SK_BUF_INIT, 0};
        SkError err = {0};
        SkStatus rc = decode(CONFIG_KIND_ANTHROPIC, ANTHROPIC_STREAM, cut, &r, &dx, &err);
        ck_assert_msg(rc == SK_OK, "cut %zu: %s", cut, err.msg);
        ck_assert_str_eq(r.text, "Sure, writing.");
        ck_assert_uint_eq(r.n_tool_calls, 1);
        ck_assert_str_eq(r.tool_calls[0].id, "toolu_1");
        ck_assert_str_eq(r.tool_calls[0].name, "write_file");
        ck_assert_str_eq(r.tool_calls[0].arguments, "{\"path\": \"x\"}");
        ck_assert_int_eq(r.stop_reason, LLM_STOP_TOOL_USE);
        ck_assert_int_eq(r.usage.input_tokens, 50);
        ck_assert_int_eq(r.usage.cache_read_tokens, 10);
        ck_assert_int_eq(r.usage.cache_write_tokens, 5);
        ck_assert_int_eq(r.usage.output_tokens, 17); /* cumulative: the last one wins */
        ck_assert(!r.cost_known);
        ck_assert_str_eq(r.provider_model, "claude-x");
        ck_assert_str_eq(sk_buf_cstr(&dx.text), "Sure, writing.");
        llm_response_done(&r);
        sk_buf_done(&dx.text);
        sk_buf_done(&dx.tools);
    }
}
END_TEST

START_TEST(test_stream_errors)
{
    LlmResponse r;
    SkError err = {0};
    /* error event after a 200 start */
    const char *s1 = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
                     "{\"id\":\"m\",\"usage\":{\"input_tokens\":1}}}\n\n"
                     "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                     "\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    ck_assert_int_eq(decode(CONFIG_KIND_ANTHROPIC, s1, 99999, &r, NULL, &err), SK_ERR_SERVER);
    ck_assert_ptr_nonnull(strstr(err.msg, "Overloaded"));
    llm_response_done(&r);
    /* OpenAI mid-stream error object */
    const char *s2 = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
                     "data: {\"error\":{\"message\":\"Rate limit reached\",\"type\":"
                     "\"rate_limit_error\"}}\n\n";
    ck_assert_int_eq(decode(CONFIG_KIND_OPENAI, s2, 5, &r, NULL, &err), SK_ERR_RATE_LIMIT);
    llm_response_done(&r);
    /* stream cut before the final event (no finish reason) */
    const char *s3 = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"partial\"}}]}\n\n"
                     "data: {\"choices\":[{\"index\":0,\"del";
    ck_assert_int_eq(decode(CONFIG_KIND_OPENAI, s3, 10, &r, NULL, &err), SK_ERR_NETWORK);
    ck_assert_ptr_nonnull(strstr(err.msg, "cut"));
    llm_response_done(&r);
    /* Anthropic stream without message_stop and without a stop reason */
    const char *s4 = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n"
                     "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
                     "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n";
    ck_assert_int_eq(decode(CONFIG_KIND_ANTHROPIC, s4, 99999, &r, NULL, &err), SK_ERR_NETWORK);
    ck_assert_ptr_nonnull(strstr(err.msg, "message_stop"));
    llm_response_done(&r);
    /* finish reason seen but no [DONE]: accepted */
    const char *s5 = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},"
                     "\"finish_reason\":\"stop\"}]}\n\n";
    ck_assert_int_eq(decode(CONFIG_KIND_OPENAI, s5, 99999, &r, NULL, &err), SK_OK);
    ck_assert_str_eq(r.text, "ok");
    ck_assert_int_eq(r.stop_reason, LLM_STOP_END);
    llm_response_done(&r);
    /* malformed JSON in an event */
    ck_assert_int_eq(decode(CONFIG_KIND_OPENAI, "data: {\"choices\":[\n\n", 99999, &r, NULL,
                            &err),
                     SK_ERR_BAD_RESPONSE);
    llm_response_done(&r);
    /* an empty stream */
    ck_assert_int_eq(decode(CONFIG_KIND_OPENAI, "", 99999, &r, NULL, &err), SK_ERR_NETWORK);
    llm_response_done(&r);
    /* refusal text with no content */
    const char *s6 = "data: {\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"I can't\"},"
                     "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    ck_assert_int_eq(decode(CONFIG_KIND_OPENAI, s6, 99999, &r, NULL, &err), SK_OK);
    ck_assert_int_eq(r.stop_reason, LLM_STOP_REFUSAL);
    ck_assert_str_eq(r.text, "I can't");
    llm_response_done(&r);
}
END_TEST

START_TEST(test_non_streaming_bodies)
{
    LlmResponse r;
    llm_response_init(&r);
    LlmDecoder d;
    llm_decoder_init(&d, CONFIG_KIND_OPENAI, &r, NULL, NULL);
    const char *b = "{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hi\",\"tool_calls\":"
                    "[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                    "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":3,"
                    "\"completion_tokens\":2}}";
    ck_assert_int_eq(llm_decoder_parse_body(&d, b, strlen(b), NULL), SK_OK);
    ck_assert_int_eq(llm_decoder_finish(&d, NULL), SK_OK);
    ck_assert_str_eq(r.text, "hi");
    ck_assert_uint_eq(r.n_tool_calls, 1);
    ck_assert_int_eq(r.usage.input_tokens, 3);
    llm_decoder_done(&d);
    llm_response_done(&r);

    llm_response_init(&r);
    llm_decoder_init(&d, CONFIG_KIND_ANTHROPIC, &r, NULL, NULL);
    b = "{\"id\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"tool_use\","
        "\"id\":\"t1\",\"name\":\"g\",\"input\":{\"k\":[1,2]}}],\"stop_reason\":\"tool_use\","
        "\"usage\":{\"input_tokens\":4,\"output_tokens\":5}}";
    ck_assert_int_eq(llm_decoder_parse_body(&d, b, strlen(b), NULL), SK_OK);
    ck_assert_int_eq(llm_decoder_finish(&d, NULL), SK_OK);
    ck_assert_str_eq(r.tool_calls[0].arguments, "{\"k\":[1,2]}");
    ck_assert_int_eq(r.usage.output_tokens, 5);
    llm_decoder_done(&d);
    llm_response_done(&r);

    llm_response_init(&r);
    llm_decoder_init(&d, CONFIG_KIND_OPENAI, &r, NULL, NULL);
    SkError err = {0};
    ck_assert_int_eq(llm_decoder_parse_body(&d, "{\"choices\":[{\"mess", 18, &err),
                     SK_ERR_BAD_RESPONSE);
    llm_decoder_done(&d);
    llm_response_done(&r);
}
END_TEST

/* ====================================================================================
 * request rendering and JSON
 * ==================================================================================== */

static void build_history(LlmRequest *req, const char *model)
{
    llm_request_init(req, model);
    llm_request_set_system(req, "be brief");
    llm_request_add_user_text(req, "write a.txt");
    LlmToolCall tc = {"call_1", "write_file", "{\"path\":\"a.txt\"}"};
    llm_request_add_assistant(req, "ok", &tc, 1);
    llm_request_add_tool_result(req, "call_1", "written", false);
    llm_request_add_user_text(req, "thanks");
    json_t *schema = NULL;
    js_parse("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}", 62,
             &schema, NULL);
    llm_request_add_tool(req, "write_file", "Write a file", schema);
    json_decref(schema);
    req->tool_choice = LLM_TOOL_CHOICE_NAMED;
    req->tool_choice_name = sk_strdup("write_file");
    req->max_tokens = 100;
    req->temperature = 0.5;
    llm_request_add_stop(req, "END");
}

START_TEST(test_render_requests)
{
    LlmRequest req;
    build_history(&req, "local/m");
    json_t *o = llm_openai_body(&req, "m", true, NULL);
    char *s = js_dump_compact(o);
    ck_assert_ptr_nonnull(strstr(s, "\"stream_options\":{\"include_usage\":true}"));
    ck_assert_ptr_nonnull(strstr(s, "{\"role\":\"system\",\"content\":\"be brief\"}"));
    ck_assert_ptr_nonnull(strstr(s, "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                                    "\"function\":{\"name\":\"write_file\",\"arguments\":"
                                    "\"{\\\"path\\\":\\\"a.txt\\\"}\"}}]"));
    ck_assert_ptr_nonnull(strstr(s, "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":"
                                    "\"written\"}"));
    ck_assert_ptr_nonnull(strstr(s, "\"tool_choice\":{\"type\":\"function\",\"function\":"
                                    "{\"name\":\"write_file\"}}"));
    ck_assert_ptr_nonnull(strstr(s, "\"stop\":[\"END\"]"));
    free(s);
    json_decref(o);

    o = llm_anthropic_body(&req, "claude", false, NULL);
    s = js_dump_compact(o);
    ck_assert_ptr_nonnull(strstr(s, "\"system\":\"be brief\""));
    ck_assert_ptr_nonnull(strstr(s, "{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":"
                                    "\"write_file\",\"input\":{\"path\":\"a.txt\"}}"));
    /* the tool result and the next user text share one user turn */
    ck_assert_ptr_nonnull(strstr(s, "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
                                    "\"tool_use_id\":\"call_1\",\"content\":\"written\"},"
                                    "{\"type\":\"text\",\"text\":\"thanks\"}]}"));
    ck_assert_ptr_nonnull(strstr(s, "\"tool_choice\":{\"type\":\"tool\",\"name\":\"write_file\"}"));
    ck_assert_ptr_nonnull(strstr(s, "\"stop_sequences\":[\"END\"]"));
    ck_assert_ptr_null(strstr(s, "\"stream\""));
    free(s);
    json_decref(o);

    /* JSON round trip and cache key stability */
    json_t *j = llm_request_to_json(&req);
    LlmRequest back;
    ck_assert_int_eq(llm_request_from_json(j, &back, NULL), SK_OK);
    char k1[65], k2[65];
    llm_cache_key(&req, k1);
    llm_cache_key(&back, k2);
    ck_assert_str_eq(k1, k2);
    back.no_stream = true; /* streaming or not is the same request */
    llm_cache_key(&back, k2);
    ck_assert_str_eq(k1, k2);
    llm_request_add_user_text(&back, "more");
    llm_cache_key(&back, k2);
    ck_assert_str_ne(k1, k2);
    LlmRequest cp;
    llm_request_copy(&cp, &req);
    llm_cache_key(&cp, k2);
    ck_assert_str_eq(k1, k2);
    llm_request_done(&cp);
    llm_request_done(&back);
    json_decref(j);
    llm_request_done(&req);
}
END_TEST

START_TEST(test_classification)
{
    ck_assert_int_eq(llm_classify_error_type(401, NULL, NULL, "bad key"), SK_ERR_AUTH);
    ck_assert_int_eq(llm_classify_error_type(403, "permission_error", NULL, NULL), SK_ERR_AUTH);
    ck_assert_int_eq(llm_classify_error_type(429, NULL, NULL, "slow down"), SK_ERR_RATE_LIMIT);
    ck_assert_int_eq(llm_classify_error_type(429, "insufficient_quota", NULL,
                                             "You exceeded your current quota"),
                     SK_ERR_QUOTA);
    ck_assert_int_eq(llm_classify_error_type(429, "rate_limit_error",
                                             "enforced_spend_limit_reached", "limit"),
                     SK_ERR_QUOTA);
    ck_assert_int_eq(llm_classify_error_type(402, NULL, NULL, NULL), SK_ERR_QUOTA);
    ck_assert_int_eq(llm_classify_error_type(529, "overloaded_error", NULL, NULL), SK_ERR_SERVER);
    ck_assert_int_eq(llm_classify_error_type(400, "invalid_request_error", NULL, NULL),
                     SK_ERR_BAD_REQUEST);
    ck_assert_int_eq(llm_classify_error_type(408, NULL, NULL, NULL), SK_ERR_TIMEOUT);
    ck_assert_int_eq(llm_classify_error_type(0, "overloaded_error", NULL, NULL), SK_ERR_SERVER);
    ck_assert(llm_status_is_infra(SK_ERR_NETWORK));
    ck_assert(llm_status_is_infra(SK_ERR_CACHE_MISS));
    ck_assert(!llm_status_is_infra(SK_ERR_REFUSED));
    ck_assert(!llm_status_is_infra(SK_OK));
    ck_assert_int_eq(llm_stop_reason_parse("length"), LLM_STOP_MAX_TOKENS);
    ck_assert_int_eq(llm_stop_reason_parse("end_turn"), LLM_STOP_END);
}
END_TEST

/* ====================================================================================
 * end to end against the loopback model server
 * ==================================================================================== */

typedef struct Env {
    Msrv *m;
    char *dir;
    char *cfg;
    char *db;
    TraceBus *bus;
    SkVec events; /* TraceEvent * copies */
    pthread_mutex_t mu;
    LlmClient *c;
} Env;

static void env_listener(const TraceEvent *ev, void *ud)
{
    Env *e = ud;
    pthread_mutex_lock(&e->mu);
    sk_vec_push(&e->events, trace_event_copy(ev));
    pthread_mutex_unlock(&e->mu);
}

static LlmClient *env_client(Env *e, LlmCacheMode mode, int idle_ms)
{
    LlmClientOptions o;
    llm_client_options_init(&o);
    o.home = e->dir;
    o.config_path = e->cfg;
    o.store_path = e->db;
    o.bus = e->bus;
    o.cache_mode = mode;
    o.retry_base_ms = 20;
    o.retry_cap_ms = 3000;
    o.max_retries = 3;
    o.idle_timeout_ms = idle_ms;
    o.ttfb_timeout_ms = 5000;
    LlmClient *c = llm_client_new(&o);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* One server for the whole e2e case (started in an unchecked fixture: python takes
 * seconds to start on a loaded machine); each test installs its own scenario. */
static Msrv *g_msrv;

static void e2e_setup(void)
{
    if (!msrv_available())
        return;
    SkError err = {0};
    g_msrv = msrv_start(NULL, &err);
    if (!g_msrv)
        fprintf(stderr, "msrv_start: %s\n", err.msg);
}

static void e2e_teardown(void)
{
    msrv_stop(g_msrv);
    g_msrv = NULL;
}

static bool env_start(Env *e, const char *scenario)
{
    memset(e, 0, sizeof *e);
    if (!msrv_available())
        return false;
    ck_assert_msg(g_msrv != NULL, "the model server did not start");
    e->m = g_msrv;
    ck_assert_int_eq(msrv_reset(e->m), SK_OK);
    ck_assert_msg(msrv_set_script(e->m, scenario ? scenario : "{\"rules\":[]}") == SK_OK, "%s",
                  msrv_last_error(e->m));
    e->dir = sk_mkdtemp("skvm-llm-");
    ck_assert_ptr_nonnull(e->dir);
    e->cfg = sk_path_join(e->dir, "config.yaml");
    e->db = sk_path_join(e->dir, "skvm.db");
    char *y = sk_asprintf("providers:\n  routes:\n"
                          "    - match: \"oa/*\"\n      kind: openai-compatible\n"
                          "      base_url: %s\n      max_concurrency: 4\n"
                          "    - match: \"an/*\"\n      kind: anthropic\n      base_url: %s\n"
                          "prices:\n  - match: \"an/*\"\n    input: 3\n    output: 15\n",
                          msrv_base_url(e->m, "openai"), msrv_base_url(e->m, "anthropic"));
    ck_assert_int_eq(sk_write_file_atomic(e->cfg, y, strlen(y), NULL), SK_OK);
    free(y);
    e->bus = trace_bus_new();
    sk_vec_init(&e->events, (SkFreeFn)trace_event_free);
    pthread_mutex_init(&e->mu, NULL);
    trace_bus_add_listener(e->bus, env_listener, e);
    e->c = env_client(e, LLM_CACHE_OFF, 3000);
    return true;
}

static void env_stop(Env *e)
{
    llm_client_free(e->c);
    trace_bus_free(e->bus);
    sk_vec_done(&e->events);
    pthread_mutex_destroy(&e->mu);
    sk_rm_rf(e->dir, NULL);
    free(e->dir);
    free(e->cfg);
    free(e->db);
}

static size_t env_count(Env *e, TraceKind k)
{
    size_t n = 0;
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->events.len; i++)
        n += ((TraceEvent *)e->events.items[i])->kind == k;
    pthread_mutex_unlock(&e->mu);
    return n;
}

static const TraceEvent *env_last(Env *e, TraceKind k)
{
    const TraceEvent *found = NULL;
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->events.len; i++)
        if (((TraceEvent *)e->events.items[i])->kind == k)
            found = e->events.items[i];
    pthread_mutex_unlock(&e->mu);
    return found;
}

static SkStatus ask(LlmClient *c, const char *model, const char *prompt, bool stream,
                    LlmResponse *r, SkError *err)
{
    LlmRequest req;
    llm_request_init(&req, model);
    llm_request_add_user_text(&req, prompt);
    req.no_stream = !stream;
    SkStatus rc = llm_complete(c, &req, r, NULL, err);
    llm_request_done(&req);
    return rc;
}

#define ENV_OR_SKIP(e, scen)                                                                       \
    do {                                                                                           \
        if (!env_start((e), (scen)))                                                               \
            TL_SKIP("python3 is not installed");                                                   \
    } while (0)

START_TEST(test_e2e_both_protocols)
{
    Env e;
    ENV_OR_SKIP(&e, "{\"rules\":[{\"reply\":{\"text\":\"Hello, world! This is a reply.\","
                    "\"usage\":{\"input\":12,\"output\":7,\"cache_read\":4},\"cost\":0.25,"
                    "\"quirks\":{\"crlf\":true,\"comments\":true,\"usage_choices_null\":true,"
                    "\"split_writes\":true,\"unknown_events\":true}}}]}");
    const char *models[] = {"oa/m1", "an/m2"};
    for (int mi = 0; mi < 2; mi++) {
        for (int stream = 0; stream < 2; stream++) {
            LlmResponse r;
            SkError err = {0};
            SkStatus rc = ask(e.c, models[mi], "hello", stream, &r, &err);
            ck_assert_msg(rc == SK_OK, "%s stream=%d: %s", models[mi], stream, err.msg);
            ck_assert_str_eq(r.text, "Hello, world! This is a reply.");
            ck_assert(r.usage.known);
            ck_assert_int_eq(r.usage.input_tokens, 12);
            ck_assert_int_eq(r.usage.output_tokens, 7);
            ck_assert_int_eq(r.usage.cache_read_tokens, 4);
            ck_assert(r.cost_known);
            if (mi == 0) {
                ck_assert_str_eq(r.cost_source, "provider");
                ck_assert_double_eq_tol(r.cost_usd, 0.25, 1e-9);
            } else {
                ck_assert_str_eq(r.cost_source, "price-table");
                ck_assert_double_eq_tol(r.cost_usd, (12 * 3.0 + 7 * 15.0 + 4 * 3.0) / 1e6, 1e-12);
            }
            ck_assert_int_eq(r.stop_reason, LLM_STOP_END);
            ck_assert_int_eq(r.attempts, 1);
            ck_assert_int_eq(r.http_status, 200);
            ck_assert(r.ttft_ms >= 0);
            ck_assert(r.n_chunks >= 1);
            llm_response_done(&r);
        }
    }
    /* what the server saw: the backend got the id without its first segment, stream flag */
    json_t *reqs = msrv_requests(e.m);
    ck_assert_uint_eq(json_array_size(reqs), 4);
    json_t *r0 = json_array_get(reqs, 1);
    ck_assert_str_eq(js_str(r0, "model", ""), "m1");
    ck_assert(js_bool(r0, "stream", false));
    ck_assert(js_bool(js_obj(js_obj(r0, "body"), "stream_options"), "include_usage", false));
    json_t *r3 = json_array_get(reqs, 3);
    ck_assert_str_eq(js_str(js_obj(r3, "headers"), "anthropic-version", ""), "2023-06-01");
    json_decref(reqs);
    /* trace events: start, first token, deltas forming the text, end with usage */
    ck_assert_uint_eq(env_count(&e, TRACE_LLM_START), 4);
    ck_assert_uint_eq(env_count(&e, TRACE_LLM_END), 4);
    ck_assert(env_count(&e, TRACE_LLM_FIRST_TOKEN) >= 4);
    ck_assert(env_count(&e, TRACE_LLM_DELTA) >= 4);
    const TraceEvent *end = env_last(&e, TRACE_LLM_END);
    ck_assert_int_eq(js_int(js_obj(end->data, "usage"), "output", 0), 7);
    ck_assert_ptr_nonnull(json_object_get(end->data, "tokens_per_second"));
    ck_assert_ptr_nonnull(json_object_get(end->data, "ttft_ms"));
    env_stop(&e);
}
END_TEST

START_TEST(test_e2e_tool_program)
{
    Env e;
    ENV_OR_SKIP(&e, "{\"rules\":[{\"name\":\"agent\",\"turns\":["
                    "{\"text\":\"Writing.\",\"tool_calls\":[{\"name\":\"write_file\","
                    "\"arguments\":{\"path\":\"hello.txt\",\"content\":\"Hi there\\n\"}}],"
                    "\"args_chunk_chars\":3},"
                    "{\"text\":\"Done.\"}]}]}");
    const char *models[] = {"oa/m", "an/m"};
    for (int mi = 0; mi < 2; mi++) {
        LlmRequest req;
        llm_request_init(&req, models[mi]);
        llm_request_add_user_text(&req, "write hello.txt");
        llm_request_add_tool(&req, "write_file", "Write a file", NULL);
        LlmResponse r;
        SkError err = {0};
        ck_assert_msg(llm_complete(e.c, &req, &r, NULL, &err) == SK_OK, "%s", err.msg);
        ck_assert_uint_eq(r.n_tool_calls, 1);
        ck_assert_str_eq(r.tool_calls[0].name, "write_file");
        json_t *args = NULL;
        ck_assert_int_eq(js_parse(r.tool_calls[0].arguments, strlen(r.tool_calls[0].arguments),
                                  &args, NULL),
                         SK_OK);
        ck_assert_str_eq(js_str(args, "content", ""), "Hi there\n");
        json_decref(args);
        ck_assert_int_eq(r.stop_reason, LLM_STOP_TOOL_USE);
        llm_request_add_response(&req, &r);
        llm_request_add_tool_result(&req, r.tool_calls[0].id, "ok", false);
        llm_response_done(&r);
        ck_assert_msg(llm_complete(e.c, &req, &r, NULL, &err) == SK_OK, "%s", err.msg);
        ck_assert_str_eq(r.text, "Done.");
        llm_response_done(&r);
        llm_request_done(&req);
    }
    env_stop(&e);
}
END_TEST

/* One fault scenario; expects STATUS after ATTEMPTS attempts. */
static void fault_case(Env *e, const char *model, bool stream, const char *fault,
                       SkStatus expect, int attempts)
{
    char *scen = sk_asprintf("{\"rules\":[{\"fault\":%s,\"reply\":{\"text\":\"fine answer here\","
                             "\"ttft_ms\":5}}]}",
                             fault);
    ck_assert_msg(msrv_set_script(e->m, scen) == SK_OK, "%s", msrv_last_error(e->m));
    free(scen);
    LlmResponse r;
    SkError err = {0};
    int64_t t0 = sk_now_ms();
    SkStatus rc = ask(e->c, model, "q", stream, &r, &err);
    if (getenv("TEST_LLM_TIMES")) /* per-case timing when tuning the suite */
        fprintf(stderr, "%lld ms %s %s %d\n", (long long)(sk_now_ms() - t0), model, fault, stream);
    ck_assert_msg(rc == expect, "%s %s stream=%d: got %s (%s), want %s", model, fault, stream,
                  sk_status_name(rc), err.msg, sk_status_name(expect));
    ck_assert_msg(attempts < 0 || r.attempts == attempts, "%s %s: %d attempts, want %d", model, fault, r.attempts,
                  attempts);
    if (rc == SK_OK)
        ck_assert_str_eq(r.text, "fine answer here");
    else
        ck_assert(err.msg[0]);
    llm_response_done(&r);
}

START_TEST(test_e2e_faults)
{
    Env e;
    ENV_OR_SKIP(&e, NULL);
    const char *models[] = {"oa/m", "an/m"};
    for (int mi = 0; mi < 2; mi++) {
        const char *m = models[mi];
        for (int stream = 0; stream < 2; stream++) {
            fault_case(&e, m, stream, "{\"type\":\"server_error\",\"fail_times\":1}", SK_OK, 2);
            fault_case(&e, m, stream, "{\"type\":\"overloaded\",\"fail_times\":2}", SK_OK, 3);
            fault_case(&e, m, stream, "{\"type\":\"bad_gateway\"}", SK_ERR_SERVER, 4);
            fault_case(&e, m, stream, "\"unauthorized\"", SK_ERR_AUTH, 1);
            fault_case(&e, m, stream, "\"forbidden\"", SK_ERR_AUTH, 1);
            fault_case(&e, m, stream, "\"bad_request\"", SK_ERR_BAD_REQUEST, 1);
            fault_case(&e, m, stream, "\"not_found\"", SK_ERR_BAD_REQUEST, 1);
            fault_case(&e, m, stream, "{\"type\":\"rate_limit\",\"quota\":true}", SK_ERR_QUOTA, 1);
            fault_case(&e, m, stream, "{\"type\":\"rate_limit\",\"retry_after_ms\":10}",
                       SK_ERR_RATE_LIMIT, 4);
            fault_case(&e, m, stream, "{\"type\":\"timeout\",\"fail_times\":1}", SK_OK, 2);
            fault_case(&e, m, stream, "\"malformed_json\"", SK_ERR_BAD_RESPONSE, 1);
            fault_case(&e, m, stream, "\"wrong_content_type\"", SK_ERR_BAD_RESPONSE, 1);
            /* libcurl itself retries once when a reused connection dies before any byte */
            fault_case(&e, m, stream, "{\"type\":\"reset\",\"fail_times\":1}", SK_OK, -1);
            fault_case(&e, m, stream, "\"reset\"", SK_ERR_NETWORK, 4);
            fault_case(&e, m, stream, "{\"type\":\"stream_cut\",\"fail_times\":1}", SK_OK, 2);
            fault_case(&e, m, stream, "{\"type\":\"error_event\",\"fail_times\":1}", SK_OK, 2);
            fault_case(&e, m, stream, "{\"type\":\"server_error\",\"should_retry\":false}",
                       SK_ERR_SERVER, 1);
        }
        /* the content and the stop reason arrived: accepted without the final event */
        fault_case(&e, m, true, "\"no_final_event\"", SK_OK, 1);
    }
    /* a stream cut keeps the partial text and says it was cut */
    ck_assert_int_eq(msrv_set_script(e.m, "{\"rules\":[{\"fault\":{\"type\":\"stream_cut\","
                                          "\"after_chunks\":3},\"reply\":{\"text\":\"This answer "
                                          "will never arrive in full.\"}}]}"),
                     SK_OK);
    LlmRequest req;
    llm_request_init(&req, "oa/m");
    llm_request_add_user_text(&req, "q");
    LlmCallOptions opt;
    llm_call_options_init(&opt);
    opt.max_retries = 0;
    LlmResponse r;
    SkError err = {0};
    ck_assert_int_eq(llm_complete(e.c, &req, &r, &opt, &err), SK_ERR_NETWORK);
    ck_assert_msg(strlen(r.text) > 0 && sk_str_starts("This answer will never arrive in full.",
                                                      r.text),
                  "partial text '%s'", r.text);
    llm_response_done(&r);
    llm_request_done(&req);
    /* the error trace event says it is infrastructure */
    const TraceEvent *ev = env_last(&e, TRACE_LLM_ERROR);
    ck_assert_ptr_nonnull(ev);
    ck_assert(js_bool(ev->data, "infra", false));
    env_stop(&e);
}
END_TEST

START_TEST(test_e2e_retry_after_timing)
{
    Env e;
    ENV_OR_SKIP(&e, "{\"rules\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after\":1,"
                    "\"fail_times\":1},\"reply\":{\"text\":\"third time lucky\"}}]}");
    int64_t t0 = sk_now_ms();
    LlmResponse r;
    SkError err = {0};
    ck_assert_msg(ask(e.c, "an/m", "q", true, &r, &err) == SK_OK, "%s", err.msg);
    int64_t dt = sk_now_ms() - t0;
    ck_assert_msg(dt >= 950 && dt < 2500, "took %lld ms, want about 1000", (long long)dt);
    ck_assert_int_eq(r.attempts, 2);
    llm_response_done(&r);
    const TraceEvent *ev = env_last(&e, TRACE_LLM_RETRY);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(js_int(ev->data, "wait_ms", 0), 1000);
    ck_assert_int_eq(js_int(ev->data, "http_status", 0), 429);
    ck_assert(js_bool(ev->data, "retry_after", false));
    ck_assert_ptr_nonnull(strstr(ev->text, "429"));
    /* retry-after-ms wins; an HTTP date works too */
    ck_assert_int_eq(msrv_set_script(e.m, "{\"rules\":[{\"fault\":{\"type\":\"rate_limit\","
                                          "\"retry_after_ms\":300,\"retry_after\":20,"
                                          "\"fail_times\":1},\"reply\":{\"text\":\"x\"}}]}"),
                     SK_OK);
    t0 = sk_now_ms();
    ck_assert_msg(ask(e.c, "oa/m", "q", true, &r, &err) == SK_OK, "%s", err.msg);
    dt = sk_now_ms() - t0;
    ck_assert_msg(dt >= 280 && dt < 1500, "took %lld ms, want about 300", (long long)dt);
    llm_response_done(&r);
    /* retry-after as an HTTP date about two seconds ahead (1 s granularity) */
    char date[64];
    time_t when = time(NULL) + 2;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    char *scen = sk_asprintf("{\"rules\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after\":"
                             "\"%s\",\"fail_times\":1},\"reply\":{\"text\":\"x\"}}]}",
                             date);
    ck_assert_int_eq(msrv_set_script(e.m, scen), SK_OK);
    free(scen);
    ck_assert_msg(ask(e.c, "oa/m", "q", false, &r, &err) == SK_OK, "%s", err.msg);
    llm_response_done(&r);
    ev = env_last(&e, TRACE_LLM_RETRY);
    ck_assert(js_bool(ev->data, "retry_after", false));
    int64_t w = js_int(ev->data, "wait_ms", -1);
    ck_assert_msg(w >= 900 && w <= 2100, "HTTP-date wait %lld ms", (long long)w);
    /* a server asking for more than the cap gets the cap */
    llm_client_free(e.c);
    LlmClientOptions o;
    llm_client_options_init(&o);
    o.home = e.dir;
    o.config_path = e.cfg;
    o.store_path = e.db;
    o.bus = e.bus;
    o.cache_mode = LLM_CACHE_OFF;
    o.retry_cap_ms = 200;
    e.c = llm_client_new(&o);
    ck_assert_int_eq(msrv_set_script(e.m, "{\"rules\":[{\"fault\":{\"type\":\"rate_limit\","
                                          "\"retry_after\":20,\"fail_times\":1},\"reply\":"
                                          "{\"text\":\"x\"}}]}"),
                     SK_OK);
    t0 = sk_now_ms();
    ck_assert_msg(ask(e.c, "an/m", "q", true, &r, &err) == SK_OK, "%s", err.msg);
    ck_assert(sk_now_ms() - t0 < 1500);
    llm_response_done(&r);
    ev = env_last(&e, TRACE_LLM_RETRY);
    ck_assert_int_eq(js_int(ev->data, "wait_ms", 0), 200);
    env_stop(&e);
}
END_TEST

START_TEST(test_e2e_idle_timeout)
{
    Env e;
    ENV_OR_SKIP(&e, "{\"rules\":[{\"fault\":{\"type\":\"slow_drip\",\"pause_ms\":800},"
                    "\"reply\":{\"text\":\"slowly dripping words\"}}]}");
    llm_client_free(e.c);
    e.c = env_client(&e, LLM_CACHE_OFF, 300);
    int64_t t0 = sk_now_ms();
    LlmResponse r;
    SkError err = {0};
    ck_assert_int_eq(ask(e.c, "oa/m", "q", true, &r, &err), SK_ERR_TIMEOUT);
    int64_t dt = sk_now_ms() - t0;
    ck_assert_ptr_nonnull(strstr(err.msg, "idle"));
    ck_assert_int_eq(r.attempts, 1); /* timeouts are not retried */
    ck_assert_msg(dt < 2000, "took %lld ms", (long long)dt);
    llm_response_done(&r);
    env_stop(&e);
}
END_TEST

typedef struct CancelArg {
    volatile int *flag;
    int delay_ms;
    int64_t at;
} CancelArg;

static void *cancel_thread(void *p)
{
    CancelArg *a = p;
    usleep((useconds_t)a->delay_ms * 1000);
    a->at = sk_now_ms();
    *a->flag = 1;
    return NULL;
}

START_TEST(test_e2e_cancel)
{
    Env e;
    ENV_OR_SKIP(&e, "{\"rules\":[{\"reply\":{\"text\":\"a long and slow answer that takes "
                    "many seconds to arrive\",\"ttft_ms\":100,\"chunk_ms\":400}}]}");
    const char *models[] = {"oa/m", "an/m"};
    for (int mi = 0; mi < 2; mi++) {
        volatile int flag = 0;
        CancelArg ca = {&flag, 300, 0};
        pthread_t th;
        pthread_create(&th, NULL, cancel_thread, &ca);
        LlmRequest req;
        llm_request_init(&req, models[mi]);
        llm_request_add_user_text(&req, "q");
        LlmCallOptions opt;
        llm_call_options_init(&opt);
        opt.cancel = &flag;
        LlmResponse r;
        SkError err = {0};
        SkStatus rc = llm_complete(e.c, &req, &r, &opt, &err);
        int64_t back = sk_now_ms();
        pthread_join(th, NULL);
        ck_assert_int_eq(rc, SK_ERR_CANCELLED);
        ck_assert_msg(back - ca.at < 300, "returned %lld ms after the cancel",
                      (long long)(back - ca.at));
        llm_response_done(&r);
        llm_request_done(&req);
    }
    /* cancel during a retry wait */
    ck_assert_int_eq(msrv_set_script(e.m, "{\"rules\":[{\"fault\":{\"type\":\"rate_limit\","
                                          "\"retry_after\":2}}]}"),
                     SK_OK);
    volatile int flag = 0;
    CancelArg ca = {&flag, 300, 0};
    pthread_t th;
    pthread_create(&th, NULL, cancel_thread, &ca);
    LlmRequest req;
    llm_request_init(&req, "oa/m");
    llm_request_add_user_text(&req, "q");
    LlmCallOptions opt;
    llm_call_options_init(&opt);
    opt.cancel = &flag;
    LlmResponse r;
    ck_assert_int_eq(llm_complete(e.c, &req, &r, &opt, NULL), SK_ERR_CANCELLED);
    ck_assert(sk_now_ms() - ca.at < 300);
    pthread_join(th, NULL);
    llm_response_done(&r);
    llm_request_done(&req);
    env_stop(&e);
}
END_TEST

START_TEST(test_e2e_cache_replay)
{
    Env e;
    ENV_OR_SKIP(&e, "{\"rules\":[{\"match\":{\"last_user\":\"fail\"},\"fault\":\"bad_request\"},"
                    "{\"reply\":{\"text_template\":\"You said: {last_user} (#{seq})\","
                    "\"tool_calls\":[{\"name\":\"t\",\"arguments\":{\"a\":1}}]}}]}");
    llm_client_free(e.c);
    e.c = env_client(&e, LLM_CACHE_NORMAL, 3000);
    LlmRequest req;
    llm_request_init(&req, "an/m");
    llm_request_add_user_text(&req, "hello cache");
    llm_request_add_tool(&req, "t", "a tool", NULL);
    LlmResponse r1, r2;
    SkError err = {0};
    ck_assert_msg(llm_complete(e.c, &req, &r1, NULL, &err) == SK_OK, "%s", err.msg);
    ck_assert(!r1.cached);
    ck_assert_str_eq(r1.text, "You said: hello cache (#1)");
    /* the second identical request comes from the cache: same #1 */
    ck_assert_int_eq(llm_complete(e.c, &req, &r2, NULL, &err), SK_OK);
    ck_assert(r2.cached);
    ck_assert_str_eq(r2.text, r1.text);
    ck_assert_uint_eq(r2.n_tool_calls, 1);
    ck_assert_str_eq(r2.tool_calls[0].arguments, r1.tool_calls[0].arguments);
    ck_assert_int_eq(r2.usage.output_tokens, r1.usage.output_tokens);
    llm_response_done(&r2);
    /* --no-cache goes to the server again (#2) */
    LlmCallOptions opt;
    llm_call_options_init(&opt);
    opt.cache_mode = LLM_CACHE_OFF;
    ck_assert_int_eq(llm_complete(e.c, &req, &r2, &opt, &err), SK_OK);
    ck_assert_str_eq(r2.text, "You said: hello cache (#2)");
    llm_response_done(&r2);
    /* errors are not cached */
    LlmRequest bad;
    llm_request_init(&bad, "an/m");
    llm_request_add_user_text(&bad, "fail please");
    ck_assert_int_eq(llm_complete(e.c, &bad, &r2, NULL, &err), SK_ERR_BAD_REQUEST);
    llm_response_done(&r2);
    /* offline replay: routes now point at a closed port; a replay client answers
     * identically without any network */
    char *y = sk_asprintf("providers:\n  routes:\n    - match: \"an/*\"\n      kind: anthropic\n"
                          "      base_url: http://127.0.0.1:9\n"
                          "prices:\n  - match: \"an/*\"\n    input: 3\n    output: 15\n");
    sk_write_file_atomic(e.cfg, y, strlen(y), NULL);
    free(y);
    LlmClient *rep = env_client(&e, LLM_CACHE_REPLAY, 3000);
    ck_assert_int_eq(llm_complete(rep, &req, &r2, NULL, &err), SK_OK);
    ck_assert(r2.cached);
    ck_assert_str_eq(r2.text, r1.text);
    json_t *j1 = llm_response_to_json(&r1), *j2 = llm_response_to_json(&r2);
    json_object_del(j1, "timings");
    json_object_del(j2, "timings");
    json_object_del(j1, "cached");
    json_object_del(j2, "cached");
    json_object_del(j1, "attempts");
    json_object_del(j2, "attempts");
    json_object_del(j1, "http_status");
    json_object_del(j2, "http_status");
    ck_assert(json_equal(j1, j2));
    json_decref(j1);
    json_decref(j2);
    llm_response_done(&r2);
    ck_assert_int_eq(llm_complete(rep, &bad, &r2, NULL, &err), SK_ERR_CACHE_MISS);
    ck_assert_ptr_nonnull(strstr(err.msg, "replay"));
    llm_response_done(&r2);
    llm_client_free(rep);
    /* stats see one entry with two hits */
    json_t *st = NULL;
    ck_assert_int_eq(llm_cache_stats(e.db, &st, NULL), SK_OK);
    ck_assert_int_eq(js_int(st, "entries", 0), 1);
    ck_assert_int_eq(js_int(st, "hits", 0), 2);
    json_decref(st);
    int64_t removed = 0;
    ck_assert_int_eq(llm_cache_prune(e.db, sk_wall_ms() - 86400000, &removed, NULL), SK_OK);
    ck_assert_int_eq(removed, 0);
    ck_assert_int_eq(llm_cache_clear(e.db, &removed, NULL), SK_OK);
    ck_assert_int_eq(removed, 1);
    llm_response_done(&r1);
    llm_request_done(&req);
    llm_request_done(&bad);
    env_stop(&e);
}
END_TEST

typedef struct Worker {
    LlmClient *c;
    int i;
    SkStatus rc;
    char *text;
} Worker;

static void *worker_main(void *p)
{
    Worker *w = p;
    char prompt[32];
    snprintf(prompt, sizeof prompt, "worker %d", w->i);
    LlmResponse r;
    w->rc = ask(w->c, w->i % 2 ? "an/m" : "oa/m", prompt, true, &r, NULL);
    w->text = sk_strdup(r.text ? r.text : "");
    llm_response_done(&r);
    return NULL;
}

START_TEST(test_e2e_concurrent_32)
{
    Env e;
    ENV_OR_SKIP(&e, "{\"rules\":[{\"reply\":{\"text_template\":\"echo {last_user}\","
                    "\"ttft_ms\":50,\"tokens_per_sec\":200}}]}");
    /* with the cache on: 32 threads miss, call and store at once */
    llm_client_free(e.c);
    e.c = env_client(&e, LLM_CACHE_NORMAL, 3000);
    Worker w[32];
    pthread_t th[32];
    int64_t t0 = sk_now_ms();
    for (int i = 0; i < 32; i++) {
        w[i] = (Worker){e.c, i, SK_OK, NULL};
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    for (int i = 0; i < 32; i++) {
        pthread_join(th[i], NULL);
        char want[40];
        snprintf(want, sizeof want, "echo worker %d", i);
        ck_assert_int_eq(w[i].rc, SK_OK);
        ck_assert_str_eq(w[i].text, want);
        free(w[i].text);
    }
    int64_t dt = sk_now_ms() - t0;
    (void)dt;
    json_t *reqs = msrv_requests(e.m);
    ck_assert_uint_eq(json_array_size(reqs), 32);
    json_decref(reqs);
    ck_assert_uint_eq(env_count(&e, TRACE_LLM_END), 32);
    json_t *st = NULL;
    ck_assert_int_eq(llm_cache_stats(e.db, &st, NULL), SK_OK);
    ck_assert_int_eq(js_int(st, "entries", 0), 32);
    json_decref(st);
    env_stop(&e);
}
END_TEST

START_TEST(test_e2e_routing_and_keys)
{
    Env e;
    ENV_OR_SKIP(&e, "{\"require_key\":\"sk-test-SECRET-123456\",\"rules\":[{\"reply\":"
                    "{\"text\":\"authorized\"}}]}");
    char *y = sk_asprintf("providers:\n  routes:\n"
                          "    - match: \"oa/*\"\n      kind: openai-compatible\n"
                          "      base_url: %s\n      api_key_env: SKVM_TEST_LLM_KEY\n"
                          "    - match: \"an/*\"\n      kind: anthropic\n      base_url: %s\n"
                          "      api_key_env: SKVM_TEST_LLM_KEY\n",
                          msrv_base_url(e.m, "openai"), msrv_base_url(e.m, "anthropic"));
    sk_write_file_atomic(e.cfg, y, strlen(y), NULL);
    free(y);
    unsetenv("SKVM_TEST_LLM_KEY");
    llm_client_free(e.c);
    e.c = env_client(&e, LLM_CACHE_OFF, 3000);
    LlmResponse r;
    SkError err = {0};
    /* missing key: auth error naming the variable, no request sent */
    ck_assert_int_eq(ask(e.c, "oa/m", "q", true, &r, &err), SK_ERR_AUTH);
    ck_assert_ptr_nonnull(strstr(err.msg, "SKVM_TEST_LLM_KEY"));
    llm_response_done(&r);
    /* unknown provider: config error */
    ck_assert_int_eq(ask(e.c, "nosuch/m", "q", true, &r, &err), SK_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "no route"));
    llm_response_done(&r);
    ck_assert_int_eq(ask(e.c, "no-slash", "q", true, &r, &err), SK_ERR_CONFIG);
    llm_response_done(&r);
    /* wrong key: 401, the key is not echoed anywhere */
    setenv("SKVM_TEST_LLM_KEY", "sk-wrong-key-abcdef", 1);
    llm_client_free(e.c);
    e.c = env_client(&e, LLM_CACHE_OFF, 3000);
    ck_assert_int_eq(ask(e.c, "an/m", "q", true, &r, &err), SK_ERR_AUTH);
    ck_assert_ptr_null(strstr(err.msg, "sk-wrong-key-abcdef"));
    llm_response_done(&r);
    /* right key: both wires send it in their own header */
    setenv("SKVM_TEST_LLM_KEY", "sk-test-SECRET-123456", 1);
    llm_client_free(e.c);
    e.c = env_client(&e, LLM_CACHE_OFF, 3000);
    ck_assert_int_eq(ask(e.c, "an/m", "q", true, &r, &err), SK_OK);
    ck_assert_str_eq(r.text, "authorized");
    llm_response_done(&r);
    ck_assert_int_eq(ask(e.c, "oa/m", "q", false, &r, &err), SK_OK);
    llm_response_done(&r);
    char *red = llm_client_redact(e.c, "key=sk-test-SECRET-123456!");
    ck_assert_str_eq(red, "key=[REDACTED]!");
    free(red);
    /* no trace event carries the key */
    pthread_mutex_lock(&e.mu);
    for (size_t i = 0; i < e.events.len; i++) {
        json_t *j = trace_event_to_json(e.events.items[i]);
        char *s = js_dump_compact(j);
        ck_assert_ptr_null(strstr(s, "sk-test-SECRET"));
        ck_assert_ptr_null(strstr(s, "sk-wrong-key"));
        free(s);
        json_decref(j);
    }
    pthread_mutex_unlock(&e.mu);
    unsetenv("SKVM_TEST_LLM_KEY");
    env_stop(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("llm");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, test_openai_stream_every_split);
    tcase_add_test(tc, test_anthropic_stream_every_split);
    tcase_add_test(tc, test_stream_errors);
    tcase_add_test(tc, test_non_streaming_bodies);
    tcase_add_test(tc, test_render_requests);
    tcase_add_test(tc, test_classification);
    suite_add_tcase(s, tc);
    TCase *e2e = tcase_create("e2e");
    tcase_set_timeout(e2e, 120);
    tcase_add_unchecked_fixture(e2e, e2e_setup, e2e_teardown);
    tcase_add_test(e2e, test_e2e_both_protocols);
    tcase_add_test(e2e, test_e2e_tool_program);
    tcase_add_test(e2e, test_e2e_faults);
    tcase_add_test(e2e, test_e2e_retry_after_timing);
    tcase_add_test(e2e, test_e2e_idle_timeout);
    tcase_add_test(e2e, test_e2e_cancel);
    tcase_add_test(e2e, test_e2e_cache_replay);
    tcase_add_test(e2e, test_e2e_concurrent_32);
    tcase_add_test(e2e, test_e2e_routing_and_keys);
    suite_add_tcase(s, e2e);
    return tl_run_suite(s);
}
