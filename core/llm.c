/* llm.c: provider-neutral requests and responses, the stream decoder shared by the
 * backends, and the client (routing, retries, cost, cache, traces, key redaction). */
#include "core/llm.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/http.h"
#include "core/js.h"
#include "core/llm_backend.h"
#include "core/llm_cache.h"

/* ====================================================================================
 * requests
 * ==================================================================================== */

void llm_request_init(LlmRequest *req, const char *model)
{
    memset(req, 0, sizeof *req);
    req->model = model ? sk_strdup(model) : NULL;
    req->temperature = -1;
    req->tool_choice = LLM_TOOL_CHOICE_AUTO;
}

static void llm_tool_call_done(LlmToolCall *c)
{
    free(c->id);
    free(c->name);
    free(c->arguments);
}

static void llm_message_done(LlmMessage *m)
{
    free(m->text);
    for (size_t i = 0; i < m->n_tool_calls; i++)
        llm_tool_call_done(&m->tool_calls[i]);
    free(m->tool_calls);
    free(m->tool_call_id);
}

void llm_request_done(LlmRequest *req)
{
    if (!req)
        return;
    free(req->model);
    free(req->system);
    for (size_t i = 0; i < req->n_messages; i++)
        llm_message_done(&req->messages[i]);
    free(req->messages);
    for (size_t i = 0; i < req->n_tools; i++) {
        free(req->tools[i].name);
        free(req->tools[i].description);
        if (req->tools[i].schema)
            json_decref(req->tools[i].schema);
    }
    free(req->tools);
    free(req->tool_choice_name);
    for (size_t i = 0; i < req->n_stop; i++)
        free(req->stop[i]);
    free(req->stop);
    memset(req, 0, sizeof *req);
    req->temperature = -1;
}

void llm_request_set_model(LlmRequest *req, const char *model)
{
    free(req->model);
    req->model = model ? sk_strdup(model) : NULL;
}

void llm_request_set_system(LlmRequest *req, const char *system)
{
    free(req->system);
    req->system = system ? sk_strdup(system) : NULL;
}

static LlmMessage *llm_request_push(LlmRequest *req, LlmRole role)
{
    if (req->n_messages == req->cap_messages) {
        req->cap_messages = req->cap_messages ? req->cap_messages * 2 : 8;
        req->messages = sk_realloc(req->messages, req->cap_messages * sizeof *req->messages);
    }
    LlmMessage *m = &req->messages[req->n_messages++];
    memset(m, 0, sizeof *m);
    m->role = role;
    return m;
}

static void llm_tool_call_copy(LlmToolCall *dst, const LlmToolCall *src)
{
    dst->id = src->id ? sk_strdup(src->id) : NULL;
    dst->name = src->name ? sk_strdup(src->name) : NULL;
    dst->arguments = src->arguments ? sk_strdup(src->arguments) : NULL;
}

void llm_request_add_user_text(LlmRequest *req, const char *text)
{
    LlmMessage *m = llm_request_push(req, LLM_ROLE_USER);
    m->text = sk_strdup(text ? text : "");
}

void llm_request_add_assistant(LlmRequest *req, const char *text, const LlmToolCall *calls,
                               size_t n)
{
    LlmMessage *m = llm_request_push(req, LLM_ROLE_ASSISTANT);
    m->text = text ? sk_strdup(text) : NULL;
    if (n) {
        m->tool_calls = sk_calloc(n, sizeof *m->tool_calls);
        for (size_t i = 0; i < n; i++)
            llm_tool_call_copy(&m->tool_calls[i], &calls[i]);
        m->n_tool_calls = n;
    }
}

void llm_request_add_response(LlmRequest *req, const LlmResponse *resp)
{
    llm_request_add_assistant(req, resp->text, resp->tool_calls, resp->n_tool_calls);
}

void llm_request_add_tool_result(LlmRequest *req, const char *tool_call_id, const char *content,
                                 bool is_error)
{
    LlmMessage *m = llm_request_push(req, LLM_ROLE_TOOL);
    m->tool_call_id = sk_strdup(tool_call_id ? tool_call_id : "");
    m->text = sk_strdup(content ? content : "");
    m->is_error = is_error;
}

static void llm_request_add_message_system(LlmRequest *req, const char *text)
{
    LlmMessage *m = llm_request_push(req, LLM_ROLE_SYSTEM);
    m->text = sk_strdup(text ? text : "");
}

void llm_request_add_tool(LlmRequest *req, const char *name, const char *description,
                          json_t *schema)
{
    if (req->n_tools == req->cap_tools) {
        req->cap_tools = req->cap_tools ? req->cap_tools * 2 : 4;
        req->tools = sk_realloc(req->tools, req->cap_tools * sizeof *req->tools);
    }
    LlmTool *t = &req->tools[req->n_tools++];
    t->name = sk_strdup(name ? name : "");
    t->description = description ? sk_strdup(description) : NULL;
    if (schema) {
        t->schema = json_incref(schema);
    } else {
        t->schema = json_object();
        json_object_set_new(t->schema, "type", json_string("object"));
    }
}

void llm_request_add_stop(LlmRequest *req, const char *stop)
{
    req->stop = sk_realloc(req->stop, (req->n_stop + 1) * sizeof *req->stop);
    req->stop[req->n_stop++] = sk_strdup(stop ? stop : "");
}

void llm_request_copy(LlmRequest *dst, const LlmRequest *src)
{
    llm_request_init(dst, src->model);
    llm_request_set_system(dst, src->system);
    for (size_t i = 0; i < src->n_messages; i++) {
        const LlmMessage *m = &src->messages[i];
        LlmMessage *c = llm_request_push(dst, m->role);
        c->text = m->text ? sk_strdup(m->text) : NULL;
        c->tool_call_id = m->tool_call_id ? sk_strdup(m->tool_call_id) : NULL;
        c->is_error = m->is_error;
        if (m->n_tool_calls) {
            c->tool_calls = sk_calloc(m->n_tool_calls, sizeof *c->tool_calls);
            for (size_t k = 0; k < m->n_tool_calls; k++)
                llm_tool_call_copy(&c->tool_calls[k], &m->tool_calls[k]);
            c->n_tool_calls = m->n_tool_calls;
        }
    }
    for (size_t i = 0; i < src->n_tools; i++)
        llm_request_add_tool(dst, src->tools[i].name, src->tools[i].description,
                             src->tools[i].schema);
    dst->tool_choice = src->tool_choice;
    dst->tool_choice_name = src->tool_choice_name ? sk_strdup(src->tool_choice_name) : NULL;
    dst->max_tokens = src->max_tokens;
    dst->temperature = src->temperature;
    for (size_t i = 0; i < src->n_stop; i++)
        llm_request_add_stop(dst, src->stop[i]);
    dst->no_stream = src->no_stream;
}

static const char *const llm_role_names[] = {"system", "user", "assistant", "tool"};

static json_t *llm_tool_calls_to_json(const LlmToolCall *calls, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(calls[i].id ? calls[i].id : ""));
        json_object_set_new(o, "name", json_string(calls[i].name ? calls[i].name : ""));
        json_object_set_new(o, "arguments",
                            json_string(calls[i].arguments ? calls[i].arguments : ""));
        json_array_append_new(a, o);
    }
    return a;
}

static void llm_tool_calls_from_json(const json_t *a, LlmToolCall **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return;
    *out = sk_calloc(json_array_size(a), sizeof **out);
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *o = json_array_get(a, i);
        (*out)[i].id = sk_strdup(js_str(o, "id", ""));
        (*out)[i].name = sk_strdup(js_str(o, "name", ""));
        (*out)[i].arguments = sk_strdup(js_str(o, "arguments", ""));
    }
    *n = json_array_size(a);
}

