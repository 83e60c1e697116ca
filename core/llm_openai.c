/* llm_openai.c: OpenAI-compatible /chat/completions (OpenAI, OpenRouter, vLLM, Ollama,
 * llama.cpp server...): request rendering and response decoding, streaming or not. */
#include <string.h>

#include "core/js.h"
#include "core/llm_backend.h"

/* ---- request ---- */

static json_t *llm_openai_message(const LlmMessage *m)
{
    json_t *o = json_object();
    switch (m->role) {
    case LLM_ROLE_SYSTEM:
        json_object_set_new(o, "role", json_string("system"));
        json_object_set_new(o, "content", json_string(m->text ? m->text : ""));
        break;
    case LLM_ROLE_USER:
        json_object_set_new(o, "role", json_string("user"));
        json_object_set_new(o, "content", json_string(m->text ? m->text : ""));
        break;
    case LLM_ROLE_ASSISTANT:
        json_object_set_new(o, "role", json_string("assistant"));
        if (m->text && *m->text)
            json_object_set_new(o, "content", json_string(m->text));
        else
            json_object_set_new(o, "content", m->n_tool_calls ? json_null() : json_string(""));
        if (m->n_tool_calls) {
            json_t *calls = json_array();
            for (size_t i = 0; i < m->n_tool_calls; i++) {
                const LlmToolCall *c = &m->tool_calls[i];
                json_t *fn = json_object();
                json_object_set_new(fn, "name", json_string(c->name ? c->name : ""));
                json_object_set_new(fn, "arguments",
                                    json_string(c->arguments && *c->arguments ? c->arguments
                                                                              : "{}"));
                json_t *call = json_object();
                json_object_set_new(call, "id", json_string(c->id ? c->id : ""));
                json_object_set_new(call, "type", json_string("function"));
                json_object_set_new(call, "function", fn);
                json_array_append_new(calls, call);
            }
            json_object_set_new(o, "tool_calls", calls);
        }
        break;
    case LLM_ROLE_TOOL: {
        json_object_set_new(o, "role", json_string("tool"));
        json_object_set_new(o, "tool_call_id", json_string(m->tool_call_id ? m->tool_call_id : ""));
        /* The wire has no error flag: say it in the content. */
        if (m->is_error) {
            char *s = sk_asprintf("ERROR: %s", m->text ? m->text : "");
            json_object_set_new(o, "content", json_string(s));
            free(s);
        } else {
            json_object_set_new(o, "content", json_string(m->text ? m->text : ""));
        }
        break;
    }
    }
    return o;
}

json_t *llm_openai_body(const LlmRequest *req, const char *backend_model, bool stream,
                        const ConfigRoute *route)
{
    json_t *b = json_object();
    json_object_set_new(b, "model", json_string(backend_model));
    json_t *msgs = json_array();
    if (req->system && *req->system) {
        json_t *s = json_object();
        json_object_set_new(s, "role", json_string("system"));
        json_object_set_new(s, "content", json_string(req->system));
        json_array_append_new(msgs, s);
    }
    for (size_t i = 0; i < req->n_messages; i++)
        json_array_append_new(msgs, llm_openai_message(&req->messages[i]));
    json_object_set_new(b, "messages", msgs);
    if (req->max_tokens > 0) {
        /* OpenAI's own API rejects max_tokens for newer models; compatible servers (vLLM,
         * Ollama, llama.cpp) know max_tokens. */
        bool official = route && strstr(route->base_url, "://api.openai.com") != NULL;
        json_object_set_new(b, official ? "max_completion_tokens" : "max_tokens",
                            json_integer(req->max_tokens));
    }
    if (req->temperature >= 0)
        json_object_set_new(b, "temperature", json_real(req->temperature));
    if (req->n_stop) {
        json_t *st = json_array();
        for (size_t i = 0; i < req->n_stop; i++)
            json_array_append_new(st, json_string(req->stop[i]));
        json_object_set_new(b, "stop", st);
    }
    if (req->n_tools) {
        json_t *tools = json_array();
        for (size_t i = 0; i < req->n_tools; i++) {
            const LlmTool *t = &req->tools[i];
            json_t *fn = json_object();
            json_object_set_new(fn, "name", json_string(t->name));
            if (t->description)
                json_object_set_new(fn, "description", json_string(t->description));
            json_object_set(fn, "parameters", t->schema);
            json_t *o = json_object();
            json_object_set_new(o, "type", json_string("function"));
            json_object_set_new(o, "function", fn);
            json_array_append_new(tools, o);
        }
        json_object_set_new(b, "tools", tools);
        switch (req->tool_choice) {
        case LLM_TOOL_CHOICE_AUTO:
            break;
        case LLM_TOOL_CHOICE_NONE:
            json_object_set_new(b, "tool_choice", json_string("none"));
            break;
        case LLM_TOOL_CHOICE_REQUIRED:
            json_object_set_new(b, "tool_choice", json_string("required"));
            break;
        case LLM_TOOL_CHOICE_NAMED: {
            json_t *fn = json_object();
            json_object_set_new(fn, "name",
                                json_string(req->tool_choice_name ? req->tool_choice_name : ""));
            json_t *tc = json_object();
            json_object_set_new(tc, "type", json_string("function"));
            json_object_set_new(tc, "function", fn);
            json_object_set_new(b, "tool_choice", tc);
            break;
        }
        }
    }
    json_object_set_new(b, "stream", json_boolean(stream));
    if (stream) {
        json_t *so = json_object();
        json_object_set_new(so, "include_usage", json_true());
        json_object_set_new(b, "stream_options", so);
    }
    if (route && route->kind == CONFIG_KIND_OPENROUTER) {
        json_t *u = json_object();
        json_object_set_new(u, "include", json_true());
        json_object_set_new(b, "usage", u);
    }
    return b;
}

