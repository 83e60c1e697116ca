/* llm_anthropic.c: Anthropic Messages API (/v1/messages): request rendering and response
 * decoding, streaming (named events) or not. */
#include <string.h>

#include "core/js.h"
#include "core/llm_backend.h"

#define LLM_ANTHROPIC_DEFAULT_MAX_TOKENS 4096

/* ---- request ---- */

/* Append content blocks for ROLE, merging with the previous message when it has the same
 * role (the API wants user and assistant turns to alternate). */
static json_t *llm_anthropic_turn(json_t *msgs, const char *role)
{
    size_t n = json_array_size(msgs);
    json_t *last = n ? json_array_get(msgs, n - 1) : NULL;
    if (last && sk_str_eq(js_str(last, "role", ""), role))
        return json_object_get(last, "content");
    json_t *m = json_object();
    json_object_set_new(m, "role", json_string(role));
    json_t *content = json_array();
    json_object_set_new(m, "content", content);
    json_array_append_new(msgs, m);
    return content;
}

static void llm_anthropic_text_block(json_t *content, const char *text)
{
    if (!text || !*text)
        return; /* empty text blocks are rejected */
    json_t *b = json_object();
    json_object_set_new(b, "type", json_string("text"));
    json_object_set_new(b, "text", json_string(text));
    json_array_append_new(content, b);
}

json_t *llm_anthropic_body(const LlmRequest *req, const char *backend_model, bool stream,
                           const ConfigRoute *route)
{
    json_t *b = json_object();
    json_object_set_new(b, "model", json_string(backend_model));
    json_object_set_new(b, "max_tokens", json_integer(req->max_tokens > 0
                                                          ? req->max_tokens
                                                          : LLM_ANTHROPIC_DEFAULT_MAX_TOKENS));
    SkBuf sys;
    sk_buf_init(&sys);
    if (req->system && *req->system)
        sk_buf_puts(&sys, req->system);
    json_t *msgs = json_array();
    for (size_t i = 0; i < req->n_messages; i++) {
        const LlmMessage *m = &req->messages[i];
        switch (m->role) {
        case LLM_ROLE_SYSTEM:
            if (m->text && *m->text) {
                if (sys.len)
                    sk_buf_puts(&sys, "\n\n");
                sk_buf_puts(&sys, m->text);
            }
            break;
        case LLM_ROLE_USER: {
            json_t *c = llm_anthropic_turn(msgs, "user");
            llm_anthropic_text_block(c, m->text && *m->text ? m->text : "(empty)");
            break;
        }
        case LLM_ROLE_ASSISTANT: {
            json_t *c = llm_anthropic_turn(msgs, "assistant");
            llm_anthropic_text_block(c, m->text);
            for (size_t k = 0; k < m->n_tool_calls; k++) {
                const LlmToolCall *tc = &m->tool_calls[k];
                json_t *input = NULL;
                if (tc->arguments && *tc->arguments)
                    js_parse(tc->arguments, strlen(tc->arguments), &input, NULL);
                if (!json_is_object(input)) {
                    if (input)
                        json_decref(input);
                    input = json_object();
                }
                json_t *blk = json_object();
                json_object_set_new(blk, "type", json_string("tool_use"));
                json_object_set_new(blk, "id", json_string(tc->id ? tc->id : ""));
                json_object_set_new(blk, "name", json_string(tc->name ? tc->name : ""));
                json_object_set_new(blk, "input", input);
                json_array_append_new(c, blk);
            }
            if (json_array_size(c) == 0)
                llm_anthropic_text_block(c, "(empty)");
            break;
        }
        case LLM_ROLE_TOOL: {
            json_t *c = llm_anthropic_turn(msgs, "user");
            json_t *blk = json_object();
            json_object_set_new(blk, "type", json_string("tool_result"));
            json_object_set_new(blk, "tool_use_id",
                                json_string(m->tool_call_id ? m->tool_call_id : ""));
            json_object_set_new(blk, "content", json_string(m->text ? m->text : ""));
            if (m->is_error)
                json_object_set_new(blk, "is_error", json_true());
            json_array_append_new(c, blk);
            break;
        }
        }
    }
    if (sys.len)
        json_object_set_new(b, "system", json_string(sk_buf_cstr(&sys)));
    sk_buf_done(&sys);
    json_object_set_new(b, "messages", msgs);
    if (req->temperature >= 0)
        json_object_set_new(b, "temperature", json_real(req->temperature));
    if (req->n_stop) {
        json_t *st = json_array();
        for (size_t i = 0; i < req->n_stop; i++)
            json_array_append_new(st, json_string(req->stop[i]));
        json_object_set_new(b, "stop_sequences", st);
    }
    if (req->n_tools) {
        json_t *tools = json_array();
        for (size_t i = 0; i < req->n_tools; i++) {
            const LlmTool *t = &req->tools[i];
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(t->name));
            if (t->description)
                json_object_set_new(o, "description", json_string(t->description));
            json_object_set(o, "input_schema", t->schema);
            json_array_append_new(tools, o);
        }
        json_object_set_new(b, "tools", tools);
        json_t *tc = NULL;
        switch (req->tool_choice) {
        case LLM_TOOL_CHOICE_AUTO:
            break;
        case LLM_TOOL_CHOICE_NONE:
            tc = json_object();
            json_object_set_new(tc, "type", json_string("none"));
            break;
        case LLM_TOOL_CHOICE_REQUIRED:
            tc = json_object();
            json_object_set_new(tc, "type", json_string("any"));
            break;
        case LLM_TOOL_CHOICE_NAMED:
            tc = json_object();
            json_object_set_new(tc, "type", json_string("tool"));
            json_object_set_new(tc, "name",
                                json_string(req->tool_choice_name ? req->tool_choice_name : ""));
            break;
        }
        if (tc)
            json_object_set_new(b, "tool_choice", tc);
    }
    if (stream)
        json_object_set_new(b, "stream", json_true());
    (void)route;
    return b;
}