json_t *llm_request_to_json(const LlmRequest *req)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", req->model ? json_string(req->model) : json_null());
    json_object_set_new(o, "system", req->system ? json_string(req->system) : json_null());
    json_t *msgs = json_array();
    for (size_t i = 0; i < req->n_messages; i++) {
        const LlmMessage *m = &req->messages[i];
        json_t *j = json_object();
        json_object_set_new(j, "role", json_string(llm_role_names[m->role]));
        if (m->text)
            json_object_set_new(j, "text", json_string(m->text));
        if (m->n_tool_calls)
            json_object_set_new(j, "tool_calls",
                                llm_tool_calls_to_json(m->tool_calls, m->n_tool_calls));
        if (m->role == LLM_ROLE_TOOL) {
            json_object_set_new(j, "tool_call_id",
                                json_string(m->tool_call_id ? m->tool_call_id : ""));
            json_object_set_new(j, "is_error", json_boolean(m->is_error));
        }
        json_array_append_new(msgs, j);
    }
    json_object_set_new(o, "messages", msgs);
    json_t *tools = json_array();
    for (size_t i = 0; i < req->n_tools; i++) {
        json_t *t = json_object();
        json_object_set_new(t, "name", json_string(req->tools[i].name));
        json_object_set_new(t, "description", req->tools[i].description
                                                  ? json_string(req->tools[i].description)
                                                  : json_null());
        json_object_set(t, "schema", req->tools[i].schema);
        json_array_append_new(tools, t);
    }
    json_object_set_new(o, "tools", tools);
    switch (req->tool_choice) {
    case LLM_TOOL_CHOICE_AUTO:
        json_object_set_new(o, "tool_choice", json_string("auto"));
        break;
    case LLM_TOOL_CHOICE_NONE:
        json_object_set_new(o, "tool_choice", json_string("none"));
        break;
    case LLM_TOOL_CHOICE_REQUIRED:
        json_object_set_new(o, "tool_choice", json_string("required"));
        break;
    case LLM_TOOL_CHOICE_NAMED: {
        json_t *tc = json_object();
        json_object_set_new(tc, "name",
                            json_string(req->tool_choice_name ? req->tool_choice_name : ""));
        json_object_set_new(o, "tool_choice", tc);
        break;
    }
    }
    json_object_set_new(o, "max_tokens", json_integer(req->max_tokens));
    json_object_set_new(o, "temperature",
                        req->temperature >= 0 ? json_real(req->temperature) : json_null());
    json_t *stop = json_array();
    for (size_t i = 0; i < req->n_stop; i++)
        json_array_append_new(stop, json_string(req->stop[i]));
    json_object_set_new(o, "stop", stop);
    json_object_set_new(o, "no_stream", json_boolean(req->no_stream));
    return o;
}

SkStatus llm_request_from_json(const json_t *j, LlmRequest *req, SkError *err)
{
    llm_request_init(req, NULL);
    if (!json_is_object(j))
        return sk_error_set(err, SK_ERR_INVALID, "request: expected an object");
    const char *model = js_str(j, "model", NULL);
    if (model)
        llm_request_set_model(req, model);
    const char *system = js_str(j, "system", NULL);
    if (system)
        llm_request_set_system(req, system);
    json_t *msgs = js_arr(j, "messages");
    for (size_t i = 0; msgs && i < json_array_size(msgs); i++) {
        json_t *m = json_array_get(msgs, i);
        const char *role = js_str(m, "role", "");
        const char *text = js_str(m, "text", NULL);
        if (sk_str_eq(role, "user")) {
            llm_request_add_user_text(req, text);
        } else if (sk_str_eq(role, "system")) {
            llm_request_add_message_system(req, text);
        } else if (sk_str_eq(role, "assistant")) {
            LlmToolCall *calls;
            size_t n;
            llm_tool_calls_from_json(json_object_get(m, "tool_calls"), &calls, &n);
            llm_request_add_assistant(req, text, calls, n);
            for (size_t k = 0; k < n; k++)
                llm_tool_call_done(&calls[k]);
            free(calls);
        } else if (sk_str_eq(role, "tool")) {
            llm_request_add_tool_result(req, js_str(m, "tool_call_id", ""), text,
                                        js_bool(m, "is_error", false));
        } else {
            llm_request_done(req);
            return sk_error_set(err, SK_ERR_INVALID, "request: message %zu has unknown role "
                                                     "\"%s\"",
                                i, role);
        }
    }
    json_t *tools = js_arr(j, "tools");
    for (size_t i = 0; tools && i < json_array_size(tools); i++) {
        json_t *t = json_array_get(tools, i);
        llm_request_add_tool(req, js_str(t, "name", ""), js_str(t, "description", NULL),
                             json_object_get(t, "schema"));
    }
    json_t *tc = json_object_get(j, "tool_choice");
    if (json_is_string(tc)) {
        const char *s = json_string_value(tc);
        req->tool_choice = sk_str_eq(s, "none")       ? LLM_TOOL_CHOICE_NONE
                           : sk_str_eq(s, "required") ? LLM_TOOL_CHOICE_REQUIRED
                                                      : LLM_TOOL_CHOICE_AUTO;
    } else if (json_is_object(tc)) {
        req->tool_choice = LLM_TOOL_CHOICE_NAMED;
        req->tool_choice_name = sk_strdup(js_str(tc, "name", ""));
    }
    req->max_tokens = (int)js_int(j, "max_tokens", 0);
    json_t *temp = json_object_get(j, "temperature");
    req->temperature = json_is_number(temp) ? json_number_value(temp) : -1;
    json_t *stop = js_arr(j, "stop");
    for (size_t i = 0; stop && i < json_array_size(stop); i++)
        if (json_is_string(json_array_get(stop, i)))
            llm_request_add_stop(req, json_string_value(json_array_get(stop, i)));
    req->no_stream = js_bool(j, "no_stream", false);
    return SK_OK;
}

/* ====================================================================================
 * responses
 * ==================================================================================== */

static const char *const llm_stop_names[] = {"unknown",       "end",     "max_tokens",
                                             "tool_use",      "stop_sequence",
                                             "refusal",       "content_filter"};

const char *llm_stop_reason_name(LlmStopReason r)
{
    if ((int)r < 0 || (size_t)r >= sizeof llm_stop_names / sizeof llm_stop_names[0])
        return "unknown";
    return llm_stop_names[r];
}

LlmStopReason llm_stop_reason_parse(const char *raw)
{
    if (!raw)
        return LLM_STOP_UNKNOWN;
    if (sk_str_eq(raw, "stop") || sk_str_eq(raw, "end_turn") || sk_str_eq(raw, "end") ||
        sk_str_eq(raw, "pause_turn") || sk_str_eq(raw, "eos"))
        return LLM_STOP_END;
    if (sk_str_eq(raw, "length") || sk_str_eq(raw, "max_tokens") ||
        sk_str_eq(raw, "model_context_window_exceeded"))
        return LLM_STOP_MAX_TOKENS;
    if (sk_str_eq(raw, "tool_calls") || sk_str_eq(raw, "tool_use") ||
        sk_str_eq(raw, "function_call"))
        return LLM_STOP_TOOL_USE;
    if (sk_str_eq(raw, "stop_sequence"))
        return LLM_STOP_STOP_SEQUENCE;
    if (sk_str_eq(raw, "refusal"))
        return LLM_STOP_REFUSAL;
    if (sk_str_eq(raw, "content_filter"))
        return LLM_STOP_CONTENT_FILTER;
    return LLM_STOP_UNKNOWN;
}

void llm_response_init(LlmResponse *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->ttft_ms = -1;
}

void llm_response_done(LlmResponse *resp)
{
    if (!resp)
        return;
    free(resp->model);
    free(resp->provider_model);
    free(resp->id);
    free(resp->request_id);
    free(resp->text);
    for (size_t i = 0; i < resp->n_tool_calls; i++)
        llm_tool_call_done(&resp->tool_calls[i]);
    free(resp->tool_calls);
    free(resp->stop_reason_raw);
    free(resp->chunk_ms);
    llm_response_init(resp);
}

