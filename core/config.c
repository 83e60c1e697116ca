/* config.c: $SKVM_HOME/config.yaml: routes, keys, prices (lenient, with file:line notes). */
#include "core/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "core/yaml_load.h"

#define CONFIG_MAX_BYTES (4u << 20)

const char *config_kind_name(ConfigKind k)
{
    switch (k) {
    case CONFIG_KIND_ANTHROPIC:
        return "anthropic";
    case CONFIG_KIND_OPENROUTER:
        return "openrouter";
    case CONFIG_KIND_OPENAI:
    default:
        return "openai-compatible";
    }
}

static bool config_kind_parse(const char *s, ConfigKind *out)
{
    if (sk_str_eq(s, "openai-compatible") || sk_str_eq(s, "openai")) {
        *out = CONFIG_KIND_OPENAI;
        return true;
    }
    if (sk_str_eq(s, "anthropic")) {
        *out = CONFIG_KIND_ANTHROPIC;
        return true;
    }
    if (sk_str_eq(s, "openrouter")) {
        *out = CONFIG_KIND_OPENROUTER;
        return true;
    }
    return false;
}

/* ---- diagnostics ---- */

static void config_diag(SkConfig *cfg, int line, const char *fmt, ...) ATTR_FORMAT(3, 4);
static void config_diag(SkConfig *cfg, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sk_vasprintf(fmt, ap);
    va_end(ap);
    char *full = line > 0 ? sk_asprintf("%s:%d: %s", cfg->path, line, msg)
                          : sk_asprintf("%s: %s", cfg->path, msg);
    free(msg);
    sk_vec_push(&cfg->diagnostics, full);
}

/* ---- line bookkeeping over the raw text ---- */

typedef struct ConfigLines {
    const char **start; /* start of each line */
    size_t *len;
    size_t n;
} ConfigLines;

static void config_lines_split(const char *text, size_t n, ConfigLines *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && text[j] != '\n')
            j++;
        if (i == n && j == n)
            break;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            out->start = sk_realloc(out->start, cap * sizeof *out->start);
            out->len = sk_realloc(out->len, cap * sizeof *out->len);
        }
        size_t l = j - i;
        if (l && text[i + l - 1] == '\r')
            l--;
        out->start[out->n] = text + i;
        out->len[out->n] = l;
        out->n++;
        i = j + 1;
    }
}

static void config_lines_free(ConfigLines *l)
{
    free(l->start);
    free(l->len);
}

static int config_indent(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    return (int)i;
}

static bool config_blank(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i == n || s[i] == '#';
}

/* Does line L (stripped of indent) start with "KEY:"? */
static bool config_line_is_key(const char *s, size_t n, const char *key)
{
    int ind = config_indent(s, n);
    size_t kl = strlen(key);
    const char *p = s + ind;
    size_t rest = n - (size_t)ind;
    if (rest > 0 && (*p == '"' || *p == '\'')) {
        p++;
        rest--;
        if (rest >= kl + 2 && memcmp(p, key, kl) == 0 && (p[kl] == '"' || p[kl] == '\'') &&
            p[kl + 1] == ':')
            return true;
        return false;
    }
    return rest >= kl + 1 && memcmp(p, key, kl) == 0 && p[kl] == ':';
}

/* Index range [*from, *to) of the lines of top-level KEY's block (after the key line).
 * Returns the key line index or -1. */
static long config_find_top(const ConfigLines *L, const char *key, size_t *from, size_t *to)
{
    for (size_t i = 0; i < L->n; i++) {
        if (config_indent(L->start[i], L->len[i]) == 0 &&
            config_line_is_key(L->start[i], L->len[i], key)) {
            size_t j = i + 1;
            while (j < L->n && (config_blank(L->start[j], L->len[j]) ||
                                config_indent(L->start[j], L->len[j]) > 0 ||
                                L->start[j][0] == '-'))
                j++;
            *from = i + 1;
            *to = j;
            return (long)i;
        }
    }
    return -1;
}