/* ---- response ---- */

static void llm_openai_usage(LlmDecoder *d, const json_t *u)
{
    if (!json_is_object(u))
        return;
    LlmUsage *us = &d->resp->usage;
    int64_t prompt = js_int(u, "prompt_tokens", 0);
    int64_t completion = js_int(u, "completion_tokens", 0);
    json_t *pd = js_obj(u, "prompt_tokens_details");
    int64_t cached = pd ? js_int(pd, "cached_tokens", 0) : 0;
    int64_t cwrite = pd ? js_int(pd, "cache_write_tokens", 0) : 0;
    /* OpenAI's cached tokens are a subset of prompt_tokens: keep "input" uncached. */
    int64_t fresh = prompt - cached - cwrite;
    us->known = true;
    us->input_tokens = fresh > 0 ? fresh : 0;
    us->output_tokens = completion;
    us->cache_read_tokens = cached;
    us->cache_write_tokens = cwrite;
    json_t *cost = json_object_get(u, "cost");
    if (json_is_number(cost)) {
        d->resp->cost_known = true;
        d->resp->cost_usd = json_number_value(cost);
        d->resp->cost_source = "provider";
    }
}

static bool llm_openai_error(LlmDecoder *d, const json_t *o)
{
    json_t *e = json_object_get(o, "error");
    if (!e || json_is_null(e))
        return false;
    const char *msg = json_is_string(e) ? json_string_value(e) : js_str(e, "message", "");
    const char *type = js_str(e, "type", NULL);
    json_t *jc = json_object_get(e, "code");
    char codebuf[32];
    const char *code = json_is_string(jc) ? json_string_value(jc) : NULL;
    int http = 0;
    if (json_is_integer(jc)) {
        http = (int)json_integer_value(jc);
        snprintf(codebuf, sizeof codebuf, "%d", http);
        code = codebuf;
    }
    SkStatus st = llm_classify_error_type(http, type, code, msg);
    llm_decoder_fail(d, st, http, "error in the response stream: %s%s%s%s", msg ? msg : "",
                     type || code ? " (" : "", type ? type : (code ? code : ""),
                     type || code ? ")" : "");
    return true;
}

