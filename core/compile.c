/* compile.c: pass registry and orchestrator of the ahead-of-time compiler (see compile.h). */
#include "core/compile.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/js.h"
#include "core/llm.h"
#include "core/pass_caps.h"
#include "core/pass_env.h"
#include "core/pass_plan.h"
#include "core/variant_name.h"
#include "core/variants.h"

/* ---- the registry ---- */

static const CompilePass compile_registry[] = {
    {
        .id = "capabilities",
        .alias = "rewrite-skill",
        .number = 1,
        .description = "requirements, gaps against the target profile, rewrite with guidance",
        .consumes = COMPILE_ART_SKILL | COMPILE_ART_BUNDLE,
        .produces = COMPILE_ART_SKILL | COMPILE_ART_REQUIREMENTS | COMPILE_ART_GAPS,
        .needs_profile = true,
        .run = pass_caps_run,
    },
    {
        .id = "environment",
        .alias = "bind-env",
        .number = 2,
        .description = "dependencies, presence checks, an idempotent env-setup.sh",
        .consumes = COMPILE_ART_SKILL | COMPILE_ART_BUNDLE,
        .produces = COMPILE_ART_DEPENDENCIES | COMPILE_ART_ENV_SCRIPT,
        .needs_profile = false,
        .run = pass_env_run,
    },
    {
        .id = "plan",
        .alias = "extract-parallelism",
        .number = 3,
        .description = "workflow steps as a DAG with parallel groups and the critical path",
        .consumes = COMPILE_ART_SKILL,
        .produces = COMPILE_ART_SKILL | COMPILE_ART_PLAN,
        .needs_profile = false,
        .run = pass_plan_run,
    },
};

static const char *const artifact_names[] = {
    "skill", "bundle", "requirements", "gaps", "dependencies", "env-script", "plan",
};

char *compile_artifact_names(unsigned mask)
{
    SkBuf b = SK_BUF_INIT;
    for (size_t i = 0; i < SK_ARRAY_LEN(artifact_names); i++)
        if (mask & (1u << i))
            sk_buf_printf(&b, "%s%s", b.len ? "," : "", artifact_names[i]);
    return b.data ? sk_buf_steal(&b) : sk_strdup("");
}

const CompilePass *compile_passes(size_t *count)
{
    *count = SK_ARRAY_LEN(compile_registry);
    return compile_registry;
}

const CompilePass *compile_pass_find(const char *token)
{
    if (!token || !*token)
        return NULL;
    bool numeric = true;
    for (const char *c = token; *c; c++)
        numeric &= isdigit((unsigned char)*c) != 0;
    for (size_t i = 0; i < SK_ARRAY_LEN(compile_registry); i++) {
        const CompilePass *p = &compile_registry[i];
        if (numeric ? atoi(token) == p->number
                    : (!strcmp(token, p->id) || (p->alias && !strcmp(token, p->alias))))
            return p;
    }
    return NULL;
}

SkStatus compile_registry_check(SkError *err)
{
    SkBuf b = SK_BUF_INIT;
    size_t n = SK_ARRAY_LEN(compile_registry);
    for (size_t i = 0; i < n; i++) {
        const CompilePass *p = &compile_registry[i];
        if (p->number <= 0)
            sk_buf_printf(&b, "; pass %s: number %d is not positive", p->id, p->number);
        if (!p->run)
            sk_buf_printf(&b, "; pass %s has no run function", p->id);
        for (size_t j = i + 1; j < n; j++) {
            const CompilePass *q = &compile_registry[j];
            if (p->number == q->number)
                sk_buf_printf(&b, "; passes %s and %s share number %d", p->id, q->id,
                              p->number);
            if (!strcmp(p->id, q->id))
                sk_buf_printf(&b, "; two passes have the id %s", p->id);
        }
        if (i > 0 && compile_registry[i - 1].number >= p->number)
            sk_buf_printf(&b, "; pass %s is out of number order", p->id);
    }
    SkStatus s = SK_OK;
    if (b.len)
        s = sk_error_set(err, SK_ERR_INTERNAL, "pass registry: %s", b.data + 2);
    sk_buf_done(&b);
    return s;
}

