/* task.c: task.json loading, work dir preparation and the evaluators. */
#include "core/task.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "core/js.h"
#include "core/llm.h"
#include "core/regex.h"

#define TASK_GRADER_TIMEOUT_MS 120000

/* ---- loading ---- */

static const char *task_crit_method(const json_t *c)
{
    const char *m = js_str(c, "method", NULL);
    if (m && strcmp(m, "custom") == 0)
        return js_str(c, "evaluatorId", "custom");
    return m;
}

/* Split a testPattern on unescaped top-level '|' into SkVec of strings. */
static void task_split_pattern(const char *pat, SkVec *out)
{
    SkBuf cur = SK_BUF_INIT;
    int depth = 0;
    bool in_class = false;
    for (const char *p = pat; *p; p++) {
        if (*p == '\\' && p[1]) {
            sk_buf_putc(&cur, *p);
            sk_buf_putc(&cur, *++p);
            continue;
        }
        if (in_class) {
            if (*p == ']')
                in_class = false;
        } else if (*p == '[') {
            in_class = true;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            depth--;
        } else if (*p == '|' && depth == 0) {
            sk_vec_push(out, sk_strdup(sk_buf_cstr(&cur)));
            sk_buf_reset(&cur);
            continue;
        }
        sk_buf_putc(&cur, *p);
    }
    sk_vec_push(out, sk_strdup(sk_buf_cstr(&cur)));
    sk_buf_done(&cur);
}

static SkStatus task_check_weights(const json_t *arr, const char *what, const char *file,
                                   SkError *err)
{
    double sum = 0;
    size_t i;
    json_t *c;
    json_t *seen = json_object();
    json_array_foreach(arr, i, c)
    {
        const char *id = js_str(c, "id", NULL);
        if (!id) {
            json_decref(seen);
            return sk_error_set(err, SK_ERR_INVALID, "%s: %s[%zu] has no id", file, what, i);
        }
        if (json_object_get(seen, id)) {
            json_decref(seen);
            return sk_error_set(err, SK_ERR_INVALID, "%s: %s: duplicate id '%s'", file, what, id);
        }
        json_object_set_new(seen, id, json_true());
        sum += js_num(c, "weight", 0);
    }
    json_decref(seen);
    if (fabs(sum - 1.0) > 1e-3)
        return sk_error_set(err, SK_ERR_INVALID, "%s: %s weights sum to %.4f, not 1", file, what,
                            sum);
    return SK_OK;
}

static SkStatus task_validate_criterion(const Task *t, const json_t *c, size_t i,
                                        const char *file, SkError *err)
{
    if (!json_is_object(c))
        return sk_error_set(err, SK_ERR_INVALID, "%s: eval[%zu] is not an object", file, i);
    const char *m = task_crit_method(c);
    if (!m)
        return sk_error_set(err, SK_ERR_INVALID, "%s: eval[%zu] has no method", file, i);
    const json_t *w = json_object_get(c, "weight");
    if (w && (!json_is_number(w) || json_number_value(w) < 0))
        return sk_error_set(err, SK_ERR_INVALID, "%s: eval[%zu].weight must be a number >= 0",
                            file, i);
    if (strcmp(m, "script") == 0) {
        if (!js_str(c, "command", NULL))
            return sk_error_set(err, SK_ERR_INVALID, "%s: eval[%zu] (script) needs 'command'",
                                file, i);
    } else if (strcmp(m, "file-check") == 0) {
        const char *mode = js_str(c, "mode", "");
        if (!js_str(c, "path", NULL) && !js_str(c, "glob", NULL))
            return sk_error_set(err, SK_ERR_INVALID, "%s: eval[%zu] (file-check) needs 'path'",
                                file, i);
        if (strcmp(mode, "exact") && strcmp(mode, "contains") && strcmp(mode, "regex") &&
            strcmp(mode, "json-schema"))
            return sk_error_set(err, SK_ERR_INVALID,
                                "%s: eval[%zu] (file-check): unknown mode '%s'", file, i, mode);
    } else if (strcmp(m, "llm-judge") == 0) {
        const json_t *r = json_object_get(c, "rubric");
        if (!json_is_string(r) && !json_is_object(r))
            return sk_error_set(err, SK_ERR_INVALID, "%s: eval[%zu] (llm-judge) needs 'rubric'",
                                file, i);
    } else if (strcmp(m, "python-grade") == 0) {
        const json_t *p = json_object_get(c, "payload");
        char *g = sk_path_join(t->dir, "grade.py");
        bool ok = json_is_string(p) || sk_is_file(g);
        free(g);
        if (!ok)
            return sk_error_set(err, SK_ERR_INVALID,
                                "%s: eval[%zu] (python-grade): no grade.py beside task.json",
                                file, i);
    } else if (strcmp(m, "junit-grade") == 0) {
        const json_t *p = json_object_get(c, "payload");
        const json_t *crit = js_arr(p, "criteria");
        if (!js_str(p, "testFile", NULL) || !crit || json_array_size(crit) == 0)
            return sk_error_set(err, SK_ERR_INVALID,
                                "%s: eval[%zu] (junit-grade) needs payload.testFile and "
                                "payload.criteria",
                                file, i);
        SkStatus st = task_check_weights(crit, "junit-grade criteria", file, err);
        if (st != SK_OK)
            return st;
        size_t k;
        json_t *cc;
        json_array_foreach(crit, k, cc)
        {
            const char *pat = js_str(cc, "testPattern", NULL);
            if (!pat)
                return sk_error_set(err, SK_ERR_INVALID,
                                    "%s: junit-grade criterion '%s' has no testPattern", file,
                                    js_str(cc, "id", "?"));
            SkVec alts;
            sk_vec_init(&alts, free);
            task_split_pattern(pat, &alts);
            for (size_t a = 0; a < alts.len; a++) {
                Regex *re = NULL;
                SkError e2;
                if (regex_compile(alts.items[a], REGEX_CASELESS, &re, &e2) != SK_OK) {
                    sk_vec_done(&alts);
                    return sk_error_set(err, SK_ERR_INVALID,
                                        "%s: junit-grade criterion '%s': bad pattern: %s", file,
                                        js_str(cc, "id", "?"), e2.msg);
                }
                regex_free(re);
            }
            sk_vec_done(&alts);
        }
    } else {
        return sk_error_set(err, SK_ERR_INVALID, "%s: eval[%zu]: unknown method '%s'", file, i,
                            m);
    }
    return SK_OK;
}