/* Start line indexes of the list items found in [from, to) right under a key line with
 * indentation KEY_INDENT. Returns the count; *items gets a new array. */
static size_t config_list_items(const ConfigLines *L, size_t from, size_t to, int key_indent,
                                size_t **items, size_t *end)
{
    size_t n = 0, cap = 0;
    int item_indent = -1;
    *items = NULL;
    size_t i = from;
    for (; i < to; i++) {
        const char *s = L->start[i];
        size_t len = L->len[i];
        if (config_blank(s, len))
            continue;
        int ind = config_indent(s, len);
        bool dash = (size_t)ind < len && s[ind] == '-' &&
                    ((size_t)ind + 1 == len || s[ind + 1] == ' ' || s[ind + 1] == '\t');
        if (item_indent < 0) {
            if (!dash || ind < key_indent)
                break;
            item_indent = ind;
        }
        if (ind < item_indent || (ind == item_indent && !dash))
            break;
        if (ind == item_indent && dash) {
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                *items = sk_realloc(*items, cap * sizeof **items);
            }
            (*items)[n++] = i;
        }
    }
    if (end)
        *end = i;
    return n;
}

/* ---- routes ---- */

static void config_route_free(ConfigRoute *r)
{
    free(r->match);
    free(r->base_url);
    free(r->api_key_env);
    free(r->api_key);
    if (r->headers)
        json_decref(r->headers);
    free(r->anthropic_version);
    free(r->origin);
    memset(r, 0, sizeof *r);
}

static void config_add_route(SkConfig *cfg, ConfigRoute *r)
{
    cfg->routes = sk_realloc(cfg->routes, (cfg->n_routes + 1) * sizeof *cfg->routes);
    cfg->routes[cfg->n_routes++] = *r;
}

static char *config_trim_url(const char *u)
{
    char *s = sk_strdup(u);
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        s[--n] = '\0';
    return s;
}

static bool config_is_env_name(const char *s)
{
    if (!s || !*s || isdigit((unsigned char)s[0]))
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return false;
    return true;
}

