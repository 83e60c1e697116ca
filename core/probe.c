/* probe.c: instance lifecycle, evaluation framework, text helpers, the subprocess runner,
 * the loopback HTTP server for tool.web and the evaluator selftest. The generators and
 * evaluators themselves live in probe_gen.c, probe_reason.c, probe_tool.c, probe_follow.c. */
#include "core/probe.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/js.h"
#include "core/probe_int.h"
#include "core/sandbox.h"

const char *const probe_w8[8] = {"alpha", "bravo", "charlie", "delta",
                                 "echo", "foxtrot", "golf", "hotel"};
const char *const probe_n8[8] = {"Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Hank"};

/* ---- registry ---- */

static const ProbeSpec *probe_spec(const char *id)
{
    static const struct {
        const ProbeSpec *v;
        size_t n;
    } groups[] = {{probe_gen_specs, 9}, {probe_reason_specs, 5},
                  {probe_tool_specs, 7}, {probe_follow_specs, 5}};
    for (size_t g = 0; g < SK_ARRAY_LEN(groups); g++)
        for (size_t i = 0; i < groups[g].n; i++)
            if (id && !strcmp(groups[g].v[i].id, id))
                return &groups[g].v[i];
    return NULL;
}

size_t probe_primitive_count(void)
{
    size_t n = 0;
    catalog_all(&n);
    return n;
}

const char *probe_primitive_id(size_t i)
{
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    return i < n ? all[i].id : NULL;
}

bool probe_known(const char *primitive)
{
    return probe_spec(primitive) != NULL;
}

const char *probe_description(const char *primitive, int level)
{
    const ProbeSpec *s = probe_spec(primitive);
    if (!s || level < 1 || level > 3)
        return "";
    return s->desc[level - 1];
}

/* ---- instances ---- */

static void probe_file_free(void *p)
{
    ProbeFile *f = p;
    if (!f)
        return;
    free(f->path);
    free(f->content);
    free(f);
}

static void probe_answer_free(void *p)
{
    ProbeAnswer *a = p;
    if (!a)
        return;
    free(a->label);
    free(a->response);
    sk_vec_done(&a->files);
    free(a);
}

SkStatus probe_generate(const char *primitive, int level, uint64_t seed, ProbeInstance **out,
                        SkError *err)
{
    *out = NULL;
    const ProbeSpec *s = probe_spec(primitive);
    if (!s)
        return sk_error_set(err, SK_ERR_NOT_FOUND, "no generator for primitive '%s'",
                            primitive ? primitive : "(null)");
    if (level < 1 || level > 3)
        return sk_error_set(err, SK_ERR_INVALID, "level %d is not 1, 2 or 3", level);
    ProbeInstance *in = sk_calloc(1, sizeof *in);
    in->primitive = sk_strdup(s->id);
    in->level = level;
    in->seed = seed;
    sk_vec_init(&in->setup, probe_file_free);
    sk_vec_init(&in->answers, probe_answer_free);
    in->expect = json_object();
    Rng r;
    rng_init(&r, rng_derive(seed, s->id, level, 0));
    s->gen(in, &r);
    if (!in->prompt)
        in->prompt = sk_strdup("");
    *out = in;
    return SK_OK;
}

void probe_instance_free(ProbeInstance *in)
{
    if (!in)
        return;
    free(in->primitive);
    free(in->prompt);
    sk_vec_done(&in->setup);
    sk_vec_done(&in->answers);
    json_decref(in->expect);
    free(in);
}

char *probe_render_prompt(const ProbeInstance *in, int port)
{
    const char *p = in->prompt;
    if (port <= 0)
        return sk_strdup(p);
    SkBuf b = SK_BUF_INIT;
    const char *hit;
    while ((hit = strstr(p, "{{PORT}}"))) {
        sk_buf_append(&b, p, (size_t)(hit - p));
        sk_buf_printf(&b, "%d", port);
        p = hit + 8;
    }
    sk_buf_puts(&b, p);
    return sk_buf_steal(&b);
}

