/* llm_backend.h: private interface between the client (llm.c) and the wire backends
 * (llm_openai.c, llm_anthropic.c). Not for use outside the llm modules and their tests.
 *
 * A decoder turns a response (a server-sent-event stream fed in arbitrary pieces, or one
 * JSON body) into an LlmResponse, emitting text and tool-argument deltas as they arrive. */
#ifndef SKVM_CORE_LLM_BACKEND_H
#define SKVM_CORE_LLM_BACKEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/llm.h"
#include "core/sse.h"
#include "core/util.h"

typedef struct LlmToolAcc {
    char *id;
    char *name;
    SkBuf args;
} LlmToolAcc;

typedef struct LlmDecoder LlmDecoder;
typedef void (*LlmDecoderEmit)(LlmDecoder *d, const LlmDelta *delta, void *ud);

struct LlmDecoder {
    ConfigKind kind;
    LlmResponse *resp;
    SseParser sse;
    SkBuf text;
    SkBuf refusal;
    LlmToolAcc *tools; /* by call index */
    size_t n_tools;
    int *block_tool; /* Anthropic: content block index -> tool index, -1 for other blocks */
    size_t n_blocks;
    bool done;       /* saw [DONE] / message_stop */
    bool finished;   /* saw a finish/stop reason */
    bool any_event;  /* at least one well-formed event */
    /* an error reported inside the stream (or a malformed event) */
    SkStatus error;
    char error_msg[512];
    int error_http;  /* HTTP-equivalent status of a streamed error (e.g. 529), 0 if none */
    LlmDecoderEmit emit;
    void *emit_ud;
};

void llm_decoder_init(LlmDecoder *d, ConfigKind kind, LlmResponse *resp, LlmDecoderEmit emit,
                      void *ud);
void llm_decoder_done(LlmDecoder *d);
/* Feed event-stream bytes. Returns the first error (a streamed error event, malformed
 * JSON, ...); later bytes are ignored once an error is recorded. */
SkStatus llm_decoder_feed(LlmDecoder *d, const char *p, size_t n, SkError *err);
/* End of the stream: moves text/tool calls into the response. SK_ERR_NETWORK when the
 * stream stopped before its final event (and no stop reason was seen). */
SkStatus llm_decoder_finish(LlmDecoder *d, SkError *err);
/* Decode a non-streaming JSON body (then call llm_decoder_finish). */
SkStatus llm_decoder_parse_body(LlmDecoder *d, const char *body, size_t n, SkError *err);

/* Helpers the backends share (llm.c). */
void llm_decoder_text(LlmDecoder *d, const char *s, size_t n);
/* Keep the first "id" and "model" of a message object O (both wires name them so). */
void llm_decoder_meta(LlmDecoder *d, const json_t *o);
/* A stop/finish reason arrived (SR must be a string, else nothing happens): the reply is
 * complete. */
void llm_decoder_stop(LlmDecoder *d, const json_t *sr);
/* Tool fragment for call INDEX (created on first use); ID/NAME may be NULL. */
void llm_decoder_tool(LlmDecoder *d, size_t index, const char *id, const char *name,
                      const char *frag, size_t n);
void llm_decoder_fail(LlmDecoder *d, SkStatus code, int http_equiv, const char *fmt, ...)
    ATTR_FORMAT(4, 5);
LlmStopReason llm_stop_reason_parse(const char *raw);
/* Classify a provider error object's type/code/message (both dialects) into a status. */
SkStatus llm_classify_error_type(int http_status, const char *type, const char *code,
                                 const char *message);

/* OpenAI-compatible (also OpenRouter). */
json_t *llm_openai_body(const LlmRequest *req, const char *backend_model, bool stream,
                        const ConfigRoute *route);
SkStatus llm_openai_event(LlmDecoder *d, const SseEvent *ev);
SkStatus llm_openai_parse_body(LlmDecoder *d, const json_t *body);

/* Anthropic Messages. */
json_t *llm_anthropic_body(const LlmRequest *req, const char *backend_model, bool stream,
                           const ConfigRoute *route);
SkStatus llm_anthropic_event(LlmDecoder *d, const SseEvent *ev);
SkStatus llm_anthropic_parse_body(LlmDecoder *d, const json_t *body);

#endif