SkStatus task_load(const char *dir, Task **out, SkError *err)
{
    *out = NULL;
    char *file = sk_str_ends(dir, ".json") ? sk_strdup(dir) : sk_path_join(dir, "task.json");
    char *tdir = sk_str_ends(dir, ".json") ? sk_path_dir(dir) : sk_strdup(dir);
    json_t *j = NULL;
    SkStatus st = js_load_file(file, 4u << 20, &j, err);
    if (st != SK_OK) {
        free(file);
        free(tdir);
        return st;
    }
    Task *t = sk_calloc(1, sizeof *t);
    char real[PATH_MAX];
    t->dir = sk_strdup(realpath(tdir, real) ? real : tdir);
    free(tdir);
    t->json = j;
    if (!json_is_object(j)) {
        st = sk_error_set(err, SK_ERR_INVALID, "%s: not a JSON object", file);
        goto fail;
    }
    const char *id = js_str(j, "id", NULL), *prompt = js_str(j, "prompt", NULL);
    if (!id || !*id) {
        st = sk_error_set(err, SK_ERR_INVALID, "%s: missing string field 'id'", file);
        goto fail;
    }
    if (!prompt || !*prompt) {
        st = sk_error_set(err, SK_ERR_INVALID, "%s: missing string field 'prompt'", file);
        goto fail;
    }
    t->id = sk_strdup(id);
    t->prompt = sk_strdup(prompt);
    t->name = js_str(j, "name", NULL) ? sk_strdup(js_str(j, "name", NULL)) : NULL;
    t->category = sk_strdup(js_str(j, "category", "general"));
    t->timeout_ms = js_int(j, "timeoutMs", 120000);
    if (t->timeout_ms <= 0)
        t->timeout_ms = 120000;
    t->max_steps = (int)js_int(j, "maxSteps", 30);
    if (t->max_steps <= 0)
        t->max_steps = 30;
    t->eval = js_arr(j, "eval");
    if (!t->eval || json_array_size(t->eval) == 0) {
        st = sk_error_set(err, SK_ERR_INVALID, "%s: 'eval' must be a non-empty array", file);
        goto fail;
    }
    size_t i;
    json_t *c;
    json_array_foreach(t->eval, i, c)
    {
        st = task_validate_criterion(t, c, i, file, err);
        if (st != SK_OK)
            goto fail;
    }
    const json_t *fx = json_object_get(j, "fixtures");
    if (fx && !json_is_object(fx)) {
        st = sk_error_set(err, SK_ERR_INVALID, "%s: 'fixtures' must be an object", file);
        goto fail;
    }
    const json_t *sk = json_object_get(j, "skill");
    const char *skp = json_is_string(sk)  ? json_string_value(sk)
                      : json_is_array(sk) ? json_string_value(json_array_get(sk, 0))
                                          : NULL;
    if (skp && *skp)
        t->skill_dir = skp[0] == '/' ? sk_strdup(skp) : sk_path_join(t->dir, skp);
    free(file);
    *out = t;
    return SK_OK;
fail:
    free(file);
    task_free(t);
    return st;
}

void task_free(Task *t)
{
    if (!t)
        return;
    free(t->dir);
    free(t->id);
    free(t->name);
    free(t->prompt);
    free(t->category);
    free(t->skill_dir);
    json_decref(t->json);
    free(t);
}

/* ---- preparing the work dir ---- */

SkStatus task_prepare(const Task *t, const char *workdir, const SandboxOptions *sandbox,
                      char **note, SkError *err)
{
    if (note)
        *note = NULL;
    char *fdir = sk_path_join(t->dir, "fixtures");
    SkStatus st = SK_OK;
    if (sk_is_dir(fdir)) {
        st = sk_copy_tree(fdir, workdir, err);
        if (st != SK_OK) {
            free(fdir);
            return st;
        }
        char *copied_setup = sk_path_join(workdir, "_setup.sh");
        unlink(copied_setup);
        free(copied_setup);
    }
    const json_t *fx = json_object_get(t->json, "fixtures");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)fx, k, v)
    {
        if (!json_is_string(v))
            continue;
        int fd;
        st = sandbox_open(workdir, k, O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd, err);
        if (st != SK_OK) {
            sk_error_prefix(err, "fixture '%s'", k);
            free(fdir);
            return st;
        }
        size_t n = json_string_length(v);
        bool ok = write(fd, json_string_value(v), n) == (ssize_t)n;
        close(fd);
        if (!ok) {
            free(fdir);
            return sk_error_set(err, SK_ERR_IO, "fixture '%s': write failed", k);
        }
    }
    char *setup = sk_path_join(fdir, "_setup.sh");
    if (sk_is_file(setup)) {
        SandboxOptions so = *sandbox;
        so.workdir = workdir;
        const char *ro[] = {fdir, NULL};
        so.ro_paths = ro;
        if (!so.limits.timeout_ms)
            so.limits.timeout_ms = 120000;
        const char *argv[] = {"bash", setup, NULL};
        SandboxResult r;
        SkError e2;
        if (sandbox_run(argv, &so, &r, &e2) != SK_OK) {
            if (note)
                *note = sk_asprintf("_setup.sh could not run: %s", e2.msg);
        } else if (r.exit_code != 0 && note) {
            *note = sk_asprintf("_setup.sh exited with %d%s: %.500s", r.exit_code,
                                r.timed_out ? " (timed out)" : "", r.err);
        } else if (note) {
            *note = sk_strdup("_setup.sh ran");
        }
        sandbox_result_done(&r);
    }
    free(setup);
    free(fdir);
    return SK_OK;
}

/* ---- evaluation helpers ---- */

void task_eval_options_init(TaskEvalOptions *o, const char *workdir)
{
    memset(o, 0, sizeof *o);
    o->workdir = workdir;
    sandbox_options_init(&o->sandbox, workdir);
}