static json_t *llm_jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *llm_response_to_json(const LlmResponse *resp)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", llm_jstr(resp->model));
    json_object_set_new(o, "provider_model", llm_jstr(resp->provider_model));
    json_object_set_new(o, "id", llm_jstr(resp->id));
    json_object_set_new(o, "request_id", llm_jstr(resp->request_id));
    json_object_set_new(o, "text", json_string(resp->text ? resp->text : ""));
    json_object_set_new(o, "tool_calls",
                        llm_tool_calls_to_json(resp->tool_calls, resp->n_tool_calls));
    json_object_set_new(o, "stop_reason", json_string(llm_stop_reason_name(resp->stop_reason)));
    json_object_set_new(o, "stop_reason_raw", llm_jstr(resp->stop_reason_raw));
    if (resp->usage.known) {
        json_t *u = json_object();
        json_object_set_new(u, "input", json_integer(resp->usage.input_tokens));
        json_object_set_new(u, "output", json_integer(resp->usage.output_tokens));
        json_object_set_new(u, "cache_read", json_integer(resp->usage.cache_read_tokens));
        json_object_set_new(u, "cache_write", json_integer(resp->usage.cache_write_tokens));
        json_object_set_new(o, "usage", u);
    } else {
        json_object_set_new(o, "usage", json_null());
    }
    json_object_set_new(o, "cost_usd", resp->cost_known ? json_real(resp->cost_usd) : json_null());
    json_object_set_new(o, "cost_source", llm_jstr(resp->cost_source));
    json_t *t = json_object();
    json_object_set_new(t, "ttft_ms", resp->ttft_ms >= 0 ? json_integer(resp->ttft_ms)
                                                         : json_null());
    json_object_set_new(t, "total_ms", json_integer(resp->total_ms));
    json_t *ch = json_array();
    for (size_t i = 0; i < resp->n_chunks; i++)
        json_array_append_new(ch, json_integer(resp->chunk_ms[i]));
    json_object_set_new(t, "chunks", ch);
    json_object_set_new(o, "timings", t);
    json_object_set_new(o, "attempts", json_integer(resp->attempts));
    json_object_set_new(o, "http_status", json_integer(resp->http_status));
    json_object_set_new(o, "cached", json_boolean(resp->cached));
    return o;
}

SkStatus llm_response_from_json(const json_t *j, LlmResponse *resp, SkError *err)
{
    llm_response_init(resp);
    if (!json_is_object(j))
        return sk_error_set(err, SK_ERR_INVALID, "response: expected an object");
    const char *s;
    if ((s = js_str(j, "model", NULL)))
        resp->model = sk_strdup(s);
    if ((s = js_str(j, "provider_model", NULL)))
        resp->provider_model = sk_strdup(s);
    if ((s = js_str(j, "id", NULL)))
        resp->id = sk_strdup(s);
    if ((s = js_str(j, "request_id", NULL)))
        resp->request_id = sk_strdup(s);
    resp->text = sk_strdup(js_str(j, "text", ""));
    llm_tool_calls_from_json(json_object_get(j, "tool_calls"), &resp->tool_calls,
                             &resp->n_tool_calls);
    const char *sr = js_str(j, "stop_reason", "unknown");
    resp->stop_reason = LLM_STOP_UNKNOWN;
    for (size_t i = 0; i < sizeof llm_stop_names / sizeof llm_stop_names[0]; i++)
        if (sk_str_eq(sr, llm_stop_names[i]))
            resp->stop_reason = (LlmStopReason)i;
    if ((s = js_str(j, "stop_reason_raw", NULL)))
        resp->stop_reason_raw = sk_strdup(s);
    json_t *u = js_obj(j, "usage");
    if (u) {
        resp->usage.known = true;
        resp->usage.input_tokens = js_int(u, "input", 0);
        resp->usage.output_tokens = js_int(u, "output", 0);
        resp->usage.cache_read_tokens = js_int(u, "cache_read", 0);
        resp->usage.cache_write_tokens = js_int(u, "cache_write", 0);
    }
    json_t *cost = json_object_get(j, "cost_usd");
    if (json_is_number(cost)) {
        resp->cost_known = true;
        resp->cost_usd = json_number_value(cost);
        const char *src = js_str(j, "cost_source", "");
        resp->cost_source = sk_str_eq(src, "provider") ? "provider" : "price-table";
    }
    json_t *t = js_obj(j, "timings");
    if (t) {
        json_t *tt = json_object_get(t, "ttft_ms");
        resp->ttft_ms = json_is_integer(tt) ? json_integer_value(tt) : -1;
        resp->total_ms = js_int(t, "total_ms", 0);
        json_t *ch = js_arr(t, "chunks");
        if (ch && json_array_size(ch)) {
            resp->n_chunks = json_array_size(ch);
            resp->chunk_ms = sk_calloc(resp->n_chunks, sizeof *resp->chunk_ms);
            for (size_t i = 0; i < resp->n_chunks; i++)
                resp->chunk_ms[i] = json_integer_value(json_array_get(ch, i));
        }
    }
    resp->attempts = (int)js_int(j, "attempts", 0);
    resp->http_status = (int)js_int(j, "http_status", 0);
    resp->cached = js_bool(j, "cached", false);
    return SK_OK;
}

/* ====================================================================================
 * error classification
 * ==================================================================================== */

bool llm_status_is_infra(SkStatus status)
{
    switch (status) {
    case SK_OK:
    case SK_ERR_REFUSED:
        return false;
    default:
        return true;
    }
}

static bool llm_has(const char *s, const char *needle)
{
    return s && sk_str_casestr(s, needle) != NULL;
}

SkStatus llm_classify_error_type(int http, const char *type, const char *code, const char *msg)
{
    bool quota_marker = llm_has(type, "insufficient_quota") || llm_has(code, "insufficient_quota") ||
                        llm_has(code, "spend_limit") || llm_has(type, "billing") ||
                        llm_has(code, "billing") || llm_has(msg, "exceeded your current quota") ||
                        llm_has(msg, "insufficient_quota") || llm_has(msg, "spend limit") ||
                        llm_has(msg, "credit balance") || llm_has(msg, "insufficient credits") ||
                        llm_has(msg, "billing");
    if (http == 402 || (quota_marker && (http == 0 || http == 400 || http == 403 || http == 429)))
        return SK_ERR_QUOTA;
    if (http == 401 || http == 403)
        return SK_ERR_AUTH;
    if (http == 429)
        return SK_ERR_RATE_LIMIT;
    if (http == 408)
        return SK_ERR_TIMEOUT;
    if (http == 409 || http >= 500)
        return SK_ERR_SERVER;
    if (http >= 400)
        return SK_ERR_BAD_REQUEST;
    /* no HTTP status (an error inside a stream): go by the type */
    if (llm_has(type, "authentication") || llm_has(type, "permission") ||
        llm_has(code, "invalid_api_key"))
        return SK_ERR_AUTH;
    if (llm_has(type, "rate_limit") || llm_has(code, "rate_limit"))
        return SK_ERR_RATE_LIMIT;
    if (llm_has(type, "invalid_request") || llm_has(type, "not_found") ||
        llm_has(type, "request_too_large"))
        return SK_ERR_BAD_REQUEST;
    if (llm_has(type, "timeout"))
        return SK_ERR_TIMEOUT;
    return SK_ERR_SERVER; /* overloaded_error, api_error, server_error, unknown */
}

/* ====================================================================================
 * stream decoder
 * ==================================================================================== */

static bool llm_decoder_on_event(const SseEvent *ev, void *ud)
{
    LlmDecoder *d = ud;
    if (d->error)
        return false;
    if (d->kind == CONFIG_KIND_ANTHROPIC)
        llm_anthropic_event(d, ev);
    else
        llm_openai_event(d, ev);
    return d->error == SK_OK;
}

void llm_decoder_init(LlmDecoder *d, ConfigKind kind, LlmResponse *resp, LlmDecoderEmit emit,
                      void *ud)
{
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->resp = resp;
    d->emit = emit;
    d->emit_ud = ud;
    sse_parser_init(&d->sse, llm_decoder_on_event, d);
    sk_buf_init(&d->text);
    sk_buf_init(&d->refusal);
}

void llm_decoder_done(LlmDecoder *d)
{
    sse_parser_done(&d->sse);
    sk_buf_done(&d->text);
    sk_buf_done(&d->refusal);
    for (size_t i = 0; i < d->n_tools; i++) {
        free(d->tools[i].id);
        free(d->tools[i].name);
        sk_buf_done(&d->tools[i].args);
    }
    free(d->tools);
    free(d->block_tool);
    memset(d, 0, sizeof *d);
}

void llm_decoder_fail(LlmDecoder *d, SkStatus code, int http_equiv, const char *fmt, ...)
{
    if (d->error)
        return;
    d->error = code;
    d->error_http = http_equiv;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error_msg, sizeof d->error_msg, fmt, ap);
    va_end(ap);
}

void llm_decoder_meta(LlmDecoder *d, const json_t *o)
{
    const char *id = js_str(o, "id", NULL);
    if (id && *id && !d->resp->id)
        d->resp->id = sk_strdup(id);
    const char *model = js_str(o, "model", NULL);
    if (model && *model && !d->resp->provider_model)
        d->resp->provider_model = sk_strdup(model);
}