SkStatus compile_resolve_passes(const char *tokens, int *numbers, size_t *n, SkError *err)
{
    *n = 0;
    bool want[COMPILE_MAX_PASSES + 1] = {false};
    if (!tokens || !*tokens || !strcmp(tokens, "all")) {
        for (size_t i = 0; i < SK_ARRAY_LEN(compile_registry); i++)
            want[compile_registry[i].number] = true;
    } else {
        char *copy = sk_strdup(tokens);
        char *save = NULL;
        SkBuf bad = SK_BUF_INIT;
        for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
            const CompilePass *p = compile_pass_find(t);
            if (!p)
                sk_buf_printf(&bad, "%s'%s'", bad.len ? ", " : "", t);
            else
                want[p->number] = true;
        }
        free(copy);
        if (bad.len) {
            SkBuf known = SK_BUF_INIT;
            for (size_t i = 0; i < SK_ARRAY_LEN(compile_registry); i++)
                sk_buf_printf(&known, "%s%d %s", i ? ", " : "", compile_registry[i].number,
                              compile_registry[i].id);
            SkStatus s = sk_error_set(err, SK_ERR_INVALID, "unknown pass %s (passes: %s)",
                                      bad.data, known.data);
            sk_buf_done(&bad);
            sk_buf_done(&known);
            return s;
        }
        sk_buf_done(&bad);
    }
    /* what is consumed must come from the source or an earlier selected pass */
    unsigned have = COMPILE_ART_SKILL | COMPILE_ART_BUNDLE;
    for (size_t i = 0; i < SK_ARRAY_LEN(compile_registry); i++) {
        const CompilePass *p = &compile_registry[i];
        if (!want[p->number])
            continue;
        unsigned missing = p->consumes & ~have;
        if (missing) {
            char *names = compile_artifact_names(missing);
            SkStatus s = sk_error_set(err, SK_ERR_INVALID,
                                      "pass %d %s needs %s, which no earlier selected pass "
                                      "produces",
                                      p->number, p->id, names);
            free(names);
            return s;
        }
        have |= p->produces;
        numbers[(*n)++] = p->number;
    }
    if (*n == 0)
        return sk_error_set(err, SK_ERR_INVALID, "no pass selected");
    return SK_OK;
}

/* ---- context helpers ---- */

int compile_line_budget(int orig_lines)
{
    double f = orig_lines < 100 ? 2.0 : orig_lines < 200 ? 1.0 : 0.5;
    int b = (int)(orig_lines * f + 0.999);
    return b < 40 ? 40 : b;
}

SkStatus compile_ctx_set_text(CompileCtx *c, const char *text, SkError *err)
{
    char *p = sk_path_join(c->work_dir, "SKILL.md");
    SkStatus s = sk_write_file_atomic(p, text, strlen(text), err);
    free(p);
    if (s == SK_OK) {
        char *t = sk_strdup(text);
        free(c->text);
        c->text = t;
    }
    return s;
}

void compile_ctx_log(CompileCtx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = sk_vasprintf(fmt, ap);
    va_end(ap);
    if (c->messages)
        json_array_append_new(c->messages, json_string(m));
    if (c->opts->progress) {
        char *line = sk_asprintf("  %s", m);
        c->opts->progress(line, c->opts->progress_ud);
        free(line);
    }
    free(m);
}

int compile_ctx_lines_left(const CompileCtx *c)
{
    int added = compile_count_lines(c->text) - compile_count_lines(c->source->content);
    return c->added_budget - added;
}

/* ---- the compiler model ---- */

