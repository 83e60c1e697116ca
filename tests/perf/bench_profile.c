/* bench_profile.c: a full profile (26 primitives x L1-L3, one instance each) through the
 * agent loop against the loopback model server with a realistic latency model (time to
 * first token and a token rate), at concurrency 1 and 8. Prints both wall times, the
 * speed-up and the engine's peak resident memory. The scripted model answers every
 * instance with a short text, so evaluation work is small and the run is latency-bound.
 * Prints, never fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/llm.h"
#include "core/profiler.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

static double run_once(const char *home, const char *url_unused, int concurrency, int *passed)
{
    (void)url_unused;
    LlmClientOptions lo;
    llm_client_options_init(&lo);
    lo.home = home;
    lo.cache_mode = LLM_CACHE_OFF; /* the second run must not be answered from the cache */
    LlmClient *client = llm_client_new(&lo);
    if (!client)
        return -1;
    ProfilerAgentSource src = {0};
    src.client = client;
    src.model = "bench/latency";
    src.home = home;
    src.max_steps = 5;
    src.timeout_ms = 60000;
    ProfilerOptions o;
    profiler_options_init(&o);
    o.model = "bench/latency";
    o.home = home;
    o.db_path = ""; /* no resume between the two runs */
    o.instances = 1;
    o.concurrency = concurrency;
    o.seed = 3;
    o.answer = profiler_agent_answer;
    o.answer_ud = &src;
    o.save = false;
    Tcp *t = NULL;
    ProfilerSummary sum;
    SkError err = {0};
    int64_t t0 = sk_now_ms();
    SkStatus s = profiler_run(&o, &t, &sum, &err);
    double secs = (double)(sk_now_ms() - t0) / 1000.0;
    if (s != SK_OK)
        fprintf(stderr, "bench_profile: %s\n", err.msg);
    *passed = sum.passed;
    if (sum.infra)
        fprintf(stderr, "bench_profile: %d instances hit infrastructure failures\n", sum.infra);
    tcp_free(t);
    profiler_summary_done(&sum);
    llm_client_free(client);
    return secs;
}

int main(void)
{
    if (!msrv_available()) {
        printf("bench_profile: skipped (python3 is not installed)\n");
        return 0;
    }
    /* latency model: 400 ms to the first token, then 60 tokens/s */
    const char *scenario = "{\"rules\":[{\"reply\":{\"text\":\"The answer is 42, as requested "
                           "by the task above.\",\"ttft_ms\":400,\"tokens_per_sec\":60}}]}";
    SkError err = {0};
    Msrv *m = msrv_start(scenario, &err);
    if (!m) {
        printf("bench_profile: skipped (model server: %s)\n", err.msg);
        return 0;
    }
    char *home = sk_mkdtemp("skvm-bench-profile-");
    char *cfg = sk_asprintf("providers:\n  routes:\n    - match: \"bench/*\"\n      kind: openai-compatible\n"
                            "      base_url: %s\n      max_concurrency: 16\n",
                            msrv_base_url(m, "openai"));
    tl_write(home, "config.yaml", cfg);
    free(cfg);
    setenv("SKVM_HOME", home, 1);
    int p1 = 0, p8 = 0;
    double t1 = run_once(home, NULL, 1, &p1);
    double t8 = run_once(home, NULL, 8, &p8);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("bench_profile: 78 instances (26 primitives x 3 levels), model latency 400 ms + 60 tok/s\n");
    printf("  concurrency 1: %7.2f s (%d passed)\n", t1, p1);
    printf("  concurrency 8: %7.2f s (%d passed)\n", t8, p8);
    if (t1 > 0 && t8 > 0)
        printf("  speed-up: %.2fx\n", t1 / t8);
    printf("  engine peak resident memory: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    msrv_stop(m);
    sk_rm_rf(home, NULL);
    free(home);
    return 0;
}
