/* test_pass_env.c: pass 2, environment binding: the module -> package table, the static
 * scan (Python, Node, shell, install lines), presence checks, the generated env-setup.sh
 * (bash -n, shellcheck, idempotent, check-only mode, failure counting) and --verify-env. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compile.h"
#include "core/js.h"
#include "core/pass_env.h"
#include "core/skill.h"
#include "tests/testlib.h"

static json_t *dep(json_t *deps, const char *type, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(deps, i, d) if (sk_str_eq(js_str(d, "type", ""), type) &&
                                       sk_str_eq(js_str(d, "name", ""), name)) return d;
    return NULL;
}

START_TEST(test_tables)
{
    ck_assert_str_eq(pass_env_python_package("PIL"), "pillow");
    ck_assert_str_eq(pass_env_python_package("yaml"), "pyyaml");
    ck_assert_str_eq(pass_env_python_package("cv2"), "opencv-python");
    ck_assert_str_eq(pass_env_python_package("sklearn"), "scikit-learn");
    ck_assert_str_eq(pass_env_python_package("docx"), "python-docx");
    ck_assert_str_eq(pass_env_python_package("pptx"), "python-pptx");
    ck_assert_str_eq(pass_env_python_package("bs4"), "beautifulsoup4");
    ck_assert_str_eq(pass_env_python_package("pandas"), "pandas");
    ck_assert_ptr_null(pass_env_python_package("os"));
    ck_assert_ptr_null(pass_env_python_package("json"));
    ck_assert_ptr_null(pass_env_python_package("copy"));
    ck_assert_ptr_null(pass_env_python_package("string"));
    ck_assert(pass_env_python_stdlib("zoneinfo"));
    ck_assert(!pass_env_python_stdlib("requests"));
    ck_assert(pass_env_node_builtin("fs"));
    ck_assert(pass_env_node_builtin("node:path"));
    ck_assert(!pass_env_node_builtin("express"));
}
END_TEST

static Skill *fixture_skill(void)
{
    const char *dir = tl_tmpdir();
    char *sd = sk_path_join(dir, "envskill");
    sk_rm_rf(sd, NULL);
    tl_write(sd, "SKILL.md",
             "---\nname: envskill\ndescription: d\n---\n# Env\n\n"
             "Install with `pip install Pillow` and `npm install -g docx`.\n"
             "Use `jq` to filter.\n\n"
             "```python\nimport os, sys\nimport pandas as pd  # tables\nfrom yaml import "
             "safe_load\nfrom . import local\nimport cv2\n```\n\n"
             "```js\nconst fs = require('fs');\nimport express from \"express\";\n"
             "const x = require('@scope/pkg/sub');\n```\n\n"
             "```bash\ncurl -s https://x | jq .name && pandoc in.md -o out.pdf\n"
             "FOO=1 sudo git status\n```\n\n"
             "Prose mentions npm install of nothing and pandas in passing.\n"
             "<!-- skvm:begin target-notes -->\n`pip install notreal` must be ignored\n"
             "<!-- skvm:end target-notes -->\n");
    tl_write(sd, "scripts/tool.py", "import bs4\nfrom PIL import Image\nimport json\n");
    tl_write(sd, "scripts/run.sh", "#!/bin/sh\nffmpeg -i a.mp4 b.mp3\n");
    tl_write(sd, "notes.txt", "import ignored_in_txt\n");
    Skill *s = NULL;
    ck_assert_int_eq(skill_load(sd, &s, NULL), SK_OK);
    free(sd);
    return s;
}

START_TEST(test_scan)
{
    Skill *s = fixture_skill();
    json_t *deps = pass_env_scan(s, s->content);
    ck_assert_ptr_nonnull(dep(deps, "pip", "pandas"));
    ck_assert_ptr_nonnull(dep(deps, "pip", "pyyaml"));
    ck_assert_str_eq(js_str(dep(deps, "pip", "pyyaml"), "module", ""), "yaml");
    ck_assert_ptr_nonnull(dep(deps, "pip", "opencv-python"));
    ck_assert_ptr_nonnull(dep(deps, "pip", "beautifulsoup4"));
    json_t *pil = dep(deps, "pip", "pillow");
    ck_assert_ptr_nonnull(pil); /* from the import and the install line, merged */
    ck_assert_str_eq(js_str(pil, "module", ""), "PIL");
    ck_assert_ptr_null(dep(deps, "pip", "os"));
    ck_assert_ptr_null(dep(deps, "pip", "json"));
    ck_assert_ptr_null(dep(deps, "pip", "ignored_in_txt"));
    ck_assert_ptr_null(dep(deps, "pip", "notreal"));
    ck_assert_ptr_nonnull(dep(deps, "npm", "express"));
    ck_assert_ptr_nonnull(dep(deps, "npm", "docx"));
    ck_assert_ptr_nonnull(dep(deps, "npm", "@scope/pkg"));
    ck_assert_ptr_null(dep(deps, "npm", "fs"));
    ck_assert_ptr_nonnull(dep(deps, "system", "jq"));
    ck_assert_ptr_nonnull(dep(deps, "system", "curl"));
    ck_assert_ptr_nonnull(dep(deps, "system", "pandoc"));
    ck_assert_ptr_nonnull(dep(deps, "system", "git"));
    ck_assert_ptr_nonnull(dep(deps, "system", "ffmpeg"));
    json_t *ev = json_array_get(js_arr(dep(deps, "pip", "pandas"), "evidence"), 0);
    ck_assert_str_eq(js_str(ev, "file", ""), "SKILL.md");
    ck_assert_int_eq(js_int(ev, "line", 0), 12);
    ck_assert_str_eq(js_str(dep(deps, "system", "jq"), "check", ""), "command -v 'jq'");

    /* presence: git and a fake command */
    int missing = pass_env_check_presence(deps);
    ck_assert_int_ge(missing, 1);
    ck_assert(js_bool(dep(deps, "system", "git"), "present", false));
    ck_assert(!js_bool(dep(deps, "npm", "@scope/pkg"), "present", true));
    json_decref(deps);
    skill_free(s);
}
END_TEST