/* JSON from a text answer: fences stripped, the outermost {...}. New ref or NULL. */
static json_t *json_from_text(const char *text)
{
    const char *a = strchr(text, '{'), *b = strrchr(text, '}');
    if (!a || !b || b < a)
        return NULL;
    json_t *j = NULL;
    if (js_parse(a, (size_t)(b - a + 1), &j, NULL) != SK_OK)
        return NULL;
    return j;
}

SkStatus compile_ctx_ask_json(CompileCtx *c, const char *tool, const char *description,
                              json_t *schema, const char *system, const char *user,
                              CompileValidateFn validate, void *ud, json_t **out, SkError *err)
{
    *out = NULL;
    if (!c->llm)
        return sk_error_set(err, SK_ERR_CONFIG, "no compiler model");
    LlmRequest req;
    llm_request_init(&req, c->compiler_model);
    llm_request_set_system(&req, system);
    llm_request_add_user_text(&req, user);
    llm_request_add_tool(&req, tool, description, schema);
    req.tool_choice = LLM_TOOL_CHOICE_NAMED;
    req.tool_choice_name = sk_strdup(tool);
    req.temperature = 0;
    req.max_tokens = 8192;
    SkStatus s = SK_OK;
    char *problem = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        LlmResponse resp;
        LlmCallOptions call;
        llm_call_options_init(&call);
        call.cancel = c->opts->cancel;
        s = llm_complete(c->llm, &req, &resp, &call, err);
        c->tokens_in += resp.usage.input_tokens + resp.usage.cache_read_tokens +
                       resp.usage.cache_write_tokens;
        c->tokens_out += resp.usage.output_tokens;
        if (s != SK_OK) {
            llm_response_done(&resp);
            sk_error_prefix(err, "compiler model (%s)", tool);
            break;
        }
        json_t *val = NULL;
        free(problem);
        problem = NULL;
        const char *call_id = NULL;
        for (size_t i = 0; i < resp.n_tool_calls && !val; i++) {
            if (!sk_str_eq(resp.tool_calls[i].name, tool))
                continue;
            call_id = resp.tool_calls[i].id;
            const char *args = resp.tool_calls[i].arguments ? resp.tool_calls[i].arguments : "";
            SkError perr;
            if (js_parse(args, strlen(args), &val, &perr) != SK_OK)
                problem = sk_asprintf("the %s arguments are not valid JSON (%s)", tool,
                                      perr.msg);
        }
        if (!val && !problem) {
            val = json_from_text(resp.text ? resp.text : "");
            if (!val)
                problem = sk_asprintf("no %s call and no JSON object in the answer", tool);
        }
        if (val && !json_is_object(val)) {
            problem = sk_asprintf("the %s arguments must be a JSON object", tool);
            json_decref(val);
            val = NULL;
        }
        if (val && !problem)
            problem = validate ? validate(val, ud) : NULL;
        if (!problem) {
            *out = val;
            llm_response_done(&resp);
            break;
        }
        json_decref(val);
        compile_ctx_log(c, "compiler model output for %s is invalid (%s)%s", tool, problem,
                        attempt == 0 ? "; asking once for a repair" : "");
        if (attempt == 0) {
            llm_request_add_response(&req, &resp);
            char *fix = sk_asprintf("That output is invalid: %s. Call %s again with corrected "
                                    "arguments that follow the schema exactly.",
                                    problem, tool);
            if (call_id)
                llm_request_add_tool_result(&req, call_id, fix, true);
            else
                llm_request_add_user_text(&req, fix);
            free(fix);
        } else {
            s = sk_error_set(err, SK_ERR_BAD_RESPONSE,
                             "the compiler model's %s output is invalid after one repair "
                             "attempt: %s",
                             tool, problem);
        }
        llm_response_done(&resp);
    }
    free(problem);
    llm_request_done(&req);
    return s;
}

/* ---- result ---- */

void compile_result_done(CompileResult *r)
{
    if (!r)
        return;
    free(r->error);
    free(r->skill);
    free(r->branch);
    free(r->input_key);
    free(r->keep_dir);
    json_decref(r->guard);
    json_decref(r->passes);
    json_decref(r->artifacts);
    memset(r, 0, sizeof *r);
}