static SkStatus probe_write_files(const SkVec *files, const char *workdir, SkError *err)
{
    for (size_t i = 0; i < files->len; i++) {
        const ProbeFile *f = sk_vec_get(files, i);
        if (strstr(f->path, "..") || f->path[0] == '/')
            return sk_error_set(err, SK_ERR_INVALID, "unsafe file path '%s'", f->path);
        char *path = sk_path_join(workdir, f->path);
        SkStatus st = sk_write_file_atomic(path, f->content, strlen(f->content), err);
        free(path);
        if (st != SK_OK)
            return st;
    }
    return SK_OK;
}

SkStatus probe_setup(const ProbeInstance *in, const char *workdir, SkError *err)
{
    return probe_write_files(&in->setup, workdir, err);
}

SkStatus probe_apply_answer(const ProbeAnswer *a, const char *workdir, SkError *err)
{
    return probe_write_files(&a->files, workdir, err);
}

/* ---- generation helpers ---- */

void probe_prompt(ProbeInstance *in, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(in->prompt);
    in->prompt = sk_vasprintf(fmt, ap);
    va_end(ap);
}

void probe_file(ProbeInstance *in, const char *path, const char *content)
{
    ProbeFile *f = sk_calloc(1, sizeof *f);
    f->path = sk_strdup(path);
    f->content = sk_strdup(content);
    sk_vec_push(&in->setup, f);
}

ProbeAnswer *probe_answer(ProbeInstance *in, const char *label, bool should_pass)
{
    ProbeAnswer *a = sk_calloc(1, sizeof *a);
    a->label = sk_strdup(label);
    a->should_pass = should_pass;
    sk_vec_init(&a->files, probe_file_free);
    sk_vec_push(&in->answers, a);
    return a;
}

void probe_answer_text(ProbeAnswer *a, const char *text)
{
    free(a->response);
    a->response = sk_strdup(text);
}

void probe_answer_file(ProbeAnswer *a, const char *path, const char *content)
{
    ProbeFile *f = sk_calloc(1, sizeof *f);
    f->path = sk_strdup(path);
    f->content = sk_strdup(content);
    sk_vec_push(&a->files, f);
}

void probe_x_int(ProbeInstance *in, const char *key, long long v)
{
    json_object_set_new(in->expect, key, json_integer(v));
}

void probe_x_num(ProbeInstance *in, const char *key, double v)
{
    json_object_set_new(in->expect, key, json_real(v));
}

void probe_x_str(ProbeInstance *in, const char *key, const char *v)
{
    json_object_set_new(in->expect, key, json_string(v));
}

void probe_x_set(ProbeInstance *in, const char *key, json_t *v)
{
    json_object_set_new(in->expect, key, v);
}

long long probe_xi(const ProbeInstance *in, const char *key)
{
    return js_int(in->expect, key, 0);
}

double probe_xd(const ProbeInstance *in, const char *key)
{
    return js_num(in->expect, key, 0);
}

const char *probe_xs(const ProbeInstance *in, const char *key)
{
    return js_str(in->expect, key, "");
}

json_t *probe_xj(const ProbeInstance *in, const char *key)
{
    return json_object_get(in->expect, key);
}

/* ---- results ---- */

static void probe_cp_free(void *p)
{
    ProbeCheckpoint *c = p;
    if (!c)
        return;
    free(c->name);
    free(c->reason);
    free(c);
}

void probe_result_init(ProbeResult *r)
{
    memset(r, 0, sizeof *r);
    r->verdict = PROBE_FAIL;
    sk_vec_init(&r->checkpoints, probe_cp_free);
}

void probe_result_done(ProbeResult *r)
{
    sk_vec_done(&r->checkpoints);
    free(r->skip_reason);
    r->skip_reason = NULL;
}

const char *probe_verdict_name(ProbeVerdict v)
{
    return v == PROBE_PASS ? "pass" : v == PROBE_SKIP ? "skip" : "fail";
}

void probe_cp_score(ProbeEv *ev, const char *name, double score, const char *reason)
{
    ProbeCheckpoint *c = sk_calloc(1, sizeof *c);
    c->name = sk_strdup(name);
    if (!(score >= 0)) /* also NaN */
        score = 0;
    c->score = score > 1 ? 1 : score;
    c->reason = score >= 0.5 || !reason ? NULL : sk_strdup(reason);
    if (score < 0.5 && !c->reason)
        c->reason = sk_strdup("failed");
    sk_vec_push(&ev->res->checkpoints, c);
}

