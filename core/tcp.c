/* tcp.c: Target Capability Profiles in the reference SkVM's JSON layout: lenient loading,
 * serialization with the reference's field order, saving (latest + archive), and the index
 * of every profile the user has ($SKVM_HOME/profiles) or skvm ships (<repo>/profiles). */
#include "core/tcp.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/js.h"

/* ---- private types ---- */

struct TcpIndex {
    SkVec items;    /* Tcp *, owned, sorted by harness then model */
    SkVec problems; /* char *, owned */
};

/* ---- levels and slugs ---- */

int tcp_level_parse(const char *s)
{
    if (!s || (s[0] != 'L' && s[0] != 'l') || s[1] < '0' || s[1] > '3' || s[2] != '\0')
        return -1;
    return s[1] - '0';
}

const char *tcp_level_name(int level)
{
    static const char *const names[] = {"L0", "L1", "L2", "L3"};
    return level >= 0 && level <= 3 ? names[level] : "L?";
}

char *tcp_model_slug(const char *model)
{
    SkBuf b = SK_BUF_INIT;
    sk_buf_reserve(&b, strlen(model) + 8);
    for (const char *p = model; *p; p++) {
        if (*p == '/')
            sk_buf_puts(&b, "--");
        else if (*p == ':')
            sk_buf_putc(&b, '_');
        else
            sk_buf_putc(&b, *p);
    }
    return sk_buf_steal(&b);
}

/* ---- objects ---- */

static void tcp_detail_free(void *p)
{
    TcpDetail *d = p;
    if (!d)
        return;
    free(d->primitive_id);
    for (int i = 0; i < d->nlevels; i++) {
        free(d->levels[i].test_description);
        sk_vec_done(&d->levels[i].failure_details);
        json_decref(d->levels[i].failure_artifacts);
    }
    free(d->conv_log_dir);
    free(d->calibration_note);
    free(d);
}

static void tcp_free_void(void *p)
{
    tcp_free(p);
}

Tcp *tcp_new(const char *model, const char *harness)
{
    Tcp *t = sk_calloc(1, sizeof *t);
    t->version = sk_strdup("1.0");
    t->model = model ? sk_strdup(model) : NULL;
    t->harness = sk_strdup(harness ? harness : TCP_DEFAULT_HARNESS);
    for (int i = 0; i < CATALOG_COUNT; i++)
        t->caps[i] = -1;
    t->extra_caps = json_object();
    sk_vec_init(&t->details, tcp_detail_free);
    return t;
}

void tcp_free(Tcp *t)
{
    if (!t)
        return;
    free(t->version);
    free(t->model);
    free(t->harness);
    free(t->profiled_at);
    json_decref(t->extra_caps);
    sk_vec_done(&t->details);
    free(t->source_path);
    free(t);
}

/* ---- loading ---- */

static char *tcp_dup_str(const json_t *obj, const char *key)
{
    const char *s = js_str(obj, key, NULL);
    return s ? sk_strdup(s) : NULL;
}

/* A level given as "L2" (or, leniently, as the number 2). -1 when neither. */
static int tcp_level_of(const json_t *v)
{
    if (json_is_string(v))
        return tcp_level_parse(json_string_value(v));
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 3)
        return (int)json_integer_value(v);
    return -1;
}

static void tcp_level_from_json(TcpLevelResult *r, const json_t *j, int level)
{
    memset(r, 0, sizeof *r);
    r->level = level;
    r->passed = js_bool(j, "passed", false);
    r->pass_count = (int)js_int(j, "passCount", 0);
    r->total_count = (int)js_int(j, "totalCount", 0);
    r->skip_count = (int)js_int(j, "skipCount", 0);
    r->duration_ms = js_num(j, "durationMs", 0);
    r->cost_usd = js_num(j, "costUsd", 0);
    r->test_description = tcp_dup_str(j, "testDescription");
    sk_vec_init(&r->failure_details, free);
    json_t *fd = js_arr(j, "failureDetails");
    size_t i;
    json_t *v;
    json_array_foreach(fd, i, v)
    {
        if (json_is_string(v))
            sk_vec_push(&r->failure_details, sk_strdup(json_string_value(v)));
        else
            sk_vec_push(&r->failure_details, js_dump_compact(v));
    }
    json_t *fa = js_arr(j, "failureArtifacts");
    r->failure_artifacts = fa ? json_deep_copy(fa) : NULL;
}