json_t *compile_result_to_json(const CompileResult *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_boolean(r->ok));
    json_object_set_new(o, "skill", json_string(r->skill ? r->skill : ""));
    json_object_set_new(o, "branch", json_string(r->branch ? r->branch : ""));
    json_object_set_new(o, "commit", r->commit[0] ? json_string(r->commit) : json_null());
    json_object_set_new(o, "created", json_boolean(r->created));
    json_object_set_new(o, "up_to_date", json_boolean(r->up_to_date));
    json_object_set_new(o, "rejected", json_boolean(r->rejected));
    json_object_set_new(o, "failed_pass", r->failed_pass ? json_integer(r->failed_pass)
                                                         : json_null());
    json_object_set_new(o, "error", r->error ? json_string(r->error) : json_null());
    json_object_set_new(o, "input", json_string(r->input_key ? r->input_key : ""));
    json_object_set_new(o, "kept_at", r->keep_dir ? json_string(r->keep_dir) : json_null());
    json_object_set(o, "guard", r->guard ? r->guard : json_null());
    json_object_set(o, "passes", r->passes ? r->passes : json_array());
    json_object_set(o, "artifacts", r->artifacts ? r->artifacts : json_object());
    json_object_set_new(o, "duration_ms", json_integer(r->duration_ms));
    return o;
}

/* ---- orchestrator ---- */

static void progress(const CompileOptions *o, const char *fmt, ...) ATTR_FORMAT(2, 3);
static void progress(const CompileOptions *o, const char *fmt, ...)
{
    if (!o->progress)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *m = sk_vasprintf(fmt, ap);
    va_end(ap);
    o->progress(m, o->progress_ud);
    free(m);
}

static char *input_key(const CompileOptions *o, const Skill *s, const char *passes,
                       const char *harness, const char *model, const Tcp *t)
{
    json_t *k = json_object();
    json_object_set_new(k, "compiler", json_string(COMPILE_VERSION));
    json_object_set_new(k, "source", json_string(s->hash));
    json_object_set_new(k, "passes", json_string(passes));
    json_object_set_new(k, "model", json_string(model));
    json_object_set_new(k, "harness", json_string(harness));
    json_object_set_new(k, "compiler_model",
                        json_string(o->compiler_model ? o->compiler_model : "offline"));
    json_object_set_new(k, "verify_env", json_boolean(o->verify_env));
    if (t) {
        json_t *tj = tcp_to_json(t);
        char *txt = js_dump_canonical(tj);
        char hex[65];
        sk_sha256_hex(txt, strlen(txt), hex);
        json_object_set_new(k, "profile", json_string(hex));
        free(txt);
        json_decref(tj);
    }
    char *txt = js_dump_canonical(k);
    char hex[65];
    sk_sha256_hex(txt, strlen(txt), hex);
    free(txt);
    json_decref(k);
    return sk_strdup(hex);
}

