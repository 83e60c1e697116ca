/* test_pass_plan.c: pass 3, the plan graph: steps from lists, step headings and sections,
 * data edges, parallel groups (dlp, ilp, tlp), duplicate merging, acyclicity, the critical
 * path, the SKILL.md section; every reference skill gives an acyclic plan. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "core/pass_plan.h"
#include "core/skill.h"
#include "tests/testlib.h"

static json_t *step(json_t *plan, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(js_arr(plan, "steps"), i, s) if (sk_str_eq(js_str(s, "id", ""), id))
        return s;
    return NULL;
}

static bool has_edge(json_t *plan, const char *from, const char *to)
{
    size_t i;
    json_t *e;
    json_array_foreach(js_arr(plan, "edges"), i, e) if (sk_str_eq(js_str(e, "from", ""), from) &&
                                                         sk_str_eq(js_str(e, "to", ""), to))
        return true;
    return false;
}

static json_t *group_of_type(json_t *plan, const char *type)
{
    size_t i;
    json_t *g;
    json_array_foreach(js_arr(plan, "groups"), i, g) if (sk_str_eq(js_str(g, "type", ""), type))
        return g;
    return NULL;
}

START_TEST(test_linear_list)
{
    const char *md = "---\nname: t\ndescription: d\n---\n# T\n\n## Tips\n\n1. Be nice\n2. Be "
                     "brief\n\n## Workflow\n\n1. Parse the request\n2. Then compute the dates\n"
                     "   with care\n3. Write the result to out.ics\n";
    json_t *p = pass_plan_build(md, NULL);
    ck_assert_str_eq(js_str(p, "strategy", ""), "numbered list");
    ck_assert_str_eq(js_str(p, "under", ""), "Workflow");
    ck_assert_uint_eq(json_array_size(js_arr(p, "steps")), 3);
    json_t *s2 = step(p, "s2");
    ck_assert_int_eq(json_integer_value(json_array_get(js_arr(s2, "lines"), 0)), 15);
    ck_assert_int_eq(json_integer_value(json_array_get(js_arr(s2, "lines"), 1)), 16);
    ck_assert_str_eq(json_string_value(json_array_get(js_arr(step(p, "s3"), "outputs"), 0)),
                     "out.ics");
    ck_assert(has_edge(p, "s1", "s2"));
    ck_assert(has_edge(p, "s2", "s3"));
    ck_assert_uint_eq(json_array_size(js_arr(p, "groups")), 0);
    ck_assert(js_bool(p, "acyclic", false));
    ck_assert_int_eq(js_int(p, "critical_weight", 0), 3);
    ck_assert(js_num(p, "ideal_speedup", 0) == 1.0);
    ck_assert_ptr_null(pass_plan_section(p, 100)); /* nothing to say */
    json_decref(p);
}
END_TEST

START_TEST(test_parallel_groups)
{
    const char *md = "# R\n\n## Steps\n\n"
                     "1. Read `sales.csv`\n"
                     "2. Read `config.yaml`\n"
                     "3. Then merge sales.csv and config.yaml and save report.md\n"
                     "4. For each file in `data/`, convert it to JSON\n"
                     "5. Research the market in depth\n"
                     "   looking at several sources\n"
                     "   and taking notes\n"
                     "6. Independently, research the competitors\n"
                     "   across several sources\n"
                     "   and taking notes\n"
                     "7. Finally combine report.md with the research\n";
    json_t *p = pass_plan_build(md, "bare-agent");
    ck_assert(js_bool(p, "acyclic", false));
    json_t *ilp = group_of_type(p, "ilp");
    ck_assert_ptr_nonnull(ilp);
    ck_assert_str_eq(json_string_value(json_array_get(js_arr(ilp, "steps"), 0)), "s1");
    ck_assert_str_eq(json_string_value(json_array_get(js_arr(ilp, "steps"), 1)), "s2");
    ck_assert(js_bool(ilp, "harness_supported", false));
    ck_assert(has_edge(p, "s1", "s3"));
    ck_assert(has_edge(p, "s2", "s3"));
    ck_assert(!has_edge(p, "s1", "s2"));
    /* data edge through report.md */
    bool data = false;
    size_t i;
    json_t *e;
    json_array_foreach(js_arr(p, "edges"), i, e) if (sk_str_eq(js_str(e, "from", ""), "s3") &&
                                                      sk_str_eq(js_str(e, "to", ""), "s7") &&
                                                      sk_str_eq(js_str(e, "via", ""),
                                                                "report.md")) data = true;
    ck_assert(data);
    json_t *dlp = group_of_type(p, "dlp");
    ck_assert_ptr_nonnull(dlp);
    ck_assert_str_eq(json_string_value(json_array_get(js_arr(dlp, "steps"), 0)), "s4");
    json_t *tlp = group_of_type(p, "tlp");
    ck_assert_ptr_nonnull(tlp);
    ck_assert(!js_bool(tlp, "harness_supported", true)); /* bare-agent has no sub-agents */
    ck_assert(js_num(p, "ideal_speedup", 0) > 1.0);
    char *sec = pass_plan_section(p, 100);
    ck_assert_ptr_nonnull(sec);
    ck_assert_ptr_nonnull(strstr(sec, "<!-- skvm:begin plan -->"));
    ck_assert_ptr_nonnull(strstr(sec, "Steps s1"));
    ck_assert_ptr_null(strstr(sec, "sub-agent")); /* the tlp group is not for this harness */
    free(sec);
    ck_assert_ptr_null(pass_plan_section(p, 5)); /* does not fit */
    json_decref(p);

    json_t *p2 = pass_plan_build(md, "claude-code");
    ck_assert(js_bool(group_of_type(p2, "tlp"), "harness_supported", false));
    json_decref(p2);
}
END_TEST