void llm_decoder_stop(LlmDecoder *d, const json_t *sr)
{
    if (!json_is_string(sr))
        return;
    d->finished = true;
    free(d->resp->stop_reason_raw);
    d->resp->stop_reason_raw = sk_strdup(json_string_value(sr));
    d->resp->stop_reason = llm_stop_reason_parse(json_string_value(sr));
}

void llm_decoder_text(LlmDecoder *d, const char *s, size_t n)
{
    if (!n)
        return;
    sk_buf_append(&d->text, s, n);
    if (d->emit) {
        char *copy = sk_strndup(s, n);
        LlmDelta delta = {.kind = LLM_DELTA_TEXT, .text = copy, .len = n, .tool_index = -1};
        d->emit(d, &delta, d->emit_ud);
        free(copy);
    }
}

void llm_decoder_tool(LlmDecoder *d, size_t index, const char *id, const char *name,
                      const char *frag, size_t n)
{
    if (index >= d->n_tools) {
        d->tools = sk_realloc(d->tools, (index + 1) * sizeof *d->tools);
        for (size_t i = d->n_tools; i <= index; i++) {
            memset(&d->tools[i], 0, sizeof d->tools[i]);
            sk_buf_init(&d->tools[i].args);
        }
        d->n_tools = index + 1;
    }
    LlmToolAcc *t = &d->tools[index];
    const char *new_id = NULL, *new_name = NULL;
    if (id && *id && !t->id)
        new_id = t->id = sk_strdup(id);
    if (name && *name && !t->name)
        new_name = t->name = sk_strdup(name);
    if (n)
        sk_buf_append(&t->args, frag, n);
    if (d->emit && (n || new_id || new_name)) {
        char *copy = sk_strndup(frag ? frag : "", n);
        LlmDelta delta = {.kind = LLM_DELTA_TOOL,
                          .text = copy,
                          .len = n,
                          .tool_index = (int)index,
                          .tool_id = new_id,
                          .tool_name = new_name};
        d->emit(d, &delta, d->emit_ud);
        free(copy);
    }
}

SkStatus llm_decoder_feed(LlmDecoder *d, const char *p, size_t n, SkError *err)
{
    if (d->error)
        return sk_error_set(err, d->error, "%s", d->error_msg);
    SkError e = {0};
    SkStatus rc = sse_parser_feed(&d->sse, p, n, &e);
    if (d->error)
        return sk_error_set(err, d->error, "%s", d->error_msg);
    if (rc != SK_OK) {
        llm_decoder_fail(d, SK_ERR_BAD_RESPONSE, 0, "event stream: %s", e.msg);
        return sk_error_set(err, d->error, "%s", d->error_msg);
    }
    return SK_OK;
}

SkStatus llm_decoder_parse_body(LlmDecoder *d, const char *body, size_t n, SkError *err)
{
    json_t *o = NULL;
    SkError e = {0};
    if (js_parse(body, n, &o, &e) != SK_OK || !json_is_object(o)) {
        if (o)
            json_decref(o);
        llm_decoder_fail(d, SK_ERR_BAD_RESPONSE, 0, "malformed JSON response: %s",
                         e.msg[0] ? e.msg : "not an object");
        return sk_error_set(err, d->error, "%s", d->error_msg);
    }
    if (d->kind == CONFIG_KIND_ANTHROPIC)
        llm_anthropic_parse_body(d, o);
    else
        llm_openai_parse_body(d, o);
    json_decref(o);
    if (d->error)
        return sk_error_set(err, d->error, "%s", d->error_msg);
    return SK_OK;
}

SkStatus llm_decoder_finish(LlmDecoder *d, SkError *err)
{
    bool partial_line = sse_parser_finish(&d->sse);
    if (d->error)
        return sk_error_set(err, d->error, "%s", d->error_msg);
    if (!d->done && !d->finished) {
        if (!d->any_event)
            llm_decoder_fail(d, SK_ERR_NETWORK, 0,
                             "the response stream ended before any event arrived");
        else
            llm_decoder_fail(d, SK_ERR_NETWORK, 0,
                             "the response stream was cut before its final event (%s)%s",
                             d->kind == CONFIG_KIND_ANTHROPIC ? "message_stop" : "[DONE]",
                             partial_line ? " in the middle of a line" : "");
        return sk_error_set(err, d->error, "%s", d->error_msg);
    }
    LlmResponse *r = d->resp;
    free(r->text);
    if (d->text.len == 0 && d->refusal.len > 0) {
        r->text = sk_buf_steal(&d->refusal);
        r->stop_reason = LLM_STOP_REFUSAL;
    } else {
        r->text = d->text.len ? sk_buf_steal(&d->text) : sk_strdup("");
    }
    size_t n = 0;
    for (size_t i = 0; i < d->n_tools; i++)
        if (d->tools[i].name || d->tools[i].args.len || d->tools[i].id)
            n++;
    if (n) {
        r->tool_calls = sk_calloc(n, sizeof *r->tool_calls);
        size_t k = 0;
        for (size_t i = 0; i < d->n_tools; i++) {
            LlmToolAcc *t = &d->tools[i];
            if (!(t->name || t->args.len || t->id))
                continue;
            LlmToolCall *c = &r->tool_calls[k++];
            c->id = t->id ? sk_strdup(t->id) : sk_asprintf("call_%zu", i);
            c->name = sk_strdup(t->name ? t->name : "");
            c->arguments = t->args.len ? sk_strdup(sk_buf_cstr(&t->args)) : sk_strdup("{}");
        }
        r->n_tool_calls = n;
        if (r->stop_reason == LLM_STOP_UNKNOWN || r->stop_reason == LLM_STOP_END)
            r->stop_reason = r->stop_reason == LLM_STOP_UNKNOWN ? LLM_STOP_TOOL_USE
                                                                : r->stop_reason;
    }
    return SK_OK;
}

/* ====================================================================================
 * client
 * ==================================================================================== */

struct LlmClient {
    SkConfig *cfg;
    HttpEngine *http;
    LlmCache *cache;
    TraceBus *bus;
    LlmCacheMode mode;
    int connect_ms, ttfb_ms, idle_ms, total_ms;
    int max_retries, retry_base_ms, retry_cap_ms;
    pthread_mutex_t mu;
    SkVec secrets; /* char *: keys to redact */
    unsigned rng;
};

void llm_client_options_init(LlmClientOptions *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_retries = -1;
}

void llm_call_options_init(LlmCallOptions *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->step = -1;
    opt->max_retries = -1;
}

static void llm_client_add_secret(LlmClient *c, const char *key)
{
    if (!key || strlen(key) < 4)
        return;
    pthread_mutex_lock(&c->mu);
    bool have = false;
    for (size_t i = 0; i < c->secrets.len && !have; i++)
        have = strcmp(c->secrets.items[i], key) == 0;
    if (!have)
        sk_vec_push(&c->secrets, sk_strdup(key));
    pthread_mutex_unlock(&c->mu);
}