/* Validate one route object; on success fill R. */
static bool config_parse_route(SkConfig *cfg, const json_t *o, int line, ConfigRoute *r)
{
    memset(r, 0, sizeof *r);
    if (!json_is_object(o)) {
        config_diag(cfg, line, "route: expected a mapping with match, kind and base_url");
        return false;
    }
    const char *match = js_str(o, "match", NULL);
    if (!match || !*match) {
        config_diag(cfg, line, "route: missing \"match\" (a glob over the model id, e.g. "
                               "\"local/*\"); route skipped");
        return false;
    }
    ConfigKind kind = CONFIG_KIND_OPENAI;
    json_t *jk = json_object_get(o, "kind");
    if (jk && !config_kind_parse(json_string_value(jk), &kind)) {
        config_diag(cfg, line,
                    "route \"%s\": unknown kind \"%s\" (expected openai-compatible, anthropic "
                    "or openrouter); route skipped",
                    match, json_is_string(jk) ? json_string_value(jk) : "?");
        return false;
    }
    const char *base = js_str(o, "base_url", NULL);
    if (json_object_get(o, "base_url") && !base) {
        config_diag(cfg, line, "route \"%s\": base_url must be a string; route skipped", match);
        return false;
    }
    if (!base) {
        if (kind == CONFIG_KIND_ANTHROPIC)
            base = "https://api.anthropic.com";
        else if (kind == CONFIG_KIND_OPENROUTER)
            base = "https://openrouter.ai/api/v1";
        else {
            config_diag(cfg, line,
                        "route \"%s\": openai-compatible routes need base_url (e.g. "
                        "http://127.0.0.1:8080/v1); route skipped",
                        match);
            return false;
        }
    }
    if (!sk_str_starts(base, "http://") && !sk_str_starts(base, "https://")) {
        config_diag(cfg, line, "route \"%s\": base_url \"%s\" must start with http:// or "
                               "https://; route skipped",
                    match, base);
        return false;
    }
    const char *env = js_str(o, "api_key_env", NULL);
    if (env && !config_is_env_name(env)) {
        config_diag(cfg, line,
                    "route \"%s\": api_key_env must name an environment variable "
                    "(letters, digits, _), not a key; route skipped",
                    match);
        return false;
    }
    json_t *jc = json_object_get(o, "max_concurrency");
    int conc = CONFIG_DEFAULT_CONCURRENCY;
    if (jc) {
        if (!json_is_integer(jc) || json_integer_value(jc) < 1 || json_integer_value(jc) > 1024) {
            config_diag(cfg, line, "route \"%s\": max_concurrency must be an integer from 1 to "
                                   "1024; using %d",
                        match, conc);
        } else {
            conc = (int)json_integer_value(jc);
        }
    }
    json_t *headers = json_object();
    json_t *jh = json_object_get(o, "headers");
    if (jh) {
        if (!json_is_object(jh)) {
            config_diag(cfg, line, "route \"%s\": headers must be a mapping; ignored", match);
        } else {
            const char *hk;
            json_t *hv;
            json_object_foreach(jh, hk, hv)
            {
                if (json_is_string(hv) && !strpbrk(hk, ":\r\n") &&
                    !strpbrk(json_string_value(hv), "\r\n"))
                    json_object_set(headers, hk, hv);
                else if (json_is_number(hv)) {
                    char *num = js_dump_compact(hv);
                    json_object_set_new(headers, hk, json_string(num));
                    free(num);
                }
                else
                    config_diag(cfg, line, "route \"%s\": header \"%s\" needs a one-line string "
                                           "value; ignored",
                                match, hk);
            }
        }
    }
    const char *known[] = {"match",       "kind",    "base_url",         "api_key_env",
                           "api_key",     "headers", "anthropic_version", "max_concurrency",
                           NULL};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        bool ok = false;
        for (int i = 0; known[i]; i++)
            ok = ok || strcmp(k, known[i]) == 0;
        if (!ok)
            config_diag(cfg, line, "route \"%s\": unknown key \"%s\" ignored", match, k);
    }
    r->match = sk_strdup(match);
    r->kind = kind;
    r->base_url = config_trim_url(base);
    r->api_key_env = env ? sk_strdup(env) : NULL;
    const char *key = js_str(o, "api_key", NULL);
    r->api_key = key && *key ? sk_strdup(key) : NULL;
    r->max_concurrency = conc;
    r->headers = headers;
    const char *ver = js_str(o, "anthropic_version", NULL);
    r->anthropic_version = sk_strdup(ver ? ver : CONFIG_ANTHROPIC_VERSION);
    r->builtin = false;
    r->origin = line > 0 ? sk_asprintf("%s:%d", cfg->path, line) : sk_strdup(cfg->path);
    return true;
}

static void config_add_builtin(SkConfig *cfg, const char *match, ConfigKind kind,
                               const char *base, const char *env)
{
    ConfigRoute r = {0};
    r.match = sk_strdup(match);
    r.kind = kind;
    r.base_url = sk_strdup(base);
    r.api_key_env = env ? sk_strdup(env) : NULL;
    r.max_concurrency = CONFIG_DEFAULT_CONCURRENCY;
    r.headers = json_object();
    r.anthropic_version = sk_strdup(CONFIG_ANTHROPIC_VERSION);
    r.builtin = true;
    r.origin = sk_strdup("built-in");
    config_add_route(cfg, &r);
}

/* ---- prices ---- */

static bool config_price_num(SkConfig *cfg, int line, const char *match, const json_t *o,
                             const char *key, double *out, bool required)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (required)
            config_diag(cfg, line, "price \"%s\": missing \"%s\" (USD per million tokens); "
                                   "entry skipped",
                        match, key);
        return !required;
    }
    if (!json_is_number(v) || json_number_value(v) < 0) {
        config_diag(cfg, line, "price \"%s\": \"%s\" must be a number >= 0; entry skipped", match,
                    key);
        return false;
    }
    *out = json_number_value(v);
    return true;
}