START_TEST(test_headings_and_sections)
{
    const char *md = "# A\n\n## Setup\n\n### Step 1: Install\n\ntext\n\n### Step 2: Configure\n\n"
                     "more\n\n```bash\n# Step 9: not a heading\n1. not a list\n```\n\n## Other\n";
    json_t *p = pass_plan_build(md, NULL);
    ck_assert_str_eq(js_str(p, "strategy", ""), "step headings");
    ck_assert_uint_eq(json_array_size(js_arr(p, "steps")), 2);
    ck_assert_str_eq(js_str(step(p, "s2"), "title", ""), "Step 2: Configure");
    json_decref(p);

    const char *md2 = "# B\n\n## Gather\n\nstuff\n\n## Analyse\n\nstuff\n\n## Report\n\nstuff\n";
    p = pass_plan_build(md2, NULL);
    ck_assert_str_eq(js_str(p, "strategy", ""), "sections");
    ck_assert_uint_eq(json_array_size(js_arr(p, "steps")), 3);
    json_decref(p);

    p = pass_plan_build("just text, no structure\n", NULL);
    ck_assert_str_eq(js_str(p, "strategy", ""), "whole skill");
    ck_assert_uint_eq(json_array_size(js_arr(p, "steps")), 1);
    ck_assert(js_bool(p, "acyclic", false));
    json_decref(p);
}
END_TEST

START_TEST(test_duplicates_and_cycles)
{
    const char *md = "## Workflow\n\n1. Fetch data.json\n2. Clean it\n3. Fetch data.json\n"
                     "4. Save out.csv\n";
    json_t *p = pass_plan_build(md, NULL);
    /* s3 duplicates s1 but merging would close the cycle s1 -> s2 -> s1: kept apart */
    ck_assert(js_bool(p, "acyclic", false));
    json_decref(p);
    const char *md2 = "## Workflow\n\n1. Read a.txt\n2. Read a.txt\n3. Save b.txt\n";
    p = pass_plan_build(md2, NULL);
    ck_assert_uint_eq(json_array_size(js_arr(p, "steps")), 2);
    ck_assert_str_eq(json_string_value(json_array_get(js_arr(step(p, "s1"), "merged_from"), 0)),
                     "s2");
    ck_assert(js_bool(p, "acyclic", false));
    json_decref(p);

    /* the checker itself */
    json_t *bad = json_pack("{s:[{s:s},{s:s}],s:[{s:s,s:s},{s:s,s:s}]}", "steps", "id", "a",
                            "id", "b", "edges", "from", "a", "to", "b", "from", "b", "to", "a");
    ck_assert(!pass_plan_acyclic(bad, NULL));
    json_decref(bad);
}
END_TEST

START_TEST(test_reference_skills)
{
    TL_REQUIRE_REFERENCE();
    const char *sets[] = {"skills", "skills-anthropic"};
    int n = 0;
    for (size_t k = 0; k < 2; k++) {
        char *root = tl_reference_path(sets[k]);
        DIR *d = opendir(root);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char *dir = sk_path_join(root, de->d_name);
            Skill *s = NULL;
            if (skill_load(dir, &s, NULL) == SK_OK) {
                json_t *p = pass_plan_build(s->content, NULL);
                ck_assert_msg(js_bool(p, "acyclic", false), "%s", dir);
                ck_assert_msg(json_array_size(js_arr(p, "steps")) >= 1, "%s", dir);
                ck_assert(js_int(p, "critical_weight", 0) >= 1);
                json_decref(p);
                skill_free(s);
                n++;
            }
            free(dir);
        }
        if (d)
            closedir(d);
        free(root);
    }
    ck_assert_int_ge(n, 10);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pass_plan");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_linear_list);
    tcase_add_test(tc, test_parallel_groups);
    tcase_add_test(tc, test_headings_and_sections);
    tcase_add_test(tc, test_duplicates_and_cycles);
    tcase_add_test(tc, test_reference_skills);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