static void crit_set(TaskCriterion *c, double score, const char *fmt, ...) ATTR_FORMAT(3, 4);
static void crit_set(TaskCriterion *c, double score, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(c->detail);
    c->detail = sk_vasprintf(fmt, ap);
    va_end(ap);
    if (score < 0)
        score = 0;
    if (score > 1)
        score = 1;
    c->status = TASK_CRIT_SCORED;
    c->score = score;
    c->pass = score >= 0.5;
}

static void crit_not_run(TaskCriterion *c, const char *fmt, ...) ATTR_FORMAT(2, 3);
static void crit_not_run(TaskCriterion *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(c->detail);
    c->detail = sk_vasprintf(fmt, ap);
    va_end(ap);
    c->status = TASK_CRIT_NOT_RUN;
    c->score = 0;
    c->pass = false;
}

/* Last line of TEXT that parses as a JSON object, or NULL. New ref. */
static json_t *task_last_json_line(const char *text)
{
    const char *end = text + strlen(text);
    while (end > text) {
        const char *nl = end;
        while (nl > text && nl[-1] != '\n')
            nl--;
        size_t n = (size_t)(end - nl);
        while (n && (nl[n - 1] == '\n' || nl[n - 1] == '\r' || nl[n - 1] == ' '))
            n--;
        if (n && nl[0] == '{') {
            json_t *j = json_loadb(nl, n, 0, NULL);
            if (json_is_object(j))
                return j;
            json_decref(j);
        }
        end = nl > text ? nl - 1 : text;
    }
    return NULL;
}

static SandboxOptions task_sandbox(const TaskEvalOptions *o)
{
    SandboxOptions so = o->sandbox;
    so.workdir = o->workdir;
    if (!so.limits.timeout_ms)
        so.limits.timeout_ms = TASK_GRADER_TIMEOUT_MS;
    if (!so.cancel)
        so.cancel = o->cancel;
    return so;
}

/* Script criteria see the task folder as $SKVM_TASK_DIR, so a task can keep its checker
 * next to task.json instead of among the fixtures the model can read and edit. */
static void eval_script(const Task *t, const TaskEvalOptions *o, const json_t *c,
                        TaskCriterion *out)
{
    SandboxOptions so = task_sandbox(o);
    SkVec env;
    sk_vec_init(&env, NULL);
    for (const char *const *p = so.env; p && *p; p++)
        sk_vec_push(&env, (void *)*p);
    char *task_dir = sk_asprintf("SKVM_TASK_DIR=%s", t->dir);
    sk_vec_push(&env, task_dir);
    sk_vec_push(&env, NULL);
    so.env = (const char *const *)env.items;
    /* the task folder may sit under /tmp, which bubblewrap replaces: show it read-only */
    SkVec ro;
    sk_vec_init(&ro, NULL);
    for (const char *const *p = so.ro_paths; p && *p; p++)
        sk_vec_push(&ro, (void *)*p);
    sk_vec_push(&ro, t->dir);
    sk_vec_push(&ro, NULL);
    so.ro_paths = (const char *const *)ro.items;
    SandboxResult r;
    SkError e;
    SkStatus rs = sandbox_run_shell(js_str(c, "command", ""), &so, &r, &e);
    sk_vec_done(&ro);
    free(task_dir);
    sk_vec_done(&env);
    if (rs != SK_OK) {
        crit_not_run(out, "cannot run: %s", e.msg);
        sandbox_result_done(&r);
        return;
    }
    int want = (int)js_int(c, "expectedExitCode", 0);
    if (r.timed_out) {
        crit_set(out, 0, "script timed out");
    } else if (r.exit_code != want) {
        crit_set(out, 0, "exit code %d (expected %d): %.300s", r.exit_code, want, r.err);
    } else {
        json_t *last = task_last_json_line(r.out);
        const json_t *cps = js_arr(last, "checkpoints");
        if (last && js_str(last, "infraError", NULL)) {
            crit_not_run(out, "infrastructure error: %s", js_str(last, "infraError", ""));
        } else if (cps && json_array_size(cps) > 0) {
            double sum = 0;
            bool all = true;
            size_t i;
            json_t *cp;
            json_array_foreach(cps, i, cp)
            {
                double s = js_num(cp, "score", 0);
                s = s < 0 ? 0 : s > 1 ? 1 : s;
                sum += s;
                all = all && s >= 0.5;
            }
            double mean = sum / (double)json_array_size(cps);
            crit_set(out, mean, "%zu checkpoints, mean %.3f", json_array_size(cps), mean);
            out->pass = all;
            out->checkpoints = json_incref((json_t *)cps);
        } else {
            const char *exp = js_str(c, "expectedOutput", NULL);
            if (exp) {
                char *a = sk_strdup(r.out), *b = sk_strdup(exp);
                bool eq = strcmp(sk_str_trim(a), sk_str_trim(b)) == 0;
                crit_set(out, eq ? 1 : 0, eq ? "output matches" : "output differs: %.200s", a);
                free(a);
                free(b);
            } else {
                crit_set(out, 1, "exit code %d", r.exit_code);
            }
        }
        json_decref(last);
    }
    sandbox_result_done(&r);
}

static bool task_schema_type_ok(const json_t *v, const char *type)
{
    if (!type)
        return true;
    if (!strcmp(type, "object"))
        return json_is_object(v);
    if (!strcmp(type, "array"))
        return json_is_array(v);
    if (!strcmp(type, "string"))
        return json_is_string(v);
    if (!strcmp(type, "number"))
        return json_is_number(v);
    if (!strcmp(type, "integer"))
        return json_is_integer(v);
    if (!strcmp(type, "boolean"))
        return json_is_boolean(v);
    if (!strcmp(type, "null"))
        return json_is_null(v);
    return true;
}