bool probe_cp(ProbeEv *ev, const char *name, bool ok, const char *fmt, ...)
{
    char *reason = NULL;
    if (!ok && fmt) {
        va_list ap;
        va_start(ap, fmt);
        reason = sk_vasprintf(fmt, ap);
        va_end(ap);
    }
    probe_cp_score(ev, name, ok ? 1.0 : 0.0, reason);
    free(reason);
    return ok;
}

void probe_skip(ProbeEv *ev, const char *fmt, ...)
{
    if (ev->res->skip_reason)
        return;
    va_list ap;
    va_start(ap, fmt);
    ev->res->skip_reason = sk_vasprintf(fmt, ap);
    va_end(ap);
}

void probe_evaluate(const ProbeInstance *in, const char *workdir, const char *response,
                    ProbeResult *out)
{
    probe_result_init(out);
    const ProbeSpec *s = probe_spec(in->primitive);
    ProbeEv ev = {in, workdir, response ? response : "", out};
    if (s)
        s->eval(&ev);
    if (out->skip_reason) {
        out->verdict = PROBE_SKIP;
        return;
    }
    if (out->checkpoints.len == 0) {
        probe_cp(&ev, "evaluated", false, "the evaluator produced no checkpoints");
        out->verdict = PROBE_FAIL;
        return;
    }
    out->verdict = PROBE_PASS;
    for (size_t i = 0; i < out->checkpoints.len; i++) {
        const ProbeCheckpoint *c = sk_vec_get(&out->checkpoints, i);
        if (c->score < 0.5)
            out->verdict = PROBE_FAIL;
    }
}

char *probe_result_summary(const ProbeResult *r)
{
    if (r->verdict == PROBE_SKIP)
        return sk_asprintf("skipped: %s", r->skip_reason ? r->skip_reason : "?");
    SkBuf b = SK_BUF_INIT;
    for (size_t i = 0; i < r->checkpoints.len; i++) {
        const ProbeCheckpoint *c = sk_vec_get(&r->checkpoints, i);
        if (c->score >= 0.5)
            continue;
        if (b.len)
            sk_buf_puts(&b, "; ");
        sk_buf_printf(&b, "%s: %s", c->name, c->reason ? c->reason : "failed");
    }
    if (!b.len)
        sk_buf_puts(&b, r->verdict == PROBE_PASS ? "all checkpoints passed" : "failed");
    return sk_buf_steal(&b);
}

json_t *probe_result_to_json(const ProbeResult *r)
{
    json_t *cps = json_array();
    for (size_t i = 0; i < r->checkpoints.len; i++) {
        const ProbeCheckpoint *c = sk_vec_get(&r->checkpoints, i);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(c->name));
        json_object_set_new(o, "score", json_real(c->score));
        json_object_set_new(o, "reason", c->reason ? json_string(c->reason) : json_null());
        json_array_append_new(cps, o);
    }
    json_t *j = json_object();
    json_object_set_new(j, "verdict", json_string(probe_verdict_name(r->verdict)));
    json_object_set_new(j, "checkpoints", cps);
    if (r->skip_reason)
        json_object_set_new(j, "skipReason", json_string(r->skip_reason));
    return j;
}

char *probe_read(ProbeEv *ev, const char *rel, const char *cp)
{
    char *path = sk_path_join(ev->dir, rel);
    char *text = NULL;
    size_t len = 0;
    SkError err = {0};
    SkStatus st = sk_is_file(path) ? sk_read_file(path, 4u << 20, &text, &len, &err)
                                   : SK_ERR_NOT_FOUND;
    free(path);
    if (st != SK_OK) {
        if (cp)
            probe_cp(ev, cp, false, "%s %s", rel,
                     st == SK_ERR_NOT_FOUND ? "not found" : err.msg);
        return NULL;
    }
    if (cp)
        probe_cp(ev, cp, true, NULL);
    return text;
}

