/* cmd_compile.c: `skvm compile` (ahead-of-time compile a skill for a target model) and
 * `skvm variants` (list, show, diff, accept and check out compiled variants). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "core/compile.h"
#include "core/js.h"
#include "core/variants.h"

#include "app/commands.h"

/* ------------------------------------------------------------------------------------ */
/* skvm compile */

static const char compile_usage[] =
    "Usage: skvm compile DIR --model MODEL [options]\n\n"
    "Compiles the skill in DIR for MODEL and stores the result as a commit on branch\n"
    "<harness>/<model-slug> of the skill's variant repository ($SKVM_HOME/variants/<skill>/;\n"
    "the original goes on main). Passes:\n"
    "  1 capabilities  requirements, gaps against MODEL's profile, guidance for each gap\n"
    "  2 environment   dependencies, presence checks, an idempotent env-setup.sh\n"
    "  3 plan          the workflow as a DAG with parallel groups and its critical path\n"
    "The guard then checks the result (frontmatter, code blocks and headings kept, length\n"
    "budget, no scope dropped) and rejects a variant that fails it; a rejected variant is\n"
    "kept under $SKVM_HOME/variants/.rejected/ for inspection.\n\n"
    "Options:\n"
    "  --model MODEL           target model id (e.g. qwen/qwen3.5-9b); required\n"
    "  --harness H             target harness (default bare-agent)\n"
    "  --passes LIST           passes to run: numbers or ids, e.g. 1,2,3 or plan (default all)\n"
    "  --profile FILE          the target's capability profile (default: the known profile\n"
    "                          of MODEL on H, from $SKVM_HOME/profiles or the shipped ones)\n"
    "  --compiler-model MODEL  let MODEL (a route in $SKVM_HOME/config.yaml) extract the\n"
    "                          requirements, propose local edits, list dependencies and\n"
    "                          decompose the workflow; its answers are schema-checked\n"
    "  --offline               compile without any model (the default)\n"
    "  --verify-env            run env-setup.sh twice in the sandbox; the second run must\n"
    "                          change nothing (nothing is installed on this machine)\n"
    "  --force                 compile even when an identical variant already exists\n"
    "  --no-commit             do not store the variant; print where the output folder is\n"
    "  --list-passes           print the pass registry and exit\n"
    "  --json                  print the result as JSON\n\n"
    "Exit status: 0 compiled (or already up to date); 1 a pass failed or the guard rejected\n"
    "the variant; 2 bad arguments, unreadable skill or no profile; 3 the model service or\n"
    "the variant store failed (a stale lock, for one).\n";

static bool compile_infra_status(SkStatus s)
{
    switch (s) {
    case SK_ERR_AUTH: case SK_ERR_RATE_LIMIT: case SK_ERR_QUOTA: case SK_ERR_SERVER:
    case SK_ERR_NETWORK: case SK_ERR_TIMEOUT: case SK_ERR_BAD_REQUEST: case SK_ERR_CONFIG:
    case SK_ERR_CACHE_MISS: case SK_ERR_GIT: case SK_ERR_BUSY: case SK_ERR_DB:
        return true;
    default:
        return false;
    }
}

static void print_progress(const char *line, void *ud)
{
    FILE *f = ud;
    fprintf(f, "%s\n", line);
    fflush(f);
}

static int list_passes(bool json)
{
    size_t n;
    const CompilePass *p = compile_passes(&n);
    json_t *arr = json_array();
    if (!json)
        printf("%-3s %-13s %-21s %-8s %-28s %s\n", "#", "id", "alias", "profile", "produces",
               "description");
    for (size_t i = 0; i < n; i++) {
        char *cons = compile_artifact_names(p[i].consumes);
        char *prod = compile_artifact_names(p[i].produces);
        if (json)
            json_array_append_new(
                arr, json_pack("{s:i,s:s,s:s,s:s,s:b,s:s,s:s}", "number", p[i].number, "id",
                               p[i].id, "alias", p[i].alias ? p[i].alias : "", "description",
                               p[i].description, "needs_profile", p[i].needs_profile,
                               "consumes", cons, "produces", prod));
        else
            printf("%-3d %-13s %-21s %-8s %-28s %s\n", p[i].number, p[i].id,
                   p[i].alias ? p[i].alias : "", p[i].needs_profile ? "yes" : "no", prod,
                   p[i].description);
        free(cons);
        free(prod);
    }
    if (json)
        cli_print_json(arr);
    json_decref(arr);
    return CLI_EXIT_OK;
}