static void config_parse_price(SkConfig *cfg, const char *match, const json_t *o, int line)
{
    if (!match || !*match) {
        config_diag(cfg, line, "price: missing \"match\"; entry skipped");
        return;
    }
    if (!json_is_object(o)) {
        config_diag(cfg, line, "price \"%s\": expected a mapping with input and output; "
                               "entry skipped",
                    match);
        return;
    }
    ConfigPrice p = {0};
    if (!config_price_num(cfg, line, match, o, "input", &p.input, true) ||
        !config_price_num(cfg, line, match, o, "output", &p.output, true))
        return;
    if (json_object_get(o, "cache_read")) {
        if (!config_price_num(cfg, line, match, o, "cache_read", &p.cache_read, true))
            return;
        p.has_cache_read = true;
    }
    if (json_object_get(o, "cache_write")) {
        if (!config_price_num(cfg, line, match, o, "cache_write", &p.cache_write, true))
            return;
        p.has_cache_write = true;
    }
    p.match = sk_strdup(match);
    p.origin = line > 0 ? sk_asprintf("%s:%d", cfg->path, line) : sk_strdup(cfg->path);
    cfg->prices = sk_realloc(cfg->prices, (cfg->n_prices + 1) * sizeof *cfg->prices);
    cfg->prices[cfg->n_prices++] = p;
}

/* ---- loading ---- */

/* Parse TEXT lines [from, to) as a YAML fragment (dedented by the caller's choice: we
 * keep indentation, YAML accepts a uniformly indented document). */
static json_t *config_parse_fragment(const ConfigLines *L, size_t from, size_t to, SkError *err)
{
    SkBuf b;
    sk_buf_init(&b);
    int strip = -1;
    for (size_t i = from; i < to; i++) {
        if (config_blank(L->start[i], L->len[i]))
            continue;
        int ind = config_indent(L->start[i], L->len[i]);
        if (strip < 0 || ind < strip)
            strip = ind;
    }
    if (strip < 0)
        strip = 0;
    for (size_t i = from; i < to; i++) {
        if (config_blank(L->start[i], L->len[i])) {
            sk_buf_putc(&b, '\n');
            continue;
        }
        sk_buf_append(&b, L->start[i] + strip, L->len[i] - (size_t)strip);
        sk_buf_putc(&b, '\n');
    }
    json_t *out = NULL;
    if (yaml_load_string(sk_buf_cstr(&b), b.len, (int)from, &out, NULL, err) != SK_OK)
        out = NULL;
    sk_buf_done(&b);
    return out;
}

static void config_load_routes(SkConfig *cfg, const ConfigLines *L, const json_t *doc)
{
    size_t from = 0, to = 0;
    long top = config_find_top(L, "providers", &from, &to);
    size_t *items = NULL;
    size_t n_items = 0, items_end = 0;
    int routes_line = top >= 0 ? (int)top + 1 : 0;
    if (top >= 0) {
        for (size_t i = from; i < to; i++) {
            if (config_line_is_key(L->start[i], L->len[i], "routes")) {
                routes_line = (int)i + 1;
                n_items = config_list_items(L, i + 1, to,
                                            config_indent(L->start[i], L->len[i]), &items,
                                            &items_end);
                break;
            }
        }
    }
    if (doc) {
        json_t *prov = json_object_get(doc, "providers");
        if (prov && !json_is_object(prov)) {
            config_diag(cfg, routes_line, "providers must be a mapping (with a routes list)");
        } else if (prov) {
            json_t *routes = json_object_get(prov, "routes");
            if (routes && !json_is_array(routes)) {
                config_diag(cfg, routes_line, "providers.routes must be a list of routes");
            } else if (routes) {
                for (size_t i = 0; i < json_array_size(routes); i++) {
                    int line = i < n_items ? (int)items[i] + 1 : routes_line;
                    ConfigRoute r;
                    if (config_parse_route(cfg, json_array_get(routes, i), line, &r))
                        config_add_route(cfg, &r);
                }
            }
        }
    } else {
        /* The document did not parse: salvage route by route. */
        for (size_t k = 0; k < n_items; k++) {
            size_t a = items[k];
            size_t b = k + 1 < n_items ? items[k + 1] : items_end;
            SkError e = {0};
            json_t *frag = config_parse_fragment(L, a, b, &e);
            if (!frag) {
                config_diag(cfg, 0, "route skipped: %s", e.msg);
                continue;
            }
            ConfigRoute r;
            if (json_is_array(frag) &&
                config_parse_route(cfg, json_array_get(frag, 0), (int)a + 1, &r))
                config_add_route(cfg, &r);
            json_decref(frag);
        }
    }
    free(items);
}