bool probe_run_code(ProbeEv *ev, const char *const *argv, int timeout_ms, bool any_exit)
{
    if (!probe_have_tool(argv[0])) {
        probe_skip(ev, "%s is not installed on this machine", argv[0]);
        return false;
    }
    ProbeExecResult r;
    SkError err = {0};
    SkStatus st = probe_exec(ev->dir, argv, timeout_ms, 64 * 1024, &r, &err);
    if (st != SK_OK) {
        probe_skip(ev, "cannot run %s: %s", argv[0], err.msg);
        return false;
    }
    bool ok;
    if (r.timed_out) {
        ok = probe_cp(ev, "execution_success", false, "%s %s did not finish within %d s",
                      argv[0], argv[1] ? argv[1] : "", timeout_ms / 1000);
    } else {
        char tail[201];
        snprintf(tail, sizeof tail, "%s", r.output ? r.output : "");
        ok = probe_cp(ev, "execution_success", r.exit_code == 0 || (any_exit && r.exit_code > 0),
                      "exit code %d, output: %s", r.exit_code, tail);
    }
    probe_exec_result_done(&r);
    return ok;
}

/* ---- text helpers ---- */

char *probe_clean(const char *s)
{
    SkBuf b = SK_BUF_INIT;
    for (const char *p = s ? s : ""; *p; p++)
        if (*p != '\r')
            sk_buf_putc(&b, *p);
    char *t = sk_buf_steal(&b);
    char *start = t;
    while (isspace((unsigned char)*start))
        start++;
    /* one surrounding fence: ```lang ... ``` */
    if (!strncmp(start, "```", 3)) {
        char *nl = strchr(start, '\n');
        char *end = start + strlen(start);
        while (end > start && isspace((unsigned char)end[-1]))
            end--;
        if (nl && end - nl >= 3 && !strncmp(end - 3, "```", 3)) {
            end -= 3;
            *end = 0;
            start = nl + 1;
        }
    }
    /* trailing blanks of each line */
    SkBuf o = SK_BUF_INIT;
    const char *p = start;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        size_t m = n;
        while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t'))
            m--;
        sk_buf_append(&o, p, m);
        if (!e)
            break;
        sk_buf_putc(&o, '\n');
        p = e + 1;
    }
    free(t);
    char *r = sk_buf_steal(&o);
    sk_str_trim(r);
    char *dup = sk_strdup(r);
    free(r);
    return dup;
}

void probe_lines(const char *s, SkVec *out)
{
    sk_vec_init(out, free);
    char *c = probe_clean(s);
    char *save = NULL;
    for (char *tok = strtok_r(c, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
        char *t = sk_str_trim(tok);
        if (*t)
            sk_vec_push(out, sk_strdup(t));
    }
    free(c);
}

char *probe_join(const SkVec *lines, bool nl)
{
    SkBuf b = SK_BUF_INIT;
    for (size_t i = 0; i < lines->len; i++) {
        if (i)
            sk_buf_putc(&b, '\n');
        sk_buf_puts(&b, sk_vec_get(lines, i));
    }
    if (nl)
        sk_buf_putc(&b, '\n');
    return sk_buf_steal(&b);
}

/* Parse one number starting at P (a digit, or '-'/'+' followed by a digit). Thousands
 * separators are accepted only as ",ddd" groups. Sets *end. */
static double probe_num_at(const char *p, const char **end)
{
    char tmp[128];
    size_t n = 0;
    if (*p == '-' || *p == '+')
        tmp[n++] = *p++;
    while (isdigit((unsigned char)*p) || *p == ',') {
        if (*p == ',') {
            if (isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
                isdigit((unsigned char)p[3]) && !isdigit((unsigned char)p[4])) {
                p++;
                continue;
            }
            break;
        }
        if (n < sizeof tmp - 2)
            tmp[n++] = *p;
        p++;
    }
    if (*p == '.' && isdigit((unsigned char)p[1])) {
        tmp[n++] = *p++;
        while (isdigit((unsigned char)*p)) {
            if (n < sizeof tmp - 2)
                tmp[n++] = *p;
            p++;
        }
    }
    tmp[n] = 0;
    *end = p;
    return strtod(tmp, NULL);
}

size_t probe_numbers(const char *s, double *out, size_t max)
{
    size_t n = 0;
    const char *p = s ? s : "";
    while (*p && n < max) {
        bool sign = (*p == '-' || *p == '+') && isdigit((unsigned char)p[1]) &&
                    (p == s || !isalnum((unsigned char)p[-1]));
        if (sign || (isdigit((unsigned char)*p) &&
                     (p == s || !(isalpha((unsigned char)p[-1]) || p[-1] == '_')))) {
            const char *e;
            out[n++] = probe_num_at(p, &e);
            p = e;
            continue;
        }
        if (isdigit((unsigned char)*p)) { /* digits glued to a word, like "file2" */
            while (isalnum((unsigned char)*p))
                p++;
            continue;
        }
        p++;
    }
    return n;
}

bool probe_parse_number(const char *s, double *out)
{
    char *c = probe_clean(s);
    char *p = c;
    if (*p == '$')
        p++;
    const char *e = p;
    bool ok = false;
    if (isdigit((unsigned char)*p) ||
        ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1]))) {
        *out = probe_num_at(p, &e);
        if (*e == '%')
            e++;
        while (isspace((unsigned char)*e))
            e++;
        ok = *e == 0;
    }
    free(c);
    return ok;
}