static SkStatus write_artifacts(CompileCtx *c, json_t *pass_log, json_t *guard, SkError *err)
{
    char *dir = sk_path_join(c->work_dir, "_artifacts");
    SkStatus s = sk_rm_rf(dir, err);
    if (s == SK_OK)
        s = sk_mkdir_p(dir, err);
    static const struct {
        const char *key, *file;
    } files[] = {
        {"requirements", "requirements.json"},
        {"gaps", "gaps.json"},
        {"dependencies", "dependencies.json"},
        {"plan", "plan.json"},
    };
    for (size_t i = 0; i < SK_ARRAY_LEN(files) && s == SK_OK; i++) {
        json_t *v = json_object_get(c->artifacts, files[i].key);
        if (!v)
            continue;
        char *p = sk_path_join(dir, files[i].file);
        s = js_save_file(p, v, err);
        free(p);
    }
    if (s == SK_OK && c->env_script) {
        char *p = sk_path_join(dir, "env-setup.sh");
        s = sk_write_file_atomic(p, c->env_script, strlen(c->env_script), err);
        if (s == SK_OK)
            chmod(p, 0755);
        free(p);
    }
    if (s == SK_OK) {
        /* the deterministic part of the log (no durations: same inputs, same tree) */
        json_t *log = json_object();
        json_t *arr = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(pass_log, i, e) {
            json_t *x = json_deep_copy(e);
            json_object_del(x, "duration_ms");
            json_array_append_new(arr, x);
        }
        json_object_set_new(log, "compiler", json_string(COMPILE_VERSION));
        json_object_set_new(log, "passes", arr);
        json_object_set(log, "guard", guard);
        char *p = sk_path_join(dir, "pass-log.json");
        s = js_save_file(p, log, err);
        free(p);
        json_decref(log);
    }
    free(dir);
    return s;
}

/* One rule for the store name, shared with the store's readers (core/variant_name.h). */
static char *skill_store_name(const Skill *s)
{
    return variant_name_of_skill(s);
}

static char *passes_string(const int *nums, size_t n)
{
    SkBuf b = SK_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        sk_buf_printf(&b, "%s%d", i ? "," : "", nums[i]);
    return sk_buf_steal(&b);
}

static char *keep_rejected(const CompileOptions *o, const char *skill, const char *work)
{
    char *home = o->home ? sk_strdup(o->home) : sk_home_dir();
    char stamp[32];
    sk_stamp(sk_wall_ms(), stamp, sizeof stamp);
    char *dst = sk_asprintf("%s/variants/.rejected/%s-%s-%d", home, skill, stamp,
                            (int)(sk_now_ms() % 100000));
    free(home);
    char *parent = sk_path_dir(dst);
    sk_mkdir_p(parent, NULL);
    free(parent);
    if (rename(work, dst) != 0 && sk_copy_tree(work, dst, NULL) != SK_OK) {
        free(dst);
        return NULL;
    }
    sk_rm_rf(work, NULL);
    return dst;
}