static void config_load_prices(SkConfig *cfg, const ConfigLines *L, const json_t *doc)
{
    size_t from = 0, to = 0;
    long top = config_find_top(L, "prices", &from, &to);
    size_t *items = NULL;
    size_t n_items = 0, items_end = 0;
    if (top >= 0)
        n_items = config_list_items(L, from, to, 0, &items, &items_end);
    int pline = top >= 0 ? (int)top + 1 : 0;
    json_t *prices = NULL;
    bool own = false;
    if (doc) {
        prices = json_object_get(doc, "prices");
    } else if (top >= 0) {
        SkError e = {0};
        prices = config_parse_fragment(L, from, to, &e);
        own = true;
        if (!prices && n_items) {
            /* salvage item by item */
            for (size_t k = 0; k < n_items; k++) {
                size_t a = items[k];
                size_t b = k + 1 < n_items ? items[k + 1] : items_end;
                SkError e2 = {0};
                json_t *frag = config_parse_fragment(L, a, b, &e2);
                if (!frag) {
                    config_diag(cfg, 0, "price skipped: %s", e2.msg);
                    continue;
                }
                json_t *o = json_array_get(frag, 0);
                config_parse_price(cfg, js_str(o, "match", NULL), o, (int)a + 1);
                json_decref(frag);
            }
        }
    }
    if (prices && json_is_array(prices)) {
        for (size_t i = 0; i < json_array_size(prices); i++) {
            json_t *o = json_array_get(prices, i);
            int line = i < n_items ? (int)items[i] + 1 : pline;
            config_parse_price(cfg, js_str(o, "match", NULL), o, line);
        }
    } else if (prices && json_is_object(prices)) {
        const char *k;
        json_t *v;
        json_object_foreach(prices, k, v)
        {
            int line = pline;
            for (size_t i = from; i < to; i++) {
                if (config_line_is_key(L->start[i], L->len[i], k)) {
                    line = (int)i + 1;
                    break;
                }
            }
            config_parse_price(cfg, k, v, line);
        }
    } else if (prices && !json_is_null(prices)) {
        config_diag(cfg, pline, "prices must be a list of {match, input, output, cache_read, "
                                "cache_write}");
    }
    if (own && prices)
        json_decref(prices);
    free(items);
}

SkConfig *config_load_text(const char *text, size_t len, const char *name)
{
    SkConfig *cfg = sk_calloc(1, sizeof *cfg);
    cfg->path = sk_strdup(name ? name : "config.yaml");
    sk_vec_init(&cfg->diagnostics, free);
    ConfigLines L;
    config_lines_split(text ? text : "", text ? len : 0, &L);
    json_t *doc = NULL;
    if (text && len) {
        SkError e = {0};
        if (yaml_load_string(text, len, 0, &doc, NULL, &e) != SK_OK) {
            config_diag(cfg, 0, "%s; loading what can be read", e.msg);
            doc = NULL;
        } else if (!json_is_object(doc) && !json_is_null(doc)) {
            config_diag(cfg, 1, "expected a mapping at the top (providers:, prices:)");
            json_decref(doc);
            doc = json_null();
        }
    }
    config_load_routes(cfg, &L, doc);
    config_load_prices(cfg, &L, doc);
    if (doc)
        json_decref(doc);
    config_lines_free(&L);
    config_add_builtin(cfg, "openai/*", CONFIG_KIND_OPENAI, "https://api.openai.com/v1",
                       "OPENAI_API_KEY");
    config_add_builtin(cfg, "anthropic/*", CONFIG_KIND_ANTHROPIC, "https://api.anthropic.com",
                       "ANTHROPIC_API_KEY");
    config_add_builtin(cfg, "openrouter/*", CONFIG_KIND_OPENROUTER, "https://openrouter.ai/api/v1",
                       "OPENROUTER_API_KEY");
    config_add_builtin(cfg, "ollama/*", CONFIG_KIND_OPENAI, "http://127.0.0.1:11434/v1", NULL);
    return cfg;
}

