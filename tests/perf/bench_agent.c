/* bench_agent.c: the agent engine's own cost. A 20-step scripted run against the loopback
 * model server with no model latency (the server answers at once), once with in-process
 * file tools and once with execute_command. Prints the engine's CPU time per model call
 * (request building, HTTP, SSE parsing, logging, store rows) and per tool call (tool work,
 * records), the CPU of the sandboxed commands (children), and the peak resident memory.
 * The model server is another process: its CPU is not counted. The same scripted runs are
 * then played by an interpreted baseline (tests/perf/py_agent.py: the same loop in Python,
 * streaming, full history, JSONL log and SQLite rows) and the two costs are printed side by
 * side with their ratio. Prints, never fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/agent.h"
#include "core/js.h"
#include "tests/modelserver/msrv.h"
#include "tests/testlib.h"

#define STEPS 20

typedef struct Meter {
    double llm_cpu, tool_cpu;
    double mark;
    int llm_calls, tool_calls;
} Meter;

static double cpu_self(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_before(const AgentHookCtx *c, void *ud)
{
    Meter *m = ud;
    double now = cpu_self();
    if (c->step > 1)
        m->tool_cpu += now - m->mark;
    m->mark = now;
}

static void on_after(const AgentHookCtx *c, void *ud)
{
    (void)c;
    Meter *m = ud;
    double now = cpu_self();
    m->llm_cpu += now - m->mark;
    m->llm_calls++;
    m->mark = now;
}

static void on_tool(const AgentHookCtx *c, void *ud)
{
    (void)c;
    ((Meter *)ud)->tool_calls++;
}

static void on_end(const AgentHookCtx *c, void *ud)
{
    (void)c;
    (void)ud;
}

static char *scenario(bool commands)
{
    json_t *turns = json_array();
    for (int i = 0; i < STEPS - 1; i++) {
        char path[32], content[64];
        snprintf(path, sizeof path, "f%02d.txt", i);
        snprintf(content, sizeof content, "line %d of the benchmark\n", i);
        json_t *call;
        char cmd[64];
        snprintf(cmd, sizeof cmd, "echo step %d; ls", i); /* distinct: no loop detection */
        if (commands)
            call = json_pack("{s:s, s:{s:s}}", "name", "execute_command", "arguments", "command",
                             cmd);
        else if (i % 3 == 0)
            call = json_pack("{s:s, s:{s:s, s:s}}", "name", "write_file", "arguments", "path",
                             path, "content", content);
        else if (i % 3 == 1)
            call = json_pack("{s:s, s:{s:s}}", "name", "list_directory", "arguments", "path", ".");
        else
            call = json_pack("{s:s, s:{s:s}}", "name", "read_file", "arguments", "path",
                             "f00.txt");
        json_array_append_new(turns, json_pack("{s:s, s:[o], s:{s:i, s:i}}", "text", "step",
                                               "tool_calls", call, "usage", "input", 1000 + i * 50,
                                               "output", 20));
    }
    json_array_append_new(turns, json_pack("{s:s}", "text", "finished"));
    json_t *sc = json_pack("{s:o}", "program", turns);
    char *s = js_dump_compact(sc);
    json_decref(sc);
    return s;
}

typedef struct Cost {
    double per_llm_ms, per_tool_ms;
    bool ok;
} Cost;

static Cost bench(const char *label, bool commands, const char *home, Msrv *m, LlmClient *c)
{
    Cost cost = {0, 0, false};
    char *sc = scenario(commands);
    msrv_set_script(m, sc);
    free(sc);
    Meter me;
    memset(&me, 0, sizeof me);
    AgentOptions o;
    agent_options_init(&o);
    o.model = "test/bench";
    o.client = c;
    o.home = home;
    o.prompt = "benchmark";
    o.max_steps = STEPS;
    o.hooks.before_llm = on_before;
    o.hooks.after_llm = on_after;
    o.hooks.after_tool = on_tool;
    o.hooks.at_end = on_end;
    o.hooks.ud = &me;
    struct rusage ch0, ch1;
    getrusage(RUSAGE_CHILDREN, &ch0);
    double t0 = cpu_self();
    AgentResult *r = NULL;
    SkError e;
    if (agent_run(&o, &r, &e) != SK_OK) {
        printf("%s: run failed: %s\n", label, e.msg);
        return cost;
    }
    double total = cpu_self() - t0;
    getrusage(RUSAGE_CHILDREN, &ch1);
    double child = (double)(ch1.ru_utime.tv_sec - ch0.ru_utime.tv_sec) +
                   (double)(ch1.ru_stime.tv_sec - ch0.ru_stime.tv_sec) +
                   (double)(ch1.ru_utime.tv_usec - ch0.ru_utime.tv_usec) / 1e6 +
                   (double)(ch1.ru_stime.tv_usec - ch0.ru_stime.tv_usec) / 1e6;
    printf("%-18s status %-9s  %2d model calls  %2d tool calls  wall %6lld ms\n", label,
           agent_status_name(r->status), r->steps, r->tool_calls, (long long)r->duration_ms);
    printf("  engine CPU per model call: %7.3f ms   per tool call: %7.3f ms   whole run: %7.1f "
           "ms (setup, evaluation, records included)\n",
           me.llm_calls ? me.llm_cpu * 1000 / me.llm_calls : 0,
           me.tool_calls ? me.tool_cpu * 1000 / me.tool_calls : 0, total * 1000);
    printf("  sandboxed commands (children) CPU: %.1f ms total\n", child * 1000);
    agent_result_free(r);
    cost.per_llm_ms = me.llm_calls ? me.llm_cpu * 1000 / me.llm_calls : 0;
    cost.per_tool_ms = me.tool_calls ? me.tool_cpu * 1000 / me.tool_calls : 0;
    cost.ok = true;
    return cost;
}