int cmd_compile(int argc, char **argv)
{
    CompileOptions o;
    memset(&o, 0, sizeof o);
    bool json = false, offline = false, list = false;
    const char *val;
    CliOpts op;
    cli_opts_init(&op, argc, argv);
    while (cli_opts_next(&op)) {
        if (cli_opt_flag(&op, "--help") || cli_opt_flag(&op, "-h")) {
            fputs(compile_usage, stdout);
            return CLI_EXIT_OK;
        } else if (cli_opt_flag(&op, "--json")) {
            json = true;
        } else if (cli_opt_flag(&op, "--offline")) {
            offline = true;
        } else if (cli_opt_flag(&op, "--verify-env")) {
            o.verify_env = true;
        } else if (cli_opt_flag(&op, "--force")) {
            o.force = true;
        } else if (cli_opt_flag(&op, "--no-commit")) {
            o.no_commit = true;
        } else if (cli_opt_flag(&op, "--list-passes")) {
            list = true;
        } else if (cli_opt_value(&op, "--model", &val)) {
            o.model = val;
        } else if (cli_opt_value(&op, "--harness", &val)) {
            o.harness = val;
        } else if (cli_opt_value(&op, "--passes", &val)) {
            o.passes = val;
        } else if (cli_opt_value(&op, "--compiler-model", &val)) {
            o.compiler_model = val;
        } else if (cli_opt_value(&op, "--profile", &val)) {
            o.profile_path = val;
        } else if (op.positional) {
            if (o.skill_dir)
                return cli_error("compile takes one skill folder (got '%s' and '%s')",
                                 o.skill_dir, op.arg);
            o.skill_dir = op.arg;
        } else {
            return cli_opts_unknown(&op);
        }
    }
    if (op.failed)
        return CLI_EXIT_USAGE;
    if (list)
        return list_passes(json);
    if (!o.skill_dir)
        return cli_error("compile needs a skill folder (skvm compile DIR --model MODEL)");
    if (!o.model)
        return cli_error("compile needs --model MODEL (the target model)");
    if (offline && o.compiler_model)
        return cli_error("--offline and --compiler-model exclude each other");
    o.progress = print_progress;
    o.progress_ud = json ? stderr : stdout;

    CompileResult r;
    SkError err;
    sk_error_clear(&err);
    SkStatus s = compile_run(&o, &r, &err);
    int rc;
    if (json) {
        json_t *j = compile_result_to_json(&r);
        if (s != SK_OK && !r.error)
            json_object_set_new(j, "error", json_string(err.msg));
        cli_print_json(j);
        json_decref(j);
    }
    if (s != SK_OK) {
        if (!json)
            cli_error("%s", err.msg);
        /* a model service or store failing is infrastructure, never a verdict */
        if (compile_infra_status(s))
            rc = CLI_EXIT_INFRA;
        else
            rc = r.failed_pass ? CLI_EXIT_FOUND : cli_exit_for(s);
    } else if (r.rejected) {
        if (!json) {
            printf("rejected: the guard found %zu problem%s:\n",
                   json_array_size(js_arr(r.guard, "violations")),
                   json_array_size(js_arr(r.guard, "violations")) == 1 ? "" : "s");
            size_t i;
            json_t *v;
            json_array_foreach(js_arr(r.guard, "violations"), i, v)
                printf("  - %s\n", json_string_value(v));
            if (r.keep_dir)
                printf("the rejected variant is kept at %s\n", r.keep_dir);
        }
        rc = CLI_EXIT_FOUND;
    } else {
        if (!json) {
            if (r.keep_dir)
                printf("compiled (not stored): %s\n", r.keep_dir);
            else
                printf("%s %s:%s %s\n",
                       r.up_to_date ? "up to date" : r.created ? "compiled" : "unchanged",
                       r.skill, r.branch, r.commit);
        }
        rc = CLI_EXIT_OK;
    }
    compile_result_done(&r);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* skvm variants */

static const char variants_usage[] =
    "Usage: skvm variants list [SKILL] [--json]\n"
    "       skvm variants show REF [--json]\n"
    "       skvm variants diff REF_A REF_B [--json]\n"
    "       skvm variants accept REF [--json]\n"
    "       skvm variants checkout REF DIR\n\n"
    "Compiled variants live in one git repository per skill, $SKVM_HOME/variants/<skill>/:\n"
    "the original on main, each variant a commit on <harness>/<model-slug> with its\n"
    "provenance in the message (plain `git log` works there).\n\n"
    "REF is SKILL:REV where REV is anything git understands (main, bare-agent/qwen--qwen3.5-9b,\n"
    "bare-agent/qwen--qwen3.5-9b~1, accepted/bare-agent/qwen--qwen3.5-9b, a commit id), or\n"
    "SKILL alone (its original), or a commit id (7+ hex digits) found in any store. In diff,\n"
    "REF_B may be a bare REV in REF_A's skill.\n\n"
    "  list      every variant of SKILL (without SKILL: the skills that have variants)\n"
    "  show      one variant: provenance, files, gaps, dependencies, plan, guard\n"
    "  diff      SKILL.md diff, file and artifact changes, score/token/latency deltas from runs\n"
    "  accept    move the tag accepted/<harness>/<model-slug> to the variant\n"
    "  checkout  write the variant's files into DIR (a runnable skill folder)\n";

static int variants_fail(SkStatus s, const SkError *err)
{
    cli_error("%s", err->msg);
    return (s == SK_ERR_GIT || s == SK_ERR_BUSY) ? CLI_EXIT_INFRA : cli_exit_for(s);
}

static void print_time(int64_t ms, char *out, size_t n)
{
    char iso[40];
    sk_iso8601(ms, iso, sizeof iso);
    snprintf(out, n, "%.10s %.5s", iso, iso + 11);
}

static int variants_list_cmd(const char *skill, bool json)
{
    SkError err;
    sk_error_clear(&err);
    if (!skill) {
        SkVec skills;
        variants_skills(NULL, &skills, &err);
        if (json) {
            json_t *a = json_array();
            for (size_t i = 0; i < skills.len; i++)
                json_array_append_new(a, json_string(skills.items[i]));
            cli_print_json(a);
            json_decref(a);
        } else if (skills.len == 0) {
            printf("no compiled variants yet (skvm compile DIR --model MODEL)\n");
        } else {
            for (size_t i = 0; i < skills.len; i++)
                printf("%s\n", (char *)skills.items[i]);
        }
        sk_vec_done(&skills);
        return CLI_EXIT_OK;
    }
    SkVec list;
    SkStatus s = variants_list(NULL, skill, &list, &err);
    if (s != SK_OK) {
        sk_vec_done(&list);
        return variants_fail(s, &err);
    }
    if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < list.len; i++)
            json_array_append_new(a, variants_info_to_json(list.items[i]));
        cli_print_json(a);
        json_decref(a);
    } else {
        printf("%-12s %-16s %-34s %-5s %s\n", "commit", "time", "branch", "guard", "summary");
        for (size_t i = 0; i < list.len; i++) {
            const VariantInfo *v = list.items[i];
            char t[40];
            print_time(v->time_ms, t, sizeof t);
            printf("%.12s %-16s %-34s %-5s %s%s\n", v->commit, t, v->branch,
                   v->original ? "-" : v->prov.guard, v->summary,
                   v->accepted ? "  [accepted]" : "");
        }
    }
    sk_vec_done(&list);
    return CLI_EXIT_OK;
}