bool probe_near(double got, double want, double tol)
{
    return fabs(got - want) <= tol + 1e-9;
}

json_t *probe_json_from_text(const char *s, char open)
{
    char *c = probe_clean(s);
    json_t *j = json_loads(c, JSON_DECODE_ANY, NULL);
    if (!j) {
        char close = open == '[' ? ']' : '}';
        char *a = strchr(c, open);
        char *b = strrchr(c, close);
        if (a && b && b > a)
            j = json_loadb(a, (size_t)(b - a + 1), 0, NULL);
    }
    free(c);
    return j;
}

static bool probe_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

int probe_word_count_of(const char *s, const char *word)
{
    int n = 0;
    size_t wl = strlen(word);
    const char *p = s;
    while ((p = sk_str_casestr(p, word))) {
        bool left = p == s || !probe_word_char(p[-1]);
        bool right = !probe_word_char(p[wl]);
        if (left && right)
            n++;
        p += wl ? wl : 1;
    }
    return n;
}

int probe_word_total(const char *s)
{
    int n = 0;
    bool in = false;
    for (const char *p = s; *p; p++) {
        if (isspace((unsigned char)*p)) {
            in = false;
        } else if (!in) {
            in = true;
            n++;
        }
    }
    return n;
}

int probe_sentence_count(const char *s)
{
    int n = 0;
    bool content = false;
    for (const char *p = s; *p; p++) {
        if (*p == '.' || *p == '!' || *p == '?') {
            /* a decimal point is not a sentence end */
            if (*p == '.' && p > s && isdigit((unsigned char)p[-1]) &&
                isdigit((unsigned char)p[1]))
                continue;
            if (p[1] && !isspace((unsigned char)p[1]) && p[1] != '.' && p[1] != '!' &&
                p[1] != '?' && p[1] != '"' && p[1] != '\'' && p[1] != ')')
                continue;
            if (content)
                n++;
            content = false;
        } else if (isalnum((unsigned char)*p)) {
            content = true;
        }
    }
    if (content)
        n++;
    return n;
}

char *probe_fmt_num(double v)
{
    if (fabs(v - llround(v)) < 1e-9)
        return sk_asprintf("%lld", (long long)llround(v));
    return sk_asprintf("%.2f", v);
}

/* ---- subprocess runner ---- */

static volatile int probe_code_timeout = 20000;

void probe_set_code_timeout_ms(int ms)
{
    probe_code_timeout = ms < 100 ? 20000 : ms;
}

int probe_code_timeout_ms(void)
{
    return probe_code_timeout;
}

static char *probe_which(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0 ? sk_strdup(prog) : NULL;
    /* the same search path the sandbox gives commands */
    char *copy = sk_strdup("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    char *save = NULL;
    char *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *cand = sk_path_join(d, prog);
        if (access(cand, X_OK) == 0 && sk_is_file(cand))
            found = cand;
        else
            free(cand);
    }
    free(copy);
    return found;
}

