/* bench_llm.c: streaming parser throughput (SSE + decoders on a large canned stream) and
 * the client's CPU time per request against the loopback model server, side by side.
 * Prints numbers; never fails on timing. Usage: bench_llm [requests]. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/llm.h"
#include "core/llm_backend.h"
#include "core/sse.h"
#include "tests/modelserver/msrv.h"

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static char *openai_stream(size_t target)
{
    SkBuf b;
    sk_buf_init(&b);
    sk_buf_puts(&b, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\","
                    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                    "\"finish_reason\":null}],\"usage\":null}\n\n");
    int i = 0;
    while (b.len < target) {
        sk_buf_printf(&b,
                      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                      "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok%d\"},"
                      "\"finish_reason\":null}],\"usage\":null}\r\n\r\n",
                      i++ % 1000);
        if (i % 50 == 0)
            sk_buf_puts(&b, ": OPENROUTER PROCESSING\n\n");
    }
    sk_buf_puts(&b, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                    "data: {\"choices\":null,\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}"
                    "\n\ndata: [DONE]\n\n");
    return sk_buf_steal(&b);
}

static char *anthropic_stream(size_t target)
{
    SkBuf b;
    sk_buf_init(&b);
    sk_buf_puts(&b, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":"
                    "\"m\",\"usage\":{\"input_tokens\":1}}}\n\n"
                    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    int i = 0;
    while (b.len < target) {
        sk_buf_printf(&b, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
                          "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" tok%d\"}}\n\n",
                      i++ % 1000);
        if (i % 8 == 0)
            sk_buf_puts(&b, "event: ping\ndata: {\"type\":\"ping\"}\n\n");
    }
    sk_buf_puts(&b, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}"
                    "\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
                    "{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":5}}\n\n"
                    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    return sk_buf_steal(&b);
}

static bool count_event(const SseEvent *ev, void *ud)
{
    (void)ev;
    (*(size_t *)ud)++;
    return true;
}

/* MB/s of feeding TEXT in 16 KiB pieces: SSE only (KIND < 0) or SSE + decoder. */
static double throughput(const char *text, int kind, size_t *events)
{
    size_t n = strlen(text);
    const size_t piece = 16384;
    double c0 = cpu_ms();
    if (kind < 0) {
        SseParser p;
        *events = 0;
        sse_parser_init(&p, count_event, events);
        for (size_t at = 0; at < n; at += piece)
            sse_parser_feed(&p, text + at, n - at < piece ? n - at : piece, NULL);
        sse_parser_finish(&p);
        sse_parser_done(&p);
    } else {
        LlmResponse r;
        llm_response_init(&r);
        LlmDecoder d;
        llm_decoder_init(&d, (ConfigKind)kind, &r, NULL, NULL);
        for (size_t at = 0; at < n; at += piece)
            llm_decoder_feed(&d, text + at, n - at < piece ? n - at : piece, NULL);
        SkError err = {0};
        if (llm_decoder_finish(&d, &err) != SK_OK)
            fprintf(stderr, "bench_llm: decode failed: %s\n", err.msg);
        *events = strlen(r.text ? r.text : "");
        llm_decoder_done(&d);
        llm_response_done(&r);
    }
    double dt = cpu_ms() - c0;
    if (dt < 0.001)
        dt = 0.001;
    return ((double)n / 1e6) / (dt / 1000.0);
}

typedef struct Load {
    LlmClient *c;
    const char *model;
    int n;
    int failures;
} Load;