/* ---- response ---- */

static void llm_anthropic_usage(LlmDecoder *d, const json_t *u)
{
    if (!json_is_object(u))
        return;
    LlmUsage *us = &d->resp->usage;
    us->known = true;
    /* message_delta usage is cumulative: take each field that is present. */
    json_t *v;
    if (json_is_integer(v = json_object_get(u, "input_tokens")))
        us->input_tokens = json_integer_value(v);
    if (json_is_integer(v = json_object_get(u, "output_tokens")))
        us->output_tokens = json_integer_value(v);
    if (json_is_integer(v = json_object_get(u, "cache_read_input_tokens")))
        us->cache_read_tokens = json_integer_value(v);
    if (json_is_integer(v = json_object_get(u, "cache_creation_input_tokens")))
        us->cache_write_tokens = json_integer_value(v);
}

static bool llm_anthropic_error(LlmDecoder *d, const json_t *o)
{
    if (!sk_str_eq(js_str(o, "type", ""), "error"))
        return false;
    json_t *e = json_object_get(o, "error");
    const char *type = js_str(e, "type", NULL);
    const char *msg = js_str(e, "message", "");
    int http = 0;
    if (sk_str_eq(type, "overloaded_error"))
        http = 529;
    else if (sk_str_eq(type, "rate_limit_error"))
        http = 429;
    else if (sk_str_eq(type, "api_error"))
        http = 500;
    json_t *details = js_obj(e, "details");
    const char *code = details ? js_str(details, "error_code", NULL) : NULL;
    SkStatus st = llm_classify_error_type(http, type, code, msg);
    llm_decoder_fail(d, st, http, "error in the response stream: %s (%s)", msg,
                     type ? type : "error");
    return true;
}

/* Map a content block index to a tool index (-1: not a tool block). */
static void llm_anthropic_block(LlmDecoder *d, size_t block, int tool)
{
    if (block >= d->n_blocks) {
        size_t n = block + 1;
        d->block_tool = sk_realloc(d->block_tool, n * sizeof *d->block_tool);
        for (size_t i = d->n_blocks; i < n; i++)
            d->block_tool[i] = -1;
        d->n_blocks = n;
    }
    d->block_tool[block] = tool;
}