LlmClient *llm_client_new(const LlmClientOptions *opts)
{
    LlmClientOptions def;
    if (!opts) {
        llm_client_options_init(&def);
        opts = &def;
    }
    SkError err = {0};
    HttpEngine *http = http_engine_new(&err);
    if (!http) {
        sk_log(SK_LOG_ERROR, "llm: %s", err.msg);
        return NULL;
    }
    LlmClient *c = sk_calloc(1, sizeof *c);
    c->http = http;
    pthread_mutex_init(&c->mu, NULL);
    sk_vec_init(&c->secrets, free);
    char *home = opts->home ? sk_strdup(opts->home) : sk_home_dir();
    char *cfg_path = opts->config_path ? sk_strdup(opts->config_path)
                                       : sk_path_join(home, "config.yaml");
    if (config_load(cfg_path, &c->cfg, &err) != SK_OK)
        sk_log(SK_LOG_WARN, "llm: %s", err.msg);
    for (size_t i = 0; i < c->cfg->diagnostics.len; i++)
        sk_log(SK_LOG_WARN, "%s", (const char *)c->cfg->diagnostics.items[i]);
    for (size_t i = 0; i < c->cfg->n_routes; i++) {
        char *k = config_route_key(&c->cfg->routes[i]);
        llm_client_add_secret(c, k);
        free(k);
    }
    char *db = opts->store_path ? sk_strdup(opts->store_path) : sk_path_join(home, "skvm.db");
    c->cache = llm_cache_new(db);
    free(db);
    free(cfg_path);
    free(home);
    c->bus = opts->bus;
    c->mode = opts->cache_mode == LLM_CACHE_DEFAULT ? LLM_CACHE_NORMAL : opts->cache_mode;
    c->connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
    c->ttfb_ms = opts->ttfb_timeout_ms > 0 ? opts->ttfb_timeout_ms : 120000;
    c->idle_ms = opts->idle_timeout_ms > 0 ? opts->idle_timeout_ms : 60000;
    c->total_ms = opts->total_timeout_ms > 0 ? opts->total_timeout_ms : 600000;
    c->max_retries = opts->max_retries >= 0 ? opts->max_retries : 4;
    c->retry_base_ms = opts->retry_base_ms > 0 ? opts->retry_base_ms : 500;
    c->retry_cap_ms = opts->retry_cap_ms > 0 ? opts->retry_cap_ms : 30000;
    c->rng = (unsigned)sk_now_ms() ^ (unsigned)(uintptr_t)c;
    return c;
}