static void eval_file_check(const TaskEvalOptions *o, const json_t *c, TaskCriterion *out)
{
    const char *path = js_str(c, "path", NULL);
    const char *pattern = js_str(c, "glob", NULL);
    char *found = NULL;
    if (pattern) {
        char *rel = NULL;
        if (sandbox_rel_path(o->workdir, pattern, &rel, NULL) == SK_OK) {
            char *full = sk_path_join(o->workdir, rel);
            glob_t g;
            if (glob(full, 0, NULL, &g) == 0 && g.gl_pathc > 0)
                found = sk_strdup(g.gl_pathv[0] + strlen(o->workdir) + 1);
            if (g.gl_pathc || g.gl_pathv)
                globfree(&g);
            free(full);
            free(rel);
        }
        if (!found) {
            crit_set(out, 0, "no file matches %s", pattern);
            return;
        }
        path = found;
    }
    int fd;
    SkError e;
    if (sandbox_open(o->workdir, path, O_RDONLY, 0, &fd, &e) != SK_OK) {
        crit_set(out, 0, "%s", e.msg);
        free(found);
        return;
    }
    SkBuf b = SK_BUF_INIT;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 && b.len < (64u << 20))
        sk_buf_append(&b, buf, (size_t)n);
    close(fd);
    const char *text = sk_buf_cstr(&b);
    const char *mode = js_str(c, "mode", "exact");
    const json_t *expv = json_object_get(c, "expected");
    const char *exp = json_is_string(expv) ? json_string_value(expv) : "";
    if (!strcmp(mode, "exact")) {
        char *a = sk_strdup(text), *x = sk_strdup(exp);
        bool eq = strcmp(sk_str_trim(a), sk_str_trim(x)) == 0;
        crit_set(out, eq, eq ? "%s matches exactly" : "%s differs from the expected text", path);
        free(a);
        free(x);
    } else if (!strcmp(mode, "contains")) {
        bool has = strstr(text, exp) != NULL;
        crit_set(out, has, has ? "%s contains the text" : "%s does not contain the text", path);
    } else if (!strcmp(mode, "regex")) {
        Regex *re = NULL;
        if (regex_compile(exp, 0, &re, &e) != SK_OK) {
            crit_not_run(out, "bad regex: %s", e.msg);
        } else {
            bool f = false;
            SkStatus st = regex_search(re, text, b.len, 0, &f, NULL, 0, &e);
            if (st != SK_OK)
                crit_set(out, 0, "%s: %s", path, e.msg);
            else
                crit_set(out, f, f ? "%s matches /%s/" : "%s does not match /%s/", path, exp);
            regex_free(re);
        }
    } else {
        json_t *doc = NULL;
        const json_t *schema = json_is_object(expv) ? expv : NULL;
        json_t *parsed_schema = NULL;
        if (!schema && json_is_string(expv)) {
            parsed_schema = json_loads(exp, 0, NULL);
            schema = parsed_schema;
        }
        if (js_parse(text, b.len, &doc, &e) != SK_OK) {
            crit_set(out, 0, "%s is not valid JSON: %s", path, e.msg);
        } else if (!schema || !json_is_object(schema)) {
            crit_set(out, 1, "%s is valid JSON", path);
        } else if (!task_schema_type_ok(doc, js_str(schema, "type", NULL))) {
            crit_set(out, 0, "%s: top-level value is not of type %s", path,
                     js_str(schema, "type", ""));
        } else {
            const json_t *req = js_arr(schema, "required");
            size_t i;
            json_t *k;
            const char *missing = NULL;
            json_array_foreach(req, i, k) if (json_is_string(k) && json_is_object(doc) &&
                                              !json_object_get(doc, json_string_value(k))) missing =
                json_string_value(k);
            if (missing)
                crit_set(out, 0, "%s: required key '%s' missing", path, missing);
            else
                crit_set(out, 1, "%s matches the schema", path);
        }
        json_decref(doc);
        json_decref(parsed_schema);
    }
    sk_buf_done(&b);
    free(found);
}

/* ---- transcript for graders and judges ---- */

json_t *task_grade_transcript(const json_t *steps)
{
    json_t *out = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s)
    {
        const char *role = js_str(s, "role", "");
        const json_t *calls = js_arr(s, "toolCalls");
        if (!strcmp(role, "assistant")) {
            json_t *content = json_array();
            const char *text = js_str(s, "text", NULL);
            if (text && *text)
                json_array_append_new(content, json_pack("{s:s, s:s}", "type", "text", "text",
                                                         text));
            size_t k;
            json_t *c;
            json_array_foreach(calls, k, c)
            {
                json_t *in = json_object_get(c, "input");
                json_array_append_new(content,
                                      json_pack("{s:s, s:s, s:O}", "type", "toolCall", "name",
                                                js_str(c, "name", ""), "params",
                                                in ? in : json_object()));
            }
            json_array_append_new(out, json_pack("{s:s, s:{s:s, s:o}}", "type", "message",
                                                 "message", "role", "assistant", "content",
                                                 content));
        } else if (!strcmp(role, "tool")) {
            size_t k;
            json_t *c;
            json_array_foreach(calls, k, c)
            {
                json_array_append_new(
                    out, json_pack("{s:s, s:{s:s, s:[{s:s}]}}", "type", "message", "message",
                                   "role", "toolResult", "content", "output",
                                   js_str(c, "output", "")));
            }
        }
    }
    return out;
}

static char *task_find_exe(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        return NULL;
    char *copy = sk_strdup(path), *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = sk_path_join(d, name);
        if (access(p, X_OK) == 0 && sk_is_file(p)) {
            free(copy);
            return p;
        }
        free(p);
    }
    free(copy);
    return NULL;
}

static const char task_grade_runner[] =
    "import importlib.util, json, sys, traceback\n"
    "spec = importlib.util.spec_from_file_location('_grade_fn', sys.argv[1])\n"
    "try:\n"
    "    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
    "    with open(sys.argv[2], encoding='utf-8') as f: transcript = json.load(f)\n"
    "    recs = mod.grade(transcript, sys.argv[3])\n"
    "except Exception as e:\n"
    "    print(json.dumps({'error': 'grade.py raised ' + type(e).__name__ + ': ' + str(e),\n"
    "                      'trace': traceback.format_exc()[-1500:]}))\n"
    "    sys.exit(0)\n"
    "print(json.dumps({'records': recs}, default=str))\n";