static TcpDetail *tcp_detail_from_json(const json_t *j)
{
    const char *id = js_str(j, "primitiveId", NULL);
    if (!id || !*id)
        return NULL;
    TcpDetail *d = sk_calloc(1, sizeof *d);
    d->primitive_id = sk_strdup(id);
    json_t *lrs = js_arr(j, "levelResults");
    size_t i;
    json_t *lr;
    int best = 0;
    json_array_foreach(lrs, i, lr)
    {
        if (d->nlevels == 3)
            break;
        int level = tcp_level_of(json_object_get(lr, "level"));
        if (!json_is_object(lr) || level < 1)
            continue;
        tcp_level_from_json(&d->levels[d->nlevels++], lr, level);
        if (d->levels[d->nlevels - 1].passed && level > best)
            best = level;
    }
    int hl = tcp_level_of(json_object_get(j, "highestLevel"));
    d->highest = hl >= 0 ? hl : best;
    d->conv_log_dir = tcp_dup_str(j, "convLogDir");
    d->calibration_note = tcp_dup_str(j, "calibrationNote");
    return d;
}

SkStatus tcp_from_json(const json_t *j, Tcp **out, SkError *err)
{
    *out = NULL;
    if (!json_is_object(j))
        return sk_error_set(err, SK_ERR_INVALID, "not a profile (expected a JSON object)");
    json_t *caps = js_obj(j, "capabilities");
    json_t *details = js_arr(j, "details");
    if (!caps && !details)
        return sk_error_set(err, SK_ERR_INVALID,
                            "not a profile (no \"capabilities\" object and no \"details\" "
                            "array)");
    Tcp *t = tcp_new(NULL, NULL);
    free(t->version);
    free(t->harness);
    t->version = tcp_dup_str(j, "version");
    t->model = tcp_dup_str(j, "model");
    t->harness = tcp_dup_str(j, "harness");
    t->profiled_at = tcp_dup_str(j, "profiledAt");

    const char *key;
    json_t *v;
    json_object_foreach(caps, key, v)
    {
        int idx = catalog_index(key);
        int level = tcp_level_of(v);
        if (idx >= 0) {
            if (level >= 0)
                t->caps[idx] = level;
        } else {
            json_object_set(t->extra_caps, key, v);
        }
    }
    size_t i;
    json_t *dj;
    json_array_foreach(details, i, dj)
    {
        if (!json_is_object(dj))
            continue;
        TcpDetail *d = tcp_detail_from_json(dj);
        if (!d)
            continue;
        sk_vec_push(&t->details, d);
        /* capabilities lacking a primitive that details have: take highestLevel */
        int idx = catalog_index(d->primitive_id);
        if (idx >= 0 && t->caps[idx] < 0)
            t->caps[idx] = d->highest;
        else if (idx < 0 && !json_object_get(t->extra_caps, d->primitive_id))
            json_object_set_new(t->extra_caps, d->primitive_id,
                                json_string(tcp_level_name(d->highest)));
    }

    json_t *cost = js_obj(j, "cost");
    t->total_usd = js_num(cost, "totalUsd", 0);
    t->duration_ms = js_num(cost, "durationMs", 0);
    json_t *tok = js_obj(cost, "totalTokens");
    t->tokens_input = js_int(tok, "input", 0);
    t->tokens_output = js_int(tok, "output", 0);
    t->tokens_cache_read = js_int(tok, "cacheRead", 0);
    t->tokens_cache_write = js_int(tok, "cacheWrite", 0);
    t->is_partial = js_bool(j, "isPartial", false);
    *out = t;
    return SK_OK;
}

SkStatus tcp_load_file(const char *path, Tcp **out, SkError *err)
{
    *out = NULL;
    json_t *j = NULL;
    SkStatus s = js_load_file(path, 0, &j, err);
    if (s != SK_OK)
        return s;
    s = tcp_from_json(j, out, err);
    json_decref(j);
    if (s != SK_OK)
        return sk_error_prefix(err, "%s", path);
    (*out)->source_path = sk_strdup(path);
    return SK_OK;
}