bool probe_have_tool(const char *program)
{
    char *p = probe_which(program);
    bool ok = p != NULL;
    free(p);
    return ok;
}

SkStatus probe_exec(const char *workdir, const char *const *argv, int timeout_ms, size_t cap,
                    ProbeExecResult *out, SkError *err)
{
    memset(out, 0, sizeof *out);
    out->exit_code = -1;
    if (!probe_have_tool(argv[0]))
        return sk_error_set(err, SK_ERR_NOT_FOUND, "%s is not installed", argv[0]);
    SandboxOptions o;
    sandbox_options_init(&o, workdir);
    o.limits.timeout_ms = timeout_ms;
    o.limits.max_output = cap;
    static const char *const env[] = {"PYTHONDONTWRITEBYTECODE=1", NULL};
    o.env = env;
    SandboxResult r;
    SkStatus st = sandbox_run(argv, &o, &r, err);
    if (st == SK_OK) {
        out->timed_out = r.timed_out;
        out->exit_code = r.term_signal || r.timed_out ? -1 : r.exit_code;
        out->truncated = r.out_cut || r.err_cut;
        out->output = sk_asprintf("%s%s%s", r.out, *r.out && *r.err ? "\n" : "", r.err);
    }
    sandbox_result_done(&r);
    return st;
}

void probe_exec_result_done(ProbeExecResult *r)
{
    free(r->output);
    r->output = NULL;
}

/* ---- loopback HTTP server for tool.web ---- */

struct ProbeServer {
    int fd;
    int port;
    pthread_t thread;
    json_t *routes; /* object: request target -> JSON body; "*" = any */
    volatile int stop;
    int hits;
    pthread_mutex_t mu;
};

static void probe_server_reply(ProbeServer *s, int c)
{
    char req[8192];
    size_t n = 0;
    int64_t deadline = sk_now_ms() + 3000;
    while (n < sizeof req - 1 && sk_now_ms() < deadline) {
        struct pollfd p = {c, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t k = read(c, req + n, sizeof req - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        req[n] = 0;
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[n] = 0;
    char method[16] = "", target[2048] = "";
    if (sscanf(req, "%15s %2047s", method, target) != 2)
        snprintf(target, sizeof target, "/");
    /* absolute-form targets ("http://host:port/x") */
    char *t = target;
    if (!strncmp(t, "http://", 7)) {
        char *slash = strchr(t + 7, '/');
        t = slash ? slash : "/";
    }
    json_t *body = json_object_get(s->routes, t);
    if (!body && strlen(t) > 1 && t[strlen(t) - 1] == '/') {
        char tmp[2048];
        snprintf(tmp, sizeof tmp, "%.*s", (int)strlen(t) - 1, t);
        body = json_object_get(s->routes, tmp);
    }
    if (!body)
        body = json_object_get(s->routes, "*");
    int code = body ? 200 : 404;
    char *text = body ? js_dump_compact(body) : sk_strdup("{\"error\":\"not found\"}");
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      code, code == 200 ? "OK" : "Not Found", strlen(text));
    if (write(c, head, (size_t)hl) < 0 || write(c, text, strlen(text)) < 0) {
        /* the client went away; nothing to do */
    }
    free(text);
    pthread_mutex_lock(&s->mu);
    s->hits++;
    pthread_mutex_unlock(&s->mu);
}

static void *probe_server_main(void *arg)
{
    ProbeServer *s = arg;
    while (!s->stop) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        probe_server_reply(s, c);
        close(c);
    }
    return NULL;
}

SkStatus probe_server_start(const ProbeInstance *in, ProbeServer **out, SkError *err)
{
    *out = NULL;
    json_t *routes = probe_xj(in, "routes");
    if (!json_is_object(routes))
        return sk_error_set(err, SK_ERR_INVALID, "%s L%d serves no routes", in->primitive,
                            in->level);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_error_set(err, SK_ERR_IO, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t al = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        int e = errno;
        close(fd);
        return sk_error_set(err, SK_ERR_IO, "cannot listen on 127.0.0.1: %s", strerror(e));
    }
    ProbeServer *s = sk_calloc(1, sizeof *s);
    s->fd = fd;
    s->port = ntohs(a.sin_port);
    s->routes = json_deep_copy(routes);
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->thread, NULL, probe_server_main, s) != 0) {
        close(fd);
        json_decref(s->routes);
        free(s);
        return sk_error_set(err, SK_ERR_INTERNAL, "cannot start the server thread");
    }
    *out = s;
    return SK_OK;
}