SkStatus llm_openai_event(LlmDecoder *d, const SseEvent *ev)
{
    if (ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0) {
        d->done = true;
        return SK_OK;
    }
    /* Some gateways send empty data keep-alives. */
    size_t i = 0;
    while (i < ev->data_len && (ev->data[i] == ' ' || ev->data[i] == '\t'))
        i++;
    if (i == ev->data_len)
        return SK_OK;
    json_t *o = NULL;
    SkError e = {0};
    if (js_parse(ev->data, ev->data_len, &o, &e) != SK_OK || !json_is_object(o)) {
        if (o)
            json_decref(o);
        llm_decoder_fail(d, SK_ERR_BAD_RESPONSE, 0, "malformed JSON in the event stream: %s",
                         e.msg[0] ? e.msg : "not an object");
        return d->error;
    }
    if (llm_openai_error(d, o)) {
        json_decref(o);
        return d->error;
    }
    d->any_event = true;
    llm_decoder_meta(d, o);
    json_t *choices = json_object_get(o, "choices"); /* may be null or missing */
    for (size_t c = 0; json_is_array(choices) && c < json_array_size(choices); c++) {
        json_t *ch = json_array_get(choices, c);
        if (js_int(ch, "index", 0) != 0)
            continue; /* we ask for one choice */
        json_t *delta = js_obj(ch, "delta");
        if (delta) {
            json_t *content = json_object_get(delta, "content");
            if (json_is_string(content) && json_string_length(content))
                llm_decoder_text(d, json_string_value(content), json_string_length(content));
            json_t *refusal = json_object_get(delta, "refusal");
            if (json_is_string(refusal))
                sk_buf_append(&d->refusal, json_string_value(refusal),
                              json_string_length(refusal));
            json_t *calls = js_arr(delta, "tool_calls");
            for (size_t k = 0; calls && k < json_array_size(calls); k++) {
                json_t *tc = json_array_get(calls, k);
                json_t *ji = json_object_get(tc, "index");
                size_t idx = json_is_integer(ji) && json_integer_value(ji) >= 0
                                 ? (size_t)json_integer_value(ji)
                                 : k;
                if (idx > 1024) {
                    llm_decoder_fail(d, SK_ERR_BAD_RESPONSE, 0, "tool call index %zu too large",
                                     idx);
                    json_decref(o);
                    return d->error;
                }
                json_t *fn = js_obj(tc, "function");
                const char *args = fn ? js_str(fn, "arguments", NULL) : NULL;
                llm_decoder_tool(d, idx, js_str(tc, "id", NULL), fn ? js_str(fn, "name", NULL) : NULL,
                                 args, args ? strlen(args) : 0);
            }
        }
        llm_decoder_stop(d, json_object_get(ch, "finish_reason"));
    }
    llm_openai_usage(d, json_object_get(o, "usage"));
    json_decref(o);
    return SK_OK;
}

SkStatus llm_openai_parse_body(LlmDecoder *d, const json_t *o)
{
    if (llm_openai_error(d, o))
        return d->error;
    json_t *choices = js_arr(o, "choices");
    json_t *ch = choices ? json_array_get(choices, 0) : NULL;
    json_t *msg = ch ? js_obj(ch, "message") : NULL;
    if (!msg) {
        llm_decoder_fail(d, SK_ERR_BAD_RESPONSE, 0, "response has no choices[0].message");
        return d->error;
    }
    d->any_event = true;
    llm_decoder_meta(d, o);
    json_t *content = json_object_get(msg, "content");
    if (json_is_string(content) && json_string_length(content))
        llm_decoder_text(d, json_string_value(content), json_string_length(content));
    json_t *refusal = json_object_get(msg, "refusal");
    if (json_is_string(refusal))
        sk_buf_append(&d->refusal, json_string_value(refusal), json_string_length(refusal));
    json_t *calls = js_arr(msg, "tool_calls");
    for (size_t k = 0; calls && k < json_array_size(calls); k++) {
        json_t *tc = json_array_get(calls, k);
        json_t *fn = js_obj(tc, "function");
        const char *args = NULL;
        char *dumped = NULL;
        json_t *ja = fn ? json_object_get(fn, "arguments") : NULL;
        if (json_is_string(ja))
            args = json_string_value(ja);
        else if (json_is_object(ja))
            args = dumped = js_dump_compact(ja); /* some servers send an object */
        llm_decoder_tool(d, k, js_str(tc, "id", NULL), fn ? js_str(fn, "name", NULL) : NULL, args,
                         args ? strlen(args) : 0);
        free(dumped);
    }
    llm_decoder_stop(d, json_object_get(ch, "finish_reason"));
    llm_openai_usage(d, json_object_get(o, "usage"));
    d->done = true;
    return SK_OK;
}