void llm_client_free(LlmClient *c)
{
    if (!c)
        return;
    http_engine_free(c->http);
    llm_cache_free(c->cache);
    config_free(c->cfg);
    sk_vec_done(&c->secrets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

const SkConfig *llm_client_config(const LlmClient *c)
{
    return c->cfg;
}

static void llm_redact_into(SkBuf *out, const char *text, const SkVec *secrets)
{
    const char *p = text;
    while (*p) {
        size_t best = 0;
        const char *best_at = NULL;
        for (size_t i = 0; i < secrets->len; i++) {
            const char *k = secrets->items[i];
            const char *at = strstr(p, k);
            if (at && (!best_at || at < best_at || (at == best_at && strlen(k) > best))) {
                best_at = at;
                best = strlen(k);
            }
        }
        if (!best_at) {
            sk_buf_puts(out, p);
            return;
        }
        sk_buf_append(out, p, (size_t)(best_at - p));
        sk_buf_puts(out, "[REDACTED]");
        p = best_at + best;
    }
}

char *llm_client_redact(const LlmClient *c, const char *text)
{
    SkBuf b;
    sk_buf_init(&b);
    pthread_mutex_lock((pthread_mutex_t *)&c->mu);
    llm_redact_into(&b, text ? text : "", &c->secrets);
    pthread_mutex_unlock((pthread_mutex_t *)&c->mu);
    return sk_buf_steal(&b);
}

/* Redact ERR's message in place. */
static void llm_redact_err(LlmClient *c, SkError *err)
{
    if (!err)
        return;
    char *r = llm_client_redact(c, err->msg);
    snprintf(err->msg, sizeof err->msg, "%s", r);
    free(r);
}

static void llm_publish(LlmClient *c, const LlmCallOptions *opt, TraceKind kind,
                        const char *text, json_t *data)
{
    if (!c->bus) {
        if (data)
            json_decref(data);
        return;
    }
    trace_bus_publish(c->bus, trace_event_new(kind, opt->run_id, opt->step, text, data));
}

/* ---- one attempt ---- */

typedef enum LlmBodyMode {
    LLM_BODY_STREAM,   /* feed the SSE decoder */
    LLM_BODY_JSON,     /* collect and parse one JSON body */
    LLM_BODY_ERROR,    /* non-2xx: collect the error body */
    LLM_BODY_BADTYPE   /* unexpected content type */
} LlmBodyMode;

#define LLM_ERROR_BODY_MAX (64u << 10)
#define LLM_JSON_BODY_MAX (64u << 20)

typedef struct LlmAttempt {
    LlmClient *c;
    const LlmCallOptions *opt;
    const LlmRequest *req;
    LlmDecoder dec;
    LlmBodyMode mode;
    bool stream;
    int status;
    char *content_type;
    SkBuf body;
    int64_t *chunks;
    size_t n_chunks, cap_chunks;
    int64_t t_start;
    int64_t ttft_ms;
    bool first_token;
    int attempt;
    bool *emitted_any; /* shared across attempts */
} LlmAttempt;

static void llm_attempt_emit(LlmDecoder *d, const LlmDelta *delta, void *ud)
{
    LlmAttempt *a = ud;
    bool restarted = false;
    if (!a->first_token) {
        a->first_token = true;
        a->ttft_ms = sk_now_ms() - a->t_start;
        restarted = *a->emitted_any;
        json_t *data = json_object();
        json_object_set_new(data, "model", json_string(a->req->model));
        json_object_set_new(data, "ttft_ms", json_integer(a->ttft_ms));
        json_object_set_new(data, "attempt", json_integer(a->attempt));
        llm_publish(a->c, a->opt, TRACE_LLM_FIRST_TOKEN, NULL, data);
    }
    *a->emitted_any = true;
    if (delta->kind == LLM_DELTA_TEXT) {
        llm_publish(a->c, a->opt, TRACE_LLM_DELTA, delta->text, NULL);
    } else {
        json_t *data = json_object();
        json_object_set_new(data, "index", json_integer(delta->tool_index));
        if (delta->tool_id)
            json_object_set_new(data, "id", json_string(delta->tool_id));
        if (delta->tool_name)
            json_object_set_new(data, "name", json_string(delta->tool_name));
        llm_publish(a->c, a->opt, TRACE_LLM_TOOL_DELTA, delta->text, data);
    }
    if (a->opt->on_delta)
        a->opt->on_delta(delta, restarted, a->opt->ud);
    (void)d;
}

static bool llm_attempt_head(const HttpHead *head, void *ud)
{
    LlmAttempt *a = ud;
    a->status = head->status;
    free(a->content_type);
    a->content_type = sk_strdup(head->content_type);
    bool sse = sk_str_casestr(head->content_type, "text/event-stream") != NULL;
    bool json = sk_str_casestr(head->content_type, "json") != NULL;
    if (head->status < 200 || head->status >= 300)
        a->mode = LLM_BODY_ERROR;
    else if (sse)
        a->mode = LLM_BODY_STREAM; /* also when we asked for JSON: decode it anyway */
    else if (json)
        a->mode = LLM_BODY_JSON; /* a server that ignores "stream": take the whole body */
    else
        a->mode = LLM_BODY_BADTYPE;
    return true;
}

static bool llm_attempt_data(const char *p, size_t n, int64_t t_ms, void *ud)
{
    LlmAttempt *a = ud;
    if (a->n_chunks == a->cap_chunks) {
        a->cap_chunks = a->cap_chunks ? a->cap_chunks * 2 : 64;
        a->chunks = sk_realloc(a->chunks, a->cap_chunks * sizeof *a->chunks);
    }
    a->chunks[a->n_chunks++] = t_ms;
    switch (a->mode) {
    case LLM_BODY_STREAM:
        return llm_decoder_feed(&a->dec, p, n, NULL) == SK_OK;
    case LLM_BODY_JSON:
        if (a->body.len + n > LLM_JSON_BODY_MAX) {
            llm_decoder_fail(&a->dec, SK_ERR_BAD_RESPONSE, 0, "response body larger than %u bytes",
                             LLM_JSON_BODY_MAX);
            return false;
        }
        sk_buf_append(&a->body, p, n);
        return true;
    case LLM_BODY_ERROR:
    case LLM_BODY_BADTYPE:
    default:
        if (a->body.len < LLM_ERROR_BODY_MAX)
            sk_buf_append(&a->body, p, n < LLM_ERROR_BODY_MAX - a->body.len ? n
                                                                            : LLM_ERROR_BODY_MAX - a->body.len);
        return a->body.len < LLM_ERROR_BODY_MAX;
    }
}

/* Printable excerpt of a body for messages (at most MAX bytes, control chars blanked). */
static char *llm_excerpt(const char *s, size_t n, size_t max)
{
    size_t m = n < max ? n : max;
    char *out = sk_malloc(m + 4);
    for (size_t i = 0; i < m; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    if (m < n)
        memcpy(out + m, "...", 4);
    else
        out[m] = '\0';
    return out;
}

static SkStatus llm_classify_http(int status, const char *body, size_t n, char *msg,
                                  size_t msg_size)
{
    json_t *o = NULL;
    const char *type = NULL, *code = NULL, *message = NULL;
    char codebuf[32];
    if (n && js_parse(body, n, &o, NULL) == SK_OK && json_is_object(o)) {
        json_t *e = json_object_get(o, "error");
        if (json_is_string(e)) {
            message = json_string_value(e);
        } else if (json_is_object(e)) {
            message = js_str(e, "message", NULL);
            type = js_str(e, "type", NULL);
            json_t *jc = json_object_get(e, "code");
            if (json_is_string(jc))
                code = json_string_value(jc);
            else if (json_is_integer(jc)) {
                snprintf(codebuf, sizeof codebuf, "%lld", (long long)json_integer_value(jc));
                code = codebuf;
            }
            json_t *det = js_obj(e, "details");
            if (!code && det)
                code = js_str(det, "error_code", NULL);
        }
        if (!message)
            message = js_str(o, "message", NULL);
    }
    SkStatus st = llm_classify_error_type(status, type, code, message);
    char *ex = message ? NULL : llm_excerpt(body ? body : "", n, 300);
    snprintf(msg, msg_size, "HTTP %d (%s): %s%s%s%s", status, sk_status_message(st),
             message ? message : (ex && *ex ? ex : "no error details"), type || code ? " [" : "",
             type ? type : (code ? code : ""), type || code ? "]" : "");
    free(ex);
    if (o)
        json_decref(o);
    return st;
}

static bool llm_status_retryable(int http)
{
    return http == 408 || http == 409 || http == 425 || http == 429 || http >= 500;
}

/* Milliseconds the server asked us to wait, or -1. */
static int64_t llm_retry_after(const json_t *headers)
{
    const char *ms = json_string_value(json_object_get(headers, "retry-after-ms"));
    if (ms) {
        char *end;
        double v = strtod(ms, &end);
        if (end != ms && v >= 0 && isfinite(v))
            return (int64_t)v;
    }
    const char *ra = json_string_value(json_object_get(headers, "retry-after"));
    if (ra) {
        char *end;
        double v = strtod(ra, &end);
        while (end && (*end == ' ' || *end == '\t'))
            end++;
        if (end != ra && *end == '\0' && v >= 0 && isfinite(v))
            return (int64_t)(v * 1000.0);
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        char mon[4] = {0};
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        const char *comma = strchr(ra, ',');
        const char *mp = NULL;
        if (comma && sscanf(comma + 1, " %d %3s %d %d:%d:%d", &tm.tm_mday, mon, &tm.tm_year,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6 &&
            strlen(mon) == 3 && (mp = strstr(months, mon)) && (mp - months) % 3 == 0) {
            tm.tm_mon = (int)((mp - months) / 3);
            tm.tm_year -= 1900;
            time_t when = timegm(&tm);
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            int64_t d = ((int64_t)when - (int64_t)now.tv_sec) * 1000 - now.tv_nsec / 1000000;
            return d > 0 ? d : 0;
        }
    }
    return -1;
}

typedef struct LlmAttemptResult {
    SkStatus status;
    bool retryable;
    int http_status;
    int64_t retry_after_ms;
    char msg[SK_ERROR_MSG_MAX];
} LlmAttemptResult;

static void llm_run_attempt(LlmClient *c, const ConfigRoute *route, const char *url,
                            const char *const *headers, size_t n_headers, const char *body,
                            LlmAttempt *a, LlmResponse *resp, LlmAttemptResult *out)
{
    memset(out, 0, sizeof *out);
    out->retry_after_ms = -1;
    HttpRequest hr = {0};
    hr.url = url;
    hr.headers = headers;
    hr.n_headers = n_headers;
    hr.body = body;
    hr.body_len = strlen(body);
    hr.pool = route->match;
    hr.pool_limit = route->max_concurrency;
    hr.connect_timeout_ms = c->connect_ms;
    hr.ttfb_timeout_ms = c->ttfb_ms;
    hr.idle_timeout_ms = c->idle_ms;
    hr.total_timeout_ms = a->opt->total_timeout_ms > 0 ? a->opt->total_timeout_ms : c->total_ms;
    hr.cancel = a->opt->cancel;
    hr.on_head = llm_attempt_head;
    hr.on_data = llm_attempt_data;
    hr.ud = a;
    HttpResult res;
    http_result_init(&res);
    SkError e = {0};
    a->t_start = sk_now_ms();
    SkStatus rc = http_perform(c->http, &hr, &res, &e);
    out->http_status = res.status;
    if (rc != SK_OK) {
        out->status = rc;
        out->retryable = rc == SK_ERR_NETWORK;
        if (rc == SK_ERR_NETWORK && res.status >= 200 && res.status < 300 && res.bytes > 0)
            snprintf(out->msg, sizeof out->msg,
                     "the response was cut mid-way after %zu bytes (%.900s)", res.bytes, e.msg);
        else
            snprintf(out->msg, sizeof out->msg, "%s", e.msg);
        http_result_done(&res);
        return;
    }
    if (a->mode == LLM_BODY_ERROR || res.status < 200 || res.status >= 300) {
        out->status = llm_classify_http(res.status, a->body.data, a->body.len, out->msg,
                                        sizeof out->msg);
        out->retryable = llm_status_retryable(res.status) && out->status != SK_ERR_QUOTA;
        const char *sr = json_string_value(json_object_get(res.headers, "x-should-retry"));
        if (sr && strcmp(sr, "true") == 0)
            out->retryable = true;
        else if (sr && strcmp(sr, "false") == 0)
            out->retryable = false;
        out->retry_after_ms = llm_retry_after(res.headers);
        const char *rid = json_string_value(json_object_get(res.headers, "request-id"));
        if (!rid)
            rid = json_string_value(json_object_get(res.headers, "x-request-id"));
        if (rid) {
            size_t l = strlen(out->msg);
            snprintf(out->msg + l, sizeof out->msg - l, " (request id %s)", rid);
        }
        http_result_done(&res);
        return;
    }
    SkError de = {0};
    SkStatus drc = SK_OK;
    if (a->mode == LLM_BODY_BADTYPE) {
        char *ex = llm_excerpt(a->body.data ? a->body.data : "", a->body.len, 120);
        snprintf(out->msg, sizeof out->msg,
                 "unexpected content type \"%s\" (expected %s): %s",
                 a->content_type ? a->content_type : "", a->stream ? "text/event-stream"
                                                                   : "application/json",
                 ex);
        free(ex);
        out->status = SK_ERR_BAD_RESPONSE;
        http_result_done(&res);
        return;
    }
    if (a->mode == LLM_BODY_JSON && !a->dec.error)
        drc = llm_decoder_parse_body(&a->dec, a->body.data ? a->body.data : "", a->body.len, &de);
    if (drc == SK_OK)
        drc = llm_decoder_finish(&a->dec, &de);
    if (drc != SK_OK) {
        out->status = drc;
        snprintf(out->msg, sizeof out->msg, "%s", de.msg);
        int h = a->dec.error_http;
        out->retryable = drc == SK_ERR_NETWORK || drc == SK_ERR_RATE_LIMIT ||
                         (drc == SK_ERR_SERVER) || (h && llm_status_retryable(h));
        if (drc == SK_ERR_QUOTA || drc == SK_ERR_AUTH || drc == SK_ERR_BAD_REQUEST ||
            drc == SK_ERR_BAD_RESPONSE)
            out->retryable = false;
        http_result_done(&res);
        return;
    }
    out->status = SK_OK;
    resp->http_status = res.status;
    const char *reqid = json_string_value(json_object_get(res.headers, "request-id"));
    if (!reqid)
        reqid = json_string_value(json_object_get(res.headers, "x-request-id"));
    free(resp->request_id);
    resp->request_id = reqid ? sk_strdup(reqid) : NULL;
    resp->ttft_ms = a->first_token ? a->ttft_ms : (res.ttfb_ms >= 0 ? res.ttfb_ms : -1);
    free(resp->chunk_ms);
    resp->chunk_ms = a->chunks;
    resp->n_chunks = a->n_chunks;
    a->chunks = NULL;
    a->n_chunks = a->cap_chunks = 0;
    http_result_done(&res);
}

static void llm_attempt_init(LlmAttempt *a, LlmClient *c, const LlmCallOptions *opt,
                             const LlmRequest *req, ConfigKind kind, LlmResponse *resp,
                             bool stream, int attempt, bool *emitted)
{
    memset(a, 0, sizeof *a);
    a->c = c;
    a->opt = opt;
    a->req = req;
    a->stream = stream;
    a->attempt = attempt;
    a->emitted_any = emitted;
    a->ttft_ms = -1;
    a->mode = LLM_BODY_ERROR;
    sk_buf_init(&a->body);
    llm_decoder_init(&a->dec, kind, resp, llm_attempt_emit, a);
}

static void llm_attempt_done(LlmAttempt *a)
{
    llm_decoder_done(&a->dec);
    sk_buf_done(&a->body);
    free(a->chunks);
    free(a->content_type);
}

/* Sleep MS unless cancelled; false when cancelled. */
static bool llm_sleep(int64_t ms, volatile int *cancel)
{
    int64_t end = sk_now_ms() + ms;
    for (;;) {
        if (cancel && *cancel)
            return false;
        int64_t left = end - sk_now_ms();
        if (left <= 0)
            return true;
        int64_t slice = left < 20 ? left : 20;
        struct timespec ts = {(time_t)(slice / 1000), (long)(slice % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static int64_t llm_backoff(LlmClient *c, int attempt)
{
    double d = (double)c->retry_base_ms * pow(2.0, attempt - 1);
    if (d > c->retry_cap_ms)
        d = c->retry_cap_ms;
    pthread_mutex_lock(&c->mu);
    c->rng = c->rng * 1103515245u + 12345u;
    unsigned r = (c->rng >> 8) & 0xffff;
    pthread_mutex_unlock(&c->mu);
    /* "equal jitter": half fixed, half random */
    return (int64_t)(d / 2 + (d / 2) * ((double)r / 65535.0));
}

static void llm_finish_response(LlmClient *c, const LlmRequest *req, LlmResponse *resp)
{
    free(resp->model);
    resp->model = sk_strdup(req->model);
    if (!resp->text)
        resp->text = sk_strdup("");
    if (!resp->cost_known && resp->usage.known) {
        double usd;
        if (config_cost(c->cfg, req->model, resp->usage.input_tokens, resp->usage.output_tokens,
                        resp->usage.cache_read_tokens, resp->usage.cache_write_tokens, &usd)) {
            resp->cost_known = true;
            resp->cost_usd = usd;
            resp->cost_source = "price-table";
        }
    }
}

static void llm_publish_end(LlmClient *c, const LlmCallOptions *opt, const LlmResponse *resp)
{
    json_t *d = llm_response_to_json(resp);
    json_object_del(d, "text");
    json_object_del(d, "tool_calls");
    json_object_del(d, "timings");
    json_object_set_new(d, "ttft_ms", resp->ttft_ms >= 0 ? json_integer(resp->ttft_ms) : json_null());
    json_object_set_new(d, "total_ms", json_integer(resp->total_ms));
    json_object_set_new(d, "chunks", json_integer((json_int_t)resp->n_chunks));
    json_object_set_new(d, "n_tool_calls", json_integer((json_int_t)resp->n_tool_calls));
    json_object_set_new(d, "text_bytes", json_integer((json_int_t)strlen(resp->text ? resp->text : "")));
    double tps = 0;
    int64_t gen_ms = resp->total_ms - (resp->ttft_ms > 0 ? resp->ttft_ms : 0);
    if (resp->usage.known && resp->usage.output_tokens > 0 && gen_ms > 0 && !resp->cached)
        tps = (double)resp->usage.output_tokens * 1000.0 / (double)gen_ms;
    json_object_set_new(d, "tokens_per_second", tps > 0 ? json_real(tps) : json_null());
    llm_publish(c, opt, TRACE_LLM_END, NULL, d);
}

static SkStatus llm_fail(LlmClient *c, const LlmCallOptions *opt, const LlmRequest *req,
                         SkStatus st, int http, int attempts, SkError *err, const char *fmt, ...)
    ATTR_FORMAT(8, 9);
static SkStatus llm_fail(LlmClient *c, const LlmCallOptions *opt, const LlmRequest *req,
                         SkStatus st, int http, int attempts, SkError *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = sk_vasprintf(fmt, ap);
    va_end(ap);
    char *full = sk_asprintf("%s: %s", req && req->model ? req->model : "(no model)", m);
    free(m);
    char *red = llm_client_redact(c, full);
    free(full);
    json_t *d = json_object();
    json_object_set_new(d, "status", json_string(sk_status_name(st)));
    json_object_set_new(d, "http_status", json_integer(http));
    json_object_set_new(d, "attempts", json_integer(attempts));
    json_object_set_new(d, "model", llm_jstr(req ? req->model : NULL));
    json_object_set_new(d, "infra", json_boolean(llm_status_is_infra(st)));
    llm_publish(c, opt, TRACE_LLM_ERROR, red, d);
    sk_error_set(err, st, "%s", red);
    free(red);
    return st;
}

static char *llm_url(const ConfigRoute *r)
{
    if (r->kind == CONFIG_KIND_ANTHROPIC) {
        if (sk_str_ends(r->base_url, "/v1"))
            return sk_asprintf("%s/messages", r->base_url);
        return sk_asprintf("%s/v1/messages", r->base_url);
    }
    return sk_asprintf("%s/chat/completions", r->base_url);
}

static SkStatus llm_from_cache(LlmClient *c, const LlmRequest *req, const char *key,
                               LlmResponse *resp, const LlmCallOptions *opt, int64_t t0)
{
    SkError e = {0};
    SkStatus rc = llm_cache_get(c->cache, key, resp, &e);
    if (rc != SK_OK)
        return rc;
    json_t *sd = json_object();
    json_object_set_new(sd, "model", json_string(req->model));
    json_object_set_new(sd, "cached", json_true());
    json_object_set_new(sd, "stream", json_boolean(!req->no_stream));
    json_object_set_new(sd, "attempt", json_integer(0));
    llm_publish(c, opt, TRACE_LLM_START, NULL, sd);
    json_t *fd = json_object();
    json_object_set_new(fd, "model", json_string(req->model));
    json_object_set_new(fd, "ttft_ms", json_integer(sk_now_ms() - t0));
    json_object_set_new(fd, "cached", json_true());
    llm_publish(c, opt, TRACE_LLM_FIRST_TOKEN, NULL, fd);
    if (resp->text && *resp->text) {
        llm_publish(c, opt, TRACE_LLM_DELTA, resp->text, NULL);
        if (opt->on_delta) {
            LlmDelta d = {.kind = LLM_DELTA_TEXT, .text = resp->text, .len = strlen(resp->text),
                          .tool_index = -1};
            opt->on_delta(&d, false, opt->ud);
        }
    }
    for (size_t i = 0; i < resp->n_tool_calls; i++) {
        const LlmToolCall *tc = &resp->tool_calls[i];
        json_t *td = json_object();
        json_object_set_new(td, "index", json_integer((json_int_t)i));
        json_object_set_new(td, "id", json_string(tc->id));
        json_object_set_new(td, "name", json_string(tc->name));
        llm_publish(c, opt, TRACE_LLM_TOOL_DELTA, tc->arguments, td);
        if (opt->on_delta) {
            LlmDelta d = {.kind = LLM_DELTA_TOOL, .text = tc->arguments,
                          .len = strlen(tc->arguments), .tool_index = (int)i,
                          .tool_id = tc->id, .tool_name = tc->name};
            opt->on_delta(&d, false, opt->ud);
        }
    }
    free(resp->model);
    resp->model = sk_strdup(req->model);
    resp->cached = true;
    resp->attempts = 0;
    resp->http_status = 0;
    resp->total_ms = sk_now_ms() - t0;
    resp->ttft_ms = resp->total_ms;
    free(resp->chunk_ms);
    resp->chunk_ms = NULL;
    resp->n_chunks = 0;
    llm_publish_end(c, opt, resp);
    return SK_OK;
}

static SkStatus llm_outcome(const LlmResponse *resp, SkError *err)
{
    if (resp->stop_reason == LLM_STOP_REFUSAL || resp->stop_reason == LLM_STOP_CONTENT_FILTER) {
        char *ex = llm_excerpt(resp->text ? resp->text : "", strlen(resp->text ? resp->text : ""),
                               200);
        sk_error_set(err, SK_ERR_REFUSED, "%s: the model refused (%s)%s%s",
                     resp->model ? resp->model : "", llm_stop_reason_name(resp->stop_reason),
                     *ex ? ": " : "", ex);
        free(ex);
        return SK_ERR_REFUSED;
    }
    return SK_OK;
}

SkStatus llm_complete(LlmClient *c, const LlmRequest *req, LlmResponse *resp,
                      const LlmCallOptions *opt_in, SkError *err)
{
    llm_response_init(resp);
    LlmCallOptions defopt;
    llm_call_options_init(&defopt);
    const LlmCallOptions *opt = opt_in ? opt_in : &defopt;
    int64_t t0 = sk_now_ms();
    if (!req || !req->model || !*req->model)
        return llm_fail(c, opt, req, SK_ERR_CONFIG, 0, 0, err,
                        "no model given (expected <provider>/<model>)");
    const ConfigRoute *route = NULL;
    SkError e = {0};
    if (config_route_for(c->cfg, req->model, &route, &e) != SK_OK)
        return llm_fail(c, opt, req, e.code, 0, 0, err, "%s", e.msg);

    LlmCacheMode mode = opt->cache_mode != LLM_CACHE_DEFAULT ? opt->cache_mode : c->mode;
    char key[65] = {0};
    if (mode != LLM_CACHE_OFF) {
        llm_cache_key(req, key);
        SkStatus rc = llm_from_cache(c, req, key, resp, opt, t0);
        if (rc == SK_OK)
            return llm_outcome(resp, err);
        llm_response_done(resp);
        if (mode == LLM_CACHE_REPLAY)
            return llm_fail(c, opt, req, SK_ERR_CACHE_MISS, 0, 0, err,
                            "no recorded response for this request (replay mode answers only "
                            "from the cache; run once without --replay to record it; key %.12s)",
                            key);
        if (rc != SK_ERR_NOT_FOUND)
            sk_log(SK_LOG_WARN, "llm: request cache unavailable, continuing without it");
    }

    char *api_key = config_route_key(route);
    if (!api_key && (route->api_key_env || route->api_key)) {
        return llm_fail(c, opt, req, SK_ERR_AUTH, 0, 0, err,
                        "no API key for route \"%s\": set the environment variable %s (or "
                        "api_key_env in %s)",
                        route->match, route->api_key_env ? route->api_key_env : "named by api_key_env",
                        c->cfg->path);
    }
    llm_client_add_secret(c, api_key);

    /* Render the request. */
    const char *backend_model = config_backend_model(req->model);
    bool stream = !req->no_stream;
    json_t *bj = route->kind == CONFIG_KIND_ANTHROPIC
                     ? llm_anthropic_body(req, backend_model, stream, route)
                     : llm_openai_body(req, backend_model, stream, route);
    char *body = js_dump_compact(bj);
    json_decref(bj);
    char *url = llm_url(route);
    SkVec hv;
    sk_vec_init(&hv, free);
    sk_vec_push(&hv, sk_strdup("Content-Type: application/json"));
    sk_vec_push(&hv, sk_strdup(stream ? "Accept: text/event-stream" : "Accept: application/json"));
    if (route->kind == CONFIG_KIND_ANTHROPIC) {
        if (api_key)
            sk_vec_push(&hv, sk_asprintf("x-api-key: %s", api_key));
        sk_vec_push(&hv, sk_asprintf("anthropic-version: %s", route->anthropic_version));
    } else if (api_key) {
        sk_vec_push(&hv, sk_asprintf("Authorization: Bearer %s", api_key));
    }
    if (route->kind == CONFIG_KIND_OPENROUTER) {
        sk_vec_push(&hv, sk_strdup("HTTP-Referer: https://github.com/skvm"));
        sk_vec_push(&hv, sk_strdup("X-Title: skvm"));
    }
    const char *hk;
    json_t *hval;
    json_object_foreach(route->headers, hk, hval)
    {
        sk_vec_push(&hv, sk_asprintf("%s: %s", hk, json_string_value(hval)));
    }
    free(api_key);

    int max_retries = opt->max_retries >= 0 ? opt->max_retries : c->max_retries;
    bool emitted = false;
    SkBuf partial;
    sk_buf_init(&partial);
    LlmAttemptResult ar = {0};
    int attempt = 0;
    SkStatus final = SK_OK;
    for (;;) {
        attempt++;
        if (opt->cancel && *opt->cancel) {
            ar.status = SK_ERR_CANCELLED;
            snprintf(ar.msg, sizeof ar.msg, "cancelled");
            break;
        }
        json_t *sd = json_object();
        json_object_set_new(sd, "model", json_string(req->model));
        json_object_set_new(sd, "route", json_string(route->match));
        json_object_set_new(sd, "kind", json_string(config_kind_name(route->kind)));
        json_object_set_new(sd, "stream", json_boolean(stream));
        json_object_set_new(sd, "attempt", json_integer(attempt));
        json_object_set_new(sd, "messages", json_integer((json_int_t)req->n_messages));
        json_object_set_new(sd, "tools", json_integer((json_int_t)req->n_tools));
        llm_publish(c, opt, TRACE_LLM_START, NULL, sd);

        LlmResponse tmp;
        llm_response_init(&tmp);
        LlmAttempt a;
        llm_attempt_init(&a, c, opt, req, route->kind, &tmp, stream, attempt, &emitted);
        llm_run_attempt(c, route, url, (const char *const *)hv.items, hv.len, body, &a, &tmp,
                        &ar);
        if (ar.status != SK_OK) {
            sk_buf_reset(&partial);
            sk_buf_append(&partial, a.dec.text.data ? a.dec.text.data : "", a.dec.text.len);
        }
        llm_attempt_done(&a);
        if (ar.status == SK_OK) {
            llm_response_done(resp);
            *resp = tmp;
            break;
        }
        llm_response_done(&tmp);
        if (!ar.retryable || attempt > max_retries)
            break;
        int64_t wait = ar.retry_after_ms >= 0 ? ar.retry_after_ms : llm_backoff(c, attempt);
        if (wait > c->retry_cap_ms)
            wait = c->retry_cap_ms;
        json_t *rd = json_object();
        json_object_set_new(rd, "attempt", json_integer(attempt));
        json_object_set_new(rd, "wait_ms", json_integer(wait));
        json_object_set_new(rd, "status", json_string(sk_status_name(ar.status)));
        json_object_set_new(rd, "http_status", json_integer(ar.http_status));
        json_object_set_new(rd, "retry_after", json_boolean(ar.retry_after_ms >= 0));
        char *reason = llm_client_redact(c, ar.msg);
        llm_publish(c, opt, TRACE_LLM_RETRY, reason, rd);
        free(reason);
        if (!llm_sleep(wait, opt->cancel)) {
            ar.status = SK_ERR_CANCELLED;
            snprintf(ar.msg, sizeof ar.msg, "cancelled while waiting to retry");
            break;
        }
    }
    free(body);
    free(url);
    sk_vec_done(&hv);

    if (ar.status != SK_OK) {
        llm_response_done(resp);
        resp->model = sk_strdup(req->model);
        resp->text = partial.len ? sk_buf_steal(&partial) : sk_strdup("");
        resp->attempts = attempt;
        resp->http_status = ar.http_status;
        resp->total_ms = sk_now_ms() - t0;
        sk_buf_done(&partial);
        final = llm_fail(c, opt, req, ar.status, ar.http_status, attempt, err, "%s", ar.msg);
        if (attempt > 1 && err) {
            size_t l = strlen(err->msg);
            snprintf(err->msg + l, sizeof err->msg - l, " (after %d attempts)", attempt);
        }
        return final;
    }
    sk_buf_done(&partial);
    resp->attempts = attempt;
    resp->total_ms = sk_now_ms() - t0;
    llm_finish_response(c, req, resp);
    if (mode == LLM_CACHE_NORMAL) {
        SkError ce = {0};
        if (llm_cache_put(c->cache, key, req, resp, &ce) != SK_OK)
            sk_log(SK_LOG_WARN, "llm: cannot store the response in the cache: %s", ce.msg);
    }
    llm_publish_end(c, opt, resp);
    final = llm_outcome(resp, err);
    if (final != SK_OK)
        llm_redact_err(c, err);
    return final;
}