SkStatus compile_run(const CompileOptions *o, CompileResult *r, SkError *err)
{
    memset(r, 0, sizeof *r);
    int64_t t0 = sk_now_ms();
    r->passes = json_array();
    r->artifacts = json_object();
    SkStatus s = compile_registry_check(err);
    if (s != SK_OK)
        return s;
    if (!o->skill_dir || !*o->skill_dir)
        return sk_error_set(err, SK_ERR_INVALID, "no skill folder given");
    if (!o->model || !*o->model)
        return sk_error_set(err, SK_ERR_INVALID, "no target model given (--model MODEL)");
    const char *harness = o->harness && *o->harness ? o->harness : TCP_DEFAULT_HARNESS;
    for (const char *h = harness; *h; h++)
        if (!isalnum((unsigned char)*h) && *h != '-' && *h != '_' && *h != '.')
            return sk_error_set(err, SK_ERR_INVALID, "harness '%s': use letters, digits, '-', "
                                "'_' and '.'", harness);
    const char *cmodel = o->compiler_model && *o->compiler_model &&
                                 strcmp(o->compiler_model, "offline")
                             ? o->compiler_model
                             : NULL;
    int nums[COMPILE_MAX_PASSES];
    size_t npass = 0;
    s = compile_resolve_passes(o->passes, nums, &npass, err);
    if (s != SK_OK)
        return s;
    unsigned selected = 0;
    bool need_profile = false;
    for (size_t i = 0; i < npass; i++) {
        selected |= 1u << nums[i];
    }
    for (size_t i = 0; i < npass; i++) {
        char tok[16];
        snprintf(tok, sizeof tok, "%d", nums[i]);
        need_profile |= compile_pass_find(tok)->needs_profile;
    }

    /* the skill and the profile, before any side effect */
    Skill *skill = NULL;
    s = skill_load(o->skill_dir, &skill, err);
    if (s != SK_OK)
        return s;
    r->skill = skill_store_name(skill);
    Tcp *owned_tcp = NULL;
    TcpIndex *idx = NULL;
    const Tcp *tcp = o->profile;
    /* the canonical model id: what the user typed may be a short form ("qwen3.5-9b") that
     * the profile index resolves to "qwen/qwen3.5-9b"; branches and provenance use the id */
    const char *model = o->model;
    if (need_profile && !tcp) {
        if (o->profile_path) {
            s = tcp_load_file(o->profile_path, &owned_tcp, err);
            tcp = owned_tcp;
        } else {
            s = tcp_index_load(o->home, &idx, err);
            if (s == SK_OK) {
                tcp = tcp_index_find(idx, model, harness);
                if (tcp && tcp->harness && strcmp(tcp->harness, harness))
                    tcp = NULL;
                if (!tcp)
                    s = sk_error_set(err, SK_ERR_NOT_FOUND,
                                     "no capability profile for %s on %s: profile it with "
                                     "'skvm profile run %s', give one with --profile "
                                     "FILE, or leave out pass 1 (--passes 2,3)",
                                     o->model, harness, o->model);
            }
        }
    } else if (!tcp && tcp_index_load(o->home, &idx, NULL) == SK_OK) {
        const Tcp *known = tcp_index_find(idx, model, harness);
        if (known && known->model && known->harness && !strcmp(known->harness, harness))
            model = known->model;
    }
    if (need_profile) {
        if (s == SK_OK && tcp && tcp->is_partial)
            s = sk_error_set(err, SK_ERR_INVALID,
                             "the profile of %s is partial; finish profiling first", model);
    }
    if (tcp && tcp->model && *tcp->model)
        model = tcp->model;
    r->branch = variants_branch(harness, model);
    char *passes = passes_string(nums, npass);
    char *work = NULL;
    LlmClient *owned_llm = NULL;
    CompileCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    if (s != SK_OK)
        goto out;
    r->input_key = input_key(o, skill, passes, harness, model, need_profile ? tcp : NULL);

    if (!o->force && !o->no_commit) {
        char found[41];
        if (variants_find_input(o->home, r->skill, harness, model, r->input_key, found,
                                NULL) == SK_OK) {
            memcpy(r->commit, found, 41);
            r->ok = true;
            r->up_to_date = true;
            /* the stored artifacts, so callers see the same result as after a compile */
            static const char *const keys[][2] = {{"requirements", "requirements.json"},
                                                  {"gaps", "gaps.json"},
                                                  {"dependencies", "dependencies.json"},
                                                  {"plan", "plan.json"}};
            for (size_t i = 0; i < SK_ARRAY_LEN(keys); i++) {
                char *path = sk_asprintf("_artifacts/%s", keys[i][1]);
                char *text = NULL;
                json_t *j = NULL;
                if (variants_read_file(o->home, r->skill, found, path, &text, NULL) == SK_OK &&
                    js_parse(text, strlen(text), &j, NULL) == SK_OK)
                    json_object_set_new(r->artifacts, keys[i][0], j);
                free(text);
                free(path);
            }
            progress(o, "up to date: %s:%s is %.12s, compiled from the same inputs", r->skill,
                     r->branch, found);
            goto out;
        }
    }

    /* scratch copy */
    work = sk_mkdtemp("skvm-compile-");
    if (!work) {
        s = sk_error_set(err, SK_ERR_IO, "cannot create a scratch folder");
        goto out;
    }
    s = sk_copy_tree(skill->dir, work, err);
    if (s == SK_OK) {
        char *g = sk_path_join(work, ".git");
        sk_rm_rf(g, NULL);
        free(g);
        g = sk_path_join(work, "_artifacts");
        sk_rm_rf(g, NULL);
        free(g);
        /* the canonical text (CRLF folded, BOM dropped) */
        char *p = sk_path_join(work, "SKILL.md");
        s = sk_write_file_atomic(p, skill->content, skill->content_len, err);
        free(p);
    }
    if (s != SK_OK)
        goto out;

    ctx.opts = o;
    ctx.source = skill;
    ctx.profile = need_profile ? tcp : NULL;
    ctx.harness = harness;
    ctx.compiler_model = cmodel;
    ctx.work_dir = work;
    ctx.text = sk_strdup(skill->content);
    ctx.artifacts = r->artifacts;
    ctx.added_budget = compile_line_budget(compile_count_lines(skill->content));
    ctx.selected = selected;
    if (cmodel) {
        if (o->llm) {
            ctx.llm = o->llm;
        } else {
            LlmClientOptions lo;
            llm_client_options_init(&lo);
            lo.home = o->home;
            owned_llm = llm_client_new(&lo);
            if (!owned_llm) {
                s = sk_error_set(err, SK_ERR_CONFIG, "cannot start the model client");
                goto out;
            }
            ctx.llm = owned_llm;
        }
    }

    progress(o, "compile %s for %s (%s), passes %s%s", r->skill, model, harness, passes,
             cmodel ? "" : ", offline");
    for (size_t i = 0; i < npass; i++) {
        char tok[16];
        snprintf(tok, sizeof tok, "%d", nums[i]);
        const CompilePass *p = compile_pass_find(tok);
        json_t *entry = json_object();
        json_object_set_new(entry, "id", json_string(p->id));
        json_object_set_new(entry, "number", json_integer(p->number));
        char *prod = compile_artifact_names(p->produces);
        json_object_set_new(entry, "produces", json_string(prod));
        free(prod);
        if (o->cancel && *o->cancel) {
            json_decref(entry);
            r->error = sk_strdup("cancelled");
            progress(o, "cancelled before pass %d %s", p->number, p->id);
            s = sk_error_set(err, SK_ERR_CANCELLED, "compile cancelled before pass %d %s",
                             p->number, p->id);
            goto out;
        }
        ctx.messages = json_array();
        ctx.summary = json_object();
        progress(o, "pass %d %s", p->number, p->id);
        int64_t ps = sk_now_ms();
        SkError perr;
        sk_error_clear(&perr);
        SkStatus ss = p->run(&ctx, &perr);
        json_object_set_new(entry, "status", json_string(ss == SK_OK ? "ok" : "failed"));
        json_object_set_new(entry, "summary", ctx.summary);
        json_object_set_new(entry, "messages", ctx.messages);
        json_object_set_new(entry, "duration_ms", json_integer(sk_now_ms() - ps));
        if (ctx.llm)
            json_object_set_new(entry, "tokens", json_pack("{s:I,s:I}", "input",
                                                           (json_int_t)ctx.tokens_in, "output",
                                                           (json_int_t)ctx.tokens_out));
        ctx.tokens_in = ctx.tokens_out = 0;
        if (ss != SK_OK)
            json_object_set_new(entry, "error", json_string(perr.msg));
        json_array_append_new(r->passes, entry);
        ctx.messages = ctx.summary = NULL;
        if (ss != SK_OK) {
            r->failed_pass = p->number;
            r->error = sk_asprintf("pass %d %s failed: %s", p->number, p->id, perr.msg);
            progress(o, "%s", r->error);
            s = sk_error_set(err, ss, "%s", r->error);
            goto out;
        }
        progress(o, "pass %d %s: ok", p->number, p->id);
    }

    /* the guard */
    json_t *reqs = js_arr(js_obj(r->artifacts, "requirements"), "requirements");
    r->guard = pass_caps_guard(skill->content, ctx.text, reqs, ctx.added_budget);
    bool guard_ok = js_bool(r->guard, "passed", false);
    s = write_artifacts(&ctx, r->passes, r->guard, err);
    if (s != SK_OK)
        goto out;
    if (!guard_ok) {
        r->rejected = true;
        SkBuf why = SK_BUF_INIT;
        size_t i;
        json_t *v;
        json_array_foreach(js_arr(r->guard, "violations"), i, v)
            sk_buf_printf(&why, "%s%s", i ? "; " : "", json_string_value(v));
        r->error = sk_asprintf("the guard rejected the variant: %s", why.data);
        sk_buf_done(&why);
        r->keep_dir = keep_rejected(o, r->skill, work);
        if (r->keep_dir) {
            free(work);
            work = NULL;
        }
        progress(o, "%s", r->error);
        goto out;
    }
    progress(o, "guard: pass (%lld lines added, budget %lld)",
             js_int(r->guard, "added_lines", 0), js_int(r->guard, "budget", 0));
    if (o->no_commit) {
        r->keep_dir = work;
        work = NULL;
        r->ok = true;
        goto out;
    }

    /* commit */
    {
        VariantProvenance prov = {0};
        prov.source_hash = skill->hash;
        prov.passes = passes;
        prov.model = (char *)model;
        prov.harness = (char *)harness;
        prov.compiler_model = (char *)(cmodel ? cmodel : "offline");
        prov.profile_version = (char *)(ctx.profile && ctx.profile->profiled_at
                                            ? ctx.profile->profiled_at
                                            : "");
        prov.guard = (char *)"pass";
        prov.input = r->input_key;
        prov.skvm_version = (char *)SKVM_VERSION;
        json_t *gaps = js_arr(js_obj(r->artifacts, "gaps"), "gaps");
        json_t *deps = js_arr(js_obj(r->artifacts, "dependencies"), "dependencies");
        json_t *plan = js_obj(r->artifacts, "plan");
        char *summary = sk_asprintf("compile %s for %s (%s): passes %s, guard pass", r->skill,
                                    model, harness, passes);
        SkBuf body = SK_BUF_INIT;
        size_t i;
        json_t *e;
        json_array_foreach(r->passes, i, e) {
            sk_buf_printf(&body, "Pass %lld %s:", js_int(e, "number", 0), js_str(e, "id", ""));
            size_t k;
            json_t *m;
            json_array_foreach(js_arr(e, "messages"), k, m)
                sk_buf_printf(&body, "%s%s", k ? "; " : " ", json_string_value(m));
            sk_buf_putc(&body, '\n');
        }
        if (gaps)
            sk_buf_printf(&body, "Gaps: %zu; dependencies: %zu; plan steps: %zu.\n",
                          json_array_size(gaps), json_array_size(deps),
                          json_array_size(js_arr(plan, "steps")));
        VariantCommit vc = {
            .home = o->home,
            .skill = r->skill,
            .source_dir = skill->dir,
            .compiled_dir = work,
            .prov = &prov,
            .summary = summary,
            .body = body.data,
        };
        VariantCommitResult vr;
        s = variants_commit(&vc, &vr, err);
        free(summary);
        sk_buf_done(&body);
        if (vr.commit[0])
            memcpy(r->commit, vr.commit, 41);
        r->created = vr.created;
        variants_commit_result_done(&vr);
        if (s != SK_OK && r->commit[0]) {
            /* committed, but the store could not record it: say so, keep the variant */
            progress(o, "warning: %s", err ? err->msg : "the store did not record the variant");
            s = SK_OK;
        }
        if (s == SK_OK) {
            r->ok = r->commit[0] != 0;
            progress(o, "%s %s:%s %.12s", r->created ? "committed" : "unchanged", r->skill,
                     r->branch, r->commit);
        }
    }

out:
    if (work) {
        sk_rm_rf(work, NULL);
        free(work);
    }
    free(ctx.text);
    free(ctx.env_script);
    llm_client_free(owned_llm);
    free(passes);
    tcp_free(owned_tcp);
    tcp_index_free(idx);
    skill_free(skill);
    r->duration_ms = sk_now_ms() - t0;
    return s;
}