static void eval_python(const Task *t, const TaskEvalOptions *o, const json_t *c,
                        TaskCriterion *out)
{
    char *py = o->python ? (access(o->python, X_OK) == 0 ? sk_strdup(o->python) : NULL)
                         : task_find_exe("python3");
    if (!py) {
        crit_not_run(out, "cannot run: python3 not installed");
        return;
    }
    /* grader files go beside the work dir, not into it */
    char *parent = sk_path_dir(o->workdir);
    char *gdir = sk_path_join(parent, "grade");
    free(parent);
    sk_mkdir_p(gdir, NULL);
    char *fn = sk_path_join(gdir, "_grade_fn.py");
    char *runner = sk_path_join(gdir, "_grade_runner.py");
    char *tr = sk_path_join(gdir, "_transcript.json");
    const json_t *payload = json_object_get(c, "payload");
    SkError e;
    SkStatus st;
    if (json_is_string(payload)) {
        st = sk_write_file_atomic(fn, json_string_value(payload), json_string_length(payload), &e);
    } else {
        char *src = sk_path_join(t->dir, "grade.py");
        char *text = NULL;
        size_t len = 0;
        st = sk_read_file(src, 4u << 20, &text, &len, &e);
        if (st == SK_OK)
            st = sk_write_file_atomic(fn, text, len, &e);
        free(text);
        free(src);
    }
    json_t *transcript = task_grade_transcript(o->steps);
    char *tj = js_dump_compact(transcript);
    json_decref(transcript);
    if (st == SK_OK)
        st = sk_write_file_atomic(tr, tj, strlen(tj), &e);
    if (st == SK_OK)
        st = sk_write_file_atomic(runner, task_grade_runner, strlen(task_grade_runner), &e);
    free(tj);
    if (st != SK_OK) {
        crit_not_run(out, "cannot prepare the grader: %s", e.msg);
        goto done;
    }
    SandboxOptions so = task_sandbox(o);
    const char *ro[] = {gdir, NULL};
    so.ro_paths = ro;
    const char *argv[] = {py, runner, fn, tr, o->workdir, NULL};
    SandboxResult r;
    if (sandbox_run(argv, &so, &r, &e) != SK_OK) {
        crit_not_run(out, "cannot run python3: %s", e.msg);
        sandbox_result_done(&r);
        goto done;
    }
    json_t *last = task_last_json_line(r.out);
    const json_t *recs = js_arr(last, "records");
    if (r.timed_out) {
        crit_set(out, 0, "grade.py timed out");
    } else if (!last) {
        crit_set(out, 0, "grade.py printed no result (exit %d): %.400s", r.exit_code, r.err);
    } else if (js_str(last, "error", NULL)) {
        crit_set(out, 0, "%s", js_str(last, "error", ""));
    } else if (!recs || json_array_size(recs) == 0) {
        crit_set(out, 0, "grade() must return a non-empty list of records");
    } else {
        double sum_w = 0, total = 0;
        const char *bad = NULL;
        json_t *ids = json_object();
        size_t i;
        json_t *rec;
        json_array_foreach(recs, i, rec)
        {
            const char *id = js_str(rec, "id", NULL);
            const json_t *sv = json_object_get(rec, "score"), *wv = json_object_get(rec, "weight");
            if (!id || !json_is_number(sv) || !json_is_number(wv))
                bad = "every record needs id, numeric score and weight";
            else if (json_number_value(sv) < -1e-9 || json_number_value(sv) > 1 + 1e-9)
                bad = "a score is outside [0,1]";
            else if (json_number_value(wv) < 0)
                bad = "a weight is negative";
            else if (json_object_get(ids, id))
                bad = "record ids are not unique";
            else {
                json_object_set_new(ids, id, json_true());
                sum_w += json_number_value(wv);
                total += json_number_value(wv) * json_number_value(sv);
            }
        }
        json_decref(ids);
        if (!bad && fabs(sum_w - 1.0) > 1e-3)
            bad = "record weights do not sum to 1";
        if (bad) {
            crit_set(out, 0, "grade.py result rejected: %s", bad);
        } else {
            crit_set(out, total, "%zu checks, weighted %.3f", json_array_size(recs), total);
            json_t *cps = json_array();
            json_array_foreach(recs, i, rec)
            {
                json_t *cp = json_pack("{s:s, s:f, s:f}", "name", js_str(rec, "id", ""), "score",
                                       js_num(rec, "score", 0), "weight",
                                       js_num(rec, "weight", 0));
                if (js_str(rec, "description", NULL))
                    json_object_set(cp, "description", json_object_get(rec, "description"));
                if (json_object_get(rec, "details"))
                    json_object_set(cp, "reason", json_object_get(rec, "details"));
                json_array_append_new(cps, cp);
            }
            out->checkpoints = cps;
        }
    }
    json_decref(last);
    sandbox_result_done(&r);
done:
    sk_rm_rf(gdir, NULL);
    free(gdir);
    free(fn);
    free(runner);
    free(tr);
    free(py);
}

/* ---- JUnit ---- */

static char *xml_unescape(const char *s, size_t n)
{
    SkBuf b = SK_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&') {
            sk_buf_putc(&b, s[i]);
            continue;
        }
        const char *semi = memchr(s + i, ';', n - i);
        if (!semi || semi - (s + i) > 10) {
            sk_buf_putc(&b, '&');
            continue;
        }
        size_t len = (size_t)(semi - (s + i)) + 1;
        if (!strncmp(s + i, "&amp;", len))
            sk_buf_putc(&b, '&');
        else if (!strncmp(s + i, "&lt;", len))
            sk_buf_putc(&b, '<');
        else if (!strncmp(s + i, "&gt;", len))
            sk_buf_putc(&b, '>');
        else if (!strncmp(s + i, "&quot;", len))
            sk_buf_putc(&b, '"');
        else if (!strncmp(s + i, "&apos;", len))
            sk_buf_putc(&b, '\'');
        else if (s[i + 1] == '#') {
            long cp = s[i + 2] == 'x' ? strtol(s + i + 3, NULL, 16) : strtol(s + i + 2, NULL, 10);
            if (cp < 0x80) {
                sk_buf_putc(&b, (char)cp);
            } else if (cp < 0x800) {
                sk_buf_putc(&b, (char)(0xC0 | (cp >> 6)));
                sk_buf_putc(&b, (char)(0x80 | (cp & 0x3F)));
            } else if (cp < 0x10000) {
                sk_buf_putc(&b, (char)(0xE0 | (cp >> 12)));
                sk_buf_putc(&b, (char)(0x80 | ((cp >> 6) & 0x3F)));
                sk_buf_putc(&b, (char)(0x80 | (cp & 0x3F)));
            } else {
                sk_buf_putc(&b, (char)(0xF0 | (cp >> 18)));
                sk_buf_putc(&b, (char)(0x80 | ((cp >> 12) & 0x3F)));
                sk_buf_putc(&b, (char)(0x80 | ((cp >> 6) & 0x3F)));
                sk_buf_putc(&b, (char)(0x80 | (cp & 0x3F)));
            }
        } else {
            sk_buf_append(&b, s + i, len);
        }
        i += len - 1;
    }
    if (!b.data)
        sk_buf_puts(&b, "");
    return sk_buf_steal(&b);
}