static int run_script(const char *script, const char *env, char **out)
{
    char *p = sk_path_join(tl_tmpdir(), "env-setup.sh");
    sk_write_file_atomic(p, script, strlen(script), NULL);
    char *cmd = sk_asprintf("%s bash '%s'", env, p);
    int rc = tl_run(cmd, true, out);
    free(cmd);
    free(p);
    return rc;
}

START_TEST(test_script)
{
    /* present dependencies: the script checks and installs nothing, twice */
    json_t *deps = json_pack("[{s:s,s:s,s:s,s:s,s:[{s:s,s:i,s:s}]},"
                             "{s:s,s:s,s:s,s:s,s:[]}]",
                             "name", "sh", "type", "system", "check", "command -v 'sh'",
                             "install", "install_system_pkg 'sh'", "evidence", "file",
                             "SKILL.md", "line", 3, "text", "it's \"quoted\"\n and $(rm -rf /)",
                             "name", "bash", "type", "system", "check", "command -v 'bash'",
                             "install", "install_system_pkg 'bash'", "evidence");
    char *script = pass_env_script("demo's skill", deps);
    json_t *v = pass_env_validate(script);
    ck_assert_msg(js_bool(v, "ok", false), "%s / %s", js_str(v, "bash_n", ""),
                  js_str(v, "shellcheck", ""));
    json_decref(v);
    char *out = NULL;
    ck_assert_int_eq(run_script(script, "", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "sh: present"));
    ck_assert_ptr_nonnull(strstr(out, "all dependencies present"));
    free(out);
    ck_assert_int_eq(run_script(script, "", &out), 0);
    ck_assert_ptr_null(strstr(out, "installing"));
    free(out);
    free(script);
    json_decref(deps);

    /* a missing dependency: check-only reports it; an install that fails is counted */
    deps = json_pack("[{s:s,s:s,s:s,s:s,s:[]}]", "name", "skvm-no-such-tool", "type", "system",
                     "check", "command -v 'skvm-no-such-tool'", "install", "false", "evidence");
    script = pass_env_script("x", deps);
    v = pass_env_validate(script);
    ck_assert(js_bool(v, "ok", false));
    json_decref(v);
    ck_assert_int_eq(run_script(script, "SKVM_ENV_CHECK_ONLY=1", &out), 1);
    ck_assert_ptr_nonnull(strstr(out, "skvm-no-such-tool: missing"));
    ck_assert_ptr_null(strstr(out, "installing"));
    free(out);
    ck_assert_int_eq(run_script(script, "", &out), 1);
    ck_assert_ptr_nonnull(strstr(out, "failed to install skvm-no-such-tool"));
    ck_assert_ptr_nonnull(strstr(out, "1 dependencies missing"));
    free(out);
    free(script);
    json_decref(deps);

    /* no dependencies */
    deps = json_array();
    script = pass_env_script("empty", deps);
    ck_assert_int_eq(run_script(script, "", &out), 0);
    free(out);
    free(script);
    json_decref(deps);

    /* the validator does catch a broken script */
    v = pass_env_validate("#!/bin/bash\nif then fi (\n");
    ck_assert(!js_bool(v, "ok", true));
    json_decref(v);
}
END_TEST

START_TEST(test_verify_env)
{
    tl_fresh_home();
    char *sd = sk_path_join(tl_tmpdir(), "verifyskill");
    sk_rm_rf(sd, NULL);
    tl_write(sd, "SKILL.md", "---\nname: v\ndescription: d\n---\n# V\n\n```bash\ngit status\n```\n");
    CompileOptions o = {0};
    o.skill_dir = sd;
    o.model = "test/weak";
    o.passes = "2";
    o.verify_env = true;
    o.no_commit = true;
    CompileResult r;
    SkError err;
    SkStatus s = compile_run(&o, &r, &err);
    ck_assert_msg(s == SK_OK, "%s", err.msg);
    json_t *verify = js_obj(js_obj(r.artifacts, "dependencies"), "verify");
    ck_assert(js_bool(verify, "ok", false));
    ck_assert(js_bool(verify, "idempotent", false));
    ck_assert_uint_eq(json_array_size(js_arr(verify, "runs")), 2);
    compile_result_done(&r);

    /* a dependency that cannot be installed in the sandbox: the pass fails and says why */
    tl_write(sd, "SKILL.md", "---\nname: v\ndescription: d\n---\n# V\n\n```bash\napt-get "
                             "install -y skvm-surely-not-a-package-xyz\n```\n");
    s = compile_run(&o, &r, &err);
    ck_assert_int_ne(s, SK_OK);
    ck_assert_int_eq(r.failed_pass, 2);
    ck_assert_ptr_nonnull(strstr(r.error, "--verify-env"));
    compile_result_done(&r);
    free(sd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pass_env");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_tables);
    tcase_add_test(tc, test_scan);
    tcase_add_test(tc, test_script);
    tcase_add_test(tc, test_verify_env);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