SkStatus llm_anthropic_event(LlmDecoder *d, const SseEvent *ev)
{
    json_t *o = NULL;
    SkError e = {0};
    if (js_parse(ev->data, ev->data_len, &o, &e) != SK_OK || !json_is_object(o)) {
        if (o)
            json_decref(o);
        llm_decoder_fail(d, SK_ERR_BAD_RESPONSE, 0, "malformed JSON in the %s event: %s",
                         ev->event, e.msg[0] ? e.msg : "not an object");
        return d->error;
    }
    const char *name = ev->event;
    if (sk_str_eq(name, "message"))
        name = js_str(o, "type", "");
    if (sk_str_eq(name, "error") || llm_anthropic_error(d, o)) {
        if (!d->error)
            llm_anthropic_error(d, o);
        if (!d->error)
            llm_decoder_fail(d, SK_ERR_SERVER, 0, "error event in the response stream");
        json_decref(o);
        return d->error;
    }
    d->any_event = true;
    if (sk_str_eq(name, "message_start")) {
        json_t *msg = js_obj(o, "message");
        if (msg) {
            llm_decoder_meta(d, msg);
            llm_anthropic_usage(d, json_object_get(msg, "usage"));
        }
    } else if (sk_str_eq(name, "content_block_start")) {
        json_t *ji = json_object_get(o, "index");
        json_t *cb = js_obj(o, "content_block");
        if (json_is_integer(ji) && json_integer_value(ji) >= 0 && json_integer_value(ji) < 4096 &&
            cb) {
            size_t bi = (size_t)json_integer_value(ji);
            const char *type = js_str(cb, "type", "");
            if (sk_str_eq(type, "tool_use")) {
                size_t ti = d->n_tools;
                llm_anthropic_block(d, bi, (int)ti);
                json_t *input = js_obj(cb, "input");
                char *pre = NULL;
                if (input && json_object_size(input))
                    pre = js_dump_compact(input);
                llm_decoder_tool(d, ti, js_str(cb, "id", NULL), js_str(cb, "name", ""), pre,
                                 pre ? strlen(pre) : 0);
                free(pre);
            } else {
                llm_anthropic_block(d, bi, -1);
                if (sk_str_eq(type, "text")) {
                    const char *t = js_str(cb, "text", "");
                    if (*t)
                        llm_decoder_text(d, t, strlen(t));
                }
            }
        }
    } else if (sk_str_eq(name, "content_block_delta")) {
        json_t *ji = json_object_get(o, "index");
        json_t *delta = js_obj(o, "delta");
        const char *type = delta ? js_str(delta, "type", "") : "";
        if (sk_str_eq(type, "text_delta")) {
            const char *t = js_str(delta, "text", "");
            if (*t)
                llm_decoder_text(d, t, strlen(t));
        } else if (sk_str_eq(type, "input_json_delta") && json_is_integer(ji)) {
            size_t bi = (size_t)json_integer_value(ji);
            int ti = bi < d->n_blocks ? d->block_tool[bi] : -1;
            const char *pj = js_str(delta, "partial_json", "");
            if (ti < 0) {
                llm_decoder_fail(d, SK_ERR_BAD_RESPONSE, 0,
                                 "input_json_delta for block %zu, which is not a tool_use block",
                                 bi);
                json_decref(o);
                return d->error;
            }
            if (*pj)
                llm_decoder_tool(d, (size_t)ti, NULL, NULL, pj, strlen(pj));
        }
        /* thinking_delta, signature_delta, citations_delta...: not part of the answer */
    } else if (sk_str_eq(name, "message_delta")) {
        json_t *delta = js_obj(o, "delta");
        if (delta)
            llm_decoder_stop(d, json_object_get(delta, "stop_reason"));
        llm_anthropic_usage(d, json_object_get(o, "usage"));
    } else if (sk_str_eq(name, "message_stop")) {
        d->done = true;
    }
    /* ping, content_block_stop and unknown future events are ignored */
    json_decref(o);
    return SK_OK;
}

SkStatus llm_anthropic_parse_body(LlmDecoder *d, const json_t *o)
{
    if (llm_anthropic_error(d, o))
        return d->error;
    json_t *content = js_arr(o, "content");
    if (!content) {
        llm_decoder_fail(d, SK_ERR_BAD_RESPONSE, 0, "response has no content array");
        return d->error;
    }
    d->any_event = true;
    llm_decoder_meta(d, o);
    for (size_t i = 0; i < json_array_size(content); i++) {
        json_t *cb = json_array_get(content, i);
        const char *type = js_str(cb, "type", "");
        if (sk_str_eq(type, "text")) {
            const char *t = js_str(cb, "text", "");
            if (*t)
                llm_decoder_text(d, t, strlen(t));
        } else if (sk_str_eq(type, "tool_use")) {
            json_t *input = json_object_get(cb, "input");
            char *args = input ? js_dump_compact(input) : sk_strdup("{}");
            llm_decoder_tool(d, d->n_tools, js_str(cb, "id", NULL), js_str(cb, "name", ""), args,
                             strlen(args));
            free(args);
        }
    }
    llm_decoder_stop(d, json_object_get(o, "stop_reason"));
    llm_anthropic_usage(d, json_object_get(o, "usage"));
    d->done = true;
    return SK_OK;
}