/* The same scripted run through the interpreted baseline; its own CPU per call. */
static Cost bench_python(bool commands, Msrv *m)
{
    Cost cost = {0, 0, false};
    char *sc = scenario(commands);
    msrv_set_script(m, sc);
    free(sc);
    const char *wd = tl_tmpdir();
    char *py = tl_source_path("tests/perf/py_agent.py");
    char *cmd = sk_asprintf("python3 '%s' '%s' '%s' %d", py, msrv_base_url(m, "openai"), wd,
                            STEPS);
    char *out = NULL;
    int rc = tl_run(cmd, false, &out);
    json_t *j = NULL;
    const char *nl = out ? strrchr(out, '{') : NULL;
    if (rc == 0 && nl && js_parse(nl, strlen(nl), &j, NULL) == SK_OK) {
        cost.per_llm_ms = js_num(j, "cpu_per_llm_ms", 0);
        cost.per_tool_ms = js_num(j, "cpu_per_tool_ms", 0);
        cost.ok = js_int(j, "llm_calls", 0) == STEPS;
        printf("  python baseline: %lld model calls, %lld tool calls, peak RSS %.1f MiB\n",
               js_int(j, "llm_calls", 0), js_int(j, "tool_calls", 0),
               js_num(j, "peak_rss_mib", 0));
        json_decref(j);
    } else {
        printf("  python baseline failed (exit %d): %.200s\n", rc, out ? out : "");
    }
    free(out);
    free(cmd);
    free(py);
    return cost;
}

static void compare(const char *what, double skvm, double python)
{
    printf("  %-28s skvm %8.3f ms   python %8.3f ms   python/skvm %6.1fx\n", what, skvm,
           python, skvm > 0 ? python / skvm : 0);
}

int main(void)
{
    if (!msrv_available()) {
        printf("bench_agent: python3 not installed; skipped\n");
        return 0;
    }
    SkError e;
    Msrv *m = msrv_start(NULL, &e);
    if (!m) {
        printf("bench_agent: model server: %s\n", e.msg);
        return 0;
    }
    const char *home = tl_tmpdir();
    msrv_write_route(m, home, "test/*");
    LlmClientOptions lo;
    llm_client_options_init(&lo);
    lo.home = home;
    lo.cache_mode = LLM_CACHE_OFF;
    LlmClient *c = llm_client_new(&lo);
    printf("bench_agent: %d-step scripted runs, loopback model with no latency; sandbox: %s\n",
           STEPS, sandbox_describe(SANDBOX_AUTO));
    Cost files = bench("file tools", false, home, m, c);
    Cost cmds = bench("execute_command", true, home, m, c);
    printf("\nthe same runs in an interpreted agent loop (tests/perf/py_agent.py), CPU of the "
           "agent process only:\n");
    Cost pf = bench_python(false, m);
    Cost pc = bench_python(true, m);
    if (files.ok && pf.ok) {
        compare("per model call (file run)", files.per_llm_ms, pf.per_llm_ms);
        compare("per file-tool call", files.per_tool_ms, pf.per_tool_ms);
    }
    if (cmds.ok && pc.ok) {
        compare("per model call (cmd run)", cmds.per_llm_ms, pc.per_llm_ms);
        compare("per command (sandboxed/not)", cmds.per_tool_ms, pc.per_tool_ms);
        printf("  (skvm's commands run inside bubblewrap with limits; the baseline's run bare)\n");
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak resident memory: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    llm_client_free(c);
    msrv_stop(m);
    return 0;
}