/* Attribute NAME inside the tag text [p, end). New string or NULL. */
static char *xml_attr(const char *p, const char *end, const char *name)
{
    size_t nl = strlen(name);
    for (const char *q = p; q + nl + 2 < end; q++) {
        if ((q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n') && !strncmp(q, name, nl) &&
            q[nl] == '=' && (q[nl + 1] == '"' || q[nl + 1] == '\'')) {
            char quote = q[nl + 1];
            const char *v = q + nl + 2;
            const char *ve = memchr(v, quote, (size_t)(end - v));
            if (!ve)
                return NULL;
            return xml_unescape(v, (size_t)(ve - v));
        }
    }
    return NULL;
}

SkStatus task_junit_score(const char *xml, const json_t *criteria, double *total, json_t **per,
                          SkError *err)
{
    *total = 0;
    *per = NULL;
    /* collect test cases: full name + passed */
    SkVec names;
    sk_vec_init(&names, free);
    SkBuf passed = SK_BUF_INIT;
    for (const char *p = strstr(xml, "<testcase"); p; p = strstr(p + 1, "<testcase")) {
        char c = p[9];
        if (c != ' ' && c != '\t' && c != '\n' && c != '>' && c != '/')
            continue;
        const char *gt = strchr(p, '>');
        if (!gt)
            break;
        char *name = xml_attr(p + 9, gt, "name");
        char *cls = xml_attr(p + 9, gt, "classname");
        bool self_close = gt[-1] == '/';
        bool ok = true;
        if (!self_close) {
            const char *close_tag = strstr(gt, "</testcase>");
            const char *bend = close_tag ? close_tag : gt + strlen(gt);
            for (const char *q = gt; q < bend; q++)
                if (*q == '<' && (!strncmp(q, "<failure", 8) || !strncmp(q, "<error", 6) ||
                                  !strncmp(q, "<skipped", 8)))
                    ok = false;
        }
        sk_vec_push(&names, cls && *cls ? sk_asprintf("%s > %s", cls, name ? name : "")
                                        : sk_strdup(name ? name : ""));
        sk_buf_putc(&passed, ok ? '1' : '0');
        free(name);
        free(cls);
    }
    if (names.len == 0) {
        sk_vec_done(&names);
        sk_buf_done(&passed);
        return sk_error_set(err, SK_ERR_PARSE, "the JUnit report has no test cases");
    }
    json_t *arr = json_array();
    size_t i;
    json_t *cr;
    json_array_foreach(criteria, i, cr)
    {
        SkVec alts;
        sk_vec_init(&alts, free);
        task_split_pattern(js_str(cr, "testPattern", ""), &alts);
        Regex **res = sk_calloc(alts.len, sizeof *res);
        for (size_t a = 0; a < alts.len; a++)
            regex_compile(alts.items[a], REGEX_CASELESS, &res[a], NULL);
        int matched = 0, npass = 0;
        for (size_t k = 0; k < names.len; k++) {
            const char *nm = names.items[k];
            bool hit = false;
            for (size_t a = 0; a < alts.len && !hit; a++) {
                bool f = false;
                if (res[a] && regex_search(res[a], nm, strlen(nm), 0, &f, NULL, 0, NULL) == SK_OK)
                    hit = f;
            }
            if (hit) {
                matched++;
                npass += passed.data[k] == '1';
            }
        }
        for (size_t a = 0; a < alts.len; a++)
            regex_free(res[a]);
        free(res);
        sk_vec_done(&alts);
        double s = matched ? (double)npass / matched : 0;
        double w = js_num(cr, "weight", 0);
        *total += w * s;
        json_array_append_new(arr, json_pack("{s:s, s:f, s:f, s:i, s:i}", "id",
                                             js_str(cr, "id", ""), "weight", w, "score", s,
                                             "matched", matched, "passed", npass));
    }
    sk_vec_done(&names);
    sk_buf_done(&passed);
    *per = arr;
    return SK_OK;
}

static char *task_find_bun(const TaskEvalOptions *o)
{
    if (o->bun)
        return access(o->bun, X_OK) == 0 ? sk_strdup(o->bun) : NULL;
    const char *env = getenv("SKVM_BUN");
    if (env && *env)
        return access(env, X_OK) == 0 ? sk_strdup(env) : NULL;
    char *home = sk_home_dir();
    char *p = sk_path_join(home, "tools/bin/bun");
    free(home);
    if (access(p, X_OK) == 0)
        return p;
    free(p);
    return task_find_exe("bun");
}

static void eval_junit(const TaskEvalOptions *o, const json_t *c, TaskCriterion *out)
{
    const json_t *payload = json_object_get(c, "payload");
    char *bun = task_find_bun(o);
    if (!bun) {
        crit_not_run(out, "cannot run: bun not installed");
        return;
    }
    char *bun_dir = sk_path_dir(bun);
    SandboxOptions so = task_sandbox(o);
    so.limits.mem_bytes = -1; /* bun reserves a large address space */
    so.extra_path = bun_dir;
    const char *ro[] = {bun_dir, NULL};
    so.ro_paths = ro;
    const char *argv[] = {bun, "test", js_str(payload, "testFile", ""), "--reporter=junit",
                          "--reporter-outfile=_junit_results.xml", NULL};
    SandboxResult r;
    SkError e;
    char *xmlp = sk_path_join(o->workdir, "_junit_results.xml");
    unlink(xmlp);
    if (sandbox_run(argv, &so, &r, &e) != SK_OK) {
        crit_not_run(out, "cannot run bun: %s", e.msg);
    } else {
        char *xml = NULL;
        double total = 0;
        json_t *per = NULL;
        if (sk_read_file(xmlp, 64u << 20, &xml, NULL, &e) != SK_OK) {
            crit_set(out, 0, "bun test wrote no JUnit report (exit %d): %.300s", r.exit_code,
                     r.err);
        } else if (task_junit_score(xml, js_arr(payload, "criteria"), &total, &per, &e) !=
                   SK_OK) {
            crit_set(out, 0, "%s", e.msg);
        } else {
            crit_set(out, total, "bun test: weighted %.3f", total);
            json_t *cps = json_array();
            size_t i;
            json_t *p;
            json_array_foreach(per, i, p)
            {
                char *why = sk_asprintf("tests passed/matched: %lld/%lld",
                                        js_int(p, "passed", 0), js_int(p, "matched", 0));
                json_array_append_new(cps, json_pack("{s:O, s:O, s:O, s:s}", "name",
                                                     json_object_get(p, "id"), "score",
                                                     json_object_get(p, "score"), "weight",
                                                     json_object_get(p, "weight"), "reason",
                                                     why));
                free(why);
            }
            out->checkpoints = cps;
            json_decref(per);
        }
        free(xml);
    }
    unlink(xmlp);
    free(xmlp);
    sandbox_result_done(&r);
    free(bun_dir);
    free(bun);
}

/* ---- LLM judge ---- */

static bool judge_skip_name(const char *n)
{
    static const char *const skip[] = {"SOUL.md",  "BOOTSTRAP.md", "USER.md", "IDENTITY.md",
                                       "HEARTBEAT.md", "TOOLS.md", "AGENTS.md", ".git",
                                       ".openclaw", "skills", "node_modules", "skill"};
    if (n[0] == '.')
        return true;
    for (size_t i = 0; i < SK_ARRAY_LEN(skip); i++)
        if (!strcmp(n, skip[i]))
            return true;
    return false;
}

static void judge_files(const char *root, const char *rel, SkBuf *b, size_t *budget)
{
    char *dir = rel[0] ? sk_path_join(root, rel) : sk_strdup(root);
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return;
    }
    SkVec names;
    sk_vec_init(&names, free);
    struct dirent *de;
    while ((de = readdir(d)))
        if (!judge_skip_name(de->d_name))
            sk_vec_push(&names, sk_strdup(de->d_name));
    closedir(d);
    sk_vec_sort(&names, (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < names.len && *budget > 0; i++) {
        char *r = rel[0] ? sk_asprintf("%s/%s", rel, (char *)names.items[i])
                         : sk_strdup(names.items[i]);
        char *full = sk_path_join(root, r);
        struct stat st;
        if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            judge_files(root, r, b, budget);
        } else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            char *text = NULL;
            size_t len = 0;
            if (sk_read_file(full, 1u << 20, &text, &len, NULL) == SK_OK &&
                sk_utf8_valid(text, len, NULL) && !memchr(text, '\0', len)) {
                size_t take = SK_MIN(SK_MIN(len, (size_t)10000), *budget);
                sk_buf_printf(b, "\n--- %s ---\n%.*s%s\n", r, (int)take, text,
                              take < len ? "\n[... truncated]" : "");
                *budget -= take;
            }
            free(text);
        }
        free(full);
        free(r);
    }
    sk_vec_done(&names);
    free(dir);
}