/* ---- serializing ---- */

/* Numbers as the reference (JavaScript) writes them: integral values without a fraction. */
static json_t *tcp_num(double v)
{
    if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return json_real(isfinite(v) ? v : 0);
}

static json_t *tcp_level_to_json(const TcpLevelResult *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "level", json_string(tcp_level_name(r->level)));
    json_object_set_new(o, "passed", json_boolean(r->passed));
    json_object_set_new(o, "passCount", json_integer(r->pass_count));
    json_object_set_new(o, "totalCount", json_integer(r->total_count));
    json_object_set_new(o, "skipCount", json_integer(r->skip_count));
    json_object_set_new(o, "durationMs", tcp_num(r->duration_ms));
    json_object_set_new(o, "costUsd", tcp_num(r->cost_usd));
    json_object_set_new(o, "testDescription",
                        json_string(r->test_description ? r->test_description : ""));
    json_t *fd = json_array();
    for (size_t i = 0; i < r->failure_details.len; i++) {
        json_t *s = json_string(sk_vec_get(&r->failure_details, i));
        json_array_append_new(fd, s ? s : json_string("<invalid UTF-8>"));
    }
    json_object_set_new(o, "failureDetails", fd);
    if (r->failure_artifacts)
        json_object_set_new(o, "failureArtifacts", json_deep_copy(r->failure_artifacts));
    return o;
}

static void tcp_put_cap(const Tcp *t, json_t *caps, const char *id)
{
    if (json_object_get(caps, id))
        return;
    int idx = catalog_index(id);
    if (idx >= 0) {
        if (t->caps[idx] >= 0)
            json_object_set_new(caps, id, json_string(tcp_level_name(t->caps[idx])));
    } else {
        json_t *v = json_object_get(t->extra_caps, id);
        if (v)
            json_object_set(caps, id, v);
    }
}

json_t *tcp_to_json(const Tcp *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(t->version ? t->version : "1.0"));
    json_object_set_new(o, "model", json_string(t->model ? t->model : ""));
    json_object_set_new(o, "harness", json_string(t->harness ? t->harness : TCP_DEFAULT_HARNESS));
    json_object_set_new(o, "profiledAt", json_string(t->profiled_at ? t->profiled_at : ""));

    /* capabilities: in details order (as the reference builds them), then the rest */
    json_t *caps = json_object();
    for (size_t i = 0; i < t->details.len; i++)
        tcp_put_cap(t, caps, ((TcpDetail *)sk_vec_get(&t->details, i))->primitive_id);
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    for (size_t i = 0; i < n; i++)
        tcp_put_cap(t, caps, all[i].id);
    const char *key;
    json_t *v;
    json_object_foreach(t->extra_caps, key, v)
    {
        tcp_put_cap(t, caps, key);
    }
    json_object_set_new(o, "capabilities", caps);

    json_t *details = json_array();
    for (size_t i = 0; i < t->details.len; i++) {
        const TcpDetail *d = sk_vec_get(&t->details, i);
        json_t *dj = json_object();
        json_object_set_new(dj, "primitiveId", json_string(d->primitive_id));
        json_object_set_new(dj, "highestLevel", json_string(tcp_level_name(d->highest)));
        json_t *lrs = json_array();
        for (int k = 0; k < d->nlevels; k++)
            json_array_append_new(lrs, tcp_level_to_json(&d->levels[k]));
        json_object_set_new(dj, "levelResults", lrs);
        if (d->calibration_note)
            json_object_set_new(dj, "calibrationNote", json_string(d->calibration_note));
        if (d->conv_log_dir)
            json_object_set_new(dj, "convLogDir", json_string(d->conv_log_dir));
        json_array_append_new(details, dj);
    }
    json_object_set_new(o, "details", details);

    json_t *cost = json_object();
    json_object_set_new(cost, "totalUsd", tcp_num(t->total_usd));
    json_t *tok = json_object();
    json_object_set_new(tok, "input", json_integer(t->tokens_input));
    json_object_set_new(tok, "output", json_integer(t->tokens_output));
    json_object_set_new(tok, "cacheRead", json_integer(t->tokens_cache_read));
    json_object_set_new(tok, "cacheWrite", json_integer(t->tokens_cache_write));
    json_object_set_new(cost, "totalTokens", tok);
    json_object_set_new(cost, "durationMs", tcp_num(t->duration_ms));
    json_object_set_new(o, "cost", cost);
    json_object_set_new(o, "isPartial", json_boolean(t->is_partial));
    return o;
}