SkStatus config_load(const char *path, SkConfig **out, SkError *err)
{
    char *p = NULL;
    if (path) {
        p = sk_strdup(path);
    } else {
        char *home = sk_home_dir();
        p = sk_path_join(home, "config.yaml");
        free(home);
    }
    char *text = NULL;
    size_t len = 0;
    SkError e = {0};
    SkStatus rc = sk_read_file(p, CONFIG_MAX_BYTES, &text, &len, &e);
    SkStatus result = SK_OK;
    if (rc == SK_ERR_NOT_FOUND) {
        *out = config_load_text(NULL, 0, p);
    } else if (rc != SK_OK) {
        *out = config_load_text(NULL, 0, p);
        config_diag(*out, 0, "cannot read: %s", e.msg);
        result = sk_error_set(err, rc == SK_ERR_TOO_LARGE ? rc : SK_ERR_IO, "%s", e.msg);
    } else {
        *out = config_load_text(text, len, p);
        (*out)->file_found = true;
    }
    free(text);
    free(p);
    return result;
}

void config_free(SkConfig *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->n_routes; i++)
        config_route_free(&cfg->routes[i]);
    free(cfg->routes);
    for (size_t i = 0; i < cfg->n_prices; i++) {
        free(cfg->prices[i].match);
        free(cfg->prices[i].origin);
    }
    free(cfg->prices);
    sk_vec_done(&cfg->diagnostics);
    free(cfg->path);
    free(cfg);
}

/* ---- lookups ---- */

const char *config_backend_model(const char *model_id)
{
    const char *slash = model_id ? strchr(model_id, '/') : NULL;
    return slash ? slash + 1 : (model_id ? model_id : "");
}

SkStatus config_route_for(const SkConfig *cfg, const char *model_id, const ConfigRoute **out,
                          SkError *err)
{
    *out = NULL;
    if (!model_id || !*model_id)
        return sk_error_set(err, SK_ERR_CONFIG, "no model given (expected <provider>/<model>, "
                                                "e.g. openai/gpt-4o)");
    const char *slash = strchr(model_id, '/');
    if (!slash || slash == model_id || !slash[1])
        return sk_error_set(err, SK_ERR_CONFIG,
                            "model id \"%s\" must look like <provider>/<model> (e.g. "
                            "openai/gpt-4o, anthropic/claude-sonnet-4.6, ollama/qwen3)",
                            model_id);
    for (size_t i = 0; i < cfg->n_routes; i++) {
        if (sk_glob_match(cfg->routes[i].match, model_id)) {
            *out = &cfg->routes[i];
            return SK_OK;
        }
    }
    return sk_error_set(err, SK_ERR_CONFIG,
                        "no route matches model \"%s\": add one under providers.routes in %s "
                        "(built-in prefixes: openai/, anthropic/, openrouter/, ollama/)",
                        model_id, cfg->path);
}

char *config_route_key(const ConfigRoute *r)
{
    if (r->api_key && *r->api_key)
        return sk_strdup(r->api_key);
    if (r->api_key_env) {
        const char *v = getenv(r->api_key_env);
        if (v && *v)
            return sk_strdup(v);
    }
    return NULL;
}