static int variants_show_cmd(const char *ref, bool json)
{
    SkError err;
    sk_error_clear(&err);
    char *skill = NULL, *rev = NULL;
    SkStatus s = variants_parse_ref(NULL, ref, &skill, &rev, &err);
    json_t *o = NULL;
    if (s == SK_OK)
        s = variants_show(NULL, skill, rev, &o, &err);
    free(skill);
    free(rev);
    if (s != SK_OK)
        return variants_fail(s, &err);
    if (json) {
        cli_print_json(o);
        json_decref(o);
        return CLI_EXIT_OK;
    }
    json_t *v = js_obj(o, "variant");
    json_t *p = js_obj(v, "provenance");
    printf("commit   %s\nskill    %s\nbranch   %s%s\ntime     %s\n", js_str(v, "commit", ""),
           js_str(v, "skill", ""), js_str(v, "branch", ""),
           js_bool(v, "accepted", false) ? "  [accepted]" : "", js_str(v, "time", ""));
    if (!js_bool(v, "original", false)) {
        printf("target   %s on %s\npasses   %s\ncompiler %s\nprofile  %s\nguard    %s\n"
               "source   %s\n",
               js_str(p, "model", ""), js_str(p, "harness", ""), js_str(p, "passes", ""),
               js_str(p, "compiler_model", ""), js_str(p, "profile_version", ""),
               js_str(p, "guard", ""), js_str(p, "source_hash", ""));
    }
    printf("\n%s\n", js_str(v, "summary", ""));
    json_t *arts = js_obj(o, "artifacts");
    json_t *gaps = js_arr(js_obj(arts, "gaps.json"), "gaps");
    if (gaps) {
        printf("\ngaps (%zu):\n", json_array_size(gaps));
        size_t i;
        json_t *g;
        json_array_foreach(gaps, i, g)
            printf("  %-22s needs %s, has %s%s\n", js_str(g, "primitive", ""),
                   js_str(g, "required", ""), js_str(g, "have", ""),
                   js_bool(g, "addressed", false) ? "" : "  (not addressed)");
    }
    json_t *deps = js_arr(js_obj(arts, "dependencies.json"), "dependencies");
    if (deps) {
        printf("\ndependencies (%zu):\n", json_array_size(deps));
        size_t i;
        json_t *d;
        json_array_foreach(deps, i, d)
            printf("  %-8s %-24s %s\n", js_str(d, "type", ""), js_str(d, "name", ""),
                   js_bool(d, "present", false) ? "present" : "missing");
    }
    json_t *plan = js_obj(arts, "plan.json");
    if (plan)
        printf("\nplan: %zu steps, %zu edges, %zu parallel groups, critical path %lld, ideal "
               "speed-up %.2fx\n",
               json_array_size(js_arr(plan, "steps")), json_array_size(js_arr(plan, "edges")),
               json_array_size(js_arr(plan, "groups")), js_int(plan, "critical_weight", 0),
               js_num(plan, "ideal_speedup", 1.0));
    printf("\nfiles (%zu):\n", json_array_size(js_arr(o, "files")));
    size_t i;
    json_t *f;
    json_array_foreach(js_arr(o, "files"), i, f) printf("  %s\n", json_string_value(f));
    json_decref(o);
    return CLI_EXIT_OK;
}