static void *load_main(void *p)
{
    Load *l = p;
    for (int i = 0; i < l->n; i++) {
        LlmRequest req;
        llm_request_init(&req, l->model);
        llm_request_add_user_text(&req, "benchmark prompt");
        LlmResponse r;
        if (llm_complete(l->c, &req, &r, NULL, NULL) != SK_OK)
            l->failures++;
        llm_response_done(&r);
        llm_request_done(&req);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int requests = argc > 1 ? atoi(argv[1]) : 60;
    if (requests < 4)
        requests = 4;
    printf("bench_llm: streaming parser and client CPU cost\n\n");

    char *oa = openai_stream(32u << 20);
    char *an = anthropic_stream(32u << 20);
    size_t ev = 0;
    double sse_mb = throughput(oa, -1, &ev);
    size_t tb = 0;
    double oa_mb = throughput(oa, CONFIG_KIND_OPENAI, &tb);
    double an_mb = throughput(an, CONFIG_KIND_ANTHROPIC, &tb);
    printf("parser (%zu MB canned streams, 16 KiB reads)\n", strlen(oa) >> 20);
    printf("  %-36s %9.1f MB/s  (%zu events)\n", "SSE tokenizer only", sse_mb, ev);
    printf("  %-36s %9.1f MB/s\n", "SSE + OpenAI chunk decoder", oa_mb);
    printf("  %-36s %9.1f MB/s\n", "SSE + Anthropic event decoder", an_mb);
    free(oa);
    free(an);

    if (!msrv_available()) {
        printf("\nclient: skipped (python3 is not installed)\n");
        return 0;
    }
    SkError err = {0};
    Msrv *m = msrv_start("{\"rules\":[{\"reply\":{\"text\":\"The quick brown fox jumps over the "
                         "lazy dog. \",\"text_repeat\":40,\"usage\":{\"input\":20,"
                         "\"output\":400}}}]}",
                         &err);
    if (!m) {
        printf("\nclient: skipped (model server: %s)\n", err.msg);
        return 0;
    }
    char *dir = sk_mkdtemp("skvm-bench-llm-");
    char *cfg = sk_path_join(dir, "config.yaml");
    char *db = sk_path_join(dir, "skvm.db");
    char *y = sk_asprintf("providers:\n  routes:\n"
                          "    - match: \"oa/*\"\n      base_url: %s\n      max_concurrency: 8\n"
                          "    - match: \"an/*\"\n      kind: anthropic\n      base_url: %s\n"
                          "      max_concurrency: 8\n",
                          msrv_base_url(m, "openai"), msrv_base_url(m, "anthropic"));
    sk_write_file_atomic(cfg, y, strlen(y), NULL);
    free(y);
    LlmClientOptions o;
    llm_client_options_init(&o);
    o.home = dir;
    o.config_path = cfg;
    o.store_path = db;
    o.cache_mode = LLM_CACHE_OFF;
    LlmClient *c = llm_client_new(&o);

    printf("\nclient against the loopback server (%d requests each; reply ~1.8 KB streamed in "
           "~400 chunks;\nCPU = user+sys of this process: engine thread + decoding, no waiting)\n",
           requests);
    printf("  %-28s %14s %14s %10s\n", "case", "CPU ms/req", "wall ms/req", "failures");
    const char *models[] = {"oa/m", "an/m"};
    for (int mi = 0; mi < 2; mi++) {
        for (int threads = 1; threads <= 8; threads *= 8) {
            Load loads[8];
            pthread_t th[8];
            int per = requests / threads;
            double c0 = cpu_ms(), w0 = wall_ms();
            for (int t = 0; t < threads; t++) {
                loads[t] = (Load){c, models[mi], per, 0};
                pthread_create(&th[t], NULL, load_main, &loads[t]);
            }
            int fails = 0;
            for (int t = 0; t < threads; t++) {
                pthread_join(th[t], NULL);
                fails += loads[t].failures;
            }
            int total = per * threads;
            double cpu = (cpu_ms() - c0) / total, wall = (wall_ms() - w0) / total;
            char label[64];
            snprintf(label, sizeof label, "%s, %d thread%s", mi ? "anthropic" : "openai", threads,
                     threads > 1 ? "s" : "");
            printf("  %-28s %14.3f %14.3f %10d\n", label, cpu, wall, fails);
        }
    }
    llm_client_free(c);
    msrv_stop(m);
    sk_rm_rf(dir, NULL);
    free(dir);
    free(cfg);
    free(db);
    return 0;
}