static char *judge_prompt(const TaskEvalOptions *o, const json_t *c)
{
    SkBuf b = SK_BUF_INIT;
    sk_buf_puts(&b, "You are grading the work of an AI agent against a rubric.\n\n## Rubric\n");
    const json_t *rub = json_object_get(c, "rubric");
    if (json_is_string(rub)) {
        sk_buf_puts(&b, json_string_value(rub));
    } else {
        /* {level: text} sorted by level, highest first */
        SkVec keys;
        sk_vec_init(&keys, NULL);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)rub, k, v) sk_vec_push(&keys, (void *)k);
        for (size_t i = 0; i < keys.len; i++)
            for (size_t j = i + 1; j < keys.len; j++)
                if (atof(keys.items[j]) > atof(keys.items[i])) {
                    void *tmp = keys.items[i];
                    keys.items[i] = keys.items[j];
                    keys.items[j] = tmp;
                }
        for (size_t i = 0; i < keys.len; i++)
            sk_buf_printf(&b, "Score %s: %s\n", (char *)keys.items[i],
                          js_str(rub, keys.items[i], ""));
        sk_vec_done(&keys);
    }
    sk_buf_printf(&b, "\n\nMaximum score: %g\n\n## Agent trace\n", js_num(c, "maxScore", 1));
    size_t i;
    json_t *s;
    json_array_foreach(o->steps, i, s)
    {
        sk_buf_printf(&b, "\n[%s]", js_str(s, "role", "?"));
        const char *text = js_str(s, "text", NULL);
        if (text && *text)
            sk_buf_printf(&b, " %s", text);
        sk_buf_putc(&b, '\n');
        size_t k;
        json_t *call;
        json_array_foreach(js_arr(s, "toolCalls"), k, call)
        {
            char *args = js_dump_compact(json_object_get(call, "input"));
            sk_buf_printf(&b, "Tool: %s(%.500s)\n", js_str(call, "name", "?"), args);
            free(args);
            const char *outp = js_str(call, "output", NULL);
            if (outp)
                sk_buf_printf(&b, "Output: %.1000s\n", outp);
        }
    }
    sk_buf_printf(&b, "\n## Final answer\n%s\n\n## Files in the work directory\n",
                  o->final_text ? o->final_text : "");
    size_t budget = 30000;
    judge_files(o->workdir, "", &b, &budget);
    sk_buf_puts(&b, "\n\nCall submit_score with your score and a short reasoning.");
    return sk_buf_steal(&b);
}