static void print_set(const char *what, json_t *cmp)
{
    json_t *a = js_arr(cmp, "only_a"), *b = js_arr(cmp, "only_b");
    if (!json_array_size(a) && !json_array_size(b))
        return;
    printf("%s:", what);
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) printf(" -%s", json_string_value(x));
    json_array_foreach(b, i, x) printf(" +%s", json_string_value(x));
    printf("\n");
}

static void print_num(const char *label, json_t *v)
{
    if (json_is_number(v))
        printf(" %s %+.3g", label, json_number_value(v));
}

static int variants_diff_cmd(const char *ref_a, const char *ref_b, bool json)
{
    SkError err;
    sk_error_clear(&err);
    char *sa = NULL, *ra = NULL, *sb = NULL, *rb = NULL;
    SkStatus s = variants_parse_ref(NULL, ref_a, &sa, &ra, &err);
    if (s == SK_OK) {
        if (strchr(ref_b, ':')) {
            s = variants_parse_ref(NULL, ref_b, &sb, &rb, &err);
        } else {
            sb = sk_strdup(sa);
            rb = sk_strdup(ref_b);
        }
    }
    if (s == SK_OK && strcmp(sa, sb))
        s = sk_error_set(&err, SK_ERR_INVALID,
                         "both variants must belong to one skill (got %s and %s)", sa, sb);
    json_t *o = NULL;
    if (s == SK_OK)
        s = variants_diff(NULL, sa, ra, rb, &o, &err);
    free(sa);
    free(ra);
    free(sb);
    free(rb);
    if (s != SK_OK)
        return variants_fail(s, &err);
    if (json) {
        cli_print_json(o);
        json_decref(o);
        return CLI_EXIT_OK;
    }
    json_t *a = js_obj(o, "a"), *b = js_obj(o, "b");
    printf("a: %.12s %s  %s\nb: %.12s %s  %s\n", js_str(a, "commit", ""), js_str(a, "branch", ""),
           js_str(a, "summary", ""), js_str(b, "commit", ""), js_str(b, "branch", ""),
           js_str(b, "summary", ""));
    json_t *files = js_arr(o, "files");
    printf("\nfiles changed (%zu):\n", json_array_size(files));
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f)
        printf("  %s %s\n", js_str(f, "status", ""), js_str(f, "path", ""));
    json_t *md = js_obj(o, "skill_md");
    printf("\nSKILL.md: +%lld -%lld lines\n", js_int(md, "added", 0), js_int(md, "removed", 0));
    const char *u = js_str(md, "unified", "");
    if (*u)
        fputs(u, stdout);
    json_t *arts = js_obj(o, "artifacts");
    printf("\n");
    print_set("gaps", js_obj(arts, "gaps"));
    print_set("requirements", js_obj(arts, "requirements"));
    print_set("dependencies", js_obj(arts, "dependencies"));
    json_t *plan = js_obj(arts, "plan");
    printf("plan: a %lld steps/%lld groups (%.2fx), b %lld steps/%lld groups (%.2fx)\n",
           js_int(js_obj(plan, "a"), "steps", 0), js_int(js_obj(plan, "a"), "groups", 0),
           js_num(js_obj(plan, "a"), "ideal_speedup", 1), js_int(js_obj(plan, "b"), "steps", 0),
           js_int(js_obj(plan, "b"), "groups", 0), js_num(js_obj(plan, "b"), "ideal_speedup", 1));
    json_t *runs = js_obj(o, "runs");
    json_t *d = json_object_get(runs, "delta");
    if (json_is_object(d)) {
        printf("runs: a %lld, b %lld; b - a:", js_int(js_obj(runs, "a"), "runs", 0),
               js_int(js_obj(runs, "b"), "runs", 0));
        print_num("score", json_object_get(d, "score"));
        print_num("tokens", json_object_get(d, "tokens"));
        print_num("latency_ms", json_object_get(d, "latency_ms"));
        printf("\n");
    } else {
        printf("runs: no runs of both variants in the store yet (score and token deltas need "
               "runs of each)\n");
    }
    json_decref(o);
    return CLI_EXIT_OK;
}

