/* fuzz_sse.c: the SSE tokenizer and both stream decoders (OpenAI chunks, Anthropic events)
 * on hostile bytes, fed whole and split at a position taken from the input. */
#include <stdint.h>
#include <stddef.h>

#include "core/llm.h"
#include "core/llm_backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_sse_decode(ConfigKind kind, const char *p, size_t n, size_t cut)
{
    LlmResponse r;
    llm_response_init(&r);
    LlmDecoder d;
    llm_decoder_init(&d, kind, &r, NULL, NULL);
    if (llm_decoder_feed(&d, p, cut, NULL) == SK_OK &&
        llm_decoder_feed(&d, p + cut, n - cut, NULL) == SK_OK)
        (void)llm_decoder_finish(&d, NULL);
    llm_decoder_done(&d);
    llm_response_done(&r);
    /* the same bytes as a non-streaming body */
    llm_response_init(&r);
    llm_decoder_init(&d, kind, &r, NULL, NULL);
    if (llm_decoder_parse_body(&d, p, n, NULL) == SK_OK)
        (void)llm_decoder_finish(&d, NULL);
    llm_decoder_done(&d);
    llm_response_done(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t cut = size ? (size_t)data[0] * 7919u % (size + 1) : 0;
    fuzz_sse_decode(CONFIG_KIND_OPENAI, p, size, cut);
    fuzz_sse_decode(CONFIG_KIND_ANTHROPIC, p, size, cut);
    return 0;
}
