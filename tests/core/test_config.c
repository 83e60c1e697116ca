/* test_config.c: config.yaml routes, built-ins, prices, lenient loading with file:line. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/js.h"
#include "tests/testlib.h"

static SkConfig *load(const char *text)
{
    return config_load_text(text, strlen(text), "cfg.yaml");
}

static bool has_diag(const SkConfig *c, const char *needle)
{
    for (size_t i = 0; i < c->diagnostics.len; i++)
        if (strstr(c->diagnostics.items[i], needle))
            return true;
    return false;
}

START_TEST(test_builtins)
{
    SkConfig *c = load("");
    ck_assert_uint_eq(c->n_routes, 4);
    ck_assert_uint_eq(c->diagnostics.len, 0);
    const ConfigRoute *r = NULL;
    ck_assert_int_eq(config_route_for(c, "openai/gpt-4o", &r, NULL), SK_OK);
    ck_assert_int_eq(r->kind, CONFIG_KIND_OPENAI);
    ck_assert_str_eq(r->base_url, "https://api.openai.com/v1");
    ck_assert_str_eq(r->api_key_env, "OPENAI_API_KEY");
    ck_assert_int_eq(config_route_for(c, "anthropic/claude-sonnet-4.6", &r, NULL), SK_OK);
    ck_assert_int_eq(r->kind, CONFIG_KIND_ANTHROPIC);
    ck_assert_str_eq(r->anthropic_version, CONFIG_ANTHROPIC_VERSION);
    ck_assert_int_eq(config_route_for(c, "openrouter/qwen/qwen3-30b", &r, NULL), SK_OK);
    ck_assert_int_eq(r->kind, CONFIG_KIND_OPENROUTER);
    ck_assert_str_eq(config_backend_model("openrouter/qwen/qwen3-30b"), "qwen/qwen3-30b");
    ck_assert_int_eq(config_route_for(c, "ollama/qwen3:8b", &r, NULL), SK_OK);
    ck_assert_str_eq(r->base_url, "http://127.0.0.1:11434/v1");
    ck_assert_ptr_null(r->api_key_env);
    SkError err = {0};
    ck_assert_int_eq(config_route_for(c, "typo/model", &r, &err), SK_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "no route matches"));
    ck_assert_int_eq(config_route_for(c, "gpt-4o", &r, &err), SK_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "<provider>/<model>"));
    /* no prices: unknown cost, not zero */
    double usd = -1;
    ck_assert(!config_cost(c, "openai/gpt-4o", 10, 10, 0, 0, &usd));
    config_free(c);
}
END_TEST

START_TEST(test_routes_and_prices)
{
    SkConfig *c = load("# my config\n"
                       "providers:\n"
                       "  routes:\n"
                       "    - match: \"local/*\"\n"
                       "      kind: openai-compatible\n"
                       "      base_url: http://127.0.0.1:8080/v1/\n"
                       "      api_key_env: LOCAL_API_KEY\n"
                       "      max_concurrency: 2\n"
                       "      headers: {X-Team: abc, X-Api-Token: secret-token}\n"
                       "    - match: \"openai/*\"\n"
                       "      kind: anthropic\n"
                       "      anthropic_version: \"2099-01-01\"\n"
                       "prices:\n"
                       "  - match: \"local/*\"\n"
                       "    input: 1\n"
                       "    output: 2\n"
                       "    cache_read: 0.1\n");
    ck_assert_uint_eq(c->diagnostics.len, 0);
    ck_assert_uint_eq(c->n_routes, 6);
    const ConfigRoute *r = NULL;
    ck_assert_int_eq(config_route_for(c, "local/qwen", &r, NULL), SK_OK);
    ck_assert_str_eq(r->base_url, "http://127.0.0.1:8080/v1");
    ck_assert_int_eq(r->max_concurrency, 2);
    ck_assert_str_eq(js_str(r->headers, "X-Team", ""), "abc");
    ck_assert_str_eq(r->origin, "cfg.yaml:4");
    /* user routes come first: openai/x now goes to the anthropic kind */
    ck_assert_int_eq(config_route_for(c, "openai/x", &r, NULL), SK_OK);
    ck_assert_int_eq(r->kind, CONFIG_KIND_ANTHROPIC);
    ck_assert_str_eq(r->base_url, "https://api.anthropic.com");
    ck_assert_str_eq(r->anthropic_version, "2099-01-01");
    ck_assert_str_eq(r->origin, "cfg.yaml:10");
    double usd = 0;
    ck_assert(config_cost(c, "local/qwen", 1000000, 500000, 2000000, 1000000, &usd));
    /* 1*1 + 0.5*2 + 2*0.1 + 1*1(cache write at input price) */
    ck_assert_double_eq_tol(usd, 3.2, 1e-9);
    /* keys: env, redacted in JSON */
    setenv("LOCAL_API_KEY", "sk-local-123456", 1);
    ck_assert_int_eq(config_route_for(c, "local/qwen", &r, NULL), SK_OK);
    char *k = config_route_key(r);
    ck_assert_str_eq(k, "sk-local-123456");
    free(k);
    char *st = config_route_key_status(r);
    ck_assert_str_eq(st, "env LOCAL_API_KEY (set)");
    free(st);
    json_t *j = config_to_json(c);
    char *dump = js_dump_compact(j);
    ck_assert_ptr_null(strstr(dump, "sk-local-123456"));
    ck_assert_ptr_null(strstr(dump, "secret-token"));
    ck_assert_ptr_nonnull(strstr(dump, "\"key_present\":true"));
    free(dump);
    json_decref(j);
    unsetenv("LOCAL_API_KEY");
    config_free(c);
}
END_TEST