/* "2026-04-03T11:39:57.566Z" -> "20260403T113957Z" (the reference's archive name). */
static void tcp_archive_stamp(const char *iso, char *out, size_t size)
{
    size_t k = 0;
    bool ok = iso && strlen(iso) >= 19;
    if (ok) {
        for (const char *p = iso; *p && *p != '.' && *p != 'Z' && *p != '+' && k + 2 < size; p++) {
            if (*p == '-' || *p == ':')
                continue;
            if (!(*p == 'T' || (*p >= '0' && *p <= '9'))) {
                ok = false;
                break;
            }
            out[k++] = *p;
        }
        ok = ok && k == 15;
    }
    if (!ok) {
        sk_stamp(sk_wall_ms(), out, size);
        return;
    }
    out[k++] = 'Z';
    out[k] = '\0';
}

SkStatus tcp_save(const Tcp *t, const char *home, SkError *err)
{
    if (!t->model || !*t->model)
        return sk_error_set(err, SK_ERR_INVALID, "cannot save a profile without a model id");
    char *slug = tcp_model_slug(t->model);
    if (strspn(slug, ".") == strlen(slug)) {
        free(slug);
        return sk_error_set(err, SK_ERR_INVALID, "model id '%s' cannot name a folder", t->model);
    }
    const char *harness = t->harness && *t->harness ? t->harness : TCP_DEFAULT_HARNESS;
    if (strchr(harness, '/') || strspn(harness, ".") == strlen(harness)) {
        free(slug);
        return sk_error_set(err, SK_ERR_INVALID, "harness '%s' cannot name a folder", harness);
    }
    char *h = home ? sk_strdup(home) : sk_home_dir();
    char *dir = sk_asprintf("%s/profiles/%s/%s", h, harness, slug);
    free(h);
    free(slug);
    json_t *j = tcp_to_json(t);
    SkStatus s = SK_OK;
    if (!t->is_partial) {
        char stamp[40];
        tcp_archive_stamp(t->profiled_at, stamp, sizeof stamp);
        char *arch = sk_asprintf("%s/v_%s.json", dir, stamp);
        s = js_save_file(arch, j, err);
        free(arch);
    }
    if (s == SK_OK) {
        char *latest = sk_path_join(dir, "latest.json");
        s = js_save_file(latest, j, err);
        free(latest);
    }
    json_decref(j);
    free(dir);
    return s;
}

/* ---- queries ---- */

int tcp_level(const Tcp *t, const char *primitive)
{
    int idx = catalog_index(primitive);
    if (idx >= 0)
        return t->caps[idx] >= 0 ? t->caps[idx] : 0;
    int l = tcp_level_of(json_object_get(t->extra_caps, primitive));
    return l >= 0 ? l : 0;
}

const TcpDetail *tcp_detail(const Tcp *t, const char *primitive)
{
    for (size_t i = 0; i < t->details.len; i++) {
        const TcpDetail *d = sk_vec_get(&t->details, i);
        if (sk_str_eq(d->primitive_id, primitive))
            return d;
    }
    return NULL;
}

/* ---- index ---- */

char *tcp_shipped_dir(void)
{
    const char *env = getenv("SKVM_PROFILES_DIR");
    if (env && *env)
        return sk_strdup(env);
    char *src = sk_path_join(SKVM_SOURCE_DIR, "profiles");
    if (sk_is_dir(src))
        return src;
    free(src);
    /* installed: <prefix>/bin/skvm -> <prefix>/share/skvm/profiles */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *bin = sk_path_dir(exe);
        char *prefix = sk_path_dir(bin);
        char *p = sk_path_join(prefix, "share/skvm/profiles");
        free(bin);
        free(prefix);
        if (sk_is_dir(p))
            return p;
        free(p);
    }
    return sk_strdup("/usr/local/share/skvm/profiles");
}