int probe_server_port(const ProbeServer *s)
{
    return s ? s->port : 0;
}

int probe_server_hits(const ProbeServer *s)
{
    if (!s)
        return 0;
    pthread_mutex_lock((pthread_mutex_t *)&s->mu);
    int h = s->hits;
    pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
    return h;
}

void probe_server_stop(ProbeServer *s)
{
    if (!s)
        return;
    s->stop = 1;
    pthread_join(s->thread, NULL);
    close(s->fd);
    json_decref(s->routes);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* ---- selftest ---- */

void probe_selftest_cell(const char *primitive, int level, uint64_t seed, const char *tmproot,
                         ProbeSelftestCell *out)
{
    memset(out, 0, sizeof *out);
    out->verdict = PROBE_PASS;
    ProbeInstance *in = NULL;
    SkError err = {0};
    if (probe_generate(primitive, level, seed, &in, &err) != SK_OK) {
        out->verdict = PROBE_FAIL;
        out->reason = sk_strdup(err.msg);
        return;
    }
    size_t bad = 0;
    for (size_t i = 0; i < in->answers.len; i++)
        if (!((ProbeAnswer *)sk_vec_get(&in->answers, i))->should_pass)
            bad++;
    if (in->answers.len == 0 || !((ProbeAnswer *)sk_vec_get(&in->answers, 0))->should_pass ||
        bad < 2) {
        out->verdict = PROBE_FAIL;
        out->reason = sk_asprintf("needs one correct and two wrong answers (has %zu wrong)", bad);
        probe_instance_free(in);
        return;
    }
    for (size_t i = 0; i < in->answers.len && out->verdict == PROBE_PASS; i++) {
        const ProbeAnswer *a = sk_vec_get(&in->answers, i);
        char *prefix = sk_asprintf("skvm-selftest-%s-L%d-", primitive, level);
        char *dir = NULL;
        if (tmproot) {
            char *tmpl = sk_asprintf("%s/%sXXXXXX", tmproot, prefix);
            dir = mkdtemp(tmpl) ? tmpl : (free(tmpl), NULL);
        } else {
            dir = sk_mkdtemp(prefix);
        }
        free(prefix);
        if (!dir) {
            out->verdict = PROBE_FAIL;
            out->reason = sk_strdup("cannot create a work dir");
            break;
        }
        out->answers++;
        if (probe_setup(in, dir, &err) != SK_OK || probe_apply_answer(a, dir, &err) != SK_OK) {
            out->verdict = PROBE_FAIL;
            out->reason = sk_asprintf("cannot write files: %s", err.msg);
        } else {
            ProbeResult r;
            probe_evaluate(in, dir, a->response, &r);
            if (r.verdict == PROBE_SKIP) {
                out->verdict = PROBE_SKIP;
                out->reason = sk_strdup(r.skip_reason);
            } else if (a->should_pass && r.verdict != PROBE_PASS) {
                char *s = probe_result_summary(&r);
                out->verdict = PROBE_FAIL;
                out->reason = sk_asprintf("correct answer failed: %s", s);
                free(s);
            } else if (!a->should_pass && r.verdict == PROBE_PASS) {
                out->verdict = PROBE_FAIL;
                out->reason = sk_asprintf("wrong answer '%s' passed", a->label);
            }
            probe_result_done(&r);
        }
        sk_rm_rf(dir, NULL);
        free(dir);
    }
    probe_instance_free(in);
}

void probe_selftest_cell_done(ProbeSelftestCell *c)
{
    free(c->reason);
    c->reason = NULL;
}