static int variants_accept_cmd(const char *ref, bool json)
{
    SkError err;
    sk_error_clear(&err);
    char *skill = NULL, *rev = NULL, *tag = NULL;
    SkStatus s = variants_parse_ref(NULL, ref, &skill, &rev, &err);
    VariantInfo *v = NULL;
    if (s == SK_OK)
        s = variants_accept(NULL, skill, rev, &tag, &err);
    if (s == SK_OK)
        s = variants_get(NULL, skill, tag, &v, &err);
    if (s != SK_OK) {
        free(skill);
        free(rev);
        free(tag);
        return variants_fail(s, &err);
    }
    if (json) {
        json_t *o = json_pack("{s:s,s:s,s:o}", "skill", skill, "tag", tag, "variant",
                              variants_info_to_json(v));
        cli_print_json(o);
        json_decref(o);
    } else {
        printf("accepted %s:%.12s as %s\n", skill, v->commit, tag);
    }
    variants_info_free(v);
    free(skill);
    free(rev);
    free(tag);
    return CLI_EXIT_OK;
}

static int variants_checkout_cmd(const char *ref, const char *dir)
{
    SkError err;
    sk_error_clear(&err);
    char *skill = NULL, *rev = NULL;
    SkStatus s = variants_parse_ref(NULL, ref, &skill, &rev, &err);
    if (s == SK_OK)
        s = variants_checkout(NULL, skill, rev, dir, &err);
    free(skill);
    free(rev);
    if (s != SK_OK)
        return variants_fail(s, &err);
    printf("%s\n", dir);
    return CLI_EXIT_OK;
}

int cmd_variants(int argc, char **argv)
{
    bool json = false;
    const char *pos[4] = {NULL};
    int npos = 0;
    CliOpts op;
    cli_opts_init(&op, argc, argv);
    while (cli_opts_next(&op)) {
        if (cli_opt_flag(&op, "--help") || cli_opt_flag(&op, "-h")) {
            fputs(variants_usage, stdout);
            return CLI_EXIT_OK;
        } else if (cli_opt_flag(&op, "--json")) {
            json = true;
        } else if (op.positional) {
            if (npos >= 4)
                return cli_error("too many arguments (see skvm variants --help)");
            pos[npos++] = op.arg;
        } else {
            return cli_opts_unknown(&op);
        }
    }
    if (op.failed)
        return CLI_EXIT_USAGE;
    if (npos == 0)
        return cli_error("variants needs a subcommand: list, show, diff, accept, checkout "
                         "(see skvm variants --help)");
    const char *sub = pos[0];
    if (!strcmp(sub, "list") && npos <= 2)
        return variants_list_cmd(pos[1], json);
    if (!strcmp(sub, "show") && npos == 2)
        return variants_show_cmd(pos[1], json);
    if (!strcmp(sub, "diff") && npos == 3)
        return variants_diff_cmd(pos[1], pos[2], json);
    if (!strcmp(sub, "accept") && npos == 2)
        return variants_accept_cmd(pos[1], json);
    if (!strcmp(sub, "checkout") && npos == 3)
        return variants_checkout_cmd(pos[1], pos[2]);
    if (!strcmp(sub, "list") || !strcmp(sub, "show") || !strcmp(sub, "diff") ||
        !strcmp(sub, "accept") || !strcmp(sub, "checkout"))
        return cli_error("wrong number of arguments for 'variants %s' (see skvm variants "
                         "--help)",
                         sub);
    return cli_error("unknown subcommand 'variants %s' (list, show, diff, accept, checkout)",
                     sub);
}