/* Model id from a folder slug when the file lacks one ("qwen--a" -> "qwen/a"). */
static char *tcp_unslug(const char *slug)
{
    SkBuf b = SK_BUF_INIT;
    sk_buf_puts(&b, "");
    for (const char *p = slug; *p; p++) {
        if (p[0] == '-' && p[1] == '-') {
            sk_buf_putc(&b, '/');
            p++;
        } else {
            sk_buf_putc(&b, *p);
        }
    }
    return sk_buf_steal(&b);
}

static int tcp_cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the sub-folders of DIR (empty when DIR is missing). */
static void tcp_list_dirs(const char *dir, SkVec *out)
{
    sk_vec_init(out, free);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = sk_path_join(dir, e->d_name);
        if (sk_is_dir(p))
            sk_vec_push(out, sk_strdup(e->d_name));
        free(p);
    }
    closedir(d);
    sk_vec_sort(out, tcp_cmp_name);
}

static bool tcp_index_has(const TcpIndex *idx, const char *harness, const char *model)
{
    char *slug = tcp_model_slug(model);
    bool found = false;
    for (size_t i = 0; i < idx->items.len && !found; i++) {
        const Tcp *t = sk_vec_get(&idx->items, i);
        if (!sk_str_eq(t->harness, harness))
            continue;
        char *s2 = tcp_model_slug(t->model);
        found = !strcmp(slug, s2);
        free(s2);
    }
    free(slug);
    return found;
}

static void tcp_index_scan(TcpIndex *idx, const char *root, bool shipped)
{
    SkVec harnesses;
    tcp_list_dirs(root, &harnesses);
    for (size_t i = 0; i < harnesses.len; i++) {
        const char *hname = sk_vec_get(&harnesses, i);
        char *hdir = sk_path_join(root, hname);
        SkVec models;
        tcp_list_dirs(hdir, &models);
        for (size_t k = 0; k < models.len; k++) {
            const char *mname = sk_vec_get(&models, k);
            char *path = sk_asprintf("%s/%s/latest.json", hdir, mname);
            if (!sk_is_file(path)) {
                free(path);
                continue;
            }
            Tcp *t = NULL;
            SkError err;
            if (tcp_load_file(path, &t, &err) != SK_OK) {
                sk_vec_push(&idx->problems, sk_strdup(err.msg));
                free(path);
                continue;
            }
            free(path);
            if (!t->model || !*t->model) {
                free(t->model);
                t->model = tcp_unslug(mname);
            }
            if (!t->harness || !*t->harness) {
                free(t->harness);
                t->harness = sk_strdup(hname);
            }
            t->shipped = shipped;
            if (tcp_index_has(idx, t->harness, t->model))
                tcp_free(t); /* hidden by the user's own profile (or a duplicate) */
            else
                sk_vec_push(&idx->items, t);
        }
        sk_vec_done(&models);
        free(hdir);
    }
    sk_vec_done(&harnesses);
}

static int tcp_cmp_profile(const void *a, const void *b)
{
    const Tcp *x = *(const Tcp *const *)a, *y = *(const Tcp *const *)b;
    int c = strcmp(x->harness, y->harness);
    return c ? c : strcmp(x->model, y->model);
}

SkStatus tcp_index_load(const char *home, TcpIndex **out, SkError *err)
{
    (void)err;
    TcpIndex *idx = sk_calloc(1, sizeof *idx);
    sk_vec_init(&idx->items, tcp_free_void);
    sk_vec_init(&idx->problems, free);
    char *h = home ? sk_strdup(home) : sk_home_dir();
    char *user = sk_path_join(h, "profiles");
    free(h);
    tcp_index_scan(idx, user, false);
    char *shipped = tcp_shipped_dir();
    if (strcmp(shipped, user) != 0)
        tcp_index_scan(idx, shipped, true);
    free(shipped);
    free(user);
    sk_vec_sort(&idx->items, tcp_cmp_profile);
    *out = idx;
    return SK_OK;
}