START_TEST(test_bad_entries_keep_the_rest)
{
    SkConfig *c = load("providers:\n"
                       "  routes:\n"
                       "    - match: \"a/*\"\n"
                       "      kind: weird\n"
                       "      base_url: http://x\n"
                       "    - kind: openai-compatible\n"
                       "      base_url: http://x\n"
                       "    - match: \"b/*\"\n"
                       "      base_url: ftp://x\n"
                       "    - match: \"c/*\"\n"
                       "      kind: openai-compatible\n"
                       "    - match: \"d/*\"\n"
                       "      base_url: http://127.0.0.1:1/v1\n"
                       "      api_key_env: sk-not-a-name\n"
                       "    - match: \"e/*\"\n"
                       "      base_url: http://127.0.0.1:1/v1\n"
                       "      max_concurrency: 0\n"
                       "      colour: blue\n"
                       "prices:\n"
                       "  - match: \"e/*\"\n"
                       "    input: -1\n"
                       "    output: 2\n"
                       "  - match: \"f/*\"\n"
                       "    output: 2\n");
    ck_assert(has_diag(c, "cfg.yaml:3: route \"a/*\": unknown kind \"weird\""));
    ck_assert(has_diag(c, "cfg.yaml:6: route: missing \"match\""));
    ck_assert(has_diag(c, "cfg.yaml:8: route \"b/*\": base_url"));
    ck_assert(has_diag(c, "cfg.yaml:10: route \"c/*\": openai-compatible routes need base_url"));
    ck_assert(has_diag(c, "cfg.yaml:12: route \"d/*\": api_key_env"));
    ck_assert(has_diag(c, "cfg.yaml:15: route \"e/*\": max_concurrency"));
    ck_assert(has_diag(c, "cfg.yaml:15: route \"e/*\": unknown key \"colour\""));
    ck_assert(has_diag(c, "cfg.yaml:20: price \"e/*\": \"input\" must be a number"));
    ck_assert(has_diag(c, "cfg.yaml:23: price \"f/*\": missing \"input\""));
    const ConfigRoute *r = NULL;
    ck_assert_int_eq(config_route_for(c, "e/x", &r, NULL), SK_OK); /* still loaded */
    ck_assert_int_eq(r->max_concurrency, CONFIG_DEFAULT_CONCURRENCY);
    ck_assert_int_ne(config_route_for(c, "a/x", &r, NULL), SK_OK);
    ck_assert_uint_eq(c->n_prices, 0);
    config_free(c);
}
END_TEST

START_TEST(test_broken_yaml_salvage)
{
    /* the second route has broken YAML: the first and third still load */
    SkConfig *c = load("providers:\n"
                       "  routes:\n"
                       "    - match: \"good1/*\"\n"
                       "      base_url: http://127.0.0.1:1/v1\n"
                       "    - match: \"bad/*\n"
                       "      base_url: [unclosed\n"
                       "    - match: \"good2/*\"\n"
                       "      base_url: http://127.0.0.1:2/v1\n"
                       "prices:\n"
                       "  - match: \"good1/*\"\n"
                       "    input: 1\n"
                       "    output: 1\n");
    ck_assert_uint_ge(c->diagnostics.len, 1);
    ck_assert(has_diag(c, "cfg.yaml"));
    const ConfigRoute *r = NULL;
    ck_assert_int_eq(config_route_for(c, "good1/x", &r, NULL), SK_OK);
    ck_assert_str_eq(r->origin, "cfg.yaml:3");
    ck_assert_int_eq(config_route_for(c, "good2/x", &r, NULL), SK_OK);
    ck_assert_str_eq(r->base_url, "http://127.0.0.1:2/v1");
    ck_assert_int_ne(config_route_for(c, "bad/x", &r, NULL), SK_OK);
    ck_assert_uint_eq(c->n_prices, 1);
    config_free(c);

    c = load("just a string\n");
    ck_assert(has_diag(c, "expected a mapping"));
    ck_assert_uint_eq(c->n_routes, 4);
    config_free(c);

    /* prices as a mapping */
    c = load("prices:\n  \"x/*\": {input: 1, output: 3}\n");
    ck_assert_uint_eq(c->n_prices, 1);
    ck_assert_str_eq(c->prices[0].origin, "cfg.yaml:2");
    config_free(c);
}
END_TEST

START_TEST(test_load_file)
{
    const char *home = tl_fresh_home();
    SkConfig *c = NULL;
    ck_assert_int_eq(config_load(NULL, &c, NULL), SK_OK);
    ck_assert(!c->file_found);
    ck_assert_uint_eq(c->n_routes, 4);
    config_free(c);
    tl_write(home, "config.yaml", "providers:\n  routes:\n    - match: \"z/*\"\n"
                                  "      base_url: http://127.0.0.1:5/v1\n");
    ck_assert_int_eq(config_load(NULL, &c, NULL), SK_OK);
    ck_assert(c->file_found);
    ck_assert_uint_eq(c->n_routes, 5);
    ck_assert(sk_str_ends(c->routes[0].origin, "config.yaml:3"));
    config_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_builtins);
    tcase_add_test(tc, test_routes_and_prices);
    tcase_add_test(tc, test_bad_entries_keep_the_rest);
    tcase_add_test(tc, test_broken_yaml_salvage);
    tcase_add_test(tc, test_load_file);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