static void eval_judge(const TaskEvalOptions *o, const json_t *c, TaskCriterion *out)
{
    if (!o->judge || !o->judge_model || !*o->judge_model) {
        crit_not_run(out, "not run: no judge model (use --judge-model)");
        return;
    }
    double max = js_num(c, "maxScore", 1);
    if (max <= 0)
        max = 1;
    LlmRequest req;
    llm_request_init(&req, o->judge_model);
    llm_request_set_system(&req, "You are a strict, fair grader. Follow the rubric exactly.");
    char *prompt = judge_prompt(o, c);
    llm_request_add_user_text(&req, prompt);
    free(prompt);
    json_t *schema = json_pack("{s:s, s:{s:{s:s}, s:{s:s}}, s:[s,s]}", "type", "object",
                               "properties", "score", "type", "number", "reasoning", "type",
                               "string", "required", "score", "reasoning");
    llm_request_add_tool(&req, "submit_score", "Submit the score for the agent's work.", schema);
    json_decref(schema);
    req.tool_choice = LLM_TOOL_CHOICE_NAMED;
    req.tool_choice_name = sk_strdup("submit_score");
    req.max_tokens = 2048;
    LlmCallOptions co;
    llm_call_options_init(&co);
    co.cancel = o->cancel;
    LlmResponse resp;
    SkError e;
    SkStatus st = llm_complete(o->judge, &req, &resp, &co, &e);
    if (st != SK_OK) {
        crit_not_run(out, "judge model failed: %s", e.msg);
    } else {
        json_t *args = NULL;
        for (size_t i = 0; i < resp.n_tool_calls && !args; i++)
            if (resp.tool_calls[i].arguments)
                args = json_loads(resp.tool_calls[i].arguments, 0, NULL);
        if (!args && resp.text)
            args = task_last_json_line(resp.text);
        const json_t *sv = json_object_get(args, "score");
        double score = NAN;
        if (json_is_number(sv))
            score = json_number_value(sv);
        else if (json_is_string(sv))
            score = strtod(json_string_value(sv), NULL);
        if (isnan(score)) {
            crit_not_run(out, "judge gave no score");
        } else {
            score = score < 0 ? 0 : score > max ? max : score;
            crit_set(out, score / max, "judge (%s): %g/%g: %.500s", o->judge_model, score, max,
                     js_str(args, "reasoning", ""));
        }
        json_decref(args);
    }
    llm_response_done(&resp);
    llm_request_done(&req);
}

/* ---- driver ---- */

SkStatus task_evaluate(const Task *t, const TaskEvalOptions *opts, TaskEval *out, SkError *err)
{
    memset(out, 0, sizeof *out);
    if (!opts || !opts->workdir)
        return sk_error_set(err, SK_ERR_INVALID, "task_evaluate: no work directory");
    size_t n = json_array_size(t->eval);
    out->items = sk_calloc(n, sizeof *out->items);
    out->n = n;
    bool any_weight = false;
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(t->eval, i);
        TaskCriterion *tc = &out->items[i];
        const char *m = task_crit_method(c);
        tc->method = sk_strdup(m ? m : "?");
        tc->id = js_str(c, "id", NULL) ? sk_strdup(js_str(c, "id", NULL))
                                       : sk_asprintf("%s-%zu", tc->method, i);
        tc->name = js_str(c, "name", NULL) ? sk_strdup(js_str(c, "name", NULL)) : NULL;
        const json_t *w = json_object_get(c, "weight");
        tc->weight = json_is_number(w) ? json_number_value(w) : -1;
        any_weight = any_weight || tc->weight >= 0;
        if (opts->cancel && *opts->cancel) {
            crit_not_run(tc, "not run: cancelled");
            continue;
        }
        if (!strcmp(tc->method, "script"))
            eval_script(t, opts, c, tc);
        else if (!strcmp(tc->method, "file-check"))
            eval_file_check(opts, c, tc);
        else if (!strcmp(tc->method, "llm-judge"))
            eval_judge(opts, c, tc);
        else if (!strcmp(tc->method, "python-grade"))
            eval_python(t, opts, c, tc);
        else if (!strcmp(tc->method, "junit-grade"))
            eval_junit(opts, c, tc);
        else
            crit_not_run(tc, "unknown evaluator '%s'", tc->method);
    }
    double wsum_all = 0, wsum = 0, acc = 0;
    SkBuf note = SK_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        TaskCriterion *tc = &out->items[i];
        double w = any_weight ? (tc->weight >= 0 ? tc->weight : 1.0 / (double)n) : 1.0;
        wsum_all += w;
        if (tc->status != TASK_CRIT_SCORED) {
            sk_buf_printf(&note, "%s%s", note.len ? ", " : "", tc->id);
            continue;
        }
        wsum += w;
        acc += w * tc->score;
    }
    if (wsum > 0) {
        out->score_known = true;
        out->score = acc / wsum;
        out->pass = out->score >= 0.5;
    }
    out->weight_scored = wsum_all > 0 ? wsum / wsum_all : 0;
    if (note.len) {
        out->note = out->score_known
                        ? sk_asprintf("not run: %s; score renormalized over %.2f of the weight",
                                      note.data, out->weight_scored)
                        : sk_asprintf("not run: %s; no score", note.data);
    }
    sk_buf_done(&note);
    return SK_OK;
}

void task_eval_done(TaskEval *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        free(e->items[i].id);
        free(e->items[i].name);
        free(e->items[i].method);
        free(e->items[i].detail);
        json_decref(e->items[i].checkpoints);
    }
    free(e->items);
    free(e->note);
    memset(e, 0, sizeof *e);
}

json_t *task_eval_to_json(const TaskEval *e)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < e->n; i++) {
        const TaskCriterion *c = &e->items[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "id", c->id, "name",
                              c->name ? c->name : "", "method", c->method, "status",
                              c->status == TASK_CRIT_SCORED ? "scored" : "not-run", "pass",
                              c->pass, "detail", c->detail ? c->detail : "");
        json_object_set_new(o, "weight", c->weight >= 0 ? json_real(c->weight) : json_null());
        json_object_set_new(o, "score",
                            c->status == TASK_CRIT_SCORED ? json_real(c->score) : json_null());
        if (c->checkpoints)
            json_object_set(o, "checkpoints", c->checkpoints);
        json_array_append_new(arr, o);
    }
    json_t *j = json_pack("{s:o, s:b, s:f, s:o}", "score",
                          e->score_known ? json_real(e->score) : json_null(), "pass", e->pass,
                          "weight_scored", e->weight_scored, "criteria", arr);
    if (e->note)
        json_object_set_new(j, "note", json_string(e->note));
    return j;
}