void tcp_index_free(TcpIndex *idx)
{
    if (!idx)
        return;
    sk_vec_done(&idx->items);
    sk_vec_done(&idx->problems);
    free(idx);
}

size_t tcp_index_count(const TcpIndex *idx)
{
    return idx->items.len;
}

const Tcp *tcp_index_get(const TcpIndex *idx, size_t i)
{
    return i < idx->items.len ? sk_vec_get(&idx->items, i) : NULL;
}

const SkVec *tcp_index_problems(const TcpIndex *idx)
{
    return &idx->problems;
}

/* The model id without an "openrouter/" prefix: copies count as the same model. */
static const char *tcp_canonical(const char *model)
{
    return sk_str_starts(model, "openrouter/") ? model + strlen("openrouter/") : model;
}

/* Does MODEL end with "/" + Q (or equal Q), case-insensitively? */
static bool tcp_segment_suffix(const char *model, const char *q)
{
    size_t n = strlen(model), m = strlen(q);
    if (m > n || strcasecmp(model + n - m, q) != 0)
        return false;
    return m == n || model[n - m - 1] == '/';
}

enum { TCP_MATCH_EXACT, TCP_MATCH_SLUG, TCP_MATCH_SUFFIX, TCP_MATCH_SUBSTR, TCP_MATCH_TIERS };

static bool tcp_matches(const Tcp *t, const char *q, int tier)
{
    switch (tier) {
    case TCP_MATCH_EXACT:
        return !strcmp(t->model, q);
    case TCP_MATCH_SLUG: {
        char *s = tcp_model_slug(t->model);
        bool r = !strcmp(s, q);
        free(s);
        return r;
    }
    case TCP_MATCH_SUFFIX:
        return tcp_segment_suffix(t->model, q);
    default:
        return sk_str_casestr(t->model, q) != NULL;
    }
}

/* Search one harness (or all, HARNESS NULL) tier by tier. */
static const Tcp *tcp_find_in(const TcpIndex *idx, const char *q, const char *harness)
{
    for (int tier = 0; tier < TCP_MATCH_TIERS; tier++) {
        const Tcp *best = NULL;
        bool ambiguous = false;
        for (size_t i = 0; i < idx->items.len; i++) {
            const Tcp *t = sk_vec_get(&idx->items, i);
            if (harness && strcmp(t->harness, harness) != 0)
                continue;
            if (!tcp_matches(t, q, tier))
                continue;
            if (!best) {
                best = t;
                continue;
            }
            if (tier <= TCP_MATCH_SLUG)
                continue; /* same id in several harnesses: the first (name order) */
            if (strcmp(tcp_canonical(best->model), tcp_canonical(t->model)) != 0) {
                ambiguous = true;
                break;
            }
            /* the same model: prefer the plain id over its openrouter copy */
            if (!strcmp(tcp_canonical(t->model), t->model) &&
                strcmp(tcp_canonical(best->model), best->model) != 0)
                best = t;
        }
        if (ambiguous)
            return NULL;
        if (best)
            return best;
    }
    return NULL;
}

const Tcp *tcp_index_find(const TcpIndex *idx, const char *model, const char *harness)
{
    if (!model || !*model)
        return NULL;
    if (harness)
        return tcp_find_in(idx, model, harness);
    const Tcp *t = tcp_find_in(idx, model, TCP_DEFAULT_HARNESS);
    return t ? t : tcp_find_in(idx, model, NULL);
}

void tcp_index_candidates(const TcpIndex *idx, const char *model, const char *harness, SkVec *out)
{
    size_t before = out->len;
    for (int pass = 0; pass < 2 && out->len == before; pass++) {
        for (size_t i = 0; i < idx->items.len; i++) {
            const Tcp *t = sk_vec_get(&idx->items, i);
            if (harness && strcmp(t->harness, harness) != 0)
                continue;
            if (pass == 0 && !(model && *model && sk_str_casestr(t->model, model)))
                continue;
            sk_vec_push(out, (void *)t);
        }
    }
}