char *config_route_key_status(const ConfigRoute *r)
{
    if (r->api_key && *r->api_key)
        return sk_strdup("config file (set)");
    if (r->api_key_env) {
        const char *v = getenv(r->api_key_env);
        return sk_asprintf("env %s (%s)", r->api_key_env, v && *v ? "set" : "not set");
    }
    return sk_strdup("none");
}

const ConfigPrice *config_price_for(const SkConfig *cfg, const char *model_id)
{
    for (size_t i = 0; i < cfg->n_prices; i++)
        if (sk_glob_match(cfg->prices[i].match, model_id))
            return &cfg->prices[i];
    return NULL;
}

bool config_cost(const SkConfig *cfg, const char *model_id, int64_t input, int64_t output,
                 int64_t cache_read, int64_t cache_write, double *usd)
{
    const ConfigPrice *p = config_price_for(cfg, model_id);
    if (!p)
        return false;
    double cr = p->has_cache_read ? p->cache_read : p->input;
    double cw = p->has_cache_write ? p->cache_write : p->input;
    *usd = ((double)input * p->input + (double)output * p->output + (double)cache_read * cr +
            (double)cache_write * cw) /
           1e6;
    return true;
}

static bool config_secret_header(const char *name)
{
    return sk_str_casestr(name, "auth") || sk_str_casestr(name, "key") ||
           sk_str_casestr(name, "token") || sk_str_casestr(name, "secret") ||
           sk_str_casestr(name, "cookie");
}

json_t *config_to_json(const SkConfig *cfg)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(cfg->path));
    json_object_set_new(o, "file_found", json_boolean(cfg->file_found));
    json_t *routes = json_array();
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const ConfigRoute *r = &cfg->routes[i];
        json_t *j = json_object();
        json_object_set_new(j, "match", json_string(r->match));
        json_object_set_new(j, "kind", json_string(config_kind_name(r->kind)));
        json_object_set_new(j, "base_url", json_string(r->base_url));
        json_object_set_new(j, "api_key_env", r->api_key_env ? json_string(r->api_key_env)
                                                             : json_null());
        json_object_set_new(j, "api_key_in_file", json_boolean(r->api_key != NULL));
        char *ks = config_route_key_status(r);
        json_object_set_new(j, "key", json_string(ks));
        free(ks);
        char *key = config_route_key(r);
        json_object_set_new(j, "key_present", json_boolean(key != NULL));
        free(key);
        json_object_set_new(j, "max_concurrency", json_integer(r->max_concurrency));
        json_t *h = json_object();
        const char *hk;
        json_t *hv;
        json_object_foreach(r->headers, hk, hv)
        {
            json_object_set_new(h, hk, config_secret_header(hk) ? json_string("[REDACTED]")
                                                                : json_copy(hv));
        }
        json_object_set_new(j, "headers", h);
        if (r->kind == CONFIG_KIND_ANTHROPIC)
            json_object_set_new(j, "anthropic_version", json_string(r->anthropic_version));
        json_object_set_new(j, "origin", json_string(r->origin));
        json_array_append_new(routes, j);
    }
    json_object_set_new(o, "routes", routes);
    json_t *prices = json_array();
    for (size_t i = 0; i < cfg->n_prices; i++) {
        const ConfigPrice *p = &cfg->prices[i];
        json_t *j = json_object();
        json_object_set_new(j, "match", json_string(p->match));
        json_object_set_new(j, "input", json_real(p->input));
        json_object_set_new(j, "output", json_real(p->output));
        json_object_set_new(j, "cache_read", p->has_cache_read ? json_real(p->cache_read)
                                                               : json_null());
        json_object_set_new(j, "cache_write", p->has_cache_write ? json_real(p->cache_write)
                                                                 : json_null());
        json_object_set_new(j, "origin", json_string(p->origin));
        json_array_append_new(prices, j);
    }
    json_object_set_new(o, "prices", prices);
    json_t *d = json_array();
    for (size_t i = 0; i < cfg->diagnostics.len; i++)
        json_array_append_new(d, json_string(cfg->diagnostics.items[i]));
    json_object_set_new(o, "diagnostics", d);
    return o;
}
